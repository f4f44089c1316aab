"""The `archive` command: a click group whose commands, one module a wing, are each a few
lines that call the library; the library's errors become `Error: ...` and exit 1.

A command's module is imported only when that command runs (or help lists it): `archive
index`, run after every edit, then loads the index's wing alone, not the web, the
exchange formats, the suggestions' models or the accounts."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from ..errors import ArchiveError
from ..settings import Paths, find_root, load_settings

COMMANDS = {  # each command's name, and its module and function in this package
    "validate": "records:validate", "show": "records:show", "new": "records:new",
    "index": "indexing:index", "check": "indexing:check",
    "search": "search:search", "compare": "search:compare",
    "import": "exchange:import_", "export": "exchange:export",
    "init": "serving:init", "serve": "serving:serve",
    "log": "history:log", "diff": "history:diff", "restore": "history:restore",
    "withdraw": "history:withdraw", "sync": "history:sync",
    "suggest": "suggesting:suggest", "align": "media:align",
    "users": "access:users", "grants": "access:grants_", "audit": "access:audit_",
}


class ArchiveGroup(click.Group):
    """A click group whose commands are imported when used, and that turns the library's
    errors into `Error: ...` and exit 1."""

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx, name: str):
        if name not in COMMANDS:
            return None
        module, function = COMMANDS[name].split(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), function)

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
    ctx.obj = Paths((testimonies or base / "testimonies").absolute(),
                    (index_dir or base / "index").absolute(), settings)


def main() -> None:
    """Entry point of the `archive` console script."""
    cli(prog_name="archive")

