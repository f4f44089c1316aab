"""OAI-PMH at /oai, harvested with Sickle (a harvester from PyPI) from a running server, the
protocol's errors, datestamps from git, deleted records, and /sitemap.xml and /robots.txt."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from sickle import Sickle

from archive import create_app
from archive.exchange.harvesting import Catalogue, Entry, sitemap_files
from archive.history.withdrawal import withdraw
from archive.search.indexing import update_index
from archive.settings import Settings
from archive.web import harvesting as web_harvesting

from ..helpers import ROOT, add_generated_records, served, valid_oai, write_record

OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
DC = "{http://purl.org/dc/elements/1.1/}"
DC_ELEMENTS = {"title", "creator", "subject", "description", "publisher", "contributor",
               "date", "type", "format", "identifier", "source", "language", "relation",
               "coverage", "rights"}
SAMPLE_RESTRICTED = {"witness-0457"}


def check_oai_dc(element: ET.Element) -> dict[str, list[str]]:
    """What the oai_dc schema asks: one oai_dc:dc of Dublin Core elements with text only."""
    assert element.tag == f"{OAI_DC}dc"
    fields: dict[str, list[str]] = {}
    for child in element:
        assert child.tag.startswith(DC) and child.tag[len(DC):] in DC_ELEMENTS, child.tag
        assert len(child) == 0 and child.text and child.text.strip()
        fields.setdefault(child.tag[len(DC):], []).append(child.text)
    assert fields["title"] and fields["identifier"] and fields["type"]
    return fields


class CheckedSickle(Sickle):
    """Sickle, with every answer it receives validated against the published schemas."""

    def harvest(self, **kwargs):
        response = super().harvest(**kwargs)
        valid_oai(response.http_response.content)
        return response


def harvest(url: str, verb: str = "ListRecords", **args):
    sickle = CheckedSickle(f"{url}/oai", max_retries=0, timeout=60)
    method = getattr(sickle, verb)
    return list(method(metadataPrefix="oai_dc", ignore_deleted=False, **args))


def client_of(paths, **settings):
    return create_app({"TESTING": True, "TESTIMONIES": str(paths.testimonies),
                       "INDEX": str(paths.index),
                       "SETTINGS": Settings(**settings)}).test_client()


def oai_get(client, query: str, method: str = "get") -> ET.Element:
    if method == "post":
        response = client.post("/oai", data=query, content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(f"/oai?{query}")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    return ET.fromstring(valid_oai(response.data))


def error_of(root: ET.Element) -> str | None:
    error = root.find(f"{OAI}error")
    return error.get("code") if error is not None else None


def test_sickle_harvests_the_whole_sample_archive_once(sample):
    public = {p.stem for p in sample.testimonies.glob("*.md")} - SAMPLE_RESTRICTED
    with served(sample.testimonies, sample.index) as url:
        records = harvest(url)
        identifiers = harvest(url, "ListIdentifiers")
        diplomatic = harvest(url, "ListIdentifiers", set="sector:diplomatic")
        identify = CheckedSickle(f"{url}/oai").Identify()
    ids = Counter(r.header.identifier.rsplit(":", 1)[1] for r in records if not r.deleted)
    assert set(ids) == public and set(ids.values()) == {1}
    deleted = {r.header.identifier.rsplit(":", 1)[1] for r in records if r.deleted}
    assert deleted == SAMPLE_RESTRICTED  # a restricted record is deleted for a harvester
    assert {h.identifier for h in identifiers} == {r.header.identifier for r in records}
    for record in records:
        assert record.header.identifier.startswith("oai:127.0.0.1:")
        if not record.deleted:
            fields = check_oai_dc(record.xml.find(f".//{OAI_DC}dc"))
            assert fields["identifier"] == [f"{url}/t/{record.header.identifier.split(':')[-1]}"]
    thae = next(r for r in records if r.header.identifier.endswith(":thae-yong-ho-2016"))
    assert thae.metadata["title"] == [
        "Diplomat in London leaves to free his children from oppression"]
    assert thae.metadata["creator"] == ["Thae Yong-ho"]
    assert "children's freedom" in thae.metadata["subject"]
    assert "sector:diplomatic" in thae.header.setSpecs
    assert {h.identifier.rsplit(":", 1)[1] for h in diplomatic} == {
        "embassy-driver-2019", "ri-il-kyu-2023", "thae-yong-ho-2016",
        "third-secretary-southeast-asia-2018"}
    assert identify.repositoryName == "Testimony Archive"
    assert identify.deletedRecord == "persistent" and identify.protocolVersion == "2.0"


@pytest.mark.long
def test_a_harvest_of_2000_records_pages_through_tokens_and_sees_each_once(tmp_path):
    testimonies, index = tmp_path / "testimonies", tmp_path / "index"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "2000",
                    str(testimonies)], check=True, capture_output=True)
    update_index(testimonies, index)
    with served(testimonies, index) as url:
        first = ET.fromstring(valid_oai(__import__("urllib.request").request.urlopen(
            f"{url}/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").read()))
        records = harvest(url)
    token = first.find(f".//{OAI}resumptionToken")
    assert token.get("completeListSize") == "2000" and token.get("cursor") == "0"
    assert len(first.findall(f".//{OAI}header")) == 100
    ids = Counter(r.header.identifier for r in records)
    assert len(ids) == 2000 and set(ids.values()) == {1}
    # Deleted for harvesters: every record closed to the public (restricted, for
    # researchers, under embargo).
    restricted = {p.stem for p in testimonies.glob("*.md")
                  if re.search(r"\naccess: (restricted|researchers)|\nembargo_until:",
                               p.read_text(encoding="utf-8"))}
    assert restricted and {i.rsplit(":", 1)[1] for i in ids if any(
        r.deleted for r in records if r.header.identifier == i)} == restricted
    for record in records:
        if not record.deleted:
            check_oai_dc(record.xml.find(f".//{OAI_DC}dc"))


@pytest.mark.parametrize("query, code", [
    ("", "badVerb"),
    ("verb=Dance", "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=Identify&extra=1", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=ListIdentifiers&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2020", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&until=2020-01-01T00:00:00Z",
     "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2021-01-01&until=2020-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-02-31", "badArgument"),
    ("verb=ListRecords&resumptionToken=abc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
    ("verb=GetRecord&metadataPrefix=mods&identifier=oai:localhost:thae-yong-ho-2016",
     "cannotDisseminateFormat"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:localhost:nobody", "idDoesNotExist"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere.org:thae-yong-ho-2016",
     "idDoesNotExist"),
    ("verb=ListMetadataFormats&identifier=oai:localhost:nobody", "idDoesNotExist"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2090-01-01", "noRecordsMatch"),
    ("verb=ListIdentifiers&metadataPrefix=oai_dc&until=1990-01-01", "noRecordsMatch"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=sector:astronaut", "noRecordsMatch"),
    ("verb=ListRecords&resumptionToken=not-a-token", "badResumptionToken"),
    ("verb=ListIdentifiers&resumptionToken=eyJhIjoxfQ", "badResumptionToken"),
    ("verb=ListSets&resumptionToken=anything", "badResumptionToken"),
])
def test_every_protocol_error_is_answered_as_the_protocol_defines(client, query, code):
    root = oai_get(client, query)
    assert error_of(root) == code
    request = root.find(f"{OAI}request")
    assert request.text == "http://localhost/oai"
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # the protocol: the arguments are not echoed
    assert oai_get(client, query, "post").find(f"{OAI}error").get("code") == code


def test_identify_formats_sets_and_get_record(client, sample):
    identify = oai_get(client, "verb=Identify").find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext(f"{OAI}baseURL") == "http://localhost/oai"
    assert identify.find(f"{OAI}description") is None  # "localhost" is no domain name
    formats = oai_get(client, "verb=ListMetadataFormats&identifier=oai:localhost:"
                      "thae-yong-ho-2016")
    assert [f.text for f in formats.iter(f"{OAI}metadataPrefix")] == ["oai_dc"]
    sets = {s.findtext(f"{OAI}setSpec"): s.findtext(f"{OAI}setName")
            for s in oai_get(client, "verb=ListSets").iter(f"{OAI}set")}
    assert sets["motive:childrens-freedom"] == "children's freedom"
    assert sets["sector:diplomatic"] == "diplomatic" and "sector" in sets
    record = oai_get(client, "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:localhost:"
                     "witness-0457").find(f".//{OAI}record")
    assert record.find(f"{OAI}header").get("status") == "deleted"
    assert record.find(f"{OAI}metadata") is None
    # A deleted record keeps its sets: a harvest of its set learns of the deletion.
    assert [s.text for s in record.iter(f"{OAI}setSpec")] == [
        "sector:security", "motive:family-reunion", "motive:political-persecution",
        "motive:surveillance"]
    # A parent set holds every record of its children, the deleted (restricted) ones too.
    everyone = oai_get(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=sector")
    headers = {h.findtext(f"{OAI}identifier").rsplit(":", 1)[1]: h.get("status")
               for h in everyone.iter(f"{OAI}header")}
    assert set(headers) == {p.stem for p in sample.testimonies.glob("*.md")}
    assert {i for i, status in headers.items() if status == "deleted"} == SAMPLE_RESTRICTED


def git(folder, *args, date=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)


def test_from_and_until_use_the_last_commit_else_the_file_time(empty_archive):
    folder = empty_archive.testimonies
    write_record(folder, "old-account", motives=["famine"])
    write_record(folder, "new-account", motives=["famine"])
    git(folder.parent, "init", "-q")
    git(folder.parent, "add", "testimonies/old-account.md", "testimonies/vocabulary.yaml")
    git(folder.parent, "commit", "-qm", "old", date="2019-05-04T10:00:00+00:00")
    git(folder.parent, "add", "testimonies/new-account.md")
    git(folder.parent, "commit", "-qm", "new", date="2021-03-02T10:00:00+00:00")
    write_record(folder, "loose-account", motives=["famine"])  # never committed
    update_index(folder, empty_archive.index)
    client = client_of(empty_archive, base_url="https://archive.example.org")

    def ids(query):
        root = oai_get(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&" + query)
        return {h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")} \
            if error_of(root) is None else error_of(root)

    assert ids("until=2019-05-04") == {"oai:archive.example.org:old-account"}
    assert ids("from=2019-05-04T10:00:01Z&until=2021-03-02T10:00:00Z") == {
        "oai:archive.example.org:new-account"}
    assert ids("from=2026-01-01") == {"oai:archive.example.org:loose-account"}
    assert ids("until=2019-05-03") == "noRecordsMatch"
    scheme = oai_get(client, "verb=Identify").find(
        ".//{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier")
    assert scheme.text == "archive.example.org"  # given only for a domain name, as the scheme asks
    root = oai_get(client, "verb=GetRecord&metadataPrefix=oai_dc&identifier="
                   "oai:archive.example.org:old-account")
    assert root.findtext(f".//{OAI}datestamp") == "2019-05-04T10:00:00Z"
    assert root.findtext(f".//{DC}identifier") == "https://archive.example.org/t/old-account"
    # Changed since its commit: the file's time, so an incremental harvest finds it.
    path = folder / "old-account.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Clerk", "Driver"),
                    encoding="utf-8")
    update_index(folder, empty_archive.index)
    assert "oai:archive.example.org:old-account" in ids("from=2026-01-01")


def test_a_withdrawn_record_stays_deleted_and_leaves_the_sitemap(sample_copy):
    update_index(sample_copy.testimonies, sample_copy.index)
    withdraw(sample_copy.testimonies, sample_copy.index, "fishing-crew-2019",
             "The witness asked.")
    client = client_of(sample_copy)
    root = oai_get(client, "verb=GetRecord&metadataPrefix=oai_dc&identifier="
                   "oai:localhost:fishing-crew-2019")
    assert root.find(f".//{OAI}header").get("status") == "deleted"
    listed = oai_get(client, "verb=ListRecords&metadataPrefix=oai_dc")
    headers = [h for h in listed.iter(f"{OAI}header")
               if h.findtext(f"{OAI}identifier") == "oai:localhost:fishing-crew-2019"]
    assert len(headers) == 1 and headers[0].get("status") == "deleted"
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "fishing-crew-2019" not in sitemap and "thae-yong-ho-2016" in sitemap
    # Its tombstone keeps its sets: a harvest of one of them learns of the deletion.
    assert [s.text for s in root.iter(f"{OAI}setSpec")] == [
        "sector:other", "motive:better-life", "motive:economic-hardship"]
    for wanted in ("sector:other", "motive:better-life", "motive"):
        selected = oai_get(client, f"verb=ListIdentifiers&metadataPrefix=oai_dc&set={wanted}")
        assert "oai:localhost:fishing-crew-2019" in {
            h.findtext(f"{OAI}identifier") for h in selected.iter(f"{OAI}header")
            if h.get("status") == "deleted"}, wanted
    stone = (sample_copy.testimonies / "withdrawn.yaml").read_text(encoding="utf-8")
    assert "sets:\n  - sector:other\n  - motive:better-life\n  - motive:economic-hardship\n" \
        in stone


def test_a_tombstone_that_does_not_know_its_sets_is_in_every_set(sample_copy):
    """Written before tombstones kept sets: a set-selective harvest still learns of it."""
    update_index(sample_copy.testimonies, sample_copy.index)
    (sample_copy.testimonies / "withdrawn.yaml").write_text(
        "- id: old-withdrawal\n  withdrawn_on: '2025-01-02'\n  reason: asked\n", encoding="utf-8")
    client = client_of(sample_copy)
    for wanted in ("sector:diplomatic", "motive:famine"):
        selected = oai_get(client, f"verb=ListIdentifiers&metadataPrefix=oai_dc&set={wanted}")
        stone = [h for h in selected.iter(f"{OAI}header")
                 if h.findtext(f"{OAI}identifier") == "oai:localhost:old-withdrawal"]
        assert len(stone) == 1 and stone[0].get("status") == "deleted", wanted


def test_a_set_whose_records_are_all_deleted_is_still_listed(sample_copy):
    """The only record of a sector withdrawn: its set stays, holding the deletion."""
    update_index(sample_copy.testimonies, sample_copy.index)
    withdraw(sample_copy.testimonies, sample_copy.index, "christian-believer-2006",
             "The witness asked.")
    client = client_of(sample_copy)
    sets = {s.findtext(f"{OAI}setSpec") for s in oai_get(client, "verb=ListSets").iter(f"{OAI}set")}
    assert "motive:religious-persecution" in sets
    listed = oai_get(client, "verb=ListIdentifiers&metadataPrefix=oai_dc"
                             "&set=motive:religious-persecution")
    headers = [(h.findtext(f"{OAI}identifier"), h.get("status"))
               for h in listed.iter(f"{OAI}header")]
    assert headers == [("oai:localhost:christian-believer-2006", "deleted")]


@pytest.mark.parametrize("query", [
    "verb=ListRecords&metadataPrefix=%23%23", "verb=ListRecords&metadataPrefix=oai_dc&set=a%20b",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&set=sector:",
])
def test_an_argument_the_schema_cannot_echo_is_a_bad_argument(client, query):
    """The answer echoes the request's arguments, whose syntax the schema fixes: one that
    cannot be echoed is an illegal argument (and the answer stays valid)."""
    assert error_of(oai_get(client, query)) == "badArgument"


@pytest.mark.parametrize("configured, host, expected", [
    (None, "localhost", "archivist@localhost.invalid"),
    ("me@localhost", "archive.example.org", "archivist@archive.example.org"),
    ("kim@example.org", "localhost", "kim@example.org"),
])
def test_identify_gives_an_address_the_schema_accepts(configured, host, expected):
    from archive.exchange.oai import admin_email

    assert admin_email(configured, host) == expected


def test_the_sitemap_lists_public_record_pages_only(sample):
    client = client_of(sample, base_url="https://archive.example.org")
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.data)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [u.findtext(f"{ns}loc") for u in root.iter(f"{ns}url")]
    assert locations[0] == "https://archive.example.org/"
    pages = {loc.rsplit("/", 1)[1] for loc in locations[1:]}
    assert pages == {p.stem for p in sample.testimonies.glob("*.md")} - SAMPLE_RESTRICTED
    assert all(len(u.findtext(f"{ns}lastmod")) == 10 for u in list(root.iter(f"{ns}url"))[1:])


def test_past_50000_pages_the_sitemap_is_an_index_of_files_of_50000_at_most(sample,
                                                                            monkeypatch):
    """At 100,000 public records (the catalogue's entries made here, not indexed: the
    sitemap reads only them) and a few closed and withdrawn ones."""
    changed = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
    entries = tuple(Entry(f"record-{number:06d}", changed + dt.timedelta(days=number % 400),
                          deleted=number % 1000 == 7) for number in range(100_101))
    big = Catalogue(entries, ())
    public = [e for e in entries if not e.deleted]
    assert len(public) == 100_000
    monkeypatch.setattr(web_harvesting, "current_catalogue", lambda: big)
    client = client_of(sample, base_url="https://archive.example.org")
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == f"{ns}sitemapindex"
    files = [s.findtext(f"{ns}loc") for s in index.iter(f"{ns}sitemap")]
    assert files == [f"https://archive.example.org/sitemap-{n}.xml" for n in (1, 2, 3)]
    listed = []
    for number, loc in enumerate(files, start=1):
        page = ET.fromstring(client.get(loc.removeprefix("https://archive.example.org")).data)
        urls = [u.findtext(f"{ns}loc") for u in page.iter(f"{ns}url")]
        assert page.tag == f"{ns}urlset" and 0 < len(urls) <= 50_000
        listed += urls
    assert len(listed) == 100_001 and listed[0] == "https://archive.example.org/"
    assert listed[1:] == [f"https://archive.example.org/t/{e.id}" for e in public]
    lastmods = [s.findtext(f"{ns}lastmod") for s in index.iter(f"{ns}sitemap")]
    assert all(len(day) == 10 for day in lastmods)
    assert client.get("/sitemap-4.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_the_sitemap_is_one_file_up_to_50000_pages():
    changed = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
    at_limit = Catalogue(tuple(Entry(f"r-{n}", changed) for n in range(49_999)), ())
    assert [len(f.entries) for f in sitemap_files(at_limit)] == [49_999]  # and the home page
    over = Catalogue(tuple(Entry(f"r-{n}", changed) for n in range(50_000)), ())
    assert [len(f.entries) for f in sitemap_files(over)] == [49_999, 1]
    assert [len(f.entries) for f in sitemap_files(Catalogue((), ()))] == [0]


def test_robots_txt_says_do_not_index_unless_published(sample):
    laptop = client_of(sample).get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /\n" in laptop and "Sitemap" not in laptop
    online = client_of(sample, base_url="https://archive.example.org", published=True)
    text = online.get("/robots.txt").get_data(as_text=True)
    assert "Allow: /t/" in text and "Disallow: /search" in text and "Disallow: /\n" not in text
    assert "Sitemap: https://archive.example.org/sitemap.xml" in text
    private = create_app({"TESTING": True, "TESTIMONIES": str(sample.testimonies),
                          "INDEX": str(sample.index), "PRIVATE": True,
                          "SETTINGS": Settings(published=True)}).test_client()
    assert "Disallow: /\n" in private.get("/robots.txt").get_data(as_text=True)
    # On a private server /oai is still the public view, and answers a POST without a token.
    root = oai_get(private, "verb=GetRecord&metadataPrefix=oai_dc&identifier="
                   "oai:localhost:witness-0457", "post")
    assert root.find(f".//{OAI}header").get("status") == "deleted"


def test_published_is_read_from_archive_toml(tmp_path):
    from archive.settings import InvalidSettings, load_settings

    (tmp_path / "archive.toml").write_text('name = "A"\npublished = true\n', encoding="utf-8")
    assert load_settings(tmp_path).published is True
    (tmp_path / "archive.toml").write_text('name = "A"\npublished = "yes"\n', encoding="utf-8")
    with pytest.raises(InvalidSettings, match="published: expected true or false"):
        load_settings(tmp_path)


def test_the_catalogue_listing_agrees_with_the_stored_documents(sample_copy):
    """The harvester's listing comes from the facet sets and the id terms, not the stored
    documents; it must say what they say, after edits and deletions too."""
    from archive.search.searching import SearchRequest
    from archive.service import Archive


    add_generated_records(sample_copy.testimonies, 60)
    update_index(sample_copy.testimonies, sample_copy.index)
    (sample_copy.testimonies / "generated-003.md").unlink()
    write_record(sample_copy.testimonies, "generated-004", motives=["famine"],
                 sector="trade", access="restricted")
    update_index(sample_copy.testimonies, sample_copy.index)
    for private in (False, True):
        index = Archive(sample_copy, "archivists" if private else "public").index
        stored = sorted((h.id, h.sector, tuple(sorted(h.motives)), h.closed)
                        for h in index.matching(SearchRequest()))
        assert index.listing() == stored
        assert ("generated-004", "trade", ("famine",), not private) in stored
        assert all(row[0] != "generated-003" for row in stored)
