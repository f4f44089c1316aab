"""The controlled vocabulary of motives: preferred terms, aliases and Korean labels, and the
thesaurus above them (a term's broader term or broader concept).

`vocabulary.yaml` holds `motives:`, the terms records use, and `concepts:`, broader
concepts that group them (`family`, `repression`) and are never stated by a record
themselves. A term's `broader` names another term or a concept; a concept's may name
another concept. Asking for a broader term or concept finds every narrower motive.

`ranks:` (record format 1.2) holds the values of a record's `rank:`, highest first, each with
the same labels as a motive (a Korean label, aliases, a note) and no hierarchy.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InvalidVocabulary
from .yamlkeys import Refused, key_lines


@dataclass(frozen=True)
class Motive:
    """One preferred term of the vocabulary (or, with `concept`, a broader concept; or a
    rank) with its labels."""

    term: str
    ko: str | None = None
    aliases: tuple[str, ...] = ()
    broader: str | None = None
    note: str | None = None
    concept: bool = False

    @property
    def labels(self) -> tuple[str, ...]:
        """Every way of writing this motive: term, aliases and Korean label."""
        return (self.term, *self.aliases, *((self.ko,) if self.ko else ()))


@dataclass(frozen=True)
class Vocabulary:
    """The motives vocabulary, looked up by any label in any case, with its hierarchy."""

    motives: tuple[Motive, ...]
    concepts: tuple[Motive, ...] = ()
    ranks: tuple[Motive, ...] = ()  # highest first
    _lookup: dict = field(default_factory=dict, compare=False, repr=False)
    _ranks: dict = field(default_factory=dict, compare=False, repr=False)
    _concepts: dict = field(default_factory=dict, compare=False, repr=False)
    _narrower: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for motive in self.motives:
            for label in motive.labels:
                self._lookup.setdefault(_key(label), motive)
        for concept in self.concepts:
            for label in concept.labels:
                self._concepts.setdefault(_key(label), concept)
        for rank in self.ranks:
            for label in rank.labels:
                self._ranks.setdefault(_key(label), rank)
        for node in (*self.motives, *self.concepts):
            self._narrower.setdefault(node.term, [])
            if node.broader:
                self._narrower.setdefault(node.broader, []).append(node.term)

    def get(self, term: str) -> Motive:
        """Return the motive (or concept) whose preferred term is `term`."""
        found = self._lookup.get(_key(term)) or self._concepts.get(_key(term))
        if found is None:
            raise KeyError(term)
        return found

    def normalise(self, label: str) -> str | None:
        """Return the preferred term for a term, alias or Korean label, or None."""
        motive = self._lookup.get(_key(label))
        return motive.term if motive else None

    def normalise_any(self, label: str) -> str | None:
        """Like `normalise`, and a broader concept's name for one of its labels."""
        found = self._lookup.get(_key(label)) or self._concepts.get(_key(label))
        return found.term if found else None

    def closest(self, label: str) -> str | None:
        """Return the preferred term whose label is nearest to an unknown `label`."""
        known = {**self._concepts, **self._lookup}
        match = difflib.get_close_matches(_key(label), list(known), n=1, cutoff=0.5)
        return known[match[0]].term if match else None

    def label(self, term: str, language: str = "en") -> str:
        """Return how a preferred term (or a concept) is shown in `language` ('en' or 'ko')."""
        motive = self._lookup.get(_key(term)) or self._concepts.get(_key(term))
        if motive and language == "ko" and motive.ko:
            return motive.ko
        return motive.term if motive else term

    def rank(self, label: str) -> str | None:
        """Return the rank's preferred term for a term, alias or Korean label, or None."""
        found = self._ranks.get(_key(label))
        return found.term if found else None

    def closest_rank(self, label: str) -> str | None:
        """Return the rank whose label is nearest to an unknown `label`."""
        match = difflib.get_close_matches(_key(label), list(self._ranks), n=1, cutoff=0.5)
        return self._ranks[match[0]].term if match else None

    def rank_label(self, term: str, language: str = "en") -> str:
        """Return how a rank is shown in `language` ('en' or 'ko')."""
        found = self._ranks.get(_key(term))
        if found and language == "ko" and found.ko:
            return found.ko
        return found.term if found else term

    def rank_order(self, term: str) -> int:
        """A rank's place in the vocabulary, highest first (unknown ones last)."""
        terms = [rank.term for rank in self.ranks]
        return terms.index(term) if term in terms else len(terms)

    def narrower(self, name: str) -> frozenset[str]:
        """The motive terms a term or concept covers: itself (if a term) and every term
        below it, at any depth."""
        found, todo = set(), [name]
        while todo:
            node = todo.pop()
            if node in found:
                continue
            found.add(node)
            todo += self._narrower.get(node, [])
        terms = {motive.term for motive in self.motives}
        return frozenset(found & terms)

    def ancestors(self, name: str) -> list[str]:
        """The broader terms and concepts above a term or concept, nearest first."""
        found, node = [], self.get(name)
        while node.broader and node.broader not in found and node.broader != name:
            found.append(node.broader)
            node = self.get(node.broader)
        return found

    def children(self, name: str | None) -> list[str]:
        """The terms and concepts directly under one (None: those at the top), in file order."""
        if name is None:
            return [node.term for node in (*self.concepts, *self.motives) if not node.broader]
        return list(self._narrower.get(name, []))

    def tree(self) -> list[tuple[str, int]]:
        """Every concept and term in thesaurus order, each with its depth (0 at the top)."""
        ordered: list[tuple[str, int]] = []

        def walk(name: str, depth: int, seen: tuple) -> None:
            ordered.append((name, depth))
            for child in self.children(name):
                if child not in seen:
                    walk(child, depth + 1, seen + (child,))

        for top in self.children(None):
            walk(top, 0, (top,))
        return ordered


