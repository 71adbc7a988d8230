"""Scores of a classifier's predictions.

Labels and predictions may come in any of the forms the course uses, read the
same way everywhere (:func:`as_labels`):

* **one number per example** (shape ``(n,)`` or ``(n, 1)``): a class label
  ``0, 1, 2, …`` (ints, bools, or whole floats such as ``1.0``); or, for two
  classes, a **probability** of class 1 in [0, 1], read as class 1 when it is
  above 0.5 — as :meth:`nnscratch.losses.Loss.predict` reads one output column;
* **one row per example** (shape ``(n, classes)``): one-hot rows, probabilities
  or scores, read as the class with the largest entry.

Nothing is truncated or wrapped: a negative label, a label too large for the
number of classes, NaN, or a number that is neither a label nor a probability
(a score such as 2.7: read classes with ``loss.predict(scores)`` first) is an
error that names it.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_labels, nonfinite


def as_labels(
    y, *, owner: str = "as_labels", name: str = "labels", n_classes: int | None = None
) -> np.ndarray:
    """Integer class labels from labels, probabilities, or one-hot / probability / score rows.

    ``owner`` and ``name`` say who is asking about what, for the error messages;
    ``n_classes``, when known, bounds the labels.
    """
    y = np.asarray(y)
    if y.dtype.kind not in "iubf":
        got = "strings" if y.dtype.kind in "US" else "values"
        raise TypeError(
            f"{owner}: expected {name} to be class labels, probabilities or rows of "
            f"scores, got {got} of dtype {y.dtype}"
        )
    if y.ndim == 2 and y.shape[1] > 1:
        where = nonfinite(y) if y.dtype.kind == "f" else ""
        if where:
            raise ValueError(f"{owner}: {name} {_has(name, 'contain')} NaN or infinity ({where})")
        if n_classes is not None and y.shape[1] != n_classes:
            raise ValueError(
                f"{owner}: expected {name} with one column per class ({n_classes}), "
                f"got {y.shape[1]} columns"
            )
        return y.argmax(axis=1)
    if y.ndim == 2:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"{owner}: expected {name} of shape (n,), (n, 1) or (n, classes), got {y.shape}"
        )
    if y.dtype.kind == "f" and np.isfinite(y).all() and (y != np.round(y)).any():
        if y.min() >= 0 and y.max() <= 1:  # probabilities of class 1
            return (y > 0.5).astype(np.int64)
        odd = (y != np.round(y)) & ((y < 0) | (y > 1))
        i = int(odd.argmax())
        raise ValueError(
            f"{owner}: {name} {_has(name)} {y[i]:g} at index {i}, neither a class label nor a "
            "probability; scores (logits)? read classes first with loss.predict(scores)"
        )
    return check_labels(owner, y, n_classes, name)


def _has(name: str, verb: str = "hold") -> str:
    """``"labels hold"`` but ``"y_pred holds"``."""
    return verb if name.endswith("s") else verb + "s"


def _pair(owner: str, y_true, y_pred, n_classes: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Both sides as labels of equal length, bounded by the classes either side shows."""
    for y in (y_true, y_pred):
        shape = np.shape(y)
        if n_classes is None and len(shape) == 2 and shape[1] > 1:
            n_classes = shape[1]
    t = as_labels(y_true, owner=owner, name="y_true", n_classes=n_classes)
    p = as_labels(y_pred, owner=owner, name="y_pred", n_classes=n_classes)
    if t.shape != p.shape:
        raise ValueError(f"{owner}: {len(t)} true labels but {len(p)} predictions")
    return t, p


def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions equal to the truth (in any form :func:`as_labels` reads)."""
    t, p = _pair("accuracy", y_true, y_pred, None)
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = how many examples of class ``i`` were predicted as ``j``.

    Without ``n_classes`` the matrix is as large as the largest label seen (or the
    width of one-hot / probability rows); with it, larger labels are an error.
    """
    if n_classes is not None and (
        not isinstance(n_classes, int | np.integer) or isinstance(n_classes, bool) or n_classes < 1
    ):
        raise ValueError(
            f"confusion_matrix: expected n_classes to be a positive int, got {n_classes!r}"
        )
    t, p = _pair("confusion_matrix", y_true, y_pred, n_classes)
    if n_classes is None:
        n_classes = int(max(t.max(), p.max())) + 1
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(C, (t, p), 1)
    return C
