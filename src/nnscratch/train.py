"""Training: the loop every chapter runs, written once.

``fit`` repeats, for each epoch: shuffle the examples (seeded), cut them into
minibatches, and for each batch run forward, loss, backward, penalties and an
optimiser step. It records a :class:`History` and stops with advice if the loss
stops being a finite number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ._checks import as_float_array
from .losses import Loss
from .metrics import accuracy, as_labels
from .optim import Optimizer


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the step size was too large (usually)."""


class History(dict):
    """Per-epoch records: ``history["loss"]``, ``["accuracy"]``, ``["val_loss"]``, …

    ``loss`` and ``accuracy`` are means over the epoch's minibatches (measured as
    the weights moved); ``val_*`` are measured on the validation set after the epoch.
    """

    @property
    def epochs(self) -> int:
        return len(self.get("loss", []))

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.items() if v)
        return f"History({self.epochs} epochs: {last})"


def _advice(loss_value: float, epoch: int, step: int, optimizer: Optimizer) -> str:
    return (
        f"fit: the loss became {loss_value} at epoch {epoch + 1}, batch {step + 1}, "
        f"with learning rate {optimizer.lr:g}. The steps overshoot and the weights blow up. "
        f"Try a learning rate about 10 times smaller (lr={optimizer.lr / 10:g}), check that "
        f"the inputs are scaled to about [-1, 1], or use a loss that takes scores (logits)."
    )


def fit(
    model,
    loss: Loss,
    optimizer: Optimizer,
    X,
    y,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    seed: int = 0,
    validation: tuple | None = None,
    metrics: Sequence[str] = (),
    penalties: Sequence = (),
    augment: Callable | None = None,
    lr_schedule: Callable[[int], float] | None = None,
    callback: Callable | None = None,
    on_batch: Callable | None = None,
    progress: bool = True,
) -> History:
    """Train ``model`` on ``(X, y)`` with minibatch gradient descent; return the history.

    * ``seed`` fixes the shuffling (and ``augment``'s randomness), so a run repeats exactly;
    * ``validation=(X_val, y_val)`` adds ``val_loss`` (and ``val_<metric>``) per epoch;
    * ``metrics=("accuracy",)`` records accuracy, using ``loss.predict`` to read classes;
    * ``penalties``: weight penalties from :mod:`nnscratch.regularizers`;
    * ``augment(X_batch, rng) -> X_batch`` transforms each training batch;
    * ``lr_schedule(epoch) -> lr`` sets the optimiser's learning rate before each epoch;
    * ``callback(epoch, model, history)`` runs after each epoch and
      ``on_batch(step, model, loss_value)`` after each batch — to record snapshots;
    * ``progress`` shows a progress bar (``tqdm``) over the epochs.

    Raises :class:`TrainingDiverged`, with advice, if the loss becomes NaN or infinite.
    """
    from tqdm.auto import tqdm

    X = as_float_array("fit", "X", X, ndim=2)
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"fit: X has {len(X)} rows but y has {len(y)}")
    for label, n in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"fit: expected {label} to be a positive int, got {n!r}")
    unknown = set(metrics) - {"accuracy"}
    if unknown:
        raise ValueError(f"fit: unknown metrics {sorted(unknown)}; available: ['accuracy']")
    # Check everything once, here, so that the loop below runs unchecked and fast:
    # the targets in the loss's own form (one-hot rows for class labels, say).
    width = model.forward(X[:1]).shape[1]
    _, T = loss.prepare(np.zeros((len(X), width), dtype=X.dtype), y)
    labels = as_labels(T)
    track_acc = "accuracy" in metrics
    forward = model._forward  # input already checked
    backward = getattr(model, "_param_grads", model.backward)
    if validation is not None:
        X_val = as_float_array("fit", "validation X", validation[0], ndim=2)
        _, T_val = loss.prepare(np.zeros((len(X_val), width), dtype=X_val.dtype), validation[1])
    history = History(loss=[])
    if track_acc:
        history["accuracy"] = []
    if validation is not None:
        history["val_loss"] = []
        if track_acc:
            history["val_accuracy"] = []

    rng = np.random.default_rng(seed)
    n = len(X)
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    step = 0
    # overflow shows up as a non-finite loss, reported below with advice, not as warnings
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in bar:
            if lr_schedule is not None:
                optimizer.lr = float(lr_schedule(epoch))
            order = rng.permutation(n)
            total = correct = 0.0
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                xb = X[idx]
                if augment is not None:
                    xb = augment(xb, rng)
                out = forward(xb)
                value, grad = loss._value_and_grad(out, T[idx])
                if not math.isfinite(value):
                    bar.close()
                    raise TrainingDiverged(_advice(value, epoch, start // batch_size, optimizer))
                backward(grad)
                for penalty in penalties:
                    penalty.add_to_grads(model)
                optimizer.step(model)
                total += value * len(idx)
                if track_acc:
                    correct += np.count_nonzero(loss.predict(out) == labels[idx])
                if on_batch is not None:
                    on_batch(step, model, value)
                step += 1
            history["loss"].append(total / n)
            if track_acc:
                history["accuracy"].append(correct / n)
            if validation is not None:
                out = forward(X_val)
                history["val_loss"].append(float(loss.function(out, T_val)))
                if track_acc:
                    history["val_accuracy"].append(accuracy(T_val, loss.predict(out)))
            bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.items()}, refresh=False)
            if callback is not None:
                callback(epoch, model, history)
    bar.close()
    return history


def evaluate(model, loss: Loss, X, y) -> dict[str, float]:
    """Loss and accuracy of ``model`` on ``(X, y)``."""
    out = model.forward(X)
    return {
        "loss": loss.value(out, y),
        "accuracy": accuracy(y, loss.predict(out)),
    }
