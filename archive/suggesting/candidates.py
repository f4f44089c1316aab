"""The sentences of a record that could be suggested: plain sentences of its top-level
paragraphs, outside every coded passage, with where they lie in the body's source so
that accepting one can wrap exactly its words in a span.

A sentence holding any Markdown syntax (brackets, emphasis, code, links) is left out: its
source and its plain text differ, and a span written around it could change its meaning.
Each sentence carries the lowest audience that may read it (the record's, on the day the
store is made, and its spans': `{.researchers}`, `{.restricted}`): `readable_by` is the one
place that decides who may be shown it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..records.coding import MOTIVE_CLASS, source_spans
from ..records.redaction import AUDIENCES, may_read, record_audience, span_audience
from ..records.rendering import paragraph_lines
from ..records.testimony import Testimony
from .features import passage_key

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
    needs: str  # the lowest audience that may read it
    language: str

    @property
    def key(self) -> str:
        """The passage's key: the same words, the same key (rejections are kept by it)."""
        return passage_key(self.text)


def readable_by(needs: str, audience: str) -> bool:
    """Whether an audience may be shown a candidate that `needs` an audience to read it."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; expected one of {', '.join(AUDIENCES)}")
    return may_read(audience, needs)


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


def candidates(testimony: Testimony, today: dt.date | None = None) -> list[Candidate]:
    """Every sentence of a record that could be suggested, in order, each with the lowest
    audience that may read it on `today` (an embargoed record's are the archivists')."""
    whole = record_audience(testimony, today)
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
            inside = _inside(spans, at, until)
            if len(text.split()) < MIN_WORDS or inside is None:
                continue
            needs = max(whole, inside, key=AUDIENCES.index)
            found.append(Candidate(testimony.id, number, at, until, text, needs,
                                   testimony.language))
    return found


def _inside(spans, at: int, until: int) -> str | None:
    """The lowest audience the spans around a sentence let read it (`public` outside any
    that hides); None when it is coded already or crosses a span's edge."""
    needs = "public"
    for span in spans:
        if span.start < until and at < span.end:
            if not (span.start < at and until < span.end) or MOTIVE_CLASS in span.classes:
                return None
            needs = max(needs, span_audience(span.classes), key=AUDIENCES.index)
    return needs
