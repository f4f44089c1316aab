"""The archivist's forms (private mode only): add and correct records on the web.

Registered only when the app runs in private mode, so in public mode these routes do
not exist. Every form carries Flask-WTF's CSRF token; the app answers only its own Host.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from ..errors import TestimonyNotFound
from ..history import git
from ..history.editing import EditConflict, RecordExists, create_record, save_record, version_of
from ..records.coding import term_labels
from ..records.collection import find_record
from ..records.rendering import render_markdown
from ..records.testimony import parse_testimony
from ..records.validation import ACCOUNTS, GENDERS, LEFT_WITH, SECTORS, WITHHOLDABLE, Problem
from ..records.writing import format_testimony
from ..service import archive_of
from .forms import (FormResult, form_from_testimony, slug, sources_in, testimony_from_form,
                    untouched)
from .i18n import gettext as _

bp = Blueprint("editor", __name__)


def _page(form: dict, result: FormResult | None = None, *, testimony_id: str = "",
          version: str = "", extra: tuple = (), conflict: dict | None = None,
          status: int = 200, extra_sources: int = 1):
    archive = archive_of(current_app, "archivists")
    language = (form.get("language") or ["en"])[0] or "en"
    body = (form.get("body") or [""])[0]
    terms = {m.term for m in archive.vocabulary.motives}
    chosen = [archive.vocabulary.get(m) for m in form.get("motives", []) if m in terms]
    return render_template(
        "edit.html", form=form, value=lambda name: (form.get(name) or [""])[0],
        errors=(lambda name: result.errors_for(name)) if result else (lambda name: []),
        problems=result.problems if result else [], testimony_id=testimony_id,
        version=version, extra=extra, conflict=conflict,
        # The record's motives first, in its order, so that saving keeps that order.
        motives=[(m, True) for m in chosen]
        + [(m, False) for m in archive.vocabulary.motives if m not in chosen],
        other_motives=", ".join(m for m in form.get("motives", [])
                                if m not in {v.term for v in archive.vocabulary.motives}),
        sources=sources_in(form, extra_sources), sectors=SECTORS, genders=GENDERS,
        withholdable=WITHHOLDABLE, accounts=ACCOUNTS, left_with=LEFT_WITH,
        ranks=archive.vocabulary.ranks,
        preview=Markup(_preview(body, language, archive.vocabulary)),
    ), status


def _preview(body: str, language: str, vocabulary) -> str:
    """The body as the record page will show it: anchors, and coded passages labelled."""
    return render_markdown(body, language, anchors=True, motive_label=term_labels(vocabulary))


@bp.get("/new")
def new():
    """An empty record form."""
    settings = archive_of(current_app, "archivists").paths.settings
    return _page({"language": ["en"], "access": [settings.default_access]})


@bp.post("/new")
def create():
    """Check a new record; preview it, or write it and index it at once."""
    form = request.form.to_dict(flat=False)
    archive = archive_of(current_app, "archivists")
    testimony_id = (form.get("id") or [""])[0].strip() or slug(
        (form.get("title") or [""])[0], (form.get("year") or [""])[0].strip())
    result = testimony_from_form(form, testimony_id, archive.vocabulary)
    action = (form.get("action") or ["save"])[0]
    if action != "save" or result.testimony is None:
        return _page(form, result, extra_sources=2 if action == "add-source" else 1,
                     status=400 if action == "save" else 200)
    try:
        create_record(archive.paths.testimonies, archive.paths.index, result.testimony,
                      author=result.testimony.recorded_by)
    except RecordExists as exc:
        result.problems.append(_problem("id", str(exc)))
        return _page(form, result, status=409)
    return redirect(url_for("archive.testimony", testimony_id=testimony_id, saved=1), 303)


@bp.get("/t/<id:testimony_id>/edit")
def edit(testimony_id: str):
    """The form of an existing record, carrying the version it starts from; for a record a
    sync left changed on both sides, both versions, to choose from."""
    archive = archive_of(current_app, "archivists")
    path = _path(testimony_id)
    synced = _both_sides(path, testimony_id)
    if synced is not None:
        testimony, conflict = synced
        return _page(form_from_testimony(testimony), testimony_id=testimony_id,
                     version=version_of(path), extra=testimony.extra, conflict=conflict,
                     status=409)
    testimony = archive.testimony(testimony_id)
    return _page(form_from_testimony(testimony), testimony_id=testimony_id,
                 version=version_of(path), extra=testimony.extra)


def _both_sides(path: Path, testimony_id: str):
    """For a record a sync left changed here and on the other side: this copy's version as
    a testimony, and the conflict view of both (None for any other record)."""
    root = git.repository(path.parent)
    if root is None or str(path.absolute().relative_to(root.absolute())) not in \
            git.unmerged(path.parent):
        return None
    mine, theirs = git.sides(path)
    testimony = parse_testimony(mine.encode("utf-8"), testimony_id,
                                archive_of(current_app, "archivists").vocabulary, str(path))[0]
    if testimony is None:
        return None
    diff = "".join(difflib.unified_diff(theirs.splitlines(True), mine.splitlines(True),
                                        "the other side", "this copy"))
    message = _("This record was changed on this copy and on the other side of the sync. "
                "Both versions are below; the form holds this copy's: make it what the "
                "record should say, and save.")
    return testimony, {"message": message, "theirs": theirs, "mine": mine, "diff": diff}


@bp.post("/t/<id:testimony_id>/edit")
def update(testimony_id: str):
    """Check a correction; preview it, save it, or show a conflict with both versions."""
    archive = archive_of(current_app, "archivists")
    form = request.form.to_dict(flat=False)
    synced = _both_sides(_path(testimony_id), testimony_id)
    current = synced[0] if synced else archive.testimony(testimony_id)
    version = (form.get("version") or [""])[0]
    result = testimony_from_form(form, testimony_id, archive.vocabulary,
                                 extra=untouched(current))
    action = (form.get("action") or ["save"])[0]
    page = dict(testimony_id=testimony_id, version=version, extra=current.extra)
    if action != "save" or result.testimony is None:
        return _page(form, result, extra_sources=2 if action == "add-source" else 1,
                     status=400 if action == "save" else 200, **page)
    try:
        saved = save_record(archive.paths.testimonies, archive.paths.index, result.testimony,
                            version, author=result.testimony.recorded_by)
    except EditConflict as conflict:
        mine = format_testimony(result.testimony)
        diff = "".join(difflib.unified_diff(conflict.current_text.splitlines(True),
                                            mine.splitlines(True), "on disk now", "yours"))
        page["version"] = conflict.current_version  # saving again now keeps yours
        return _page(form, result, conflict={"message": str(conflict), "theirs":
                                             conflict.current_text, "mine": mine, "diff": diff},
                     status=409, **page)
    return redirect(url_for("archive.testimony", testimony_id=testimony_id,
                            saved=1 if saved.changed else 0), 303)


@bp.post("/preview")
def preview():
    """The Markdown body rendered as the record page will show it (for the live preview)."""
    language = request.form.get("language", "en")
    return _preview(request.form.get("body", ""), language, archive_of(current_app, "archivists").vocabulary)


def _path(testimony_id: str) -> Path:
    archive = archive_of(current_app, "archivists")
    rel = archive.index.path_of(testimony_id)
    if rel is not None:
        return archive.paths.testimonies / rel
    try:  # not in the index now (a file a sync left unreadable): the file itself
        return find_record(archive.paths.testimonies, testimony_id)
    except TestimonyNotFound:
        abort(404)


def _problem(field_name: str, message: str) -> Problem:
    return Problem("form", None, field_name, message)
