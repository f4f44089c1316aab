"""`archive check`: the index against the records, the records against their fixity manifest."""

from __future__ import annotations

import json

import pytest

from archive import create_app
from archive.errors import IndexUntrusted
from archive.records.collection import vocabulary_for
from archive.search.checking import check_index
from archive.search.engine.generations import current_generation
from archive.search.indexing import update_index
from archive.search.searching import ArchiveIndex

from ..helpers import write_record

ALL_GOOD = "The index matches the 19 record files, and every file matches the fixity manifest.\n"


@pytest.fixture
def checked(run, sample_copy):
    assert run(sample_copy, "index").exit_code == 0
    assert run(sample_copy, "check", "--record-fixity").exit_code == 0
    return sample_copy


def test_a_fresh_archive_checks_clean(run, checked):
    result = run(checked, "check")
    assert (result.exit_code, result.stdout, result.stderr) == (0, ALL_GOOD, "")
    manifest = (checked.testimonies / "fixity.sha256").read_text(encoding="utf-8").splitlines()
    assert len(manifest) == 23 and manifest[0].endswith("  border-guard-1997.md")
    assert any(line.endswith("  reference.csv") for line in manifest)  # the series too


def test_without_a_manifest_check_says_how_to_start_one(run, sample_copy):
    run(sample_copy, "index")
    result = run(sample_copy, "check")
    assert result.exit_code == 1
    assert result.stderr == ("fixity: there is no fixity.sha256 yet; start one with "
                             "'archive check --record-fixity'.\n")


def test_changes_made_outside_the_archive_are_reported(run, checked):
    folder = checked.testimonies
    path = folder / "fishing-crew-2019.md"
    path.write_text(path.read_text(encoding="utf-8").replace("quota", "target"), encoding="utf-8")
    (folder / "party-cadre-2013.md").unlink()
    write_record(folder, "stray-record")
    result = run(checked, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "index: The records changed since they were indexed (1 changed, 1 new or invalid, 1 "
        "removed): run 'archive index'. Run 'archive check --repair'.",
        "fixity: added outside the archive: stray-record.md",
        "fixity: removed outside the archive: party-cadre-2013.md",
        "fixity: changed outside the archive: fishing-crew-2019.md",
    ]


def test_the_archive_s_own_writes_keep_the_manifest_in_step(run, checked, tmp_path):
    assert run(checked, "new", "--id", "kept-in-step", "--title", "T", "--year", "2010",
               "--post", "P", "--sector", "other", "--no-input").exit_code == 0
    sheet = tmp_path / "rows.csv"
    sheet.write_text("id,title,year,post,sector,motives\nimported-row,T,2011,P,other,\n",
                     encoding="utf-8")
    assert run(checked, "import", str(sheet)).exit_code == 0
    result = run(checked, "check")
    assert result.exit_code == 0, result.stderr
    assert "matches the 21 record files" in result.stdout


def segment_files(index_dir):
    """The public view's segment files, largest first (Whoosh's own, not ours)."""
    folder = current_generation(index_dir) / "public"
    return sorted((p for p in folder.iterdir() if p.name.startswith("MAIN_")
                   and not p.name.endswith("LOCK")), key=lambda p: -p.stat().st_size)


