"""Deep networks: what flows through them, and what makes them train.

A deep stack of layers multiplies signals on the way forward and gradients on
the way back, once per layer; a factor a little below or above 1 becomes, after
20 layers, a vanishing or an exploding number. This module measures that and
holds the remedies Chapter 8 uses:

* :func:`deep_mlp` and :func:`residual_mlp` build deep networks of one width
  with a chosen initial weight scale (``gain``), the second with skip connections;
* :class:`Residual` wraps layers ``f`` into ``u = x + α f(x)``, so the identity
  carries signal forward and gradient back even where ``f`` passes little;
  :func:`residual_mlp` can scale, zero-start or normalise the branches, which keeps
  the sum from growing at every block;
* :func:`gradient_norms` and :func:`activation_stats` measure a network at one
  moment: ``‖∂L/∂W_ℓ‖`` per layer, and each activation's mean, spread, saturated
  and dead share;
* :class:`Monitor` records the same during :func:`~nnscratch.train.fit`, through
  its ``on_batch`` hook, together with each layer's update-to-weight ratio;
* :class:`ClipGradNorm` wraps an optimiser and rescales the gradient when its
  norm exceeds a threshold (Pascanu et al., 2013);
* :func:`fit_many` trains several networks of one architecture side by side, as one
  array computation, each exactly as ``fit`` would train it with its own seed — so
  that a comparison can afford ten seeds.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_hyperparameter, check_positive
from .layers import Layer, Linear, ReLU, Sequential
from .optim import Optimizer

__all__ = [
    "ClipGradNorm",
    "Monitor",
    "Residual",
    "activation_layers",
    "activation_stats",
    "deep_mlp",
    "fit_many",
    "gradient_norms",
    "linear_layers",
    "residual_mlp",
]


# ---------------------------------------------------------------------------
# The residual connection
# ---------------------------------------------------------------------------


class Residual(Layer):
    """A skip connection around some layers: ``u = x + α f(x)`` (He et al., 2016).

    ``f`` is the wrapped layer (or layers, composed with :class:`Sequential`) and
    must keep the width; ``α`` (``scale``, 1 unless given) scales the branch. Backward
    follows from the sum: ``∂L/∂x = g + f'(x)ᵀ (α g)`` for ``g = ∂L/∂u`` — the gradient
    reaches ``x`` through the identity whatever ``f`` does to it. Parameters are
    ``f``'s, under ``f``'s own names.

    Why ``α``: at initialisation ``f(x)`` is uncorrelated with ``x``, so mean squares
    add, ``E[u²] = E[x²] + α² E[f²]``. A branch that passes a signal of ``x``'s own
    size (``E[f²] ≈ E[x²]``, a ReLU branch at He's scale) doubles the mean square at
    every block; ``α = 1/√L`` over ``L`` blocks keeps the product ``(1 + 1/L)^L`` below
    ``e``.
    """

    def __init__(self, *layers: Layer, scale: float = 1.0) -> None:
        # no Layer.__init__: params and grads are views of the inner layers'
        self._x = self._out = None
        if not layers:
            raise ValueError("Residual: expected at least one layer to wrap, got none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Residual: layer {i} is a {type(layer).__name__}, expected an nnscratch Layer"
                )
        self.scale = check_hyperparameter("Residual", "scale", scale)
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
        f = self.inner.function(params, x, xp)
        return x + (f if self.scale == 1.0 else self.scale * f)

    def forward(self, x) -> np.ndarray:
        return self._forward(as_float_array(self.name, "input", x, ndim=2))

    def _forward(self, x):
        f = self.inner._forward(x)
        if f.shape != x.shape:
            raise ValueError(
                f"Residual: the wrapped layers map shape {x.shape} to {f.shape}; "
                "u = x + f(x) needs f to keep the shape"
            )
        self._x = x
        self._out = x + (f if self.scale == 1.0 else self.scale * f)
        return self._out

    def _backward(self, grad_out):
        branch = grad_out if self.scale == 1.0 else self.scale * grad_out
        return grad_out + self.inner._backward(branch)

    def __repr__(self) -> str:
        inner = repr(self.inner).replace("\n", "\n  ")
        scale = "" if self.scale == 1.0 else f"{self.scale:.3g} × "
        return f"Residual(x + {scale}{inner})"


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
    branch_scale: float = 1.0,
    zero_init: bool = False,
    norm: type[Layer] | None = None,
) -> Sequential:
    """:func:`deep_mlp` with a skip connection around each hidden layer.

    ``Linear(n_in, width)``, then ``depth - 2`` blocks ``Residual(activation,
    Linear(width, width))``, then ``activation, Linear(width, n_out)``. With the same
    arguments its weights equal ``deep_mlp``'s, one for one: the two networks differ
    only by the ``+ x`` of each block. Three ways to keep the sum from growing at
    every block (Chapter 8 measures them against each other):

    * ``branch_scale=α``: each block is ``u = x + α f(x)`` (``α = 1/√(depth - 2)`` keeps
      the mean square within a factor ``e`` over all blocks);
    * ``zero_init=True``: each block's ``Linear`` starts with ``W = 0``, so every
      block starts as the identity and the network as a two-layer one;
    * ``norm=LayerNorm`` (or ``BatchNorm``): each block normalises its input first,
      ``u = x + f(norm(x))`` ("pre-norm"), and one more ``norm`` stands before the
      output layer, so every branch and the output layer see signals of unit size.
    """
    plain = deep_mlp(n_in, width, depth, n_out, activation, init=init, gain=gain, seed=seed)
    layers = list(plain.layers)  # Linear, act, Linear, act, ..., act, Linear
    if zero_init:
        for layer in layers[2:-2:2]:
            layer.params["W"][...] = 0.0
    if norm is not None and not (isinstance(norm, type) and issubclass(norm, Layer)):
        raise TypeError(
            f"residual_mlp: expected norm to be a layer class such as LayerNorm, got {norm!r}"
        )

    def normed(*branch: Layer) -> tuple[Layer, ...]:
        return branch if norm is None else (norm(width), *branch)

    blocks = [
        Residual(*normed(layers[i], layers[i + 1]), scale=branch_scale)
        for i in range(1, len(layers) - 2, 2)
    ]
    return Sequential(layers[0], *blocks, *normed(layers[-2], layers[-1]))


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


# ---------------------------------------------------------------------------
# Many seeds at once
# ---------------------------------------------------------------------------
#
# A comparison of methods needs many seeds, and a network of width 32 is too small
# to keep a CPU busy: most of a step's time goes to Python, not to arithmetic. So
# ``fit_many`` trains S networks of one architecture side by side: each parameter
# of shape (i, o) becomes one array of shape (S, i, o), each batch one array of
# shape (S, n, i), and numpy's batched matrix product does the S products in one
# call. The maths is the layers' own: activations run as the package's layers
# (they act entry by entry, whatever the shape), Linear and the normalisations are
# written here for the extra leading axis, and the package's optimisers update the
# stacked arrays as they update any array. tests/test_package_deep.py checks that
# every member ends where ``fit`` with the same seed would have left it.


class _Stacked:
    """One layer of S networks: inputs ``(S, n, d)`` (or ``(n, d)``, shared), parameters
    ``(S, ...)``. ``training`` as in :class:`~nnscratch.layers.Layer`."""

    training = True

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def parameters(self):
        for key, p in self.params.items():
            yield key, p, self.grads[key]

    def sublayers(self) -> tuple[_Stacked, ...]:
        return ()

    def train(self, mode: bool = True) -> None:
        self.training = mode
        for layer in self.sublayers():
            layer.train(mode)

    def _share(self, members: list[Layer], key: str) -> np.ndarray:
        """Stack the members' parameter ``key`` as ``(S, 1, d)`` or ``(S, i, o)``, and make
        each member's own parameter a view of its slice: they train together."""
        stacked = np.stack([m.params[key].reshape(-1, m.params[key].shape[-1]) for m in members])
        for s, m in enumerate(members):
            m.params[key] = stacked[s].reshape(m.params[key].shape)
        self.grads[key] = np.zeros_like(stacked)
        return stacked


class _StackedLinear(_Stacked):
    def __init__(self, members: list[Linear]) -> None:
        super().__init__()
        self.params = {"W": self._share(members, "W"), "b": self._share(members, "b")}

    def forward(self, x):
        self._x = x
        out = x @ self.params["W"]
        out += self.params["b"]  # in place: a broadcast sum into a new array is slower
        return out

    def backward(self, g, need_input=True):
        self.grads["W"] = np.swapaxes(self._x, -1, -2) @ g  # Σ_n x_ni δ_nj, per member
        self.grads["b"] = g.sum(axis=1, keepdims=True)
        return g @ np.swapaxes(self.params["W"], -1, -2) if need_input else None


class _StackedElementwise(_Stacked):
    """An activation (any layer without parameters that keeps the shape): the package's
    own layer, which computes entry by entry (or along the last axis) for any shape."""

    def __init__(self, layer: Layer) -> None:
        super().__init__()
        self.layer = type(layer).__new__(type(layer))
        self.layer.__dict__.update(layer.__dict__)  # a copy: its own _x and _out

    def forward(self, x):
        return self.layer._forward(x)

    def backward(self, g, need_input=True):
        return self.layer._backward(g)


class _StackedNorm(_Stacked):
    """LayerNorm (over each example's features, the last axis) or BatchNorm (over the
    batch, axis 1, with running statistics per member): the forward and backward of
    :mod:`nnscratch.norm` with a leading member axis."""

    def __init__(self, members: list[Layer]) -> None:
        from .norm import BatchNorm

        super().__init__()
        first = members[0]
        self.members, self.eps = members, first.eps
        self.batch = isinstance(first, BatchNorm)
        self.axis = 1 if self.batch else -1
        self.params = {"gamma": self._share(members, "gamma"), "beta": self._share(members, "beta")}
        if self.batch:
            self.momentum = first.momentum
            self.running_mean = np.stack([m.running_mean[None] for m in members])
            self.running_var = np.stack([m.running_var[None] for m in members])

    def forward(self, x):
        if self.batch and not self.training:
            mu, var = self.running_mean, self.running_var
        else:
            count = x.shape[self.axis]
            mu = x.sum(axis=self.axis, keepdims=True) / count  # the mean, as numpy's mean
            centred = x - mu
            var = (centred * centred).sum(axis=self.axis, keepdims=True) / count
            if self.batch:
                m = self.momentum
                self.running_mean = (1 - m) * self.running_mean + m * mu
                self.running_var = (1 - m) * self.running_var + m * var * count / (count - 1)
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        self._xhat = (x - mu) * self._inv_std
        out = self._xhat * self.params["gamma"]
        out += self.params["beta"]
        return out

    def backward(self, g, need_input=True):
        from .norm import _normalised_backward

        self.grads["gamma"] = (g * self._xhat).sum(axis=1, keepdims=True)
        self.grads["beta"] = g.sum(axis=1, keepdims=True)
        ghat = g * self.params["gamma"]
        if self.batch and not self.training:
            return ghat * self._inv_std
        return _normalised_backward(ghat, self._xhat, self._inv_std, axis=self.axis)

    def write_back(self) -> None:
        """Hand each BatchNorm member its own running statistics."""
        if self.batch:
            for s, m in enumerate(self.members):
                m.running_mean = self.running_mean[s, 0].copy()
                m.running_var = self.running_var[s, 0].copy()


class _StackedSequential(_Stacked):
    def __init__(self, layers: list[_Stacked]) -> None:
        super().__init__()
        self.layers = layers

    def sublayers(self):
        return tuple(self.layers)

    def parameters(self):
        for i, layer in enumerate(self.layers):
            for key, p, g in layer.parameters():
                yield f"{i}.{key}", p, g

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, g, need_input=True):
        for i in range(len(self.layers) - 1, -1, -1):
            g = self.layers[i].backward(g, need_input or i > 0)
        return g


