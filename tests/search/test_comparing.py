"""Patterns: motives compared across periods and groups, co-occurrence, the heatmap and its
table, the downloads and the CLI; and the thesaurus that rolls motives up."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import Counter
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.errors import InvalidVocabulary
from archive.records.collection import read_archive, vocabulary_for
from archive.records.redaction import public_view
from archive.records.vocabulary import load_vocabulary
from archive.search.comparing import BY, compare
from archive.search.indexing import update_index
from archive.search.searching import ArchiveIndex, SearchRequest

from ..helpers import SAMPLE, values_of, write_record

VOCABULARY = vocabulary_for(SAMPLE)


def expected(records, by: str, period: int) -> tuple[dict, dict]:
    """Column totals and cell counts counted straight from the records: {column: total} and
    {(motive, column): count}, each record counting for its motives and every broader one."""
    totals, cells = Counter(), Counter()
    for record in map(public_view, records):  # what the public index holds of each
        if by == "period":
            start = record.year // period * period
            columns = [str(start) if period == 1 else f"{start}-{start + period - 1}"]
        elif by == "motive":
            columns = sorted({term for m in record.motives
                              for term in (m, *VOCABULARY.ancestors(m))
                              if not VOCABULARY.get(term).concept})
        else:
            columns = [v for v in values_of(record, by, VOCABULARY) if v is not None]
        stated = {above for m in record.motives for above in (m, *VOCABULARY.ancestors(m))}
        for column in columns:
            totals[column] += 1
            for motive in stated:
                cells[motive, column] += 1
    return totals, cells


def check(comparison, records, by: str, period: int) -> None:
    totals, cells = expected(records, by, period)
    columns = {c.label: c.total for c in comparison.columns}
    assert {k: v for k, v in columns.items() if v} == dict(totals)
    assert comparison.total == len(records)
    for row in comparison.rows:
        for column, count, share in zip(comparison.columns, row.counts, row.shares):
            assert count == cells[row.motive, column.label], (row.motive, column.label)
            assert share == (round(count / column.total, 4) if column.total else 0.0)
    shown = {(row.motive, column.label) for row in comparison.rows for column in
             comparison.columns}
    assert {key for key, count in cells.items() if count} <= shown


@pytest.fixture(scope="module")
def sample_index(sample):
    index = ArchiveIndex(sample.index, VOCABULARY)
    yield index
    index.close()


@pytest.mark.parametrize("by", BY)
def test_the_sample_compares_as_its_records_count(sample_index, by):
    records = read_archive(SAMPLE).testimonies
    check(compare(sample_index, SearchRequest(), by, 5), records, by, 5)


def test_a_search_and_its_filters_narrow_the_comparison(sample_index):
    request = SearchRequest("", {"sector": ["diplomatic"]})
    records = [t for t in read_archive(SAMPLE).testimonies if t.sector == "diplomatic"]
    comparison = compare(sample_index, request, "period", 5)
    check(comparison, records, "period", 5)
    assert [(c.label, c.total, c.too_few) for c in comparison.columns] == \
        [("2015-2019", 3, True), ("2020-2024", 1, True)]
    children = next(row for row in comparison.rows if row.motive == "children's freedom")
    assert (children.counts, children.shares, children.broader) == ((3, 1), (1.0, 1.0), "family")


RECORD = st.fixed_dictionaries({
    "year": st.integers(1990, 2024),
    "sector": st.sampled_from(["diplomatic", "trade", "military", "civilian"]),
    "country": st.sampled_from(["China", "Cuba", "Russia"]),
    "gender": st.sampled_from(["female", "male", None]),
    "account": st.sampled_from(["interview", "press", None]),
    "access": st.sampled_from(["public", "public", "restricted"]),
    "motives": st.lists(st.sampled_from([m.term for m in VOCABULARY.motives]), max_size=4,
                        unique=True)})


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=st.lists(RECORD, min_size=1, max_size=25), period=st.integers(1, 12),
       by=st.sampled_from(BY))
def test_counts_and_shares_equal_a_count_of_the_record_files(tmp_path_factory, records,
                                                             period, by):
    base = tmp_path_factory.mktemp("compare")
    folder = base / "testimonies"
    folder.mkdir()
    shutil.copy(SAMPLE / "vocabulary.yaml", folder / "vocabulary.yaml")
    for number, fields in enumerate(records):
        write_record(folder, f"made-{number:03d}",
                     **{k: v for k, v in fields.items() if v is not None})
    update_index(folder, base / "index")
    index = ArchiveIndex(base / "index", VOCABULARY)
    try:  # restricted records count, as in every statistic
        check(compare(index, SearchRequest(), by, period), read_archive(folder).testimonies,
              by, period)
    finally:
        index.close()


def test_the_heatmap_has_a_text_equivalent_and_a_link_for_every_cell(client):
    html = unescape(client.get("/compare?sector=diplomatic").get_data(as_text=True))
    data = client.get("/api/compare?sector=diplomatic").get_json()
    svg = html[html.index("<svg"):html.index("</svg>")]
    cells = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)">\s*<title>([^<]+)</title>\s*'
                       r'<rect class="cell"', svg)
    assert len(cells) == len(data["rows"]) * len(data["columns"]) == 14
    for (url, label, title), (row, column) in zip(
            cells, [(r, c) for r in data["rows"] for c in range(len(data["columns"]))]):
        total = data["columns"][column]["total"]
        count = row["counts"][column]
        assert label == title
        assert title.startswith(f"{row['motive']}, {data['columns'][column]['label']}: "
                                f"{count} of {total} testimon")
        assert "too few to compare" in title  # both columns hold fewer than 5
        assert url.startswith("/search?sector=diplomatic&q=motive%3A%22")
    assert "<table>" in html and "<tfoot>" in html  # the table beside it, with the totals


def test_each_cell_opens_the_search_it_counts(client):
    html = unescape(client.get("/compare?by=sector&q=freedom").get_data(as_text=True))
    data = client.get("/api/compare?by=sector&q=freedom").get_json()
    svg = html[html.index("<svg"):html.index("</svg>")]
    urls = re.findall(r'<a href="([^"]+)" aria-label="[^"]+">\s*<title>', svg)
    counts = [count for row in data["rows"] for count in row["counts"]]
    assert len(urls) == len(counts) > 20
    for url, count in list(zip(urls, counts))[::7]:
        found = client.get("/api" + url).get_json()["total"]
        assert found == count, url


def test_co_occurrence_has_motives_as_columns(client):
    data = client.get("/api/compare?by=motive").get_json()
    labels = [c["label"] for c in data["columns"]]
    assert "children's freedom" in labels and data["period"] is None
    row = next(r for r in data["rows"] if r["motive"] == "desire for reunification")
    column = labels.index("children's freedom")
    assert row["counts"][column] == 2  # the embassy driver and the third secretary
    assert set(data) == {"by", "period", "query", "filters", "total", "unstated", "columns",
                         "rows", "reference"}
    assert data["reference"] is None and data["unstated"] == 0  # a reference beside periods only
    assert set(data["rows"][0]) == {"motive", "ko", "broader", "concept", "counts", "shares"}


@pytest.mark.parametrize("params, message", [
    ("by=nope", "by: expected one of period, sector, country, account, gender, language, "
                "rank, left_with, generation, age, motive, got 'nope'"),
    ("period=0", "period: expected a number of years from 1 to 100, got '0'"),
    ("period=abc", "period: expected a number of years from 1 to 100, got 'abc'"),
    ("motive=nothing", "unknown motive 'nothing'; did you mean 'education'?"),
])
def test_bad_parameters_are_a_400_with_one_sentence(client, params, message):
    assert client.get(f"/api/compare?{params}").get_json() == {"error": message}
    page = client.get(f"/compare?{params}")
    assert page.status_code == 400 and f"<p>{message}.</p>" in unescape(page.get_data(as_text=True))
    assert client.get(f"/compare.csv?{params}").status_code == 400


def test_the_csv_is_the_table(client):
    text = client.get("/compare.csv?sector=diplomatic").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["motive", "ko", "broader", "2015-2019 count", "2015-2019 share",
                       "2020-2024 count", "2020-2024 share"]
    assert ["children's freedom", "자녀의 자유", "family", "3", "1.0000", "1", "1.0000"] in rows
    assert rows[-4] == ["testimonies matching", "", "", "3", "", "1", ""]
    # The sample's reference series (one year, from the seed article) under the table.
    assert rows[-3][:3] == ["reference: Defections to South Korea confirmed that year", "",
                            rows[-3][2]] and rows[-3][3:] == ["", "", "196", ""]
    assert rows[-2] == ["testimonies of the years counted", "", "", "", "", "1", ""]
    assert rows[-1] == ["share of the reference", "", "", "", "", "", "0.0051"]


def test_the_cli_prints_a_table_json_and_csv(run, sample):
    result = run(sample, "compare", "--filter", "sector=diplomatic")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "Motives of 4 testimonies, by period:"
    assert "  children's freedom          3 (100%)    1 (100%)" in result.output
    data = json.loads(run(sample, "compare", "--by", "sector", "--json").output)
    assert data["by"] == "sector" and data["total"] == 19
    text = run(sample, "compare", "famine", "--period", "10", "--csv").output
    assert text.startswith("motive,ko,broader,1990-1999 count,1990-1999 share")
    assert run(sample, "compare", "--by", "nope").exit_code == 2


def test_the_search_page_offers_to_compare_and_the_home_page_shows_motives_by_period(client):
    html = client.get("/search?sector=diplomatic&page=1").get_data(as_text=True)
    assert '<a href="/compare?sector=diplomatic">compare these 4 testimonies</a>' in html
    home = client.get("/").get_data(as_text=True)
    assert "Motives by period" in home and 'class="cell"' in home


def test_restricted_records_are_counted_and_never_shown(client):
    html = client.get("/compare?by=sector").get_data(as_text=True)
    security = client.get("/api/compare?by=sector").get_json()
    column = [c["value"] for c in security["columns"]].index("security")
    assert security["columns"][column]["total"] == 2  # the restricted witness counts
    assert "Restricted Witness" not in html and "RW-0457" not in html


def test_a_broader_concept_finds_every_motive_under_it(client):
    by_filter = client.get("/api/search?motive=family&per_page=100").get_json()
    by_query = client.get("/api/search?q=motive:family&per_page=100").get_json()
    in_korean = client.get("/api/search?q=motive:가족&per_page=100").get_json()
    wanted = {t.id for t in read_archive(SAMPLE).testimonies
              if {"children's freedom", "family reunion"} & set(t.motives)}
    for data in (by_filter, by_query, in_korean):
        assert {row["id"] for row in data["results"]} == wanted and len(wanted) == 8
    famine = client.get("/api/search?motive=economic+hardship").get_json()["total"]
    assert famine == len([t for t in read_archive(SAMPLE).testimonies
                          if {"economic hardship", "famine"} & set(t.motives)])


def test_a_motive_clause_is_exact(client):
    """`motive:education` finds the term, not the alias "children's education" of another."""
    data = client.get("/api/search?q=motive:education").get_json()
    assert [row["id"] for row in data["results"]] == ["student-moscow-1993"]


BAD_THESAURUS = """motives:
  famine:
    broader: hardship
  poverty:
    aliases: [hunger]
    broader: want
  hunger strike:
    aliases: [Hunger]
