"""A motive's suggestions: train its model on what archivists coded and rejected, rank every
uncoded candidate an audience may read, and retrain after each batch of decisions.

`rank_motive` is what `archive suggest` prints; a `Suggester` keeps each motive's model
between requests of the web page and retrains it once `BATCH` passages have been accepted
or rejected since (continuous active learning: each batch teaches the next).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..records.collection import default_access_for, find_record, vocabulary_for
from ..records.redaction import AUDIENCES, view_for
from ..records.rendering import paragraph_lines, plain_text
from ..records.testimony import read_testimony
from ..search.engine.generations import current_generation
from .candidates import readable_by
from .decisions import rejected_keys
from .features import Rows, counted, weighted
from .model import Interrupted, Model, train
from .store import Store, key_number, update_store

MIN_CODED = 5
BATCH = 10
NEGATIVE_SAMPLE = 20_000
REJECTED_WEIGHT = 3.0


@dataclass(frozen=True)
class Suggestion:
    """A ranked candidate: where it lies, its key and score, and the record's version."""

    record: str
    paragraph: int
    start: int
    end: int
    key: str
    score: float
    needs: str  # the lowest audience that may read it
    language: str
    version: str
    rel: str = ""  # the record's file, relative to the records' folder


@dataclass
class Ranking:
    """A motive's suggestions for an audience, and what its model learned from."""

    motive: str
    audience: str
    suggestions: list[Suggestion] = field(default_factory=list)
    coded: int = 0
    coded_by_people: int = 0
    rejected: int = 0
    ranked: int = 0

    @property
    def enough(self) -> bool:
        """Whether the motive has enough coded passages to learn from."""
        return self.coded >= MIN_CODED


def vocabulary_texts(vocabulary, motive: str) -> list[str]:
    """What the vocabulary says of a motive (its term, aliases, Korean label and note),
    taught to its model as passages that state it: measured, it doubles the average
    precision of a model learned from a few coded passages (README, "Suggested evidence")."""
    entry = vocabulary.get(motive)
    if entry is None:
        return []
    return [motive, *entry.aliases, *([entry.ko] if entry.ko else []),
            *([entry.note] if entry.note else [])]


def training_set(store: Store, motive: str, rejected: set[str], described: list[str] = ()):
    """The rows a motive's model learns from, their labels and their weights: the coded
    passages (positives when coded with the motive), what the vocabulary says of it, the
    rejected suggestions and a sample of uncoded sentences."""
    has = np.array([motive in names for names in store.coded_motives], dtype=bool)
    positives = np.flatnonzero(has)
    others = np.flatnonzero(~has)
    keys = np.asarray(store.meta["key"])
    refused = np.flatnonzero(np.isin(keys, np.array([key_number(k) for k in rejected],
                                                    dtype=np.uint64))) if rejected else []
    sample = np.random.default_rng(zlib.crc32(motive.encode("utf-8"))).permutation(
        len(store.candidates))[:NEGATIVE_SAMPLE]
    sample = np.setdiff1d(sample, refused)
    rows = Rows.stack([store.coded.take(positives), weighted(counted(list(described)), store.idf),
                       store.coded.take(others),
                       store.candidates.take(np.asarray(refused, dtype=np.int64)),
                       store.candidates.take(np.sort(sample))])
    labels = np.concatenate([np.ones(len(positives) + len(described)),
                             np.zeros(len(others) + len(refused) + len(sample))])
    weights = np.concatenate([np.ones(len(positives) + len(described) + len(others)),
                              np.full(len(refused), REJECTED_WEIGHT), np.ones(len(sample))])
    return rows, labels, weights


def train_motive(store: Store, motive: str, rejected: set[str],
                 vocabulary=None, stop=None) -> Model | None:
    """The motive's model, or None when it has too few coded passages (`stop`: see
    `model.train`)."""
    if sum(1 for names in store.coded_motives if motive in names) < MIN_CODED:
        return None
    described = vocabulary_texts(vocabulary, motive) if vocabulary is not None else []
    return train(*training_set(store, motive, rejected, described), stop=stop)


def rank(store: Store, model: Model | None, ranking: Ranking, rejected: set[str],
         skipped: set[str] = frozenset(), limit: int = 10) -> Ranking:
    """Fill a ranking with the best candidates the audience may read, not rejected or
    skipped, best first."""
    has = [motive for motive in store.coded_motives if ranking.motive in motive]
    suggested = np.asarray(store.coded_meta["suggested"])
    ranking.coded = len(has)
    ranking.coded_by_people = int(sum(1 for names, by in zip(store.coded_motives, suggested)
                                      if ranking.motive in names and not by))
    ranking.rejected = len(rejected)
    if model is None or not len(store.candidates):
        return ranking
    scores = model.scores(store.candidates)
    meta = store.meta
    allowed = np.ones(len(scores), dtype=bool)
    readable = [level for level, needs in enumerate(AUDIENCES)
                if readable_by(needs, ranking.audience)]
    allowed &= np.asarray(meta["needs"]) <= max(readable)
    hidden = {key_number(k) for k in set(rejected) | set(skipped)}
    if hidden:
        allowed &= ~np.isin(np.asarray(meta["key"]), np.array(sorted(hidden), dtype=np.uint64))
    ranking.ranked = int(allowed.sum())
    scores = np.where(allowed, scores, -np.inf)
    count = min(limit, ranking.ranked)
    best = np.argpartition(-scores, count - 1)[:count] if count else []
    for row in sorted(best, key=lambda r: -scores[r]):
        record = store.record_of(row)
        entry = meta[row]
        ranking.suggestions.append(Suggestion(
            record["id"], int(entry["paragraph"]), int(entry["start"]), int(entry["end"]),
            f"{int(entry['key']):016x}", float(scores[row]), AUDIENCES[int(entry["needs"])],
            record["language"], record["sha256"], record["rel"]))
    return ranking


