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

from ._checks import as_float_array, check_labels, check_same_shape, describe
from .layers import sigmoid, softmax


class Loss:
    """Base class for a loss ``L(pred, target)`` averaged (or summed) over a batch."""

    def __init__(self, *data, **options) -> None:
        if data or options:  # MSE(pred, target): a loss is made first, then called
            raise TypeError(
                f"{self.name}() takes no arguments: create the loss, then call it on "
                f"the data: {self.name}()(pred, target)"
            )

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
            _refuse_sum(self, other)
        return SumOfLosses(self, other)

    def __radd__(self, other) -> Loss:
        if isinstance(other, int) and other == 0:  # sum([loss_1, loss_2]) starts from 0
            return self
        _refuse_sum(other, self)

    def __repr__(self) -> str:
        return f"{self.name}()"


def _refuse_sum(left, right) -> None:
    """Only losses add up to a loss: say why anything else does not."""
    other = right if isinstance(left, Loss) else left
    left, right = (x.__name__ if isinstance(x, type) else repr(x) for x in (left, right))
    if getattr(other, "add_to_grads", None) is not None:  # a weight penalty
        raise TypeError(
            f"{left} + {right}: {other!r} is a penalty on the weights, not on the "
            f"predictions, so it is not part of the loss; give it to fit instead: "
            f"fit(..., penalties=[{other!r}])"
        )
    raise TypeError(
        f"{left} + {right}: only losses add up to a loss; expected a loss such as "
        f"Certainty(0.1), got {describe(other, Loss)}"
    )


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
        for term in terms:
            if not isinstance(term, Loss):
                _refuse_sum(terms[0], term)
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
    ``(σ(z) - t) / n``.

    Without it, ``pred`` must hold probabilities in [0, 1]; anything else is
    refused (scores passed with ``from_logits=True`` forgotten is the usual slip).
    ``p`` is squeezed into ``[ε, 1 - ε]`` as ``p̃ = ε + (1 - 2ε) p`` (``ε`` = machine
    epsilon; for ordinary ``p`` the change is below rounding), so a confidently
    wrong ``p = 0`` or ``1`` costs a large but finite ``-log ε ≈ 36`` and still
    gets a large gradient pushing it back. A clip to ``[ε, 1 - ε]`` would give a
    gradient of 0 there: no learning signal for the worst mistakes. The gradient
    is exactly that of the squeezed expression.
    """

    def __init__(self, from_logits: bool = False) -> None:
        if not isinstance(from_logits, bool | np.bool_):
            raise TypeError(
                "BinaryCrossEntropy: expected from_logits to be True or False, got "
                f"{describe(from_logits)}; the data goes to the loss made first: "
                "BinaryCrossEntropy(from_logits=True)(scores, targets)"
            )
        self.from_logits = bool(from_logits)

    def prepare(self, pred, target):
        pred, target = _prepare_binary(self, pred, target)
        if not self.from_logits:
            outside = (pred < 0) | (pred > 1)
            if outside.any():
                i = np.unravel_index(int(outside.argmax()), pred.shape)
                raise ValueError(
                    f"{self.name}: expected probabilities in [0, 1], got {pred[i]:g} at "
                    f"row {i[0]}; are these scores (logits)? then use "
                    "BinaryCrossEntropy(from_logits=True), which also computes the loss "
                    "more stably"
                )
        return pred, target

    def function(self, pred, target, xp=np):
        n = pred.shape[0]
        if self.from_logits:
            return xp.sum(xp.logaddexp(0.0, pred) - target * pred) / n
        eps = np.finfo(pred.dtype).eps
        p = eps + (1.0 - 2.0 * eps) * pred  # in [ε, 1 - ε]: log never meets 0
        return -xp.sum(target * xp.log(p) + (1.0 - target) * xp.log(1.0 - p)) / n

    def _grad(self, pred, target):
        n = pred.shape[0]
        if self.from_logits:
            return (sigmoid(pred) - target) / n
        eps = np.finfo(pred.dtype).eps
        p = eps + (1.0 - 2.0 * eps) * pred
        return (1.0 - 2.0 * eps) * (p - target) / (p * (1.0 - p)) / n

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
    are integer labels, one-hot rows or rows of probabilities ("soft" targets).
    Fused, the gradient is the famously simple ``(softmax(z) - t) / n``, and
    ``log softmax`` is computed as ``z - logsumexp(z)``, finite for any scores.

    That gradient is exact only when each target row sums to 1 (in general it is
    ``(softmax(z) Σ_k t_k - t) / n``). Rows that sum to 1 within ``1e-6`` are
    accepted and divided by their sum, so value and gradient are those of the
    renormalised targets, exactly; rows further from 1 are refused.
    """

    def prepare(self, pred, target):
        pred = as_float_array(self.name, "scores", pred, ndim=2)
        if pred.shape[1] == 1:
            raise ValueError(
                f"{self.name}: expected one score per class (at least 2 columns), got 1 "
                "column: the softmax of a single score is always 1, so nothing would be "
                "learned; for yes/no targets use BinaryCrossEntropy(from_logits=True)"
            )
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
        worst = int(np.abs(sums - 1).argmax())
        if abs(sums[worst] - 1) > 1e-6:
            raise ValueError(
                f"{self.name}: expected target rows of probabilities summing "
                f"to 1 (one-hot), got a row summing to {sums[worst]:g} (row {worst})"
            )
        if (sums != 1).any():  # the gradient below is exact only for rows summing to 1
            target = target / sums[:, None]
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
