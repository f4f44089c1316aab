"""Rank, who left with the person, the generation and the age at departure as facets,
filters, search fields and comparisons; the share of the elite by period; and periods beside
a reference series. Expected figures are counted from the record files, not by the archive."""

from __future__ import annotations

import pytest

from archive.records.collection import read_archive, vocabulary_for
from archive.records.redaction import public_view
from archive.records.reference import parse_reference
from archive.search.comparing import compare, comparison_json, comparison_text
from archive.search.indexing import update_index
from archive.search.searching import ArchiveIndex, SearchRequest
from archive.search.shares import share_by_period

from ..helpers import SAMPLE, values_of, write_record

VOCABULARY = vocabulary_for(SAMPLE)
PUBLIC = [public_view(t) for t in read_archive(SAMPLE).testimonies]


@pytest.fixture(scope="module")
def index(sample):
    index = ArchiveIndex(sample.index, VOCABULARY)
    yield index
    index.close()


def found(index, query="", **filters) -> set[str]:
    return {hit.id for hit in index.matching(SearchRequest(query, filters))}


def ids(condition) -> set[str]:
    return {t.id for t in PUBLIC if condition(t)}


@pytest.mark.parametrize("query, filters, expected", [
    ("", {"rank": ["elite"]}, ids(lambda t: t.rank == "elite")),
    ("", {"rank": ["고위층", "mid-level"]}, ids(lambda t: t.rank in ("elite", "mid-level"))),
    ("rank:elite", {}, ids(lambda t: t.rank == "elite")),
    ("rank:high-ranking", {}, ids(lambda t: t.rank == "elite")),
    ("rank:고위급", {}, ids(lambda t: t.rank == "elite")),
    ('rank:"mid-level"', {}, ids(lambda t: t.rank == "mid-level")),
    ("rank:mid-level", {}, ids(lambda t: t.rank == "mid-level")),
    ("", {"left_with": ["자녀"]}, ids(lambda t: "children" in t.left_with)),
    ("left_with:children", {}, ids(lambda t: "children" in t.left_with)),
    ("left_with:가족", {}, ids(lambda t: "family" in t.left_with)),
    ("born:197*", {}, ids(lambda t: t.born and 1970 <= t.born <= 1979)),
    ("born:[1990 TO 2005]", {}, ids(lambda t: t.born and 1990 <= t.born <= 2005)),
    ("born:<1980", {}, ids(lambda t: t.born and t.born < 1980)),
    ("generation:1990s", {}, ids(lambda t: t.born and 1990 <= t.born <= 1999)),
    ("", {"generation": ["2000s"]}, ids(lambda t: t.born and 2000 <= t.born <= 2009)),
    ("age:20-29", {}, ids(lambda t: t.born and 20 <= t.year - t.born <= 29)),
    ("", {"age": ["40-49"]}, ids(lambda t: t.born and 40 <= t.year - t.born <= 49)),
    ("freedom", {"rank": ["ordinary"]}, None),
    ("country:쿠바", {}, ids(lambda t: t.country == "Cuba")),
    ("영국", {}, ids(lambda t: t.country == "United Kingdom")),
])
def test_each_field_is_a_filter_and_a_search_field(index, query, filters, expected):
    if expected is None:  # a query and a filter together: the filter narrows the query
        expected = found(index, query) & ids(lambda t: t.rank == "ordinary")
    assert expected and found(index, query, **filters) == expected


def test_the_sample_states_what_the_facets_count(index):
    facets = index.search(SearchRequest()).facets
    assert [(c.value, c.count) for c in facets["rank"]] == [
        (rank, sum(t.rank == rank for t in PUBLIC)) for rank in ("elite", "mid-level", "ordinary")]
    assert [c.value for c in facets["left_with"]] == ["children", "family"]  # the format's order
    assert [c.value for c in facets["generation"]] == ["1970s", "1990s", "2000s"]
    assert [c.value for c in facets["age"]] == ["20-29", "40-49"]  # the youngest band first


def test_restricted_and_withheld_values_are_counted_only_where_they_may_be_seen(empty_archive):
    folder = empty_archive.testimonies
    write_record(folder, "open-elite", rank="elite", born=1960, left_with=["spouse"], year=2016)
    write_record(folder, "withheld-elite", rank="elite", born=1961, left_with=["spouse"],
                 year=2017, withhold=["rank", "born", "left_with"])
    write_record(folder, "closed-elite", rank="elite", born=1962, left_with=["spouse"],
                 year=2018, access="restricted")
    write_record(folder, "shown-to-researchers", rank="elite", born=1963, left_with=["spouse"],
                 year=2019, withhold=["rank", "born", "left_with"],
                 researchers_see=["rank", "born", "left_with"])
    update_index(folder, empty_archive.index)
    for audience, count in (("public", 1), ("researchers", 2), ("archivists", 4)):
        view = ArchiveIndex(empty_archive.index, VOCABULARY, audience)
        try:
            results = view.search(SearchRequest())
            assert {c.value: c.count for c in results.facets["rank"]} == {"elite": count}
            assert {c.value: c.count for c in results.facets["left_with"]} == {"spouse": count}
            assert sum(c.count for c in results.facets["generation"]) == count
            assert len(view.matching(SearchRequest("rank:elite"))) == count
            assert len(view.matching(SearchRequest("born:[1960 TO 1969]"))) == count
            shares = share_by_period(view, period=10)
            assert [(p.label, p.count, p.stated, p.total) for p in shares.periods] == [
                ("2010-2019", count, count, 4)]
            by_rank = compare(view, SearchRequest(), "rank")
            assert [(c.value, c.total) for c in by_rank.columns] == [("elite", count)]
            assert by_rank.unstated == 4 - count
        finally:
            view.close()


