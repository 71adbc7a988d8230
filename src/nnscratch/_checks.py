"""Input validation shared by every part of the package: one check for each kind
of argument.

* arrays of numbers — :func:`as_float_array` (ragged lists, strings, NaN refused);
  where non-finite entries are — :func:`nonfinite`;
* shapes — :func:`check_batch`, :func:`check_same_shape`;
* class labels — :func:`check_labels`;
* numbers a learner sets (learning rates, strengths…) — :func:`check_hyperparameter`;
* objects of a kind (a loss, an optimiser…) — :func:`check_instance`;
* seeds — :func:`check_seed`.

Each check raises an error that names *who* is complaining, *what* it expected
and *what* it got — and the likely slip, such as a class passed where an instance
belongs (:func:`describe`) — so that a mistake surfaces where it is made instead
of as a broadcasting surprise three calls later.
"""

from __future__ import annotations

import inspect

import numpy as np


def as_float_array(owner: str, name: str, x, *, ndim: int | None = None, dtype=None) -> np.ndarray:
    """Return `x` as a floating numpy array, or raise a readable error.

    Lists and integer or bool arrays are converted to ``dtype`` (float64 unless given,
    e.g. a model's own dtype); float32 and float64 arrays are kept as they are.
    Ragged lists, strings, NaN and infinity are refused.
    """
    dtype = np.float64 if dtype is None else dtype
    if not isinstance(x, np.ndarray):
        if x is None or isinstance(x, str) or hasattr(x, "forward"):
            raise TypeError(
                f"{owner}: expected {name} to be an array of numbers, got {_not_an_array(x)}"
            )
        try:
            x = np.asarray(x, dtype=dtype)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{owner}: expected {name} to be an array of numbers, got {_not_an_array(x)}"
            ) from err
    if x.dtype.kind in "biu":
        x = x.astype(dtype)
    elif x.dtype.kind != "f":
        got = f"strings (dtype {x.dtype})" if x.dtype.kind in "US" else f"dtype {x.dtype}"
        raise TypeError(f"{owner}: expected {name} to hold real numbers, got {got}")
    if ndim is not None and x.ndim != ndim:
        hint = ""
        if ndim == 2 and x.ndim == 1:
            hint = (
                "; one example? x.reshape(1, -1) makes it a batch of one; "
                "one feature per example? x.reshape(-1, 1)"
            )
        raise ValueError(
            f"{owner}: expected {name} with {ndim} dimensions, got shape {x.shape}{hint}"
        )
    if x.size == 0:
        raise ValueError(f"{owner}: expected a non-empty {name}, got shape {x.shape}")
    where = nonfinite(x)
    if where:
        bad = "NaN" if np.isnan(x).any() else "infinite"
        raise ValueError(
            f"{owner}: {name} contains {bad} values ({where}); expected finite numbers"
        )
    return x


def _not_an_array(x) -> str:
    """What ``x`` is, when numpy cannot make an array of numbers of it."""
    if isinstance(x, list | tuple) and x and all(isinstance(r, list | tuple) for r in x):
        lengths = sorted({len(r) for r in x})
        if len(lengths) > 1:
            return (
                f"a ragged {type(x).__name__}: rows of lengths "
                f"{', '.join(map(str, lengths))}; every example needs the same number of values"
            )
    if isinstance(x, list | tuple):
        strings = [v for v in np.ravel(np.array(x, dtype=object)) if isinstance(v, str)]
        if strings:
            return f"a {type(x).__name__} holding strings such as {strings[0]!r}"
    if hasattr(x, "forward"):
        return f"the layer {x.name} itself: call it on the data first, e.g. model(x)"
    return describe(x)


def nonfinite(x: np.ndarray) -> str:
    """``""`` if every entry of ``x`` is finite, else where the others are, in words:
    ``"2 NaN and 1 infinite of 6 entries, the first at index (0, 1)"``."""
    finite = np.isfinite(x)
    if finite.all():
        return ""
    n_nan = int(np.isnan(x).sum())
    n_inf = x.size - int(finite.sum()) - n_nan
    counts = " and ".join(f"{n} {kind}" for n, kind in ((n_nan, "NaN"), (n_inf, "infinite")) if n)
    first = np.unravel_index(int(np.argmin(finite.reshape(-1))), x.shape)
    index = tuple(int(i) for i in first)
    index = index[0] if len(index) == 1 else index
    return f"{counts} of {x.size} entries, the first at index {index}"


def check_batch(owner: str, x: np.ndarray, n_features: int, dtype: np.dtype) -> None:
    """Cheap check of a batch met inside a network: 2-D, right width, right dtype."""
    if not isinstance(x, np.ndarray) or x.ndim != 2 or x.shape[1] != n_features:
        shape = getattr(x, "shape", type(x).__name__)
        raise ValueError(f"{owner}: expected input of shape (batch, {n_features}), got {shape}")
    if x.dtype != dtype:
        raise TypeError(
            f"{owner}: expected input of dtype {dtype} (the dtype of its parameters), "
            f"got {x.dtype}; convert with x.astype(np.{dtype})"
        )


def check_same_shape(owner: str, name: str, got: np.ndarray, want_shape: tuple) -> None:
    """Raise unless `got` has exactly `want_shape` (no silent broadcasting)."""
    shape = getattr(got, "shape", None)
    if shape is None:
        raise TypeError(
            f"{owner}: expected {name} to be a numpy array of shape {tuple(want_shape)}, "
            f"got {describe(got)}"
        )
    if shape != tuple(want_shape):
        raise ValueError(f"{owner}: expected {name} of shape {tuple(want_shape)}, got {shape}")


