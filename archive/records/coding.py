"""Coded passages (record format 1.1): the bracketed spans `[...]{.motive term="..."}` that
mark where a testimony states a motive, found in a body's Markdown source and checked.

The rendering module reads the same spans from the Markdown parser's tokens to mark them
on a page and to give their plain text (`rendering.plain_passages`); this module reads
the source itself, so that every problem is reported with its line, and before a parser
would quietly show a broken span as text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..translation import gettext as _
from .rendering import plain_passages
from .validation import Problem
from .vocabulary import Vocabulary

MOTIVE_CLASS = "motive"
# `by="suggested"` marks a passage the archive suggested and a person accepted; who
# (`accepted_by`, required with it) and when (`accepted_on`, a date) go beside it.
SUGGESTED = "suggested"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TERM_SEPARATOR = ";"
_ATTR = re.compile(r'\s*(?:\.([\w-]+)|#([\w-]+)|([\w-]+)=(?:"([^"]*)"|(\'[^\']*\')|([^\s"\'}]+)))')
_ORPHAN = re.compile(r"\{[^{}\n]*\.motive\b[^{}\n]*\}?")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Passage:
    """A coded passage as its readers see it: the motives it states, its plain text, the
    paragraph it lies in (from 1), and where its text lies in the body's plain text."""

    motives: tuple[str, ...]
    text: str
    paragraph: int
    start: int
    end: int
    accepted_by: str | None = None  # set when a person accepted it from a suggestion
    accepted_on: str | None = None

    @property
    def suggested(self) -> bool:
        """True when the archive suggested the passage and a person accepted it."""
        return self.accepted_by is not None


def passages(body: str, vocabulary: Vocabulary) -> tuple[str, list[Passage]]:
    """The plain text of a Markdown body and its coded passages, in order (labels that are
    not in the vocabulary are left out, as are passages left with no motive)."""
    plain, found = plain_passages(body)
    coded = []
    for attribute, start, end, paragraph, provenance in found:
        motives = tuple(dict.fromkeys(term for term in map(vocabulary.normalise,
                                                           split_terms(attribute)) if term))
        if motives:
            suggested = provenance.get("by") == SUGGESTED
            coded.append(Passage(motives, plain[start:end], paragraph, start, end,
                                 provenance.get("accepted_by") if suggested else None,
                                 provenance.get("accepted_on") if suggested else None))
    return plain, coded


@dataclass(frozen=True)
class SourceSpan:
    """A bracketed span in a body's source: where it starts and ends, its text and its
    attributes as written."""

    start: int
    end: int
    text: str
    attributes: str

    @property
    def classes(self) -> tuple[str, ...]:
        """The span's classes (`.motive`, `.restricted`)."""
        return tuple(m.group(1) for m in _ATTR.finditer(self.attributes) if m.group(1))


_SPECIAL = re.compile(r"[\\`\[\]]")
_BACKTICKS = re.compile(r"`+")


def source_spans(body: str) -> list[SourceSpan]:
    """Every `[text]{attributes}` span of a Markdown body, nested ones included, in order
    of their opening bracket; escaped brackets and code spans are skipped."""
    spans, opened, at = [], [], 0
    while True:
        found = _SPECIAL.search(body, at)  # straight to the next character that matters
        if found is None:
            break
        at = found.start()
        char = body[at]
        if char == "\\":
            at += 2
            continue
        if char == "`":
            run = _BACKTICKS.match(body, at).group(0)
            close = body.find(run, at + len(run))
            at = close + len(run) if close >= 0 else at + len(run)
            continue
        if char == "[":
            opened.append(at)
        elif char == "]" and opened:
            start = opened.pop()
            if body.startswith("{", at + 1):
                close = body.find("}", at + 2)
                if close >= 0 and "\n" not in body[at + 2:close]:
                    spans.append(SourceSpan(start, close + 1, body[start + 1:at],
                                            body[at + 2:close]))
                    at = close + 1
                    continue
        at += 1
    return sorted(spans, key=lambda span: span.start)


def split_terms(value: str) -> list[str]:
    """The motives a `term` attribute names, separated by `;`."""
    return [part.strip() for part in value.split(TERM_SEPARATOR) if part.strip()]


def _attributes(text: str) -> tuple[dict, str | None]:
    """The key-value attributes of a span, or a problem with how they are written."""
    found, at = {}, 0
    while at < len(text.rstrip()):
        match = _ATTR.match(text, at)
        if not match:
            return found, _("cannot read the attributes %(attributes)s; write them as "
                            '{.motive term="children\'s freedom"}', attributes="{" + text + "}")
        if match.group(5):
            return found, _('%(written)s: write the value between double quotes, as term="..."',
                            written=f"{match.group(3)}={match.group(5)}")
        if match.group(3):
            found[match.group(3)] = match.group(4) if match.group(4) is not None \
                else match.group(6)
        at = match.end()
    return found, None


