"""Accounts from the terminal: `archive users` (add with an invitation link, invite anew,
list, disable, remove), `archive grants` (the queue of researchers' requests) and
`archive audit` (the trail, and its verification)."""

from __future__ import annotations

import datetime as dt

import click

from ..access import accounts, audit, factors, grants
from ..access.store import open_store


def _store(paths):
    return open_store(paths.testimonies)


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a day such as 2027-06-30, got {value!r}",
                                 param_hint=option) from None


def _link(paths, token: str) -> str:
    settings = paths.settings
    base = settings.base_url or f"http://127.0.0.1:{settings.port}"
    return f"{base.rstrip('/')}/invite/{token}"


@click.group()
def users():
    """Researchers' and archivists' accounts (for `archive serve --accounts`)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(sorted(accounts.ROLES)), required=True,
              help="researcher: reads the researchers' view; archivist: everything.")
@click.option("--expires", default=None, metavar="YYYY-MM-DD",
              help="The day the account stops working [default: never].")
@click.pass_obj
def users_add(paths, name, role, expires):
    """Add an account and print its one-time invitation link (valid 72 hours)."""
    token = accounts.add_account(_store(paths), name, role, _day(expires, "--expires"))
    click.echo(f"Added the {role} {name}. Send them this link (it works once, for 72 hours):")
    click.echo(_link(paths, token))


@users.command("invite")
@click.argument("name")
@click.option("--reset-2fa", "reset", is_flag=True,
              help="Also turn off its second factor (a lost phone and lost recovery codes).")
@click.pass_obj
def users_invite(paths, name, reset):
    """Print a new invitation link for an account (to set or reset its password)."""
    store = _store(paths)
    token = accounts.invite(store, name)
    if reset:
        factors.reset_second_factor(store, name)
        click.echo(f"Turned off the second factor of {name}; it enrols again after the link.")
    click.echo(f"A new link for {name} (it works once, for 72 hours):")
    click.echo(_link(paths, token))


@users.command("list")
@click.pass_obj
def users_list(paths):
    """Every account: role, state, second factor, last login and expiry."""
    store = _store(paths)
    found = accounts.list_accounts(store)
    if not found:
        click.echo("No accounts yet; `archive users add NAME --role researcher` adds one.")
        return
    rows = [("NAME", "ROLE", "STATE", "2FA", "LAST LOGIN", "EXPIRES")]
    rows += [(a.name, a.role, a.state(store.today()), "on" if a.totp_enabled else "off",
              a.last_login or "never", a.expires or "-") for a in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@users.command("disable")
@click.argument("name")
@click.pass_obj
def users_disable(paths, name):
    """Disable an account: it cannot log in, and its sessions end now."""
    accounts.disable_account(_store(paths), name)
    click.echo(f"Disabled {name}; its sessions have ended.")


@users.command("remove")
@click.argument("name")
@click.pass_obj
def users_remove(paths, name):
    """Remove an account (its grants end; the audit trail keeps its entries)."""
    accounts.remove_account(_store(paths), name)
    click.echo(f"Removed {name}.")


@click.command("grants")
@click.option("--approve", "approve_id", type=int, default=None, metavar="ID",
              help="Approve this request (with --until).")
@click.option("--until", default=None, metavar="YYYY-MM-DD",
              help="The day an approved grant ends.")
@click.option("--refuse", "refuse_id", type=int, default=None, metavar="ID",
              help="Refuse this request (with --message).")
@click.option("--message", default=None, help="Why a request is refused (the researcher reads it).")
@click.option("--by", default="cli", show_default=True, help="Who decides, for the audit trail.")
@click.pass_obj
def grants_(paths, approve_id, until, refuse_id, message, by):
    """Researchers' requests for records closed to them: list, approve or refuse."""
    store = _store(paths)
    if approve_id is not None and refuse_id is not None:
        raise click.UsageError("Give --approve or --refuse, not both.")
    if approve_id is not None:
        if until is None:
            raise click.UsageError("--approve needs --until YYYY-MM-DD, the day the grant ends.")
        grant = grants.approve_grant(store, approve_id, _day(until, "--until"), by)
        click.echo(f"Approved #{grant.id}: {grant.account} may read {grant.record} until "
                   f"{grant.until}.")
        return
    if refuse_id is not None:
        if not message:
            raise click.UsageError("--refuse needs --message TEXT, for the researcher.")
        grant = grants.refuse_grant(store, refuse_id, message, by)
        click.echo(f"Refused #{grant.id} ({grant.account}, {grant.record}).")
        return
    shown = grants.list_grants(store, states=("pending", "approved"))
    if not shown:
        click.echo("No pending or current grants.")
    for grant in shown:
        when = f"until {grant.until}" if grant.state == "approved" else f"asked {grant.requested}"
        click.echo(f"#{grant.id}  {grant.state:<8}  {grant.account}  {grant.record}  {when}")
        click.echo(f"    {grant.purpose}")


@click.command("audit")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Entries from this day on.")
@click.option("--user", default=None, help="Entries of one account.")
@click.option("--record", default=None, metavar="ID", help="Entries of one record (its reads).")
@click.option("--verify", is_flag=True, help="Check the chain of hashes; exit 1 if broken.")
@click.option("--head", default=None, metavar="NUMBER:HASH",
              help="With --verify: a head printed by an earlier --verify, which must still be "
                   "in the trail.")
@click.pass_obj
def audit_(paths, since, user, record, verify, head):
    """The audit trail (UTC): logins, second factors, refusals, invitations, grants,
    account changes, and reads and search listings of records above the public."""
    store = _store(paths)
    if verify:
        problem = audit.verify(store, head)
        if problem:
            raise click.ClickException(problem + " Keep a copy of accounts.sqlite and the "
                                       "accounts.audit-* files, and find out who could "
                                       "write them.")
        newest = audit.head(store)
        click.echo(f"The audit trail holds: {len(audit.entries(store))} entries, each "
                   "following from the one before.")
        if newest:
            click.echo(f"Its head is {newest}: note it somewhere else; `archive audit "
                       "--verify --head` with it later shows that nothing up to it was cut "
                       "or rewritten.")
        return
    if head:
        raise click.UsageError("--head goes with --verify.")
    day = _day(since, "--since")
    for entry in audit.entries(store, day and day.isoformat(), user, record):
        click.echo(entry.text())
