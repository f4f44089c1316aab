"""Writing a new generation in parts: each build process writes segments of its own, which
one commit then lists together, as Whoosh's own multiprocess writer does."""

from __future__ import annotations

from array import array
from itertools import chain
from pathlib import Path

import numpy as np
from whoosh.analysis import IDTokenizer
from whoosh.fields import FieldType
from whoosh.formats import Existence
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import (TextTokenizer, follower_code, grouped_terms, text_terms, text_words,
                       word_terms)
from .codec import MAX_SHORT_POSITION, ArchiveCodec, PackedPositions, packed_terms
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
    """Whoosh's segment writer for one process of a build, its postings held in arrays.

    It takes no lock (the build holds the archive's). Whoosh's `add_document` makes a
    tuple of each posting and puts it in a pool, which sorts them all when the segment
    closes and hands them to the postings writer one call each. Here each field's
    postings go into arrays (a text's all at once, `_FieldPostings.add_text`), are
    grouped by term with one stable sort when the segment closes, and reach the postings
    writer a block at a time, each block's statistics computed as Whoosh computes them:
    the files are byte for byte Whoosh's own (a test compares them).
    """

    def __init__(self, ix) -> None:
        # Not compound: copying every file of a segment into one costs a build a pass
        # over the whole index, and searches open the files alike either way.
        super().__init__(ix, _lk=False, compound=False, codec=ArchiveCodec())
        self._postings: dict[str, _FieldPostings] = {}
        # Each document's length in each scored field, as the lengths file gives it back.
        self._lengths: dict[str, dict[int, int]] = {}

    def add_document(self, **fields) -> None:
        """Add a document, as Whoosh's `add_document` does for the fields the archive
        indexes (no boosts, spelling fields or vectors)."""
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
                    postings = self._postings.get(name)
                    if postings is None:
                        postings = self._postings[name] = _FieldPostings()
                    if _packs_positions(field) and isinstance(value, str):
                        length = postings.add_text(docnum, value, field.format)
                    elif _whole_value(field) and isinstance(value, str):
                        postings.add(docnum, value.encode("utf-8"), field.format.field_boost,
                                     b"")
                        length = 1
                    else:
                        for text, frequency, weight, encoded in field.index(value):
                            postings.add(docnum, text, weight, encoded)
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
        self._postings = {}
        self.is_closed = True

    def _flush_segment(self) -> None:
        self.perdocwriter.close()  # as Whoosh's own, then the postings term by term
        fieldwriter = self.fieldwriter
        for name in sorted(self._postings):
            lengths = np.zeros(self.docnum, dtype=np.int64)
            for docnum, length in self._lengths.get(name, {}).items():
                lengths[docnum] = length
            fieldwriter.start_field(name, self.schema[name])
            writer = fieldwriter._postwriter
            for text, docnums, weights, values in self._postings.pop(name).by_term():
                fieldwriter.start_term(text)
                _add_blocks(writer, docnums, weights, values, lengths)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()


def _packs_positions(field) -> bool:
    """Whether a field's texts are analysed by `TextTokenizer` into `PackedPositions`
    (`schema.ArchiveText`): its postings can then be made a text at a time."""
    return type(field.format) is PackedPositions and isinstance(field.analyzer, TextTokenizer)


def _whole_value(field) -> bool:
    """Whether a field indexes its whole value as its one term, which says only that the
    document has it (Whoosh's `ID`): its posting is made without the analyzer's token."""
    return (type(field).index is FieldType.index and type(field.format) is Existence
            and type(field.analyzer) is IDTokenizer)


ARRAYS_FROM = 200  # words in a text from which its postings are made in numpy at once


