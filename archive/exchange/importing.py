"""Bringing records in: a CSV of rows (one record each) or a JSON export of the archive.

Every row is checked by the record format's rules and reported as `row N: field:
message`. Nothing is written unless every row is valid (or, when asked, only the valid
rows are), and an existing id is never overwritten.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ArchiveError
from ..records.collection import record_files, tombstones
from ..records.testimony import Testimony, build_testimony
from ..records.validation import RULES, validate_id
from ..records.vocabulary import Vocabulary
from ..records.writing import FileExists, create_testimony_file

LIST_COLUMNS = ("motives", "aliases", "tags", "withhold", "left_with")
BOOLEAN_COLUMNS = ("pseudonym", "name_public")
INTEGER_COLUMNS = ("year", "born")
IGNORED_COLUMNS = ("url",)  # written by our own CSV export; derived, not a field
KNOWN_COLUMNS = ("id", "body", "sources", "source_title", "source_publisher", "source_url",
                 "source_date", *RULES, *IGNORED_COLUMNS)


class ImportFailed(ArchiveError):
    """The import file cannot be read at all."""


@dataclass
class ImportReport:
    """The rows of an import: the valid testimonies and every problem, by row."""

    testimonies: list[Testimony] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    invalid_rows: int = 0
    written: list[Path] = field(default_factory=list)


def read_import(path: Path, vocabulary: Vocabulary, testimonies_dir: Path,
                default_access: str = "restricted") -> ImportReport:
    """Read and check every row of a CSV or JSON import file; a row that says nothing of
    its access gets the archive's default (restricted unless the archive says public)."""
    rows = _json_rows(path) if path.suffix.lower() == ".json" else _csv_rows(path)
    existing = {p.stem for p in record_files(testimonies_dir)} | {
        t.id for t in tombstones(testimonies_dir)}  # a withdrawn id is never given again
    report, seen = ImportReport(), {}
    for number, row in rows:
        problems = _check_row(row, number, vocabulary, existing, seen, report, default_access)
        if problems:
            report.problems += problems
            report.invalid_rows += 1
    return report


def _csv_rows(path: Path):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        raise ImportFailed(f"{path}: cannot be read as UTF-8 text ({exc}).") from None
    lines = [line for line in io.StringIO(text) if not line.startswith("#")]
    reader = csv.DictReader(lines)
    columns = reader.fieldnames or []
    for column in columns:
        if column not in KNOWN_COLUMNS:
            hint = difflib.get_close_matches(column, KNOWN_COLUMNS, n=1)
            raise ImportFailed(f"{path}: row 1: {column}: unknown column" +
                               (f"; did you mean '{hint[0]}'?" if hint else
                                "; columns are named as the record's fields"))
    while True:
        first_line = reader.line_num + 1  # a quoted value may span lines: report the first
        try:
            row = next(reader)
        except StopIteration:
            return
        yield first_line, {k: v for k, v in row.items() if k is not None}


def _json_rows(path: Path):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise ImportFailed(f"{path}: cannot be read as JSON ({exc}).") from None
    records = data.get("records") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ImportFailed(f"{path}: expected the JSON of 'archive export --format json'.")
    for number, record in enumerate(records, start=1):
        yield number, record


def _front_matter(row: dict) -> tuple[dict, str, str]:
    """Front-matter values, body and id from a CSV row (text) or a JSON record (typed)."""
    row = dict(row)
    testimony_id = str(row.pop("id", "") or "").strip()
    body = str(row.pop("body", "") or "")
    extra = row.pop("extra", None) or {}
    for ignored in IGNORED_COLUMNS:
        row.pop(ignored, None)
    meta = {}
    source = {key[len("source_"):]: row.pop(key) for key in list(row)
              if key.startswith("source_") and row[key]}
    for name, value in row.items():
        if value in (None, "", [], ()):
            continue
        if isinstance(value, str):
            value = value.strip()
            if name in LIST_COLUMNS:
                value = [v.strip() for v in value.split(";") if v.strip()]
            elif name in BOOLEAN_COLUMNS:
                value = {"true": True, "yes": True, "1": True, "false": False, "no": False,
                         "0": False}.get(value.lower(), value)
            elif name in INTEGER_COLUMNS and value.isdigit():
                value = int(value)
            elif name == "sources":
                try:
                    value = json.loads(value)
                except ValueError:
                    pass  # reported by the sources rule
        meta[name] = value
    if "motives" not in meta and "motives" in row:
        meta["motives"] = []
    if source:
        meta.setdefault("sources", []).append(source)
    meta.update(extra)
    body = body.replace("\r\n", "\n").strip("\n")
    return meta, (body + "\n" if body else ""), testimony_id


def _check_row(row, number, vocabulary, existing, seen, report, default_access) -> list[str]:
    meta, body, testimony_id = _front_matter(row)
    meta.setdefault("access", default_access)
    where = f"row {number}"
    messages = [str(p) for p in validate_id(where, testimony_id)]
    if testimony_id in existing:
        messages.append(f"{where}: id: '{testimony_id}' already exists in the archive; an "
                        "import never replaces a record: give the row another id")
    elif testimony_id in seen:
        messages.append(f"{where}: id: '{testimony_id}' is also the id of row "
                        f"{seen[testimony_id]}")
    seen.setdefault(testimony_id, number)
    testimony, problems = build_testimony(meta, body, testimony_id, vocabulary, where)
    messages += [str(p) for p in problems if not p.warning]
    if not messages and testimony is not None:
        report.testimonies.append(testimony)
    return messages


def write_import(report: ImportReport, testimonies_dir: Path) -> list[Path]:
    """Write the valid testimonies of an import as new record files (never replacing one)."""
    written = []
    for testimony in report.testimonies:
        path = Path(testimonies_dir) / f"{testimony.id}.md"
        try:
            create_testimony_file(testimony, path)
        except FileExists:
            raise ImportFailed(f"{path} appeared while importing; it was kept, and the "
                               f"{len(written)} records before it were written.") from None
        written.append(path)
    return written
