"""The second factor: enrolment confirmed by a code, each code accepted once (a replay is
refused), the step either side accepted, recovery codes single use, the QR an SVG."""

from __future__ import annotations

import pyotp

from archive.access import accounts, audit, factors

from .test_accounts import invited


def enrolled(store, name="soyeon"):
    invited(store, name, "archivist")
    secret = factors.begin_enrolment(store, name)
    codes = factors.confirm_enrolment(store, name, pyotp.TOTP(secret).at(store.now()))
    return secret, codes


def test_an_archivist_needs_a_second_factor_until_enrolled(store):
    invited(store, "soyeon", "archivist")
    assert accounts.get_account(store, "soyeon").needs_second_factor
    enrolled_store = enrolled(store, "haneul")
    assert enrolled_store and not accounts.get_account(store, "haneul").needs_second_factor
    assert not accounts.get_account(store, "soyeon").totp_enabled


def test_a_totp_code_is_accepted_once(store, clock):
    secret, _codes = enrolled(store)
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now)
    assert factors.check_second_factor(store, "soyeon", code)
    assert not factors.check_second_factor(store, "soyeon", code)  # replayed
    clock.advance(seconds=29)  # an older code, still in the window, is a replay too
    assert not factors.check_second_factor(store, "soyeon", code)
    assert [e.event for e in audit.entries(store)][-3:] == ["2fa ok", "2fa replay", "2fa replay"]


def test_the_code_of_the_next_step_is_accepted_and_older_ones_are_not(store, clock):
    secret, _codes = enrolled(store)
    clock.advance(seconds=90)
    totp = pyotp.TOTP(secret)
    assert not factors.check_second_factor(store, "soyeon", totp.at(clock.now.timestamp() - 60))
    assert factors.check_second_factor(store, "soyeon", totp.at(clock.now.timestamp() + 30))
    assert not factors.check_second_factor(store, "soyeon", "12345")


def test_the_confirming_code_cannot_be_used_again_to_log_in(store):
    secret, _codes = enrolled(store)
    assert not factors.check_second_factor(store, "soyeon", pyotp.TOTP(secret).at(store.now()))


def test_ten_recovery_codes_each_work_once(store):
    _secret, codes = enrolled(store)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert factors.check_second_factor(store, "soyeon", codes[3].upper())
    assert not factors.check_second_factor(store, "soyeon", codes[3])
    assert factors.recovery_codes_left(store, "soyeon") == 9
    with store.transaction() as db:
        kept = [row[0] for row in db.execute("SELECT hash FROM recovery_codes")]
    assert all(h.startswith("$argon2id$") for h in kept) and codes[0] not in "".join(kept)


def test_the_qr_code_is_an_svg_of_the_otpauth_address(store):
    invited(store, "soyeon", "archivist")
    secret = factors.begin_enrolment(store, "soyeon")
    uri = factors.enrolment_uri(secret, "soyeon", "Testimony Archive")
    assert uri.startswith("otpauth://totp/Testimony%20Archive:soyeon?secret=" + secret)
    svg = factors.qr_svg(uri)
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg
