"""Layers: the building blocks of a network.

Every layer honours one interface, so a learner learns it once:

* ``forward(x)`` maps a batch ``x`` (examples on axis 0) to an output batch and
  remembers what the backward pass will need;
* ``backward(grad_out)`` takes ``∂L/∂out`` and returns ``∂L/∂x``, storing
  ``∂L/∂θ`` for each parameter ``θ`` in ``grads``;
* ``params`` and ``grads`` are dictionaries with the same names;
* ``function(params, x, xp)`` is the forward maths as a pure function. ``xp``
  is ``numpy`` when the layer runs and ``autograd.numpy`` when
  :mod:`nnscratch.gradcheck` differentiates it, so the maths is written once;
* ``train()`` and ``eval()`` switch a layer, and every layer inside it, between
  training and evaluation: only :class:`Dropout` and
  :class:`~nnscratch.norm.BatchNorm` behave differently, and ``fit`` switches
  for you (training for the steps, evaluation for validation and afterwards).

A layer's forward and backward sit side by side: read one, then the other.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._checks import (
    as_float_array,
    check_batch,
    check_hyperparameter,
    check_same_shape,
    check_seed,
    describe,
    nonfinite,
)

Params = dict[str, np.ndarray]


def param_dtype(model) -> np.dtype | None:
    """The dtype of a model's parameters (``None`` if it has none): lists and integer
    inputs are converted to it, so ``model([[1, 2]])`` works in float32 too."""
    for _, p, _ in model.parameters():
        return p.dtype
    return None


class Layer:
    """Base class: a differentiable map from one batch to another."""

    keeps_width = False  # True for maps applied entry by entry (activations): out has x's shape
    training = True  # training or evaluation mode: see train() and eval()

    def __init__(self) -> None:
        self.params: Params = {}
        self.grads: Params = {}
        self._x: np.ndarray | None = None
        self._out: np.ndarray | None = None

    @property
    def name(self) -> str:
        return type(self).__name__

    # -- the maths ---------------------------------------------------------
    def function(self, params: Params, x, xp=np):
        """The forward computation as a pure function of ``params`` and ``x``."""
        raise NotImplementedError

    def _backward(self, grad_out: np.ndarray) -> np.ndarray:
        """``∂L/∂x`` from ``∂L/∂out``; fills ``self.grads``. Inputs are checked."""
        raise NotImplementedError

    # -- the interface -----------------------------------------------------
    def forward(self, x) -> np.ndarray:
        """Output for the batch ``x``; remembers ``x`` and the output for backward."""
        return self._forward(as_float_array(self.name, "input", x, dtype=param_dtype(self)))

    def _forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        self._out = self.function(self.params, x)
        return self._out

    def backward(self, grad_out) -> np.ndarray:
        """Given ``∂L/∂out`` for the last forward batch, return ``∂L/∂x``.

        ``grad_out`` must have the shape and dtype of the last output and be finite,
        as ``forward`` insists on a finite input.
        """
        if self._out is None:
            raise RuntimeError(f"{self.name}: call forward before backward")
        check_same_shape(
            self.name, "grad_out (the shape of the last output)", grad_out, self._out.shape
        )
        if grad_out.dtype != self._out.dtype:
            raise TypeError(
                f"{self.name}: expected grad_out of dtype {self._out.dtype} (the dtype of the "
                f"last output), got {grad_out.dtype}; convert with "
                f"grad_out.astype(np.{self._out.dtype})"
            )
        where = nonfinite(grad_out)
        if where:
            raise ValueError(
                f"{self.name}: grad_out is not finite ({where}); expected finite numbers "
                "(an overflowing loss is the usual cause: try a smaller learning rate, or a "
                "loss that takes scores (logits))"
            )
        return self._backward(grad_out)

    def __call__(self, x) -> np.ndarray:
        """``layer(x)`` is ``layer.forward(x)``."""
        return self.forward(x)

    def parameters(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """Yield ``(name, param, grad)`` for every parameter: what optimisers step over."""
        for key, p in self.params.items():
            yield key, p, self.grads[key]

    def sublayers(self) -> tuple[Layer, ...]:
        """The layers inside this one (none for a plain layer)."""
        return ()

    def train(self, mode: bool = True) -> Layer:
        """Switch to training mode (or evaluation, ``mode=False``), with every sublayer."""
        self.training = bool(mode)
        for layer in self.sublayers():
            layer.train(mode)
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode: dropout off, batch norm on its running statistics."""
        return self.train(False)

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params.values())

    def __repr__(self) -> str:
        return f"{self.name}()"