def _key(label: str) -> str:
    return " ".join(label.replace("\u2019", "'").casefold().split())


def load_vocabulary(path: str | Path) -> Vocabulary:
    """Read `vocabulary.yaml`, raising InvalidVocabulary with the file, line and term at
    fault; every problem of the thesaurus (a key or a term written twice, a cycle, an
    undefined broader term, a label used twice) is reported at once."""
    path = Path(path)
    data, lines = _read(path)
    if not isinstance(data, dict) or not isinstance(data.get("motives"), dict):
        raise InvalidVocabulary(f"{path}: expected a mapping with a 'motives:' mapping of terms.")
    for section, what in (("concepts", "broader concepts"), ("ranks", "ranks")):
        if not isinstance(data.get(section) or {}, dict):
            raise InvalidVocabulary(f"{path}:{lines.get((section,), '?')}: {section}: expected "
                                    f"a mapping of {what}.")
    motives = [_entry(path, "motives", term, entry) for term, entry in data["motives"].items()]
    concepts = [_entry(path, "concepts", term, entry, concept=True)
                for term, entry in (data.get("concepts") or {}).items()]
    ranks = [_entry(path, "ranks", term, entry)
             for term, entry in (data.get("ranks") or {}).items()]
    problems = _thesaurus_problems(path, motives, concepts, lines) + _rank_problems(path, ranks,
                                                                                    lines)
    if problems:
        raise InvalidVocabulary("\n".join(problems))
    return Vocabulary(tuple(motives), tuple(concepts), tuple(ranks))


