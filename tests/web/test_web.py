"""The web archive: every route and parameter, headers, errors, citations."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from archive import create_app
from archive.records.collection import vocabulary_for
from archive.records.testimony import parse_testimony

from ..helpers import SAMPLE

VOCABULARY = vocabulary_for(SAMPLE)


def links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)]


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def test_home_page(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "19 first-hand accounts" in html and 'action="/search"' in html
    assert "/search?motive=children%27s+freedom" in links(html)


def test_search_page_lists_hits_with_marked_snippets(client):
    html = client.get("/search?q=starved").get_data(as_text=True)
    assert "1 testimony for “starved”" in html
    assert '<a href="/t/logging-camp-russia-1998">' in html
    assert "<mark>starving</mark>" in html


def test_facet_links_toggle_filters_and_keep_the_query(client):
    html = client.get("/search?q=children").get_data(as_text=True)
    toggle = next(u for u in links(html) if "sector=civilian" in u)
    assert query_of(toggle) == [("q", "children"), ("sector", "civilian")]
    selected = client.get(toggle).get_data(as_text=True)
    assert 'aria-current="true">' in selected and "Sector: civilian" in selected
    untoggle = next(u for u in links(selected) if "Remove" in selected and u.startswith("/search")
                    and query_of(u) == [("q", "children")])
    assert untoggle


def test_several_values_of_a_filter_mean_or(client):
    one = client.get("/api/search?sector=trade").get_json()["total"]
    two = client.get("/api/search?sector=trade&sector=security").get_json()["total"]
    both = client.get("/api/search?sector=trade&sector=security&country=China").get_json()
    assert (one, two, both["total"]) == (2, 4, 2)
    assert {r["id"] for r in both["results"]} == {"trade-representative-shenyang-2019",
                                                  "security-officer-dandong-2011"}


def test_counts_in_the_sidebar_reflect_the_other_filters(client):
    data = client.get("/api/search?sector=trade").get_json()
    assert {"value": "security", "count": 2} in data["facets"]["sector"]  # own filter ignored
    assert data["facets"]["country"] == [{"value": "China", "count": 1},
                                         {"value": "Singapore", "count": 1}]


def test_clear_all_and_url_is_the_whole_state(client):
    url = "/search?q=freedom&motive=personal+freedom&year=2000..2024&sort=year&page=1"
    first, second = client.get(url).get_data(as_text=True), client.get(url).get_data(as_text=True)
    assert first == second
    assert "Clear all filters" in first and 'href="/search?q=freedom"' in first


def test_year_chart_bars_link_to_their_year(client):
    html = client.get("/search?sector=military").get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html
    bar = next(u for u in links(html) if "year=2017..2017" in u)
    assert query_of(bar) == [("sector", "military"), ("year", "2017..2017")]
    assert 'aria-label="2017: 1 testimony"' in html
    assert "<td><a href=" in html  # the text alternative as a table


def test_long_facets_show_the_top_values_and_the_rest_behind_show_all(empty_archive):
    from archive.search.indexing import update_index

    from ..helpers import write_record

    for number in range(12):
        write_record(empty_archive.testimonies, f"posted-{number:02d}", country=f"Land {number:02d}")
    update_index(empty_archive.testimonies, empty_archive.index)
    client = create_app({"TESTING": True, "TESTIMONIES": str(empty_archive.testimonies),
                         "INDEX": str(empty_archive.index)}).test_client()
    html = client.get("/search").get_data(as_text=True)
    assert "Show all 12" in html


def test_the_motive_facet_shows_the_thesaurus_with_rolled_up_counts(client):
    html = client.get("/search").get_data(as_text=True)
    family = html.index('class="depth-0"><a href="/search?motive=family">family</a>')
    child = html.index('class="depth-1"><a href="/search?motive=children%27s+freedom">', family)
    assert family < child
    facets = client.get("/api/search").get_json()["facets"]["motive"]
    counts = {v["value"]: (v["count"], v["broader"]) for v in facets}
    # A parent counts the records stating any motive under it, not the sum of their counts.
    assert counts["family"] == (8, None) and counts["children's freedom"] == (6, "family")
    assert counts["family reunion"] == (2, "family")
    under = [name for name, (_, broader) in counts.items() if broader == "repression"]
    assert counts["repression"][0] == 10 < sum(counts[name][0] for name in under)


def test_sort_and_pagination(client):
    html = client.get("/search?q=the+OR+a+OR+freedom+OR+children+OR+famine").get_data(as_text=True)
    assert "/search?q=the+OR+a+OR+freedom+OR+children+OR+famine&sort=year" in links(html)
    browse = client.get("/api/search?per_page=5&page=2").get_json()
    assert (browse["page"], browse["pages"], len(browse["results"])) == (2, 4, 5)
    html = client.get("/search?per_page=5&page=2").get_data(as_text=True)
    assert '<span aria-current="page">2</span>' in html
    assert {"/search?per_page=5&page=1", "/search?per_page=5&page=4"} <= set(links(html))


def test_suggestion_is_a_link_and_no_hits_shows_help(client):
    html = client.get("/search?q=reunifcation").get_data(as_text=True)
    assert '<a href="/search?q=reunification">reunification</a>' in html
    assert "No testimony matches this search." in html and "How to search" in html


def test_bad_query_is_a_400_page_with_one_sentence(client):
    page = client.get("/search?q=year:abc")
    assert page.status_code == 400
    assert "invalid year &#39;abc&#39; in the query" in page.get_data(as_text=True)
    assert client.get("/search?page=two").status_code == 400
    assert client.get("/api/search?q=year:abc").get_json() == {
        "error": "invalid year 'abc' in the query: use year:2016, year:199*, "
                 "year:[1990 TO 1999] or year:>=2000"}


def test_search_csv(client):
    response = client.get("/search.csv?motive=famine&sort=year")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["id", "title", "year", "post", "sector", "rank", "country", "born",
                             "left_with", "motives", "url"]
    assert [r["id"] for r in rows] == ["nurse-hyesan-1999", "logging-camp-russia-1998",
                                       "border-guard-1997"]
    assert rows[0]["url"] == "http://localhost/t/nurse-hyesan-1999"
    assert rows[0]["motives"] == "famine; health and medical care; economic hardship"
    assert (rows[0]["rank"], rows[0]["born"], rows[0]["left_with"]) == ("ordinary", "", "")


def test_api_search_has_the_cli_contract(client):
    data = client.get("/api/search?q=hallyu&language=ko").get_json()
    assert set(data) >= {"query", "filters", "total", "page", "results", "facets", "suggestion"}
    assert data["filters"] == {"language": ["ko"]}
    assert {r["id"] for r in data["results"]} == {"university-student-2021", "embassy-driver-2019"}
    assert data["results"][0]["url"] == f"/t/{data['results'][0]['id']}"


def test_record_page(client):
    html = client.get("/t/thae-yong-ho-2016").get_data(as_text=True)
    assert "<h1>Diplomat in London leaves to free his children from oppression</h1>" in html
    hrefs = links(html)
    for link in ("/search?motive=children%27s+freedom", "/search?sector=diplomatic",
                 "/search?country=United+Kingdom", "/search?year=2016..2016",
                 "/t/thae-yong-ho-2016/cite.bib", "/t/thae-yong-ho-2016/cite.json",
                 "/t/thae-yong-ho-2016.md"):
        assert link in hrefs, link
    assert "Related testimonies" in html
    assert "Thae Yong-ho. “Diplomat in London leaves to free his children from oppression.” " \
           "Testimony record thae-yong-ho-2016, 2016. Testimony Archive. Accessed " in html
    assert "http://localhost/t/thae-yong-ho-2016" in html


def test_korean_record_is_marked_korean(client):
    html = client.get("/t/border-guard-1997").get_data(as_text=True)
    assert '<article class="testimony" lang="ko">' in html
    english = client.get("/t/trade-official-singapore-2009").get_data(as_text=True)
    assert '<span lang="ko">외화벌이</span>' in english


def test_redacted_passage_shows_a_mark(client):
    html = client.get("/t/nurse-hyesan-1999").get_data(as_text=True)
    assert "[redacted]" in html and "railway" not in html


def test_record_markdown_reads_back_as_a_valid_record(client):
    response = client.get("/t/ri-il-kyu-2023.md")
    assert response.mimetype == "text/markdown"
    testimony, problems = parse_testimony(response.data, "ri-il-kyu-2023", VOCABULARY, "x.md")
    assert testimony is not None and testimony.name == "Ri Il-kyu"
    assert not [p for p in problems if not p.warning]


def test_bibtex_is_read_by_bibtexparser(client):
    import bibtexparser

    response = client.get("/t/ri-il-kyu-2023/cite.bib")
    entry = bibtexparser.parse_string(response.get_data(as_text=True)).entries[0]
    assert entry.key == "ri-il-kyu-2023" and entry.entry_type == "misc"
    fields = entry.fields_dict
    assert fields["title"].value == "{Counsellor in Havana leaves for his children's freedom}"
    assert fields["author"].value == "{Ri Il-kyu}"
    assert fields["url"].value == "http://localhost/t/ri-il-kyu-2023"
    assert fields["year"].value == "2023"


def test_csl_json_is_read_by_citeproc(client):
    from citeproc import (Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle,
                          formatter)
    from citeproc.source.json import CiteProcJSON

    items = json.loads(client.get("/t/thae-yong-ho-2016/cite.json").get_data(as_text=True))
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem("thae-yong-ho-2016")]))
    text = str(bibliography.bibliography()[0])
    assert "Thae Yong-ho" in text and "2016" in text
    assert "Diplomat in London leaves to free his children from oppression" in text


def test_api_record(client):
    data = client.get("/api/t/mother-musan-2008").get_json()
    assert data["id"] == "mother-musan-2008" and data["language"] == "ko"
    assert "[redacted]" in data["body"] and "사촌" not in json.dumps(data, ensure_ascii=False)
    assert data["body_html"].startswith("<p>")


@pytest.mark.parametrize("url", ["/t/no-such-record", "/t/no-such-record.md",
                                 "/t/no-such-record/cite.bib", "/nowhere", "/t/Bad_Id"])
def test_unknown_pages_are_404_in_the_site_s_style(client, url):
    page = client.get(url)
    assert page.status_code == 404
    assert "Testimony Archive" in page.get_data(as_text=True)


def test_unknown_api_record_is_json_404(client):
    response = client.get("/api/t/no-such-record")
    assert response.status_code == 404
    assert response.get_json() == {"error": "No testimony with the id 'no-such-record'."}


def test_an_unexpected_error_shows_no_traceback(app, monkeypatch):
    from archive.web import pages

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail /home/archivist/path")

    monkeypatch.setattr(pages.citation, "chicago", explode)
    page = app.test_client().get("/t/ri-il-kyu-2023")
    html = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html and "secret internal detail" not in html


def test_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_requests_for_another_host_are_refused(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_no_page_loads_anything_from_another_host(client):
    for url in ("/", "/search?q=children", "/t/ri-il-kyu-2023"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', html.replace(
            'href="http://localhost/', ""))  or url == "/t/ri-il-kyu-2023"
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', html)


def test_static_css_is_served(client):
    assert client.get("/static/style.css").status_code == 200


def test_private_mode_shows_a_banner_and_restricted_text(private_client, client):
    html = private_client.get("/t/witness-0457").get_data(as_text=True)
    assert "Private mode." in html and "Restricted Witness" in html
    assert "Private mode." not in client.get("/t/witness-0457").get_data(as_text=True)


def test_korean_facet_labels(client):
    html = client.get("/search?labels=ko").get_data(as_text=True)
    assert ">자녀의 자유</a>" in html and "<h3 id=\"facet-motive\">동기</h3>" in html


def test_gender_and_language_parameters(client):
    data = client.get("/api/search?gender=female&gender=unknown&language=ko").get_json()
    assert {r["id"] for r in data["results"]} == {"university-student-2021", "mother-musan-2008"}
    assert data["filters"] == {"gender": ["female", "unknown"], "language": ["ko"]}
    html = client.get("/search?gender=female").get_data(as_text=True)
    assert "Gender: female" in html


def test_oversized_requests_are_refused(private_client):
    """MAX_CONTENT_LENGTH caps every body: Flask's MAX_FORM_MEMORY_SIZE does not limit
    url-encoded forms, so it alone would not."""
    import io

    response = private_client.post("/new", data={"body": "x" * 3_000_000})
    assert response.status_code == 413
    response = private_client.post("/new", data={"body": (io.BytesIO(b"x" * 3_000_000), "b.md")},
                                   content_type="multipart/form-data")
    assert response.status_code == 413
