"""A full rebuild in several processes, its segments, and each view's table of spelling words."""

from __future__ import annotations

import json
import multiprocessing
import random

import numpy as np
import pytest
from whoosh.fields import TEXT

from archive.records.collection import read_archive, vocabulary_for
from archive.search import building
from archive.search.engine import open_index, ranking, writer
from archive.search.engine.building import PartWriters, create_views
from archive.search.engine.codec import PackedPositions, followers
from archive.search.engine.generations import VIEWS, current_generation, read_state
from archive.search.engine.schema import SYLLABLE_FIELDS, make_schema
from archive.search.engine.suggestions import load_words
from archive.search.indexing import update_index
from archive.search.searching import ArchiveIndex, SearchRequest
from archive.service import Paths

from ..helpers import WORDS, add_generated_records, write_record

QUERIES = ["", "famine", "children freedom", '"North Korea"', "motive:reunification",
           "자유", "year:[1990 TO 2005] border", "embassy OR border", "reunificaton"]


def snapshot(paths: Paths, private: bool = False) -> list:
    """What each query finds: total, ranked ids, facet counts and suggestion."""
    index = ArchiveIndex(paths.index, vocabulary_for(paths.testimonies), "archivists" if private else "public")
    try:
        found = []
        for query in QUERIES:
            results = index.search(SearchRequest(query, per_page=100))
            found.append((query, results.total, [hit.id for hit in results.hits],
                          {name: [(c.value, c.count) for c in counts]
                           for name, counts in results.facets.items()},
                          results.suggestion))
        return found
    finally:
        index.close()


def word_tables(paths: Paths) -> dict:
    generation = current_generation(paths.index)
    return {view: json.loads(next((generation / view).glob("words-*.json")).read_text("utf-8"))
            for view in VIEWS}


def counted_from_documents(paths: Paths) -> dict:
    """Each view's word table counted again from its documents (the fallback path)."""
    generation = current_generation(paths.index)
    tables = {}
    for view in VIEWS:
        with open_index(generation / view).reader() as reader:
            tables[view] = dict(load_words(generation / "no-such-folder", reader))
    return tables


@pytest.fixture
def bigger(sample_copy) -> Paths:
    add_generated_records(sample_copy.testimonies, 40)
    return sample_copy


def segments(paths: Paths, view: str = "public") -> int:
    with open_index(current_generation(paths.index) / view).reader() as reader:
        return len(list(reader.leaf_readers()))


def test_text_fields_give_whoosh_exactly_the_postings_of_its_own_path():
    schema, rng = make_schema(), random.Random(3)
    texts = [" ".join(rng.choice(WORDS + ["the", "e-mail", "UN에서", "1990s"])
                      for _ in range(rng.randint(0, 80))) for _ in range(200)]
    texts += ["자유를 찾아 UN에서 요요 ㄱㄴ 가 꿈도 꿈", "", "English only"]
    for name in ("title", "summary", "body", "post", "country_text", "motive_text"):
        for field in (schema[name], schema[SYLLABLE_FIELDS[name]]):
            for text in texts:
                assert list(field.index(text)) == list(TEXT.index(field, text)), (name, text)


def test_several_processes_and_many_segments_find_exactly_what_one_segment_finds(
        bigger, tmp_path, monkeypatch):
    one = Paths(bigger.testimonies, tmp_path / "one")
    many = Paths(bigger.testimonies, tmp_path / "many")
    single = update_index(one.testimonies, one.index, rebuild=True, processes=1)
    monkeypatch.setattr(building, "SEGMENT_RECORDS", 4)  # a fork inherits it; spawn does not
    parallel = update_index(many.testimonies, many.index, rebuild=True, processes=3)
    assert segments(one) == 1 and segments(many) >= 3
    assert parallel.added == single.added and len(parallel.added) == 59
    assert [str(p) for p in parallel.problems] == [str(p) for p in single.problems]
    for private in (False, True):
        assert snapshot(many, private) == snapshot(one, private)
    assert word_tables(many) == word_tables(one)
    states = [read_state(current_generation(p.index))["files"] for p in (one, many)]
    assert states[0] == states[1]


