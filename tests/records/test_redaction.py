"""What the public may see: restricted records, withheld fields, redacted passages."""

from __future__ import annotations

from archive.records.collection import vocabulary_for
from archive.records.redaction import REDACTED, hidden_parts, public_view, redact_passages
from archive.records.testimony import read_testimony

from ..helpers import SAMPLE, write_record

VOCABULARY = vocabulary_for(SAMPLE)


def test_bracketed_restricted_spans_are_replaced():
    text = "We met [my cousin in Undok village]{.restricted} at the river [here]{.note}."
    assert redact_passages(text) == f"We met {REDACTED} at the river [here]{{.note}}."


def test_nested_brackets_and_several_classes():
    assert redact_passages("a [b [c] d]{.restricted .x} e") == f"a {REDACTED} e"
    assert redact_passages("a [b]{#id .restricted} e") == f"a {REDACTED} e"


def test_a_malformed_span_withholds_the_whole_text():
    assert redact_passages("safe [secret words]{.restricted and more") == REDACTED


def test_restricted_record_keeps_only_what_the_format_allows(tmp_path):
    path = write_record(tmp_path, "closed-record", body="Secret body.\n", access="restricted",
                        name="Secret Name", aliases=["Alias"], summary="Secret summary",
                        sources=[{"title": "Secret source"}], tags=["t"], gender="female",
                        motives=["famine"], country="China")
    shown = public_view(read_testimony(path, VOCABULARY)[0])
    assert (shown.body, shown.name, shown.aliases, shown.summary, shown.sources) == \
        ("", None, (), None, ())
    assert (shown.tags, shown.gender) == ((), None)
    assert (shown.title, shown.year, shown.country, shown.motives) == \
        ("Testimony closed-record", 2016, "China", ("famine",))


def test_withheld_fields_and_inline_redactions_of_a_public_record(tmp_path):
    path = write_record(tmp_path, "open-record", body="Met [my aunt]{.restricted} there.\n",
                        name="Hidden Name", pseudonym=True, withhold=["name", "sources"],
                        sources=[{"title": "Interview notes"}], summary="About [x]{.restricted}.")
    shown = public_view(read_testimony(path, VOCABULARY)[0])
    assert shown.name is None and shown.sources == ()
    assert shown.body == f"Met {REDACTED} there.\n"
    assert shown.summary == f"About {REDACTED}."


def hidden_of(tmp_path, body, **fields):
    path = write_record(tmp_path, "marked-record", body=body, **fields)
    return hidden_parts(read_testimony(path, vocabulary_for(SAMPLE))[0])


def test_hidden_parts_name_each_thing_the_public_may_not_see(tmp_path):
    assert hidden_of(tmp_path, "All public.\n") == frozenset()
    assert hidden_of(tmp_path, "By [my cousin]{.restricted} and [a boat]{.restricted}.\n",
                     withhold=["name"], name="Kim Ok", access="restricted") == {
        "closed", "withheld:name", "passage:body:my cousin", "passage:body:a boat"}
    assert hidden_of(tmp_path, "A [broken span{.restricted} here.\n") == {"whole:body"}
    assert hidden_of(tmp_path, "A [kept]{.note} span.\n") == frozenset()
