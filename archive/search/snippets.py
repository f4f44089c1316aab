"""Snippets: the passages of a body that show the words a search found in it.

A snippet is up to two passages of about 240 characters, the ones holding the most
different searched words (then the most matches), shown in the text's order with the
matched words marked and … where the text is cut. Words match as the index reads them
(`starving` finds `starved`; `자유` marks the `자유` of `자유를`).

Whoosh's highlighter analyses every word of each body shown, through a token object and
five generators per word: a quarter of a common word's search. Here the body's distinct
words are looked up once per search (`Matcher`), and only the matched words are placed.
"""

from __future__ import annotations

import bisect
import functools
import re

from .engine.analysis import SYLLABLE_MARK, WORD_PATTERN, syllable_spans, term_spans

SNIPPET_CHARS = 240  # the longest passage, context included
SURROUND = 70  # characters of context before the first match and after the last
PASSAGES = 2
BETWEEN = " … "
_WORD = re.compile(WORD_PATTERN)
_SPACES = re.compile(r"\s+")
_SPACE = re.compile(r"\s")


class Matcher:
    """Finds the words of texts that a search's terms match. One serves a search: it
    learns once whether each distinct piece of text between spaces matches, and where."""

    def __init__(self, terms: frozenset) -> None:
        self.terms = terms
        self._syllables = any(term.startswith(SYLLABLE_MARK) for term in terms)
        self._marks: dict[str, tuple] = {}  # a matching piece: its marked parts, its terms
        self._others: set[str] = set()  # pieces known not to match

    def matches(self, text: str) -> list[tuple[int, int, frozenset]]:
        """Each matched part of a text in order, as `(start, end, terms)`."""
        pieces = set(text.split())
        for piece in pieces.difference(self._others, self._marks):
            self._learn(piece)
        matches = []
        for piece in pieces.intersection(self._marks):
            parts, terms = self._marks[piece]
            at = text.find(piece)
            while at >= 0:
                end = at + len(piece)
                if (at == 0 or text[at - 1].isspace()) and \
                        (end == len(text) or text[end].isspace()):
                    matches += [(at + start, at + stop, terms) for start, stop in parts]
                at = text.find(piece, end)
        return sorted(matches, key=lambda match: match[0])

    def _learn(self, piece: str) -> None:
        """Whether a piece of text matches, and which characters of it: a word as the
        index reads it; Hangul pairs that match next to each other are marked as one."""
        parts: list[list[int]] = []
        terms = set()
        for word in _WORD.finditer(piece):
            spans = list(_word_spans(word.group(0)))
            if len(spans) == 1:  # the whole word (lower-casing may change its length: İ)
                spans = [(spans[0][0], 0, len(word.group(0)))]
            if self._syllables:  # a syllable looked for anywhere (`·법` in `국법상`)
                spans += [(SYLLABLE_MARK + syllable, start, end)
                          for syllable, start, end in syllable_spans(word.group(0))]
                spans.sort(key=lambda span: span[1])
            for term, start, end in spans:
                if term not in self.terms:
                    continue
                terms.add(term)
                start, end = word.start() + start, word.start() + min(end, len(word.group(0)))
                if parts and start <= parts[-1][1]:
                    parts[-1][1] = max(parts[-1][1], end)
                else:
                    parts.append([start, end])
        if parts:
            self._marks[piece] = (tuple(map(tuple, parts)), frozenset(terms))
        else:
            self._others.add(piece)


@functools.lru_cache(maxsize=1 << 16)
def _word_spans(word: str) -> tuple:
    """A word's terms and where they stand in it, kept between searches: the words of a
    long transcript are analysed once, not at each search that shows it."""
    return tuple(term_spans(word))


