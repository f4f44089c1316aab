"""Writing a Testimony back to a record file in the format's canonical layout.

The layout is stable (one key order, lists of short values inline, dates unquoted), so
that a record saved twice is byte-identical and diffs of corrections stay small.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import yaml

from .testimony import Testimony

FIELD_ORDER = ("title", "year", "defected_on", "post", "sector", "rank", "country", "name",
               "aliases", "pseudonym", "name_public", "gender", "born", "left_with", "language",
               "motives", "summary", "tags", "sources", "access", "embargo_until", "account",
               "media", "withhold", "researchers_see", "recorded_by", "recorded_on")
DEFAULTS = {f.name: f.default for f in dataclasses.fields(Testimony)}


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper; dates are written bare since records read them as text."""

    yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
    }


def _represent_list(dumper, data):
    inline = all(isinstance(item, str) and len(item) < 60 for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)


def front_matter(testimony: Testimony) -> dict:
    """The record's fields in canonical order, defaults left out."""
    values = {}
    for name in FIELD_ORDER:
        value = getattr(testimony, name)
        # The access is always written: a record that does not say gets the archive's
        # default, which may differ from what it was when read.
        if value == DEFAULTS[name] and name not in ("motives", "access"):
            continue
        if name == "sources":
            value = [{k: v for k, v in dataclasses.asdict(s).items() if v is not None}
                     for s in value]
        if name == "media":
            value = value.front_matter()
        values[name] = list(value) if isinstance(value, tuple) else value
    for name, value in testimony.extra:
        values[name] = value
    return values


def format_testimony(testimony: Testimony) -> str:
    """The text of a record file for a testimony."""
    meta = yaml.dump(front_matter(testimony), Dumper=_Dumper, allow_unicode=True,
                     sort_keys=False, width=88, default_flow_style=False)
    body = testimony.body.strip("\n")
    return f"---\n{meta}---\n" + (f"\n{body}\n" if body else "")


class FileExists(Exception):
    """A new record file would replace an existing one."""


def _temporary_copy(text: str | bytes, path: Path) -> Path:
    """A file beside `path` holding the text (or bytes), on disk, to be renamed or linked
    into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with (open(temporary, "wb") if isinstance(text, bytes) else
          open(temporary, "w", encoding="utf-8", newline="\n")) as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write a text file (or bytes) whole or not at all, and durably (file and folder
    synced)."""
    os.replace(_temporary_copy(text, path), path)
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in a folder durable (where the system allows it)."""
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_testimony(testimony: Testimony, path: str | Path) -> None:
    """Write a record file atomically: a temporary file, fsync, then rename over the old."""
    atomic_write(Path(path), format_testimony(testimony))


def create_testimony_file(testimony: Testimony, path: str | Path) -> None:
    """Write a new record file atomically, raising FileExists rather than replacing one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_copy(format_testimony(testimony), path)
    try:
        os.link(temporary, path)  # fails if the file exists: a new record never replaces one
    except FileExistsError:
        raise FileExists(str(path)) from None
    finally:
        os.unlink(temporary)
    fsync_folder(path.parent)
