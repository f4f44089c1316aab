"""Searching: a person's request becomes results, through the engine: filters checked,
the query ranked, facets counted, snippets cut, a respelling offered.

One `ArchiveIndex` is opened per process and kept: its engine snapshot (the searcher, and
the per-value document sets that facet counting and filtering use) is replaced when the
index changes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from . import snippets
from .engine import FACET_FIELDS, MAX_QUERY_CHARS, Snapshot, guard_query, open_snapshot
from .errors import QueryError
from .validation import SECTORS
from .vocabulary import Vocabulary

__all__ = ["FACETS", "SORTS", "ArchiveIndex", "FacetCount", "Hit", "SearchRequest",
           "SearchResults", "guard_query", "normalise_filters", "parse_year_range",
           "MAX_QUERY_CHARS"]

FACETS = FACET_FIELDS
SORTS = ("relevance", "year")
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
class Evidence:
    """A coded passage of a record: the person's own words stating a motive."""

    motive: str
    text: str
    paragraph: int


@dataclass(frozen=True)
class Hit:
    """One matching testimony as a result list shows it; `quoted` when its snippet is a
    coded passage, the person's own statement of a motive searched for."""

    id: str
    title: str
    year: int
    post: str
    sector: str
    country: str | None
    motives: tuple[str, ...]
    snippet: tuple[tuple[str, bool], ...] = ()
    restricted: bool = False
    evidence: tuple[Evidence, ...] = ()
    quoted: bool = False
    quote_paragraph: int = 0  # where the quoted passage lies (`#p-N` of the record's page)

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
    quoted: int | None = None  # motives: how many of them state it in a coded passage


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


_MOTIVE_CLAUSE = re.compile(r'(?<![\w:])motives?:(?:"([^"]*)"|([^\s()"]+))')


def asked_motives(query: str, filters: dict, vocabulary: Vocabulary) -> tuple[frozenset, bool]:
    """The motives a search is for (a motive filter, or `motive:"..."` with a term, an
    alias or a Korean label), and whether its query holds other words too."""
    motives = set(filters.get("motive", ()))

    def take(match: re.Match) -> str:
        term = vocabulary.normalise(match.group(1) if match.group(1) is not None
                                    else match.group(2))
        if term is None:
            return match.group(0)
        motives.add(term)
        return " "

    rest = _MOTIVE_CLAUSE.sub(take, query)
    words = bool(re.sub(r"\b(?:AND|OR)\b|[()]", " ", rest).strip())
    return frozenset(motives), words


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


