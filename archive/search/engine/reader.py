"""Reading an index: an audience's view opened over the views below it (a record's
document in a higher view replacing its lower ones), live documents, each facet value's documents, field
lengths held in memory, stored fields, and a deep read that finds damaged files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from whoosh.reading import MultiReader
from whoosh.searching import Searcher

from ...errors import IndexDamaged, IndexMissing, IndexUntrusted, QueryError
from ...translation import gettext
from .analysis import SYLLABLE_MARK
from .generations import VIEWS, current_generation, read_state, settle, untrusted
from .queries import make_parser, parse_query
from .ranking import Ranking, rank
from .schema import SET_FIELDS, SYLLABLE_FIELDS
from .segments import (SegmentFacts, deleted_in, held_lengths, read_segments,
                       segment_term_docs)
from .store import open_index
from .suggestions import Speller, load_words

MASKS = 4  # masks kept (100,000 documents: 100 KB each)


class FacetSets:
    """For each facet value, the live documents that have it, as an array (counts are
    taken on a mask of the documents counted, in numpy) and, when first asked, as a set."""

    def __init__(self, alive: np.ndarray, arrays: dict[str, dict], hidden: frozenset) -> None:
        self.hidden = hidden  # lower views' documents replaced by a higher view's
        self.size = len(alive)
        self.live = frozenset(np.flatnonzero(alive).tolist())
        self.by_value = arrays  # {facet: {value: its live documents, a sorted array}}
        self._masked: list = []  # (documents, mask), the latest first
        self.sets = _Sets(arrays)
        self.year: dict[int, int] = {}  # each live document's year
        for year, docs in arrays["year"].items():
            self.year.update(dict.fromkeys(docs.tolist(), year))

    def matching(self, name: str, values: tuple) -> frozenset:
        """Documents with any of the values of a filter (OR within a facet); a year value
        is a range `FROM..TO`. Made from the values' arrays at each call: sets of every
        value kept for filters held 60 MB at 100,000 records."""
        table = self.by_value[name]
        if name == "year":
            ranges = [tuple(map(int, value.split(".."))) for value in values]
            picked = [docs for year, docs in table.items()
                      if any(low <= year <= high for low, high in ranges)]
        else:
            picked = [table[value] for value in dict.fromkeys(values) if value in table]
        if not picked:
            return frozenset()
        return frozenset((np.concatenate(picked) if len(picked) > 1 else picked[0]).tolist())

    def quoted_counts(self, docs) -> dict[str, int]:
        """How many of some documents quote each motive (state it in a coded passage)."""
        return {motive: len(docs & members) for motive, members in self.sets["quoted"].items()}

    def mask(self, docs: frozenset) -> np.ndarray:
        """The documents as a mask over every document number (the last few kept: a
        search counts its facets over one to a few sets of documents)."""
        for held, mask in self._masked:
            if held is docs:
                return mask
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
        self._masked = [(docs, mask)] + self._masked[:MASKS - 1]
        return mask

    def counts(self, name: str, docs) -> list[tuple]:
        """(value, count) of a facet over a set of documents, largest first (years in order)."""
        mask = self.mask(docs)
        counts = [(value, int(np.count_nonzero(mask[members])))
                  for value, members in self.by_value[name].items()]
        counts = [c for c in counts if c[1]]
        if name == "year":
            return sorted(counts)
        return sorted(counts, key=lambda c: (-c[1], str(c[0]).casefold()))


class _Sets(Mapping):
    """{facet: {value: frozenset of documents}}, each facet's sets made when first asked
    from its arrays (the motives quoted, for ordering and counting quotations; counts,
    filters and comparisons read the arrays)."""

    def __init__(self, arrays: dict[str, dict]) -> None:
        self._arrays, self._made = arrays, {}

    def __getitem__(self, name: str) -> dict:
        made = self._made.get(name)
        if made is None:
            made = {value: frozenset(docs.tolist()) for value, docs in self._arrays[name].items()}
            self._made[name] = made
        return made

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)


def facet_sets(segments: list, hidden: frozenset) -> FacetSets:
    """The facet sets of a reader from its segments' facts: each value's documents in
    every segment, numbered as in the reader, the deleted and the hidden left out."""
    alive = np.ones(sum(facts.size for _, _, facts, _ in segments), dtype=bool)
    for _, offset, _, deleted in segments:
        if deleted:
            alive[offset + np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
    if hidden:
        alive[np.fromiter(hidden, dtype=np.int64, count=len(hidden))] = False
    arrays = {}
    for name in SET_FIELDS:
        pieces: dict = {}
        for _, offset, facts, _ in segments:
            for value, docs in facts.values[name].items():
                pieces.setdefault(value, []).append(docs + offset if offset else docs)
        table = {}
        for value, parts in pieces.items():
            docs = np.concatenate(parts) if len(parts) > 1 else parts[0]
            docs = docs[alive[docs]]
            if len(docs):
                table[value] = docs
        arrays[name] = table
    return FacetSets(alive, arrays, hidden)


def term_docs(reader, fieldname: str, text: bytes) -> list[int]:
    """Every document holding a term, deleted ones included, a block of postings at a time."""
    docs: list[int] = []
    for leaf, offset in reader.leaf_readers():
        found = segment_term_docs(leaf, fieldname, text)
        docs.extend(map(offset.__add__, found) if offset else found)
    return docs


class Snapshot:
    """The index as it was when opened: a searcher over an audience's view and the views
    below it, and what searches need of it in memory. Not safe across threads: its owner
    holds a lock."""

    def __init__(self, generation: Path, audience: str, known: dict | None = None) -> None:
        views = VIEWS[:VIEWS.index(audience) + 1]
        self.folders = [generation / view for view in views]
        self.indexes = [open_index(folder) for folder in self.folders]
        self.parser = make_parser(self.indexes[0].schema)
        self.versions = [ix.latest_generation() for ix in self.indexes]
        readers = [ix.reader() for ix in self.indexes]
        leaves = [(folder, leaf) for folder, view_reader in zip(self.folders, readers)
                  for leaf, _ in view_reader.leaf_readers()]
        if len(readers) == 1:
            reader = readers[0]
        else:  # flat: Whoosh searches a multi-reader segment by segment, and cannot nest them
            reader = MultiReader([leaf for _, leaf in leaves])
        # What each segment holds, read once per segment (`segments`): after an edit only
        # the new segment is read; the rest comes from the snapshot before (`known`).
        facts, self.segment_facts = read_segments(leaves, known or {})
        self.lengths = held_lengths(leaves, facts)
        self.searcher = Searcher(reader)
        self._segments, offset = [], 0
        for (folder, leaf), segment in zip(leaves, facts):
            self._segments.append((folder, offset, segment, deleted_in(leaf)))
            offset += segment.size
        self.facets = facet_sets(self._segments, _replaced(self._segments, self.folders))
        self.public_documents = readers[0].doc_count_all()  # numbered first in the flat reader
        words = Counter()  # spelling words: each view's table, for this generation
        for folder, view_reader in zip(self.folders, readers):
            words.update(load_words(folder, view_reader))
        self.speller = Speller(reader, words)
        self._ids: dict[int, str] | None = None

    def changed(self) -> bool:
        """True when a commit has changed one of the views since this was opened."""
        return self.versions != [ix.latest_generation() for ix in self.indexes]

    def close(self) -> None:
        """Release the searcher's files (once)."""
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None

    def parse(self, text: str):
        """A query of the archive's syntax, parsed (QueryError for what cannot be read)."""
        return parse_query(self.parser, text)

    def rank(self, query, by_year: bool, text: str) -> Ranking:
        """Every match of a parsed query, ranked by relevance or newest first."""
        return rank(self.searcher, query, self.lengths, by_year, text)

    def docs_for(self, query, text: str):
        """Every document a parsed query matches (deleted ones too, until a merge)."""
        try:
            return self.searcher.docs_for_query(query)
        except Exception as exc:  # a searcher can fail on odd queries too
            raise QueryError(gettext("the query %(query)r cannot be run (%(kind)s); simplify it",
                               query=text, kind=type(exc).__name__)) from None

    def body_terms(self, query) -> frozenset:
        """The words of the body and the transcript a parsed query looks for, wildcards
        expanded; a syllable it looks for anywhere is marked (`·법`, as `snippets` reads
        it)."""
        reader, words = self.searcher.reader(), set()
        for name in ("body", "transcript"):
            field = self.searcher.schema[name]
            words.update(field.from_bytes(text) for _, text in
                         query.existing_terms(reader, fieldname=name, expand=True))
            syllables = SYLLABLE_FIELDS[name]
            if syllables in self.searcher.schema:
                words.update(SYLLABLE_MARK + text.decode("utf-8") for _, text in
                             query.existing_terms(reader, fieldname=syllables))
        return frozenset(words)

    def stored(self, docnum: int) -> dict:
        """The stored fields of a document."""
        return self.searcher.stored_fields(docnum)

    def ids(self) -> dict[int, str]:
        """Each live document's record id, from the id field's term infos and postings
        (no stored document is loaded: at 34,000 records that is 0.1 s against 3 s)."""
        if self._ids is None:
            found, live = {}, self.facets.live
            for _, offset, segment, _ in self._segments:
                for text, docs in segment.ids.items():
                    for docnum in docs:
                        if docnum + offset in live:
                            found[docnum + offset] = text.decode("utf-8")
            self._ids = found
        return self._ids

    def beyond_public(self, testimony_ids) -> list[str]:
        """Those of the records whose live document comes from a view above the public:
        what this audience reads of them (their text, or more of it) the public does not."""
        if not hasattr(self, "_docnums"):
            self._docnums = {name: docnum for docnum, name in self.ids().items()}
        return [name for name in testimony_ids
                if self._docnums.get(name, -1) >= self.public_documents]

    def having(self, fieldname: str, value: str) -> frozenset:
        """The live documents indexed with one term of a field (`access`, `restricted`)."""
        reader = self.searcher.reader()
        return self.facets.live.intersection(term_docs(reader, fieldname, value.encode("utf-8")))

    def docnum_of(self, testimony_id: str) -> int | None:
        """The live document of a record (its version in the highest view opened)."""
        for docnum in self.searcher.document_numbers(id=testimony_id):
            if docnum in self.facets.live:
                return docnum
        return None

    def more_like(self, docnum: int, text: str, limit: int) -> list[dict]:
        """The stored fields of the records most like a text (Whoosh's more-like-this on
        the body) that the view shows whole, the document itself left out."""
        allowed = set(self.facets.live - self.having("closed", "yes")) - {docnum}
        results = self.searcher.more_like(docnum, "body", text=text, top=limit, filter=allowed)
        return [hit.fields() for hit in results]


