"""Spelling suggestions: each view's table of words (how many documents hold each), kept
exact through every update, and the corrector that offers the nearest of them."""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import Counter
from pathlib import Path

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.spelling import Corrector

from ...records.writing import atomic_write
from .schema import SEARCH_FIELDS

WORDS_FILE = "words-{generation}.json"


def load_words(folder: Path, reader) -> Counter:
    """How many documents of an index view hold each spelling word.

    The table is kept beside the view, one file per Whoosh generation; when it is missing
    (a commit killed before it was written) it is counted again from the documents.
    """
    try:
        text = (folder / WORDS_FILE.format(generation=reader.generation())).read_text("utf-8")
        return Counter(json.loads(text))
    except (FileNotFoundError, ValueError):
        counts = Counter()
        for stored in reader.all_stored_fields():
            counts.update(stored.get("words", "").split())
        return counts


def write_words(folder: Path, generation: int, words: Counter) -> None:
    """Write a view's word table for its new generation, and remove the earlier ones."""
    table = {word: count for word, count in sorted(words.items()) if count > 0}
    name = WORDS_FILE.format(generation=generation)
    atomic_write(folder / name, json.dumps(table, ensure_ascii=False, separators=(",", ":")))
    for old in folder.glob(WORDS_FILE.format(generation="*")):
        if old.name != name:
            old.unlink()


def forget_words(before: dict, words: dict) -> None:
    """Take a record's indexed words off each view's word table, before it is replaced
    or removed, so that no word outlives the text it came from."""
    for view, stored in before.items():
        if stored:
            words[view].subtract(stored.get("words", "").split())


class WordCorrector(Corrector):
    """Suggests the archive's words nearest to a word: the closest first, then the most
    common (Whoosh's own corrector ranks by how common a word is alone)."""

    def __init__(self, counts: Counter) -> None:
        self._counts, self._words = counts, sorted(counts)

    def _suggestions(self, text: str, maxdist: int, prefix: int):
        words, seen = self._words, set()

        def first_from(key):  # the automaton asks for the first word at or after a key
            at = bisect_left(words, key)
            return words[at] if at < len(words) else None

        for distance in range(1, maxdist + 1):
            automaton = levenshtein_automaton(text, distance, prefix).to_dfa()
            for word in find_all_matches(automaton, first_from):
                if word not in seen:
                    seen.add(word)
                    yield -distance - 0.5 / self._counts[word], word


class Speller:
    """Respells a query from the words of an open index: each unknown word becomes the
    nearest word the archive holds."""

    def __init__(self, reader, words: Counter) -> None:
        self._reader, self._words, self._corrector = reader, words, None

    def suggest(self, text: str) -> str | None:
        """A respelling of the query from the index's own words, or None."""
        if self._corrector is None:
            self._corrector = WordCorrector(self._words)
        suggestion, changed = text, False
        for match in re.finditer(r"(?<![\w:])([^\W\d_]{3,})(?![\w:])", text):
            word = match.group(1)
            if word in ("AND", "OR", "NOT", "TO") or self._known(word):
                continue
            found = self._corrector.suggest(word.lower(), limit=1,
                                            maxdist=1 if len(word) < 5 else 2)
            if found:
                suggestion = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", found[0], suggestion,
                                    count=1)
                changed = True
        return suggestion if changed else None

    def _known(self, word: str) -> bool:
        """True when the archive holds the word, as written or as some searched field's
        analyzer reads it."""
        if self._words.get(word.lower(), 0) > 0:
            return True
        reader = self._reader
        for name in SEARCH_FIELDS:
            terms = [t.text for t in reader.schema[name].analyzer(word, mode="query")]
            if terms and all(reader.doc_frequency(name, term) for term in terms):
                return True
        return False
