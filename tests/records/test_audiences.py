"""The three audiences of record format 1.2: what the public, researchers and archivists
each see of a record, its spans and its withheld fields, and how an embargo moves it."""

from __future__ import annotations

import datetime as dt

import pytest

from archive.records.collection import default_access_for, read_archive, vocabulary_for
from archive.records.redaction import (AUDIENCES, REDACTED, hidden_parts, may_read,
                                       record_audience, redact_passages, span_audience,
                                       view_for, withheld_from)
from archive.records.testimony import read_testimony
from archive.records.writing import format_testimony

from ..helpers import SAMPLE, write_record

VOCABULARY = vocabulary_for(SAMPLE)
BEFORE, ON = dt.date(2030, 5, 31), dt.date(2030, 6, 1)


def read(path):
    return read_testimony(path, VOCABULARY)[0]


def test_each_audience_sees_at_least_what_the_one_before_it_sees():
    assert AUDIENCES == ("public", "researchers", "archivists")
    assert [may_read(a, "researchers") for a in AUDIENCES] == [False, True, True]
    assert [may_read(a, "public") for a in AUDIENCES] == [True, True, True]
    assert [may_read(a, "archivists") for a in AUDIENCES] == [False, False, True]
    assert span_audience(["researchers"]) == "researchers"
    assert span_audience(["motive", "restricted", "researchers"]) == "archivists"
    assert span_audience(["motive"]) == "public"


def test_spans_are_hidden_from_the_audiences_below_them():
    text = "We left [with my brother]{.researchers} by [the Undok road]{.restricted}."
    assert redact_passages(text, "public") == f"We left {REDACTED} by {REDACTED}."
    assert redact_passages(text, "researchers") == \
        f"We left [with my brother]{{.researchers}} by {REDACTED}."
    assert redact_passages(text, "archivists") == text
    # A restricted span inside a researchers' one stays hidden from researchers.
    nested = "[We met [Kim]{.restricted} at the port]{.researchers}."
    assert redact_passages(nested, "researchers") == \
        f"[We met {REDACTED} at the port]{{.researchers}}."
    assert redact_passages(nested, "public") == f"{REDACTED}."
    # A span we cannot delimit withholds the whole text from every audience it could hide from.
    assert redact_passages("[broken{.researchers} words", "public") == REDACTED
    assert redact_passages("[broken{.researchers} words", "researchers") == \
        "[broken{.researchers} words"


def test_restricted_means_archivists(tmp_path):
    old = read(write_record(tmp_path, "old-style", access="restricted"))
    new = read(write_record(tmp_path, "new-style", access="archivists"))
    assert old.audience == new.audience == "archivists"
    assert [view_for(old, a).closed for a in AUDIENCES] == [True, True, False]


def test_a_researchers_record_is_closed_to_the_public_only(tmp_path):
    path = write_record(tmp_path, "for-researchers", access="researchers", name="Kim Chol",
                        summary="A clerk who kept the ledgers.", body="The ledgers were red.\n")
    record = read(path)
    public, researchers = view_for(record, "public"), view_for(record, "researchers")
    assert public.closed and not public.body and public.summary is None
    assert public.name is None and public.title == record.title  # the catalogue fields
    assert not researchers.closed and researchers.body == record.body
    assert researchers.name == "Kim Chol" and researchers.summary == record.summary


def test_withheld_fields_reach_researchers_only_when_the_record_names_them(tmp_path):
    path = write_record(tmp_path, "withheld", name="Kim Chol", summary="From Hyesan.",
                        born=1970, withhold=["name", "summary", "born"],
                        researchers_see=["name", "born"])
    record = read(path)
    public, researchers = view_for(record, "public"), view_for(record, "researchers")
    assert (public.name, public.summary, public.born) == (None, None, None)
    assert (researchers.name, researchers.summary, researchers.born) == ("Kim Chol", None, 1970)
    assert set(withheld_from(record, "public")) == {"name", "summary", "born"}
    assert set(withheld_from(record, "researchers")) == {"summary"}
    assert withheld_from(record, "archivists") == ()
    assert view_for(record, "archivists") == record


def test_an_embargo_closes_a_record_to_all_but_archivists_until_its_day(tmp_path):
    path = write_record(tmp_path, "embargoed", embargo_until="2030-06-01",
                        body="The river was [high]{.researchers}.\n")
    record = read(path)
    assert record_audience(record, BEFORE) == "archivists"
    assert record_audience(record, ON) == "public"  # then its own access applies
    assert [view_for(record, a, BEFORE).closed for a in AUDIENCES] == [True, True, False]
    assert [view_for(record, a, ON).closed for a in AUDIENCES] == [False, False, False]
    assert view_for(record, "public", ON).body == f"The river was {REDACTED}.\n"
    assert view_for(record, "researchers", ON).body == record.body
    # A researchers' record under embargo opens to researchers only on its day.
    both = read(write_record(tmp_path, "both", access="researchers", embargo_until="2030-06-01"))
    assert [view_for(both, a, ON).closed for a in AUDIENCES] == [True, False, False]


def test_what_each_audience_may_not_see_is_named_to_tell_when_a_correction_hides_more(
        tmp_path):
    path = write_record(tmp_path, "parts", name="Kim", withhold=["name"],
                        researchers_see=["name"],
                        body="A [b]{.researchers} c [d]{.restricted}.\n")
    record = read(path)
    assert hidden_parts(record, "public") == {"withheld:name", "passage:body:b",
                                              "passage:body:d"}
    assert hidden_parts(record, "researchers") == {"passage:body:d"}
    assert hidden_parts(record, "archivists") == frozenset()
    embargoed = read(write_record(tmp_path, "later", embargo_until="2030-06-01"))
    assert "closed" in hidden_parts(embargoed, "researchers", BEFORE)
    assert "closed" not in hidden_parts(embargoed, "researchers", ON)


def test_a_record_without_access_gets_the_archive_s_default_and_is_written_with_it(tmp_path):
    root = tmp_path / "archive"
    folder = root / "testimonies"
    folder.mkdir(parents=True)
    (folder / "vocabulary.yaml").write_bytes((SAMPLE / "vocabulary.yaml").read_bytes())
    path = folder / "no-access.md"
    path.write_text("---\ntitle: A clerk\nyear: 2016\npost: Clerk\nsector: civilian\n"
                    "motives: []\n---\n\nA short account.\n", encoding="utf-8")
    assert default_access_for(folder) == "restricted"  # no archive.toml: the safe default
    assert read_archive(folder).testimonies[0].audience == "archivists"
    (root / "archive.toml").write_text('name = "Test"\ndefault_access = "researchers"\n',
                                       encoding="utf-8")
    assert default_access_for(folder) == "researchers"
    testimony = read_archive(folder).testimonies[0]
    assert testimony.access == "researchers"
    assert "\naccess: researchers\n" in format_testimony(testimony)  # never left implicit


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_view_of_an_unknown_audience_is_refused(tmp_path, audience):
    record = read(write_record(tmp_path, "any"))
    assert view_for(record, audience) is not None
    with pytest.raises(ValueError):
        view_for(record, "everyone")
