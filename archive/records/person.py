"""What a record says of the person beyond their post (record format 1.2): the age at which
they left and their generation, both derived from `born`, in the bands that facets, filters
and comparisons use.

The age at departure is `year - born`: the records give years, not birthdays, so it may be
one year more than the person's age on the day. Bands of ten years (and "under 20", "60 and
over") are wide enough for that not to matter to a comparison.
"""

from __future__ import annotations

import re

from .testimony import Testimony

# (value, first age, last age): the value is what URLs and the index hold.
AGE_BANDS = (("0-19", 0, 19), ("20-29", 20, 29), ("30-39", 30, 39), ("40-49", 40, 49),
             ("50-59", 50, 59), ("60+", 60, 200))
GENERATION = re.compile(r"^(1[89]|20)\d0s$")


def age_at_departure(testimony: Testimony) -> int | None:
    """How old the person was in the year they left (None without a year of birth)."""
    return testimony.year - testimony.born if testimony.born is not None else None


def age_band(age: int | None) -> str | None:
    """The band of an age (`35` -> `30-39`), or None."""
    if age is None:
        return None
    return next((value for value, first, last in AGE_BANDS if first <= age <= last), None)


def generation(born: int | None) -> str | None:
    """The decade of birth as a generation (`1971` -> `1970s`), or None."""
    return f"{born // 10 * 10}s" if born is not None else None


def order(name: str, value: str) -> tuple:
    """A sort key that puts the values of the age and generation facets in their natural
    order (the youngest band, the oldest generation first)."""
    if name == "age":
        values = [band for band, _first, _last in AGE_BANDS]
        return (values.index(value) if value in values else len(values), value)
    return (0, value)
