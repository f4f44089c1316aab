"""Computed cue times written into a record: the WebVTT transcript beside it and
`aligned: draft` in its `media:`, checked by the record format's rules, committed and
indexed; and the archivist's confirmation, `aligned: confirmed`.

A record's transcript whose times are not drafts (typed or confirmed by a person) is
never replaced unless the archivist asks for it; git keeps the version replaced.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path, PurePosixPath

from ..errors import ArchiveError, InvalidTestimony
from ..records.collection import default_access_for, display_path, find_record, vocabulary_for
from ..records.testimony import Testimony, read_testimony
from ..records.webvtt import write_vtt
from ..records.writing import atomic_write, format_testimony
from ..search.indexing import update_index
from .editing import Saved, written


class AlignmentRefused(ArchiveError):
    """A record cannot take computed cue times (no recording, or times a person set)."""


def record_to_align(testimonies_dir: Path, testimony_id: str,
                    replace: bool = False) -> tuple[Path, Testimony]:
    """The file and testimony of a record whose recording is to be aligned, or a sentence
    saying why not: it has no recording, or a transcript a person timed (unless `replace`)."""
    path = find_record(testimonies_dir, testimony_id)
    testimony = _read(path, testimonies_dir)
    shown = display_path(path)
    if testimony.media is None:
        raise AlignmentRefused(f"{shown}: media: the record has no recording; copy it beside "
                               "the record and add media: with file: (such as "
                               f"media/{testimony_id}.wav) first.")
    media = testimony.media
    if media.transcript and media.cues and media.aligned != "draft" and not replace:
        state = "confirmed" if media.aligned == "confirmed" else "set by hand"
        raise AlignmentRefused(f"{shown}: media: the transcript {media.transcript} has times "
                               f"{state}; give --replace to write computed times over it "
                               "(git keeps the old version).")
    return path, testimony


def _read(path: Path, testimonies_dir: Path) -> Testimony:
    """The record as the archive reads it, or InvalidTestimony with every problem."""
    return read_testimony(path, vocabulary_for(testimonies_dir), display_path(path),
                          default_access_for(testimonies_dir))[0]


def transcript_text(testimony: Testimony, cues) -> str:
    """The WebVTT file of computed cues (anything with start, end, speaker and text)."""
    return write_vtt(cues, header=f"{testimony.id} (times computed by alignment: draft)")


def save_alignment(testimonies_dir: Path, index_dir: Path, path: Path, testimony: Testimony,
                   cues, author: str | None = None) -> Saved:
    """Write the computed cues as the record's transcript and mark its times as drafts;
    both files, checked as `archive validate` would, are committed together and indexed.
    An invalid result (a span naming an unknown motive, say) is undone and said."""
    media = testimony.media
    name = media.transcript or f"media/{testimony.id}.vtt"
    transcript = path.parent / PurePosixPath(name)
    updated = dataclasses.replace(testimony, media=dataclasses.replace(
        media, transcript=name, aligned="draft"))
    before = {file: file.read_bytes() if file.exists() else None for file in (transcript, path)}
    transcript.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(transcript, transcript_text(testimony, cues))
    atomic_write(path, format_testimony(updated))
    try:
        _read(path, testimonies_dir)
    except InvalidTestimony as problems:
        for file, text in before.items():
            if text is None:
                file.unlink()
            else:
                file.write_bytes(text)
        raise AlignmentRefused(f"{problems}\nNothing was written: correct the transcript "
                               "and align again.") from None
    written(testimonies_dir, [transcript, path],
            f"Align {testimony.id}: draft cue times for {len(cues)} passages", author)
    return Saved(path, True, update_index(testimonies_dir, index_dir, only=[path]))


def confirm_alignment(testimonies_dir: Path, index_dir: Path, testimony_id: str,
                      author: str | None = None) -> Saved:
    """Mark a record's computed cue times as confirmed by the archivist (`aligned:
    confirmed`), committed and indexed."""
    path = find_record(testimonies_dir, testimony_id)
    testimony = _read(path, testimonies_dir)
    if testimony.media is None or testimony.media.aligned != "draft":
        raise AlignmentRefused(f"{display_path(path)}: media: the record has no draft times "
                               "to confirm (aligned: draft); align it first with archive "
                               f"align {testimony_id} --transcript FILE.")
    updated = dataclasses.replace(testimony, media=dataclasses.replace(
        testimony.media, aligned="confirmed"))
    atomic_write(path, format_testimony(updated))
    written(testimonies_dir, [path], f"Confirm the aligned cue times of {testimony_id}", author)
    return Saved(path, True, update_index(testimonies_dir, index_dir, only=[path]))
