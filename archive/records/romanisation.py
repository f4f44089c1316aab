"""Korean names in Latin letters: each Hangul syllable of a name in Revised Romanization and
in McCune-Reischauer (without its diacritics and apostrophes, as names are usually written
in the press: `Ri Il-kyu`, `Thae Yong-ho`).

Names are romanised syllable by syllable, as people write their own names, not with the
sound changes between syllables that RR applies to ordinary words. A surname's spellings
are folded to one key by the name analyzer (`ri`, `rhee`, `lee`, `yi`, `i`), so that
`Lee Il-kyu`, `Ri Il-gyu` and `Ri Il Kyu` all find `리일규`.
"""

from __future__ import annotations

from itertools import product

_FIRST, _LAST = 0xAC00, 0xD7A3
# Initial consonants: Revised Romanization, then McCune-Reischauer (apostrophes dropped).
_INITIALS = [("g", "k"), ("kk", "kk"), ("n", "n"), ("d", "t"), ("tt", "tt"), ("r", "r"),
             ("m", "m"), ("b", "p"), ("pp", "pp"), ("s", "s"), ("ss", "ss"), ("", ""),
             ("j", "ch"), ("jj", "tch"), ("ch", "ch"), ("k", "k"), ("t", "t"), ("p", "p"),
             ("h", "h")]
_VOWELS = [("a",), ("ae",), ("ya",), ("yae",), ("eo", "o"), ("e",), ("yeo", "yo"), ("ye",),
           ("o",), ("wa",), ("wae",), ("oe",), ("yo",), ("u",), ("wo",), ("we",), ("wi",),
           ("yu",), ("eu", "u"), ("ui", "ui"), ("i",)]
# Final consonants as they sound at the end of a syllable (ㄷ, ㅅ, ㅈ, ㅊ, ㅌ, ㅎ: t).
_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m",
           "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]
# Syllables whose usual spelling in names differs from both systems' rules.
_NAMES = {"리": ("ri",), "희": ("hui", "hee"), "이": ("i", "yi", "lee"), "태": ("tae", "thae"),
          "박": ("bak", "pak", "park"), "최": ("choe", "choi"), "정": ("jeong", "jong", "chung"),
          "류": ("ryu", "yu"), "유": ("yu",), "림": ("rim",), "임": ("im", "lim"),
          "량": ("ryang",), "양": ("yang",), "로": ("ro", "no"), "노": ("no",)}


def is_hangul(text: str) -> bool:
    """True when every character of a text is a Hangul syllable."""
    return bool(text) and all(_FIRST <= ord(char) <= _LAST for char in text)


def syllable_spellings(syllable: str) -> tuple[str, ...]:
    """The Latin spellings of one Hangul syllable, RR first, without duplicates."""
    if syllable in _NAMES:
        return _NAMES[syllable]
    number = ord(syllable) - _FIRST
    initial, rest = divmod(number, 21 * 28)
    vowel, final = divmod(rest, 28)
    spellings = [start + middle + _FINALS[final] for start in _INITIALS[initial]
                 for middle in _VOWELS[vowel]]
    return tuple(dict.fromkeys(spellings))


def name_spellings(name: str, limit: int = 12) -> list[list[str]]:
    """The spellings of a Hangul name, as the words a person would write: the surname's
    spellings, then the given name's syllables joined (`ilgyu`, `ilkyu`), at most `limit`
    of each. A name of one syllable is only its spellings."""
    syllables = [syllable_spellings(char) for char in name]
    if len(syllables) == 1:
        return [list(syllables[0])]
    given = ["".join(parts) for parts in product(*syllables[1:])][:limit]
    return [list(syllables[0]), given]
