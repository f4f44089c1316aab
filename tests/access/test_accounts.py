"""Accounts: invitations used once and within 72 hours, passwords held to the rules and
hashed with argon2id (anew when the parameters change), logins, and what ends sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from archive.access import accounts, audit, sessions
from archive.access.passwords import WeakPassword, check_new_password
from archive.access.store import AccessError

GOOD = "river lantern orchard 42"


def invited(store, name="minji", role="researcher"):
    token = accounts.add_account(store, name, role)
    return accounts.accept_invitation(store, token, GOOD)


def test_an_invitation_sets_the_password_once(store):
    token = accounts.add_account(store, "minji", "researcher")
    assert accounts.get_account(store, "minji").state(store.today()) == "invited"
    account = accounts.accept_invitation(store, token, GOOD)
    assert account.state(store.today()) == "active" and account.audience == "researchers"
    with pytest.raises(AccessError, match="already been used"):
        accounts.accept_invitation(store, token, "another long passphrase")
    assert accounts.authenticate(store, "minji", GOOD) is not None
    assert accounts.authenticate(store, "minji", "another long passphrase") is None


def test_an_invitation_lapses_after_72_hours(store, clock):
    token = accounts.add_account(store, "minji", "archivist")
    clock.advance(hours=72, seconds=1)
    with pytest.raises(AccessError, match="expired"):
        accounts.accept_invitation(store, token, GOOD)


def test_the_store_keeps_no_token_and_no_password(store):
    token = accounts.add_account(store, "minji", "researcher")
    accounts.accept_invitation(store, token, GOOD)
    data = b"".join(path.read_bytes() for path in store.path.parent.glob("accounts.sqlite*"))
    assert token.encode() not in data and GOOD.encode() not in data


@pytest.mark.parametrize("password, reason", [
    ("short words", "11 characters"),
    ("minji-is-my-name", "account's name"),
    ("MINJIminji2020", "account's name"),
    ("QWERTY123456", "most common"),  # on the list, compared lower-cased
    ("aaaaaaaaaaaaaaaa", "most common"),
])
def test_weak_passwords_are_refused_with_a_sentence(password, reason):
    with pytest.raises(WeakPassword, match=reason):
        check_new_password(password, "minji")


def test_a_common_password_from_the_shipped_list_is_refused():
    with pytest.raises(WeakPassword, match="most common"):
        check_new_password("1q2w3e4r5t6y", "minji")
    check_new_password(GOOD, "minji")


def test_a_password_is_hashed_anew_when_the_parameters_change(store):
    invited(store)
    def current_hash():
        with store.transaction() as db:
            return db.execute("SELECT password FROM accounts").fetchone()[0]

    old = current_hash()
    assert "m=1024,t=1" in old
    store.hasher = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    assert accounts.authenticate(store, "minji", GOOD) is not None
    assert "m=2048,t=2" in current_hash() and current_hash().startswith("$argon2id$")
    assert accounts.authenticate(store, "minji", GOOD) is not None


def test_disabling_removing_or_a_new_password_ends_every_session(store):
    account = invited(store)
    first = sessions.start_session(store, account, "full")
    accounts.change_password(store, "minji", GOOD, "a brand new passphrase")
    assert sessions.find_session(store, first) is None
    second = sessions.start_session(store, account, "full")
    accounts.disable_account(store, "minji")
    assert sessions.find_session(store, second) is None
    assert accounts.authenticate(store, "minji", "a brand new passphrase") is None
    accounts.remove_account(store, "minji")
    assert accounts.get_account(store, "minji") is None


def test_sessions_end_after_30_minutes_idle_or_12_hours(store, clock):
    account = invited(store)
    token = sessions.start_session(store, account, "full")
    clock.advance(minutes=29)
    assert sessions.find_session(store, token).account.name == "minji"
    clock.advance(minutes=29)  # used 29 minutes ago: still open
    assert sessions.find_session(store, token) is not None
    clock.advance(minutes=31)
    assert sessions.find_session(store, token) is None
    token, start = sessions.start_session(store, account, "full"), clock.now
    for _ in range(25):  # busy all day: ends at 12 hours all the same
        clock.advance(minutes=29)
        if sessions.find_session(store, token) is None:
            break
    assert sessions.find_session(store, token) is None
    lasted = clock.now - start
    assert dt.timedelta(hours=11, minutes=30) < lasted <= dt.timedelta(hours=12, minutes=29)


def test_advancing_a_session_changes_its_token(store):
    account = invited(store)
    pending = sessions.start_session(store, account, "totp")
    full = sessions.advance_session(store, pending, "full")
    assert full != pending and sessions.find_session(store, pending) is None
    assert sessions.find_session(store, full).stage == "full"


def test_an_expired_account_cannot_log_in(store, clock):
    token = accounts.add_account(store, "minji", "researcher", expires=dt.date(2026, 3, 10))
    accounts.accept_invitation(store, token, GOOD)
    assert accounts.authenticate(store, "minji", GOOD) is not None
    clock.advance(days=9)
    assert accounts.authenticate(store, "minji", GOOD) is None


@pytest.mark.parametrize("name", ["Minji", "a", "kim soyeon", "<script>", ""])
def test_bad_names_are_refused_with_the_fix(store, name):
    with pytest.raises(AccessError, match="lower-case letters"):
        accounts.add_account(store, name, "researcher")


def test_logins_and_failures_are_audited_without_passwords(store):
    invited(store)
    accounts.authenticate(store, "minji", "wrong but long password", "203.0.113.9")
    accounts.authenticate(store, "nobody", "wrong but long password", "203.0.113.9")
    events = [(e.event, e.account, e.address) for e in audit.entries(store)]
    assert ("login failed", "minji", "203.0.113.9") in events
    assert ("login failed", None, "203.0.113.9") in events
    assert all("wrong but long" not in (e.detail or "") for e in audit.entries(store))
