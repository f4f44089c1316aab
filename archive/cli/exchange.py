"""The commands of exchange: `archive import` and `archive export`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import service
from ..exchange.exporting import BINARY, FORMATS
from ..exchange.importing import read_import, write_import
from ..history.editing import written as record_written
from ..records.collection import vocabulary_for
from ..search.indexing import describe, update_index
from ..search.searching import SORTS, SearchRequest
from .common import audience_of, audience_options, filter_options, text_argument


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows even if some are not.")
@click.pass_obj
def import_(paths, file, dry_run, skip_invalid):
    """Import records from a CSV file (one per row) or a JSON export; ids never overwrite."""
    report = read_import(file, vocabulary_for(paths.testimonies), paths.testimonies,
                         paths.settings.default_access)
    for problem in report.problems:
        click.echo(problem, err=True)
    valid, invalid = len(report.testimonies), report.invalid_rows
    summary = f"{valid} valid row{'s' if valid != 1 else ''}, {invalid} invalid"
    if dry_run:
        click.echo(f"{summary}; nothing written (--dry-run).")
        sys.exit(1 if invalid else 0)
    if invalid and not skip_invalid:
        click.echo(f"{summary}; nothing written. Correct the rows, or write the valid ones "
                   "with --skip-invalid.", err=True)
        sys.exit(1)
    written = write_import(report, paths.testimonies)
    record_written(paths.testimonies, written,
                   f"Import {len(written)} record{'s' if len(written) != 1 else ''} from {file.name}")
    index_report = update_index(paths.testimonies, paths.index, only=written)
    click.echo(f"{summary}; wrote {len(written)} record{'s' if len(written) != 1 else ''}. "
               + describe(index_report))
    sys.exit(1 if invalid else 0)


@click.command()
@click.argument("words", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="json",
              show_default=True)
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
              help="Narrow as in `archive search`.")
@click.option("--sort", type=click.Choice(SORTS), default="year", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to a file instead of standard output.")
@click.option("--base-url", default=None,
              help="Where the archive is served, for the records' permalinks [default: "
                   "base_url of archive.toml, else http://127.0.0.1:PORT].")
@audience_options
@click.pass_obj
def export(paths, words, fmt, filters, sort, output, base_url, audience, private):
    """Export the records a search matches (all by default) as json, csv, csl-json, bibtex,
    ris, passages (a CSV of coded passages) or refi-qda (a .qdpx project; needs --output)."""
    if fmt in BINARY and not output:
        raise click.UsageError(f"the {fmt} format is a ZIP file: give --output FILE, such as "
                               "--output archive.qdpx")
    archive = service.open_archive(paths, audience_of(audience, private), build=True)
    request = SearchRequest(text_argument(" ".join(words)), filter_options(filters), sort)
    base_url = base_url or paths.settings.base_url or f"http://127.0.0.1:{paths.settings.port}"
    text = service.export_text(archive, request, fmt, lambda i: f"{base_url.rstrip('/')}/t/{i}")
    if output:
        if isinstance(text, bytes):
            output.write_bytes(text)
        else:
            output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text, nl=False)
