"""The commands of exchange: `archive import` and `archive export`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import service
from ..exchange.exporting import BINARY, FORMATS
from ..exchange.importing import read_import, read_interview, write_import, write_interview
from ..exchange.transcripts import SUFFIXES
from ..history.editing import written as record_written
from ..records.collection import vocabulary_for
from ..search.indexing import describe, update_index
from ..search.searching import SORTS, SearchRequest
from ..web.forms import slug
from .common import audience_of, audience_options, filter_options, text_argument


INTERVIEW_FIELDS = ("title", "year", "post", "sector", "country", "name", "language", "access",
                    "summary")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows even if some are not.")
@click.option("--media", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The recording of an interview whose transcript FILE is (.vtt, .srt, OHMS "
                   ".xml, .docx or .odt with [hh:mm:ss] stamps).")
@click.option("--id", "testimony_id", help="An interview's id (default: from its title and year).")
@click.option("--motive", "motives", multiple=True, help="An interview's motive; repeat it.")
@click.option("--title")
@click.option("--year")
@click.option("--post")
@click.option("--sector")
@click.option("--country")
@click.option("--name")
@click.option("--language")
@click.option("--summary")
@click.option("--access", type=click.Choice(["public", "restricted"]), default=None)
@click.pass_obj
def import_(paths, file, dry_run, skip_invalid, media, testimony_id, motives, **fields):
    """Import records from a CSV file (one per row) or a JSON export, or an interview (a
    transcript with --media and the record's fields); ids and files never overwrite."""
    if file.suffix.lower() in SUFFIXES:
        return _import_interview(paths, file, media, dry_run, testimony_id, motives, fields)
    if media or testimony_id or motives or any(fields.values()):
        raise click.UsageError("--media, --id and the field options are for an interview's "
                               f"transcript ({', '.join(SUFFIXES)}), not for {file.name}")
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


def _import_interview(paths, file, media, dry_run, testimony_id, motives, fields):
    if media is None:
        raise click.UsageError(f"{file.name} is a transcript: give its recording with --media")
    values = {name: fields[name] for name in INTERVIEW_FIELDS if fields.get(name)}
    if str(values.get("year", "")).isdigit():
        values["year"] = int(values["year"])
    values["id"] = testimony_id
    values["motives"] = [m.strip() for motive in motives for m in motive.split(",") if m.strip()]
    found = read_interview(file, media, values, vocabulary_for(paths.testimonies),
                           paths.testimonies, paths.settings.default_access, slug)
    for problem in found.problems:
        click.echo(problem, err=True)
    if found.testimony is None:
        click.echo(f"The interview is invalid ({len(found.problems)} problem"
                   f"{'s' if len(found.problems) != 1 else ''}); nothing written.", err=True)
        sys.exit(1)
    cues = len(found.testimony.media.cues)
    summary = f"Interview '{found.testimony.id}': {cues} cue{'s' if cues != 1 else ''}, valid"
    if dry_run:
        click.echo(f"{summary}; nothing written (--dry-run).")
        return
    written = write_interview(found, paths.testimonies)
    record_written(paths.testimonies, written, f"Import the interview {found.testimony.id} "
                   f"from {file.name}")
    index_report = update_index(paths.testimonies, paths.index, only=[written[-1]])
    click.echo(f"{summary}; wrote {written[-1].relative_to(paths.testimonies.parent)}, "
               f"{found.transcript_name} and {found.media_name}. " + describe(index_report))


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
