"""Losses: one number that says how wrong a batch of predictions is.

Each loss offers

* ``value(pred, target)`` (also ``loss(pred, target)``): the number;
* ``grad(pred, target)``: ``∂L/∂pred``, the start of backpropagation;
* ``value_and_grad(pred, target)``: both, sharing the work;
* ``function(pred, target, xp)``: the maths as a pure function, which
  :mod:`nnscratch.gradcheck` hands to ``autograd`` to check ``grad``;
* ``predict(pred)``: the class each prediction stands for.

Losses over log-probabilities take *scores* (logits) where they can: the log
of a softmax or a sigmoid computed in one piece stays finite where the two steps
taken separately would give ``log(0) = -inf``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_labels, check_same_shape
from .layers import sigmoid, softmax


class Loss:
    """Base class for a loss ``L(pred, target)`` averaged (or summed) over a batch."""

    @property
    def name(self) -> str:
        return type(self).__name__

    def function(self, pred, target, xp=np):
        raise NotImplementedError

    def _grad(self, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def prepare(self, pred, target) -> tuple[np.ndarray, np.ndarray]:
        """Check ``pred`` and ``target`` and bring ``target`` to ``pred``'s shape."""
        pred = as_float_array(self.name, "predictions", pred, ndim=2)
        target = as_float_array(self.name, "targets", target)
        if target.ndim == 1 and pred.shape[1] == 1:
            target = target[:, None]
        check_same_shape(self.name, "targets (the shape of the predictions)", target, pred.shape)
        return pred, target.astype(pred.dtype, copy=False)

    def value(self, pred, target) -> float:
        pred, target = self.prepare(pred, target)
        return float(self.function(pred, target))

    def __call__(self, pred, target) -> float:
        """``loss(pred, target)`` is ``loss.value(pred, target)``."""
        return self.value(pred, target)

    def grad(self, pred, target) -> np.ndarray:
        pred, target = self.prepare(pred, target)
        return self._grad(pred, target)

    def value_and_grad(self, pred, target) -> tuple[float, np.ndarray]:
        return self._value_and_grad(*self.prepare(pred, target))

    def _value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        """Value and gradient for inputs already checked by ``prepare``."""
        return float(self.function(pred, target)), self._grad(pred, target)

    def predict(self, pred: np.ndarray) -> np.ndarray:
        """Class labels: the largest column, or ``pred > 0.5`` for one column."""
        pred = np.asarray(pred)
        if pred.ndim == 2 and pred.shape[1] > 1:
            return pred.argmax(axis=1)
        return (pred.reshape(len(pred)) > 0.5).astype(np.int64)

    def __add__(self, other: Loss) -> Loss:
        if not isinstance(other, Loss):
            return NotImplemented
        return SumOfLosses(self, other)

    def __repr__(self) -> str:
        return f"{self.name}()"


def _prepare_binary(self: Loss, pred, target) -> tuple[np.ndarray, np.ndarray]:
    """``Loss.prepare`` that also insists on targets of 0 or 1."""
    pred, target = Loss.prepare(self, pred, target)
    bad = (target != 0) & (target != 1)
    if bad.any():
        raise ValueError(f"{self.name}: expected targets of 0 or 1, got {target[bad][0]}")
    return pred, target


class SumOfLosses(Loss):
    """``L = L_1 + L_2 + …``: a data loss plus penalties on the predictions."""

    def __init__(self, *terms: Loss) -> None:
        self.terms = [
            t for term in terms for t in (term.terms if isinstance(term, SumOfLosses) else [term])
        ]

    def prepare(self, pred, target):
        return self.terms[0].prepare(pred, target)

    def function(self, pred, target, xp=np):
        return sum(term.function(pred, target, xp) for term in self.terms)

    def _grad(self, pred, target):
        return sum(term._grad(pred, target) for term in self.terms)

    def predict(self, pred):
        return self.terms[0].predict(pred)

    def __repr__(self) -> str:
        return " + ".join(repr(t) for t in self.terms)


class SSE(Loss):
    """Sum of squared errors over the batch, ``L = Σ (pred - target)²``.

    Its gradient is ``2 (pred - target)``. Summing (rather than averaging) makes a
    batch of ``n`` examples count ``n`` times as much as one.
    """

    def function(self, pred, target, xp=np):
        return xp.sum((pred - target) ** 2)

    def _grad(self, pred, target):
        return 2.0 * (pred - target)


class MSE(Loss):
    """Mean squared error over every entry, ``L = mean((pred - target)²)``."""

    def function(self, pred, target, xp=np):
        return xp.mean((pred - target) ** 2)

    def _grad(self, pred, target):
        return 2.0 * (pred - target) / pred.size


