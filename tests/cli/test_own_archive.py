"""An archive of one's own: `archive init`, archive.toml found by walking up, its name and
address in pages, citations and exports, and new records private by default."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from archive import create_app
from archive.service import Paths
from archive.settings import InvalidSettings, find_root, load_settings

from ..helpers import ROOT, SAMPLE, cli_in

RECORD = ["new", "--title", "Clerk in Sinuiju", "--year", "2018", "--post", "Clerk",
          "--sector", "trade", "--motive", "famine", "--body", "The quillfern market closed.",
          "--no-input"]


@pytest.fixture
def own(tmp_path):
    result = cli_in(tmp_path, "init", "kim-archive", "--name", "Kim Foundation Archive")
    assert result.exit_code == 0, result.output
    return tmp_path / "kim-archive"


def test_init_makes_the_records_folder_settings_gitignore_and_a_first_commit(own):
    assert sorted(p.name for p in (own / "testimonies").iterdir()) == ["README.md",
                                                                       "vocabulary.yaml"]
    assert (own / "testimonies" / "vocabulary.yaml").read_bytes() == \
        (SAMPLE / "vocabulary.yaml").read_bytes()
    ignored = (own / ".gitignore").read_text("utf-8").splitlines()
    assert {"/index/", "/accounts.sqlite", "/accounts.sqlite-*", "/accounts.audit-key",
            "/accounts.audit-chain"} <= set(ignored)
    settings = load_settings(own)
    assert (settings.name, settings.default_access, settings.port) == \
        ("Kim Foundation Archive", "restricted", 5000)
    if shutil.which("git"):
        log = subprocess.run(["git", "log", "--format=%s"], cwd=own, capture_output=True,
                             text=True).stdout
        assert log == "Start the archive 'Kim Foundation Archive'\n"
        assert subprocess.run(["git", "status", "--porcelain"], cwd=own, capture_output=True,
                              text=True).stdout == ""


def test_init_refuses_a_folder_that_holds_an_archive(own, tmp_path):
    result = cli_in(tmp_path, "init", "kim-archive")
    assert result.exit_code == 1
    assert result.output == ("Error: kim-archive already holds an archive (archive.toml or "
                             "testimonies/); choose an empty folder or a new one.\n")


def test_commands_find_the_archive_from_a_sub_folder_without_path_flags(own):
    inside = own / "testimonies"
    assert find_root(inside) == own
    result = cli_in(inside, *RECORD)
    assert result.exit_code == 0, result.output
    assert (own / "testimonies" / "clerk-in-sinuiju-2018.md").exists()
    assert (own / "index").is_dir()
    assert cli_in(inside, "index").output.startswith("The index is up to date: 1 record")
    # Private by default: the public finds the record by its metadata, never its words.
    assert json.loads(cli_in(own, "search", "quillfern", "--json").output)["total"] == 0
    assert json.loads(cli_in(own, "search", "quillfern", "--json", "--private").output)[
        "total"] == 1
    assert json.loads(cli_in(own, "search", "--filter", "sector=trade", "--json").output)[
        "results"][0]["id"] == "clerk-in-sinuiju-2018"


def test_flags_and_environment_variables_win_over_archive_toml(own, tmp_path):
    other = tmp_path / "elsewhere"
    shutil.copytree(SAMPLE, other / "testimonies")
    result = cli_in(own, "--testimonies", str(other / "testimonies"), "--index",
                    str(other / "index"), "search", "famine", "--json")
    assert json.loads(result.output)["total"] == 3
    result = cli_in(own, "search", "famine", "--json",
                    env={"ARCHIVE_TESTIMONIES": str(other / "testimonies"),
                         "ARCHIVE_INDEX": str(other / "index")})
    assert json.loads(result.output)["total"] == 3


def test_serve_works_inside_the_archive_with_its_name_and_port(own):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = own / "archive.toml"
    settings.write_text(settings.read_text("utf-8").replace("port = 5000", f"port = {port}"),
                        encoding="utf-8")
    assert cli_in(own, *RECORD).exit_code == 0
    env = {k: v for k, v in os.environ.items()
           if k not in ("ARCHIVE_TESTIMONIES", "ARCHIVE_INDEX")}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen([sys.executable, "-m", "archive", "serve"], cwd=own / "testimonies",
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/").read().decode()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert "<title>Kim Foundation Archive</title>" in page
        search = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search").read()
        assert json.loads(search)["total"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)


NAMED = """name = "Kim Foundation Archive"
publisher = "Kim Foundation"
base_url = "https://testimonies.example.org"
default_access = "public"
"""


@pytest.fixture
def named(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "testimonies")
    (tmp_path / "archive.toml").write_text(NAMED, encoding="utf-8")
    paths = Paths(tmp_path / "testimonies", tmp_path / "index", load_settings(tmp_path))
    from archive.search.indexing import update_index

    update_index(paths.testimonies, paths.index)
    app = create_app({"TESTING": True, "TESTIMONIES": str(paths.testimonies),
                      "INDEX": str(paths.index), "SETTINGS": paths.settings})
    return tmp_path, app.test_client()


def test_the_name_and_base_url_appear_in_pages_and_citations(named):
    folder, client = named
    page = client.get("/t/ri-il-kyu-2023").get_data(as_text=True)
    assert "<title>Counsellor in Havana leaves for his children&#39;s freedom – Kim Foundation " \
           "Archive</title>" in page
    assert "Kim Foundation Archive, kept by Kim Foundation." in page
    assert ("Testimony record ri-il-kyu-2023, 2023. Kim Foundation Archive, Kim Foundation. "
            "Accessed") in page
    assert "Permalink: <code>https://testimonies.example.org/t/ri-il-kyu-2023</code>" in page
    bib = client.get("/t/ri-il-kyu-2023/cite.bib").get_data(as_text=True)
    assert "howpublished = {Kim Foundation Archive}" in bib
    assert "publisher = {{Kim Foundation}}" in bib
    assert "url = {https://testimonies.example.org/t/ri-il-kyu-2023}" in bib
    csl = client.get("/t/ri-il-kyu-2023/cite.json").get_json()[0]
    assert (csl["publisher"], csl["archive"], csl["URL"]) == (
        "Kim Foundation", "Kim Foundation Archive", "https://testimonies.example.org/t/ri-il-kyu-2023")
    ris = client.get("/export/ris?q=cuba").get_data(as_text=True)
    assert "PB  - Kim Foundation\n" in ris and "DB  - Kim Foundation Archive\n" in ris
    assert "UR  - https://testimonies.example.org/t/ri-il-kyu-2023\n" in ris


def test_the_name_and_base_url_appear_in_exports_from_the_cli(named):
    folder, _ = named
    data = json.loads(cli_in(folder, "export", "--format", "json", "cuba").output)
    assert data["export"]["archive"] == "Kim Foundation Archive"
    assert data["export"]["publisher"] == "Kim Foundation"
    assert data["records"][0]["url"] == "https://testimonies.example.org/t/ri-il-kyu-2023"
    text = cli_in(folder, "export", "--format", "csv", "cuba").output
    assert text.startswith("# Exported from Kim Foundation Archive on ")


def test_a_public_default_in_archive_toml_makes_new_records_public(named):
    folder, client = named
    result = cli_in(folder, *RECORD)
    # Written down: a record always states its access, whatever the default later becomes.
    assert result.exit_code == 0 and "\naccess: public\n" in \
        (folder / "testimonies" / "clerk-in-sinuiju-2018.md").read_text("utf-8")


@pytest.mark.parametrize("text, message", [
    ('port = "abc"\n', "archive.toml:1: port: expected a port number from 1 to 65535, got 'abc'."),
    ('default_access = "secret"\n', "archive.toml:1: default_access: expected one of public, "
                                    "researchers, archivists, restricted, got 'secret'."),
    ('name = "A"\nbase_url = "archive.org"\n', "archive.toml:2: base_url: expected an address "
                                               "such as https://archive.example.org, got "
                                               "'archive.org'."),
    ('language = "fr"\n', "archive.toml:1: language: expected one of en, ko, got 'fr'."),
    ('name = \n', "archive.toml: cannot be read as TOML"),
])
def test_bad_settings_are_one_sentence_naming_the_key(tmp_path, text, message):
    (tmp_path / "archive.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidSettings) as caught:
        load_settings(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}/{message}" if message.startswith(
        "archive.toml:") else f"{tmp_path}/{message}")
    result = cli_in(tmp_path, "validate")
    assert result.exit_code == 1 and result.output.startswith("Error: ")


def test_an_unknown_setting_is_a_warning(tmp_path):
    (tmp_path / "archive.toml").write_text('name = "A"\nnmae = "B"\n', encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.name == "A"
    assert settings.warnings == (f"{tmp_path}/archive.toml:2: warning: unknown setting 'nmae'; "
                                 "did you mean 'name'?",)
    shutil.copy(SAMPLE / "vocabulary.yaml", tmp_path / "vocabulary.yaml")
    (tmp_path / "testimonies").mkdir()
    shutil.copy(SAMPLE / "vocabulary.yaml", tmp_path / "testimonies" / "vocabulary.yaml")
    result = cli_in(tmp_path, "validate")
    assert "warning: unknown setting 'nmae'" in result.stderr


def test_the_form_says_a_new_record_will_be_restricted(sample):
    editor = create_app({"TESTING": True, "PRIVATE": True, "TESTIMONIES": str(sample.testimonies),
                         "INDEX": str(sample.index)}).test_client()
    html = editor.get("/new").get_data(as_text=True)
    assert '<option value="restricted" selected>' in html
    assert "This record will be <strong>restricted</strong> when saved" in html
    assert "New records are restricted in this archive unless you choose otherwise." in html


def test_an_import_without_access_is_restricted(run, empty_archive, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("id,title,year,post,sector,motives,body\nminer-2001,Miner,2001,Miner,"
                    "civilian,famine,The zorbleat mine.\n", encoding="utf-8")
    assert run(empty_archive, "import", str(rows)).exit_code == 0
    text = (empty_archive.testimonies / "miner-2001.md").read_text("utf-8")
    assert "access: restricted" in text
    assert json.loads(run(empty_archive, "search", "zorbleat", "--json").output)["total"] == 0
