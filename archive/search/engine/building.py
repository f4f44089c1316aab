"""Writing a new generation in parts: each build process writes segments of its own, which
one commit then lists together, as Whoosh's own multiprocess writer does."""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .codec import ArchiveCodec
from .generations import VIEWS
from .schema import index_fields
from .store import create_index, open_index
from .suggestions import write_words


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
        return _PartWriter(open_index(self.generation / view))

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
    """Whoosh's segment writer for one process of a build, its postings held by term.

    It takes no lock (the build holds the archive's). Whoosh's `add_document` makes a
    tuple of each posting and puts it in a pool, which sorts them all when the segment
    closes and hands them to the postings writer one call each: at 100,000 records that
    was a third of a rebuild. Here each posting goes straight into its term's arrays (a
    term's documents arrive in order), only the terms are sorted, and the postings writer
    is given a block at a time, with each block's statistics computed as Whoosh computes
    them: the files are byte for byte Whoosh's own (a test compares them).
    """

    def __init__(self, ix) -> None:
        # Not compound: copying every file of a segment into one costs a build a pass
        # over the whole index, and searches open the files alike either way.
        super().__init__(ix, _lk=False, compound=False, codec=ArchiveCodec())
        self._terms: dict[str, dict[bytes, _Held]] = {}
        # Each document's length in each scored field, as the lengths file gives it back.
        self._lengths: dict[str, dict[int, int]] = {}

    def add_document(self, **fields) -> None:
        """Add a document, as Whoosh's `add_document` does for the fields the archive
        indexes (no boosts, spelling fields or vectors), its postings held by term."""
        self._check_state()
        names = sorted(fields)
        self._check_fields(self.schema, names)
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        perdocwriter.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                if field.separate_spelling() or field.vector:
                    raise ValueError(f"field {name!r}: a build does not write spelling "
                                     "fields or vectors")
                length = 0
                if field.indexed:
                    terms = self._terms.get(name)
                    if terms is None:
                        terms = self._terms[name] = {}
                    for text, frequency, weight, encoded in field.index(value):
                        held = terms.get(text)
                        if held is None:
                            held = terms[text] = _Held()
                        held.ids.append(docnum)
                        held.weights.append(weight)
                        held.values.append(encoded)
                        length += frequency
                    if not field.scorable:
                        length = 0
                    elif length:
                        self._lengths.setdefault(name, {})[docnum] = _read_back(length)
                perdocwriter.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def cancel(self) -> None:
        """Give up this segment, as Whoosh's `cancel` does, but leave the temporary folder
        the other processes of the build are still writing in: Whoosh's removes it, and a
        process that failed then made the others fail too, hiding its own error."""
        self._check_state()
        self._close_segment()
        self._terms = {}
        self.is_closed = True

    def _flush_segment(self) -> None:
        self.perdocwriter.close()  # as Whoosh's own, then the postings term by term
        fieldwriter, count = self.fieldwriter, self.docnum - self.docbase
        for name in sorted(self._terms):
            terms = self._terms[name]
            lengths = np.zeros(count, dtype=np.int64)
            for docnum, length in self._lengths.get(name, {}).items():
                lengths[docnum - self.docbase] = length
            fieldwriter.start_field(name, self.schema[name])
            postings = fieldwriter._postwriter
            for text in sorted(terms):
                fieldwriter.start_term(text)
                _add_blocks(postings, terms.pop(text), lengths, self.docbase)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        self._terms = {}
        fieldwriter.close()


class _Held:
    """One term's postings in a segment being written: documents, weights, values."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self) -> None:
        self.ids, self.weights, self.values = array("I"), array("d"), []


def _read_back(length: int) -> int:
    """A field length as Whoosh's lengths file gives it back (one byte, approximate);
    0 when it gives none."""
    stored = length_to_byte(length)
    return byte_to_length(stored) if stored else 0


def _add_blocks(writer, held: _Held, lengths: np.ndarray, docbase: int) -> None:
    """Hand a term's postings to Whoosh's postings writer a block at a time, each block's
    buffers and statistics set as `add_posting` sets them one posting at a time: the
    weights in single precision, the highest weight of the doubles, the values that are
    not empty, the shortest and longest of the lengths that are not zero. Every block
    but the last is written here; the writer's `finish_postings` writes the last."""
    ids, weights, values = held.ids, held.weights, held.values
    limit, count = writer._blocklimit, len(ids)
    if count == 1:  # most terms of a segment
        writer._ids, writer._weights = ids, array("f", weights)
        writer._maxweight = weights[0] if weights[0] > 0 else 0
        writer._values = values if values[0] else []
        length = int(lengths[ids[0] - docbase])
        writer._minlength, writer._maxlength = (length, length) if length else (None, 0)
        return
    said_all = lengths[np.frombuffer(ids, dtype=np.uint32) - docbase]
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
        said = said_all[start:end]
        said = said[said > 0]
        writer._minlength = int(said.min()) if len(said) else None
        writer._maxlength = int(said.max()) if len(said) else 0


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
