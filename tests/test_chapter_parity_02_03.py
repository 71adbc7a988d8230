"""The package reproduces the small hand-written code of Chapters 2 and 3.

The chapters teach with a few lines of numpy and then use ``nnscratch``; these
tests check, outside the chapters, that the two agree: the perceptron rule of
Chapter 2 is a gradient step on ``PerceptronCriterion`` to the last bit (one
example, and a whole epoch of ``fit``), and the layers' ``backward`` of Chapter 3's
2-2-1 ReLU network gives the hand-derived gradients of the squared error. The
chapters' functions are re-implemented here as the chapters write them.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnscratch as nn
from nnscratch.data import rectangles, xor_table


def perceptron_update(W, b, x, t, lr):
    """Chapter 2's rule on one example: W ← W − η (y − t) x, b ← b − η (y − t)."""
    y = float(x @ W + b > 0)
    error = y - t
    return W - lr * error * x, b - lr * error


@pytest.mark.parametrize(
    ("W", "b", "x", "t", "lr"),
    [
        ((0.5, 0.5), -1.0, (0.6, 1.2), 1, 0.5),  # the chapter's worked update
        ((0.8, 1.1), -0.5, (1.2, 0.5), 0, 0.5),  # its exercise 1
        ((0.3, -0.2), 0.1, (0.7, 0.9), 1, 0.25),  # a right answer: no change
    ],
)
def test_one_gradient_step_is_one_perceptron_update(W, b, x, t, lr) -> None:
    W, x = np.array(W), np.array(x)
    layer = nn.Linear(W=W.reshape(2, 1), b=[b])
    z = layer.forward(x[None, :])
    layer.backward(nn.PerceptronCriterion().grad(z, [t]))
    nn.GradientDescent(lr).step(layer)
    W_rule, b_rule = perceptron_update(W, b, x, t, lr)
    assert np.array_equal(layer.params["W"].ravel(), W_rule)
    assert np.array_equal(layer.params["b"], [b_rule])


@pytest.mark.parametrize("seed", [7, 0])
def test_an_epoch_of_fit_is_the_perceptron_rule(seed: int) -> None:
    X, t = rectangles(200, noise=0.3, seed=0)
    model = nn.Linear(W=[[0.0], [1.0]], b=[-1.2])
    nn.fit(
        model,
        nn.PerceptronCriterion(),
        nn.GradientDescent(0.2),
        X,
        t,
        epochs=1,
        batch_size=1,
        seed=seed,
        progress=False,
    )
    W_rule, b_rule = np.array([0.0, 1.0]), -1.2
    for i in np.random.default_rng(seed).permutation(len(X)):  # fit's order for this seed
        W_rule, b_rule = perceptron_update(W_rule, b_rule, X[i], t[i], lr=0.2)
    assert not np.array_equal(W_rule, [0.0, 1.0]), "the epoch should have made updates"
    assert np.array_equal(model.params["W"].ravel(), W_rule)
    assert np.array_equal(model.params["b"], [b_rule])


def xor_gradients(X, t, W1, b1, W2, b2) -> dict[str, np.ndarray]:
    """Chapter 3/4's hand-derived gradients of L = Σ (y − t)² through relu(x W1 + b1) W2 + b2."""
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0.0)
    y = a1 @ W2 + b2
    delta2 = 2 * (y - t)
    delta1 = (delta2 @ W2.T) * (z1 > 0)
    return {
        "0.W": X.T @ delta1,
        "0.b": delta1.sum(axis=0),
        "2.W": a1.T @ delta2,
        "2.b": delta2.sum(axis=0),
    }


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_the_layers_backward_gives_chapter_3s_gradients(seed: int) -> None:
    X, t = xor_table()
    rng = np.random.default_rng(seed)
    W1 = np.ones((2, 2)) + 0.2 * rng.standard_normal((2, 2))
    b1 = np.array([0.0, -1.0]) + 0.2 * rng.standard_normal(2)
    W2 = np.array([[1.0], [-2.0]]) + 0.2 * rng.standard_normal((2, 1))
    b2 = np.array([0.0]) + 0.2 * rng.standard_normal(1)
    net = nn.Sequential(nn.Linear(W=W1, b=b1), nn.ReLU(), nn.Linear(W=W2, b=b2))
    _, grad_out = nn.SSE().value_and_grad(net(X), t)
    net.backward(grad_out)
    ours = xor_gradients(X, t, W1, b1, W2, b2)
    for key, grad in ours.items():
        np.testing.assert_allclose(net.grads[key], grad, rtol=1e-12, atol=1e-14, err_msg=key)