class BinaryCrossEntropy(Loss):
    """Log-loss for yes/no targets in {0, 1}, averaged over the batch.

    ``L = -mean_n Σ_k [t log p + (1 - t) log(1 - p)]``.

    With ``from_logits=True`` (recommended) ``pred`` holds scores ``z`` and
    ``p = σ(z)``; the loss is computed as ``log(1 + e^z) - t z`` with
    ``logaddexp``, finite for any ``z``, and its gradient is simply
    ``(σ(z) - t) / n``. With probabilities, ``p`` is clipped to
    ``[ε, 1 - ε]`` (``ε`` = machine epsilon) so that ``p = 0`` or ``1`` gives a
    large but finite loss; the gradient is that of the clipped expression.
    """

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = bool(from_logits)

    prepare = _prepare_binary

    def function(self, pred, target, xp=np):
        n = pred.shape[0]
        if self.from_logits:
            return xp.sum(xp.logaddexp(0.0, pred) - target * pred) / n
        eps = np.finfo(pred.dtype).eps
        p = xp.clip(pred, eps, 1.0 - eps)
        return -xp.sum(target * xp.log(p) + (1.0 - target) * xp.log(1.0 - p)) / n

    def _grad(self, pred, target):
        n = pred.shape[0]
        if self.from_logits:
            return (sigmoid(pred) - target) / n
        eps = np.finfo(pred.dtype).eps
        inside = (pred >= eps) & (pred <= 1.0 - eps)
        p = np.clip(pred, eps, 1.0 - eps)
        return inside * (p - target) / (p * (1.0 - p)) / n

    def predict(self, pred):
        if self.from_logits:
            return (np.asarray(pred).reshape(len(pred)) > 0).astype(np.int64)
        return super().predict(pred)

    def __repr__(self) -> str:
        return f"BinaryCrossEntropy(from_logits={self.from_logits})"


def log_softmax(z, xp=np):
    """``log softmax(z)`` row by row, as ``z - logsumexp(z)``: never ``log(0)``."""
    shifted = z - xp.max(z, axis=-1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))


class SoftmaxCrossEntropy(Loss):
    """Softmax and cross-entropy fused: ``L = -mean_n Σ_k t_nk log softmax(z_n)_k``.

    ``pred`` holds scores (logits) ``z`` of shape ``(batch, classes)``; targets
    are one-hot rows or integer labels. Fused, the gradient is the famously
    simple ``(softmax(z) - t) / n``, and ``log softmax`` is computed as
    ``z - logsumexp(z)``, finite for any scores.
    """

    def prepare(self, pred, target):
        pred = as_float_array(self.name, "scores", pred, ndim=2)
        target = np.asarray(target)
        if target.ndim == 1:
            labels = check_labels(self.name, target, pred.shape[1])
            if labels.shape[0] != pred.shape[0]:
                raise ValueError(
                    f"{self.name}: expected {pred.shape[0]} labels (one per row "
                    f"of scores), got {labels.shape[0]}"
                )
            onehot = np.zeros_like(pred)
            onehot[np.arange(len(labels)), labels] = 1.0
            return pred, onehot
        target = as_float_array(self.name, "targets", target, ndim=2)
        check_same_shape(self.name, "one-hot targets (the shape of the scores)", target, pred.shape)
        if target.min() < 0:
            raise ValueError(
                f"{self.name}: expected target probabilities >= 0, got {target.min():g}"
            )
        sums = target.sum(axis=1)
        worst = sums[np.abs(sums - 1).argmax()]
        if abs(worst - 1) > 1e-6:
            raise ValueError(
                f"{self.name}: expected target rows of probabilities summing "
                f"to 1 (one-hot), got a row summing to {worst:g}"
            )
        return pred, target.astype(pred.dtype, copy=False)

    def function(self, pred, target, xp=np):
        return -xp.sum(target * log_softmax(pred, xp)) / pred.shape[0]

    def _grad(self, pred, target):
        return (softmax(pred) - target) / pred.shape[0]

    def _value_and_grad(self, pred, target):
        shifted = pred - pred.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        n = pred.shape[0]
        # Σ_n Σ_k t_nk (log Σ_j e^{z_nj} - z_nk), with Σ_k t_nk = 1 for each row
        value = float(np.log(total).sum() - np.vdot(target, shifted)) / n
        return value, (e / total - target) / n


class PerceptronCriterion(Loss):
    """The loss whose gradient is the perceptron rule, for targets ``t`` in {0, 1}.

    With ``s = 2t - 1`` (so ``s = ±1``) and scores ``z``,
    ``L = mean_n max(0, -s_n z_n)``: zero for a correct side, and growing with the
    distance on the wrong side. Its gradient ``(step(z) - t) / n`` is non-zero
    only for mistakes; at the kink ``z = 0`` it takes the value that matches the
    step's convention ``step(0) = 0``.
    """

    prepare = _prepare_binary

    def function(self, pred, target, xp=np):
        s = 2.0 * target - 1.0
        return xp.sum(xp.maximum(0.0, -s * pred)) / pred.shape[0]

    def _grad(self, pred, target):
        return ((pred > 0) - target) / pred.shape[0]

    def predict(self, pred):
        return (np.asarray(pred).reshape(len(pred)) > 0).astype(np.int64)
