"""Accounts mode on the web: invitations, logins with a second factor, sessions, grants,
and the attacks they must withstand (session fixation, a replayed code, a reused
invitation, a stolen cookie after logout, password spraying, CSRF, guessed ids, XSS)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from html import unescape

import pyotp

from archive import create_app
from archive.access import accounts, audit, factors, grants
from archive.search.indexing import update_index

from ..access.conftest import CHEAP
from ..helpers import SAMPLE, write_record

PASSWORD = "river lantern orchard 42"
START = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.timezone.utc)
MARK = {"public": "qzpublicword", "researchers span": "qzresspan",
        "archivists span": "qzarchspan", "researchers record": "qzresbody",
        "archivists record": "qzarchbody", "embargoed record": "qzembargobody",
        "withheld name": "qzwithheldname"}


def build_three(folder):
    """Records at each level, each with its marker word."""
    shutil.copy(SAMPLE / "vocabulary.yaml", folder / "vocabulary.yaml")
    write_record(folder, "open-account", body=f"We crossed {MARK['public']} the river. "
                 f"[Helped by {MARK['researchers span']}]{{.researchers}} and "
                 f"[{MARK['archivists span']}]{{.restricted}}.\n",
                 name=f"Pak {MARK['withheld name']}", pseudonym=True, withhold=["name"])
    write_record(folder, "researchers-account", body=f"The river {MARK['researchers record']}.\n",
                 access="researchers")
    write_record(folder, "closed-account", body=f"The river {MARK['archivists record']}.\n",
                 access="archivists", title="A closed account")
    write_record(folder, "embargoed-account", body=f"The river {MARK['embargoed record']}.\n",
                 access="researchers", embargo_until="2027-01-01")


def store_of(app):
    return app.extensions["access_store"]


def csrf(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def make(app, name, role, totp=False):
    """An account with a password (and an enrolled second factor): its TOTP secret."""
    store = store_of(app)
    accounts.accept_invitation(store, accounts.add_account(store, name, role), PASSWORD)
    if role == "archivist" or totp:
        secret = factors.begin_enrolment(store, name)
        factors.confirm_enrolment(store, name, pyotp.TOTP(secret).at(store.now()))
        return secret
    return None


def log_in(client, name, secret=None, clock=None, password=PASSWORD, **kwargs):
    if kwargs.get("base_url", "").startswith("https://"):  # as a browser sends it (same-origin)
        kwargs.setdefault("headers", {"Referer": kwargs["base_url"] + "/login"})
    response = client.post("/login", data={"name": name, "password": password,
                                           "csrf_token": csrf(client)}, **kwargs)
    if secret and response.status_code == 303 and "/login/totp" in response.location:
        clock.advance(seconds=30)
        response = client.post("/login/totp", data={
            "code": pyotp.TOTP(secret).at(clock.now), "csrf_token": csrf(client, "/login/totp")})
    return response


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_three_audiences_through_accounts(accounts_app, clock):
    make(accounts_app, "minji", "researcher")
    secret = make(accounts_app, "soyeon", "archivist")
    public, researcher, archivist = (accounts_app.test_client() for _ in range(3))
    assert log_in(researcher, "minji").status_code == 303
    assert log_in(archivist, "soyeon", secret, clock).status_code == 303
    pages = ["/t/open-account", "/t/researchers-account", "/t/closed-account",
             "/t/embargoed-account", "/search?q=river", "/api/search?q=river",
             "/export/json?q=river", "/t/open-account.md", "/api/t/researchers-account"]
    seen = {who: " ".join(text(c.get(url)) for url in pages)
            for who, c in (("public", public), ("researchers", researcher),
                           ("archivists", archivist))}
    assert MARK["public"] in seen["public"]
    for word in set(MARK.values()) - {MARK["public"]}:
        assert word not in seen["public"], word
    for key in ("researchers span", "researchers record"):
        assert MARK[key] in seen["researchers"], key
    for key in ("archivists span", "archivists record", "embargoed record", "withheld name"):
        assert MARK[key] not in seen["researchers"], key
    for word in MARK.values():
        assert word in seen["archivists"], word


def test_reads_above_the_public_are_audited_by_id_never_text(accounts_app):
    make(accounts_app, "minji", "researcher")
    plain_public(accounts_app)
    client = accounts_app.test_client()
    log_in(client, "minji")
    client.get("/t/researchers-account")
    client.get("/t/open-account")  # a public record: its page is not entered
    client.get("/export/csv?q=river")
    trail = audit.entries(store_of(accounts_app))
    reads = [(e.record, e.route) for e in trail if e.event == "read"]
    assert [read for read in reads if read[1].startswith("/t/")] == [
        ("researchers-account", "/t/researchers-account")]
    exported = {record for record, route in reads if route == "/export/csv"}
    # the export holds the researchers' record and the public one's researchers span
    assert exported == {"researchers-account", "open-account"}
    assert all(MARK["researchers record"] not in e.text() for e in trail)


def plain_public(app):
    """A public record with nothing kept from the public: never entered."""
    folder = app.config["TESTIMONIES"]
    write_record(Path(folder), "plain-account", body="The river was wide.\n", access="public")
    update_index(folder, app.config["INDEX"], today=START.date())


def test_hits_above_the_public_listed_in_a_search_are_audited_with_the_query(accounts_app):
    make(accounts_app, "minji", "researcher")
    plain_public(accounts_app)
    anonymous = accounts_app.test_client()
    anonymous.get("/search?q=river")
    assert not [e for e in audit.entries(store_of(accounts_app)) if e.event == "listed"]
    client = accounts_app.test_client()
    log_in(client, "minji")
    client.get("/search?q=river")
    client.get("/api/search?q=river&page=1")
    client.get("/")
    trail = audit.entries(store_of(accounts_app))
    listed = [(e.account, e.record, e.route) for e in trail if e.event == "listed"]
    assert ("minji", "researchers-account", "/search?q=river") in listed
    assert ("minji", "researchers-account", "/api/search?q=river&page=1") in listed
    assert ("minji", "researchers-account", "/") in listed
    assert "plain-account" in text(client.get("/search?q=river"))
    # the public record with a researchers span is entered too; the plain one never
    assert {record for _, record, _ in listed} == {"researchers-account", "open-account"}
    assert all(MARK["researchers record"] not in e.text() for e in trail)


def test_access_goes_at_logout_and_a_stolen_cookie_opens_nothing(accounts_app):
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    log_in(client, "minji")
    stolen = client.get_cookie("session-token").value
    assert MARK["researchers record"] in text(client.get("/t/researchers-account"))
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert MARK["researchers record"] not in text(client.get("/t/researchers-account"))
    thief = accounts_app.test_client()
    thief.set_cookie("session-token", stolen)
    assert MARK["researchers record"] not in text(thief.get("/t/researchers-account"))


def test_access_goes_when_the_account_is_disabled(accounts_app):
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    log_in(client, "minji")
    accounts.disable_account(store_of(accounts_app), "minji")
    assert MARK["researchers record"] not in text(client.get("/t/researchers-account"))
    assert log_in(client, "minji").status_code == 401


def test_a_grant_opens_a_closed_record_until_its_day(accounts_app, clock):
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    log_in(client, "minji")
    page = text(client.get("/t/closed-account"))
    assert MARK["archivists record"] not in page and "Ask for access" in page
    token = csrf(client, "/t/closed-account")
    assert client.post("/t/closed-account/request", data={
        "purpose": "A chapter on the famine years.", "csrf_token": token}).status_code == 303
    assert "an archivist will decide" in text(client.get("/t/closed-account"))
    grant = grants.list_grants(store_of(accounts_app))[0]
    grants.approve_grant(store_of(accounts_app), grant.id, dt.date(2026, 12, 20), "soyeon")
    assert MARK["archivists record"] in text(client.get("/t/closed-account"))
    assert MARK["archivists span"] not in text(client.get("/t/open-account"))
    clock.advance(days=10)  # 2026-12-20: the grant has ended, though no one acted
    assert MARK["archivists record"] not in text(client.get("/t/closed-account"))


def test_a_grant_does_not_lift_an_embargo_but_its_day_does(accounts_app, clock):
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    log_in(client, "minji")
    store = store_of(accounts_app)
    grants.approve_grant(store, grants.request_grant(
        store, "minji", "embargoed-account", "A chapter on the famine years.").id,
        dt.date(2027, 6, 1), "soyeon")
    page = text(client.get("/t/embargoed-account"))
    assert MARK["embargoed record"] not in page and "closed until 2027-01-01" in page
    assert "Ask for access" not in page
    clock.advance(days=23)  # 2027-01-02: the embargo has lapsed; no rebuild by hand
    log_in(client, "minji")
    assert MARK["embargoed record"] in text(client.get("/t/embargoed-account"))
    assert "embargoed-account" in text(client.get("/search?q=" + MARK["embargoed record"]))


def test_a_lapsed_grant_is_entered_in_the_audit_trail_on_the_next_request(accounts_app, clock):
    store = store_of(accounts_app)
    asked = grants.request_grant(store, "minji", "closed-account", "A chapter on famine years.")
    grants.approve_grant(store, asked.id, dt.date(2026, 12, 12), "soyeon")
    client = accounts_app.test_client()
    client.get("/")
    clock.advance(days=2)
    client.get("/")
    assert [e.event for e in audit.entries(store)][-1] == "grant expired"


def test_an_archivist_logged_in_corrects_records(accounts_app, clock):
    secret = make(accounts_app, "soyeon", "archivist")
    client = accounts_app.test_client()
    log_in(client, "soyeon", secret, clock)
    assert client.get("/new").status_code == 200
    page = text(client.get("/t/closed-account"))
    assert "Correct this record" in page and "Private mode." in page
    assert client.get("/t/closed-account").headers["Cache-Control"] == "no-store"


def test_behind_a_trusted_proxy_the_cookie_is_secure(tmp_path, clock):
    from dataclasses import replace

    from archive.settings import Settings

    folder = tmp_path / "testimonies"
    folder.mkdir()
    build_three(folder)
    update_index(folder, tmp_path / "index")
    config = {"TESTING": True, "TESTIMONIES": str(folder), "INDEX": str(tmp_path / "index"),
              "ACCOUNTS": True, "PASSWORD_HASHER": CHEAP, "NOW": clock}
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.50",
               "Referer": "https://localhost/login"}
    for trusted, expected in ((True, "__Host-session="), (False, None)):
        app = create_app({**config, "SETTINGS": replace(Settings(), trusted_proxy=trusted)})
        if trusted:
            make(app, "minji", "researcher")
        client = app.test_client()
        response = client.post("/login", headers=proxied, data={
            "name": "minji", "password": PASSWORD, "csrf_token": csrf(client)})
        if trusted:
            assert response.headers["Set-Cookie"].startswith(expected)
            assert audit.entries(store_of(app))[-1].address == "203.0.113.50"
        else:  # the header is not believed: plain HTTP from the loopback proxy
            assert all(not c.startswith("__Host-") for c in response.headers.getlist("Set-Cookie"))


def test_the_account_pages_render_in_korean_with_no_untranslated_string(accounts_app, clock):
    from archive.web.i18n import COOKIE

    from .test_i18n import english_strings

    secret = make(accounts_app, "soyeon", "archivist")
    make(accounts_app, "minji", "researcher")
    grants.request_grant(store_of(accounts_app), "minji", "closed-account", "A chapter on famine.")
    token = accounts.add_account(store_of(accounts_app), "jiwoo", "researcher")
    archivist, researcher, anyone = (accounts_app.test_client() for _ in range(3))
    for client in (archivist, researcher, anyone):
        client.set_cookie(COOKIE, "ko")
    log_in(archivist, "soyeon", secret, clock)
    log_in(researcher, "minji")
    pages = [(archivist, "/admin/users"), (archivist, "/requests"), (archivist, "/account"),
             (researcher, "/account"), (researcher, "/requests"),
             (researcher, "/t/researchers-account"), (anyone, "/login"),
             (anyone, f"/invite/{token}")]
    for client, path in pages:
        html = text(client.get(path))
        assert '<html lang="ko">' in html, path
        visible = re.sub(r"<(script|style|svg)[^>]*>.*?</\1>|<[^>]+>", " ", html, flags=re.S)
        assert [t for t in english_strings() if t in visible] == [], path


def test_a_grant_opens_a_closed_record_s_recording_and_transcript(tmp_path, clock):
    shutil.copytree(SAMPLE, tmp_path / "testimonies")
    record = tmp_path / "testimonies" / "nurse-hyesan-1999.md"
    record.write_text(record.read_text("utf-8").replace("access: public", "access: archivists"),
                      "utf-8")
    update_index(tmp_path / "testimonies", tmp_path / "index")
    app = create_app({"TESTING": True, "TESTIMONIES": str(tmp_path / "testimonies"),
                      "INDEX": str(tmp_path / "index"), "ACCOUNTS": True,
                      "PASSWORD_HASHER": CHEAP, "NOW": clock})
    make(app, "minji", "researcher")
    client = app.test_client()
    log_in(client, "minji")
    paths = ["/t/nurse-hyesan-1999/transcript.vtt", "/t/nurse-hyesan-1999/recording"]
    assert [client.get(path).status_code for path in paths] == [404, 404]
    store = store_of(app)
    grants.approve_grant(store, grants.request_grant(
        store, "minji", "nurse-hyesan-1999", "A chapter on nurses in Hyesan.").id,
        dt.date(2027, 1, 1), "soyeon")
    vtt = client.get(paths[0])
    assert vtt.status_code == 200 and vtt.get_data(as_text=True).startswith("WEBVTT")
    assert client.get(paths[1], headers={"Range": "bytes=0-99"}).status_code == 206
    assert client.get("/t/nurse-hyesan-1999/master").status_code == 404  # archivists' only
    reads = [e.route for e in audit.entries(store) if e.event == "read"]
    assert reads == paths
