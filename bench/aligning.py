"""Alignment's error and speed: an English interview of 50 passages spoken by espeak-ng in
two voices (the interviewer en-us, the witness en-gb) with pauses of 150 to 900 ms between
them, whose every passage's first and last sounding sample is known, aligned by
`archive.media.aligning` from its plain text; the error of each computed cue start and end
against the sound, and the time the alignment took (ffmpeg's decoding included).

`--opus` aligns the interview encoded as Ogg Opus at 64 kb/s (as an archive may hold it)
rather than the WAV file. `--times N` reads the interview N times over (at three speeds of espeak-ng, 150, 175 and
195 words a minute, in turn) to see how the time grows with the length; the same words
come back in it, which a real interview does not do. Benchmarks are not tests.

Usage: python bench/aligning.py [--times N] [--opus] [--seed S]   (needs espeak-ng and pocketsphinx)
"""

from __future__ import annotations

import argparse
import array
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from archive.media import tools  # noqa: E402
from archive.media.aligning import align  # noqa: E402
from archive.media.wording import read_passages  # noqa: E402

VOICES = {"Interviewer": "en-us", "Witness": "en-gb"}
SPEEDS = (175, 150, 195)
SOUNDING = 300  # a sample louder than this (of 32767) is sound, not espeak-ng's silence
INTERVIEW = """\
Interviewer: Where did you grow up?
Witness: I grew up in Hyesan, a small city on the river, with my parents and two brothers.
Interviewer: What did your parents do for a living?
Witness: My father worked at the copper mine, and my mother sold vegetables at the market.
Witness: In winter the river froze, and from our window we could see the lights of China.
Interviewer: What do you remember of school?
Witness: We sang songs every morning, and we learned that the outside world was hungry.
Witness: I believed it, because I had never seen anything else.
Interviewer: When did things become difficult?
Witness: In 1995 the rations stopped coming, and by the next spring people were eating grass.
Witness: My younger brother was often sick, and the hospital had no medicine at all.
Witness: The doctors asked us to bring our own bandages and fuel for the stove.
Interviewer: How did your family survive those years?
Witness: We traded cigarettes and rice across the border at night.
Witness: The guards took money or food to look the other way.
Witness: Once my father was caught, and he was sent to a labour camp for three months.
Interviewer: Did you think about leaving then?
Witness: Not at first. I was afraid of what would happen to my parents.
Witness: But my cousin had already gone, and she sent word that life was better.
Interviewer: How did you cross the river?
Witness: A broker met me near Sinuiju and took me over the ice before dawn.
Witness: I remember the sound of the dogs and the cold in my hands.
Interviewer: Where did you go after that?
Witness: I hid in a farmhouse in Yanbian for three months and worked in the fields.
Witness: The farmer's wife gave me clothes and taught me a few words of Chinese.
Witness: Every time a car stopped on the road, I ran to the barn and held my breath.
Interviewer: Were you ever caught?
Witness: Yes, in 1998 the police found me at a market and sent me back.
Witness: I spent six weeks in a detention centre in Onsong, and then I was released.
Witness: I left again the same summer, this time with a friend from my village.
Interviewer: How did you reach the South?
Witness: A church group helped us travel through China to Laos, and then to Thailand.
Witness: We walked through the jungle for two nights, following a man we did not know.
Witness: In Bangkok we waited in a prison for four months before the flight to Seoul.
Interviewer: What was the hardest part of the journey?
Witness: Not knowing whether I would ever see my mother again.
Interviewer: And what was it like to arrive?
Witness: Everything was fast and bright, and I did not understand half of the words.
Witness: The people at the settlement centre were kind, but I trusted nobody for a year.
Interviewer: Why did you decide to leave in the end?
Witness: I wanted my children to grow up free, and to go to school without fear.
Witness: I also wanted to eat three meals a day, which sounds simple, but it was not.
Interviewer: Do you still have family in the North?
Witness: My mother and one brother are still there, and I send money through a broker.
Witness: The last letter came in 2019, and it said only that they were well.
Interviewer: What do you tell people about your home now?
Witness: That ordinary people there are kind, and they deserve to live in peace.
Witness: And that hunger makes people do things they would never do otherwise.
Interviewer: Thank you for talking with us today.
Witness: Thank you for listening to my story.
"""


def sentence_sound(text: str, voice: str, speed: int, folder: Path) -> tuple[bytes, int, int]:
    """A sentence said by espeak-ng: its frames (22,050 Hz, mono, 16-bit) and the first and
    last sounding sample."""
    out = folder / "said.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text],
                   check=True)
    with wave.open(str(out), "rb") as audio:
        frames = audio.readframes(audio.getnframes())
    samples = array.array("h", frames)
    loud = [i for i, sample in enumerate(samples) if abs(sample) > SOUNDING]
    return frames, loud[0], loud[-1] + 1


def synthesise(folder: Path, times: int, seed: int):
    """The interview's WAV file, its plain transcript and each passage's sounding span in
    milliseconds."""
    passages = read_passages(INTERVIEW.replace("\n", "\n\n"), "interview.txt") * times
    rng = random.Random(seed)
    frames, truth, rate = bytearray(b"\x00\x00" * 11025), [], 22050
    for number, passage in enumerate(passages):
        speed = SPEEDS[number * times // len(passages)]
        said, first, last = sentence_sound(passage.text, VOICES[passage.speaker], speed, folder)
        at = len(frames) // 2
        truth.append(((at + first) * 1000 / rate, (at + last) * 1000 / rate))
        frames += said + b"\x00\x00" * (rate * rng.randint(150, 900) // 1000)
    master = folder / "interview.wav"
    with wave.open(str(master), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(frames))
    return master, passages, truth, len(frames) / 2 / rate


def summary(errors: list[float]) -> str:
    ordered = sorted(errors)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"median {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, "
            f"max {ordered[-1]:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--times", type=int, default=1)
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--opus", action="store_true")
    args = parser.parse_args()
    if not shutil.which("espeak-ng"):
        sys.exit("espeak-ng is not installed (apt-get install espeak-ng).")
    with tempfile.TemporaryDirectory() as folder:
        master, passages, truth, seconds = synthesise(Path(folder), args.times, args.seed)
        if args.opus:
            tools.run(["-i", str(master), "-c:a", "libopus", "-b:a", "64k",
                       str(master.with_suffix(".opus"))], "encode the interview")
            master = master.with_suffix(".opus")
        started = time.perf_counter()
        cues = align(master, passages)
        took = time.perf_counter() - started
    starts = [abs(cue.start - first) for cue, (first, _last) in zip(cues, truth)]
    ends = [abs(cue.end - last) for cue, (_first, last) in zip(cues, truth)]
    words = sum(cue.words for cue in cues)
    spelled = sum(cue.spelled for cue in cues)
    print(f"{master.suffix[1:]}: {len(passages)} passages, {words} words ({spelled} spelled from letters), "
          f"{seconds:.1f} s of sound")
    print(f"cue starts: {summary(starts)}; {sum(e > 500 for e in starts)} off by more than "
          "500 ms")
    print(f"cue ends:   {summary(ends)}; {sum(e > 500 for e in ends)} off by more than 500 ms")
    print(f"alignment took {took:.1f} s ({took / seconds:.3f} of the recording's length)")


if __name__ == "__main__":
    main()
