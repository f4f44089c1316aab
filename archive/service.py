"""The archive as the CLI and the web use it: open it, read a record in the right view,
and give results the shapes of the CLI and JSON contracts."""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ArchiveError, InvalidTestimony, TestimonyNotFound
from .media.deriving import copy_for
from .exchange.exporting import ExportInfo, export
from .records.collection import find_record, tombstones, vocabulary_for
from .records.recording import AUDIO, VIDEO, audience_of
from .records.redaction import visible
from .records.rendering import render_markdown
from .records.webvtt import format_clock
from .records.testimony import Testimony, read_testimony
from .search.engine.generations import current_generation
from .search.indexing import update_index
from .search.searching import FACETS, ArchiveIndex, SearchRequest, SearchResults, normalise_filters
from .settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MEDIA_TYPES = {**AUDIO, **VIDEO, ".opus": "audio/ogg"}


@dataclass(frozen=True)
class Paths:
    """Where an archive's records and index live, and what the archive says of itself."""

    testimonies: Path
    index: Path
    settings: Settings = field(default_factory=Settings, compare=False)


class Archive:
    """An archive opened in one mode: its vocabulary, its index view and its records."""

    def __init__(self, paths: Paths, private: bool = False) -> None:
        self.paths = paths
        self.private = private
        self.vocabulary = vocabulary_for(paths.testimonies)
        self.index = ArchiveIndex(paths.index, self.vocabulary, private=private)

    def testimony(self, testimony_id: str, rel: str | None = None) -> Testimony:
        """The record with this id, as this mode may show it (`rel`: where its file is
        thought to be, relative to the records folder, when the caller knows)."""
        rel = rel or self.index.path_of(testimony_id)
        path = self.paths.testimonies / rel if rel else None
        if path is None or not path.is_file() or path.stem != testimony_id:
            path = find_record(self.paths.testimonies, testimony_id)
        return _read_visible(path, self.vocabulary, self.private)


class RecordUnavailable(ArchiveError):
    """A record exists but is invalid; in public mode its problems are not shown."""


def _read_visible(path: Path, vocabulary, private: bool) -> Testimony:
    try:
        testimony, _warnings = read_testimony(path, vocabulary)
    except InvalidTestimony as exc:
        if private:
            raise
        raise RecordUnavailable(f"The testimony '{path.stem}' cannot be shown until an "
                                "archivist corrects its record.") from exc
    return visible(testimony, private)


@dataclass(frozen=True)
class Playable:
    """A recording as a mode may hear it: the file to send and its media type."""

    path: Path
    mimetype: str


def recording_file(archive: Archive, testimony_id: str, master: bool = False) -> Playable:
    """The recording of a record as this mode may hear it: the public its copy (restricted
    cues silenced), the archivist the master; `master` asks for the master, which only the
    archivist's mode has (TestimonyNotFound otherwise, as for a record that is not there)."""
    path = archive.paths.testimonies / (archive.index.path_of(testimony_id) or "")
    if not path.is_file() or path.stem != testimony_id:
        path = find_record(archive.paths.testimonies, testimony_id)
    shown = _read_visible(path, archive.vocabulary, archive.private)
    if shown.media is None or (master and not archive.private):
        raise TestimonyNotFound(testimony_id)
    full = shown if archive.private else read_testimony(path, archive.vocabulary)[0]
    audience = audience_of(archive.private)
    copy = copy_for(full.media, audience, archive.paths.index / "media", testimony_id)
    return Playable(copy, MEDIA_TYPES.get(copy.suffix.lower(), "application/octet-stream"))


def archive_of(app) -> Archive:
    """The archive a web app serves, opened on first use and kept in `app.extensions`
    (its searcher refreshes itself when the index changes)."""
    archive = app.extensions.get("testimony_archive")
    if archive is None:
        paths = Paths(Path(app.config["TESTIMONIES"]), Path(app.config["INDEX"]),
                      app.config["SETTINGS"])
        archive = Archive(paths, private=app.config["PRIVATE"])
        app.extensions["testimony_archive"] = archive
    return archive


def open_archive(paths: Paths, private: bool = False, build: bool = False) -> Archive:
    """Open an archive; with `build`, build the index first when there is none."""
    if build and current_generation(paths.index) is None:
        update_index(paths.testimonies, paths.index)
    return Archive(paths, private=private)


def get_testimony(paths: Paths, testimony_id: str, private: bool = False) -> Testimony:
    """Read one record by id from its file, in the view of the mode."""
    path = find_record(paths.testimonies, testimony_id)
    return _read_visible(path, vocabulary_for(paths.testimonies), private)


def export_text(archive: Archive, request: SearchRequest, fmt: str, url_of) -> str | bytes:
    """Every record a search matches, in an export format, as the mode may show them
    (bytes for a binary format)."""
    hits = archive.index.matching(request)
    records = [archive.testimony(hit.id) for hit in hits]
    info = ExportInfo(request.query, normalise_filters(request.filters, archive.vocabulary),
                      request.sort, archive.private, len(records), archive=archive.paths.settings,
                      withdrawn=tuple((t.id, t.withdrawn_on)
                                      for t in tombstones(archive.paths.testimonies)),
                      media_cache=archive.paths.index / "media")
    return export(fmt, records, info, url_of, archive.vocabulary)


