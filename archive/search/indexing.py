"""Bringing the index up to date with the records: a full rebuild when asked or needed
(`building`), else an update in place of what changed since the last run.

The index state (`engine.generations`) remembers each record file's size, time and
SHA-256; an update reads only the files that differ, and Whoosh's commits are atomic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import InvalidTestimony
from ..records.collection import (VOCABULARY_FILE, default_access_for, read_record,
                                 record_entries)
from ..records.validation import Problem
from ..records.vocabulary import load_vocabulary
from .building import build_index
from .documents import (Reading, file_entry, hides_more, lapsed, state_of, transcript_changed,
                        unchanged_since)
from .engine import SCHEMA_VERSION, VIEWS, ViewWriters, forget_words
from .engine.generations import (IndexLock, current_generation, read_state, remove_unsigned_tocs,
                                 untrusted, write_state)


@dataclass
class IndexReport:
    """What an index run did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    rebuilt: bool = False
    total: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """True when some record file was invalid and skipped."""
        return any(not p.warning for p in self.problems)


def update_index(testimonies_dir: str | Path, index_dir: str | Path, rebuild: bool = False,
                 progress: Callable[[int, int], None] | None = None,
                 only: list[Path] | None = None, processes: int | None = None,
                 today: dt.date | None = None) -> IndexReport:
    """Bring the index up to date with the records; rebuild it whole when asked or needed.

    `only` names the record files known to have changed (added, edited or deleted), so
    that saving one record does not look at every other file. A rebuild runs in
    `processes` processes (by default one per core, up to four, from 4,000 records).
    Views are made for `today` (by default the day it runs): a record whose embargo has
    lapsed since it was indexed counts as changed.
    """
    started = time.monotonic()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with IndexLock(index_dir):  # one writer at a time, whichever process
        vocabulary_path = Path(testimonies_dir) / VOCABULARY_FILE
        default_access = default_access_for(testimonies_dir)
        reading = Reading(load_vocabulary(vocabulary_path), default_access,
                          today or dt.date.today())
        fingerprint = _fingerprint(vocabulary_path, default_access)
        generation = current_generation(index_dir)
        state = read_state(generation, records=False) if generation else None
        if state:
            remove_unsigned_tocs(generation, state)  # debris of a killed commit (we hold the lock)
        usable = not (rebuild or state is None or state.get("fingerprint") != fingerprint
                      or untrusted(generation, state))  # never open what we did not write
        entries = record_entries(Path(testimonies_dir)) if usable and only is None else None
        if entries is not None and unchanged_since(state, entries, testimonies_dir,
                                                   reading.today):
            report = IndexReport(unchanged=len(entries), total=len(entries))
        else:
            if usable:
                state = read_state(generation)  # with the table of record files now
            if not usable or state is None:
                built = build_index(testimonies_dir, index_dir, reading, fingerprint,
                                    progress, processes)
                report = IndexReport(added=built.added, problems=built.problems,
                                     rebuilt=True, total=len(built.files))
            else:
                report = _update(testimonies_dir, generation, state, reading, progress, only,
                                 entries)
    report.seconds = time.monotonic() - started
    return report


def _fingerprint(vocabulary_path: Path, default_access: str) -> str:
    """What the whole index depends on: a change of any rebuilds it."""
    digest = hashlib.sha256(vocabulary_path.read_bytes()).hexdigest()
    return f"schema-{SCHEMA_VERSION}:vocabulary-{digest}:access-{default_access}"


def _scan(testimonies_dir, state_files: dict, reading: Reading, report: IndexReport, progress,
          paths: list[Path] | None = None, seen: dict | None = None, entries=None):
    """Read the files that changed since `state_files` (all the record files, `entries`
    when listed already, or `paths`); yield (relpath, entry, testimony).

    A file that is unchanged yields its old entry and no testimony; an invalid or missing
    one yields no entry.
    """
    root = Path(testimonies_dir)
    if paths is None:
        entries = record_entries(root) if entries is None else entries
    else:
        entries = []
        for path in paths:
            rel = Path(path).relative_to(root).as_posix()
            try:
                stat = Path(path).stat()
            except FileNotFoundError:
                entries.append((rel, None, None))
                continue
            entries.append((rel, stat.st_size, stat.st_mtime_ns))
    seen = _FilesById(root, {}) if seen is None else seen
    for done, (rel, size, mtime_ns) in enumerate(entries, start=1):
        if size is None:
            yield rel, None, None
            continue
        known = state_files.get(rel)
        if known and known["size"] == size and known["mtime_ns"] == mtime_ns \
                and known["id"] not in seen and not lapsed(known, reading.today) \
                and not transcript_changed(known, root):
            seen[known["id"]] = rel  # joined to the folder only if a message needs it
            report.unchanged += 1
            yield rel, known, None
        else:
            path = root / rel
            try:
                testimony, warnings = read_record(path, reading.vocabulary, seen,
                                                  reading.default_access)
                report.problems += warnings
            except InvalidTestimony as exc:
                report.problems += exc.problems
                yield rel, None, None
            else:
                yield rel, file_entry(testimony, size, mtime_ns, reading.today, root), testimony
        if progress:
            progress(done, len(entries))


