"""Ranking: every match of a query with its score, block-at-a-time BM25F for words and
phrases (the same floats as Whoosh's own ranking), Whoosh's matchers for the rest.

A query of words is an AND of parts. A part that is a word is an OR of a term (or, for a
phrase or a Korean word, a phrase) in each searched field: it is scored here, with
Whoosh's own BM25F (the same formula, statistics and boosts; tests compare them), a block
of postings at a time instead of through matcher objects, which ranks a common word's
27,000 matches in a third of the time. Any other part (a year range, `sector:trade`, a
wildcard) is scored by Whoosh's matcher for it alone, and a NOT part takes its documents out.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from whoosh import sorting
from whoosh.query import And, Not, Or, Phrase, Term
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from ...errors import QueryError
from ...translation import gettext
from .analysis import follower_code
from .codec import PackedPositions, posting_blocks, unpack_positions


def rank(searcher, query, lengths: dict, by_year: bool, text: str) -> "Ranking":
    """Every match of a query, ranked by relevance or newest first."""
    if not by_year:
        scores = rank_words(searcher, query, lengths)
        if scores is not None:
            return Ranking(scores=scores)
    sortedby = sorting.FieldFacet("year", reverse=True) if by_year else None
    try:
        results = searcher.search(query, limit=None, sortedby=sortedby)
    except Exception as exc:  # a searcher can fail on odd queries too
        raise QueryError(gettext("the query %(query)r cannot be run (%(kind)s); simplify it",
                           query=text, kind=type(exc).__name__)) from None
    return Ranking(order=[docnum for _, docnum in results.top_n])


def rank_words(searcher, query, lengths: dict) -> "Scores | None":
    """The score of every match of a query with words, by document; None for a query
    with none (a wildcard or a range alone), which Whoosh ranks (see the module's doc)."""
    weighting = searcher.weighting
    if type(weighting) is not BM25F or weighting._field_B or not lengths \
            or (type(query) is And and query.boost != 1.0):
        return None
    size = searcher.doc_count_all()
    total: Scores | None = None
    excluded: list = []
    words, nots = False, 0
    for part in query.subqueries if type(query) is And else [query]:
        if type(part) is Not:
            excluded.append(searcher.docs_for_query(part.query))
            nots += 1  # Whoosh scores a NOT part 1 in each document it leaves
            continue
        scores = _word_scores(searcher, part, lengths, weighting)
        if scores is None:
            scores = _clause_scores(searcher, part)
        else:
            words = True
        if type(scores) is not Scores:
            scores = Scores.of(scores, size)
        total = scores if total is None else total.both(scores)
    if not words:
        return None
    return total.without(excluded, nots) if nots else total


class Scores(Mapping):
    """Every match's score, over every document number: `total[docnum]` where
    `found[docnum]`. Parts of a query combine as arrays (the same additions, in the same
    order, as document by document); read as a mapping, {docnum: score}."""

    __slots__ = ("total", "found")

    def __init__(self, total: np.ndarray, found: np.ndarray) -> None:
        self.total, self.found = total, found

    @classmethod
    def of(cls, scores: dict, size: int) -> "Scores":
        """The scores of a mapping {docnum: score}."""
        total, found = np.zeros(size), np.zeros(size, dtype=bool)
        if scores:
            docs = np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))
            total[docs] = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
            found[docs] = True
        return cls(total, found)

    def both(self, other: "Scores") -> "Scores":
        """The documents both match, each scored the sum (this one's score first)."""
        return Scores(self.total + other.total, self.found & other.found)

    def without(self, excluded: list, nots: int) -> "Scores":
        """Leave out documents that NOT parts exclude; Whoosh scores each NOT part 1 in
        the documents it leaves."""
        found = self.found.copy()
        for docs in excluded:
            found[np.fromiter(docs, dtype=np.int64)] = False
        return Scores(self.total + nots, found)

    def docs(self) -> np.ndarray:
        """The documents matched, in order."""
        return np.flatnonzero(self.found)

    def __getitem__(self, docnum: int) -> float:
        if not 0 <= docnum < len(self.found) or not self.found[docnum]:
            raise KeyError(docnum)
        return float(self.total[docnum])

    def __iter__(self):
        return iter(self.docs().tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self.found))


def _word_scores(searcher, part, lengths: dict, weighting) -> "Scores | dict | None":
    """A word's score in every document that holds it; None if the part is no word."""
    leaves = part.subqueries if type(part) is Or else [part]
    if not leaves or not all(_is_word(leaf) for leaf in leaves) \
            or (type(part) is Or and (part.boost != 1.0 or part.scale)):
        return None
    if all(type(leaf) is Term for leaf in leaves):
        return _term_scores(searcher, leaves, lengths, weighting.B, weighting.K1)
    scores: dict[int, float] = {}
    for leaf in leaves:
        add = {Term: _add_term, Phrase: _add_phrase, And: _add_all_terms}[type(leaf)]
        if not add(scores, searcher, leaf, lengths, weighting.B, weighting.K1):
            return None
    return scores


