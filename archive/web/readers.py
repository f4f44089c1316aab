"""Who is reading: the audience of this request's reader, the one place the web decides it.

In private mode (the archivist's own machine, on loopback) the reader is an archivist; in
accounts mode, the audience of the account logged in (`access`); else the public.
"""

from __future__ import annotations

from flask import current_app, g

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
