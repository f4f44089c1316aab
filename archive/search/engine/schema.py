"""The index schema: which fields a testimony becomes, how each is analysed, and which are
searched, faceted and stored.

The schema is pickled into each index's table of contents, classes and all: the module
paths of `ArchiveText`, `PackedPositions` and the analyzers are part of the index format,
and a change to any of them raises `SCHEMA_VERSION`, so that `archive index` rebuilds.
"""

from __future__ import annotations

from collections import Counter

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Frequency
from whoosh.system import pack_uint

from .analysis import (SyllableTokenizer, TextTokenizer, indexed_terms, name_analyzer,
                       syllable_analyzer, syllables, text_analyzer)
from .codec import PackedPositions

SCHEMA_VERSION = 13
# Searched by a query without a field name, in this order, with the weight of a match in each.
BOOSTS = {"title": 3.0, "summary": 1.5, "body": 1.0, "post": 1.5, "names": 3.0,
          "country_text": 1.0, "motive_text": 2.5, "transcript": 1.0}
SEARCH_FIELDS = tuple(BOOSTS)
# Other names a query may use for a field: `motive:famine`, `name:thae`.
FIELD_ALIASES = {"motive_text": ["motive", "motives"], "country_text": ["country"],
                 "names": ["name", "aliases", "alias"], "tags": ["tag"],
                 # The exact preferred term, for motive clauses the archive rewrites.
                 "motive": ["motive_term"]}
# Each searched text field's Hangul syllables, one by one: where a one-syllable word is
# found inside longer ones (`analysis.SyllableTokenizer`), at this share of a word's weight.
SYLLABLE_FIELDS = {name: f"{name}_syllables" for name in SEARCH_FIELDS if name != "names"}
SYLLABLE_WEIGHT = 0.5
# Exact values counted for facets and used by filters.
FACET_FIELDS = ("motive", "sector", "country", "year", "gender", "language", "account", "rank",
                "left_with", "generation", "age")
# Beside them, the motives each record quotes (has a coded passage for), for counts.
SET_FIELDS = FACET_FIELDS + ("quoted",)


class ArchiveText(TEXT):
    """A text field whose words are indexed in one loop (`indexed_terms`), with their
    positions packed (`PackedPositions`).

    It gives Whoosh the same terms, frequencies, weights and positions as its own path
    through the analyzer (a test compares them), in about half the time.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.format = PackedPositions(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str) or type(self.format) is not PackedPositions \
                or not isinstance(self.analyzer, TextTokenizer):
            return super().index(value, **kwargs)
        boost, encode, postings = self.format.field_boost, self.format.encode, []
        for term, (found, followers) in indexed_terms(value).items():
            postings.append((term.encode("utf-8"), len(found), len(found) * boost,
                             encode(found, followers)))
        return postings


class SyllableText(TEXT):
    """A field of Hangul syllables, each with its count and no positions (`Frequency`),
    counted in one pass: the same postings as Whoosh's path through the analyzer (a test
    compares them), without a token object a syllable."""

    def __init__(self, field_boost: float = 1.0) -> None:
        super().__init__(analyzer=syllable_analyzer(), phrase=False, field_boost=field_boost)

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str) or type(self.format) is not Frequency \
                or not isinstance(self.analyzer, SyllableTokenizer):
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        counts = Counter(syllables(value))
        return [(syllable.encode("utf-8"), count, count * boost, pack_uint(count))
                for syllable, count in counts.items()]


def index_fields(document: dict) -> dict:
    """What a writer is given for a document: its fields, and the syllables of those that
    hold Hangul."""
    syllables = {SYLLABLE_FIELDS[name]: value for name, value in document.items()
                 if name in SYLLABLE_FIELDS and not value.isascii()}
    return {**document, **syllables} if syllables else document


def make_schema() -> Schema:
    """The index schema: searchable text, exact facet fields, and what result lists show."""
    text = text_analyzer()

    def searchable(boost=1.0, stored=False):
        # A query word that analyses into several tokens (`자유를` -> `자유`, `유를`;
        # `e-mail`) must match them in sequence: multitoken_query="phrase".
        return ArchiveText(analyzer=text, stored=stored, field_boost=boost,
                           multitoken_query="phrase")

    syllables = {field: SyllableText(BOOSTS[name]) for name, field in SYLLABLE_FIELDS.items()}
    return Schema(
        **syllables,
        id=ID(stored=True, unique=True),
        path=STORED,
        sha256=STORED,
        title=searchable(BOOSTS["title"], stored=True),
        summary=searchable(BOOSTS["summary"], stored=True),
        body=searchable(BOOSTS["body"], stored=True),
        # The words said in a recording, a cue a line, and where each cue starts in them:
        # (offset, number, start ms, end ms).
        transcript=searchable(BOOSTS["transcript"], stored=True),
        cues=STORED,
        post=searchable(BOOSTS["post"], stored=True),
        names=TEXT(analyzer=name_analyzer(), field_boost=BOOSTS["names"], multitoken_query="and"),
        country_text=searchable(BOOSTS["country_text"]),
        motive_text=searchable(BOOSTS["motive_text"]),
        tags=KEYWORD(lowercase=True, commas=True, scorable=True),
        # The document's spelling words, kept so that an update can take them off the
        # view's word table (`words-<generation>.json`) exactly.
        words=STORED,
        # In a view above the public: what the audience below may not see of the record
        # (hidden_parts), to tell whether a correction hides more than before.
        hidden=STORED,
        motive=KEYWORD(commas=True, stored=True),
        sector=ID(stored=True),
        country=ID(stored=True),
        gender=ID(stored=True),
        language=ID(stored=True),
        access=ID(stored=True),
        # "yes" when the view's audience may see only the record's catalogue fields.
        closed=ID(stored=True),
        account=ID(stored=True),
        # Record format 1.2: the rank (a term of the vocabulary's ranks), who left with the
        # person, the year of birth, and what is derived from it: the generation (`1970s`)
        # and the band of the age at departure (`40-49`).
        rank=ID(stored=True),
        left_with=KEYWORD(commas=True, stored=True),
        born=NUMERIC(stored=True, shift_step=0),
        generation=ID,
        age=ID,
        # The motives the record states in a coded passage the view may show.
        quoted=KEYWORD(commas=True),
        # Its coded passages, for the hits of a search for a motive.
        evidence=STORED,
        # One term per year, not eight tiers: a range spans a few dozen years at most.
        year=NUMERIC(stored=True, sortable=True, shift_step=0),
    )
