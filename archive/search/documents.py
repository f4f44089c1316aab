"""Records become index documents: the public view of each, and the view of each audience
above that sees more of it than the one below."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass

import orjson

from ..records.coding import passages
from ..records.countries import country_name
from ..records.person import age_at_departure, age_band, generation
from ..records.recording import cue_plain_texts
from ..records.redaction import AUDIENCES, hidden_parts, view_for
from ..records.rendering import plain_text
from ..records.testimony import Testimony
from ..records.vocabulary import Vocabulary
from .engine.analysis import spelling_words


@dataclass(frozen=True)
class Reading:
    """How an index run reads records and makes their views: the archive's vocabulary,
    the access of a record that does not say, and the day the views are made for (a
    record under embargo is indexed closed until that day, then again)."""

    vocabulary: Vocabulary
    default_access: str = "restricted"
    today: dt.date = dt.date.min

    def documents(self, testimony: Testimony, path: str) -> "Documents":
        """The documents of a record for each audience's view."""
        return documents_for(testimony, self.vocabulary, path, self.today)


def index_document(testimony: Testimony, vocabulary: Vocabulary, path: str) -> dict:
    """The index fields of one testimony (the caller passes the view it may index)."""
    return _document(testimony, vocabulary, path)[0]


def _document(testimony: Testimony, vocabulary: Vocabulary, path: str) -> tuple[dict, list]:
    """`index_document`'s fields, and the spelling words its `words` field joins."""
    labels = [label for term in testimony.motives for label in vocabulary.get(term).labels]
    summary = plain_text(testimony.summary or "")
    body, coded = passages(testimony.body, vocabulary)
    transcript, cues, said = _transcript(testimony, vocabulary)
    quoted = dict.fromkeys(motive for passage in [*coded, *said] for motive in passage.motives)
    words = spelling_words(testimony.title, summary, body, testimony.post, testimony.country,
                           transcript, *labels)
    doc = {
        "id": testimony.id, "path": path, "sha256": testimony.sha256,
        "title": testimony.title, "summary": summary, "body": body, "post": testimony.post,
        "names": "\n".join(filter(None, (testimony.name, *testimony.aliases))),
        # The country also by its Korean name: `쿠바` finds the records of Cuba.
        "country_text": "\n".join(dict.fromkeys(filter(None, (
            testimony.country, country_name(testimony.country, "ko"))))),
        "motive_text": "\n".join(labels),
        "tags": ",".join(testimony.tags),
        "words": " ".join(words),
        "transcript": transcript, "cues": cues or None,
        "motive": ",".join(testimony.motives), "sector": testimony.sector,
        "country": testimony.country, "gender": testimony.gender,
        "language": testimony.language, "access": testimony.audience, "year": testimony.year,
        "closed": "yes" if testimony.closed else None,
        "account": testimony.account, "quoted": ",".join(quoted),
        "rank": testimony.rank, "left_with": ",".join(testimony.left_with),
        "born": testimony.born, "generation": generation(testimony.born),
        "age": age_band(age_at_departure(testimony)),
        # What a hit shows as the person's own words: (motives, text, paragraph, cue, start,
        # end) each; a passage of the body has no cue (0) and no times, one said in a cue
        # no paragraph (0).
        "evidence": [(p.motives, p.text, p.paragraph, 0, None, None) for p in coded]
        + [(p.motives, p.text, 0, p.cue, p.start, p.end) for p in said] or None,
    }
    return {key: value for key, value in doc.items() if value not in (None, "")}, words


def _transcript(testimony: Testimony, vocabulary: Vocabulary):
    """The words said in a recording (each cue's plain text, a line each), where each cue
    starts in them with its number and times, and the passages coded in cues."""
    texts, said = cue_plain_texts(testimony.media, vocabulary)
    lines, cues, at = [], [], 0
    for cue, plain in texts:
        cues.append((at, cue.number, cue.start, cue.end))
        lines.append(plain)
        at += len(plain) + 1
    return "\n".join(lines), cues, said


@dataclass(frozen=True)
class Documents:
    """What each audience's view indexes of one record: the public document always; the
    researchers' where they see more of it than the public; the archivists' where they see
    more than researchers. A view's reader opens it over the views below it, each record's
    document in the highest view replacing the lower ones."""

    by_view: dict
    hidden: dict  # view -> what that audience may not see of the record (`hidden_parts`)
    spelling: dict  # view -> the spelling words its document holds ([] for none)

    def words(self, view: str) -> list[str]:
        """The spelling words a view's document holds."""
        return self.spelling[view]


