"""Building and updating the index: incremental runs, atomic rebuilds, locks."""

from __future__ import annotations

import threading
import time

import pytest
from whoosh.util.filelock import FileLock

from archive.errors import IndexBusy
from archive.records.collection import vocabulary_for
from archive.search.engine import generations
from archive.search.engine.generations import current_generation
from archive.search.indexing import describe, next_lapse, update_index
from archive.search.searching import ArchiveIndex, SearchRequest

from ..helpers import write_record


def ids(paths, query="", private=False):
    index = ArchiveIndex(paths.index, vocabulary_for(paths.testimonies), "archivists" if private else "public")
    try:
        return sorted(h.id for h in index.matching(SearchRequest(query)))
    finally:
        index.close()


def test_first_run_builds_then_second_run_reads_only_changes(empty_archive):
    folder = empty_archive.testimonies
    for name in ("first-record", "second-record", "third-record"):
        write_record(folder, name)
    report = update_index(folder, empty_archive.index)
    assert report.rebuilt and sorted(report.added) == ["first-record", "second-record",
                                                       "third-record"]
    assert describe(report).startswith("Rebuilt the index: 3 records (3 added) in ")

    report = update_index(folder, empty_archive.index)
    assert (report.added, report.changed, report.removed, report.unchanged) == ([], [], [], 3)
    assert describe(report).startswith("The index is up to date: 3 records (0 added, 0 changed, "
                                       "0 removed, 3 unchanged) in ")

    write_record(folder, "second-record", body="A corrected account of the famine.\n")
    (folder / "third-record.md").unlink()
    write_record(folder, "sub/fourth-record")
    report = update_index(folder, empty_archive.index)
    assert (report.added, report.changed, report.removed, report.unchanged) == \
        (["fourth-record"], ["second-record"], ["third-record"], 1)
    assert describe(report).startswith("Updated the index: 3 records (1 added, 1 changed, "
                                       "1 removed, 1 unchanged) in ")
    assert ids(empty_archive) == ["first-record", "fourth-record", "second-record"]
    assert ids(empty_archive, "famine") == ["second-record"]


def test_touching_a_file_without_changing_it_reindexes_nothing(empty_archive):
    path = write_record(empty_archive.testimonies, "same-record")
    update_index(empty_archive.testimonies, empty_archive.index)
    path.write_bytes(path.read_bytes())  # new mtime, same content
    report = update_index(empty_archive.testimonies, empty_archive.index)
    assert (report.changed, report.unchanged) == ([], 0)


def test_invalid_files_are_reported_and_skipped(empty_archive):
    folder = empty_archive.testimonies
    write_record(folder, "good-record")
    write_record(folder, "bad-record", year="soon")
    report = update_index(folder, empty_archive.index)
    assert report.failed and report.added == ["good-record"]
    assert [p.field for p in report.problems] == ["year"]
    assert describe(report).endswith(" s.") and "1 invalid file skipped" in describe(report)
    assert ids(empty_archive) == ["good-record"]


def test_a_record_that_becomes_invalid_leaves_the_index(empty_archive):
    folder = empty_archive.testimonies
    write_record(folder, "changing-record", body="Seaweed harvest.\n")
    update_index(folder, empty_archive.index)
    write_record(folder, "changing-record", sector="nowhere")
    report = update_index(folder, empty_archive.index)
    assert report.failed and report.removed == ["changing-record"]
    assert ids(empty_archive) == []


def test_duplicate_ids_in_sub_folders_are_an_error(empty_archive):
    folder = empty_archive.testimonies
    write_record(folder, "a/twin-record")
    write_record(folder, "b/twin-record")
    report = update_index(folder, empty_archive.index)
    assert report.added == ["twin-record"]
    assert "the id 'twin-record' is already used by" in str(report.problems[0])


def test_a_duplicate_id_saved_alone_names_the_file_that_holds_it(empty_archive):
    """`update_index(only=...)` (a web save, `archive index FILE`) finds the other file
    among those it does not read again, and names it."""
    folder = empty_archive.testimonies
    write_record(folder, "a/twin-record")
    update_index(folder, empty_archive.index)
    twin = write_record(folder, "b/twin-record")
    report = update_index(folder, empty_archive.index, only=[twin])
    assert report.failed and ids(empty_archive) == ["twin-record"]
    message = str(report.problems[0])
    assert "the id 'twin-record' is already used by" in message
    assert "a/twin-record.md" in message.split("already used by")[1]


