"""The only writer of the Whoosh index: schema, full and incremental builds, the atomic swap.

Layout of an index folder::

    index/CURRENT            the name of the live generation (replaced atomically)
    index/gen-<n>/public/    Whoosh index of what the public may see (no restricted text)
    index/gen-<n>/private/   the full version of each record the public sees only in part
                             (restricted, withheld, redacted); private mode searches both
    index/gen-<n>/state.json what each record file was when indexed (size, mtime, sha256)

`archive index` updates the live generation in place (Whoosh commits are atomic);
`archive index --rebuild` writes a new generation and switches CURRENT only when it is
complete and on disk, so a crash at any moment leaves the previous index working.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.util.filelock import FileLock

from .analysis import name_analyzer, text_analyzer, word_analyzer
from .collection import VOCABULARY_FILE, read_record, record_entries, record_files
from .errors import IndexBusy, IndexUntrusted, InvalidTestimony
from .integrity import sign, signed_by_us
from .records import Testimony
from .redaction import differs_in_public, public_view
from .rendering import plain_text
from .validation import Problem
from .vocabulary import Vocabulary, load_vocabulary
from .writing import fsync_folder

SCHEMA_VERSION = 3
LOCK_TIMEOUT = 60.0
VIEWS = ("public", "private")
PARALLEL_FROM = 4000  # records; below this a second process costs more than it saves
BUILD_MEMORY_MB = 256  # per writing process, before Whoosh spills postings to disk


def make_schema() -> Schema:
    """The index schema: searchable text, exact facet fields, and what result lists show."""
    text = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        path=STORED,
        sha256=STORED,
        # A query word that analyses into several tokens (`자유를` -> `자유`, `유를`;
        # `e-mail`) must match them in sequence: multitoken_query="phrase".
        title=TEXT(analyzer=text, stored=True, field_boost=3.0, multitoken_query="phrase"),
        summary=TEXT(analyzer=text, stored=True, field_boost=1.5, multitoken_query="phrase"),
        body=TEXT(analyzer=text, stored=True, multitoken_query="phrase"),
        post=TEXT(analyzer=text, stored=True, field_boost=1.5, multitoken_query="phrase"),
        names=TEXT(analyzer=name_analyzer(), field_boost=3.0, multitoken_query="and"),
        country_text=TEXT(analyzer=text, multitoken_query="phrase"),
        motive_text=TEXT(analyzer=text, field_boost=2.5, multitoken_query="phrase"),
        tags=KEYWORD(lowercase=True, commas=True, scorable=True),
        words=TEXT(analyzer=word_analyzer(), phrase=False),
        motive=KEYWORD(commas=True, stored=True),
        sector=ID(stored=True),
        country=ID(stored=True),
        gender=ID(stored=True),
        language=ID(stored=True),
        access=ID(stored=True),
        year=NUMERIC(stored=True, sortable=True),
    )


def index_document(testimony: Testimony, vocabulary: Vocabulary, path: str) -> dict:
    """The index fields of one testimony (the caller passes the view it may index)."""
    labels = [label for term in testimony.motives for label in vocabulary.get(term).labels]
    summary = plain_text(testimony.summary or "")
    body = plain_text(testimony.body)
    doc = {
        "id": testimony.id, "path": path, "sha256": testimony.sha256,
        "title": testimony.title, "summary": summary, "body": body, "post": testimony.post,
        "names": "\n".join(filter(None, (testimony.name, *testimony.aliases))),
        "country_text": testimony.country, "motive_text": "\n".join(labels),
        "tags": ",".join(testimony.tags),
        "words": _distinct_words(testimony.title, summary, body, testimony.post,
                                 testimony.country, *labels),
        "motive": ",".join(testimony.motives), "sector": testimony.sector,
        "country": testimony.country, "gender": testimony.gender,
        "language": testimony.language, "access": testimony.access, "year": testimony.year,
    }
    return {key: value for key, value in doc.items() if value not in (None, "")}


def _distinct_words(*texts: str | None) -> str:
    """Each word once: spelling suggestions need the vocabulary, not every occurrence."""
    words = set(_SPELLING_WORD.findall(" ".join(filter(None, texts)).lower()))
    return " ".join(sorted(words))


_SPELLING_WORD = re.compile(r"[^\W\d_]{3,}")


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


def open_index(folder: Path):
    """Open one Whoosh index of ours, reading its files without mmap.

    Whoosh maps its files into memory by default; every page a search touches then counts
    as the process's own memory (a server over 34,000 records grew to 840 MB). Read
    through the operating system's file cache instead, at the same speed.
    """
    return FileStorage(str(folder), supports_mmap=False).open_index()


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


def update_index(testimonies_dir: str | Path, index_dir: str | Path, rebuild: bool = False,
                 progress: Callable[[int, int], None] | None = None,
                 only: list[Path] | None = None) -> IndexReport:
    """Bring the index up to date with the records; rebuild it whole when asked or needed.

    `only` names the record files known to have changed (added, edited or deleted), so
    that saving one record does not look at every other file.
    """
    started = time.monotonic()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / ".lock"))
    if not _acquire(lock, LOCK_TIMEOUT):
        raise IndexBusy(f"{index_dir} is being updated by another process and stayed locked for "
                        f"{LOCK_TIMEOUT:.0f} s; try again when it has finished.")
    try:
        vocabulary_path = Path(testimonies_dir) / VOCABULARY_FILE
        vocabulary = load_vocabulary(vocabulary_path)
        fingerprint = _fingerprint(vocabulary_path)
        generation = current_generation(index_dir)
        state = _read_state(generation) if generation else None
        if state:
            _remove_unsigned_tocs(generation, state)  # debris of a killed commit (we hold the lock)
        if (rebuild or state is None or state.get("fingerprint") != fingerprint
                or untrusted(generation, state)):  # never open what we did not write
            report = _build(testimonies_dir, index_dir, vocabulary, fingerprint, progress)
        else:
            report = _update(testimonies_dir, generation, state, vocabulary, progress, only)
    finally:
        lock.release()
    report.seconds = time.monotonic() - started
    return report


def _acquire(lock: FileLock, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _fingerprint(vocabulary_path: Path) -> str:
    digest = hashlib.sha256(vocabulary_path.read_bytes()).hexdigest()
    return f"schema-{SCHEMA_VERSION}:vocabulary-{digest}"


def _scan(testimonies_dir, state_files: dict, vocabulary, report: IndexReport, progress,
          paths: list[Path] | None = None, seen: dict | None = None):
    """Read the files that changed since `state_files`; yield (relpath, entry, testimony).

    A file that is unchanged yields its old entry and no testimony; an invalid or missing
    one yields no entry.
    """
    root = Path(testimonies_dir)
    if paths is None:
        entries = record_entries(root)
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
    seen = {} if seen is None else seen
    for done, (rel, size, mtime_ns) in enumerate(entries, start=1):
        if size is None:
            yield rel, None, None
            continue
        known = state_files.get(rel)
        if known and known["size"] == size and known["mtime_ns"] == mtime_ns \
                and known["id"] not in seen:
            seen[known["id"]] = root / rel
            report.unchanged += 1
            yield rel, known, None
        else:
            path = root / rel
            try:
                testimony, warnings = read_record(path, vocabulary, seen)
                report.problems += warnings
            except InvalidTestimony as exc:
                report.problems += exc.problems
                yield rel, None, None
            else:
                entry = {"id": testimony.id, "sha256": testimony.sha256,
                         "size": size, "mtime_ns": mtime_ns}
                yield rel, entry, testimony
        if progress:
            progress(done, len(entries))


def _build(testimonies_dir, index_dir: Path, vocabulary, fingerprint, progress) -> IndexReport:
    report = IndexReport(rebuilt=True)
    generation = index_dir / f"gen-{time.time_ns()}"
    try:
        schema = make_schema()
        indexes = {}
        for view in VIEWS:
            (generation / view).mkdir(parents=True)
            indexes[view] = whoosh_index.create_in(str(generation / view), schema)
        count = len(record_files(testimonies_dir))
        procs = 2 if count >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 1
        writers = {"public": indexes["public"].writer(procs=procs, multisegment=procs > 1,
                                                      limitmb=BUILD_MEMORY_MB),
                   "private": indexes["private"].writer(limitmb=64)}
        files = {}
        try:
            for rel, entry, testimony in _scan(testimonies_dir, {}, vocabulary, report, progress):
                if testimony is None:
                    continue
                files[rel] = entry
                _add(writers, testimony, vocabulary, rel)
                report.added.append(testimony.id)
        except BaseException:
            for writer in writers.values():
                writer.cancel()
            raise
        for writer in writers.values():
            writer.commit()
        _write_state(generation, {"fingerprint": fingerprint, "files": files})
        _fsync_tree(generation)
        _switch(index_dir, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    _remove_old_generations(index_dir, keep=generation)
    report.total = len(files)
    return report


def _update(testimonies_dir, generation: Path, state: dict, vocabulary, progress,
            only: list[Path] | None = None) -> IndexReport:
    report = IndexReport()
    root = Path(testimonies_dir)
    old_files: dict = state["files"]
    if only is None:
        files, paths, seen = {}, None, {}
    else:  # keep every other file as it was; look only at these
        paths = sorted({Path(p).absolute() for p in only})
        looked_at = {p.relative_to(root.absolute()).as_posix() for p in paths}
        files = {rel: entry for rel, entry in old_files.items() if rel not in looked_at}
        seen = {entry["id"]: root / rel for rel, entry in files.items()}
        paths = [root / p.relative_to(root.absolute()) for p in paths]
    indexes = {view: open_index(generation / view) for view in VIEWS}
    writers, purge = {}, False
    try:
        for rel, entry, testimony in _scan(root, old_files, vocabulary, report, progress,
                                           paths, seen):
            if entry is None:
                continue  # invalid or missing now: dropped below
            files[rel] = entry
            old = old_files.get(rel)
            if testimony is None or (old and old["sha256"] == entry["sha256"]
                                     and old["id"] == entry["id"]):
                continue
            writers = writers or _writers(indexes)
            purge = _add(writers, testimony, vocabulary, rel, update=True) or purge
            (report.changed if old else report.added).append(testimony.id)
        live_ids = {entry["id"] for entry in files.values()}
        for testimony_id in sorted({e["id"] for e in old_files.values()} - live_ids):
            writers = writers or _writers(indexes)
            for writer in writers.values():
                writer.delete_by_term("id", testimony_id)
            report.removed.append(testimony_id)
            purge = True
        if writers:
            # Whoosh keeps a replaced document's text in its segment until a merge. When
            # the public may now see less (a record restricted, withheld, redacted or
            # removed), merging every segment leaves no trace of the old text on disk.
            writers["public"].commit(optimize=purge)
            writers["private"].commit()
    except BaseException:
        for writer in writers.values():
            writer.cancel()
        raise
    if files != old_files:
        _write_state(generation, {"fingerprint": state["fingerprint"], "files": files},
                     state.get("index_files"))
    report.total = len(files)
    return report


def _writers(indexes: dict) -> dict:
    try:
        return {view: ix.writer(timeout=LOCK_TIMEOUT) for view, ix in indexes.items()}
    except whoosh_index.LockError:
        raise IndexBusy("The index stayed locked by another writer; try again shortly.") from None


def _add(writers: dict, testimony: Testimony, vocabulary, rel: str, update: bool = False) -> bool:
    """Index a record: its public view, and its full version where that differs.

    Returns True when the public index must be purged of the record's earlier text:
    the public now sees less of it than it may have before.
    """
    public = index_document(public_view(testimony), vocabulary, rel)
    (writers["public"].update_document if update else writers["public"].add_document)(**public)
    if differs_in_public(testimony):
        private = index_document(testimony, vocabulary, rel)
        (writers["private"].update_document if update else writers["private"].add_document)(**private)
        return True
    if update:
        writers["private"].delete_by_term("id", testimony.id)
    return False


def indexed_records(generation: Path, deep: bool = True) -> dict[str, str]:
    """{id: sha256} of the records the public index holds; `deep` also reads every stored
    document and every posting of both indexes, so that damaged files raise here."""
    refused = untrusted(generation, _read_state(generation))
    if refused:
        raise IndexUntrusted(refused[0])
    found: dict[str, str] = {}
    for view in VIEWS:
        ix = open_index(generation / view)
        with ix.searcher() as searcher:
            reader = searcher.reader()
            if view == "public":
                for docnum in reader.all_doc_ids():
                    fields = reader.stored_fields(docnum)
                    found[fields["id"]] = fields["sha256"]
            elif deep:
                for docnum in reader.all_doc_ids():
                    reader.stored_fields(docnum)
            if deep:
                for fieldname in reader.indexed_field_names():
                    for term in reader.lexicon(fieldname):
                        for _ in reader.postings(fieldname, term).all_ids():
                            pass
    return found


def read_state(generation: Path) -> dict | None:
    """What each record file was when indexed, or None when state.json is unreadable."""
    return _read_state(generation)


def _read_state(generation: Path) -> dict | None:
    try:
        state = json.loads((generation / "state.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("files"), dict) else None


def _write_state(generation: Path, state: dict, known_digests: dict | None = None) -> None:
    """Write the signed state; `known_digests` spares hashing files already hashed."""
    state = sign(dict(state, index_files=index_file_digests(generation, known_digests)))
    _atomic_write(generation / "state.json", json.dumps(state, separators=(",", ":")))


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
    state = _read_state(generation)
    if untrusted(generation, state) or not _unsigned_tocs(generation, state):
        return untrusted(generation, state)
    lock = FileLock(str(Path(index_dir) / ".lock"))
    if not _acquire(lock, LOCK_TIMEOUT):
        raise IndexBusy(f"{index_dir} stayed locked by another process for {LOCK_TIMEOUT:.0f} s.")
    try:
        state = _read_state(generation)  # again, under the lock: a writer may have signed
        if state and not untrusted(generation, state):
            _remove_unsigned_tocs(generation, state)
    finally:
        lock.release()
    return untrusted(generation, state)


def _unsigned_tocs(generation: Path, state: dict) -> list[Path]:
    signed = state.get("index_files", {})
    return [toc for view in VIEWS for toc in (generation / view).glob("*.toc")
            if f"{view}/{toc.name}" not in signed]


def _remove_unsigned_tocs(generation: Path, state: dict) -> None:
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


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_folder(path.parent)


def _fsync_tree(folder: Path) -> None:
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            with open(Path(parent) / name, "rb") as handle:
                os.fsync(handle.fileno())
        fsync_folder(Path(parent))


def _switch(index_dir: Path, generation: Path) -> None:
    _atomic_write(index_dir / "CURRENT", generation.name + "\n")


def _remove_old_generations(index_dir: Path, keep: Path) -> None:
    for folder in index_dir.glob("gen-*"):
        if folder != keep and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


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
