"""Deep networks: what flows through them, and what makes them train.

A deep stack of layers multiplies signals on the way forward and gradients on
the way back, once per layer; a factor a little below or above 1 becomes, after
20 layers, a vanishing or an exploding number. This module measures that and
holds the remedies Chapter 8 uses:

* :func:`deep_mlp` and :func:`residual_mlp` build deep networks of one width
  with a chosen initial weight scale (``gain``), the second with skip connections;
* :class:`Residual` wraps layers ``f`` into ``y = x + f(x)``, so the identity
  carries signal forward and gradient back even where ``f`` passes little;
* :func:`gradient_norms` and :func:`activation_stats` measure a network at one
  moment: ``‖∂L/∂W_ℓ‖`` per layer, and each activation's mean, spread, saturated
  and dead share;
* :class:`Monitor` records the same during :func:`~nnscratch.train.fit`, through
  its ``on_batch`` hook, together with each layer's update-to-weight ratio;
* :class:`ClipGradNorm` wraps an optimiser and rescales the gradient when its
  norm exceeds a threshold (Pascanu et al., 2013).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_positive
from .layers import Layer, Linear, ReLU, Sequential
from .optim import Optimizer

__all__ = [
    "ClipGradNorm",
    "Monitor",
    "Residual",
    "activation_layers",
    "activation_stats",
    "deep_mlp",
    "gradient_norms",
    "linear_layers",
    "residual_mlp",
]


# ---------------------------------------------------------------------------
# The residual connection
# ---------------------------------------------------------------------------


class Residual(Layer):
    """A skip connection around some layers: ``y = x + f(x)`` (He et al., 2016).

    ``f`` is the wrapped layer (or layers, composed with :class:`Sequential`) and
    must keep the width. Backward follows from the sum: ``∂L/∂x = g + f'(x)ᵀ g``
    for ``g = ∂L/∂y`` — the gradient reaches ``x`` through the identity whatever
    ``f`` does to it. Parameters are ``f``'s, under ``f``'s own names.
    """

    def __init__(self, *layers: Layer) -> None:
        # no Layer.__init__: params and grads are views of the inner layers'
        self._x = self._out = None
        if not layers:
            raise ValueError("Residual: expected at least one layer to wrap, got none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Residual: layer {i} is a {type(layer).__name__}, expected an nnscratch Layer"
                )
        self.inner = layers[0] if len(layers) == 1 else Sequential(*layers)

    @property
    def params(self):
        return self.inner.params

    @property
    def grads(self):
        return self.inner.grads

    def parameters(self):
        return self.inner.parameters()

    def sublayers(self) -> tuple[Layer, ...]:
        return (self.inner,)

    def function(self, params, x, xp=np):
        return x + self.inner.function(params, x, xp)

    def forward(self, x) -> np.ndarray:
        return self._forward(as_float_array(self.name, "input", x, ndim=2))

    def _forward(self, x):
        f = self.inner._forward(x)
        if f.shape != x.shape:
            raise ValueError(
                f"Residual: the wrapped layers map shape {x.shape} to {f.shape}; "
                "y = x + f(x) needs f to keep the shape"
            )
        self._x = x
        self._out = x + f
        return self._out

    def _backward(self, grad_out):
        return grad_out + self.inner._backward(grad_out)

    def __repr__(self) -> str:
        inner = repr(self.inner).replace("\n", "\n  ")
        return f"Residual(x + {inner})"


# ---------------------------------------------------------------------------
# Deep networks of one width
# ---------------------------------------------------------------------------


def _scaled(linears: list[Linear], gain: float) -> None:
    """Multiply the hidden weights by ``gain`` (the input layer and the scores keep theirs)."""
    check_positive("deep_mlp", "gain", gain)
    for layer in linears[1:-1]:
        layer.params["W"] *= gain


def deep_mlp(
    n_in: int,
    width: int,
    depth: int,
    n_out: int,
    activation: type[Layer] = ReLU,
    *,
    init: str | None = None,
    gain: float = 1.0,
    seed: int = 0,
) -> Sequential:
    """``depth`` Linear layers: ``n_in → width → … → width → n_out``, ``activation`` between.

    It is :func:`~nnscratch.layers.mlp` with ``sizes = [n_in] + [width] * (depth - 1)
    + [n_out]``; then the ``depth - 2`` hidden ``width × width`` weight matrices are
    multiplied by ``gain``, so ``gain = 1`` is Glorot's or He's scale and ``gain = 2``
    twice it. ``init`` defaults as in ``mlp``: ``"he"`` for ReLU and ELU, ``"glorot"`` otherwise.
    """
    from .layers import mlp

    if not isinstance(depth, int | np.integer) or depth < 2:
        raise ValueError(f"deep_mlp: expected depth >= 2 (Linear layers), got {depth!r}")
    model = mlp([n_in] + [width] * (depth - 1) + [n_out], activation, seed=seed, init=init)
    _scaled(linear_layers(model), gain)
    return model


def residual_mlp(
    n_in: int,
    width: int,
    depth: int,
    n_out: int,
    activation: type[Layer] = ReLU,
    *,
    init: str | None = None,
    gain: float = 1.0,
    seed: int = 0,
) -> Sequential:
    """:func:`deep_mlp` with a skip connection around each hidden layer.

    ``Linear(n_in, width)``, then ``depth - 2`` blocks ``Residual(activation,
    Linear(width, width))``, then ``activation, Linear(width, n_out)``. With the same
    arguments its weights equal ``deep_mlp``'s, one for one: the two networks differ
    only by the ``+ x`` of each block.
    """
    plain = deep_mlp(n_in, width, depth, n_out, activation, init=init, gain=gain, seed=seed)
    layers = list(plain.layers)  # Linear, act, Linear, act, ..., act, Linear
    blocks = [Residual(layers[i], layers[i + 1]) for i in range(1, len(layers) - 2, 2)]
    return Sequential(layers[0], *blocks, layers[-2], layers[-1])


# ---------------------------------------------------------------------------
# Measuring a network
# ---------------------------------------------------------------------------


def linear_layers(model: Layer) -> list[Linear]:
    """Every :class:`Linear` layer of ``model``, from input to output."""
    if isinstance(model, Linear):
        return [model]
    if isinstance(model, Sequential):
        return [lin for layer in model.layers for lin in linear_layers(layer)]
    if isinstance(model, Residual):
        return linear_layers(model.inner)
    return []


def activation_layers(model: Layer) -> list[Layer]:
    """Every element-wise activation (a layer without parameters) of ``model``, in order."""
    if isinstance(model, Sequential):
        return [act for layer in model.layers for act in activation_layers(layer)]
    if isinstance(model, Residual):
        return activation_layers(model.inner)
    if isinstance(model, Linear) or model.params:
        return []
    return [model]


_PEAK: dict[type, float] = {}


def _peak_slope(layer: Layer) -> float:
    """An activation's largest slope, found at (just right of) 0: ¼ for the sigmoid, 1 for tanh."""
    kind = type(layer)
    if kind not in _PEAK:
        probe = kind()
        probe.forward(np.full((1, 1), 1e-12))
        _PEAK[kind] = float(probe.backward(np.ones((1, 1)))[0, 0])
    return _PEAK[kind]


