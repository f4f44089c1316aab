"""Saving records written by archivists: new records, corrections, and conflicts.

A save writes the record file atomically in canonical layout and updates the index for
that file at once. A correction never silently overwrites a change made meanwhile (in
another tab, a text editor, a `git pull`): it names the version it started from, and a
different version on disk is a conflict.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArchiveError, TestimonyNotFound
from ..records.collection import find_record, withdrawn
from ..records.testimony import Testimony
from ..records.writing import FileExists, atomic_write, create_testimony_file, format_testimony
from ..search.checking import MANIFEST, note_written
from ..search.indexing import IndexReport, update_index
from ..settings import find_root, load_settings
from ..translation import gettext as _
from . import git


class EditConflict(ArchiveError):
    """The record changed on disk since the form was opened."""

    def __init__(self, testimony_id: str, current_text: str, current_version: str) -> None:
        self.current_text = current_text
        self.current_version = current_version
        super().__init__(f"The testimony '{testimony_id}' was changed by someone else since "
                         "you opened it; compare both versions and save again.")


class RecordExists(ArchiveError):
    """A new record would replace an existing file."""


@dataclass
class Saved:
    """What a save did."""

    path: Path
    changed: bool
    index: IndexReport | None
    version: str | None = None  # a restore: the commit written back, as people quote it


def version_of(path: Path) -> str:
    """The version of a record file: the SHA-256 of its bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def written(testimonies_dir: Path, paths: list[Path], message: str,
            author: str | None = None) -> str | None:
    """Record the archive's own write: the fixity manifest, then one commit of exactly
    these files (and the manifest) when the archive is a git repository. The author is
    the one given (the form's), else archive.toml's `archivist`, else git's own."""
    note_written(testimonies_dir, paths)
    manifest = Path(testimonies_dir) / MANIFEST
    settings = load_settings(find_root(Path(testimonies_dir)))
    return git.commit(testimonies_dir, paths + ([manifest] if manifest.exists() else []),
                          message, author or settings.archivist, settings.archivist_email)


def create_record(testimonies_dir: Path, index_dir: Path, testimony: Testimony,
                  folder: str = "", author: str | None = None) -> Saved:
    """Write a new record file (never replacing one), commit it and index it."""
    try:
        existing = find_record(testimonies_dir, testimony.id)
    except TestimonyNotFound:
        existing = None
    if existing is not None:
        raise RecordExists(f"A testimony with the id '{testimony.id}' already exists "
                           f"({existing.name}); choose another id.")
    if withdrawn(testimonies_dir, testimony.id):
        raise RecordExists(f"The id '{testimony.id}' belonged to a withdrawn testimony and is "
                           "never given again; choose another id.")
    path = Path(testimonies_dir) / folder / f"{testimony.id}.md"
    try:
        create_testimony_file(testimony, path)
    except FileExists:
        raise RecordExists(f"A testimony with the id '{testimony.id}' already exists; "
                           "choose another id.") from None
    written(testimonies_dir, [path], f"Add {testimony.id}", author)
    return Saved(path, True, update_index(testimonies_dir, index_dir, only=[path]))


def save_record(testimonies_dir: Path, index_dir: Path, testimony: Testimony,
                started_from: str, author: str | None = None,
                message: str | None = None) -> Saved:
    """Write a corrected record if the file is still the version the edit started from;
    commit it with a message naming what changed (or the one given)."""
    path = find_record(testimonies_dir, testimony.id)
    text = format_testimony(testimony)
    before = path.read_bytes().decode("utf-8", "replace")
    return save_text(testimonies_dir, index_dir, path, text, started_from, author, message
                     or f"Correct {testimony.id}: {', '.join(git.changed_fields(before, text))}")


def save_text(testimonies_dir: Path, index_dir: Path, path: Path, text: str,
              started_from: str, author: str | None, message: str) -> Saved:
    """Write a record file's new text if the file is still the version the edit started
    from (else EditConflict); commit it and index it."""
    current = path.read_bytes()
    current_version = hashlib.sha256(current).hexdigest()
    if current_version != started_from:
        raise EditConflict(path.stem, current.decode("utf-8", "replace"), current_version)
    if text.encode("utf-8") == current:
        return Saved(path, False, None)
    atomic_write(path, text)
    written(testimonies_dir, [path], message, author)
    return Saved(path, True, update_index(testimonies_dir, index_dir, only=[path]))


def restore_record(testimonies_dir: Path, index_dir: Path, testimony_id: str, revision: str,
                   vocabulary, started_from: str | None = None,
                   author: str | None = None) -> Saved:
    """Write an earlier version of a record back, as a new commit; the conflict rule of
    corrections holds (`started_from`, the version the archivist was looking at)."""
    from ..records.testimony import parse_testimony

    path = find_record(testimonies_dir, testimony_id)
    current = path.read_bytes()
    current_version = hashlib.sha256(current).hexdigest()
    if started_from is not None and current_version != started_from:
        raise EditConflict(testimony_id, current.decode("utf-8", "replace"), current_version)
    version = git.resolve(path, revision).short
    text = git.text_at(path, version)
    testimony, problems = parse_testimony(text.encode("utf-8"), testimony_id, vocabulary,
                                          str(path))
    if testimony is None:
        raise ArchiveError(_("The version %(revision)s of '%(id)s' is not a valid record under "
                             "today's rules: %(problems)s", revision=revision, id=testimony_id,
                             problems="; ".join(str(p) for p in problems if not p.warning)))
    if text.encode("utf-8") == current:
        return Saved(path, False, None, version)
    atomic_write(path, text)
    written(testimonies_dir, [path], f"Restore {testimony_id} to {version}", author)
    return Saved(path, True, update_index(testimonies_dir, index_dir, only=[path]), version)
