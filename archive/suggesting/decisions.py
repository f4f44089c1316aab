"""Rejected suggestions, kept beside the records in `suggestions-rejected.yaml` and committed
with them: a rejection is a person's judgement, as much the archive's work as a coded
passage, and the index folder (derived, deletable) is no place for it.

Each entry names the record, the motive, the passage's key (a hash of its words: the file
holds no testimony text, so it says nothing of a restricted passage), who rejected it and
when. A rejected passage is never suggested again for that motive, and it teaches the
motive's model what the motive is not.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from ..errors import ArchiveError
from ..history import git
from ..records.writing import atomic_write
from ..settings import find_root, load_settings

REJECTIONS = "suggestions-rejected.yaml"
_KEY = re.compile(r"^[0-9a-f]{16}$")
HEADER = ("# Suggested passages an archivist rejected (archive suggest, the Suggestions page):\n"
          "# never suggested again for that motive, and negatives for its model. `passage` is\n"
          "# a hash of the passage's words; no testimony text is kept here.\n")


@dataclass(frozen=True)
class Rejection:
    """One rejected suggestion."""

    record: str
    motive: str
    passage: str
    by: str
    date: str


class BadRejections(ArchiveError):
    """The rejections file cannot be read."""


def rejections(testimonies_dir: Path) -> list[Rejection]:
    """Every rejection, in the order they were made."""
    path = Path(testimonies_dir) / REJECTIONS
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except yaml.YAMLError as exc:
        raise BadRejections(f"{path}: cannot be read as YAML ({' '.join(str(exc).split())}); "
                            "correct it, or restore it with git.") from None
    loaded = [] if loaded is None else loaded
    if not isinstance(loaded, list):
        raise BadRejections(f"{path}: expected a list of rejections, got {type(loaded).__name__}")
    found = []
    for number, entry in enumerate(loaded, start=1):
        fields = {name: str(entry.get(name, "")) for name in ("record", "motive", "passage",
                                                              "by", "date")} \
            if isinstance(entry, dict) else {}
        if not fields or not _KEY.match(fields["passage"]) or not fields["motive"]:
            raise BadRejections(f"{path}: entry {number}: expected record, motive and passage "
                                "(16 hexadecimal digits), as the archive writes them")
        found.append(Rejection(**fields))
    return found


def rejected_keys(testimonies_dir: Path, motive: str) -> set[str]:
    """The keys of the passages rejected for a motive."""
    return {r.passage for r in rejections(testimonies_dir) if r.motive == motive}


def reject(testimonies_dir: Path, record: str, motive: str, passage: str, by: str) -> Rejection:
    """Remember a rejection (once) and commit it when the archive is a git repository."""
    if not _KEY.match(passage):
        raise ArchiveError(f"'{passage}' is not a passage key (16 hexadecimal digits).")
    path = Path(testimonies_dir) / REJECTIONS
    settings = load_settings(find_root(Path(testimonies_dir)))
    who = by.strip() or settings.archivist or "archivist"
    made = Rejection(record, motive, passage, who, dt.date.today().isoformat())
    folder = os.open(testimonies_dir, os.O_RDONLY)  # the folder is the lock: no file left
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # two archivists rejecting at once both count
        known = rejections(testimonies_dir)
        if any((r.record, r.motive, r.passage) == (record, motive, passage) for r in known):
            return made
        entries = [asdict(r) for r in known + [made]]
        atomic_write(path, HEADER + yaml.safe_dump(entries, allow_unicode=True,
                                                   sort_keys=False))
    finally:
        os.close(folder)
    git.commit(testimonies_dir, [path], f"Reject a suggestion for {motive} in {record}",
               who if by.strip() else settings.archivist, settings.archivist_email)
    return made
