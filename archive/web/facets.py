"""Search results as data for pages: facet values with toggle links, their labels in each
language, pagination (the charts are `charts`). Everything a template shows is computed here; templates only loop.

Parameters are a list of `(name, value)` pairs, as in a URL's query string, so that
the URL stays the whole state of a search page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from ..records.countries import country_name
from ..records.vocabulary import Vocabulary
from ..search.searching import FACETS, SearchResults
from .i18n import gettext, lazy_gettext

FACET_TITLES = {"motive": lazy_gettext("Motive"), "sector": lazy_gettext("Sector"),
                "country": lazy_gettext("Country"), "year": lazy_gettext("Year"),
                "gender": lazy_gettext("Gender"), "language": lazy_gettext("Language"),
                "account": lazy_gettext("Account"), "rank": lazy_gettext("Rank"),
                "left_with": lazy_gettext("Left with"),
                "generation": lazy_gettext("Generation"),
                "age": lazy_gettext("Age when they left")}
FACET_TITLES_KO = {"motive": "동기", "sector": "분야", "country": "국가", "year": "연도",
                   "gender": "성별", "language": "언어", "account": "증언 경로", "rank": "지위",
                   "left_with": "함께 떠난 사람", "generation": "세대", "age": "떠날 때 나이"}
# The values of the record format's closed lists, as each language shows them.
VALUE_LABELS = {
    "sector": {"diplomatic": lazy_gettext("diplomatic"), "trade": lazy_gettext("trade"),
               "military": lazy_gettext("military"), "security": lazy_gettext("security"),
               "party": lazy_gettext("party"), "overseas-labour": lazy_gettext("overseas-labour"),
               "student": lazy_gettext("student"), "civilian": lazy_gettext("civilian"),
               "other": lazy_gettext("other")},
    "gender": {"female": lazy_gettext("female"), "male": lazy_gettext("male"),
               "unknown": lazy_gettext("unknown")},
    "account": {"interview": lazy_gettext("interview"), "memoir": lazy_gettext("memoir"),
                "inquiry": lazy_gettext("inquiry"), "press": lazy_gettext("press"),
                "other": lazy_gettext("other")},
    "access": {"public": lazy_gettext("public"), "researchers": lazy_gettext("researchers"),
               "archivists": lazy_gettext("archivists"), "restricted": lazy_gettext("restricted")},
    "language": {"en": lazy_gettext("English"), "ko": lazy_gettext("Korean (한국어)")},
    "left_with": {"alone": lazy_gettext("alone"), "spouse": lazy_gettext("spouse"),
                  "children": lazy_gettext("children"),
                  "family": lazy_gettext("family (other relatives)")},
    "age": {"0-19": lazy_gettext("under 20"), "20-29": lazy_gettext("20-29"),
            "30-39": lazy_gettext("30-39"), "40-49": lazy_gettext("40-49"),
            "50-59": lazy_gettext("50-59"), "60+": lazy_gettext("60 and over")},
    # The fields an archivist may withhold from the public.
    "field": {"name": lazy_gettext("name"), "aliases": lazy_gettext("aliases"),
              "summary": lazy_gettext("summary"), "sources": lazy_gettext("sources"),
              "born": lazy_gettext("year of birth"), "gender": lazy_gettext("gender"),
              "defected_on": lazy_gettext("date of leaving"), "tags": lazy_gettext("tags"),
              "recorded_by": lazy_gettext("recorded by"),
              "recorded_on": lazy_gettext("recorded on"), "rank": lazy_gettext("rank"),
              "left_with": lazy_gettext("who left with them")},
}
LANGUAGE_NAMES = VALUE_LABELS["language"]
# Facets whose values have an order of their own (the engine gives them in it).
ORDERED = ("rank", "left_with", "generation", "age")
SHOWN_FIRST = 8  # a longer facet shows this many, the rest behind 'show all'


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet as the sidebar shows it."""

    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str
    quoted: int | None = None  # motives: how many matches state it in a coded passage
    depth: int = 0  # motives: how far below the top of the thesaurus


@dataclass(frozen=True)
class FacetGroup:
    """A facet with its values: the first few shown, the rest behind 'show all'."""

    name: str
    title: str
    first: tuple[FacetValue, ...]
    rest: tuple[FacetValue, ...]


def search_url(params: list[tuple[str, str]], path: str = "/search") -> str:
    """The URL of a search page for these parameters."""
    return f"{path}?{urlencode(params)}" if params else path