def _read(path: Path) -> tuple[object, dict]:
    """The vocabulary's data and the line of each key path; a key written twice in one
    mapping (a term, or a term's `broader:`) is refused with its line, since YAML would
    silently keep the later one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidVocabulary(
            f"{path}: the motives vocabulary is missing; every archive needs a vocabulary.yaml "
            "beside its records."
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidVocabulary(f"{path}: cannot be read as UTF-8 YAML: {exc}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines, duplicates = key_lines(node, 0) if node is not None else ({}, [])
        data = loader.construct_document(node) if node is not None else None
    except Refused as exc:
        message = str(exc).replace("a record", "the vocabulary")
        raise InvalidVocabulary(f"{path}:{exc.line}: {message}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise InvalidVocabulary(f"{path}: cannot be read as UTF-8 YAML: {exc}") from None
    finally:
        loader.dispose()
    if duplicates:
        raise InvalidVocabulary("\n".join(_duplicate(path, key, line, lines[key])
                                          for key, line in duplicates))
    return data, lines


def _duplicate(path: Path, key: tuple, line: int, first: int) -> str:
    """One sentence for a key written twice in one mapping of the vocabulary."""
    where = f"{path}:{line}: " + ": ".join(map(str, key))
    if len(key) == 1:
        return f"{where}: the section appears twice (first on line {first}); merge them into one"
    if len(key) == 2:
        return (f"{where}: the term is defined twice (first on line {first}); keep one entry "
                "and move the other's aliases into it")
    return f"{where}: appears twice in this term (first on line {first}); keep one of them"


def _entry(path: Path, section: str, term, entry, concept: bool = False) -> Motive:
    entry = entry or {}
    if not isinstance(term, str) or not isinstance(entry, dict):
        raise InvalidVocabulary(f"{path}: {section}: {term!r}: expected a term with a mapping.")
    if "," in term:  # the index keeps a record's terms as one comma-separated field
        raise InvalidVocabulary(f"{path}: {section}: {term}: a term cannot contain a comma; "
                                "reword it or move the comma into an alias.")
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise InvalidVocabulary(f"{path}: {section}: {term}: aliases must be a list of strings.")
    if section == "ranks" and entry.get("broader") is not None:
        raise InvalidVocabulary(f"{path}: ranks: {term}: a rank has no broader term; remove "
                                "'broader:' (ranks are listed from the highest down).")
    return Motive(term=term, ko=_optional_str(path, term, entry, "ko"), aliases=tuple(aliases),
                  broader=_optional_str(path, term, entry, "broader"),
                  note=_optional_str(path, term, entry, "note"), concept=concept)


def _thesaurus_problems(path: Path, motives: list, concepts: list, lines: dict) -> list[str]:
    """Broader terms that name nothing, cycles, concepts under terms, labels used twice."""
    problems = []
    nodes = {node.term: node for node in (*motives, *concepts)}
    seen_labels: dict[str, str] = {}
    for node in (*motives, *concepts):
        section = "concepts" if node.concept else "motives"
        where = f"{path}:{lines.get((section, node.term), 0) or '?'}: {section}: {node.term}"
        for label in node.labels:
            owner = seen_labels.setdefault(_key(label), node.term)
            if owner != node.term:
                problems.append(f"{where}: the label {label!r} is also a label of '{owner}'; "
                                "give each label to one term only")
        if node.broader is None:
            continue
        line = lines.get((section, node.term, "broader")) or lines.get((section, node.term))
        where = f"{path}:{line}: {section}: {node.term}: broader"
        parent = nodes.get(node.broader)
        if parent is None:
            hint = difflib.get_close_matches(node.broader, list(nodes), n=1)
            problems.append(f"{where}: '{node.broader}' is neither a term nor a concept; define "
                            "it under concepts: with its ko label and note"
                            + (f", or did you mean '{hint[0]}'?" if hint else ""))
        elif node.concept and not parent.concept:
            problems.append(f"{where}: a concept's broader must be a concept, not the term "
                            f"'{node.broader}'")
        else:
            chain, at = [node.term], parent
            while at is not None and at.term not in chain:
                chain.append(at.term)
                at = nodes.get(at.broader) if at.broader else None
            if at is not None and at.term == node.term:
                problems.append(f"{where}: the broader terms run in a circle: "
                                + " > ".join(chain + [at.term]) + "; break the circle")
    return problems


def _rank_problems(path: Path, ranks: list, lines: dict) -> list[str]:
    """A label given to two ranks."""
    problems, seen = [], {}
    for rank in ranks:
        for label in rank.labels:
            owner = seen.setdefault(_key(label), rank.term)
            if owner != rank.term:
                problems.append(f"{path}:{lines.get(('ranks', rank.term), '?')}: ranks: "
                                f"{rank.term}: the label {label!r} is also a label of "
                                f"'{owner}'; give each label to one rank only")
    return problems


def _optional_str(path: Path, term: str, entry: dict, key: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidVocabulary(f"{path}: motives: {term}: {key} must be a string.")
    return value
