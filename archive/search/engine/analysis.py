"""Text analyzers used at index and query time: English, Hangul and names.

- `text_analyzer`: words are lower-cased and English words stemmed (`starving` and
  `starved` meet at `starv`); a run of Hangul is cut into overlapping syllable pairs, so
  that `자유` finds `자유를` and `자유롭게` without a dictionary (see README, "Searching in
  Korean", for the figures behind this choice).
- `syllable_analyzer`: each Hangul syllable alone, for the fields in which a one-syllable
  word is found inside longer ones (`법` in `국법상`).
- `spelling_words`: the same words unstemmed, the source of spelling suggestions.
- `name_analyzer`: names in any romanisation: `Yong-ho`, `Yong Ho` and `Yongho` meet,
  common surname spellings (Ri, Rhee, Lee, Yi) fold to one key, and a name written in
  Hangul is also indexed in its romanisations (`리일규`: Ri Il-gyu, Ri Il-kyu).
"""

from __future__ import annotations

import functools
import re
import zlib
from itertools import chain

from whoosh.analysis import (STOP_WORDS, Filter, LowercaseFilter, RegexTokenizer, StemFilter,
                             StopFilter, Token, Tokenizer)
from whoosh.lang.porter import stem as porter_stem

from ...records.romanisation import is_hangul, name_spellings, syllable_spellings