def _update(testimonies_dir, generation: Path, state: dict, reading: Reading, progress,
            only: list[Path] | None = None, entries=None) -> IndexReport:
    report = IndexReport()
    root = Path(testimonies_dir)
    old_files: dict = state["files"]
    if only is None:
        files, paths, seen = {}, None, _FilesById(root, {})
    else:  # keep every other file as it was; look only at these
        paths = sorted({Path(p).absolute() for p in only})
        looked_at = {p.relative_to(root.absolute()).as_posix() for p in paths}
        files = {rel: entry for rel, entry in old_files.items() if rel not in looked_at}
        seen = _FilesById(root, files)
        paths = [root / p.relative_to(root.absolute()) for p in paths]
    writers, purge = ViewWriters(generation), set()
    try:
        for rel, entry, testimony in _scan(root, old_files, reading, report, progress,
                                           paths, seen, entries):
            if entry is None:
                continue  # invalid or missing now: dropped below
            files[rel] = entry
            old = old_files.get(rel)
            if testimony is None or (old and old["sha256"] == entry["sha256"]
                                     and old["id"] == entry["id"]
                                     and not lapsed(old, reading.today)
                                     and old.get("transcript") == entry.get("transcript")):
                continue
            writers.start()
            purge |= _replace(writers, reading.documents(testimony, rel))
            (report.changed if old else report.added).append(testimony.id)
        live_ids = {entry["id"] for entry in files.values()}
        for testimony_id in sorted({e["id"] for e in old_files.values()} - live_ids):
            writers.start()
            forget_words(writers.indexed(testimony_id), writers.words)
            for view in VIEWS:
                writers.delete(view, testimony_id)
            report.removed.append(testimony_id)
            purge = set(VIEWS)
        if writers.started:
            writers.commit(purge)
    except BaseException:
        writers.cancel()
        raise
    finally:
        writers.close()
    if files != old_files or "listing" not in state:  # a state written before listings
        write_state(generation, state_of(state["fingerprint"], files),
                     state.get("index_files"))
    report.total = len(files)
    return report


class _FilesById(dict):
    """{id: file} of the records read or kept as they were, for the message that names a
    duplicate id's other file: a file is kept relative to the folder (or as given) and
    joined to it only when asked (joining 100,000 paths took 0.25 s of every update)."""

    def __init__(self, root: Path, files: dict) -> None:
        super().__init__((entry["id"], rel) for rel, entry in files.items())
        self.root = root

    def __getitem__(self, testimony_id: str) -> str:
        return os.path.join(self.root, super().__getitem__(testimony_id))


def _replace(writers: ViewWriters, documents) -> set[str]:
    """Index a record's new documents in place of what each view held of it; the views
    whose audience now sees less of it than before, whose old text must be purged."""
    testimony_id = documents.by_view["public"]["id"]
    before = writers.indexed(testimony_id)
    forget_words(before, writers.words)
    for view in VIEWS:
        document = documents.by_view[view]
        if document is not None:
            writers.put(view, document)
            writers.words[view].update(documents.words(view))
        elif view != "public":
            writers.delete(view, testimony_id)
    return {view for view in VIEWS if hides_more(documents, before, view)}


def state_stamp(index_dir: str | Path) -> tuple | None:
    """What changes whenever the index's state is written: its generation and the state
    file's time (None without an index)."""
    generation = current_generation(Path(index_dir))
    if generation is None:
        return None
    try:
        return generation, (generation / "state.json").stat().st_mtime_ns
    except FileNotFoundError:
        return generation, None


def next_lapse(index_dir: str | Path) -> str | None:
    """The first day an embargo of the indexed records lapses (YYYY-MM-DD), or None."""
    generation = current_generation(Path(index_dir))
    state = read_state(generation, records=False) if generation else None
    if state is None:
        return None
    if "next_lapse" in state:
        return state["next_lapse"]
    days = [entry["embargo_until"] for entry in state.get("files", {}).values()
            if "embargo_until" in entry]  # a state written before `next_lapse` was kept
    return min(days, default=None)


def lapsed_files(testimonies_dir: str | Path, index_dir: str | Path,
                 today: dt.date) -> list[Path]:
    """The record files indexed under an embargo that has lapsed by `today`."""
    generation = current_generation(Path(index_dir))
    state = read_state(generation) if generation else None
    return [Path(testimonies_dir) / rel for rel, entry in (state or {}).get("files", {}).items()
            if lapsed(entry, today)]


def describe(report: IndexReport) -> str:
    """One line saying what an index run did."""
    verb = "Rebuilt the index" if report.rebuilt else "Updated the index"
    if not report.rebuilt and not (report.added or report.changed or report.removed):
        verb = "The index is up to date"
    parts = [f"{len(report.added)} added"]
    if not report.rebuilt:
        parts += [f"{len(report.changed)} changed", f"{len(report.removed)} removed",
                  f"{report.unchanged} unchanged"]
    files = len({p.path for p in report.problems if not p.warning})
    tail = f"; {files} invalid file{'s' if files != 1 else ''} skipped" if files else ""
    return (f"{verb}: {report.total} record{'s' if report.total != 1 else ''} "
            f"({', '.join(parts)}){tail} in {report.seconds:.1f} s.")