class _StackedResidual(_StackedSequential):
    def __init__(self, inner: _Stacked, scale: float) -> None:
        super().__init__([inner])
        self.scale = scale

    def parameters(self):
        return self.layers[0].parameters()

    def forward(self, x):
        f = self.layers[0].forward(x)
        return x + (f if self.scale == 1.0 else self.scale * f)

    def backward(self, g, need_input=True):
        branch = g if self.scale == 1.0 else self.scale * g
        return g + self.layers[0].backward(branch)


def _stack(members: list[Layer]) -> _Stacked:
    """The stacked counterpart of ``members``, S layers of one kind and shape."""
    from .layers import Dropout
    from .norm import BatchNorm, LayerNorm

    first = members[0]
    kinds = {type(m) for m in members}
    if len(kinds) > 1:
        raise TypeError(
            f"fit_many: expected networks of one architecture, got layers of kinds "
            f"{sorted(k.__name__ for k in kinds)} in one place"
        )
    if isinstance(first, Sequential):
        if len({len(m.layers) for m in members}) > 1:
            raise ValueError(
                "fit_many: expected networks of one architecture, got different depths"
            )
        return _StackedSequential(
            [_stack([m.layers[i] for m in members]) for i in range(len(first))]
        )
    if isinstance(first, Residual):
        if len({m.scale for m in members}) > 1:
            raise ValueError("fit_many: expected one branch scale for every network")
        return _StackedResidual(_stack([m.inner for m in members]), first.scale)
    shapes = {tuple(p.shape for p in m.params.values()) for m in members}
    if len(shapes) > 1:
        raise ValueError(f"fit_many: {first.name} layers of different shapes in one place")
    if isinstance(first, Linear):
        return _StackedLinear(members)
    if isinstance(first, LayerNorm | BatchNorm):
        return _StackedNorm(members)
    if not first.params and first.keeps_width and not isinstance(first, Dropout):
        return _StackedElementwise(first)
    raise TypeError(f"fit_many: cannot train {first.name} layers side by side")


