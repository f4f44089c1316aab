"""The `archive` command: each command is a few lines that call the library."""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
import time
from pathlib import Path

import click

from . import cli_history, comparing, history, service
from .comparing import BY, DEFAULT_PERIOD, MAX_PERIOD
from .checking import (MANIFEST, check_fixity, check_index, file_hashes, write_manifest)
from .collection import display_path, read_archive, record_files, vocabulary_for
from .editing import create_record, written as record_written
from .errors import ArchiveError
from .founding import create_archive
from .watching import Watcher
from .settings import find_root, load_settings
from .exporting import BINARY, FORMATS
from .forms import slug, testimony_from_form
from .importing import read_import, write_import
from .indexing import describe, update_index
from .searching import FACETS, SORTS, SearchRequest
from .validation import SECTORS


class ArchiveGroup(click.Group):
    """A click group that turns the library's errors into `Error: ...` and exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=ArchiveGroup)
@click.option("--testimonies", type=click.Path(file_okay=False, path_type=Path),
              envvar="ARCHIVE_TESTIMONIES",
              help="Folder of record files and vocabulary.yaml [default: the archive's "
                   "testimonies/, found by walking up to archive.toml, else ./testimonies].")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="ARCHIVE_INDEX",
              help="Folder of the generated index [default: the archive's index/, else ./index].")
@click.version_option(package_name="testimony-archive", prog_name="archive")
@click.pass_context
def cli(ctx, testimonies: Path | None, index_dir: Path | None):
    """A searchable archive of testimonies of people who left North Korea."""
    root = find_root(Path.cwd())
    settings = load_settings(root)
    if ctx.invoked_subcommand != "init":
        for warning in settings.warnings:
            click.echo(warning, err=True)
    base = root or Path(".")
    ctx.obj = service.Paths((testimonies or base / "testimonies").absolute(),
                            (index_dir or base / "index").absolute(), settings)


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
@click.option("--processes", type=click.IntRange(1, 64), default=None,
              help="Processes for a rebuild (default: one per core, up to 4, "
                   "from 4,000 records).")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def index(paths, rebuild: bool, processes: int | None, files: tuple[Path, ...]):
    """Build or update the index from the records; with FILES, look only at those files
    (added, edited or deleted) instead of comparing every record with the index."""
    only = _record_files(paths, files) if files else None
    if only and rebuild:
        raise click.UsageError("--rebuild reads every record; give it no FILES.")
    with _progress() as progress:
        report = update_index(paths.testimonies, paths.index, rebuild=rebuild, progress=progress,
                              processes=processes, only=only)
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
    request = SearchRequest(_text(" ".join(words)), _filters(filters), sort, page, limit)
    archive = service.open_archive(paths, private=private, build=True)
    results = archive.index.search(request)
    if as_json:
        click.echo(json.dumps(service.results_json(results, "/t/"), ensure_ascii=False, indent=2))
    else:
        click.echo(service.results_text(results))


@cli.command()
@click.argument("words", nargs=-1)
@click.option("--by", type=click.Choice(BY), default="period", show_default=True,
              help="Columns: periods, a facet's values, or the motives (stated together).")
@click.option("--period", type=click.IntRange(1, MAX_PERIOD), default=DEFAULT_PERIOD,
              show_default=True, help="Years per period, aligned to multiples of it.")
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
              help="Narrow as in `archive search`.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of /api/compare.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the table as CSV.")
@click.option("--private", is_flag=True, help="Count in the private view (the counts are the same).")
@click.pass_obj
def compare(paths, words, by, period, filters, as_json, as_csv, private):
    """Compare the motives of the testimonies a search matches across periods or groups."""
    archive = service.open_archive(paths, private=private, build=True)
    request = SearchRequest(_text(" ".join(words)), _filters(filters))
    comparison = comparing.compare(archive.index, request, by, period)
    if as_json:
        click.echo(json.dumps(comparing.comparison_json(comparison), ensure_ascii=False, indent=2))
    elif as_csv:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(comparing.comparison_rows(comparison))
        click.echo(out.getvalue(), nl=False)
    else:
        click.echo(comparing.comparison_text(comparison))


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
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="The archive's name [default: the folder's name].")
def init(folder, name):
    """Start a new archive in FOLDER: records' folder, archive.toml, .gitignore, git."""
    for line in create_archive(folder, name or folder.absolute().name):
        click.echo(line)
    click.echo(f"Next: cd {folder} && archive new, then archive serve.")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=None,
              help="Port [default: the archive's port in archive.toml, else 5000].")
@click.option("--private", is_flag=True, help="Archivist's mode: show everything (loopback only).")
@click.option("--watch/--no-watch", default=True, show_default=True,
              help="Index records edited outside the archive as they are saved.")
