"""The audit trail: an append-only table of who did what and when (UTC), each entry
chained to the one before by an HMAC, so that an edited, removed or inserted entry breaks
the chain at that place; SQLite triggers refuse UPDATE and DELETE on it.

Reads of records above the public are entered with the record's id and the route, never
any of its text."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass

from .store import Store, stamp

EVENTS = ("login", "login failed", "login throttled", "2fa ok", "2fa failed", "2fa replay",
          "2fa enrolled", "2fa reset", "recovery code used", "refused", "invitation made",
          "invitation used", "invitation refused", "password changed", "grant requested",
          "grant approved", "grant refused", "grant expired", "account added",
          "account disabled", "account removed", "logout", "read")
GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    """One line of the audit trail."""

    seq: int
    at: str
    event: str
    account: str | None
    record: str | None
    route: str | None
    address: str | None
    detail: str | None
    hash: str

    def text(self) -> str:
        """The entry as `archive audit` prints it."""
        parts = [self.at, self.event, self.account or "-"]
        parts += [f"record={self.record}"] if self.record else []
        parts += [f"route={self.route}"] if self.route else []
        parts += [f"from={self.address}"] if self.address else []
        parts += [self.detail] if self.detail else []
        return f"#{self.seq} " + "  ".join(parts)


def _link(key: bytes, previous: str, fields: tuple) -> str:
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, (previous + body).encode("utf-8"), hashlib.sha256).hexdigest()


def note(store: Store, event: str, account: str | None = None, record: str | None = None,
         route: str | None = None, address: str | None = None, detail: str | None = None,
         db: sqlite3.Connection | None = None) -> None:
    """Append an entry to the trail (inside `db`'s transaction when given)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    if db is None:
        with store.transaction() as own:
            return note(store, event, account, record, route, address, detail, own)
    last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq = last["seq"] + 1 if last else 1
    fields = (seq, stamp(store.now()), event, account, record, route, address,
              (detail or None) and detail[:500])
    db.execute("INSERT INTO audit (seq, at, event, account, record, route, address, detail, "
               "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (*fields, _link(store.key("audit"), last["hash"] if last else GENESIS, fields)))


def entries(store: Store, since: str | None = None, account: str | None = None) -> list[Entry]:
    """The trail in order, from a day (`YYYY-MM-DD`) on and of one account when asked."""
    query, args = "SELECT * FROM audit WHERE 1=1", []
    if since:
        query, args = query + " AND at >= ?", args + [since]
    if account:
        query, args = query + " AND account = ?", args + [account]
    with store.transaction() as db:
        return [Entry(**dict(row)) for row in db.execute(query + " ORDER BY seq", args)]


def verify(store: Store) -> str | None:
    """None when the whole chain holds; else a sentence naming the first broken entry."""
    previous, expected = GENESIS, 1
    key = store.key("audit")
    for entry in entries(store):
        if entry.seq != expected:
            return (f"The audit trail was tampered with: entry #{expected} is missing "
                    f"(the next is #{entry.seq}).")
        fields = (entry.seq, entry.at, entry.event, entry.account, entry.record, entry.route,
                  entry.address, entry.detail)
        if not hmac.compare_digest(_link(key, previous, fields), entry.hash):
            return (f"The audit trail was tampered with at entry #{entry.seq} ({entry.at}, "
                    f"{entry.event}): its hash does not follow from the entries before it.")
        previous, expected = entry.hash, expected + 1
    return None
