"""Fixtures for the accounts wing: a store under tmp_path with a fake clock and a cheap
argon2 (the parameters the archive uses take about 0.1 s a hash; tests make hundreds)."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from archive.access.store import Store

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    """A clock that tests move by hand."""

    def __init__(self, start=dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    return Store(tmp_path / "accounts.sqlite", clock, CHEAP)