@click.pass_obj
def serve(paths, host, port, private, watch):
    """Serve the web archive (loopback only by default, never in debug mode)."""
    from . import create_app

    if private and host not in service.LOOPBACK:
        raise click.UsageError(f"--private serves restricted records and only listens on "
                               f"loopback; drop --host {host}.")
    report = update_index(paths.testimonies, paths.index)
    click.echo(describe(report), err=True)
    damage = check_index(paths.testimonies, paths.index, deep=False, hash_files=True)
    if damage:  # never serve a damaged index silently: say so, and rebuild it
        click.echo("The index is damaged: " + " ".join(damage) + " Rebuilding it.", err=True)
        click.echo(describe(update_index(paths.testimonies, paths.index, rebuild=True)), err=True)
    port = port or paths.settings.port
    app = create_app({"TESTIMONIES": str(paths.testimonies), "INDEX": str(paths.index),
                      "PRIVATE": private, "SERVER_HOST": host, "SERVER_PORT": port,
                      "SETTINGS": paths.settings})
    if watch:
        watcher = Watcher(paths.testimonies, paths.index)
        watcher.start()
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        click.echo(f"Watching {display_path(paths.testimonies)} for edits made outside "
                   f"({watcher.method}).", err=True)
    click.echo(f"Serving the {'PRIVATE' if private else 'public'} archive on "
               f"http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    service.run_server(app, host, port)


@cli.command()
@click.option("--id", "testimony_id", help="The record's id (default: from the title and year).")
@click.option("--title")
@click.option("--year")
@click.option("--post")
@click.option("--sector", help=f"One of {', '.join(SECTORS)}.")
@click.option("--motive", "motives", multiple=True,
              help="A motive by term, alias or Korean label; repeat, or separate with commas.")
@click.option("--country")
@click.option("--name")
@click.option("--pseudonym/--real-name", default=None, help="Whether the name is a pseudonym.")
@click.option("--gender", type=click.Choice(["female", "male", "unknown"]))
@click.option("--language", default="en", show_default=True)
@click.option("--summary")
@click.option("--tag", "tags", multiple=True)
@click.option("--access", type=click.Choice(["public", "restricted"]), default=None,
              help="Who may see it [default: the archive's default_access, restricted unless "
                   "archive.toml says public].")
@click.option("--body", help="The testimony's text (Markdown).")
@click.option("--edit", "edit_body", is_flag=True, help="Write the body in $EDITOR.")
@click.option("--no-input", is_flag=True, help="Never prompt; fail if a required field is missing.")
@click.pass_obj
def new(paths, testimony_id, edit_body, no_input, **fields):
    """Add a testimony: prompts for what the options do not give, then writes a valid record."""
    vocabulary = vocabulary_for(paths.testimonies)
    for name in ("title", "year", "post", "sector"):
        if not fields[name] and not no_input:
            fields[name] = click.prompt(name.capitalize())
    if not fields["motives"] and not no_input:
        fields["motives"] = (click.prompt("Motives (comma-separated, Enter for none)",
                                          default="", show_default=False),)
    if edit_body:
        fields["body"] = click.edit(fields["body"] or "\n", extension=".md") or fields["body"]
    testimony_id = testimony_id or slug(fields["title"] or "", fields["year"] or "")
    fields["access"] = fields["access"] or paths.settings.default_access
    result = testimony_from_form(form_values(fields), testimony_id, vocabulary)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.testimony is None:
        raise click.ClickException("Nothing was written; correct the values above.")
    saved = create_record(paths.testimonies, paths.index, result.testimony)
    click.echo(f"Wrote {display_path(saved.path)}; it is in the index.")
    if result.testimony.restricted:
        click.echo("It is restricted: the public sees only its title, year, post, sector, "
                   "country and motives (--access public publishes it).", err=True)


@cli.command("import")
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


@cli.command()
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
@click.option("--private", is_flag=True, help="Export everything, restricted records included.")
@click.pass_obj
def export(paths, words, fmt, filters, sort, output, base_url, private):
    """Export the records a search matches (all by default) as json, csv, csl-json, bibtex,
    ris, passages (a CSV of coded passages) or refi-qda (a .qdpx project; needs --output)."""
    if fmt in BINARY and not output:
        raise click.UsageError(f"the {fmt} format is a ZIP file: give --output FILE, such as "
                               "--output archive.qdpx")
    archive = service.open_archive(paths, private=private, build=True)
    request = SearchRequest(_text(" ".join(words)), _filters(filters), sort)
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


def form_values(fields: dict) -> dict[str, list[str]]:
    """Command-line options as the values of the record form."""
    values = {name: [str(value)] for name, value in fields.items()
              if value not in (None, ()) and not isinstance(value, tuple)}
    values["motives"] = list(fields.get("motives") or ())
    values["tags"] = list(fields.get("tags") or ())
    if fields.get("pseudonym"):
        values["pseudonym"] = ["on"]
    return values


@cli.command()
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
    for name in history.uncommitted(paths.testimonies):  # an archive kept in git
        click.echo(f"git: not committed (changed outside the archive): {name}", err=True)
    fixity_ok = record_fixity or fixity.ok
    if not problems and fixity_ok:
        click.echo(f"The index matches the {len(hashes) - 1} record files, and every file "
                   "matches the fixity manifest.")
    sys.exit(0 if not problems and fixity_ok else 1)


def _text(argument: str) -> str:
    """An argument as text: bytes that were not UTF-8 (lone surrogates here) become U+FFFD."""
    return argument.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _filters(pairs) -> dict:
    filters: dict = {}
    for pair in map(_text, pairs):
        name, sep, value = pair.partition("=")
        if not sep or not value.strip():
            raise click.BadParameter(f"expected NAME=VALUE such as sector=trade, got {pair!r}",
                                     param_hint="--filter")
        filters.setdefault(name.strip(), []).append(value.strip())
    return filters


def _record_files(paths, files) -> list[Path]:
    """The given files, checked to be record files of the archive (they may be deleted)."""
    root = Path(paths.testimonies).absolute()
    for file in files:
        if file.suffix != ".md" or not file.absolute().is_relative_to(root):
            raise click.BadParameter(f"{file} is not a record file of {paths.testimonies}; give "
                                     "the .md files inside it that were added, edited or deleted",
                                     param_hint="FILES")
    return list(files)


class _progress:
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


def main() -> None:
    """Entry point of the `archive` console script."""
    cli(prog_name="archive")


for _command in (cli_history.log, cli_history.diff, cli_history.restore, cli_history.withdraw,
                 cli_history.sync):
    cli.add_command(_command)
