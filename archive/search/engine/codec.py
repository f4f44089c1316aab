"""How postings are laid out on disk and read back: the archive's codec (blocks of 1,024
postings, their numbers in arrays, protocol-4 pickles, fast compression), positions packed
with their followers, and reading a block at a time.

Whoosh writes each block of 128 postings as a pickle of `(ids, weights, values)`, tuples,
compressed with zlib. `ArchiveCodec` writes blocks of 1,024 whose gaps between document
numbers and whose weights are arrays (one bytes object each in the pickle, read back into
numpy without a Python object a posting), pickled with protocol 4 and compressed at level 1
(by ISA-L where its wheel installs: the same zlib stream, written three times as fast).
Whoosh's own matchers read these blocks unchanged (an array indexes and iterates as a
tuple does), and blocks of tuples written before are read as they were. The codec is an
object of its own, passed to each writer and kept in the index's table of contents, so
that no other user of Whoosh in the process is affected.
"""

from __future__ import annotations

import pickle
import sys
import zlib
from array import array
from collections.abc import Callable

import numpy as np

from whoosh import columns
from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3PerDocWriter, W3PostingsWriter,
                                  W3TermInfo)
from whoosh.formats import Positions, tokens
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from .analysis import follower_code

PICKLE_PROTOCOL = 4
COMPRESSION = 1
BLOCK_POSTINGS = 1024  # postings a block (Whoosh: 128)
MAX_SHORT_POSITION = 65535  # the last position a value packs in two bytes (typecode `H`)


def _deflater() -> Callable[[bytes, int], bytes]:
    """The function that compresses the postings' blocks and the stored fields: ISA-L's
    (the `isal` package, where it has a wheel), else Python's zlib.

    Both write a zlib stream, which Whoosh's readers decompress with `zlib.decompress`
    whichever wrote it, so an index written with one reads the same on a machine with
    the other. On a rebuild's blocks (44 MB for 2,500 generated records) ISA-L's level 1
    took 0.25 s and zlib's 0.70, for 19.6 MB against 19.9: zlib was a ninth of a
    build process's work.
    """
    try:
        from isal.isal_zlib import compress
    except ImportError:
        return zlib.compress
    return compress


compress = _deflater()


class ArchiveCodec(W3Codec):
    """Whoosh's codec, writing blocks of 1,024 postings, their numbers in arrays, pickled
    with protocol 4 and compressed at level 1 (`compress`).

    A block costs the same few reads, lookups and calls whatever its size, and a common
    word has 80,000 postings a field at 100,000 records: a search for two common words
    there took 95 ms (in one process) with Whoosh's blocks, 79 ms with blocks of 1,024,
    69 ms with arrays in them too.

    Under Whoosh's protocol 2 each posting's positions (bytes) are read back through a call
    to `codecs.encode`: a common word's postings read in 15 ms instead of 5, from blocks
    a third larger. Level 1 instead of 3 makes a rebuild a tenth faster for an index 3%
    larger, and reads at the same speed. Indexes written this way name this class in
    their table of contents, so its module path is part of the index format.
    """

    def __init__(self, blocklimit: int = BLOCK_POSTINGS, compression: int = COMPRESSION,
                 inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression,
                         inlinelimit=inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                               compression=self._compression, inlinelimit=self._inlinelimit)

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)


class _CompressedBytes(columns.CompressedBytesColumn):
    """Whoosh's column of compressed values, written by `compress` (Whoosh's reader
    decompresses them with zlib, as before)."""

    class Writer(columns.CompressedBytesColumn.Writer):
        def add(self, docnum, v):
            columns.VarBytesColumn.Writer.add(self, docnum, compress(v, self._level))


# Whoosh's column of stored fields (a pickle a document, at zlib's level 3), compressed by
# `compress`: ISA-L wrote a rebuild's stored fields in 0.12 s, zlib in 0.43, both 42% of
# the pickles' size.
STORED_COLUMN = columns.PickleColumn(_CompressedBytes())


class _PerDocWriter(W3PerDocWriter):
    """Whoosh's writer of a segment's documents, its stored fields written by
    `STORED_COLUMN`'s writer: the same bytes once decompressed, read by Whoosh's reader."""

    def __init__(self, codec, storage, segment) -> None:
        super().__init__(codec, storage, segment)
        # Whoosh opened the stored fields' file with its own writer, which wrote nothing yet.
        opened = self._colwriters["_stored"]
        self._colwriters["_stored"] = STORED_COLUMN.writer(opened._child._dbfile)


