"""How good a ranking is: precision of the first k, recall at k, average precision, their
expectation for a random order, and a simulated person accepting and rejecting batches.

Passages accepted from suggestions (`by="suggested"`) are never counted as evidence here:
the caller leaves them out of what is measured, so that a model is not judged by its own
proposals.
"""

from __future__ import annotations

import numpy as np

from .features import Rows
from .model import train


def measures(scores: np.ndarray, relevant: np.ndarray, tie_seed: int = 0) -> dict:
    """P@10, P@50, R@100 and average precision of a ranking (ties broken at random)."""
    jitter = np.random.default_rng(tie_seed).random(len(scores)) * 1e-9
    order = np.argsort(-(np.asarray(scores, dtype=float) + jitter), kind="stable")
    hits = np.asarray(relevant, dtype=bool)[order]
    return _from_hits(hits)


def _from_hits(hits: np.ndarray) -> dict:
    total = max(int(hits.sum()), 1)
    found = np.cumsum(hits)
    ranks = np.flatnonzero(hits) + 1
    return {"p10": found[min(10, len(hits)) - 1] / min(10, len(hits)),
            "p50": found[min(50, len(hits)) - 1] / min(50, len(hits)),
            "r100": found[min(100, len(hits)) - 1] / total,
            "ap": float(np.mean(found[ranks - 1] / ranks)) if len(ranks) else 0.0}


def random_expectation(relevant: np.ndarray, trials: int = 200) -> dict:
    """The measures of a random order, averaged over many shuffles."""
    rng = np.random.default_rng(0)
    relevant = np.asarray(relevant, dtype=bool)
    runs = [_from_hits(relevant[rng.permutation(len(relevant))]) for _ in range(trials)]
    return {key: float(np.mean([run[key] for run in runs])) for key in runs[0]}


def simulated_review(rows: Rows, relevant: np.ndarray, seed_count: int = 2, batch: int = 10,
                     goals: tuple[float, ...] = (0.5, 0.8, 0.95), seed: int = 0,
                     taught: int = 0) -> dict[float, int]:
    """How many passages a person reads, a batch at a time, the model retrained after each
    batch on what was accepted and rejected, until each goal (a share of the relevant
    passages) is found, starting from `seed_count` passages already coded. The last
    `taught` rows are the vocabulary's words, always taught as positives and never read."""
    described = np.arange(len(rows) - taught, len(rows))
    relevant = np.asarray(relevant, dtype=bool)
    rng = np.random.default_rng(seed)
    known = set(rng.choice(np.flatnonzero(relevant), seed_count, replace=False).tolist())
    reviewed: set[int] = set()
    reads: dict[float, int] = {}
    while len(reads) < len(goals):
        found = sum(1 for i in known | reviewed if relevant[i])
        reads.update({goal: len(reviewed) for goal in goals
                      if goal not in reads and found >= np.ceil(goal * relevant.sum())})
        if len(reads) == len(goals):
            break
        labelled = sorted(known | reviewed)
        unlabelled = np.array([i for i in range(len(relevant)) if i not in known | reviewed])
        # What nobody has read yet counts as a negative, as the archive's uncoded sentences do.
        train_rows = np.array(labelled + unlabelled.tolist() + described.tolist())
        labels = np.array([1.0 if i >= len(relevant) or (relevant[i] and i in known | reviewed)
                           else 0.0 for i in train_rows])
        weights = np.array([3.0 if i in reviewed and not relevant[i] else 1.0
                            for i in train_rows])
        scores = train(rows.take(train_rows), labels, weights).scores(rows.take(unlabelled))
        reviewed.update(unlabelled[np.argsort(-scores, kind="stable")[:batch]].tolist())
    return reads
