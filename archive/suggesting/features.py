"""Text to vectors for the suggestion models: each passage a row of hashed TF-IDF weights.

Features are the words as the index reads them (English lower-cased and stemmed, stop words
out, runs of Hangul cut into overlapping syllable pairs, so that `자유를` and `자유롭게`
share `자유`), hashed into a fixed space so that vectors made on different days can be
compared without a vocabulary to keep. `char_ngrams` is the alternative the bench measures
(characters 2 to 4 within words, the usual choice for Korean particles); README,
"Suggested evidence", gives the figures that chose words.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

import numpy as np

from ..search.engine.analysis import term_spans

DIMENSIONS = 1 << 18
_WORD = re.compile(r"\w+")


def index_terms(text: str) -> list[str]:
    """The terms the index makes of a text (stemmed words, Hangul syllable pairs)."""
    # Pairs of terms in sequence were measured too: they doubled the rows' size and lowered
    # the average precision on the labelled set (0.25 against 0.27).
    return [term for term, _start, _end in term_spans(text)]


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3, 4)) -> list[str]:
    """Character n-grams inside each lower-cased word, the word padded with spaces."""
    grams = []
    for word in _WORD.findall(text.lower()):
        padded = f" {word} "
        for size in sizes:
            grams += [padded[i:i + size] for i in range(max(len(padded) - size + 1, 1))]
    return grams


ANALYZERS = {"words": index_terms, "chars": char_ngrams}


def hashed(tokens: list[str]) -> dict[int, int]:
    """Token counts by their place in the hashed space."""
    counts: dict[int, int] = {}
    for token in tokens:
        slot = zlib.crc32(token.encode("utf-8")) & (DIMENSIONS - 1)
        counts[slot] = counts.get(slot, 0) + 1
    return counts


@dataclass
class Rows:
    """Sparse rows in compressed form: row i holds `indices[indptr[i]:indptr[i+1]]` with
    the weights `data[...]` (the layout of scipy's CSR, kept in plain numpy arrays)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def dot(self, weights: np.ndarray, chunk: int = 1 << 18) -> np.ndarray:
        """Each row's dot product with a dense vector (a chunk of rows at a time, so that
        millions of rows need no more memory than a chunk's products)."""
        sums = np.zeros(len(self), dtype=weights.dtype)
        for first in range(0, len(self), chunk):
            last = min(first + chunk, len(self))
            start, end = int(self.indptr[first]), int(self.indptr[last])
            if end == start:
                continue
            values = np.asarray(self.data[start:end]) * weights[self.indices[start:end]]
            offsets = np.asarray(self.indptr[first:last]) - start
            part = np.add.reduceat(values, np.minimum(offsets, len(values) - 1))
            part[np.asarray(self.indptr[first + 1:last + 1]) == np.asarray(
                self.indptr[first:last])] = 0
            sums[first:last] = part
        return sums

    def transpose_dot(self, values: np.ndarray, size: int = DIMENSIONS) -> np.ndarray:
        """The sum of the rows, each multiplied by its value (Xᵀv)."""
        lengths = np.diff(self.indptr)
        return np.bincount(self.indices, weights=self.data * np.repeat(values, lengths),
                           minlength=size)

    def take(self, rows: np.ndarray) -> "Rows":
        """Some of the rows, in the order given."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = (self.indptr[rows + 1] - self.indptr[rows]) if len(rows) else rows
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        picks = np.concatenate([np.arange(self.indptr[r], self.indptr[r + 1]) for r in rows]) \
            if len(rows) else np.zeros(0, dtype=np.int64)
        return Rows(indptr, np.asarray(self.indices[picks]), np.asarray(self.data[picks]))

    @staticmethod
    def stack(parts: list["Rows"]) -> "Rows":
        """The rows of several, one after the other."""
        parts = [part for part in parts if len(part)]
        if not parts:
            return empty_rows()
        offsets = np.cumsum([0] + [part.indptr[-1] for part in parts[:-1]])
        indptr = np.concatenate([[0]] + [part.indptr[1:] + offset
                                         for part, offset in zip(parts, offsets)])
        return Rows(indptr.astype(np.int64), np.concatenate([p.indices for p in parts]),
                    np.concatenate([p.data for p in parts]))


def empty_rows() -> Rows:
    """No rows."""
    return Rows(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                np.zeros(0, dtype=np.float32))


def counted(texts: list[str], analyzer: str = "words") -> Rows:
    """Texts as rows of raw token counts."""
    analyse = ANALYZERS[analyzer]
    indptr, indices, data = [0], [], []
    for text in texts:
        counts = hashed(analyse(text))
        indices += counts.keys()
        data += counts.values()
        indptr.append(len(indices))
    return Rows(np.array(indptr, dtype=np.int64), np.array(indices, dtype=np.int32),
                np.array(data, dtype=np.float32))


def document_frequencies(rows: Rows) -> np.ndarray:
    """In how many rows each hashed slot occurs."""
    return np.bincount(rows.indices, minlength=DIMENSIONS).astype(np.float32)


def idf_weights(frequencies: np.ndarray, documents: int) -> np.ndarray:
    """Smoothed inverse document frequencies, as scikit-learn computes them."""
    return (np.log((1 + documents) / (1 + frequencies)) + 1).astype(np.float32)


def weighted(rows: Rows, idf: np.ndarray) -> Rows:
    """Counts to TF-IDF (sublinear term frequency), each row of unit length."""
    data = (1 + np.log(np.maximum(rows.data, 1))) * idf[rows.indices]
    lengths = np.diff(rows.indptr)
    norms = np.sqrt(np.add.reduceat(np.append(data * data, 0), np.minimum(
        rows.indptr[:-1], len(data))) if len(rows) else np.zeros(0))
    norms[lengths == 0] = 1
    return Rows(rows.indptr, rows.indices, (data / np.repeat(norms, lengths)).astype(np.float32))


def vectors(texts: list[str], analyzer: str = "words", idf: np.ndarray | None = None) -> Rows:
    """Texts as TF-IDF rows; the IDF from the texts themselves unless given."""
    rows = counted(texts, analyzer)
    if idf is None:
        idf = idf_weights(document_frequencies(rows), len(texts))
    return weighted(rows, idf)


def passage_key(text: str) -> str:
    """Sixteen hexadecimal digits standing for a passage's words (the same words, the same
    key), to recognise a rejected suggestion without keeping its text."""
    words = " ".join(_WORD.findall(text.lower()))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:16]
