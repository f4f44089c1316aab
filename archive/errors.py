"""The archive's exceptions: each message is a sentence a person can act on."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class of every error the archive reports to a person."""


class InvalidTestimony(ArchiveError):
    """A record file breaks the record format; carries every problem found."""

    def __init__(self, path: str, problems: list) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class InvalidVocabulary(ArchiveError):
    """The vocabulary file cannot be used."""


class InvalidReference(ArchiveError):
    """The reference series (`reference.csv`) cannot be used: every problem, a line each."""


class TestimonyNotFound(ArchiveError):
    """No record has the requested id (or it is not visible in this mode)."""

    __test__ = False  # not a pytest test class

    def __init__(self, testimony_id: str) -> None:
        self.testimony_id = testimony_id
        super().__init__(f"No testimony with the id '{testimony_id}'.")


class IndexMissing(ArchiveError):
    """The index folder holds no usable index."""

    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"No index in {index_dir}: run 'archive index' to build it from the records."
        )


class IndexDamaged(ArchiveError):
    """The index cannot be read; it must be rebuilt from the records."""

    def __init__(self, index_dir: str, cause: Exception) -> None:
        super().__init__(f"The index in {index_dir} cannot be read ({type(cause).__name__}); "
                         "run 'archive check --repair' to rebuild it from the records.")


class IndexUntrusted(ArchiveError):
    """The index was not written by this archive on this machine: it is never opened."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The index {reason}, so it is not opened (Whoosh would unpickle "
                         "it); run 'archive index --rebuild' to build it from the records.")


class IndexBusy(ArchiveError):
    """Another process held the index's write lock for too long."""


class QueryError(ArchiveError):
    """A search query or filter cannot be understood."""


class EngineMismatch(ArchiveError):
    """The installed Whoosh is not the release whose internals the engine reads."""
