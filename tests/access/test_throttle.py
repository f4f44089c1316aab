"""Throttling: guessing from an address or against an account is slowed for a while,
and the owner's browser, which has logged in before, is never held back by it."""

from __future__ import annotations

from archive.access import throttle


def fail(store, name, address, device=None, times=1):
    for _ in range(times):
        throttle.count_failure(store, name, address, device)


def test_spraying_passwords_from_one_address_is_slowed(store, clock):
    for number in range(throttle.PER_ADDRESS):
        assert throttle.wait_before_login(store, f"user{number}", "203.0.113.5", None) == 0
        fail(store, f"user{number}", "203.0.113.5")
    wait = throttle.wait_before_login(store, "someone", "203.0.113.5", None)
    assert 0 < wait <= 15 * 60
    assert throttle.wait_before_login(store, "someone", "198.51.100.7", None) == 0
    clock.advance(minutes=15, seconds=1)
    assert throttle.wait_before_login(store, "someone", "203.0.113.5", None) == 0


def test_guessing_one_account_from_many_addresses_is_slowed_but_not_its_owner(store):
    device = throttle.remember_device(store, "minji")
    for number in range(throttle.PER_ACCOUNT):
        fail(store, "minji", f"198.51.100.{number}")
    assert throttle.wait_before_login(store, "minji", "192.0.2.1", None) > 0
    assert throttle.wait_before_login(store, "minji", "198.51.100.1", device) == 0
    # the device cookie is the account's own: it opens no other account's throttle
    assert throttle.known_device(store, "minji", device)
    assert not throttle.known_device(store, "other", device)


def test_a_device_that_keeps_failing_is_slowed_too(store):
    device = throttle.remember_device(store, "minji")
    fail(store, "minji", "192.0.2.1", device, times=throttle.PER_DEVICE)
    assert throttle.wait_before_login(store, "minji", "192.0.2.1", device) > 0


def test_an_ipv6_address_is_counted_by_its_64():
    assert throttle.address_key("2001:db8:1:2::5") == throttle.address_key("2001:db8:1:2::99")
    assert throttle.address_key("2001:db8:1:3::5") != throttle.address_key("2001:db8:1:2::5")
    assert throttle.address_key("::ffff:192.0.2.1") == "address:192.0.2.1"
