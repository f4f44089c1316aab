"""Interviews made for the tests: sentences spoken by espeak-ng (Debian's), joined into a
WAV file whose cue times are known to the sample, with its WebVTT transcript and record."""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.records.webvtt import format_timestamp

from .helpers import write_record

RATE = 22050  # espeak-ng's rate; 20 ms is exactly 441 samples
STEP_MS = 20
GAP_MS = 300
RESTRICTED_NAME = "qzsunwol"  # the name said in the restricted cue, in no public output
SENTENCES = (
    ("Interviewer", "Where did you work before you left?"),
    ("Kim", "I kept the accounts of a trading company in Sinuiju."),
    ("Kim", f"My cousin [{RESTRICTED_NAME.capitalize()} Pak]{{.restricted}} rowed us across "
            "the river at night."),
    ("Interviewer", "Why did you leave?"),
    ("Kim", '[I wanted my children to grow up free]{.motive term="children\'s freedom"}.'),
)


@dataclass(frozen=True)
class Interview:
    """A synthesised interview: its files and each cue's times in milliseconds."""

    record: Path
    master: Path
    transcript: Path
    cues: tuple[tuple[int, int], ...]

    def samples(self, number: int) -> tuple[int, int]:
        """The sample range of a cue (from 1)."""
        start, end = self.cues[number - 1]
        return start * RATE // 1000, end * RATE // 1000


def spoken(text: str, folder: Path) -> bytes:
    """The frames of a sentence said by espeak-ng (mono, 16-bit, 22,050 Hz)."""
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    out = folder / "said.wav"
    plain = text.replace("{.restricted}", "").replace("[", "").replace("]", "")
    plain = plain.split("{")[0] if "{.motive" in plain else plain
    subprocess.run(["espeak-ng", "-w", str(out), plain], check=True)
    with wave.open(str(out), "rb") as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (RATE, 1, 2)
        return audio.readframes(audio.getnframes())


def make_interview(folder: Path, testimony_id: str = "kim-interview",
                   sentences=SENTENCES, **fields) -> Interview:
    """Write `media/ID.wav` and `media/ID.vtt` and the record beside them."""
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    frames, cues = bytearray(), []
    step = RATE * STEP_MS // 1000 * 2  # bytes of 20 ms

    def pad_to_step() -> None:
        frames.extend(b"\x00" * (-len(frames) % step))

    frames.extend(b"\x00" * (GAP_MS * RATE // 1000 * 2))
    for _speaker, text in sentences:
        pad_to_step()
        start = len(frames) // 2 * 1000 // RATE
        frames.extend(spoken(text, folder))
        pad_to_step()
        cues.append((start, len(frames) // 2 * 1000 // RATE))
        frames.extend(b"\x00" * (GAP_MS * RATE // 1000 * 2))
    master = media / f"{testimony_id}.wav"
    with wave.open(str(master), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(RATE)
        audio.writeframes(bytes(frames))
    lines = ["WEBVTT", ""]
    for (start, end), (speaker, text) in zip(cues, sentences):
        lines += [f"{format_timestamp(start)} --> {format_timestamp(end)}",
                  f"<v {speaker}>{text}", ""]
    transcript = media / f"{testimony_id}.vtt"
    transcript.write_text("\n".join(lines), encoding="utf-8")
    meta = {"motives": ["children's freedom"], "account": "interview", "access": "public",
            "media": {"file": f"media/{testimony_id}.wav",
                      "transcript": f"media/{testimony_id}.vtt"}}
    meta.update(fields)
    record = write_record(folder, testimony_id, body="An interview recorded for the tests.\n",
                          **meta)
    return Interview(record, master, transcript, tuple(cues))


def frames_of(path: Path) -> tuple[bytes, tuple]:
    """A WAV file's frames and its (channels, width, rate, frames)."""
    with wave.open(str(path), "rb") as audio:
        params = (audio.getnchannels(), audio.getsampwidth(), audio.getframerate(),
                  audio.getnframes())
        return audio.readframes(audio.getnframes()), params
