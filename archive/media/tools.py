"""ffmpeg, found once: `ARCHIVE_FFMPEG` names one; else the binary bundled in the
imageio-ffmpeg wheel (so that an offline wheelhouse carries it); else the system's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache

from ..errors import ArchiveError


class ToolMissing(ArchiveError):
    """A tool needed for recordings is not installed."""


@lru_cache(maxsize=1)
def ffmpeg() -> str:
    """The path of the ffmpeg to run, or ToolMissing in one sentence."""
    named = os.environ.get("ARCHIVE_FFMPEG")
    if named:
        if not shutil.which(named):
            raise ToolMissing(f"ARCHIVE_FFMPEG names {named!r}, which is not a program here; "
                              "correct it or unset it.")
        return shutil.which(named)
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        pass
    found = shutil.which("ffmpeg")
    if found:
        return found
    raise ToolMissing("Recordings other than WAV need ffmpeg: install the archive's "
                      "dependencies (imageio-ffmpeg bundles it) or the system's ffmpeg.")


@lru_cache(maxsize=4)
def version(path: str) -> str:
    """The first line of `ffmpeg -version`: part of every derived copy's fingerprint."""
    out = subprocess.run([path, "-version"], capture_output=True, text=True, check=False)
    return (out.stdout.splitlines() or ["ffmpeg, unknown version"])[0].strip()


def run(arguments: list[str], what: str) -> None:
    """Run ffmpeg quietly, raising ArchiveError with its last words when it fails."""
    done = subprocess.run([ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", *arguments],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = " ".join((done.stderr or "").split())[-300:]
        raise ArchiveError(f"ffmpeg could not {what}: {said or 'no message'}.")


_DURATION = re.compile(r"Duration:\s*(\d+):(\d\d):(\d\d)\.(\d+)")


def probe_duration(path: str) -> int | None:
    """A recording's length in milliseconds as ffmpeg reads its header (None if unknown)."""
    done = subprocess.run([ffmpeg(), "-hide_banner", "-nostdin", "-i", path],
                          capture_output=True, text=True, check=False)
    found = _DURATION.search(done.stderr or "")
    if not found:
        return None
    hours, minutes, seconds, fraction = found.groups()
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 \
        + int(fraction.ljust(3, "0")[:3])


def decode_pcm(path: str, out: str, rate: int = 16000) -> None:
    """Decode a recording's first sound track to raw PCM (mono, 16-bit, `rate` Hz) in the
    file `out`, as a speech recogniser reads it."""
    run(["-y", "-i", path, "-map", "0:a:0", "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1",
         "-ar", str(rate), out], f"read the sound of {path}")