def test_a_rebuild_in_segments_keeps_the_order_of_the_files(bigger, monkeypatch):
    monkeypatch.setattr(building, "SEGMENT_RECORDS", 5)
    report = update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    assert segments(bigger) == 12  # 59 records, 5 a segment
    expected = [t.id for t in read_archive(bigger.testimonies).testimonies]
    assert report.added == expected


def test_the_progress_of_several_processes_reaches_the_total(bigger):
    seen = []
    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=2,
                 progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (59, 59)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_duplicate_ids_across_processes_keep_the_first_valid_file(empty_archive):
    folder = empty_archive.testimonies
    add_generated_records(folder, 12)
    (folder / "a").mkdir()
    (folder / "a" / "twin-record.md").write_text("---\ntitle: [broken\n---\n", encoding="utf-8")
    write_record(folder, "b/twin-record", body="The valid twin.\n")
    write_record(folder, "c/twin-record", body="The later twin.\n")
    report = update_index(folder, empty_archive.index, rebuild=True, processes=3)
    assert report.added.count("twin-record") == 1 and len(report.added) == 13
    messages = [str(p) for p in report.problems]
    assert any("/a/twin-record.md:" in m for m in messages)
    assert any(m.split(":")[0].endswith("/c/twin-record.md") and "is already used by" in m
               and "/b/twin-record.md" in m for m in messages)
    index = ArchiveIndex(empty_archive.index, vocabulary_for(folder))
    assert [h.id for h in index.search(SearchRequest("valid twin")).hits] == ["twin-record"]
    assert index.search(SearchRequest("later")).total == 0
    index.close()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="the failure is planted through a forked process")
def test_a_build_process_that_fails_leaves_the_previous_index(bigger, monkeypatch):
    update_index(bigger.testimonies, bigger.index)
    before, expected = current_generation(bigger.index), snapshot(bigger)
    real = building.read_record

    def failing(path, vocabulary, seen, default_access):
        if path.stem == "generated-030":
            raise OSError("No space left on device")
        return real(path, vocabulary, seen, default_access)

    monkeypatch.setattr(building, "read_record", failing)
    monkeypatch.setattr(building, "_start_method", lambda: "fork")
    with pytest.raises(OSError, match="No space left on device"):
        update_index(bigger.testimonies, bigger.index, rebuild=True, processes=2)
    assert current_generation(bigger.index) == before
    assert [p.name for p in bigger.index.glob("gen-*")] == [before.name]
    assert snapshot(bigger) == expected


def test_a_part_that_fails_leaves_the_temporary_folder_the_other_parts_write_in(tmp_path):
    # Whoosh's own cancel removes the index's temporary folder, which every process of a
    # build shares: the other processes then failed on their spilled postings, and their
    # error could reach the parent before the one that caused it.
    generation = tmp_path / "gen-1"
    create_views(generation)
    failing, other = PartWriters(generation), PartWriters(generation)
    failing.cancel()
    assert all((generation / view / "MAIN.tmp").is_dir() for view in VIEWS)
    assert all(writer.is_closed for writer in failing.writers.values())
    assert other.finish() == {view: [None] for view in VIEWS}