def test_the_share_of_the_elite_by_period_counts_the_records(index):
    shares = share_by_period(index)
    assert shares.value == "elite" and shares.facet == "rank"
    for period in shares.periods:
        first, last = map(int, period.filter[1].split(".."))
        within = [t for t in PUBLIC if first <= t.year <= last]
        assert period.total == len(within)
        assert period.stated == sum(t.rank is not None for t in within)
        assert period.count == sum(t.rank == "elite" for t in within)
    recent = {p.label: (p.count, p.stated, p.share) for p in shares.periods}
    assert recent["2015-2019"] == (3, 6, 0.5) and recent["2010-2014"] == (0, 3, 0.0)
    assert recent["2000-2004"] == (0, 0, None)  # no testimony: no share, not 0%


def test_a_vocabulary_without_ranks_has_no_share_to_show(empty_archive):
    (empty_archive.testimonies / "vocabulary.yaml").write_text("motives:\n  famine: {}\n",
                                                              encoding="utf-8")
    write_record(empty_archive.testimonies, "one-record")
    update_index(empty_archive.testimonies, empty_archive.index)
    view = ArchiveIndex(empty_archive.index, vocabulary_for(empty_archive.testimonies))
    assert share_by_period(view) is None
    view.close()


@pytest.mark.parametrize("by, order", [
    ("rank", ["elite", "mid-level", "ordinary"]),
    ("left_with", ["children", "family"]),
    ("generation", ["1970s", "1990s", "2000s"]),
    ("age", ["20-29", "40-49"]),
])
def test_comparisons_by_the_new_dimensions_keep_their_order(index, by, order):
    comparison = compare(index, SearchRequest(), by)
    assert [c.value for c in comparison.columns] == order
    assert [c.total for c in comparison.columns] == [
        sum(value in values_of(t, by, VOCABULARY) for t in PUBLIC) for value in order]
    assert comparison.unstated == sum(not any(values_of(t, by, VOCABULARY)) for t in PUBLIC)
    assert comparison_json(comparison)["unstated"] == comparison.unstated


def test_the_unstated_are_said_in_the_text(index):
    text = comparison_text(compare(index, SearchRequest(), "rank"))
    assert text.splitlines()[0] == "Motives of 19 testimonies, by rank:"
    assert text.splitlines()[-1] == ("2 of the 19 testimonies do not say their rank and are "
                                     "in no column.")
    none = comparison_text(compare(index, SearchRequest("", {"sector": ["party"]}), "age"))
    assert none == ("None of the 1 testimony this search matches says their year of birth: "
                    "nothing to compare.")


REFERENCE = parse_reference(
    "year,count,series,source\n2016,1418,Arrivals,Fixture (not real figures)\n"
    "2017,1127,Arrivals,Fixture (not real figures)\n2018,1137,,Fixture (not real figures)\n"
    "2019,1047,,Fixture (not real figures)\n2023,196,,Seed article\n", "reference.csv")


def test_periods_beside_a_reference_series(index):
    comparison = compare(index, SearchRequest(), "period", 5, REFERENCE)
    beside = {c.label: c.reference for c in comparison.columns}
    in_years = sum(1 for t in PUBLIC if t.year in (2016, 2017, 2018, 2019))
    assert beside["2015-2019"].count == 1418 + 1127 + 1137 + 1047
    assert beside["2015-2019"].years == (2016, 2017, 2018, 2019)
    assert beside["2015-2019"].documented == in_years  # 2015 is not counted by the series
    assert beside["2015-2019"].share == round(in_years / 4729, 4)
    assert beside["2020-2024"].count == 196 and beside["2020-2024"].documented == 1
    assert beside["1990-1994"] is None
    data = comparison_json(comparison)
    assert data["reference"] == {"series": "Arrivals", "series_ko": None, "sources": [
        {"source": "Fixture (not real figures)", "url": None},
        {"source": "Seed article", "url": None}]}
    column = next(c for c in data["columns"] if c["label"] == "2020-2024")
    assert column["reference"] == {"count": 196, "documented": 1, "share": 0.0051,
                                   "years": [2023]}
    text = comparison_text(comparison)
    assert "  2020-2024: 1 of 196 (0.5%) (the reference counts 2023 only)" in text
    # By anything but period, the series is not beside the columns.
    assert compare(index, SearchRequest(), "sector", 5, REFERENCE).reference is None
