"""Regularisers: soft preferences added to the loss.

A network's architecture is a hard prior; a penalty is a soft one, which the
optimiser balances against fitting the data. Two kinds:

* penalties on the **weights** (every parameter named ``W``): :class:`L2`
  (weight decay), :class:`L1` (sparsity) and :class:`Orthogonality`. Each has
  ``function(W, xp)`` (the maths, which ``autograd`` can differentiate),
  ``grad(W)``, ``value(model)`` (summed over the model's weight matrices) and
  ``add_to_grads(model)``, which ``fit`` calls after ``backward``. ``grad`` also
  takes a stack of matrices of shape ``(..., n_in, n_out)`` (one per seed, say,
  when several networks train as one array computation) and treats each alone;
* penalties on the **predictions**: :class:`Certainty` and its opposite
  :class:`Confidence`, loss terms you add to the data loss:
  ``SoftmaxCrossEntropy() + Certainty(0.1)``.

A penalty's gradient is a pull; what the pull does depends on the optimiser.
:func:`soft_threshold` is the other way to apply L1, as a step of its own that
stops at zero (:meth:`L1.proximal_step`).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_hyperparameter, check_positive
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
    """Sparsity: ``λ Σ |W|``, gradient ``λ sign(W)`` (0 is taken as the gradient at 0).

    The pull towards zero has the same size, ``λ``, whatever the weight's size. Added
    to the gradient it does not make weights exactly zero: a gradient-descent step
    moves a weight ``η λ`` towards 0, which lands on 0 only by chance, so an unneeded
    weight ends up stepping back and forth across it. Under Adam the pull is divided
    by ``sqrt(v̂)``: a weight whose only gradient is ``λ sign(W)`` moves ``η`` per step
    whatever ``λ`` is, then oscillates about 0 by a few ``η``. For exact zeros, apply
    the penalty as a step of its own after the optimiser's (:meth:`proximal_step`,
    the soft threshold).
    """

    def function(self, W, xp=np):
        return self.strength * xp.sum(xp.abs(W))

    def grad(self, W):
        return self.strength * np.sign(W)

    def proximal_step(self, model, lr: float) -> None:
        """Shrink every weight matrix of ``model`` by ``lr · λ`` towards 0, stopping at 0.

        Call it after each optimiser step *instead of* listing the penalty in ``fit``'s
        ``penalties`` (``fit(..., on_batch=lambda step, m, loss: l1.proximal_step(m, lr))``):
        the optimiser then follows the data alone and the penalty is applied exactly,
        by :func:`soft_threshold` — proximal gradient descent (ISTA). Under Adam this is
        L1 *decoupled* from the moment estimates, as AdamW decouples L2.
        """
        threshold = check_positive("L1.proximal_step", "lr", lr) * self.strength
        for _, W, _ in self.weights(model):
            W[...] = soft_threshold(W, threshold)


def soft_threshold(W, threshold: float) -> np.ndarray:
    """``sign(W) · max(|W| - threshold, 0)``: each entry moved ``threshold`` towards 0,
    and set to exactly 0 if it would cross it.

    It is the *proximal step* of ``threshold · Σ |U|``: the ``U`` that minimises
    ``½ ‖U - W‖² + threshold · Σ |U|``, the nearest matrix to ``W`` once every
    non-zero entry costs ``threshold`` per unit of size. Entry by entry, a ``u ≠ 0``
    would need ``u - w + threshold · sign(u) = 0``; when ``|w| ≤ threshold`` no such
    ``u`` exists and the minimum sits at the kink, ``u = 0``. That kink is why L1
    applied this way gives exact zeros where its gradient never does.
    """
    threshold = check_hyperparameter(
        "soft_threshold", "threshold", threshold, low=0.0, low_inclusive=True
    )
    W = np.asarray(W)
    shrunk = np.abs(W) - threshold
    return np.where(shrunk > 0, np.sign(W) * shrunk, 0.0)  # a plain 0.0, never -0.0


class Orthogonality(Penalty):
    """``λ ‖WᵀW - I‖²``: asks the units of a layer (the columns of ``W``) to be
    unit-length and mutually perpendicular, so that they detect different things.
    Gradient ``4 λ W (WᵀW - I)``: with ``G = WᵀW - I``, ``dR = 2 λ tr(G dG)`` and
    ``dG = dWᵀW + WᵀdW``; the cyclic invariance of the trace, ``tr(ABC) = tr(CAB)``,
    and ``tr(Aᵀ) = tr(A)`` turn both terms into ``tr((WG)ᵀ dW)``.
    """

    @staticmethod
    def _gram_minus_identity(W, xp=np):
        n = W.shape[-1]
        return xp.swapaxes(W, -1, -2) @ W - np.eye(n, dtype=W.dtype)

    def function(self, W, xp=np):
        G = self._gram_minus_identity(W, xp)
        return self.strength * xp.sum(G * G)

    def grad(self, W):
        return 4.0 * self.strength * (W @ self._gram_minus_identity(W))


class Certainty(Loss):
    """``λ · mean_n H(softmax(z_n))``: the entropy of the predicted distribution.

    Added to the data loss it rewards confident predictions. It ignores the
    targets, which is what it is for: entropy minimisation (Grandvalet & Bengio,
    2004) is a tool for *unlabelled* data, pushing a classifier's boundary away from
    where unlabelled examples crowd. On labelled data supervised practice goes the
    other way (:class:`Confidence`, label smoothing). Gradient ``-λ s ⊙ (log s + H) / n``
    with ``s = softmax(z)``.
    """

    sign = 1.0  # +1: entropy is penalised (certainty rewarded); Confidence flips it

    def __init__(self, strength: float) -> None:
        self.strength = check_positive(type(self).__name__, "strength", strength)

    def prepare(self, pred, target):
        return SoftmaxCrossEntropy.prepare(self, pred, target)

    def function(self, pred, target, xp=np):
        logs = log_softmax(pred, xp)
        return -self.sign * self.strength * xp.sum(xp.exp(logs) * logs) / pred.shape[0]

    def _grad(self, pred, target):
        logs = log_softmax(pred)
        s = np.exp(logs)
        H = -np.sum(s * logs, axis=-1, keepdims=True)
        return -self.sign * self.strength * s * (logs + H) / pred.shape[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.strength:g})"


class Confidence(Certainty):
    """``-λ · mean_n H(softmax(z_n))``: the confidence penalty (Pereyra et al., 2017).

    :class:`Certainty` with the sign flipped: added to the data loss it rewards
    *high* entropy, so a prediction pays for being more confident than the data make
    it. With labels, cross-entropy already pulls towards confidence in the right
    class; this term holds that pull back, as label smoothing does (training on
    ``(1 - ε) t + ε / K`` instead of one-hot targets). Gradient ``+λ s ⊙ (log s + H) / n``.
    """

    sign = -1.0
