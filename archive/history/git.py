"""Every change kept: when the archive's folder is a git repository, each write by the archive
is one commit of exactly the files it wrote, with the archivist as author and a message
that says what changed; a record's versions, the differences between two, and restoring
one come from git's history.

The git command line does the work (`git` on the PATH): it reads the person's own git
configuration, reaches every kind of remote, and adds no package. Without git, or outside
a repository, every function here does nothing and says so; the archive works the same.
"""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ArchiveError
from ..records.testimony import FENCE
from ..records.writing import FIELD_ORDER


class HistoryUnavailable(ArchiveError):
    """There is no history to show: git is missing or the archive is not a repository."""


@dataclass(frozen=True)
class Version:
    """One committed version of a record file."""

    revision: str
    date: str
    author: str
    message: str

    @property
    def short(self) -> str:
        """The revision as people quote it (its first 10 characters)."""
        return self.revision[:10]


def _git(folder: Path, *args: str, check: bool = True, data: str | None = None):
    result = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                            input=data)
    if check and result.returncode != 0:
        raise HistoryUnavailable("git " + " ".join(args[:2]) + " failed: "
                                 + " ".join(result.stderr.split()))
    return result


def repository(folder: Path) -> Path | None:
    """The git repository holding a folder, or None (no git, or not a repository)."""
    if shutil.which("git") is None:
        return None
    result = _git(Path(folder), "rev-parse", "--show-toplevel", check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def require_repository(folder: Path) -> Path:
    """The repository of a folder, or HistoryUnavailable with one sentence saying why."""
    if shutil.which("git") is None:
        raise HistoryUnavailable("A record's history needs git, which is not installed; "
                                 "install git, then `git init` the archive's folder.")
    root = repository(folder)
    if root is None:
        raise HistoryUnavailable(f"{folder} is not in a git repository, so no history is "
                                 "kept; `archive init` makes one, or run `git init` there.")
    return root


def commit(folder: Path, paths: list[Path], message: str, author: str | None = None,
           email: str | None = None) -> str | None:
    """Commit exactly these files (written or deleted by the archive) as one commit; the
    revision, or None without a repository or when nothing changed. Changes made outside
    the archive are never part of it."""
    root = repository(folder)
    if root is None or not paths:
        return None
    relative = [str(Path(p).absolute().relative_to(root.absolute())) for p in paths]
    _git(root, "add", "--all", "--", *relative)
    if (root / ".git" / "MERGE_HEAD").exists():  # resolving a sync: the merge's own commit
        if unmerged(folder):
            return None
        _git(root, *_identity(root, author, email), "commit", "--quiet", "--no-edit")
        return _git(root, "rev-parse", "HEAD").stdout.strip()
    if not _git(root, "diff", "--cached", "--quiet", "--", *relative, check=False).returncode:
        return None
    options = [f"--author={author} <{email or 'archivist@localhost'}>"] if author else []
    _git(root, *_identity(root, author, email), "commit", "--quiet", "-m", message, *options,
         "--", *relative)
    return _git(root, "rev-parse", "HEAD").stdout.strip()


def _identity(root: Path, author: str | None, email: str | None) -> list[str]:
    """Who commits, where git's configuration does not say: the archivist, or "Archivist"."""
    if _git(root, "config", "user.email", check=False).stdout.strip():
        return []
    return ["-c", f"user.name={author or 'Archivist'}",
            "-c", f"user.email={email or 'archivist@localhost'}"]


def unmerged(folder: Path) -> list[str]:
    """The files a sync left changed on both sides (paths from the repository's root)."""
    root = repository(folder)
    if root is None:
        return []
    return _git(root, "diff", "--name-only", "--diff-filter=U", check=False).stdout.split()


def sides(path: Path) -> tuple[str, str]:
    """A file a sync left changed on both sides: this copy's version, and the other's."""
    root = require_repository(path.parent)
    name = str(path.absolute().relative_to(root.absolute()))
    return (_git(root, "show", f":2:{name}").stdout, _git(root, "show", f":3:{name}").stdout)


@dataclass(frozen=True)
class Synced:
    """What a sync did: the files it brought, those changed on both sides, and whether it
    pushed."""

    changed: list[str]
    conflicts: list[str]
    pushed: bool


def sync(folder: Path, remote: str = "origin") -> Synced:
    """Pull from a remote (merging), then push; stop, naming them, at files changed on both
    sides (git keeps both versions until they are resolved)."""
    root = require_repository(folder)
    if (root / ".git" / "MERGE_HEAD").exists():
        left = unmerged(folder)
        if left:
            return Synced([], left, False)
        _git(root, *_identity(root, None, None), "commit", "--quiet", "--no-edit")
    outside = uncommitted(folder)
    if outside:
        raise HistoryUnavailable("Changes made outside the archive are not committed ("
                                 + ", ".join(outside) + "); commit them with git, or undo "
                                 "them, then sync again.")
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    before = _git(root, "rev-parse", "HEAD").stdout.strip()
    _git(root, "fetch", "--quiet", remote)
    if _git(root, "rev-parse", "--verify", "--quiet", f"{remote}/{branch}",
            check=False).returncode == 0:
        merged = _git(root, *_identity(root, None, None), "merge", "--no-edit", "--quiet",
                      f"{remote}/{branch}", check=False)
        if merged.returncode != 0:
            conflicts = unmerged(folder)
            if not conflicts:
                raise HistoryUnavailable("git merge failed: " + " ".join(merged.stderr.split()))
            return Synced(_changed(root, before), conflicts, False)
    _git(root, "push", "--quiet", remote, f"HEAD:{branch}")
    return Synced(_changed(root, before), [], True)


def _changed(root: Path, before: str) -> list[str]:
    return _git(root, "diff", "--name-only", before, check=False).stdout.split()


def versions(path: Path) -> list[Version]:
    """The committed versions of a record file, newest first (renames followed)."""
    root = require_repository(path.parent)
    log = _git(root, "log", "--follow", "--format=%H%x1f%aI%x1f%an%x1f%s", "--",
               str(path.absolute().relative_to(root.absolute())), check=False).stdout
    return [Version(*line.split("\x1f", 3)) for line in log.splitlines() if line.count("\x1f") == 3]


def resolve(path: Path, revision: str) -> Version:
    """The version of a record file that a revision names: a hash `archive log` prints (or
    its first 4 characters or more), or any of git's own names for a commit (`HEAD~1`, a
    branch, a tag, a short hash), meaning the file as it stood at that commit."""
    root = require_repository(path.parent)
    found = versions(path)
    wanted = revision.strip()
    for version in found:
        if len(wanted) >= 4 and version.revision.startswith(wanted):
            return version
    commit = None
    if wanted and not wanted.startswith("-"):  # never an option of git's
        named = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                     f"{wanted}^{{commit}}", check=False)
        commit = named.stdout.strip() if named.returncode == 0 else None
    if commit is None:
        raise HistoryUnavailable(f"{path.name} has no version {revision!r}; `archive log "
                                 f"{path.stem}` lists its versions, and git's names of "
                                 "commits (HEAD~1, a branch, a tag) work too.")
    before = set(_git(root, "rev-list", commit).stdout.split())
    for version in found:  # newest first: the last change at or before that commit
        if version.revision in before:
            return version
    raise HistoryUnavailable(f"{path.name} did not exist yet at {revision!r} "
                             f"({commit[:10]}); `archive log {path.stem}` lists its versions.")


