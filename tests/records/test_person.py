"""Record format 1.2's fields of the person: `rank` (the vocabulary's ranks), `born` (with
the age at departure and the generation derived from it) and `left_with`; who may withhold
them; country names in Korean; and the reference series beside the records."""

from __future__ import annotations

import pytest

from archive.errors import InvalidReference, InvalidTestimony
from archive.records.collection import vocabulary_for
from archive.records.countries import country_name
from archive.records.person import age_at_departure, age_band, generation
from archive.records.redaction import hidden_parts, public_view
from archive.records.reference import load_reference, parse_reference
from archive.records.testimony import read_testimony
from archive.records.validation import WITHHOLDABLE
from archive.records.vocabulary import load_vocabulary
from archive.records.writing import format_testimony

from ..helpers import SAMPLE, write_record

VOCABULARY = vocabulary_for(SAMPLE)


def read(folder, **fields):
    return read_testimony(write_record(folder, "a-person", **fields), VOCABULARY)[0]


@pytest.mark.parametrize("given, term", [("elite", "elite"), ("High-Ranking", "elite"),
                                         ("고위층", "elite"), ("  Mid-Level ", "mid-level"),
                                         ("rank and file", "ordinary")])
def test_a_rank_is_a_term_an_alias_or_a_korean_label(tmp_path, given, term):
    assert read(tmp_path, rank=given).rank == term


def test_a_rank_needs_a_vocabulary_with_ranks(tmp_path):
    folder = tmp_path / "testimonies"
    folder.mkdir()
    (folder / "vocabulary.yaml").write_text("motives:\n  famine: {}\n", encoding="utf-8")
    with pytest.raises(InvalidTestimony) as caught:
        read_testimony(write_record(folder, "no-ranks", rank="elite"),
                       load_vocabulary(folder / "vocabulary.yaml"))
    assert str(caught.value).endswith(
        "rank: testimonies/vocabulary.yaml defines no ranks; add a ranks: section (elite, "
        "mid-level, ordinary) before giving a record a rank")


@pytest.mark.parametrize("given, kept", [(["Children", "spouse"], ("children", "spouse")),
                                         ("alone", ("alone",)),
                                         (["family", "family"], ("family",)), ([], ())])
def test_left_with_is_a_list_of_its_values(tmp_path, given, kept):
    assert read(tmp_path, left_with=given).left_with == kept


@pytest.mark.parametrize("born, year, message", [
    (1880, 2000, "born: 1880 would make the person 120 when they left in 2000; born is the "
                 "year of birth, at most 110 years before year"),
    (1850, 2000, "born: expected a year from 1880 to"),
    ("1970s", 2000, "born: expected a year such as 2019, got '1970s'"),
])
def test_a_year_of_birth_must_fit_the_year_of_leaving(tmp_path, born, year, message):
    with pytest.raises(InvalidTestimony) as caught:
        read(tmp_path, born=born, year=year)
    assert message in str(caught.value)


@pytest.mark.parametrize("born, year, age, band, decade", [
    (1971, 2019, 48, "40-49", "1970s"), (2000, 2019, 19, "0-19", "2000s"),
    (1950, 2010, 60, "60+", "1950s"), (1993, 2017, 24, "20-29", "1990s"),
    (None, 2017, None, None, None)])
def test_the_age_at_departure_and_the_generation_are_derived(tmp_path, born, year, age, band,
                                                             decade):
    record = read(tmp_path, **({"born": born} if born else {}), year=year)
    assert age_at_departure(record) == age and age_band(age) == band
    assert generation(record.born) == decade


def test_rank_left_with_and_born_may_be_withheld(tmp_path):
    assert {"rank", "left_with", "born"} <= set(WITHHOLDABLE)
    record = read(tmp_path, rank="elite", born=1970, left_with=["children"],
                  withhold=["rank", "left_with", "born"])
    shown = public_view(record)
    assert (shown.rank, shown.born, shown.left_with) == (None, None, ())
    assert {"withheld:rank", "withheld:left_with", "withheld:born"} <= hidden_parts(record)


def test_a_restricted_record_shows_none_of_them_in_public(tmp_path):
    record = read(tmp_path, rank="elite", born=1970, left_with=["spouse"], access="restricted")
    shown = public_view(record)
    assert (shown.rank, shown.born, shown.left_with) == (None, None, ())
    assert (shown.sector, shown.year) == (record.sector, record.year)  # what restricted shows


