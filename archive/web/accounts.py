"""Accounts mode (`archive serve --accounts`): logging in and out, invitations, the second
factor, an account's own page and the archivists' accounts page (requests for closed
records are in `grants`). Routes only, over `archive.access`.

The session's cookie holds a token the store knows only by its HMAC (`__Host-session`
over HTTPS, else `session-token`); Flask-Login's request loader turns it into the account
in `g.account`, which `readers.audience()` reads. Every form carries the app's CSRF token.
"""

from __future__ import annotations

import datetime as dt

from flask import (Blueprint, abort, current_app, g, redirect, render_template, request,
                   url_for)
from flask_login import LoginManager, current_user
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from ..access import accounts, audit, factors, grants, sessions, throttle
from ..access.store import AccessError, Store, store_path, utc_now
from ..service import LOOPBACK
from .i18n import gettext as _
from .grants import access_request_for
from .grants import bp as grants_bp
from .reads import note_reads
from .readers import need, refuse

bp = Blueprint("accounts", __name__)
# Where a person who must first enrol a second factor may go.
ENROLLING = {"accounts.account", "accounts.confirm_totp", "accounts.logout", "static",
             "archive.choose_language"}
DEVICE_YEAR = 365 * 24 * 3600


def init_app(app) -> None:
    """Open the accounts store beside archive.toml and wire the login into the app."""
    store = Store(store_path(app.config["TESTIMONIES"]), app.config.get("NOW") or utc_now,
                  app.config.get("PASSWORD_HASHER"))
    app.extensions["access_store"] = store
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or store.key("forms").hex()
    # Over HTTPS Flask-WTF also wants each form posted with a Referer of this very host:
    # pages of accounts mode send `Referrer-Policy: same-origin` (below) so browsers give
    # it, and a form posted from anywhere else is refused even with a stolen token.
    app.config["WTF_CSRF_SSL_STRICT"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"  # Flask's cookie: the forms' CSRF token
    if app.config["SETTINGS"].trusted_proxy:  # the proxy's X-Forwarded-Proto and -For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    manager = LoginManager()
    manager.session_protection = None  # our own sessions; Flask's cookie holds only CSRF
    manager.request_loader(_load_account)
    manager.init_app(app)
    app.before_request(_before)
    app.after_request(note_reads)
    app.after_request(_private_pages)
    app.context_processor(_account_context)
    app.jinja_env.globals["access_request_for"] = access_request_for
    app.register_blueprint(bp)
    app.register_blueprint(grants_bp)


def store() -> Store:
    """The accounts store of this app."""
    return current_app.extensions["access_store"]


def _cookie(kind: str = "session") -> str:
    # `__Host-` requires Secure, so over plain HTTP (loopback) the cookie has another name.
    return f"__Host-{kind}" if request.is_secure else f"{kind}-token"


def _token() -> str | None:
    return request.cookies.get(_cookie())


def _load_account(_request):
    found = sessions.find_session(store(), _token())
    g.session = found
    return found.account if found is not None and found.stage == "full" else None


def _before():
    g.account = current_user._get_current_object() if current_user.is_authenticated else None
    today = store().today()
    if current_app.extensions.get("swept") != today:  # once a day: lapsed grants, old rows
        current_app.extensions["swept"] = today
        grants.expire_grants(store())
        sessions.sweep_sessions(store())
        throttle.forget_old_devices(store())
    found = g.get("session")
    if found is not None and found.stage == "enrol" and request.endpoint not in ENROLLING:
        return redirect(url_for("accounts.account"), 303)
    if request.blueprint in ("editor", "history") and not _is_archivist():
        refuse()
    return None


def _private_pages(response):
    """Pages made for an account are kept by no cache (a shared computer's, a proxy's);
    over HTTPS the browser is told to come back only over HTTPS (HSTS). The browser sends
    a Referer to this archive alone (for the CSRF check), never to another site."""
    response.headers["Referrer-Policy"] = "same-origin"
    if g.get("account") is not None or g.get("session") is not None:
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _is_archivist() -> bool:
    return g.get("account") is not None and g.account.role == "archivist"


def _account_context() -> dict:
    account = g.get("account")
    enrolling = g.get("session") is not None and g.session.stage == "enrol"
    labels = {"researcher": _("researcher"), "archivist": _("archivist"), "active": _("active"),
              "invited": _("invited"), "disabled": _("disabled"), "expired": _("expired")}
    return {"account_nav": {"account": account, "enrolling": enrolling}, "labels": labels,
            "private_mode": current_app.config["PRIVATE"] or _is_archivist()}


def _set_cookie(response, token: str, kind: str = "session", max_age: int | None = None):
    response.set_cookie(_cookie(kind), token, max_age=max_age, path="/", secure=request.is_secure,
                        httponly=True, samesite="Lax")
    return response


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target else url_for("archive.home")


def _plain_http_refused():
    """Passwords travel only over HTTPS, or on this machine (loopback)."""
    if request.is_secure or request.remote_addr in LOOPBACK:
        return None
    return render_template("error.html", code=403, title=_("HTTPS needed"), message=_(
        "Passwords are only sent over HTTPS. Open this archive at its https:// address.")), 403


def _signed_in(account, next_url: str | None, token: str | None = None):
    """The end of a login: a full session under a new token, a device cookie, the audit."""
    if token is None:
        sessions.end_session(store(), _token())
        token = sessions.start_session(store(), account, "full")
    audit.note(store(), "login", account.name, address=request.remote_addr)
    response = _set_cookie(redirect(_safe_next(next_url), 303), token)
    device = throttle.remember_device(store(), account.name)
    return _set_cookie(response, device, "device", DEVICE_YEAR)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with a name and password (then a code, when the account has a second factor)."""
    if request.method == "GET":
        message = _("The password was changed and every session ended; log in with the new "
                    "one.") if request.args.get("changed") else None
        return render_template("login.html", name="", error=None, message=message,
                               next=request.args.get("next"))
    refused = _plain_http_refused()
    if refused:
        return refused
    name, password = request.form.get("name", "").strip()[:40], request.form.get("password", "")
    next_url, device = request.form.get("next"), request.cookies.get(_cookie("device"))
    wait = throttle.wait_before_login(store(), name, request.remote_addr, device)
    if wait:
        audit.note(store(), "login throttled", name or None, address=request.remote_addr)
        error = _("Too many failed logins. Wait %(minutes)s minutes and try again.",
                  minutes=max(1, round(wait / 60)))
        return render_template("login.html", name=name, error=error, next=next_url), 429
    account = accounts.authenticate(store(), name, password, request.remote_addr)
    if account is None:
        throttle.count_failure(store(), name, request.remote_addr, device)
        error = _("The name or the password is not right.")
        return render_template("login.html", name=name, error=error, next=next_url), 401
    sessions.end_session(store(), _token())  # a token from before the login opens nothing
    if account.totp_enabled or account.needs_second_factor:
        stage = "totp" if account.totp_enabled else "enrol"
        token = sessions.start_session(store(), account, stage)
        target = url_for("accounts.login_totp", next=next_url) if stage == "totp" \
            else url_for("accounts.account")
        return _set_cookie(redirect(target, 303), token)
    return _signed_in(account, next_url)


@bp.route("/login/totp", methods=["GET", "POST"])
def login_totp():
    """The second step of a login: the code of the authenticator app, or a recovery code."""
    found, token = sessions.find_session(store(), _token()), _token()
    if found is None or found.stage != "totp":
        return redirect(url_for("accounts.login"), 303)
    next_url = request.values.get("next")
    if request.method == "GET":
        return render_template("login_totp.html", error=None, next=next_url)
    code = request.form.get("code", "")[:40]
    if not factors.check_second_factor(store(), found.account.name, code, request.remote_addr):
        sessions.count_try(store(), token)
        throttle.count_failure(store(), found.account.name, request.remote_addr,
                               request.cookies.get(_cookie("device")))
        error = _("That code is not right, or was used already. Type the code the app shows "
                  "now.")
        return render_template("login_totp.html", error=error, next=next_url), 401
    return _signed_in(found.account, next_url, sessions.advance_session(store(), token, "full"))


@bp.post("/logout")
def logout():
    """End this session: its cookie opens nothing any more."""
    found = g.get("session")
    sessions.end_session(store(), _token())
    if found is not None:
        audit.note(store(), "logout", found.account.name, address=request.remote_addr)
    response = redirect(url_for("archive.home"), 303)
    response.delete_cookie(_cookie(), path="/", secure=request.is_secure, httponly=True,
                           samesite="Lax")
    return response


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """An invitation link: the invited person chooses a password (once)."""
    try:
        account = accounts.invitation_account(store(), token)
    except AccessError:
        audit.note(store(), "invitation refused", address=request.remote_addr)
        message = _("This invitation link has already been used or has expired. Ask an "
                    "archivist for a new one.")
        return render_template("error.html", code=410, title=_("Invitation used"),
                               message=message), 410
    if request.method == "GET":
        return render_template("invite.html", account=account, error=None)
    refused = _plain_http_refused()
    if refused:
        return refused
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        error = _("The two passwords are not the same.")
        return render_template("invite.html", account=account, error=error), 400
    try:
        account = accounts.accept_invitation(store(), token, password, request.remote_addr)
    except AccessError as exc:
        return render_template("invite.html", account=account, error=_weak(exc)), 400
    sessions.end_session(store(), _token())
    if account.needs_second_factor:
        token = sessions.start_session(store(), account, "enrol")
        return _set_cookie(redirect(url_for("accounts.account"), 303), token)
    return _signed_in(account, url_for("accounts.account"))


def _weak(exc: AccessError) -> str:
    """A password refused, in the page's language."""
    text = str(exc)
    if "characters; choose one of at least" in text:
        return _("The password is too short: choose one of at least 12 characters, such as a "
                 "few unrelated words.")
    if "account's name" in text:
        return _("The password contains the account's name; choose one that does not.")
    if "most common" in text:
        return _("That password is among the most common ones and would be guessed first; "
                 "choose another, such as a few unrelated words.")
    return _("That password cannot be used; choose another.")


def _current_or_enrolling():
    found = g.get("session")
    return found.account if found is not None and found.stage in ("enrol", "full") else None


@bp.get("/account")
def account():
    """One's own account: the second factor (enrol it with a QR code) and the password."""
    person = _current_or_enrolling()
    if person is None:
        return redirect(url_for("accounts.login", next=request.path), 303)
    return _account_page(person, message=request.args.get("done"))


def _account_page(person, message=None, error=None, status=200):
    qr = secret = None
    if not person.totp_enabled:
        secret = factors.pending_secret(store(), person.name) or \
            factors.begin_enrolment(store(), person.name)
        uri = factors.enrolment_uri(secret, person.name, current_app.config["SETTINGS"].name)
        qr = Markup(factors.qr_svg(uri))  # drawn by segno from our own address: no markup of theirs
    return render_template("account.html", person=person, qr=qr, secret=secret,
                           codes_left=factors.recovery_codes_left(store(), person.name),
                           message=message, error=error), status


@bp.post("/account/totp")
def confirm_totp():
    """Confirm the second factor with a code; show the recovery codes this once."""
    person = _current_or_enrolling()
    if person is None:
        return redirect(url_for("accounts.login"), 303)
    try:
        codes = factors.confirm_enrolment(store(), person.name, request.form.get("code", "")[:40])
    except AccessError:
        error = _("That code does not match. Check the phone's clock and type the six digits "
                  "the app shows now.")
        return _account_page(person, error=error, status=400)
    response = current_app.make_response(render_template("recovery_codes.html", codes=codes))
    if g.session.stage == "enrol":  # the login is complete now: a new token for it
        token = sessions.advance_session(store(), _token(), "full")
        audit.note(store(), "login", person.name, address=request.remote_addr)
        _set_cookie(response, token)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/password")
def change_password():
    """Change one's password; every session of the account ends, this one too."""
    if g.get("account") is None:
        return redirect(url_for("accounts.login"), 303)
    new = request.form.get("new", "")
    if new != request.form.get("confirm", ""):
        return _account_page(g.account, error=_("The two passwords are not the same."),
                             status=400)
    try:
        accounts.change_password(store(), g.account.name, request.form.get("old", ""), new)
    except AccessError as exc:
        error = _("The current password is not right; nothing was changed.") \
            if "current password" in str(exc) else _weak(exc)
        return _account_page(g.account, error=error, status=400)
    return redirect(url_for("accounts.login", changed=1), 303)


@bp.get("/admin/users")
def users():
    """The archivists' accounts page: every account, an invitation form, disable, remove."""
    return need("archivist") or _users_page()


def _users_page(link=None, error=None, status=200):
    return render_template("users.html", people=accounts.list_accounts(store()),
                           today=store().today(), link=link, error=error,
                           roles=sorted(accounts.ROLES)), status


@bp.post("/admin/users")
def invite():
    """Add an account and show its one-time invitation link."""
    refused = need("archivist")
    if refused:
        return refused
    expires = request.form.get("expires", "").strip()
    try:
        day = dt.date.fromisoformat(expires) if expires else None
        token = accounts.add_account(store(), request.form.get("name", "").strip(),
                                     request.form.get("role", ""), day, by=g.account.name)
    except (AccessError, ValueError):
        error = _("The account could not be added: choose a new name of 2 to 40 lower-case "
                  "letters, digits, dots, hyphens or underscores, a role, and an expiry day "
                  "after today (or none).")
        return _users_page(error=error, status=400)
    return _users_page(link=url_for("accounts.invitation", token=token, _external=True))


@bp.post("/admin/users/<name>/<action>")
def change_user(name: str, action: str):
    """Disable or remove an account (not one's own: the archive would lose its keeper)."""
    refused = need("archivist")
    if refused:
        return refused
    change = {"disable": accounts.disable_account, "remove": accounts.remove_account}.get(action)
    if change is None or accounts.get_account(store(), name) is None:
        abort(404)
    if name == g.account.name:
        return _users_page(error=_("You cannot disable or remove your own account here; "
                                   "another archivist can, or `archive users` on the "
                                   "archive's machine."), status=400)
    change(store(), name, by=g.account.name)
    return redirect(url_for("accounts.users"), 303)