def test_the_word_tables_follow_every_change_and_keep_no_word_of_text_gone(empty_archive):
    folder = empty_archive.testimonies
    add_generated_records(folder, 6)
    path = write_record(folder, "changing-record", body="The quetzalwhisper radio.\n")
    update_index(folder, empty_archive.index)

    def suggestion(private=False):
        index = ArchiveIndex(empty_archive.index, vocabulary_for(folder),
                             "archivists" if private else "public")
        try:
            return index.search(SearchRequest("quetzalwhispr")).suggestion
        finally:
            index.close()

    assert word_tables(empty_archive)["public"]["quetzalwhisper"] == 1
    assert suggestion() == "quetzalwhisper"

    write_record(folder, "changing-record",
                 body="The [quetzalwhisper]{.restricted} radio.\n")
    update_index(folder, empty_archive.index, only=[path])
    tables = word_tables(empty_archive)
    assert "quetzalwhisper" not in tables["public"] and tables["archivists"]["quetzalwhisper"] == 1
    assert suggestion() is None and suggestion(private=True) == "quetzalwhisper"
    assert tables == counted_from_documents(empty_archive)

    path.unlink()
    update_index(folder, empty_archive.index)
    tables = word_tables(empty_archive)
    assert all("quetzalwhisper" not in table for table in tables.values())
    assert suggestion(private=True) is None
    assert tables == counted_from_documents(empty_archive)


def test_a_missing_word_table_is_counted_again_from_the_documents(bigger):
    update_index(bigger.testimonies, bigger.index)
    expected = word_tables(bigger)
    for table in current_generation(bigger.index).glob("*/words-*.json"):
        table.unlink()
    assert counted_from_documents(bigger) == expected
    index = ArchiveIndex(bigger.index, vocabulary_for(bigger.testimonies))
    assert index.search(SearchRequest("reunificaton")).suggestion == "reunification"
    index.close()


RANKED = ["famine", "children freedom", "border OR river", "famine children freedom",
          "Thae", "title:famine", "names:thae", "reunification", "market trade dollars",
          "nosuchword", "famine nosuchword", "famine -border", "자유", '"North Korea"',
          "자유를", '"children freedom" famine', '"famine famine"', '"border river market"',
          "두만강을 건넜습니다", '"no such phrase"', "famine NOT border",
          "year:[1990 TO 2005] border", "sector:trade famine", "famin* children",
          '"border river"~3 famine', "year:1995 river", "children NOT (famine OR border)",
          "year:>=2000 famine NOT sector:trade"]
NOT_WORDS = ["famin*", "year:[1990 TO 2005]", '"border river"~3', "NOT famine", "sector:trade"]


@pytest.mark.parametrize("positions", [[0], [3, 9, 200], [5, 65_535], [7, 65_536, 900_000]])
def test_packed_positions_keep_each_position_and_its_follower(positions):
    packed = PackedPositions(field_boost=2.5)
    followers = [(position * 7) % 256 for position in positions]
    value = packed.encode(positions, followers)
    assert value[:1] == (b"H" if positions[-1] < 65_536 else b"I")
    assert packed.decode_positions(value) == positions
    assert packed.decode_frequency(value) == len(positions)
    assert packed.decode_weight(value) == 2.5 * len(positions)
    assert list(value[1:1 + len(positions)]) == followers
    other = packed.encode([1, 70_000], [4, 5])
    combined = packed.combine([value, other])
    assert packed.decode_positions(combined) == sorted(set(positions) | {1, 70_000})
    assert dict(zip(packed.decode_positions(combined), combined[1:])) == \
        {**dict(zip(positions, followers)), 1: 4, 70_000: 5}


def test_postings_are_pickled_with_protocol_4_and_compressed_fast(bigger):
    import zlib

    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    with open_index(current_generation(bigger.index) / "public").reader() as reader:
        matcher = reader.postings("body", "famin")
        leaf = getattr(matcher, "child", matcher)
        block = leaf._postfile.get(leaf._dataoffset, leaf._nextoffset - leaf._dataoffset)
        assert leaf._compression == 1  # zlib's fastest level: a tenth off a rebuild
        pickled = zlib.decompress(block)
        assert pickled[:2] == b"\x80\x04"  # protocol 4: bytes read without codecs.encode
        assert len(list(reader.postings("body", "famin").all_ids())) == \
            reader.doc_frequency("body", "famin") > 10