class ArchiveIndex:
    """An open index (public or private view) that answers searches; safe across threads."""

    def __init__(self, index_dir: str | Path, vocabulary: Vocabulary, private: bool = False):
        self.index_dir = Path(index_dir)
        self.vocabulary = vocabulary
        self.view = "private" if private else "public"
        self._lock = threading.RLock()
        self._generation: Path | None = None
        self._snapshot: Snapshot | None = None
        with self._lock:
            self._current()

    def _current(self) -> Snapshot:
        """The engine's snapshot of the live index, reopened when the index has changed."""
        try:
            self._generation, self._snapshot = open_snapshot(
                self.index_dir, self.view == "private", self._snapshot, self._generation)
        except Exception:
            self.close()
            raise
        return self._snapshot

    def close(self) -> None:
        """Release the searcher's files."""
        self._generation = None
        if self._snapshot is not None:
            self._snapshot.close()
            self._snapshot = None

    def parse(self, text: str):
        """Parse a query string, raising QueryError with one line for anything unusable."""
        with self._lock:
            return self._current().parse(text)

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search: hits for the page, the total, facet counts and a suggestion."""
        filters = self._check(request)
        motives, words = asked_motives(request.query, filters, self.vocabulary)
        with self._lock:
            snapshot = self._current()
            query = snapshot.parse(request.query) if request.query.strip() else None
            ranked = None
            if query is not None:
                # One pass ranks every match: the total, the facets and the page all come
                # from it. Whoosh scores every match of a many-field query anyway, so
                # asking for the top twenty instead would only add a second pass.
                ranked = snapshot.rank(query, request.sort == "year", request.query)
            base, chosen, final = self._match(snapshot, query, filters, ranked, request.query)
            facets = {}
            for name in FACETS:
                others = [docs for other, docs in chosen.items() if other != name]
                within = base.intersection(*others)
                quoted = snapshot.facets.quoted_counts(within) if name == "motive" else {}
                facets[name] = [FacetCount(value, count,
                                           quoted.get(value, 0) if name == "motive" else None)
                                for value, count in snapshot.facets.counts(name, within)]
            quoting = self._quoting(snapshot, motives) \
                if motives and not words and request.sort == "relevance" else None
            hits = self._hits(snapshot, query, final, request, ranked, motives, quoting)
            suggestion = snapshot.speller.suggest(request.query) if len(final) < 3 else None
        return SearchResults(request, {k: list(v) for k, v in filters.items()}, len(final),
                             hits, facets, suggestion)

    def matching(self, request: SearchRequest) -> tuple[Hit, ...]:
        """Every testimony a search matches, in its order, without snippets (for exports)."""
        filters = self._check(request)
        motives, words = asked_motives(request.query, filters, self.vocabulary)
        with self._lock:
            snapshot = self._current()
            query = snapshot.parse(request.query) if request.query.strip() else None
            ranked = snapshot.rank(query, False, request.query) \
                if query is not None and request.sort == "relevance" else None
            final = self._match(snapshot, query, filters, ranked, request.query)[2]
            quoting = self._quoting(snapshot, motives) \
                if motives and not words and request.sort == "relevance" else None
            order = self._order(final, ranked, quoting)
            return tuple(self._hit(snapshot.stored(d), ()) for d in order)

    @staticmethod
    def _quoting(snapshot: Snapshot, motives: frozenset) -> frozenset:
        """The records that quote any of some motives (a coded passage states it)."""
        quoted = snapshot.facets.sets["quoted"]
        return frozenset().union(*(quoted.get(motive, frozenset()) for motive in motives))

    def _order(self, final, ranked, quoting: frozenset | None) -> list[int]:
        """Documents in rank order (newest first without a ranking); for a search for a
        motive without other words, the records that quote it first."""
        order = ranked.order(final) if ranked is not None else self._by_year(final)
        if quoting is None:
            return order
        return [d for d in order if d in quoting] + [d for d in order if d not in quoting]

    def _by_year(self, docs) -> list[int]:
        """Documents newest first, in index order within a year (the browsing order)."""
        year = self._snapshot.facets.year
        return sorted(docs, key=lambda d: (-year[d], d))

    def _check(self, request: SearchRequest) -> dict:
        filters = normalise_filters(request.filters, self.vocabulary)
        if request.sort not in SORTS:
            raise QueryError(f"unknown sort {request.sort!r}; expected relevance or year")
        if request.page < 1 or not 1 <= request.per_page <= MAX_PER_PAGE:
            raise QueryError(f"the page must be 1 or more and the page size 1 to {MAX_PER_PAGE}")
        return filters

    @staticmethod
    def _match(snapshot: Snapshot, query, filters: dict, ranked=None, text: str = ""):
        """The documents the query matches, each filter's documents, and both together."""
        table = snapshot.facets
        if query is None:
            base = table.live
        else:
            # The engine's matches include deleted documents (until a merge): keep live ones.
            found = ranked.docs() if ranked is not None else snapshot.docs_for(query, text)
            base = table.live.intersection(found)
        chosen = {name: table.matching(name, values) for name, values in filters.items()}
        return base, chosen, base.intersection(*chosen.values())

    def _hits(self, snapshot: Snapshot, query, final: frozenset, request: SearchRequest,
              ranked=None, motives: frozenset = frozenset(), quoting=None) -> tuple:
        start = (request.page - 1) * request.per_page
        if start >= len(final):
            return ()
        if quoting is not None or ranked is None:
            page = self._order(final, ranked, quoting)[start:start + request.per_page]
        else:
            page = ranked.page(final, start, request.per_page)
        matcher = snippets.Matcher(snapshot.body_terms(query)) if query is not None else None
        hits = []
        for docnum in page:
            stored = snapshot.stored(docnum)
            quotes = [(text, paragraph) for found, text, paragraph in stored.get("evidence") or ()
                      if motives.intersection(found)]
            if quotes:
                hits.append(self._hit(stored, snippets.quotation([t for t, _ in quotes], matcher),
                                      quoted=quotes[0][1]))
            elif matcher is not None:
                hits.append(self._hit(stored, snippets.snippet(stored.get("body", ""), matcher)))
            else:
                hits.append(self._hit(stored))
        return tuple(hits)

    @staticmethod
    def _hit(stored: dict, snippet=None, quoted: int = 0) -> Hit:
        if snippet is None:
            snippet = snippets.lead(stored.get("summary") or stored.get("body", ""))
        evidence = tuple(Evidence(motive, text, paragraph)
                         for motives, text, paragraph in stored.get("evidence") or ()
                         for motive in motives)
        return Hit(id=stored["id"], title=stored["title"], year=stored["year"],
                   post=stored["post"], sector=stored["sector"], country=stored.get("country"),
                   motives=tuple(filter(None, stored.get("motive", "").split(","))),
                   snippet=snippet, restricted=stored.get("access") == "restricted",
                   evidence=evidence, quoted=bool(quoted), quote_paragraph=quoted)

    def path_of(self, testimony_id: str) -> str | None:
        """The record file (relative to the records folder) indexed under an id."""
        with self._lock:
            snapshot = self._current()
            docnum = snapshot.docnum_of(testimony_id)
            return snapshot.stored(docnum)["path"] if docnum is not None else None

    def related(self, testimony_id: str, limit: int = 5) -> tuple[Hit, ...]:
        """Public testimonies most like this one (more-like-this on the body)."""
        with self._lock:
            snapshot = self._current()
            docnum = snapshot.docnum_of(testimony_id)
            if docnum is None:
                return ()
            stored = snapshot.stored(docnum)
            text = " ".join(filter(None, (stored.get("title"), stored.get("summary"),
                                          stored.get("body"))))
            return tuple(self._hit(fields) for fields in snapshot.more_like(docnum, text, limit))

    def count(self) -> int:
        """How many testimonies the index holds."""
        with self._lock:
            return len(self._current().facets.live)
