"""The `archive` command: a click group whose commands, one module a wing, are each a few
lines that call the library; the library's errors become `Error: ...` and exit 1."""

from __future__ import annotations

from pathlib import Path

import click

from .. import service
from ..errors import ArchiveError
from ..settings import find_root, load_settings
from . import access, exchange, history, media, records, search, serving, suggesting


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


def main() -> None:
    """Entry point of the `archive` console script."""
    cli(prog_name="archive")


for _command in (records.validate, records.show, records.new, search.index, search.search,
                 search.compare, search.check, exchange.import_, exchange.export, serving.init,
                 serving.serve, history.log, history.diff, history.restore, history.withdraw,
                 history.sync, suggesting.suggest, access.users, access.grants_, access.audit_,
                 media.align):
    cli.add_command(_command)
