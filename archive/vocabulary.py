"""The controlled vocabulary of motives: preferred terms, aliases and Korean labels."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import InvalidVocabulary


@dataclass(frozen=True)
class Motive:
    """One preferred term of the vocabulary with its labels."""

    term: str
    ko: str | None = None
    aliases: tuple[str, ...] = ()
    broader: str | None = None
    note: str | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """Every way of writing this motive: term, aliases and Korean label."""
        return (self.term, *self.aliases, *((self.ko,) if self.ko else ()))


@dataclass(frozen=True)
class Vocabulary:
    """The motives vocabulary, looked up by any label in any case."""

    motives: tuple[Motive, ...]
    _lookup: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for motive in self.motives:
            for label in motive.labels:
                self._lookup.setdefault(_key(label), motive)

    def get(self, term: str) -> Motive:
        """Return the motive whose preferred term is `term`."""
        return self._lookup[_key(term)]

    def normalise(self, label: str) -> str | None:
        """Return the preferred term for a term, alias or Korean label, or None."""
        motive = self._lookup.get(_key(label))
        return motive.term if motive else None

    def closest(self, label: str) -> str | None:
        """Return the preferred term whose label is nearest to an unknown `label`."""
        match = difflib.get_close_matches(_key(label), list(self._lookup), n=1, cutoff=0.5)
        return self._lookup[match[0]].term if match else None

    def label(self, term: str, language: str = "en") -> str:
        """Return how a preferred term is shown in `language` ('en' or 'ko')."""
        motive = self._lookup.get(_key(term))
        if motive and language == "ko" and motive.ko:
            return motive.ko
        return motive.term if motive else term


def _key(label: str) -> str:
    return " ".join(label.replace("\u2019", "'").casefold().split())


def load_vocabulary(path: str | Path) -> Vocabulary:
    """Read `vocabulary.yaml`, raising InvalidVocabulary with the file and term at fault."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidVocabulary(
            f"{path}: the motives vocabulary is missing; every archive needs a vocabulary.yaml "
            "beside its records."
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidVocabulary(f"{path}: cannot be read as UTF-8 YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("motives"), dict):
        raise InvalidVocabulary(f"{path}: expected a mapping with a 'motives:' mapping of terms.")
    motives = []
    for term, entry in data["motives"].items():
        entry = entry or {}
        if not isinstance(term, str) or not isinstance(entry, dict):
            raise InvalidVocabulary(f"{path}: motives: {term!r}: expected a term with a mapping.")
        if "," in term:  # the index keeps a record's terms as one comma-separated field
            raise InvalidVocabulary(f"{path}: motives: {term}: a term cannot contain a comma; "
                                    "reword it or move the comma into an alias.")
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise InvalidVocabulary(f"{path}: motives: {term}: aliases must be a list of strings.")
        motives.append(
            Motive(
                term=term,
                ko=_optional_str(path, term, entry, "ko"),
                aliases=tuple(aliases),
                broader=_optional_str(path, term, entry, "broader"),
                note=_optional_str(path, term, entry, "note"),
            )
        )
    return Vocabulary(tuple(motives))


def _optional_str(path: Path, term: str, entry: dict, key: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidVocabulary(f"{path}: motives: {term}: {key} must be a string.")
    return value
