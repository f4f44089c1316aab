"""No restricted word reaches any public output: pages, API, CSV, citations, CLI, index bytes.

Marker words are planted in every restricted place. Each check is paired with a positive
control (the private side does show them), so the test cannot pass by showing nothing.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import create_app
from archive.cli import cli
from archive.search.engine.generations import current_generation
from archive.search.indexing import update_index

from .helpers import write_record

MARKERS = {
    "restricted body": "qzbodyword",
    "restricted name": "qznameword",
    "restricted alias": "qzaliasword",
    "restricted summary": "qzsummaryword",
    "restricted source": "qzsourceword",
    "restricted source url": "qzurlword",
    "inline redaction": "qzinlineword",
    "inline redaction in summary": "qzinsumword",
    "withheld name": "qzwithheldname",
    "withheld source": "qzwithheldsource",
    "coded passage of a restricted record": "qzcodedrestricted",
    "restricted span inside a coded passage": "qzcodednested",
    "coded passage inside a restricted span": "qzcodedinside",
}
LATER = {"later body": "qzlaterbody", "later name": "qzlatername"}


def build_archive(folder: Path) -> None:
    write_record(folder, "closed-account", body=f"The account {MARKERS['restricted body']}. "
                 f"[We fled {MARKERS['coded passage of a restricted record']}]"
                 '{.motive term="famine"}.\n',
                 title="A clerk's account", access="restricted", pseudonym=True,
                 name=f"Kim {MARKERS['restricted name']}", aliases=[MARKERS["restricted alias"]],
                 summary=f"Summary {MARKERS['restricted summary']}.", motives=["famine"],
                 sources=[{"title": f"Notes {MARKERS['restricted source']}",
                           "url": f"https://example.org/{MARKERS['restricted source url']}"}])
    write_record(folder, "open-account",
                 body=f"We crossed with [my cousin {MARKERS['inline redaction']}]{{.restricted}} "
                      "at the river near the famine villages.\n\n"
                      f"[The [{MARKERS['restricted span inside a coded passage']}]{{.restricted}} "
                      'hunger drove us]{.motive term="famine"}. [She said [we had '
                      f"{MARKERS['coded passage inside a restricted span']}]"
                      '{.motive term="famine"} quietly]{.restricted}.\n',
                 summary=f"About [{MARKERS['inline redaction in summary']}]{{.restricted}} things.",
                 name=f"Pak {MARKERS['withheld name']}", pseudonym=True,
                 withhold=["name", "sources"], motives=["famine"],
                 sources=[{"title": f"Interview {MARKERS['withheld source']}"}])
    write_record(folder, "changing-account", body=f"A river story {LATER['later body']}.\n",
                 name=f"Ri {LATER['later name']}", pseudonym=True, motives=["famine"])


def make_restricted(folder: Path) -> None:
    path = folder / "changing-account.md"
    text = path.read_text(encoding="utf-8").replace("sector: civilian",
                                                    "sector: civilian\naccess: restricted")
    path.write_text(text, encoding="utf-8")


def probes(word: str) -> list[str]:
    """Queries that would find a word, or suggest it, without containing it (no echo)."""
    return [word[:-3] + "*", word[:-3] + "x" + word[-2:]]


def urls(ids: list[str], words: list[str]) -> list[str]:
    pages = ["/", "/search", "/search?q=famine", "/search?q=river", "/search.csv",
             "/search.csv?q=famine", "/api/search", "/api/search?q=famine&per_page=100",
             "/search?motive=famine", "/nowhere", "/t/no-such-record"]
    pages += [f"/export/{fmt}{query}" for fmt in ("json", "csv", "csl-json", "bibtex", "ris",
                                                  "passages", "refi-qda")
              for query in ("", "?q=famine", "?motive=famine")]
    pages += ["/api/search?motive=famine", "/search?q=motive:famine", "/api/search?q=motive:famine",
              "/search?motive=famine&q=hunger", "/api/search?motive=famine&q=hunger"]
    pages += ["/oai?verb=ListRecords&metadataPrefix=oai_dc", "/oai?verb=ListSets",
              "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=motive:famine",
              "/oai?verb=Identify", "/sitemap.xml", "/robots.txt"]
    for probe in (p for word in words for p in probes(word)):
        pages += [f"/search?q={probe}", f"/api/search?q={probe}", f"/search.csv?q={probe}",
                  f"/search?q=name:{probe}", f"/search?q={probe}&labels=ko"]
    for testimony_id in ids:
        pages += [f"/t/{testimony_id}/transcript.vtt", f"/t/{testimony_id}/ohms.xml",
                  f"/t/{testimony_id}?t=7", f"/t/{testimony_id}/master",
                  f"/t/{testimony_id}/recording"]
        pages += [f"/t/{testimony_id}", f"/t/{testimony_id}.md", f"/t/{testimony_id}/cite.bib",
                  f"/t/{testimony_id}/cite.json", f"/api/t/{testimony_id}",
                  f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:localhost:"
                  f"{testimony_id}"]
    return pages


def web_outputs(paths, private: bool, words: list[str], ids=None) -> str:
    app = create_app({"TESTING": True, "TESTIMONIES": str(paths.testimonies),
                      "INDEX": str(paths.index), "PRIVATE": private})
    client, korean = app.test_client(), app.test_client()
    korean.set_cookie("lang", "ko")  # the Korean pages are crawled too
    ids = ids or ["closed-account", "open-account", "changing-account"]
    return "\n".join(readable(reader.get(url).data) for url in urls(ids, words)
                     for reader in (client, korean))


def readable(data: bytes) -> str:
    """An answer as text; a ZIP (a REFI-QDA project) as the text of every file in it (a
    recording in it as its bytes, read as Latin-1)."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"\n".join(archive.read(name) for name in archive.namelist())
    return data.decode("utf-8", "replace") if b"RIFF" not in data else data.decode("latin-1")