def _stats(layer: Layer) -> dict[str, float]:
    """Statistics of the last batch through the activation ``layer``."""
    a = layer._out
    slope = layer._backward(np.ones_like(a))  # element-wise: the derivative at each entry
    return {
        "mean": float(a.mean()),
        "std": float(a.std()),
        "signal": float(a.std(axis=0).mean()),
        "saturated": float(np.mean(slope < 0.1 * _peak_slope(layer))),
        "dead": float(np.mean(np.all(slope == 0, axis=0))),
    }


def activation_stats(model: Layer, X) -> list[dict[str, float]]:
    """Run ``model`` on ``X``; for each activation layer, from input to output:

    * ``mean`` and ``std`` of its outputs ``a`` over all examples and units;
    * ``signal``: how much a unit's output varies *between examples* (its standard
      deviation over the batch, averaged over units) — what is left of the input;
    * ``saturated``: the share of entries where its slope ``σ'(z)`` is below a tenth
      of its largest value (``|a| > 0.95`` for tanh; ``z ≤ 0`` for ReLU), so that
      little gradient passes;
    * ``dead``: the share of units whose slope is 0 on *every* example (a ReLU that
      never fires on ``X`` gets no gradient and cannot recover).
    """
    model.forward(X)
    return [_stats(layer) for layer in activation_layers(model)]