def coding_problems(body: str, motives: tuple[str, ...], vocabulary: Vocabulary, shown: str,
                    first_line: int = 1) -> list[Problem]:
    """Every problem of the coded passages of a body: unreadable or unknown terms, terms
    missing from `motives:`, empty passages, spans never closed or across paragraphs."""
    problems: list[Problem] = []

    def report(offset: int, message: str) -> None:
        problems.append(Problem(shown, first_line + body.count("\n", 0, offset), "body", message))

    spans = [span for span in source_spans(body) if MOTIVE_CLASS in span.classes]
    attribute_starts = set()
    for span in spans:
        attribute_starts.add(span.end - len(span.attributes) - 2)
        if _PARAGRAPH_BREAK.search(span.text):
            report(span.start, _("a coded passage lies within one paragraph, but this one "
                                 "runs to line %(line)s; code each paragraph's words in a span "
                                 "of their own", line=first_line + body.count("\n", 0, span.end)))
            continue
        if not _plain(span.text).strip():
            report(span.start, _("the coded passage holds no text; put the words that state "
                                 "the motive between the brackets"))
        attributes, problem = _attributes(span.attributes)
        if problem:
            report(span.start, problem)
            continue
        for message in _provenance_problems(attributes):
            report(span.start, message)
        terms = split_terms(attributes.get("term") or "")
        if not terms:
            report(span.start, _('the coded passage names no motive; add term="..." with a '
                                 "term of testimonies/vocabulary.yaml"))
        for label in terms:
            term = vocabulary.normalise(label)
            if term is None:
                hint = vocabulary.closest(label)
                report(span.start, _("unknown motive %(label)r in a coded passage, not a term "
                                     "or alias of testimonies/vocabulary.yaml", label=label)
                                   + (_("; did you mean '%(hint)s'?", hint=hint) if hint else ""))
            elif term not in motives:
                report(span.start, _("the passage is coded '%(term)s', which motives: does "
                                     "not list; add '%(term)s' to motives", term=term))
    for orphan in _ORPHAN.finditer(body):
        if orphan.start() not in attribute_starts and not _escaped(body, orphan.start()):
            report(orphan.start(), _("the coded passage %(span)r is never closed; write it as "
                                     '[the words that state it]{.motive term="..."}, with its '
                                     "brackets and braces closed in the same paragraph",
                                     span=orphan.group(0)))
    return sorted(problems, key=lambda p: p.line or 0)


def _provenance_problems(attributes: dict) -> list[str]:
    """What is wrong with a coded passage's provenance attributes."""
    by, who, when = (attributes.get(name) for name in ("by", "accepted_by", "accepted_on"))
    problems = []
    if by is not None and by != SUGGESTED:
        problems.append(_('by="%(by)s": the only value is by="suggested" (a passage the archive '
                          "suggested and a person accepted); remove it for your own coding",
                          by=by))
    if by == SUGGESTED and not (who or "").strip():
        problems.append(_('a passage coded by="suggested" names who accepted it: add '
                          'accepted_by="..."'))
    if (who is not None or when is not None) and by != SUGGESTED:
        problems.append(_('accepted_by and accepted_on belong to a passage coded '
                          'by="suggested"; add it or remove them'))
    if when is not None:
        try:
            dt.date.fromisoformat(when if _DATE.match(when) else "")
        except ValueError:
            problems.append(_("accepted_on: expected a date such as 2024-03-01, got %(value)r",
                              value=when))
    return problems


def _plain(text: str) -> str:
    """Span text without the syntax of spans nested in it."""
    return re.sub(r"\{[^{}\n]*\}|[\[\]]", "", text)


def _escaped(body: str, at: int) -> bool:
    backslashes = len(body[:at]) - len(body[:at].rstrip("\\"))
    return backslashes % 2 == 1


def coded_terms(body: str, vocabulary: Vocabulary) -> list[str]:
    """The preferred terms a body codes, in order of first use (unknown labels left out)."""
    terms = []
    for span in source_spans(body):
        if MOTIVE_CLASS not in span.classes:
            continue
        attributes, _problem = _attributes(span.attributes)
        for label in split_terms(attributes.get("term") or ""):
            term = vocabulary.normalise(label)
            if term and term not in terms:
                terms.append(term)
    return terms


def with_coded_motives(motives: list[str], body: str, vocabulary: Vocabulary) -> list[str]:
    """The motives of a form or a new record, with every motive its body codes added."""
    listed = {vocabulary.normalise(label) or label for label in motives}
    return list(motives) + [term for term in coded_terms(body, vocabulary) if term not in listed]


def term_labels(vocabulary: Vocabulary):
    """A function giving the preferred terms a `term` attribute names, for the label a
    page shows on a coded passage (what the vocabulary does not know is shown as written)."""
    def labels(attribute: str) -> str:
        return "; ".join(dict.fromkeys(vocabulary.normalise(label) or label
                                       for label in split_terms(attribute)))
    return labels
