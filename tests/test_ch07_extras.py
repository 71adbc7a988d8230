"""Tier 1 tests for what Chapter 7 added to the package: ``data.shift_images``."""

from __future__ import annotations

import numpy as np
import pytest

from nnscratch.data import load_digits, shift_images


def _moves(before: np.ndarray, after: np.ndarray, side: int, m: int) -> list[tuple[int, int]]:
    """The shifts (dy, dx) that turn ``before`` into ``after`` (zero-filled at the edges)."""
    img = before.reshape(side, side)
    found = []
    for dy in range(-m, m + 1):
        for dx in range(-m, m + 1):
            moved = np.zeros_like(img)
            src = img[max(0, -dy) : side - max(0, dy), max(0, -dx) : side - max(0, dx)]
            moved[
                max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]
            ] = src
            if np.array_equal(moved, after.reshape(side, side)):
                found.append((dy, dx))
    return found


def test_each_image_is_a_whole_pixel_shift_of_itself() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((50, 64)) + 0.1  # no zero pixels: every shift is distinguishable
    out = shift_images(X, np.random.default_rng(1), max_shift=1)
    assert out.shape == X.shape and out.dtype == X.dtype
    seen = set()
    for before, after in zip(X, out, strict=True):
        moves = _moves(before, after, 8, 1)
        assert len(moves) == 1
        seen.add(moves[0])
    assert len(seen) == 9  # all nine shifts, (0, 0) included, occur in 50 draws


def test_shift_down_right_by_hand() -> None:
    X = np.arange(1.0, 10.0).reshape(1, 9)  # 3×3: [[1 2 3] [4 5 6] [7 8 9]]

    class Fixed:  # a stand-in generator that always draws dy = dx = +1
        def integers(self, low, high, size):
            return np.ones(size, dtype=np.int64)

    out = shift_images(X, Fixed(), max_shift=1).reshape(3, 3)
    np.testing.assert_array_equal(out, [[0, 0, 0], [0, 1, 2], [0, 4, 5]])


def test_seeded_input_unchanged_and_max_shift_zero_is_identity() -> None:
    X, _ = load_digits()
    X = X[:20]
    copy = X.copy()
    a = shift_images(X, np.random.default_rng(3))
    b = shift_images(X, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(X, copy)
    np.testing.assert_array_equal(shift_images(X, np.random.default_rng(3), max_shift=0), X)


def test_larger_shifts_stay_in_range() -> None:
    X = np.random.default_rng(0).random((30, 25)) + 0.1
    out = shift_images(X, np.random.default_rng(0), max_shift=2)
    for before, after in zip(X, out, strict=True):
        assert len(_moves(before, after, 5, 2)) == 1


@pytest.mark.parametrize(
    ("X", "kwargs", "message"),
    [
        (np.zeros((4, 10)), {}, "not square"),
        (np.zeros(64), {}, "shape"),
        (np.zeros((4, 64)), {"max_shift": 8}, "max_shift"),
        (np.zeros((4, 64)), {"max_shift": -1}, "max_shift"),
        (np.zeros((4, 64)), {"max_shift": 1.5}, "max_shift"),
    ],
)
def test_bad_input_is_named(X, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        shift_images(X, np.random.default_rng(0), **kwargs)


def test_fit_accepts_it_as_augment() -> None:
    from nnscratch import Adam, ReLU, SoftmaxCrossEntropy, fit, mlp

    X, y = load_digits()
    model = mlp([64, 16, 10], ReLU, seed=0)
    h = fit(
        model,
        SoftmaxCrossEntropy(),
        Adam(1e-2),
        X[:200],
        y[:200],
        epochs=2,
        augment=shift_images,
        progress=False,
    )
    assert h.epochs == 2 and np.isfinite(h["loss"]).all()
