"""The archivist's workflow on the web: forms, previews, saves, conflicts, CSRF."""

from __future__ import annotations

import re

import pytest

from archive import create_app
from archive.records.collection import vocabulary_for
from archive.records.testimony import read_testimony
from archive.records.writing import write_testimony
from archive.search.indexing import update_index

from ..formparse import form_values
from ..helpers import SAMPLE, write_record

VOCABULARY = vocabulary_for(SAMPLE)


@pytest.fixture
def editor(sample_copy):
    update_index(sample_copy.testimonies, sample_copy.index)
    app = create_app({"TESTING": True, "PRIVATE": True, "TESTIMONIES": str(sample_copy.testimonies),
                      "INDEX": str(sample_copy.index)})
    client = app.test_client()
    client.paths = sample_copy
    return client


def token(client, url="/new") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def errors(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, message in re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', html):
        found.setdefault(name, []).append(message.replace("&#39;", "'"))
    return found


NEW = {"title": "Trade clerk in Dandong", "year": "2019", "post": "Clerk, trading company",
       "sector": "trade", "motives": ["hallyu, 기근", "recall order"], "language": "en",
       "body": "The office sold **seaweed** for loyalty funds.", "access": "public",
       "sources-0-title": "Interview notes", "sources-0-date": "2024-05-01", "action": "save"}


def test_forms_exist_only_in_private_mode(client):
    assert client.get("/new").status_code == 404
    assert client.get("/t/ri-il-kyu-2023/edit").status_code == 404
    assert client.post("/new", data=NEW).status_code in (404, 405)


def test_new_form_offers_every_field_and_the_vocabulary(editor):
    html = editor.get("/new").get_data(as_text=True)
    for name in ("id", "title", "year", "post", "sector", "country", "motives", "name", "aliases",
                 "pseudonym", "gender", "defected_on", "language", "summary", "tags", "access",
                 "body", "sources-0-title", "withhold", "recorded_by", "recorded_on", "born"):
        assert f'name="{name}"' in html, name
    assert 'value="children&#39;s freedom"' in html and "자녀의 자유" in html


def test_saving_a_new_record_writes_it_and_indexes_it_at_once(editor):
    response = editor.post("/new", data=dict(NEW, csrf_token=token(editor)))
    assert response.status_code == 303
    assert response.headers["Location"] == "/t/trade-clerk-in-dandong-2019?saved=1"
    path = editor.paths.testimonies / "trade-clerk-in-dandong-2019.md"
    assert path.read_text(encoding="utf-8") == (
        "---\ntitle: Trade clerk in Dandong\nyear: 2019\npost: Clerk, trading company\n"
        "sector: trade\nmotives: [Korean Wave media, famine, recall order]\nsources:\n"
        "- title: Interview notes\n  date: 2024-05-01\naccess: public\n---\n\n"
        "The office sold **seaweed** for loyalty funds.\n")
    assert [r["id"] for r in editor.get("/api/search?q=seaweed").get_json()["results"]] == [
        "trade-clerk-in-dandong-2019"]
    assert "Saved. The record is in the index" in editor.get(response.headers["Location"]).get_data(as_text=True)


def test_errors_are_shown_next_to_their_fields_and_the_form_keeps_what_was_typed(editor):
    data = dict(NEW, csrf_token=token(editor), year="circa 2019", sector="farming",
                motives=["purgatory"], **{"sources-0-url": "javascript:alert(1)"})
    response = editor.post("/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert errors(html) == {
        "year": ["expected a year such as 2019, got 'circa 2019'"],
        "sector": ["expected one of diplomatic, trade, military, security, party, "
                   "overseas-labour, student, civilian, other, got 'farming'"],
        "motives": ["unknown motive 'purgatory', not a term or alias of "
                    "testimonies/vocabulary.yaml; did you mean 'fear of purge'?"],
        "sources": ["url: expected an http:// or https:// address, got 'javascript:alert(1)'"],
    }
    kept = form_values(html)
    assert kept["year"] == ["circa 2019"] and kept["body"] == [NEW["body"]]
    assert kept["sources-0-title"] == ["Interview notes"]
    assert not (editor.paths.testimonies / "trade-clerk-in-dandong-2019.md").exists()


def test_a_new_record_never_replaces_an_existing_one(editor):
    before = (editor.paths.testimonies / "ri-il-kyu-2023.md").read_bytes()
    response = editor.post("/new", data=dict(NEW, id="ri-il-kyu-2023", csrf_token=token(editor)))
    assert response.status_code == 409
    assert errors(response.get_data(as_text=True))["id"] == [
        "A testimony with the id 'ri-il-kyu-2023' already exists (ri-il-kyu-2023.md); choose "
        "another id."]
    assert (editor.paths.testimonies / "ri-il-kyu-2023.md").read_bytes() == before


def test_csrf_token_is_required(editor):
    response = editor.post("/new", data=NEW)
    assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True)
    assert not (editor.paths.testimonies / "trade-clerk-in-dandong-2019.md").exists()


def test_requests_for_another_host_cannot_write(editor):
    response = editor.post("/new", data=dict(NEW, csrf_token=token(editor)),
                           headers={"Host": "attacker.example"})
    assert response.status_code == 400
    assert not (editor.paths.testimonies / "trade-clerk-in-dandong-2019.md").exists()


