"""The commands of the index: `archive index` and `archive check`.

`archive index` is run after every edit made outside the archive, so this module imports
only the index's wing (the command line imports a command's module when it is run)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..history import git
from ..search.checking import MANIFEST, check_fixity, check_index, file_hashes, write_manifest
from ..search.indexing import describe, update_index
from .common import ProgressBar, record_file_arguments


@click.command()
@click.option("--rebuild", is_flag=True, help="Build a new index from scratch and swap it in.")
@click.option("--processes", type=click.IntRange(1, 64), default=None,
              help="Processes for a rebuild (default: one per core, up to 4, "
                   "from 4,000 records).")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def index(paths, rebuild: bool, processes: int | None, files: tuple[Path, ...]):
    """Build or update the index from the records; with FILES, look only at those files
    (added, edited or deleted) instead of comparing every record with the index."""
    only = record_file_arguments(paths, files) if files else None
    if only and rebuild:
        raise click.UsageError("--rebuild reads every record; give it no FILES.")
    with ProgressBar() as progress:
        report = update_index(paths.testimonies, paths.index, rebuild=rebuild, progress=progress,
                              processes=processes, only=only)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(describe(report))
    if report.failed:
        sys.exit(1)


@click.command()
@click.option("--repair", is_flag=True, help="Rebuild the index from the records if it differs.")
@click.option("--record-fixity", is_flag=True,
              help="Accept the files as they are now: write the fixity manifest.")
@click.pass_obj
def check(paths, repair, record_fixity):
    """Compare the index with the records, and the records with their fixity manifest."""
    hashes = file_hashes(paths.testimonies)
    problems = check_index(paths.testimonies, paths.index, hashes)
    if problems and repair:
        for problem in problems:
            click.echo(f"index: {problem}", err=True)
        report = update_index(paths.testimonies, paths.index, rebuild=True)
        click.echo(f"Repaired. {describe(report)}")
        problems = check_index(paths.testimonies, paths.index, hashes)
    for problem in problems:
        click.echo(f"index: {problem}" + ("" if repair else " Run 'archive check --repair'."),
                   err=True)
    fixity = check_fixity(paths.testimonies, hashes)
    if record_fixity:
        count = write_manifest(paths.testimonies, hashes)
        click.echo(f"Recorded the fixity of {count} files in {MANIFEST}.")
    elif fixity.missing_manifest:
        click.echo(f"fixity: there is no {MANIFEST} yet; start one with "
                   "'archive check --record-fixity'.", err=True)
    else:
        for kind, names in (("added", fixity.added), ("removed", fixity.removed),
                            ("changed", fixity.changed)):
            for name in names:
                click.echo(f"fixity: {kind} outside the archive: {name}", err=True)
    for name in git.uncommitted(paths.testimonies):  # an archive kept in git
        click.echo(f"git: not committed (changed outside the archive): {name}", err=True)
    fixity_ok = record_fixity or fixity.ok
    if not problems and fixity_ok:
        records = sum(rel.endswith(".md") for rel in hashes)
        click.echo(f"The index matches the {records} record files, and every file "
                   "matches the fixity manifest.")
    sys.exit(0 if not problems and fixity_ok else 1)
