"""Training: the loop every chapter runs, written once.

``fit(model, loss, optimizer, X, y)`` repeats, for each epoch: shuffle the examples
(seeded), cut them into minibatches, and for each batch run forward, the loss,
backward, the penalties and an optimiser step — the loop Chapter 4 wrote by hand.
It records a :class:`History` and stops with advice if the loss stops being a finite
number or grows a thousandfold. Read ``fit`` first; the checks it runs before the
first step are in :func:`_prepare` and the helpers below it, apart from the loop.

Options of ``fit``:

* ``epochs``, ``batch_size``; ``seed`` fixes the shuffling and ``augment``'s
  randomness, so a run repeats exactly. They draw from two independent streams (the
  shuffling from ``default_rng(seed)``, ``augment`` from :func:`augmentation_stream`),
  so switching augmentation on does not change the order in which the examples come
  (see that function for the one stream it shares with ``mlp``);
* ``validation=(X_val, y_val)`` adds ``val_loss`` (and ``val_<metric>``) per epoch,
  measured after the epoch in evaluation mode;
* ``metrics=["accuracy"]`` records accuracy, using ``loss.predict`` to read classes;
* ``penalties=[L2(1e-4)]``: weight penalties from :mod:`nnscratch.regularizers`;
* ``augment(X_batch, rng) -> X_batch`` transforms each training batch;
* ``lr_schedule(epoch) -> lr`` sets the optimiser's learning rate before each epoch;
* ``callback(epoch, model, history)`` runs after each epoch and
  ``on_batch(step, model, loss_value)`` after each batch — to record snapshots;
* ``progress`` shows a progress bar over the epochs (:mod:`nnscratch.progress`);
* ``max_loss_growth``: ``fit`` raises :class:`TrainingDiverged` when a batch loss
  exceeds ``max_loss_growth × max(first batch loss, 1)`` (1000× by default: a loss
  that grew a thousandfold is blowing up, even while still finite; the floor of 1
  keeps a loss that starts near 0 from tripping it on noise; ``None`` switches this
  rule off), and always when a loss is NaN or infinite.

The model trains in training mode and is measured on the validation set in
evaluation mode (see :meth:`~nnscratch.layers.Layer.train`: dropout off, batch norm
on its running statistics); ``fit`` returns it in evaluation mode, ready to predict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._checks import (
    as_float_array,
    check_hyperparameter,
    check_instance,
    check_seed,
    describe,
)
from .layers import Layer, param_dtype
from .losses import Loss
from .metrics import as_labels
from .optim import Optimizer
from .regularizers import Penalty


def augmentation_stream(seed: int | np.random.SeedSequence) -> np.random.Generator:
    """The random stream ``fit(..., seed=seed)`` hands to ``augment``: the first child of
    ``SeedSequence(seed)``, independent of the shuffling stream ``default_rng(seed)``.

    Code that trains like ``fit`` (several seeds at once, say) takes its augmentation
    draws from here, so that it matches ``fit`` draw for draw. One coupling remains: this
    child is also the stream from which ``mlp(seed=seed)`` draws its first layer's
    weights, so with one seed for both a run's shifts are a function of its starting
    weights (harmless for what the chapters measure; giving ``mlp`` and ``fit`` different
    seeds separates them). Moving this stream would change every augmented number the
    chapters print, so it stays where the chapters were measured.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.default_rng(root.spawn(1)[0])


class TrainingDiverged(FloatingPointError):
    """The loss blew up (NaN, infinite, or far above where it started): the step size
    was too large (usually)."""


MAX_LOSS_GROWTH = 1e3
"""``fit`` stops when a batch loss exceeds ``MAX_LOSS_GROWTH × max(first batch loss, 1)``."""


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


def _advice(what: str, optimizer: Optimizer) -> str:
    return (
        f"fit: {what}, with learning rate {optimizer.lr:g}. The steps overshoot and the "
        f"weights blow up. Try a learning rate about 10 times smaller "
        f"(lr={optimizer.lr / 10:g}), check that the inputs are scaled to about [-1, 1], "
        f"or use a loss that takes scores (logits)."
    )


def _check_callable(name: str, f, signature: str) -> None:
    if f is not None and (isinstance(f, type) or not callable(f)):
        raise TypeError(
            f"fit: expected {name} to be a function {signature} (or None), got {describe(f)}"
        )


