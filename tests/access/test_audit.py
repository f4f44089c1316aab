"""The audit trail: append-only (the database refuses edits), chained, and its
verification names the first entry that was tampered with."""

from __future__ import annotations

import sqlite3

import pytest

from archive.access import audit


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