def test_a_changed_vocabulary_rebuilds_the_index(empty_archive):
    folder = empty_archive.testimonies
    write_record(folder, "seaweed-record", motives=["famine"])
    update_index(folder, empty_archive.index)
    assert ids(empty_archive, "motive:starvation") == []
    vocabulary = folder / "vocabulary.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8").replace(
        "aliases: [arduous march, 고난의 행군]", "aliases: [arduous march, 고난의 행군, starvation]"),
        encoding="utf-8")
    assert update_index(folder, empty_archive.index).rebuilt
    assert ids(empty_archive, "motive:starvation") == ["seaweed-record"]


def test_rebuild_swaps_in_a_new_generation_and_removes_the_old(sample_copy):
    update_index(sample_copy.testimonies, sample_copy.index)
    old = current_generation(sample_copy.index)
    report = update_index(sample_copy.testimonies, sample_copy.index, rebuild=True)
    new = current_generation(sample_copy.index)
    assert report.rebuilt and new != old and not old.exists()
    assert sorted(p.name for p in sample_copy.index.iterdir()) == [".lock", "CURRENT", new.name]


@pytest.mark.parametrize("stop_after", [1, 5, 17])
def test_an_interrupted_rebuild_leaves_the_previous_index_working(sample_copy, stop_after):
    update_index(sample_copy.testimonies, sample_copy.index)
    before = current_generation(sample_copy.index)
    expected = ids(sample_copy)

    def interrupt(done, total):
        if done == stop_after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index(sample_copy.testimonies, sample_copy.index, rebuild=True, progress=interrupt)
    assert current_generation(sample_copy.index) == before
    assert [p.name for p in sample_copy.index.glob("gen-*")] == [before.name]
    assert ids(sample_copy) == expected


def test_deleting_the_index_loses_nothing(sample_copy):
    update_index(sample_copy.testimonies, sample_copy.index)
    expected = ids(sample_copy)
    import shutil
    shutil.rmtree(sample_copy.index)
    update_index(sample_copy.testimonies, sample_copy.index)
    assert ids(sample_copy) == expected


def test_a_second_updater_waits_for_the_lock(empty_archive):
    write_record(empty_archive.testimonies, "waiting-record")
    empty_archive.index.mkdir()
    lock = FileLock(str(empty_archive.index / ".lock"))
    assert lock.acquire()
    releaser = threading.Timer(0.5, lock.release)
    releaser.start()
    started = time.monotonic()
    report = update_index(empty_archive.testimonies, empty_archive.index)
    assert time.monotonic() - started >= 0.4 and report.added == ["waiting-record"]


def test_a_lock_held_too_long_gives_a_sentence(empty_archive, monkeypatch):
    monkeypatch.setattr(generations, "LOCK_TIMEOUT", 0.2)
    empty_archive.index.mkdir()
    lock = FileLock(str(empty_archive.index / ".lock"))
    assert lock.acquire()
    try:
        with pytest.raises(IndexBusy, match="is being updated by another process"):
            update_index(empty_archive.testimonies, empty_archive.index)
    finally:
        lock.release()


def test_a_changed_record_is_found_once_and_only_as_it_is_now(empty_archive):
    folder = empty_archive.testimonies
    path = write_record(folder, "edited-record", body="The squid boats came in.\n")
    update_index(folder, empty_archive.index)
    write_record(folder, "edited-record", body="The crab boats came in.\n")
    update_index(folder, empty_archive.index, only=[path])
    for private in (False, True):
        assert ids(empty_archive, "squid", private) == []
        assert ids(empty_archive, "boats", private) == ["edited-record"]
        index = ArchiveIndex(empty_archive.index, vocabulary_for(folder), "archivists" if private else "public")
        assert index.search(SearchRequest("boats")).total == 1
        assert index.search(SearchRequest()).facets["sector"] == \
            [type(index.search(SearchRequest()).facets["sector"][0])("civilian", 1)]
        index.close()


def public_segments_with_deletions(paths):
    from archive.search.engine import open_index

    with open_index(current_generation(paths.index) / "public").reader() as reader:
        return sum(1 for leaf, _ in reader.leaf_readers() if leaf.has_deletions())


