"""`archive users`, `archive grants` and `archive audit`: exact output, exit codes, and
errors as sentences naming the fix."""

from __future__ import annotations

import re
import sqlite3

import pytest

from archive.access import accounts, audit, grants
from archive.access.store import open_store


@pytest.fixture
def paths(empty_archive):
    return empty_archive


def test_users_add_prints_a_one_time_invitation_link(run, paths):
    result = run(paths, "users", "add", "minji", "--role", "researcher", "--expires", "2099-01-01")
    assert result.exit_code == 0, result.output
    first, link = result.output.splitlines()
    assert first == "Added the researcher minji. Send them this link (it works once, for 72 hours):"
    token = re.fullmatch(r"http://127\.0\.0\.1:5000/invite/([\w-]{43})", link).group(1)
    store = open_store(paths.testimonies)
    assert accounts.invitation_account(store, token).name == "minji"
    assert (paths.testimonies.parent / "accounts.sqlite").is_file()


def test_users_list_disable_and_remove(run, paths):
    run(paths, "users", "add", "minji", "--role", "researcher")
    run(paths, "users", "add", "soyeon", "--role", "archivist")
    assert run(paths, "users", "disable", "minji").output == \
        "Disabled minji; its sessions have ended.\n"
    listing = run(paths, "users", "list").output.splitlines()
    assert listing[0].split() == ["NAME", "ROLE", "STATE", "2FA", "LAST", "LOGIN", "EXPIRES"]
    assert listing[1].split() == ["minji", "researcher", "disabled", "off", "never", "-"]
    assert listing[2].split() == ["soyeon", "archivist", "invited", "off", "never", "-"]
    assert run(paths, "users", "remove", "soyeon").output == "Removed soyeon.\n"
    assert len(run(paths, "users", "list").output.splitlines()) == 2


@pytest.mark.parametrize("args, message", [
    (["users", "disable", "nobody"],
     "Error: There is no account named 'nobody'; `archive users list` shows them.\n"),
    (["users", "add", "Kim Soyeon", "--role", "researcher"],
     "Error: The name 'Kim Soyeon' cannot be used; choose 2 to 40 lower-case letters, digits, "
     "dots, hyphens or underscores, such as kim.soyeon.\n"),
    (["users", "add", "minji", "--role", "researcher", "--expires", "2001-01-01"],
     "Error: The expiry date 2001-01-01 has passed; choose a day after today.\n"),
    (["grants", "--approve", "7", "--until", "2099-01-01"],
     "Error: There is no request #7; `archive grants` lists them.\n"),
])
def test_errors_are_sentences_naming_the_fix(run, paths, args, message):
    result = run(paths, *args)
    assert result.exit_code == 1 and result.output == message


def test_grants_lists_approves_and_refuses(run, paths):
    store = open_store(paths.testimonies)
    first = grants.request_grant(store, "minji", "closed-account", "A chapter on famine years.")
    second = grants.request_grant(store, "minji", "other-account", "A chapter on the border.")
    assert run(paths, "grants").output.splitlines()[1] == "    A chapter on the border."
    assert run(paths, "grants", "--approve", str(first.id), "--until", "2099-01-01").output == \
        f"Approved #{first.id}: minji may read closed-account until 2099-01-01.\n"
    assert run(paths, "grants", "--refuse", str(second.id), "--message", "Not yet.").output == \
        f"Refused #{second.id} (minji, other-account).\n"
    assert run(paths, "grants").output.startswith(f"#{first.id}  approved  minji  closed-account  "
                                                  "until 2099-01-01")
    result = run(paths, "grants", "--approve", str(second.id))
    assert result.exit_code == 2 and "--approve needs --until" in result.output