def _check_penalties(penalties) -> tuple:
    """Weight penalties, in a list: say what is wrong with anything else."""
    if isinstance(penalties, Penalty):
        raise TypeError(
            f"fit: expected penalties to be a list of weight penalties, got a single one, "
            f"{penalties!r}; put it in a list: penalties=[{penalties!r}]"
        )
    listed = [penalties] if isinstance(penalties, Loss) else penalties
    if not isinstance(listed, list | tuple):
        raise TypeError(
            "fit: expected penalties to be a list of weight penalties such as [L2(1e-4)], "
            f"got {describe(penalties, Penalty)}"
        )
    for i, penalty in enumerate(listed):
        if isinstance(penalty, Loss):
            raise TypeError(
                f"fit: {penalty!r} is a penalty on the predictions, not on the weights; "
                f"add it to the loss instead: loss=SoftmaxCrossEntropy() + {penalty!r}"
            )
        check_instance(
            "fit", f"penalties[{i}]", penalty, Penalty, "a weight penalty such as L2(1e-4)"
        )
    return tuple(listed)


def _prepared(loss: Loss, width: int, dtype, y, what: str) -> np.ndarray:
    """``y`` in the loss's own form for ``len(y)`` outputs of ``width``, or an error naming it."""
    try:
        return loss.prepare(np.zeros((len(y), width), dtype=dtype), y)[1]
    except (ValueError, TypeError) as err:
        raise type(err)(f"fit: {what}: {err}") from err


def _length(name: str, y) -> int:
    try:
        return len(y)
    except TypeError as err:
        raise TypeError(
            f"fit: expected {name} to be an array of targets, got {describe(y)}"
        ) from err


@dataclass
class _Prepared:
    """What ``fit``'s loop needs, checked once: the data in the loss's own form."""

    X: np.ndarray
    T: np.ndarray
    labels: np.ndarray | None  # class labels, when accuracy is tracked
    X_val: np.ndarray | None = None
    T_val: np.ndarray | None = None
    labels_val: np.ndarray | None = None
    penalties: tuple = ()

    def empty_history(self) -> History:
        history = History(loss=[])
        if self.labels is not None:
            history["accuracy"] = []
        if self.X_val is not None:
            history["val_loss"] = []
            if self.labels is not None:
                history["val_accuracy"] = []
        return history


def fit(
    model, loss: Loss, optimizer: Optimizer, X, y, *,
    epochs: int = 10, batch_size: int = 32, seed: int = 0, validation: tuple | None = None,
    metrics: Sequence[str] = (), penalties: Sequence = (), augment: Callable | None = None,
    lr_schedule: Callable[[int], float] | None = None, callback: Callable | None = None,
    on_batch: Callable | None = None, progress: bool = True,
    max_loss_growth: float | None = MAX_LOSS_GROWTH,
) -> History:  # fmt: skip
    """Train ``model`` on ``(X, y)`` with minibatch gradient descent; return the history.

    Each epoch shuffles the examples (seeded) and, for each minibatch, runs forward,
    the loss, backward, the weight ``penalties`` and an ``optimizer`` step; the model
    trains in training mode and comes back in evaluation mode. The module's docstring
    explains every option. Every argument is checked once, before the first step
    (:func:`_prepare`), so the loop below runs unchecked; it stops with
    :class:`TrainingDiverged` and advice when the loss stops being a finite number or
    grows ``max_loss_growth`` times (or the validation loss is not finite).
    """
    from .progress import tqdm  # a widget in Jupyter, a finished bar once it closes

    data = _prepare(
        model, loss, optimizer, X, y, epochs, batch_size, seed, validation, metrics,
        penalties, (augment, lr_schedule, callback, on_batch), max_loss_growth,
    )  # fmt: skip
    X, T, labels = data.X, data.T, data.labels
    forward = model._forward  # the input is checked already
    backward = getattr(model, "_param_grads", model.backward)
    history = data.empty_history()
    order_rng = np.random.default_rng(seed)  # the shuffling stream (Chapter 2 replays it)
    augment_rng = augmentation_stream(seed)
    n, step, first, limit = len(X), 0, None, math.inf  # limit: set by the first batch
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    # overflow shows up as a non-finite loss, reported with advice, not as warnings
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in bar:
            model.train()
            if lr_schedule is not None:
                optimizer.lr = float(lr_schedule(epoch))
            order = order_rng.permutation(n)
            total = correct = 0.0
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                xb = X[idx] if augment is None else augment(X[idx], augment_rng)
                out = forward(xb)
                value, grad = loss._value_and_grad(out, T[idx])
                if not value <= limit:  # NaN, infinite, or grown past the limit
                    why = _diverged(value, first, limit, epoch, start, batch_size, optimizer)
                    raise _stopped(bar, model, why)
                if step == 0 and max_loss_growth is not None:
                    first, limit = value, max_loss_growth * max(abs(value), 1.0)
                backward(grad)
                for penalty in data.penalties:
                    penalty.add_to_grads(model)
                optimizer.step(model)
                total += value * len(idx)
                if labels is not None:
                    correct += np.count_nonzero(loss.predict(out) == labels[idx])
                if on_batch is not None:
                    on_batch(step, model, value)
                step += 1
            model.eval()
            history["loss"].append(total / n)
            if labels is not None:
                history["accuracy"].append(correct / n)
            if data.X_val is not None:
                _validate(model, loss, data, history, epoch, total / n, optimizer, bar)
            bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.items()}, refresh=False)
            if callback is not None:
                callback(epoch, model, history)
    bar.close()
    return history