# ---------------------------------------------------------------------------
# Linear
# ---------------------------------------------------------------------------


class Linear(Layer):
    """An affine map ``z = x W + b`` with ``W`` of shape ``(n_in, n_out)``.

    Each output unit ``j`` computes a weighted sum of the inputs, ``Σ_i x_i W_ij``,
    plus its own bias ``b_j``. Weights start random (seeded) so that units differ:

    * ``init="glorot"`` draws ``W ~ U(-a, a)`` with ``a = sqrt(6 / (n_in + n_out))``,
      keeping the variance of signals roughly constant through sigmoid and tanh
      layers (Glorot & Bengio, 2010);
    * ``init="he"`` draws ``W ~ N(0, 2 / n_in)``, the right scale for ReLU
      (He et al., 2015);
    * or give ``W`` and ``b`` yourself to set a network by hand.
    """

    def __init__(
        self,
        n_in: int | None = None,
        n_out: int | None = None,
        *,
        W=None,
        b=None,
        init: str = "glorot",
        seed: int | np.random.SeedSequence | None = None,
        dtype=np.float64,
    ) -> None:
        super().__init__()
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Linear: expected a floating dtype, got {dtype}")
        if W is not None:
            W = np.array(as_float_array("Linear", "W", W, ndim=2), dtype=dtype)
            if n_in is not None and n_out is not None:
                check_same_shape("Linear", "W", W, (n_in, n_out))
            n_in, n_out = W.shape
        elif n_in is None or n_out is None:
            raise TypeError("Linear: give n_in and n_out, or the weights W")
        else:
            for label, n in (("n_in", n_in), ("n_out", n_out)):
                if not isinstance(n, int | np.integer) or isinstance(n, bool):
                    raise TypeError(
                        f"Linear: expected {label} to be a positive int, got {describe(n)}"
                    )
                if n < 1:
                    raise ValueError(f"Linear: expected {label} to be a positive int, got {n!r}")
            check_seed("Linear", seed, otherwise=", or give W")
            rng = np.random.default_rng(seed)
            if init == "glorot":
                a = np.sqrt(6.0 / (n_in + n_out))
                W = rng.uniform(-a, a, size=(n_in, n_out))
            elif init == "he":
                W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
            else:
                raise ValueError(f"Linear: expected init 'glorot' or 'he', got {init!r}")
            W = W.astype(dtype)
        if b is None:
            b = np.zeros(n_out, dtype=dtype)
        else:
            b = np.array(as_float_array("Linear", "b", b, ndim=1), dtype=dtype)
            check_same_shape("Linear", "b", b, (n_out,))
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}

    def function(self, params, x, xp=np):
        return x @ params["W"] + params["b"]

    def _forward(self, x):
        check_batch(self.name, x, self.n_in, self.params["W"].dtype)
        return super()._forward(x)

    def _backward(self, grad_out):
        self._param_grads(grad_out)
        return grad_out @ self.params["W"].T  # ∂L/∂x_ni = Σ_j δ_nj W_ij

    def _param_grads(self, grad_out):
        self.grads["W"] = self._x.T @ grad_out  # ∂L/∂W_ij = Σ_n x_ni δ_nj
        self.grads["b"] = grad_out.sum(axis=0)  # ∂L/∂b_j = Σ_n δ_nj

    def __repr__(self) -> str:
        return f"Linear({self.n_in} → {self.n_out}, {self.n_params} params)"


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------


