"""What a person asks for: a search request, its filters checked and normalised, and the
motives it asks for (with every motive under a broader term or concept)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import QueryError
from ..records.validation import SECTORS
from ..records.vocabulary import Vocabulary
from ..translation import gettext as _
from .engine import FACET_FIELDS

FACETS = FACET_FIELDS
SORTS = ("relevance", "year")


@dataclass(frozen=True)
class SearchRequest:
    """What a person asked for: a query, filters by facet, a sort order and a page."""

    query: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


def parse_year_range(text: str) -> tuple[int, int]:
    """Read `FROM..TO`, `FROM..`, `..TO` or a single year; raise QueryError otherwise."""
    match = re.fullmatch(r"\s*(\d{4})?\s*(\.\.)?\s*(\d{4})?\s*", text or "")
    if not match or not (match.group(1) or match.group(3)) or \
            (not match.group(2) and not (match.group(1) and not match.group(3))):
        raise QueryError(_("invalid year %(value)r: expected a year such as 2016 or a range "
                           "such as 2016..2024", value=text))
    low = int(match.group(1)) if match.group(1) else 0
    high = int(match.group(3)) if match.group(3) else (9999 if match.group(2) else low)
    if low > high:
        raise QueryError(_("invalid year %(value)r: the range starts after it ends", value=text))
    return low, high


_MOTIVE_CLAUSE = re.compile(r'(?<![\w:])motives?:(?:"([^"]*)"|([^\s()"]+))')


def asked_motives(query: str, filters: dict, vocabulary: Vocabulary) -> tuple[frozenset, bool]:
    """The motives a search is for (a motive filter, or `motive:"..."` with a term, an
    alias, a Korean label or a broader concept, each with every motive under it), and
    whether its query holds other words too."""
    motives = set().union(*(vocabulary.narrower(name) for name in filters.get("motive", ())))

    def take(match: re.Match) -> str:
        term = vocabulary.normalise_any(match.group(1) if match.group(1) is not None
                                        else match.group(2))
        if term is None:
            return match.group(0)
        motives.update(vocabulary.narrower(term))
        return " "

    rest = _MOTIVE_CLAUSE.sub(take, query)
    words = bool(re.sub(r"\b(?:AND|OR)\b|[()]", " ", rest).strip())
    return frozenset(motives), words


def normalise_filters(filters: dict, vocabulary: Vocabulary) -> dict[str, tuple]:
    """Check filter names and values; map motive aliases to their preferred terms (or a
    broader concept's name)."""
    clean: dict[str, tuple] = {}
    for name, values in filters.items():
        values = [values] if isinstance(values, (str, int)) else list(values)
        values = [str(v).strip() for v in values if str(v).strip()]
        if name not in FACETS:
            raise QueryError(_("unknown filter %(name)r; expected one of %(options)s",
                               name=name, options=", ".join(FACETS)))
        if not values:
            continue
        if name == "motive":  # a term, alias or Korean label, or a broader concept
            terms = []
            for value in values:
                term = vocabulary.normalise_any(value)
                if term is None:
                    hint = vocabulary.closest(value)
                    raise QueryError(_("unknown motive %(value)r; did you mean '%(hint)s'?",
                                       value=value, hint=hint) if hint else
                                     _("unknown motive %(value)r", value=value))
                terms.append(term)
            values = terms
        elif name == "year":
            values = [f"{low}..{high}" for low, high in map(parse_year_range, values)]
        elif name == "sector":
            for value in values:
                if value not in SECTORS:
                    raise QueryError(_("unknown sector %(value)r; expected one of %(options)s",
                                       value=value, options=", ".join(SECTORS)))
        clean[name] = tuple(dict.fromkeys(values))
    return clean




def with_motive_clauses(query: str, vocabulary: Vocabulary) -> str:
    """A query whose `motive:"..."` clauses name a term, an alias, a Korean label or a
    broader concept, each rewritten to ask for exactly the records stating it or any motive
    under it (`motive:family` finds children's freedom and family reunion). A clause that
    names no motive stays a search of the motives' labels (`motive:free*`)."""
    def expand(match: re.Match) -> str:
        name = vocabulary.normalise_any(match.group(1) if match.group(1) is not None
                                        else match.group(2))
        terms = sorted(vocabulary.narrower(name)) if name else []
        if not terms or any('"' in term for term in terms):
            return match.group(0)
        return "(" + " OR ".join(f'motive_term:"{term}"' for term in terms) + ")"

    return _MOTIVE_CLAUSE.sub(expand, query)


PARAMS = ("q", *FACETS, "sort", "page", "per_page", "labels")  # a search page's URL


def request_from_params(params: list[tuple[str, str]], per_page: int = 20) -> SearchRequest:
    """The search a page's parameters ask for (`(name, value)` pairs, as in its URL)."""
    args = dict(params)
    filters = {name: [v for k, v in params if k == name] for name in FACETS}
    try:
        page, per_page = int(args.get("page", "1")), int(args.get("per_page", per_page))
    except ValueError:
        raise QueryError(_("the page and per_page must be whole numbers")) from None
    return SearchRequest(args.get("q", ""), filters, args.get("sort", "relevance"), page,
                         per_page)
