"""The second factor: TOTP (RFC 6238, as authenticator apps make it), enrolled by scanning
a QR code drawn as SVG on the server (no network), each code accepted once (the last time
step used is stored, so a replayed or older code is refused), and ten recovery codes,
hashed with argon2 and each usable once, for a lost phone."""

from __future__ import annotations

import hmac
import secrets

import pyotp
import segno

from . import audit
from .accounts import require_account
from .store import AccessError, Store, stamp

STEP = 30
WINDOW = 1  # a code of the step before or after is accepted (clocks drift)
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def begin_enrolment(store: Store, name: str) -> str:
    """A new TOTP secret for an account to enrol (kept until a code confirms it)."""
    account = require_account(store, name)
    if account.totp_enabled:
        raise AccessError("This account already has a second factor.")
    secret = pyotp.random_base32()
    with store.transaction() as db:
        db.execute("UPDATE accounts SET totp_secret = ? WHERE name = ?", (secret, name))
    return secret


def pending_secret(store: Store, name: str) -> str | None:
    """The secret an account is enrolling with, if any."""
    with store.transaction() as db:
        row = db.execute("SELECT totp_secret, totp_enabled FROM accounts WHERE name = ?",
                         (name,)).fetchone()
    return row["totp_secret"] if row and not row["totp_enabled"] else None


def enrolment_uri(secret: str, name: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code of an address as inline SVG markup (drawn here, nothing fetched)."""
    return segno.make(uri, error="m", micro=False).svg_inline(scale=5, dark="#111", light="#fff")


def _matching_step(secret: str, code: str, now_seconds: float) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp, step = pyotp.TOTP(secret), int(now_seconds) // STEP
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def confirm_enrolment(store: Store, name: str, code: str) -> list[str]:
    """Turn the second factor on when a code from the app matches; the recovery codes,
    shown this once."""
    secret = pending_secret(store, name)
    step = secret and _matching_step(secret, code, store.now().timestamp())
    if not step:
        raise AccessError("That code does not match; check the phone's clock and type the "
                          "six digits the app shows now.")
    codes = ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
             for _ in range(RECOVERY_CODES)]
    hashes = [store.hasher.hash(c) for c in codes]
    with store.transaction() as db:
        db.execute("UPDATE accounts SET totp_enabled = 1, totp_last_step = ? WHERE name = ?",
                   (step, name))
        db.execute("DELETE FROM recovery_codes WHERE account = ?", (name,))
        db.executemany("INSERT INTO recovery_codes (account, hash) VALUES (?, ?)",
                       [(name, h) for h in hashes])
        audit.note(store, "2fa enrolled", name, db=db)
    return codes


def check_second_factor(store: Store, name: str, code: str, address: str | None = None) -> bool:
    """True when a TOTP code (not used before) or an unused recovery code is right."""
    with store.transaction() as db:
        row = db.execute("SELECT totp_secret, totp_enabled, totp_last_step FROM accounts "
                         "WHERE name = ?", (name,)).fetchone()
    if row is None or not row["totp_enabled"]:
        return False
    if "-" in code:
        return _use_recovery_code(store, name, code.strip().lower(), address)
    step = _matching_step(row["totp_secret"], code, store.now().timestamp())
    if step is None:
        audit.note(store, "2fa failed", name, address=address)
        return False
    with store.transaction() as db:  # the step moves forward once, or the code was used
        moved = db.execute("UPDATE accounts SET totp_last_step = ? WHERE name = ? AND "
                           "totp_last_step < ?", (step, name, step)).rowcount
        audit.note(store, "2fa ok" if moved else "2fa replay", name, address=address, db=db)
    return bool(moved)


def _use_recovery_code(store: Store, name: str, code: str, address: str | None) -> bool:
    with store.transaction() as db:
        rows = db.execute("SELECT id, hash FROM recovery_codes WHERE account = ? AND used IS "
                          "NULL", (name,)).fetchall()
    for row in rows:
        try:
            store.hasher.verify(row["hash"], code)
        except Exception:  # argon2's mismatch (or a damaged hash): not this one
            continue
        with store.transaction() as db:
            used = db.execute("UPDATE recovery_codes SET used = ? WHERE id = ? AND used IS NULL",
                              (stamp(store.now()), row["id"])).rowcount
            left = len(rows) - 1
            audit.note(store, "recovery code used" if used else "2fa replay", name,
                       address=address, detail=f"{left} left", db=db)
        return bool(used)
    audit.note(store, "2fa failed", name, address=address, detail="recovery code")
    return False


def recovery_codes_left(store: Store, name: str) -> int:
    """How many recovery codes an account has not used."""
    with store.transaction() as db:
        return db.execute("SELECT count(*) FROM recovery_codes WHERE account = ? AND used IS "
                          "NULL", (name,)).fetchone()[0]


def reset_second_factor(store: Store, name: str, by: str | None = None) -> None:
    """Turn an account's second factor off and drop its recovery codes (a lost phone and
    lost codes); an archivist must enrol again at the next login."""
    require_account(store, name)
    with store.transaction() as db:
        db.execute("UPDATE accounts SET totp_enabled = 0, totp_secret = NULL WHERE name = ?",
                   (name,))
        db.execute("DELETE FROM recovery_codes WHERE account = ?", (name,))
        db.execute("DELETE FROM sessions WHERE account = ?", (name,))
        audit.note(store, "2fa reset", name, detail=f"by={by or 'cli'}", db=db)
