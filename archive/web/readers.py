"""Who is reading: the audience of this request's reader, the one place the web decides it
(with the grants that open a record further, and the refusal of a reader without the
right role).

In private mode (the archivist's own machine, on loopback) the reader is an archivist; in
accounts mode, the audience of the account logged in (`access`); else the public.
"""

from __future__ import annotations

from flask import abort, current_app, g, redirect, request, url_for

from ..access import audit
from ..access.grants import has_grant
from ..records.testimony import Testimony
from ..service import Archive, archive_of


def audience() -> str:
    """The audience of the reader of this request."""
    if current_app.config["PRIVATE"]:
        return "archivists"
    account = g.get("account")
    return account.audience if account is not None else "public"


def reader_archive() -> Archive:
    """The archive in the view of this request's reader."""
    return archive_of(current_app, audience())


def reader_testimony(testimony_id: str) -> Testimony:
    """A record in the view of this request's reader, opened further by a researcher's
    current grant for it (never its embargo, restricted passages or withheld fields)."""
    return reader_archive().testimony(testimony_id, granted=granted(testimony_id))


def granted(testimony_id: str) -> bool:
    """True when the reader is a researcher whose grant opens this record now (noted in
    `g.granted` for the audit trail)."""
    account, store = g.get("account"), current_app.extensions.get("access_store")
    if account is None or store is None or account.role != "researcher" \
            or not has_grant(store, account.name, testimony_id):
        return False
    g.granted = {*g.get("granted", ()), testimony_id}
    return True


def refuse():
    """Answer 403, and enter the refusal in the audit trail."""
    account = g.get("account")
    audit.note(current_app.extensions["access_store"], "refused",
               account.name if account else None, route=request.path[:200],
               address=request.remote_addr)
    abort(403)


def need(role: str | None = None):
    """None when an account of this role (any role, by default) is reading; else where to
    send the reader: the login page, or a 403 entered in the audit trail."""
    if g.get("account") is None:
        return redirect(url_for("accounts.login", next=request.path), 303)
    if role is not None and g.account.role != role:
        refuse()
    return None
