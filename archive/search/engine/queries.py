"""Reading a query: guards against what makes Whoosh's parser slow, fail or quietly wrong,
then its parser with the archive's fields, aliases and boosts."""

from __future__ import annotations

import re

from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser
from whoosh.query import NullQuery, Or, Query, Term

from ...errors import QueryError
from ...translation import gettext as _
from .analysis import is_syllable
from .schema import FIELD_ALIASES, SEARCH_FIELDS, SYLLABLE_FIELDS, SYLLABLE_WEIGHT

MAX_QUERY_CHARS = 1000
MAX_WORD_CHARS = 100  # the parser is quadratic in a token's length
MAX_NESTING = 10


def guard_query(text: str) -> str:
    """Refuse queries that would make the parser slow or fail; rewrite year prefixes, and a
    leading minus as NOT."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(_("the query is %(length)s characters long; the limit is %(limit)s",
                           length=f"{len(text):,}", limit=f"{MAX_QUERY_CHARS:,}"))
    longest = max((len(word) for word in text.split()), default=0)
    if longest > MAX_WORD_CHARS:
        raise QueryError(_("the query has a word of %(length)s characters; the limit is "
                           "%(limit)s", length=f"{longest:,}", limit=MAX_WORD_CHARS))
    depth = deepest = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(_("the query nests parentheses %(depth)s deep; the limit is %(limit)s",
                           depth=deepest, limit=MAX_NESTING))
    text = _MINUS.sub(lambda match: match.group(0) if match.group(0) != "-" else "NOT ", text)
    return re.sub(r"\b(year|born):(\S+)", _year_clause, text)


# A minus that starts a word or a phrase, outside quotes, means NOT (`dramas -soldier`);
# Whoosh's parser would read the word as a plain one, finding just what it was to leave out.
_MINUS = re.compile(r'"[^"]*"|(?<![^\s(])-(?=[^\s-])')


def _year_clause(match: re.Match) -> str:
    """A clause of a year field (`year:`, and `born:`, the year of birth), checked, with a
    prefix (`199*`) made a range."""
    field, value = match.group(1), match.group(2)
    prefix = re.fullmatch(r"(\d{1,3})\*", value)
    if prefix:  # Whoosh would silently match nothing for year:199*
        digits = prefix.group(1)
        width = 4 - len(digits)
        return f"{field}:[{digits}{'0' * width} TO {digits}{'9' * width}]"
    if re.fullmatch(r"\d{4}|[<>]=?\d{4}|\[\d{4}|\{\d{4}|\[|\{|\(?\d{4}\)?", value):
        return match.group(0)
    if field == "born":
        raise QueryError(_("invalid year of birth %(value)r in the query: use born:1971, "
                           "born:197*, born:[1960 TO 1969] or born:<1960", value=value))
    raise QueryError(_("invalid year %(value)r in the query: use year:2016, year:199*, "
                       "year:[1990 TO 1999] or year:>=2000", value=value))


def make_parser(schema) -> MultifieldParser:
    """Whoosh's parser over the searched fields, with their boosts, `year:>=2000` and the
    fields' other names."""
    boosts = {name: schema[name].format.field_boost for name in SEARCH_FIELDS}
    parser = MultifieldParser(list(SEARCH_FIELDS), schema, fieldboosts=boosts)
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return parser


def parse_query(parser: MultifieldParser, text: str) -> Query:
    """Parse a query string, raising QueryError with one line for anything unusable."""
    guarded = guard_query(text)
    try:
        query = parser.parse(guarded)
    except Exception as exc:  # Whoosh's parser raises many kinds on odd input
        raise QueryError(_("the query %(query)r cannot be read (%(kind)s); check its quotes, "
                           "brackets and field names", query=text, kind=type(exc).__name__)) \
            from None
    if query is NullQuery:
        raise QueryError(_("the query %(query)r has no word that can be searched: it holds "
                           "only very common words or punctuation", query=text))
    return with_syllables(query, parser.schema)


def with_syllables(query: Query, schema) -> Query:
    """A one-syllable Hangul word (`법`) is also looked for inside longer words, in the
    syllables of each field it is searched in, at a share of its weight: a record where it
    stands as a word (`법을`) ranks above one where it ends a compound (`국법상`)."""
    def widen(node):
        field = SYLLABLE_FIELDS.get(getattr(node, "fieldname", None))
        if type(node) is Term and field in schema and is_syllable(node.text):
            return Or([node, Term(field, node.text, boost=node.boost * SYLLABLE_WEIGHT)])
        return node
    widened = query.accept(widen)
    return widened.normalize() if widened != query else query
