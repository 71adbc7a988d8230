"""Data sets of the course, all generated from a seed or loaded from an
installed package: nothing is downloaded.

* :func:`barcodes` — random barcodes; the count of bars is the one feature (Chapter 1);
* :func:`rectangles` — wide and tall rectangles by width and height (Chapter 2);
* :func:`xor_rectangles` — small/large in each dimension, labelled by XOR (Chapter 3);
* :func:`xor_table` — the four rows of the XOR truth table (Chapters 3–4);
* :func:`load_digits` — the 8×8 handwritten digits shipped with scikit-learn (Chapter 7);
* helpers: :func:`split`, :func:`one_hot`, :func:`batches`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ._checks import check_hyperparameter, check_labels, check_seed, describe, nonfinite


class Barcodes(NamedTuple):
    codes: np.ndarray  # (n, length) of 0/1: 1 is a black stripe
    counts: np.ndarray  # (n,) number of bars (runs of consecutive 1s)
    labels: np.ndarray  # (n,) 1 if counts > boundary else 0


def count_bars(codes) -> np.ndarray:
    """Number of bars (maximal runs of 1s) in each row of a 0/1 array."""
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[None, :]
    padded = np.pad(codes.astype(np.int8), ((0, 0), (1, 0)))
    return (np.diff(padded, axis=1) == 1).sum(axis=1)


def barcodes(
    n: int = 200, *, length: int = 100, boundary: int = 25, margin: int = 2, seed: int = 0
) -> Barcodes:
    """``n`` random barcodes, half with more than ``boundary`` bars and half with fewer.

    Each stripe is black with probability ½, which gives about ``length / 4``
    bars on average. Barcodes whose count lies within ``margin`` of the boundary
    are redrawn, so the two classes are separated by a visible gap.
    """
    if n < 2 or n % 2:
        raise ValueError(f"barcodes: expected an even n >= 2, got {n}")
    rng = np.random.default_rng(seed)
    per_class = n // 2
    kept: list[list[np.ndarray]] = [[], []]
    while min(len(k) for k in kept) < per_class:
        batch = rng.integers(0, 2, size=(4 * n, length), dtype=np.int8)
        counts = count_bars(batch)
        for code, c in zip(batch, counts, strict=True):
            if abs(int(c) - boundary) <= margin:
                continue
            group = kept[int(c > boundary)]
            if len(group) < per_class:
                group.append(code)
    codes = np.concatenate([np.array(kept[0]), np.array(kept[1])])
    codes = codes[rng.permutation(n)]
    counts = count_bars(codes)
    return Barcodes(codes, counts, (counts > boundary).astype(np.int64))


def rectangles(
    n: int = 200, *, noise: float = 0.35, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Rectangles described by ``[width, height]``: class 0 is *wide*, class 1 *tall*.

    Wide ones scatter around (1.0, 0.5) and tall ones around (0.5, 1.0) with
    standard deviation ``noise`` (and a small correlation: big rectangles tend to
    be big in both directions), so the classes overlap a little near the
    diagonal ``width = height``. Sides are kept above 0.1.
    """
    rng = np.random.default_rng(seed)
    cov = noise**2 * np.array([[1.0, 1 / 3], [1 / 3, 1.0]])
    X, y = [], []
    for label, centre in enumerate([(1.0, 0.5), (0.5, 1.0)]):
        got = 0
        while got < n // 2 + (label < n % 2):
            s = rng.multivariate_normal(centre, cov)
            if np.all(s > 0.1):
                X.append(s)
                y.append(label)
                got += 1
    order = rng.permutation(len(y))
    return np.array(X)[order], np.array(y, dtype=np.int64)[order]


def xor_rectangles(
    n: int = 200, *, noise: float = 0.08, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Rectangles in four clusters — small/large width × small/large height.

    Centres are 0.5 (small) and 1.0 (large) on each side; the label is 1 when
    exactly one side is large (a long thin rectangle) and 0 when both are small
    or both large (a squarish one): ``label = (width > .75) XOR (height > .75)``
    at the centres. No single straight line separates the classes.
    """
    rng = np.random.default_rng(seed)
    centres = np.array([(0.5, 0.5), (0.5, 1.0), (1.0, 0.5), (1.0, 1.0)])
    which = np.arange(n) % 4
    X = centres[which] + noise * rng.standard_normal((n, 2))
    X = np.maximum(X, 0.1)
    y = np.isin(which, (1, 2)).astype(np.int64)
    order = rng.permutation(n)
    return X[order], y[order]


def xor_table() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: inputs of shape (4, 2), targets of shape (4, 1)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([[0.0], [1.0], [1.0], [0.0]])


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 handwritten 8×8 digits from scikit-learn (installed, no download).

    Returns ``X`` of shape (1797, 64), float64, pixels scaled from 0–16 to 0–1,
    and integer labels ``y`` in 0–9. ``X[i].reshape(8, 8)`` is the image.
    """
    from sklearn.datasets import load_digits as _load

    d = _load()
    return d.data.astype(np.float64) / 16.0, d.target.astype(np.int64)


def split(X, y, *, test_size: float = 0.2, seed: int = 0, stratify: bool = True):
    """``X_train, X_test, y_train, y_test``: a seeded split that keeps class
    proportions the same in both parts (stratified). The same as scikit-learn's
    ``train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)``.

    With ``stratify=True`` (the default) ``y`` must hold integer class labels, at
    least two examples of each class; ``stratify=False`` takes any numbers.
    """
    from sklearn.model_selection import train_test_split

    test_size = check_hyperparameter("split", "test_size", test_size, low=0.0, high=1.0)
    check_seed("split", seed)
    X_arr, y_arr = (_numbers("split", name, a) for name, a in (("X", X), ("y", y)))
    if len(X_arr) != len(y_arr):
        raise ValueError(f"split: X has {len(X_arr)} rows but y has {len(y_arr)}")
    if stratify:
        labels = check_labels("split", y_arr.reshape(len(y_arr), -1)[:, 0], None, "y")
        if y_arr.ndim != 1:
            raise ValueError(
                f"split: expected y to be labels of shape (n,) to stratify by, got {y_arr.shape}"
            )
        counts = np.bincount(labels)
        lonely = np.flatnonzero(counts == 1)
        if lonely.size:
            raise ValueError(
                f"split: class {lonely[0]} has only 1 example; a stratified split needs at "
                "least 2 of each class (or pass stratify=False)"
            )
        n_test = int(np.ceil(test_size * len(labels)))
        n_classes = int(np.count_nonzero(counts))
        if not n_classes <= n_test <= len(labels) - n_classes:
            raise ValueError(
                f"split: a stratified split of {len(labels)} examples of {n_classes} classes "
                f"needs at least one of each class on both sides; test_size={test_size:g} "
                f"puts {n_test} in the test part"
            )
    return train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
    )


