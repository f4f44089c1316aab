"""Every change kept in git: one commit per write of the archive, with its author and a
message saying what changed; log, diff and restore; changes made outside never committed;
everything still working without git."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ..helpers import cli_in

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

NEW = ["new", "--title", "Clerk in Sinuiju", "--year", "2018", "--post", "Clerk",
       "--sector", "trade", "--motive", "famine", "--body", "The market closed.", "--no-input",
       "--access", "public"]


def git(folder, *args) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def archive(tmp_path):
    assert cli_in(tmp_path, "init", "team", "--name", "Team Archive").exit_code == 0
    folder = tmp_path / "team"
    git(folder, "config", "user.name", "Kim Archivist")
    git(folder, "config", "user.email", "kim@example.org")
    return folder


def test_archive_new_is_one_commit_with_its_author_and_message(archive):
    assert cli_in(archive, *NEW).exit_code == 0
    log = git(archive, "log", "--format=%an <%ae>|%s", "-1")
    assert log == "Kim Archivist <kim@example.org>|Add clerk-in-sinuiju-2018\n"
    assert git(archive, "show", "--stat", "--format=", "HEAD").split()[0] == \
        "testimonies/clerk-in-sinuiju-2018.md"
    assert git(archive, "status", "--porcelain") == ""


def test_a_correction_says_which_fields_changed_and_changes_outside_are_left_alone(archive):
    import dataclasses

    from archive import create_app
    from archive.history.editing import save_record, version_of
    from archive.records.collection import vocabulary_for
    from archive.records.testimony import read_testimony

    assert cli_in(archive, *NEW).exit_code == 0
    outside = archive / "testimonies" / "README.md"
    outside.write_text(outside.read_text("utf-8") + "\nA note typed in an editor.\n", "utf-8")
    path = archive / "testimonies" / "clerk-in-sinuiju-2018.md"
    testimony = read_testimony(path, vocabulary_for(archive / "testimonies"))[0]
    changed = dataclasses.replace(testimony, motives=("famine", "children's freedom"),
                                  body="The market closed. We left for the children.\n")
    save_record(archive / "testimonies", archive / "index", changed, version_of(path),
                author="Pak Editor")
    assert git(archive, "log", "--format=%an|%s", "-1") == \
        "Pak Editor|Correct clerk-in-sinuiju-2018: motives, body\n"
    assert git(archive, "status", "--porcelain") == " M testimonies/README.md\n"
    result = cli_in(archive, "check")
    assert "git: not committed (changed outside the archive): testimonies/README.md" in \
        result.stderr
    assert create_app  # the web form calls the same save_record


def test_import_is_one_commit(archive, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("id,title,year,post,sector,motives,body\n"
                    "miner-2001,Miner,2001,Miner,civilian,famine,The mine.\n"
                    "driver-2002,Driver,2002,Driver,civilian,famine,The road.\n", "utf-8")
    assert cli_in(archive, "import", str(rows)).exit_code == 0
    assert git(archive, "log", "--format=%s", "-1") == "Import 2 records from rows.csv\n"
    assert len(git(archive, "log", "--format=%s").splitlines()) == 2


def edited_by_hand(archive):
    """A record added by the archive, then edited and committed by hand: its file, and the
    commit that added it."""
    assert cli_in(archive, *NEW).exit_code == 0
    path = archive / "testimonies" / "clerk-in-sinuiju-2018.md"
    first = git(archive, "rev-parse", "HEAD").strip()
    path.write_text(path.read_text("utf-8").replace("The market closed.", "The market burned."),
                    "utf-8")
    git(archive, "commit", "-qam", "Edit by hand")
    return path, first


def test_log_diff_and_restore_from_the_command_line(archive):
    path, first = edited_by_hand(archive)
    log = cli_in(archive, "log", "clerk-in-sinuiju-2018").output.splitlines()
    assert [line.split("  ", 3)[3] for line in log] == ["Edit by hand", "Add clerk-in-sinuiju-2018"]
    diff = cli_in(archive, "diff", "clerk-in-sinuiju-2018", first[:10], "working").output
    assert "-The market closed." in diff and "+The market burned." in diff
    result = cli_in(archive, "restore", "clerk-in-sinuiju-2018", first[:10])
    assert result.exit_code == 0, result.output
    assert result.output == f"Restored clerk-in-sinuiju-2018 to {first[:10]}.\n"
    assert "The market closed." in path.read_text("utf-8")
    assert git(archive, "log", "--format=%s", "-1") == \
        f"Restore clerk-in-sinuiju-2018 to {first[:10]}\n"
    assert cli_in(archive, "search", "closed", "--json").output.count("clerk-in-sinuiju") == 2


def test_git_s_own_revision_names_work_in_diff_and_restore(archive):
    path, first = edited_by_hand(archive)
    git(archive, "tag", "as-added", first)
    git(archive, "branch", "before-the-fire", first)
    outside = archive / "testimonies" / "README.md"  # a commit that leaves the record alone
    outside.write_text(outside.read_text("utf-8") + "\nA note.\n", "utf-8")
    git(archive, "commit", "-qam", "A note")
    for name in ("HEAD~2", "as-added", "before-the-fire", first[:7], "HEAD~1", "HEAD"):
        diff = cli_in(archive, "diff", "clerk-in-sinuiju-2018", name, "working")
        assert diff.exit_code == 0, (name, diff.output)
        changed = "-The market closed." in diff.output
        assert changed == (name not in ("HEAD~1", "HEAD")), name  # HEAD~1: the hand edit
    result = cli_in(archive, "restore", "clerk-in-sinuiju-2018", "HEAD~2")
    assert result.exit_code == 0, result.output
    assert result.output == f"Restored clerk-in-sinuiju-2018 to HEAD~2 ({first[:10]}).\n"
    assert "The market closed." in path.read_text("utf-8")
    # The commit names the version itself: HEAD~2 will mean another commit tomorrow.
    assert git(archive, "log", "--format=%s", "-1") == \
        f"Restore clerk-in-sinuiju-2018 to {first[:10]}\n"


@pytest.mark.parametrize("revision, message", [
    ("no-such-branch", "Error: clerk-in-sinuiju-2018.md has no version 'no-such-branch'; "
                       "`archive log clerk-in-sinuiju-2018` lists its versions, and git's names "
                       "of commits (HEAD~1, a branch, a tag) work too.\n"),
    ("--output=/tmp/x", "Error: clerk-in-sinuiju-2018.md has no version '--output=/tmp/x'; "
                        "`archive log clerk-in-sinuiju-2018` lists its versions, and git's "
                        "names of commits (HEAD~1, a branch, a tag) work too.\n"),
])
def test_a_revision_that_names_nothing_is_one_sentence(archive, revision, message):
    edited_by_hand(archive)
    for command in (["diff", "clerk-in-sinuiju-2018", "--", revision],  # after --, even an
                    ["restore", "clerk-in-sinuiju-2018", "--", revision]):  # option's shape
        result = cli_in(archive, *command)
        assert (result.exit_code, result.output) == (1, message), command


def test_a_revision_before_the_record_existed_says_so(archive):
    root = git(archive, "rev-list", "--max-parents=0", "HEAD").strip()
    edited_by_hand(archive)
    result = cli_in(archive, "diff", "clerk-in-sinuiju-2018", root[:10])
    assert result.exit_code == 1
    assert result.output == (f"Error: clerk-in-sinuiju-2018.md did not exist yet at "
                             f"'{root[:10]}' ({root[:10]}); `archive log clerk-in-sinuiju-2018` "
                             "lists its versions.\n")


def test_without_git_everything_works_and_history_says_it_needs_git(tmp_path, monkeypatch):
    folder = tmp_path / "plain"
    (folder / "testimonies").mkdir(parents=True)
    shutil.copy(__import__("tests.helpers", fromlist=["SAMPLE"]).SAMPLE / "vocabulary.yaml",
                folder / "testimonies" / "vocabulary.yaml")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    assert cli_in(folder, *NEW).exit_code == 0
    result = cli_in(folder, "log", "clerk-in-sinuiju-2018")
    assert result.exit_code == 1
    assert result.output == ("Error: A record's history needs git, which is not installed; "
                             "install git, then `git init` the archive's folder.\n")


def test_the_history_page_in_private_mode_shows_versions_a_difference_and_restores(archive):
    import re

    from archive import create_app
    from archive.settings import load_settings

    path, first = edited_by_hand(archive)
    config = {"TESTING": True, "TESTIMONIES": str(archive / "testimonies"),
              "INDEX": str(archive / "index"), "SETTINGS": load_settings(archive)}
    public = create_app(config).test_client()
    assert public.get("/t/clerk-in-sinuiju-2018/history").status_code == 404
    assert "History" not in public.get("/t/clerk-in-sinuiju-2018").get_data(as_text=True)
    client = create_app({**config, "PRIVATE": True}).test_client()
    assert "/t/clerk-in-sinuiju-2018/history" in \
        client.get("/t/clerk-in-sinuiju-2018").get_data(as_text=True)
    page = client.get("/t/clerk-in-sinuiju-2018/history").get_data(as_text=True)
    assert "Edit by hand" in page and "Add clerk-in-sinuiju-2018" in page
    assert "-The market closed." in page and "+The market burned." in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="([0-9a-f]{64})"', page).group(1)
    stale = client.post("/t/clerk-in-sinuiju-2018/restore",
                        data={"csrf_token": token, "revision": first, "version": "0" * 64})
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    response = client.post("/t/clerk-in-sinuiju-2018/restore",
                           data={"csrf_token": token, "revision": first, "version": version})
    assert response.status_code == 303
    assert "The market closed." in path.read_text("utf-8")
    assert git(archive, "log", "--format=%s", "-1") == \
        f"Restore clerk-in-sinuiju-2018 to {first[:10]}\n"
    assert "Restored the version" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    # git's own names on the History page: the versions they name are the ones chosen.
    named = client.get("/t/clerk-in-sinuiju-2018/history?a=HEAD~2&b=HEAD~1").get_data(
        as_text=True)
    assert "-The market closed." in named and "+The market burned." in named
    assert f'name="a" value="{first}" aria-label' in named and \
        re.search(f'name="a" value="{first}"[^>]*checked', named)
    assert client.get("/t/clerk-in-sinuiju-2018/history?a=nowhere").status_code == 400


def test_withdraw_leaves_a_tombstone_and_nothing_else(archive):
    from archive import create_app
    from archive.search.engine.generations import current_generation
    from archive.settings import load_settings

    body = ["--body", "The qzwithdrawnword market closed."]
    assert cli_in(archive, *NEW[:-5], *body, "--no-input", "--access", "public").exit_code == 0
    index_bytes = lambda: b"".join(p.read_bytes() for p in  # noqa: E731
                                   (current_generation(archive / "index") / "public").iterdir()
                                   if p.is_file())
    assert b"qzwithdrawnword" in index_bytes()
    result = cli_in(archive, "withdraw", "clerk-in-sinuiju-2018", "--reason",
                    "The witness withdrew consent")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Withdrew clerk-in-sinuiju-2018 on ")
    assert "git filter-repo --invert-paths --path testimonies/clerk-in-sinuiju-2018.md" in \
        result.stderr
    assert not (archive / "testimonies" / "clerk-in-sinuiju-2018.md").exists()
    stones = (archive / "testimonies" / "withdrawn.yaml").read_text("utf-8")
    assert "id: clerk-in-sinuiju-2018" in stones and "The witness withdrew consent" in stones
    assert "qzwithdrawnword" not in stones and "Sinuiju" not in stones
    assert b"qzwithdrawnword" not in index_bytes()
    assert git(archive, "log", "--format=%s", "-1") == \
        "Withdraw clerk-in-sinuiju-2018: The witness withdrew consent\n"
    client = create_app({"TESTING": True, "TESTIMONIES": str(archive / "testimonies"),
                         "INDEX": str(archive / "index"),
                         "SETTINGS": load_settings(archive)}).test_client()
    page = client.get("/t/clerk-in-sinuiju-2018")
    assert page.status_code == 410 and "was withdrawn on" in page.get_data(as_text=True)
    everything = "".join(client.get(url).get_data(as_text=True) for url in
                         ("/", "/search?q=market", "/api/search", "/export/json", "/compare"))
    assert "qzwithdrawnword" not in everything and "Sinuiju" not in everything
    export = client.get("/export/json").get_json()
    assert export["withdrawn"][0]["id"] == "clerk-in-sinuiju-2018"
    again = cli_in(archive, *NEW)
    assert again.exit_code == 1 and "belonged to a withdrawn testimony" in again.output


def test_sync_round_trips_and_stops_at_a_record_changed_on_both_sides(tmp_path):
    import re

    from archive import create_app
    from archive.settings import load_settings

    bare = tmp_path / "usb-stick.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    assert cli_in(tmp_path, "init", "laptop-a", "--name", "Team Archive").exit_code == 0
    a = tmp_path / "laptop-a"
    for key, value in (("user.name", "Kim"), ("user.email", "kim@example.org")):
        git(a, "config", key, value)
    git(a, "remote", "add", "origin", str(bare))
    assert cli_in(a, *NEW).exit_code == 0
    first = cli_in(a, "sync")
    assert first.exit_code == 0, first.output
    subprocess.run(["git", "clone", "--quiet", str(bare), str(tmp_path / "laptop-b")], check=True)
    b = tmp_path / "laptop-b"
    for key, value in (("user.name", "Pak"), ("user.email", "pak@example.org")):
        git(b, "config", key, value)
    assert cli_in(b, "index").exit_code == 0
    assert '"total": 1' in cli_in(b, "search", "market", "--json").output  # a round trip

    record = "testimonies/clerk-in-sinuiju-2018.md"
    for folder, words in ((b, "The market burned."), (a, "The market was closed by decree.")):
        path = folder / record
        path.write_text(path.read_text("utf-8").replace("The market closed.", words), "utf-8")
        git(folder, "commit", "-qam", f"Edit on {folder.name}")
    assert cli_in(b, "sync").exit_code == 0
    stopped = cli_in(a, "sync")
    assert stopped.exit_code == 1
    assert "The sync stopped: changed here and on the other side: clerk-in-sinuiju-2018." in \
        stopped.stderr

    client = create_app({"TESTING": True, "PRIVATE": True,
                         "TESTIMONIES": str(a / "testimonies"), "INDEX": str(a / "index"),
                         "SETTINGS": load_settings(a)}).test_client()
    page = client.get("/t/clerk-in-sinuiju-2018/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 409 and "changed on this copy and on the other side" in html
    assert "The market burned." in html and "The market was closed by decree." in html
    form = {name: value for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    token, version = form["csrf_token"], form["version"]
    saved = client.post("/t/clerk-in-sinuiju-2018/edit", data={
        "csrf_token": token, "version": version, "title": "Clerk in Sinuiju", "year": "2018",
        "post": "Clerk", "sector": "trade", "motives": "famine", "access": "public",
        "language": "en", "action": "save",
        "body": "The market burned, then was closed by decree."})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:300]
    assert not (a / ".git" / "MERGE_HEAD").exists()  # the merge is committed
    assert cli_in(a, "sync").exit_code == 0
    assert cli_in(b, "sync").exit_code == 0
    for folder in (a, b):
        assert "The market burned, then was closed by decree." in \
            (folder / record).read_text("utf-8")
    assert '"total": 1' in cli_in(b, "search", "decree", "--json").output


def test_archive_toml_names_the_archivist_of_the_commits(archive):
    settings = archive / "archive.toml"
    settings.write_text(settings.read_text("utf-8")
                        + 'archivist = "Ri Clerk"\narchivist_email = "ri@example.org"\n', "utf-8")
    git(archive, "commit", "-qam", "Name the archivist")
    assert cli_in(archive, *NEW).exit_code == 0
    assert git(archive, "log", "--format=%an <%ae>", "-1") == "Ri Clerk <ri@example.org>\n"
