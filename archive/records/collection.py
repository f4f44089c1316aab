"""The folder of records: finding record files, reading them all, ids unique across it."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ArchiveError, InvalidTestimony, TestimonyNotFound
from ..settings import SETTINGS_FILE, find_root, load_settings
from .testimony import Testimony, read_testimony
from .validation import Problem
from .vocabulary import Vocabulary, load_vocabulary

VOCABULARY_FILE = "vocabulary.yaml"


@dataclass
class ArchiveReport:
    """Every valid testimony of a folder, and every problem found in it."""

    testimonies: list[Testimony] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """The problems that make a file invalid (not warnings)."""
        return [p for p in self.problems if not p.warning]


def vocabulary_for(testimonies_dir: str | Path) -> Vocabulary:
    """Load the vocabulary that lives beside the records."""
    return load_vocabulary(Path(testimonies_dir) / VOCABULARY_FILE)


def default_access_for(testimonies_dir: str | Path) -> str:
    """The access of a record that does not say: the default_access of the archive.toml
    above the records, else restricted."""
    root = find_root(Path(testimonies_dir).absolute().parent)
    if root is None:
        return "restricted"
    settings = root / SETTINGS_FILE
    return _default_access(settings, settings.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _default_access(settings: Path, mtime_ns: int) -> str:
    return load_settings(settings.parent).default_access


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working folder when inside it."""
    try:
        folder = os.path.dirname(os.path.abspath(path))
        return os.path.relpath(path) if _inside(folder, os.getcwd()) else str(path)
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=64)
def _inside(folder: str, working: str) -> bool:
    """Whether a folder, its links followed, lies in the working folder (asked once a
    folder: a rebuild names every record file it reads, most of them in one folder)."""
    return Path(folder).resolve().is_relative_to(working)


# Markdown files of the records' folder that are not records (no id has capitals).
NOT_RECORDS = frozenset({"README.md"})


def record_files(testimonies_dir: str | Path) -> list[Path]:
    """Every record file below the folder, sorted, skipping hidden files and folders and
    the archivists' README."""
    root = Path(testimonies_dir)
    return [root / rel for rel, _size, _mtime in record_entries(root)]


def record_entries(testimonies_dir: str | Path) -> list[tuple[str, int, int]]:
    """`(relative path, size, mtime_ns)` of every record file, sorted by path.

    One pass of os.scandir, whose entries carry their stat: checking 34,000 files for
    changes must not cost a second.
    """
    found: list[tuple[str, int, int]] = []
    pending = [("", str(testimonies_dir))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name in NOT_RECORDS:
                    continue
                if entry.is_dir():
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.name.endswith(".md") and entry.is_file():
                    stat = entry.stat()
                    found.append((prefix + entry.name, stat.st_size, stat.st_mtime_ns))
    return sorted(found)


def read_record(path: Path, vocabulary: Vocabulary, seen: dict[str, Path],
                default_access: str = "restricted"):
    """Read one file of an archive; `seen` maps ids already read to their files; a record
    that does not say its access gets `default_access` (`default_access_for`)."""
    shown = display_path(path)
    if path.stem in seen:
        raise InvalidTestimony(shown, [Problem(
            shown, None, "id",
            f"the id {path.stem!r} is already used by {display_path(seen[path.stem])}; ids are "
            "unique across the archive: rename one of the files")])
    testimony, warnings = read_testimony(path, vocabulary, shown, default_access)
    seen[path.stem] = path
    return testimony, warnings


def read_archive(testimonies_dir: str | Path, vocabulary: Vocabulary | None = None,
                 paths: list[Path] | None = None) -> ArchiveReport:
    """Read every record of a folder (or the given files), collecting all problems."""
    vocabulary = vocabulary or vocabulary_for(testimonies_dir)
    report, seen = ArchiveReport(), {}
    default_access = default_access_for(testimonies_dir)
    for path in paths if paths is not None else record_files(testimonies_dir):
        try:
            testimony, warnings = read_record(path, vocabulary, seen, default_access)
        except InvalidTestimony as exc:
            report.problems += exc.problems
            report.invalid.append(exc.path)
            continue
        report.testimonies.append(testimony)
        report.problems += warnings
    return report


def find_record(testimonies_dir: str | Path, testimony_id: str) -> Path:
    """Return the file of a record by its id, or raise TestimonyNotFound."""
    for path in record_files(testimonies_dir):
        if path.stem == testimony_id:
            return path
    raise TestimonyNotFound(testimony_id)


def load_testimony(testimonies_dir: str | Path, testimony_id: str,
                   vocabulary: Vocabulary | None = None) -> Testimony:
    """Read the record with this id from its file (the source of truth)."""
    path = find_record(testimonies_dir, testimony_id)
    vocabulary = vocabulary or vocabulary_for(testimonies_dir)
    return read_testimony(path, vocabulary, display_path(path),
                          default_access_for(testimonies_dir))[0]


TOMBSTONES = "withdrawn.yaml"


@dataclass(frozen=True)
class Tombstone:
    """What is kept of a withdrawn record: its id, when, why, and the harvesting sets it
    was in (so that a harvester selecting a set learns of the deletion); `sets` is None
    for a tombstone written before tombstones kept them."""

    id: str
    withdrawn_on: str
    reason: str
    sets: tuple[str, ...] | None = None

    def as_dict(self) -> dict:
        """The tombstone as `withdrawn.yaml` keeps it."""
        kept = {"id": self.id, "withdrawn_on": self.withdrawn_on, "reason": self.reason}
        return kept if self.sets is None else {**kept, "sets": list(self.sets)}


def set_slug(term: str) -> str:
    """A motive term as a harvesting set's name: `children's freedom` -> `childrens-freedom`."""
    return re.sub(r"[^a-z0-9]+", "-", term.lower().replace("'", "").replace("\u2019", "")
                  ).strip("-") or "motive"


def set_specs(sector: str, motives: tuple[str, ...]) -> tuple[str, ...]:
    """The OAI-PMH sets a record is in: its sector's and each motive's."""
    return (f"sector:{sector}",) + tuple(f"motive:{set_slug(m)}" for m in motives)


def tombstones(testimonies_dir: Path) -> list[Tombstone]:
    """The archive's withdrawn records, oldest first."""
    path = Path(testimonies_dir) / TOMBSTONES
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ArchiveError(f"{path}: expected a list of withdrawn records (id, withdrawn_on, "
                           "reason); correct the file.")
    return [Tombstone(str(item.get("id")), str(item.get("withdrawn_on")),
                      str(item.get("reason", "")),
                      tuple(map(str, item["sets"])) if isinstance(item.get("sets"), list)
                      else None)
            for item in data if isinstance(item, dict)]


def withdrawn(testimonies_dir: Path, testimony_id: str) -> Tombstone | None:
    """The tombstone of a record id, or None when it was never withdrawn."""
    return next((t for t in tombstones(testimonies_dir) if t.id == testimony_id), None)
