"""The `archive` command: each command is a few lines that call the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import service
from .collection import read_archive, record_files, vocabulary_for
from .errors import ArchiveError
from .indexing import describe, update_index
from .searching import FACETS, SORTS, SearchRequest


class ArchiveGroup(click.Group):
    """A click group that turns the library's errors into `Error: ...` and exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=ArchiveGroup)
@click.option("--testimonies", type=click.Path(file_okay=False, path_type=Path),
              envvar="ARCHIVE_TESTIMONIES", default="testimonies", show_default=True,
              help="Folder of record files and vocabulary.yaml.")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="ARCHIVE_INDEX", default="index", show_default=True,
              help="Folder of the generated index.")
@click.version_option(package_name="testimony-archive")
@click.pass_context
def cli(ctx, testimonies: Path, index_dir: Path):
    """A searchable archive of testimonies of people who left North Korea."""
    ctx.obj = service.Paths(testimonies.absolute(), index_dir.absolute())


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def validate(paths_obj, paths):
    """Check record files (default: the whole archive) against the record format."""
    files = [f for p in paths for f in (record_files(p) if p.is_dir() else [p])] if paths else None
    report = read_archive(paths_obj.testimonies, vocabulary_for(paths_obj.testimonies), files)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    valid = len(report.testimonies)
    if report.invalid:
        click.echo(f"{len(report.invalid)} of {valid + len(report.invalid)} records are "
                   "invalid.", err=True)
        sys.exit(1)
    click.echo(f"All {valid} records are valid.")


@cli.command()
@click.option("--rebuild", is_flag=True, help="Build a new index from scratch and swap it in.")
@click.pass_obj
def index(paths, rebuild: bool):
    """Build or update the index from the records."""
    with _progress(rebuild) as progress:
        report = update_index(paths.testimonies, paths.index, rebuild=rebuild, progress=progress)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(describe(report))
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument("words", nargs=-1)
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
              help=f"Narrow by {', '.join(FACETS)} (year as FROM..TO); repeat for more.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--private", is_flag=True, help="Search everything, restricted records included.")
@click.pass_obj
def search(paths, words, filters, sort, limit, page, as_json, private):
    """Search the archive: QUERY uses AND, OR, NOT, "phrases", field:value and year:[A TO B]."""
    request = SearchRequest(" ".join(words), _filters(filters), sort, page, limit)
    archive = service.open_archive(paths, private=private, build=True)
    results = archive.index.search(request)
    if as_json:
        click.echo(json.dumps(service.results_json(results, "/t/"), ensure_ascii=False, indent=2))
    else:
        click.echo(service.results_text(results))


@cli.command()
@click.argument("testimony_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.option("--private", is_flag=True, help="Show restricted records and passages.")
@click.pass_obj
def show(paths, testimony_id, as_json, private):
    """Show one testimony by its id."""
    testimony = service.get_testimony(paths, testimony_id, private=private)
    if as_json:
        click.echo(json.dumps(service.testimony_json(testimony), ensure_ascii=False, indent=2))
    else:
        click.echo(service.testimony_text(testimony))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--private", is_flag=True, help="Archivist's mode: show everything (loopback only).")
@click.pass_obj
def serve(paths, host, port, private):
    """Serve the web archive (loopback only by default, never in debug mode)."""
    from . import create_app

    if private and host not in service.LOOPBACK:
        raise click.UsageError(f"--private serves restricted records and only listens on "
                               f"loopback; drop --host {host}.")
    report = update_index(paths.testimonies, paths.index)
    click.echo(describe(report), err=True)
    app = create_app({"TESTIMONIES": str(paths.testimonies), "INDEX": str(paths.index),
                      "PRIVATE": private, "SERVER_HOST": host, "SERVER_PORT": port})
    click.echo(f"Serving the {'PRIVATE' if private else 'public'} archive on "
               f"http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    service.run_server(app, host, port)


def _filters(pairs) -> dict:
    filters: dict = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not value.strip():
            raise click.BadParameter(f"expected NAME=VALUE such as sector=trade, got {pair!r}",
                                     param_hint="--filter")
        filters.setdefault(name.strip(), []).append(value.strip())
    return filters


class _progress:
    """A progress bar on a terminal for long index runs; nothing when not a terminal."""

    def __init__(self, rebuild: bool) -> None:
        self.bar = None
        self.enabled = sys.stderr.isatty()

    def __enter__(self):
        return self.update if self.enabled else None

    def update(self, done: int, total: int) -> None:
        if self.bar is None and total > 200:
            self.bar = click.progressbar(length=total, label="Indexing", file=sys.stderr,
                                         show_pos=True, show_eta=True)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def main() -> None:
    """Entry point of the `archive` console script."""
    cli(prog_name="archive")
