"""The commands of the index and search: `archive index`, `archive search`,
`archive compare` and `archive check`."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from .. import service
from ..history import git
from ..search import comparing
from ..search.checking import MANIFEST, check_fixity, check_index, file_hashes, write_manifest
from ..search.comparing import BY, DEFAULT_PERIOD, MAX_PERIOD
from ..search.indexing import describe, update_index
from ..search.searching import FACETS, SORTS, SearchRequest
from .common import (ProgressBar, audience_of, audience_options, filter_options,
                     record_file_arguments, text_argument)


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
@click.argument("words", nargs=-1)
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
              help=f"Narrow by {', '.join(FACETS)} (year as FROM..TO); repeat for more.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@audience_options
@click.pass_obj
def search(paths, words, filters, sort, limit, page, as_json, audience, private):
    """Search the archive: QUERY uses AND, OR, NOT, "phrases", field:value and year:[A TO B]."""
    request = SearchRequest(text_argument(" ".join(words)), filter_options(filters), sort, page, limit)
    archive = service.open_archive(paths, audience_of(audience, private), build=True)
    results = archive.index.search(request)
    if as_json:
        click.echo(json.dumps(service.results_json(results, "/t/"), ensure_ascii=False, indent=2))
    else:
        click.echo(service.results_text(results))


@click.command()
@click.argument("words", nargs=-1)
@click.option("--by", type=click.Choice(BY), default="period", show_default=True,
              help="Columns: periods, a facet's values, or the motives (stated together).")
@click.option("--period", type=click.IntRange(1, MAX_PERIOD), default=DEFAULT_PERIOD,
              show_default=True, help="Years per period, aligned to multiples of it.")
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
              help="Narrow as in `archive search`.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of /api/compare.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the table as CSV.")
@audience_options
@click.pass_obj
def compare(paths, words, by, period, filters, as_json, as_csv, audience, private):
    """Compare the motives of the testimonies a search matches across periods or groups."""
    archive = service.open_archive(paths, audience_of(audience, private), build=True)
    request = SearchRequest(text_argument(" ".join(words)), filter_options(filters))
    comparison = comparing.compare(archive.index, request, by, period, archive.reference())
    if as_json:
        click.echo(json.dumps(comparing.comparison_json(comparison), ensure_ascii=False, indent=2))
    elif as_csv:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(comparing.comparison_rows(comparison))
        click.echo(out.getvalue(), nl=False)
    else:
        click.echo(comparing.comparison_text(comparison))


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
