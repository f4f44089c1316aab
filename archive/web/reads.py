"""The audit trail's record of reading in accounts mode: after each answer, the records
above the public that an account has just read (a record's page, `.md`, citations, its
JSON, its recording and transcript: `read`), and in an export or a list of hits with
their snippets (search, its JSON, the home page, suggestions: `listed`, the route with
its query) every record the reader's view shows more of than the public's (closed to
the public, or with passages or fields kept from it), entered by id, never by any of
their text."""

from __future__ import annotations

from flask import current_app, g, request

from ..access import audit
from ..search.requests import PARAMS, request_from_params
from ..service import archive_of

READ_ROUTES = {"archive.testimony", "archive.testimony_markdown", "archive.cite_bibtex",
               "archive.cite_csl", "archive.api_testimony", "recordings.recording",
               "recordings.master", "recordings.transcript_vtt", "recordings.ohms"}
EXPORT_ROUTES = {"archive.export", "archive.search_csv"}


def note_reads(response):
    """Enter in the audit trail each record above the public an account has just read:
    its id and route, never its text."""
    account = g.get("account")
    first = response.status_code == 200 or (  # a recording heard: once, not every range
        response.status_code == 206 and request.headers.get("Range", "").startswith("bytes=0-"))
    if account is None or not first:
        return response
    reader = archive_of(current_app, account.audience).index
    event, route = "read", request.path
    if request.endpoint in READ_ROUTES:
        read = _above_the_public(reader, request.view_args["testimony_id"])
    elif request.endpoint in EXPORT_ROUTES:  # every record exported, as the reader's view has it
        params = [(k, v) for k, v in request.args.items(multi=True) if k in PARAMS and v.strip()]
        read = reader.beyond_public(
            [hit.id for hit in reader.matching(request_from_params(params, 20))])
    elif g.get("listed"):  # hits with their snippets
        event, route = "listed", request.full_path.rstrip("?")
        read = reader.beyond_public(g.listed)
    else:
        return response
    if read:
        store = current_app.extensions["access_store"]
        with store.transaction() as db:
            for testimony_id in read:
                audit.note(store, event, account.name, testimony_id, route[:200],
                           request.remote_addr, db=db)
    return response


def _above_the_public(reader, testimony_id: str) -> list[str]:
    """The record, when the public may not read it and this reader just did (in its view,
    or by a grant); else nothing."""
    above = archive_of(current_app, "public").index.hit(testimony_id)
    mine = reader.hit(testimony_id)
    if (above is None or above.closed) and (
            (mine is not None and not mine.closed) or testimony_id in g.get("granted", ())):
        return [testimony_id]
    return []
