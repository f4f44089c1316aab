"""The public copy of a recording: the same length, silent exactly over the restricted cue,
identical elsewhere, the same bytes when made twice, never stale, with no metadata; and
what holds for a lossy copy (Opus) and a video (MP4)."""

from __future__ import annotations

import array
import shutil
import subprocess

import pytest

from archive.media import tools
from archive.media.deriving import copy_for, fingerprint
from archive.records.collection import load_testimony
from archive.records.recording import withheld_ranges

from ..interviews import RESTRICTED_NAME, frames_of, make_interview


@pytest.fixture
def interview(empty_archive):
    return make_interview(empty_archive.testimonies)


def recording_of(paths, testimony_id="kim-interview"):
    return load_testimony(paths.testimonies, testimony_id).media


def test_the_public_copy_is_silent_exactly_over_the_restricted_cue_and_the_master_elsewhere(
        empty_archive, interview):
    recording = recording_of(empty_archive)
    copy = copy_for(recording, "public", empty_archive.index / "media", "kim-interview")
    master, master_params = frames_of(interview.master)
    public, public_params = frames_of(copy)
    assert public_params == master_params  # the same length, to the sample
    start, end = interview.samples(3)
    assert master[2 * start:2 * end].strip(b"\x00")  # the master says something there
    assert public[2 * start:2 * end] == b"\x00" * (2 * (end - start))
    assert public[:2 * start] == master[:2 * start]
    assert public[2 * end:] == master[2 * end:]
    assert withheld_ranges(recording, "public") == (interview.cues[2],)


def test_the_copy_is_the_same_bytes_when_made_twice_and_carries_only_sound(empty_archive,
                                                                           interview):
    recording = recording_of(empty_archive)
    cache = empty_archive.index / "media"
    first = copy_for(recording, "public", cache, "kim-interview").read_bytes()
    shutil.rmtree(cache)
    again = copy_for(recording, "public", cache, "kim-interview").read_bytes()
    assert first == again
    assert first[:4] == b"RIFF" and b"LIST" not in first and b"INFO" not in first
    assert first[36:40] == b"data"  # the format chunk, then the sound: nothing else


def test_archivists_hear_the_master_and_researchers_a_copy_of_their_own(empty_archive,
                                                                        interview):
    recording = recording_of(empty_archive)
    cache = empty_archive.index / "media"
    assert copy_for(recording, "archivists", cache, "kim-interview") == interview.master
    researchers = copy_for(recording, "researchers", cache, "kim-interview")
    assert researchers.parent.name == "researchers"
    assert frames_of(researchers)[0] == frames_of(copy_for(recording, "public", cache,
                                                           "kim-interview"))[0]


def test_a_stale_copy_is_never_served_and_is_removed(empty_archive, interview):
    cache = empty_archive.index / "media"
    before = copy_for(recording_of(empty_archive), "public", cache, "kim-interview")
    text = interview.transcript.read_text(encoding="utf-8")
    interview.transcript.write_text(text.replace("<v Kim>I kept the accounts",
                                                 "<v Kim>[I kept the accounts]{.restricted}"),
                                    encoding="utf-8")
    after = copy_for(recording_of(empty_archive), "public", cache, "kim-interview")
    assert after != before and not before.exists()
    public = frames_of(after)[0]
    for number in (2, 3):
        start, end = interview.samples(number)
        assert public[2 * start:2 * end] == b"\x00" * (2 * (end - start))


def test_a_time_range_listed_as_restricted_is_silenced(empty_archive):
    interview = make_interview(empty_archive.testimonies, "listed-range", media={
        "file": "media/listed-range.wav", "transcript": "media/listed-range.vtt",
        "restricted": ["00:00:00.300 --> 00:00:02.240"]})
    recording = load_testimony(empty_archive.testimonies, "listed-range").media
    copy = copy_for(recording, "public", empty_archive.index / "media", "listed-range")
    start, end = interview.samples(1)
    assert frames_of(copy)[0][2 * start:2 * end] == b"\x00" * (2 * (end - start))


