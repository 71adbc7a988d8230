"""Regularisers: soft preferences added to the loss.

A network's architecture is a hard prior; a penalty is a soft one, which the
optimiser balances against fitting the data. Two kinds:

* penalties on the **weights** (every parameter named ``W``): :class:`L2`
  (weight decay), :class:`L1` (sparsity) and :class:`Orthogonality`. Each has
  ``function(W, xp)`` (the maths, which ``autograd`` can differentiate),
  ``grad(W)``, ``value(model)`` (summed over the model's weight matrices) and
  ``add_to_grads(model)``, which ``fit`` calls after ``backward``;
* a penalty on the **predictions**: :class:`Certainty`, a loss term you add to
  the data loss: ``SoftmaxCrossEntropy() + Certainty(0.1)``.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive
from .losses import Loss, SoftmaxCrossEntropy, log_softmax


class Penalty:
    """A penalty ``strength · R(W)`` summed over a model's weight matrices."""

    def __init__(self, strength: float) -> None:
        self.strength = check_positive(type(self).__name__, "strength", strength)

    def function(self, W, xp=np):
        raise NotImplementedError

    def grad(self, W: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def weights(model):
        """The ``(name, W, grad)`` triples a penalty acts on: weights, not biases."""
        return [(k, p, g) for k, p, g in model.parameters() if k.split(".")[-1] == "W"]

    def value(self, model) -> float:
        return float(sum(self.function(W) for _, W, _ in self.weights(model)))

    def add_to_grads(self, model) -> None:
        for _, W, g in self.weights(model):
            g += self.grad(W)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.strength:g})"


class L2(Penalty):
    """Weight decay: ``λ/2 Σ W²``, gradient ``λ W``: every step shrinks each weight
    a little, so only weights the data keeps asking for stay large."""

    def function(self, W, xp=np):
        return 0.5 * self.strength * xp.sum(W * W)

    def grad(self, W):
        return self.strength * W


class L1(Penalty):
    """Sparsity: ``λ Σ |W|``, gradient ``λ sign(W)``: a constant pull towards zero
    that drives unneeded weights exactly to zero (0 is taken as the gradient at 0)."""

    def function(self, W, xp=np):
        return self.strength * xp.sum(xp.abs(W))

    def grad(self, W):
        return self.strength * np.sign(W)


class Orthogonality(Penalty):
    """``λ ‖WᵀW - I‖²``: asks the units of a layer (the columns of ``W``) to be
    unit-length and mutually perpendicular, so that they detect different things.
    Gradient ``4 λ W (WᵀW - I)``."""

    def function(self, W, xp=np):
        G = W.T @ W - np.eye(W.shape[1], dtype=W.dtype)
        return self.strength * xp.sum(G * G)

    def grad(self, W):
        G = W.T @ W - np.eye(W.shape[1], dtype=W.dtype)
        return 4.0 * self.strength * (W @ G)


class Certainty(Loss):
    """``λ · mean_n H(softmax(z_n))``: the entropy of the predicted distribution.

    Added to the data loss it rewards confident predictions. It ignores the
    targets. Gradient ``-λ s ⊙ (log s + H) / n`` with ``s = softmax(z)``.
    """

    def __init__(self, strength: float) -> None:
        self.strength = check_positive("Certainty", "strength", strength)

    def prepare(self, pred, target):
        return SoftmaxCrossEntropy.prepare(self, pred, target)

    def function(self, pred, target, xp=np):
        logs = log_softmax(pred, xp)
        return -self.strength * xp.sum(xp.exp(logs) * logs) / pred.shape[0]

    def _grad(self, pred, target):
        logs = log_softmax(pred)
        s = np.exp(logs)
        H = -np.sum(s * logs, axis=-1, keepdims=True)
        return -self.strength * s * (logs + H) / pred.shape[0]

    def __repr__(self) -> str:
        return f"Certainty({self.strength:g})"