def test_blocks_are_compressed_by_isa_l_where_it_installs_else_by_zlib(monkeypatch):
    import platform
    import sys
    import zlib

    from archive.search.engine import codec

    block = b"\x80\x04" + bytes(range(256)) * 40
    assert zlib.decompress(codec.compress(block, 1)) == block  # what Whoosh's readers call
    # pyproject.toml asks for isal where it has a wheel: there it compresses the blocks.
    wheel = (sys.platform, platform.machine()) in {
        ("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64"), ("win32", "AMD64")}
    assert codec.compress.__module__.startswith("isal") is wheel
    monkeypatch.setitem(sys.modules, "isal", None)  # a machine without it
    monkeypatch.setitem(sys.modules, "isal.isal_zlib", None)
    assert codec._deflater() is zlib.compress


def test_an_index_written_by_zlib_finds_what_one_written_by_isa_l_finds(bigger, tmp_path,
                                                                          monkeypatch):
    import dataclasses
    import zlib

    from archive.search.engine import codec

    pickles, isa_l = [], codec.compress
    monkeypatch.setattr(codec, "compress", lambda data, level: pickles.append(
        (data[:2], level)) or isa_l(data, level))
    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    # Both the postings' blocks (protocol 4, level 1) and the stored fields (Whoosh's
    # protocol 2, level 3) are written by `compress`.
    assert {(b"\x80\x04", 1), (b"\x80\x02", 3)} == set(pickles)
    by_zlib = dataclasses.replace(bigger, index=tmp_path / "by-zlib")
    monkeypatch.setattr(codec, "compress", zlib.compress)
    update_index(by_zlib.testimonies, by_zlib.index, rebuild=True, processes=1)
    assert snapshot(by_zlib, private=True) == snapshot(bigger, private=True)
    assert snapshot(by_zlib) == snapshot(bigger)
    stored = {}
    for view in VIEWS:
        for paths in (bigger, by_zlib):
            with open_index(current_generation(paths.index) / view).reader() as reader:
                stored.setdefault(view, []).append(list(reader.all_stored_fields()))
    assert all(ours == theirs for ours, theirs in stored.values())
    assert [len(stored[view][0]) for view in VIEWS] == [59, 0, 13]


def test_blocks_hold_arrays_that_whoosh_and_the_fast_path_read_alike(bigger, monkeypatch):
    import pickle
    import zlib
    from array import array

    from archive.search.engine import codec

    def blocks(paths, word="famin"):
        with open_index(current_generation(paths.index) / "public").reader() as reader:
            matcher = reader.postings("body", word)
            leaf = getattr(matcher, "child", matcher)
            stored = pickle.loads(zlib.decompress(leaf._postfile.get(
                leaf._dataoffset, leaf._nextoffset - leaf._dataoffset)))
            whoosh = list(reader.postings("body", word).items_as("weight"))
            fast = [(docnum, weight) for ids, weights, _ in
                    codec.posting_blocks(reader.postings("body", word))
                    for docnum, weight in zip(ids.tolist(), weights.tolist())]
        return stored, whoosh, fast

    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    stored, whoosh, fast = blocks(bigger)
    assert isinstance(stored[0], array) and stored[0].typecode == "I"  # the gaps
    assert isinstance(stored[1], array) and stored[1].typecode == "f"  # Whoosh's own floats
    assert fast == whoosh and len(fast) > 10
    expected = snapshot(bigger)

    # An index written before the arrays (tuples, as Whoosh writes them) reads the same:
    # written here by Whoosh's own writer, a posting at a time, its blocks as tuples.
    from whoosh.writing import SegmentWriter

    from archive.search.engine import building

    monkeypatch.setattr(building, "_PartWriter", lambda ix: SegmentWriter(
        ix, _lk=False, compound=False, codec=codec.ArchiveCodec()))
    monkeypatch.setattr(codec._PostingsWriter, "_array_ids", codec._PostingsWriter._mini_ids)
    monkeypatch.setattr(codec._PostingsWriter, "_array_weights",
                        codec._PostingsWriter._mini_weights)
    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    stored, whoosh_before, fast_before = blocks(bigger)
    assert type(stored[0]) is tuple
    assert (fast_before, whoosh_before) == (fast, whoosh)
    assert snapshot(bigger) == expected


