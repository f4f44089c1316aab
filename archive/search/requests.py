"""What a person asks for: a search request, its filters checked and normalised, and the
motives it asks for (with every motive under a broader term or concept)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import QueryError
from ..records.person import AGE_BANDS, GENERATION
from ..records.validation import LEFT_WITH, SECTORS
from ..records.vocabulary import Vocabulary
from ..translation import gettext as _
from .engine import FACET_FIELDS

FACETS = FACET_FIELDS
SORTS = ("relevance", "year")
# Who left with the person, in Korean as well: `left_with=자녀` and `left_with:자녀`.
LEFT_WITH_KO = {"alone": "혼자", "spouse": "배우자", "children": "자녀", "family": "가족"}


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
        elif name == "rank":
            values = [_rank(value, vocabulary) for value in values]
        elif name == "left_with":
            values = [_left_with(value) for value in values]
        elif name == "generation" and not all(GENERATION.match(v) for v in values):
            raise QueryError(_("invalid generation %(value)r: expected a decade of birth such "
                               "as 1970s", value=next(v for v in values
                                                      if not GENERATION.match(v))))
        elif name == "age":
            bands = [band for band, _first, _last in AGE_BANDS]
            for value in values:
                if value not in bands:
                    raise QueryError(_("unknown age band %(value)r; expected one of "
                                       "%(options)s", value=value, options=", ".join(bands)))
        clean[name] = tuple(dict.fromkeys(values))
    return clean


def _rank(value: str, vocabulary: Vocabulary) -> str:
    """A rank filter's value as its preferred term (a term, an alias or a Korean label)."""
    term = vocabulary.rank(value)
    if term is None:
        hint = vocabulary.closest_rank(value)
        raise QueryError(_("unknown rank %(value)r; did you mean '%(hint)s'?", value=value,
                           hint=hint) if hint else
                         _("unknown rank %(value)r", value=value))
    return term


def _left_with(value: str) -> str:
    """A left_with filter's value in English (`자녀` -> `children`)."""
    korean = {label: term for term, label in LEFT_WITH_KO.items()}
    found = korean.get(value.strip()) or value.strip().lower()
    if found not in LEFT_WITH:
        raise QueryError(_("unknown left_with %(value)r; expected one of %(options)s",
                           value=value, options=", ".join(LEFT_WITH)))
    return found




def with_motive_clauses(query: str, vocabulary: Vocabulary) -> str:
    """A query whose `motive:"..."` clauses name a term, an alias, a Korean label or a
    broader concept, each rewritten to ask for exactly the records stating it or any motive
    under it (`motive:family` finds children's freedom and family reunion). A clause that
    names no motive stays a search of the motives' labels (`motive:free*`). A `rank:` or
    `left_with:` clause naming a value by an alias or a Korean label asks for that value
    (`rank:고위층` is `rank:"elite"`)."""
    def expand(match: re.Match) -> str:
        name = vocabulary.normalise_any(match.group(1) if match.group(1) is not None
                                        else match.group(2))
        terms = sorted(vocabulary.narrower(name)) if name else []
        if not terms or any('"' in term for term in terms):
            return match.group(0)
        return "(" + " OR ".join(f'motive_term:"{term}"' for term in terms) + ")"

    return _LABELLED_CLAUSE.sub(lambda match: _labelled(match, vocabulary),
                                _MOTIVE_CLAUSE.sub(expand, query))


_LABELLED_CLAUSE = re.compile(r'(?<![\w:])(rank|left_with):(?:"([^"]*)"|([^\s()"]+))')


def _labelled(match: re.Match, vocabulary: Vocabulary) -> str:
    """A `rank:` or `left_with:` clause naming a value by a label (an alias, a Korean label,
    another case), rewritten to the value the index holds; anything else is left as it is."""
    name, label = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
    try:
        value = _rank(label, vocabulary) if name == "rank" else _left_with(label)
    except QueryError:
        return match.group(0)
    return f'{name}:"{value}"'


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
