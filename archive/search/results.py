"""What a search gives back: its hits (with their snippets, quoted evidence and the
moment said in a recording), facet counts, the results as a whole, and the documents a
comparison counts. Plain values: the web, the exports and the command line read them."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from .requests import SearchRequest

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Evidence:
    """A coded passage of a record: the person's own words stating a motive, in a paragraph
    of the body or in a cue of the recording's transcript (with its times, milliseconds)."""

    motive: str
    text: str
    paragraph: int
    cue: int = 0
    start: int | None = None
    end: int | None = None

    @property
    def anchor(self) -> str:
        """Where the passage is on the record's page: `#p-2`, or `?t=83#cue-12`."""
        return f"?t={seconds(self.start)}#cue-{self.cue}" if self.cue else f"#p-{self.paragraph}"


def seconds(millis: int | None) -> str:
    """Milliseconds as the seconds of a media fragment or `?t=`: `83`, `83.25`."""
    return f"{(millis or 0) / 1000:.3f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Moment:
    """Where a search's words are said in a recording: the cue, its times (milliseconds)
    and the snippet of its words."""

    cue: int
    start: int
    end: int
    snippet: tuple[tuple[str, bool], ...]

    @property
    def anchor(self) -> str:
        """The record page at that moment: `?t=83#cue-12`."""
        return f"?t={seconds(self.start)}#cue-{self.cue}"

    @property
    def snippet_html(self) -> str:
        """The snippet as HTML: the text escaped, matched words in `<mark>`."""
        return _html(self.snippet)


@dataclass(frozen=True)
class Hit:
    """One matching testimony as a result list shows it; `quoted` when its snippet is a
    coded passage, the person's own statement of a motive searched for."""

    id: str
    title: str
    year: int
    post: str
    sector: str
    country: str | None
    motives: tuple[str, ...]
    snippet: tuple[tuple[str, bool], ...] = ()
    closed: bool = False  # the reader may see only its catalogue fields
    evidence: tuple[Evidence, ...] = ()
    quoted: bool = False
    quote_paragraph: int = 0  # where the quoted passage lies (`#p-N` of the record's page)
    rank: str | None = None
    born: int | None = None
    left_with: tuple[str, ...] = ()
    moment: Moment | None = None  # where the words are said in the recording
    quote: Evidence | None = None  # the quoted passage

    @property
    def snippet_html(self) -> str:
        """The snippet as HTML: the text escaped, matched words in `<mark>`."""
        return _html(self.snippet)

    def snippet_text(self, before: str = "", after: str = "") -> str:
        """The snippet as plain text, matched words between `before` and `after`."""
        return "".join(f"{before}{text}{after}" if marked else text
                       for text, marked in self.snippet)


def _html(snippet) -> str:
    return "".join(f"<mark>{escape(text)}</mark>" if marked else escape(text)
                   for text, marked in snippet)


@dataclass(frozen=True)
class FacetCount:
    """How many matching testimonies have one value of a facet."""

    value: str | int
    count: int
    quoted: int | None = None  # motives: how many of them state it in a coded passage
    broader: str | None = None  # motives: the broader term or concept it rolls up to


@dataclass(frozen=True)
class SearchResults:
    """One page of results, with the total, facet counts and a spelling suggestion."""

    request: SearchRequest
    filters: dict
    total: int
    hits: tuple[Hit, ...]
    facets: dict
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        """How many pages the results fill."""
        return max(1, -(-self.total // self.request.per_page))


@dataclass(frozen=True)
class Matched:
    """The documents of a search, each facet value's documents, each document's year, and
    each thesaurus node's documents (a motive with every motive under it); a value's or a
    node's documents are a sorted numpy array of document numbers."""

    docs: frozenset
    sets: dict
    years: dict
    rolled: dict
    filters: dict
