"""A plain transcript read as passages, and each passage as the words a speech recogniser
listens for: its plain text lower-cased, numbers said in words, and a spelling-based
pronunciation for a word the English dictionary lacks (a name, a place).

A plain transcript is a text file of passages separated by blank lines (a passage's
lines are joined); a passage may open with its speaker, `Kim: ...`, and may hold the
record format's spans (`[...]{.restricted}`, `[...]{.motive term="..."}`), which are kept
in the cue and left out of what is listened for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArchiveError
from ..records.rendering import plain_text

_SPEAKER = re.compile(r"^([A-Z][\w.' -]{0,30}?):\s+(?=\S)")
_BLANK = re.compile(r"\n[ \t]*\n")
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*|\d+")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")

# Letters and letter groups as the phones of the English model: not a real
# grapheme-to-phoneme model (none ships in a wheel), only enough for a name to hold its
# time in the alignment. Korean romanisation's vowels (eo, eu, ae, oe, ui) are included.
_GROUPS = {"tch": "CH", "ch": "CH", "sh": "SH", "th": "TH", "ng": "NG", "ph": "F", "kh": "K",
           "gh": "G", "wh": "W", "ck": "K", "qu": "K W", "ee": "IY", "oo": "UW", "ou": "AW",
           "ai": "AY", "ay": "EY", "ei": "EY", "ae": "EH", "eo": "AH", "eu": "UH", "oe": "W EH",
           "ui": "W IY", "ie": "IY", "oa": "OW"}
_LETTERS = {"a": "AA", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH",
            "i": "IY", "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "OW", "p": "P",
            "q": "K", "r": "R", "s": "S", "t": "T", "u": "UW", "v": "V", "w": "W", "x": "K S",
            "y": "Y", "z": "Z"}
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


class TranscriptRefused(ArchiveError):
    """A plain transcript that alignment cannot use (empty, or in Korean)."""


@dataclass(frozen=True)
class Passage:
    """A passage of a plain transcript: its speaker, its text (spans as in a body) and the
    line of the file it starts on."""

    speaker: str | None
    text: str
    line: int = 0


def read_passages_file(path: Path) -> list[Passage]:
    """The passages of a plain transcript file (UTF-8), or a sentence saying why not."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise TranscriptRefused(f"{path}:{line}: byte 0x{raw[exc.start]:02x} is not UTF-8; "
                                "save the transcript as UTF-8.") from None
    return read_passages(text, str(path))


def read_passages(text: str, shown: str) -> list[Passage]:
    """The passages of a plain transcript (blank lines between them), each with the speaker
    its `Name:` opening gives; refused in a sentence when there are none or it is Korean."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    passages, line = [], 1
    for block in _BLANK.split(text + "\n"):
        lines = block.split("\n")
        first = line + next((i for i, s in enumerate(lines) if s.strip()), 0)
        line += len(lines) + 1
        joined = " ".join(s.strip() for s in lines if s.strip())
        if not joined:
            continue
        found = _SPEAKER.match(joined)
        speaker, said = (found.group(1).strip(), joined[found.end():]) if found else (None, joined)
        passages.append(Passage(speaker, said, first))
    if not passages:
        raise TranscriptRefused(f"{shown}: holds no passage; write the transcript's passages "
                                "separated by blank lines, such as 'Kim: I was born in Hyesan.'")
    refuse_korean(passages, shown)
    return passages


def refuse_korean(passages: list[Passage], shown: str) -> None:
    """Refuse, in a sentence, a transcript written mostly in Hangul: alignment has only an
    English model, so Korean cue times stay manual."""
    text = " ".join(p.text for p in passages)
    if len(_HANGUL.findall(text)) > len(_LATIN.findall(text)):
        raise TranscriptRefused(
            f"{shown}: the transcript is in Korean, and alignment has only pocketsphinx's "
            "English model (no Korean model ships in a wheel); Korean cue times stay manual: "
            "write them in the WebVTT file, or import a timed transcript with archive import.")


def spoken_words(text: str) -> list[str]:
    """The words a passage says, as the recogniser listens for them: span syntax left out,
    lower case, accents dropped, numbers in words; words in other scripts are left out."""
    plain = unicodedata.normalize("NFKD", plain_text(text).replace("\u2019", "'"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    words: list[str] = []
    for token in _TOKEN.findall(plain):
        words += number_words(int(token)) if token.isdigit() and len(token) < 10 else [token]
    return [word for word in words if not word.isdigit()]


def number_words(number: int) -> list[str]:
    """A number as it is said: years as years (1997, nineteen ninety seven), others as
    cardinals (250, two hundred fifty)."""
    if 1100 <= number <= 1999 or 2010 <= number <= 2099:
        high, low = divmod(number, 100)
        return _below_hundred(high) + (["hundred"] if low == 0 else
                                       ["oh"] + _ONES[low:low + 1] if low < 10 else
                                       _below_hundred(low))
    return _cardinal(number)


def _below_hundred(number: int) -> list[str]:
    if number < 20:
        return [_ONES[number]]
    tens, ones = divmod(number, 10)
    return [_TENS[tens]] + ([_ONES[ones]] if ones else [])


def _cardinal(number: int) -> list[str]:
    if number < 100:
        return _below_hundred(number)
    for size, name in ((10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand"),
                       (100, "hundred")):
        if number >= size:
            high, low = divmod(number, size)
            return _cardinal(high) + [name] + (_cardinal(low) if low else [])
    return []


def letter_phones(word: str) -> str:
    """A pronunciation spelled from a word's letters (`sinuiju`: S IY N W IY JH UW), for a
    word the dictionary lacks; doubled letters are said once."""
    phones, at = [], 0
    while at < len(word):
        for size in (3, 2, 1):
            piece = word[at:at + size]
            if (size > 1 and piece in _GROUPS) or (size == 1 and piece in _LETTERS):
                said = _GROUPS.get(piece) if size > 1 else _LETTERS[piece]
                if not phones or phones[-1] != said:
                    phones.append(said)
                at += size
                break
        else:
            at += 1  # an apostrophe
    return " ".join(phones)
