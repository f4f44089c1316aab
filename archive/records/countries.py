"""Country names in the reader's language. Records name countries by their English short
name (`Cuba`, `United Kingdom`); Babel's locale data (CLDR) knows what each is called in
Korean (`쿠바`, `영국`), so facets, comparisons and record pages on Korean pages show that,
and a Korean name finds the records of its country."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

# Names records use that CLDR writes otherwise.
OTHER_NAMES = {"uk": "GB", "britain": "GB", "great britain": "GB", "usa": "US", "us": "US",
               "dprk": "KP", "rok": "KR", "republic of korea": "KR", "burma": "MM",
               "czech republic": "CZ", "ivory coast": "CI"}


@lru_cache(maxsize=None)
def _codes() -> dict[str, str]:
    """{English name in lower case: territory code}, with the short forms of names that
    carry a parenthesis (`Myanmar (Burma)` gives `Myanmar` and `Burma`)."""
    codes: dict[str, str] = {}
    for code, name in Locale("en").territories.items():
        if not code.isalpha():  # regions such as 001 (World) are not countries
            continue
        codes.setdefault(name.casefold(), code)
        for part in re.split(r"\s*[()]\s*", name):
            if part:
                codes.setdefault(part.casefold(), code)
    return {**codes, **OTHER_NAMES}


@lru_cache(maxsize=1024)
def country_name(name: str | None, language: str = "en") -> str | None:
    """A country as a language writes it (`Cuba`, 'ko' -> `쿠바`); the record's own name in
    English, or where the country is not known to the locale data."""
    if not name or language == "en":
        return name
    code = _codes().get(" ".join(name.casefold().split()))
    if code is None:
        return name
    try:
        return Locale.parse(language).territories.get(code, name)
    except (ValueError, LookupError):
        return name
