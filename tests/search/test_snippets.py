"""Snippets: the passages of a body that show the searched words, marked."""

from __future__ import annotations

import random
import re

import pytest

from archive.search.engine.analysis import term_spans
from archive.search.snippets import BETWEEN, SNIPPET_CHARS, Matcher, lead, snippet

WORDS = ["children", "freedom", "the", "of", "border", "starving", "starved", "embassy",
         "자유를", "두만강을", "UN에서", "reunification", "a", "trade", "Pyongyang", "start",
         "officials", "'s", ",", ".", "\n\n", "1997", "Kim", "İstanbul", "x" * 80, "art"]


def random_text(seed: int) -> str:
    pick = random.Random(seed)
    return " ".join(pick.choice(WORDS) for _ in range(pick.choice([1, 3, 30, 200, 900])))


def random_terms(seed: int, text: str) -> frozenset:
    pick = random.Random(seed)
    terms = sorted({term for term, _, _ in term_spans(text)} | {"art", "freedom"})
    return frozenset(pick.sample(terms, min(len(terms), pick.randint(1, 4))))


def terms_of(text: str) -> set:
    return {term for term, _, _ in term_spans(text)}


def passages(pieces) -> list[str]:
    text = "".join(piece for piece, _ in pieces)
    return [part.strip("… ") for part in text.split(BETWEEN)]


def normal(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("seed", range(300))
def test_a_snippet_shows_passages_of_the_text_with_exactly_the_matched_words_marked(seed):
    text = random_text(seed)
    terms = random_terms(seed, text)
    pieces = snippet(text, Matcher(terms))
    if not terms & terms_of(text):
        assert pieces is None
        return
    assert pieces and any(marked for _, marked in pieces)
    for piece, marked in pieces:
        if marked:  # a matched word, or the matched syllables of a Hangul word
            assert terms_of(piece) & terms
            assert terms_of(piece) <= terms or re.search(r"[가-힣]", piece)
        elif not re.search(r"[가-힣]", piece):  # a Hangul word may be marked in part
            assert not terms_of(piece) & terms, piece
    shown = passages(pieces)
    at = 0
    for passage in shown:  # passages of the text, in its order, none too long
        assert len(passage) <= 2 * SNIPPET_CHARS
        found = normal(text).find(normal(passage), at)
        assert found >= 0, passage
        at = found + len(normal(passage))
    assert len(shown) <= 2


def test_the_passage_with_the_most_different_words_is_chosen():
    text = ("freedom came late " * 30 + "and the children knew freedom at last. "
            + "nothing else happened here " * 30)
    pieces = snippet(text, Matcher(frozenset({"freedom", "children"})))
    assert ("children", True) in pieces and pieces[-1] == (" …", False)
    assert len(passages(pieces)) == 2  # and the passage with the most matches of one word


def test_words_match_as_the_index_reads_them_and_only_whole():
    pieces = snippet("He was starving; the starved children start art.",
                     Matcher(frozenset({"starv", "art"})))
    assert [piece for piece, marked in pieces if marked] == ["starving", "starved", "art"]


def test_matching_hangul_pairs_are_marked_as_one():
    pieces = snippet("그는 두만강을 건넜다", Matcher(frozenset({"두만", "만강"})))
    assert pieces == (("그는 ", False), ("두만강", True), ("을 건넜다", False))


def test_one_matcher_serves_many_texts_alike():
    texts = [random_text(seed) for seed in range(40)]
    terms = frozenset({"children", "freedom", "자유", "starv"})
    shared = Matcher(terms)
    assert [snippet(text, shared) for text in texts] == \
        [snippet(text, Matcher(terms)) for text in texts]


def test_a_short_text_is_shown_whole_and_without_ellipses():
    assert snippet("Freedom, at last.", Matcher(frozenset({"freedom"}))) == (
        ("Freedom", True), (", at last.", False))


def test_no_snippet_without_a_matched_word_and_a_lead_instead():
    assert snippet("Nothing to see", Matcher(frozenset({"freedom"}))) is None
    assert snippet("", Matcher(frozenset({"freedom"}))) is None
    assert lead("  A   short\nsummary ") == (("A short summary", False),)
    long = lead("word " * 100)
    assert long[0][0].endswith(" …") and len(long[0][0]) <= SNIPPET_CHARS + 2
    assert lead(None) == ()
