"""A motive's model: logistic regression over TF-IDF rows, trained with numpy alone.

Passages coded with the motive are the positives; rejected suggestions, passages coded
only with other motives and a sample of uncoded sentences are the negatives (most uncoded
sentences state no motive; the few that do are what the suggestions are for). Classes are
weighted to count equally, and rejections count more than the unlabelled sample, since a
person said no to them. Training works on the columns the training rows use, so it costs
what the training set holds, not the size of the hashed space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import DIMENSIONS, Rows

REGULARISATION = 1e-4
STEPS = 300
LEARNING_RATE = 0.2


@dataclass(frozen=True)
class Model:
    """A trained model: a weight for each hashed slot, and a bias."""

    weights: np.ndarray
    bias: float
    positives: int
    negatives: int

    def scores(self, rows: Rows) -> np.ndarray:
        """How strongly each row looks like a passage stating the motive (higher first)."""
        return rows.dot(self.weights) + self.bias


class Interrupted(Exception):
    """Training was given up because `stop` said so (someone waits for the lock)."""


def train(rows: Rows, labels: np.ndarray, sample_weights: np.ndarray | None = None,
          stop=None) -> Model:
    """Fit a logistic regression (L2, balanced classes) by Adam's gradient steps; `stop`,
    asked every few steps, gives up the training (Interrupted) when it answers True."""
    labels = np.asarray(labels, dtype=np.float64)
    weights = np.ones(len(labels)) if sample_weights is None else np.asarray(sample_weights,
                                                                              dtype=np.float64)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives:
        weights = np.where(labels == 1, weights * (weights[labels == 0].sum() or 1)
                           / weights[labels == 1].sum(), weights)
    weights = weights / weights.sum()
    columns, compact = np.unique(rows.indices, return_inverse=True)
    local = Rows(rows.indptr, compact.astype(np.int64), rows.data.astype(np.float64))
    w = np.zeros(len(columns) + 1)  # the last one is the bias
    first, second = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, STEPS + 1):
        if stop is not None and step % 10 == 0 and stop():
            raise Interrupted
        z = local.dot(w[:-1]) + w[-1]
        residual = weights * (1 / (1 + np.exp(-np.clip(z, -30, 30))) - labels)
        gradient = np.append(local.transpose_dot(residual, len(columns)) + REGULARISATION
                             * w[:-1], residual.sum())
        first = 0.9 * first + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient * gradient
        w -= LEARNING_RATE * (first / (1 - 0.9 ** step)) / (
            np.sqrt(second / (1 - 0.999 ** step)) + 1e-8)
    full = np.zeros(DIMENSIONS, dtype=np.float32)
    full[columns] = w[:-1]
    return Model(full, float(w[-1]), positives, negatives)
