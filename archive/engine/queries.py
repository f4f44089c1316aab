"""Reading a query: guards against what makes Whoosh's parser slow, fail or quietly wrong,
then its parser with the archive's fields, aliases and boosts."""

from __future__ import annotations

import re

from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser
from whoosh.query import NullQuery, Query

from ..errors import QueryError
from .schema import FIELD_ALIASES, SEARCH_FIELDS

MAX_QUERY_CHARS = 1000
MAX_WORD_CHARS = 100  # the parser is quadratic in a token's length
MAX_NESTING = 10


def guard_query(text: str) -> str:
    """Refuse queries that would make the parser slow or fail; rewrite year prefixes, and a
    leading minus as NOT."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is "
                         f"{MAX_QUERY_CHARS:,}")
    longest = max((len(word) for word in text.split()), default=0)
    if longest > MAX_WORD_CHARS:
        raise QueryError(f"the query has a word of {longest:,} characters; the limit is "
                         f"{MAX_WORD_CHARS}")
    depth = deepest = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(f"the query nests parentheses {deepest} deep; the limit is {MAX_NESTING}")
    text = _MINUS.sub(lambda match: match.group(0) if match.group(0) != "-" else "NOT ", text)
    return re.sub(r"\byear:(\S+)", _year_clause, text)


# A minus that starts a word or a phrase, outside quotes, means NOT (`dramas -soldier`);
# Whoosh's parser would read the word as a plain one, finding just what it was to leave out.
_MINUS = re.compile(r'"[^"]*"|(?<![^\s(])-(?=[^\s-])')


def _year_clause(match: re.Match) -> str:
    value = match.group(1)
    prefix = re.fullmatch(r"(\d{1,3})\*", value)
    if prefix:  # Whoosh would silently match nothing for year:199*
        digits = prefix.group(1)
        width = 4 - len(digits)
        return f"year:[{digits}{'0' * width} TO {digits}{'9' * width}]"
    if re.fullmatch(r"\d{4}|[<>]=?\d{4}|\[\d{4}|\{\d{4}|\[|\{|\(?\d{4}\)?", value):
        return match.group(0)
    raise QueryError(f"invalid year {value!r} in the query: use year:2016, year:199*, "
                     "year:[1990 TO 1999] or year:>=2000")


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
        raise QueryError(f"the query {text!r} cannot be read ({type(exc).__name__}); "
                         "check its quotes, brackets and field names") from None
    if query is NullQuery:
        raise QueryError(f"the query {text!r} has no word that can be searched: it holds "
                         "only very common words or punctuation")
    return query
