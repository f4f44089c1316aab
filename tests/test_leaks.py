"""No restricted word reaches any public output: pages, API, CSV, citations, CLI, index bytes.

Marker words are planted in every restricted place. Each check is paired with a positive
control (the private side does show them), so the test cannot pass by showing nothing.
"""

from __future__ import annotations

import io
import os
import zipfile
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import create_app
from archive.cli import cli
from archive.search.engine.generations import current_generation
from archive.search.indexing import update_index

from .helpers import valid_oai, write_record

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
    text = path.read_text(encoding="utf-8").replace("access: public", "access: restricted")
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
              "/search?motive=famine&q=hunger", "/api/search?motive=famine&q=hunger",
              "/suggestions", "/suggestions?motive=famine"]
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
    return "\n".join(readable(reader.get(url).data, url) for url in urls(ids, words)
                     for reader in (client, korean))


def readable(data: bytes, url: str = "") -> str:
    """An answer as text; a ZIP (a REFI-QDA project) as the text of every file in it (a
    recording in it as its bytes, read as Latin-1); an answer of /oai checked against the
    published schemas on the way."""
    if url.startswith("/oai"):
        valid_oai(data)
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
              ["search", "--filter", "motive=famine", "--json"],
              ["suggest", "--motive", "famine", "--json"], ["suggest", "--motive", "famine"]]
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
    indexed = found_in(index_bytes(leaky, "archivists").decode("latin-1"), MARKERS)
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
    assert "quillwhistle" in index_bytes(empty_archive, "archivists").decode("latin-1")


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
        assert encoded in index_bytes(empty_archive, "archivists"), syllable
    assert public.get("/api/search?q=국").get_json()["total"] == 1  # the public words are found


# The person's fields (record format 1.2): a rank whose every label is a marker word, a year
# of birth and its generation no other record holds, and "spouse", which no public text of
# this archive says. Withheld in one public record, held by one restricted record.
PERSON = {"rank term": "qzranktermword", "rank alias": "qzrankaliasword",
          "rank Korean label": "qzrankkoword", "year of birth": "1889",
          "generation": "1880s", "who left with them": "spouse", "in Korean": "배우자"}


