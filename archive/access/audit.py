"""The audit trail: an append-only table of who did what and when (UTC), each entry
chained to the one before by an HMAC, so that an edited, removed or inserted entry breaks
the chain at that place; SQLite triggers refuse UPDATE and DELETE on it.

The HMAC's key is not in the database but in `accounts.audit-key` beside it, so that
whoever can write the database alone cannot sign a rewritten chain; and each entry's hash
is also appended, once committed, to `accounts.audit-chain`, so that the newest entries
cannot be cut from the database unnoticed. Against someone who can write all three, the
head of the chain (`archive audit --verify` prints it), noted elsewhere, proves later
that the trail still holds everything up to it.

Reads of records above the public are entered with the record's id and the route, never
any of its text."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass

from .store import Connection, Store, stamp

EVENTS = ("login", "login failed", "login throttled", "2fa ok", "2fa failed", "2fa replay",
          "2fa enrolled", "2fa reset", "recovery code used", "refused", "invitation made",
          "invitation used", "invitation refused", "password changed", "grant requested",
          "grant approved", "grant refused", "grant expired", "account added",
          "account disabled", "account removed", "logout", "read", "listed")
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
         db: Connection | None = None) -> None:
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
    link = _link(store.key("audit"), last["hash"] if last else GENESIS, fields)
    db.execute("INSERT INTO audit (seq, at, event, account, record, route, address, detail, "
               "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*fields, link))
    db.after_commit.append(lambda: _witness(store, [(seq, link)]))


def _witness(store: Store, links: list[tuple[int, str]]) -> None:
    """Append committed entries' hashes to the chain file beside the store."""
    descriptor = os.open(store.beside("audit-chain"), os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                         0o600)
    with os.fdopen(descriptor, "a", encoding="ascii") as handle:
        handle.write("".join(f"{seq} {link}\n" for seq, link in links))
        handle.flush()
        os.fsync(handle.fileno())


def start_witness(store: Store) -> None:
    """Begin the chain file of a store that has none (a new store, or one made before the
    file existed) with the entries it holds."""
    if not store.beside("audit-chain").exists():
        with store.transaction() as db:
            rows = db.execute("SELECT seq, hash FROM audit ORDER BY seq").fetchall()
        _witness(store, [(row["seq"], row["hash"]) for row in rows])


def _witnessed(store: Store) -> tuple[dict[int, str], str | None]:
    """The chain file's hashes by entry, and a sentence when a line of it cannot be read."""
    path, found = store.beside("audit-chain"), {}
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        return {}, f"{path} is missing: the newest entries cannot be checked against it."
    for number, line in enumerate(lines, start=1):
        seq, _, link = line.partition(" ")
        if not (seq.isdigit() and len(link) == 64):
            return found, f"{path}:{number}: this line is not an entry's number and hash."
        found[int(seq)] = link
    return found, None


def entries(store: Store, since: str | None = None, account: str | None = None,
            record: str | None = None) -> list[Entry]:
    """The trail in order, from a day (`YYYY-MM-DD`) on, of one account and of one record
    when asked."""
    query, args = "SELECT * FROM audit WHERE 1=1", []
    if record:
        query, args = query + " AND record = ?", args + [record]
    if since:
        query, args = query + " AND at >= ?", args + [since]
    if account:
        query, args = query + " AND account = ?", args + [account]
    with store.transaction() as db:
        return [Entry(**dict(row)) for row in db.execute(query + " ORDER BY seq", args)]


def verify(store: Store, head: str | None = None) -> str | None:
    """None when the whole chain holds, agrees with the chain file and holds `head` (an
    entry's `NUMBER:HASH` noted before); else a sentence naming the first broken entry."""
    previous, expected = GENESIS, 1
    key = store.key("audit")
    trail = entries(store)
    for entry in trail:
        if entry.seq != expected:
            return (f"The audit trail was tampered with: entry #{expected} is missing "
                    f"(the next is #{entry.seq}).")
        fields = (entry.seq, entry.at, entry.event, entry.account, entry.record, entry.route,
                  entry.address, entry.detail)
        if not hmac.compare_digest(_link(key, previous, fields), entry.hash):
            return (f"The audit trail was tampered with at entry #{entry.seq} ({entry.at}, "
                    f"{entry.event}): its hash does not follow from the entries before it.")
        previous, expected = entry.hash, expected + 1
    witnessed, problem = _witnessed(store)
    by_seq = {entry.seq: entry.hash for entry in trail}
    for seq in sorted(witnessed):
        if seq not in by_seq:
            return (f"The audit trail was cut: entry #{seq} is in "
                    f"{store.beside('audit-chain').name} but no longer in the database "
                    f"(it ends at #{len(trail)}).")
        if by_seq[seq] != witnessed[seq]:
            return (f"The audit trail was rewritten from entry #{seq} on: its hash is not the "
                    f"one written in {store.beside('audit-chain').name} when it was made.")
    if head is not None:
        seq, _, link = head.partition(":")
        if not seq.isdigit() or by_seq.get(int(seq)) != link:
            return (f"The audit trail does not hold the head noted before ({head}): entries "
                    "up to it were cut or rewritten.")
    return problem


def head(store: Store) -> str | None:
    """The newest entry as `NUMBER:HASH`, to note somewhere else (None for an empty trail)."""
    with store.transaction() as db:
        last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return f"{last['seq']}:{last['hash']}" if last else None
