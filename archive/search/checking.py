"""Checking the archive: the index against the records, and the records against their
fixity manifest.

- The index must hold exactly the valid records, each as its current bytes (SHA-256),
  and every stored document must read back. A damaged index is reported, never served
  silently; `archive check --repair` rebuilds it from the records.
- The fixity manifest, `testimonies/fixity.sha256` (the format of `sha256sum`, so
  `sha256sum -c fixity.sha256` checks it too), records every file's SHA-256 (records,
  the vocabulary, recordings and their transcripts) when the
  archive last wrote or accepted it. A file added, removed or changed by anything else
  (a text editor, a sync, a failing disk) shows as a difference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..records.collection import VOCABULARY_FILE, record_files
from ..records.reference import REFERENCE_FILE
from ..records.recording import AUDIO, VIDEO
from ..records.writing import atomic_write
from .engine import indexed_records
from .engine.generations import current_generation, damaged_index_files, read_state, untrusted

MANIFEST = "fixity.sha256"


@dataclass
class FixityReport:
    """How the files differ from the fixity manifest."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing_manifest: bool = False

    @property
    def ok(self) -> bool:
        """True when every file is as the manifest says."""
        return not (self.added or self.removed or self.changed or self.missing_manifest)


def file_hashes(testimonies_dir: Path) -> dict[str, str]:
    """SHA-256 of every record file, the vocabulary, the reference series (when there is
    one), and every recording and transcript, by path relative to the folder."""
    root = Path(testimonies_dir)
    kept = (".vtt", *AUDIO, *VIDEO)
    media = [p for p in root.rglob("*") if p.suffix.lower() in kept and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    paths = record_files(root) + [root / VOCABULARY_FILE, root / REFERENCE_FILE] + sorted(media)
    return {p.relative_to(root).as_posix(): _sha256(p) for p in paths if p.exists()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(testimonies_dir: Path) -> dict[str, str] | None:
    """The fixity manifest as {path: sha256}, or None when there is none."""
    try:
        text = (Path(testimonies_dir) / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    entries = {}
    for line in text.splitlines():
        digest, _, path = line.partition("  ")
        if len(digest) == 64 and path:
            entries[path] = digest
    return entries


def write_manifest(testimonies_dir: Path, hashes: dict[str, str] | None = None) -> int:
    """Record the current state of every file as the fixity manifest; return the count."""
    root = Path(testimonies_dir)
    hashes = file_hashes(root) if hashes is None else hashes
    text = "".join(f"{digest}  {path}\n" for path, digest in sorted(hashes.items()))
    atomic_write(root / MANIFEST, text)
    return len(hashes)


def note_written(testimonies_dir: Path, paths: list[Path]) -> None:
    """Update the manifest for files the archive itself has just written."""
    root = Path(testimonies_dir)
    entries = read_manifest(root)
    if entries is None:
        return  # no manifest kept yet: nothing to keep in step
    for path in paths:
        rel = Path(path).absolute().relative_to(root.absolute()).as_posix()
        entries[rel] = _sha256(Path(path))
    write_manifest(root, entries)


def check_fixity(testimonies_dir: Path, hashes: dict[str, str] | None = None) -> FixityReport:
    """Compare the files with the fixity manifest."""
    manifest = read_manifest(testimonies_dir)
    if manifest is None:
        return FixityReport(missing_manifest=True)
    hashes = file_hashes(testimonies_dir) if hashes is None else hashes
    return FixityReport(
        added=sorted(set(hashes) - set(manifest)),
        removed=sorted(set(manifest) - set(hashes)),
        changed=sorted(p for p in set(hashes) & set(manifest) if hashes[p] != manifest[p]))


def check_index(testimonies_dir: Path, index_dir: Path,
                hashes: dict[str, str] | None = None, deep: bool = True,
                hash_files: bool | None = None) -> list[str]:
    """Every way the index differs from the records, as sentences (empty when it agrees).

    The cheap form (`deep=False`) compares the index files' sizes, counts and ids; with
    `hash_files` it also compares each index file's SHA-256 (what `archive serve` runs
    before serving). The deep form also compares each record's SHA-256 and reads every
    stored document and posting.
    """
    generation = current_generation(index_dir)
    if generation is None:
        return [f"There is no index in {index_dir}."]
    state = read_state(generation)
    if state is None:
        return [f"The index in {generation} has no readable state.json."]
    refused = untrusted(generation, state)
    if refused:
        return [f"The index {refused[0]}; it is not opened."]
    damaged = damaged_index_files(generation, state,
                                  deep=deep if hash_files is None else hash_files)
    if damaged:
        shown = "; ".join(damaged[:5]) + (" …" if len(damaged) > 5 else "")
        return [f"The index files were changed since the archive wrote them: {shown}."]
    problems = []
    try:
        indexed = indexed_records(generation, deep=deep)
    except Exception as exc:  # Whoosh raises many kinds of error on damaged files
        return [f"The index in {generation} cannot be read ({type(exc).__name__}: {exc})."]
    recorded = {entry["id"]: entry["sha256"] for entry in state["files"].values()}
    if set(indexed) != set(recorded):
        missing, extra = sorted(set(recorded) - set(indexed)), sorted(set(indexed) - set(recorded))
        if missing:
            problems.append(f"{len(missing)} records are missing from the index: "
                            f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}.")
        if extra:
            problems.append(f"{len(extra)} documents in the index have no record: "
                            f"{', '.join(extra[:5])}{' …' if len(extra) > 5 else ''}.")
    if deep:
        stale = sorted(i for i in set(indexed) & set(recorded) if indexed[i] != recorded[i])
        if stale:
            problems.append(f"{len(stale)} documents do not match what was indexed: "
                            f"{', '.join(stale[:5])}.")
        hashes = file_hashes(testimonies_dir) if hashes is None else hashes
        on_disk = {rel: digest for rel, digest in hashes.items() if rel.endswith(".md")}
        files = state["files"]
        changed = sorted(rel for rel, digest in on_disk.items()
                         if rel in files and files[rel]["sha256"] != digest)
        new = sorted(set(on_disk) - set(files))
        gone = sorted(set(files) - set(on_disk))
        if changed or new or gone:
            problems.append(f"The records changed since they were indexed ({len(changed)} "
                            f"changed, {len(new)} new or invalid, {len(gone)} removed): run "
                            "'archive index'.")
    elif len(indexed) != len(recorded):
        problems.append("The index does not hold as many records as it should.")
    return problems