def _numbers(owner: str, name: str, a) -> np.ndarray:
    """``a`` as an array of finite numbers (any numeric dtype kept), or an error naming it."""
    if a is None or isinstance(a, str):
        raise TypeError(f"{owner}: expected {name} to be an array of numbers, got {describe(a)}")
    arr = np.asarray(a)
    if arr.dtype.kind not in "iubf":
        got = "strings" if arr.dtype.kind in "US" else f"values of dtype {arr.dtype}"
        raise TypeError(f"{owner}: expected {name} to hold numbers, got {got}")
    if arr.ndim == 0:
        raise ValueError(f"{owner}: expected {name} with one row per example, got {a!r}")
    where = nonfinite(arr) if arr.dtype.kind == "f" else ""
    if where:
        raise ValueError(f"{owner}: {name} contains NaN or infinity ({where})")
    return arr


def one_hot(y, n_classes: int | None = None, dtype=np.float64) -> np.ndarray:
    """Integer labels → rows with a single 1: ``one_hot([2, 0], 3) = [[0,0,1], [1,0,0]]``.

    Without ``n_classes`` there are as many columns as the largest label + 1.
    """
    if n_classes is not None and (
        not isinstance(n_classes, int | np.integer) or isinstance(n_classes, bool) or n_classes < 1
    ):
        raise TypeError(
            f"one_hot: expected n_classes to be a positive int, got {describe(n_classes)}"
        )
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] > 1:
        raise ValueError(
            f"one_hot: expected labels of shape (n,), got {y_arr.shape}: rows already one-hot? "
            "then use them as they are (or y.argmax(axis=1) for labels)"
        )
    y = check_labels("one_hot", y_arr, n_classes)
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    out = np.zeros((len(y), n_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def batches(
    X, y, batch_size: int, *, seed: int | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Minibatches ``(X_b, y_b)`` in order, or shuffled when a ``seed`` is given.
    The last batch may be smaller."""
    n = len(X)
    if len(y) != n:
        raise ValueError(f"batches: X has {n} rows but y has {len(y)}")
    if (
        not isinstance(batch_size, int | np.integer)
        or isinstance(batch_size, bool)
        or batch_size < 1
    ):
        raise ValueError(f"batches: expected a positive int batch_size, got {describe(batch_size)}")
    if seed is not None:
        check_seed("batches", seed)
    order = np.arange(n) if seed is None else np.random.default_rng(seed).permutation(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def shift_images(X, rng, *, max_shift: int = 1) -> np.ndarray:
    """Move each flattened square image by a random whole number of pixels.

    Every row of ``X`` (shape ``(n, side * side)``, e.g. ``(n, 64)`` for 8×8
    digits) is reshaped to a ``side × side`` image, moved by ``dy`` rows and
    ``dx`` columns drawn uniformly from ``-max_shift … max_shift`` (each image
    its own pair, from ``rng``, a ``np.random.Generator``), and flattened again.
    Pixels that enter at an edge are 0 (background); pixels pushed over the
    opposite edge are lost.

    A "3" moved one pixel to the left is still a "3": training on moved copies
    (*data augmentation*) shows the network that the position of a stroke
    matters less than its shape, which curbs over-fitting. Use it in
    ``fit(..., augment=shift_images)``; ``fit`` passes its seeded ``rng``.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"shift_images: expected X of shape (n, side*side), got {X.shape}")
    side = int(round(np.sqrt(X.shape[1])))
    if side * side != X.shape[1]:
        raise ValueError(f"shift_images: rows of {X.shape[1]} pixels are not square images")
    if not isinstance(max_shift, int | np.integer) or not 0 <= max_shift < side:
        raise ValueError(
            f"shift_images: expected an int 0 <= max_shift < {side}, got {max_shift!r}"
        )
    n, m = len(X), int(max_shift)
    images = X.reshape(n, side, side)
    padded = np.pad(images, ((0, 0), (m, m), (m, m)))
    dy, dx = rng.integers(-m, m + 1, size=(2, n))
    rows = (np.arange(side)[None, :] - dy[:, None] + m)[:, :, None]  # (n, side, 1)
    cols = (np.arange(side)[None, :] - dx[:, None] + m)[:, None, :]  # (n, 1, side)
    out = padded[np.arange(n)[:, None, None], rows, cols]
    return out.reshape(n, side * side)