concepts:
  want:
    broader: need
  need:
    broader: want
"""


def test_validate_reports_cycles_undefined_broader_terms_and_duplicate_labels(tmp_path,
                                                                               run):
    (tmp_path / "vocabulary.yaml").write_text(BAD_THESAURUS, encoding="utf-8")
    with pytest.raises(InvalidVocabulary) as caught:
        load_vocabulary(tmp_path / "vocabulary.yaml")
    path = tmp_path / "vocabulary.yaml"
    assert str(caught.value).splitlines() == [
        f"{path}:3: motives: famine: broader: 'hardship' is neither a term nor a concept; "
        "define it under concepts: with its ko label and note",
        f"{path}:7: motives: hunger strike: the label 'Hunger' is also a label of 'poverty'; "
        "give each label to one term only",
        f"{path}:11: concepts: want: broader: the broader terms run in a circle: want > need "
        "> want; break the circle",
        f"{path}:13: concepts: need: broader: the broader terms run in a circle: need > want "
        "> need; break the circle",
    ]
    from ..helpers import write_record as write

    write(tmp_path, "a-record")
    result = run(type("P", (), {"testimonies": tmp_path, "index": tmp_path / "i"})(),
                 "validate")
    assert result.exit_code == 1 and "break the circle" in result.output


@pytest.mark.parametrize("slice_", [16384, 97])
def test_cross_counts_are_the_set_intersections(monkeypatch, slice_):
    """Comparisons count each row's and column's shared documents with products of 0/1
    matrices, a slice of documents at a time; they must give exactly what intersecting the
    sets gives, for any documents (empty ones, rows reaching past every column, one
    column, documents in no column), in one slice or many."""
    import random

    import numpy as np

    from archive.search import comparing
    from archive.search.comparing import cross_counts

    monkeypatch.setattr(comparing, "SLICE", slice_)
    chance = random.Random(7)
    for _ in range(200):
        size = chance.randint(1, 3000)

        def some() -> set:
            return {d for d in range(size) if chance.random() < chance.choice((0, 0.01, 0.3, 0.9))}
        rows = [some() for _ in range(chance.randint(0, 12))]
        columns = [some() for _ in range(chance.randint(1, 8))]
        arrays = [np.array(sorted(docs), dtype=np.int64) for docs in rows]
        found = cross_counts(arrays, [np.array(sorted(docs), dtype=np.int64) for docs in columns])
        assert found == [tuple(len(row & column) for column in columns) for row in rows]
