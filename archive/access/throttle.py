"""Login throttling that slows guessing without locking the owner out.

Failed logins are counted per address (an IPv6 address by its /64) and per account over
15 minutes; past 10 from an address or 5 against an account, logins from there or to it
are refused until the oldest failure leaves the window (the web answers 429 with a
sentence). A browser that has logged in to an account before carries a device cookie
(OWASP's "device cookies"): its logins to that account are counted only against that
device, so an attacker spraying passwords from elsewhere cannot keep the owner out.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math

from .store import Store, new_token, stamp

WINDOW = dt.timedelta(minutes=15)
PER_ADDRESS = 10
PER_ACCOUNT = 5
PER_DEVICE = 5


def address_key(address: str | None) -> str:
    """The key an address's failures are counted under (an IPv6 address's /64)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return f"address:{address}"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return f"address:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"address:{ip}"


def remember_device(store: Store, name: str) -> str:
    """A device cookie's token for a browser that has just logged in to an account."""
    token = new_token()
    with store.transaction() as db:
        db.execute("INSERT INTO devices (token, account, created) VALUES (?, ?, ?)",
                   (store.mac(token), name, stamp(store.now())))
    return token


def known_device(store: Store, name: str, token: str | None) -> bool:
    """True when a device cookie's token was given to this account's browser."""
    if not token or len(token) > 100:
        return False
    with store.transaction() as db:
        return db.execute("SELECT 1 FROM devices WHERE token = ? AND account = ?",
                          (store.mac(token), name)).fetchone() is not None


def _keys(store: Store, name: str, address: str | None, device: str | None) -> list[tuple]:
    """The counts a login attempt is held to, each with its limit."""
    if known_device(store, name, device):
        return [(f"device:{store.mac(device)}", PER_DEVICE)]
    return [(address_key(address), PER_ADDRESS), (f"account:{name.casefold()}", PER_ACCOUNT)]


def wait_before_login(store: Store, name: str, address: str | None, device: str | None
                      ) -> int:
    """Seconds before a login to `name` from here may be tried again (0: it may now)."""
    now = store.now()
    since = stamp(now - WINDOW)
    wait, keys = 0, _keys(store, name, address, device)
    with store.transaction() as db:
        db.execute("DELETE FROM failures WHERE at < ?", (since,))
        for key, limit in keys:
            times = [row[0] for row in db.execute(
                "SELECT at FROM failures WHERE key = ? AND at >= ? ORDER BY at", (key, since))]
            if len(times) >= limit:
                free = dt.datetime.fromisoformat(times[len(times) - limit]) + WINDOW
                wait = max(wait, math.ceil((free - now).total_seconds()))
    return wait


def count_failure(store: Store, name: str, address: str | None, device: str | None) -> None:
    """Count a failed login (a wrong password or second factor)."""
    keys = _keys(store, name, address, device)
    with store.transaction() as db:
        db.executemany("INSERT INTO failures (key, at) VALUES (?, ?)",
                       [(key, stamp(store.now())) for key, _limit in keys])


def forget_old_devices(store: Store, days: int = 365) -> int:
    """Forget the device cookies given more than a year ago (their cookies have expired)."""
    with store.transaction() as db:
        return db.execute("DELETE FROM devices WHERE created < ?",
                          (stamp(store.now() - dt.timedelta(days=days)),)).rowcount
