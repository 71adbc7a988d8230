"""Scores of a classifier's predictions."""

from __future__ import annotations

import numpy as np


def as_labels(y) -> np.ndarray:
    """Integer labels from labels, or from one-hot / probability rows (their argmax)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(len(y)).astype(np.int64)


def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions equal to the truth (labels or one-hot rows)."""
    t, p = as_labels(y_true), as_labels(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"accuracy: {len(t)} true labels but {len(p)} predictions")
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = how many examples of class ``i`` were predicted as ``j``."""
    t, p = as_labels(y_true), as_labels(y_pred)
    if n_classes is None:
        n_classes = int(max(t.max(), p.max())) + 1
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(C, (t, p), 1)
    return C
