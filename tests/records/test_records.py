"""Reading, normalising and validating record files (record format, version 1)."""

from __future__ import annotations

import shutil

import dataclasses
from pathlib import Path

import pytest
import yaml

from archive.errors import InvalidTestimony
from archive.records.collection import display_path, read_archive, vocabulary_for
from archive.records.testimony import MAX_RECORD_BYTES, read_testimony
from archive.records.validation import SECTORS
from archive.records.writing import format_testimony, write_testimony

from ..helpers import BROKEN, SAMPLE, write_record

VOCABULARY = vocabulary_for(SAMPLE)
SECTOR_LIST = ", ".join(SECTORS)

# One small broken file per case, and every line `archive validate` must print for it.
BROKEN_CASES = {
    "unknown-access.md": ["unknown-access.md:6: access: expected one of public, researchers, "
                          "archivists, restricted, got 'scholars'"],
    "embargo-not-a-day.md": ["embargo-not-a-day.md:7: embargo_until: expected a full date as "
                             "YYYY-MM-DD, got '2045-06'"],
    "researchers-see-body.md": ["researchers-see-body.md:8: researchers_see: researchers cannot "
                                "be shown 'body': only withheld fields are named here, some of "
                                "name, aliases, summary, sources, born, gender, defected_on, "
                                "tags, recorded_by, recorded_on, rank, left_with"],
    "researchers-see-not-withheld.md": ["researchers-see-not-withheld.md:10: researchers_see: "
                                        "warning: 'summary' is not withheld, so researchers see "
                                        "it already; withhold it (withhold: [summary]) or "
                                        "remove it here"],
    "unknown-rank.md": ["unknown-rank.md:6: rank: unknown rank 'elit', not a rank or alias of "
                        "testimonies/vocabulary.yaml; expected one of elite, mid-level, "
                        "ordinary; did you mean 'elite'?"],
    "left-alone-with-others.md": ["left-alone-with-others.md:7: left_with: 'alone' cannot be "
                                  "listed with spouse; keep 'alone' or list who left with the "
                                  "person"],
    "left-with-unknown.md": ["left-with-unknown.md:7: left_with: expected one of alone, spouse, "
                             "children, family, got 'wife'"],
    "born-after-leaving.md": ["born-after-leaving.md:7: born: 2001 would make the person -3 "
                              "when they left in 1998; born is the year of birth, at most 110 "
                              "years before year"],
    "bad-yaml.md": ["bad-yaml.md:4: front matter: the YAML cannot be read: mapping values are "
                    "not allowed here; check the indentation, the colons and the quotes on this "
                    "line"],
    "missing-field.md": ["missing-field.md: post: is required; expected the position held, such "
                         "as 'Counsellor, DPRK Embassy in Cuba'"],
    "wrong-type.md": ["wrong-type.md:3: year: expected a year such as 2019, got 'circa 2019'"],
    "unknown-motive.md": ["unknown-motive.md:8: motives: unknown motive 'childrens freedom', not "
                          "a term or alias of testimonies/vocabulary.yaml; did you mean "
                          "'children's freedom'?"],
    "unknown-sector.md": [f"unknown-sector.md:5: sector: expected one of {SECTOR_LIST}, got "
                          "'diplomacy'; did you mean 'diplomatic'?"],
    "Bad_Id.md": ["Bad_Id.md: id: the file name gives the id 'Bad_Id'; an id is 3 to 80 "
                  "lower-case ASCII letters, digits and single hyphens, such as "
                  "'ri-il-kyu-2023': rename the file"],
    "year-disagrees.md": ["year-disagrees.md:4: defected_on: 2015-08 disagrees with year 2016; "
                          "the year a person left must be the year of defected_on"],
    "empty-file.md": ["empty-file.md: file: the file is empty; a record starts with a '---' "
                      "line, its front matter and a closing '---' line"],
    "python-tag.md": ["python-tag.md:2: front matter: the tag !!python/object/apply:os.system "
                      "is not allowed; a record holds only plain text, numbers, true/false, "
                      "lists and mappings"],
    "duplicate-keys.md": ["duplicate-keys.md:6: year: appears twice in the front matter; keep "
                          "one of them"],
    "not-a-mapping.md": ["not-a-mapping.md:2: front matter: expected a mapping of 'field: value' "
                         "lines, got a list"],
    "unclosed-front-matter.md": ["unclosed-front-matter.md:1: front matter: the front matter "
                                 "opened with '---' on line 1 is never closed; add a '---' line "
                                 "after the last field"],
    "no-front-matter.md": ["no-front-matter.md:1: front matter: expected the file to start with "
                           "a '---' line, got '# Just a heading'"],
    "impossible-date.md": ["impossible-date.md:4: defected_on: 2003-02-30 is not a date in the "
                           "calendar; expected YYYY, YYYY-MM or YYYY-MM-DD"],
    "yaml-aliases.md": ["yaml-aliases.md:4: front matter: the YAML cannot be read: YAML aliases "
                        "such as '*name' are not allowed in a record; check the indentation, "
                        "the colons and the quotes on this line"],
    "deep-nesting.md": ["deep-nesting.md:7: front matter: the YAML cannot be read: the front "
                        "matter is nested more than 12 levels deep; check the indentation, the "
                        "colons and the quotes on this line"],
    "lone-surrogate.md": ["lone-surrogate.md:2: title: contains a lone surrogate (an invalid "
                          "character); retype the text"],
    "id-in-front-matter.md": ["id-in-front-matter.md:2: id: the id is the file's name and never "
                              "appears in the front matter; remove this line"],
    "year-out-of-range.md": ["year-out-of-range.md:3: year: expected a year from 1945 to "
                             f"{__import__('datetime').date.today().year}, got 1920"],
    "motives-not-a-list.md": ["motives-not-a-list.md:6: motives: expected a list such as [a, b], "
                              "got 'famine'"],
    "bad-source.md": ["bad-source.md:8: sources: this source has no title; add 'title: ...'",
                      "bad-source.md:10: sources: url: expected an http:// or https:// address, "
                      "got 'javascript:alert(1)'"],
    "coded-unknown-term.md": ["coded-unknown-term.md:11: body: unknown motive 'childrens "
                              "freedom' in a coded passage, not a term or alias of "
                              "testimonies/vocabulary.yaml; did you mean 'children's freedom'?"],
    "coded-not-in-motives.md": ["coded-not-in-motives.md:10: body: the passage is coded "
                                "'children's freedom', which motives: does not list; add "
                                "'children's freedom' to motives"],
    "coded-empty.md": ["coded-empty.md:9: body: the coded passage holds no text; put the words "
                       "that state the motive between the brackets"],
    "coded-unclosed.md": ["coded-unclosed.md:9: body: the coded passage '{.motive "
                          "term=\"famine\"}' is never closed; write it as [the words that "
                          "state it]{.motive term=\"...\"}, with its brackets and braces closed "
                          "in the same paragraph"],
    "coded-across-paragraphs.md": ["coded-across-paragraphs.md:9: body: a coded passage lies "
                                   "within one paragraph, but this one runs to line 11; code "
                                   "each paragraph's words in a span of their own"],
    "coded-single-quotes.md": ["coded-single-quotes.md:9: body: term='famine': write the value "
                               "between double quotes, as term=\"...\""],
    "several-problems.md": [
        "several-problems.md:2: title: expected a title of 1 to 300 characters, got ''",
        f"several-problems.md:5: sector: expected one of {SECTOR_LIST}, got 'farming'",
        "several-problems.md:6: motives: unknown motive 'purgatory', not a term or alias of "
        "testimonies/vocabulary.yaml; did you mean 'fear of purge'?",
        "several-problems.md:7: gender: expected one of female, male, unknown, got 'woman'",
    ],
}


