"""Who is reading: the audience of this request's reader, the one place the web decides it.

In private mode (the archivist's own machine, on loopback) the reader is an archivist; in
accounts mode, the audience of the account logged in (`access`); else the public.
"""

from __future__ import annotations

from flask import current_app, g

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