def snippet(text: str, matcher: Matcher) -> tuple[tuple[str, bool], ...] | None:
    """The best passages of a text as `(text, matched)` pieces, with … where the text is
    cut; None when no searched word is in it."""
    matches = matcher.matches(text) if text else []
    if not matches:
        return None
    best = sorted(_passages(matches), key=_score, reverse=True)[:PASSAGES]
    shown: list[list[int]] = []
    for start, end, _ in sorted(best):
        start, end = _widen(text, start, end)
        if shown and start <= shown[-1][1]:  # passages that meet are shown as one
            shown[-1][1] = end
        else:
            shown.append([start, end])
    pieces: list[tuple[str, bool]] = [("… ", False)] if shown[0][0] > 0 else []
    for number, (start, end) in enumerate(shown):
        if number:
            pieces.append((BETWEEN, False))
        at = start
        for match_start, match_end, _ in matches:  # every match the passage holds
            if match_start < start or match_end > end:
                continue
            pieces.append((_SPACES.sub(" ", text[at:match_start]), False))
            pieces.append((text[match_start:match_end], True))
            at = match_end
        pieces.append((_SPACES.sub(" ", text[at:end]).rstrip(), False))
    if shown[-1][1] < len(text.rstrip()):
        pieces.append((" …", False))
    return tuple(piece for piece in pieces if piece[0])


def quotation(texts: list[str], matcher: Matcher | None = None) -> tuple[tuple[str, bool], ...]:
    """Coded passages as a snippet, each whole up to twice a passage's length, joined by
    … ; the searched words in them marked."""
    pieces: list[tuple[str, bool]] = []
    for number, text in enumerate(texts[:PASSAGES]):
        text = " ".join(text.split())
        if len(text) > 2 * SNIPPET_CHARS:
            text = text[:2 * SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
        if number:
            pieces.append((BETWEEN, False))
        at = 0
        for start, end, _ in (matcher.matches(text) if matcher is not None else ()):
            pieces += [(text[at:start], False), (text[start:end], True)]
            at = end
        pieces.append((text[at:], False))
    return tuple(piece for piece in pieces if piece[0])


def lead(text: str | None) -> tuple[tuple[str, bool], ...]:
    """The opening of a text (a summary or a body) when no searched word is in it."""
    text = " ".join((text or "").split())
    if len(text) > SNIPPET_CHARS:
        text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return ((text, False),) if text else ()


def _passages(matches: list) -> list[tuple[int, int, list]]:
    """Runs of matches that fit in a passage with their context: `(start, end, matches)`."""
    passages, run = [], []
    for match in matches:
        if run and match[1] - run[0][0] > SNIPPET_CHARS - 2 * SURROUND:
            passages.append((run[0][0], run[-1][1], run))
            run = []
        run.append(match)
    passages.append((run[0][0], run[-1][1], run))
    return passages


def _score(passage) -> tuple[int, int, int]:
    """The most different words first, then the most matches, then the earliest."""
    matches = passage[2]
    return len(frozenset().union(*(terms for _, _, terms in matches))), len(matches), \
        -passage[0]


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """A passage with its context, cut at spaces so that no word is broken."""
    room = max(SURROUND, (SNIPPET_CHARS - (end - start)) // 2)
    if start - room <= 0:
        left = 0
    else:
        space = _SPACE.search(text, start - room, start)
        left = space.end() if space else start
    if end + room >= len(text):
        right = len(text)
    else:
        right = max(text.rfind(" ", end, end + room), text.rfind("\n", end, end + room))
        right = right if right >= 0 else end
    return left, right


def said_at(transcript: str, cues, matcher: Matcher):
    """The cue of a transcript (`cues`: each cue's offset in it, number and times) holding
    the most different searched words (then the most matches, then the earliest), as
    `(number, start, end, snippet)`; None when nothing said matches."""
    matches = matcher.matches(transcript) if transcript else []
    if not matches:
        return None
    starts = [offset for offset, *_ in cues]
    found: dict[int, list] = {}
    for match in matches:
        found.setdefault(max(bisect.bisect_right(starts, match[0]) - 1, 0), []).append(match)
    best = max(found, key=lambda i: (len(frozenset().union(*(m[2] for m in found[i]))),
                                     len(found[i]), -i))
    offset, number, start, end = cues[best]
    stop = cues[best + 1][0] - 1 if best + 1 < len(cues) else len(transcript)
    return number, start, end, snippet(transcript[offset:stop], matcher) or ()
