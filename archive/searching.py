"""The only reader of the Whoosh index: query parsing and guarding, filters, facets,
snippets, spelling suggestions and related records.

One `ArchiveIndex` is opened per process and kept: its searcher, and the per-value
document sets that facet counting and filtering use, are refreshed when the index changes.
"""

from __future__ import annotations

import heapq
import re
import threading
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from html import escape
from pathlib import Path

from whoosh import sorting
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser
from whoosh.reading import MultiReader
from whoosh.searching import Searcher
from whoosh.spelling import Corrector
from whoosh.query import And, Not, NullQuery, Or, Phrase, Query, Term
from whoosh.scoring import BM25F
from whoosh.searching import Results
from whoosh.util.numeric import byte_to_length

from . import snippets
from .analysis import follower_code
from .errors import IndexDamaged, IndexMissing, IndexUntrusted, QueryError
from .generations import current_generation, settle
from .indexing import (PackedPositions, load_words, open_index, position_count,
                       unpack_positions)
from .validation import SECTORS
from .vocabulary import Vocabulary

FACETS = ("motive", "sector", "country", "year", "gender", "language")
SORTS = ("relevance", "year")
SEARCH_FIELDS = ("title", "summary", "body", "post", "names", "country_text", "motive_text")
FIELD_ALIASES = {"motive_text": ["motive", "motives"], "country_text": ["country"],
                 "names": ["name", "aliases", "alias"], "tags": ["tag"]}
MAX_QUERY_CHARS = 1000
MAX_WORD_CHARS = 100
MAX_NESTING = 10
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchRequest:
    """What a person asked for: a query, filters by facet, a sort order and a page."""

    query: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class Hit:
    """One matching testimony as a result list shows it."""

    id: str
    title: str
    year: int
    post: str
    sector: str
    country: str | None
    motives: tuple[str, ...]
    snippet: tuple[tuple[str, bool], ...] = ()
    restricted: bool = False

    @property
    def snippet_html(self) -> str:
        """The snippet as HTML: the text escaped, matched words in `<mark>`."""
        return "".join(f"<mark>{escape(text)}</mark>" if marked else escape(text)
                       for text, marked in self.snippet)

    def snippet_text(self, before: str = "", after: str = "") -> str:
        """The snippet as plain text, matched words between `before` and `after`."""
        return "".join(f"{before}{text}{after}" if marked else text
                       for text, marked in self.snippet)


@dataclass(frozen=True)
class FacetCount:
    """How many matching testimonies have one value of a facet."""

    value: str | int
    count: int


