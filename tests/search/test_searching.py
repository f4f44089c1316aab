"""Searching: query language, filters, facets, ranking, snippets, suggestions."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from archive.errors import QueryError
from archive.records.collection import read_archive, vocabulary_for
from archive.records.redaction import public_view
from archive.search.searching import (FACETS, ArchiveIndex, SearchRequest, guard_query,
                                      parse_year_range)

from ..helpers import SAMPLE, values_of


@pytest.fixture(scope="module")
def index(sample):
    index = ArchiveIndex(sample.index, vocabulary_for(sample.testimonies))
    yield index
    index.close()


@pytest.fixture(scope="module")
def private_index(sample):
    index = ArchiveIndex(sample.index, vocabulary_for(sample.testimonies), "archivists")
    yield index
    index.close()


def found(index, query="", **filters):
    return [hit.id for hit in index.matching(SearchRequest(query, filters))]


@pytest.mark.parametrize("query, expected", [
    ("starved", {"logging-camp-russia-1998"}),                        # stemming: starving
    ("famine AND hospital", {"nurse-hyesan-1999"}),
    ("purge OR recall", {"security-officer-dandong-2011", "party-cadre-2013",
                         "trade-official-singapore-2009", "student-moscow-1993"}),
    ('"loyalty funds"', {"trade-representative-shenyang-2019", "construction-worker-doha-2014",
                         "trade-official-singapore-2009"}),  # its motive's alias
    ("sector:trade", {"trade-representative-shenyang-2019", "trade-official-singapore-2009"}),
    ("country:china", {"trade-representative-shenyang-2019", "security-officer-dandong-2011",
                       "christian-believer-2006"}),
    ("diplom*", {"thae-yong-ho-2016", "third-secretary-southeast-asia-2018"}),
    ("year:[1990 TO 1999]", {"border-guard-1997", "logging-camp-russia-1998",
                             "student-moscow-1993", "nurse-hyesan-1999"}),
    ("year:199*", {"border-guard-1997", "logging-camp-russia-1998", "student-moscow-1993",
                   "nurse-hyesan-1999"}),
    ("year:>=2022", {"ri-il-kyu-2023", "witness-0457"}),
    ("tag:illustrative year:2019", {"trade-representative-shenyang-2019", "fishing-crew-2019",
                                    "embassy-driver-2019"}),
])
def test_query_language(index, query, expected):
    assert set(found(index, query)) == expected


def test_not_excludes(index):
    assert "dmz-soldier-2017" in found(index, "dramas")
    assert "dmz-soldier-2017" not in found(index, "dramas NOT soldier")
    assert found(index, "dramas -soldier") == found(index, "dramas NOT soldier")
    assert found(index, 'dramas -"soldier"') == found(index, "dramas NOT soldier")


@pytest.mark.parametrize("query, guarded", [
    ("dramas -soldier", "dramas NOT soldier"),
    ("(famine -border) -sector:trade", "(famine NOT border) NOT sector:trade"),
    ('famine -"border river"', 'famine NOT "border river"'),
    ('"well -being" e-mail Yong-ho - x --y', '"well -being" e-mail Yong-ho - x --y'),
])
def test_a_minus_starting_a_word_outside_quotes_means_not(query, guarded):
    assert guard_query(query) == guarded


@pytest.mark.parametrize("query", ["hallyu", "motive:hallyu", "Korean Wave media", "한류",
                                   "south korean dramas"])
def test_a_motive_matches_by_term_alias_and_korean_label(index, query):
    assert {"dmz-soldier-2017", "university-student-2021"} <= set(found(index, query))


@pytest.mark.parametrize("query, message", [
    ("x" * 1001, "the query is 1,001 characters long; the limit is 1,000"),
    ("y" * 101, "the query has a word of 101 characters; the limit is 100"),
    ("(" * 11 + "a" + ")" * 11, "the query nests parentheses 11 deep; the limit is 10"),
    ("year:abc", "invalid year 'abc' in the query: use year:2016, year:199*, "
                 "year:[1990 TO 1999] or year:>=2000"),
    ("!!! ...", "the query '!!! ...' has no word that can be searched: it holds only very "
                "common words or punctuation"),
])
def test_unusable_queries_give_one_sentence(index, query, message):
    with pytest.raises(QueryError) as caught:
        index.search(SearchRequest(query))
    assert str(caught.value) == message


@pytest.mark.parametrize("query", ['"unclosed phrase', "a AND", "OR OR", "(((", "title:",
                                   "year:[2000 TO", "*", "NOT", "年:1", "a:b:c", "\\", "ö~2"])
def test_odd_queries_never_raise_anything_but_query_error(index, query):
    try:
        index.search(SearchRequest(query))
    except QueryError:
        pass


def test_filters_or_within_and_across(index):
    assert set(found(index, sector=["trade", "security"])) == {
        "trade-representative-shenyang-2019", "trade-official-singapore-2009",
        "security-officer-dandong-2011", "witness-0457"}
    assert found(index, sector=["trade", "security"], country=["Singapore"]) == [
        "trade-official-singapore-2009"]
    assert set(found(index, year=["1990..1999"], gender=["female"])) == {"nurse-hyesan-1999"}
    assert set(found(index, language=["ko"])) == {"border-guard-1997", "university-student-2021",
                                                  "mother-musan-2008", "embassy-driver-2019"}


def test_motive_filter_accepts_aliases(index):
    assert found(index, motive=["hallyu"]) == found(index, motive=["Korean Wave media"])


@pytest.mark.parametrize("filters, message", [
    ({"colour": ["red"]}, "unknown filter 'colour'; expected one of motive, sector, country, "
                          "year, gender, language, account, rank, left_with, generation, age"),
    ({"rank": ["elit"]}, "unknown rank 'elit'; did you mean 'elite'?"),
    ({"left_with": ["dog"]}, "unknown left_with 'dog'; expected one of alone, spouse, children, "
                             "family"),
    ({"generation": ["sixties"]}, "invalid generation 'sixties': expected a decade of birth "
                                  "such as 1970s"),
    ({"age": ["35"]}, "unknown age band '35'; expected one of 0-19, 20-29, 30-39, 40-49, "
                      "50-59, 60+"),
    ({"motive": ["childrens freedom"]}, "unknown motive 'childrens freedom'; did you mean "
                                        "'children's freedom'?"),
    ({"sector": ["navy"]}, "unknown sector 'navy'; expected one of diplomatic, trade, military, "
                           "security, party, overseas-labour, student, civilian, other"),
    ({"year": ["2020..2010"]}, "invalid year '2020..2010': the range starts after it ends"),
    ({"year": ["recent"]}, "invalid year 'recent': expected a year such as 2016 or a range such "
                           "as 2016..2024"),
])
def test_bad_filters_give_one_sentence(index, filters, message):
    with pytest.raises(QueryError) as caught:
        index.search(SearchRequest("", filters))
    assert str(caught.value) == message


@pytest.mark.parametrize("text, expected", [("2016..2024", (2016, 2024)), ("2016", (2016, 2016)),
                                            ("..1999", (0, 1999)), ("2010..", (2010, 9999))])
def test_year_ranges(text, expected):
    assert parse_year_range(text) == expected


VOCABULARY = vocabulary_for(SAMPLE)


def public_records():
    return [public_view(t) for t in read_archive(SAMPLE).testimonies]


def expected_counts(records, name):
    counts = Counter()
    for record in records:
        counts.update(v for v in values_of(record, name, VOCABULARY) if v is not None)
    return counts


REQUESTS = [("", {}), ("freedom", {}), ("", {"sector": ["diplomatic", "civilian"]}),
            ("", {"motive": ["children's freedom"], "year": ["2000..2024"]}),
            ("children OR famine", {"language": ["en"]}), ("", {"gender": ["female"]}),
            ("", {"rank": ["elite", "ordinary"], "left_with": ["children"]}),
            ("freedom", {"age": ["20-29"], "generation": ["1990s", "2000s"]})]


@pytest.mark.parametrize("query, filters", REQUESTS)
def test_facet_counts_equal_counts_from_the_records(index, query, filters):
    """Each facet counts the records matching the query and every *other* filter."""
    results = index.search(SearchRequest(query, filters))
    matched = set(found(index, query))
    records = [r for r in public_records() if r.id in matched]
    for name in FACETS:
        kept = records
        for other, values in filters.items():
            if other == name:
                continue
            if other == "year":
                low, high = parse_year_range(values[0])
                kept = [r for r in kept if low <= r.year <= high]
            elif other == "motive":
                kept = [r for r in kept if set(r.motives) & set(values)]
            else:
                kept = [r for r in kept if set(values_of(r, other, VOCABULARY)) & set(values)]
        assert {c.value: c.count for c in results.facets[name]} == \
            dict(expected_counts(kept, name)), name
    assert results.total == len(found(index, query, **filters))


def test_a_multi_valued_facet_counts_every_value(index):
    motives = {c.value: c.count for c in index.search(SearchRequest()).facets["motive"]}
    assert motives["children's freedom"] == 6 and motives["economic hardship"] == 5
    assert sum(motives.values()) > index.count()


def test_ranking_puts_titles_motives_and_names_above_the_body(index):
    assert found(index, "hallyu")[0] == "dmz-soldier-2017"
    assert found(index, "Thae")[0] == "thae-yong-ho-2016"


@pytest.mark.parametrize("query", ["Thae Yong-ho", "Tae Yong-ho", "Thae Yongho", "Thae Yong Ho",
                                   "tae yongho", "태영호"])
def test_name_variants_find_the_person_first(index, query):
    assert found(index, query)[0] == "thae-yong-ho-2016"


@pytest.mark.parametrize("query", ["Ri Il-kyu", "Lee Il-kyu", "Rhee Ilkyu", "Yi Il Kyu", "리일규"])
def test_surname_spellings_meet(index, query):
    assert found(index, query)[0] == "ri-il-kyu-2023"


@pytest.mark.parametrize("query, expected", [
    ("자유", {"university-student-2021", "mother-musan-2008"}),   # 자유롭게, 자유를, 자유로운
    ("두만강", {"border-guard-1997", "mother-musan-2008"}),        # 두만강을, 두만강
    ('"한국 드라마"', {"university-student-2021"}),
])
def test_korean_words_match_their_inflected_forms(index, query, expected):
    assert expected <= set(found(index, query))


def test_motives_cross_languages(index):
    assert {"ri-il-kyu-2023", "thae-yong-ho-2016"} <= set(found(index, "자녀의 자유"))
    assert "border-guard-1997" in found(index, "famine")


def test_snippets_mark_matched_words(index):
    hit = index.search(SearchRequest("starved")).hits[0]
    assert ("starving", True) in hit.snippet
    assert "<mark>starving</mark>" in hit.snippet_html
    korean = index.search(SearchRequest("두만강", {"language": ["ko"]})).hits[0]
    assert any(marked and "두만강" in text or marked and "만강" in text
               for text, marked in korean.snippet)


def test_snippet_html_escapes_text(index):
    hit = index.search(SearchRequest("sector:trade")).hits[0]
    assert "<" not in hit.snippet_html.replace("<mark>", "").replace("</mark>", "")


def test_spelling_suggestion_from_the_archive_s_words(index):
    assert index.search(SearchRequest("reunifcation")).suggestion == "reunification"
    assert index.search(SearchRequest("famine")).suggestion is None


def test_empty_query_browses_newest_first(index):
    years = [hit.year for hit in index.search(SearchRequest("", {"sector": ["civilian"]})).hits]
    assert years == sorted(years, reverse=True) and len(years) == 3


def test_sort_by_year_and_pagination(index):
    first = index.search(SearchRequest("freedom OR children", sort="year", per_page=2))
    second = index.search(SearchRequest("freedom OR children", sort="year", per_page=2, page=2))
    years = [h.year for h in first.hits + second.hits]
    assert years == sorted(years, reverse=True)
    assert first.total == second.total and first.pages == -(-first.total // 2)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_restricted_text_finds_nothing_in_public_and_everything_in_private(index, private_index):
    assert found(index, "endanger") == []
    assert found(private_index, "endanger") == ["witness-0457"]
    assert found(index, "RW-0457") == [] and found(private_index, "RW-0457") == ["witness-0457"]
    assert found(index, "Security-sector worker") == ["witness-0457"]  # the title is public
    assert found(index, "사촌") == [] and found(private_index, "사촌") == ["mother-musan-2008"]


def test_related_records_are_public_and_exclude_the_record(index):
    related = [hit.id for hit in index.related("ri-il-kyu-2023")]
    assert related and "ri-il-kyu-2023" not in related and "witness-0457" not in related


@pytest.mark.parametrize("a, b", list(itertools.combinations(["children", "famine", "purge"], 2)))
def test_matching_agrees_with_search_totals(index, a, b):
    query = f"{a} OR {b}"
    assert len(found(index, query)) == index.search(SearchRequest(query)).total


def test_private_mode_counts_each_record_once(index, private_index):
    everything = private_index.search(SearchRequest(per_page=100))
    assert everything.total == index.search(SearchRequest()).total == 19
    assert len({hit.id for hit in everything.hits}) == 19
    assert sum(c.count for c in everything.facets["sector"]) == 19
    ids = found(private_index, "river OR freedom OR famine")
    assert len(ids) == len(set(ids))


def test_the_private_index_holds_only_records_the_public_sees_in_part(sample):
    from whoosh import index as whoosh_index

    from archive.search.engine.generations import current_generation

    private = whoosh_index.open_dir(str(current_generation(sample.index) / "archivists"))
    with private.searcher() as searcher:
        ids = sorted(fields["id"] for fields in searcher.all_stored_fields())
    assert ids == ["dmz-soldier-2017", "mother-musan-2008", "nurse-hyesan-1999", "witness-0457"]
