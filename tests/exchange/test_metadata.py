"""Embedded metadata, read as Zotero's generic translators and other harvesters read it:
`z.*`, `citation_*` and `DC.*` meta tags and JSON-LD on a record page (parsed with extruct),
a COinS span per hit on a search page; nothing restricted or withheld in any of it."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl

import extruct
import pytest

from archive import create_app


class Tags(HTMLParser):
    """The `<meta name content>` pairs and COinS titles of a page, in order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.coins: list[list[tuple[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "name" in attrs:
            self.meta.append((attrs["name"], attrs.get("content", "")))
        if tag == "span" and "Z3988" in (attrs.get("class") or "").split():
            self.coins.append(parse_qsl(attrs["title"]))

    def values(self, name: str) -> list[str]:
        return [content for key, content in self.meta if key == name]


def page(client, url: str) -> tuple[Tags, dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    return Tags(html), extruct.extract(html, base_url=f"http://localhost{url}",
                                       syntaxes=["json-ld", "dublincore"])


def test_a_record_page_is_a_complete_interview_item(client):
    tags, data = page(client, "/t/thae-yong-ho-2016")
    assert tags.values("z.itemType") == ["interview"]
    assert tags.values("z.archive") == ["Testimony Archive"]
    assert tags.values("z.archiveLocation") == ["thae-yong-ho-2016"]
    assert tags.values("z.interviewees") == ["Thae Yong-ho"]
    assert tags.values("citation_title") == [
        "Diplomat in London leaves to free his children from oppression"]
    assert tags.values("citation_date") == ["2016"]
    assert tags.values("citation_public_url") == ["http://localhost/t/thae-yong-ho-2016"]
    assert tags.values("citation_language") == ["en"]
    assert tags.values("citation_abstract")[0].startswith("Thae Yong-ho defected")
    assert "children's freedom" in tags.values("citation_keywords")
    # Dublin Core, as harvesters read it.
    [dublin_core] = data["dublincore"]
    # No `schema.DC` link: a page names no address outside the archive (Zotero and extruct
    # take DC.* as Dublin Core 1.1 without one).
    assert dublin_core["namespaces"] == {}
    dc = {e["URI"].rsplit("/", 1)[1]: e["content"] for e in dublin_core["elements"]}
    assert dc["title"] == tags.values("citation_title")[0]
    assert dc["type"] == "Interview" and dc["date"] == "2016"
    assert dc["creator"] == "Thae Yong-ho" and dc["publisher"] == "Testimony Archive"
    # schema.org JSON-LD.
    [ld] = data["json-ld"]
    assert ld["name"] == dc["title"] and ld["dateCreated"] == "2016"
    assert ld["author"]["name"] == "Thae Yong-ho"
    assert ld["holdingArchive"]["name"] == "Testimony Archive"
    assert "children's freedom" in ld["keywords"]
    # No COinS on a record page: Zotero would read it instead of the richer tags.
    assert tags.coins == []


def test_a_pseudonymous_or_withheld_name_is_no_interviewee(client):
    tags, data = page(client, "/t/dmz-soldier-2017")  # pseudonym, name withheld
    assert tags.values("z.itemType") == ["interview"]
    assert tags.values("z.interviewees") == [] and tags.values("DC.creator") == []
    assert "author" not in data["json-ld"][0]
    html = client.get("/t/dmz-soldier-2017").get_data(as_text=True)
    assert "Ryu Song-min" not in html


def test_a_restricted_record_carries_only_its_public_fields_even_in_private_mode(sample):
    private = create_app({"TESTING": True, "TESTIMONIES": str(sample.testimonies),
                          "INDEX": str(sample.index), "PRIVATE": True}).test_client()
    tags, data = page(private, "/t/witness-0457")
    assert "Restricted Witness" in private.get("/t/witness-0457").get_data(as_text=True)
    metadata = repr(tags.meta) + repr(data)
    for word in ("Restricted Witness", "RW-0457", "relatives remain", "accession 0457"):
        assert word not in metadata, word
    assert tags.values("z.interviewees") == [] and tags.values("citation_abstract") == []
    assert tags.values("citation_title") == [
        "Security-sector worker whose family remains in the North"]


def test_search_pages_carry_one_coins_per_public_hit_consistent_with_the_record(client,
                                                                              private_client):
    tags, _ = page(client, "/search?q=freedom")
    assert len(tags.coins) >= 3
    found = {dict(c)["rft.identifier"]: c for c in tags.coins}
    coins = found["http://localhost/t/thae-yong-ho-2016"]
    record, _ = page(client, "/t/thae-yong-ho-2016")
    assert dict(coins)["rft.title"] == record.values("citation_title")[0]
    assert dict(coins)["rft.type"] == "interview" and dict(coins)["rft.date"] == "2016"
    assert {v for k, v in coins if k == "rft.subject"} == set(record.values("citation_keywords"))
    # A restricted hit, seen by the archivist, gets no COinS.
    restricted, _ = page(private_client, "/search?q=security")
    assert all("witness-0457" not in dict(c)["rft.identifier"] for c in restricted.coins)


@pytest.mark.parametrize("title", ['</script><script>alert(1)</script>', 'a "quoted" <b>'])
def test_metadata_is_escaped(empty_archive, title):
    from archive.search.indexing import update_index

    from ..helpers import write_record

    write_record(empty_archive.testimonies, "odd-title", title=title,
                 summary="Ends </script> here & there")
    update_index(empty_archive.testimonies, empty_archive.index)
    client = create_app({"TESTING": True, "TESTIMONIES": str(empty_archive.testimonies),
                         "INDEX": str(empty_archive.index)}).test_client()
    html = client.get("/t/odd-title").get_data(as_text=True)
    assert "<script>alert" not in html and html.count("</script>") == html.count("<script")
    tags, data = page(client, "/t/odd-title")
    assert tags.values("citation_title") == [title]
    assert data["json-ld"][0]["name"] == title
    assert data["json-ld"][0]["abstract"] == "Ends </script> here & there"