def _clause_scores(searcher, query) -> dict[int, float]:
    """The score Whoosh gives a query in each document it matches, through its matcher."""
    scores: dict[int, float] = {}
    for leaf, offset in searcher.leaf_searchers():
        matcher = query.matcher(leaf)
        while matcher.is_active():
            scores[matcher.id() + offset] = matcher.score()
            matcher.next()
    return scores


def _term_scores(searcher, terms: list, lengths: dict, B: float,
                 K1: float) -> Scores | None:
    """A word's BM25F score in every document that holds it, its terms (one a field)
    scored a block of postings at a time with numpy: the operations of `_add_term` in the
    same order on the same doubles, so the same floats, without a Python step a posting
    (a common word has some 27,000 a field at 34,000 records). None if it cannot."""
    total = np.zeros(searcher.doc_count_all())
    found = np.zeros(len(total), dtype=bool)
    for term in terms:
        field = searcher.schema[term.fieldname]
        text = field.to_bytes(term.text)
        if not field.scorable:
            return None
        if (term.fieldname, text) not in searcher.reader():
            continue
        idf, boost, k1_plus = searcher.idf(term.fieldname, text), term.boost, K1 + 1
        lengthy = np.array(_length_terms(searcher.avg_field_length(term.fieldname) or 1, B,
                                         K1))
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            try:  # one look in the segment's terms, not one to ask and one to read
                postings = reader.postings(term.fieldname, text)
            except TermNotFound:
                continue
            held = lengths.get((reader, term.fieldname))
            if held is None:
                return None
            held = np.asarray(held)
            for ids, weights, _ in posting_blocks(postings):
                score = idf * ((weights * k1_plus) / (weights + lengthy[held[ids]]))
                if boost != 1.0:
                    score *= boost
                ids = ids + offset
                total[ids] += score
                found[ids] = True
    return Scores(total, found)


def _add_term(scores: dict, searcher, term: Term, lengths: dict, B: float, K1: float) -> bool:
    """Add a term's BM25F score to each document that holds it; False if it cannot."""
    field = searcher.schema[term.fieldname]
    text = field.to_bytes(term.text)
    if not field.scorable:
        return False
    if (term.fieldname, text) not in searcher.reader():
        return True
    idf, boost, k1_plus = searcher.idf(term.fieldname, text), term.boost, K1 + 1
    # BM25's length part for each of the 256 one-byte lengths, as Whoosh computes it.
    lengthy = _length_terms(searcher.avg_field_length(term.fieldname) or 1, B, K1)
    get = scores.get
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (term.fieldname, text) not in reader:
            continue
        held = lengths.get((reader, term.fieldname))
        if held is None:
            return False
        for ids, weights, _ in posting_blocks(reader.postings(term.fieldname, text)):
            for docnum, weight in zip(ids.tolist(), weights.tolist()):
                score = idf * ((weight * k1_plus) / (weight + lengthy[held[docnum]]))
                if boost != 1.0:
                    score *= boost
                docnum += offset
                scores[docnum] = get(docnum, 0) + score
    return True


def _length_terms(average: float, B: float, K1: float) -> list[float]:
    """`K1 * ((1 - B) + B * length / average)` for each one-byte length, the operations in
    the order of Whoosh's bm25(), so that every score is the same float."""
    return [K1 * ((1 - B) + B * length / average) for length in _LENGTHS]


def _add_all_terms(scores: dict, searcher, query: And, lengths: dict, B: float,
                   K1: float) -> bool:
    """Add the sum of several terms' scores to each document that holds them all (a name
    field's words); False if it cannot."""
    each = []
    for term in query.subqueries:
        each.append({})
        if not _add_term(each[-1], searcher, term, lengths, B, K1):
            return False
    for docnum in min(each, key=len):
        found = [term_scores.get(docnum) for term_scores in each]
        if None not in found:
            score = _tree_sum(found) * query.boost if query.boost != 1.0 else _tree_sum(found)
            scores[docnum] = scores.get(docnum, 0) + score
    return True