class _FieldPostings:
    """A field's postings in a segment being written, in the order they were added: a
    number for each term, and each posting's term number, document, weight and value."""

    def __init__(self) -> None:
        self.numbers: dict = {}  # a term (its bytes; a text field's, its str) -> its number
        self.terms, self.docnums = array("I"), array("I")
        self.weights, self.values = array("d"), []
        self.codes = np.zeros(256, dtype=np.uint8)  # a text field's: each term's follower code
        self.word_numbers: dict = {}  # a text field's: each word seen -> its terms' numbers

    def add(self, docnum: int, term, weight: float, value: bytes) -> None:
        """Add one posting."""
        number = self.numbers.get(term)
        if number is None:
            number = self.numbers[term] = len(self.numbers)
        self.terms.append(number)
        self.docnums.append(docnum)
        self.weights.append(weight)
        self.values.append(value)

    def add_text(self, docnum: int, value: str, format_: PackedPositions) -> int:
        """Add the postings of a text (one a distinct term, `format_`'s values and
        weights, as `schema.ArchiveText.index` gives them); how many terms it holds.

        A long text's terms are numbered a word at a time (each word seen in the segment
        keeps its terms' numbers), then packed in numpy; a short one's are grouped in
        Python, quicker below `ARRAYS_FROM` words."""
        boost = format_.field_boost
        words, distinct = text_words(value)
        if len(words) >= ARRAYS_FROM:
            numbered = self.word_numbers
            for word in distinct.difference(numbered):
                numbered[word] = tuple(map(self._number, word_terms(word)))
            ids = np.fromiter(chain.from_iterable(map(numbered.__getitem__, words)),
                              dtype=np.int64)
            if len(ids) - 1 <= MAX_SHORT_POSITION:
                found, counts, values = packed_terms(ids, self.codes)
                self.terms.frombytes(found.astype(np.uint32).tobytes())
                self.docnums.frombytes(np.full(len(found), docnum, dtype=np.uint32).tobytes())
                self.weights.frombytes((counts * boost).astype(np.float64).tobytes())
                self.values += values
                return len(ids)
        terms = text_terms(value)
        for term, (found, followers) in grouped_terms(terms).items():
            self._number(term)
            self.add(docnum, term, len(found) * boost, format_.encode(found, followers))
        return len(terms)

    def _number(self, term: str) -> int:
        """A text term's number, given it when first seen (with its follower code)."""
        number = self.numbers.get(term)
        if number is None:
            number = self.numbers[term] = len(self.numbers)
            if number == len(self.codes):
                self.codes = np.concatenate((self.codes, np.zeros_like(self.codes)))
            self.codes[number] = follower_code(term)
        return number

    def by_term(self):
        """Each term's postings, `(bytes, docnums, weights, values)`, in the order of
        the terms' bytes, a term's in the order added (its documents' order)."""
        terms = np.frombuffer(self.terms, dtype=np.uint32)
        order = np.argsort(terms, kind="stable")
        docnums = np.frombuffer(self.docnums, dtype=np.uint32)[order]
        weights = np.frombuffer(self.weights, dtype=np.float64)[order]
        values = [self.values[at] for at in order.tolist()]
        bounds = np.searchsorted(terms[order], np.arange(len(self.numbers) + 1)).tolist()
        for text, number in sorted((term.encode("utf-8") if isinstance(term, str) else term,
                                    number) for term, number in self.numbers.items()):
            start, end = bounds[number], bounds[number + 1]
            yield text, docnums[start:end], weights[start:end], values[start:end]


def _read_back(length: int) -> int:
    """A field length as Whoosh's lengths file gives it back (one byte, approximate);
    0 when it gives none."""
    stored = length_to_byte(length)
    return byte_to_length(stored) if stored else 0


def _add_blocks(writer, docnums: np.ndarray, weights: np.ndarray, values: list,
                lengths: np.ndarray) -> None:
    """Hand a term's postings to Whoosh's postings writer a block at a time, each block's
    buffers and statistics set as `add_posting` sets them one posting at a time: the
    weights in single precision, the highest weight of the doubles, the values that are
    not empty, the shortest and longest of the lengths that are not zero. Every block
    but the last is written here; the writer's `finish_postings` writes the last."""
    limit, count = writer._blocklimit, len(docnums)
    said_all = lengths[docnums]
    for start in range(0, count, limit):
        if start:
            writer._write_block()
        end = min(start + limit, count)
        block = weights[start:end]
        writer._ids = array("I", docnums[start:end].tobytes())
        writer._weights = array("f", block.astype(np.float32).tobytes())
        top = float(block.max())
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
