"""The only writer of the Whoosh index: schema, full and incremental builds.

The folder it writes into, its generations and their signed state, are `generations.py`'s.
A full rebuild writes a new generation and switches to it only when it is complete and on
disk; `archive index` updates the live generation in place (Whoosh commits are atomic). A
rebuild of many records runs in several processes, each reading and indexing its own share
of the files into segments of its own.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import queue
import shutil
import sys
import threading
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions, tokens
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from .analysis import (TextTokenizer, follower_code, indexed_terms, name_analyzer,
                       spelling_words, text_analyzer)
from .collection import VOCABULARY_FILE, read_record, record_entries
from .errors import IndexBusy, IndexUntrusted, InvalidTestimony
from .generations import (LOCK_TIMEOUT, VIEWS, IndexLock, current_generation, fsync_tree,
                          read_state, remove_old_generations, remove_unsigned_tocs, switch,
                          untrusted, write_state)
from .records import Testimony
from .redaction import hidden_parts, public_view
from .rendering import plain_text
from .validation import Problem
from .vocabulary import Vocabulary, load_vocabulary
from .writing import atomic_write

SCHEMA_VERSION = 6
PARALLEL_FROM = 4000  # records; below this a second process costs more than it saves
MAX_PROCESSES = 4  # each process writes its own segments, and every search visits each one
BUILD_MEMORY_MB = 512  # per writing process, before Whoosh spills postings to disk
SEGMENT_RECORDS = 2500  # records in each segment a rebuild writes (their postings fit in memory)
SMALL_RECORDS = 250  # a segment smaller than this was left by edits
SMALL_SEGMENTS = 8  # this many small segments are merged into one


def _dumps(value, protocol=None) -> bytes:
    """Pickle as Whoosh's codec does, with protocol 4 instead of its protocol 2.

    Under protocol 2 each bytes object (each posting's positions) becomes a call to
    `codecs.encode` when it is read back: unpickling a common word's 206 blocks of
    postings took 10 ms, and takes 2 ms under protocol 4, from blocks half the size.
    Reading needs no change: `pickle.loads` reads every protocol.
    """
    return pickle.dumps(value, 4)


whoosh3.dumps = _dumps  # the codec pickles only what it writes: postings and term infos


def _codec() -> whoosh3.W3Codec:
    """Whoosh's codec, compressing blocks of postings at zlib's level 1 instead of 3: a
    rebuild is a tenth faster, the index 3% larger, and reading the same."""
    return whoosh3.W3Codec(compression=1)


class PackedPositions(Positions):
    """A word's positions in a text, each with the `follower_code` of the word after it:
    a typecode (`H` when every position is below 65,536, else `I`), the codes, one byte
    each, then the positions as packed little-endian integers.

    Two common words are both in 22,000 of 34,000 records; as a phrase, in 200. Whoosh
    unpickles and compares both words' positions in every one of the 22,000; here a
    search looks for the second word's code among the first word's followers (one
    `bytes.find`), and compares positions only where it is found.
    """

    def word_values(self, value, analyzer, **kwargs):
        kwargs["positions"] = True
        found: dict[str, list] = {}
        at: dict[int, str] = {}
        for token in tokens(value, analyzer, kwargs):
            if token.pos in at:
                raise ValueError("PackedPositions needs one term at each position")
            at[token.pos] = token.text
            found.setdefault(token.text, [0.0, []])
            found[token.text][0] += token.boost
            found[token.text][1].append(token.pos)
        for text, (boost, poslist) in found.items():
            followers = [follower_code(at[p + 1]) if p + 1 in at else 0 for p in poslist]
            yield text, len(poslist), boost * self.field_boost, self.encode(poslist, followers)

    def encode(self, poslist, followers) -> bytes:
        packed = array("H" if poslist[-1] < 65536 else "I", poslist)
        if sys.byteorder == "big":
            packed.byteswap()
        return packed.typecode.encode("ascii") + bytes(followers) + packed.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return unpack_positions(valuestring).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return position_count(valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def combine(self, vs) -> bytes:
        """One value for the positions of several (a wildcard's words in a document)."""
        followed = {}
        for value in vs:
            followed.update(zip(unpack_positions(value), followers(value)))
        ordered = sorted(followed)
        return self.encode(ordered, [followed[position] for position in ordered])


def position_count(valuestring: bytes) -> int:
    """How many positions a `PackedPositions` value holds: after the typecode, a byte of
    follower and two (`H`) or four (`I`) of position each."""
    return (len(valuestring) - 1) // (3 if valuestring[0] == 72 else 5)  # 72: b"H"


def followers(valuestring: bytes) -> bytes:
    """The follower codes a `PackedPositions` value holds, one a position."""
    return valuestring[1:1 + position_count(valuestring)]


def unpack_positions(valuestring: bytes) -> array:
    """The positions a `PackedPositions` value holds."""
    positions = array(chr(valuestring[0]), valuestring[1 + position_count(valuestring):])
    if sys.byteorder == "big":
        positions.byteswap()
    return positions


class ArchiveText(TEXT):
    """A text field whose words are indexed in one loop (`indexed_terms`), with their
    positions packed (`PackedPositions`).

    It gives Whoosh the same terms, frequencies, weights and positions as its own path
    through the analyzer (a test compares them), in about half the time.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.format = PackedPositions(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str) or type(self.format) is not PackedPositions \
                or not isinstance(self.analyzer, TextTokenizer):
            return super().index(value, **kwargs)
        boost, encode, postings = self.format.field_boost, self.format.encode, []
        for term, (found, followers) in indexed_terms(value).items():
            if len(found) == 1 and found[0] < len(_AT):  # most terms of a text
                encoded = _FOLLOWED_BY[followers[0]] + _AT[found[0]]
            else:
                encoded = encode(found, followers)
            postings.append((term.encode("utf-8"), len(found), len(found) * boost, encoded))
        return postings


# A single position's value, in pieces made once: `H`, the follower, the position.
_FOLLOWED_BY = [b"H" + bytes((code,)) for code in range(256)]
_AT = [position.to_bytes(2, "little") for position in range(8192)]


def make_schema() -> Schema:
    """The index schema: searchable text, exact facet fields, and what result lists show."""
    text = text_analyzer()

    def searchable(boost=1.0, stored=False):
        # A query word that analyses into several tokens (`자유를` -> `자유`, `유를`;
        # `e-mail`) must match them in sequence: multitoken_query="phrase".
        return ArchiveText(analyzer=text, stored=stored, field_boost=boost,
                           multitoken_query="phrase")

    return Schema(
        id=ID(stored=True, unique=True),
        path=STORED,
        sha256=STORED,
        title=searchable(3.0, stored=True),
        summary=searchable(1.5, stored=True),
        body=searchable(stored=True),
        post=searchable(1.5, stored=True),
        names=TEXT(analyzer=name_analyzer(), field_boost=3.0, multitoken_query="and"),
        country_text=searchable(),
        motive_text=searchable(2.5),
        tags=KEYWORD(lowercase=True, commas=True, scorable=True),
        # The document's spelling words, kept so that an update can take them off the
        # view's word table (`words-<generation>.json`) exactly.
        words=STORED,
        # In the private view: what the public may not see of the record (hidden_parts),
        # to tell whether a correction hides more than before.
        hidden=STORED,
        motive=KEYWORD(commas=True, stored=True),
        sector=ID(stored=True),
        country=ID(stored=True),
        gender=ID(stored=True),
        language=ID(stored=True),
        access=ID(stored=True),
        # One term per year, not eight tiers: a range spans a few dozen years at most.
        year=NUMERIC(stored=True, sortable=True, shift_step=0),
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
        "words": " ".join(spelling_words(testimony.title, summary, body, testimony.post,
                                         testimony.country, *labels)),
        "motive": ",".join(testimony.motives), "sector": testimony.sector,
        "country": testimony.country, "gender": testimony.gender,
        "language": testimony.language, "access": testimony.access, "year": testimony.year,
    }
    return {key: value for key, value in doc.items() if value not in (None, "")}


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


def update_index(testimonies_dir: str | Path, index_dir: str | Path, rebuild: bool = False,
                 progress: Callable[[int, int], None] | None = None,
                 only: list[Path] | None = None, processes: int | None = None) -> IndexReport:
    """Bring the index up to date with the records; rebuild it whole when asked or needed.

    `only` names the record files known to have changed (added, edited or deleted), so
    that saving one record does not look at every other file. A rebuild runs in
    `processes` processes (by default one per core, up to four, from 4,000 records).
    """
    started = time.monotonic()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with IndexLock(index_dir):  # one writer at a time, whichever process
        vocabulary_path = Path(testimonies_dir) / VOCABULARY_FILE
        vocabulary = load_vocabulary(vocabulary_path)
        fingerprint = _fingerprint(vocabulary_path)
        generation = current_generation(index_dir)
        state = read_state(generation) if generation else None
        if state:
            remove_unsigned_tocs(generation, state)  # debris of a killed commit (we hold the lock)
        if (rebuild or state is None or state.get("fingerprint") != fingerprint
                or untrusted(generation, state)):  # never open what we did not write
            report = _build(testimonies_dir, index_dir, vocabulary, fingerprint, progress,
                            processes)
        else:
            report = _update(testimonies_dir, generation, state, vocabulary, progress, only)
    report.seconds = time.monotonic() - started
    return report


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
            seen[known["id"]] = os.path.join(root, rel)  # a Path each costs 0.3 s at 34,000
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
                yield rel, _file_entry(testimony, size, mtime_ns), testimony
        if progress:
            progress(done, len(entries))


def _file_entry(testimony: Testimony, size: int, mtime_ns: int) -> dict:
    """What the index state keeps of a record file, to tell later whether it changed."""
    return {"id": testimony.id, "sha256": testimony.sha256, "size": size, "mtime_ns": mtime_ns}


def _build(testimonies_dir, index_dir: Path, vocabulary, fingerprint, progress,
           processes: int | None = None) -> IndexReport:
    report = IndexReport(rebuilt=True)
    generation = index_dir / f"gen-{time.time_ns()}"
    root = Path(testimonies_dir)
    try:
        indexes = {}
        for view in VIEWS:
            (generation / view).mkdir(parents=True)
            indexes[view] = whoosh_index.create_in(str(generation / view), make_schema())
        entries, problems, total = _unique_entries(root, vocabulary)
        parts = _index_parts(generation, root, entries, vocabulary, processes,
                             _Progress(progress, total, total - len(entries)))
        files, words = {}, {view: Counter() for view in VIEWS}
        for part in parts:
            files.update(part.files)
            report.added += part.added
            problems += part.problems
            for view in VIEWS:
                words[view].update(part.words[view])
        for view in VIEWS:
            _commit_segments(indexes[view], [segment for part in parts
                                             for segment in part.segments[view]])
            _write_words(generation / view, indexes[view].latest_generation(), words[view])
        report.problems = [p for _, found in sorted(problems, key=lambda item: item[0])
                           for p in found]
        write_state(generation, {"fingerprint": fingerprint, "files": files})
        fsync_tree(generation)
        switch(index_dir, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    remove_old_generations(index_dir, keep=generation)
    report.total = len(files)
    return report


def _unique_entries(root: Path, vocabulary):
    """The record files to index, the problems of files that reuse an id, and how many
    files there are.

    An id is a file's name; of several files with one id (in different folders) the first
    valid one in path order is indexed, as `read_archive` reads them.
    """
    entries = list(enumerate(record_entries(root)))
    stems = Counter(PurePosixPath(rel).stem for _, (rel, _, _) in entries)
    shared = {stem for stem, count in stems.items() if count > 1}
    if not shared:
        return entries, [], len(entries)
    kept, problems, seen = [], [], {}
    for number, entry in entries:
        if PurePosixPath(entry[0]).stem in shared:
            try:
                read_record(root / entry[0], vocabulary, seen)
            except InvalidTestimony as exc:
                problems.append((number, exc.problems))
                continue
        kept.append((number, entry))
    return kept, problems, len(entries)


class _Progress:
    """Reports records done out of the total to a progress callback (or nowhere)."""

    def __init__(self, callback, total: int, done: int = 0) -> None:
        self.callback, self.total, self.done = callback, total, done

    def tick(self, done: int | None = None) -> None:
        self.done = self.done + 1 if done is None else done
        if self.callback:
            self.callback(self.done, self.total)


@dataclass
class _Part:
    """What one process of a build indexed: its segments, files, ids, problems and words."""

    segments: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    added: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    words: dict = field(default_factory=lambda: {view: Counter() for view in VIEWS})


def _index_parts(generation: Path, root: Path, entries: list, vocabulary, processes,
                 progress: _Progress) -> list[_Part]:
    """Index the records into new segments, in several processes when that is quicker.

    Each process reads, checks and indexes its own share of the files into segments of
    its own; nothing passes between processes but file names and the finished segments.
    """
    processes = processes or _processes_for(len(entries))
    if processes <= 1 or len(entries) < 2:
        return [_index_part(generation, root, entries, vocabulary, progress.tick)]
    size = -(-len(entries) // processes)
    shares = [entries[start:start + size] for start in range(0, len(entries), size)]
    context = multiprocessing.get_context(_start_method())
    counter, results = context.Value("q", 0), context.Queue()
    workers = [context.Process(target=_part_process, daemon=True,
                               args=(number, generation, root, share, vocabulary, counter,
                                     results))
               for number, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    parts: dict[int, _Part] = {}
    start = progress.done
    try:
        while len(parts) < len(workers):
            try:
                number, outcome = results.get(timeout=0.25)
            except queue.Empty:
                _check_alive(workers, parts)
            else:
                if isinstance(outcome, BaseException):
                    raise outcome
                parts[number] = outcome
            progress.tick(start + counter.value)
    finally:
        for worker in workers:
            if worker.is_alive() and len(parts) < len(workers):
                worker.terminate()
            worker.join()
    return [parts[number] for number in range(len(workers))]


def _processes_for(records: int) -> int:
    if records < PARALLEL_FROM:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_PROCESSES))


def _start_method() -> str:
    """Fork where it is safe (a single thread: the command line), else start afresh (a
    threaded server, where a forked child could inherit a lock held by another thread)."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _check_alive(workers: list, parts: dict) -> None:
    for number, worker in enumerate(workers):
        if number not in parts and worker.exitcode not in (None, 0):
            raise RuntimeError(f"a process building the index stopped with exit code "
                               f"{worker.exitcode}; the previous index is untouched: see "
                               "the messages above, then run `archive index --rebuild` again")


def _part_process(number, generation, root, entries, vocabulary, counter, results) -> None:
    """The body of one build process: index a share of the files, send back the part."""
    def tick():
        with counter.get_lock():
            counter.value += 1
    try:
        results.put((number, _index_part(generation, root, entries, vocabulary, tick)))
    except BaseException as exc:  # noqa: BLE001 - the parent re-raises it
        results.put((number, exc))


def _index_part(generation: Path, root: Path, entries: list, vocabulary, tick) -> _Part:
    """Read, check and index some record files into new segments of each view.

    A public segment is closed every `SEGMENT_RECORDS` records: Whoosh sorts a segment's
    postings in memory up to `BUILD_MEMORY_MB` and spills them to disk beyond it, and
    merging what it spilled made a build half as slow again.
    """
    part = _Part(segments={view: [] for view in VIEWS})
    writers = {view: _PartWriter(open_index(generation / view),
                                 BUILD_MEMORY_MB if view == "public" else 64)
               for view in VIEWS}
    try:
        for done, (number, (rel, size, mtime_ns)) in enumerate(entries, start=1):
            try:
                testimony, warnings = read_record(root / rel, vocabulary, {})
            except InvalidTestimony as exc:
                part.problems.append((number, exc.problems))
            else:
                if warnings:
                    part.problems.append((number, warnings))
                part.files[rel] = _file_entry(testimony, size, mtime_ns)
                _add(writers, testimony, vocabulary, rel, part.words)
                part.added.append(testimony.id)
            if done % SEGMENT_RECORDS == 0 and done < len(entries):
                part.segments["public"].append(_finish_part(writers["public"]))
                writers["public"] = _PartWriter(open_index(generation / "public"),
                                                BUILD_MEMORY_MB)
            tick()
        for view, writer in writers.items():
            part.segments[view].append(_finish_part(writer))
    except BaseException:
        for writer in writers.values():
            if not writer.is_closed:
                writer.cancel()
        raise
    return part


class _PartWriter(SegmentWriter):
    """Whoosh's segment writer for one process of a build.

    It takes no lock (the build holds the archive's) and, when it writes the postings,
    reads each document's field lengths from a list in memory rather than from the
    lengths file, one read per posting (an eighth of a build's time otherwise).
    """

    def __init__(self, ix, limitmb: int) -> None:
        # Not compound: copying every file of a segment into one costs a build a pass
        # over the whole index, and searches open the files alike either way.
        super().__init__(ix, _lk=False, limitmb=limitmb, compound=False, codec=_codec())

    def _flush_segment(self):
        if not self.codec.length_stats:
            return super()._flush_segment()
        self.perdocwriter.close()  # as Whoosh's own, but with lengths held in memory
        lengths = _Lengths(self.per_document_reader())
        try:
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            lengths.close()


class _Lengths:
    """Each document's length in each field, read once from a per-document reader."""

    def __init__(self, reader) -> None:
        self._reader, self._fields = reader, {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._fields.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = self._fields[fieldname] = [
                read(number, fieldname, default) for number in range(self._reader.doc_count_all())]
        return lengths[docnum]

    def close(self) -> None:
        self._reader.close()


def _finish_part(writer: SegmentWriter):
    """Close a part's segment and return it (None when it holds no document).

    The parts share the index's temporary folder; the writer that commits them all
    removes it (`_commit_segments`), as in Whoosh's own multiprocess writer.
    """
    if writer._added:
        return writer._finalize_segment()
    writer._close_segment()
    return None


def _commit_segments(ix, segments: list) -> None:
    """Make the parts' segments the content of a new index, as Whoosh's own multiprocess
    writer does: one table of contents listing them all."""
    writer = ix.writer()
    try:
        writer._close_segment()
        writer._commit_toc([segment for segment in segments if segment is not None])
    finally:
        writer._finish()


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
        seen = {entry["id"]: os.path.join(root, rel) for rel, entry in files.items()}
        paths = [root / p.relative_to(root.absolute()) for p in paths]
    indexes = {view: open_index(generation / view) for view in VIEWS}
    writers, readers, words, purge = {}, {}, {}, False

    def start():  # on the first change: the writers, and what is indexed now
        readers.update({view: ix.reader() for view, ix in indexes.items()})
        words.update({view: load_words(generation / view, readers[view]) for view in VIEWS})
        writers.update(_writers(indexes))

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
            writers or start()
            before = _indexed(readers, testimony.id)
            _forget_words(before, words)
            purge = _add(writers, testimony, vocabulary, rel, words, before) or purge
            (report.changed if old else report.added).append(testimony.id)
        live_ids = {entry["id"] for entry in files.values()}
        for testimony_id in sorted({e["id"] for e in old_files.values()} - live_ids):
            writers or start()
            _forget_words(_indexed(readers, testimony_id), words)
            for writer in writers.values():
                writer.delete_by_term("id", testimony_id)
            report.removed.append(testimony_id)
            purge = True
        if writers:
            # Whoosh keeps a replaced document's text in its segment until a merge. When
            # the public may now see less (a record restricted, withheld, redacted or
            # removed), the segments holding old text are rewritten without it.
            writers["public"].commit(mergetype=_purge if purge else _merge_small)
            writers["private"].commit(mergetype=_merge_small)
            for view in VIEWS:
                _write_words(generation / view, indexes[view].latest_generation(), words[view])
    except BaseException:
        for writer in writers.values():
            writer.cancel()
        raise
    finally:
        for reader in readers.values():
            reader.close()
    if files != old_files:
        write_state(generation, {"fingerprint": state["fingerprint"], "files": files},
                     state.get("index_files"))
    report.total = len(files)
    return report


def _writers(indexes: dict) -> dict:
    try:
        return {view: ix.writer(timeout=LOCK_TIMEOUT, codec=_codec())
                for view, ix in indexes.items()}
    except whoosh_index.LockError:
        raise IndexBusy("The index stayed locked by another writer; try again shortly.") from None


def _add(writers: dict, testimony: Testimony, vocabulary, rel: str, words: dict,
         before: dict | None = None) -> bool:
    """Index a record: its public view, and its full version where that differs.

    Each view's word table counts the record's words. `before` (on update) holds what each
    view indexed of the record until now. Returns True when the public index must be
    purged of the record's earlier text: the public now sees less of it than before.
    """
    update = before is not None
    public = index_document(public_view(testimony), vocabulary, rel)
    (writers["public"].update_document if update else writers["public"].add_document)(**public)
    words["public"].update(public.get("words", "").split())
    hidden = hidden_parts(testimony)
    if hidden:
        private = dict(index_document(testimony, vocabulary, rel), hidden="\n".join(sorted(hidden)))
        (writers["private"].update_document if update else writers["private"].add_document)(**private)
        words["private"].update(private.get("words", "").split())
    elif update:
        writers["private"].delete_by_term("id", testimony.id)
    if not update or before["public"] is None:
        return False
    hidden_before = set(before["private"].get("hidden", "").split("\n")) \
        if before["private"] else set()
    return not hidden <= hidden_before


def _indexed(readers: dict, testimony_id: str) -> dict:
    """The stored fields each view holds of a record now (None where it holds none)."""
    found = {}
    for view, reader in readers.items():
        found[view] = None
        if ("id", testimony_id) in reader:
            for docnum in reader.postings("id", testimony_id).all_ids():
                if not reader.is_deleted(docnum):
                    found[view] = reader.stored_fields(docnum)
    return found


def _forget_words(before: dict, words: dict) -> None:
    """Take a record's indexed words off each view's word table, before it is replaced
    or removed, so that no word outlives the text it came from."""
    for view, stored in before.items():
        if stored:
            words[view].subtract(stored.get("words", "").split())


def _purge(writer, segments: list) -> list:
    """A merge policy: rewrite every segment that holds deleted documents, so that their
    text leaves the disk, and keep the others (small ones merged as usual).

    Whoosh keeps a deleted document's text in its segment's files until that segment is
    merged; only those segments need rewriting, not the whole index (a rebuild's segments
    hold 2,500 records each).
    """
    _merge_into(writer, [segment for segment in segments if segment.has_deletions()])
    return _merge_small(writer, [segment for segment in segments if not segment.has_deletions()])


def _merge_small(writer, segments: list) -> list:
    """A merge policy: once edits have left `SMALL_SEGMENTS` small segments, merge them
    into one; never touch a rebuild's large segments.

    Whoosh's own policy merges by a Fibonacci rule that, over the forty segments of
    100,000 records, merged 62,500 records on an ordinary edit (minutes).
    """
    small = [segment for segment in segments if segment.doc_count_all() < SMALL_RECORDS]
    if len(small) < SMALL_SEGMENTS:
        return segments
    _merge_into(writer, small)
    return [segment for segment in segments if segment.doc_count_all() >= SMALL_RECORDS]


def _merge_into(writer, segments: list) -> None:
    """Copy the live documents of some segments into the writer's new segment; the old
    segments' files go when the commit leaves them out of the table of contents."""
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()


WORDS_FILE = "words-{generation}.json"


def load_words(folder: Path, reader) -> Counter:
    """How many documents of an index view hold each spelling word.

    The table is kept beside the view, one file per Whoosh generation; when it is missing
    (a commit killed before it was written) it is counted again from the documents.
    """
    try:
        text = (folder / WORDS_FILE.format(generation=reader.generation())).read_text("utf-8")
        return Counter(json.loads(text))
    except (FileNotFoundError, ValueError):
        counts = Counter()
        for stored in reader.all_stored_fields():
            counts.update(stored.get("words", "").split())
        return counts


def _write_words(folder: Path, generation: int, words: Counter) -> None:
    """Write a view's word table for its new generation, and remove the earlier ones."""
    table = {word: count for word, count in sorted(words.items()) if count > 0}
    name = WORDS_FILE.format(generation=generation)
    atomic_write(folder / name, json.dumps(table, ensure_ascii=False, separators=(",", ":")))
    for old in folder.glob(WORDS_FILE.format(generation="*")):
        if old.name != name:
            old.unlink()


def indexed_records(generation: Path, deep: bool = True) -> dict[str, str]:
    """{id: sha256} of the records the public index holds; `deep` also reads every stored
    document and every posting of both indexes, so that damaged files raise here."""
    refused = untrusted(generation, read_state(generation))
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