def sigmoid(z, xp=np):
    """``σ(z) = 1 / (1 + e^{-z})``, written so that ``e^{...}`` never overflows:
    ``e = e^{-|z|}`` gives ``1 / (1 + e)`` for ``z ≥ 0`` and the equal ``e / (1 + e)``
    for ``z < 0``. (``|z|`` is written as ``where(z ≥ 0, z, −z)``: the same numbers, but
    autograd then differentiates it as ``z`` at ``z = 0``, where the slope of ``abs``
    would count as 0 and make ``σ′(0)`` come out 0 instead of ¼.)"""
    e = xp.exp(-xp.where(z >= 0, z, -z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z, xp=np):
    """Probabilities from scores, row by row, with the row maximum subtracted first."""
    e = xp.exp(z - xp.max(z, axis=-1, keepdims=True))
    return e / xp.sum(e, axis=-1, keepdims=True)


class Sigmoid(Layer):
    """``σ(z) = 1 / (1 + e^{-z})``, squashing any number into (0, 1).

    Computed from ``e^{-|z|}`` so that it never overflows: for ``z < 0`` it uses
    the equal form ``e^{z} / (1 + e^{z})``. Its derivative is ``σ(z)(1 - σ(z))``.
    """

    keeps_width = True

    def function(self, params, x, xp=np):
        return sigmoid(x, xp)

    def _backward(self, grad_out):
        s = self._out
        return grad_out * s * (1.0 - s)


class Tanh(Layer):
    """``tanh(z)``, squashing into (-1, 1); its derivative is ``1 - tanh(z)²``."""

    keeps_width = True

    def function(self, params, x, xp=np):
        return xp.tanh(x)

    def _backward(self, grad_out):
        return grad_out * (1.0 - self._out**2)


class ReLU(Layer):
    """``max(z, 0)``: passes positives, silences negatives. Derivative 1 or 0."""

    keeps_width = True

    def function(self, params, x, xp=np):
        return xp.maximum(x, 0.0)

    def _backward(self, grad_out):
        return grad_out * (self._x > 0)


class ELU(Layer):
    """``z`` for ``z > 0``, ``α(e^z - 1)`` otherwise: a ReLU with a smooth negative side."""

    keeps_width = True

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = check_hyperparameter("ELU", "alpha", alpha)

    def function(self, params, x, xp=np):
        return xp.where(x > 0, x, self.alpha * xp.expm1(xp.minimum(x, 0.0)))

    def _backward(self, grad_out):
        # for z <= 0 the derivative α e^z equals out + α
        return grad_out * np.where(self._x > 0, 1.0, self._out + self.alpha)

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


class Step(Layer):
    """The perceptron's all-or-nothing unit: 1 if ``z > 0`` else 0.

    Its derivative is 0 wherever it exists, so no gradient flows back through it:
    ``backward`` honestly returns zeros. That is why the perceptron learns with
    its own rule (the gradient of the *perceptron criterion*, see
    :class:`nnscratch.losses.PerceptronCriterion`) and why networks that learn by
    backpropagation use smooth activations instead.
    """

    keeps_width = True

    def function(self, params, x, xp=np):
        return xp.where(x > 0, 1.0, 0.0).astype(x.dtype)

    def _backward(self, grad_out):
        return np.zeros_like(grad_out)


class Softmax(Layer):
    """Turns each row of scores into probabilities: ``s_k = e^{z_k} / Σ_j e^{z_j}``.

    The row maximum is subtracted first (it cancels in the ratio) so ``e^z`` never
    overflows. The backward pass is the vector-Jacobian product
    ``∂L/∂z = s ⊙ (g - Σ_k g_k s_k)`` — the full Jacobian is never built.
    For training a classifier, prefer
    :class:`nnscratch.losses.SoftmaxCrossEntropy` on the scores: it fuses the two.
    """

    keeps_width = True

    def function(self, params, x, xp=np):
        return softmax(x, xp)

    def _backward(self, grad_out):
        s = self._out
        return s * (grad_out - (grad_out * s).sum(axis=-1, keepdims=True))


class Dropout(Layer):
    """Inverted dropout: in training, each entry is zeroed with probability ``p`` and the
    survivors are scaled by ``1 / (1 - p)``; in evaluation it passes ``x`` unchanged.

    The scaling keeps every entry's expected value, ``(1 - p) · x / (1 - p) = x``, so the
    next layer sees inputs of the same size in training and in evaluation, and nothing
    has to be rescaled at test time (Srivastava et al., 2014). A new mask ``m`` is drawn
    at each training forward from the layer's own seeded stream; backward multiplies by
    the same mask, ``∂L/∂x = m ⊙ g``. ``function`` applies the last mask, so a gradient
    check differentiates the very network that ran.
    """

    keeps_width = True

    def __init__(self, p: float = 0.5, *, seed: int | np.random.SeedSequence | None = None):
        super().__init__()
        self.p = check_hyperparameter("Dropout", "p", p, low=0.0, low_inclusive=True, high=1.0)
        check_seed("Dropout", seed)
        self.rng = np.random.default_rng(seed)
        self.mask: np.ndarray | None = None  # entries 0 or 1 / (1 - p), drawn by forward

    def function(self, params, x, xp=np):
        if not self.training or self.p == 0.0:
            return x
        if self.mask is None or self.mask.shape != x.shape:
            raise RuntimeError("Dropout: call forward first (it draws the mask)")
        return x * self.mask

    def _forward(self, x):
        if self.training and self.p > 0.0:
            keep = self.rng.random(x.shape) >= self.p
            self.mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return super()._forward(x)

    def _backward(self, grad_out):
        if not self.training or self.p == 0.0:
            return grad_out
        return grad_out * self.mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g}{'' if self.training else ', evaluation mode'})"