def _stopped(bar, model, message: str) -> TrainingDiverged:
    """The error that ends a diverged run, with the bar closed and the model in evaluation."""
    bar.close()
    model.eval()
    return TrainingDiverged(message)


def _validate(model, loss, data: _Prepared, history, epoch, train_loss, optimizer, bar) -> None:
    """Measure the validation set after an epoch; stop with advice if its loss overflows."""
    out = model._forward(data.X_val)
    val_loss = float(loss.function(out, data.T_val))
    if not math.isfinite(val_loss):
        raise _stopped(
            bar,
            model,
            f"fit: the validation loss became {val_loss} after epoch "
            f"{epoch + 1} (training loss {train_loss:.4g}): the model's outputs "
            "on the validation set overflow. Check that X_val is scaled like X "
            "(the same preprocessing); if the training loss grows too, try a "
            f"learning rate about 10 times smaller (lr={optimizer.lr / 10:g}).",
        )
    history["val_loss"].append(val_loss)
    if data.labels_val is not None:
        history["val_accuracy"].append(float(np.mean(loss.predict(out) == data.labels_val)))


def _prepare(
    model, loss, optimizer, X, y, epochs, batch_size, seed, validation, metrics, penalties,
    hooks, max_loss_growth,
) -> _Prepared:  # fmt: skip
    """Check every argument of ``fit`` once, before the first step; return the loop's data.

    A bad validation set fails here, not after an epoch of training; each message
    names ``fit``, what it expected and what it got.
    """
    penalties = _check_arguments(
        model, loss, optimizer, epochs, batch_size, seed, metrics, penalties, hooks
    )
    if max_loss_growth is not None:
        check_hyperparameter("fit", "max_loss_growth", max_loss_growth, low=1.0)
    dtype = param_dtype(model)
    X = as_float_array("fit", "X", X, ndim=2, dtype=dtype)
    if dtype is not None and X.dtype != dtype:
        raise TypeError(
            f"fit: X has dtype {X.dtype} but the model's parameters are {dtype}; "
            f"convert with X.astype(np.{dtype})"
        )
    if _length("y", y) != len(X):
        raise ValueError(f"fit: X has {len(X)} rows but y has {len(y)}")
    n_in = getattr(model, "n_in", None)
    if n_in is not None and X.shape[1] != n_in:
        raise ValueError(
            f"fit: X has {X.shape[1]} columns (features per example) but the model takes {n_in}"
        )
    model.eval()  # the width, read without drawing a dropout mask or moving batch statistics
    width = model.forward(X[:1]).shape[1]
    T = _prepared(loss, width, X.dtype, y, "y")
    track_acc = "accuracy" in metrics
    labels = as_labels(T, owner="fit", name="y") if track_acc else None
    data = _Prepared(X=X, T=T, labels=labels, penalties=penalties)
    if validation is not None:
        data.X_val, data.T_val = _check_validation(validation, X, loss, width)
        if track_acc:
            data.labels_val = as_labels(data.T_val, owner="fit", name="validation y")
    return data