def cli_outputs(paths, private: bool, words: list[str], ids=None) -> str:
    runner = CliRunner()
    base = ["--testimonies", str(paths.testimonies), "--index", str(paths.index)]
    mode = ["--private"] if private else []
    calls = [["search", "famine", "--json"], ["search", "famine"], ["search", "--json"],
             ["search", "river", "--limit", "100"]]
    calls += [["search", probe, "--json"] for word in words for probe in probes(word)]
    calls += [["search", probe] for word in words for probe in probes(word)]
    ids = ids or ("closed-account", "open-account", "changing-account")
    calls += [["show", i, "--json"] for i in ids] + [["show", i] for i in ids]
    calls += [["show", i, "--transcript"] for i in ids] + [["show", i, "--ohms"] for i in ids]
    calls += [["export", "--format", fmt] for fmt in ("json", "csv", "csl-json", "bibtex", "ris")]
    calls += [["export", "--format", "json", "famine"], ["export", "--format", "passages"],
              ["search", "--filter", "motive=famine", "--json"]]
    out = []
    for call in calls:
        result = runner.invoke(cli, base + call + mode)
        out.append(result.output)
    project = Path(paths.index).parent / "leak-check.qdpx"
    runner.invoke(cli, base + ["export", "--format", "refi-qda", "--output", str(project)] + mode)
    out.append(readable(project.read_bytes()))
    return "\n".join(out)


def index_bytes(paths, view: str) -> bytes:
    folder = current_generation(paths.index) / view
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def found_in(text: str, markers: dict) -> list[str]:
    lowered = text.lower()
    return [place for place, word in markers.items() if word in lowered]


