"""The archive as the CLI and the web use it: open it, read a record in the right view,
and give results the shapes of the CLI and JSON contracts."""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import ArchiveError, InvalidTestimony, TestimonyNotFound
from .media.deriving import copy_for
from .exchange.exporting import ExportInfo, export
from .records import person
from .records.collection import default_access_for, find_record, tombstones, vocabulary_for
from .records.recording import AUDIO, VIDEO
from .records.redaction import view_for
from .records.reference import REFERENCE_FILE, Reference, load_reference
from .records.rendering import render_markdown
from .records.webvtt import format_clock
from .records.testimony import Testimony, read_testimony
from .search.engine.generations import current_generation
from .search.indexing import lapsed_files, next_lapse, state_stamp, update_index
from .search.searching import FACETS, ArchiveIndex, SearchRequest, SearchResults, normalise_filters
from .settings import Paths

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MEDIA_TYPES = {**AUDIO, **VIDEO, ".opus": "audio/ogg"}


class Archive:
    """An archive opened for one audience: its vocabulary, its index view and its records.

    `clock` gives the day views are made for (an embargo lapses on its day without a
    rebuild by hand; tests pass a fake clock)."""

    def __init__(self, paths: Paths, audience: str = "public",
                 clock: Callable[[], dt.date] = dt.date.today) -> None:
        self.paths = paths
        self.audience = audience
        self.clock = clock
        self.vocabulary = vocabulary_for(paths.testimonies)
        self.default_access = default_access_for(paths.testimonies)
        self.index = ArchiveIndex(paths.index, self.vocabulary, audience)
        self._reference: tuple = (None, None, None)  # (the file's state, series, problem)

    def reference(self) -> Reference | None:
        """The archive's reference series (`reference.csv`), read again when the file
        changes; None when it has none. An unusable file raises InvalidReference."""
        path = self.paths.testimonies / REFERENCE_FILE
        try:
            stat = path.stat()
            state = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            state = None
        if state != self._reference[0]:
            try:
                self._reference = (state, load_reference(self.paths.testimonies), None)
            except ArchiveError as problem:
                self._reference = (state, None, problem)
        if self._reference[2] is not None:
            raise self._reference[2]
        return self._reference[1]

    @property
    def private(self) -> bool:
        """True for the archivists' view, which shows everything."""
        return self.audience == "archivists"

    def testimony(self, testimony_id: str, rel: str | None = None,
                  granted: bool = False) -> Testimony:
        """The record with this id, as this audience may see it (`rel`: where its file is
        thought to be, relative to the records folder, when the caller knows; `granted`:
        a researcher's grant opens a record closed to researchers, but not its embargo, its
        restricted passages or its withheld fields)."""
        rel = rel or self.index.path_of(testimony_id)
        path = self.paths.testimonies / rel if rel else None
        if path is None or not path.is_file() or path.stem != testimony_id:
            path = find_record(self.paths.testimonies, testimony_id)
        return read_view(path, self.vocabulary, self.default_access, self.audience,
                         self.clock(), granted)

    def record(self, testimony_id: str) -> Testimony:
        """The whole record with this id, for decisions about it (never to be shown)."""
        path = find_record(self.paths.testimonies, testimony_id)
        return read_testimony(path, self.vocabulary, default_access=self.default_access)[0]


class RecordUnavailable(ArchiveError):
    """A record exists but is invalid; below the archivists its problems are not shown."""


def read_view(path: Path, vocabulary, default_access: str, audience: str, today: dt.date,
              granted: bool = False) -> Testimony:
    """Read a record file in the view of an audience on a day."""
    try:
        testimony, _warnings = read_testimony(path, vocabulary, default_access=default_access)
    except InvalidTestimony as exc:
        if audience == "archivists":
            raise
        raise RecordUnavailable(f"The testimony '{path.stem}' cannot be shown until an "
                                "archivist corrects its record.") from exc
    if granted and audience == "researchers" and testimony.audience == "archivists":
        testimony = dataclasses.replace(testimony, access="researchers")
    return view_for(testimony, audience, today)


@dataclass(frozen=True)
class Playable:
    """A recording as an audience may hear it: the file to send and its media type."""

    path: Path
    mimetype: str


def recording_file(archive: Archive, testimony_id: str, master: bool = False,
                   granted: bool = False) -> Playable:
    """The recording of a record as the archive's audience may hear it: its copy (what it
    may not hear silenced), or for archivists the master; `master` asks for the master,
    which only archivists have (TestimonyNotFound otherwise, as for a record that is not
    there)."""
    shown = archive.testimony(testimony_id, granted=granted)
    if shown.media is None or (master and not archive.private):
        raise TestimonyNotFound(testimony_id)
    if archive.private:
        full = shown
    else:
        path = archive.paths.testimonies / (archive.index.path_of(testimony_id) or "")
        if not path.is_file() or path.stem != testimony_id:
            path = find_record(archive.paths.testimonies, testimony_id)
        full = read_testimony(path, archive.vocabulary, default_access=archive.default_access)[0]
    copy = copy_for(full.media, archive.audience, archive.paths.index / "media", testimony_id)
    return Playable(copy, MEDIA_TYPES.get(copy.suffix.lower(), "application/octet-stream"))