def gradient_norms(model: Layer, loss, X, y) -> np.ndarray:
    """``‖∂L/∂W_ℓ‖`` (Frobenius norm) of every Linear layer for one batch, input to output."""
    out = model.forward(X)
    model.backward(loss.grad(out, y))
    return np.array([np.linalg.norm(layer.grads["W"]) for layer in linear_layers(model)])


class Monitor:
    """Per-layer records during training, taken through ``fit``'s ``on_batch`` hook.

    >>> monitor = Monitor(model, every=10)
    >>> fit(model, loss, optimizer, X, y, on_batch=monitor.on_batch)  # doctest: +SKIP

    Every ``every`` steps it records, for each Linear layer ``ℓ``,

    * ``grad_norms``: ``‖∂L/∂W_ℓ‖`` on that step's batch;
    * ``update_ratios``: ``‖ΔW_ℓ‖ / ‖W_ℓ‖``, how far the step moved the weights
      relative to their size (about 10⁻³ is a common sign of a healthy rate);

    and for each activation layer the :func:`activation_stats` of that batch
    (``stats[k][j]`` is record ``k``, activation ``j``). Create it just before ``fit``:
    it keeps a copy of the weights to measure the first step.
    """

    def __init__(self, model: Layer, every: int = 1) -> None:
        if not isinstance(every, int | np.integer) or every < 1:
            raise ValueError(f"Monitor: expected every to be a positive int, got {every!r}")
        self.every = int(every)
        self.linears = linear_layers(model)
        self.activations = activation_layers(model)
        if not self.linears:
            raise ValueError(f"Monitor: {type(model).__name__} has no Linear layer to watch")
        self.steps: list[int] = []
        self._grads: list[list[float]] = []
        self._ratios: list[list[float]] = []
        self.stats: list[list[dict[str, float]]] = []
        self._before = [layer.params["W"].copy() for layer in self.linears]

    def on_batch(self, step: int, model, loss_value: float) -> None:
        """``fit`` calls this after each optimiser step (the gradients are the step's)."""
        if step % self.every == 0:
            self.steps.append(step)
            self._grads.append([float(np.linalg.norm(lin.grads["W"])) for lin in self.linears])
            self._ratios.append(
                [
                    float(np.linalg.norm(lin.params["W"] - before) / np.linalg.norm(before))
                    for lin, before in zip(self.linears, self._before, strict=True)
                ]
            )
            self.stats.append([_stats(act) for act in self.activations])
        if (step + 1) % self.every == 0:
            for lin, before in zip(self.linears, self._before, strict=True):
                np.copyto(before, lin.params["W"])

    @property
    def grad_norms(self) -> np.ndarray:
        """Shape ``(records, layers)``."""
        return np.array(self._grads)

    @property
    def update_ratios(self) -> np.ndarray:
        """Shape ``(records, layers)``."""
        return np.array(self._ratios)

    def stat(self, key: str) -> np.ndarray:
        """One activation statistic (``"mean"``, ``"std"``, ``"saturated"``, ``"dead"``)
        as an array of shape ``(records, activation layers)``."""
        return np.array([[s[key] for s in record] for record in self.stats])


# ---------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------


class ClipGradNorm(Optimizer):
    """Wraps an optimiser: if the gradient's norm over *all* parameters exceeds
    ``max_norm``, scale every gradient by ``max_norm / norm`` before the step.

    The direction is kept; only an occasional huge step is cut down to size
    (Pascanu et al., 2013). ``norms`` records the norm before clipping at each step,
    ``clipped`` how many steps were cut. ``lr`` is the wrapped optimiser's.
    """

    def __init__(self, optimizer: Optimizer, max_norm: float) -> None:
        if not hasattr(optimizer, "step"):
            raise TypeError(
                f"ClipGradNorm: expected an optimiser with step(model), "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.max_norm = check_positive("ClipGradNorm", "max_norm", max_norm)
        self.state = optimizer.state if hasattr(optimizer, "state") else {}
        self.norms: list[float] = []
        self.clipped = 0

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self.optimizer.lr = value

    def step(self, model) -> None:
        grads = [g for _, _, g in model.parameters()]
        norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
        self.norms.append(norm)
        if norm > self.max_norm:
            self.clipped += 1
            scale = self.max_norm / norm
            for g in grads:
                g *= scale
        self.optimizer.step(model)

    def __repr__(self) -> str:
        return f"ClipGradNorm({self.optimizer!r}, max_norm={self.max_norm:g})"
