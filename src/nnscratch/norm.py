"""Normalisation layers: rescale a layer's signals to mean 0 and variance 1, then let the
network choose their scale again.

Both layers compute, over some axis, ``x̂ = (x - μ) / √(v + ε)`` with the mean ``μ``
and the variance ``v`` of ``x`` along it, then ``out = γ ⊙ x̂ + β`` with a learned
gain ``γ`` (started at 1) and shift ``β`` (started at 0), one per feature:

* :class:`LayerNorm` normalises each example over its features (Ba et al., 2016):
  the same computation in training and in evaluation, for any batch size;
* :class:`BatchNorm` normalises each feature over the batch (Ioffe and Szegedy,
  2015) and keeps running averages of ``μ`` and ``v`` for evaluation, when one
  example must not depend on the others in its batch.

The backward pass goes through the mean and the variance, which depend on every
entry they average. With ``ĝ = γ ⊙ g`` (``g = ∂L/∂out``) and averages ``⟨·⟩`` along
the normalised axis,

    ∂L/∂x = (ĝ - ⟨ĝ⟩ - x̂ ⊙ ⟨ĝ ⊙ x̂⟩) / √(v + ε):

subtracting ``⟨ĝ⟩`` is what the mean does to the gradient, and ``x̂ ⟨ĝ x̂⟩`` what the
variance does. ``∂L/∂γ`` and ``∂L/∂β`` sum ``g ⊙ x̂`` and ``g`` over the examples.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_batch, check_hyperparameter, describe
from .layers import Layer


def _normalised_backward(ghat: np.ndarray, xhat: np.ndarray, inv_std, axis: int) -> np.ndarray:
    """``∂L/∂x`` through ``x̂ = (x - μ) / σ`` along ``axis``, from ``ĝ = ∂L/∂x̂``."""
    mean_g = ghat.mean(axis=axis, keepdims=True)
    mean_gx = (ghat * xhat).mean(axis=axis, keepdims=True)
    return (ghat - mean_g - xhat * mean_gx) * inv_std


class _Norm(Layer):
    """What both normalisations share: the width, ``ε``, ``γ`` and ``β``."""

    keeps_width = True  # out has x's shape; n_in is checked against the layer before

    def __init__(self, n_features: int, *, eps: float = 1e-5, dtype=np.float64) -> None:
        super().__init__()
        if not isinstance(n_features, int | np.integer) or isinstance(n_features, bool):
            raise TypeError(
                f"{self.name}: expected n_features to be a positive int (the width of the "
                f"layer before), got {describe(n_features)}"
            )
        if n_features < 1:
            raise ValueError(f"{self.name}: expected n_features >= 1, got {n_features}")
        self.eps = check_hyperparameter(self.name, "eps", eps)
        self.n_in = self.n_out = int(n_features)
        dtype = np.dtype(dtype)
        self.params = {"gamma": np.ones(n_features, dtype), "beta": np.zeros(n_features, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def _check(self, x: np.ndarray) -> None:
        check_batch(self.name, x, self.n_in, self.params["gamma"].dtype)

    def _normalised(self, x: np.ndarray, mu, var) -> np.ndarray:
        """``γ ⊙ x̂ + β`` for ``x̂ = (x - μ) / √(v + ε)``; keeps ``x̂`` and ``1/√(v + ε)``."""
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        self._xhat = (x - mu) * self._inv_std
        self._x = x
        self._out = self.params["gamma"] * self._xhat + self.params["beta"]
        return self._out

    def _affine_grads(self, grad_out: np.ndarray) -> np.ndarray:
        """Fill the gradients of ``γ`` and ``β``; return ``ĝ = γ ⊙ g``."""
        self.grads["gamma"] = (grad_out * self._xhat).sum(axis=0)
        self.grads["beta"] = grad_out.sum(axis=0)
        return grad_out * self.params["gamma"]

    def __repr__(self) -> str:
        return f"{self.name}({self.n_in}, eps={self.eps:g})"


class LayerNorm(_Norm):
    """Each example's features rescaled to mean 0 and variance 1, then ``γ ⊙ x̂ + β``.

    One example's output depends on that example alone: training and evaluation
    compute the same thing, whatever the batch size.
    """

    def function(self, params, x, xp=np):
        mu = xp.mean(x, axis=1, keepdims=True)
        var = xp.mean((x - mu) ** 2, axis=1, keepdims=True)
        return params["gamma"] * (x - mu) / xp.sqrt(var + self.eps) + params["beta"]

    def _forward(self, x):
        self._check(x)
        mu = x.mean(axis=1, keepdims=True)
        return self._normalised(x, mu, ((x - mu) ** 2).mean(axis=1, keepdims=True))

    def _backward(self, grad_out):
        ghat = self._affine_grads(grad_out)
        return _normalised_backward(ghat, self._xhat, self._inv_std, axis=1)


class BatchNorm(_Norm):
    """Each feature rescaled over the batch, ``γ ⊙ x̂ + β``; running statistics for evaluation.

    In training mode ``μ`` and ``v`` are the batch's, and each forward updates the
    running averages ``running_mean ← (1 - m) running_mean + m μ`` and likewise
    ``running_var`` with the batch's unbiased variance ``v · n / (n - 1)``, for
    ``momentum`` ``m`` (PyTorch's convention, m = 0.1). In evaluation mode the running
    averages stand in for ``μ`` and ``v``, so that an example's output no longer depends
    on the batch it came in.
    """

    def __init__(
        self, n_features: int, *, momentum: float = 0.1, eps: float = 1e-5, dtype=np.float64
    ) -> None:
        super().__init__(n_features, eps=eps, dtype=dtype)
        self.momentum = check_hyperparameter(
            "BatchNorm", "momentum", momentum, high=1.0, high_inclusive=True
        )
        self.running_mean = np.zeros(n_features, dtype=dtype)
        self.running_var = np.ones(n_features, dtype=dtype)

    def _statistics(self, x, xp=np):
        if self.training:
            mu = xp.mean(x, axis=0)
            return mu, xp.mean((x - mu) ** 2, axis=0)
        return self.running_mean, self.running_var

    def function(self, params, x, xp=np):
        mu, var = self._statistics(x, xp)
        return params["gamma"] * (x - mu) / xp.sqrt(var + self.eps) + params["beta"]

    def _forward(self, x):
        self._check(x)
        if self.training and len(x) < 2:
            raise ValueError(
                "BatchNorm: expected a batch of at least 2 examples in training mode (the "
                f"variance of one example is 0), got {len(x)}; for one example use eval()"
            )
        mu, var = self._statistics(x)
        if self.training:
            m, n = self.momentum, len(x)
            self.running_mean = (1 - m) * self.running_mean + m * mu
            self.running_var = (1 - m) * self.running_var + m * var * n / (n - 1)
        return self._normalised(x, mu, var)

    def _backward(self, grad_out):
        ghat = self._affine_grads(grad_out)
        if not self.training:  # the statistics are constants: a plain scaling
            return ghat * self._inv_std
        return _normalised_backward(ghat, self._xhat, self._inv_std, axis=0)

    def __repr__(self) -> str:
        mode = "" if self.training else ", evaluation mode"
        return f"BatchNorm({self.n_in}, momentum={self.momentum:g}, eps={self.eps:g}{mode})"