# libyaml (PyYAML's C parser, used when installed) words two of them its own way.
if yaml.__with_libyaml__:
    BROKEN_CASES.update({
        "bad-yaml.md": ["bad-yaml.md:4: front matter: the YAML cannot be read: mapping values are "
                        "not allowed in this context; check the indentation, the colons and the "
                        "quotes on this line"],
        "lone-surrogate.md": ["lone-surrogate.md:2: front matter: the YAML cannot be read: found "
                              "invalid Unicode character escape code; check the indentation, the "
                              "colons and the quotes on this line"],
    })


def problems_of(path: Path) -> list[str]:
    return [str(p) for p in read_archive(path.parent, VOCABULARY, [path]).problems]


def test_every_broken_file_has_a_case():
    assert sorted(p.name for p in BROKEN.glob("*.md")) == sorted(BROKEN_CASES)


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_file_reports_every_problem(name, monkeypatch):
    monkeypatch.chdir(BROKEN)
    assert problems_of(Path(name)) == BROKEN_CASES[name]


def test_bytes_that_are_not_utf8(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("latin-1.md").write_bytes(b"---\ntitle: Caf\xe9\nyear: 2016\n---\n")
    assert problems_of(Path("latin-1.md")) == [
        "latin-1.md:2: encoding: byte 0xe9 at offset 14 is not UTF-8; save the file as UTF-8"]


def test_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_record(tmp_path, "huge-record", body="word " * (MAX_RECORD_BYTES // 5))
    size = Path("huge-record.md").stat().st_size
    assert problems_of(Path("huge-record.md")) == [
        f"huge-record.md: file: the file is {size:,} bytes; a record may be at most "
        f"{MAX_RECORD_BYTES:,} bytes (split a very long testimony into parts)"]


def test_billion_laughs_is_refused_quickly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
              for i in range(8)]
    Path("laughs.md").write_text("\n".join(lines + ["---", ""]), encoding="utf-8")
    assert problems_of(Path("laughs.md")) == [
        "laughs.md:3: front matter: the YAML cannot be read: YAML aliases such as '*name' are "
        "not allowed in a record; check the indentation, the colons and the quotes on this line"]


@pytest.mark.parametrize(("indent", "line"), [(2, 16), (4, 17)])
def test_nesting_by_indentation_alone_is_refused_too(tmp_path, monkeypatch, indent, line):
    """No bracket to count: the indentation, or the parsed keys, tell the depth."""
    monkeypatch.chdir(tmp_path)
    lines = ["---", "title: A title", "year: 2016", "nest:"]
    lines += [" " * (indent * depth) + f"k{depth}:" for depth in range(1, 16)]
    lines[-1] += " end"
    Path("indented.md").write_text("\n".join(lines + ["---", "Body.", ""]), encoding="utf-8")
    assert problems_of(Path("indented.md")) == [
        f"indented.md:{line}: front matter: the YAML cannot be read: "
        "the front matter is nested more than 12 levels deep; check the indentation, the "
        "colons and the quotes on this line"]


def test_messages_name_a_file_relative_to_the_working_folder_when_inside_it(tmp_path,
                                                                              monkeypatch):
    inside, outside = tmp_path / "work", tmp_path / "elsewhere"
    (inside / "records").mkdir(parents=True)
    outside.mkdir()
    (tmp_path / "link").symlink_to(inside / "records")
    monkeypatch.chdir(inside)
    assert display_path(inside / "records" / "a.md") == "records/a.md"
    assert display_path(Path("records/a.md")) == "records/a.md"
    assert display_path(tmp_path / "link" / "a.md") == "../link/a.md"  # inside, by its link
    assert display_path(outside / "a.md") == str(outside / "a.md")
    monkeypatch.chdir(outside)
    assert display_path(outside / "a.md") == "a.md"
    assert display_path(inside / "records" / "a.md") == str(inside / "records" / "a.md")


def test_unknown_field_is_a_warning_and_is_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_record(tmp_path, "typo-record", motive=["famine"], motives=["famine"])
    testimony, warnings = read_testimony(path, VOCABULARY, "typo-record.md")
    assert [str(w) for w in warnings] == [
        "typo-record.md:8: motive: warning: unknown field; did you mean 'motives'?"]
    assert testimony.extra == (("motive", ["famine"]),)


def test_aliases_and_korean_labels_normalise_to_preferred_terms(tmp_path):
    path = write_record(tmp_path, "alias-record",
                        motives=["Hallyu", "freedom for my children", "통일", "FAMINE", "hallyu"])
    testimony, _ = read_testimony(path, VOCABULARY)
    assert testimony.motives == ("Korean Wave media", "children's freedom",
                                 "desire for reunification", "famine")


def test_bom_crlf_dates_and_defaults(tmp_path):
    path = tmp_path / "crlf-record.md"
    text = ("---\r\ntitle: A title\r\nyear: 2016\r\ndefected_on: 2016-08-05\r\npost: Clerk\r\n"
            "sector: Trade\r\nmotives: []\r\nrecorded_on: 2024-01-31\r\n---\r\n\r\nBody line.\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    testimony, warnings = read_testimony(path, VOCABULARY)
    assert warnings == []
    assert (testimony.defected_on, testimony.recorded_on) == ("2016-08-05", "2024-01-31")
    # A record that does not say its access gets the archive's default: restricted.
    assert (testimony.sector, testimony.language, testimony.access) == ("trade", "en", "restricted")
    assert testimony.body == "Body line.\n"


def test_year_only_defected_on_is_read_as_text(tmp_path):
    path = write_record(tmp_path, "year-only", defected_on=2016)
    assert read_testimony(path, VOCABULARY)[0].defected_on == "2016"


def test_invalid_testimony_carries_every_problem(tmp_path):
    path = write_record(tmp_path, "two-problems", year="soon", sector="nowhere")
    with pytest.raises(InvalidTestimony) as caught:
        read_testimony(path, VOCABULARY, "two-problems.md")
    assert [p.field for p in caught.value.problems] == ["year", "sector"]


def test_public_name_without_pseudonym_is_a_warning(tmp_path):
    path = write_record(tmp_path, "named-record", name="Kim Chol")
    _, warnings = read_testimony(path, VOCABULARY, "named-record.md")
    assert [str(w) for w in warnings] == [
        "named-record.md:7: name: warning: names 'Kim Chol' publicly without 'pseudonym: true'; "
        "confirm the name may be public with 'name_public: true', or restrict the record or "
        "withhold the name"]


def test_restricted_record_whose_id_names_the_person_is_a_warning(tmp_path):
    path = write_record(tmp_path, "kim-chol-2019", name="Kim Chol", access="restricted",
                        title="The account of Kim Chol")
    _, warnings = read_testimony(path, VOCABULARY, "kim-chol-2019.md")
    assert [w.field for w in warnings] == ["id", "title"]
    assert "contains the withheld name 'Kim Chol'" in str(warnings[0])


def test_shipped_sample_archive_is_valid_and_shows_what_the_archive_is_for():
    report = read_archive(SAMPLE)
    assert report.invalid == [] and report.errors == []
    records = {t.id: t for t in report.testimonies}
    assert len(records) >= 15
    assert {t.sector for t in records.values()} == set(SECTORS)
    assert {t.year // 10 * 10 for t in records.values()} >= {1990, 2000, 2010, 2020}
    assert sum(t.language == "ko" for t in records.values()) >= 3
    assert any(t.audience == "archivists" for t in records.values())
    for t in records.values():
        if t.id not in ("ri-il-kyu-2023", "thae-yong-ho-2016"):
            assert t.pseudonym and "illustrative" in t.tags, t.id
    ri, thae = records["ri-il-kyu-2023"], records["thae-yong-ho-2016"]
    assert (ri.year, ri.country, ri.sector, ri.name) == (2023, "Cuba", "diplomatic", "Ri Il-kyu")
    assert (thae.year, thae.country, thae.name) == (2016, "United Kingdom", "Thae Yong-ho")
    for record in (ri, thae):
        assert "children's freedom" in record.motives
        assert [s.title for s in record.sources] == [
            "High-Ranking North Korean Defectors: A Sign of Cracks in Kim Jong Un's Regime?"]


@pytest.mark.parametrize("path", sorted(SAMPLE.glob("*.md")), ids=lambda p: p.stem)
def test_canonical_layout_round_trips_without_loss(path, tmp_path):
    original, _ = read_testimony(path, VOCABULARY)
    copy = tmp_path / path.name
    shutil.copytree(SAMPLE / "media", tmp_path / "media")  # a record's recording beside it
    write_testimony(original, copy)
    again, _ = read_testimony(copy, VOCABULARY)
    assert dataclasses.replace(again, path="", sha256="") == \
        dataclasses.replace(original, path="", sha256="")
    assert format_testimony(again) == copy.read_text(encoding="utf-8")
