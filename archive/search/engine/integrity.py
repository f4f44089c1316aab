"""Only indexes this archive wrote on this machine are ever opened.

Whoosh stores its schema and stored fields with pickle, and unpickling runs code: an index
folder from elsewhere (a download, a shared drive, a repository) must never be opened. Each
index's state, with the size and SHA-256 of every index file, is signed with a random key
kept outside the index folder, in `$XDG_STATE_HOME/testimony-archive/index.key` (or where
`ARCHIVE_KEY_FILE` says). An index whose signature does not verify, or whose files differ
from what was signed, is refused; being derived, it is rebuilt from the records instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path


def key_path() -> Path:
    """Where this machine's index key lives."""
    if os.environ.get("ARCHIVE_KEY_FILE"):
        return Path(os.environ["ARCHIVE_KEY_FILE"])
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "testimony-archive" / "index.key"


def index_key() -> bytes:
    """This machine's index key, made on first use (readable by its owner only)."""
    path = key_path()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made meanwhile by another process
            return path.read_bytes()
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(os.urandom(32))
            handle.flush()
            os.fsync(handle.fileno())
        return path.read_bytes()


SIGNED = ("fingerprint", "index_files")  # what makes the files safe to open; cheap to sign


def _signature(state: dict) -> str:
    signed = {key: state.get(key) for key in SIGNED}
    payload = json.dumps(signed, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(index_key(), payload, hashlib.sha256).hexdigest()


def sign(state: dict) -> dict:
    """The state with its signature."""
    return dict(state, signature=_signature(state))


def signed_by_us(state: dict) -> bool:
    """True when this machine's key signed the state as it is."""
    signature = state.get("signature")
    return isinstance(signature, str) and hmac.compare_digest(signature, _signature(state))