def text_at(path: Path, revision: str) -> str:
    """A record file's text at a revision (the working file for "working"), the revision
    as `resolve` reads it."""
    if revision == "working":
        return path.read_text(encoding="utf-8")
    root = require_repository(path.parent)
    version = resolve(path, revision).revision
    names = _git(root, "log", "--follow", "--format=", "--name-only", f"{version}^!", "--",
                 str(path.absolute().relative_to(root.absolute())), check=False).stdout.split()
    name = names[0] if names else str(path.absolute().relative_to(root.absolute()))
    return _git(root, "show", f"{version}:{name}").stdout


def head(folder: Path) -> str:
    """The commit the folder's repository stands at ("" without one)."""
    if repository(folder) is None:
        return ""
    return _git(Path(folder), "rev-parse", "HEAD", check=False).stdout.strip()


def committed_dates(folder: Path) -> dict[str, dt.datetime]:
    """{path relative to the folder: date of the last commit touching it} for the files
    committed and unchanged since (empty without a repository): one `git log` and one
    `git status` for the whole folder."""
    root = repository(folder)
    if root is None:
        return {}
    base = Path(folder).resolve().relative_to(root.resolve()).as_posix()
    prefix = "" if base == "." else base + "/"
    log = _git(root, "log", "--format=%x00%ct", "--name-only", "--no-renames",
               "--", prefix or ".", check=False).stdout
    status = _git(root, "status", "--porcelain", "--no-renames", "--", prefix or ".",
                  check=False).stdout
    dirty = {line[3:].strip('"') for line in status.splitlines() if len(line) > 3}
    found: dict[str, dt.datetime] = {}
    when = None
    for line in log.splitlines():
        if line.startswith("\x00"):
            when = dt.datetime.fromtimestamp(int(line[1:]), dt.timezone.utc)
        elif line and when is not None and line.startswith(prefix) and line not in dirty:
            found.setdefault(line[len(prefix):], when)
    return found


def uncommitted(folder: Path) -> list[str]:
    """Files of the records' folder changed, added or deleted outside the archive and not
    committed (empty without a repository)."""
    root = repository(folder)
    if root is None:
        return []
    status = _git(root, "status", "--porcelain", "--", str(Path(folder).absolute()),
                  check=False).stdout
    return [line[3:] for line in status.splitlines() if line.strip()]


def _front(text: str) -> tuple[dict, str]:
    """A record's front matter (read safely, as plain data) and its body."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].strip() == FENCE:
        for number, line in enumerate(lines[1:], start=1):
            if line.strip() == FENCE:
                try:
                    meta = yaml.safe_load("\n".join(lines[1:number])) or {}
                except yaml.YAMLError:
                    meta = {}
                return (meta if isinstance(meta, dict) else {}), "\n".join(lines[number + 1:])
    return {}, text


def changed_fields(before: str, after: str) -> list[str]:
    """The fields (and `body`) that differ between two versions of a record, in the
    canonical order."""
    old, new = _front(before), _front(after)
    names = [n for n in FIELD_ORDER if old[0].get(n) != new[0].get(n)]
    names += sorted(n for n in set(old[0]) | set(new[0])
                    if n not in FIELD_ORDER and old[0].get(n) != new[0].get(n))
    if old[1].strip() != new[1].strip():
        names.append("body")
    return names


def difference(before: str, after: str) -> tuple[list[tuple[str, object, object]], list[str]]:
    """How two versions differ, readably: each changed field with its two values, and the
    body's lines as a unified diff."""
    old, new = _front(before), _front(after)
    fields = [(name, old[0].get(name), new[0].get(name))
              for name in changed_fields(before, after) if name != "body"]
    body = list(difflib.unified_diff(old[1].strip().splitlines(), new[1].strip().splitlines(),
                                     "before", "after", lineterm="", n=2))
    return fields, body
