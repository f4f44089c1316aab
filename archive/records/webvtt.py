"""WebVTT, the format of a recording's transcript: timestamps, cues with their speakers and
lines, read strictly (every problem with its line) and written canonically.

The archive's transcripts are WebVTT files whose cues are the passages of an interview:
`<v Speaker>` opens a cue's text, and the text is the testimony's own words, where
bracketed spans (`[...]{.restricted}`, `[...]{.motive term="..."}`) work as in a body.
Foreign files (other tools' WebVTT, SRT, OHMS) are read leniently by `exchange`, which
writes them in this form.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..translation import gettext as _

TIMESTAMP = re.compile(r"^(?:(\d{1,}):)?([0-5]\d):([0-5]\d)(?:[.,](\d{1,3}))?$")
TIMING = re.compile(r"^(\S+)\s+-->\s+(\S+)(.*)$")
VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAGS = re.compile(r"</?(?:v|c|i|b|u|ruby|rt|lang)(?:[.\s][^>]*)?>|<\d[\d:.]*>")
MAX_TRANSCRIPT_BYTES = 5_000_000


@dataclass(frozen=True)
class RawCue:
    """A cue as a file holds it: its times (milliseconds), speaker, text, settings, and the
    lines of its timing and of its first text line."""

    start: int
    end: int
    speaker: str | None
    text: str
    settings: str
    line: int
    text_line: int


def parse_timestamp(text: str) -> int | None:
    """Milliseconds of `HH:MM:SS.mmm`, `MM:SS.mmm` or `HH:MM:SS` (None if unreadable)."""
    match = TIMESTAMP.match(text.strip())
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def format_timestamp(millis: int) -> str:
    """`HH:MM:SS.mmm`, as WebVTT writes a time."""
    seconds, millis = divmod(int(millis), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def format_clock(millis: int) -> str:
    """A short clock for people: `1:23` or `1:02:03`."""
    seconds = int(millis) // 1000
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def cue_text(raw: str) -> tuple[str | None, str]:
    """A cue payload's speaker (from `<v Speaker>`) and its text: WebVTT's tags taken off,
    character references decoded, lines joined with a space."""
    speaker = None
    found = VOICE.match(raw)
    if found:
        speaker = html.unescape(found.group(1).strip()) or None
        raw = raw[found.end():]
    text = " ".join(_TAGS.sub("", raw).split()) if "<" in raw else " ".join(raw.split())
    return speaker, html.unescape(text) if "&" in text else text


def read_cues(text: str, shown: str) -> tuple[list[RawCue], list[tuple[int | None, str]]]:
    """The cues of a WebVTT text in file order, and its problems as `(line, message)`:
    a missing header, a timing that cannot be read, a cue that ends before it starts."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    problems: list[tuple[int | None, str]] = []
    if not lines or not (lines[0] == "WEBVTT" or lines[0].startswith(("WEBVTT ", "WEBVTT\t"))):
        return [], [(1, _("a WebVTT file starts with the line WEBVTT; add it"))]
    cues, number = [], 1
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        else:
            current = []
    for first, block in blocks:
        if block[0].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in block[0]:
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            problems.append((first, _("expected a cue's timing such as 00:01:23.000 --> "
                                      "00:01:30.500, got %(text)r", text=block[0][:60])))
            continue
        line = first + timing_at
        match = TIMING.match(block[timing_at].strip())
        start = parse_timestamp(match.group(1)) if match else None
        end = parse_timestamp(match.group(2)) if match else None
        if start is None or end is None:
            problems.append((line, _("cannot read the timing %(text)r; write it as "
                                     "00:01:23.000 --> 00:01:30.500", text=block[timing_at][:60])))
            continue
        if end <= start:
            problems.append((line, _("the cue ends at %(end)s, not after it starts at %(start)s",
                                     end=format_timestamp(end), start=format_timestamp(start))))
            continue
        speaker, words = cue_text("\n".join(block[timing_at + 1:]))
        cues.append(RawCue(start, end, speaker, words, match.group(3).strip(), line,
                           line + 1))
    return cues, problems


def write_vtt(cues, header: str = "") -> str:
    """A WebVTT text of cues (anything with `start`, `end`, `speaker` and `text`), each
    numbered, its speaker as `<v Speaker>` and its text escaped as WebVTT needs."""
    out = ["WEBVTT" + (f" - {header}" if header else ""), ""]
    for number, cue in enumerate(cues, start=1):
        voice = f"<v {_escape(cue.speaker)}>" if cue.speaker else ""
        settings = getattr(cue, "settings", "")
        out += [str(number), f"{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}"
                + (f" {settings}" if settings else ""), voice + _escape(cue.text), ""]
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
