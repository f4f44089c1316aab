"""Accepting a suggestion: its words become a coded passage of its record, marked as
suggested and accepted by a person, written as a correction is (the conflict rule, one
commit, indexed at once)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path

from ..errors import ArchiveError
from ..history.editing import EditConflict, Saved, save_record, save_text
from ..records.coding import SUGGESTED, coding_problems
from ..records.collection import find_record
from ..records.testimony import read_testimony
from ..records.vocabulary import Vocabulary
from .candidates import candidates
from .store import update_store

_UNSAFE = re.compile(r'["{}\[\]\\\n\r]')


class SuggestionGone(ArchiveError):
    """The suggested words are no longer in the record as they were suggested."""


def accepter_name(name: str) -> str:
    """The name written in `accepted_by`, or ArchiveError saying what to change."""
    name = " ".join((name or "").split())
    if not name:
        raise ArchiveError("Say who accepts the passage (your name): it is written beside "
                           "the passage as accepted_by.")
    if _UNSAFE.search(name) or len(name) > 100:
        raise ArchiveError(f"The name {name!r} cannot go in a span's attribute: use at most "
                           "100 characters, without quotes, brackets or braces.")
    return name


def coded_span(words: str, motive: str, accepted_by: str, on: dt.date) -> str:
    """The source of a passage coded from a suggestion."""
    return (f'[{words}]{{.motive term="{motive}" by="{SUGGESTED}" '
            f'accepted_by="{accepted_by}" accepted_on="{on.isoformat()}"}}')


def _body_start(raw: str, body: str) -> int | None:
    """Where a record's body starts in its file's text, when the file holds it verbatim
    (LF line endings); else None."""
    if "\r" in raw or not body:
        return None
    at = raw.rfind(body.rstrip("\n"))
    return at if at >= 0 and raw.find(body.rstrip("\n"), at + 1) < 0 else None


def accept(testimonies_dir: Path, index_dir: Path, vocabulary: Vocabulary, record: str,
           motive: str, key: str, started_from: str, accepted_by: str) -> Saved:
    """Code the suggested passage in its record (adding the motive to `motives:` when it is
    not there), unless the record changed since it was suggested."""
    who = accepter_name(accepted_by)
    term = vocabulary.normalise(motive)
    if term is None:
        raise ArchiveError(f"'{motive}' is not a motive of testimonies/vocabulary.yaml.")
    path = find_record(testimonies_dir, record)
    current = path.read_bytes()
    if hashlib.sha256(current).hexdigest() != started_from:
        raise EditConflict(record, current.decode("utf-8", "replace"),
                           hashlib.sha256(current).hexdigest())
    testimony = read_testimony(path, vocabulary)[0]
    found = [c for c in candidates(testimony) if c.key == key]
    if not found:
        raise SuggestionGone(f"The suggested passage is no longer in '{record}' as it was "
                             "suggested (the record changed, or it is coded already); "
                             "nothing was written.")
    candidate, body = found[0], testimony.body
    body = (body[:candidate.start] + coded_span(body[candidate.start:candidate.end], term, who,
                                                dt.date.today()) + body[candidate.end:])
    motives = testimony.motives + (() if term in testimony.motives else (term,))
    problems = [p for p in coding_problems(body, motives, vocabulary, str(path)) if not p.warning]
    if problems:
        raise ArchiveError("The passage could not be coded: " + "; ".join(map(str, problems)))
    message = f"Code a suggested passage of {record} as {term} (accepted by {who})"
    raw = path.read_text(encoding="utf-8-sig")
    at = _body_start(raw, testimony.body)
    if term in testimony.motives and at is not None:  # only the span: the file keeps its layout
        text = raw[:at + candidate.start] + body[candidate.start:len(body) - (
            len(testimony.body) - candidate.end)] + raw[at + candidate.end:]
        saved = save_text(testimonies_dir, index_dir, path, text, started_from, who, message)
    else:  # motives: gains the term, so the record is written in canonical layout
        saved = save_record(testimonies_dir, index_dir, dataclasses.replace(
            testimony, body=body, motives=motives), started_from, author=who, message=message)
    update_store(testimonies_dir, index_dir, only=[path])
    return saved
