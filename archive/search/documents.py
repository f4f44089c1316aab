"""Records become index documents: the public view of each, and its full version where the
public sees only part of it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..records.coding import passages
from ..records.recording import cue_plain_texts
from ..records.redaction import hidden_parts, public_view
from ..records.rendering import plain_text
from ..records.testimony import Testimony
from ..records.vocabulary import Vocabulary
from .engine.analysis import spelling_words


def index_document(testimony: Testimony, vocabulary: Vocabulary, path: str) -> dict:
    """The index fields of one testimony (the caller passes the view it may index)."""
    labels = [label for term in testimony.motives for label in vocabulary.get(term).labels]
    summary = plain_text(testimony.summary or "")
    body, coded = passages(testimony.body, vocabulary)
    transcript, cues, said = _transcript(testimony, vocabulary)
    quoted = dict.fromkeys(motive for passage in [*coded, *said] for motive in passage.motives)
    doc = {
        "id": testimony.id, "path": path, "sha256": testimony.sha256,
        "title": testimony.title, "summary": summary, "body": body, "post": testimony.post,
        "names": "\n".join(filter(None, (testimony.name, *testimony.aliases))),
        "country_text": testimony.country, "motive_text": "\n".join(labels),
        "tags": ",".join(testimony.tags),
        "words": " ".join(spelling_words(testimony.title, summary, body, testimony.post,
                                         testimony.country, transcript, *labels)),
        "transcript": transcript, "cues": cues or None,
        "motive": ",".join(testimony.motives), "sector": testimony.sector,
        "country": testimony.country, "gender": testimony.gender,
        "language": testimony.language, "access": testimony.access, "year": testimony.year,
        "account": testimony.account, "quoted": ",".join(quoted),
        # What a hit shows as the person's own words: (motives, text, paragraph, cue, start,
        # end) each; a passage of the body has no cue (0) and no times, one said in a cue
        # no paragraph (0).
        "evidence": [(p.motives, p.text, p.paragraph, 0, None, None) for p in coded]
        + [(p.motives, p.text, 0, p.cue, p.start, p.end) for p in said] or None,
    }
    return {key: value for key, value in doc.items() if value not in (None, "")}


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
    """What each view indexes of one record: the public document always, the private one
    (the full version, with what the public may not see of it) only where they differ."""

    public: dict
    private: dict | None
    hidden: frozenset

    def words(self, view: str) -> list[str]:
        """The spelling words a view's document holds."""
        document = self.public if view == "public" else self.private
        return document.get("words", "").split() if document else []


def documents_for(testimony: Testimony, vocabulary: Vocabulary, path: str) -> Documents:
    """The documents of a record for each view."""
    public = index_document(public_view(testimony), vocabulary, path)
    hidden = frozenset(hidden_parts(testimony))
    private = None
    if hidden:
        private = dict(index_document(testimony, vocabulary, path),
                       hidden="\n".join(sorted(hidden)))
    return Documents(public, private, hidden)


def hides_more(documents: Documents, before: dict) -> bool:
    """True when the public now sees less of a record than it did (`before` holds the
    stored fields each view had of it): its earlier text must be purged."""
    if before["public"] is None:
        return False
    hidden_before = set(before["private"].get("hidden", "").split("\n")) \
        if before["private"] else set()
    return not documents.hidden <= hidden_before


def file_entry(testimony: Testimony, size: int, mtime_ns: int, root=None) -> dict:
    """What the index state keeps of a record file, to tell later whether it changed: with
    a recording, its transcript's path (relative to the records' folder `root`), size,
    time and SHA-256 too."""
    entry = {"id": testimony.id, "sha256": testimony.sha256, "size": size, "mtime_ns": mtime_ns}
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
