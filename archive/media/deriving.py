"""An audience's copy of a recording: every range it may not hear silenced (video: blanked
and muted), the same length, no metadata, built once and kept under a fingerprint.

- A WAV master gives a WAV copy written by Python's `wave`: the samples of each withheld
  range are zeros, every other sample is the master's, to the sample.
- Any other master goes through ffmpeg: it decodes the sound to PCM, Python zeroes the
  withheld samples (so the encoder never receives a sample of them), and ffmpeg encodes
  the copy (audio: Ogg Opus; video: MP4, H.264 with its frames over withheld ranges
  painted black, and AAC), with `-map_metadata -1` and bit-exact flags, in one thread,
  so that the same master, ranges and ffmpeg give the same bytes.
- The copy's name is the fingerprint of the master's SHA-256, the ranges, the recipe and
  the tool's version: when the record or the master changes, the name changes, and the
  old copy is never served again (and is removed when the new one is made).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
import wave
from contextlib import contextmanager
from pathlib import Path

from ..errors import ArchiveError
from ..records.recording import Recording, withheld_ranges
from . import tools

RECIPE = "silence-1"  # change it when a copy made the same way would now differ
CHUNK_FRAMES = 1 << 16
_memo_lock = threading.Lock()
_hashes: dict[tuple, str] = {}  # (path, size, mtime_ns) -> SHA-256 of a master


class RecordingMissing(ArchiveError):
    """A record names a recording whose master is not there."""


def master_sha256(path: Path) -> str:
    """The SHA-256 of a master, computed once per size and time (a master may be gigabytes)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _memo_lock:
        if key in _hashes:
            return _hashes[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    with _memo_lock:
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


def _is_pcm_wav(path: Path) -> bool:
    if path.suffix.lower() != ".wav":
        return False
    try:
        with wave.open(str(path), "rb"):
            return True
    except (wave.Error, EOFError):
        return False


def recipe(recording: Recording) -> tuple[str, str]:
    """How a recording's copies are made: `(tool and recipe, extension of the copy)`."""
    master = recording.master_path()
    if _is_pcm_wav(master):
        return f"python-wave {RECIPE}", ".wav"
    extension = ".mp4" if recording.kind == "video" else ".opus"
    return f"{tools.version(tools.ffmpeg())} {RECIPE}", extension


def fingerprint(recording: Recording, ranges: tuple) -> tuple[str, str]:
    """The fingerprint naming a copy, and the copy's extension."""
    master = recording.master_path()
    if not master.is_file():
        raise RecordingMissing(f"The recording {recording.file} is missing; the copy cannot "
                               "be made.")
    tool, extension = recipe(recording)
    material = json.dumps([master_sha256(master), [list(r) for r in ranges], tool, extension])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32], extension


def copy_for(recording: Recording, audience: str, cache: Path, name: str) -> Path:
    """The copy of a recording an audience may hear (the master itself for archivists),
    made now if it is not made yet; `cache` is the folder of copies, `name` the record's id."""
    if audience == "archivists":
        return recording.master_path()
    ranges = withheld_ranges(recording, audience)
    digest, extension = fingerprint(recording, ranges)
    folder = Path(cache) / name / audience
    target = folder / f"{digest}{extension}"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"):
        if not target.is_file():
            partial = folder / f".{digest}.{os.getpid()}.{threading.get_ident()}{extension}"
            try:
                _derive(recording, ranges, partial, extension)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
            for stale in folder.iterdir():
                if stale != target and not stale.name.startswith("."):
                    stale.unlink(missing_ok=True)
    return target


@contextmanager
def _locked(path: Path):
    """One maker of a copy at a time, across threads and processes."""
    with open(path, "a+b") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # no advisory locks here: the rename keeps copies whole
            pass
        yield


def _derive(recording: Recording, ranges: tuple, out: Path, extension: str) -> None:
    if extension == ".wav":
        silence_wav(recording.master_path(), ranges, out)
    else:
        _silence_with_ffmpeg(recording, ranges, out, extension)


