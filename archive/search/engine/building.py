"""Writing a new generation in parts: each build process writes segments of its own, which
one commit then lists together, as Whoosh's own multiprocess writer does."""

from __future__ import annotations

from array import array
from itertools import chain
from pathlib import Path

import numpy as np
from whoosh.analysis import IDTokenizer, KeywordAnalyzer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.fields import FieldType, UnknownFieldError
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import (TextTokenizer, follower_code, grouped_terms, text_terms, text_words,
                       word_terms)
from .codec import (MAX_SHORT_POSITION, ArchiveCodec, PackedPositions, packed_texts,
                    write_postings)
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
    grouped by term with one stable sort when the segment closes, and are written a term
    at a time (`codec.write_postings`), each block's statistics computed as Whoosh
    computes them; the field lengths are written a column at a time. The files are byte
    for byte Whoosh's own (a test compares them).
    """

    def __init__(self, ix) -> None:
        # Not compound: copying every file of a segment into one costs a build a pass
        # over the whole index, and searches open the files alike either way.
        super().__init__(ix, _lk=False, compound=False, codec=ArchiveCodec())
        self._postings: dict[str, _FieldPostings] = {}
        self._plans: dict[str, tuple] = {}

    def add_document(self, **fields) -> None:
        """Add a document, as Whoosh's `add_document` does for the fields the archive
        indexes (no boosts, spelling fields or vectors)."""
        self._check_state()
        perdocwriter, docnum, plans = self.perdocwriter, self.docnum, self._plans
        perdocwriter.start_doc(docnum)
        stored = perdocwriter._storedfields
        try:
            for name in sorted(fields):
                value = fields[name]
                if value is None:
                    continue
                plan = plans.get(name) or self._plan(name)
                kind, field, postings = plan
                length = 0
                if kind is _TEXT and isinstance(value, str):
                    length = postings.add_text(docnum, value, field.format)
                elif kind is _WHOLE and isinstance(value, str):
                    postings.add(docnum, value.encode("utf-8"), field.format.field_boost, b"")
                    length = 1
                elif kind in _KEYWORDS and isinstance(value, str):
                    length = postings.add_keywords(docnum, value, field.format.field_boost,
                                                   kind is _LOWERCASE_KEYWORDS)
                elif postings is not None:
                    for text, frequency, weight, encoded in field.index(value):
                        postings.add(docnum, text, weight, encoded)
                        length += frequency
                if length and field.scorable:
                    postings.add_length(docnum, length)
                if field.stored:
                    stored[name] = value
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _plan(self, name: str) -> tuple:
        """How a field's values are indexed, decided once a segment: `(kind, field,
        postings)`, the postings None for a field not indexed."""
        if name not in self.schema:
            raise UnknownFieldError(f"No field named {name!r} in {self.schema}")
        field = self.schema[name]
        if field.separate_spelling() or field.vector:
            raise ValueError(f"field {name!r}: a build does not write spelling fields or "
                             "vectors")
        kind = _TEXT if _packs_positions(field) else _WHOLE if _whole_value(field) else \
            _keywords(field) or _OTHER
        postings = None
        if field.indexed:
            postings = self._postings[name] = _FieldPostings()
        plan = self._plans[name] = (kind, field, postings)
        return plan

    def cancel(self) -> None:
        """Give up this segment, as Whoosh's `cancel` does, but leave the temporary folder
        the other processes of the build are still writing in: Whoosh's removes it, and a
        process that failed then made the others fail too, hiding its own error."""
        self._check_state()
        self._close_segment()
        self._postings = {}
        self.is_closed = True

    def _flush_segment(self) -> None:
        # The field lengths first, as columns of the per-document files Whoosh closes,
        # then the postings a field at a time.
        perdocwriter, fieldwriter = self.perdocwriter, self.fieldwriter
        lengths = {}
        for name in sorted(self._postings):
            lengths[name] = self._postings[name].write_lengths(perdocwriter, name, self.docnum)
        perdocwriter.close()
        for name in sorted(self._postings):
            field = self.schema[name]
            fieldwriter.start_field(name, field)
            write_postings(fieldwriter, *self._postings.pop(name).by_term(
                field.format.fixed_value_size() != 0), lengths[name])
            fieldwriter.finish_field()
        fieldwriter.close()


# `_PartWriter._plan`'s kinds of field
_TEXT, _WHOLE, _OTHER = "text", "whole value", "other"
_KEYWORDS = _CASED_KEYWORDS, _LOWERCASE_KEYWORDS = "keywords", "lower-cased keywords"


def _packs_positions(field) -> bool:
    """Whether a field's texts are analysed by `TextTokenizer` into `PackedPositions`
    (`schema.ArchiveText`): its postings can then be made a text at a time."""
    return type(field.format) is PackedPositions and isinstance(field.analyzer, TextTokenizer)


def _whole_value(field) -> bool:
    """Whether a field indexes its whole value as its one term, which says only that the
    document has it (Whoosh's `ID`): its posting is made without the analyzer's token."""
    return (type(field).index is FieldType.index and type(field.format) is Existence
            and type(field.analyzer) is IDTokenizer)


def _keywords(field) -> str | None:
    """Whether a field is Whoosh's `KEYWORD` with commas between its keywords (lower-cased
    or not: the kind), whose postings `_FieldPostings.add_keywords` makes without the
    analyzer's tokens; None when it is not."""
    if type(field).index is not FieldType.index or type(field.format) is not Frequency:
        return None
    if field.analyzer == KeywordAnalyzer(commas=True):
        return _CASED_KEYWORDS
    if field.analyzer == KeywordAnalyzer(lowercase=True, commas=True):
        return _LOWERCASE_KEYWORDS
    return None


PACK_TEXTS_FROM = 1 << 19  # term numbers held (stop words' too) before a field's texts are packed


class _FieldPostings:
    """A field's postings in a segment being written, in the order they were added: a
    number for each term, and each posting's term number, document, weight and value.
    A text field's texts wait as their terms' numbers until `pack_texts` makes their
    postings, many texts at once."""

    def __init__(self) -> None:
        self.numbers: dict = {}  # a term (its bytes; a text field's, its str) -> its number
        self.terms, self.docnums = array("I"), array("I")
        self.weights, self.values = array("d"), []
        self.codes = np.zeros(256, dtype=np.uint8)  # a text field's: each term's follower code
        self.word_numbers: dict = {}  # a text field's: each word seen -> its terms' numbers
        self.word_number: dict = {}  # the same for ASCII words: its one term's number, or -1
        # A text field's texts not packed yet: their terms' numbers one text after another
        # (-1 for an ASCII stop word), each text's document and its number of terms.
        self.waiting, self.waiting_docs, self.waiting_lengths = array("q"), array("I"), array("q")
        self.boost = 1.0  # a text field's boost (`format.field_boost`)
        # A scored field's documents with a length, each length's byte, and their total.
        self.length_docs, self.length_bytes, self.total_length = array("I"), array("B"), 0

    def add(self, docnum: int, term, weight: float, value: bytes) -> None:
        """Add one posting."""
        number = self.numbers.get(term)
        if number is None:
            number = self.numbers[term] = len(self.numbers)
        self.terms.append(number)
        self.docnums.append(docnum)
        self.weights.append(weight)
        self.values.append(value)

    def add_keywords(self, docnum: int, value: str, boost: float, lowercase: bool) -> int:
        """Add the postings of keywords between commas, as Whoosh's `KEYWORD` field
        indexes them (each run between commas, stripped of blanks, once a distinct
        keyword with its count); how many keywords there are."""
        keywords = [piece.strip() for piece in value.split(",") if piece]
        if lowercase:
            keywords = [keyword.lower() for keyword in keywords]
        counts: dict[str, int] = {}
        for keyword in keywords:
            counts[keyword] = counts.get(keyword, 0) + 1
        for keyword, count in counts.items():
            self.add(docnum, keyword.encode("utf-8"), float(count) * boost, pack_uint(count))
        return len(keywords)

    def add_length(self, docnum: int, length: int) -> None:
        """Note a document's length in a scored field."""
        self.length_docs.append(docnum)
        self.length_bytes.append(length_to_byte(length))
        self.total_length += length

    def write_lengths(self, perdocwriter, name: str, doccount: int) -> np.ndarray:
        """Write the field's lengths as Whoosh's `add_field` does a document at a time (a
        column of a byte a document up to the last with a length, and the field's total,
        where some document has one); each document's length as the column gives it back."""
        column = np.zeros(doccount, dtype=np.uint8)
        column[np.frombuffer(self.length_docs, dtype=np.uint32)] = \
            np.frombuffer(self.length_bytes, dtype=np.uint8)
        if self.total_length:
            perdocwriter._create_column(f"_{name}_len", LENGTHS_COLUMN)
            writer = perdocwriter._get_column(f"_{name}_len")
            writer._count = self.length_docs[-1] + 1  # its file ends at the last length
            writer._dbfile.write(column[:writer._count].tobytes())
            perdocwriter._fieldlengths[name] += self.total_length
        return _READ_BACK[column]

    def add_text(self, docnum: int, value: str, format_: PackedPositions) -> int:
        """Add the postings of a text (one a distinct term, `format_`'s values and
        weights, as `schema.ArchiveText.index` gives them); how many terms it holds.

        The text's terms are numbered a word at a time (each word seen in the segment
        keeps its terms' numbers) and wait with the field's other texts, whose postings
        `pack_texts` makes in numpy all at once: making them a text at a time, in Python
        for a short one, cost a build more than all its writing. An ASCII word gives at
        most one term (Hangul alone is cut into several), so an ASCII text's numbers are
        one a word, -1 for a stop word. A text with positions past `MAX_SHORT_POSITION`
        is grouped in Python.
        """
        self.boost = format_.field_boost
        words, distinct = text_words(value)
        if value.isascii():  # each word gives one term or none: a number, or -1
            number = self.word_number
            for word in distinct.difference(number):
                terms = word_terms(word)
                if len(terms) > 1:
                    raise ValueError(f"an ASCII word gave several terms: {word!r}")
                number[word] = self._number(terms[0]) if terms else -1
            ids = list(map(number.__getitem__, words))
            length = len(ids) - ids.count(-1)
        else:
            numbered = self.word_numbers
            for word in distinct.difference(numbered):
                numbered[word] = tuple(map(self._number, word_terms(word)))
            ids = list(chain.from_iterable(map(numbered.__getitem__, words)))
            length = len(ids)
        if length - 1 > MAX_SHORT_POSITION:
            self.pack_texts()  # a term's postings stay in the order of their documents
            terms = text_terms(value)
            for term, (found, followers) in grouped_terms(terms).items():
                self.add(docnum, term, len(found) * self.boost, format_.encode(found, followers))
            return len(terms)
        if length:
            self.waiting.extend(ids)
            self.waiting_docs.append(docnum)
            self.waiting_lengths.append(length)
            if len(self.waiting) >= PACK_TEXTS_FROM:
                self.pack_texts()
        return length

    def pack_texts(self) -> None:
        """Make the postings of the texts waiting (`add_text`), all at once."""
        if not self.waiting_docs:
            return
        ids = np.frombuffer(self.waiting, dtype=np.int64)
        texts, found, counts, values = packed_texts(
            ids[ids >= 0], np.frombuffer(self.waiting_lengths, dtype=np.int64), self.codes)
        self.terms.frombytes(found.astype(np.uint32).tobytes())
        self.docnums.frombytes(np.frombuffer(self.waiting_docs, dtype=np.uint32)[texts]
                               .tobytes())
        self.weights.frombytes((counts * self.boost).astype(np.float64).tobytes())
        self.values += values
        self.waiting, self.waiting_docs, self.waiting_lengths = array("q"), array("I"), array("q")

    def _number(self, term: str) -> int:
        """A text term's number, given it when first seen (with its follower code)."""
        number = self.numbers.get(term)
        if number is None:
            number = self.numbers[term] = len(self.numbers)
            if number == len(self.codes):
                self.codes = np.concatenate((self.codes, np.zeros_like(self.codes)))
            self.codes[number] = follower_code(term)
        return number

    def by_term(self, with_values: bool = True):
        """The postings grouped by term, for `codec.write_postings`: the terms as
        `(bytes, number)` in the order of their bytes, where each number's postings
        start, and the documents, weights and values (None without `with_values`), each
        term's in the order added (its documents' order)."""
        self.pack_texts()
        terms = np.frombuffer(self.terms, dtype=np.uint32)
        order = np.argsort(terms, kind="stable")
        docnums = np.frombuffer(self.docnums, dtype=np.uint32)[order]
        weights = np.frombuffer(self.weights, dtype=np.float64)[order]
        values = None
        if with_values:
            values = np.empty(len(self.values), dtype=object)
            values[:] = self.values
            values = values[order].tolist()
        bounds = np.searchsorted(terms[order], np.arange(len(self.numbers) + 1))
        ordered = sorted((term.encode("utf-8") if isinstance(term, str) else term, number)
                         for term, number in self.numbers.items())
        return ordered, bounds, docnums, weights, values


# Each length byte's length, as Whoosh's lengths column gives it back (0 for none).
_READ_BACK = np.array([byte_to_length(stored) if stored else 0 for stored in range(256)],
                      dtype=np.int64)


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