def test_phrases_found_through_followers_are_exactly_the_phrases_whoosh_finds(bigger):
    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    index = ArchiveIndex(bigger.index, vocabulary_for(bigger.testimonies))
    snapshot, rng = index._current(), random.Random(5)
    searcher = snapshot.searcher
    phrases = ['"' + " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 3))) + '"'
               for _ in range(100)]
    found = 0
    for text in phrases:
        query = index.parse(text)
        ours = ranking.rank_words(searcher, query, snapshot.lengths)
        theirs = {d: s for s, d in searcher.search(query, limit=None).top_n}
        assert ours.keys() == theirs.keys(), text
        assert all(ours[d] == pytest.approx(theirs[d], rel=1e-12) for d in ours)
        found += bool(ours)
    assert found > 25  # a third of the phrases are in some record
    index.close()


@pytest.mark.parametrize("segment_records", [4, 100_000])
def test_words_ranked_a_block_at_a_time_score_exactly_as_whoosh(bigger, monkeypatch,
                                                                segment_records):
    monkeypatch.setattr(building, "SEGMENT_RECORDS", segment_records)
    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    index = ArchiveIndex(bigger.index, vocabulary_for(bigger.testimonies))
    snapshot = index._current()
    searcher, live = snapshot.searcher, snapshot.facets.live
    for text in RANKED:
        query = index.parse(text)
        scores = ranking.rank_words(searcher, query, snapshot.lengths)
        ours = sorted(((s, d) for d, s in scores.items() if d in live),
                      key=lambda item: (-item[0], item[1]))
        theirs = [(s, d) for s, d in searcher.search(query, limit=None).top_n if d in live]
        assert [d for _, d in ours] == [d for _, d in theirs], text
        assert all(a == pytest.approx(b, rel=1e-12) for (a, _), (b, _) in zip(ours, theirs)), \
            (text, ours[:2], theirs[:2])
    for text in NOT_WORDS:
        assert ranking.rank_words(searcher, index.parse(text), snapshot.lengths) is None, text
    index.close()


def test_search_results_are_the_same_with_whoosh_ranking_every_query(bigger, monkeypatch):
    update_index(bigger.testimonies, bigger.index)
    requests = [SearchRequest(text, per_page=100) for text in RANKED + NOT_WORDS] + [
        SearchRequest("famine", {"sector": ["trade"]}), SearchRequest("children", page=2,
                                                                       per_page=5)]

    def everything(private):
        index = ArchiveIndex(bigger.index, vocabulary_for(bigger.testimonies), "archivists" if private else "public")
        try:
            return [(r.total, r.hits, r.facets, r.suggestion) for r in map(index.search, requests)]
        finally:
            index.close()

    ours = {private: everything(private) for private in (False, True)}
    monkeypatch.setattr(ranking, "rank_words", lambda *args: None)
    for private in (False, True):
        assert everything(private) == ours[private]


def test_edits_merge_their_small_segments_and_leave_the_rebuild_s_alone(bigger, monkeypatch):
    monkeypatch.setattr(building, "SEGMENT_RECORDS", 5)
    monkeypatch.setattr(writer, "SMALL_RECORDS", 3)
    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)

    def sizes():
        with open_index(current_generation(bigger.index) / "public").reader() as reader:
            return sorted(leaf.doc_count_all() for leaf, _ in reader.leaf_readers())

    assert sizes() == [4] + [5] * 11
    for number in range(20):
        path = write_record(bigger.testimonies, f"added-{number:02d}", body="A zephyrquill account.\n")
        update_index(bigger.testimonies, bigger.index, only=[path])
        assert len([size for size in sizes() if size < 3]) <= writer.SMALL_SEGMENTS
    assert sizes().count(5) == 11 and sum(sizes()) == 79
    index = ArchiveIndex(bigger.index, vocabulary_for(bigger.testimonies))
    assert index.search(SearchRequest("zephyrquill")).total == 20
    index.close()


