"""Searching: a person's request becomes results, through the engine: filters checked,
the query ranked, facets counted, snippets cut, a respelling offered.

One `ArchiveIndex` is opened per process and kept: its engine snapshot (the searcher, and
the per-value document sets that facet counting and filtering use) is replaced when the
index changes.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..errors import QueryError
from ..records import person
from ..records.validation import LEFT_WITH
from ..records.vocabulary import Vocabulary
from ..translation import gettext as _
from . import snippets
from .results import MAX_PER_PAGE, Evidence, FacetCount, Hit, Matched, Moment, SearchResults
from .engine import MAX_QUERY_CHARS, Snapshot, guard_query, open_snapshot
from .requests import (FACETS, SORTS, SearchRequest, asked_motives, normalise_filters,
                       parse_year_range, with_motive_clauses)

__all__ = ["FACETS", "SORTS", "ArchiveIndex", "FacetCount", "Hit", "SearchRequest",
           "SearchResults", "guard_query", "normalise_filters", "parse_year_range",
           "MAX_QUERY_CHARS"]


class ArchiveIndex:
    """An open index, in the view of one audience, that answers searches; safe across
    threads."""

    def __init__(self, index_dir: str | Path, vocabulary: Vocabulary, audience: str = "public"):
        self.index_dir = Path(index_dir)
        self.vocabulary = vocabulary
        self.audience = audience
        self._lock = threading.RLock()
        self._generation: Path | None = None
        self._snapshot: Snapshot | None = None
        self._rolled_for: tuple = (None, {})
        self._rolled_arrays_for: tuple = (None, {})
        with self._lock:
            self._current()

    def _current(self) -> Snapshot:
        """The engine's snapshot of the live index, reopened when the index has changed."""
        try:
            self._generation, self._snapshot = open_snapshot(
                self.index_dir, self.audience, self._snapshot, self._generation)
        except Exception:
            self.close()
            raise
        return self._snapshot

    def snapshot(self) -> object:
        """The index as it is now: the same object until the index changes (a cache key)."""
        with self._lock:
            return self._current()

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
            query = self._parse(snapshot, request.query)
            ranked = None
            if query is not None:
                # One pass ranks every match: the total, the facets and the page all come
                # from it. Whoosh scores every match of a many-field query anyway, so
                # asking for the top twenty instead would only add a second pass.
                ranked = snapshot.rank(query, request.sort == "year", request.query)
            base, chosen, final = self._match(snapshot, query, filters, ranked, request.query)
            facets = {}
            # Each facet counts the matches of the other facets' filters: made once for the
            # facets that share them (every facet without a filter shares `final`), so
            # that one set, and one mask of it, serves them all.
            withins = {(): base, tuple(chosen): final}
            for name in FACETS:
                others = tuple(other for other in chosen if other != name)
                within = withins.get(others)
                if within is None:
                    within = withins[others] = base.intersection(*(chosen[o] for o in others))
                facets[name] = self._motive_counts(snapshot, within) if name == "motive" else \
                    [FacetCount(value, count) for value, count in
                     self.in_order(name, snapshot.facets.counts(name, within))]
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
            query = self._parse(snapshot, request.query)
            ranked = snapshot.rank(query, False, request.query) \
                if query is not None and request.sort == "relevance" else None
            final = self._match(snapshot, query, filters, ranked, request.query)[2]
            quoting = self._quoting(snapshot, motives) \
                if motives and not words and request.sort == "relevance" else None
            order = self._order(final, ranked, quoting)
            return tuple(self._hit(snapshot.stored(d), ()) for d in order)

    def in_order(self, name: str, counts: list[tuple]) -> list[tuple]:
        """Facet counts `(value, count)` in the order a facet's values have: ranks as the
        vocabulary lists them (highest first), who left with the person as the record
        format lists them, generations and age bands from the earliest; other facets as
        given (largest first)."""
        keys = {"rank": lambda value: (self.vocabulary.rank_order(value), value),
                "left_with": lambda value: (LEFT_WITH.index(value) if value in LEFT_WITH
                                            else len(LEFT_WITH), value),
                "generation": lambda value: person.order(name, value),
                "age": lambda value: person.order(name, value)}
        key = keys.get(name)
        return sorted(counts, key=lambda item: key(str(item[0]))) if key else counts

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
            raise QueryError(_("unknown sort %(value)r; expected relevance or year",
                               value=request.sort))
        if request.page < 1 or not 1 <= request.per_page <= MAX_PER_PAGE:
            raise QueryError(_("the page must be 1 or more and the page size 1 to %(most)s",
                               most=MAX_PER_PAGE))
        return filters

    def _parse(self, snapshot: Snapshot, text: str):
        """A request's query parsed (None when it has none), motive clauses rolled up."""
        return snapshot.parse(with_motive_clauses(text, self.vocabulary)) if text.strip() \
            else None

    def _motive_counts(self, snapshot: Snapshot, docs) -> list[FacetCount]:
        """The motive facet over some documents: each term and broader concept with the
        number of documents stating it or any motive under it, and how many quote it;
        largest first."""
        mask = snapshot.facets.mask(docs)
        counts = []
        for name, (stating, quoting) in self._rolled_arrays(snapshot).items():
            count = int(np.count_nonzero(mask[stating]))
            if count:
                counts.append(FacetCount(name, count, int(np.count_nonzero(mask[quoting])),
                                         self.vocabulary.get(name).broader))
        return sorted(counts, key=lambda c: (-c.count, str(c.value).casefold()))

    def _rolled_arrays(self, snapshot: Snapshot) -> dict[str, tuple]:
        """For each term and concept, the documents stating it (or a motive under it) and
        those of them quoting it, as arrays (made once per snapshot, on masks: 0.05 s
        at 100,000 records from sets, a fifth of that so)."""
        if self._rolled_arrays_for[0] is not snapshot:
            motives = snapshot.facets.by_value["motive"]
            quoted = snapshot.facets.by_value["quoted"]
            rolled = {}
            for name, _depth in self.vocabulary.tree():
                terms = self.vocabulary.narrower(name)
                stating = _union(snapshot.facets.size, (motives.get(t) for t in terms))
                quoting = _union(snapshot.facets.size, (quoted.get(t) for t in terms))
                rolled[name] = (stating, np.intersect1d(stating, quoting, assume_unique=True))
            self._rolled_arrays_for = (snapshot, rolled)
        return self._rolled_arrays_for[1]

    def _rolled(self, snapshot: Snapshot, name: str) -> frozenset:
        """The documents stating a term or concept or any motive under it, as a set for a
        filter (made when first asked, once per snapshot)."""
        if self._rolled_for[0] is not snapshot:
            self._rolled_for = (snapshot, {})
        made = self._rolled_for[1]
        if name not in made:
            rolled = self._rolled_arrays(snapshot).get(name)
            made[name] = frozenset(rolled[0].tolist()) if rolled is not None else frozenset()
        return made[name]

    def _match(self, snapshot: Snapshot, query, filters: dict, ranked=None, text: str = ""):
        """The documents the query matches, each filter's documents, and both together."""
        table = snapshot.facets
        if query is None:
            base = table.live
        else:
            # The engine's matches include deleted documents (until a merge): keep live ones.
            found = ranked.docs() if ranked is not None else snapshot.docs_for(query, text)
            base = table.live.intersection(found)
        chosen = {name: table.matching(name, values) if name != "motive" else
                  frozenset().union(*(self._rolled(snapshot, value) for value in values))
                  for name, values in filters.items()}
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
            moment = _moment(stored, matcher) if matcher is not None else None
            quotes = [item for item in stored.get("evidence") or ()
                      if motives.intersection(item[0])]
            if quotes:
                hits.append(self._hit(stored, snippets.quotation([q[1] for q in quotes], matcher),
                                      quoted=_evidence(quotes[0])[0], moment=moment))
            elif matcher is not None:
                found = snippets.snippet(stored.get("body", ""), matcher)
                hits.append(self._hit(stored, found or (moment.snippet if moment else None),
                                      moment=moment))
            else:
                hits.append(self._hit(stored))
        return tuple(hits)

    @staticmethod
    def _hit(stored: dict, snippet=None, quoted: Evidence | None = None,
             moment: Moment | None = None) -> Hit:
        if snippet is None:
            snippet = snippets.lead(stored.get("summary") or stored.get("body", "")
                                    or stored.get("transcript", ""))
        evidence = tuple(e for item in stored.get("evidence") or () for e in _evidence(item))
        return Hit(id=stored["id"], title=stored["title"], year=stored["year"],
                   post=stored["post"], sector=stored["sector"], country=stored.get("country"),
                   motives=tuple(filter(None, stored.get("motive", "").split(","))),
                   snippet=snippet, closed=stored.get("closed") == "yes",
                   evidence=evidence, quoted=quoted is not None,
                   quote_paragraph=quoted.paragraph if quoted else 0, moment=moment,
                   quote=quoted, rank=stored.get("rank"), born=stored.get("born"),
                   left_with=tuple(filter(None, stored.get("left_with", "").split(","))))

    def listing(self) -> list[tuple[str, str, tuple[str, ...], bool]]:
        """(id, sector, motives, closed) of every live record, sorted by id, from the
        facet sets: what a harvester's catalogue needs, without reading stored documents."""
        with self._lock:
            snapshot = self._current()
            ids, facets = snapshot.ids(), snapshot.facets
            restricted = snapshot.having("closed", "yes")
        sector = {}  # from the arrays, not the sets: sets made here would stay made
        for value, docs in facets.by_value["sector"].items():
            sector.update(dict.fromkeys(docs.tolist(), value))
        motives: dict[int, list[str]] = {}
        for motive, docs in facets.by_value["motive"].items():
            for d in docs.tolist():
                motives.setdefault(d, []).append(motive)
        shared: dict[tuple, tuple] = {}  # one tuple for the records stating the same motives
        return sorted((testimony_id, sector.get(d, ""),
                       shared.setdefault(key := tuple(sorted(motives.get(d, ()))), key),
                       d in restricted) for d, testimony_id in ids.items())

    def hit(self, testimony_id: str) -> Hit | None:
        """A record as this view's hits show it (no snippet), or None when it holds none."""
        with self._lock:
            snapshot = self._current()
            docnum = snapshot.docnum_of(testimony_id)
            return self._hit(snapshot.stored(docnum), ()) if docnum is not None else None

    def beyond_public(self, testimony_ids) -> list[str]:
        """Those of the records this view shows more of than the public's: each read from
        a view above it (a record closed to the public, or with text kept from it)."""
        with self._lock:
            return self._current().beyond_public(testimony_ids)

    def path_of(self, testimony_id: str) -> str | None:
        """The record file (relative to the records folder) indexed under an id."""
        with self._lock:
            snapshot = self._current()
            docnum = snapshot.docnum_of(testimony_id)
            return snapshot.stored(docnum)["path"] if docnum is not None else None

    def related(self, testimony_id: str, limit: int = 5) -> tuple[Hit, ...]:
        """The testimonies most like this one that the view shows whole (more-like-this on
        the body)."""
        with self._lock:
            snapshot = self._current()
            docnum = snapshot.docnum_of(testimony_id)
            if docnum is None:
                return ()
            stored = snapshot.stored(docnum)
            text = " ".join(filter(None, (stored.get("title"), stored.get("summary"),
                                          stored.get("body"))))
            return tuple(self._hit(fields) for fields in snapshot.more_like(docnum, text, limit))

    def matched(self, request: SearchRequest) -> "Matched":
        """The documents a search matches with the sets that count them (for comparisons):
        exact, as its facets; restricted records included, as in every count."""
        filters = self._check(request)
        with self._lock:
            snapshot = self._current()
            query = self._parse(snapshot, request.query)
            final = self._match(snapshot, query, filters, None, request.query)[2]
            return Matched(final, snapshot.facets.by_value, snapshot.facets.year,
                           {name: stating for name, (stating, _) in
                            self._rolled_arrays(snapshot).items()},
                           {k: list(v) for k, v in filters.items()})

    def count(self) -> int:
        """How many testimonies the index holds."""
        with self._lock:
            return len(self._current().facets.live)


def _evidence(item: tuple) -> list[Evidence]:
    """A stored coded passage as evidence, one per motive: `(motives, text, paragraph)`
    from an index before recordings, `(motives, text, paragraph, cue, start, end)` now."""
    motives, text, paragraph, *said = item
    cue, start, end = said if said else (0, None, None)
    return [Evidence(motive, text, paragraph, cue, start, end) for motive in motives]


def _moment(stored: dict, matcher: snippets.Matcher) -> Moment | None:
    """Where the searched words are said in the record's transcript; None when nowhere."""
    found = snippets.said_at(stored.get("transcript") or "", stored.get("cues") or (), matcher)
    return Moment(*found) if found else None


def _union(size: int, arrays) -> np.ndarray:
    """The documents in any of some sorted arrays of document numbers (None: none), sorted."""
    arrays = [docs for docs in arrays if docs is not None]
    if len(arrays) < 2:
        return arrays[0] if arrays else np.zeros(0, dtype=np.int64)
    mask = np.zeros(size, dtype=bool)
    for docs in arrays:
        mask[docs] = True
    return np.flatnonzero(mask)
