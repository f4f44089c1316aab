"""The charts as data for pages, drawn by the templates as SVG without script, each with a
table that gives the same figures: the year chart (beside the reference series when the
archive has one) and the share of the elite by period.

Places, heights, links and text equivalents are computed here; templates only loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..records.reference import Reference
from ..search.comparing import TOO_FEW, Comparison
from ..search.searching import SearchResults
from ..search.shares import Shares
from .facets import replaced, search_url
from .heatmap import narrowed
from .i18n import gettext, ngettext, number

CHART_MIN_YEARS = 10
CHART_WIDTH, CHART_HEIGHT, CHART_AXIS = 640, 150, 22
REFERENCE_HEIGHT = 96  # the reference series' bars, hanging below the years
SHARE_HEIGHT, SHARE_TOP = 180, 28  # the share chart: its height, and room for the labels


@dataclass(frozen=True)
class Bar:
    """One bar of the year chart, and the reference series' count of that year."""

    year: int
    count: int
    x: float
    y: float
    width: float
    height: float
    url: str
    selected: bool
    label: bool
    reference: int | None = None
    reference_height: float = 0.0
    share: str | None = None  # the archive's count as a share of the reference's


@dataclass(frozen=True)
class YearChart:
    """The year chart: its bars, its height, and the reference series shown beside it."""

    bars: tuple[Bar, ...]
    height: int = CHART_HEIGHT
    reference: str | None = None  # what the series counts, in the page's language
    sources: tuple[tuple[str, str | None], ...] = ()
    reference_top: int = CHART_HEIGHT + 4


def year_chart(results: SearchResults, params: list, reference: Reference | None = None,
               language: str = "en") -> YearChart | None:
    """Bars of matching testimonies by year, each a link that filters to that year; below
    them, on a scale of their own, the reference series' counts of the same years."""
    counts = {int(c.value): c.count for c in results.facets["year"]}
    if not counts:
        return None
    first, last = min(counts), max(counts)
    if last - first + 1 < CHART_MIN_YEARS:  # a few years still read as years, not slabs
        first = max(1945, first - (CHART_MIN_YEARS - (last - first + 1)) // 2)
        last = first + CHART_MIN_YEARS - 1
    span = last - first + 1
    width = CHART_WIDTH / span
    tallest = max(counts.values())
    outside = {y.year: y.count for y in reference.years if first <= y.year <= last} \
        if reference else {}
    widest = max(outside.values(), default=0)
    chosen = results.filters.get("year", [])
    step = next(s for s in (1, 2, 5, 10, 20) if span / s <= 12)
    bars = []
    for offset in range(span):
        year = first + offset
        count = counts.get(year, 0)
        height = (CHART_HEIGHT - CHART_AXIS - 14) * count / tallest
        told = outside.get(year)
        bars.append(Bar(
            year=year, count=count, x=round(offset * width + 1, 2),
            y=round(CHART_HEIGHT - CHART_AXIS - height, 2), width=round(max(width - 2, 1), 2),
            height=round(height, 2), url=search_url(replaced(params, "year", f"{year}..{year}")),
            selected=f"{year}..{year}" in chosen, label=(year % step == 0) or span == 1,
            reference=told,
            reference_height=round((REFERENCE_HEIGHT - 16) * told / widest, 2) if told else 0.0,
            share=_percent(count / told) if told else None))
    if not outside:
        return YearChart(tuple(bars))
    return YearChart(tuple(bars), CHART_HEIGHT + REFERENCE_HEIGHT, reference.label(language),
                     tuple(reference.sources()))


@dataclass(frozen=True)
class ShareBar:
    """One period of the share chart: its bar, its counts, and its text equivalent."""

    label: str
    x: float
    y: float
    width: float
    height: float
    count: int
    stated: int
    total: int
    share: str | None
    too_few: bool
    url: str
    description: str


@dataclass(frozen=True)
class ShareChart:
    """The share of a value (the elite) among the testimonies stating a rank, by period."""

    value: str
    bars: tuple[ShareBar, ...]
    stated: int
    total: int
    height: int = SHARE_HEIGHT
    width: int = CHART_WIDTH
    top: int = SHARE_TOP  # where a bar of 100% would end
    room: int = SHARE_HEIGHT - CHART_AXIS - SHARE_TOP  # the height of a bar of 100%
    minimum: int = TOO_FEW

    @property
    def baseline(self) -> int:
        """Where the bars stand."""
        return self.top + self.room


def share_chart(shares: Shares | None, label: str) -> ShareChart | None:
    """A bar a period, its height the share (all of a period's ranked testimonies at the
    top), each a link to the period's testimonies with the value; None when no testimony
    states a rank."""
    if shares is None or not shares.stated:
        return None
    width = CHART_WIDTH / len(shares.periods)
    room = SHARE_HEIGHT - CHART_AXIS - SHARE_TOP
    bars = []
    for place, period in enumerate(shares.periods):
        share = period.share or 0.0
        height = round(room * share, 2)
        description = ngettext(
            "%(period)s: %(count)s of the %(stated)s testimonies that state a rank are "
            "%(value)s (%(share)s); %(num)s testimony in all",
            "%(period)s: %(count)s of the %(stated)s testimonies that state a rank are "
            "%(value)s (%(share)s); %(num)s testimonies in all", period.total,
            period=period.label, count=number(period.count), stated=number(period.stated),
            value=label, share=_percent(period.share) if period.stated else "–")
        bars.append(ShareBar(
            period.label, round(place * width + 4, 2), round(SHARE_TOP + room - height, 2),
            round(max(width - 8, 1), 2), height, period.count, period.stated, period.total,
            _percent(period.share) if period.stated else None, period.too_few,
            search_url(narrowed([(shares.facet, shares.value)], period.filter)), description))
    return ShareChart(label, tuple(bars), shares.stated,
                      sum(p.total for p in shares.periods))


def _percent(share: float | None) -> str | None:
    """A share as a percentage: whole above 10%, with a decimal below (0.5%)."""
    if share is None:
        return None
    return f"{share:.0%}" if share >= 0.1 or share == 0 else f"{share:.1%}"


@dataclass(frozen=True)
class DocumentedCell:
    """A period beside the reference series, as the comparison's table shows it."""

    count: str
    share: str
    years: str  # the years the series counts, when it counts only some of the period's


def documented_cells(comparison: Comparison) -> list[DocumentedCell]:
    """For each period of a comparison, the reference series' count and the share of it the
    period's testimonies of the same years are ('–' where the series says nothing)."""
    cells = []
    for column in comparison.columns:
        found = column.reference
        if found is None:
            cells.append(DocumentedCell("–", "–", ""))
            continue
        first, last = (int(y) for y in column.filter[1].split(".."))
        share = _percent(found.share) if found.share is not None else "–"
        cells.append(DocumentedCell(
            number(found.count),
            gettext("%(documented)s of %(count)s (%(share)s)", documented=number(found.documented),
                    count=number(found.count), share=share),
            "" if len(found.years) == last - first + 1 else
            gettext("%(years)s only", years=", ".join(map(str, found.years)))))
    return cells
