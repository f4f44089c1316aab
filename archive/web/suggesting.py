"""The Suggestions pages (archivists only): for each motive, the passages its model
proposes, each in its paragraph with its record, to Accept (coded in the record: one
commit, indexed), Reject (remembered, never suggested again) or Skip. Routes only, over
the suggesting wing; plain forms with CSRF tokens, no script needed."""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, g, redirect, render_template, request, session,
                   url_for)

from ..errors import ArchiveError
from ..history.editing import EditConflict
from ..suggesting.accepting import accept
from ..suggesting.decisions import reject
from ..suggesting.suggester import BATCH, MIN_CODED, Suggester, in_context
from .i18n import gettext as _
from .readers import audience, reader_archive

bp = Blueprint("suggesting", __name__)
MAX_SKIPPED = 100


@bp.before_request
def archivists_only():
    """Suggestions are for archivists: every other reader finds no page here."""
    if audience() != "archivists":
        abort(404)


def _suggester() -> Suggester:
    found = current_app.extensions.get("suggester")
    if found is None:
        paths = reader_archive().paths
        found = current_app.extensions["suggester"] = Suggester(paths.testimonies, paths.index)
    return found


@bp.get("/suggestions")
def suggestions():
    """The motives and their suggestions, or the next suggestions for one motive."""
    archive = reader_archive()
    label = request.args.get("motive", "")
    motives = [m.term for m in archive.vocabulary.motives]
    if not label:
        _suggester().warm(motives)  # each motive's first page then finds its model ready
        return render_template("suggestions.html", motive=None, motives=motives,
                               minimum=MIN_CODED)
    motive = archive.vocabulary.normalise(label) or abort(404)
    skipped = [k for k in request.args.get("skip", "").split(",") if k][-MAX_SKIPPED:]
    ranking = _suggester().ranking(motive, audience(), set(skipped))
    _suggester().warm(motives)  # this motive's model first, then the others' behind it
    shown = [in_context(archive.paths.testimonies, s, audience(), archive.vocabulary)
             for s in ranking.suggestions]
    g.listed = [s.suggestion.record for s in shown]  # for the audit trail (reads.py)
    return render_template("suggestions.html", motive=motive, ranking=ranking, shown=shown,
                           skipped=",".join(skipped), minimum=MIN_CODED, batch=BATCH,
                           message=request.args.get("done"),
                           accepter=session.get("name") or archive.paths.settings.archivist
                           or "")


@bp.post("/suggestions")
def decide():
    """Accept, reject or skip one suggestion, then show the next ones."""
    archive = reader_archive()
    form = request.form
    motive = archive.vocabulary.normalise(form.get("motive", "")) or abort(400)
    record, key, decision = form.get("record", ""), form.get("key", ""), form.get("decision")
    skipped = [k for k in form.get("skip", "").split(",") if k]
    message = None
    if form.get("name", "").strip():
        session["name"] = form["name"].strip()[:100]  # the next form is filled with it
    try:
        if decision == "accept":
            accept(archive.paths.testimonies, archive.paths.index, archive.vocabulary, record,
                   motive, key, form.get("version", ""), form.get("name", ""))
            _suggester().decided(motive)
            message = _("Coded the passage in %(id)s as '%(motive)s'.", id=record, motive=motive)
        elif decision == "reject":
            reject(archive.paths.testimonies, record, motive, key, form.get("name", ""))
            _suggester().decided(motive)
            message = _("Rejected: it will not be suggested again for '%(motive)s'.",
                        motive=motive)
        elif decision == "skip":
            skipped.append(key)
        else:
            abort(400)
    except EditConflict:
        message = _("%(id)s changed since it was suggested; nothing was written. Here are the "
                    "suggestions again.", id=record)
    except ArchiveError as exc:
        message = str(exc)
    return redirect(url_for("suggesting.suggestions", motive=motive,
                            skip=",".join(skipped[-MAX_SKIPPED:]) or None, done=message), 303)