def _check_arguments(
    model, loss, optimizer, epochs, batch_size, seed, metrics, penalties, hooks
) -> tuple:
    """The model, loss, optimiser, counts, seed, metrics, penalties and hooks of ``fit``;
    returns the penalties as a tuple."""
    if isinstance(model, type) or not hasattr(model, "parameters"):
        raise TypeError(
            "fit: expected model to be a layer or a Sequential such as "
            f"mlp([64, 128, 10], ReLU, seed=0), got {describe(model, Layer)}"
        )
    check_instance("fit", "loss", loss, Loss, "a loss such as SoftmaxCrossEntropy()")
    check_instance("fit", "optimizer", optimizer, Optimizer, "an optimiser such as Adam(1e-3)")
    for label, n in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
            raise ValueError(f"fit: expected {label} to be a positive int, got {describe(n)}")
    check_seed("fit", seed)
    if isinstance(metrics, str):
        raise TypeError(
            f"fit: expected metrics to be a list of names, got the string {metrics!r}; "
            f"write metrics=[{metrics!r}]"
        )
    unknown = set(metrics) - {"accuracy"}
    if unknown:
        raise ValueError(f"fit: unknown metrics {sorted(unknown)}; available: ['accuracy']")
    penalties = _check_penalties(penalties)
    signatures = (
        ("augment", "(X_batch, rng) -> X_batch"),
        ("lr_schedule", "(epoch) -> learning rate"),
        ("callback", "(epoch, model, history)"),
        ("on_batch", "(step, model, loss_value)"),
    )
    for (name, signature), f in zip(signatures, hooks, strict=True):
        _check_callable(name, f, signature)
    return penalties


def _check_validation(validation, X: np.ndarray, loss: Loss, width: int):
    """``validation=(X_val, y_val)`` as arrays like the training ones, or an error naming it."""
    if not isinstance(validation, tuple | list) or len(validation) != 2:
        raise TypeError(
            "fit: expected validation=(X_val, y_val), a pair of inputs and targets, "
            f"got {describe(validation)}; pass the labels too: validation=(X_val, y_val)"
        )
    X_val = as_float_array("fit", "validation X", validation[0], ndim=2, dtype=X.dtype)
    if X_val.shape[1] != X.shape[1]:
        raise ValueError(
            f"fit: validation X has {X_val.shape[1]} columns but X has {X.shape[1]}; "
            "validation examples need the same features as the training ones"
        )
    if X_val.dtype != X.dtype:
        raise TypeError(
            f"fit: validation X has dtype {X_val.dtype} but X has {X.dtype}; convert "
            f"with X_val.astype(np.{X.dtype})"
        )
    if _length("validation y", validation[1]) != len(X_val):
        raise ValueError(
            f"fit: validation X has {len(X_val)} rows but validation y has {len(validation[1])}"
        )
    return X_val, _prepared(loss, width, X_val.dtype, validation[1], "validation y")


def _diverged(value, first, limit, epoch, start, batch_size, optimizer) -> str:
    where = f"at epoch {epoch + 1}, batch {start // batch_size + 1}"
    if math.isfinite(value):
        what = (
            f"the loss grew from {first:.4g} on the first batch to {value:.4g} {where} "
            f"(past the limit {limit:.4g} = max_loss_growth × max(first loss, 1))"
        )
    else:
        what = f"the loss became {value} {where}"
    return _advice(what, optimizer)


def evaluate(model, loss: Loss, X, y) -> dict[str, float]:
    """Loss of ``model`` on ``(X, y)``, and its accuracy when the targets are classes
    (labels, one-hot rows, a 0/1 column: what :func:`nnscratch.metrics.as_labels` reads)."""
    training = model.training
    try:  # measured as it predicts: dropout off, batch norm on its running statistics
        out = model.eval().forward(X)
    finally:
        model.train(training)
    pred, T = loss.prepare(out, y)
    result = {"loss": float(loss.function(pred, T))}
    try:
        labels = as_labels(T, owner="evaluate", name="y")
    except (ValueError, TypeError):  # not classes: a regression target, say
        return result
    result["accuracy"] = float(np.mean(loss.predict(out) == labels))
    return result
