"""A record's recording on the web: the recording as the mode may hear it (Range requests
for seeking), the master in private mode only, and the transcript as WebVTT and the
record as OHMS XML (the player and transcript of the record's page are `playing`'s)."""

from __future__ import annotations

from flask import Blueprint, Response, send_file

from ..exchange.interviews import ohms_xml, vtt_of
from ..service import recording_file
from .i18n import gettext as _
from .pages import get_archive, permalink
from .readers import granted, reader_testimony

bp = Blueprint("recordings", __name__)


@bp.get("/t/<id:testimony_id>/recording")
def recording(testimony_id: str):
    """The recording as this mode may hear it (Range requests answered with 206)."""
    found = recording_file(get_archive(), testimony_id, granted=granted(testimony_id))
    response = send_file(found.path, mimetype=found.mimetype, conditional=True, etag=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/t/<id:testimony_id>/master")
def master(testimony_id: str):
    """The master file, in private mode only (404 in public, as if it did not exist)."""
    found = recording_file(get_archive(), testimony_id, master=True)
    return send_file(found.path, mimetype=found.mimetype, conditional=True, as_attachment=True)


@bp.get("/t/<id:testimony_id>/transcript.vtt")
def transcript_vtt(testimony_id: str):
    """The transcript as this mode may read it, as WebVTT."""
    record = reader_testimony(testimony_id)
    if record.media is None:
        return Response(_("This testimony has no recording."), 404, mimetype="text/plain")
    return Response(vtt_of(record), mimetype="text/vtt", headers={
        "Content-Disposition": f'inline; filename="{testimony_id}.vtt"'})


@bp.get("/t/<id:testimony_id>/ohms.xml")
def ohms(testimony_id: str):
    """The record with its index and transcript as OHMS XML, for OHMS and Aviary."""
    archive = get_archive()
    record = reader_testimony(testimony_id)
    if record.media is None:
        return Response(_("This testimony has no recording."), 404, mimetype="text/plain")
    return Response(ohms_xml(record, permalink(testimony_id), archive.paths.settings),
                    mimetype="application/xml", headers={
                        "Content-Disposition": f'attachment; filename="{testimony_id}.ohms.xml"'})
