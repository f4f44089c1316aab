"""What a search needs of each segment of a view, read once per segment: each facet
value's documents, each record id's documents and the field lengths.

A Whoosh segment never changes once written; only which of its documents are deleted
does. An edit adds a small segment and deletes a document in an older one, so a view
reopened after it reads only the new segment and takes the rest from the snapshot
before (`SegmentFacts` are kept by segment, and dropped with the segment). At 100,000
records reading every segment again took 1.4 s after each edit.
"""

from __future__ import annotations

from array import array

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN

from .codec import posting_blocks
from .schema import SEARCH_FIELDS, SET_FIELDS, SYLLABLE_FIELDS

LENGTH_FIELDS = SEARCH_FIELDS + tuple(SYLLABLE_FIELDS.values())


class SegmentFacts:
    """One segment's documents by facet value and by record id (numbered within the
    segment, deleted ones included), and its field lengths (None when Whoosh's internals
    differ: searches then read lengths through Whoosh, only slower)."""

    __slots__ = ("size", "values", "ids", "lengths")

    def __init__(self, leaf) -> None:
        self.size = leaf.doc_count_all()
        self.values: dict[str, dict] = {}
        fields = leaf.indexed_field_names() if self.size else ()
        for name in SET_FIELDS:
            table = {}
            if name in leaf.schema and name in fields:
                field = leaf.schema[name]
                for term in leaf.lexicon(name):
                    value = field.from_bytes(term) if name == "year" else term.decode("utf-8")
                    table[value] = np.array(segment_term_docs(leaf, name, term), dtype=np.int64)
            self.values[name] = table
        self.ids: dict[bytes, tuple] = {}
        if "id" in fields:
            for text, info in leaf.iter_field("id"):
                # A term in one document names it in its term info (its lowest and highest
                # document are the same); others are read from their postings. At 34,000
                # records a posting list opened for each id took two seconds.
                self.ids[text] = (info.min_id(),) if info.doc_frequency() == 1 else \
                    tuple(segment_term_docs(leaf, "id", text))
        self.lengths = _lengths(leaf) if self.size else {}


def segment_term_docs(leaf, fieldname: str, text: bytes) -> list[int]:
    """Every document of a segment holding a term, deleted ones included."""
    docs: list[int] = []
    if (fieldname, text) in leaf:
        for ids, _, _ in posting_blocks(leaf.postings(fieldname, text), weights=False):
            docs.extend(ids.tolist())
    return docs


def _lengths(leaf) -> dict | None:
    """A segment's field lengths, one byte a document and field, read into memory.

    BM25F needs a matching document's length in each field; Whoosh reads it from the
    lengths file, one read per document and field (a fifth of a common word's search).
    34,000 documents hold 240 KB.
    """
    held = {}
    try:
        perdoc = leaf._perdoc
        for name in LENGTH_FIELDS:
            column = perdoc._cached_reader(f"_{name}_len", LENGTHS_COLUMN)
            if column is None:
                continue
            if not isinstance(column, array):
                raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
                lengths = array(column._typecode, raw)
                lengths.extend([column._default] * (leaf.doc_count_all() - len(lengths)))
                column = lengths
            held[name] = column
    except (AttributeError, TypeError, ValueError):
        return None
    return held


def segment_key(folder, leaf) -> tuple | None:
    """What names a segment for as long as it exists: its view's folder and its id."""
    try:
        return str(folder), leaf.segment().segment_id()
    except AttributeError:
        return None


def read_segments(leaves: list, known: dict) -> tuple[list, dict]:
    """Each (folder, leaf) its facts, taken from `known` ({key: facts}) where the segment
    was read before; with the table of what is now known, for the next snapshot."""
    facts, kept = [], {}
    for folder, leaf in leaves:
        key = segment_key(folder, leaf)
        found = known.get(key) if key is not None else None
        if found is None or found.size != leaf.doc_count_all():
            found = SegmentFacts(leaf)
        if key is not None:
            kept[key] = found
        facts.append(found)
    return facts, kept


def held_lengths(leaves: list, facts: list) -> dict:
    """{(leaf, field): lengths} for ranking, each also given to Whoosh's own reader; {}
    when any segment's lengths could not be read (ranking then goes through Whoosh)."""
    held = {}
    for (_, leaf), segment in zip(leaves, facts):
        if not segment.size:  # an empty view: no postings, so no lengths to read
            continue
        if segment.lengths is None:
            return {}
        for name, column in segment.lengths.items():
            leaf._perdoc._readers[f"_{name}_len"] = column
            held[leaf, name] = column
    return held


def deleted_in(leaf) -> frozenset:
    """The deleted documents of a segment, numbered within it."""
    if not leaf.has_deletions():
        return frozenset()
    deleted = getattr(leaf, "deleted_docs_set", None)
    if isinstance(deleted, (set, frozenset)):
        return deleted
    return frozenset(docnum for docnum in range(leaf.doc_count_all()) if leaf.is_deleted(docnum))
