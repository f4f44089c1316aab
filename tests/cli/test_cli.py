"""The `archive` command: exact messages, exit codes and the JSON contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from archive.search.engine.generations import current_generation

from ..helpers import ROOT, write_record

RESULT_KEYS = {"id", "title", "year", "post", "sector", "country", "motives", "snippet", "url",
               "quoted", "evidence", "moment", "rank", "born", "left_with"}


def test_validate_passes_on_the_sample(run, sample_copy):
    result = run(sample_copy, "validate")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "The reference series (Defections to South Korea confirmed that year) is valid: 1 "
           "year.\nAll 19 records are valid.\n", "")


def test_validate_reports_problems_on_stderr_and_exits_1(run, empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    write_record(empty_archive.testimonies, "good-record")
    write_record(empty_archive.testimonies, "bad-record", sector="farming")
    result = run(empty_archive, "validate")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        "testimonies/bad-record.md:5: sector: expected one of diplomatic, trade, military, "
        "security, party, overseas-labour, student, civilian, other, got 'farming'\n"
        "1 of 2 records are invalid.\n")


def test_validate_given_paths(run, empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    good = write_record(empty_archive.testimonies, "good-record")
    write_record(empty_archive.testimonies, "bad-record", year=1900)
    result = run(empty_archive, "validate", str(good))
    assert (result.exit_code, result.stdout) == (0, "All 1 records are valid.\n")


def test_validate_warnings_do_not_fail(run, empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    write_record(empty_archive.testimonies, "warned-record", motive=["famine"])
    result = run(empty_archive, "validate")
    assert result.exit_code == 0
    assert result.stderr == ("testimonies/warned-record.md:7: motive: warning: unknown field; "
                             "did you mean 'motives'?\n")


def test_index_then_index_again(run, sample_copy):
    first = run(sample_copy, "index")
    assert first.exit_code == 0
    assert first.stdout.startswith("Rebuilt the index: 19 records (19 added) in ")
    second = run(sample_copy, "index")
    assert second.stdout.startswith("The index is up to date: 19 records (0 added, 0 changed, "
                                    "0 removed, 19 unchanged) in ")
    rebuilt = run(sample_copy, "index", "--rebuild")
    assert rebuilt.stdout.startswith("Rebuilt the index: 19 records (19 added) in ")


def test_index_looks_only_at_the_files_it_is_given(run, sample_copy):
    assert run(sample_copy, "index").exit_code == 0
    edited = sample_copy.testimonies / "ri-il-kyu-2023.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA word: xylocarpa.\n",
                      encoding="utf-8")
    deleted = sample_copy.testimonies / "fishing-crew-2019.md"
    deleted.unlink()
    result = run(sample_copy, "index", str(edited), str(deleted))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Updated the index: 18 records (0 added, 1 changed, "
                                    "1 removed, 0 unchanged) in ")
    assert json.loads(run(sample_copy, "search", "xylocarpa", "--json").stdout)["total"] == 1
    assert run(sample_copy, "index").stdout.startswith("The index is up to date: 18 records")


@pytest.mark.parametrize("arguments, message", [
    (["elsewhere.md"], "elsewhere.md is not a record file of"),
    (["{testimonies}/vocabulary.yaml"], "vocabulary.yaml is not a record file of"),
    (["--rebuild", "{testimonies}/ri-il-kyu-2023.md"], "--rebuild reads every record; give it no FILES."),
])
def test_index_refuses_files_it_cannot_use(run, sample_copy, arguments, message):
    arguments = [a.format(testimonies=sample_copy.testimonies) for a in arguments]
    result = run(sample_copy, "index", *arguments)
    assert result.exit_code == 2 and message in result.stderr


def test_index_with_an_invalid_file_exits_1(run, empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    write_record(empty_archive.testimonies, "good-record")
    write_record(empty_archive.testimonies, "bad-record", year="soon")
    result = run(empty_archive, "index")
    assert result.exit_code == 1
    assert result.stderr == "testimonies/bad-record.md:3: year: expected a year such as 2019, got 'soon'\n"
    assert "1 record (1 added); 1 invalid file skipped in" in result.stdout


def test_search_builds_the_index_when_there_is_none(run, sample_copy):
    assert current_generation(sample_copy.index) is None
    result = run(sample_copy, "search", "famine", "--limit", "1")
    assert result.exit_code == 0 and current_generation(sample_copy.index) is not None
    assert result.stdout.startswith("3 testimonies for 'famine' (page 1 of 3)\n\n")


def test_search_text_output(run, sample):
    result = run(sample, "search", "starved")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:5] == [
        "1 testimony for 'starved' (page 1 of 1)",
        "",
        "logging-camp-russia-1998  1998  Logger in the Russian Far East during the famine years",
        "  Logger, timber enterprise near Tynda · Russia · overseas-labour",
        "  Motives: forced labour, economic hardship, famine",
    ]
    assert "**starving**" in result.stdout


def test_search_json_contract(run, sample):
    result = run(sample, "search", "children", "--filter", "year=2016..2024",
                 "--filter", "sector=diplomatic", "--sort", "year", "--limit", "2", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"query", "filters", "total", "page", "results", "facets", "suggestion"} <= set(data)
    assert data["query"] == "children" and data["page"] == 1 and data["suggestion"] is None
    assert data["filters"] == {"year": ["2016..2024"], "sector": ["diplomatic"]}
    assert data["total"] == 4 and len(data["results"]) == 2
    assert [r["year"] for r in data["results"]] == [2023, 2019]
    for row in data["results"]:
        assert set(row) == RESULT_KEYS and row["url"] == f"/t/{row['id']}"
        assert isinstance(row["motives"], list)
    assert set(data["facets"]) == {"motive", "sector", "country", "year", "gender", "language",
                                   "account", "rank", "left_with", "generation", "age"}
    assert {"value": "diplomatic", "count": 4} in data["facets"]["sector"]
    assert all(set(v) == ({"value", "count", "quoted", "broader"} if name == "motive"
                          else {"value", "count"})
               for name, f in data["facets"].items() for v in f)


def test_search_suggestion_in_json(run, sample):
    data = json.loads(run(sample, "search", "reunifcation", "--json").stdout)
    assert (data["total"], data["suggestion"]) == (0, "reunification")


@pytest.mark.parametrize("args, message", [
    (["year:abc"], "Error: invalid year 'abc' in the query: use year:2016, year:199*, "
                   "year:[1990 TO 1999] or year:>=2000\n"),
    (["--filter", "colour=red"], "Error: unknown filter 'colour'; expected one of motive, "
                                 "sector, country, year, gender, language, account, rank, "
                                 "left_with, generation, age\n"),
    (["born:19x"], "Error: invalid year of birth '19x' in the query: use born:1971, born:197*, "
                   "born:[1960 TO 1969] or born:<1960\n"),
    (["--filter", "rank=boss"], "Error: unknown rank 'boss'\n"),
    (["--filter", "motive=childrens freedom"], "Error: unknown motive 'childrens freedom'; did "
                                               "you mean 'children's freedom'?\n"),
])
def test_search_errors_are_one_line(run, sample, args, message):
    result = run(sample, "search", *args)
    assert (result.exit_code, result.stderr) == (1, message)


def test_search_filter_needs_name_and_value(run, sample):
    result = run(sample, "search", "--filter", "sector")
    assert result.exit_code == 2
    assert "Invalid value for --filter: expected NAME=VALUE such as sector=trade, got 'sector'" \
        in result.stderr


def test_private_search_sees_restricted_text(run, sample):
    assert json.loads(run(sample, "search", "endanger", "--json").stdout)["total"] == 0
    data = json.loads(run(sample, "search", "endanger", "--json", "--private").stdout)
    assert [r["id"] for r in data["results"]] == ["witness-0457"]


def test_show_text_and_json(run, sample):
    result = run(sample, "show", "thae-yong-ho-2016")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:3] == [
        "Title:       Diplomat in London leaves to free his children from oppression",
        "Id:          thae-yong-ho-2016",
        "Year:        2016",
    ]
    data = json.loads(run(sample, "show", "thae-yong-ho-2016", "--json").stdout)
    assert data["name"] == "Thae Yong-ho" and data["aliases"][-1] == "태영호"
    assert data["body_html"].startswith("<p>Thae Yong-ho defected")


def test_show_restricted_in_public_and_private(run, sample):
    public = json.loads(run(sample, "show", "witness-0457", "--json").stdout)
    assert (public["body"], public["name"], public["summary"]) == ("", None, None)
    private = json.loads(run(sample, "show", "witness-0457", "--json", "--private").stdout)
    assert private["name"] == "Restricted Witness"


def test_show_unknown_id(run, sample):
    result = run(sample, "show", "no-such-record")
    assert (result.exit_code, result.stderr) == (
        1, "Error: No testimony with the id 'no-such-record'.\n")


def test_serve_caps_the_c_library_s_arenas_before_any_thread(run, sample, monkeypatch):
    from archive import service
    from archive.cli import serving

    calls = []
    real_update = serving.update_index
    monkeypatch.setattr(service, "limit_malloc_arenas", lambda: calls.append("arenas"))
    monkeypatch.setattr(serving, "update_index",
                        lambda *args, **kwargs: calls.append("index") or real_update(*args,
                                                                                    **kwargs))
    monkeypatch.setattr(service, "run_server", lambda app, host, port: calls.append("serve"))
    result = run(sample, "serve", "--no-watch")
    assert result.exit_code == 0, result.output
    assert calls == ["arenas", "index", "serve"]


def test_the_c_library_s_arenas_are_capped_where_glibc_is(monkeypatch):
    import platform

    from archive import service

    if platform.libc_ver()[0] == "glibc":
        assert service.limit_malloc_arenas() is True

    def no_library(name):
        raise OSError("no C library here")

    monkeypatch.setattr(service.ctypes, "CDLL", no_library)
    assert service.limit_malloc_arenas() is False


def test_serve_private_refuses_a_public_host(run, sample):
    result = run(sample, "serve", "--private", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "--private serves restricted records and only listens on loopback" in result.stderr


def test_environment_variables_choose_the_folders(sample, tmp_path):
    env = dict(os.environ, ARCHIVE_TESTIMONIES=str(sample.testimonies),
               ARCHIVE_INDEX=str(sample.index))
    result = subprocess.run([sys.executable, "-m", "archive", "search", "hallyu", "--json"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert json.loads(result.stdout)["total"] == 4


def test_every_command_is_found_under_its_own_name():
    from archive.cli import COMMANDS, cli

    with cli.make_context("archive", ["--help"], resilient_parsing=True) as ctx:
        found = {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}
    assert sorted(found) == sorted(COMMANDS)
    assert all(command.name == name for name, command in found.items())
    assert cli.get_command(ctx, "nonsense") is None


def test_archive_index_imports_the_index_s_wing_alone(sample, tmp_path):
    # Run after every edit made outside the archive: the web, the exchange formats, the
    # suggestions' models, the accounts and media tools stay unimported.
    script = ("import sys\n"
              "from archive.cli import cli\n"
              "try:\n"
              "    cli(['--testimonies', sys.argv[1], '--index', sys.argv[2], 'index'])\n"
              "except SystemExit:\n"
              "    pass\n"
              "print(' '.join(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", script, str(sample.testimonies),
                             str(sample.index)], capture_output=True, text=True, check=True,
                            cwd=tmp_path)
    said, imported = result.stdout.splitlines()
    assert said.startswith("The index is up to date: 19 records")
    modules = set(imported.split())
    assert "archive.search.indexing" in modules
    unwanted = {"archive.web", "archive.exchange", "archive.suggesting", "archive.access",
                "archive.service", "archive.media.aligning", "flask", "sklearn", "argon2"}
    assert not modules & unwanted


def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "archive")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "validate" in result.stdout and "serve" in result.stdout


def test_the_index_progress_bar_shows_records_per_second_and_time_left(monkeypatch):
    import io

    from archive.cli import common

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(common.time, "monotonic", iter([0.0, 2.0, 4.0, 6.0]).__next__)
    with common.ProgressBar() as progress:
        progress(500, 2000)
        progress(1000, 2000)
    shown = terminal.getvalue()
    assert "Indexing" in shown and "1000/2000" in shown
    assert "250 records/s, 0:04 left" in shown  # 1,000 records to go at 250 a second


def test_new_takes_rank_born_and_who_left_with_them(run, empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    result = run(empty_archive, "new", "--title", "Envoy in Vienna", "--year", "2019", "--post",
                 "Envoy", "--sector", "diplomatic", "--rank", "고위급", "--born", "1968",
                 "--left-with", "spouse, children", "--no-input", "--access", "public")
    assert result.exit_code == 0, result.output
    text = (empty_archive.testimonies / "envoy-in-vienna-2019.md").read_text(encoding="utf-8")
    assert "sector: diplomatic\nrank: elite\n" in text
    assert "born: 1968\nleft_with: [spouse, children]\n" in text
    bad = run(empty_archive, "new", "--title", "Envoy in Bern", "--year", "2019", "--post",
              "Envoy", "--sector", "diplomatic", "--rank", "boss", "--no-input")
    assert bad.exit_code == 1
    assert "rank: unknown rank 'boss', not a rank or alias of testimonies/vocabulary.yaml; " \
           "expected one of elite, mid-level, ordinary" in bad.stderr


def test_validate_reports_a_broken_reference_series_with_its_lines(run, sample_copy):
    (sample_copy.testimonies / "reference.csv").write_text(
        "year,count,series,source\n2019,lots,Arrivals,A ministry\n2019,5,Arrivals,\n",
        encoding="utf-8")
    result = run(sample_copy, "validate")
    assert result.exit_code == 1 and result.stdout == "All 19 records are valid.\n"
    assert result.stderr.splitlines() == [
        f"{sample_copy.testimonies / 'reference.csv'}:2: count: expected a whole number such "
        "as 196, got 'lots'",
        f"{sample_copy.testimonies / 'reference.csv'}:3: source: every figure needs its "
        "source; name the publication it comes from"]
    alone = run(sample_copy, "validate", str(sample_copy.testimonies / "reference.csv"))
    assert alone.exit_code == 1 and alone.stdout == ""
    compared = run(sample_copy, "compare")
    assert compared.exit_code == 1 and compared.stderr.startswith("Error: ")


def test_compare_by_rank_in_the_terminal(run, sample):
    result = run(sample, "compare", "--by", "rank", "--filter", "sector=diplomatic")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Motives of 4 testimonies, by rank:"
    assert lines[2].split() == ["motive", "elite*", "ordinary*"]
    assert lines[-1] == "* fewer than 5 testimonies: too few to compare"
