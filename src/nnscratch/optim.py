"""Optimisers: how to move the parameters once their gradients are known.

Each optimiser has ``step(model)``, which updates every parameter of ``model``
in place from the gradients the last ``backward`` stored, and a learning rate
``lr`` that a schedule may change between steps. State (velocities, moment
estimates) is kept per parameter name.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_hyperparameter


class Optimizer:
    """Base class. Subclasses define ``_update(name, p, g)``, changing ``p`` in place."""

    def __init__(self, lr: float) -> None:
        self.lr = check_hyperparameter(type(self).__name__, "learning rate lr", lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def step(self, model) -> None:
        """Update every parameter of ``model`` from its current gradient."""
        for name, p, g in model.parameters():
            self._update(name, p, g)

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def _buffers(self, name: str, p: np.ndarray, *keys: str) -> dict[str, np.ndarray]:
        """Zero-initialised state arrays shaped like ``p``, kept under ``name``."""
        state = self.state.get(name)
        if state is None or state[keys[0]].shape != p.shape:
            state = self.state[name] = {key: np.zeros_like(p) for key in keys}
        return state

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"


class GradientDescent(Optimizer):
    """``θ ← θ - η g``: a step downhill, proportional to the slope."""

    def step(self, model) -> None:
        lr = self.lr
        for _, p, g in model.parameters():
            p -= lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v ← μ v + g``, ``θ ← θ - η v``.

    The velocity ``v`` remembers past gradients, so steps grow along directions
    that stay consistent and cancel along directions that flip sign.
    """

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = check_hyperparameter(
            type(self).__name__, "momentum", momentum, low=0.0, low_inclusive=True, high=1.0
        )

    def _velocity(self, name, p, g):
        v = self._buffers(name, p, "v")["v"]
        v *= self.momentum
        v += g
        return v

    def _update(self, name, p, g):
        p -= self.lr * self._velocity(name, p, g)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g}, momentum={self.momentum:g})"


class Nesterov(Momentum):
    """Nesterov momentum: ``v ← μ v + g``, ``θ ← θ - η (g + μ v)``.

    Nesterov's method takes the gradient where momentum is about to carry the
    parameters, at the look-ahead point ``θ - η μ v``: ``v ← μ v + ∇f(θ - η μ v)``,
    ``θ ← θ - η v``. Holding the look-ahead point itself, ``θ̃ = θ - η μ v``, turns
    that into the rule above with ``θ̃`` in the place of ``θ``: the gradient is the one
    at the parameters held, and the look-ahead moves into the step (substitute
    ``μ v = v_new - g`` in ``θ̃_new = θ̃ + η μ v - η (1 + μ) v_new``). The two forms
    start at the same point (``v = 0``) and differ by ``η μ v`` throughout.
    """

    def _update(self, name, p, g):
        v = self._velocity(name, p, g)
        p -= self.lr * (g + self.momentum * v)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with the bias correction it needs.

    ``m ← β₁ m + (1 - β₁) g`` and ``v ← β₂ v + (1 - β₂) g²`` average the gradient
    and its square. Both start at 0, so early on they are biased towards 0: at
    step ``t`` they are divided by ``1 - β₁ᵗ`` and ``1 - β₂ᵗ``. Without this
    correction the step is ``u(t) = (1 - β₁ᵗ) / sqrt(1 - β₂ᵗ)`` times too large, for
    any gradients (ε aside): with the default betas 3.16 times at the first step,
    6.57 times at step 12 (``1 - β₁ᵗ`` has nearly reached 1 while ``1 - β₂ᵗ`` is still
    small), 1.8 times at step 360, and close to 1 only after thousands of steps — a bug
    of some hand-written versions. The step is ``θ ← θ - η m̂ / (sqrt(v̂) + ε)``.

    ``weight_decay=λ > 0`` makes it AdamW (Loshchilov & Hutter, 2019): *decoupled*
    weight decay, ``W ← W - η (m̂ / (sqrt(v̂) + ε) + λ W)``. The decay shrinks every
    weight matrix (each parameter named ``W``, as the penalties do; biases are left
    alone) by the same fraction ``η λ`` per step, outside the moment estimates.
    An :class:`~nnscratch.regularizers.L2` penalty is different under Adam: its
    gradient ``λ W`` enters ``m`` and ``v`` and is divided by ``sqrt(v̂)``, so weights
    with large gradients are hardly decayed at all. Like the step, the decay scales
    with ``lr``, so a learning-rate schedule winds both down together.
    """

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr)
        self.beta1, self.beta2 = (
            check_hyperparameter("Adam", label, beta, low=0.0, low_inclusive=True, high=1.0)
            for label, beta in (("beta1", beta1), ("beta2", beta2))
        )
        self.eps = check_hyperparameter("Adam", "eps", eps)
        self.weight_decay = check_hyperparameter(
            "Adam", "weight_decay", weight_decay, low=0.0, low_inclusive=True
        )
        self.t = 0

    def step(self, model) -> None:
        self.t += 1
        super().step(model)

    def _update(self, name, p, g):
        state = self._buffers(name, p, "m", "v")
        m, v = state["m"], state["v"]
        m *= self.beta1
        m += (1.0 - self.beta1) * g
        v *= self.beta2
        v += (1.0 - self.beta2) * (g * g)
        m_hat_scale = 1.0 / (1.0 - self.beta1**self.t)
        v_hat_scale = 1.0 / (1.0 - self.beta2**self.t)
        if self.weight_decay and name.split(".")[-1] == "W":
            p *= 1.0 - self.lr * self.weight_decay  # decoupled: W shrinks before the step
        p -= (self.lr * m_hat_scale) * m / (np.sqrt(v * v_hat_scale) + self.eps)

    def __repr__(self) -> str:
        decay = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        return f"Adam(lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g}{decay})"