def test_the_fingerprint_names_the_master_the_ranges_and_the_tool(empty_archive, interview):
    recording = recording_of(empty_archive)
    first = fingerprint(recording, ((1000, 2000),))
    assert fingerprint(recording, ((1000, 2001),)) != first
    with open(interview.master, "ab") as handle:
        handle.write(b"\x00\x00")
    assert fingerprint(recording, ((1000, 2000),)) != first


def decoded(path, channels=1) -> array.array:
    """A recording decoded by ffmpeg to 16-bit samples at 48 kHz."""
    out = subprocess.run([tools.ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:a:0",
                          "-f", "s16le", "-ar", "48000", "-ac", str(channels), "pipe:1"],
                         capture_output=True, check=True).stdout
    return array.array("h", out)


def tags(path) -> str:
    return subprocess.run([tools.ffmpeg(), "-hide_banner", "-i", str(path)],
                          capture_output=True, text=True).stderr


def lossy_master(interview, extension: str, video: bool = False):
    """The interview's master re-encoded (as an archive would hold it), with a tag naming
    the restricted person, which no copy may carry."""
    master = interview.master.with_suffix(extension)
    inputs = ["-i", str(interview.master)]
    codecs = ["-c:a", "libopus"]
    if video:
        inputs = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=14"] + inputs
        codecs = ["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                  "-c:a", "aac", "-shortest"]
    subprocess.run([tools.ffmpeg(), "-v", "error", "-y", *inputs, *codecs, "-metadata",
                    f"title=Interview with {RESTRICTED_NAME}", str(master)], check=True)
    return master


def lossy_record(empty_archive, interview, extension, video=False):
    master = lossy_master(interview, extension, video)
    record = interview.record.read_text(encoding="utf-8").replace(
        "file: media/kim-interview.wav", f"file: media/{master.name}\n  duration: "
        "'00:00:13.800'")
    interview.record.write_text(record, encoding="utf-8")
    return recording_of(empty_archive)


def test_an_opus_copy_is_silent_over_the_cue_as_long_and_without_the_master_s_tags(
        empty_archive, interview):
    recording = lossy_record(empty_archive, interview, ".opus")
    cache = empty_archive.index / "media"
    copy = copy_for(recording, "public", cache, "kim-interview")
    assert copy.suffix == ".opus"
    assert copy.read_bytes() == _remade(recording, cache, copy)
    master, public = decoded(recording.master_path()), decoded(copy)
    assert abs(len(public) - len(master)) <= 960  # within one 20 ms Opus frame
    start, end = (t * 48 for t in interview.cues[2])
    assert max(map(abs, master[start:end])) > 1000
    # Restricted samples are zeros before the encoder sees them; the encoder's frames may
    # smear the neighbouring public sound a few milliseconds into the silence.
    margin = 48 * 25
    assert max(map(abs, public[start + margin:end - margin])) == 0
    assert RESTRICTED_NAME not in tags(copy).lower() and RESTRICTED_NAME in tags(
        recording.master_path()).lower()


def test_a_video_copy_is_blanked_and_muted_over_the_cue(empty_archive, interview):
    recording = lossy_record(empty_archive, interview, ".mp4", video=True)
    cache = empty_archive.index / "media"
    copy = copy_for(recording, "public", cache, "kim-interview")
    assert copy.suffix == ".mp4"
    assert copy.read_bytes() == _remade(recording, cache, copy)
    start, end = interview.cues[2]
    middle = (start + end) / 2000
    frame = subprocess.run([tools.ffmpeg(), "-v", "error", "-ss", f"{middle:.3f}", "-i",
                            str(copy), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray",
                            "pipe:1"], capture_output=True, check=True).stdout
    assert frame and max(frame) <= 20  # black (video range starts at 16)
    outside = subprocess.run([tools.ffmpeg(), "-v", "error", "-ss", "1.0", "-i", str(copy),
                              "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
                             capture_output=True, check=True).stdout
    assert max(outside) > 100
    public = decoded(copy)
    margin = 48 * 50
    assert max(map(abs, public[start * 48 + margin:end * 48 - margin])) <= 2
    assert RESTRICTED_NAME not in tags(copy).lower()


def _remade(recording, cache, copy) -> bytes:
    copy.unlink()
    return copy_for(recording, "public", cache, "kim-interview").read_bytes()
