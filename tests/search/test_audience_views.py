"""An index view per audience: each holds only what its audience may read, a search
counts only that, and an embargo's day opens a record without a rebuild by hand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.records.collection import vocabulary_for
from archive.search.engine.generations import current_generation
from archive.search.indexing import next_lapse, update_index
from archive.search.searching import ArchiveIndex, SearchRequest
from archive.service import Archive, Embargoes, Paths, open_archive

from ..helpers import write_record

# A word at each level, and the lowest audience that may read it.
MARKERS = {"qzresearchspan": "researchers", "qzrestrictspan": "archivists",
           "qzresearchrecord": "researchers", "qzarchivistrecord": "archivists",
           "Qzseenname": "researchers", "Qzhiddenname": "archivists"}
LEVEL = {"public": 0, "researchers": 1, "archivists": 2}
BEFORE, ON = dt.date(2080, 5, 31), dt.date(2080, 6, 1)


@pytest.fixture
def levels(empty_archive) -> Paths:
    folder = empty_archive.testimonies
    write_record(folder, "open-record", body="We crossed at night [with qzresearchspan]"
                 "{.researchers} and [qzrestrictspan]{.restricted}.\n")
    write_record(folder, "for-researchers", access="researchers",
                 body="The ledgers of qzresearchrecord were red.\n")
    write_record(folder, "for-archivists", access="archivists",
                 body="The port of qzarchivistrecord was cold.\n")
    write_record(folder, "seen-name", name="Qzseenname", withhold=["name"],
                 researchers_see=["name"])
    write_record(folder, "hidden-name", name="Qzhiddenname", withhold=["name"])
    update_index(folder, empty_archive.index)
    return empty_archive


def found(paths, audience: str, query: str) -> list[str]:
    index = ArchiveIndex(paths.index, vocabulary_for(paths.testimonies), audience)
    try:
        return sorted(hit.id for hit in index.matching(SearchRequest(query)))
    finally:
        index.close()


@pytest.mark.parametrize("audience", list(LEVEL))
def test_each_audience_finds_exactly_the_words_it_may_read(levels, audience):
    for word, needed in MARKERS.items():
        expected = 1 if LEVEL[audience] >= LEVEL[needed] else 0
        assert len(found(levels, audience, word)) == expected, (audience, word)
    assert len(found(levels, audience, "")) == 5  # every record is catalogued for everyone


def test_no_view_holds_a_word_its_audience_may_not_read(levels):
    generation = current_generation(levels.index)
    for audience in LEVEL:
        held = b"".join(p.read_bytes() for p in sorted((generation / audience).iterdir())
                        if p.is_file()).decode("latin-1").lower()
        for word, needed in MARKERS.items():
            if LEVEL[audience] < LEVEL[needed]:
                assert word.lower() not in held, (audience, word)


def test_a_record_closed_to_an_audience_is_a_catalogue_entry_in_its_view(levels):
    for audience, closed in (("public", True), ("researchers", False), ("archivists", False)):
        index = ArchiveIndex(levels.index, vocabulary_for(levels.testimonies), audience)
        try:
            assert index.hit("for-researchers").closed is closed
            assert index.hit("for-archivists").closed is (audience != "archivists")
        finally:
            index.close()


def test_an_embargo_lapses_on_its_day_without_a_rebuild_by_hand(empty_archive):
    folder = empty_archive.testimonies
    write_record(folder, "later", embargo_until=ON.isoformat(), body="The qzlaterword boat.\n")
    update_index(folder, empty_archive.index, today=BEFORE)
    assert next_lapse(empty_archive.index) == ON.isoformat()
    assert found(empty_archive, "public", "qzlaterword") == []
    assert found(empty_archive, "researchers", "qzlaterword") == []
    assert found(empty_archive, "archivists", "qzlaterword") == ["later"]
    embargoes = Embargoes(empty_archive)
    assert embargoes.apply(BEFORE) == []  # nothing to do the day before
    assert embargoes.apply(ON) == ["later"]
    assert embargoes.apply(ON) == []  # once
    assert found(empty_archive, "public", "qzlaterword") == ["later"]
    assert next_lapse(empty_archive.index) is None
    # An archive reads its records on the day its clock gives (today's, unless a test says).
    assert Archive(empty_archive, "public", clock=lambda: BEFORE).testimony("later").closed
    assert not Archive(empty_archive, "public", clock=lambda: ON).testimony("later").closed
    assert open_archive(empty_archive, "public").testimony("later").closed  # 2080 is ahead


def test_the_command_line_reads_as_the_audience_it_is_given(levels):
    runner = CliRunner()
    base = ["--testimonies", str(levels.testimonies), "--index", str(levels.index)]

    def total(*audience):
        result = runner.invoke(cli, base + ["search", "qzresearchrecord", "--json", *audience])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["total"]

    assert (total(), total("--audience", "researchers"), total("--private")) == (0, 1, 1)
    shown = runner.invoke(cli, base + ["show", "seen-name", "--audience", "researchers"])
    assert "Qzseenname" in shown.output
    assert "Qzseenname" not in runner.invoke(cli, base + ["show", "seen-name"]).output
    refused = runner.invoke(cli, base + ["search", "x", "--audience", "researchers",
                                         "--private"])
    assert refused.exit_code == 2 and "--private is the archivists' view" in refused.output
    exported = runner.invoke(cli, base + ["export", "--format", "json", "--audience",
                                          "researchers"])
    data = json.loads(exported.output)
    assert data["export"]["audience"] == "researchers"
    assert "qzresearchrecord" in exported.output and "qzarchivistrecord" not in exported.output


def test_the_documents_a_view_replaces_are_read_from_term_infos_as_from_postings(levels):
    """`replaced_documents` reads ids from the id field's term infos (fast); after edits
    that move records between views and a removal (deleted documents left in segments),
    it must name what the posting lists name."""
    from archive.search.engine.generations import VIEWS
    from archive.search.engine.reader import replaced_documents
    from archive.search.engine.store import open_index

    folder = levels.testimonies
    write_record(folder, "for-researchers", access="public", body="Now open to all.\n")
    write_record(folder, "open-record", access="researchers", body="Now closed a little.\n")
    (folder / "hidden-name.md").unlink()
    update_index(folder, levels.index)
    generation = current_generation(levels.index)
    readers = [open_index(generation / view).reader() for view in VIEWS]
    try:
        offsets = [0]
        for reader in readers:
            offsets.append(offsets[-1] + reader.doc_count_all())
        expected = set()
        for higher in range(1, len(readers)):
            for term in readers[higher].lexicon("id"):
                if list(readers[higher].postings("id", term).all_ids()):
                    for lower in range(higher):
                        if ("id", term) in readers[lower]:
                            expected.update(offsets[lower] + d for d in
                                            readers[lower].postings("id", term).all_ids())
        assert expected and replaced_documents(readers) == frozenset(expected)
    finally:
        for reader in readers:
            reader.close()


@pytest.mark.parametrize("audience", list(LEVEL))
def test_a_view_reopened_after_edits_reads_only_new_segments_and_equals_a_fresh_one(
        levels, audience):
    """After an edit a snapshot takes what it knows of unchanged segments from the one
    before (`engine.segments`); whatever was added, edited, moved or removed, it must hold
    exactly what a snapshot opened from nothing holds: live documents, every facet value's
    documents, the documents a higher view replaces, ids and field lengths."""
    from archive.search.engine.reader import open_snapshot

    folder = levels.testimonies
    generation, snapshot = open_snapshot(levels.index, audience)
    try:
        write_record(folder, "added-later", year=1999, body="A new account.\n")
        update_index(folder, levels.index)
        known = dict(snapshot.segment_facts)
        generation, snapshot = open_snapshot(levels.index, audience, snapshot, generation)
        shared = [key for key in snapshot.segment_facts if key in known]
        assert shared and all(snapshot.segment_facts[key] is known[key] for key in shared)
        assert set(snapshot.segment_facts) - set(known), "the new segment is read"
        _same_as_fresh(snapshot, generation, audience)

        write_record(folder, "open-record", year=1994, motives=["famine"],
                     body="We crossed at night [with qzresearchspan]{.researchers}.\n")
        write_record(folder, "for-researchers", access="public", body="Now open to all.\n")
        write_record(folder, "seen-name", access="researchers", name="Qzseenname")
        (folder / "hidden-name.md").unlink()
        update_index(folder, levels.index)
        generation, snapshot = open_snapshot(levels.index, audience, snapshot, generation)
        _same_as_fresh(snapshot, generation, audience)
        assert sorted(snapshot.ids().values()) == ["added-later", "for-archivists",
                                                   "for-researchers", "open-record",
                                                   "seen-name"]
    finally:
        snapshot.close()


def _same_as_fresh(snapshot, generation, audience: str) -> None:
    from archive.search.engine.reader import Snapshot

    fresh = Snapshot(generation, audience)
    try:
        assert snapshot.facets.live == fresh.facets.live
        assert snapshot.facets.hidden == fresh.facets.hidden
        assert snapshot.facets.year == fresh.facets.year
        assert dict(snapshot.facets.sets) == dict(fresh.facets.sets)
        assert snapshot.ids() == fresh.ids()

        def lengths(held: dict) -> dict:
            return {(leaf.segment().segment_id(), name): list(column)
                    for (leaf, name), column in held.items()}
        assert lengths(snapshot.lengths) == lengths(fresh.lengths)
    finally:
        fresh.close()
