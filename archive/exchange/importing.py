"""Bringing records in: a CSV of rows (one record each) or a JSON export of the archive; or
an interview, a transcript (`transcripts` reads them) with its recording.

Every row is checked by the record format's rules and reported as `row N: field:
message`. Nothing is written unless every row is valid (or, when asked, only the valid
rows are), and an existing id is never overwritten.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import shutil
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from ..errors import ArchiveError
from ..records.collection import record_files, tombstones
from ..records.testimony import Testimony, build_testimony
from ..records.validation import RULES, validate_id
from ..records.vocabulary import Vocabulary
from ..media.tools import probe_duration
from ..records.webvtt import format_timestamp, write_vtt
from ..records.writing import FileExists, create_testimony_file
from .transcripts import read_transcript

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
        problems = _check_row(row, number, vocabulary, existing, seen, report, default_access,
                              Path(testimonies_dir))
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


def _check_row(row, number, vocabulary, existing, seen, report, default_access,
               folder: Path) -> list[str]:
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
    # A recording (`media:`) is looked for where the record will lie: an import brings the
    # record, and the archivist copies the recording and its transcript beside the records.
    testimony, problems = build_testimony(meta, body, testimony_id, vocabulary, where,
                                          folder=folder)
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


@dataclass
class InterviewImport:
    """An interview read for import: the record it makes (or its problems), the archive's
    WebVTT of its transcript, and where its files will go in the records' folder."""

    testimony: Testimony | None
    problems: list[str]
    vtt: str
    media: Path
    media_name: str
    transcript_name: str


def read_interview(path: Path, media: Path, fields: dict, vocabulary: Vocabulary,
                   testimonies_dir: Path, default_access: str, id_for) -> InterviewImport:
    """Read a transcript (WebVTT, SRT, OHMS XML, .docx or .odt with stamps) and its recording
    into a record, checked by the record format's rules as if it were written; `fields` are
    the record's values given by the archivist, which win over the file's; `id_for(title,
    year)` makes an id when none is given."""
    found = read_transcript(path)
    values = dict(found.fields)
    duration = values.pop("duration", None) or _duration(media)
    subjects = values.pop("subjects", [])
    values["motives"] = [s for s in subjects if vocabulary.normalise(s)]
    values["tags"] = values.get("tags", []) + [s for s in subjects if not vocabulary.normalise(s)]
    values.update({k: v for k, v in fields.items() if v not in (None, "", (), [])})
    values.setdefault("access", default_access)
    values.setdefault("account", "interview")
    testimony_id = values.pop("id", None) or id_for(str(values.get("title", "")),
                                                    values.get("year", ""))
    media_name = f"media/{testimony_id}{media.suffix.lower()}"
    transcript_name = f"media/{testimony_id}.vtt"
    cues, problems = _ended(found.cues, duration, path)
    values["media"] = {"file": media_name, "transcript": transcript_name}
    if found.segments:
        values["media"]["segments"] = [_segment(s, vocabulary) for s in found.segments]
    if duration and media.suffix.lower() != ".wav":
        values["media"]["duration"] = format_timestamp(duration)
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    values.setdefault("motives", [])
    vtt = write_vtt(cues, header=testimony_id)
    existing = {p.stem for p in record_files(testimonies_dir)} | {
        t.id for t in tombstones(testimonies_dir)}
    root = Path(testimonies_dir)
    if testimony_id in existing:
        problems.append(f"id: '{testimony_id}' already exists in the archive; an import never "
                        "replaces a record: give it another id with --id")
    for name in (media_name, transcript_name):
        if (root / name).exists():
            problems.append(f"{name} exists already in {root}; an import never replaces a file")
    testimony = None
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "media").mkdir()
        (Path(folder) / transcript_name).write_text(vtt, encoding="utf-8")
        os.symlink(media.absolute(), Path(folder) / media_name)
        shown = f"testimonies/{testimony_id}.md"
        testimony, found_problems = build_testimony(values, "", testimony_id, vocabulary, shown,
                                                    folder=Path(folder))
        problems += [_in_import(str(p), path, transcript_name) for p in found_problems
                     if not p.warning]
    return InterviewImport(testimony if not problems else None, problems, vtt, media,
                           media_name, transcript_name)


def _duration(media: Path) -> int | None:
    """A recording's length: a WAV file's header, else what ffmpeg reads."""
    if not media.is_file():
        raise ImportFailed(f"{media}: the recording is not there.")
    try:
        with wave.open(str(media), "rb") as audio:
            return audio.getnframes() * 1000 // audio.getframerate()
    except (wave.Error, EOFError):
        return probe_duration(str(media))


def _ended(cues, duration: int | None, path: Path):
    """Cues with their ends: a cue without one ends where the next starts (the last where
    the recording ends)."""
    ended, problems = [], []
    for number, cue in enumerate(cues):
        end = cue.end
        if end is None:
            end = cues[number + 1].start if number + 1 < len(cues) else duration
        if end is None:
            problems.append(f"{path.name}: the last passage's end is unknown and the "
                            "recording's length cannot be read; give the recording as WAV or "
                            "install ffmpeg")
            end = cue.start + 1000
        ended.append(SimpleNamespace(start=cue.start, end=end, speaker=cue.speaker,
                                     text=cue.text))
    return ended, problems


def _segment(segment: dict, vocabulary: Vocabulary) -> dict:
    motives = [s for s in segment["subjects"] if vocabulary.normalise(s)]
    keywords = segment["keywords"] + [s for s in segment["subjects"]
                                      if not vocabulary.normalise(s)]
    found = {"start": format_timestamp(segment["start"]), "title": segment["title"] or "Untitled",
             "synopsis": segment["synopsis"], "keywords": keywords, "motives": motives}
    return {k: v for k, v in found.items() if v not in (None, "", [])}


def _in_import(problem: str, path: Path, transcript_name: str) -> str:
    """A problem of the transcript as written, said of the import file's cues."""
    shown = f"testimonies/{transcript_name}:"
    if not problem.startswith(shown):
        return problem
    line, _, rest = problem[len(shown):].partition(":")
    rest = re.sub(r"the cue of line (\d+)", lambda m: f"cue {_cue_of(int(m.group(1)))}", rest)
    return f"{path.name}: cue {_cue_of(int(line)) if line.isdigit() else '?'}:{rest}"


def _cue_of(line: int) -> int:
    """The cue whose timing or text is on a line of the WebVTT `write_vtt` writes."""
    return max((line - 3) // 4 + 1, 1)


def write_interview(found: InterviewImport, testimonies_dir: Path) -> list[Path]:
    """Write an interview's recording, transcript and record, all or none (never replacing
    a file)."""
    root = Path(testimonies_dir)
    written: list[Path] = []
    try:
        (root / "media").mkdir(parents=True, exist_ok=True)
        target = root / found.media_name
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(found.media, partial)
        try:
            os.link(partial, target)
        finally:
            partial.unlink()
        written.append(target)
        transcript = root / found.transcript_name
        with open(transcript, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(found.vtt)
        written.append(transcript)
        record = root / f"{found.testimony.id}.md"
        create_testimony_file(found.testimony, record)
        written.append(record)
    except (OSError, FileExists) as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise ImportFailed(f"the interview could not be written ({exc}); nothing was kept.") \
            from None
    return written
