"""Tier 1 tests for what Chapter 7 added to the package (``data.shift_images``), and
for Chapter 7a's exercise keys: they accept every correct answer and refuse wrong ones."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
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


# ---------------------------------------------------------------------------
# Chapter 7a's exercise keys: every correct answer passes, on any machine; wrong ones fail
# ---------------------------------------------------------------------------

CHAPTER_7A = Path(__file__).resolve().parent.parent / "book" / "07a_digits.ipynb"


def _key(name: str) -> str:
    """The sealed key of the 07a exercise whose check is called with ``name=name``."""
    for cell in nbformat.read(CHAPTER_7A, as_version=4).cells:
        if cell.cell_type == "code" and f'name="{name}"' in cell.source:
            return re.search(r'"(nn1:[A-Za-z0-9_\-]+)"', cell.source).group(1)
    raise LookupError(f"no check named {name!r} in {CHAPTER_7A.name}")


def _digits_batch():
    from nnscratch.data import one_hot, split

    X, t = load_digits()
    X_train, _, t_train, _ = split(X, t, test_size=0.2, seed=0)
    X_fit, _, t_fit, _ = split(X_train, t_train, test_size=0.2, seed=1)
    return X_fit[:32], one_hot(t_fit[:32], 10)


def test_7a_exercise_1_accepts_float32_and_rejects_the_usual_slips() -> None:
    from nnscratch import softmax
    from nnscratch.exercises import check

    key = _key("∂L/∂W")
    x, T = _digits_batch()
    right = x.T @ (softmax(np.zeros((32, 10))) - T) / 32
    x32, T32 = x.astype(np.float32), T.astype(np.float32)
    in_float32 = x32.T @ (softmax(np.zeros((32, 10), np.float32)) - T32) / np.float32(32)
    assert in_float32.dtype == np.float32
    assert check(right, key) and check(in_float32, key)
    for wrong in (32 * right, right / 10, -right, x.T @ (0.1 - T) / 31, -(x.T @ T) / 32):
        assert not check(wrong, key)


def test_7a_exercise_2_checks_against_the_readers_own_history() -> None:
    from nnscratch.exercises import check

    key = _key("the early-stopped loss")
    history = {"val_loss": [0.4, 0.13, 0.15, 0.2], "val_accuracy": [0.9, 0.97, 0.96, 0.97]}
    assert check(0.13, key, using={"history": history})
    for wrong in (0.2, 0.15, 0.13 * (1 + 1e-6)):  # the last epoch, the epoch after, a near miss
        assert not check(wrong, key, using={"history": history})
    # not yet run: no exception, "not answered" for ..., a plain "not yet" for a number
    assert not check(..., key, using={"history": None})
    assert not check(0.13, key, using={"history": None})


def test_7a_exercise_3_tolerance_is_the_stated_one() -> None:
    from nnscratch.exercises import check, unseal

    key = _key("the mean difference")
    record = unseal(key)
    answer = record["value"][0]
    assert record["rtol"] == 0 and record["atol"] == 0.008
    assert check(answer + 0.0079, key) and check(answer - 0.0079, key)
    for wrong in (0.0, -answer, 2 * answer, answer + 0.0081):
        assert not check(wrong, key)
