"""Transcripts from other tools: WebVTT (webvtt-py) and SRT (srt), OHMS XML (its index
points and `vtt_transcript`), and Word (.docx) and OpenDocument (.odt) documents whose
paragraphs start with `[hh:mm:ss]` stamps. Each becomes cues, a segment index and what the
file says of the record, for `importing` to check and write as the archive's own files.

Foreign files are read leniently (a tool's styling tags are dropped), but XML is read with
defusedxml: an import file is untrusted, and entity expansion is refused.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ArchiveError
from ..records.webvtt import parse_timestamp

SUFFIXES = (".vtt", ".srt", ".xml", ".docx", ".odt")
_SPEAKER = re.compile(r"^([A-Z][\w.' -]{0,30}?):\s+(?=\S)")
_STAMP = re.compile(r"^\s*\[(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]\s*")


class TranscriptUnreadable(ArchiveError):
    """An import file cannot be read as a transcript."""


@dataclass(frozen=True)
class ForeignCue:
    """A cue as another tool gave it (times in milliseconds; the end may be unknown)."""

    start: int
    end: int | None
    speaker: str | None
    text: str


@dataclass
class Transcript:
    """What a transcript file holds: cues, index points and the record's fields it names."""

    cues: list[ForeignCue] = field(default_factory=list)
    segments: list[dict] = field(default_factory=list)
    fields: dict = field(default_factory=dict)


def read_transcript(path: Path) -> Transcript:
    """Read a transcript file by its kind (its extension)."""
    readers = {".vtt": _webvtt, ".srt": _srt, ".xml": _ohms, ".docx": _docx, ".odt": _odt}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise TranscriptUnreadable(f"{path}: not a transcript the archive reads; expected one "
                                   f"of {', '.join(SUFFIXES)}.")
    try:
        found = reader(path)
    except TranscriptUnreadable:
        raise
    except Exception as exc:  # each library raises its own kinds on a broken file
        raise TranscriptUnreadable(f"{path}: cannot be read as a transcript "
                                   f"({type(exc).__name__}: {exc}).") from None
    if not found.cues:
        raise TranscriptUnreadable(f"{path}: holds no timed passage; a transcript needs "
                                   "times (cues, or [hh:mm:ss] stamps).")
    return found


def _clean(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _from_webvtt(captions) -> list[ForeignCue]:
    cues = []
    for caption in captions:
        speaker = getattr(caption, "voice", None)
        cues.append(ForeignCue(caption.start_time.in_milliseconds(),
                               caption.end_time.in_milliseconds(),
                               html.unescape(speaker) if speaker else None, _clean(caption.text)))
    return cues


def _webvtt(path: Path) -> Transcript:
    import webvtt

    return Transcript(_from_webvtt(webvtt.read(str(path))))


def _speaker_of(text: str) -> tuple[str | None, str]:
    """`Kim: we left` -> ("Kim", "we left"): a short capitalised name and a colon."""
    found = _SPEAKER.match(text)
    return (found.group(1).strip(), text[found.end():]) if found else (None, text)


def _srt(path: Path) -> Transcript:
    import srt

    cues = []
    for item in srt.parse(path.read_text(encoding="utf-8-sig")):
        speaker, text = _speaker_of(_clean(item.content))
        cues.append(ForeignCue(round(item.start.total_seconds() * 1000),
                               round(item.end.total_seconds() * 1000), speaker, text))
    return Transcript(cues)


def _xml(data: bytes):
    from defusedxml import ElementTree

    return ElementTree.fromstring(data, forbid_dtd=True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ohms(path: Path) -> Transcript:
    import webvtt

    root = _xml(path.read_bytes())
    record = next((e for e in root.iter() if _local(e.tag) == "record"), None)
    if record is None:
        raise TranscriptUnreadable(f"{path}: not OHMS XML (no <record>).")
    child = {_local(e.tag): e for e in record}

    def text(name: str) -> str:
        element = child.get(name)
        return (element.text or "").strip() if element is not None else ""

    vtt = text("vtt_transcript")
    if not vtt:
        raise TranscriptUnreadable(f"{path}: the OHMS record has no <vtt_transcript>; export "
                                   "it from OHMS with its transcript synchronised.")
    found = Transcript(_from_webvtt(webvtt.from_string(vtt)))
    for point in (e for e in record.iter() if _local(e.tag) == "point"):
        values = {_local(e.tag): (e.text or "").strip() for e in point}
        found.segments.append({
            "start": int(float(values.get("time") or 0) * 1000), "title": values.get("title", ""),
            "synopsis": values.get("synopsis") or None,
            "keywords": [k.strip() for k in values.get("keywords", "").split(";") if k.strip()],
            "subjects": [s.strip() for s in values.get("subjects", "").split(";") if s.strip()]})
    date = (child["date"].get("value") or "") if "date" in child else ""
    fields = {"title": text("title"), "summary": text("description"),
              "name": text("interviewee"), "language": text("language")[:2].lower(),
              "year": int(date[:4]) if date[:4].isdigit() else None,
              "duration": parse_timestamp(text("duration")) if text("duration") else None,
              "tags": [e.text.strip() for e in record if _local(e.tag) == "keyword" and e.text],
              "subjects": [e.text.strip() for e in record
                           if _local(e.tag) == "subject" and e.text]}
    found.fields = {k: v for k, v in fields.items() if v not in (None, "", [])}
    return found


def _stamped(paragraphs: list[str]) -> Transcript:
    """Cues from paragraphs where `[hh:mm:ss]` starts a cue; an unstamped paragraph
    continues the cue before it (text before the first stamp is left out)."""
    cues: list[list] = []
    for paragraph in paragraphs:
        found = _STAMP.match(paragraph)
        if found:
            speaker, text = _speaker_of(" ".join(paragraph[found.end():].split()))
            start = parse_timestamp(found.group(1) if found.group(1).count(":") == 2
                                    else f"00:{found.group(1)}")
            cues.append([start, speaker, text])
        elif cues and paragraph.strip():
            cues[-1][2] = f"{cues[-1][2]} {' '.join(paragraph.split())}".strip()
    return Transcript([ForeignCue(start, None, speaker, text) for start, speaker, text in cues])


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx(path: Path) -> Transcript:
    with zipfile.ZipFile(path) as archive:
        root = _xml(archive.read("word/document.xml"))
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t":
                parts.append(node.text or "")
            elif node.tag in (f"{_W}tab", f"{_W}br"):
                parts.append(" ")
        paragraphs.append("".join(parts))
    return _stamped(paragraphs)


_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _odt(path: Path) -> Transcript:
    with zipfile.ZipFile(path) as archive:
        root = _xml(archive.read("content.xml"))

    def words(node) -> str:
        out = [node.text or ""]
        for inner in node:
            if inner.tag in (f"{_TEXT}s", f"{_TEXT}tab", f"{_TEXT}line-break"):
                out.append(" ")
            else:
                out.append(words(inner))
            out.append(inner.tail or "")
        return "".join(out)

    paragraphs = [words(node) for node in root.iter()
                  if node.tag in (f"{_TEXT}p", f"{_TEXT}h")]
    return _stamped(paragraphs)


__all__ = ["SUFFIXES", "ForeignCue", "Transcript", "TranscriptUnreadable", "read_transcript"]