# ---------------------------------------------------------------------------
# Sequential
# ---------------------------------------------------------------------------


class Sequential(Layer):
    """Layers applied one after another; itself a layer.

    Parameters are named ``"<index>.<name>"``, e.g. ``"0.W"`` for the weights of
    the first layer. ``backward`` runs the layers in reverse: the chain rule.
    """

    construct_hint = "Sequential(Linear(...), ReLU(), Linear(...)), or mlp(sizes, ReLU, seed=0)"

    def __init__(self, *layers: Layer) -> None:
        # no Layer.__init__: params and grads are views of the layers' own
        self._x = self._out = None
        if len(layers) == 1 and isinstance(layers[0], list | tuple):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential: expected layer {i} to be a layer such as ReLU() or "
                    f"Linear(2, 3, seed=0), got {describe(layer, Layer)}"
                )
        if not layers:
            raise ValueError("Sequential: expected at least one layer, got none")
        self.layers = tuple(layers)
        self._check_widths()
        # (name, layer, key) of every parameter, named once rather than at every step
        self._index = [
            (f"{i}.{key}", layer, key)
            for i, layer in enumerate(self.layers)
            for key in layer.params
        ]

    def where(self, i: int) -> str:
        """Layer ``i`` in words, for messages: ``"Sequential layer 2 (Linear 64 → 10)"``."""
        layer = self.layers[i]
        size = f" {layer.n_in} → {layer.n_out}" if isinstance(layer, Linear) else ""
        return f"Sequential layer {i} ({layer.name}{size})"

    def _check_widths(self) -> None:
        """Each layer takes as many inputs as the layer before gives (where both are known)."""
        width, giver = None, None
        for i, layer in enumerate(self.layers):
            n_in = getattr(layer, "n_in", None)
            if width is not None and n_in is not None and n_in != width:
                fix = f", e.g. Linear({width}, {layer.n_out})" if isinstance(layer, Linear) else ""
                raise ValueError(
                    f"{self.where(i)} takes {n_in} inputs, but "
                    f"{self.where(giver)[len('Sequential ') :]} before it gives {width}; "
                    f"the sizes of neighbouring layers must agree{fix}"
                )
            if not layer.keeps_width:
                width, giver = getattr(layer, "n_out", None), i

    @property
    def n_in(self) -> int | None:
        """The width of the input, when the layers say it; ``None`` otherwise."""
        for layer in self.layers:
            if not layer.keeps_width:
                return getattr(layer, "n_in", None)
        return None

    @property
    def n_out(self) -> int | None:
        """The width of the output, when the layers say it; ``None`` otherwise."""
        for layer in reversed(self.layers):
            if not layer.keeps_width:
                return getattr(layer, "n_out", None)
        return None

    def _located(self, err: Exception, i: int) -> Exception:
        """``err``, raised inside layer ``i``, retold with the layer's place in the model."""
        message = str(err)
        own = f"{self.layers[i].name}: "
        message = message[len(own) :] if message.startswith(own) else message
        kind = TypeError if isinstance(err, TypeError) else ValueError
        return kind(f"{self.where(i)}: {message}")

    @property
    def params(self) -> Params:
        return {name: p for name, p, _ in self.parameters()}

    @property
    def grads(self) -> Params:
        return {name: g for name, _, g in self.parameters()}

    def parameters(self):
        for name, layer, key in self._index:
            yield name, layer.params[key], layer.grads[key]

    def sublayers(self) -> tuple[Layer, ...]:
        return self.layers

    def function(self, params, x, xp=np):
        for i, layer in enumerate(self.layers):
            prefix = f"{i}."
            own = {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}
            x = layer.function(own, x, xp)
        return x

    def forward(self, x) -> np.ndarray:
        x = as_float_array(self.name, "input", x, ndim=2, dtype=param_dtype(self))
        return self._forward(x)

    def _forward(self, x):
        i = 0
        try:
            for i in range(len(self.layers)):
                x = self.layers[i]._forward(x)
        except (ValueError, TypeError) as err:
            raise self._located(err, i) from err
        self._out = x
        return x

    def _backward(self, grad_out):
        i = len(self.layers) - 1
        try:
            for i in range(len(self.layers) - 1, -1, -1):
                grad_out = self.layers[i]._backward(grad_out)
        except (ValueError, TypeError) as err:
            raise self._located(err, i) from err
        return grad_out

    def _param_grads(self, grad_out) -> None:
        """Backward for training: the parameters' gradients, without ``∂L/∂x`` for the
        input batch, which nothing uses (it saves a third of the first layer's work)."""
        for layer in self.layers[:0:-1]:
            grad_out = layer._backward(grad_out)
        first = self.layers[0]
        if hasattr(first, "_param_grads"):
            first._param_grads(grad_out)
        else:
            first._backward(grad_out)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + f"\n)  # {self.n_params} parameters"


