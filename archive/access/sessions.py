"""Sessions, kept on the server: the cookie holds a random token and the store only its
HMAC. A login makes a new token at each step (password, then second factor), so a token
planted before the login opens nothing; a session ends after 30 minutes idle, 12 hours
after the login, at logout, and when its account is disabled, removed or changes password.

Stages: `totp` (the password was right, the second factor is awaited: 5 minutes, 5 tries),
`enrol` (an archivist without a second factor may only enrol one) and `full`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .accounts import Account, get_account
from .store import Store, new_token, stamp

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
PENDING = dt.timedelta(minutes=5)
TRIES = 5
STAGES = ("totp", "enrol", "full")
_TOUCH = dt.timedelta(seconds=60)  # how often a busy session's last use is written


@dataclass(frozen=True)
class Session:
    """A session found by its token: whose, and how far its login got."""

    account: Account
    stage: str
    tries: int


def start_session(store: Store, account: Account, stage: str) -> str:
    """A new session (a new token) for an account at a stage of its login."""
    if stage not in STAGES:
        raise ValueError(f"unknown session stage {stage!r}")
    token, now = new_token(), stamp(store.now())
    with store.transaction() as db:
        db.execute("INSERT INTO sessions (token, account, stage, created, seen) "
                   "VALUES (?, ?, ?, ?, ?)", (store.mac(token), account.name, stage, now, now))
    return token


def advance_session(store: Store, token: str, stage: str) -> str | None:
    """Move a session to a later stage under a new token (the old one ends); None when
    the session is gone."""
    with store.transaction() as db:
        row = db.execute("SELECT * FROM sessions WHERE token = ?", (store.mac(token),)).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM sessions WHERE token = ?", (store.mac(token),))
        fresh = new_token()
        db.execute("INSERT INTO sessions (token, account, stage, created, seen) "
                   "VALUES (?, ?, ?, ?, ?)", (store.mac(fresh), row["account"], stage,
                                              row["created"], stamp(store.now())))
    return fresh


def find_session(store: Store, token: str | None) -> Session | None:
    """The session a cookie's token opens, or None when it has ended (and is then removed):
    idle too long, too old, its account closed."""
    if not token or len(token) > 100:
        return None
    key, now = store.mac(token), store.now()
    with store.transaction() as db:
        row = db.execute("SELECT * FROM sessions WHERE token = ?", (key,)).fetchone()
    if row is None:
        return None
    created = dt.datetime.fromisoformat(row["created"])
    seen = dt.datetime.fromisoformat(row["seen"])
    limit = PENDING if row["stage"] == "totp" else IDLE
    account = get_account(store, row["account"])
    if now - seen > limit or now - created > ABSOLUTE or account is None \
            or account.state(now.date()) != "active" or row["tries"] >= TRIES:
        end_session(store, token)
        return None
    if now - seen > _TOUCH and row["stage"] != "totp":
        with store.transaction() as db:
            db.execute("UPDATE sessions SET seen = ? WHERE token = ?", (stamp(now), key))
    return Session(account, row["stage"], row["tries"])


def count_try(store: Store, token: str) -> None:
    """Count a wrong second-factor code against a pending session (5 end it)."""
    with store.transaction() as db:
        db.execute("UPDATE sessions SET tries = tries + 1 WHERE token = ?", (store.mac(token),))


def end_session(store: Store, token: str | None) -> None:
    """End a session (logout): its token opens nothing any more."""
    if token:
        with store.transaction() as db:
            db.execute("DELETE FROM sessions WHERE token = ?", (store.mac(token),))


def sweep_sessions(store: Store) -> int:
    """Remove the sessions that have ended by time; how many."""
    now = store.now()
    with store.transaction() as db:
        return db.execute("DELETE FROM sessions WHERE seen < ? OR created < ?",
                          (stamp(now - IDLE), stamp(now - ABSOLUTE))).rowcount
