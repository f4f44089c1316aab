"""The pages of rank, age and company: the home page's share of the elite by period, the
year chart beside the reference series, the facets and the record's facts in both
languages, comparisons by the new dimensions, the query help's examples, and the form."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from archive import create_app
from archive.search.indexing import update_index
from archive.web.i18n import QUERY_EXAMPLES

from ..formparse import form_values
from ..helpers import SAMPLE


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def korean(app):
    client = app.test_client()
    client.set_cookie("lang", "ko")
    return client


def section(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start:html.index("</section>", start)]


def test_the_home_page_answers_whether_the_elite_leave_in_larger_numbers(client):
    html = client.get("/").get_data(as_text=True)
    elite = section(html, 'class="home-elite"')
    assert "Are the elite leaving in larger numbers?" in elite
    assert "<svg" in elite and "<script" not in html
    rows = re.findall(r"<tr><th scope=\"row\"><a href=\"([^\"]+)\">([^<]+)</a>\*?</th>"
                      r"<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td></tr>", elite)
    table = {period: (int(a), int(b), int(c), share) for _, period, a, b, c, share in rows}
    assert table["2015-2019"] == (3, 6, 6, "50%")
    assert table["2020-2024"] == (1, 2, 3, "50%")  # the restricted witness's rank is not public
    assert table["1990-1994"] == (0, 0, 1, "–")
    # Each period opens its elite testimonies, as many as the table says.
    for url, period, count, *_ in rows:
        assert client.get("/api" + unescape(url)).get_json()["total"] == int(count), period
    assert "17 of the 19 testimonies state a rank" in text_of(elite)
    # Every bar carries its text equivalent.
    assert "2015-2019: 3 of the 6 testimonies that state a rank are elite (50%); 6 testimonies " \
           "in all" in unescape(elite)


def test_the_home_page_in_korean(korean):
    elite = text_of(section(korean.get("/").get_data(as_text=True), 'class="home-elite"'))
    assert "고위층의 탈북이 늘고 있는가?" in elite and "고위층" in elite
    assert "지위를 밝힌 증언 6건 중 3건이 고위층 (50%)" in elite


def test_the_year_chart_shows_the_reference_series_beside_the_archive(client):
    html = client.get("/").get_data(as_text=True)
    chart = html[html.index('<figure class="chart'):html.index("</figure>", html.index(
        '<figure class="chart'))]
    assert 'class="chart with-reference"' in chart and 'class="reference-bar"' in chart
    assert "Defections to South Korea confirmed that year" in chart
    assert "<tr><td><a href=\"/search?year=2023..2023\">2023</a></td><td>1</td><td>196</td>" \
           "<td>0.5%</td></tr>" in chart
    assert "Of the 196 confirmed defections to South Korea last year" in unescape(chart)


def test_without_a_reference_series_the_chart_is_the_archive_s_alone(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "testimonies")
    (tmp_path / "testimonies" / "reference.csv").unlink()
    update_index(tmp_path / "testimonies", tmp_path / "index")
    client = create_app({"TESTING": True, "TESTIMONIES": str(tmp_path / "testimonies"),
                         "INDEX": str(tmp_path / "index")}).test_client()
    html = client.get("/").get_data(as_text=True)
    assert 'class="chart"' in html and "reference-bar" not in html
    (tmp_path / "testimonies" / "reference.csv").write_text("year,count\n2019,x\n",
                                                            encoding="utf-8")
    html = client.get("/").get_data(as_text=True)  # read again when the file changes
    assert "reference.csv) cannot be used; `archive validate` says why" in unescape(html)
    assert client.get("/compare").status_code == 200


def test_the_facets_of_the_person_in_both_languages(client, korean):
    html = text_of(client.get("/search").get_data(as_text=True))
    for title in ("Rank", "Left with", "Generation", "Age when they left"):
        assert title in html
    assert "elite 4" in html and "born in the 1970s 1" in html and "40-49 1" in html
    ko = text_of(korean.get("/search").get_data(as_text=True))
    for label in ("지위", "고위층 4", "중간 간부 3", "자녀 2", "1970년대생 1", "40대 1", "중국 3",
                  "쿠바 1", "영국 1"):
        assert label in ko, label
    chosen = text_of(korean.get("/search?rank=elite&country=Cuba").get_data(as_text=True))
    assert "지위: 고위층" in chosen and "국가: 쿠바" in chosen


def test_the_record_page_states_rank_age_and_company(client, korean):
    html = unescape(client.get("/t/trade-representative-shenyang-2019").get_data(as_text=True))
    assert '<a href="/search?rank=elite">elite</a>' in html
    assert '<a href="/search?generation=1970s">1971</a>' in html
    assert '<a href="/search?age=40-49">about 48 when they left</a>' in html
    driver = unescape(client.get("/t/embassy-driver-2019").get_data(as_text=True))
    assert '<a href="/search?left_with=family">family (other relatives)</a>' in driver
    ko = unescape(korean.get("/t/trade-representative-shenyang-2019").get_data(as_text=True))
    assert '<a href="/search?country=China">중국</a>' in ko
    assert '<a href="/search?rank=elite">고위층</a>' in ko and "떠날 때 약 48세" in ko


def test_the_api_gives_the_age_and_generation_derived(client):
    data = client.get("/api/t/trade-representative-shenyang-2019").get_json()
    assert (data["rank"], data["born"], data["age_at_departure"], data["generation"]) == \
        ("elite", 1971, 48, "1970s")
    assert client.get("/api/t/ri-il-kyu-2023").get_json()["left_with"] == []


@pytest.mark.parametrize("by", ["rank", "left_with", "generation", "age"])
def test_compare_by_the_new_dimensions(client, korean, by):
    data = client.get(f"/api/compare?by={by}").get_json()
    html = client.get(f"/compare?by={by}").get_data(as_text=True)
    assert data["columns"] and 'class="cell"' in html
    assert f"{data['unstated']} of the 19 testimonies do not say" in text_of(html)
    assert client.get(f"/compare.csv?by={by}").status_code == 200
    if by == "rank":
        assert [c["value"] for c in data["columns"]] == ["elite", "mid-level", "ordinary"]
        ko = text_of(korean.get("/compare?by=rank").get_data(as_text=True))
        assert "고위층" in ko and "중간 간부" in ko and "일반 주민" in ko


def test_the_comparison_by_period_shows_the_reference_series(client):
    html = text_of(client.get("/compare").get_data(as_text=True))
    assert "Defections to South Korea confirmed that year" in html
    assert "1 of 196 (0.5%) 2023 only" in html
    assert "The reference series counts from outside the archive; sources:" in html


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_query_help_speaks_the_page_s_language_and_every_example_finds_records(
        client, language):
    client.set_cookie("lang", language)
    html = unescape(client.get("/search?q=zzzz").get_data(as_text=True))
    start = html.index('class="syntax"')
    help_ = html[start:html.index("</details>", start)]
    examples = [e for group in QUERY_EXAMPLES[language].values() for e in group]
    for example in examples:
        assert f"<code>{example}</code>" in help_, example
        assert client.get("/api/search", query_string={"q": example}).get_json()["total"] >= 1, \
            example
    if language == "ko":  # none of the English examples is left
        assert "famine hospital" not in help_ and "dramas NOT soldier" not in help_


def test_the_form_edits_rank_and_who_left_with_them(sample_copy):
    update_index(sample_copy.testimonies, sample_copy.index)
    editor = create_app({"TESTING": True, "PRIVATE": True,
                         "TESTIMONIES": str(sample_copy.testimonies),
                         "INDEX": str(sample_copy.index)}).test_client()
    page = editor.get("/t/nurse-hyesan-1999/edit").get_data(as_text=True)
    assert '<option value="mid-level">mid-level · 중간 간부</option>' in page
    assert 'name="left_with" value="spouse"' in page
    form = form_values(page)
    form.update(rank=["mid-level"], left_with=["spouse", "children"], born=["1960"],
                action=["save"])
    response = editor.post("/t/nurse-hyesan-1999/edit", data=form)
    assert response.status_code == 303
    text = (sample_copy.testimonies / "nurse-hyesan-1999.md").read_text(encoding="utf-8")
    assert "rank: mid-level\n" in text and "born: 1960\nleft_with: [spouse, children]\n" in text
    found = editor.get("/api/search?rank=mid-level&left_with=spouse").get_json()
    assert [r["id"] for r in found["results"]] == ["nurse-hyesan-1999"]
    form.update(left_with=["alone", "spouse"])
    refused = editor.post("/t/nurse-hyesan-1999/edit", data=form).get_data(as_text=True)
    assert "&#39;alone&#39; cannot be listed with spouse" in refused