def mlp(
    sizes: list[int],
    activation: type[Layer] = ReLU,
    *,
    seed: int = 0,
    init: str | None = None,
    dropout: float = 0.0,
    dtype=np.float64,
) -> Sequential:
    """A multi-layer perceptron: ``Linear`` layers of the given sizes with
    ``activation`` between them (none after the last).

    ``mlp([64, 128, 10], ReLU, seed=0)`` is ``Linear(64, 128) → ReLU → Linear(128, 10)``.
    Each ``Linear`` draws from its own stream, spawned from ``SeedSequence(seed)``:
    the networks of seeds 0, 1, 2, … are independent starts (seeding layer ``i``
    with ``seed + i`` would give seed 1's first layer the weights of seed 0's
    second). ``init`` defaults to ``"he"`` for ReLU and ELU and ``"glorot"`` otherwise.
    ``dropout=p`` puts a :class:`Dropout` after each hidden activation, each with a
    stream of its own spawned from the same seed (after the weights' streams, so the
    weights are those of the network without dropout).
    """
    if isinstance(activation, Layer):
        raise TypeError(
            f"mlp: expected activation to be a layer class such as ReLU (mlp makes one "
            f"for each gap between Linear layers), got the layer {activation!r}; drop the "
            f"parentheses: mlp(sizes, {activation.name})"
        )
    if not (isinstance(activation, type) and issubclass(activation, Layer)):
        raise TypeError(
            f"mlp: expected activation to be a layer class such as ReLU, got {describe(activation)}"
        )
    if (
        not isinstance(sizes, list | tuple | range | np.ndarray)
        or np.ndim(sizes) != 1
        or len(sizes) < 2
        or not all(isinstance(n, int | np.integer) and not isinstance(n, bool) for n in sizes)
    ):
        raise ValueError(
            "mlp: expected sizes to be a list of at least two ints, the width of the input, "
            f"of each hidden layer and of the output, such as [64, 128, 10]; got {sizes!r}"
        )
    check_seed("mlp", seed)
    if init is None:
        init = "he" if activation in (ReLU, ELU) else "glorot"
    dropout = check_hyperparameter("mlp", "dropout", dropout, low=0.0, low_inclusive=True, high=1.0)
    root = np.random.SeedSequence(seed)
    streams = root.spawn(len(sizes) - 1)
    masks = root.spawn(len(sizes) - 2) if dropout > 0 else []
    layers: list[Layer] = []
    sizes = [int(n) for n in sizes]
    for i, (stream, n_in, n_out) in enumerate(zip(streams, sizes[:-1], sizes[1:], strict=True)):
        if layers:
            layers.append(activation())
            if dropout > 0:
                layers.append(Dropout(dropout, seed=masks[i - 1]))
        layers.append(Linear(n_in, n_out, init=init, seed=stream, dtype=dtype))
    return Sequential(*layers)