def _add_phrase(scores: dict, searcher, phrase: Phrase, lengths: dict, B: float,
                K1: float) -> bool:
    """Add a phrase's score to each document that holds its words in sequence: as Whoosh
    scores it, the sum of its words' BM25F scores; False if it cannot."""
    field = searcher.schema[phrase.fieldname]
    if phrase.slop != 1 or not field.scorable or not field.format.supports("positions"):
        return False
    words = [field.to_bytes(word) for word in phrase.words]
    if not words or any((phrase.fieldname, word) not in searcher.reader() for word in words):
        return True
    idfs = [searcher.idf(phrase.fieldname, word) for word in words]
    length_terms = _length_terms(searcher.avg_field_length(phrase.fieldname) or 1, B, K1)
    packed = type(field.format) is PackedPositions
    decode = unpack_positions if packed else field.format.decode_positions
    codes = [follower_code(word) for word in phrase.words[1:]] if packed else None
    k1_plus = K1 + 1
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if any((phrase.fieldname, word) not in reader for word in words):
            continue
        held = lengths.get((reader, phrase.fieldname))
        if held is None:
            return False
        postings = [_Postings(reader.postings(phrase.fieldname, word)) for word in words]
        candidates = _candidates(postings, codes)
        at = [np.searchsorted(posting.ids, candidates).tolist() for posting in postings]
        for docnum, places in zip(candidates.tolist(), zip(*at)):
            found = [(posting.weights[place], posting.values[place])
                     for posting, place in zip(postings, places)]
            if not _in_sequence([decode(value) for _, value in found]):
                continue
            lengthy = length_terms[held[docnum]]
            score = _tree_sum([idf * ((weight * k1_plus) / (weight + lengthy))
                               for idf, (weight, _) in zip(idfs, found)])
            if phrase.boost != 1.0:
                score *= phrase.boost
            docnum += offset
            scores[docnum] = scores.get(docnum, 0) + score
    return True


class _Postings:
    """A term's postings in a segment: its documents (an array, in order), and each one's
    weight and value (positions), in lists."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self, matcher) -> None:
        ids, self.weights, self.values = [], [], []
        for block_ids, weights, values in posting_blocks(matcher, values=True):
            ids.append(block_ids)
            self.weights.extend(weights.tolist())
            self.values.extend(values)
        self.ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)


def _candidates(postings: list, codes: list[int] | None) -> np.ndarray:
    """The documents that hold every word of a phrase and, with `PackedPositions`
    (`codes`), where each word is somewhere followed by the next one's code: the only
    ones whose positions need comparing. Two common words are both in 70,000 documents
    of 100,000, in sequence in a few hundred; this looks at their followers in bulk."""
    docs = postings[-1].ids
    for number, posting in enumerate(postings[:-1]):
        held = posting.ids[_followed_by(posting.values, codes[number])] if codes else posting.ids
        docs = np.intersect1d(held, docs, assume_unique=True)
    return docs


def _followed_by(values: list[bytes], code: int) -> np.ndarray:
    """For each `PackedPositions` value, whether one of its followers is `code`: all the
    values in one buffer, and the codes found in each value's followers counted from a
    running sum (a value is its typecode, a follower byte a position, then positions)."""
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    buffer = np.frombuffer(b"".join(values), dtype=np.uint8)
    starts = np.cumsum(sizes) - sizes
    followers = (sizes - 1) // np.where(buffer[starts] == 72, 3, 5)  # 72: b"H"
    seen = np.zeros(len(buffer) + 1, dtype=np.int32)
    np.cumsum(buffer == code, out=seen[1:])
    return seen[starts + 1 + followers] - seen[starts + 1] > 0


def _in_sequence(positions: list) -> bool:
    """True when some position of the first word is followed by each next word in turn."""
    starts = set(positions[0])
    for step, found in enumerate(positions[1:], start=1):
        starts.intersection_update(map((-step).__add__, found))  # in C: no loop here
        if not starts:
            return False
    return True


def _tree_sum(values: list[float]) -> float:
    """A sum in the order of Whoosh's binary tree of matchers (the same float result)."""
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return _tree_sum(values[:half]) + _tree_sum(values[half:])


def _is_word(query) -> bool:
    """A term, a phrase, or an AND of terms (a word a field's analyzer cut in pieces)."""
    if type(query) is And:
        return bool(query.subqueries) and all(type(term) is Term for term in query.subqueries)
    return type(query) in (Term, Phrase)


_LENGTHS = [byte_to_length(byte) for byte in range(256)]  # Whoosh's one-byte lengths


class Ranking:
    """Every match of a query with its rank: Whoosh's order, or our scores by document, of
    which only the page asked for is put in order."""

    def __init__(self, order: list[int] | None = None, scores: Scores | None = None) -> None:
        self._order, self.scores = order, scores

    def docs(self):
        """The documents matched (deleted ones too, until their segment is merged)."""
        return self.scores.docs().tolist() if self.scores is not None else self._order

    def page(self, final: frozenset, start: int, count: int) -> list[int]:
        """The documents of a page, in rank order, among `final` documents: only those
        scoring at least the page's last one are sorted."""
        if self.scores is None:
            return self.order(final)[start:start + count]
        docs = np.fromiter(final, dtype=np.int64, count=len(final))
        minus = -self.scores.total[docs]
        if start + count < len(docs):
            keep = minus <= np.partition(minus, start + count - 1)[start + count - 1]
            docs, minus = docs[keep], minus[keep]  # ties with the last one included
        return docs[np.lexsort((docs, minus))[start:start + count]].tolist()

    def order(self, final: frozenset) -> list[int]:
        """The `final` documents in rank order (best first; equal scores by number)."""
        if self.scores is None:
            return [docnum for docnum in self._order if docnum in final]
        docs = np.fromiter(final, dtype=np.int64, count=len(final))
        return docs[np.lexsort((docs, -self.scores.total[docs]))].tolist()