def test_the_facet_sets_read_a_block_at_a_time_are_whoosh_s_own(bigger, monkeypatch):
    monkeypatch.setattr(building, "SEGMENT_RECORDS", 7)
    monkeypatch.setattr(writer, "SMALL_RECORDS", 3)
    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    for number in (3, 9, 17):  # edits leave deleted documents in the rebuild's segments
        write_record(bigger.testimonies, f"generated-{number:03d}", body="Changed.\n",
                     sector="trade", year=2001)
    update_index(bigger.testimonies, bigger.index)
    for private in (False, True):
        index = ArchiveIndex(bigger.index, vocabulary_for(bigger.testimonies), "archivists" if private else "public")
        snapshot = index._current()
        reader, table = snapshot.searcher.reader(), snapshot.facets
        assert reader.has_deletions()
        live = frozenset(reader.all_doc_ids()) - table.hidden
        assert table.live == live
        for name in ("sector", "country", "motive", "gender", "language"):
            expected = {term.decode(): frozenset(reader.postings(name, term).all_ids()) & live
                        for term in reader.lexicon(name)}
            assert table.sets[name] == {k: v for k, v in expected.items() if v}, name
        years = list(reader.column_reader("year"))
        assert table.year == {docnum: years[docnum] for docnum in live}
        index.close()


def test_terms_scored_with_numpy_give_the_very_floats_of_a_posting_at_a_time(bigger,
                                                                            monkeypatch):
    update_index(bigger.testimonies, bigger.index, rebuild=True, processes=1)
    # archivists: three views, the researchers' one empty (which once turned the fast
    # ranking off for every search of that audience)
    index = ArchiveIndex(bigger.index, vocabulary_for(bigger.testimonies), "archivists")
    snapshot = index._current()
    queries = [index.parse(text) for text in RANKED]
    ours = [ranking.rank_words(snapshot.searcher, q, snapshot.lengths) for q in queries]
    monkeypatch.setattr(ranking, "_term_scores", lambda *args: _posting_at_a_time(*args))
    theirs = [ranking.rank_words(snapshot.searcher, q, snapshot.lengths) for q in queries]
    assert ours == theirs and sum(map(bool, ours)) > 10  # equal floats, not approximately
    index.close()


def _posting_at_a_time(searcher, terms, lengths, B, K1):
    scores = {}
    for term in terms:
        if not ranking._add_term(scores, searcher, term, lengths, B, K1):
            return None
    return scores


def test_followers_are_found_in_bulk_exactly_as_one_value_at_a_time():
    rng = random.Random(7)
    packed = PackedPositions()
    values = []
    for _ in range(300):
        count = rng.randint(1, 6)
        top = 70_000 if rng.random() < 0.3 else 5_000  # `I` values beside `H` ones
        positions = sorted(rng.sample(range(top), count))
        values.append(packed.encode(positions, [rng.randrange(256) for _ in positions]))
    for code in (0, 1, 72, 73, 200, 255):
        expected = [code in followers(value) for value in values]
        assert ranking._followed_by(values, code).tolist() == expected, code
    assert ranking._followed_by([], 5).tolist() == []


