"""What a harvester may gather: the catalogue behind OAI-PMH and the sitemap.

One entry per record id, sorted by id: when it last changed (the date of the last commit
that touched its file, or the file's time where git knows nothing newer), the sets it
belongs to (`sector:<sector>`, `motive:<slug>`), and whether it is *deleted* for a harvester.
A record is deleted when it was withdrawn (its tombstone in `withdrawn.yaml`) or when it is
restricted: a harvester must never keep more of a restricted record than the archive shows,
so one that became restricted after a harvest is withdrawn from the harvester's copy too.

Everything comes from the public index: the catalogue of a private server is the public one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..history.git import committed_dates
from ..records.collection import TOMBSTONES, record_entries, tombstones
from ..search.searching import ArchiveIndex

UTC = dt.timezone.utc


@dataclass(frozen=True)
class Entry:
    """One record as a harvester sees it."""

    id: str
    changed: dt.datetime  # UTC, to the second
    sets: tuple[str, ...] = ()
    deleted: bool = False
    path: str | None = None  # the record file, relative to the records folder


@dataclass(frozen=True)
class Catalogue:
    """Every entry, sorted by id, and the sets, `[(spec, name)]`."""

    entries: tuple[Entry, ...]
    sets: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def entry(self, testimony_id: str) -> Entry | None:
        return self._by_id.get(testimony_id)


def slug(term: str) -> str:
    """A motive term as a set's name: `children's freedom` -> `childrens-freedom`."""
    return re.sub(r"[^a-z0-9]+", "-", term.lower().replace("'", "").replace("\u2019", "")
                  ).strip("-") or "motive"


def catalogue(testimonies_dir: Path, index: ArchiveIndex) -> Catalogue:
    """The catalogue of an archive, from its public index (`index` must be public)."""
    assert index.audience == "public", "a harvester sees the public index only"
    listed = index.listing()
    changed, paths = last_changes(testimonies_dir)
    never = dt.datetime(1970, 1, 1, tzinfo=UTC)
    entries: dict[str, Entry] = {}
    for testimony_id, sector, motives, restricted in listed:
        sets = (f"sector:{sector}",) + tuple(f"motive:{slug(m)}" for m in motives)
        entries[testimony_id] = Entry(testimony_id, changed.get(testimony_id, never),
                                      () if restricted else sets, restricted,
                                      paths.get(testimony_id))
    withdrawn_changed = changed.get(TOMBSTONES, never)
    for tombstone in tombstones(testimonies_dir):
        if tombstone.id not in entries:
            day = _day(tombstone.withdrawn_on) or withdrawn_changed
            entries[tombstone.id] = Entry(tombstone.id, max(day, withdrawn_changed), (), True)
    motives = sorted({m for _id, _sector, ms, restricted in listed if not restricted for m in ms})
    sectors = sorted({sector for _id, sector, _ms, restricted in listed if not restricted})
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
