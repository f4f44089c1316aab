"""Accounts: researchers and archivists, added by an archivist (no one registers
themselves) with a one-time invitation link, valid 72 hours, at which the person chooses
a password; then the password step of a login, a change of password, and an account
disabled or removed. Each change is entered in the audit trail and ends the account's
sessions where it should."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import audit
from .passwords import check_new_password, hash_password, verify_password
from .store import AccessError, Store, new_token, stamp

ROLES = {"researcher": "researchers", "archivist": "archivists"}  # role: the audience it reads
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
INVITATION_HOURS = 72


class UnknownAccount(AccessError):
    """No account has this name."""


@dataclass(frozen=True)
class Account:
    """An account as the archive knows it (never its password or second-factor secret)."""

    name: str
    role: str
    created: str
    expires: str | None = None
    disabled: bool = False
    totp_enabled: bool = False
    has_password: bool = False
    last_login: str | None = None

    @property
    def audience(self) -> str:
        """The audience this account reads as: researchers or archivists."""
        return ROLES[self.role]

    @property
    def needs_second_factor(self) -> bool:
        """True when the account must enrol TOTP before it may read (archivists)."""
        return self.role == "archivist" and not self.totp_enabled

    def state(self, today: dt.date) -> str:
        """`active`, `invited` (no password yet), `disabled` or `expired`."""
        if self.disabled:
            return "disabled"
        if self.expires and today.isoformat() >= self.expires:
            return "expired"
        return "active" if self.has_password else "invited"

    # What Flask-Login asks of the user it is given.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.name


def _account(row) -> Account:
    return Account(row["name"], row["role"], row["created"], row["expires"],
                   bool(row["disabled"]), bool(row["totp_enabled"]), row["password"] is not None,
                   row["last_login"])


def get_account(store: Store, name: str) -> Account | None:
    """The account with this name, or None."""
    with store.transaction() as db:
        row = db.execute("SELECT * FROM accounts WHERE name = ?", (name,)).fetchone()
    return _account(row) if row else None


def require_account(store: Store, name: str) -> Account:
    """The account with this name; raises UnknownAccount naming how to list them."""
    account = get_account(store, name)
    if account is None:
        raise UnknownAccount(f"There is no account named {name!r}; `archive users list` shows "
                             "them.")
    return account


def list_accounts(store: Store) -> list[Account]:
    """Every account, by name."""
    with store.transaction() as db:
        return [_account(row) for row in db.execute("SELECT * FROM accounts ORDER BY name")]


def add_account(store: Store, name: str, role: str, expires: dt.date | None = None,
                by: str | None = None) -> str:
    """Add an account (no password yet) and return its invitation token."""
    if not NAME.fullmatch(name or ""):
        raise AccessError(f"The name {name!r} cannot be used; choose 2 to 40 lower-case "
                          "letters, digits, dots, hyphens or underscores, such as kim.soyeon.")
    if role not in ROLES:
        raise AccessError(f"The role {role!r} is not known; choose researcher or archivist.")
    if expires is not None and expires <= store.today():
        raise AccessError(f"The expiry date {expires.isoformat()} has passed; choose a day "
                          "after today.")
    with store.transaction() as db:
        if db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
            raise AccessError(f"There is already an account named {name!r}; choose another "
                              f"name, or `archive users invite {name}` for a new link.")
        db.execute("INSERT INTO accounts (name, role, created, expires) VALUES (?, ?, ?, ?)",
                   (name, role, stamp(store.now()), expires and expires.isoformat()))
        audit.note(store, "account added", name, detail=f"role={role} by={by or 'cli'}", db=db)
        return _invite(store, db, name, by)


def invite(store: Store, name: str, by: str | None = None) -> str:
    """A new invitation token for an existing account (to set or reset its password)."""
    account = require_account(store, name)
    if account.disabled:
        raise AccessError(f"The account {name!r} is disabled; an archivist must add it anew.")
    with store.transaction() as db:
        return _invite(store, db, name, by)


def _invite(store: Store, db, name: str, by: str | None) -> str:
    token = new_token()
    db.execute("DELETE FROM invitations WHERE account = ? AND used IS NULL", (name,))
    db.execute("INSERT INTO invitations (token, account, expires) VALUES (?, ?, ?)",
               (store.mac(token), name,
                stamp(store.now() + dt.timedelta(hours=INVITATION_HOURS))))
    audit.note(store, "invitation made", name, detail=f"by={by or 'cli'}", db=db)
    return token


def invitation_account(store: Store, token: str) -> Account:
    """The account an invitation is for; raises AccessError when it cannot be used."""
    with store.transaction() as db:
        row = db.execute("SELECT * FROM invitations WHERE token = ?",
                         (store.mac(token),)).fetchone()
    if row is None or row["used"]:
        raise AccessError("This invitation link has already been used or was never made; "
                          "ask an archivist for a new one.")
    if row["expires"] <= stamp(store.now()):
        raise AccessError("This invitation link has expired (they last 72 hours); ask an "
                          "archivist for a new one.")
    account = require_account(store, row["account"])
    if account.state(store.today()) in ("disabled", "expired"):
        raise AccessError("This account is no longer open; ask an archivist.")
    return account


def accept_invitation(store: Store, token: str, password: str, address: str | None = None
                      ) -> Account:
    """Set the password an invitation's person chose, and use the invitation up."""
    try:
        account = invitation_account(store, token)
    except AccessError:
        audit.note(store, "invitation refused", address=address)
        raise
    check_new_password(password, account.name)
    hashed = hash_password(store.hasher, password)
    with store.transaction() as db:
        used = db.execute("UPDATE invitations SET used = ? WHERE token = ? AND used IS NULL",
                          (stamp(store.now()), store.mac(token)))
        if used.rowcount != 1:  # another request used it meanwhile
            raise AccessError("This invitation link has already been used; ask an archivist "
                              "for a new one.")
        db.execute("UPDATE accounts SET password = ? WHERE name = ?", (hashed, account.name))
        _end_sessions(db, account.name)
        audit.note(store, "invitation used", account.name, address=address, db=db)
    return require_account(store, account.name)