@pytest.fixture
def leaky(empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    build_archive(empty_archive.testimonies)
    update_index(empty_archive.testimonies, empty_archive.index)
    return empty_archive


@pytest.mark.long
def test_nothing_restricted_leaks_before_and_after_a_record_becomes_restricted(leaky):
    words = list(MARKERS.values()) + list(LATER.values())
    assert found_in(web_outputs(leaky, False, words), MARKERS) == []
    assert found_in(cli_outputs(leaky, False, words), MARKERS) == []
    assert found_in(index_bytes(leaky, "public").decode("latin-1"), MARKERS) == []
    # Before the change the later record is public: its words are there (positive control).
    assert found_in(web_outputs(leaky, False, words), LATER) == list(LATER)
    assert found_in(index_bytes(leaky, "public").decode("latin-1"), LATER) == list(LATER)

    make_restricted(leaky.testimonies)
    report = update_index(leaky.testimonies, leaky.index)
    assert report.changed == ["changing-account"]
    everything = {**MARKERS, **LATER}
    assert found_in(web_outputs(leaky, False, words), everything) == []
    assert found_in(cli_outputs(leaky, False, words), everything) == []
    assert found_in(index_bytes(leaky, "public").decode("latin-1"), everything) == []
    assert [p.name for p in leaky.index.glob("gen-*/public/*") if p.suffix == ".tmp"] == []


def test_private_mode_shows_every_restricted_place(leaky):
    words = list(MARKERS.values())
    expected = list(MARKERS)
    assert found_in(web_outputs(leaky, True, words), MARKERS) == expected
    assert found_in(cli_outputs(leaky, True, words), MARKERS) == expected
    indexed = found_in(index_bytes(leaky, "private").decode("latin-1"), MARKERS)
    assert {"restricted body", "restricted name", "inline redaction"} <= set(indexed)


def test_public_search_for_restricted_words_reveals_no_record(leaky):
    client = create_app({"TESTING": True, "TESTIMONIES": str(leaky.testimonies),
                         "INDEX": str(leaky.index)}).test_client()
    for word in MARKERS.values():
        data = client.get(f"/api/search?q={word}").get_json()
        assert data["total"] == 0 and data["results"] == [], word
        for probe in probes(word):
            data = client.get(f"/api/search?q={probe}").get_json()
            assert data["total"] == 0 and data["suggestion"] is None, probe


def test_public_error_messages_do_not_carry_restricted_fields(leaky):
    """A restricted record that becomes invalid is not described in public."""
    path = leaky.testimonies / "closed-account.md"
    path.write_text(path.read_text(encoding="utf-8").replace("year: 2016", "year: soon"),
                    encoding="utf-8")
    client = create_app({"TESTING": True, "TESTIMONIES": str(leaky.testimonies),
                         "INDEX": str(leaky.index)}).test_client()
    page = client.get("/t/closed-account")
    assert page.status_code == 503
    assert found_in(page.get_data(as_text=True), MARKERS) == []
    assert os.path.basename(str(path)) not in page.get_data(as_text=True)


def test_the_probes_find_the_words_where_they_may_be_seen(leaky):
    """Positive control for the crawl: in private mode each probe finds or suggests its word."""
    client = create_app({"TESTING": True, "TESTIMONIES": str(leaky.testimonies),
                         "INDEX": str(leaky.index), "PRIVATE": True}).test_client()
    for place in ("restricted body", "restricted summary", "inline redaction"):
        prefix, misspelt = probes(MARKERS[place])
        assert client.get(f"/api/search?q={prefix}").get_json()["total"] == 1, place
        assert client.get(f"/api/search?q={misspelt}").get_json()["suggestion"] == \
            MARKERS[place], place


def test_a_passage_redacted_in_a_record_already_redacted_leaves_the_public_index(empty_archive):
    """The record differed in public before; the new redaction hides a word that was public."""
    folder = empty_archive.testimonies
    path = write_record(folder, "twice-redacted", body="We met [at night]{.restricted} near "
                        "the quillwhistle mill.\n")
    update_index(folder, empty_archive.index)
    assert "quillwhistle" in index_bytes(empty_archive, "public").decode("latin-1")
    write_record(folder, "twice-redacted", body="We met [at night]{.restricted} near "
                 "the [quillwhistle]{.restricted} mill.\n")
    update_index(folder, empty_archive.index, only=[path])
    assert "quillwhistle" not in index_bytes(empty_archive, "public").decode("latin-1")
    assert "quillwhistle" in index_bytes(empty_archive, "private").decode("latin-1")


def test_a_restricted_korean_passage_leaves_none_of_its_syllables_in_public(empty_archive):
    """A one-syllable search looks inside words, in fields of single syllables: they must
    hold only what the public may read (a restricted record's title is public, its body is
    not). 뷁, 똠 and 쀍 stand nowhere else."""
    folder = empty_archive.testimonies
    write_record(folder, "korean-account", language="ko",
                 body="국경을 건넜습니다. [안내인 뷁똠쀍 씨]{.restricted} 덕분이었습니다.\n",
                 summary="[뷁똠 이야기]{.restricted} 국경의 밤.")
    write_record(folder, "closed-korean-account", language="ko", access="restricted",
                 title="마을의 증언", body="똠 마을에서 쀍과 떠났습니다.\n")
    update_index(folder, empty_archive.index)
    public = create_app({"TESTING": True, "TESTIMONIES": str(folder),
                         "INDEX": str(empty_archive.index)}).test_client()
    private = create_app({"TESTING": True, "TESTIMONIES": str(folder),
                          "INDEX": str(empty_archive.index), "PRIVATE": True}).test_client()
    for syllable in "뷁똠쀍":
        assert public.get(f"/api/search?q={syllable}").get_json()["total"] == 0, syllable
        assert private.get(f"/api/search?q={syllable}").get_json()["total"] >= 1, syllable
        encoded = syllable.encode("utf-8")
        assert encoded not in index_bytes(empty_archive, "public"), syllable
        assert encoded in index_bytes(empty_archive, "private"), syllable
    assert public.get("/api/search?q=국").get_json()["total"] == 1  # the public words are found


def test_nothing_said_in_a_restricted_cue_or_a_restricted_interview_leaks(empty_archive,
                                                                         monkeypatch):
    from .interviews import RESTRICTED_NAME, make_interview

    monkeypatch.chdir(empty_archive.testimonies.parent)
    make_interview(empty_archive.testimonies, "open-interview")
    make_interview(empty_archive.testimonies, "closed-interview", access="restricted",
                   sentences=(("Kim", "We hid with qzclosedword in the hills."),))
    update_index(empty_archive.testimonies, empty_archive.index)
    said = {"restricted cue": RESTRICTED_NAME, "restricted interview": "qzclosedword"}
    ids = ["open-interview", "closed-interview"]
    public = web_outputs(empty_archive, False, list(said.values()), ids) + cli_outputs(
        empty_archive, False, list(said.values()), ids)
    assert found_in(public, said) == []
    assert found_in(index_bytes(empty_archive, "public").decode("latin-1"), said) == []
    copies = b"".join(p.read_bytes() for p in (empty_archive.index / "media").rglob("*.*"))
    assert copies and RESTRICTED_NAME.encode() not in copies.lower()
    private = web_outputs(empty_archive, True, list(said.values()), ids) + cli_outputs(
        empty_archive, True, list(said.values()), ids)
    assert found_in(private, said) == list(said)
    assert "I kept the accounts" in public  # the public cues are there (control)
