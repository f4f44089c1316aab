"""The index folder: its generations, the signed state of each, and recovery from a
commit killed half-way.

Layout of an index folder::

    index/CURRENT            the name of the live generation (replaced atomically)
    index/gen-<n>/public/    Whoosh index of what the public may see of every record
    index/gen-<n>/researchers/
                             the researchers' view of each record they see more of than the
                             public (a record for researchers, a {.researchers} passage, a
                             field shown to them); researchers search it over public/
    index/gen-<n>/archivists/
                             the whole of each record researchers see only in part (closed,
                             embargoed, withheld, redacted); archivists search all three
    index/gen-<n>/<view>/words-<g>.json
                             how many documents of the view hold each spelling word, for
                             Whoosh generation <g> of the view (spelling suggestions)
    index/gen-<n>/state.json the digest of every index file, signed; the name of the
                             table below; the first day an indexed embargo lapses
    index/gen-<n>/records-<k>.json
                             what each record file was when indexed (size, mtime, sha256),
                             written before the state that names it

A rebuild writes a new generation and switches CURRENT only when the generation is
complete and on disk, so a crash at any moment leaves the previous index working. The
state is signed (`integrity`): an index this archive did not write is never opened,
because Whoosh unpickles what it reads. Nothing here reads Whoosh's files; they are only
hashed, counted and removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import orjson

from ...errors import IndexBusy
from ...records.redaction import AUDIENCES
from ...records.writing import atomic_write, fsync_folder
from .integrity import sign, signed_by_us

VIEWS = AUDIENCES  # a view of the index per audience, lowest first
LOCK_TIMEOUT = 60.0


class IndexLock:
    """The lock on an index folder that whoever writes the index holds.

    A lock on a file (`flock`), so that it goes with a process that dies; Whoosh's own
    file lock is the same kind, and the two exclude each other.
    """

    def __init__(self, index_dir: str | Path) -> None:
        self.path = Path(index_dir) / ".lock"
        self._fd: int | None = None

    def acquire(self, timeout: float) -> bool:
        """Take the lock, waiting up to `timeout` seconds; False when it stayed taken."""
        deadline = time.monotonic() + timeout
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                os.close(fd)
                return False
            time.sleep(0.05)
        self._fd = fd
        return True

    def release(self) -> None:
        """Let the next writer in."""
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "IndexLock":
        if not self.acquire(LOCK_TIMEOUT):
            raise IndexBusy(f"{self.path.parent} is being updated by another process and "
                            f"stayed locked for {LOCK_TIMEOUT:.0f} s; try again when it has "
                            "finished.")
        return self

    def __exit__(self, *exc) -> None:
        self.release()


try:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
except ImportError:  # Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def current_generation(index_dir: str | Path) -> Path | None:
    """The folder of the live index generation, or None when there is no index."""
    pointer = Path(index_dir) / "CURRENT"
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    folder = Path(index_dir) / name
    if not name.startswith("gen-") or not all((folder / v).is_dir() for v in VIEWS):
        return None
    return folder


RECORDS_FILE = "records-{number}.json"


def read_state(generation: Path, records: bool = True) -> dict | None:
    """The generation's signed state, with (unless `records` is False) what each record
    file was when indexed under "files"; None when either cannot be read.

    The table of record files (18 MB at 100,000 records) is a file of its own, named in
    the state: a server that checks the index after each edit reads only the state.
    """
    try:
        state = json.loads((generation / "state.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(state, dict):
        return None
    if isinstance(state.get("files"), dict):
        return state  # written before the table had a file of its own
    name = state.get("records")
    if not isinstance(name, str) or not name.startswith("records-") or "/" in name:
        return None
    if records:
        try:
            files = orjson.loads((generation / name).read_bytes())
        except (FileNotFoundError, ValueError):  # orjson.JSONDecodeError is a ValueError
            return None
        if not isinstance(files, dict):
            return None
        state["files"] = files
    return state


def write_state(generation: Path, state: dict, known_digests: dict | None = None) -> None:
    """Write the signed state, its table of record files first (in a new file, so that
    the state on disk always names a whole table); `known_digests` spares hashing files
    already hashed."""
    old = sorted(generation.glob(RECORDS_FILE.format(number="*")),
                 key=lambda path: int(path.stem.split("-")[1]))
    number = int(old[-1].stem.split("-")[1]) + 1 if old else 1
    name = RECORDS_FILE.format(number=number)
    atomic_write(generation / name, orjson.dumps(state["files"]))  # json's compact form, UTF-8
    state = {key: value for key, value in state.items() if key != "files"}
    state = sign(dict(state, records=name,
                      index_files=index_file_digests(generation, known_digests)))
    atomic_write(generation / "state.json", json.dumps(state, separators=(",", ":")))
    for path in old:
        path.unlink(missing_ok=True)


def untrusted(generation: Path, state: dict | None) -> list[str]:
    """Why an index must not be opened: empty when this archive wrote it on this machine.

    The signature proves that; it is checked before Whoosh unpickles anything. Whether the
    files are still as written is a separate question (`damaged_index_files`).
    """
    if state is None:
        return [f"{generation} has no readable state.json"]
    if not signed_by_us(state):
        return [f"{generation} was not written by this archive on this machine (or its "
                "state was changed since)"]
    return []


def index_file_digests(generation: Path, known: dict | None = None) -> dict:
    """{path: [size, sha256]} of the index's files. Whoosh never rewrites a file once
    written, so a file already known by name and size is not read again."""
    known = known or {}
    digests = {}
    for view in VIEWS:
        for path in sorted((generation / view).iterdir()):
            if not path.is_file() or path.name.endswith("LOCK"):
                continue
            rel, size = f"{view}/{path.name}", path.stat().st_size
            if rel in known and known[rel][0] == size and not path.name.endswith(".toc"):
                digests[rel] = known[rel]
            else:
                digests[rel] = [size, hashlib.sha256(path.read_bytes()).hexdigest()]
    return digests


UNSIGNED_TOC = " was not written by the archive"


def settle(index_dir: Path, generation: Path) -> list[str]:
    """Why the index cannot be opened, after putting aside what a killed commit left.

    A table of contents the archive never signed comes from a commit under way (its writer
    holds the lock: wait for it) or from one that was killed (nobody holds the lock).
    """
    state = read_state(generation, records=False)
    if untrusted(generation, state) or not _unsigned_tocs(generation, state):
        return untrusted(generation, state)
    with IndexLock(index_dir):
        state = read_state(generation, records=False)  # again, under the lock: a writer may have signed
        if state and not untrusted(generation, state):
            remove_unsigned_tocs(generation, state)
    return untrusted(generation, state)


def _unsigned_tocs(generation: Path, state: dict) -> list[Path]:
    signed = state.get("index_files", {})
    return [toc for view in VIEWS for toc in (generation / view).glob("*.toc")
            if f"{view}/{toc.name}" not in signed]


def remove_unsigned_tocs(generation: Path, state: dict) -> None:
    """Roll back a killed commit to the last signed state, when that state is whole.

    Whoosh deletes the files a commit replaced as soon as it has written the new table of
    contents; if that happened, the newer table is the consistent one and stays (the next
    `archive index` signs it).
    """
    if untrusted(generation, state):
        return
    signed = state.get("index_files", {})
    if all((generation / name).exists() for name in signed):
        for toc in _unsigned_tocs(generation, state):
            toc.unlink()


def damaged_index_files(generation: Path, state: dict, deep: bool = True) -> list[str]:
    """Index files missing, added, resized or (with `deep`) changed since they were written."""
    recorded = state.get("index_files")
    if recorded is None:
        return []
    actual = {}
    for view in VIEWS:
        folder = generation / view
        if folder.is_dir():
            actual.update({f"{view}/{p.name}": p for p in folder.iterdir()
                           if p.is_file() and not p.name.endswith("LOCK")})
    problems = [f"{name} is missing" for name in sorted(set(recorded) - set(actual))]
    # Only a table of contents decides what Whoosh reads; other stray files (left by a
    # killed commit) are never opened, and the next commit removes them.
    problems += [f"{name}{UNSIGNED_TOC}" for name in sorted(set(actual) - set(recorded))
                 if name.endswith(".toc")]
    for name in sorted(set(recorded) & set(actual)):
        size, digest = recorded[name]
        if actual[name].stat().st_size != size:
            problems.append(f"{name} has changed size")
        elif deep and hashlib.sha256(actual[name].read_bytes()).hexdigest() != digest:
            problems.append(f"{name} has changed")
    return problems


def fsync_tree(folder: Path) -> None:
    """Flush every file and folder of a tree to disk."""
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            with open(Path(parent) / name, "rb") as handle:
                os.fsync(handle.fileno())
        fsync_folder(Path(parent))


def switch(index_dir: Path, generation: Path) -> None:
    """Make a generation the live one, in one atomic rename."""
    atomic_write(index_dir / "CURRENT", generation.name + "\n")


def remove_old_generations(index_dir: Path, keep: Path) -> None:
    """Remove every generation but the live one."""
    for folder in index_dir.glob("gen-*"):
        if folder != keep and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


