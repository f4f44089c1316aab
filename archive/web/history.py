"""A record's History in private mode: its versions (date, who, message), the difference
between any two, and "Restore this version". Routes only, over `history.git`; registered
only in private mode, since earlier versions may hold text that is now restricted."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ..errors import ArchiveError
from ..history import git
from ..history.editing import EditConflict, restore_record, version_of
from ..service import archive_of
from .i18n import gettext as _

bp = Blueprint("history", __name__)


def _path(testimony_id: str):
    archive = archive_of(current_app, "archivists")
    rel = archive.index.path_of(testimony_id)
    if rel is None:
        abort(404)
    return archive.paths.testimonies / rel


@bp.get("/t/<id:testimony_id>/history")
def versions(testimony_id: str):
    """The record's versions, and the difference between the two chosen (`a`, `b`)."""
    path = _path(testimony_id)
    try:
        found = git.versions(path)
    except git.HistoryUnavailable as exc:
        return render_template("history.html", testimony_id=testimony_id, versions=[],
                               unavailable=str(exc)), 200
    chosen_a = request.args.get("a") or (found[1].revision if len(found) > 1 else "working")
    chosen_b = request.args.get("b") or (found[0].revision if found else "working")
    try:  # git's own names (HEAD~1, a branch) are read as the version they name
        chosen_a, chosen_b = (name if name == "working" else git.resolve(path, name).revision
                              for name in (chosen_a, chosen_b))
        fields, body = git.difference(git.text_at(path, chosen_a),
                                      git.text_at(path, chosen_b))
    except git.HistoryUnavailable as exc:
        abort(400, str(exc))
    return render_template("history.html", testimony_id=testimony_id, versions=found,
                           unavailable=None, a=chosen_a, b=chosen_b, fields=fields, body=body,
                           current=version_of(path), message=request.args.get("restored"))


@bp.post("/t/<id:testimony_id>/restore")
def restore(testimony_id: str):
    """Write an earlier version back as a new commit, unless the file changed meanwhile."""
    archive = archive_of(current_app, "archivists")
    revision = request.form.get("revision", "")
    try:
        saved = restore_record(archive.paths.testimonies, archive.paths.index, testimony_id,
                               revision, archive.vocabulary, request.form.get("version", ""))
    except EditConflict as conflict:
        return render_template("history.html", testimony_id=testimony_id, versions=[],
                               unavailable=str(conflict)), 409
    except ArchiveError as exc:
        return render_template("history.html", testimony_id=testimony_id, versions=[],
                               unavailable=str(exc)), 400
    shown = saved.version or revision[:10]
    note = _("Restored the version %(revision)s.", revision=shown) if saved.changed \
        else _("Nothing changed: the record is already as in %(revision)s.", revision=shown)
    return redirect(url_for("history.versions", testimony_id=testimony_id, restored=note), 303)
