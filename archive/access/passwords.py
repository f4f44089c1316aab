"""Passwords: the rules a new one must meet (at least 12 characters, not the account's
name, not on a shipped list of 20,000 common passwords), hashing with argon2id, and
checking a password, hashing it anew when the archive's argon2 parameters have changed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .store import AccessError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; a cap keeps a megabyte "password" out
COMMON_FILE = Path(__file__).resolve().parent / "common-passwords.txt"


class WeakPassword(AccessError):
    """A new password does not meet the archive's rules."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (its header names its source)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_new_password(password: str, name: str) -> None:
    """Raise WeakPassword, in one sentence saying what to choose instead, unless the
    password may be used by the account `name`."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password has {len(password)} characters; choose one of at "
                           f"least {MIN_LENGTH}, such as a few unrelated words.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"The password is longer than {MAX_LENGTH} characters; choose a "
                           "shorter one.")
    folded = password.casefold()
    if name.casefold() in folded:
        raise WeakPassword("The password contains the account's name; choose one that does "
                           "not.")
    if folded in common_passwords() or len(set(folded)) < 4:
        raise WeakPassword("That password is among the most common ones and would be guessed "
                           "first; choose another, such as a few unrelated words.")


def hash_password(hasher: PasswordHasher, password: str) -> str:
    """The argon2id hash of a password, with its salt and parameters."""
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored: str | None, password: str
                    ) -> tuple[bool, str | None]:
    """Whether the password matches the stored hash, and a new hash when the stored one was
    made with other parameters than the hasher's (None when it need not change)."""
    if not stored or len(password) > MAX_LENGTH:
        return False, None
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, hasher.hash(password) if hasher.check_needs_rehash(stored) else None
