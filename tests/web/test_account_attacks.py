"""The attacks accounts mode must withstand, each tried: session fixation, a replayed TOTP
code, a reused invitation, password spraying against the throttle, CSRF on every new form,
ids guessed across audiences, XSS on every new page, and a login over plain HTTP."""

from __future__ import annotations

import re

import pyotp
import pytest

from archive.access import accounts, factors, grants

from .test_accounts import MARK, PASSWORD, csrf, log_in, make, store_of, text

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_a_session_token_planted_before_login_is_ignored_and_replaced(accounts_app):
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    client.set_cookie("session-token", "planted-by-an-attacker")
    log_in(client, "minji")
    token = client.get_cookie("session-token").value
    assert token != "planted-by-an-attacker"
    again = accounts_app.test_client()
    log_in(again, "minji")
    assert again.get_cookie("session-token").value != token  # a new token at every login


def test_the_session_cookie_is_httponly_lax_and_host_prefixed_over_https(accounts_app):
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    response = log_in(client, "minji", base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("__Host-session="))
    assert all(part in session for part in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"))
    assert "Domain" not in session
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = log_in(accounts_app.test_client(), "minji").headers.getlist("Set-Cookie")
    assert any(c.startswith("session-token=") and "HttpOnly" in c for c in plain)


def test_a_replayed_totp_code_is_refused(accounts_app, clock):
    secret = make(accounts_app, "soyeon", "archivist")
    client = accounts_app.test_client()
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now)
    client.post("/login", data={"name": "soyeon", "password": PASSWORD, "csrf_token": csrf(client)})
    ok = client.post("/login/totp", data={"code": code, "csrf_token": csrf(client, "/login/totp")})
    assert ok.status_code == 303
    other = accounts_app.test_client()
    other.post("/login", data={"name": "soyeon", "password": PASSWORD, "csrf_token": csrf(other)})
    replay = other.post("/login/totp", data={"code": code,
                                             "csrf_token": csrf(other, "/login/totp")})
    assert replay.status_code == 401 and "used already" in text(replay)


