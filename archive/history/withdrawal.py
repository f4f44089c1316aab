"""Withdrawal of consent: a record taken out of the archive for good. Its file and its index
entries go (the public index is purged of its text, as when a record is restricted); a
tombstone keeps its id, the date, the reason and the harvesting sets it was in (its
sector's and its motives', which the public saw counted even of a restricted record), and
nothing of its content, so that exports and harvesters (a set-selective one too) can report
it as deleted and its id is never given again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from ..errors import ArchiveError
from ..errors import InvalidTestimony
from ..records.collection import (TOMBSTONES, Tombstone, find_record, set_specs, tombstones,
                                  vocabulary_for)
from ..records.redaction import public_view
from ..records.testimony import read_testimony
from ..records.writing import atomic_write
from ..search.indexing import update_index
from .editing import written


def withdraw(testimonies_dir: Path, index_dir: Path, testimony_id: str, reason: str,
             author: str | None = None) -> Tombstone:
    """Take a record out of the archive: its file, its index entries (purged), and a
    tombstone in its place; one commit when the archive is a git repository."""
    if not reason.strip():
        raise ArchiveError("Say why the record is withdrawn: --reason \"...\" (it is kept in "
                           "the tombstone, never published).")
    path = find_record(testimonies_dir, testimony_id)
    stone = Tombstone(testimony_id, dt.date.today().isoformat(), reason.strip(),
                      _sets(path, testimonies_dir))
    kept = [t.as_dict() for t in tombstones(testimonies_dir)] + [stone.as_dict()]
    listing = Path(testimonies_dir) / TOMBSTONES
    atomic_write(listing, "# Records withdrawn from the archive: id, date, reason and "
                 "harvesting sets only.\n"
                 + yaml.safe_dump(kept, allow_unicode=True, sort_keys=False))
    path.unlink()
    written(testimonies_dir, [path, listing], f"Withdraw {testimony_id}: {stone.reason}", author)
    update_index(testimonies_dir, index_dir, only=[path])  # removed: the public index purged
    return stone


def _sets(path: Path, testimonies_dir: Path) -> tuple[str, ...] | None:
    """The harvesting sets of a record as the public saw it (None when the file is no
    longer a valid record: every set-selective harvest then learns of the deletion)."""
    try:
        shown = public_view(read_testimony(path, vocabulary_for(testimonies_dir))[0])
    except InvalidTestimony:
        return None
    return set_specs(shown.sector, shown.motives)


def history_note(testimonies_dir: Path, path_name: str) -> str:
    """What to tell the archivist about the git history, where the text still is."""
    return ("Earlier versions of the record remain in the git history of the archive. To "
            f"remove them there too: git filter-repo --invert-paths --path {path_name} (from "
            "the git-filter-repo package), then force-push, and ask every other clone to "
            "clone again.")
