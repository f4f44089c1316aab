"""The web app: `make_app` builds it from its configuration (the CLI's, or a test's), registers
the blueprints, and answers every error with a page or JSON of its own, never a traceback.

The routes live in the blueprints: `pages` (searching and reading), `patterns`
(comparisons), `harvesting` (OAI-PMH, the sitemap), `recordings` (a record's recording and
transcript), in private and accounts modes `editor`, `history` and `suggesting`, and in
accounts mode `accounts` (logins, invitations) and `grants`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import BaseConverter

from ..errors import (ArchiveError, IndexDamaged, IndexMissing, IndexUntrusted, QueryError,
                      TestimonyNotFound)
from ..exchange import metadata
from ..records.validation import ID_PATTERN
from ..service import LOOPBACK, Embargoes, Paths, archive_of
from ..settings import Settings
from . import (accounts, editor, facets, harvesting, history, i18n, pages, patterns, recordings,
               suggesting)
from .i18n import gettext as _
from .i18n import language
from ..records.webvtt import format_clock
from .pages import get_archive, permalink
from .readers import audience


HERE = Path(__file__).resolve().parent.parent  # archive/, where a wheel puts templates and static
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; "
                               "script-src 'self'; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class IdConverter(BaseConverter):
    """A testimony id in a URL: lower-case letters, digits and single hyphens."""

    regex = ID_PATTERN.pattern.strip("^$")


def make_app(config: dict | None = None) -> Flask:
    """Create the Flask app; `config` overrides the defaults (tests pass tmp paths)."""
    app = Flask(__name__, template_folder=str(_assets("templates")),
                static_folder=str(_assets("static")))
    app.config.from_mapping(
        TESTIMONIES=str(Path("testimonies").absolute()),
        INDEX=str(Path("index").absolute()),
        PRIVATE=False,
        ACCOUNTS=False,  # accounts mode: the public view to all, more to those logged in
        SERVER_HOST="127.0.0.1",
        MAX_CONTENT_LENGTH=2_000_000,
        MAX_FORM_MEMORY_SIZE=500_000,
        SETTINGS=Settings(),  # archive.toml's, from `archive serve`
        JSON_AS_ASCII=False,
    )
    app.config.from_mapping(config or {})
    if app.config["TRUSTED_HOSTS"] is None:  # refuse other Host headers (DNS rebinding)
        app.config["TRUSTED_HOSTS"] = _trusted_hosts(app.config["SERVER_HOST"])
    app.url_map.converters["id"] = IdConverter
    app.json.ensure_ascii = False
    app.register_blueprint(pages.bp)
    app.register_blueprint(patterns.bp)
    app.register_blueprint(harvesting.bp)
    app.register_blueprint(recordings.bp)
    app.before_request(_apply_embargoes)
    if app.config["ACCOUNTS"] and not app.config["PRIVATE"]:
        accounts.init_app(app)  # its editor, history and suggestions open to archivists
    if app.config["PRIVATE"] or app.config["ACCOUNTS"]:
        app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or secrets.token_hex(32)
        CSRFProtect(app).exempt(harvesting.bp)  # OAI-PMH may POST; it changes nothing
        app.register_blueprint(editor.bp)
        app.register_blueprint(history.bp)
        app.register_blueprint(suggesting.bp)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ArchiveError, _archive_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.globals["private_mode"] = app.config["PRIVATE"]
    app.jinja_env.globals["archive"] = app.config["SETTINGS"]
    app.jinja_env.globals["motive_label"] = _motive_label
    app.jinja_env.globals["clock"] = format_clock
    app.jinja_env.globals["value_label"] = facets.value_label
    app.jinja_env.globals["coins"] = _coins
    i18n.init_app(app)
    return app


def _assets(name: str) -> Path:
    """The folder of templates or static files: inside the package where a wheel put them,
    else at the top of the checkout (an editable install)."""
    packaged = HERE / name
    return packaged if packaged.is_dir() else HERE.parent / name


def _motive_label(term: str) -> str:
    """A motive as the page's language shows it (its Korean label on a Korean page)."""
    return get_archive().vocabulary.label(term, language())


def _coins(hit) -> str | None:
    """A hit's COinS, always from the public index whoever reads the page (None when the
    public may not see the record whole)."""
    public = hit if audience() == "public" else archive_of(current_app, "public").index.hit(hit.id)
    if public is None or public.closed:
        return None
    return metadata.coins(public.title, public.year, permalink(public.id), public.motives)


def _trusted_hosts(host: str) -> list[str]:
    hosts = ["127.0.0.1", "localhost", "[::1]", "::1"]
    return hosts if host in LOOPBACK or host in ("", "0.0.0.0", "::") else hosts + [host]


def _apply_embargoes() -> None:
    """Index anew the records whose embargo has lapsed today (one stat until a lapse is
    due), with one Embargoes kept per app; tests set the day with CLOCK."""
    embargoes = current_app.extensions.get("embargoes")
    if embargoes is None:
        embargoes = current_app.extensions["embargoes"] = Embargoes(Paths(
            Path(current_app.config["TESTIMONIES"]), Path(current_app.config["INDEX"]),
            current_app.config["SETTINGS"]))
    try:
        embargoes.apply((current_app.config.get("CLOCK") or dt.date.today)())
    except IndexMissing:
        pass  # the pages say how to build it


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _csrf_error(exc: CSRFError):
    message = _("This form has expired or did not come from this archive, so nothing was "
                "saved. Go back, reload the form and submit it again.")
    return render_template("error.html", code=400, title=_("Form expired"),
                           message=message), 400


def _http_error(exc: HTTPException):
    if isinstance(exc, SecurityError):  # an untrusted Host: no page of ours to link from
        return Response("This archive does not answer for that host name.\n", 400,
                        mimetype="text/plain")
    message = {404: _("There is no page at this address."),
               400: _("The request could not be understood.")}.get(exc.code, exc.name + ".")
    title = {404: _("Not found"), 400: _("Bad request")}.get(exc.code, exc.name)
    if _wants_json():
        return jsonify({"error": message}), exc.code
    return render_template("error.html", code=exc.code, title=title, message=message), exc.code


def _archive_error(exc: ArchiveError):
    code = 404 if isinstance(exc, TestimonyNotFound) else \
        400 if isinstance(exc, QueryError) else 503
    title = {404: _("Not found"), 400: _("Bad request"), 503: _("Unavailable")}[code]
    message = str(exc)
    if isinstance(exc, TestimonyNotFound):
        message = _("No testimony with the id '%(id)s'.", id=exc.testimony_id)
    elif isinstance(exc, IndexMissing):
        message = _("The archive has no index yet: run 'archive index', then reload this page.")
    elif isinstance(exc, (IndexDamaged, IndexUntrusted)):
        message = _("The archive's index is damaged. Run 'archive check --repair', then reload.")
    if _wants_json():
        return jsonify({"error": message}), code
    return render_template("error.html", code=code, title=title, message=message), code


def _unexpected_error(exc: Exception):
    current_app.logger.exception("Unexpected error on %s", request.path)
    message = _("Something went wrong on our side. The error has been logged.")
    if _wants_json():
        return jsonify({"error": message}), 500
    return render_template("error.html", code=500, title=_("Server error"), message=message), 500