def toggled(params: list, name: str, value: str) -> list:
    """Parameters with one filter value added, or removed when present; page reset."""
    pair = (name, str(value))
    kept = [p for p in params if p[0] != "page"]
    return [p for p in kept if p != pair] if pair in kept else kept + [pair]


def replaced(params: list, name: str, value: str | None) -> list:
    """Parameters with every value of `name` replaced by `value` (or removed); page reset."""
    kept = [p for p in params if p[0] not in (name, "page")]
    return kept + [(name, str(value))] if value not in (None, "") else kept


def facet_groups(results: SearchResults, params: list, vocabulary: Vocabulary,
                 labels: str = "en") -> list[FacetGroup]:
    """The sidebar: every facet but year, its values with counts and toggle links."""
    groups = []
    for name in FACETS:
        if name == "year":
            continue
        if name == "motive":
            values = _motive_tree(results, params, vocabulary, labels)
            if values:
                titles = FACET_TITLES_KO if labels == "ko" else FACET_TITLES
                groups.append(FacetGroup(name, titles[name], values, ()))
            continue
        selected = results.filters.get(name, [])
        counts = {str(c.value): c.count for c in results.facets[name]}
        quoted = {str(c.value): c.quoted for c in results.facets[name]}
        for value in selected:  # a chosen value stays visible (and removable) at 0
            counts.setdefault(value, 0)
        ordered = sorted(counts.items(), key=lambda kv: (kv[0] not in selected, -kv[1], kv[0])) \
            if name not in ORDERED else list(counts.items())  # the engine's order kept
        values = tuple(FacetValue(value, label_of(name, value, vocabulary, labels), count,
                                  value in selected, search_url(toggled(params, name, value)),
                                  quoted.get(value) or (0 if name == "motive" else None))
                       for value, count in ordered)
        if values:
            titles = FACET_TITLES_KO if labels == "ko" else FACET_TITLES
            cut = SHOWN_FIRST if len(values) > SHOWN_FIRST + 2 else len(values)
            groups.append(FacetGroup(name, titles[name], values[:cut], values[cut:]))
    return groups


def _motive_tree(results: SearchResults, params: list, vocabulary: Vocabulary,
                 labels: str) -> tuple[FacetValue, ...]:
    """The motive facet as the thesaurus: each broader concept or term followed by the
    motives under it, indented; siblings largest first. A parent's count is the number of
    matches stating any motive under it."""
    counts = {c.value: c for c in results.facets["motive"]}
    selected = results.filters.get("motive", [])
    shown: list[FacetValue] = []

    def walk(parent: str | None, depth: int) -> None:
        names = [n for n in vocabulary.children(parent) if n in counts or n in selected]
        for name in sorted(names, key=lambda n: (n not in selected,
                                                 -(counts[n].count if n in counts else 0),
                                                 n.casefold())):
            found = counts.get(name)
            shown.append(FacetValue(name, vocabulary.label(name, labels),
                                    found.count if found else 0, name in selected,
                                    search_url(toggled(params, "motive", name)),
                                    found.quoted if found else 0, depth))
            walk(name, depth + 1)

    walk(None, 0)
    return tuple(shown)


def value_label(name: str, value: str) -> str:
    """A facet value as the page's language shows it (sectors, genders, accounts, access,
    languages, who left with the person, age bands, generations); other values as they are."""
    if name == "generation" and str(value)[:-1].isdigit():
        return gettext("born in the %(decade)ss", decade=str(value)[:-1])
    return str(VALUE_LABELS.get(name, {}).get(value, value))


def label_of(name: str, value: str, vocabulary: Vocabulary, labels: str = "en") -> str:
    """Any facet value as shown in `labels` ('en' or 'ko'): motives and ranks by the
    vocabulary's labels, countries by their name in that language (Babel's locale data),
    closed lists in the page's language."""
    if name == "motive":
        return vocabulary.label(value, labels)
    if name == "rank":
        return vocabulary.rank_label(value, labels)
    if name == "country":
        return country_name(value, labels) or value
    return value_label(name, value)


def page_links(results: SearchResults, params: list) -> list[tuple[str, str | None]]:
    """Pagination: `(label, url)` pairs, url None for the current page or a gap."""
    current, last = results.request.page, results.pages
    if last <= 1:
        return []
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links, previous = [], 0
    for number in wanted:
        if number - previous > 1:
            links.append(("…", None))
        url = None if number == current else search_url(replaced(params, "page", str(number)))
        links.append((str(number), url))
        previous = number
    return links
