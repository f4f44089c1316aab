"""Reading an index: an audience's view opened over the views below it (a record's
document in a higher view replacing its lower ones), live documents, each facet value's documents, field
lengths held in memory, stored fields, and a deep read that finds damaged files."""

from __future__ import annotations

from array import array
from collections import Counter
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import MultiReader
from whoosh.searching import Searcher

from ...errors import IndexDamaged, IndexMissing, IndexUntrusted, QueryError
from ...translation import gettext
from .analysis import SYLLABLE_MARK
from .codec import posting_blocks
from .generations import VIEWS, current_generation, read_state, settle, untrusted
from .queries import make_parser, parse_query
from .ranking import Ranking, rank
from .schema import SEARCH_FIELDS, SET_FIELDS, SYLLABLE_FIELDS
from .store import open_index
from .suggestions import Speller, load_words


class FacetSets:
    """For each facet value, the set of live documents that have it; counts are taken on
    a mask of the documents counted and each value's documents as an array, in numpy."""

    def __init__(self, reader, hidden: frozenset = frozenset()) -> None:
        self.hidden = hidden  # lower views' documents replaced by a higher view's
        self.live = live_docs(reader) - hidden
        self.size = reader.doc_count_all()
        self._arrays: dict[str, list] = {}
        self._masked: tuple = (None, None)
        self.sets: dict[str, dict] = {}
        for name in SET_FIELDS:
            values: dict = {}
            if name in reader.schema and name in reader.indexed_field_names():
                field = reader.schema[name]
                for term in reader.lexicon(name):
                    value = field.from_bytes(term) if name == "year" else term.decode("utf-8")
                    values[value] = self.live.intersection(term_docs(reader, name, term))
            self.sets[name] = {v: docs for v, docs in values.items() if docs}
        self.year: dict[int, int] = {}  # each live document's year
        for year, docs in self.sets["year"].items():
            self.year.update(dict.fromkeys(docs, year))

    def matching(self, name: str, values: tuple) -> frozenset:
        """Documents with any of the values of a filter (OR within a facet); a year value
        is a range `FROM..TO`."""
        table = self.sets[name]
        if name == "year":
            ranges = [tuple(map(int, value.split(".."))) for value in values]
            picked = [docs for year, docs in table.items()
                      if any(low <= year <= high for low, high in ranges)]
        else:
            picked = [table.get(value, frozenset()) for value in values]
        return frozenset().union(*picked)

    def quoted_counts(self, docs) -> dict[str, int]:
        """How many of some documents quote each motive (state it in a coded passage)."""
        return {motive: len(docs & members) for motive, members in self.sets["quoted"].items()}

    def mask(self, docs: frozenset) -> np.ndarray:
        """The documents as a mask over every document number (the last one kept: a
        search counts every facet over the same documents)."""
        if self._masked[0] is not docs:
            mask = np.zeros(self.size, dtype=bool)
            mask[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
            self._masked = (docs, mask)
        return self._masked[1]

    def counts(self, name: str, docs) -> list[tuple]:
        """(value, count) of a facet over a set of documents, largest first (years in order)."""
        if name not in self._arrays:
            self._arrays[name] = [(value, as_array(members))
                                  for value, members in self.sets[name].items()]
        mask = self.mask(docs)
        counts = [(value, int(np.count_nonzero(mask[members])))
                  for value, members in self._arrays[name]]
        counts = [c for c in counts if c[1]]
        if name == "year":
            return sorted(counts)
        return sorted(counts, key=lambda c: (-c[1], str(c[0]).casefold()))


def as_array(docs) -> np.ndarray:
    """A set of document numbers as an array, to index a mask with."""
    return np.fromiter(docs, dtype=np.int64, count=len(docs))


def live_docs(reader) -> frozenset:
    """The documents of a reader that are not deleted, a segment at a time."""
    live: set[int] = set()
    for leaf, offset in reader.leaf_readers():
        live.update(range(offset, offset + leaf.doc_count_all()))
        if leaf.has_deletions():
            deleted = getattr(leaf, "deleted_docs_set", None) or \
                [docnum for docnum in range(leaf.doc_count_all()) if leaf.is_deleted(docnum)]
            live.difference_update(offset + docnum for docnum in deleted)
    return frozenset(live)


def term_docs(reader, fieldname: str, text: bytes) -> list[int]:
    """Every document holding a term, deleted ones included, a block of postings at a time."""
    docs: list[int] = []
    for leaf, offset in reader.leaf_readers():
        if (fieldname, text) in leaf:
            for ids, _, _ in posting_blocks(leaf.postings(fieldname, text), weights=False):
                docs.extend(map(offset.__add__, ids) if offset else ids)
    return docs


def lengths_in_memory(reader) -> dict:
    """Hold each segment's field lengths in memory for scoring; {(segment, field): lengths}.

    BM25F needs a matching document's length in each field; Whoosh reads it from the
    lengths file, one read per document and field (a fifth of a common word's search).
    The lengths are one byte a document and field: 34,000 documents hold 240 KB. Should
    Whoosh's internals differ, searches only stay slower.
    """
    held = {}
    for leaf, _ in reader.leaf_readers():
        if not leaf.doc_count_all():  # an empty view: no postings, so no lengths to read
            continue
        perdoc = getattr(leaf, "_perdoc", None)
        for name in SEARCH_FIELDS + tuple(SYLLABLE_FIELDS.values()):
            try:
                column = perdoc._cached_reader(f"_{name}_len", LENGTHS_COLUMN)
                if column is None:
                    continue
                if not isinstance(column, array):
                    raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
                    lengths = array(column._typecode, raw)
                    lengths.extend([column._default] * (leaf.doc_count_all() - len(lengths)))
                    column = perdoc._readers[f"_{name}_len"] = lengths
                held[leaf, name] = column
            except (AttributeError, TypeError, ValueError):
                return {}
    return held


class Snapshot:
    """The index as it was when opened: a searcher over an audience's view and the views
    below it, and what searches need of it in memory. Not safe across threads: its owner
    holds a lock."""

    def __init__(self, generation: Path, audience: str) -> None:
        views = VIEWS[:VIEWS.index(audience) + 1]
        self.folders = [generation / view for view in views]
        self.indexes = [open_index(folder) for folder in self.folders]
        self.parser = make_parser(self.indexes[0].schema)
        self.versions = [ix.latest_generation() for ix in self.indexes]
        readers = [ix.reader() for ix in self.indexes]
        if len(readers) == 1:
            reader = readers[0]
        else:  # flat: Whoosh searches a multi-reader segment by segment, and cannot nest them
            reader = MultiReader([leaf for r in readers for leaf, _ in r.leaf_readers()])
        self.lengths = lengths_in_memory(reader)
        self.searcher = Searcher(reader)
        self.facets = FacetSets(reader, replaced_documents(readers))
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
        """Each live document's record id, read from the id field's postings once (no
        stored document is loaded: at 34,000 records that is 0.1 s against 3 s)."""
        if self._ids is None:
            found, live = {}, self.facets.live
            for leaf, offset in self.searcher.reader().leaf_readers():
                for text, info in leaf.iter_field("id"):
                    # A term in one document names it in its term info (its lowest and
                    # highest document are the same); others are read from their postings.
                    ids = (info.min_id(),) if info.doc_frequency() == 1 else \
                        term_docs(leaf, "id", text)
                    name = text.decode("utf-8") if isinstance(text, bytes) else text
                    for docnum in ids:
                        if docnum + offset in live:
                            found[docnum + offset] = name
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
    reader of them all: every live document of a record that a view above holds live."""
    replaced: set[int] = set()
    offsets = [0]
    for reader in readers:
        offsets.append(offsets[-1] + reader.doc_count_all())
    held = [live_ids(reader) for reader in readers]
    for higher in range(1, len(readers)):
        for term in held[higher]:
            for lower in range(higher):
                replaced.update(offsets[lower] + docnum for docnum in held[lower].get(term, ()))
    return frozenset(replaced)


def live_ids(reader) -> dict[bytes, list[int]]:
    """Each record id a reader holds in a live document, with those documents: from the
    id field's term infos where a term is in one document (a removed record's id stays in
    the lexicon, its document deleted, until its segment is merged), else its postings.
    At 34,000 records a posting list opened for each id took two seconds, at every
    opening of a view above the public."""
    found: dict[bytes, list[int]] = {}
    for leaf, offset in reader.leaf_readers():
        deleted = leaf.is_deleted if leaf.has_deletions() else None
        for text, info in leaf.iter_field("id"):
            docs = (info.min_id(),) if info.doc_frequency() == 1 else \
                term_docs(leaf, "id", text)
            docs = [d for d in docs if deleted is None or not deleted(d)]
            if docs:
                found.setdefault(text, []).extend(offset + d for d in docs)
    return found


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
        return generation, Snapshot(generation, audience)
    except Exception as exc:  # a damaged index raises many kinds of error
        raise IndexDamaged(str(index_dir), exc) from exc


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