def test_audit_shows_and_verifies_the_trail(run, paths):
    run(paths, "users", "add", "minji", "--role", "researcher")
    lines = run(paths, "audit", "--user", "minji").output.splitlines()
    assert [line.split("  ")[1] for line in lines] == ["account added", "invitation made"]
    verified = run(paths, "audit", "--verify").output.splitlines()
    assert verified[0] == "The audit trail holds: 2 entries, each following from the one before."
    head = re.fullmatch(r"Its head is (2:[0-9a-f]{64}): note it somewhere else; `archive audit "
                        r"--verify --head` with it later shows that nothing up to it was cut "
                        r"or rewritten\.", verified[1]).group(1)
    assert run(paths, "audit", "--verify", "--head", head).exit_code == 0
    wrong = run(paths, "audit", "--verify", "--head", "2:" + "0" * 64)
    assert wrong.exit_code == 1 and wrong.output.startswith(
        f"Error: The audit trail does not hold the head noted before (2:{'0' * 64})")
    assert run(paths, "audit", "--head", head).exit_code == 2
    store = open_store(paths.testimonies)
    audit.note(store, "read", "minji", "closed-account", "/t/closed-account")
    audit.note(store, "listed", "minji", "other-account", "/search?q=river")
    record = run(paths, "audit", "--record", "closed-account").output.splitlines()
    assert len(record) == 1 and record[0].startswith("#3 ") and "  read  minji  " in record[0]
    db = sqlite3.connect(paths.testimonies.parent / "accounts.sqlite")
    db.executescript("DROP TRIGGER audit_no_update; "
                     "UPDATE audit SET account = 'eve' WHERE seq = 2;")
    db.close()
    result = run(paths, "audit", "--verify")
    assert result.exit_code == 1
    assert result.output.startswith("Error: The audit trail was tampered with at entry #2 (")
    assert result.output.rstrip().endswith("Keep a copy of accounts.sqlite and the "
                                           "accounts.audit-* files, and find out who could "
                                           "write them.")


def test_serve_accounts_mode_from_the_flag_or_archive_toml(run, paths, monkeypatch):
    from archive import service

    served = []
    monkeypatch.setattr(service, "run_server", lambda app, host, port: served.append(app))
    result = run(paths, "serve", "--accounts", "--no-watch", "--host", "0.0.0.0")
    assert result.exit_code == 0, result.output
    assert served[-1].config["ACCOUNTS"] and not served[-1].config["PRIVATE"]
    assert "put it behind a reverse proxy that serves HTTPS" in result.output
    assert run(paths, "serve", "--no-watch").exit_code == 0
    assert not served[-1].config["ACCOUNTS"]
    result = run(paths, "serve", "--private", "--accounts")
    assert result.exit_code == 2 and "choose one" in result.output
    result = run(paths, "serve", "--private", "--host", "0.0.0.0")
    assert result.exit_code == 2 and "only listens on loopback" in result.output
    result = run(paths, "serve", "--no-watch", "--host", "0.0.0.0")  # the public mode
    assert result.exit_code == 2 and "Only the accounts mode listens beyond" in result.output
    assert run(paths, "serve", "--no-watch", "--host", "::1").exit_code == 0


def test_serve_reads_accounts_mode_from_archive_toml(tmp_path, monkeypatch):
    from archive import service

    from ..helpers import cli_in

    served = []
    monkeypatch.setattr(service, "run_server", lambda app, host, port: served.append(app))
    cli_in(tmp_path, "init", "own")
    settings = tmp_path / "own" / "archive.toml"
    settings.write_text(settings.read_text("utf-8").replace('# serve = "accounts"',
                                                            'serve = "accounts"'), "utf-8")
    result = cli_in(tmp_path / "own", "serve", "--no-watch")
    assert result.exit_code == 0, result.output
    assert served[-1].config["ACCOUNTS"]
    assert (tmp_path / "own" / "accounts.sqlite").is_file()


def test_a_lost_phone_is_reset_with_a_new_invitation(run, paths):
    import pyotp

    from archive.access import factors

    store = open_store(paths.testimonies)
    token = accounts.add_account(store, "soyeon", "archivist")
    accounts.accept_invitation(store, token, "river lantern orchard 42")
    secret = factors.begin_enrolment(store, "soyeon")
    factors.confirm_enrolment(store, "soyeon", pyotp.TOTP(secret).now())
    result = run(paths, "users", "invite", "soyeon", "--reset-2fa")
    assert result.exit_code == 0 and result.output.splitlines()[0] == \
        "Turned off the second factor of soyeon; it enrols again after the link."
    assert accounts.get_account(store, "soyeon").needs_second_factor
    assert factors.recovery_codes_left(store, "soyeon") == 0
