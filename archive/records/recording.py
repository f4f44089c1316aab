"""Recordings (record format 1.2): the `media:` field, a recording and its time-coded
transcript, whose cues are passages of the testimony.

```yaml
media:
  file: media/kim-2019.opus          # the master, beside the record (relative to its folder)
  transcript: media/kim-2019.vtt     # WebVTT; each cue a passage, `<v Speaker>` its speaker
  duration: "01:02:03.500"           # optional; read from a WAV file's header when absent
  restricted: ["00:10:00 --> 00:10:30"]  # optional: time ranges only archivists may hear
  segments:                          # optional: the segment index, OHMS style
    - {start: "00:00:00", title: Childhood, synopsis: ..., keywords: [...], motives: [...]}
  aligned: draft                     # optional: cue times computed by alignment, unconfirmed
```

What an audience may hear and read is decided here, once, with the audience as a
parameter: a cue holding a span hidden from it, or overlapping a time range restricted
from it, is left out of its transcript, and its time is silenced in its copy of the
recording (`withheld_ranges`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import wave
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

from ..translation import gettext as _
from .coding import MOTIVE_CLASS, coding_problems, source_spans, split_terms
from .rendering import plain_passages, plain_text
from .validation import Problem, _Invalid, _shown, _string, _string_list
from .vocabulary import Vocabulary
from .webvtt import MAX_TRANSCRIPT_BYTES, format_timestamp, parse_timestamp, read_cues

AUDIO = {".wav": "audio/wav", ".opus": "audio/ogg", ".ogg": "audio/ogg", ".oga": "audio/ogg",
         ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".flac": "audio/flac"}
VIDEO = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime",
         ".webm": "video/webm", ".mkv": "video/x-matroska", ".ogv": "video/ogg"}
# The span classes each audience may not read or hear (record format 1.2: `{.researchers}`
# spans are hidden from the public, `{.restricted}` ones from all but archivists).
HIDDEN_CLASSES = {"public": ("restricted", "researchers"), "researchers": ("restricted",),
                  "archivists": ()}
_MALFORMED = re.compile(r"\{[^}]*\.(?:restricted|researchers)")
KEYS = ("file", "transcript", "duration", "restricted", "segments", "aligned")
SEGMENT_KEYS = ("start", "title", "synopsis", "keywords", "motives")


@dataclass(frozen=True)
class Cue:
    """A passage of a transcript: its number (from 1), times in milliseconds, speaker, text
    (spans as in a body) and the line of its timing in the WebVTT file."""

    number: int
    start: int
    end: int
    speaker: str | None
    text: str
    line: int = field(default=0, compare=False)

    def hidden_from(self, audience: str) -> bool:
        """True when the cue holds a span the audience may not read (or one we cannot
        delimit: the whole cue is then withheld rather than guessed at)."""
        hidden = HIDDEN_CLASSES[audience]
        if not hidden or "{" not in self.text:
            return False
        if any(c in hidden for span in source_spans(self.text) for c in span.classes):
            return True
        return bool(_MALFORMED.search(self.text)) and not _well_formed(self.text)


def _well_formed(text: str) -> bool:
    """True when every `{.restricted}` brace of a text closes a span we read."""
    spans = source_spans(text)
    closed = {span.end - len(span.attributes) - 2 for span in spans}
    return all(match.start() in closed for match in _MALFORMED.finditer(text))


@dataclass(frozen=True)
class Segment:
    """A point of the segment index: where it starts, its title, synopsis, keywords and
    the motives it concerns."""

    start: int
    title: str
    synopsis: str | None = None
    keywords: tuple[str, ...] = ()
    motives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recording:
    """A testimony's recording: the master and transcript (paths relative to the record's
    folder), its cues, segment index and restricted time ranges (milliseconds); `withheld`
    holds the ranges silenced in the view it belongs to."""

    file: str
    transcript: str | None = None
    duration: int | None = None
    restricted: tuple[tuple[int, int], ...] = ()
    segments: tuple[Segment, ...] = ()
    aligned: str | None = None
    cues: tuple[Cue, ...] = ()
    withheld: tuple[tuple[int, int], ...] = ()
    transcript_sha256: str = ""
    folder: str = field(default="", compare=False)

    @property
    def kind(self) -> str:
        """`audio` or `video`, from the master's extension."""
        return "video" if PurePosixPath(self.file).suffix.lower() in VIDEO else "audio"

    def master_path(self) -> Path:
        """Where the master lies."""
        return Path(self.folder) / self.file

    def front_matter(self) -> dict:
        """The `media:` mapping as a record file writes it."""
        values: dict = {"file": self.file}
        if self.transcript:
            values["transcript"] = self.transcript
        if self.duration is not None and not self.file.lower().endswith(".wav"):
            values["duration"] = format_timestamp(self.duration)
        if self.restricted:
            values["restricted"] = [f"{format_timestamp(a)} --> {format_timestamp(b)}"
                                    for a, b in self.restricted]
        if self.segments:
            values["segments"] = [{k: v for k, v in (
                ("start", format_timestamp(s.start)), ("title", s.title),
                ("synopsis", s.synopsis), ("keywords", list(s.keywords)),
                ("motives", list(s.motives))) if v} for s in self.segments]
        if self.aligned:
            values["aligned"] = self.aligned
        return values


