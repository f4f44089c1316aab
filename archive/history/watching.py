"""A running archive sees edits made outside it: a text editor's save, a `git pull`, a copied
folder. The records' folder is watched with Linux's inotify where the system has it, else
polled once a second; the record files that changed are indexed at once, a batch at a
time, and the server's searcher reopens by itself.

Only finished files are indexed: inotify reports a file when it is closed after writing
or moved into place, never while it is being written, and polling waits until a file has
kept its size and time for a moment. Editors' swap and backup files (`.x.md.swp`, `x.md~`,
`#x.md#`) are not records. An invalid file is reported in the server's log and skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import select
import struct
import threading
import time
from pathlib import Path

from ..records.collection import NOT_RECORDS, VOCABULARY_FILE, record_entries
from ..search.indexing import describe, update_index

QUIET = 0.15  # seconds without a new event before a batch is indexed
POLL = 1.0  # seconds between two scans where there is no inotify
_IN_CLOSE_WRITE, _IN_MOVED_FROM, _IN_MOVED_TO = 0x008, 0x040, 0x080
_IN_CREATE, _IN_DELETE, _IN_ISDIR = 0x100, 0x200, 0x40000000
EVERYTHING = "*"  # a folder went away: compare every file
_MASK = _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
_EVENT = struct.Struct("iIII")

log = logging.getLogger(__name__)


def is_record_name(name: str) -> bool:
    """True for the name of a record file (or the vocabulary), not a swap or backup file."""
    if name.startswith((".", "#")) or name in NOT_RECORDS:
        return False
    return name.endswith((".md", ".vtt")) or name == VOCABULARY_FILE


class Watcher(threading.Thread):
    """Watches a records' folder and indexes what changes in it, until `stop()`."""

    def __init__(self, testimonies_dir: Path, index_dir: Path, poll: bool = False) -> None:
        super().__init__(name="archive-watcher", daemon=True)
        self.testimonies_dir, self.index_dir = Path(testimonies_dir), Path(index_dir)
        self._stopping = threading.Event()
        self._inotify = None if poll else _Inotify.open()
        self.ready = threading.Event()  # set once watching has begun

    @property
    def method(self) -> str:
        """How the folder is watched: "inotify" or "polling"."""
        return "inotify" if self._inotify else "polling"

    def stop(self) -> None:
        """Stop watching (the thread ends within a poll)."""
        self._stopping.set()

    def run(self) -> None:
        try:
            if self._inotify:
                self._watch()
            else:
                self._poll()
        except Exception:  # never take the server down with it
            log.exception("watching %s stopped", self.testimonies_dir)

    def _watch(self) -> None:
        notify = self._inotify
        notify.add_tree(self.testimonies_dir)
        self.ready.set()
        while not self._stopping.is_set():
            changed = notify.read(timeout=0.5)
            if not changed:
                continue
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:  # a batch: until QUIET seconds pass quietly
                more = notify.read(timeout=QUIET)
                if not more:
                    break
                changed |= more
            self._index(changed)
        notify.close()

    def _poll(self) -> None:
        known = _snapshot(self.testimonies_dir)
        self.ready.set()
        while not self._stopping.wait(POLL):
            now = _snapshot(self.testimonies_dir)
            changed = {path for path in set(now) | set(known) if now.get(path) != known.get(path)}
            if not changed:
                continue
            time.sleep(QUIET)  # still being written? then wait for the next scan
            settled = _snapshot(self.testimonies_dir)
            steady = {path for path in changed if settled.get(path) == now.get(path)}
            self._index(steady)
            known = {path: settled.get(path) if path in steady else known.get(path)
                     for path in set(settled) | set(known)}
            known = {path: stat for path, stat in known.items() if stat is not None}

    def _index(self, changed: set) -> None:
        """Index the changed record files (the whole folder when the vocabulary or a
        transcript changed: the index state knows which record reads a transcript)."""
        names = {Path(path).name for path in changed}
        transcripts = any(name.endswith(".vtt") for name in names)
        only = None if VOCABULARY_FILE in names or EVERYTHING in changed or transcripts else sorted(
            Path(p) for p in changed if is_record_name(Path(p).name))
        if only == []:
            return
        report = update_index(self.testimonies_dir, self.index_dir, only=only)
        for problem in report.problems:
            log.warning("%s", problem)
        log.info("%s", describe(report))


def _snapshot(folder: Path) -> dict[str, tuple]:
    """Every record file's (size, time), and the vocabulary's."""
    found = {os.path.join(folder, rel): (size, mtime)
             for rel, size, mtime in record_entries(folder)}
    vocabulary = folder / VOCABULARY_FILE
    if vocabulary.exists():
        stat = vocabulary.stat()
        found[str(vocabulary)] = (stat.st_size, stat.st_mtime_ns)
    return found


class _Inotify:
    """Linux's inotify through the C library: a watch on each folder of a tree."""

    def __init__(self, libc, fd: int) -> None:
        self._libc, self._fd, self._folders = libc, fd, {}

    @classmethod
    def open(cls) -> "_Inotify | None":
        """An inotify instance, or None where the system has none (then: polling)."""
        name = ctypes.util.find_library("c")
        if not name or not hasattr(os, "O_NONBLOCK"):
            return None
        try:
            libc = ctypes.CDLL(name, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return None
        return cls(libc, fd) if fd >= 0 else None

    def add_tree(self, root: Path) -> None:
        """Watch a folder and every folder below it (hidden ones left out)."""
        for folder, subfolders, _files in os.walk(root):
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            watch = self._libc.inotify_add_watch(self._fd, os.fsencode(folder), _MASK)
            if watch >= 0:
                self._folders[watch] = folder

    def read(self, timeout: float) -> set[str]:
        """The paths that changed within `timeout` seconds (empty if none)."""
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return set()
        try:
            data = os.read(self._fd, 1 << 16)
        except BlockingIOError:
            return set()
        changed, at = set(), 0
        while at + _EVENT.size <= len(data):
            watch, mask, _cookie, length = _EVENT.unpack_from(data, at)
            name = data[at + _EVENT.size:at + _EVENT.size + length].rstrip(b"\0").decode(
                "utf-8", "surrogateescape")
            at += _EVENT.size + length
            folder = self._folders.get(watch)
            if folder is None or not name:
                continue
            path = os.path.join(folder, name)
            if mask & _IN_ISDIR:
                if mask & (_IN_MOVED_FROM | _IN_DELETE):
                    changed.add(EVERYTHING)
                elif mask & (_IN_CREATE | _IN_MOVED_TO) and not name.startswith("."):
                    self.add_tree(Path(path))  # a copied folder: its files are new records
                    changed |= {os.path.join(d, f) for d, _, files in os.walk(path)
                                for f in files}
                continue
            if mask & (_IN_CLOSE_WRITE | _IN_MOVED_TO | _IN_MOVED_FROM | _IN_DELETE):
                changed.add(path)
        return changed

    def close(self) -> None:
        os.close(self._fd)
