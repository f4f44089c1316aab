"""Grants: asked for with a purpose, approved until a day or refused with a message,
ending on their day without anyone acting, each step audited."""

from __future__ import annotations

import datetime as dt

import pytest

from archive.access import audit, grants
from archive.access.store import AccessError


def test_a_grant_opens_its_record_until_its_day(store, clock):
    asked = grants.request_grant(store, "minji", "closed-account", "A chapter on famine years.")
    assert asked.state == "pending" and not grants.has_grant(store, "minji", "closed-account")
    grants.approve_grant(store, asked.id, dt.date(2026, 3, 8), by="soyeon")
    assert grants.has_grant(store, "minji", "closed-account")
    assert not grants.has_grant(store, "other", "closed-account")
    clock.advance(days=6, hours=14)  # 2026-03-07 23:00
    assert grants.has_grant(store, "minji", "closed-account")
    clock.advance(hours=1)  # its day: it no longer opens, though no one acted
    assert not grants.has_grant(store, "minji", "closed-account")
    assert [g.state for g in grants.list_grants(store)] == ["expired"]
    events = [e.event for e in audit.entries(store)]
    assert events == ["grant requested", "grant approved", "grant expired"]


def test_a_refusal_carries_its_message(store):
    asked = grants.request_grant(store, "minji", "closed-account", "A chapter on famine years.")
    refused = grants.refuse_grant(store, asked.id, "The witness asked us not to.", by="soyeon")
    assert (refused.state, refused.message) == ("refused", "The witness asked us not to.")
    with pytest.raises(AccessError, match="already refused"):
        grants.approve_grant(store, asked.id, dt.date(2027, 1, 1), by="soyeon")


@pytest.mark.parametrize("purpose", ["", "too short"])
def test_a_request_needs_a_purpose(store, purpose):
    with pytest.raises(AccessError, match="what the record is needed for"):
        grants.request_grant(store, "minji", "closed-account", purpose)


def test_a_grant_must_end_after_today_and_a_request_is_made_once(store):
    asked = grants.request_grant(store, "minji", "closed-account", "A chapter on famine years.")
    with pytest.raises(AccessError, match="not after today"):
        grants.approve_grant(store, asked.id, store.today(), by="soyeon")
    with pytest.raises(AccessError, match="already asked"):
        grants.request_grant(store, "minji", "closed-account", "Again, for the same chapter.")
    with pytest.raises(AccessError, match="no request #99"):
        grants.refuse_grant(store, 99, "No.", by="soyeon")
