"""Requests for closed records in accounts mode: a researcher asks for one from its page,
saying what for; archivists approve until a day or refuse with a message on the queue
(`/requests`), where a researcher sees their own. Routes only, over `access.grants`."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from ..access import grants
from ..access.store import AccessError
from ..service import archive_of
from .i18n import gettext as _
from .readers import need

bp = Blueprint("grants", __name__)


def _store():
    return current_app.extensions["access_store"]


@bp.get("/requests")
def requests():
    """Requests for closed records: the archivists' queue, or a researcher's own."""
    refused = need()
    if refused:
        return refused
    mine = None if g.account.role == "archivist" else g.account.name
    found = grants.list_grants(_store(), account=mine)
    return render_template("requests.html", grants=found, deciding=mine is None,
                           today=_store().today(), error=request.args.get("error"))


@bp.post("/requests/<int:grant_id>/<action>")
def decide(grant_id: int, action: str):
    """Approve a request until a day, or refuse it with a message."""
    refused = need("archivist")
    if refused:
        return refused
    try:
        if action == "approve":
            until = dt.date.fromisoformat(request.form.get("until", ""))
            grants.approve_grant(_store(), grant_id, until, g.account.name)
        elif action == "refuse":
            grants.refuse_grant(_store(), grant_id, request.form.get("message", ""), g.account.name)
        else:
            abort(404)
    except (AccessError, ValueError):
        error = _("Request #%(id)s was not decided: give an end day after today, or a "
                  "message, and check that it is still pending.", id=grant_id)
        return redirect(url_for("grants.requests", error=error), 303)
    return redirect(url_for("grants.requests"), 303)


@bp.post("/t/<id:testimony_id>/request")
def ask(testimony_id: str):
    """A researcher asks for a record closed to researchers, saying what for."""
    refused = need("researcher")
    if refused:
        return refused
    record = archive_of(current_app, "researchers").testimony(testimony_id)  # 404 if none
    if not record.closed or _embargoed(record):
        return redirect(url_for("archive.testimony", testimony_id=testimony_id), 303)
    try:
        grants.request_grant(_store(), g.account.name, testimony_id,
                             request.form.get("purpose", ""))
    except AccessError:
        error = _("The request was not sent: say in 10 to 2,000 characters what the record is "
                  "needed for (and ask only once).")
        return redirect(url_for("grants.requests", error=error), 303)
    return redirect(url_for("grants.requests"), 303)


def access_request_for(record) -> dict | None:
    """What a closed record's page offers a logged-in researcher: the request form, or the
    state of the request already made (None for everyone else)."""
    account = g.get("account")
    if account is None or account.role != "researcher" or not record.closed:
        return None
    if _embargoed(record):  # no grant opens it before its day: nothing to ask
        return {"embargo": record.embargo_until}
    asked = grants.list_grants(_store(), account=account.name, record=record.id)
    return {"url": url_for("grants.ask", testimony_id=record.id),
            "grant": asked[0] if asked else None}


def _embargoed(record) -> bool:
    today = archive_of(current_app, "researchers").clock()
    return bool(record.embargo_until) and today.isoformat() < record.embargo_until