def documents_for(testimony: Testimony, vocabulary: Vocabulary, path: str,
                  today: dt.date | None = None) -> Documents:
    """The documents of a record for each audience's view on a day."""
    hidden = {view: hidden_parts(testimony, view, today) for view in AUDIENCES}
    by_view, spelling = {}, {}
    by_view["public"], spelling["public"] = _document(view_for(testimony, "public", today),
                                                      vocabulary, path)
    for lower, view in zip(AUDIENCES, AUDIENCES[1:]):
        by_view[view], spelling[view] = None, []
        if hidden[lower] != hidden[view]:
            document, spelling[view] = _document(view_for(testimony, view, today), vocabulary,
                                                 path)
            by_view[view] = dict(document, hidden="\n".join(sorted(hidden[lower])))
    return Documents(by_view, hidden, spelling)


def hides_more(documents: Documents, before: dict, view: str) -> bool:
    """True when an audience now sees less of a record than it did (`before` holds the
    stored fields each view had of it): its earlier text must be purged from its view.

    What an audience could not see is kept in the document of the view above it; none
    there means it saw the whole record."""
    if before[view] is None:
        return False
    above = AUDIENCES[AUDIENCES.index(view) + 1:]
    stored = next((before[higher] for higher in above if before[higher] is not None), None)
    hidden_before = set(stored.get("hidden", "").split("\n")) - {""} if stored else set()
    return not documents.hidden[view] <= hidden_before


def file_entry(testimony: Testimony, size: int, mtime_ns: int,
               today: dt.date | None = None, root=None) -> dict:
    """What the index state keeps of a record file, to tell later whether it changed: a
    record under embargo on `today` keeps the day it lapses, when it must be indexed anew;
    one with a recording, its transcript's path (relative to the records' folder `root`),
    size, time and SHA-256."""
    entry = {"id": testimony.id, "sha256": testimony.sha256, "size": size,
             "mtime_ns": mtime_ns}
    if testimony.embargo_until and (today is None or
                                    today.isoformat() < testimony.embargo_until):
        entry["embargo_until"] = testimony.embargo_until
    media = testimony.media
    if media is not None and media.transcript and root is not None:
        path = os.path.join(media.folder, media.transcript)
        try:
            stat = os.stat(path)
        except OSError:
            return entry
        entry["transcript"] = [os.path.relpath(path, root), stat.st_size, stat.st_mtime_ns,
                               media.transcript_sha256]
    return entry


def lapsed(entry: dict, today: dt.date) -> bool:
    """True when a file's embargo, as indexed, has lapsed by `today`."""
    return "embargo_until" in entry and entry["embargo_until"] <= today.isoformat()


def transcript_changed(entry: dict, root) -> bool:
    """True when the transcript a record reads is not as the index state knows it."""
    known = entry.get("transcript")
    if not known:
        return False
    try:
        stat = os.stat(os.path.join(root, known[0]))
    except OSError:
        return True
    return (stat.st_size, stat.st_mtime_ns) != (known[1], known[2])


def state_of(fingerprint: str, files: dict) -> dict:
    """An index state to write: the records' files; and, kept in the state itself (read
    without the table of files, by a server after each edit and by `archive index`), the
    first day one's embargo lapses, a digest of the record files' listing and what each
    transcript was."""
    days = [entry["embargo_until"] for entry in files.values() if "embargo_until" in entry]
    return {"fingerprint": fingerprint, "files": files, "next_lapse": min(days, default=None),
            "listing": listing_digest((rel, entry["size"], entry["mtime_ns"])
                                      for rel, entry in sorted(files.items())),
            "transcripts": sorted(entry["transcript"][:3] for entry in files.values()
                                  if "transcript" in entry)}


def listing_digest(entries) -> str:
    """A digest of record files' `(relative path, size, mtime_ns)`, in path order: equal
    to the state's when no record file was added, removed or touched since, and every file
    read was valid (an invalid one is listed but not indexed)."""
    return hashlib.sha256(orjson.dumps(list(entries))).hexdigest()


def unchanged_since(state: dict, entries: list, root, today: dt.date) -> bool:
    """True when a state still holds for the record files `entries` (`record_entries`):
    the same listing, no embargo lapsed by `today`, every transcript as it was. Checking
    100,000 records this way spares reading their table (18 MB) and comparing each file."""
    if "listing" not in state or (state.get("next_lapse") or "9999") <= today.isoformat():
        return False
    return listing_digest(entries) == state["listing"] and not any(
        transcript_changed({"transcript": known}, root) for known in state["transcripts"])
