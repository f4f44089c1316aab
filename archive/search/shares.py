"""The share of one facet value across periods: of each period's testimonies that state a
rank, how many are elite. It answers "are the elite leaving in larger numbers?" at a
glance, with the counts behind every share.

A share's denominator is the period's testimonies that state a value of the facet, not
all of them: a record that says nothing of rank is not counted as "not elite". Both counts
are given, with the period's total, so that a reader sees how much is unknown. Counts come
from the same sets as the facets and comparisons (restricted records counted only where
the view may see their rank).
"""

from __future__ import annotations

from dataclasses import dataclass

from .comparing import DEFAULT_PERIOD, TOO_FEW, periods
from .searching import ArchiveIndex, SearchRequest


@dataclass(frozen=True)
class PeriodShare:
    """One period: its testimonies with the value, those stating any value, and all."""

    label: str
    filter: tuple[str, str]
    count: int
    stated: int
    total: int

    @property
    def share(self) -> float | None:
        """The value's share of the testimonies that state one (None when none does)."""
        return round(self.count / self.stated, 4) if self.stated else None

    @property
    def too_few(self) -> bool:
        """True when too few testimonies state a value for the share to compare."""
        return self.stated < TOO_FEW


@dataclass(frozen=True)
class Shares:
    """A value's share in each period of a search's testimonies."""

    facet: str
    value: str
    period: int
    periods: tuple[PeriodShare, ...]

    @property
    def stated(self) -> int:
        """How many of the testimonies state a value of the facet at all."""
        return sum(p.stated for p in self.periods)


def share_by_period(index: ArchiveIndex, request: SearchRequest | None = None,
                    facet: str = "rank", value: str | None = None,
                    period: int = DEFAULT_PERIOD) -> Shares | None:
    """The share of a facet value (by default the highest rank of the vocabulary) in each
    period of the testimonies a search matches (by default all); None when the vocabulary
    has no ranks to ask about."""
    if value is None:
        if facet != "rank" or not index.vocabulary.ranks:
            return None
        value = index.vocabulary.ranks[0].term
    matched = index.matched(request or SearchRequest())
    members = matched.sets.get(facet, {})
    having = frozenset(members[value].tolist()) if value in members else frozenset()
    stating = frozenset().union(*(docs.tolist() for docs in members.values()))
    found = [PeriodShare(column.label, column.filter, len(docs & having), len(docs & stating),
                         column.total) for column, docs in periods(matched, period)]
    return Shares(facet, value, period, tuple(found))
