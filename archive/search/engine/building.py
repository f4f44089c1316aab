"""Writing a new generation in parts: each build process writes segments of its own, which
one commit then lists together, as Whoosh's own multiprocess writer does."""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from whoosh.writing import SegmentWriter

from .codec import ArchiveCodec
from .generations import VIEWS
from .schema import index_fields
from .store import create_index, open_index
from .suggestions import write_words

BUILD_MEMORY_MB = 512  # per writing process, before Whoosh spills postings to disk
VIEW_MEMORY_MB = 64  # a view above the public holds only the records the one below sees in part


def create_views(generation: Path) -> None:
    """Create an empty index of each view in a new generation's folder."""
    for view in VIEWS:
        (generation / view).mkdir(parents=True)
        create_index(generation / view)


class PartWriters:
    """One process's writers, a segment of each view at a time; `finish` gives the
    segments written, for `commit_parts`."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self.segments: dict[str, list] = {view: [] for view in VIEWS}
        self.writers = {view: self._writer(view) for view in VIEWS}

    def _writer(self, view: str) -> "_PartWriter":
        memory = BUILD_MEMORY_MB if view == "public" else VIEW_MEMORY_MB
        return _PartWriter(open_index(self.generation / view), memory)

    def add(self, view: str, document: dict) -> None:
        """Add a document to this part's segment of a view."""
        self.writers[view].add_document(**index_fields(document))

    def next_segment(self, view: str) -> None:
        """Close the view's segment and start another: a segment's postings are sorted in
        memory, and merging what spilled beyond it made a build half as slow again."""
        self.segments[view].append(_finish(self.writers[view]))
        self.writers[view] = self._writer(view)

    def finish(self) -> dict[str, list]:
        """Close the last segments; the segments of each view."""
        for view, writer in self.writers.items():
            self.segments[view].append(_finish(writer))
        return self.segments

    def cancel(self) -> None:
        """Give up the segments not finished. Called while an error is raised: a writer whose
        files an interrupted finish already closed must not hide that error behind its own
        (the generation's folder is removed whole anyway)."""
        for writer in self.writers.values():
            if not writer.is_closed:
                try:
                    writer.cancel()
                except Exception:  # noqa: BLE001 - the error being raised is the one to tell
                    writer.is_closed = True


class _PartWriter(SegmentWriter):
    """Whoosh's segment writer for one process of a build.

    It takes no lock (the build holds the archive's). Its postings are gathered term by
    term (`_TermPool`) rather than in Whoosh's pool, one tuple a posting, sorted whole
    when the segment closes, then given to the postings writer one call a posting: a
    term's documents arrive in order, so only the terms are sorted, and each block of
    postings is handed over whole, with its statistics computed as Whoosh computes them
    (the files are byte for byte Whoosh's own; tested).
    """

    def __init__(self, ix, limitmb: int) -> None:
        # Not compound: copying every file of a segment into one costs a build a pass
        # over the whole index, and searches open the files alike either way.
        super().__init__(ix, _lk=False, limitmb=limitmb, compound=False, codec=ArchiveCodec())
        self.pool = _TermPool()

    def cancel(self) -> None:
        """Give up this segment, as Whoosh's `cancel` does, but leave the temporary folder
        the other processes of the build are still writing in: Whoosh's removes it, and a
        process that failed then made the others fail too, hiding its own error."""
        self._check_state()
        self._close_segment()
        self.is_closed = True

    def _flush_segment(self):
        self.perdocwriter.close()  # as Whoosh's own, then the postings term by term
        lengths = _Lengths(self.per_document_reader())
        try:
            write_terms(self.fieldwriter, self.schema, self.pool.fields, lengths)
            self.fieldwriter.close()
        finally:
            lengths.close()


class _TermPool:
    """A segment's postings by field and term, each posting the tuple Whoosh's
    `add_document` hands to `add`, in the order the documents were added."""

    def __init__(self) -> None:
        self.fields: dict = {}

    def add(self, item: tuple) -> None:  # (fieldname, text, docnum, weight, value)
        terms = self.fields.get(item[0])
        if terms is None:
            terms = self.fields[item[0]] = {}
        held = terms.get(item[1])
        if held is None:
            terms[item[1]] = [item]
        else:
            held.append(item)

    def cleanup(self) -> None:
        self.fields = {}


def write_terms(fieldwriter, schema, fields: dict, lengths: "_Lengths") -> None:
    """Write each term's postings, in the order of Whoosh's sorted pool (field, then
    term; a term's documents in order), as Whoosh's `FieldWriter.add_postings` would."""
    for fieldname in sorted(fields):
        terms, held = fields[fieldname], lengths.of(fieldname)
        fieldwriter.start_field(fieldname, schema[fieldname])
        for text in sorted(terms):
            fieldwriter.start_term(text)
            _, _, docnums, weights, values = zip(*terms[text])
            _add_postings(fieldwriter._postwriter, array("I", docnums), weights, values, held)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _add_postings(writer, ids: array, weights: tuple, values: tuple, held: np.ndarray) -> None:
    """Hand a term's postings to Whoosh's postings writer a block at a time, each block's
    buffers and statistics set as `add_posting` sets them one posting at a time: the
    weights in single precision, the highest weight of the doubles, the values that are
    not empty, the shortest and longest of the lengths that are not zero. Every block
    but the last is written here; the writer's `finish_postings` writes the last."""
    limit, count = writer._blocklimit, len(ids)
    lengths = held[np.frombuffer(ids, dtype=np.uint32)] if len(held) else np.zeros(count, int)
    for start in range(0, count, limit):
        if start:
            writer._write_block()
        end = min(start + limit, count)
        block = weights[start:end]
        writer._ids = ids[start:end]
        writer._weights = array("f", block)
        top = max(block)
        writer._maxweight = top if top > 0 else 0
        writer._values = [value for value in values[start:end] if value]
        said = lengths[start:end]
        said = said[said > 0]
        writer._minlength = int(said.min()) if len(said) else None
        writer._maxlength = int(said.max()) if len(said) else 0


class _Lengths:
    """Each document's length in each field, read once from a per-document reader."""

    def __init__(self, reader) -> None:
        self._reader, self._fields = reader, {}

    def of(self, fieldname: str) -> np.ndarray:
        """The length of the field in each document of the segment (0 where it has none,
        or the field keeps no lengths)."""
        lengths = self._fields.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = self._fields[fieldname] = np.array(
                [read(number, fieldname, 0) or 0 for number in range(self._reader.doc_count_all())],
                dtype=np.int64)
        return lengths

    def close(self) -> None:
        self._reader.close()


def _finish(writer: SegmentWriter):
    """Close a part's segment and return it (None when it holds no document).

    The parts share the index's temporary folder; the writer that commits them all
    removes it (`commit_parts`), as in Whoosh's own multiprocess writer.
    """
    if writer._added:
        return writer._finalize_segment()
    writer._close_segment()
    return None


def commit_parts(generation: Path, segments: dict[str, list], words: dict) -> None:
    """Make the parts' segments the content of each view, with one table of contents
    listing them all, and write each view's table of words."""
    for view in VIEWS:
        ix = open_index(generation / view)
        writer = ix.writer()
        try:
            writer._close_segment()
            writer._commit_toc([segment for segment in segments[view] if segment is not None])
        finally:
            writer._finish()
        write_words(generation / view, ix.latest_generation(), words[view])
