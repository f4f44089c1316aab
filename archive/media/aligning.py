"""Draft cue times for a plain transcript: pocketsphinx's English model (inside its wheel,
nothing downloaded) aligns the known words of each passage with the recording, and a
passage's cue runs from its first word's start to its last word's end.

- The recording is decoded by ffmpeg to 16 kHz mono PCM, in a temporary file.
- The words are aligned in windows of whole passages (about `WINDOW_WORDS` words), each
  with the next passage as a look-ahead and then a loop of free phones that takes in the
  speech after it (without the loop, the words spread over that speech). A window keeps
  its passages but the look-ahead, and the next window starts in the middle of the longest
  quiet stretch between the last kept word and the look-ahead's first. One alignment of a
  whole recording failed on 3 minutes and grew with the square of the length; windows
  grow with it.
- A word the dictionary lacks (a name, a place) is given a pronunciation spelled from its
  letters (`wording.letter_phones`), so that it holds its time; words in other scripts are
  left out, and a passage with no word left takes the time between its neighbours.
- Korean is refused (`wording.refuse_korean`): no Korean model ships in a wheel.

The times are drafts: the record says `aligned: draft` until an archivist has listened
and confirmed them.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy

from ..errors import ArchiveError
from . import tools
from .wording import Passage, letter_phones, spoken_words

RATE = 16000
BYTES_PER_MS = RATE * 2 // 1000
FRAME_MS = 10  # pocketsphinx's frame rate is 100 a second
WINDOW_WORDS = 60
PAUSE_MARGIN = 500  # milliseconds around a window's end where its pause is looked for
PHONES = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T "
          "TH UH UW V W Y Z ZH").split()
# The widest beams and no cap on the paths kept: narrower ones lose the path through the
# words ("Final result does not match the grammar") on some windows of the synthesised
# interviews; bestpath=False as pocketsphinx's own alignment test says; dither (a fixed
# seed, so the same file gives the same times), because exact digital silence pulled
# words into it by up to 0.8 s.
DECODER = {"lm": None, "bestpath": False, "beam": 1e-300, "wbeam": 1e-300, "pbeam": 1e-300,
           "maxhmmpf": -1, "maxwpf": -1, "dither": True, "seed": 25, "loglevel": "FATAL"}
INSTALL = "python -m pip install 'testimony-archive[align]'"


class AlignmentUnavailable(ArchiveError):
    """pocketsphinx, which alignment needs, is not installed."""


class AlignmentFailed(ArchiveError):
    """The words of a transcript could not be found in its recording."""


@dataclass(frozen=True)
class AlignedCue:
    """A passage with its computed times (milliseconds): its speaker and text as written,
    how many of its words were listened for, and how many were spelled from letters."""

    start: int
    end: int
    speaker: str | None
    text: str
    words: int
    spelled: int


def decoder_class():
    """pocketsphinx's Decoder, or AlignmentUnavailable saying how to install it."""
    try:
        from pocketsphinx import Decoder
    except ImportError:
        raise AlignmentUnavailable("Alignment needs pocketsphinx, which is not installed; "
                                   f"run `{INSTALL}`.") from None
    return Decoder


def align(recording: Path, passages: list[Passage]) -> list[AlignedCue]:
    """The cue times of each passage in a recording (any format ffmpeg reads)."""
    decoder = decoder_class()(samprate=RATE, **DECODER)
    for phone in PHONES:
        decoder.add_word(f"+{phone.lower()}+", phone, False)
    words, owners, spelled, guessed = [], [], [0] * len(passages), set()
    for number, passage in enumerate(passages):
        for word in spoken_words(passage.text):
            if word not in guessed and decoder.lookup_word(word) is None:
                phones = letter_phones(word)
                if not phones:
                    continue
                decoder.add_word(word, phones, False)
                guessed.add(word)
            spelled[number] += word in guessed
            words.append(word)
            owners.append(number)
    if not words:
        raise AlignmentFailed(f"{recording.name}: the transcript holds no English word to "
                              "listen for; time its passages by hand.")
    with tempfile.TemporaryDirectory() as folder:
        pcm = os.path.join(folder, "sound.raw")
        tools.decode_pcm(str(recording), pcm, RATE)
        length = os.path.getsize(pcm) // BYTES_PER_MS
        with open(pcm, "rb") as sound:
            times = _align_windows(decoder, sound, length, words, owners, passages, recording)
    return _cues(passages, owners, times, spelled, length)


def _align_windows(decoder, sound, length: int, words: list[str], owners: list[int],
                   passages: list[Passage], recording: Path) -> list[tuple[int, int]]:
    """Each word's (start, end) in milliseconds, window after window."""
    times: list[tuple[int, int]] = []
    at, cursor, rate = 0, 0, 2.0  # words a second, learnt as windows are aligned
    while at < len(words):
        kept = _window_end(owners, at)
        ahead = _window_end(owners, kept, 1) if kept < len(words) else kept
        span = (ahead - at) / rate * 1.5 + 10  # seconds
        found = None
        while found is None:
            end = min(length, cursor + int(span * 1000))
            found = _align_window(decoder, sound, cursor, end, words[at:ahead],
                                  f"window{len(times)}")
            if found is None and end >= length:
                raise AlignmentFailed(_failed(recording, passages[owners[at]],
                                              passages[owners[ahead - 1]], cursor))
            span *= 2
        found = [(cursor + start, cursor + stop) for start, stop in found]
        times += found[:kept - at]
        if kept < len(words):
            cursor = _pause(sound, found[kept - at - 1][1], found[kept - at][0])
        spoken = found[kept - at - 1][1] - found[0][0]
        if spoken > 0:
            rate = min(6.0, max(1.0, (kept - at) / (spoken / 1000)))
        at = kept
    return times


