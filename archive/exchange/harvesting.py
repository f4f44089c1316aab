"""What a harvester may gather: the catalogue behind OAI-PMH and the sitemap.

One entry per record id, sorted by id: when it last changed (the date of the last commit
that touched its file, or the file's time where git knows nothing newer), the sets it
belongs to (`sector:<sector>`, `motive:<slug>`), and whether it is *deleted* for a harvester.
A record is deleted when it was withdrawn (its tombstone in `withdrawn.yaml`) or when it is
restricted: a harvester must never keep more of a restricted record than the archive shows,
so one that became restricted after a harvest is withdrawn from the harvester's copy too.
A deleted record keeps its sets (a restricted record's sector and motives are counted in
public; a tombstone keeps them), so that a harvest of one set learns of the deletion; a
tombstone older than that, which does not know its sets, is in every set.

Everything comes from the public index: the catalogue of a private server is the public one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..history.git import committed_dates
from ..records.collection import TOMBSTONES, record_entries, set_slug, set_specs, tombstones
from ..search.searching import ArchiveIndex

UTC = dt.timezone.utc
SITEMAP_URLS = 50_000  # the most URLs one sitemap file may list (sitemaps.org protocol)


@dataclass(frozen=True, slots=True)
class Entry:
    """One record as a harvester sees it."""

    id: str
    changed: dt.datetime  # UTC, to the second
    sets: tuple[str, ...] = ()
    deleted: bool = False
    path: str | None = None  # the record file, relative to the records folder
    every_set: bool = False  # a tombstone that does not know its sets: in every set

    def in_set(self, wanted: str) -> bool:
        """True when the entry is in a set or one of its children."""
        return self.every_set or any(s == wanted or s.startswith(wanted + ":")
                                     for s in self.sets)


@dataclass(frozen=True)
class Catalogue:
    """Every entry, sorted by id, and the sets, `[(spec, name)]`."""

    entries: tuple[Entry, ...]
    sets: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def entry(self, testimony_id: str) -> Entry | None:
        return self._by_id.get(testimony_id)


slug = set_slug  # a motive term as a set's name: `children's freedom` -> `childrens-freedom`


def catalogue(testimonies_dir: Path, index: ArchiveIndex) -> Catalogue:
    """The catalogue of an archive, from its public index (`index` must be public)."""
    assert index.audience == "public", "a harvester sees the public index only"
    listed = index.listing()
    changed, paths = last_changes(testimonies_dir)
    never = dt.datetime(1970, 1, 1, tzinfo=UTC)
    entries: dict[str, Entry] = {}
    # One tuple of sets for the records that share it, one string for each set: at 100,000
    # records a tuple and strings of its own for each record held 30 MB.
    specs: dict[tuple, tuple] = {}
    names: dict[str, str] = {}
    for testimony_id, sector, motives, restricted in listed:
        sets = specs.get((sector, motives))
        if sets is None:
            sets = specs[sector, motives] = tuple(names.setdefault(spec, spec) for spec
                                                  in set_specs(sector, motives))
        entries[testimony_id] = Entry(testimony_id, changed.get(testimony_id, never),
                                      sets, restricted, paths.get(testimony_id))
    withdrawn_changed = changed.get(TOMBSTONES, never)
    gone = []
    for tombstone in tombstones(testimonies_dir):
        if tombstone.id not in entries:
            day = _day(tombstone.withdrawn_on) or withdrawn_changed
            entries[tombstone.id] = Entry(tombstone.id, max(day, withdrawn_changed),
                                          tombstone.sets or (), True,
                                          every_set=tombstone.sets is None)
            gone += tombstone.sets or ()
    # Sets named by public records, and those of deleted ones: a harvester asking for a set
    # whose records were all withdrawn or restricted learns of their deletion.
    named = {spec for entry in entries.values() for spec in entry.sets} | set(gone)
    sectors = sorted(spec.split(":", 1)[1] for spec in named if spec.startswith("sector:"))
    slugs = {spec.split(":", 1)[1] for spec in named if spec.startswith("motive:")}
    terms = {slug(m): m for _id, _sector, ms, _restricted in listed for m in ms}
    motives = sorted(terms.get(s, s) for s in slugs)
    sets = ([("sector", "Sectors")] + [(f"sector:{s}", s) for s in sectors]
            + [("motive", "Motives")] + [(f"motive:{slug(m)}", m) for m in motives])
    return Catalogue(tuple(entries[i] for i in sorted(entries)), tuple(sets))


def last_changes(testimonies_dir: Path) -> tuple[dict[str, dt.datetime], dict[str, str]]:
    """{record id: when it last changed}, and the tombstones' file under its name: the last
    commit that touched a file where one did and the file has not changed since, else the
    file's modification time; and {record id: its file, relative to the folder}."""
    folder = Path(testimonies_dir)
    files = {rel: mtime for rel, _size, mtime in record_entries(folder)}
    tomb = folder / TOMBSTONES
    if tomb.exists():
        files[TOMBSTONES] = tomb.stat().st_mtime_ns
    committed = committed_dates(folder)
    changes, paths = {}, {}
    for rel, mtime in files.items():
        when = committed.get(rel)
        if when is None:
            when = dt.datetime.fromtimestamp(mtime // 1_000_000_000, UTC)
        key = rel if rel == TOMBSTONES else Path(rel).stem
        changes[key], paths[key] = when, rel
    return changes, paths


def _day(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class SitemapFile:
    """One file of a sitemap: the records it lists (the first file also lists the home
    page) and the last day any of them changed."""

    number: int  # from 1
    entries: tuple[Entry, ...]
    home: bool
    changed: dt.datetime | None


def sitemap_files(catalogue: Catalogue, limit: int = SITEMAP_URLS) -> list[SitemapFile]:
    """The public record pages of a catalogue in files of at most `limit` URLs each, the
    home page first: one file up to `limit` pages, past that as many as it takes (served
    behind a sitemap index, as the protocol requires)."""
    public = [entry for entry in catalogue.entries if not entry.deleted]
    files, start, number = [], 0, 1
    while number == 1 or start < len(public):
        room = limit - 1 if number == 1 else limit  # the first file holds the home page
        chunk = public[start:start + room]
        files.append(SitemapFile(number, tuple(chunk), number == 1,
                                 max((e.changed for e in chunk), default=None)))
        start, number = start + room, number + 1
    return files