@dataclass(frozen=True)
class SearchResults:
    """One page of results, with the total, facet counts and a spelling suggestion."""

    request: SearchRequest
    filters: dict
    total: int
    hits: tuple[Hit, ...]
    facets: dict
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        """How many pages the results fill."""
        return max(1, -(-self.total // self.request.per_page))


def parse_year_range(text: str) -> tuple[int, int]:
    """Read `FROM..TO`, `FROM..`, `..TO` or a single year; raise QueryError otherwise."""
    match = re.fullmatch(r"\s*(\d{4})?\s*(\.\.)?\s*(\d{4})?\s*", text or "")
    if not match or not (match.group(1) or match.group(3)) or \
            (not match.group(2) and not (match.group(1) and not match.group(3))):
        raise QueryError(f"invalid year {text!r}: expected a year such as 2016 or a range "
                         "such as 2016..2024")
    low = int(match.group(1)) if match.group(1) else 0
    high = int(match.group(3)) if match.group(3) else (9999 if match.group(2) else low)
    if low > high:
        raise QueryError(f"invalid year {text!r}: the range starts after it ends")
    return low, high


def normalise_filters(filters: dict, vocabulary: Vocabulary) -> dict[str, tuple]:
    """Check filter names and values; map motive aliases to their preferred terms."""
    clean: dict[str, tuple] = {}
    for name, values in filters.items():
        values = [values] if isinstance(values, (str, int)) else list(values)
        values = [str(v).strip() for v in values if str(v).strip()]
        if name not in FACETS:
            raise QueryError(f"unknown filter {name!r}; expected one of {', '.join(FACETS)}")
        if not values:
            continue
        if name == "motive":
            terms = []
            for value in values:
                term = vocabulary.normalise(value)
                if term is None:
                    hint = vocabulary.closest(value)
                    raise QueryError(f"unknown motive {value!r}" +
                                     (f"; did you mean '{hint}'?" if hint else ""))
                terms.append(term)
            values = terms
        elif name == "year":
            values = [f"{low}..{high}" for low, high in map(parse_year_range, values)]
        elif name == "sector":
            for value in values:
                if value not in SECTORS:
                    raise QueryError(f"unknown sector {value!r}; expected one of "
                                     f"{', '.join(SECTORS)}")
        clean[name] = tuple(dict.fromkeys(values))
    return clean


def guard_query(text: str) -> str:
    """Refuse queries that would make the parser slow or fail; rewrite year prefixes, and a
    leading minus as NOT."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is "
                         f"{MAX_QUERY_CHARS:,}")
    longest = max((len(word) for word in text.split()), default=0)
    if longest > MAX_WORD_CHARS:
        raise QueryError(f"the query has a word of {longest:,} characters; the limit is "
                         f"{MAX_WORD_CHARS}")
    depth = deepest = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(f"the query nests parentheses {deepest} deep; the limit is {MAX_NESTING}")
    text = _MINUS.sub(lambda match: match.group(0) if match.group(0) != "-" else "NOT ", text)
    return re.sub(r"\byear:(\S+)", _year_clause, text)


# A minus that starts a word or a phrase, outside quotes, means NOT (`dramas -soldier`);
# Whoosh's parser would read the word as a plain one, finding just what it was to leave out.
_MINUS = re.compile(r'"[^"]*"|(?<![^\s(])-(?=[^\s-])')


def _year_clause(match: re.Match) -> str:
    value = match.group(1)
    prefix = re.fullmatch(r"(\d{1,3})\*", value)
    if prefix:  # Whoosh would silently match nothing for year:199*
        digits = prefix.group(1)
        width = 4 - len(digits)
        return f"year:[{digits}{'0' * width} TO {digits}{'9' * width}]"
    if re.fullmatch(r"\d{4}|[<>]=?\d{4}|\[\d{4}|\{\d{4}|\[|\{|\(?\d{4}\)?", value):
        return match.group(0)
    raise QueryError(f"invalid year {value!r} in the query: use year:2016, year:199*, "
                     "year:[1990 TO 1999] or year:>=2000")


class _FacetTable:
    """For each facet value, the set of live documents that have it."""

    def __init__(self, reader, hidden: frozenset = frozenset()) -> None:
        self.hidden = hidden  # public versions replaced by full ones (private mode)
        self.live = _live_docs(reader) - hidden
        self.sets: dict[str, dict] = {}
        for name in FACETS:
            values: dict = {}
            if name in reader.schema and name in reader.indexed_field_names():
                field = reader.schema[name]
                for term in reader.lexicon(name):
                    value = field.from_bytes(term) if name == "year" else term.decode("utf-8")
                    values[value] = self.live.intersection(_term_docs(reader, name, term))
            self.sets[name] = {v: docs for v, docs in values.items() if docs}
        self.year: dict[int, int] = {}  # each live document's year
        for year, docs in self.sets["year"].items():
            self.year.update(dict.fromkeys(docs, year))

    def matching(self, name: str, values: tuple) -> frozenset:
        """Documents with any of the values of a filter (OR within a facet)."""
        table = self.sets[name]
        if name == "year":
            ranges = [tuple(map(int, value.split(".."))) for value in values]
            picked = [docs for year, docs in table.items()
                      if any(low <= year <= high for low, high in ranges)]
        else:
            picked = [table.get(value, frozenset()) for value in values]
        return frozenset().union(*picked)

    def count(self, name: str, docs) -> list[FacetCount]:
        """Facet counts over a set of documents, largest first (years in order)."""
        counts = [FacetCount(value, len(docs & members))
                  for value, members in self.sets[name].items()]
        counts = [c for c in counts if c.count]
        if name == "year":
            return sorted(counts, key=lambda c: c.value)
        return sorted(counts, key=lambda c: (-c.count, str(c.value).casefold()))


def _live_docs(reader) -> frozenset:
    """The documents of a reader that are not deleted, a segment at a time."""
    live: set[int] = set()
    for leaf, offset in reader.leaf_readers():
        live.update(range(offset, offset + leaf.doc_count_all()))
        if leaf.has_deletions():
            deleted = getattr(leaf, "deleted_docs_set", None) or \
                [docnum for docnum in range(leaf.doc_count_all()) if leaf.is_deleted(docnum)]
            live.difference_update(offset + docnum for docnum in deleted)
    return frozenset(live)


def _term_docs(reader, fieldname: str, text: bytes) -> list[int]:
    """Every document holding a term, deleted ones included, a block of postings at a time."""
    docs: list[int] = []
    for leaf, offset in reader.leaf_readers():
        if (fieldname, text) in leaf:
            for ids, _, _ in _posting_blocks(leaf.postings(fieldname, text), weights=False):
                docs.extend(map(offset.__add__, ids) if offset else ids)
    return docs


def _lengths_in_memory(reader) -> dict:
    """Hold each segment's field lengths in memory for scoring; {(segment, field): lengths}.

    BM25F needs a matching document's length in each field; Whoosh reads it from the
    lengths file, one read per document and field (a fifth of a common word's search).
    The lengths are one byte a document and field: 34,000 documents hold 240 KB. Should
    Whoosh's internals differ, searches only stay slower.
    """
    held = {}
    for leaf, _ in reader.leaf_readers():
        perdoc = getattr(leaf, "_perdoc", None)
        for name in SEARCH_FIELDS:
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


def _rank_words(searcher, query, lengths: dict) -> dict[int, float] | None:
    """The score of every match of a query with words, by document; None for a query
    with none (a wildcard or a range alone), which Whoosh ranks.

    Such a query is an AND of parts. A part that is a word is an OR of a term (or, for a
    phrase or a Korean word, a phrase) in each searched field: it is scored here, with
    Whoosh's own BM25F (the same formula, statistics and boosts; a test compares them),
    a block of postings at a time instead of through matcher objects, which ranks a
    common word's 27,000 matches in a third of the time. Any other part (a year range,
    `sector:trade`, a wildcard) is scored by Whoosh's matcher for it alone, and a NOT
    part takes its documents out.
    """
    weighting = searcher.weighting
    if type(weighting) is not BM25F or weighting._field_B or not lengths \
            or (type(query) is And and query.boost != 1.0):
        return None
    total: dict[int, float] | None = None
    excluded: set[int] = set()
    words, nots = False, 0
    for part in query.subqueries if type(query) is And else [query]:
        if type(part) is Not:
            excluded.update(searcher.docs_for_query(part.query))
            nots += 1  # Whoosh scores a NOT part 1 in each document it leaves
            continue
        scores = _word_scores(searcher, part, lengths, weighting)
        if scores is None:
            scores = _clause_scores(searcher, part)
        else:
            words = True
        if total is None:
            total = scores
        else:
            total = {docnum: score + scores[docnum] for docnum, score in total.items()
                     if docnum in scores}
    if not words:
        return None
    return {docnum: score + nots for docnum, score in total.items()
            if docnum not in excluded} if nots else total


def _word_scores(searcher, part, lengths: dict, weighting) -> dict[int, float] | None:
    """A word's score in every document that holds it; None if the part is no word."""
    leaves = part.subqueries if type(part) is Or else [part]
    if not leaves or not all(_is_word(leaf) for leaf in leaves) \
            or (type(part) is Or and (part.boost != 1.0 or part.scale)):
        return None
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
        for ids, weights, _ in _posting_blocks(reader.postings(term.fieldname, text)):
            for docnum, weight in zip(ids, weights):
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
    codes = [follower_code(word) for word in phrase.words[1:]]
    k1_plus = K1 + 1
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if any((phrase.fieldname, word) not in reader for word in words):
            continue
        held = lengths.get((reader, phrase.fieldname))
        if held is None:
            return False
        postings = [_postings(reader.postings(phrase.fieldname, word)) for word in words]
        for docnum in set(min(postings, key=len)).intersection(*postings):
            found = [posting[docnum] for posting in postings]  # (weight, positions)
            if packed and not _followed(found, codes) \
                    or not _in_sequence([decode(value) for _, value in found]):
                continue
            lengthy = length_terms[held[docnum]]
            score = _tree_sum([idf * ((weight * k1_plus) / (weight + lengthy))
                               for idf, (weight, _) in zip(idfs, found)])
            if phrase.boost != 1.0:
                score *= phrase.boost
            docnum += offset
            scores[docnum] = scores.get(docnum, 0) + score
    return True


def _followed(found: list, codes: list[int]) -> bool:
    """False when some word of a phrase is nowhere followed by the next one's code
    (`PackedPositions`), so that the words cannot be in sequence; else True."""
    for (_, value), code in zip(found, codes):
        if value.find(code, 1, 1 + position_count(value)) < 0:
            return False
    return True


def _postings(matcher) -> dict:
    """A term's postings in a segment, `{docnum: (weight, value)}`."""
    found: dict = {}
    for ids, weights, values in _posting_blocks(matcher, values=True):
        found.update(zip(ids, zip(weights, values)))
    return found


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


def _posting_blocks(matcher, values: bool = False, weights: bool = True):
    """A term's postings as (docnums, weights, values), a block at a time where Whoosh's
    leaf matcher allows it (deleted documents included: the caller keeps live ones)."""
    leaf = getattr(matcher, "child", matcher)
    if all(hasattr(leaf, name) for name in ("_read_data", "_data", "_byteids", "_read_weights",
                                            "_read_values", "_next_block")):
        while leaf.is_active():
            if leaf._data is None:
                leaf._read_data()
            ids = leaf._data[0]  # as Whoosh's _read_ids, with its gaps summed in C
            leaf._ids = ids if leaf._byteids else tuple(accumulate(ids))
            if weights:
                leaf._read_weights()
            if values:
                leaf._read_values()
            yield leaf._ids, leaf._weights if weights else None, leaf._values if values else None
            leaf._next_block()
        return
    while matcher.is_active():
        yield (matcher.id(),), (matcher.weight(),), (matcher.value() if values else None,)
        matcher.next()


_LENGTHS = [byte_to_length(byte) for byte in range(256)]  # Whoosh's one-byte lengths


class _WordCorrector(Corrector):
    """Suggests the archive's words nearest to a word: the closest first, then the most
    common (Whoosh's own corrector ranks by how common a word is alone)."""

    def __init__(self, counts: Counter) -> None:
        self._counts, self._words = counts, sorted(counts)

    def _suggestions(self, text: str, maxdist: int, prefix: int):
        words, seen = self._words, set()

        def first_from(key):  # the automaton asks for the first word at or after a key
            at = bisect_left(words, key)
            return words[at] if at < len(words) else None

        for distance in range(1, maxdist + 1):
            automaton = levenshtein_automaton(text, distance, prefix).to_dfa()
            for word in find_all_matches(automaton, first_from):
                if word not in seen:
                    seen.add(word)
                    yield -distance - 0.5 / self._counts[word], word


class _Ranking:
    """Every match of a query with its rank: Whoosh's results in order, or our scores by
    document, of which only the page asked for is put in order."""

    def __init__(self, results: Results | None = None,
                 scores: dict[int, float] | None = None) -> None:
        self.results, self.scores = results, scores

    def docs(self):
        """The documents matched (deleted ones too, until their segment is merged)."""
        return self.scores.keys() if self.scores is not None else self.results.docs()

    def page(self, final: frozenset, start: int, count: int) -> list[int]:
        """The documents of a page, in rank order, among `final` documents."""
        if self.scores is None:
            return self.order(final)[start:start + count]
        best = heapq.nsmallest(start + count, ((-self.scores[docnum], docnum)
                                               for docnum in final))
        return [docnum for _, docnum in best[start:]]

    def order(self, final: frozenset) -> list[int]:
        """The `final` documents in rank order."""
        if self.scores is None:
            return [docnum for _, docnum in self.results.top_n if docnum in final]
        return [docnum for _, docnum in sorted((-self.scores[docnum], docnum)
                                               for docnum in final)]


class ArchiveIndex:
    """An open index (public or private view) that answers searches; safe across threads."""

    def __init__(self, index_dir: str | Path, vocabulary: Vocabulary, private: bool = False):
        self.index_dir = Path(index_dir)
        self.vocabulary = vocabulary
        self.view = "private" if private else "public"
        self._lock = threading.RLock()
        self._generation: Path | None = None
        self._searcher = None
        self._table: _FacetTable | None = None
        with self._lock:
            self._current()

    def _current(self):
        """The searcher of the live index, reopened when the index has changed since."""
        generation = current_generation(self.index_dir)
        if generation is None:
            raise IndexMissing(str(self.index_dir))
        if generation != self._generation:
            self.close()
            views = ("public", "private") if self.view == "private" else ("public",)
            refused = settle(self.index_dir, generation)
            if refused:
                raise IndexUntrusted(refused[0])
            try:
                self._folders = [generation / v for v in views]
                self._indexes = [open_index(folder) for folder in self._folders]
                self._parser = self._make_parser(self._indexes[0].schema)
                self._open()
            except Exception as exc:  # a damaged index raises many kinds of error
                raise IndexDamaged(str(self.index_dir), exc) from exc
            self._generation = generation
        elif self._versions != [ix.latest_generation() for ix in self._indexes]:
            refused = settle(self.index_dir, generation)  # new files are checked as well
            if refused:
                self.close()
                raise IndexUntrusted(refused[0])
            # A fresh searcher, not searcher.refresh(): that reuses segment readers whose
            # deletions have since changed, and would keep finding an edited record's old text.
            self._searcher.close()
            self._open()
        return self._searcher

    def _open(self) -> None:
        """Open a searcher over the views; in private mode the full versions of records
        the public sees in part replace their public versions."""
        self._versions = [ix.latest_generation() for ix in self._indexes]
        readers = [ix.reader() for ix in self._indexes]
        hidden: set[int] = set()
        if len(readers) == 2:
            public, private = readers
            for term in private.lexicon("id"):
                # A removed record's id stays in a lexicon until its segment is merged.
                if ("id", term) in public and list(private.postings("id", term).all_ids()):
                    hidden.update(public.postings("id", term).all_ids())
        if len(readers) == 1:
            reader = readers[0]
        else:  # flat: Whoosh searches a multi-reader segment by segment, and cannot nest them
            reader = MultiReader([leaf for r in readers for leaf, _ in r.leaf_readers()])
        self._lengths = _lengths_in_memory(reader)
        self._searcher = Searcher(reader)
        self._table = _FacetTable(reader, frozenset(hidden))
        self._words = Counter()  # spelling words: each view's table, for this generation
        for folder, view_reader in zip(self._folders, readers):
            self._words.update(load_words(folder, view_reader))
        self._corrector = None

    @staticmethod
    def _make_parser(schema) -> MultifieldParser:
        boosts = {name: schema[name].format.field_boost for name in SEARCH_FIELDS}
        parser = MultifieldParser(list(SEARCH_FIELDS), schema, fieldboosts=boosts)
        parser.add_plugin(GtLtPlugin())
        parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
        return parser

    def close(self) -> None:
        """Release the searcher's files."""
        self._generation = None
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def parse(self, text: str) -> Query:
        """Parse a query string, raising QueryError with one line for anything unusable."""
        guarded = guard_query(text)
        try:
            query = self._parser.parse(guarded)
        except Exception as exc:  # Whoosh's parser raises many kinds on odd input
            raise QueryError(f"the query {text!r} cannot be read ({type(exc).__name__}); "
                             "check its quotes, brackets and field names") from None
        if query is NullQuery:
            raise QueryError(f"the query {text!r} has no word that can be searched: it holds "
                             "only very common words or punctuation")
        return query

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search: hits for the page, the total, facet counts and a suggestion."""
        query, filters = self._prepare(request)
        with self._lock:
            searcher = self._current()
            ranked = None
            if query is not None:
                # One pass ranks every match: the total, the facets and the page all come
                # from it. Whoosh scores every match of a many-field query anyway, so
                # asking for the top twenty instead would only add a second pass.
                ranked = self._rank(searcher, query, request)
            base, chosen, final = self._match(searcher, query, filters, request.query,
                                              ranked.docs() if ranked is not None else None)
            facets = {}
            for name in FACETS:
                others = [docs for other, docs in chosen.items() if other != name]
                facets[name] = self._table.count(name, base.intersection(*others))
            hits = self._hits(searcher, query, final, request, ranked)
            suggestion = self._suggest(searcher, request.query) if len(final) < 3 else None
        return SearchResults(request, {k: list(v) for k, v in filters.items()}, len(final),
                             hits, facets, suggestion)

    @staticmethod
    def _sortedby(request: SearchRequest):
        return sorting.FieldFacet("year", reverse=True) if request.sort == "year" else None

    def _rank(self, searcher, query, request: SearchRequest) -> "_Ranking":
        """Every match of a query, ranked in the order asked for."""
        if request.sort == "relevance":
            scores = _rank_words(searcher, query, self._lengths)
            if scores is not None:
                return _Ranking(scores=scores)
        return _Ranking(self._run(searcher, query, request.query, limit=None,
                                  sortedby=self._sortedby(request)))

    @staticmethod
    def _run(searcher, query, text: str, **options):
        try:
            return searcher.search(query, **options)
        except Exception as exc:  # a searcher can fail on odd queries too
            raise QueryError(f"the query {text!r} cannot be run ({type(exc).__name__}); "
                             "simplify it") from None

    def matching(self, request: SearchRequest) -> tuple[Hit, ...]:
        """Every testimony a search matches, in its order, without snippets (for exports)."""
        query, filters = self._prepare(request)
        with self._lock:
            searcher = self._current()
            ranked = self._rank(searcher, query, request) \
                if query is not None and request.sort == "relevance" else None
            final = self._match(searcher, query, filters, request.query,
                                ranked.docs() if ranked is not None else None)[2]
            order = ranked.order(final) if ranked is not None else self._by_year(final)
            return tuple(self._hit(searcher.stored_fields(d), ()) for d in order)

    def _by_year(self, docs) -> list[int]:
        """Documents newest first, in index order within a year (the browsing order)."""
        return sorted(docs, key=lambda d: (-self._table.year[d], d))

    def _prepare(self, request: SearchRequest):
        filters = normalise_filters(request.filters, self.vocabulary)
        if request.sort not in SORTS:
            raise QueryError(f"unknown sort {request.sort!r}; expected relevance or year")
        if request.page < 1 or not 1 <= request.per_page <= MAX_PER_PAGE:
            raise QueryError(f"the page must be 1 or more and the page size 1 to {MAX_PER_PAGE}")
        return (self.parse(request.query) if request.query.strip() else None), filters

    def _match(self, searcher, query, filters: dict, text: str, matched=None):
        """The documents the query matches, each filter's documents, and both together."""
        if query is None:
            base = self._table.live
        else:
            try:
                # docs_for_query also yields deleted documents (until a merge): keep live ones.
                found = matched if matched is not None else searcher.docs_for_query(query)
                base = self._table.live.intersection(found)
            except Exception as exc:  # a searcher can fail on odd queries too
                raise QueryError(f"the query {text!r} cannot be run ({type(exc).__name__}); "
                                 "simplify it") from None
        chosen = {name: self._table.matching(name, values) for name, values in filters.items()}
        return base, chosen, base.intersection(*chosen.values())

    def _hits(self, searcher, query, final: frozenset, request: SearchRequest,
              ranked=None) -> tuple:
        start = (request.page - 1) * request.per_page
        if start >= len(final):
            return ()
        if query is None:
            order = self._by_year(final)
            return tuple(self._hit(searcher.stored_fields(d)) for d in
                         order[start:start + request.per_page])
        body = searcher.schema["body"]
        matcher = snippets.Matcher(frozenset(body.from_bytes(text) for _, text in
                                             query.existing_terms(searcher.reader(),
                                                                  fieldname="body", expand=True)))
        hits = []
        for docnum in ranked.page(final, start, request.per_page):
            stored = searcher.stored_fields(docnum)
            hits.append(self._hit(stored, snippets.snippet(stored.get("body", ""), matcher)))
        return tuple(hits)

    @staticmethod
    def _hit(stored: dict, snippet=None) -> Hit:
        if snippet is None:
            snippet = snippets.lead(stored.get("summary") or stored.get("body", ""))
        return Hit(id=stored["id"], title=stored["title"], year=stored["year"],
                   post=stored["post"], sector=stored["sector"], country=stored.get("country"),
                   motives=tuple(filter(None, stored.get("motive", "").split(","))),
                   snippet=snippet, restricted=stored.get("access") == "restricted")

    def _suggest(self, searcher, text: str) -> str | None:
        """A respelling of the query from the index's own words, or None."""
        reader = searcher.reader()
        if self._corrector is None:
            self._corrector = _WordCorrector(self._words)
        suggestion, changed = text, False
        for match in re.finditer(r"(?<![\w:])([^\W\d_]{3,})(?![\w:])", text):
            word = match.group(1)
            if word in ("AND", "OR", "NOT", "TO") or self._known(reader, word):
                continue
            found = self._corrector.suggest(word.lower(), limit=1,
                                            maxdist=1 if len(word) < 5 else 2)
            if found:
                suggestion = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", found[0], suggestion, 1)
                changed = True
        return suggestion if changed else None

    def _known(self, reader, word: str) -> bool:
        """True when the archive holds the word, as written or as some searched field's
        analyzer reads it."""
        if self._words.get(word.lower(), 0) > 0:
            return True
        for name in SEARCH_FIELDS:
            terms = [t.text for t in reader.schema[name].analyzer(word, mode="query")]
            if terms and all(reader.doc_frequency(name, term) for term in terms):
                return True
        return False

    def path_of(self, testimony_id: str) -> str | None:
        """The record file (relative to the records folder) indexed under an id."""
        with self._lock:
            searcher = self._current()
            docnum = self._docnum(searcher, testimony_id)
            return searcher.stored_fields(docnum)["path"] if docnum is not None else None

    def _docnum(self, searcher, testimony_id: str) -> int | None:
        """The live document of a record (in private mode, its full version)."""
        for docnum in searcher.document_numbers(id=testimony_id):
            if docnum in self._table.live:
                return docnum
        return None

    def related(self, testimony_id: str, limit: int = 5) -> tuple[Hit, ...]:
        """Public testimonies most like this one (Whoosh's more-like-this on the body)."""
        with self._lock:
            searcher = self._current()
            docnum = self._docnum(searcher, testimony_id)
            if docnum is None:
                return ()
            stored = searcher.stored_fields(docnum)
            text = " ".join(filter(None, (stored.get("title"), stored.get("summary"),
                                          stored.get("body"))))
            allowed = set(self._table.live.intersection(
                searcher.docs_for_query(Term("access", "public")))) - {docnum}
            results = searcher.more_like(docnum, "body", text=text, top=limit, filter=allowed)
            return tuple(self._hit(hit.fields()) for hit in results)

    def count(self) -> int:
        """How many testimonies the index holds."""
        with self._lock:
            self._current()
            return len(self._table.live)
