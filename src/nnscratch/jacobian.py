"""Full Jacobians of a layer: the matrix that backpropagation never builds.

A layer maps an input ``x`` to an output ``out``. Its **Jacobian** at ``x`` holds
every partial derivative, ``J[i, j] = ∂out_i / ∂x_j``: one row per output, one
column per input. Backpropagation only ever needs products ``gᵀ J`` (a layer's
``backward``), so the package never forms ``J`` while training; these helpers
form it on purpose, to look at it and to test a backward pass against it.

* :func:`jacobian` — one example ``x`` (a 1-D array): shape ``(n_out, n_in)``;
* :func:`batch_jacobian` — a batch ``X`` of ``n`` rows: shape
  ``(n, n_out, n, n_in)``, entry ``[a, i, b, j] = ∂out[a, i] / ∂X[b, j]``. Examples
  do not interact, so every block with ``a ≠ b`` is zero.

Each takes ``method``:

* ``"backward"`` (default) — row ``i`` is the layer's own ``backward`` applied to the
  unit vector ``e_i``: ``e_iᵀ J``. This is the Jacobian the hand-derived backward
  pass *claims*;
* ``"autograd"`` — ``autograd.jacobian`` of the layer's ``function`` (the forward
  maths, written once);
* ``"central"`` — central differences, one column per input:
  ``(f(x + ε e_j) - f(x - ε e_j)) / 2ε``.

Use float64 layers for ``"central"`` (its ``ε`` is chosen for float64). The
layer is not changed: the work is done on a copy, so its ``params``, ``grads``
and remembered batch stay as they were.
"""

from __future__ import annotations

import copy

import autograd
import autograd.numpy as anp
import numpy as np

from ._checks import as_float_array
from .layers import Layer

METHODS = ("backward", "autograd", "central")


def batch_jacobian(layer: Layer, X, *, method: str = "backward", eps: float = 1e-6) -> np.ndarray:
    """``∂ out[a, i] / ∂ X[b, j]`` for the batch ``X``: shape ``(n, n_out, n, n_in)``.

    Reshaped to ``(n · n_out, n · n_in)`` it is block-diagonal: example ``a``'s
    outputs depend on example ``a``'s inputs only.
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"batch_jacobian: expected an nnscratch Layer, got {type(layer).__name__}")
    if method not in METHODS:
        raise ValueError(f"batch_jacobian: expected method in {METHODS}, got {method!r}")
    X = as_float_array(f"batch_jacobian of {layer.name}", "X", X, ndim=2)
    layer = copy.deepcopy(layer)  # forward and backward below must not touch the caller's layer
    out = layer.forward(X)
    if method == "backward":
        J = np.empty(out.shape + X.shape)
        unit = np.zeros_like(out)
        for index in np.ndindex(out.shape):  # one backward pass per output entry: one row
            unit[index] = 1.0
            J[index] = layer.backward(unit)
            unit[index] = 0.0
        return J
    if method == "autograd":
        params = layer.params
        return np.asarray(autograd.jacobian(lambda x: layer.function(params, x, anp))(X))
    f = layer.function
    J = np.empty(out.shape + X.shape)
    for index in np.ndindex(X.shape):  # one pair of forward passes per input entry: one column
        X_up, X_down = X.copy(), X.copy()
        X_up[index] += eps
        X_down[index] -= eps
        J[(...,) + index] = (f(layer.params, X_up) - f(layer.params, X_down)) / (2 * eps)
    return J


def jacobian(layer: Layer, x, *, method: str = "backward", eps: float = 1e-6) -> np.ndarray:
    """``∂ out_i / ∂ x_j`` of ``layer`` at one example ``x`` (1-D): shape ``(n_out, n_in)``.

    ``Linear`` gives ``Wᵀ``, an element-wise activation a diagonal matrix,
    ``Softmax`` gives ``diag(p) - p pᵀ``.
    """
    x = as_float_array("jacobian", "x (one example, a 1-D array)", x, ndim=1)
    return batch_jacobian(layer, x[None, :], method=method, eps=eps)[0, :, 0, :]
