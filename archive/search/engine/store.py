"""Opening and creating the Whoosh index of one view, after checking that the installed
Whoosh is the one whose internals the engine reads."""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from ...errors import EngineMismatch
from .schema import make_schema

# The engine reads Whoosh's postings blocks, codec, segment readers and matchers; another
# release may lay them out differently, so it is pinned (pyproject.toml) and checked.
WHOOSH_DISTRIBUTION = "whoosh-reloaded"
WHOOSH_VERSION = "2.7.5"


@lru_cache(maxsize=1)
def installed_whoosh() -> str | None:
    """The version of whoosh-reloaded installed, or None when it was not installed by pip."""
    try:
        return metadata.version(WHOOSH_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def require_whoosh(installed: str | None = None) -> None:
    """Raise EngineMismatch unless the installed Whoosh is the one the engine was written for."""
    installed = installed_whoosh() if installed is None else installed
    if installed != WHOOSH_VERSION:
        raise EngineMismatch(
            f"The archive's search engine reads the internals of {WHOOSH_DISTRIBUTION} "
            f"{WHOOSH_VERSION}, but {installed or 'no release of it'} is installed; run "
            f"`python -m pip install {WHOOSH_DISTRIBUTION}=={WHOOSH_VERSION}`.")


def open_index(folder: Path):
    """Open one Whoosh index of ours, reading its files without mmap.

    Whoosh maps its files into memory by default; every page a search touches then counts
    as the process's own memory (a server over 34,000 records grew to 840 MB). Read
    through the operating system's file cache instead, at the same speed.
    """
    require_whoosh()
    return FileStorage(str(folder), supports_mmap=False).open_index()


def create_index(folder: Path):
    """Create an empty index of the archive's schema in a folder that exists."""
    require_whoosh()
    return whoosh_index.create_in(str(folder), make_schema())


def is_lock_error(exc: BaseException) -> bool:
    """True when an exception is Whoosh's: another writer holds the index."""
    return isinstance(exc, whoosh_index.LockError)