@pytest.mark.parametrize("damage", ["truncate", "delete", "garble"])
def test_a_damaged_index_is_detected_and_repaired(run, checked, damage):
    segment = segment_files(checked.index)[0]
    if damage == "truncate":
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 3])
    elif damage == "delete":
        segment.unlink()
    else:
        data = bytearray(segment.read_bytes())
        data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
        segment.write_bytes(bytes(data))
    result = run(checked, "check")
    assert result.exit_code == 1 and result.stderr.startswith("index: ")
    repaired = run(checked, "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "Repaired. Rebuilt the index: 19 records" in repaired.stdout
    assert run(checked, "check").exit_code == 0


def test_the_web_app_refuses_a_damaged_index(checked):
    for segment in segment_files(checked.index):
        segment.write_bytes(b"not a segment")
    client = create_app({"TESTING": True, "TESTIMONIES": str(checked.testimonies),
                         "INDEX": str(checked.index)}).test_client()
    page = client.get("/search?q=famine")
    assert page.status_code == 503
    assert "The archive&#39;s index is damaged. Run &#39;archive check --repair&#39;" in \
        page.get_data(as_text=True)


def test_the_cheap_check_compares_counts_and_ids(checked):
    assert check_index(checked.testimonies, checked.index, deep=False) == []
    generation = current_generation(checked.index)
    state = json.loads((generation / "state.json").read_text(encoding="utf-8"))
    path = generation / state["records"]  # the table of record files the state names
    files = json.loads(path.read_text(encoding="utf-8"))
    files["fishing-crew-2019.md"]["id"] = "ghost"
    path.write_text(json.dumps(files), encoding="utf-8")
    assert check_index(checked.testimonies, checked.index, deep=False) == [
        "1 records are missing from the index: ghost.",
        "1 documents in the index have no record: fishing-crew-2019."]


def test_a_flipped_bit_that_whoosh_would_read_silently_is_found(run, checked):
    """Whoosh decodes some damaged postings without an error: the files' digests catch it."""
    segment = segment_files(checked.index)[0]
    data = bytearray(segment.read_bytes())
    data[len(data) // 3] ^= 0x01
    segment.write_bytes(bytes(data))
    result = run(checked, "check")
    assert result.exit_code == 1
    assert result.stderr.startswith("index: The index files were changed since the archive "
                                    f"wrote them: public/{segment.name} has changed.")
    assert check_index(checked.testimonies, checked.index, deep=False) == []  # sizes alike
    assert check_index(checked.testimonies, checked.index, deep=False, hash_files=True) != []


def damage_and_detect(paths, cases: int, seed: int = 8) -> None:
    import random
    import shutil

    rng = random.Random(seed)
    generation = current_generation(paths.index)
    pristine = paths.index.parent / "pristine"
    shutil.copytree(generation, pristine)
    files = sorted(p.relative_to(pristine) for p in pristine.rglob("*")
                   if p.is_file() and p.parent != pristine and not p.name.endswith("LOCK"))
    for case in range(cases):
        shutil.rmtree(generation)
        shutil.copytree(pristine, generation)
        target = generation / rng.choice(files)
        kind = ("delete", "truncate", "flip")[case % 3]
        data = bytearray(target.read_bytes())
        if kind == "delete":
            target.unlink()
        elif kind == "truncate":
            target.write_bytes(bytes(data[: rng.randrange(len(data))]))
        else:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            target.write_bytes(bytes(data))
        assert check_index(paths.testimonies, paths.index) != [], (case, kind, target.name)


def test_random_damage_is_always_detected(checked):
    damage_and_detect(checked, 30)


@pytest.mark.slow
def test_200_random_damages_are_always_detected(checked):
    damage_and_detect(checked, 200)


def test_an_index_from_elsewhere_is_never_opened(run, checked, monkeypatch, tmp_path):
    """Whoosh unpickles what it opens: only indexes signed with this machine's key are."""
    monkeypatch.setenv("ARCHIVE_KEY_FILE", str(tmp_path / "another-machine.key"))
    with pytest.raises(IndexUntrusted, match="was not written by this archive on this machine"):
        ArchiveIndex(checked.index, vocabulary_for(checked.testimonies))
    page = create_app({"TESTING": True, "TESTIMONIES": str(checked.testimonies),
                       "INDEX": str(checked.index)}).test_client().get("/search")
    assert page.status_code == 503
    result = run(checked, "check")
    assert result.exit_code == 1 and "was not written by this archive on this machine" in \
        result.stderr
    assert update_index(checked.testimonies, checked.index).rebuilt  # rebuilt, not opened
    assert ArchiveIndex(checked.index, vocabulary_for(checked.testimonies)).count() == 19


def test_a_state_without_its_signature_is_refused(checked):
    path = current_generation(checked.index) / "state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    del state["signature"]
    path.write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(IndexUntrusted):
        ArchiveIndex(checked.index, vocabulary_for(checked.testimonies))
