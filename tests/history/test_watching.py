"""A running archive sees edits made outside it, with inotify and with polling: edits,
additions, deletions, renames, a pull of many files; never a half-written or swap file."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from archive.history.watching import Watcher, is_record_name
from archive.records.collection import vocabulary_for
from archive.search.indexing import update_index
from archive.search.searching import ArchiveIndex, SearchRequest

from ..helpers import write_record


def found(paths, word: str) -> set[str]:
    index = ArchiveIndex(paths.index, vocabulary_for(paths.testimonies))
    try:
        return {hit.id for hit in index.search(SearchRequest(word, per_page=100)).hits}
    finally:
        index.close()


def eventually(check, seconds: float = 8.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.fixture(params=["inotify", "polling"])
def watched(request, empty_archive):
    write_record(empty_archive.testimonies, "first-account", body="A quiet harbour.\n")
    update_index(empty_archive.testimonies, empty_archive.index)
    watcher = Watcher(empty_archive.testimonies, empty_archive.index,
                      poll=request.param == "polling")
    if request.param == "inotify" and watcher.method != "inotify":
        pytest.skip("this system has no inotify")
    watcher.start()
    assert watcher.ready.wait(5)
    yield empty_archive
    watcher.stop()
    watcher.join(5)


def test_an_edit_an_addition_a_rename_and_a_deletion_are_seen(watched):
    folder = watched.testimonies
    write_record(folder, "first-account", body="A quiet harbour and a zebrafinch.\n")
    assert eventually(lambda: found(watched, "zebrafinch") == {"first-account"})
    write_record(folder, "second-account", body="The quillmoth crossing.\n")
    assert eventually(lambda: found(watched, "quillmoth") == {"second-account"})
    os.rename(folder / "second-account.md", folder / "renamed-account.md")
    assert eventually(lambda: found(watched, "quillmoth") == {"renamed-account"})
    (folder / "renamed-account.md").unlink()
    assert eventually(lambda: found(watched, "quillmoth") == set())


def test_a_pull_of_many_files_is_indexed(watched, tmp_path):
    staging = tmp_path / "pulled"
    for number in range(40):
        write_record(staging, f"pulled-{number:02d}", body="The lanternwort ferry.\n")
    for path in staging.iterdir():  # as git writes a checkout: each file moved into place
        os.rename(path, watched.testimonies / path.name)
    assert eventually(lambda: len(found(watched, "lanternwort")) == 40)


def test_a_copied_folder_is_indexed(watched, tmp_path):
    staging = tmp_path / "batch"
    for number in range(3):
        write_record(staging, f"copied-{number}", body="The copperwing valley.\n")
    shutil.copytree(staging, watched.testimonies / "batch")
    assert eventually(lambda: len(found(watched, "copperwing")) == 3)


def test_a_half_written_file_and_swap_files_are_never_indexed(watched):
    folder = watched.testimonies
    with open(folder / "slow-account.md", "w", encoding="utf-8") as half:
        half.write("---\ntitle: A slow account\nyear: 2016\npost: Clerk\nsector: civilian\n")
        half.flush()
        time.sleep(2.5)
        assert found(watched, "slowpearl") == set()
        half.write("motives: []\naccess: public\n---\n\nThe slowpearl orchard.\n")
    assert eventually(lambda: found(watched, "slowpearl") == {"slow-account"})
    text = (folder / "slow-account.md").read_text("utf-8").replace("slowpearl", "swapheron")
    for name in (".slow-account.md.swp", "slow-account.md~", "#slow-account.md#",
                 ".#slow-account.md"):
        (folder / name).write_text(text, encoding="utf-8")
    time.sleep(2.5)
    assert found(watched, "swapheron") == set()


def test_an_invalid_file_is_reported_and_skipped(watched, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="archive.history.watching")
    (watched.testimonies / "broken-account.md").write_text("---\ntitle: [broken\n---\n",
                                                           encoding="utf-8")
    assert eventually(lambda: any("broken-account.md" in r.getMessage() for r in caplog.records))
    write_record(watched.testimonies, "first-account", body="The oarbright quay.\n")
    assert eventually(lambda: found(watched, "oarbright") == {"first-account"})


@pytest.mark.parametrize("name, record", [("kim-2019.md", True), ("vocabulary.yaml", True),
                                          (".kim-2019.md.swp", False), ("kim-2019.md~", False),
                                          ("#kim-2019.md#", False), ("README.md", False),
                                          (".#kim-2019.md", False), ("notes.txt", False)])
def test_what_counts_as_a_record_file(name, record):
    assert is_record_name(name) is record