@pytest.mark.parametrize("block", [3, 1024])
def test_a_build_segment_s_files_are_byte_for_byte_whoosh_s_own(bigger, tmp_path, block):
    # A build holds each posting by term and hands Whoosh a block at a time; Whoosh's own
    # writer, a tuple a posting sorted in its pool, must write the very same files.
    import datetime as dt

    from whoosh.writing import SegmentWriter

    from archive.records.collection import read_record, record_entries
    from archive.records.vocabulary import load_vocabulary
    from archive.search.documents import Reading
    from archive.search.engine.building import _PartWriter
    from archive.search.engine.codec import ArchiveCodec
    from archive.search.engine.schema import index_fields

    folder = bigger.testimonies
    reading = Reading(load_vocabulary(folder / "vocabulary.yaml"), "restricted", dt.date.today())
    documents = []
    for rel, _, _ in record_entries(folder):
        testimony, _ = read_record(folder / rel, reading.vocabulary, {}, "restricted")
        views = reading.documents(testimony, rel).by_view
        documents += [views[view] for view in VIEWS if views[view] is not None]
    assert len(documents) > len(list(record_entries(folder)))  # views above the public too
    written = {}
    for name in ("ours", "whoosh"):
        create_views(tmp_path / name)
        ix = open_index(tmp_path / name / "public")
        writer = _PartWriter(ix) if name == "ours" else SegmentWriter(
            ix, _lk=False, compound=False, codec=ArchiveCodec())
        writer.fieldwriter._codec._blocklimit = block
        for document in documents:
            writer.add_document(**index_fields(document))
        segment = writer._finalize_segment()
        folder_of = tmp_path / name / "public"
        written[name] = {path.name.replace(segment.segment_id(), "SEGMENT"): path.read_bytes()
                         for path in folder_of.glob(f"{segment.segment_id()}*")}
    assert {"SEGMENT.pst", "SEGMENT.trm", "SEGMENT._stored.col", "SEGMENT._body_len.col",
            "SEGMENT._transcript_len.col", "SEGMENT.year.col"} <= set(written["ours"])
    assert len(written["ours"]["SEGMENT.pst"]) > 10_000
    assert written["ours"] == written["whoosh"]


def test_a_build_refuses_fields_it_does_not_write(tmp_path):
    from archive.search.engine.building import _PartWriter

    create_views(tmp_path / "gen")
    writer = _PartWriter(open_index(tmp_path / "gen" / "public"))
    with pytest.raises(Exception, match="No field named '_boost'"):
        writer.add_document(id="a", _boost=2.0)
    writer.cancel()


@pytest.mark.parametrize("script", ["mixed", "ascii"])
@pytest.mark.parametrize("words", [0, 3, 199, 200, 1_500, 70_000])
def test_a_build_s_postings_of_a_text_are_its_field_s_own(words, script):
    # Texts are numbered a word at a time (ASCII ones a number a word, stop words -1) and
    # packed in numpy several at once, the longest (positions past 65,535) grouped in
    # Python: each way gives the postings `ArchiveText.index` gives, term, weight and
    # value alike.
    from archive.search.engine.building import _FieldPostings

    rng = random.Random(words)
    vocabulary = [word for word in WORDS if script == "mixed" or word.isascii()] + [
        "자유를", "두만강을", "UN에서", "the", "and", "e-mail", "1997", "Children's", "A_b9"]
    if script == "ascii":
        vocabulary = [word for word in vocabulary if word.isascii()]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(words)) for _ in range(3)]
    field = make_schema()["body"]
    postings = _FieldPostings()
    lengths = [postings.add_text(docnum, text, field.format) for docnum, text in enumerate(texts)]
    ours = sorted((docnum, term.encode("utf-8"), weight, value)
                  for docnum, term, weight, value in _postings_of(postings))
    theirs = sorted((docnum, term, weight, value) for docnum, text in enumerate(texts)
                    for term, _, weight, value in field.index(text))
    assert ours == theirs and (words < 10 or len(ours) > 10)
    assert words < 70_000 or min(lengths) > 65_536  # past the short positions
    assert lengths == [sum(frequency for _, frequency, _, _ in field.index(text)) for text in texts]