def _walk(layer: _Stacked):
    yield layer
    for sub in layer.sublayers():
        yield from _walk(sub)


def _softmax_cross_entropy(z: np.ndarray, onehot: np.ndarray):
    """Per member: the mean cross-entropy of scores ``z`` ``(S, n, k)``, and its gradient."""
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    n = z.shape[1]
    value = (np.log(total).sum(axis=(1, 2)) - (onehot * shifted).sum(axis=(1, 2))) / n
    return value, (e / total - onehot) / n


def fit_many(
    models: list[Layer], optimizer: Optimizer, X, t, *, epochs: int, batch_size: int = 32,
    seeds=None, validation: tuple | None = None, lr_schedule=None,
    max_norm: float | None = None, record_every: int | None = None,
    max_loss_growth: float = 1000.0,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Train S networks of one architecture side by side, as one array computation.

    Member ``s`` is ``models[s]`` trained as ``fit(models[s], SoftmaxCrossEntropy(),
    optimizer, X, t, seed=seeds[s], ...)`` would train it: the same start, the same
    order of batches (``default_rng(seeds[s])``), the same steps, up to rounding. The
    members' parameters become views of the stacked arrays, so afterwards each model
    holds its own trained weights (in evaluation mode, as ``fit`` leaves it).

    * ``optimizer``: one of the package's optimisers, made fresh; it steps all members
      at once (its state is stacked too);
    * ``seeds``: one per member (default ``0, 1, …``): the shuffling stream;
    * ``lr_schedule``: ``schedule(epoch) -> lr`` for every member, or a list of S such
      schedules (one learning rate per member, e.g. to tune the rate in one run);
    * ``max_norm``: clip each member's gradient norm (over all its parameters) to
      ``max_norm``, as :class:`ClipGradNorm` does;
    * ``record_every=k``: every ``k`` steps record each member's ``‖∂L/∂W_ℓ‖`` and
      update-to-weight ratio per Linear layer, as :class:`Monitor` does.

    A member whose batch loss becomes NaN or infinite, or grows past ``max_loss_growth
    × max(its first batch loss, 1)``, is stopped there (where ``fit`` would raise
    :class:`~nnscratch.train.TrainingDiverged`): its parameters stay as they were and
    its later scores are NaN; ``diverged[s]`` is the epoch (from 0) it stopped in, or -1.

    Returns arrays with members on axis 0: ``loss`` (mean training loss per epoch),
    ``val_loss`` and ``val_accuracy`` (per epoch, if ``validation`` is given),
    ``diverged``; with ``max_norm``, ``grad_norm`` (before clipping, per step) and
    ``clipped`` (steps clipped); with ``record_every``, ``steps``, ``grad_norms`` and
    ``update_ratios`` (shape ``(S, records, Linear layers)``).
    """
    run = _Many(models, optimizer, X, t, seeds, validation, lr_schedule, max_norm,
                record_every, max_loss_growth)  # fmt: skip
    n, step = len(run.X), 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(epochs):
            run.net.train(True)
            run.set_rates(epoch)
            orders = np.stack([rng.permutation(n) for rng in run.rngs])
            total = np.zeros(run.S)
            for start in range(0, n, batch_size):
                idx = orders[:, start : start + batch_size]
                out = run.net.forward(run.X[idx])
                value, grad = _softmax_cross_entropy(out, run.T[idx])
                run.stop_diverged(value, grad, epoch, step)
                run.net.backward(grad, need_input=False)
                run.step(step)
                total += value * idx.shape[1]
                step += 1
            run.end_epoch(total / n)
    return run.finish()


class _Many:
    """One ``fit_many`` run: its checked data, its stacked network and what it records."""

    def __init__(self, models, optimizer, X, t, seeds, validation, lr_schedule, max_norm,
                 record_every, max_loss_growth) -> None:  # fmt: skip
        from .losses import SoftmaxCrossEntropy

        self.models = list(models)
        if not self.models:
            raise ValueError("fit_many: expected at least one model, got none")
        if not isinstance(optimizer, Optimizer) or getattr(optimizer, "state", None):
            raise TypeError(
                f"fit_many: expected a fresh optimiser such as Adam(1e-3), got {optimizer!r}"
            )
        S = self.S = len(self.models)
        seeds = list(range(S)) if seeds is None else [int(s) for s in seeds]
        if len(seeds) != S:
            raise ValueError(f"fit_many: expected {S} seeds (one per model), got {len(seeds)}")
        schedules = lr_schedule if isinstance(lr_schedule, list | tuple) else [lr_schedule] * S
        if len(schedules) != S:
            raise ValueError(
                f"fit_many: expected {S} learning-rate schedules, got {len(schedules)}"
            )
        if max_norm is not None:
            max_norm = check_positive("fit_many", "max_norm", max_norm)
        self.optimizer, self.schedules, self.rates = optimizer, schedules, None
        self.use_schedule, self.max_norm, self.record_every = (
            lr_schedule is not None,
            max_norm,
            record_every,
        )
        self.max_loss_growth = max_loss_growth
        self.X = as_float_array("fit_many", "X", X, ndim=2)
        self.loss = SoftmaxCrossEntropy()
        self.width = self.models[0].eval().forward(self.X[:1]).shape[1]
        _, self.T = self.loss.prepare(np.zeros((len(self.X), self.width)), t)  # one-hot, checked
        self.net = _stack(self.models)
        self.linears = [layer for layer in _walk(self.net) if isinstance(layer, _StackedLinear)]
        self.validation = None
        if validation is not None:
            X_val = as_float_array("fit_many", "validation X", validation[0], ndim=2)
            _, T_val = self.loss.prepare(np.zeros((len(X_val), self.width)), validation[1])
            self.validation = (X_val, T_val, T_val.argmax(axis=1))
        self.rngs = [np.random.default_rng(s) for s in seeds]  # fit's shuffling, per member
        self.history: dict[str, list] = {"loss": [], "val_loss": [], "val_accuracy": []}
        self.diverged, self.first = np.full(S, -1), np.full(S, np.nan)
        self.norms, self.clipped = [], np.zeros(S, dtype=int)
        self.steps, self.grads_rec, self.ratios_rec = [], [], []

    def set_rates(self, epoch: int) -> None:
        """Each member's learning rate for this epoch, from its schedule."""
        if self.use_schedule:
            self.rates = np.array([float(schedule(epoch)) for schedule in self.schedules])
            self.optimizer.lr = self.rates.reshape(self.S, 1, 1)

    def stop_diverged(self, value, grad, epoch: int, step: int) -> None:
        """Stop each member whose loss is not finite or grew past its limit (as fit would)."""
        if step == 0:
            self.first = value.copy()
        limit = self.max_loss_growth * np.maximum(np.abs(self.first), 1.0)
        newly = (self.diverged < 0) & ~(value <= limit)
        self.diverged[newly] = epoch
        grad[self.diverged >= 0] = 0.0

    def step(self, step: int) -> None:
        """Silence stopped members, clip, record, and take the optimiser's step."""
        stopped = self.diverged >= 0
        all_grads = [g for _, _, g in self.net.parameters()]
        if stopped.any():
            for g in all_grads:
                g[stopped] = 0.0
            for state in getattr(self.optimizer, "state", {}).values():
                for buffer in state.values():
                    buffer[stopped] = 0.0
        if self.max_norm is not None:
            self._clip(all_grads, stopped)
        recording = self.record_every is not None and step % self.record_every == 0
        before = [lin.params["W"].copy() for lin in self.linears] if recording else None
        self.optimizer.step(self.net)
        if recording:
            self._record(step, before)

    def _clip(self, all_grads, stopped) -> None:
        S = self.S
        norm = np.sqrt(sum((g * g).reshape(S, -1).sum(axis=1) for g in all_grads))
        self.norms.append(norm)
        over = norm > self.max_norm
        self.clipped += over & ~stopped
        scale = np.where(over, self.max_norm / np.where(over, norm, 1.0), 1.0)
        for g in all_grads:
            g *= scale.reshape(S, 1, 1)

    def _record(self, step: int, before: list[np.ndarray]) -> None:
        """Each member's ‖∂L/∂W_ℓ‖ and update-to-weight ratio per Linear layer (as Monitor)."""
        self.steps.append(step)
        self.grads_rec.append(
            [np.sqrt((lin.grads["W"] ** 2).sum(axis=(1, 2))) for lin in self.linears]
        )
        self.ratios_rec.append([
            np.sqrt(((lin.params["W"] - b) ** 2).sum(axis=(1, 2)))
            / np.sqrt((b**2).sum(axis=(1, 2)))
            for lin, b in zip(self.linears, before, strict=True)
        ])  # fmt: skip

    def end_epoch(self, mean_loss: np.ndarray) -> None:
        """The epoch's training loss and, in evaluation mode, its validation scores."""
        gone = self.diverged >= 0
        self.history["loss"].append(np.where(gone, np.nan, mean_loss))
        self.net.train(False)
        if self.validation is not None:
            X_val, T_val, labels_val = self.validation
            out = self.net.forward(X_val)
            value, _ = _softmax_cross_entropy(out, np.broadcast_to(T_val, out.shape))
            accuracy = (out.argmax(axis=-1) == labels_val).mean(axis=1)
            self.history["val_loss"].append(np.where(gone, np.nan, value))
            self.history["val_accuracy"].append(np.where(gone, np.nan, accuracy))

    def finish(self) -> dict[str, np.ndarray]:
        """Hand the members their state back (in evaluation mode) and the records out."""
        if self.rates is not None and np.all(self.rates == self.rates[0]):
            self.optimizer.lr = float(self.rates[0])  # one rate for all: a number, as fit leaves
        for layer in _walk(self.net):
            if isinstance(layer, _StackedNorm):
                layer.write_back()
        for model in self.models:
            model.eval()
        result = {k: np.array(v).T for k, v in self.history.items() if v}
        result["diverged"] = self.diverged
        if self.max_norm is not None:
            result["grad_norm"] = np.array(self.norms).T
            result["clipped"] = self.clipped
        if self.record_every is not None:
            result["steps"] = np.array(self.steps)
            result["grad_norms"] = np.array(self.grads_rec).transpose(2, 0, 1)
            result["update_ratios"] = np.array(self.ratios_rec).transpose(2, 0, 1)
        return result