@pytest.mark.parametrize("body, purged", [
    ("We met [at night]{.restricted} near the old mill, in spring.\n", False),  # public text
    ("We met at night near the old mill.\n", False),  # un-redacted: the public sees more
    ("We met [at night near the old]{.restricted} mill.\n", True),  # hides more
])
def test_only_a_correction_that_hides_more_rewrites_the_old_text(empty_archive, body, purged):
    folder = empty_archive.testimonies
    for number in range(6):
        write_record(folder, f"other-record-{number}")
    path = write_record(folder, "redacted-record",
                        body="We met [at night]{.restricted} near the old mill.\n")
    update_index(folder, empty_archive.index)
    write_record(folder, "redacted-record", body=body)
    update_index(folder, empty_archive.index, only=[path])
    assert public_segments_with_deletions(empty_archive) == (0 if purged else 1)
    assert ids(empty_archive, "mill") == ["redacted-record"]


def test_the_table_of_record_files_is_a_file_of_its_own_named_by_the_state(empty_archive):
    """A server reads the small signed state after each edit (to check the index and
    notice embargoes), never the table of every record file; the table is written first,
    in a new file, so that the state always names a whole one."""
    import json

    from archive.search.engine.generations import current_generation, read_state

    folder, index = empty_archive.testimonies, empty_archive.index
    write_record(folder, "open-record")
    write_record(folder, "later-record", access="public", embargo_until="2090-01-01")
    update_index(folder, index)
    generation = current_generation(index)
    state = json.loads((generation / "state.json").read_text(encoding="utf-8"))
    assert "files" not in state and state["next_lapse"] == "2090-01-01"
    table = json.loads((generation / state["records"]).read_text(encoding="utf-8"))
    assert sorted(entry["id"] for entry in table.values()) == ["later-record", "open-record"]
    assert "files" not in read_state(generation, records=False)
    assert read_state(generation)["files"] == table

    write_record(folder, "third-record")
    update_index(folder, index)
    newer = json.loads((generation / "state.json").read_text(encoding="utf-8"))
    assert newer["records"] != state["records"]
    assert [path.name for path in generation.glob("records-*.json")] == [newer["records"]]

    # An index written before the table had its own file (the table inside the state,
    # which the signature does not cover) is read as it was, and not rebuilt.
    older = {key: value for key, value in newer.items() if key not in ("records", "next_lapse")}
    older["files"] = read_state(generation)["files"]
    (generation / "state.json").write_text(json.dumps(older), encoding="utf-8")
    (generation / newer["records"]).unlink()
    write_record(folder, "fourth-record")
    report = update_index(folder, index)
    assert not report.rebuilt and report.added == ["fourth-record"]
    assert next_lapse(index) == "2090-01-01" and ids(empty_archive) == [
        "fourth-record", "later-record", "open-record", "third-record"]
    assert "files" not in json.loads((generation / "state.json").read_text(encoding="utf-8"))


def test_an_unchanged_archive_is_checked_without_reading_its_table_of_files(empty_archive,
                                                                            monkeypatch):
    """`archive index` over unchanged files compares a digest of the folder's listing
    with the state's, not each file with the table of record files (18 MB at 100,000
    records); anything else it must notice still sends it through the table."""
    import os

    from archive.search import indexing

    folder, index = empty_archive.testimonies, empty_archive.index
    write_record(folder, "first-record")
    later = write_record(folder, "later-record", access="public", embargo_until="2090-01-01")
    update_index(folder, index)
    tables = []
    real = indexing.read_state

    def counting(generation, records=True):
        tables.append(records)
        return real(generation, records)

    monkeypatch.setattr(indexing, "read_state", counting)

    def run(**kwargs):
        tables.clear()
        report = update_index(folder, index, **kwargs)
        return report, True in tables

    report, read_table = run()
    assert (report.unchanged, report.total, read_table) == (2, 2, False)
    assert describe(report).startswith("The index is up to date: 2 records (0 added, 0 "
                                       "changed, 0 removed, 2 unchanged) in ")

    stat = later.stat()  # touched: the table is read, nothing reindexed, then quick again
    os.utime(later, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    report, read_table = run()
    assert (report.changed, report.unchanged, read_table) == ([], 1, True)
    assert run()[1] is False

    import datetime as dt  # the embargo lapses: the listing is the same, the day is not
    report, read_table = run(today=dt.date(2090, 1, 1))
    assert (report.changed, read_table) == (["later-record"], True)

    write_record(folder, "bad-record", year="soon")  # an invalid file is reported each time
    for _ in range(2):
        report, read_table = run(today=dt.date(2090, 1, 1))
        assert ([p.field for p in report.problems], read_table) == (["year"], True)
    (folder / "bad-record.md").unlink()
    write_record(folder, "sub/new-record")
    report, read_table = run(today=dt.date(2090, 1, 1))
    assert (report.added, read_table) == (["new-record"], True)
    assert run(today=dt.date(2090, 1, 1))[1] is False