def test_the_fields_are_written_back_in_canonical_order(tmp_path):
    record = read(tmp_path, rank="고위급", born=1970, left_with=["spouse", "children"],
                  country="Cuba")
    text = format_testimony(record)
    assert "sector: civilian\nrank: elite\ncountry: Cuba\n" in text
    assert "born: 1970\nleft_with: [spouse, children]\n" in text
    path = tmp_path / "again" / "a-person.md"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    assert read_testimony(path, VOCABULARY)[0] == record


@pytest.mark.parametrize("name, korean", [("Cuba", "쿠바"), ("United Kingdom", "영국"),
                                          ("north korea", "북한"), ("UK", "영국"),
                                          ("Burma", "미얀마"), ("Atlantis", "Atlantis")])
def test_countries_in_korean_from_the_locale_data(name, korean):
    assert country_name(name, "ko") == korean
    assert country_name(name, "en") == name


def test_the_sample_reference_series_states_what_the_seed_article_states():
    """The article: "Of the 196 confirmed defections to South Korea last year" (2023, as it
    was written in 2024). Nothing else is carried, because nothing else could be checked."""
    reference = load_reference(SAMPLE)
    assert [(y.year, y.count) for y in reference.years] == [(2023, 196)]
    assert "Of the 196 confirmed defections to South Korea last year" in reference.years[0].source
    assert reference.label("ko") == "그해 확인된 한국행 탈북"


FIXTURE = ("year,count,series,source,url\n"
           "2019,1047,Arrivals in South Korea,Fixture ministry (not real figures),"
           "https://example.org/a\n"
           "2016,\"1,418\",,Fixture ministry (not real figures),https://example.org/a\n"
           "2023,196,Arrivals in South Korea,Seed article,\n")


def test_a_reference_series_reads_its_years_counts_and_sources():
    reference = parse_reference(FIXTURE, "reference.csv")
    assert [(y.year, y.count) for y in reference.years] == [(2016, 1418), (2019, 1047),
                                                              (2023, 196)]
    assert reference.count(2019) == 1047 and reference.count(2020) is None
    assert reference.sources() == [("Fixture ministry (not real figures)",
                                    "https://example.org/a"), ("Seed article", None)]


@pytest.mark.parametrize("text, problems", [
    ("year,cuont,series,source\n2019,5,S,s\n",
     ["reference.csv:1: count: the column is missing; the columns are year, count, series, "
      "source, url, series_ko", "reference.csv:1: cuont: unknown column; did you mean 'count'?"]),
    ("year,count,series,source\n2019,many,S,s\n2019,5,S,\n1900,5,S,s\n",
     ["reference.csv:2: count: expected a whole number such as 196, got 'many'",
      "reference.csv:3: source: every figure needs its source; name the publication it comes "
      "from", "reference.csv:4: year: expected a year from 1945 to"]),
    ("year,count,series,source\n2019,5,S,s\n2019,6,S,s\n",
     ["reference.csv:3: year: 2019 is counted twice (first on line 2); keep one row a year"]),
    ("year,count,series,source\n2019,5,Arrivals,s\n2020,6,Departures,s\n",
     ["reference.csv:3: series: 'Departures' differs from 'Arrivals' above; a file holds one "
      "series (keep one file per series)"]),
    ("year,count,series,source,url\n2019,5,S,s,ftp://x\n",
     ["reference.csv:2: url: expected an http:// or https:// address, got 'ftp://x'"]),
    ("year,count,series,source\n", ["reference.csv: the file holds no year; add rows of year, "
                                    "count, series and source"]),
])
def test_every_problem_of_a_reference_series_is_reported_with_its_line(text, problems):
    with pytest.raises(InvalidReference) as caught:
        parse_reference(text, "reference.csv")
    lines = str(caught.value).splitlines()
    assert len(lines) == len(problems)
    for line, expected in zip(lines, problems):
        assert line.startswith(expected), line


def test_an_archive_without_a_reference_series_has_none(tmp_path):
    assert load_reference(tmp_path) is None
    (tmp_path / "reference.csv").write_bytes(b"year,count,series,source\n2019,5,Caf\xe9,s\n")
    with pytest.raises(InvalidReference, match=r"reference.csv:2: the file is not UTF-8"):
        load_reference(tmp_path)