def test_texts_packed_in_several_turns_keep_each_term_s_documents_in_order(monkeypatch):
    # The texts of a field wait and are packed together, in turns once enough wait; a
    # text too long for two-byte positions is written at once, after the texts before it:
    # each term's postings must stay in the order of their documents.
    from archive.search.engine import building as engine_building

    monkeypatch.setattr(engine_building, "PACK_TEXTS_FROM", 40)
    rng = random.Random(7)
    vocabulary = WORDS + ["the", "and", "자유를", "UN에서", "1997"]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.choice([0, 1, 5, 30, 90])))
             for _ in range(60)]
    texts[17:20] = ["famine border", "freedom children", "border famine"]  # waiting still
    texts[20] = " ".join(rng.choice(vocabulary) for _ in range(70_000))
    texts[31] = "the and of " * 30
    field = make_schema()["body"]
    postings = engine_building._FieldPostings()
    lengths = [postings.add_text(docnum, text, field.format) for docnum, text in enumerate(texts)]
    assert lengths == [sum(frequency for _, frequency, _, _ in field.index(text)) for text in texts]
    terms, bounds, docnums, weights, values = postings.by_term()
    ours = sorted((docnums[i], term, weights[i], values[i]) for term, number in terms
                  for i in range(bounds[number], bounds[number + 1]))
    assert ours == sorted((docnum, term, weight, value) for docnum, text in enumerate(texts)
                          for term, _, weight, value in field.index(text))
    assert all((np.diff(docnums[bounds[number]:bounds[number + 1]].astype(np.int64)) > 0).all()
               for _, number in terms)


@pytest.mark.parametrize("text", ["the and of " * 100, "The, and OF; " * 100 + "자유를"])
def test_a_long_text_of_stop_words_gives_no_posting_and_no_error(text):
    # A long text whose words are all stop words has no term: numpy's packing of none
    # raised IndexError and stopped the whole build.
    from archive.search.engine.building import _FieldPostings

    field = make_schema()["body"]
    postings = _FieldPostings()
    length = postings.add_text(0, text, field.format)
    assert _postings_of(postings) == [(0, term.decode(), weight, value)
                                      for term, _, weight, value in field.index(text)]
    assert length == sum(frequency for _, frequency, _, _ in field.index(text))


@pytest.mark.parametrize("lowercase", [False, True])
def test_a_build_s_keyword_postings_are_whoosh_s_own(lowercase):
    # Keywords between commas are counted without Whoosh's tokens: blanks around one
    # stripped, a blank one kept (as Whoosh keeps it), an empty one between two commas
    # dropped, each distinct one once with its count, lower-cased where the field says.
    from whoosh.fields import KEYWORD

    from archive.search.engine.building import _FieldPostings, _keywords

    field = KEYWORD(lowercase=lowercase, commas=True, scorable=True, field_boost=2.5)
    assert _keywords(field) is not None
    assert _keywords(KEYWORD(commas=False)) is None  # between blanks: Whoosh's own way
    texts = ["famine", " A, ,b,,c ,a , B", "", ",", "Über,über, ÜBER", "x\ny, x\ny,\t,z"]
    postings, lower = _FieldPostings(), _keywords(field) == "lower-cased keywords"
    assert lower == lowercase
    lengths = [postings.add_keywords(docnum, text, field.format.field_boost, lower)
               for docnum, text in enumerate(texts)]
    ours = sorted(_postings_of(postings))
    theirs = sorted((docnum, term, weight, value) for docnum, text in enumerate(texts)
                    for term, _, weight, value in field.index(text))
    assert ours == theirs and len(ours) > 8
    assert lengths == [sum(frequency for _, frequency, _, _ in field.index(text)) for text in texts]


def _postings_of(postings):
    postings.pack_texts()
    names = {number: term for term, number in postings.numbers.items()}
    return [(docnum, names[term], weight, value) for term, docnum, weight, value
            in zip(postings.terms, postings.docnums, postings.weights, postings.values)]
