"""Korean search: one-syllable nouns found alone, with particles and in phrases; and names
written in Hangul found by their romanisations."""

from __future__ import annotations

import pytest

from archive.records.collection import vocabulary_for
from archive.records.romanisation import name_spellings, syllable_spellings
from archive.search.engine.analysis import SURNAME_KEY, SURNAMES, name_analyzer, text_analyzer
from archive.search.engine.queries import make_parser, parse_query
from archive.search.engine.schema import make_schema
from archive.search.indexing import update_index
from archive.search.searching import ArchiveIndex, SearchRequest

from ..helpers import SAMPLE, write_record


def found(index, query: str) -> set[str]:
    return {hit.id for hit in index.search(SearchRequest(query, per_page=100)).hits}


@pytest.fixture(scope="module")
def sample_index(sample):
    index = ArchiveIndex(sample.index, vocabulary_for(SAMPLE))
    yield index
    index.close()


@pytest.mark.parametrize("query, record", [
    ("꿈", "embassy-driver-2019"),          # 꿈도
    ('"싶다는 꿈"', "embassy-driver-2019"),  # a phrase whose last word takes a particle
    ('"싶다는 꿈도"', "embassy-driver-2019"),
    ("삶", "university-student-2021"),       # 삶을, twice
    ("법", "university-student-2021"),       # 법이
])
def test_the_examples_of_the_issue_are_found(sample_index, query, record):
    assert record in found(sample_index, query)


def test_a_one_syllable_word_is_also_found_inside_longer_words(sample_index):
    # 배 (ship, belly) is in the sample only inside other words: 배급이, 배워
    assert {"border-guard-1997", "embassy-driver-2019"} <= found(sample_index, "배")


@pytest.fixture
def korean(empty_archive):
    folder = empty_archive.testimonies
    write_record(folder, "money-account", body="돈을 벌려고 중국으로 갔습니다.\n", language="ko")
    write_record(folder, "home-account", body="집에서 쌀을 팔았습니다. 땅에 묻었습니다.\n",
                 language="ko")
    write_record(folder, "dream-account", body="개꿈을 꾸었습니다.\n", language="ko")
    write_record(folder, "law-account", body="새 법이 생겼습니다. 법을 어겼습니다.\n",
                 language="ko")
    write_record(folder, "statute-account", body="교육공무원법과 국법상의 문제였습니다.\n",
                 language="ko")
    write_record(folder, "road-account", body="도로 옆을 따라 걸었습니다.\n", language="ko")
    write_record(folder, "named-account", body="A diplomat's account.\n",
                 name="리일규", aliases=["태영호"], name_public=True)
    update_index(folder, empty_archive.index)
    index = ArchiveIndex(empty_archive.index, vocabulary_for(folder))
    yield index
    index.close()


@pytest.mark.parametrize("query, expected", [
    ("돈", {"money-account"}), ("돈을", {"money-account"}), ("집", {"home-account"}),
    ("집에서", {"home-account"}), ("쌀", {"home-account"}), ("땅", {"home-account"}),
    ('"돈 벌려고"', set()), ('"돈을 벌려고"', {"money-account"}),
    ('"집에서 쌀을"', {"home-account"}), ('"집 쌀"', set()),
    ("꿈", {"dream-account"}),  # inside 개꿈을: a compound, or a word of its own
    ("법", {"law-account", "statute-account"}),  # 법이, 법을; 교육공무원법과, 국법상의
    ('"법 생겼습니다"', set()), ('"법이 생겼습니다"', {"law-account"}),
])
def test_one_syllable_words_alone_with_particles_and_in_phrases(korean, query, expected):
    assert found(korean, query) == expected


def test_a_one_syllable_word_ranks_first_where_it_stands_as_a_word(korean):
    ranked = [hit.id for hit in korean.search(SearchRequest("법")).hits]
    assert ranked == ["law-account", "statute-account"]


def test_snippets_mark_a_one_syllable_word_inside_a_compound(korean):
    hit = korean.search(SearchRequest("법")).hits[1]
    assert hit.snippet_text("[", "]").startswith("교육공무원[법]과 국[법]상의")


def test_only_a_one_syllable_hangul_word_is_looked_for_inside_words():
    parser = make_parser(make_schema())

    def fields(text):
        return {fieldname for fieldname, _ in parse_query(parser, text).iter_all_terms()}

    assert "body_syllables" in fields("법")
    assert "title_syllables" in fields("title:법") and "body_syllables" not in fields("title:법")
    assert not any(name.endswith("_syllables") for name in fields("법률 famine 법이 a"))
    assert not any(name.endswith("_syllables") for name in fields('"새 법"'))


def test_the_precision_cost_a_two_syllable_noun_that_looks_like_noun_and_particle(korean):
    """도로 (road) reads as 도 + 로: a search for 도 finds it. The README states this cost."""
    assert found(korean, "도") == {"road-account"}


def test_snippets_mark_a_one_syllable_word_with_its_particle(korean):
    hit = korean.search(SearchRequest("돈")).hits[0]
    assert hit.snippet_text("[", "]").startswith("[돈]을 벌려고")


def test_the_analyzer_cuts_index_and_query_alike():
    analyzer = text_analyzer()
    assert [t.text for t in analyzer("싶다는 꿈도")] == ["싶다", "다는", "꿈", "꿈도"]
    assert [t.text for t in analyzer("꿈")] == ["꿈"]


@pytest.mark.parametrize("query", ["Ri Il-gyu", "Ri Il Kyu", "Lee Il-kyu", "Rhee Ilkyu",
                                   "Thae Yong-ho", "Tae Yeong-ho", "name:ri name:ilkyu", "리일규"])
def test_a_hangul_name_is_found_by_its_romanisations(korean, query):
    assert found(korean, query) == {"named-account"}


def test_a_wrong_given_name_is_not_found(korean):
    assert found(korean, "Ri Il-chol") == set()


# One Hangul surname for each surname class the analyzer folds, and the key it must reach.
HANGUL_SURNAMES = {"리": "ri", "이": "ri", "태": "thae", "박": "pak", "최": "choe", "김": "kim",
                   "정": "jong", "류": "ryu", "유": "ryu", "오": "o", "한": "han", "강": "kang",
                   "조": "jo", "고": "ko", "현": "hyon", "서": "so", "소": "so", "량": "ryang",
                   "양": "ryang", "림": "rim", "임": "rim"}


def test_every_surname_class_has_its_hangul_romanised_to_its_key():
    assert {key for key in HANGUL_SURNAMES.values()} == {group[0] for group in SURNAMES}
    for hangul, key in HANGUL_SURNAMES.items():
        spellings = syllable_spellings(hangul)
        assert spellings and {SURNAME_KEY.get(s, s) for s in spellings} == {key}, hangul


def test_name_spellings_give_the_surname_and_the_given_name_joined():
    assert name_spellings("리일규") == [["ri"], ["ilgyu", "ilkyu"]]
    assert name_spellings("김") == [["gim", "kim"]]
    indexed = [t.text for t in name_analyzer()("리일규", mode="index")]
    assert {"ri", "il", "gyu", "kyu", "ilgyu", "ilkyu"} <= set(indexed)