def authenticate(store: Store, name: str, password: str, address: str | None = None
                 ) -> Account | None:
    """The account when the name and password match and it is open, else None (the
    password hashed anew when the archive's argon2 parameters changed)."""
    with store.transaction() as db:
        row = db.execute("SELECT * FROM accounts WHERE name = ?", (name,)).fetchone()
    stored = row["password"] if row else _decoy(store)
    ok, rehashed = verify_password(store.hasher, stored, password)
    account = _account(row) if row else None
    if not ok or account is None or account.state(store.today()) != "active":
        audit.note(store, "login failed", name if row else None, address=address,
                   detail=None if row else f"unknown name {name[:40]!r}")
        return None
    with store.transaction() as db:
        if rehashed:
            db.execute("UPDATE accounts SET password = ? WHERE name = ?", (rehashed, name))
        db.execute("UPDATE accounts SET last_login = ? WHERE name = ?",
                   (stamp(store.now()), name))
    return require_account(store, name)


def _decoy(store: Store) -> str:
    """A hash to check a password against when the account does not exist, so that the
    answer takes as long as for one that does (no finding names by timing)."""
    if store.decoy is None:
        store.decoy = hash_password(store.hasher, new_token())
    return store.decoy


def change_password(store: Store, name: str, old: str, new: str) -> None:
    """Change a password, knowing the old one; every session of the account ends."""
    with store.transaction() as db:
        row = db.execute("SELECT password FROM accounts WHERE name = ?", (name,)).fetchone()
    if row is None or not verify_password(store.hasher, row["password"], old)[0]:
        raise AccessError("The current password is not right; nothing was changed.")
    check_new_password(new, name)
    hashed = hash_password(store.hasher, new)
    with store.transaction() as db:
        db.execute("UPDATE accounts SET password = ? WHERE name = ?", (hashed, name))
        _end_sessions(db, name)
        audit.note(store, "password changed", name, db=db)


def disable_account(store: Store, name: str, by: str | None = None) -> None:
    """Disable an account: it can no longer log in, and its sessions end now."""
    require_account(store, name)
    with store.transaction() as db:
        db.execute("UPDATE accounts SET disabled = 1 WHERE name = ?", (name,))
        db.execute("DELETE FROM invitations WHERE account = ?", (name,))
        _end_sessions(db, name)
        audit.note(store, "account disabled", name, detail=f"by={by or 'cli'}", db=db)


def remove_account(store: Store, name: str, by: str | None = None) -> None:
    """Remove an account, its sessions, devices, codes and invitations (its grants and
    audit entries stay, as history)."""
    require_account(store, name)
    with store.transaction() as db:
        for table in ("invitations", "recovery_codes", "devices"):
            db.execute(f"DELETE FROM {table} WHERE account = ?", (name,))
        db.execute("UPDATE grants SET state = 'ended' WHERE account = ? AND state IN "
                   "('pending', 'approved')", (name,))
        db.execute("DELETE FROM accounts WHERE name = ?", (name,))
        _end_sessions(db, name)
        audit.note(store, "account removed", name, detail=f"by={by or 'cli'}", db=db)


def _end_sessions(db, name: str) -> None:
    db.execute("DELETE FROM sessions WHERE account = ?", (name,))
