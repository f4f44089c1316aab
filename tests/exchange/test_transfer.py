"""`archive new`, `archive import` and `archive export`; each export read by a real consumer."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
import stat
import sys

import pytest

from archive.records.collection import read_archive

from ..helpers import write_record

CSV_HEADER = "id,title,year,post,sector,motives,country,name,pseudonym,tags,body,source_title,source_url\n"


def records(paths):
    """Every record of an archive, without the fields that name its file."""
    return {t.id: dataclasses.replace(t, path="", sha256="")
            for t in read_archive(paths.testimonies).testimonies}


# archive new

def test_new_with_options_writes_a_valid_record_and_indexes_it(run, empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    result = run(empty_archive, "new", "--title", "Nurse in Chongjin", "--year", "2005",
                 "--post", "Nurse", "--sector", "civilian", "--motive", "hunger, 기근",
                 "--name", "Kim Ok", "--pseudonym", "--body", "No medicine at all.", "--no-input")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Wrote testimonies/nurse-in-chongjin-2005.md; it is in the index.\n"
    assert result.stderr.startswith("It is restricted: only archivists read it; the public and "
                                    "researchers see only its title")
    assert (empty_archive.testimonies / "nurse-in-chongjin-2005.md").read_text(encoding="utf-8") == (
        "---\ntitle: Nurse in Chongjin\nyear: 2005\npost: Nurse\nsector: civilian\nname: Kim Ok\n"
        "pseudonym: true\nmotives: [economic hardship, famine]\naccess: restricted\n---\n\n"
        "No medicine at all.\n")
    # Private by default: the public does not find its words; the archivist does.
    found = json.loads(run(empty_archive, "search", "medicine", "--json").stdout)
    assert found["results"] == []
    found = json.loads(run(empty_archive, "search", "medicine", "--json", "--private").stdout)
    assert [r["id"] for r in found["results"]] == ["nurse-in-chongjin-2005"]


def test_new_prompts_for_what_is_missing(run, empty_archive):
    result = run(empty_archive, "new", "--id", "prompted-record",
                 input="Prompted title\n2011\nClerk\ntrade\nrecall order\n")
    assert result.exit_code == 0, result.output
    assert "motives: [recall order]" in (empty_archive.testimonies / "prompted-record.md").read_text(encoding="utf-8")


def test_new_opens_the_editor_on_the_body(run, empty_archive, tmp_path, monkeypatch):
    editor = tmp_path / "fake-editor"
    editor.write_text(f"#!{sys.executable}\nimport sys\nopen(sys.argv[1], 'w').write('Typed in the editor.')\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    result = run(empty_archive, "new", "--id", "edited-body", "--title", "T", "--year", "2010",
                 "--post", "P", "--sector", "other", "--edit", "--no-input")
    assert result.exit_code == 0, result.output
    assert (empty_archive.testimonies / "edited-body.md").read_text(encoding="utf-8").endswith(
        "\nTyped in the editor.\n")


def test_new_with_errors_writes_nothing(run, empty_archive):
    result = run(empty_archive, "new", "--id", "bad-new", "--title", "T", "--year", "soon",
                 "--post", "P", "--sector", "navy", "--no-input")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "testimonies/bad-new.md: year: expected a year such as 2019, got 'soon'",
        "testimonies/bad-new.md: sector: expected one of diplomatic, trade, military, security, "
        "party, overseas-labour, student, civilian, other, got 'navy'",
        "Error: Nothing was written; correct the values above."]
    assert not (empty_archive.testimonies / "bad-new.md").exists()


def test_new_never_replaces_a_record(run, empty_archive):
    write_record(empty_archive.testimonies, "taken-id")
    before = (empty_archive.testimonies / "taken-id.md").read_bytes()
    result = run(empty_archive, "new", "--id", "taken-id", "--title", "T", "--year", "2010",
                 "--post", "P", "--sector", "other", "--no-input")
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert (empty_archive.testimonies / "taken-id.md").read_bytes() == before


# archive import

GOOD_ROWS = (
    'first-import,First imported,2001,Miner,civilian,famine; hunger,North Korea,Ri Chol,true,'
    'a; b,"Line one.\nLine two.",Interview,https://example.org/1\n'
    'second-import,Second imported,2012,Driver,other,,China,,,,,,\n')


def test_import_writes_every_row_and_indexes_it(run, empty_archive, tmp_path):
    sheet = tmp_path / "rows.csv"
    sheet.write_text(CSV_HEADER + GOOD_ROWS, encoding="utf-8")
    result = run(empty_archive, "import", str(sheet))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 valid rows, 0 invalid; wrote 2 records. ")
    imported = records(empty_archive)
    first = imported["first-import"]
    assert (first.motives, first.name, first.pseudonym, first.tags) == (
        ("famine", "economic hardship"), "Ri Chol", True, ("a", "b"))
    assert first.body == "Line one.\nLine two.\n"
    assert first.sources[0].url == "https://example.org/1"
    assert imported["second-import"].motives == ()
    assert json.loads(run(empty_archive, "search", "Miner", "--json").stdout)["total"] == 1


BAD_ROWS = ('bad-year,Bad year,soon,Miner,civilian,famine,,,,,,,\n'
            'Bad Id,Bad id,2001,Miner,civilian,,,,,,,,\n'
            'good-row,Good row,2001,Miner,civilian,famine,,,,,,,\n'
            'bad-motive,Bad motive,2001,Miner,civilian,childrens freedom,,,,,,,\n'
            'good-row,Twice,2001,Miner,civilian,,,,,,,,\n')


def test_import_with_bad_rows_reports_each_and_writes_nothing(run, empty_archive, tmp_path):
    sheet = tmp_path / "rows.csv"
    sheet.write_text(CSV_HEADER + BAD_ROWS, encoding="utf-8")
    result = run(empty_archive, "import", str(sheet))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "row 2: year: expected a year such as 2019, got 'soon'",
        "row 3: id: the file name gives the id 'Bad Id'; an id is 3 to 80 lower-case ASCII "
        "letters, digits and single hyphens, such as 'ri-il-kyu-2023': rename the file",
        "row 5: motives: unknown motive 'childrens freedom', not a term or alias of "
        "testimonies/vocabulary.yaml; did you mean 'children's freedom'?",
        "row 6: id: 'good-row' is also the id of row 4",
        "1 valid row, 4 invalid; nothing written. Correct the rows, or write the valid ones "
        "with --skip-invalid.",
    ]
    assert list(empty_archive.testimonies.glob("*.md")) == []


def test_import_dry_run_and_skip_invalid(run, empty_archive, tmp_path):
    sheet = tmp_path / "rows.csv"
    sheet.write_text(CSV_HEADER + BAD_ROWS, encoding="utf-8")
    dry = run(empty_archive, "import", str(sheet), "--dry-run")
    assert dry.exit_code == 1 and dry.stdout == "1 valid row, 4 invalid; nothing written (--dry-run).\n"
    assert list(empty_archive.testimonies.glob("*.md")) == []
    skipped = run(empty_archive, "import", str(sheet), "--skip-invalid")
    assert skipped.exit_code == 1
    assert [p.name for p in empty_archive.testimonies.glob("*.md")] == ["good-row.md"]


def test_import_never_overwrites_an_existing_id(run, empty_archive, tmp_path):
    path = write_record(empty_archive.testimonies, "first-import", title="Kept as it is")
    before = path.read_bytes()
    sheet = tmp_path / "rows.csv"
    sheet.write_text(CSV_HEADER + GOOD_ROWS, encoding="utf-8")
    result = run(empty_archive, "import", str(sheet))
    assert result.exit_code == 1 and path.read_bytes() == before
    assert result.stderr.splitlines()[0] == (
        "row 2: id: 'first-import' already exists in the archive; an import never replaces a "
        "record: give the row another id")


def test_import_refuses_unknown_columns(run, empty_archive, tmp_path):
    sheet = tmp_path / "rows.csv"
    sheet.write_text("id,title,year,post,sector,motive\n", encoding="utf-8")
    result = run(empty_archive, "import", str(sheet))
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {sheet}: row 1: motive: unknown column; did you mean 'motives'?\n")


# archive export, and each format read by its consumer

@pytest.fixture
def exported(run, sample):
    def export(fmt, *args):
        result = run(sample, "export", "--format", fmt, *args)
        assert result.exit_code == 0, result.output
        return result.stdout
    return export


def test_json_export_imports_into_an_empty_archive_as_the_same_records(run, sample_copy,
                                                                     empty_archive, tmp_path):
    dump = tmp_path / "all.json"
    result = run(sample_copy, "export", "--format", "json", "--private", "--output", str(dump))
    assert result.exit_code == 0
    data = json.loads(dump.read_text(encoding="utf-8"))
    assert data["export"]["records"] == 19 and data["export"]["mode"] == "private"
    # A record's recording does not travel in JSON: without it, the import refuses the
    # record with a sentence that names the file, and writes nothing.
    refused = run(empty_archive, "import", str(dump))
    assert refused.exit_code == 1 and "media/nurse-hyesan-1999.opus" in refused.output
    assert records(empty_archive) == {}
    shutil.copytree(sample_copy.testimonies / "media", empty_archive.testimonies / "media")
    imported = run(empty_archive, "import", str(dump))
    assert imported.exit_code == 0, imported.output
    assert records(empty_archive) == records(sample_copy)


def test_exports_say_when_and_from_what_they_were_made(exported):
    data = json.loads(exported("json", "famine", "--filter", "sector=civilian"))
    assert set(data["export"]) == {"archive", "publisher", "exported", "query", "filters",
                                   "sort", "mode", "audience", "records"}
    assert (data["export"]["query"], data["export"]["filters"], data["export"]["records"]) == (
        "famine", {"sector": ["civilian"]}, 1)
    assert exported("csv", "famine").startswith("# Exported from Testimony Archive on ")
    assert "query 'famine', filters [], 3 records." in exported("bibtex", "famine").splitlines()[0]
    assert "N1  - Exported from Testimony Archive on" in exported("ris", "famine")
    assert json.loads(exported("csl-json", "famine"))[0]["custom"]["export"]["records"] == 3


def test_csv_export_is_read_by_the_csv_module(exported):
    text = exported("csv", "--filter", "sector=trade")
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert [r["id"] for r in rows] == ["trade-representative-shenyang-2019",
                                       "trade-official-singapore-2009"]
    assert rows[0]["motives"] == "hard-currency quota; fear of punishment; children's freedom"
    assert rows[0]["url"] == "http://127.0.0.1:5000/t/trade-representative-shenyang-2019"
    assert (rows[0]["rank"], rows[0]["born"], rows[0]["left_with"]) == ("elite", "1971", "")


def test_the_person_s_fields_travel_through_csv_export_and_import(run, sample_copy,
                                                                  empty_archive, tmp_path):
    """The CSV of `archive export` imported again: rank, born and left_with as they were."""
    sheet = tmp_path / "all.csv"
    assert run(sample_copy, "export", "--format", "csv", "--private", "--output",
               str(sheet)).exit_code == 0
    assert run(empty_archive, "import", str(sheet)).exit_code == 0
    before, after = records(sample_copy), records(empty_archive)
    for testimony_id, record in before.items():
        assert (after[testimony_id].rank, after[testimony_id].born,
                after[testimony_id].left_with) == (record.rank, record.born, record.left_with)
    assert after["embassy-driver-2019"].left_with == ("family",)


def test_import_reads_the_person_s_fields_and_reports_them_by_row(run, empty_archive, tmp_path):
    sheet = tmp_path / "rows.csv"
    sheet.write_text("id,title,year,post,sector,motives,rank,born,left_with\n"
                     "a-couple,A couple,2018,Clerk,civilian,,고위층,1970,spouse; children\n"
                     "a-bad-row,Bad,2018,Clerk,civilian,,boss,1970,alone; spouse\n",
                     encoding="utf-8")
    result = run(empty_archive, "import", str(sheet))
    assert result.exit_code == 1
    assert "row 3: rank: unknown rank 'boss'" in result.stderr
    assert "row 3: left_with: 'alone' cannot be listed with spouse" in result.stderr
    skipped = run(empty_archive, "import", str(sheet), "--skip-invalid")
    assert skipped.exit_code == 1  # a row was invalid; the valid one is written
    couple = records(empty_archive)["a-couple"]
    assert (couple.rank, couple.born, couple.left_with) == ("elite", 1970, ("spouse", "children"))


@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported")
def test_csl_json_export_is_read_by_citeproc(exported):  # citeproc-py predates CSL's `custom`
    from citeproc import (Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle,
                          formatter)
    from citeproc.source.json import CiteProcJSON

    items = json.loads(exported("csl-json", "--filter", "sector=diplomatic"))
    bibliography = CitationStylesBibliography(
        CitationStylesStyle("harvard-cite-them-right", validate=False), CiteProcJSON(items),
        formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    text = "\n".join(str(entry) for entry in bibliography.bibliography())
    assert "Thae Yong-ho" in text and "Counsellor in Havana" in text


def test_bibtex_export_is_read_by_bibtexparser(exported):
    import bibtexparser

    library = bibtexparser.parse_string(exported("bibtex"))
    assert len(library.entries) == 19 and not library.failed_blocks
    assert len(library.comments) == 1
    keys = {entry.key for entry in library.entries}
    assert {"ri-il-kyu-2023", "border-guard-1997"} <= keys


def test_ris_export_is_read_by_rispy(exported):
    import rispy

    entries = rispy.loads(exported("ris", "year:[1990 TO 1999]"))
    assert {e["id"] for e in entries} == {"border-guard-1997", "logging-camp-russia-1998",
                                          "student-moscow-1993", "nurse-hyesan-1999"}
    nurse = next(e for e in entries if e["id"] == "nurse-hyesan-1999")
    assert nurse["title"] == "Nurse in Hyesan during the arduous march"
    assert nurse["keywords"] == ["famine", "health and medical care", "economic hardship"]


def test_public_export_keeps_restricted_text_out(exported):
    data = json.loads(exported("json"))
    witness = next(r for r in data["records"] if r["id"] == "witness-0457")
    assert (witness["body"], witness["name"], witness["sources"]) == ("", None, [])


@pytest.mark.parametrize("fmt, mimetype", [("json", "application/json"), ("csv", "text/csv"),
                                           ("csl-json", "application/vnd.citationstyles.csl+json"),
                                           ("bibtex", "application/x-bibtex"),
                                           ("ris", "application/x-research-info-systems")])
def test_exports_download_from_the_search_page(client, fmt, mimetype):
    html = client.get("/search?q=famine").get_data(as_text=True)
    assert f"/export/{fmt}?q=famine" in html
    response = client.get(f"/export/{fmt}?q=famine")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get("/export/docx?q=famine").status_code == 404