class _PostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer with the block pickled under `PICKLE_PROTOCOL`.

    Whoosh hard-codes protocol 2 inside `_write_block`, so the method is written out
    again here, byte for byte the same layout: the block's info, then its data. (Whoosh
    compresses even blocks under 20 bytes, whatever its comment says; so does this.)
    """

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._array_ids(), self._array_weights(), self._mini_values())
        databytes = pickle.dumps(data, PICKLE_PROTOCOL)
        if self._compression:
            databytes = compress(databytes, self._compression)
        ids = self._ids
        infobytes = pickle.dumps((len(ids), ids[-1], self._maxweight, self._compression,
                                  length_to_byte(self._minlength),
                                  length_to_byte(self._maxlength)), PICKLE_PROTOCOL)
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()

    def _array_ids(self):
        """The block's document numbers as Whoosh stores them (each the gap from the one
        before), in an `array` of unsigned ints rather than a tuple: pickled as its bytes,
        read back as one object instead of a thousand ints."""
        ids = self._mini_ids()
        return ids if self._byteids else array("I", ids)

    def _array_weights(self):
        """The block's weights as Whoosh stores them (None when all are 1, one float when
        all are equal), else the block's own `array` of single-precision floats, which
        Whoosh gathers them in (and would copy into a tuple): the very same values."""
        weights = self._mini_weights()
        return self._weights if type(weights) is tuple else weights


def write_postings(fieldwriter, terms: list, bounds: np.ndarray, docnums: np.ndarray,
                   weights: np.ndarray, values, lengths: np.ndarray) -> None:
    """Write a field's postings (after `fieldwriter.start_field`) and each term's entry in
    the table of terms: the very bytes `_PostingsWriter` and Whoosh's `finish_term` write
    when given the postings one at a time (a test compares), a term in one step, with
    every block's statistics computed at once for the whole field.

    `terms` are `(bytes, number)` in the order of their bytes; term `number`'s postings
    are `bounds[number]` to `bounds[number + 1]` of `docnums` (in order), `weights`
    (doubles) and `values` (None for a format without values, else a list).
    `lengths` holds each document's length in the field as Whoosh reads it back (0 for
    none). Writing a term through Whoosh's writers took 45 µs, a third of a segment's
    writing, and most terms are in a document or two.
    """
    postwriter = fieldwriter._postwriter
    limit, compression = postwriter._blocklimit, postwriter._compression
    postfile, tindex = postwriter._postfile, fieldwriter._tindex
    key = pack_ushort(fieldwriter._fieldid)
    fixed = fieldwriter._format.fixed_value_size()
    pack_info = W3TermInfo._struct.pack
    dumps, squeeze = pickle.dumps, compress

    # Every block of every term, in the postings' order: a term's postings, `limit` a block.
    counts = np.diff(bounds)
    blocks = -(-counts // limit)
    first_block = np.concatenate(([0], np.cumsum(blocks)))
    term_of = np.repeat(np.arange(len(counts)), blocks)
    starts = bounds[term_of] + (np.arange(len(term_of)) - first_block[term_of]) * limit
    ends = np.minimum(starts + limit, bounds[term_of + 1])
    # Each block's numbers as `_mini_ids` gives them: the gap from the document before,
    # the first of a block whole.
    gaps = docnums.astype(np.int64)
    gaps[1:] -= docnums[:-1]
    gaps[starts] = docnums[starts]
    gaps = gaps.astype(np.uint32).tobytes()
    # Its weights as `_mini_weights` reads them: single precision; all 1, or all equal?
    singles = weights.astype(np.float32)
    not_one = np.logical_or.reduceat(singles != 1.0, starts).tolist()
    changes = np.empty(len(singles), dtype=bool)
    changes[1:] = singles[1:] != singles[:-1]
    changes[starts] = False
    uneven = np.logical_or.reduceat(changes, starts).tolist()
    top = np.maximum.reduceat(weights, starts).tolist()
    # Its shortest and longest document, of those with a length.
    said = lengths[docnums]
    shortest = np.minimum.reduceat(np.where(said > 0, said, _NO_LENGTH), starts).tolist()
    longest = np.maximum.reduceat(said, starts).tolist()
    # The rest a block at a time: no list of every posting's weight or document.
    first_weight, single_bytes = singles[starts].tolist(), singles.tobytes()
    first_doc, last_doc = docnums[starts].tolist(), docnums[ends - 1].tolist()
    starts, ends, first_block = starts.tolist(), ends.tolist(), first_block.tolist()

    for text, number in terms:
        offset, parts = postfile.tell(), [WHOOSH3_HEADER_MAGIC]
        written = len(WHOOSH3_HEADER_MAGIC)
        total, minlength, maxlength, maxweight = 0, None, 0, 0
        first, last = first_block[number], first_block[number + 1] - 1
        for block in range(first, last + 1):
            start, end = starts[block], ends[block]
            if not not_one[block]:
                mini = None
            elif not uneven[block]:
                mini = first_weight[block]
            else:
                mini = array("f", single_bytes[4 * start:4 * end])
            if end - start == 1:
                total += first_weight[block]
            else:
                total += sum(mini if type(mini) is array else
                             array("f", single_bytes[4 * start:4 * end]))
            low = shortest[block]
            low = None if low == _NO_LENGTH else low
            minlength = low if minlength is None else min(minlength, low)
            maxlength = max(maxlength, longest[block])
            heaviest = top[block] if top[block] > 0 else 0
            maxweight = max(maxweight, heaviest)
            if values is None:  # the format has none (its fixed size is 0)
                kept = None
            elif fixed is None:
                kept = tuple(filter(None, values[start:end]))
            else:
                kept = b"".join(values[start:end])
            data = dumps((array("I", gaps[4 * start:4 * end]), mini, kept), PICKLE_PROTOCOL)
            if compression:
                data = squeeze(data, compression)
            info = dumps((end - start, last_doc[block], heaviest, compression,
                          length_to_byte(low), length_to_byte(longest[block])), PICKLE_PROTOCOL)
            size = len(info) + len(data)
            parts += (pack_int(-size if block == last else size), info, data)
            written += 4 + size
        postfile.write(b"".join(parts))
        begin, finish = starts[first], ends[last]
        tindex.add(key + text, pack_info(
            False, total, finish - begin, 0 if minlength is None else length_to_byte(minlength),
            length_to_byte(maxlength), maxweight, first_doc[first], last_doc[last])
            + pack_long(offset) + pack_int(written))


_NO_LENGTH = np.iinfo(np.int64).max  # a block's shortest length where none has one


class PackedPositions(Positions):
    """A word's positions in a text, each with the `follower_code` of the word after it:
    a typecode (`H` when every position is below 65,536, else `I`), the codes, one byte
    each, then the positions as packed little-endian integers.

    Two common words are both in 22,000 of 34,000 records; as a phrase, in 200. Whoosh
    unpickles and compares both words' positions in every one of the 22,000; here a
    search looks for the second word's code among the first word's followers (one
    `bytes.find`), and compares positions only where it is found.
    """

    def word_values(self, value, analyzer, **kwargs):
        kwargs["positions"] = True
        found: dict[str, list] = {}
        at: dict[int, str] = {}
        for token in tokens(value, analyzer, kwargs):
            if token.pos in at:
                raise ValueError("PackedPositions needs one term at each position")
            at[token.pos] = token.text
            found.setdefault(token.text, [0.0, []])
            found[token.text][0] += token.boost
            found[token.text][1].append(token.pos)
        for text, (boost, poslist) in found.items():
            codes = [follower_code(at[p + 1]) if p + 1 in at else 0 for p in poslist]
            yield text, len(poslist), boost * self.field_boost, self.encode(poslist, codes)

    def encode(self, poslist, followers) -> bytes:
        if len(poslist) == 1 and poslist[0] < len(AT):  # most terms of a text
            return FOLLOWED_BY[followers[0]] + AT[poslist[0]]
        packed = array("H" if poslist[-1] <= MAX_SHORT_POSITION else "I", poslist)
        if sys.byteorder == "big":
            packed.byteswap()
        return packed.typecode.encode("ascii") + bytes(followers) + packed.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return unpack_positions(valuestring).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return position_count(valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def combine(self, vs) -> bytes:
        """One value for the positions of several (a wildcard's words in a document)."""
        followed = {}
        for value in vs:
            followed.update(zip(unpack_positions(value), followers(value)))
        ordered = sorted(followed)
        return self.encode(ordered, [followed[position] for position in ordered])


def packed_texts(term_ids: np.ndarray, lengths: np.ndarray, codes: np.ndarray):
    """Each distinct term of each of some texts, with how often it occurs there and its
    `PackedPositions` value, all at once: `(texts, ids, counts, values)`, a posting each,
    in the order of the texts, then of the ids.

    `term_ids` holds the texts' term ids one text after another, `lengths` how many each
    has (at least one; positions up to `MAX_SHORT_POSITION`), `codes` each id's
    `follower_code`. The values are exactly `PackedPositions.encode`'s: a term's
    positions in order, each with the code of the term after it in its text (0 after
    its last)."""
    count = len(term_ids)
    text_starts = np.cumsum(lengths) - lengths
    text = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    position = np.arange(count, dtype=np.int64) - np.repeat(text_starts, lengths)
    followed = np.empty(count, dtype=np.uint8)
    followed[:-1] = codes[term_ids[1:]]
    followed[text_starts + lengths - 1] = 0  # after each text's last term
    # Each text's terms grouped, each term's positions in order (a stable sort).
    keys = (text << 32) | term_ids
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    counts = np.diff(np.append(starts, count))
    sizes = 1 + 3 * counts  # the typecode, a follower a position, two bytes a position
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    packed = np.empty(int(sizes.sum()), dtype=np.uint8)
    packed[offsets] = ord("H")
    first = np.repeat(offsets + 1, counts)  # where each posting's term's followers begin
    rank = np.arange(count) - np.repeat(starts, counts)
    packed[first + rank] = followed[order]
    at = first + np.repeat(counts, counts) + 2 * rank
    positions = position[order]
    packed[at] = positions & 0xFF  # little-endian, as `encode` packs them
    packed[at + 1] = positions >> 8
    raw, ends = packed.tobytes(), (offsets + sizes).tolist()
    firsts = order[starts]
    return (text[firsts], term_ids[firsts], counts,
            [raw[start:end] for start, end in zip(offsets.tolist(), ends)])


def position_count(valuestring: bytes) -> int:
    """How many positions a `PackedPositions` value holds: after the typecode, a byte of
    follower and two (`H`) or four (`I`) of position each."""
    return (len(valuestring) - 1) // (3 if valuestring[0] == 72 else 5)  # 72: b"H"


def followers(valuestring: bytes) -> bytes:
    """The follower codes a `PackedPositions` value holds, one a position."""
    return valuestring[1:1 + position_count(valuestring)]


def unpack_positions(valuestring: bytes) -> array:
    """The positions a `PackedPositions` value holds."""
    positions = array(chr(valuestring[0]), valuestring[1 + position_count(valuestring):])
    if sys.byteorder == "big":
        positions.byteswap()
    return positions


# A single position's value, in pieces made once: `H`, the follower, the position.
FOLLOWED_BY = [b"H" + bytes((code,)) for code in range(256)]
AT = [position.to_bytes(2, "little") for position in range(8192)]


def posting_blocks(matcher, values: bool = False, weights: bool = True):
    """A term's postings as (docnums, weights, values), a block at a time where Whoosh's
    leaf matcher allows it (deleted documents included: the caller keeps live ones): the
    documents an int64 array, the weights a float64 array (the very floats Whoosh reads).
    Blocks written as tuples (before `_array_ids`) are read too."""
    leaf = getattr(matcher, "child", matcher)
    if all(hasattr(leaf, name) for name in ("_read_data", "_data", "_byteids", "_read_weights",
                                            "_read_values", "_next_block")) \
            and not leaf._byteids:
        while leaf.is_active():
            if leaf._data is None:
                leaf._read_data()
            gaps = leaf._data[0]  # as Whoosh's _read_ids, the gaps summed in numpy
            leaf._ids = np.cumsum(np.asarray(gaps, dtype=np.int64))
            if weights:
                leaf._read_weights()
            if values:
                leaf._read_values()
            yield (leaf._ids, np.asarray(leaf._weights, dtype=np.float64) if weights else None,
                   leaf._values if values else None)
            leaf._next_block()
        return
    while matcher.is_active():
        yield (np.array([matcher.id()], dtype=np.int64),
               np.array([matcher.weight()], dtype=np.float64),
               (matcher.value(),) if values else None)
        matcher.next()