def _sample_ranges(ranges: tuple, rate: int) -> list[tuple[int, int]]:
    """Millisecond ranges as sample ranges, widened outward to whole samples."""
    return [(start * rate // 1000, -(-end * rate // 1000)) for start, end in ranges]


def _zero(chunk: bytearray, first: int, frame_bytes: int, samples: list, silence: bytes):
    """Zero the frames of a chunk (which starts at frame `first`) that fall in a range."""
    count = len(chunk) // frame_bytes
    for start, end in samples:
        a, b = max(start, first), min(end, first + count)
        if a < b:
            chunk[(a - first) * frame_bytes:(b - first) * frame_bytes] = \
                silence * ((b - a) * frame_bytes // len(silence))


def silence_wav(master: Path, ranges: tuple, out: Path) -> None:
    """Write a copy of a PCM WAV file with the ranges' samples silent, nothing else changed
    but the header (no chunks besides the format and the data)."""
    with wave.open(str(master), "rb") as source, wave.open(str(out), "wb") as copy:
        channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
        copy.setnchannels(channels)
        copy.setsampwidth(width)
        copy.setframerate(rate)
        copy.setnframes(source.getnframes())
        samples = _sample_ranges(ranges, rate)
        silence = b"\x80" if width == 1 else b"\x00"  # 8-bit WAV is unsigned
        first = 0
        while True:
            chunk = bytearray(source.readframes(CHUNK_FRAMES))
            if not chunk:
                break
            _zero(chunk, first, channels * width, samples, silence)
            copy.writeframesraw(bytes(chunk))
            first += len(chunk) // (channels * width)


_AUDIO_LINE = re.compile(r"Stream #\S+: Audio: [^\n]*?(\d+) Hz, ([^,\n]+)")


def _audio_layout(path: Path) -> int | None:
    """How many channels the copy keeps (1 or 2); None when the master has no sound."""
    done = subprocess.run([tools.ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path)],
                          capture_output=True, text=True, check=False)
    found = _AUDIO_LINE.search(done.stderr or "")
    if not found:
        return None
    return 1 if found.group(2).strip() in ("mono", "1 channels") else 2


COMMON = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact",
          "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-threads", "1"]
RATE = 48000


def _silence_with_ffmpeg(recording: Recording, ranges: tuple, out: Path, extension: str):
    master = str(recording.master_path())
    channels = _audio_layout(recording.master_path())
    video = recording.kind == "video"
    encode = [tools.ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-y"]
    if video:
        encode += ["-i", master]
    if channels:
        encode += ["-f", "s16le", "-ar", str(RATE), "-ac", str(channels), "-i", "pipe:0"]
    if video:
        blank = "+".join(f"between(t,{a / 1000:.3f},{b / 1000:.3f})" for a, b in ranges)
        encode += ["-map", "0:v:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                   "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
        if blank:
            encode += ["-vf", f"drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='{blank}'"]
        if channels:
            encode += ["-map", "1:a:0", "-c:a", "aac", "-b:a", "128k"]
        encode += ["-f", "mp4"]
    else:
        encode += ["-map", "0:a:0", "-c:a", "libopus", "-b:a", "64k", "-f", "ogg"]
    encode += COMMON + [str(out)]
    if not channels:
        return tools.run(encode[5:], "make the copy of the recording")
    decode = [tools.ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-i", master,
              "-map", "0:a:0", "-f", "s16le", "-acodec", "pcm_s16le", "-ar", str(RATE),
              "-ac", str(channels), "pipe:1"]
    _pump(decode, encode, _sample_ranges(ranges, RATE), channels * 2)


def _pump(decode: list, encode: list, samples: list, frame_bytes: int) -> None:
    """Decoded PCM through Python (the withheld samples zeroed) into the encoder."""
    reader = subprocess.Popen(decode, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer = subprocess.Popen(encode, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    first, pending = 0, b""
    try:
        for block in iter(lambda: reader.stdout.read(CHUNK_FRAMES * frame_bytes), b""):
            block = pending + block
            whole = len(block) - len(block) % frame_bytes
            chunk, pending = bytearray(block[:whole]), block[whole:]
            _zero(chunk, first, frame_bytes, samples, b"\x00")
            writer.stdin.write(chunk)
            first += whole // frame_bytes
    finally:
        writer.stdin.close()
        reader.stdout.close()
        failed = reader.wait() != 0 or writer.wait() != 0
    if failed:
        said = b" ".join((reader.stderr.read() + writer.stderr.read()).split())[-300:]
        raise ArchiveError("ffmpeg could not make the copy of the recording: "
                           f"{said.decode('utf-8', 'replace') or 'no message'}.")
