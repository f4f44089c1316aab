"""A full rebuild: a new generation written in several processes, each reading, checking
and indexing its own share of the record files into segments of its own; the generation
becomes live only when it is complete and on disk."""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import InvalidTestimony
from ..records.collection import read_record, record_entries
from .documents import Reading, file_entry, state_of
from .engine import VIEWS, PartWriters, commit_parts, create_views
from .engine.generations import fsync_tree, remove_old_generations, switch, write_state

PARALLEL_FROM = 4000  # records; below this a second process costs more than it saves
MAX_PROCESSES = 4  # each process writes its own segments, and every search visits each one
SEGMENT_RECORDS = 2500  # records in each segment a rebuild writes (their postings fit in memory)


@dataclass
class Built:
    """What a rebuild indexed: the files, the ids added, and the problems of the others."""

    files: dict
    added: list
    problems: list


def build_index(testimonies_dir, index_dir: Path, reading: Reading, fingerprint: str, progress,
                processes: int | None = None) -> Built:
    """Write a new generation holding every valid record, then make it the live one."""
    added: list[str] = []
    generation = index_dir / f"gen-{time.time_ns()}"
    root = Path(testimonies_dir)
    try:
        create_views(generation)
        entries, problems, total = _unique_entries(root, reading)
        parts = _index_parts(generation, root, entries, reading, processes,
                             _Progress(progress, total, total - len(entries)))
        files, words = {}, {view: Counter() for view in VIEWS}
        segments: dict[str, list] = {view: [] for view in VIEWS}
        for part in parts:
            files.update(part.files)
            added += part.added
            problems += part.problems
            for view in VIEWS:
                words[view].update(part.words[view])
                segments[view] += part.segments[view]
        commit_parts(generation, segments, words)
        write_state(generation, state_of(fingerprint, files))
        fsync_tree(generation)
        switch(index_dir, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    remove_old_generations(index_dir, keep=generation)
    return Built(files, added, [p for _, found in sorted(problems, key=lambda item: item[0])
                                for p in found])


def _unique_entries(root: Path, reading: Reading):
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
                read_record(root / entry[0], reading.vocabulary, seen, reading.default_access)
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


def _index_parts(generation: Path, root: Path, entries: list, reading: Reading, processes,
                 progress: _Progress) -> list[_Part]:
    """Index the records into new segments, in several processes when that is quicker.

    Each process reads, checks and indexes its own share of the files into segments of
    its own; nothing passes between processes but file names and the finished segments.
    """
    processes = processes or _processes_for(len(entries))
    if processes <= 1 or len(entries) < 2:
        return [_index_part(generation, root, entries, reading, progress.tick)]
    size = -(-len(entries) // processes)
    shares = [entries[start:start + size] for start in range(0, len(entries), size)]
    context = multiprocessing.get_context(_start_method())
    counter, results = context.Value("q", 0), context.Queue()
    workers = [context.Process(target=_part_process, daemon=True,
                               args=(number, generation, root, share, reading, counter,
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


def _part_process(number, generation, root, entries, reading, counter, results) -> None:
    """The body of one build process: index a share of the files, send back the part."""
    def tick():
        with counter.get_lock():
            counter.value += 1
    try:
        results.put((number, _index_part(generation, root, entries, reading, tick)))
    except BaseException as exc:  # noqa: BLE001 - the parent re-raises it
        results.put((number, exc))


def _index_part(generation: Path, root: Path, entries: list, reading: Reading, tick) -> _Part:
    """Read, check and index some record files into new segments of each view.

    A public segment is closed every `SEGMENT_RECORDS` records: its postings are sorted
    in memory, and merging what spilled to disk beyond that made a build half as slow again.
    """
    part = _Part()
    writers = PartWriters(generation)
    try:
        for done, (number, (rel, size, mtime_ns)) in enumerate(entries, start=1):
            try:
                testimony, warnings = read_record(root / rel, reading.vocabulary, {},
                                                  reading.default_access)
            except InvalidTestimony as exc:
                part.problems.append((number, exc.problems))
            else:
                if warnings:
                    part.problems.append((number, warnings))
                part.files[rel] = file_entry(testimony, size, mtime_ns, reading.today, root)
                documents = reading.documents(testimony, rel)
                for view in VIEWS:
                    document = documents.by_view[view]
                    if document is not None:
                        writers.add(view, document)
                        part.words[view].update(documents.words(view))
                part.added.append(testimony.id)
            if done % SEGMENT_RECORDS == 0 and done < len(entries):
                writers.next_segment("public")
            tick()
        part.segments = writers.finish()
    except BaseException:
        writers.cancel()
        raise
    return part