def rank_motive(testimonies_dir: Path, index_dir: Path, motive: str, audience: str,
                limit: int = 10) -> Ranking:
    """A motive's suggestions as `archive suggest` prints them (a model trained now)."""
    store = update_store(testimonies_dir, index_dir)
    rejected = rejected_keys(testimonies_dir, motive)
    model = train_motive(store, motive, rejected, vocabulary_for(testimonies_dir))
    return rank(store, model, Ranking(motive, audience), rejected, limit=limit)


class Suggester:
    """Each motive's model kept between requests, retrained after each batch."""

    def __init__(self, testimonies_dir: Path, index_dir: Path) -> None:
        self.testimonies_dir, self.index_dir = Path(testimonies_dir), Path(index_dir)
        self.models: dict[str, tuple[Model | None, int]] = {}
        self.lock = threading.Lock()
        self.store: Store | None = None
        self.seen: tuple | None = None
        self.warming: threading.Thread | None = None
        self._asking = 0
        self._count = threading.Lock()

    def current_store(self) -> Store:
        """The store, brought up to date when the index has changed since it was last
        looked at (every write of the archive, and the watcher, update the index): at
        34,000 records comparing every file takes a second, so it is done only then."""
        generation = current_generation(self.index_dir)
        try:
            signal = (str(generation), (generation / "state.json").stat().st_mtime_ns)
        except (OSError, TypeError):
            signal = None
        if self.store is None or signal is None or signal != self.seen:
            self.store = update_store(self.testimonies_dir, self.index_dir)
            self.seen = signal
        return self.store

    def ranking(self, motive: str, audience: str, skipped: set[str] = frozenset(),
                limit: int = 10) -> Ranking:
        """The motive's current suggestions (training its model when due). A page asking
        goes before the background training, which waits between motives while any does."""
        with self._count:
            self._asking += 1
        try:
            with self.lock:
                store, model, rejected = self._model(motive)
        finally:
            with self._count:
                self._asking -= 1
        return rank(store, model, Ranking(motive, audience), rejected, skipped, limit)

    def pages_waiting(self) -> bool:
        """Whether a page is waiting for a model now."""
        with self._count:
            return self._asking > 0

    def _model(self, motive: str, stop=None) -> tuple[Store, Model | None, set[str]]:
        """The store, the motive's model (trained now when it has none or a batch of
        decisions has passed since) and its rejections; the caller holds the lock."""
        store = self.current_store()
        rejected = rejected_keys(self.testimonies_dir, motive)
        model, decided = self.models.get(motive, (None, BATCH))
        if model is None or decided >= BATCH:
            model = train_motive(store, motive, rejected, vocabulary_for(self.testimonies_dir),
                                 stop)
            self.models[motive] = (model, 0)
        return store, model, rejected

    def warm(self, motives) -> threading.Thread | None:
        """Train, in the background and one at a time, the models the given motives do not
        have yet, so that the first page of each finds its model ready (an archivist who
        opens the Suggestions page asks for one of them next). None when already warming."""
        if self.warming is not None and self.warming.is_alive():
            return None
        self.warming = threading.Thread(target=self._warm, args=(list(motives),),
                                        name="suggestions-warming", daemon=True)
        self.warming.start()
        return self.warming

    def _warm(self, motives: list[str]) -> None:
        """Train each motive's model unless a page has; a page that asks meanwhile goes
        first (Python's locks are not fair), the training under way given up for it."""
        waiting = list(motives)
        while waiting:
            while self.pages_waiting():
                time.sleep(0.01)
            motive = waiting[0]
            try:
                with self.lock:
                    if motive not in self.models:
                        self._model(motive, stop=self.pages_waiting)
                waiting.pop(0)
            except Interrupted:
                continue  # tried again once the page has its answer
            except Exception:  # noqa: BLE001 - a page asked for later trains and says why
                logging.getLogger(__name__).exception("training %r in the background", motive)
                return

    def decided(self, motive: str) -> None:
        """Count a decision (accept or reject) towards the next retraining."""
        with self.lock:
            model, decided = self.models.get(motive, (None, BATCH))
            self.models[motive] = (model, decided + 1)


@dataclass(frozen=True)
class InContext:
    """A suggestion as a person reads it: the record's title, and its paragraph in the view
    of the audience with the suggested words between what comes before and after."""

    suggestion: Suggestion
    title: str
    before: str
    text: str
    after: str


def in_context(testimonies_dir: Path, suggestion: Suggestion, audience: str,
               vocabulary=None) -> InContext:
    """A suggestion with its record's title and paragraph, as the audience may see them."""
    path = Path(testimonies_dir) / suggestion.rel if suggestion.rel else None
    if path is None or not path.is_file():
        path = find_record(testimonies_dir, suggestion.record)
    original = read_testimony(path, vocabulary or vocabulary_for(testimonies_dir),
                              default_access=default_access_for(testimonies_dir))[0]
    testimony = view_for(original, audience, dt.date.today())
    text = " ".join(original.body[suggestion.start:suggestion.end].split())
    body = testimony.body or ""
    lines = body.split("\n")
    paragraph = next(("\n".join(lines[a:b]) for n, a, b in paragraph_lines(body)
                      if n == suggestion.paragraph), "")
    plain = plain_text(paragraph)
    at = plain.find(text)
    if at < 0:
        return InContext(suggestion, testimony.title, "", text, "")
    return InContext(suggestion, testimony.title, plain[:at], text, plain[at + len(text):])
