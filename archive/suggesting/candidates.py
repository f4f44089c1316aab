"""The sentences of a record that could be suggested: plain sentences of its top-level
paragraphs, outside every coded passage, with where they lie in the body's source so
that accepting one can wrap exactly its words in a span.

A sentence holding any Markdown syntax (brackets, emphasis, code, links) is left out: its
source and its plain text differ, and a span written around it could change its meaning.
A sentence in a restricted record or inside a `{.restricted}` span is marked restricted:
`readable_by` is the one place that decides who may be shown it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..records.coding import MOTIVE_CLASS, source_spans
from ..records.rendering import paragraph_lines
from ..records.testimony import Testimony
from .features import passage_key

AUDIENCES = ("public", "researchers", "archivists")
MIN_WORDS = 3
MIN_CHARS = 12
MAX_CHARS = 1000
_SENTENCE_END = re.compile(r"[.!?…。]+[\"'”’)]*(?=\s|$)")
_MARKUP = re.compile(r"[\\`*_\[\]{}<>#|~&]|^\s*(?:[-+>]|\d{1,9}[.)])\s", re.MULTILINE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Candidate:
    """A sentence that could state a motive: its record, paragraph (from 1, as the page's
    anchors), where its words lie in the body's source, its plain text and key."""

    record: str
    paragraph: int
    start: int
    end: int
    text: str
    restricted: bool
    language: str

    @property
    def key(self) -> str:
        """The passage's key: the same words, the same key (rejections are kept by it)."""
        return passage_key(self.text)


def audience_for(private: bool) -> str:
    """The audience a mode serves until accounts arrive: archivists in private mode."""
    return "archivists" if private else "public"


def readable_by(restricted: bool, audience: str) -> bool:
    """Whether an audience may be shown a candidate: restricted text only to archivists."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; expected one of {', '.join(AUDIENCES)}")
    return audience == "archivists" or not restricted


def sentences(paragraph: str) -> list[tuple[int, int]]:
    """Where each sentence of a paragraph's source lies, `(start, end)`, trimmed."""
    found, at = [], 0
    ends = [m.end() for m in _SENTENCE_END.finditer(paragraph)]
    for end in ends + ([len(paragraph)] if not ends or ends[-1] < len(paragraph) else []):
        start = at
        while start < end and paragraph[start].isspace():
            start += 1
        stop = end
        while stop > start and paragraph[stop - 1].isspace():
            stop -= 1
        if stop > start:
            found.append((start, stop))
        at = end
    return found


def candidates(testimony: Testimony) -> list[Candidate]:
    """Every sentence of a record that could be suggested, in order."""
    body = testimony.body or ""
    spans = source_spans(body)
    # The spans' own syntax is blanked (offsets kept), so that a sentence ends at a span's
    # edge: `[We fled at night.]{.restricted}` holds the sentence `We fled at night.`
    masked = list(body)
    for span in spans:
        closing = span.end - len(span.attributes) - 3
        masked[span.start] = " "
        masked[closing:span.end] = " " * (span.end - closing)
    masked = "".join(masked)
    line_starts = [0] + [m.end() for m in re.finditer("\n", body)] + [len(body) + 1]
    found = []
    for number, first, after in paragraph_lines(body):
        offset = line_starts[first]
        source = masked[offset:line_starts[min(after, len(line_starts) - 1)] - 1]
        for start, end in sentences(source):
            at, until = offset + start, offset + end
            words = body[at:until]
            if len(words) < MIN_CHARS or len(words) > MAX_CHARS or _MARKUP.search(words):
                continue
            text = _SPACES.sub(" ", words)
            hidden = _inside(spans, at, until)
            if len(text.split()) < MIN_WORDS or hidden is None:
                continue
            found.append(Candidate(testimony.id, number, at, until, text,
                                   testimony.restricted or hidden, testimony.language))
    return found


def _inside(spans, at: int, until: int) -> bool | None:
    """Whether a sentence lies inside a restricted span (True) or no span that matters
    (False); None when it is coded already or crosses a span's edge."""
    hidden = False
    for span in spans:
        if span.start < until and at < span.end:
            if not (span.start < at and until < span.end) or MOTIVE_CLASS in span.classes:
                return None
            hidden = hidden or "restricted" in span.classes
    return hidden
