"""What the commands share: reading query words and filters as given on a terminal, checking
record-file arguments, and a progress bar for long index runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

AUDIENCES = ("public", "researchers", "archivists")


def audience_options(command):
    """`--audience` and its shorthand `--private` (the archivists' view, everything)."""
    command = click.option("--private", is_flag=True,
                           help="The archivists' view: everything (--audience archivists).")(command)
    return click.option("--audience", type=click.Choice(AUDIENCES), default=None,
                        help="Whose view: public (default), researchers or archivists.")(command)


def audience_of(audience: str | None, private: bool) -> str:
    """The audience the options chose."""
    if private and audience not in (None, "archivists"):
        raise click.UsageError(f"--private is the archivists' view; drop it or --audience "
                               f"{audience}.")
    return "archivists" if private else audience or "public"


def text_argument(argument: str) -> str:
    """An argument as text: bytes that were not UTF-8 (lone surrogates here) become U+FFFD."""
    return argument.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def filter_options(pairs) -> dict:
    filters: dict = {}
    for pair in map(text_argument, pairs):
        name, sep, value = pair.partition("=")
        if not sep or not value.strip():
            raise click.BadParameter(f"expected NAME=VALUE such as sector=trade, got {pair!r}",
                                     param_hint="--filter")
        filters.setdefault(name.strip(), []).append(value.strip())
    return filters


def record_file_arguments(paths, files) -> list[Path]:
    """The given files, checked to be record files of the archive (they may be deleted)."""
    root = Path(paths.testimonies).absolute()
    for file in files:
        if file.suffix != ".md" or not file.absolute().is_relative_to(root):
            raise click.BadParameter(f"{file} is not a record file of {paths.testimonies}; give "
                                     "the .md files inside it that were added, edited or deleted",
                                     param_hint="FILES")
    return list(files)


class ProgressBar:
    """A progress bar on a terminal for long index runs (records done, records per second,
    time left); nothing when not a terminal."""

    def __init__(self) -> None:
        self.bar = None
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()

    def __enter__(self):
        return self.update if self.enabled else None

    def update(self, done: int, total: int) -> None:
        if self.bar is None and total > 200:
            self.bar = click.progressbar(length=total, label="Indexing", file=sys.stderr,
                                         show_pos=True, show_eta=False,
                                         item_show_func=lambda speed: speed)
            self.bar.__enter__()
        if self.bar is not None:
            elapsed = time.monotonic() - self.started
            speed = None
            if elapsed > 0 and done:
                rate = done / elapsed
                left = int((total - done) / rate)
                speed = f"{rate:,.0f} records/s, {left // 60}:{left % 60:02d} left"
            self.bar.update(done - self.bar.pos, current_item=speed)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