def _time(value, what: str, key: tuple) -> int:
    """Milliseconds from `HH:MM:SS.mmm` text or a number of seconds (YAML reads an unquoted
    `1:10:00` as 4200 seconds, which is the same time)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, (int, float)) and value >= 0:
        return round(value * 1000)
    millis = parse_timestamp(value) if isinstance(value, str) else None
    if millis is None:
        raise _Invalid(_("%(what)s: expected a time such as 00:01:23.500, got %(value)s",
                         what=what, value=_shown(value)), key)
    return millis


def _range(value, key: tuple) -> tuple[int, int]:
    text = value if isinstance(value, str) else ""
    start, arrow, end = text.partition("-->")
    if not arrow:
        raise _Invalid(_("restricted: expected a time range such as '00:10:00 --> "
                         "00:10:30', got %(value)s", value=_shown(value)), key)
    first, last = _time(start.strip(), "restricted", key), _time(end.strip(), "restricted", key)
    if last <= first:
        raise _Invalid(_("restricted: the range %(range)r ends before it starts",
                         range=text.strip()), key)
    return first, last


def _relative(value, name: str, kinds: dict | None) -> str:
    text = _string(500)(value) if isinstance(value, str) else None
    if text is None:
        raise _Invalid(_("%(name)s: expected a file name such as media/kim-2019.opus, got "
                         "%(value)s", name=name, value=_shown(value)), (name,))
    path = PurePosixPath(text.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", text):
        raise _Invalid(_("%(name)s: %(value)r leaves the records' folder; name a file beside "
                         "the record, such as media/kim-2019.opus", name=name, value=text),
                       (name,))
    if kinds is not None and path.suffix.lower() not in kinds:
        raise _Invalid(_("%(name)s: %(value)r is not a recording the archive plays; expected "
                         "one of %(kinds)s", name=name, value=text, kinds=", ".join(kinds)),
                       (name,))
    return path.as_posix()


def media_field(value, vocabulary: Vocabulary) -> Recording:
    """The `media:` mapping checked and normalised (the transcript is read later, beside
    the record file); raises `_Invalid` with every problem."""
    if not isinstance(value, dict) or "file" not in value:
        raise _Invalid(_("expected a mapping with file: (the recording) and transcript: (its "
                         "WebVTT), got %(value)s", value=_shown(value)))
    problems, values = [], {}
    for key in value:
        if key not in KEYS:
            problems.append(_Invalid(_("unknown key %(key)r; expected %(keys)s", key=key,
                                       keys=", ".join(KEYS)), (key,)))
    checks = {
        "file": lambda v: _relative(v, "file", {**AUDIO, **VIDEO}),
        "transcript": lambda v: _relative(v, "transcript", {".vtt": "text/vtt"}),
        "duration": lambda v: _time(v, "duration", ("duration",)),
        "restricted": lambda v: tuple(_range(item, ("restricted", i))
                                      for i, item in enumerate(_list(v, "restricted"))),
        "segments": lambda v: _segments(v, vocabulary),
        "aligned": lambda v: _aligned(v),
    }
    for key, check in checks.items():
        if value.get(key) is None:
            continue
        try:
            values[key] = check(value[key])
        except _Invalid as exc:
            problems += [exc, *exc.more]
    if problems:
        raise _Invalid.collect(problems)
    return Recording(**values)


def _list(value, name: str) -> list:
    if not isinstance(value, list):
        raise _Invalid(_("%(name)s: expected a list, got %(value)s", name=name,
                         value=_shown(value)), (name,))
    return value


def _aligned(value) -> str:
    if value not in ("draft", "confirmed"):
        raise _Invalid(_("aligned: expected draft or confirmed, got %(value)s",
                         value=_shown(value)), ("aligned",))
    return value


def _segments(value, vocabulary: Vocabulary) -> tuple[Segment, ...]:
    segments, problems = [], []
    for index, item in enumerate(_list(value, "segments")):
        key = ("segments", index)
        try:
            if not isinstance(item, dict) or "start" not in item or "title" not in item:
                raise _Invalid(_("segments: expected start: and title: in each segment, got "
                                 "%(value)s", value=_shown(item)), key)
            motives = []
            for number, label in enumerate(_string_list(item.get("motives") or [])):
                term = vocabulary.normalise(label)
                if term is None:
                    hint = vocabulary.closest(label)
                    raise _Invalid(_("segments: unknown motive %(label)r, not a term or alias "
                                     "of testimonies/vocabulary.yaml", label=label)
                                   + (_("; did you mean '%(hint)s'?", hint=hint) if hint else ""),
                                   key + ("motives", number))
                motives.append(term)
            segments.append(Segment(
                _time(item["start"], "segments", key + ("start",)),
                _string(300)(item["title"]),
                _string(5000)(item["synopsis"]) if item.get("synopsis") else None,
                _string_list(item.get("keywords") or []), tuple(dict.fromkeys(motives))))
        except _Invalid as exc:
            if exc.key == ():
                exc = _Invalid(f"segments: {exc}", key)
            problems.append(exc)
    if problems:
        raise _Invalid.collect(problems)
    return tuple(segments)


def load_transcript(recording: Recording, folder: Path, shown: str, motives: tuple[str, ...],
                    vocabulary: Vocabulary, lines: dict) -> tuple[Recording, list[Problem]]:
    """The recording with its cues read from the transcript beside the record, and every
    problem: a missing file, cues out of order or overlapping, a cue, range or segment past
    the recording's end, and the coded passages' problems inside cues."""
    problems: list[Problem] = []

    def report(key: tuple, message: str) -> None:
        line = lines.get(("media",) + key) or lines.get(("media",))
        problems.append(Problem(shown, line, "media", message))

    master = folder / recording.file
    if not master.is_file():
        report(("file",), _("the recording %(file)s is not in %(folder)s; put the file there "
                            "or correct media.file", file=recording.file,
                            folder=_folder_shown(shown)))
    duration = recording.duration if recording.duration is not None else _wav_duration(master)
    cues, digest = (), ""
    if recording.transcript:
        path = folder / recording.transcript
        vtt_shown = str(PurePosixPath(_folder_shown(shown)) / recording.transcript)
        if not path.is_file():
            report(("transcript",), _("the transcript %(file)s is not in %(folder)s; put the "
                                      "WebVTT file there or correct media.transcript",
                                      file=recording.transcript, folder=_folder_shown(shown)))
        else:
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            cues, found = _cues(raw, vtt_shown, duration, motives, vocabulary)
            problems += found
    for index, (start, end) in enumerate(recording.restricted):
        if duration is not None and end > duration:
            report(("restricted", index), _past_end(_("the restricted range"), end, duration))
    last = -1
    for index, segment in enumerate(recording.segments):
        if segment.start <= last:
            report(("segments", index, "start"), _("segments: this segment starts at %(at)s, "
                   "not after the one before it; list segments in time order",
                   at=format_timestamp(segment.start)))
        last = segment.start
        if duration is not None and segment.start >= duration:
            report(("segments", index, "start"), _past_end(_("the segment"), segment.start,
                                                           duration))
        for number, term in enumerate(segment.motives):
            if term not in motives:
                report(("segments", index, "motives", number),
                       _("segments: the segment names '%(term)s', which motives: does not "
                         "list; add '%(term)s' to motives", term=term))
    return dataclasses.replace(recording, cues=tuple(cues), duration=duration,
                               transcript_sha256=digest, folder=str(folder)), problems


def _folder_shown(shown: str) -> str:
    parent = PurePosixPath(shown.replace("\\", "/")).parent.as_posix()
    return parent if parent != "." else "the records' folder"


def _past_end(what: str, at: int, duration: int) -> str:
    return _("%(what)s reaches %(at)s, past the recording's end at %(end)s; correct the time "
             "or the recording", what=what, at=format_timestamp(at),
             end=format_timestamp(duration))


def _cues(raw: bytes, shown: str, duration: int | None, motives, vocabulary):
    """The cues of a transcript file and their problems, each with the file and line."""
    if len(raw) > MAX_TRANSCRIPT_BYTES:
        return [], [Problem(shown, None, "transcript", _(
            "the file is %(size)s bytes; a transcript may be at most %(limit)s bytes",
            size=f"{len(raw):,}", limit=f"{MAX_TRANSCRIPT_BYTES:,}"))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Problem(shown, raw[:exc.start].count(b"\n") + 1, "transcript",
                            _("byte 0x%(byte)s is not UTF-8; save the file as UTF-8",
                              byte=f"{raw[exc.start]:02x}"))]
    read, found = read_cues(text, shown)
    problems = [Problem(shown, line, "transcript", message) for line, message in found]
    cues, previous = [], None
    for number, raw_cue in enumerate(read, start=1):
        def report(message: str, line: int = raw_cue.line) -> None:
            problems.append(Problem(shown, line, "transcript", message))
        if previous is not None and raw_cue.start < previous.start:
            report(_("this cue starts at %(at)s, before the cue of line %(line)s (%(before)s); "
                     "cues are in time order", at=format_timestamp(raw_cue.start),
                     line=previous.line, before=format_timestamp(previous.start)))
        elif previous is not None and raw_cue.start < previous.end:
            report(_("this cue starts at %(at)s, before the cue of line %(line)s ends "
                     "(%(end)s); cues may not overlap", at=format_timestamp(raw_cue.start),
                     line=previous.line, end=format_timestamp(previous.end)))
        if duration is not None and raw_cue.end > duration:
            report(_past_end(_("the cue"), raw_cue.end, duration))
        if not raw_cue.text.strip():
            report(_("the cue holds no words; remove it or write what is said"))
        if "{" in raw_cue.text:
            problems += coding_problems(raw_cue.text, motives, vocabulary, shown,
                                        raw_cue.text_line)
        cues.append(Cue(number, raw_cue.start, raw_cue.end, raw_cue.speaker, raw_cue.text,
                        raw_cue.line))
        previous = raw_cue
    return cues, problems


def _wav_duration(path: Path) -> int | None:
    """A WAV file's length from its header (None for other files or unreadable ones)."""
    if path.suffix.lower() != ".wav" or not path.is_file():
        return None
    try:
        with wave.open(str(path), "rb") as audio:
            return audio.getnframes() * 1000 // audio.getframerate()
    except (wave.Error, EOFError, OSError, ZeroDivisionError):
        return None