def archive_of(app, audience: str | None = None) -> Archive:
    """The archive a web app serves to an audience (by default the app's own: archivists
    in private mode, else the public), opened on first use and kept in `app.extensions`
    (its searcher refreshes itself when the index changes)."""
    audience = audience or ("archivists" if app.config["PRIVATE"] else "public")
    archives = app.extensions.setdefault("testimony_archive", {})
    if audience not in archives:
        paths = Paths(Path(app.config["TESTIMONIES"]), Path(app.config["INDEX"]),
                      app.config["SETTINGS"])
        archives[audience] = Archive(paths, audience, app.config.get("CLOCK") or dt.date.today)
    return archives[audience]


def open_archive(paths: Paths, audience: str = "public", build: bool = False) -> Archive:
    """Open an archive for an audience; with `build`, build the index first when there is
    none. Embargoes that have lapsed since the index was made are applied first."""
    if build and current_generation(paths.index) is None:
        update_index(paths.testimonies, paths.index)
    elif current_generation(paths.index) is not None:
        Embargoes(paths).apply(dt.date.today())
    return Archive(paths, audience)


def get_testimony(paths: Paths, testimony_id: str, audience: str = "public") -> Testimony:
    """Read one record by id from its file, in the view of an audience."""
    path = find_record(paths.testimonies, testimony_id)
    return read_view(path, vocabulary_for(paths.testimonies),
                     default_access_for(paths.testimonies), audience, dt.date.today())


class Embargoes:
    """Notices the day an embargo lapses and indexes the record anew, so that nothing
    needs rebuilding by hand; cheap to ask on every request (one stat of the index state
    until that day)."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._lock = threading.Lock()
        self._known: tuple = (None, None)  # (the state's stamp, the next day one lapses)

    def apply(self, today: dt.date) -> list[str]:
        """Index anew the records whose embargo has lapsed by `today`; their ids."""
        stamp = state_stamp(self.paths.index)
        if stamp != self._known[0]:
            self._known = (stamp, next_lapse(self.paths.index))
        day = self._known[1]
        if day is None or today.isoformat() < day:
            return []
        with self._lock:
            files = lapsed_files(self.paths.testimonies, self.paths.index, today)
            if not files:
                return []
            return update_index(self.paths.testimonies, self.paths.index, only=files,
                                today=today).changed


def export_text(archive: Archive, request: SearchRequest, fmt: str, url_of) -> str | bytes:
    """Every record a search matches, in an export format, as the mode may show them
    (bytes for a binary format)."""
    hits = archive.index.matching(request)
    records = [archive.testimony(hit.id) for hit in hits]
    info = ExportInfo(request.query, normalise_filters(request.filters, archive.vocabulary),
                      request.sort, archive.audience, len(records),
                      archive=archive.paths.settings,
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
            "rank": hit.rank, "born": hit.born, "left_with": list(hit.left_with),
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
    fields["age_at_departure"] = person.age_at_departure(testimony)  # derived from born
    fields["generation"] = person.generation(testimony.born)
    if fields.get("media"):
        for internal in ("folder", "transcript_sha256"):
            fields["media"].pop(internal, None)
    fields["body_html"] = render_markdown(testimony.body, testimony.language)
    return fields


def testimony_text(testimony: Testimony) -> str:
    """A record as the terminal shows it: its metadata, then its Markdown body."""
    rows = [("Title", testimony.title), ("Id", testimony.id), ("Year", testimony.year),
            ("Post", testimony.post), ("Sector", testimony.sector), ("Rank", testimony.rank),
            ("Country", testimony.country), ("Motives", ", ".join(testimony.motives)),
            ("Name", testimony.name), ("Aliases", ", ".join(testimony.aliases)),
            ("Born", testimony.born and f"{testimony.born} (about "
                                        f"{person.age_at_departure(testimony)} when they left)"),
            ("Left with", ", ".join(testimony.left_with)),
            ("Defected on", testimony.defected_on), ("Language", testimony.language),
            ("Access", testimony.access), ("Summary", testimony.summary)]
    lines = [f"{label + ':':<13}{value}" for label, value in rows if value not in (None, "")]
    for source in testimony.sources:
        lines.append(f"{'Source:':<13}" + ", ".join(filter(None, (source.title, source.publisher,
                                                                source.date, source.url))))
    return "\n".join(lines) + "\n\n" + (testimony.body or "(no body)")


MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_malloc_arenas(count: int = MALLOC_ARENAS) -> bool:
    """Cap the C library's memory arenas (glibc's `mallopt(M_ARENA_MAX)`) before a server
    starts its threads; True when the C library took it, False where there is none.

    glibc gives each thread that allocates an arena of its own, up to eight a core, and
    keeps what a thread frees for that thread's next allocations. A server's eight
    threads, each making arrays over 100,000 documents for its searches and comparisons,
    held 403 MB at 100,000 records; with two arenas, 251 MB."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc: macOS, Windows
        return False
    return mallopt(M_ARENA_MAX, count) == 1


def run_server(app, host: str, port: int) -> None:
    """Serve the app with waitress, a production WSGI server (never a debugger).

    With `poll`, not waitress's default `select`, which cannot watch a connection whose
    file number passes 1,023: at 100,000 records an accounts server holds the public
    view's segment files once for the public and again under a researcher's view, some
    1,000 files, and its next connection failed."""
    import waitress

    waitress.serve(app, host=host, port=port, threads=8, ident="testimony-archive",
                   asyncore_use_poll=True)