def check_labels(owner: str, y, n_classes: int | None, name: str = "labels") -> np.ndarray:
    """Integer class labels in ``range(n_classes)``, as a 1-D int array.

    Whole floats (``1.0``) are accepted; NaN, fractions, strings, negative labels
    and labels ``>= n_classes`` are refused, naming the first offending label.
    ``n_classes=None`` checks only that labels are whole and not negative.
    """
    y = np.asarray(y)
    wanted = "integer class labels" + ("" if n_classes is None else f" 0..{n_classes - 1}")
    wanted = wanted if name == "labels" else f"{name} to be {wanted}"
    if y.dtype.kind not in "iubf":
        got = "strings" if y.dtype.kind in "US" else "values"
        raise TypeError(f"{owner}: expected {wanted}, got {got} of dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"{owner}: expected {name} of shape (batch,), got {y.shape}")
    if y.dtype.kind == "f":
        where = nonfinite(y)
        if where:
            raise ValueError(
                f"{owner}: {name} {'contain' if name.endswith('s') else 'contains'} NaN or "
                f"infinity ({where}); expected {wanted}"
            )
        fraction = y != np.round(y)
        if fraction.any():
            i = int(fraction.argmax())
            raise TypeError(f"{owner}: expected {wanted}, got {y[i]:g} at index {i}")
        y = y.astype(np.int64)
    if y.size and y.min() < 0:
        i = int(y.argmin())
        raise ValueError(f"{owner}: expected {wanted}, got a negative label, {y[i]}, at index {i}")
    if n_classes is not None and y.size and y.max() >= n_classes:
        i = int(y.argmax())
        hint = (
            "; counted from 1? classes are counted from 0 here: use labels - 1"
            if y.min() >= 1 and y.max() == n_classes
            else ""
        )
        raise ValueError(
            f"{owner}: expected {name} in 0..{n_classes - 1}, got values from {y.min()} "
            f"to {y.max()} (label {y[i]} at index {i}){hint}"
        )
    return y.astype(np.int64, copy=False)


def _construct(cls: type) -> str:
    """How to create an instance of ``cls``: ``MSE()``, or ``GradientDescent(...)``
    when it needs arguments (or the class's own ``construct_hint``)."""
    hint = getattr(cls, "construct_hint", None)
    if isinstance(hint, str):
        return hint
    try:
        needs = any(
            p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in list(inspect.signature(cls).parameters.values())
        )
    except (TypeError, ValueError):
        needs = True
    return f"{cls.__name__}({'...' if needs else ''})"


def describe(value, kind: type | tuple | None = None) -> str:
    """How a wrong argument reads in a message: the slip it most likely is."""
    if isinstance(value, type):
        if kind is not None and issubclass(value, kind):
            return f"the class {value.__name__} itself; create one first: {_construct(value)}"
        return f"the class {value.__name__}"
    if isinstance(value, bool | np.bool_):
        return f"{value} (a bool)"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if value is None:
        return "None"
    if callable(getattr(value, "forward", None)):
        return f"the layer {getattr(value, 'name', type(value).__name__)}"
    shown = repr(value)
    if "\n" in shown or len(shown) > 60:
        return f"a {type(value).__name__}"
    return f"{shown} (of type {type(value).__name__})"


def check_hyperparameter(
    owner: str,
    name: str,
    value,
    *,
    low: float | None = 0.0,
    low_inclusive: bool = False,
    high: float | None = None,
    high_inclusive: bool = False,
) -> float:
    """A finite real number within bounds (learning rates, momenta, strengths...).

    By default ``value > 0``; ``low=None`` or ``high=None`` drops that bound. Strings
    (``lr="0.01"``), ``None``, bools, classes, NaN and infinity are refused with a
    message that names ``owner`` and ``name``, the range expected and what came.
    """
    upper = "" if high is None else f" {'<=' if high_inclusive else '<'} {high:g}"
    if low is None:
        wanted = f"{name}{upper}" if upper else f"a finite {name}"
    elif high is None:
        wanted = f"{name} {'>=' if low_inclusive else '>'} {low:g}"
    else:
        wanted = f"{low:g} {'<=' if low_inclusive else '<'} {name}{upper}"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            hint = ""
        else:
            hint = f"; drop the quotes: {name.split()[-1]}={value}"
        raise TypeError(f"{owner}: expected {name} to be a number, not the string {value!r}{hint}")
    real = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        real = True
    if not real:
        hint = (
            f"; {owner} is made with numbers, e.g. {owner}(0.001), and fit hands it the model"
            if callable(getattr(value, "forward", None))
            else ""
        )
        raise TypeError(f"{owner}: expected {name} to be a number, got {describe(value)}{hint}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{owner}: expected {wanted}, got {value} (not a finite number)")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        raise ValueError(f"{owner}: expected {wanted}, got {value!r}")
    return value


def check_positive(owner: str, name: str, value) -> float:
    """A strictly positive finite number (learning rates, penalty strengths...)."""
    return check_hyperparameter(owner, name, value)


def check_instance(owner: str, name: str, value, kind: type | tuple, example: str) -> None:
    """Raise unless ``value`` is an instance of ``kind`` (a class passed instead of an
    instance, ``loss=MSE`` for ``loss=MSE()``, is named as that slip)."""
    if not isinstance(value, kind):
        raise TypeError(f"{owner}: expected {name} to be {example}, got {describe(value, kind)}")


def check_seed(owner: str, seed, *, otherwise: str = "") -> None:
    """A seed is a non-negative int (or a ``SeedSequence``): never None, a float or text."""
    if isinstance(seed, np.random.SeedSequence):
        return
    if seed is None:
        raise TypeError(
            f"{owner}: pass seed=<int> (every random thing in this course is seeded){otherwise}"
        )
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise TypeError(f"{owner}: expected seed to be an int >= 0, got {describe(seed)}")