_HANGUL_CHAR = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_SCRIPT_RUNS = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+|[^\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")
WORD_PATTERN = r"\w+"
# Whoosh's English stop words, plus the pieces an apostrophe leaves (children's -> s).
STOP_WORDS = frozenset(STOP_WORDS) | {"s", "t", "d", "ll", "re", "ve"}

# Romanisations of one surname fold to the first spelling of each group.
SURNAMES = [
    ("ri", "rhee", "lee", "yi", "li", "rhie", "i"),
    ("thae", "tae"),
    ("pak", "park", "bak"),
    ("choe", "choi", "chwe", "choy"),
    ("kim", "gim"),
    ("jong", "jung", "chong", "chung", "jeong"),
    ("ryu", "yu", "yoo", "ryoo"),
    ("o", "oh"),
    ("han", "hahn"),
    ("kang", "gang"),
    ("jo", "cho"),
    ("ko", "koh", "go"),
    ("hyon", "hyun", "hyeon"),
    ("so", "suh", "seo"),
    ("ryang", "yang"),
    ("rim", "lim", "im"),
]
SURNAME_KEY = {spelling: group[0] for group in SURNAMES for spelling in group}


class HangulBigramFilter(Filter):
    """Cut each run of Hangul in a token into overlapping syllable pairs.

    A token such as `UN에서` becomes `un`, `에서`; `자유를` becomes `자유`, `유를`; a
    one-syllable noun with a particle, `꿈도`, also gives the noun, `꿈`, `꿈도` (`_pairs`).
    Positions are renumbered so that phrase queries keep working; character offsets are
    kept (`term_spans` gives the same ones, for snippets).
    """

    def __call__(self, tokens):
        position = -1
        for token in tokens:
            text, start = token.text, token.startchar if token.chars else 0
            if not _HANGUL_CHAR.search(text):
                position += 1
                token.pos = position
                yield token
                continue
            for chunk, offset in _pairs(text):
                position += 1
                token.text, token.pos = chunk, position
                if token.chars:
                    token.startchar = start + offset
                    token.endchar = start + offset + len(chunk)
                yield token


class HangulNameFilter(Filter):
    """At index time, a name written in Hangul also gives its spellings in Latin letters
    (Revised Romanization and McCune-Reischauer, `records.romanisation`): `리일규` gives `ri`,
    `il`, `gyu`, `kyu`, `ilgyu`, `ilkyu`, so that `Ri Il-gyu`, `Ri Il Kyu` and, with the
    surname folded by `NameFilter`, `Lee Il-kyu` find it. Queries are left as they are."""

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            yield token
            if token.mode == "query" or not is_hangul(text) or len(text) > 5:
                continue
            spellings = [spelling for char in text for spelling in syllable_spellings(char)]
            for part in name_spellings(text)[1:]:
                spellings += part
            for spelling in dict.fromkeys(spellings):
                token.text = spelling
                yield token


class NameFilter(Filter):
    """Fold names: surname spellings to one key; at index time add joined syllables.

    Index mode: `Thae Yong-ho` gives `thae`, `yong`, `ho` and every two neighbouring
    parts joined (`thaeyong`, `yongho`), so `Yong Ho`, `Yong-ho` and `Yongho` all meet.
    Query mode: a word keeps its hyphenated syllables together (`Yong-ho` -> `yongho`).
    """

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            if token.mode == "query":
                token.text = _fold(re.sub(r"[-'’]", "", token.text))
                yield token
                continue
            for part in re.split(r"[-'’]", token.text):
                if not part:
                    continue
                if previous is not None and _latin(part) and _latin(previous):
                    token.text = previous + part
                    yield token
                token.text = _fold(part)
                yield token
                previous = part


def _latin(word: str) -> bool:
    return word.isascii() and word.isalnum()


def _fold(word: str) -> str:
    return SURNAME_KEY.get(word, word)


class SyllableTokenizer(Tokenizer):
    """Each Hangul syllable of a text as a term of its own, and nothing else.

    Korean writes compounds solid: `법` (law) ends `국법상` and `교육공무원법`, `판` (edition)
    ends `배포판과`. Pairs cannot find a one-syllable word there; a field of syllables can.
    A search for one syllable looks in both: where it is a word (the pairs' field, ranked
    first) and anywhere (this one, at half weight; `queries.with_syllables`).
    """

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for number, (text, start, end) in enumerate(syllable_spans(value)):
            token.text = text
            if positions:
                token.pos = start_pos + number
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")  # composed syllables: 가 to 힣
# Marks a syllable looked for anywhere among the words a snippet marks (no word holds it).
SYLLABLE_MARK = "\u00b7"


def syllable_spans(value: str) -> list[tuple[str, int, int]]:
    """Each Hangul syllable of a text with its characters, `(syllable, start, end)`."""
    if value.isascii():
        return []
    return [(match.group(0), match.start(), match.end()) for match in _SYLLABLE.finditer(value)]


def syllables(value: str) -> list[str]:
    """Each Hangul syllable of a text, in order."""
    return [] if value.isascii() else _SYLLABLE.findall(value)


def is_syllable(word: str) -> bool:
    """Whether a word is one Hangul syllable (`꿈`, `법`)."""
    return len(word) == 1 and _SYLLABLE.match(word) is not None


def syllable_analyzer():
    """Each Hangul syllable alone (`SyllableTokenizer`)."""
    return SyllableTokenizer()


class TextTokenizer(Tokenizer):
    """Words lower-cased, stop words dropped, English stemmed, Hangul cut into pairs: in one pass.

    It gives exactly the tokens of `RegexTokenizer | LowercaseFilter | HangulBigramFilter |
    StopFilter | StemFilter` (`text_analyzer_chain`, kept for the tests that prove it), at
    a fraction of the cost: a chain runs five Python generators per word, and indexing a
    whole archive is mostly that.
    """

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos - 1
        stem = _STEMS.get
        for match in _WORD.finditer(value):
            word, start = match.group(0).lower(), match.start()
            pieces = _pairs(word) if _HANGUL_CHAR.search(word) else ((word, 0),)
            for piece, offset in pieces:
                if piece in STOP_WORDS:
                    continue
                position += 1
                token.text = stem(piece) or _stem(piece)
                if positions:
                    token.pos = position
                if chars:
                    token.startchar = start_char + start + offset
                    token.endchar = token.startchar + len(piece)
                yield token


def indexed_terms(value: str) -> dict[str, tuple[list[int], bytearray]]:
    """Each term of a text with its positions, exactly as `TextTokenizer` gives them, and
    for each position the `follower_code` of the term after it (0 after the last).

    Indexing needs only this, and building it in one loop spares Whoosh's token objects
    and the generators around them: most of the time a rebuild spends analysing.
    """
    return grouped_terms(text_terms(value))


def grouped_terms(terms: list[str]) -> dict[str, tuple[list[int], bytearray]]:
    """`indexed_terms` of a text's terms (`text_terms`)."""
    grouped: dict[str, tuple[list[int], bytearray]] = {}
    followers = None  # the codes of what follows the previous term
    code = _CODES.get
    for position, term in enumerate(terms):
        if followers is not None:
            found = code(term)
            followers.append(found if found is not None else follower_code(term))
        entry = grouped.get(term)
        if entry is None:
            entry = grouped[term] = ([position], bytearray())
        else:
            entry[0].append(position)
        followers = entry[1]
    if followers is not None:
        followers.append(0)
    return grouped


def text_terms(value: str) -> list[str]:
    """A text's terms in order, exactly as `TextTokenizer` gives them (a term's position
    is its place in the list).

    Each word found is looked up in a table of the terms it gives (stop words none,
    Hangul its pairs): the words of a text pass through C's loops, not Python's, and
    analysing the words of a whole archive is most of what a rebuild did.
    """
    words, distinct = text_words(value)
    known = _WORD_TERMS.current()
    for word in distinct.difference(known):
        known[word] = _word_terms(word)
    return list(chain.from_iterable(map(known.__getitem__, words)))


def text_words(value: str) -> tuple[list[str], frozenset[str] | set[str]]:
    """A text's words in order, as `text_terms` reads them (ASCII lower-cased), and the
    distinct ones: each gives the terms `word_terms` says, in order."""
    if value.isascii():
        return _ascii_words(value)
    words = _WORD.findall(value)
    return words, set(words)


def word_terms(word: str) -> tuple[str, ...]:
    """The terms one word of `text_words` gives, from the table of words seen."""
    known = _WORD_TERMS.current()
    found = known.get(word)
    if found is None:
        found = known[word] = _word_terms(word)
    return found


class _WordTable:
    """A table of words seen (to their terms, or their spelling words), begun again when
    it holds more than `WORD_TABLE_LIMIT` words. Begun again as a new dictionary, not
    emptied: a thread of a server still holding the old one looks up what it just added."""

    def __init__(self) -> None:
        self.words: dict[str, tuple[str, ...]] = {}

    def current(self) -> dict[str, tuple[str, ...]]:
        words = self.words
        if len(words) > WORD_TABLE_LIMIT:
            words = self.words = {}
        return words


@functools.lru_cache(maxsize=32)
def _ascii_words(value: str) -> tuple[list[str], frozenset[str]]:
    """The words of an ASCII text, lower-cased, as `_WORD` finds them, and the distinct
    ones. A document's texts are split once: for its spelling words, then for its terms
    (the texts of a record's few documents are a few dozen at most). Not to be changed."""
    words = value.lower().translate(_ASCII_BLANKS).split()
    return words, frozenset(words)


def _word_terms(word: str) -> tuple[str, ...]:
    """The terms a word gives, as `TextTokenizer` gives them."""
    word = word.lower()
    pieces = [piece for piece, _ in _pairs(word)] if _HANGUL_CHAR.search(word) else [word]
    return tuple(_STEMS.get(piece) or _stem(piece) for piece in pieces
                 if piece not in STOP_WORDS)


WORD_TABLE_LIMIT = 500_000  # words whose terms are kept (about 75 MB at most)
_WORD_TERMS = _WordTable()  # a word -> the terms it gives


def follower_code(term: str) -> int:
    """One byte standing for a term where it follows another (a checksum's last byte):
    a phrase's words can only be in sequence where each is followed by the next one's
    code, which spares comparing positions almost everywhere else."""
    found = _CODES[term] = zlib.crc32(term.encode("utf-8")) & 0xFF
    return found


def term_spans(value: str) -> list[tuple[str, int, int]]:
    """Each term of a text with the characters it stands on, `(term, start, end)`, exactly
    as `TextTokenizer` gives them with `chars=True`: what snippets mark."""
    spans = []
    stem = _STEMS.get
    for match in _WORD.finditer(value):
        word, start = match.group(0).lower(), match.start()
        if word.isascii() or not _HANGUL_CHAR.search(word):
            if word not in STOP_WORDS:
                spans.append((stem(word) or _stem(word), start, start + len(word)))
            continue
        for piece, offset in _pairs(word):
            if piece not in STOP_WORDS:
                spans.append((stem(piece) or _stem(piece), start + offset,
                              start + offset + len(piece)))
    return spans


def _pairs(word: str) -> list[tuple[str, int]]:
    """A word's runs of Hangul as overlapping syllable pairs, other runs whole, with offsets.

    A run whose second syllable starts a particle (`꿈도`, `돈을`, `집에서`) gives its first
    syllable first, at a position of its own: a one-syllable noun is then found alone, in a
    phrase (`"싶다는 꿈"` finds `싶다는 꿈도`, whose terms are `싶다 다는 꿈 꿈도`), and with
    any particle. "Starts", not "is": a query word is then always cut as the longer words that
    begin with it are (`도로` as in `도로를`), so that a word still finds its inflected forms;
    `bench/korean_oracle.py` measured both rules.
    """
    pieces = []
    for run in _SCRIPT_RUNS.finditer(word):
        piece = run.group(0)
        if len(piece) > 1 and _HANGUL_CHAR.match(piece):
            if any(piece[1:1 + size] in PARTICLES for size in _PARTICLE_SIZES):
                pieces.append((piece[0], run.start()))
            pieces += [(piece[i:i + 2], run.start() + i) for i in range(len(piece) - 1)]
        else:
            pieces.append((piece, run.start()))
    return pieces


# Particles and copula endings that follow a noun; after one syllable they mark it as a
# noun of its own (`집에서`: 집). Some two-syllable nouns look alike (`도로`, road, gives
# 도): the README gives the precision this costs one-syllable searches.
PARTICLES = frozenset("""이 가 을 를 은 는 의 에 에서 에게 께 한테 와 과 도 만 로 으로 까지 부터 보다
처럼 이나 마다 조차 마저 뿐 밖에 이다 이었다 였다 이고 이며 입니다 이었습니다 였습니다 에도 에서도
에게도 으로도 로도 에는 에서는 으로는 로는 이라는 이라고 이란 만큼 대로 이야 이에요 예요 라도
이라도 하고 이랑 랑 까지도 부터는 만은 만이""".split())
_PARTICLE_SIZES = sorted({len(particle) for particle in PARTICLES})


_WORD = re.compile(WORD_PATTERN, re.UNICODE)
_ASCII_WORD = re.compile(r"[a-z0-9_]+")  # `_WORD` in lower-cased ASCII
# Each ASCII character `_ASCII_WORD` does not match, made a blank: the words of a lower-cased
# ASCII text are then its `split()`, a third of the time of `findall` (nothing left in the
# text but blanks and word characters, none of which `split` takes for a blank).
_ASCII_BLANKS = {code: " " for code in range(128) if not _ASCII_WORD.fullmatch(chr(code))}
_STEMS: dict[str, str] = {}
_CODES: dict[str, int] = {}


def _stem(word: str) -> str:
    stemmed = _STEMS[word] = porter_stem(word)
    return stemmed


def text_analyzer():
    """English stemming plus Hangul syllable pairs, for titles, summaries and bodies."""
    return TextTokenizer()


def text_analyzer_chain():
    """The same analysis as a chain of Whoosh's own parts (what TextTokenizer must equal)."""
    return (RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | HangulBigramFilter()
            | StopFilter(stoplist=STOP_WORDS, minsize=1) | StemFilter(cachesize=-1))


SPELLING_WORD = re.compile(r"[^\W\d_]{3,}")


# `SPELLING_WORD` in ASCII text, once lower-cased: a class of letters the regular
# expression engine tests at once, where `[^\W\d_]` asks Unicode's tables of each character.
_ASCII_SPELLING_WORD = re.compile(r"[a-z]{3,}")


def spelling_words(*texts: str | None) -> list[str]:
    """The distinct words of some texts, lower-cased and unstemmed, that spelling
    suggestions may offer (three letters or more, no digits)."""
    found: set[str] = set()
    for text in filter(None, texts):  # a word never spans two texts
        if not text.isascii():
            found.update(SPELLING_WORD.findall(text.lower()))
            continue
        distinct, known = _ascii_words(text)[1], _WORD_SPELLINGS.current()
        for word in distinct.difference(known):  # the word itself, mostly
            known[word] = tuple(_ASCII_SPELLING_WORD.findall(word))
        found.update(chain.from_iterable(map(known.__getitem__, distinct)))
    return sorted(found)


_WORD_SPELLINGS = _WordTable()  # an ASCII word -> its spelling words


def name_analyzer():
    """Names in every common romanisation, and Hangul names as syllable pairs and as their
    romanisations."""
    return (RegexTokenizer(r"\w+(?:[-'’]\w+)*") | LowercaseFilter() | HangulNameFilter()
            | HangulBigramFilter() | NameFilter())
