"""A reference series: counts from outside the archive, by year (official arrival statistics,
for example), kept beside the records in `reference.csv` with the source of every figure,
so that the archive's own counts can be read against them ("the archive documents 12 of
the 196 people who arrived that year").

The file is a CSV with a header row. Columns: `year` (the year counted), `count` (how many,
a whole number), `series` (what is counted, on the first row at least, the same on every
row that repeats it), `source` (the publication each figure comes from, on every row);
optionally `url` (where the source is), `series_ko` (what is counted, in Korean). One
series a file. Every problem is reported with its line, as a record's are.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidReference
from .collection import display_path

REFERENCE_FILE = "reference.csv"
REQUIRED = ("year", "count", "series", "source")
OPTIONAL = ("url", "series_ko")
FIRST_YEAR = 1945
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class ReferenceYear:
    """One year's outside count and where it comes from."""

    year: int
    count: int
    source: str
    url: str | None = None


@dataclass(frozen=True)
class Reference:
    """An outside series of counts by year, with the source of each."""

    series: str
    years: tuple[ReferenceYear, ...]
    series_ko: str | None = None

    def count(self, year: int) -> int | None:
        """The outside count of a year, or None where the series says nothing."""
        return next((y.count for y in self.years if y.year == year), None)

    def label(self, language: str = "en") -> str:
        """What the series counts, in a language ('en' or 'ko')."""
        return self.series_ko if language == "ko" and self.series_ko else self.series

    def sources(self) -> list[tuple[str, str | None]]:
        """Each source once, `(source, url)`, in the order of the years."""
        return list(dict.fromkeys((y.source, y.url) for y in self.years))


def load_reference(testimonies_dir: str | Path) -> Reference | None:
    """The archive's reference series, None when it has none; InvalidReference with every
    problem (a line each) when its file cannot be used."""
    path = Path(testimonies_dir) / REFERENCE_FILE
    if not path.is_file():
        return None
    shown = display_path(path)
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        raise InvalidReference(f"{shown}: the file is {len(raw):,} bytes; a reference series "
                               f"may be at most {MAX_BYTES:,} bytes.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidReference(f"{shown}:{line}: the file is not UTF-8; save it as UTF-8 "
                               "(CSV UTF-8 in a spreadsheet).") from None
    return parse_reference(text, shown)


def parse_reference(text: str, shown: str) -> Reference:
    """Read the text of a reference CSV; InvalidReference with every problem."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    problems = [f"{shown}:1: {name}: the column is missing; the columns are "
                f"{', '.join(REQUIRED + OPTIONAL)}" for name in REQUIRED if name not in header]
    for name in header:
        if name not in REQUIRED + OPTIONAL:
            hint = difflib.get_close_matches(name, REQUIRED + OPTIONAL, n=1)
            problems.append(f"{shown}:1: {name}: unknown column"
                            + (f"; did you mean '{hint[0]}'?" if hint else
                               f"; the columns are {', '.join(REQUIRED + OPTIONAL)}"))
    if problems:
        raise InvalidReference("\n".join(problems))
    reader.fieldnames = header
    years: dict[int, tuple[ReferenceYear, int]] = {}
    series = series_ko = None
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue
        problems += _row_problems(values, line, shown, years)
        named = values.get("series")
        if series is None and named:
            series = named
        elif named and named != series:
            problems.append(f"{shown}:{line}: series: {named!r} differs from {series!r} above; "
                            "a file holds one series (keep one file per series)")
        elif series is None:
            problems.append(f"{shown}:{line}: series: say what is counted on the first row, "
                            "such as 'Arrivals of North Koreans in South Korea'")
        series_ko = series_ko or values.get("series_ko") or None
    if not years and not problems:
        problems.append(f"{shown}: the file holds no year; add rows of year, count, series "
                        "and source")
    if problems:
        raise InvalidReference("\n".join(problems))
    ordered = tuple(entry for entry, _line in sorted(years.values(), key=lambda e: e[0].year))
    return Reference(series or "", ordered, series_ko)


def _row_problems(values: dict, line: int, shown: str, years: dict) -> list[str]:
    """Check one row; add its year to `years` when it is whole."""
    problems = []
    year_text, count_text = values.get("year", ""), values.get("count", "")
    last = dt.date.today().year
    year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
    if year is None or not FIRST_YEAR <= year <= last:
        problems.append(f"{shown}:{line}: year: expected a year from {FIRST_YEAR} to {last}, "
                        f"got {year_text!r}")
    elif year in years:
        problems.append(f"{shown}:{line}: year: {year} is counted twice (first on line "
                        f"{years[year][1]}); keep one row a year")
    count = None
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", count_text):
        count = int(count_text.replace(",", ""))
    else:
        problems.append(f"{shown}:{line}: count: expected a whole number such as 196, got "
                        f"{count_text!r}")
    source, url = values.get("source", ""), values.get("url") or None
    if not source:
        problems.append(f"{shown}:{line}: source: every figure needs its source; name the "
                        "publication it comes from")
    if url and not re.fullmatch(r"https?://[^\s<>\"]+", url):
        problems.append(f"{shown}:{line}: url: expected an http:// or https:// address, got "
                        f"{url!r}")
    if not problems and year is not None and count is not None:
        years[year] = (ReferenceYear(year, count, source, url), line)
    return problems
