"""A comparison as page data: the cells of an SVG heatmap with their places, shades, links
and text equivalents, computed here so that the template only loops and prints."""

from __future__ import annotations

from dataclasses import dataclass

from ..records.vocabulary import Vocabulary
from ..search.comparing import TOO_FEW, Comparison
from ..search.requests import parse_year_range
from .facets import label_of, search_url
from .i18n import gettext, ngettext, number

LABEL_WIDTH = 230  # the row labels, indented by depth
INDENT = 14
COLUMN_WIDTH = 52
ROW_HEIGHT = 24
HEADER_HEIGHT = 96  # the column labels, slanted
# From no share to all of a column: light to the archive's blue, in even steps.
SHADES = ("#f3f5f7", "#dce8f1", "#bcd4e6", "#93b9d6", "#6a9cc3", "#437fae", "#1f5f8b",
          "#174a6c")


@dataclass(frozen=True)
class Cell:
    """One cell: where it is drawn, its shade, what it says, and the search it opens."""

    x: int
    y: int
    width: int
    height: int
    fill: str
    text: str
    dark: bool
    url: str
    description: str
    too_few: bool


@dataclass(frozen=True)
class Heading:
    """A column's heading (a row's label has the same shape)."""

    x: int
    y: int
    text: str
    too_few: bool
    url: str
    depth: int = 0


@dataclass(frozen=True)
class Heatmap:
    """Everything the template draws: the size, the headings, the labels and the cells."""

    width: int
    height: int
    columns: tuple[Heading, ...]
    rows: tuple[Heading, ...]
    cells: tuple[Cell, ...]
    too_few: bool
    minimum: int = TOO_FEW


def shade(share: float) -> str:
    """The fill of a cell for a share from 0 to 1 (0 alone gets the lightest)."""
    if share <= 0:
        return SHADES[0]
    return SHADES[min(len(SHADES) - 1, 1 + int(share * (len(SHADES) - 1)))]


def narrowed(params: list, pair: tuple[str, str]) -> list:
    """Search parameters narrowed further by one facet value: a motive joins the query (a
    second motive filter would mean OR), a year range is cut to the ranges already asked
    for, any other value replaces its facet's values (the search already holds it)."""
    name, value = pair
    if name == "motive":
        query = " ".join(v for n, v in params if n == "q")
        clause = f'motive:"{value}"'
        return [p for p in params if p[0] != "q"] + [("q", f"{query} {clause}".strip())]
    if name == "year":
        low, high = map(int, value.split(".."))
        asked = [parse_year_range(v) for n, v in params if n == "year" and v.strip()]
        cut = [(max(low, a), min(high, b)) for a, b in asked if max(low, a) <= min(high, b)]
        years = [f"{a}..{b}" for a, b in cut] if asked else [value]
        return [p for p in params if p[0] != "year"] + [("year", y) for y in years]
    return [p for p in params if p[0] != name] + [pair]


def heatmap(comparison: Comparison, params: list, vocabulary: Vocabulary,
            labels: str = "en") -> Heatmap:
    """The heatmap of a comparison; each cell links to the search for its motive and column
    (the page's other parameters kept)."""
    kept = [(name, value) for name, value in params if name not in ("by", "period", "page")]
    columns = []
    by = comparison.by
    names = [label_of(by, c.label, vocabulary, labels) for c in comparison.columns]
    for place, column in enumerate(comparison.columns):
        x = LABEL_WIDTH + place * COLUMN_WIDTH + COLUMN_WIDTH // 2
        columns.append(Heading(x, HEADER_HEIGHT - 8, names[place], column.too_few,
                               search_url(narrowed(kept, column.filter))))
    rows, cells = [], []
    for place, row in enumerate(comparison.rows):
        y = HEADER_HEIGHT + place * ROW_HEIGHT
        name = vocabulary.label(row.motive, labels)
        rows.append(Heading(6 + row.depth * INDENT, y + ROW_HEIGHT // 2 + 5, name, False,
                            search_url(narrowed(kept, ("motive", row.motive))), row.depth))
        for at, (column, count, share) in enumerate(zip(comparison.columns, row.counts,
                                                        row.shares)):
            label = names[at]
            description = ngettext(
                "%(motive)s, %(column)s: %(count)s of %(num)s testimony (%(share)s)",
                "%(motive)s, %(column)s: %(count)s of %(num)s testimonies (%(share)s)",
                column.total, motive=name, column=label, count=number(count),
                share=f"{share:.0%}")
            if column.too_few:
                description += gettext("; fewer than %(num)s, too few to compare", num=TOO_FEW)
            cells.append(Cell(LABEL_WIDTH + at * COLUMN_WIDTH + 1, y + 1, COLUMN_WIDTH - 2,
                              ROW_HEIGHT - 2, shade(share), str(count), share > 0.55,
                              search_url(narrowed(narrowed(kept, ("motive", row.motive)),
                                                  column.filter)),
                              description, column.too_few))
    return Heatmap(LABEL_WIDTH + COLUMN_WIDTH * len(comparison.columns) + 60,
                   HEADER_HEIGHT + ROW_HEIGHT * len(comparison.rows) + 4, tuple(columns),
                   tuple(rows), tuple(cells), any(c.too_few for c in comparison.columns))