def test_preview_renders_the_body_on_the_server(editor):
    data = dict(NEW, csrf_token=token(editor), action="preview",
                body="**bold** <script>alert(1)</script> [x]{.restricted}")
    html = editor.post("/new", data=data).get_data(as_text=True)
    assert "<strong>bold</strong>" in html and "&lt;script&gt;" in html
    assert not (editor.paths.testimonies / "trade-clerk-in-dandong-2019.md").exists()
    fragment = editor.post("/preview", data={"csrf_token": token(editor), "body": "*hi*"})
    assert fragment.get_data(as_text=True) == (
        '<p id="p-1"><em>hi</em> <a class="pilcrow" href="#p-1" title="Link to paragraph 1">'
        '<span aria-hidden="true">¶</span><span class="visually-hidden">Paragraph 1</span>'
        "</a></p>\n")


def test_the_preview_shows_coded_passages_labelled_with_their_motives(editor):
    body = 'He said [we left for the children]{.motive term="freedom for my children"}.'
    fragment = editor.post("/preview", data={"csrf_token": token(editor), "body": body})
    assert ('<span class="coded"><span class="coded-label">[children\'s freedom]</span> '
            '<q class="coded-text">we left for the children</q></span>') in \
        fragment.get_data(as_text=True)


def test_a_coded_motive_is_added_to_the_stated_motives_when_saved(editor):
    body = 'He said [we left for the children]{.motive term="freedom for my children"}.\n'
    data = dict(NEW, csrf_token=token(editor), action="save", body=body)
    response = editor.post("/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    text = (editor.paths.testimonies / "trade-clerk-in-dandong-2019.md").read_text("utf-8")
    assert "children's freedom" in text.split("---")[1]


def test_add_another_source_shows_another_row(editor):
    data = dict(NEW, csrf_token=token(editor), action="add-source")
    html = editor.post("/new", data=data).get_data(as_text=True)
    assert 'name="sources-2-title"' in html


@pytest.mark.parametrize("path", sorted(SAMPLE.glob("*.md")), ids=lambda p: p.stem)
def test_file_form_file_round_trip_changes_nothing(editor, path):
    testimony_id = path.stem
    canonical = editor.paths.testimonies / path.name
    write_testimony(read_testimony(canonical, VOCABULARY)[0], canonical)  # canonical layout
    update_index(editor.paths.testimonies, editor.paths.index)
    before = canonical.read_bytes()
    form = form_values(editor.get(f"/t/{testimony_id}/edit").get_data(as_text=True))
    form["action"] = ["save"]
    response = editor.post(f"/t/{testimony_id}/edit", data=form)
    assert response.status_code == 303, errors(response.get_data(as_text=True))
    assert response.headers["Location"].endswith("saved=0")
    assert canonical.read_bytes() == before


def test_a_correction_is_saved_and_searchable_at_once(editor):
    form = form_values(editor.get("/t/fishing-crew-2019/edit").get_data(as_text=True))
    form["body"] = ["We steered south past the squid boats."]
    form["action"] = ["save"]
    assert editor.post("/t/fishing-crew-2019/edit", data=form).status_code == 303
    assert editor.get("/api/search?q=squid").get_json()["total"] == 1
    assert editor.get("/api/search?q=owed").get_json()["total"] == 0


def test_fields_the_form_does_not_edit_are_kept(editor):
    write_record(editor.paths.testimonies, "extra-record", motives=["famine"],
                 interviewer_notes="kept word for word")
    update_index(editor.paths.testimonies, editor.paths.index)
    html = editor.get("/t/extra-record/edit").get_data(as_text=True)
    assert "interviewer_notes" in html
    form = form_values(html)
    form["title"], form["action"] = ["A new title"], ["save"]
    assert editor.post("/t/extra-record/edit", data=form).status_code == 303
    text = (editor.paths.testimonies / "extra-record.md").read_text(encoding="utf-8")
    assert "interviewer_notes: kept word for word" in text and "title: A new title" in text


def test_a_change_made_meanwhile_is_a_conflict_with_both_versions(editor):
    path = editor.paths.testimonies / "party-cadre-2013.md"
    form = form_values(editor.get("/t/party-cadre-2013/edit").get_data(as_text=True))
    path.write_text(path.read_text(encoding="utf-8").replace("inspection teams", "auditors"),
                    encoding="utf-8")  # a text editor, another tab, a git pull
    theirs = path.read_bytes()
    form["summary"], form["action"] = ["My corrected summary."], ["save"]
    response = editor.post("/t/party-cadre-2013/edit", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and path.read_bytes() == theirs
    assert "Someone else changed this record" in html
    assert "auditors" in html and "My corrected summary." in html
    again = form_values(html)
    again["action"] = ["save"]
    assert editor.post("/t/party-cadre-2013/edit", data=again).status_code == 303
    assert "My corrected summary." in path.read_text(encoding="utf-8")


def test_record_page_links_to_the_form_in_private_mode(editor, client):
    assert "/t/ri-il-kyu-2023/edit" in editor.get("/t/ri-il-kyu-2023").get_data(as_text=True)
    assert "/edit" not in client.get("/t/ri-il-kyu-2023").get_data(as_text=True)


def test_a_correction_keeps_the_record_s_recording(editor):
    form = form_values(editor.get("/t/nurse-hyesan-1999/edit").get_data(as_text=True))
    form["summary"] = ["A nurse describes wards without medicine."]
    form["action"] = ["save"]
    assert editor.post("/t/nurse-hyesan-1999/edit", data=form).status_code == 303
    text = (editor.paths.testimonies / "nurse-hyesan-1999.md").read_text(encoding="utf-8")
    assert "media:\n  file: media/nurse-hyesan-1999.opus\n" in text
    assert "title: The hospital without medicine" in text
    assert editor.get("/api/search?q=bandages").get_json()["results"][0]["moment"]["cue"] == 3
