"""The analyzers: English stemming with Hangul syllable pairs, and names in every spelling."""

from __future__ import annotations

import random
import zlib

import pytest

from archive.search.engine.analysis import (SPELLING_WORD, follower_code, indexed_terms,
                                            name_analyzer, spelling_words, term_spans,
                                            text_analyzer, text_analyzer_chain, text_terms)

from ..helpers import SAMPLE

TEXTS = ["Starving people 자유를 UN에서 찾아 children's freedom, don't starve; the 1990s "
         "두만강을 e-mail ABC_def 北韓 Ünïcode ㄱㄴ 가"] + \
        [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.md"))]


def tokens(analyzer, text, **options):
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in analyzer(text, positions=True, chars=True, **options)]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
@pytest.mark.parametrize("mode", ["index", "query"])
def test_the_fused_tokenizer_gives_exactly_the_chain_s_tokens(text, mode):
    assert tokens(text_analyzer(), text, mode=mode) == tokens(text_analyzer_chain(), text, mode=mode)


def positions_from_tokens(text):
    found = {}
    for token in text_analyzer()(text, positions=True, mode="index"):
        found.setdefault(token.text, []).append(token.pos)
    return found


RANDOM_TEXTS = [" ".join(random.Random(seed).choice(
    ["자유를", "UN에서", "the", "Starving", "children's", "e-mail", "İstanbul", "ǅemal", "北韓",
     "ㄱㄴ", "가", "x_y", "1990s", "don't", "Ünïcode", "ß", "ﬁne"]) for _ in range(40))
    for seed in range(50)]
ASCII_TEXTS = [" ".join(random.Random(seed).choice(
    ["the", "Starving", "children's", "e-mail", "x_y", "1990s", "don't", "FREEDOM", "a.b",
     "(border)", "rivers,", "--", "Kim"]) for _ in range(40)) for seed in range(20)]


@pytest.mark.parametrize("text", TEXTS + RANDOM_TEXTS + ASCII_TEXTS,
                         ids=range(len(TEXTS) + len(RANDOM_TEXTS) + len(ASCII_TEXTS)))
def test_indexed_terms_are_exactly_the_tokenizer_s_with_the_code_of_each_next_term(text):
    indexed = indexed_terms(text)
    assert {term: positions for term, (positions, _) in indexed.items()} == \
        positions_from_tokens(text)
    sequence = [t.text for t in text_analyzer()(text, positions=True, mode="index")]
    followers = [follower_code(term) for term in sequence[1:]] + [0]
    for term, (positions, codes) in indexed.items():
        assert list(codes) == [followers[position] for position in positions]


def test_a_follower_code_is_one_byte_and_the_same_in_every_process():
    assert follower_code("famin") == zlib.crc32(b"famin") & 0xFF
    assert all(0 <= follower_code(word) < 256 for word in ["", "자유", "x" * 100])


@pytest.mark.parametrize("text", TEXTS + RANDOM_TEXTS, ids=range(len(TEXTS) + len(RANDOM_TEXTS)))
def test_term_spans_are_exactly_the_tokenizer_s_terms_and_characters(text):
    assert term_spans(text) == [(t.text, t.startchar, t.endchar)
                                for t in text_analyzer()(text, chars=True, mode="index")]


def test_spelling_words_are_distinct_lower_cased_and_without_digits():
    assert spelling_words("The Border, the border!", None, "1990s 두만강을 an X-ray") == [
        "border", "ray", "the", "두만강을"]


@pytest.mark.parametrize("text", TEXTS + RANDOM_TEXTS + ASCII_TEXTS,
                         ids=range(len(TEXTS) + len(RANDOM_TEXTS) + len(ASCII_TEXTS)))
def test_spelling_words_of_ascii_text_are_the_unicode_expression_s(text):
    """ASCII text takes a quicker expression; it finds what the Unicode one finds."""
    assert spelling_words(text) == sorted(set(SPELLING_WORD.findall(text.lower())))


def test_the_words_of_ascii_text_are_the_expression_s_for_every_character():
    """ASCII text is split into words by making blanks of what is not a word character;
    every ASCII character, `split`'s own blanks (\\x1c to \\x1f) too, splits as the
    expression does."""
    from archive.search.engine import analysis

    rng = random.Random(7)
    characters = [chr(code) for code in range(128)]
    texts = ["".join(characters) * 2, "A_b9 c\x1cd\x1fe\x0bf\x0cg\x00h"] + [
        "".join(rng.choice(characters + list("aeiou_9 ")) for _ in range(400)) for _ in range(50)]
    for text in texts:
        analysis._ascii_words.cache_clear()
        assert analysis._ascii_words(text)[0] == analysis._ASCII_WORD.findall(text.lower())


def test_hangul_becomes_overlapping_pairs_with_offsets_and_english_is_stemmed():
    assert tokens(text_analyzer(), "자유를 starving UN에서 북") == [
        ("자유", 0, 0, 2), ("유를", 1, 1, 3), ("starv", 2, 4, 12), ("un", 3, 13, 15),
        ("에서", 4, 15, 17), ("북", 5, 18, 19)]


def test_stop_words_and_possessives_are_dropped():
    assert [t[0] for t in tokens(text_analyzer(), "the children's freedom of it")] == [
        "children", "freedom"]


def test_names_fold_surnames_and_join_syllables():
    indexed = [t.text for t in name_analyzer()("Thae Yong-ho\nRhee Il Kyu\n태영호", mode="index")]
    # Neighbouring parts are joined across names too ("horhee"): harmless, never queried.
    assert indexed[:13] == ["thae", "thaeyong", "yong", "yongho", "ho", "horhee", "ri", "rheeil",
                            "il", "ilkyu", "kyu", "태영", "영호"]
    # The Hangul name is also indexed in its romanisations (surname folded, given name joined).
    assert {"thae", "yeong", "yong", "ho", "yeongho", "yongho"} <= set(indexed[13:])
    queried = [t.text for t in name_analyzer()("Tae Yong-ho Lee", mode="query")]
    assert queried == ["thae", "yongho", "ri"]


def test_the_tables_of_words_begin_again_when_full_without_failing_a_thread(monkeypatch):
    # A server's threads analyse texts side by side; a table begun anew under one of them
    # must not take away a word it just added.
    import sys
    import threading

    import archive.search.engine.analysis as analysis

    texts = RANDOM_TEXTS + ASCII_TEXTS
    expected = [(text_terms(text), spelling_words(text)) for text in texts]
    monkeypatch.setattr(analysis, "WORD_TABLE_LIMIT", 3)
    failures, interval = [], sys.getswitchinterval()

    def analyse():
        try:
            for _ in range(20):
                for text, (terms, spelling) in zip(texts, expected):
                    analysis._ascii_words.cache_clear()
                    assert (text_terms(text), spelling_words(text)) == (terms, spelling)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=analyse) for _ in range(4)]
    sys.setswitchinterval(1e-6)  # threads take turns often: a race shows
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures[0]
    in_flight = 4 * max(len(analysis.text_words(text)[1]) for text in texts)
    assert len(analysis._WORD_TERMS.words) <= 3 + in_flight  # begun again, not grown
