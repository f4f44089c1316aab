"""Starting and serving an archive: `archive init` and `archive serve`."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .. import service
from ..history.founding import create_archive
from ..history.watching import Watcher
from ..records.collection import display_path
from ..search.checking import check_index
from ..search.indexing import describe, update_index


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="The archive's name [default: the folder's name].")
def init(folder, name):
    """Start a new archive in FOLDER: records' folder, archive.toml, .gitignore, git."""
    for line in create_archive(folder, name or folder.absolute().name):
        click.echo(line)
    click.echo(f"Next: cd {folder} && archive new, then archive serve.")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=None,
              help="Port [default: the archive's port in archive.toml, else 5000].")
@click.option("--private", is_flag=True, help="Archivist's mode: show everything (loopback only).")
@click.option("--accounts", is_flag=True,
              help="Accounts mode: the public view to all, more to researchers and archivists "
                   "who log in (also `serve = \"accounts\"` in archive.toml).")
@click.option("--watch/--no-watch", default=True, show_default=True,
              help="Index records edited outside the archive as they are saved.")
@click.pass_obj
def serve(paths, host, port, private, accounts, watch):
    """Serve the web archive (loopback only by default, never in debug mode)."""
    from .. import create_app

    accounts = accounts or (paths.settings.serve == "accounts" and not private)
    if private and accounts:
        raise click.UsageError("--private and --accounts are two modes; choose one.")
    if private and host not in service.LOOPBACK:
        raise click.UsageError(f"--private serves restricted records and only listens on "
                               f"loopback; drop --host {host}.")
    if not private and not accounts and host not in service.LOOPBACK:
        raise click.UsageError(f"Only the accounts mode listens beyond this machine (behind "
                               f"HTTPS): serve with --accounts, which shows the public view "
                               f"to everyone, or drop --host {host}.")
    service.limit_malloc_arenas()  # before any thread: the server's memory, not its speed
    report = update_index(paths.testimonies, paths.index)
    click.echo(describe(report), err=True)
    damage = check_index(paths.testimonies, paths.index, deep=False, hash_files=True)
    if damage:  # never serve a damaged index silently: say so, and rebuild it
        click.echo("The index is damaged: " + " ".join(damage) + " Rebuilding it.", err=True)
        click.echo(describe(update_index(paths.testimonies, paths.index, rebuild=True)), err=True)
    port = port or paths.settings.port
    app = create_app({"TESTIMONIES": str(paths.testimonies), "INDEX": str(paths.index),
                      "PRIVATE": private, "ACCOUNTS": accounts, "SERVER_HOST": host,
                      "SERVER_PORT": port, "SETTINGS": paths.settings})
    if watch:
        watcher = Watcher(paths.testimonies, paths.index)
        watcher.start()
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        click.echo(f"Watching {display_path(paths.testimonies)} for edits made outside "
                   f"({watcher.method}).", err=True)
    mode = "PRIVATE" if private else "accounts" if accounts else "public"
    click.echo(f"Serving the {mode} archive on http://{host}:{port}/ (Ctrl-C stops it)",
               err=True)
    if accounts and host not in service.LOOPBACK:
        click.echo("Accounts mode beyond this machine: put it behind a reverse proxy that "
                   "serves HTTPS (the README shows Caddy), and set trusted_proxy = true in "
                   "archive.toml; logins over plain HTTP are refused except on loopback.",
                   err=True)
    service.run_server(app, host, port)
