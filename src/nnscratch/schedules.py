"""Learning-rate schedules: the learning rate as a function of the epoch.

Each function returns ``schedule(epoch) -> lr`` for epochs ``0, 1, …``, ready for
``fit(..., lr_schedule=schedule)``, which sets the optimiser's ``lr`` before each
epoch:

* :func:`constant` — the same rate throughout;
* :func:`step_decay` — multiplied by ``factor`` every ``every`` epochs;
* :func:`cosine` — half a cosine wave from ``lr`` down towards 0 over ``epochs``.

Large steps early cover ground; small steps late settle into a low spot instead
of rattling around it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ._checks import check_hyperparameter


def _epochs(owner: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}: expected {name} to be a positive int, got {value!r}")
    return value


def constant(lr: float) -> Callable[[int], float]:
    """``η_e = η``: no schedule, written as one so it can be compared with the others."""
    lr = check_hyperparameter("constant", "learning rate lr", lr)

    def schedule(epoch: int) -> float:
        return lr

    return schedule


def step_decay(lr: float, every: int, factor: float = 0.1) -> Callable[[int], float]:
    """``η_e = η · factor^⌊e / every⌋``: the rate drops by ``factor`` every ``every`` epochs."""
    lr = check_hyperparameter("step_decay", "learning rate lr", lr)
    every = _epochs("step_decay", "every", every)
    factor = check_hyperparameter("step_decay", "factor", factor, high=1.0, high_inclusive=True)

    def schedule(epoch: int) -> float:
        return lr * factor ** (epoch // every)

    return schedule


def cosine(lr: float, epochs: int) -> Callable[[int], float]:
    """``η_e = η · ½(1 + cos(π e / E))`` for ``E = epochs``: ``η`` at epoch 0, gliding
    smoothly to ``η · ½(1 + cos(π (E - 1) / E))``, almost 0, in the last epoch."""
    lr = check_hyperparameter("cosine", "learning rate lr", lr)
    epochs = _epochs("cosine", "epochs", epochs)

    def schedule(epoch: int) -> float:
        return lr * 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))

    return schedule
