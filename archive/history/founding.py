"""Starting an archive of one's own: a folder with its records' folder (the vocabulary and
a README for archivists), its settings, a .gitignore for the index, and a git repository
with a first commit when git is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import ArchiveError
from ..records.writing import atomic_write
from ..settings import SETTINGS_FILE, settings_text

SKELETON = Path(__file__).resolve().parent.parent / "skeleton"


class ArchiveExists(ArchiveError):
    """The folder already holds an archive."""


def create_archive(folder: Path, name: str) -> list[str]:
    """Make a new archive in `folder` (made if missing); return what was done, a line each."""
    folder = Path(folder)
    if (folder / SETTINGS_FILE).exists() or (folder / "testimonies").exists():
        raise ArchiveExists(f"{folder} already holds an archive ({SETTINGS_FILE} or "
                            "testimonies/); choose an empty folder or a new one.")
    records = folder / "testimonies"
    records.mkdir(parents=True)
    shutil.copy(SKELETON / "vocabulary.yaml", records / "vocabulary.yaml")
    shutil.copy(SKELETON / "README.md", records / "README.md")
    atomic_write(folder / SETTINGS_FILE, settings_text(name))
    atomic_write(folder / ".gitignore", "# Made by `archive index` from the records.\n/index/\n"
                 "# Accounts, sessions and the audit trail: never committed.\n"
                 "/accounts.sqlite\n/accounts.sqlite-*\n/accounts.audit-key\n"
                 "/accounts.audit-chain\n")
    done = [f"Made the archive '{name}' in {folder}: testimonies/ (the vocabulary and a "
            f"README for archivists), {SETTINGS_FILE} and .gitignore."]
    done.append(_first_commit(folder, name))
    return done


def _first_commit(folder: Path, name: str) -> str:
    """Make the folder a git repository with a first commit, when git is installed."""
    git = shutil.which("git")
    if git is None:
        return "git is not installed: the archive works without it (install git to keep its history)."

    def run(*args):
        return subprocess.run([git, *args], cwd=folder, capture_output=True, text=True)

    if run("init", "--quiet").returncode != 0:
        return "git could not make a repository here; the archive works without one."
    run("add", "--all")
    identity = [] if run("config", "user.email").stdout.strip() else \
        ["-c", f"user.name={name}", "-c", "user.email=archive@localhost"]
    result = run(*identity, "commit", "--quiet", "-m", f"Start the archive '{name}'")
    if result.returncode != 0:
        return "git could not make the first commit: " + " ".join(result.stderr.split())
    return "Made a git repository with a first commit."
