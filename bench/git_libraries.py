"""Which way the archive should talk to git: the git command line, dulwich (pure Python) or
GitPython (which drives the command line), measured on what the archive does: commit one
record, list a record's versions, and read a record at a revision, in a repository of N
record files with some history. A benchmark, not a test: it prints medians.

Usage: pip install dulwich GitPython; python bench/git_libraries.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15


def make_repository(folder: Path, records: int) -> None:
    """A repository of N record files, then 30 commits changing one of them."""
    subprocess.run(["git", "init", "--quiet", str(folder)], check=True)
    for key, value in (("user.name", "Bench"), ("user.email", "bench@localhost")):
        subprocess.run(["git", "config", key, value], cwd=folder, check=True)
    (folder / "testimonies").mkdir()
    for number in range(records):
        (folder / "testimonies" / f"record-{number:05d}.md").write_text(
            f"---\ntitle: Record {number}\nyear: 2016\n---\n\nBody {number}.\n", "utf-8")
    subprocess.run(["git", "add", "."], cwd=folder, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "Start"], cwd=folder, check=True)
    for number in range(30):
        (folder / "testimonies" / "record-00007.md").write_text(f"Version {number}\n", "utf-8")
        subprocess.run(["git", "commit", "--quiet", "-am", f"Edit {number}"], cwd=folder,
                       check=True)


def timed(action) -> float:
    times = []
    for run in range(RUNS):
        started = time.perf_counter()
        action(run)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    import git as gitpython
    from dulwich import porcelain
    from dulwich.repo import Repo

    with tempfile.TemporaryDirectory() as base:
        folder = Path(base) / "archive"
        make_repository(folder, records)
        target = folder / "testimonies" / "record-00011.md"
        rel = "testimonies/record-00011.md"

        def cli_commit(run):
            target.write_text(f"cli {run}\n", "utf-8")
            subprocess.run(["git", "add", "--", rel], cwd=folder, check=True)
            subprocess.run(["git", "commit", "--quiet", "-m", "c", "--", rel], cwd=folder,
                           check=True)

        def dulwich_commit(run):
            target.write_text(f"dulwich {run}\n", "utf-8")
            porcelain.add(str(folder), [str(target)])
            porcelain.commit(str(folder), message=b"d", author=b"B <b@l>", committer=b"B <b@l>")

        repo = gitpython.Repo(folder)

        def gitpython_commit(run):
            target.write_text(f"gitpython {run}\n", "utf-8")
            repo.index.add([rel])
            repo.index.commit("g")

        def cli_log(run):
            subprocess.run(["git", "log", "--follow", "--format=%H %s", "--",
                            "testimonies/record-00007.md"], cwd=folder, check=True,
                           capture_output=True)

        def dulwich_log(run):
            walker = Repo(str(folder)).get_walker(paths=[b"testimonies/record-00007.md"])
            [entry.commit.message for entry in walker]

        def gitpython_log(run):
            list(repo.iter_commits(paths="testimonies/record-00007.md"))

        def cli_show(run):
            subprocess.run(["git", "show", "HEAD~3:testimonies/record-00007.md"], cwd=folder,
                           check=True, capture_output=True)

        def gitpython_show(run):
            repo.git.show("HEAD~3:testimonies/record-00007.md")

        rows = [("commit one record", cli_commit, dulwich_commit, gitpython_commit),
                ("list a record's versions", cli_log, dulwich_log, gitpython_log),
                ("read a record at a revision", cli_show, None, gitpython_show)]
        print(f"# {records:,} record files, {RUNS} runs each (median ms)\n")
        print("| what | git command line | dulwich | GitPython |")
        print("|---|---|---|---|")
        for label, *actions in rows:
            cells = [f"{timed(action):.0f}" if action else "(not measured)"
                     for action in actions]
            print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
