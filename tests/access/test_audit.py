"""The audit trail: append-only (the database refuses edits), chained by a key kept out of
the database, witnessed by a chain file so that its newest entries cannot be cut, and its
verification names the first entry that was tampered with."""

from __future__ import annotations

import sqlite3

import pytest

from archive.access import audit
from archive.access.store import AccessError, Store


def filled(store):
    for number in range(5):
        audit.note(store, "read", "minji", f"record-{number}", f"/t/record-{number}")
    return store


def test_the_trail_refuses_updates_and_deletes(store):
    filled(store)
    for statement in ("UPDATE audit SET account = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            with store.transaction() as db:
                db.execute(statement)
    assert audit.verify(store) is None and len(audit.entries(store)) == 5


def tamper(store, statement):
    db = sqlite3.connect(store.path)
    db.executescript("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
                     + statement)
    db.close()


def test_an_edited_entry_is_found(store):
    filled(store)
    tamper(store, "UPDATE audit SET record = 'other' WHERE seq = 3;")
    assert audit.verify(store) == (
        f"The audit trail was tampered with at entry #3 ({audit.entries(store)[2].at}, read): "
        "its hash does not follow from the entries before it.")


def test_a_removed_entry_is_found(store):
    filled(store)
    tamper(store, "DELETE FROM audit WHERE seq = 2;")
    assert audit.verify(store) == ("The audit trail was tampered with: entry #2 is missing "
                                   "(the next is #3).")


def test_an_entry_rewritten_with_a_new_hash_breaks_the_next_link(store):
    filled(store)
    tamper(store, "UPDATE audit SET record = 'other', hash = 'f' || substr(hash, 2) "
                  "WHERE seq = 4;")
    assert "entry #4" in audit.verify(store)


def test_entries_are_filtered_by_day_and_account(store, clock):
    filled(store)
    clock.advance(days=2)
    audit.note(store, "login", "soyeon")
    assert [e.account for e in audit.entries(store, since="2026-03-02")] == ["soyeon"]
    assert len(audit.entries(store, account="minji")) == 5
    assert audit.entries(store)[0].text().startswith("#1 2026-03-01T09:00:00+00:00  read  minji  "
                                                     "record=record-0  route=/t/record-0")


def test_the_key_is_a_file_of_its_own_readable_by_the_archive_alone(store):
    filled(store)
    key = store.beside("audit-key")
    assert key.stat().st_mode & 0o777 == 0o600 and len(bytes.fromhex(key.read_text())) == 32
    with store.transaction() as db:
        assert [row["name"] for row in db.execute("SELECT name FROM keys")] == ["tokens"]


def test_whoever_writes_only_the_database_cannot_sign_a_rewritten_chain(store):
    """Without the key file, an entry made to follow #2 (any key but the archive's) fails."""
    filled(store)
    second = audit.entries(store)[1]
    fields = (3, second.at, "read", "minji", "record-other", "/t/record-other", None, None)
    forged = audit._link(b"k" * 32, second.hash, fields)
    tamper(store, "DELETE FROM audit WHERE seq >= 3; INSERT INTO audit (seq, at, event, account, "
                  f"record, route, hash) VALUES (3, '{second.at}', 'read', 'minji', "
                  f"'record-other', '/t/record-other', '{forged}');")
    assert audit.verify(store).startswith("The audit trail was tampered with at entry #3 (")


def test_cutting_the_newest_entries_is_found(store):
    filled(store)
    tamper(store, "DELETE FROM audit WHERE seq >= 4;")
    assert audit.verify(store) == ("The audit trail was cut: entry #4 is in accounts.audit-chain "
                                   "but no longer in the database (it ends at #3).")


def test_a_head_noted_before_must_still_be_held(store):
    filled(store)
    noted = audit.head(store)
    assert noted.startswith("5:") and audit.verify(store, noted) is None
    tamper(store, "DELETE FROM audit WHERE seq >= 4;")
    store.beside("audit-chain").write_text("")  # the chain file emptied too
    assert audit.verify(store, noted) == (f"The audit trail does not hold the head noted before "
                                          f"({noted}): entries up to it were cut or rewritten.")


def test_a_store_made_before_the_key_file_moves_its_key_out(tmp_path, clock):
    store = Store(tmp_path / "accounts.sqlite", clock)
    filled(store)
    key = store.beside("audit-key").read_text()
    with store.transaction() as db:
        db.execute("INSERT INTO keys (name, value) VALUES ('audit', ?)", (bytes.fromhex(key),))
    store.beside("audit-key").unlink()
    store.beside("audit-chain").unlink()
    again = Store(tmp_path / "accounts.sqlite", clock)
    assert again.beside("audit-key").read_text() == key and audit.verify(again) is None
    assert len(again.beside("audit-chain").read_text().splitlines()) == 5


def test_a_lost_key_is_said_not_replaced(store, clock):
    filled(store)
    store.beside("audit-key").unlink()
    with pytest.raises(AccessError, match=r"accounts\.audit-key is missing, and the trail it "
                                          r"signs holds entries: restore the file from a backup"):
        Store(store.path, clock)
