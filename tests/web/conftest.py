"""Fixtures of the accounts-mode tests: a fake clock and an app in accounts mode over an
archive with a record at each level (tests/web/test_accounts.py builds it)."""

from __future__ import annotations

import pytest

from archive import create_app
from archive.search.indexing import update_index

from ..access.conftest import CHEAP, Clock
from .test_accounts import START, build_three


@pytest.fixture
def clock():
    return Clock(START)


@pytest.fixture
def accounts_app(tmp_path, clock):
    folder = tmp_path / "testimonies"
    folder.mkdir()
    build_three(folder)
    update_index(folder, tmp_path / "index", today=START.date())
    app = create_app({"TESTING": True, "TESTIMONIES": str(folder), "INDEX": str(tmp_path / "index"),
                      "ACCOUNTS": True, "PASSWORD_HASHER": CHEAP, "NOW": clock,
                      "CLOCK": lambda: clock().date()})
    return app
