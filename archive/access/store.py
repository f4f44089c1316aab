"""The accounts store: one SQLite file, `accounts.sqlite`, beside archive.toml (never
committed: the `.gitignore` that `archive init` writes leaves it out), holding accounts,
invitations, sessions, throttling counts, grants, the audit trail and the key that signs
tokens. Beside it, two files of the audit trail that a copy or a rewrite of the database
does not carry: `accounts.audit-key`, the key that chains the trail, and
`accounts.audit-chain`, the hash of every entry written (audit.py). Every module of the
wing reads and writes the database through `Store.transaction()`."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from argon2 import PasswordHasher

from ..errors import ArchiveError

STORE_FILE = "accounts.sqlite"
KEY_FILES = ("audit",)  # keys kept in a file of their own beside the store, not inside it
SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT, created TEXT NOT NULL,
    expires TEXT, disabled INTEGER NOT NULL DEFAULT 0, totp_secret TEXT,
    totp_enabled INTEGER NOT NULL DEFAULT 0, totp_last_step INTEGER NOT NULL DEFAULT 0,
    last_login TEXT);
CREATE TABLE IF NOT EXISTS recovery_codes (
    id INTEGER PRIMARY KEY, account TEXT NOT NULL, hash TEXT NOT NULL, used TEXT);
CREATE TABLE IF NOT EXISTS invitations (
    token TEXT PRIMARY KEY, account TEXT NOT NULL, expires TEXT NOT NULL, used TEXT);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, account TEXT NOT NULL, stage TEXT NOT NULL, created TEXT NOT NULL,
    seen TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS devices (
    token TEXT PRIMARY KEY, account TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_key ON failures (key, at);
CREATE TABLE IF NOT EXISTS grants (
    id INTEGER PRIMARY KEY, account TEXT NOT NULL, record TEXT NOT NULL,
    purpose TEXT NOT NULL, requested TEXT NOT NULL, state TEXT NOT NULL, until TEXT,
    decided_by TEXT, decided TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, event TEXT NOT NULL, account TEXT,
    record TEXT, route TEXT, address TEXT, detail TEXT, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""


class Connection(sqlite3.Connection):
    """A connection of the store: what to do once its transaction is committed."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.after_commit: list[Callable[[], None]] = []


class AccessError(ArchiveError):
    """Something about accounts, sessions or grants cannot be done; the message says why
    and what to do."""


def utc_now() -> dt.datetime:
    """The time now, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def stamp(moment: dt.datetime) -> str:
    """A time as the store writes it: UTC, ISO 8601, to the second."""
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()


def store_path(testimonies: Path) -> Path:
    """Where an archive keeps its accounts: beside archive.toml, the records' parent."""
    return Path(testimonies).absolute().parent / STORE_FILE


class Store:
    """An archive's accounts store: the file, the clock it reads the time from, and the
    password hasher (argon2id; tests pass cheaper parameters)."""

    def __init__(self, path: Path, clock: Callable[[], dt.datetime] = utc_now,
                 hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._keys: dict[str, bytes] = {}
        self.decoy: str | None = None  # a hash for names no account has (accounts.py)
        with self.transaction() as db:
            db.execute("COMMIT")  # executescript commits on its own
            db.executescript(SCHEMA)
            db.execute("BEGIN")
        for name in ("tokens", "audit"):  # read now: never inside another transaction
            self.key(name)
        from .audit import start_witness  # the trail's module builds on this one
        start_witness(self)

    def beside(self, suffix: str) -> Path:
        """A file beside the store: `accounts.<suffix>`."""
        return self.path.with_suffix(f".{suffix}")

    def now(self) -> dt.datetime:
        """The store's time now (UTC)."""
        return self.clock().astimezone(dt.timezone.utc)

    def today(self) -> dt.date:
        """The store's day today (UTC)."""
        return self.now().date()

    @contextmanager
    def transaction(self) -> Iterator["Connection"]:
        """A connection in one transaction, committed on success (a connection each time:
        the web serves requests on several threads); its `after_commit` callables run once
        the transaction is committed."""
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                 factory=Connection)
        except sqlite3.Error as exc:
            raise AccessError(f"{self.path}: the accounts store cannot be opened ({exc}); "
                              "check that its folder exists and is writable.") from None
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
            for then in db.after_commit:
                then()
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def key(self, name: str) -> bytes:
        """A secret key of the store (made on first use), for signing tokens or the audit."""
        if name in KEY_FILES and name not in self._keys:
            self._keys[name] = self._file_key(name)
        if name not in self._keys:
            with self.transaction() as db:
                row = db.execute("SELECT value FROM keys WHERE name = ?", (name,)).fetchone()
                if row is None:
                    row = {"value": secrets.token_bytes(32)}
                    db.execute("INSERT INTO keys (name, value) VALUES (?, ?)",
                               (name, row["value"]))
                self._keys[name] = bytes(row["value"])
        return self._keys[name]

    def _file_key(self, name: str) -> bytes:
        """A key kept in `accounts.<name>-key`, readable by the archive's user alone, so that
        whoever can write the database alone cannot sign entries; a key an older store kept
        inside the database moves out to its file."""
        path = self.beside(f"{name}-key")
        if not path.exists():
            with self.transaction() as db:  # one process at a time makes the file
                row = db.execute("SELECT value FROM keys WHERE name = ?", (name,)).fetchone()
                if not path.exists():
                    if row is None and db.execute("SELECT 1 FROM audit").fetchone():
                        raise AccessError(f"{path} is missing, and the trail it signs holds "
                                          "entries: restore the file from a backup.")
                    key = bytes(row["value"]) if row is not None else secrets.token_bytes(32)
                    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                        handle.write(key.hex() + "\n")
                        handle.flush()
                        os.fsync(handle.fileno())
                db.execute("DELETE FROM keys WHERE name = ?", (name,))
        try:
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            key = b""
        if len(key) != 32:
            raise AccessError(f"{path}: expected the 64 hexadecimal digits of the {name} "
                              "trail's key; restore the file from a backup (without it the "
                              "trail cannot be verified).")
        return key

    def mac(self, token: str) -> str:
        """What the store keeps of a token (a session's, an invitation's, a device's): its
        HMAC-SHA256 under the store's key, so that a copy of the file opens no session."""
        return hmac.new(self.key("tokens"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def new_token() -> str:
    """A random token for a cookie or a link (256 bits)."""
    return secrets.token_urlsafe(32)


def open_store(testimonies: Path, clock: Callable[[], dt.datetime] = utc_now,
               hasher: PasswordHasher | None = None) -> Store:
    """The accounts store of the archive whose records are in `testimonies`."""
    return Store(store_path(testimonies), clock, hasher)
