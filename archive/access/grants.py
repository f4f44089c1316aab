"""Grants: a researcher asks to read a record closed to researchers, saying why; an
archivist approves it until a day, or refuses it with a message. A grant opens the record
in the researchers' view (never its embargo, its restricted passages or its withheld
fields: `Archive.testimony(id, granted=True)`) and ends on its day without anyone acting.

States: pending, approved, refused, expired (its day came), ended (its account removed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import audit
from .store import AccessError, Store, stamp

PURPOSE_LENGTH = (10, 2000)


@dataclass(frozen=True)
class Grant:
    """A researcher's request for a record, and what became of it."""

    id: int
    account: str
    record: str
    purpose: str
    requested: str
    state: str
    until: str | None = None
    decided_by: str | None = None
    decided: str | None = None
    message: str | None = None

    def current(self, today: dt.date) -> bool:
        """True while the grant opens its record (approved, before its day)."""
        return self.state == "approved" and today.isoformat() < (self.until or "")


def request_grant(store: Store, account: str, record: str, purpose: str) -> Grant:
    """Ask for a record, with a purpose of 10 to 2,000 characters."""
    purpose = (purpose or "").strip()
    low, high = PURPOSE_LENGTH
    if not low <= len(purpose) <= high:
        raise AccessError(f"Say in {low} to {high:,} characters what the record is needed "
                          "for; the archivist decides from it.")
    expire_grants(store)
    with store.transaction() as db:
        if db.execute("SELECT 1 FROM grants WHERE account = ? AND record = ? AND state IN "
                      "('pending', 'approved')", (account, record)).fetchone():
            raise AccessError("You have already asked for this record; the request is "
                              "pending or approved.")
        seq = db.execute("INSERT INTO grants (account, record, purpose, requested, state) "
                         "VALUES (?, ?, ?, ?, 'pending')",
                         (account, record, purpose, stamp(store.now()))).lastrowid
        audit.note(store, "grant requested", account, record, detail=f"grant #{seq}", db=db)
    return get_grant(store, seq)


def get_grant(store: Store, grant_id: int) -> Grant:
    """A grant by its number; raises AccessError naming how to list them."""
    with store.transaction() as db:
        row = db.execute("SELECT * FROM grants WHERE id = ?", (grant_id,)).fetchone()
    if row is None:
        raise AccessError(f"There is no request #{grant_id}; `archive grants` lists them.")
    return Grant(**dict(row))


def _decide(store: Store, grant_id: int, state: str, by: str, until: str | None,
            message: str | None) -> Grant:
    grant = get_grant(store, grant_id)
    if grant.state != "pending":
        raise AccessError(f"Request #{grant_id} is already {grant.state}; only a pending "
                          "request can be decided.")
    with store.transaction() as db:
        db.execute("UPDATE grants SET state = ?, until = ?, decided_by = ?, decided = ?, "
                   "message = ? WHERE id = ? AND state = 'pending'",
                   (state, until, by, stamp(store.now()), message, grant_id))
        audit.note(store, f"grant {state}", grant.account, grant.record,
                   detail=f"grant #{grant_id} by={by}" + (f" until={until}" if until else ""),
                   db=db)
    return get_grant(store, grant_id)


def approve_grant(store: Store, grant_id: int, until: dt.date, by: str) -> Grant:
    """Approve a request until a day after today (from that day it no longer opens)."""
    if until <= store.today():
        raise AccessError(f"The grant would end on {until.isoformat()}, which is not after "
                          "today; choose a later day.")
    return _decide(store, grant_id, "approved", by, until.isoformat(), None)


def refuse_grant(store: Store, grant_id: int, message: str, by: str) -> Grant:
    """Refuse a request, with a message for the researcher."""
    message = (message or "").strip()
    if not 1 <= len(message) <= 2000:
        raise AccessError("Say in a sentence (up to 2,000 characters) why the request is "
                          "refused; the researcher reads it.")
    return _decide(store, grant_id, "refused", by, None, message)


def expire_grants(store: Store) -> list[Grant]:
    """Mark the approved grants whose day has come as expired (each entered in the audit
    trail); they have already stopped opening their record, whether or not this runs."""
    today = store.today().isoformat()
    with store.transaction() as db:
        rows = db.execute("SELECT * FROM grants WHERE state = 'approved' AND until <= ?",
                          (today,)).fetchall()
        for row in rows:
            db.execute("UPDATE grants SET state = 'expired' WHERE id = ?", (row["id"],))
            audit.note(store, "grant expired", row["account"], row["record"],
                       detail=f"grant #{row['id']} until={row['until']}", db=db)
    return [Grant(**{**dict(row), "state": "expired"}) for row in rows]


def has_grant(store: Store, account: str, record: str) -> bool:
    """True while an approved grant opens this record to this account."""
    with store.transaction() as db:
        row = db.execute("SELECT 1 FROM grants WHERE account = ? AND record = ? AND state = "
                         "'approved' AND until > ?",
                         (account, record, store.today().isoformat())).fetchone()
    return row is not None


def list_grants(store: Store, account: str | None = None, record: str | None = None,
                states: tuple[str, ...] = ()) -> list[Grant]:
    """Grants, newest first: of one account or record, in some states, when asked."""
    expire_grants(store)
    query, args = "SELECT * FROM grants WHERE 1=1", []
    if account:
        query, args = query + " AND account = ?", args + [account]
    if record:
        query, args = query + " AND record = ?", args + [record]
    if states:
        query += f" AND state IN ({', '.join('?' * len(states))})"
        args += list(states)
    with store.transaction() as db:
        return [Grant(**dict(row)) for row in db.execute(query + " ORDER BY id DESC", args)]
