"""What the views above the public (researchers', archivists') cost an index: a full
rebuild of a records folder into a temporary index, as `archive index --rebuild` runs it,
with the time each view takes (making its documents, adding them to its writer, closing
its segments, writing its table of words) and each view's documents and size on disk.

The build's processes are forked from this one, so the timers patched in here run in
them too; each process appends its times to a file when it finishes, and they are added
up here. The times are process-seconds: with several processes they add up to more than
the build's wall time, and the shares are of their sum. Benchmarks are not tests.

Usage: python bench/views.py [RECORDS] [--processes P]   (RECORDS: bench/.work/t34000-tr0p1)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import archive.search.building as building  # noqa: E402
import archive.search.documents as documents  # noqa: E402
import archive.search.engine.building as engine_building  # noqa: E402
from archive.search.engine import VIEWS, open_index  # noqa: E402
from archive.search.engine.generations import current_generation  # noqa: E402
from archive.search.indexing import update_index  # noqa: E402

TIMES = "BENCH_VIEW_TIMES"  # the file each build process appends its times to
STEPS = ("documents", "add", "segments", "words")
_times: dict[str, Counter] = {view: Counter() for view in VIEWS}  # this process's, by step
_making = ["public"]  # the view whose document is being made


def _note(view: str, step: str, started: float) -> None:
    _times[view][step] += time.perf_counter() - started


class TimedWriters(building.PartWriters):
    """The build's writers of one process, timing each view's part of the work; when the
    process finishes, its times go to the file named by $BENCH_VIEW_TIMES."""

    def __init__(self, generation: Path) -> None:
        self.started = time.perf_counter()
        super().__init__(generation)

    def _writer(self, view: str):
        started = time.perf_counter()
        try:
            return super()._writer(view)
        finally:
            _note(view, "segments", started)

    def add(self, view: str, document: dict) -> None:
        started = time.perf_counter()
        super().add(view, document)
        _note(view, "add", started)

    def next_segment(self, view: str) -> None:
        started = time.perf_counter()
        super().next_segment(view)
        _note(view, "segments", started)

    def finish(self) -> dict[str, list]:
        for view, writer in self.writers.items():  # as PartWriters.finish, a view at a time
            started = time.perf_counter()
            self.segments[view].append(engine_building._finish(writer))
            _note(view, "segments", started)
        with open(os.environ[TIMES], "a", encoding="utf-8") as out:
            out.write(json.dumps({"process": time.perf_counter() - self.started,
                                  "views": _times}) + "\n")
        return self.segments


def _timed(function, step: str, view_of):
    """`function`, its time added to the view `view_of(args)` names under `step`."""
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _note(view_of(args), step, started)
    return timed


def _making_view(args) -> str:
    _making[0] = args[1]  # view_for(testimony, audience, today): the next document's view
    return args[1]


def patch() -> dict[str, float]:
    """Time the build's work by view (in this process and the ones it forks); the
    parent's commit of all views is timed into the dict returned."""
    commit = {"seconds": 0.0}
    building.PartWriters = TimedWriters
    documents.view_for = _timed(documents.view_for, "documents", _making_view)
    documents.hidden_parts = _timed(documents.hidden_parts, "documents",
                                    lambda args: args[1] if len(args) > 1 else "public")
    documents._document = _timed(documents._document, "documents", lambda args: _making[0])
    engine_building.write_words = _timed(engine_building.write_words, "words",
                                         lambda args: Path(args[0]).name)
    commit_parts = building.commit_parts

    def timed_commit(*args):
        started = time.perf_counter()
        commit_parts(*args)
        commit["seconds"] += time.perf_counter() - started
    building.commit_parts = timed_commit
    return commit


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="?", default=HERE / ".work" / "t34000-tr0p1")
    parser.add_argument("--processes", type=int, default=None,
                        help="Build processes [default: as `archive index`, by records and cores].")
    args = parser.parse_args()
    if not args.records.is_dir():
        sys.exit(f"{args.records} is not a folder of records; generate one with "
                 f"`python bench/generate.py N {args.records}`.")
    commit = patch()
    with tempfile.TemporaryDirectory(prefix="bench-views-") as folder:
        index, times = Path(folder) / "index", Path(folder) / "times.jsonl"
        times.touch()
        os.environ[TIMES] = str(times)
        started = time.perf_counter()
        report = update_index(args.records, index, rebuild=True, processes=args.processes)
        wall = time.perf_counter() - started
        parts = [json.loads(line) for line in times.read_text(encoding="utf-8").splitlines()]
        generation = current_generation(index)
        counts, sizes = {}, {}
        for view in VIEWS:
            ix = open_index(generation / view)
            counts[view] = ix.doc_count()
            ix.close()
            sizes[view] = folder_mb(generation / view)
        total_mb = folder_mb(index)
    spent = {view: Counter() for view in VIEWS}
    for part in parts:
        for view in VIEWS:
            spent[view].update(part["views"][view])
            spent[view]["words"] = _times[view]["words"]  # the commit's, in this process only
    process_seconds = sum(part["process"] for part in parts) + commit["seconds"]

    print(f"# {report.total:,} records of {args.records}; a full rebuild in {len(parts)} "
          f"process{'es' if len(parts) != 1 else ''}: {wall:.1f} s (wall), "
          f"{process_seconds:.1f} process-seconds, of which the commit of all views "
          f"{commit['seconds']:.1f} s; index {total_mb:.1f} MB\n")
    print("| view | documents | size | share of the size | making its documents | adding "
          "| closing segments | words table | its time | share of the build |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = [(view, counts[view], sizes[view], spent[view]) for view in VIEWS]
    above = [row for row in rows if row[0] != "public"]
    rows.append(("views above the public", sum(r[1] for r in above), sum(r[2] for r in above),
                 sum((r[3] for r in above), Counter())))
    for view, count, size, seconds in rows:
        own = sum(seconds[step] for step in STEPS)
        steps = " | ".join(f"{seconds[step]:.2f} s" for step in STEPS)
        print(f"| {view} | {count:,} | {size:.1f} MB | {size / total_mb:.1%} | {steps} | "
              f"{own:.2f} s | {own / process_seconds:.1%} |")
    print("\nThe rest of a build is shared by the views: reading and checking the records, "
          "and the index's state. A view above the public holds only the records its "
          "audience sees more of than the view below; the share of the size is of the "
          "whole index folder.")


if __name__ == "__main__":
    main()