def replaced_documents(readers: list) -> frozenset:
    """The documents of lower views that a higher view replaces, numbered as in the flat
    reader of the views' readers (lowest first): every live document of a record that a
    view above holds live."""
    segments, offset = [], 0
    for view, reader in enumerate(readers):
        for leaf, _ in reader.leaf_readers():
            facts = SegmentFacts(leaf)
            segments.append((view, offset, facts, deleted_in(leaf)))
            offset += facts.size
    return _replaced(segments, list(range(len(readers))))


def _replaced(segments: list, views: list) -> frozenset:
    """`replaced_documents` over segments given as (view, offset, facts, deleted)."""
    replaced: set[int] = set()
    for higher in range(1, len(views)):
        held = {text for view, _, facts, deleted in segments if view == views[higher]
                for text, docs in facts.ids.items() if any(d not in deleted for d in docs)}
        for view, offset, facts, deleted in segments:
            if view in views[:higher]:
                for text in held.intersection(facts.ids):
                    replaced.update(offset + d for d in facts.ids[text] if d not in deleted)
    return frozenset(replaced)


def open_snapshot(index_dir: Path, audience: str, known: Snapshot | None = None,
                  known_generation: Path | None = None) -> tuple[Path, Snapshot]:
    """The snapshot of the live index: `known` while nothing has changed, else a new one
    (`known` is then closed). Raises IndexMissing, IndexUntrusted or IndexDamaged."""
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexMissing(str(index_dir))
    if known is not None and generation == known_generation and not known.changed():
        return generation, known
    refused = settle(index_dir, generation)  # new files are checked as well
    if known is not None:
        # A fresh searcher, not searcher.refresh(): that reuses segment readers whose
        # deletions have since changed, and would keep finding an edited record's old text.
        known.close()
    if refused:
        raise IndexUntrusted(refused[0])
    try:
        return generation, Snapshot(generation, audience,
                                    known.segment_facts if known is not None else None)
    except Exception as exc:  # a damaged index raises many kinds of error
        raise IndexDamaged(str(index_dir), exc) from exc


def indexed_records(generation: Path, deep: bool = True) -> dict[str, str]:
    """{id: sha256} of the records the public index holds; `deep` also reads every stored
    document and every posting of both indexes, so that damaged files raise here."""
    refused = untrusted(generation, read_state(generation, records=False))
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
