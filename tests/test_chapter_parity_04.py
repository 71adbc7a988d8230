"""Chapter 4's hand-written network and the package compute the same numbers, bit for bit.

The chapter writes its 2-2-1 sigmoid network by hand (``sigmoid``, ``forward``,
``backward``, ``train``). These tests run *those cells of the chapter* — found by
their cell ids, so the chapter's own code is tested, not a copy — and compare them
with ``Sequential(Linear, Sigmoid, Linear, Sigmoid)``: outputs and all nine
gradients must be identical, not merely close, for squared error (``MSE``) and for
cross-entropy (``BinaryCrossEntropy(from_logits=True)`` after the second ``Linear``).
"""

from __future__ import annotations

import contextlib
import io

import nbformat
import numpy as np
import pytest
from conftest import BOOK

from nnscratch import MSE, BinaryCrossEntropy, Linear, Sequential, Sigmoid

CHAPTER = BOOK / "04_backprop.ipynb"
# xor_table, init_params, sigmoid, forward, the losses, backward, one step, one epoch, train
CELLS = ["b96f13cb", "fe631a6e", "24e64ca2", "b7f0c2aa", "26067f9a", "efcb4053", "gd-step",
         "one-epoch", "e9b8968a"]  # fmt: skip
NAMES = {"W1": "0.W", "b1": "0.b", "W2": "2.W", "b2": "2.b"}  # Sequential's names for ours


@pytest.fixture(scope="module")
def chapter() -> dict:
    """The namespace left by running the chapter's network cells in order."""
    cells = {cell.id: cell for cell in nbformat.read(CHAPTER, as_version=4).cells}
    missing = [cell_id for cell_id in CELLS if cell_id not in cells]
    assert not missing, f"{CHAPTER.name}: cells {missing} not found (were their ids changed?)"
    namespace: dict = {"LR": 2.0}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell_id in CELLS:
            exec(compile(cells[cell_id].source, f"{CHAPTER.name}:{cell_id}", "exec"), namespace)
    return namespace


def as_sequential(params: dict, output_sigmoid: bool = True) -> Sequential:
    layers = [
        Linear(W=params["W1"], b=params["b1"]),
        Sigmoid(),
        Linear(W=params["W2"], b=params["b2"]),
    ]
    return Sequential(*layers, *([Sigmoid()] if output_sigmoid else []))


def test_forward_is_identical_before_and_after_training(chapter: dict) -> None:
    X, forward = chapter["X"], chapter["forward"]
    learned = chapter["train"](chapter["params0"], "squared", epochs=1500)["params"]
    axis = np.linspace(-1, 2, 100)
    grid = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)
    for params in (chapter["params0"], learned):
        for inputs in (X, grid):
            ours, theirs = forward(params, inputs)[0], as_sequential(params).forward(inputs)
            assert np.array_equal(ours, theirs), np.max(np.abs(ours - theirs))


@pytest.mark.parametrize(
    ("loss", "package_loss", "output_sigmoid"),
    [("squared", MSE(), True), ("cross-entropy", BinaryCrossEntropy(from_logits=True), False)],
)
def test_all_nine_gradients_are_identical(chapter, loss, package_loss, output_sigmoid) -> None:
    X, T, params0 = chapter["X"], chapter["T"], chapter["params0"]
    ours = chapter["backward"](params0, chapter["forward"](params0, X)[1], T, loss)
    model = as_sequential(params0, output_sigmoid)
    model.backward(package_loss.grad(model.forward(X), T))  # forward gives y, or z2 for logits
    for name, package_name in NAMES.items():
        assert np.array_equal(ours[name], model.grads[package_name]), (loss, name)


def test_the_textbook_sigmoid_would_not_be_identical(chapter: dict) -> None:
    """Why the chapter's ``sigmoid`` uses the package's formula: the textbook one rounds
    differently for negative z (and identically for z >= 0)."""
    z = np.linspace(-30, 30, 60001)
    textbook, ours = 1.0 / (1.0 + np.exp(-z)), chapter["sigmoid"](z)
    assert np.array_equal(textbook[z >= 0], ours[z >= 0])
    assert not np.array_equal(textbook[z < 0], ours[z < 0])
    assert np.max(np.abs(textbook - ours)) < 1e-15