@pytest.fixture
def people(empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    folder = empty_archive.testimonies
    vocabulary = folder / "vocabulary.yaml"
    # The vocabulary is public (its first rank names the home page's chart): the marker rank
    # comes last, and only a record's rank may make it appear.
    assert vocabulary.read_text(encoding="utf-8").rstrip().endswith("an official post.")
    with vocabulary.open("a", encoding="utf-8") as ranks:
        ranks.write(f"  {PERSON['rank term']}:\n    ko: {PERSON['rank Korean label']}\n"
                    f"    aliases: [{PERSON['rank alias']}]\n")
    person = {"rank": PERSON["rank term"], "born": 1889, "left_with": ["spouse"], "year": 1998,
              "motives": ["famine"]}
    write_record(folder, "withheld-person", body="We crossed the river.\n",
                 withhold=["rank", "born", "left_with"], **person)
    write_record(folder, "closed-person", body="We crossed the river.\n", access="restricted",
                 title="A closed account", **person)
    write_record(folder, "open-person", body="We crossed the river.\n", rank="ordinary",
                 born=1950, left_with=["children"], year=1998, motives=["famine"])
    update_index(folder, empty_archive.index)
    return empty_archive


def person_outputs(paths, private: bool) -> str:
    app = create_app({"TESTING": True, "TESTIMONIES": str(paths.testimonies),
                      "INDEX": str(paths.index), "PRIVATE": private})
    client, korean = app.test_client(), app.test_client()
    korean.set_cookie("lang", "ko")
    pages = ["/", "/search", "/api/search", "/search.csv", "/search?q=river",
             "/compare", "/api/compare", "/compare.csv"]
    pages += [f"/compare?by={by}" for by in ("rank", "left_with", "generation", "age")]
    pages += [f"/api/compare?by={by}" for by in ("rank", "left_with", "generation", "age")]
    pages += [f"/export/{fmt}" for fmt in ("json", "csv", "passages", "refi-qda", "ris",
                                           "bibtex", "csl-json")]
    pages += ["/oai?verb=ListRecords&metadataPrefix=oai_dc", "/oai?verb=ListSets"]
    for testimony_id in ("withheld-person", "closed-person", "open-person"):
        pages += [f"/t/{testimony_id}", f"/t/{testimony_id}.md", f"/api/t/{testimony_id}",
                  f"/t/{testimony_id}/cite.json"]
    out = [readable(reader.get(url).data, url) for url in pages for reader in (client, korean)]
    runner = CliRunner()
    base = ["--testimonies", str(paths.testimonies), "--index", str(paths.index)]
    mode = ["--private"] if private else []
    for call in (["search", "--json"], ["search", "river"], ["show", "withheld-person", "--json"],
                 ["show", "withheld-person"], ["show", "closed-person", "--json"],
                 ["export", "--format", "json"], ["export", "--format", "csv"],
                 ["compare", "--by", "rank", "--json"], ["compare", "--by", "age"],
                 ["compare", "--by", "left_with", "--csv"]):
        out.append(runner.invoke(cli, base + call + mode).output)
    return "\n".join(out)


def test_withheld_and_restricted_rank_age_and_company_reach_no_public_output(people):
    assert found_in(person_outputs(people, False), PERSON) == []
    public = index_bytes(people, "public").decode("utf-8", "replace")
    assert found_in(public, {k: v for k, v in PERSON.items()
                             if k not in ("year of birth", "generation")}) == []
    client = create_app({"TESTING": True, "TESTIMONIES": str(people.testimonies),
                         "INDEX": str(people.index)}).test_client()
    for query in ("rank:qzranktermword", "rank:qzrankaliasword", "born:1889", "born:188*",
                  "generation:1880s", "age:60+", "left_with:spouse", "left_with:배우자"):
        assert client.get("/api/search", query_string={"q": query}).get_json()["total"] == 0, \
            query
    for name, value in (("rank", "qzranktermword"), ("left_with", "spouse"),
                        ("generation", "1880s"), ("age", "60+")):
        data = client.get("/api/search", query_string={name: value}).get_json()
        assert data["total"] == 0, name
        assert value not in [f["value"] for f in data["facets"][name]], name
    # The share of the first rank counts only what the public may see of it.
    assert "0 of the 1 testimonies that state a rank" in \
        unescape(client.get("/").get_data(as_text=True))


def test_in_private_mode_the_person_s_fields_are_all_there(people):
    """The positive control: the archivist sees every marker, and searches find them."""
    shown = [k for k in PERSON if k != "rank alias"]  # an alias is searched, never shown
    assert found_in(person_outputs(people, True), PERSON) == shown
    client = create_app({"TESTING": True, "TESTIMONIES": str(people.testimonies),
                         "INDEX": str(people.index), "PRIVATE": True}).test_client()
    for query in ("rank:qzrankaliasword", "born:1889", "generation:1880s", "left_with:배우자"):
        assert client.get("/api/search", query_string={"q": query}).get_json()["total"] == 2, \
            query


SUGGESTED = {"restricted record": "qzsuggestrecord", "restricted span": "qzsuggestspan"}
FOR_RESEARCHERS = {"researchers span": "qzsuggestresearch"}


def test_suggestions_never_show_restricted_text_to_the_public(empty_archive, monkeypatch):
    """Suggestions rank every sentence; restricted ones reach archivists only, and the
    Suggestions pages do not exist in public mode."""
    monkeypatch.chdir(empty_archive.testimonies.parent)
    folder = empty_archive.testimonies
    for number in range(6):
        write_record(folder, f"coded-{number}", motives=["famine"], body=(
            f"[We starved and ate grass in the famine, year {number}]{{.motive term=\"famine\"}}. "
            "The school had a red roof.\n"))
    write_record(folder, "closed-famine", access="restricted", motives=["famine"], body=(
        f"We starved and ate grass in the famine {SUGGESTED['restricted record']}.\n"))
    write_record(folder, "open-famine", motives=["famine"], body=(
        "Our village was quiet. [We starved and ate grass in the famine "
        f"{SUGGESTED['restricted span']}.]{{.restricted}}\n"))
    write_record(folder, "researchers-famine", motives=["famine"], body=(
        "Our town was loud. [We starved and ate grass in the famine "
        f"{FOR_RESEARCHERS['researchers span']}.]{{.researchers}}\n"))
    update_index(folder, empty_archive.index)
    runner = CliRunner()
    base = ["--testimonies", str(folder), "--index", str(empty_archive.index), "suggest",
            "--motive", "famine", "--limit", "100"]
    public = [runner.invoke(cli, base + extra).output for extra in ([], ["--json"])]
    private = [runner.invoke(cli, base + extra + ["--private"]).output
               for extra in ([], ["--json"])]
    researchers = [runner.invoke(cli, base + extra + ["--audience", "researchers"]).output
                   for extra in ([], ["--json"])]
    everything = {**SUGGESTED, **FOR_RESEARCHERS}
    assert found_in("\n".join(public), everything) == []
    assert found_in("\n".join(researchers), everything) == list(FOR_RESEARCHERS)
    assert found_in("\n".join(private), everything) == list(everything)  # positive control
    config = {"TESTING": True, "TESTIMONIES": str(folder), "INDEX": str(empty_archive.index)}
    for url in ("/suggestions", "/suggestions?motive=famine"):
        assert create_app(config).test_client().get(url).status_code == 404
    page = create_app({**config, "PRIVATE": True}).test_client().get(
        "/suggestions?motive=famine").get_data(as_text=True)
    assert found_in(page, everything) == list(everything)
    store = b"".join(p.read_bytes() for p in (empty_archive.index / "suggestions").iterdir()
                     if p.is_file())
    assert found_in(store.decode("latin-1"), {**everything, **MARKERS}) == []  # numbers, no text


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

# Accounts mode (issue 24): the same crawl as a researcher and as an archivist logged in.
# Every marker above is the archivists' (restricted records, spans and withheld fields), so a
# researcher sees none of them and an archivist all (the positive control).
def account_outputs(paths, role: str, words: list[str]) -> str:
    import re

    import pyotp
    from argon2 import PasswordHasher

    from archive.access import accounts

    app = create_app({"TESTING": True, "TESTIMONIES": str(paths.testimonies),
                      "INDEX": str(paths.index), "ACCOUNTS": True,
                      "PASSWORD_HASHER": PasswordHasher(time_cost=1, memory_cost=1024)})
    store, password = app.extensions["access_store"], "river lantern orchard 42"
    accounts.accept_invitation(store, accounts.add_account(store, role, role), password)
    client = app.test_client()

    def token(path):
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)

    client.post("/login", data={"name": role, "password": password, "csrf_token": token("/login")})
    if role == "archivist":  # enrols its second factor first, as it must
        secret = re.search(r'id="totp-secret">(\w+)<', client.get("/account").text).group(1)
        client.post("/account/totp", data={"code": pyotp.TOTP(secret).now(),
                                           "csrf_token": token("/account")})
    ids = ["closed-account", "open-account", "changing-account"]
    return "\n".join(readable(client.get(url).data, url) for url in urls(ids, words))


def test_a_researcher_logged_in_sees_nothing_of_the_archivists_and_an_archivist_all(leaky):
    words = list(MARKERS.values())
    assert found_in(account_outputs(leaky, "researcher", words), MARKERS) == []
    assert found_in(account_outputs(leaky, "archivist", words), MARKERS) == list(MARKERS)