def test_a_password_alone_does_not_open_an_archivist_s_session(accounts_app):
    make(accounts_app, "soyeon", "archivist")
    client = accounts_app.test_client()
    response = client.post("/login", data={"name": "soyeon", "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    assert "/login/totp" in response.location
    assert MARK["archivists record"] not in text(client.get("/t/closed-account"))


def test_an_archivist_must_enrol_before_reading(accounts_app, clock):
    store = store_of(accounts_app)
    token = accounts.add_account(store, "haneul", "archivist")
    client = accounts_app.test_client()
    client.post(f"/invite/{token}", data={"password": PASSWORD, "confirm": PASSWORD,
                                          "csrf_token": csrf(client, f"/invite/{token}")})
    assert client.get("/t/closed-account").location.endswith("/account")
    page = text(client.get("/account"))
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page
    codes = client.post("/account/totp", data={"code": pyotp.TOTP(secret).at(clock.now),
                                               "csrf_token": csrf(client, "/account")})
    assert len(re.findall(r"<li><code>", codes.get_data(as_text=True))) == 10
    assert MARK["archivists record"] in text(client.get("/t/closed-account"))


def test_a_used_invitation_is_refused(accounts_app):
    token = accounts.add_account(store_of(accounts_app), "minji", "researcher")
    client = accounts_app.test_client()
    form = {"password": PASSWORD, "confirm": PASSWORD,
            "csrf_token": csrf(client, f"/invite/{token}")}
    assert client.post(f"/invite/{token}", data=form).status_code == 303
    again = accounts_app.test_client()
    assert again.get(f"/invite/{token}").status_code == 410
    form = {**form, "csrf_token": csrf(again)}
    assert again.post(f"/invite/{token}", data=form).status_code == 410


def test_a_common_password_is_refused_at_the_invitation(accounts_app):
    token = accounts.add_account(store_of(accounts_app), "minji", "researcher")
    client = accounts_app.test_client()
    response = client.post(f"/invite/{token}", data={
        "password": "qwerty123456", "confirm": "qwerty123456",
        "csrf_token": csrf(client, f"/invite/{token}")})
    assert response.status_code == 400 and "most common" in text(response)


def test_password_spraying_hits_the_throttle_but_the_owner_logs_in(accounts_app):
    make(accounts_app, "minji", "researcher")
    owner = accounts_app.test_client()
    assert log_in(owner, "minji", base_url="https://localhost").status_code == 303
    attacker = accounts_app.test_client()
    spray = {"REMOTE_ADDR": "203.0.113.66"}
    statuses = [log_in(attacker, name, password="Winter2026!!!!", base_url="https://localhost",
                       environ_base=spray).status_code
                for name in ["minji", "soyeon", "haneul", "admin", "kim"] * 3]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    refused = log_in(attacker, "minji", base_url="https://localhost", environ_base=spray)
    assert refused.status_code == 429 and "Wait" in text(refused)  # even the right password
    for number in range(5):  # guessing minji's password from many addresses
        log_in(accounts_app.test_client(), "minji", password="Summer2026!!!!",
               base_url="https://localhost",
               environ_base={"REMOTE_ADDR": f"192.0.2.{number}"})
    # the account is held for strangers, not for its owner's browser
    stranger = log_in(accounts_app.test_client(), "minji", base_url="https://localhost",
                      environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert stranger.status_code == 429
    assert log_in(owner, "minji", base_url="https://localhost",
                  environ_base={"REMOTE_ADDR": "198.51.100.4"}).status_code == 303


def test_a_login_over_plain_http_from_elsewhere_is_refused(accounts_app):
    make(accounts_app, "minji", "researcher")
    response = log_in(accounts_app.test_client(), "minji",
                      environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403 and "HTTPS" in text(response)


FORMS = [("/login", {"name": "minji", "password": PASSWORD}), ("/logout", {}),
         ("/account/totp", {"code": "123456"}), ("/account/password", {"old": PASSWORD}),
         ("/admin/users", {"name": "eve", "role": "archivist"}),
         ("/admin/users/minji/disable", {}), ("/requests/1/approve", {"until": "2027-01-01"}),
         ("/requests/1/refuse", {"message": "No"}),
         ("/t/closed-account/request", {"purpose": "A chapter on famine."})]


@pytest.mark.parametrize("path, form", FORMS, ids=[p for p, _ in FORMS])
def test_every_new_form_refuses_a_post_without_its_csrf_token(accounts_app, clock, path, form):
    secret = make(accounts_app, "soyeon", "archivist")
    make(accounts_app, "minji", "researcher")
    grants.request_grant(store_of(accounts_app), "minji", "closed-account", "A chapter on famine.")
    client = accounts_app.test_client()
    log_in(client, "soyeon", secret, clock)
    response = client.post(path, data=form)
    assert response.status_code == 400 and "Form expired" in text(response)
    assert accounts.get_account(store_of(accounts_app), "minji").state(clock.now.date()) == "active"
    assert grants.list_grants(store_of(accounts_app))[0].state == "pending"


def test_over_https_a_form_posted_from_another_site_is_refused_even_with_its_token(
        accounts_app):
    """Flask-WTF's strict check: over HTTPS a post needs a Referer of this very archive,
    which browsers send because accounts pages say `Referrer-Policy: same-origin`."""
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    page = client.get("/login", base_url="https://localhost")
    assert page.headers["Referrer-Policy"] == "same-origin"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"name": "minji", "password": PASSWORD, "csrf_token": token}
    for headers in ({}, {"Referer": "https://evil.example/login"},
                    {"Referer": "http://localhost/login"}):
        refused = client.post("/login", data=form, headers=headers, base_url="https://localhost")
        assert refused.status_code == 400, headers
        assert client.get_cookie("__Host-session", domain="localhost") is None
    same = client.post("/login", data=form, headers={"Referer": "https://localhost/login"},
                       base_url="https://localhost")
    assert same.status_code == 303


def test_an_invitation_form_without_its_token_is_refused(accounts_app):
    token = accounts.add_account(store_of(accounts_app), "minji", "researcher")
    response = accounts_app.test_client().post(f"/invite/{token}", data={"password": PASSWORD,
                                                                 "confirm": PASSWORD})
    assert response.status_code == 400
    store = store_of(accounts_app)
    assert accounts.get_account(store, "minji").state(store.today()) == "invited"


@pytest.mark.parametrize("path", ["/t/closed-account", "/api/t/closed-account",
                                  "/t/closed-account.md", "/t/closed-account/cite.bib",
                                  "/t/no-such-account", "/api/t/no-such-account"])
def test_guessed_ids_show_a_catalogue_page_or_nothing_never_text(accounts_app, path):
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    log_in(client, "minji")
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert MARK["archivists record"] not in text(response)


def test_researchers_cannot_reach_the_archivists_pages(accounts_app):
    make(accounts_app, "minji", "researcher")
    client = accounts_app.test_client()
    log_in(client, "minji")
    for path in ("/admin/users", "/new", "/t/closed-account/edit", "/t/closed-account/history"):
        assert client.get(path).status_code == 403, path
    form = {"until": "2027-01-01", "csrf_token": csrf(client, "/")}
    assert client.post("/requests/1/approve", data=form).status_code == 403
    assert accounts_app.test_client().get("/admin/users").status_code == 303  # to the login page


def test_names_purposes_and_messages_are_escaped_on_every_new_page(accounts_app, clock):
    secret = make(accounts_app, "soyeon", "archivist")
    make(accounts_app, "minji", "researcher")
    store = store_of(accounts_app)
    asked = grants.request_grant(store, "minji", "closed-account", "Study " + XSS)
    grants.refuse_grant(store, asked.id, "No " + XSS, "soyeon")
    grants.request_grant(store, "minji", "researchers-account", "Again " + XSS)
    archivist, researcher = accounts_app.test_client(), accounts_app.test_client()
    log_in(archivist, "soyeon", secret, clock)
    log_in(researcher, "minji")
    bad_login = accounts_app.test_client().post("/login", data={
        "name": XSS, "password": "x" * 12, "csrf_token": csrf(accounts_app.test_client())})
    pages = [archivist.get("/requests"), archivist.get("/admin/users"),
             researcher.get("/requests"), researcher.get("/t/closed-account"),
             archivist.get("/account"), researcher.get("/account"), bad_login,
             archivist.get("/login?next=" + XSS)]
    for page in pages:
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in pages[0].get_data(as_text=True)


def test_an_archivist_approves_on_the_queue_page(accounts_app, clock):
    secret = make(accounts_app, "soyeon", "archivist")
    make(accounts_app, "minji", "researcher")
    asked = grants.request_grant(store_of(accounts_app), "minji", "closed-account",
                                 "A chapter on famine.")
    client = accounts_app.test_client()
    log_in(client, "soyeon", secret, clock)
    assert client.post(f"/requests/{asked.id}/approve", data={
        "until": "2027-01-01", "csrf_token": csrf(client, "/requests")}).status_code == 303
    assert grants.get_grant(store_of(accounts_app), asked.id).state == "approved"
    page = client.post("/admin/users", data={"name": "jiwoo", "role": "researcher",
                                             "csrf_token": csrf(client, "/admin/users")})
    link = re.search(r'id="invitation-link">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert link.startswith("http://localhost/invite/")
    client.post("/admin/users/minji/disable", data={"csrf_token": csrf(client, "/admin/users")})
    assert accounts.get_account(store_of(accounts_app), "minji").disabled
    assert factors.recovery_codes_left(store_of(accounts_app), "soyeon") == 10


def test_an_archivist_cannot_lock_themselves_out_on_the_web(accounts_app, clock):
    secret = make(accounts_app, "soyeon", "archivist")
    client = accounts_app.test_client()
    log_in(client, "soyeon", secret, clock)
    response = client.post("/admin/users/soyeon/remove",
                           data={"csrf_token": csrf(client, "/admin/users")})
    assert response.status_code == 400 and "your own account" in text(response)
    assert accounts.get_account(store_of(accounts_app), "soyeon") is not None


def test_a_recovery_code_logs_in_once(accounts_app, clock):
    store = store_of(accounts_app)
    accounts.accept_invitation(store, accounts.add_account(store, "soyeon", "archivist"), PASSWORD)
    secret = factors.begin_enrolment(store, "soyeon")
    codes = factors.confirm_enrolment(store, "soyeon", pyotp.TOTP(secret).at(clock.now))
    for expected in (303, 401):
        client = accounts_app.test_client()
        client.post("/login", data={"name": "soyeon", "password": PASSWORD,
                                    "csrf_token": csrf(client)})
        response = client.post("/login/totp", data={"code": codes[0],
                                                    "csrf_token": csrf(client, "/login/totp")})
        assert response.status_code == expected


def test_suggestions_open_to_archivists_logged_in_and_to_no_one_else(accounts_app, clock):
    secret = make(accounts_app, "soyeon", "archivist")
    make(accounts_app, "minji", "researcher")
    archivist, researcher = accounts_app.test_client(), accounts_app.test_client()
    log_in(archivist, "soyeon", secret, clock)
    log_in(researcher, "minji")
    assert archivist.get("/suggestions").status_code == 200
    assert researcher.get("/suggestions").status_code == 404
    assert accounts_app.test_client().get("/suggestions").status_code == 404


def test_changing_the_password_ends_this_session_and_says_so(accounts_app):
    make(accounts_app, "minji", "researcher")
    client, other = accounts_app.test_client(), accounts_app.test_client()
    log_in(client, "minji")
    log_in(other, "minji")
    new = "a brand new passphrase"
    response = client.post("/account/password", data={
        "old": PASSWORD, "new": new, "confirm": new, "csrf_token": csrf(client, "/account")})
    assert response.location.endswith("/login?changed=1")
    assert "log in with the new one" in text(client.get(response.location))
    for browser in (client, other):
        assert MARK["researchers record"] not in text(browser.get("/t/researchers-account"))
    assert log_in(client, "minji", password=new).status_code == 303
