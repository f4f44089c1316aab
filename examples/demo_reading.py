"""Make the sample archive's demonstration recording: a synthesised reading (espeak-ng) of
the illustrative record nurse-hyesan-1999's own text, with its WebVTT transcript.

It is not a recording of anyone: its first cue says so, in words and in sound. Run it from
the checkout (it needs Debian's espeak-ng and the archive's ffmpeg):

    python examples/demo_reading.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.media import tools  # noqa: E402
from archive.records.webvtt import format_timestamp  # noqa: E402

ID = "nurse-hyesan-1999"
RATE, STEP, GAP = 22050, 441, 22050 * 4 // 10  # 20 ms steps; 0.4 s between sentences
CUES = (
    ("Narrator", "A synthesised demonstration reading, made with espeak-ng, of this "
                 "illustrative record's text. It is not a real voice."),
    ("Reader", "By 1997 the hospital had no medicine."),
    ("Reader", "We boiled bandages to use them again, and families had to bring food for the "
               "patients. Many had none to bring."),
    ("Reader", "I watched children die of hunger and of illnesses that a few tablets would "
               "have cured."),
    ("Reader", "When [my cousin who worked on the railway]{.restricted} told me that people "
               "were crossing the river near the city, I decided to go."),
    ("Reader", '[I wanted to be a nurse where nurses had medicine]'
               '{.motive term="health and medical care"}.'),
)


def said(text: str, folder: Path) -> bytes:
    plain = text.replace("{.restricted}", "").split("]{.motive")[0].replace("[", "")
    out = folder / "said.wav"
    subprocess.run(["espeak-ng", "-s", "165", "-w", str(out), plain.replace("]", "")],
                   check=True)
    with wave.open(str(out), "rb") as audio:
        return audio.readframes(audio.getnframes())


def main() -> None:
    media = ROOT / "testimonies" / "media"
    media.mkdir(exist_ok=True)
    frames, times = bytearray(b"\x00" * GAP * 2), []
    with tempfile.TemporaryDirectory() as folder:
        for _speaker, text in CUES:
            frames.extend(b"\x00" * (-len(frames) % (STEP * 2)))
            start = len(frames) // 2 * 1000 // RATE
            frames.extend(said(text, Path(folder)))
            frames.extend(b"\x00" * (-len(frames) % (STEP * 2)))
            times.append((start, len(frames) // 2 * 1000 // RATE))
            frames.extend(b"\x00" * GAP * 2)
        reading = Path(folder) / "reading.wav"
        with wave.open(str(reading), "wb") as audio:
            audio.setnchannels(1)
            audio.setsampwidth(2)
            audio.setframerate(RATE)
            audio.writeframes(bytes(frames))
        tools.run(["-y", "-i", str(reading), "-c:a", "libopus", "-b:a", "16k", "-ac", "1",
                   "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
                   str(media / f"{ID}.opus")], "encode the reading")
    lines = ["WEBVTT - a synthesised demonstration reading of an illustrative record", "",
             "NOTE Made by examples/demo_reading.py with espeak-ng: not a witness's voice.", ""]
    for number, ((start, end), (speaker, text)) in enumerate(zip(times, CUES), start=1):
        lines += [str(number), f"{format_timestamp(start)} --> {format_timestamp(end)}",
                  f"<v {speaker}>{text}", ""]
    (media / f"{ID}.vtt").write_text("\n".join(lines), encoding="utf-8")
    print(f"duration {format_timestamp(len(frames) // 2 * 1000 // RATE)}; cues {times}")


if __name__ == "__main__":
    main()