def _pause(sound, end: int, start: int) -> int:
    """The middle of the longest quiet stretch (a hundredth of the loudest power) around
    the pause between a word that ends and the next that starts: where the next window
    begins, in silence when there is one."""
    first = max(0, end - PAUSE_MARGIN)
    sound.seek(first * BYTES_PER_MS)
    size = RATE // 100
    samples = numpy.frombuffer(sound.read((max(end, start) + PAUSE_MARGIN - first)
                                          * BYTES_PER_MS), dtype="<i2")
    frames = len(samples) // size
    if frames < 3:
        return end
    power = (samples[:frames * size].astype(numpy.float64) ** 2).reshape(frames, -1).mean(1)
    quiet = power <= power.min() + (power.max() - power.min()) / 100
    best, run, best_end = 0, 0, 0
    for frame, is_quiet in enumerate(quiet):
        run = run + 1 if is_quiet else 0
        if run > best:
            best, best_end = run, frame + 1
    return first + (best_end - best // 2) * FRAME_MS - FRAME_MS // 2


def _window_end(owners: list[int], at: int, passages: int = 0) -> int:
    """The end of a window of whole passages from word `at`: at least `WINDOW_WORDS` words
    (or, with `passages`, that many passages)."""
    end = at + 1
    while end < len(owners) and (owners[end] == owners[end - 1] or (
            end - at < WINDOW_WORDS if not passages else
            owners[end] - owners[at] < passages)):
        end += 1
    return end


def _align_window(decoder, sound, start: int, end: int, words: list[str],
                  name: str) -> list[tuple[int, int]] | None:
    """The (start, end) of each word in a stretch of the recording (milliseconds from its
    start), or None when the alignment did not reach the last word."""
    # The words in order, then a loop of free phones that takes in the speech after them
    # (without it, the words spread over that speech on some windows).
    transitions = [(i, i + 1, 1.0, word) for i, word in enumerate(words)]
    transitions += [(len(words), len(words), 1.0 / len(PHONES), f"+{phone.lower()}+")
                    for phone in PHONES]
    decoder.add_fsg(name, decoder.create_fsg(name, 0, len(words), transitions))
    decoder.activate_search(name)
    sound.seek(start * BYTES_PER_MS)
    decoder.start_utt()
    decoder.process_raw(sound.read((end - start) * BYTES_PER_MS), full_utt=True)
    decoder.end_utt()
    said = [(s.start_frame * FRAME_MS, (s.end_frame + 1) * FRAME_MS)
            for s in decoder.seg() or () if s.word[0] not in "<[(+"]
    decoder.remove_search(name)
    return said if len(said) == len(words) else None


def _failed(recording: Path, first: Passage, last: Passage, at: int) -> str:
    def named(passage: Passage) -> str:
        where = f" (line {passage.line})" if passage.line else ""
        return f"{_shortened(passage.text)!r}{where}"

    passages = f"the passage {named(first)}" if first is last else \
        f"the passages from {named(first)} to {named(last)}"
    return (f"{recording.name}: the words of {passages} could not be found in the recording "
            f"after {at / 1000:.1f} s; check that the transcript is this recording's and says "
            "everything in order, or time the passages by hand.")


def _shortened(text: str) -> str:
    return text if len(text) <= 40 else text[:37].rstrip() + "..."


def _cues(passages: list[Passage], owners: list[int], times: list[tuple[int, int]],
          spelled: list[int], length: int) -> list[AlignedCue]:
    """The passages with times: first word's start to last word's end; a passage with no
    word heard takes an even share of the time between its neighbours."""
    spans: list[list[int] | None] = [None] * len(passages)
    counts = [0] * len(passages)
    for owner, (start, end) in zip(owners, times):
        counts[owner] += 1
        if spans[owner] is None:
            spans[owner] = [start, end]
        spans[owner][1] = end
    number = 0
    while number < len(passages):
        if spans[number] is not None:
            number += 1
            continue
        gap_end = next((n for n in range(number, len(passages)) if spans[n]), len(passages))
        before = spans[number - 1][1] if number else 0
        after = spans[gap_end][0] if gap_end < len(passages) else length
        share = max(1, (after - before) // (gap_end - number))
        for n in range(number, gap_end):
            spans[n] = [before + share * (n - number), before + share * (n - number + 1)]
        if spans[gap_end - 1][1] > after and gap_end < len(passages):
            spans[gap_end][0] = spans[gap_end - 1][1]
        number = gap_end
    return [AlignedCue(min(span[0], length - 1), max(min(span[1], length), span[0] + 1),
                       passage.speaker, passage.text, counts[n], spelled[n])
            for n, (passage, span) in enumerate(zip(passages, spans))]
