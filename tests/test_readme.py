"""The README tells the truth: every command and URL it shows works, and every command
and route the archive has is documented."""

from __future__ import annotations

import json
import re
import shlex
import shutil

import pytest

from archive.cli import cli

from .helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```console\n(.*?)```", README, re.DOTALL)
LINES = [line for block in BLOCKS for line in block.splitlines()]


def shown(prefix: str) -> list[tuple[str, list[str]]]:
    """Commands shown after `$ prefix`, with the output lines printed under them."""
    found = []
    for number, line in enumerate(LINES):
        if line.startswith(f"$ {prefix}"):
            output = []
            for after in LINES[number + 1:]:
                if after.startswith("$ "):
                    break
                output.append(after)
            found.append((line[2:].split("  #")[0].strip(), output))
    return found


ARCHIVE_COMMANDS = [c for c in shown("archive ") if " serve" not in c[0]]


@pytest.fixture(scope="module")
def readme_archive(tmp_path_factory):
    """One copy of the sample archive, in which the README's commands run in their order."""
    from click.testing import CliRunner

    base = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "testimonies", base / "testimonies")
    shutil.copytree(ROOT / "examples", base / "examples")
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--testimonies", str(base / "testimonies"),
                                   "--index", str(base / "index"), *args])

    invoke("index")
    return base, invoke


@pytest.mark.parametrize("command, output", ARCHIVE_COMMANDS, ids=[c for c, _ in ARCHIVE_COMMANDS])
def test_every_archive_command_in_the_readme_works(command, output, readme_archive, monkeypatch):
    base, invoke = readme_archive
    monkeypatch.chdir(base)
    result = invoke(*shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    if output:  # what the README says it prints (timings aside)
        printed = [re.sub(r" in [\d.]+ s\.$", "", line) for line in result.stdout.splitlines()]
        assert printed == [re.sub(r" in [\d.]+ s\.$", "", line) for line in output]
    if "--json" in command:
        json.loads(result.stdout)


def test_the_serve_command_is_shown_and_tested_in_the_browser_tests():
    assert shown("archive serve") and (ROOT / "tests" / "test_browser.py").exists()


CURLS = [re.search(r"http://127\.0\.0\.1:5000(\S+?)'", line).group(1)
         for line in LINES if line.startswith("$ curl")]


@pytest.mark.parametrize("url", CURLS)
def test_every_url_in_the_readme_answers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    if url.startswith("/api/"):
        assert response.get_json()
    if url.endswith(".bib"):
        assert response.get_data(as_text=True).startswith("@misc{")


def test_every_cli_command_is_documented():
    for name in cli.commands:
        assert f"`archive {name}" in README, name


def test_every_route_is_documented(private_client):
    documented = README.replace("<id>", "<testimony_id>")
    for rule in private_client.application.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        assert f"`{path}" in documented, path


def test_make_commands_in_the_readme_are_run_by_ci():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command, _ in shown("make "):
        assert command.split("#")[0].strip() in ci, command


def test_every_route_of_accounts_mode_is_documented(sample, tmp_path):
    import shutil as copying

    from archive import create_app

    copying.copytree(sample.testimonies, tmp_path / "testimonies")
    app = create_app({"TESTING": True, "TESTIMONIES": str(tmp_path / "testimonies"),
                      "INDEX": str(sample.index), "ACCOUNTS": True})
    documented = README.replace("<id>", "<testimony_id>")
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
            assert f"`{path}" in documented, path
