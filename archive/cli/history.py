"""The commands of history: `archive log`, `archive diff`, `archive restore`,
`archive withdraw` and `archive sync`, each a few lines over the history wing."""

from __future__ import annotations

from pathlib import Path

import click

from ..history import git, withdrawal
from ..history.editing import restore_record
from ..records.collection import find_record, vocabulary_for
from ..search.indexing import describe, update_index


@click.command()
@click.argument("testimony_id", metavar="[ID]", required=False)
@click.pass_obj
def log(paths, testimony_id):
    """List the versions of a record (or of the whole archive): date, author, message."""
    if testimony_id:
        found = git.versions(find_record(paths.testimonies, testimony_id))
    else:
        git.require_repository(paths.testimonies)
        found = git.versions(paths.testimonies)
    for version in found:
        click.echo(f"{version.short}  {version.date[:10]}  {version.author}  {version.message}")
    if not found:
        click.echo("No committed version yet.")


@click.command()
@click.argument("testimony_id", metavar="ID")
@click.argument("revisions", nargs=-1, metavar="[REV [REV]]")
@click.pass_obj
def diff(paths, testimony_id, revisions):
    """Show how a record differs between two versions: fields, then the body's lines
    (default: its last committed version against the file now). A REV is a revision
    `archive log` prints, git's own name of a commit (HEAD~1, a branch, a tag) or
    `working`, the file now."""
    if len(revisions) > 2:
        raise click.UsageError("give at most two revisions: archive diff ID [REV [REV]]")
    path = find_record(paths.testimonies, testimony_id)
    found = git.versions(path)
    before = revisions[0] if revisions else (found[0].revision if found else "working")
    after = revisions[1] if len(revisions) == 2 else "working"
    fields, body = git.difference(git.text_at(path, before),
                                      git.text_at(path, after))
    for name, old, new in fields:
        click.echo(f"{name}: {old!r} -> {new!r}")
    for line in body:
        click.echo(line)
    if not fields and not body:
        click.echo("No difference.")


@click.command()
@click.argument("testimony_id", metavar="ID")
@click.argument("revision", metavar="REV")
@click.pass_obj
def restore(paths, testimony_id, revision):
    """Write an earlier version of a record back, as a new commit, and index it (REV: a
    revision `archive log` prints, or git's own name of a commit, such as HEAD~1)."""
    saved = restore_record(paths.testimonies, paths.index, testimony_id, revision,
                           vocabulary_for(paths.testimonies))
    quoted = saved.version.startswith(revision) or revision.startswith(saved.version)
    named = saved.version if quoted else f"{revision} ({saved.version})"  # HEAD~1 (3f2a...)
    click.echo(f"Restored {testimony_id} to {named}." if saved.changed
               else f"{testimony_id} is already as it was at {named}; nothing changed.")


@click.command()
@click.argument("testimony_id", metavar="ID")
@click.option("--reason", required=True, help="Why (kept in the tombstone, never published).")
@click.pass_obj
def withdraw(paths, testimony_id, reason):
    """Withdraw a record for good (consent withdrawn): its file and index entries go, a
    tombstone keeps its id, date and reason."""
    path = find_record(paths.testimonies, testimony_id)
    relative = path.relative_to(paths.testimonies.parent).as_posix()
    stone = withdrawal.withdraw(paths.testimonies, paths.index, testimony_id, reason)
    click.echo(f"Withdrew {stone.id} on {stone.withdrawn_on}; its file and index entries are "
               "gone, and its tombstone is in testimonies/withdrawn.yaml.")
    if git.repository(paths.testimonies):
        click.echo(withdrawal.history_note(paths.testimonies, relative), err=True)


@click.command()
@click.option("--remote", default="origin", show_default=True,
              help="The git remote: a bare repository on a USB stick, or a server.")
@click.pass_obj
def sync(paths, remote):
    """Pull the others' changes, index them, and push yours; stop at records changed on
    both sides, naming them (git keeps both versions until they are resolved)."""
    result = git.sync(paths.testimonies, remote)
    report = update_index(paths.testimonies, paths.index)
    if result.conflicts:
        ids = ", ".join(Path(name).stem for name in result.conflicts)
        click.echo(f"The sync stopped: changed here and on the other side: {ids}. Nothing "
                   "is lost: both versions are kept. Resolve each in the form (archive serve "
                   "--private, then the record's Correct page), then run archive sync again.",
                   err=True)
        raise SystemExit(1)
    click.echo(f"Synced with {remote}: {len(result.changed)} file"
               f"{'s' if len(result.changed) != 1 else ''} brought in, yours pushed. "
               + describe(report))