def withheld_ranges(recording: Recording, audience: str) -> tuple[tuple[int, int], ...]:
    """The time ranges an audience may not hear, merged and in order: each cue hidden from
    it and each listed restricted range (none for archivists)."""
    if audience == "archivists":
        return ()
    # A view's own withheld ranges count too, so that a view (whose hidden cues are gone)
    # never yields a copy that lets them be heard.
    ranges = sorted([(cue.start, cue.end) for cue in recording.cues
                     if cue.hidden_from(audience)] + list(recording.restricted)
                    + list(recording.withheld))
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def recording_view(recording: Recording, audience: str) -> Recording:
    """The recording as an audience may read it: the cues it may not read, or that overlap
    a range it may not hear, left out; `withheld` says which ranges its copy silences."""
    withheld = withheld_ranges(recording, audience)
    if not withheld:
        return recording
    cues = tuple(cue for cue in recording.cues
                 if not any(cue.start < end and start < cue.end for start, end in withheld))
    return dataclasses.replace(recording, cues=cues, withheld=withheld)


@dataclass(frozen=True)
class CuePassage:
    """A coded passage inside a cue: its motives, plain text and the cue's number and times."""

    motives: tuple[str, ...]
    text: str
    cue: int
    start: int
    end: int


@lru_cache(maxsize=8192)
def _plain(text: str) -> tuple[str, tuple]:
    """A cue's plain text and its spans' `(term, start, end)` (kept: a record's views and
    its check read the same cues)."""
    if "]{" not in text:
        return plain_text(text), ()
    plain, found = plain_passages(text)
    return plain, tuple((term, start, end) for term, start, end, *_where in found)


def cue_plain_texts(recording: Recording | None, vocabulary: Vocabulary):
    """Each cue's plain text (span syntax removed) and the coded passages in the cues."""
    texts, coded = [], []
    for cue in recording.cues if recording else ():
        plain, found = _plain(cue.text)
        texts.append((cue, plain))
        for term, start, end in found:
            motives = tuple(dict.fromkeys(t for t in map(vocabulary.normalise,
                                                         split_terms(term)) if t))
            if motives:
                coded.append(CuePassage(motives, plain[start:end], cue.number, cue.start,
                                        cue.end))
    return texts, coded


__all__ = ["AUDIO", "VIDEO", "Cue", "CuePassage", "MOTIVE_CLASS", "Recording",
           "Segment", "cue_plain_texts", "load_transcript", "media_field",
           "recording_view", "withheld_ranges"]