def results_json(results: SearchResults, url_prefix: str = "/t/") -> dict:
    """Search results in the JSON contract of `archive search --json` and `/api/search`.

    Each hit carries its evidence, one entry per coded passage and motive, with the URL of
    the passage's paragraph; a motive facet value says how many matches quote it."""
    return {
        "query": results.request.query,
        "filters": results.filters,
        "sort": results.request.sort,
        "total": results.total,
        "page": results.request.page,
        "pages": results.pages,
        "results": [{
            "id": hit.id, "title": hit.title, "year": hit.year, "post": hit.post,
            "sector": hit.sector, "country": hit.country, "motives": list(hit.motives),
            "snippet": hit.snippet_html, "url": f"{url_prefix}{hit.id}",
            "quoted": hit.quoted,
            "evidence": [{"motive": e.motive, "text": e.text, "paragraph": e.paragraph or None,
                          "url": f"{url_prefix}{hit.id}{e.anchor}", "cue": e.cue or None,
                          "start": _seconds(e.start), "end": _seconds(e.end)}
                         for e in hit.evidence],
            "moment": _moment_json(hit, url_prefix),
        } for hit in results.hits],
        "facets": {name: [_facet_json(c) for c in results.facets[name]] for name in FACETS},
        "suggestion": results.suggestion,
    }


def _seconds(millis: int | None) -> float | None:
    return None if millis is None else millis / 1000


def _moment_json(hit, url_prefix: str) -> dict | None:
    """Where a hit's words are said in its recording, for the JSON contract."""
    moment = hit.moment
    if moment is None:
        return None
    return {"cue": moment.cue, "start": moment.start / 1000, "end": moment.end / 1000,
            "snippet": moment.snippet_html, "url": f"{url_prefix}{hit.id}{moment.anchor}"}


def _facet_json(count) -> dict:
    found = {"value": count.value, "count": count.count}
    if count.quoted is not None:  # a motive: how many quote it, and what it rolls up to
        found.update(quoted=count.quoted, broader=count.broader)
    return found


def results_text(results: SearchResults) -> str:
    """Search results as the terminal shows them."""
    query = results.request.query
    what = f" for {query!r}" if query else ""
    lines = [f"{results.total} testimon{'y' if results.total == 1 else 'ies'}{what}"
             + (f" (page {results.request.page} of {results.pages})" if results.total else "")]
    if results.suggestion:
        lines.append(f"Did you mean: {results.suggestion}")
    for hit in results.hits:
        lines.append("")
        lines.append(f"{hit.id}  {hit.year}  {hit.title}")
        place = " · ".join(filter(None, (hit.post, hit.country, hit.sector)))
        lines.append(f"  {place}")
        if hit.motives:
            lines.append(f"  Motives: {', '.join(hit.motives)}")
        snippet = hit.snippet_text("**", "**")
        if snippet and hit.quoted:
            snippet = f"In their words: “{snippet}”"
        if snippet:
            lines += textwrap.wrap(snippet, 88, initial_indent="  ", subsequent_indent="  ")
        if hit.moment is not None:
            said = "".join(f"**{text}**" if marked else text for text, marked in hit.moment.snippet)
            lines += textwrap.wrap(f"Said at {format_clock(hit.moment.start)} "
                                   f"(/t/{hit.id}{hit.moment.anchor}): “{said}”", 88,
                                   initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


def testimony_json(testimony: Testimony) -> dict:
    """A record's fields and rendered body, for `archive show --json` and `/api/t/<id>`."""
    fields = dataclasses.asdict(testimony)
    for internal in ("path", "sha256", "extra", "name_public"):
        fields.pop(internal, None)
    if fields.get("media"):
        for internal in ("folder", "transcript_sha256"):
            fields["media"].pop(internal, None)
    fields["body_html"] = render_markdown(testimony.body, testimony.language)
    return fields


def testimony_text(testimony: Testimony) -> str:
    """A record as the terminal shows it: its metadata, then its Markdown body."""
    rows = [("Title", testimony.title), ("Id", testimony.id), ("Year", testimony.year),
            ("Post", testimony.post), ("Sector", testimony.sector),
            ("Country", testimony.country), ("Motives", ", ".join(testimony.motives)),
            ("Name", testimony.name), ("Aliases", ", ".join(testimony.aliases)),
            ("Defected on", testimony.defected_on), ("Language", testimony.language),
            ("Access", testimony.access), ("Summary", testimony.summary)]
    lines = [f"{label + ':':<13}{value}" for label, value in rows if value not in (None, "")]
    for source in testimony.sources:
        lines.append(f"{'Source:':<13}" + ", ".join(filter(None, (source.title, source.publisher,
                                                                source.date, source.url))))
    return "\n".join(lines) + "\n\n" + (testimony.body or "(no body)")


def run_server(app, host: str, port: int) -> None:
    """Serve the app with waitress, a production WSGI server (never a debugger)."""
    import waitress

    waitress.serve(app, host=host, port=port, threads=8, ident="testimony-archive")
