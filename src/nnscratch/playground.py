"""A playground that trains a small network live in the page, with no kernel.

One call from a notebook::

    from nnscratch.playground import playground

    playground(X, T, params0, loss="squared", lr=2.0, batch="full", epochs=1500,
               title="Train the 2-2-1 network yourself")

shows the data, the network's decision regions, its loss curve and its weights,
with controls for the learning rate, hidden units, activation, loss, per-example
or full-batch updates, momentum and seed, and buttons to train, pause, step and
reset. The reader can also make the data: a click (or a tap, or Enter on the
picture after moving its cross with the arrow keys) adds a point of the chosen
class or removes the nearest one; "chapter's data" brings the chapter's points back.

The training runs in the reader's browser in plain JavaScript (``nncore.js``, the
maths, and ``playground.js``, the interface, next to this file and inlined in the
page: no library, nothing from the network), in float64, with the same formulas as
the package; the test ``tests/test_playground.py`` runs that script under Node and
checks every loss and the final weights against ``nnscratch`` to 1e-12 relative,
on the chapters' data and on a data set made by adding and removing points as the
page does.

The network is a 2-H-1 network — ``Linear(2, H)``, a hidden activation (sigmoid,
tanh or ReLU), ``Linear(H, 1)`` — or, with ``H = 0``, one linear unit (the
perceptron of Chapter 2). It starts from exactly the weights given: a weights
dictionary (``W1, b1, W2, b2`` or ``W, b``), a ``Linear`` or a ``Sequential``. An
output ``Sigmoid`` or ``Step`` at the end of a ``Sequential`` belongs to the loss
here and is left out: the network's output is the score ``z``, and the loss is

* ``"squared"``: :class:`~nnscratch.losses.MSE` of ``σ(z)`` (a sigmoid output);
* ``"cross-entropy"``: :class:`~nnscratch.losses.BinaryCrossEntropy` with
  ``from_logits=True``;
* ``"perceptron"``: :class:`~nnscratch.losses.PerceptronCriterion`.

The optimiser is :class:`~nnscratch.optim.Momentum` (``v ← μ v + g``,
``θ ← θ − η v``; ``μ = 0`` is plain gradient descent). :func:`package_network`
gives the package's equivalent of a playground's network and loss.

Per-example updates visit the examples in an order shuffled in the page by its
own seeded generator, so they reproduce the package's arithmetic but not numpy's
shuffle; full-batch updates reproduce a full-batch run of the package. Changing
the hidden units or the seed draws new random weights in the page (the page
says so); "chapter's start" returns to the weights given.

The module has two halves: what is *computed* (the page's data: the checked
points, starting weights and settings, :func:`page_data`) and what is *written*
(the HTML around it, :func:`write_page`). :func:`inline_script` and
:func:`json_for_page` are shared with :mod:`nnscratch.drawing`, the other live
figure. The output is one MIME bundle with a ``text/plain`` and a ``text/html``
view; the HTML carries the data, the script and the controls (disabled until the
script runs), so it works on the static site and in JupyterLab once the notebook is
trusted. The same arguments give byte-identical HTML.
"""

from __future__ import annotations

import hashlib
import html
import json
from importlib import resources
from typing import Any

import numpy as np

from .interactive import FIGURE_CLASS, FIGURE_STYLE

__all__ = ["playground", "Playground", "package_network", "script", "MAX_HIDDEN", "MAX_POINTS"]

MAX_HIDDEN = 8
"""Largest number of hidden units the page offers."""

MAX_POINTS = 1000
"""Largest data set a playground holds (every point is drawn and trained on live)."""

DATA_ATTRIBUTE = "data-nn-playground"
"""Attribute that marks the root element of every playground."""

ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}
LOSSES = {"squared": "squared error", "cross-entropy": "cross-entropy", "perceptron": "perceptron"}
BATCHES = {"example": "per example", "full": "full batch"}

CORE = "nncore.js"
"""The maths every live figure runs: one file, inlined before each figure's interface."""


# ------------------------------------------------------------ scripts in the page


def script(name: str = "playground.js") -> str:
    """One of the package's page scripts (``playground.js``, ``digits.js``, ``nncore.js``)."""
    return resources.files("nnscratch").joinpath(name).read_text(encoding="utf-8")


def inline_script(interface: str) -> str:
    """A ``<script>`` element with the shared maths (``nncore.js``) and ``interface``.

    Both run in one function, so ``core`` is the interface's own and nothing is
    left on the page's global scope; ``module`` is shadowed, so a page that defines
    one (a module loader) does not make the core think it runs under Node.
    """
    code = f"(function (module) {{\n{script(CORE)}\n{script(interface)}\n}})();"
    for bad in ("</script", "<!--"):  # either would end or confuse the inline element
        if bad in code.lower():
            raise RuntimeError(f"{CORE} or {interface} contains {bad!r}")
    return f"<script>{code}</script>"


def json_for_page(data: Any) -> str:
    """``data`` as compact JSON that cannot end the ``<script>`` element holding it."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


# ---------------------------------------------------------- what is computed


def _params_of(network: Any) -> tuple[dict[str, Any], str | None]:
    """The weights of ``network`` by name (``W, b`` or ``W1, b1, W2, b2``), and its activation."""
    from .layers import ELU, Linear, ReLU, Sequential, Sigmoid, Step, Tanh

    if isinstance(network, dict):
        return dict(network), None
    if isinstance(network, Linear):
        return {"W": network.params["W"], "b": network.params["b"]}, None
    if not isinstance(network, Sequential):
        raise TypeError(
            "playground: network must be a weights dict (W1, b1, W2, b2 or W, b), a Linear "
            f"or a Sequential, got {type(network).__name__}"
        )
    layers = list(network.layers)
    if len(layers) > 1 and isinstance(layers[-1], Sigmoid | Step):
        layers = layers[:-1]  # the output non-linearity belongs to the loss here
    kinds = [type(layer) for layer in layers]
    if kinds == [Linear]:
        return {"W": layers[0].params["W"], "b": layers[0].params["b"]}, None
    if len(layers) == 3 and kinds[0] is Linear and kinds[2] is Linear:
        names = {Sigmoid: "sigmoid", Tanh: "tanh", ReLU: "relu"}
        if kinds[1] not in names:
            raise ValueError(
                f"playground: hidden activation {kinds[1].__name__} is not offered; "
                "use Sigmoid, Tanh or ReLU" + (" (not ELU)" if kinds[1] is ELU else "")
            )
        first, last = layers[0].params, layers[2].params
        return {"W1": first["W"], "b1": first["b"], "W2": last["W"], "b2": last["b"]}, names[
            kinds[1]
        ]
    raise ValueError(
        "playground: expected Sequential(Linear[, activation, Linear][, Sigmoid or Step]), "
        f"got layers {[k.__name__ for k in kinds]}"
    )


def _start(params: dict[str, Any]) -> dict[str, Any]:
    """Checked starting weights as ``{"hidden": H, ...}`` with flat float lists (row-major)."""
    keys = set(params)
    if keys == {"W", "b"}:
        shapes = {"W": (2, 1), "b": (1,)}
        hidden = 0
    elif keys == {"W1", "b1", "W2", "b2"}:
        hidden = int(np.shape(params["W1"])[-1]) if np.ndim(params["W1"]) == 2 else -1
        shapes = {"W1": (2, hidden), "b1": (hidden,), "W2": (hidden, 1), "b2": (1,)}
    else:
        raise ValueError(
            f"playground: expected weights W1, b1, W2, b2 or W, b, got {sorted(map(str, keys))}"
        )
    start: dict[str, Any] = {"hidden": hidden}
    for key, shape in shapes.items():
        value = np.asarray(params[key], dtype=np.float64)
        if value.shape != shape:
            raise ValueError(
                f"playground: {key} has shape {value.shape}; a 2-H-1 network needs {shape}"
            )
        if not np.all(np.isfinite(value)):
            raise ValueError(f"playground: {key} has a non-finite entry")
        start[key] = [float(v) for v in value.ravel()]
    if not 0 <= hidden <= MAX_HIDDEN:
        raise ValueError(f"playground: {hidden} hidden units; the page offers 0 to {MAX_HIDDEN}")
    return start


def _weights(network: Any) -> dict[str, Any]:
    """The starting weights (``{"hidden": H, ...}``) and the activation read from ``network``."""
    params, activation = _params_of(network)
    return {"start": _start(params), "activation": activation}


def package_network(start: dict[str, Any], activation: str, loss: str):
    """The package's equivalent of a playground network: ``(model, loss)`` for ``fit``.

    ``start`` is a weights dict (``W1, b1, W2, b2`` or ``W, b``, arrays or the page's
    flat lists with ``"hidden"``); ``activation`` is ``"sigmoid"``, ``"tanh"`` or
    ``"relu"``; ``loss`` one of ``"squared"``, ``"cross-entropy"``, ``"perceptron"``.
    """
    from .layers import Linear, ReLU, Sequential, Sigmoid, Tanh
    from .losses import MSE, BinaryCrossEntropy, PerceptronCriterion

    start = _start(_unflatten(start) if "hidden" in start else dict(start))
    H = start["hidden"]
    if H == 0:
        layers = [Linear(W=np.reshape(start["W"], (2, 1)), b=start["b"])]
    else:
        act = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}[activation]
        layers = [
            Linear(W=np.reshape(start["W1"], (2, H)), b=start["b1"]),
            act(),
            Linear(W=np.reshape(start["W2"], (H, 1)), b=start["b2"]),
        ]
    if loss == "squared":
        return Sequential(*layers, Sigmoid()), MSE()
    if loss == "cross-entropy":
        return Sequential(*layers), BinaryCrossEntropy(from_logits=True)
    if loss == "perceptron":
        return Sequential(*layers), PerceptronCriterion()
    raise ValueError(f"package_network: unknown loss {loss!r}; expected one of {list(LOSSES)}")


def _unflatten(start: dict[str, Any]) -> dict[str, Any]:
    """The page's flat weight lists (with ``"hidden"``) back in their matrix shapes."""
    H = start["hidden"]
    shapes = {"W": (2, 1), "b": (1,), "W1": (2, H), "b1": (H,), "W2": (H, 1), "b2": (1,)}
    return {k: np.reshape(v, shapes[k]) for k, v in start.items() if k != "hidden"}


def _choice(name: str, value: str, options: dict[str, str]) -> str:
    if value not in options:
        raise ValueError(f"playground: {name}={value!r}; expected one of {list(options)}")
    return value


def _number(name: str, value: Any, low: float, high: float, *, integer: bool = False) -> Any:
    number = int(value) if integer else float(value)
    if (integer and number != value) or not low <= number <= high:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"playground: {name}={value!r}; expected {kind} in [{low}, {high}]")
    return number


def _limits(values: np.ndarray) -> list[float]:
    low, high = float(values.min()), float(values.max())
    pad = 0.1 * (high - low) or 0.5
    return [round(low - pad, 3), round(high + pad, 3)]


def _points(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's points as float64 ``(n, 2)`` and 0/1 targets, checked."""
    X = np.asarray(X, dtype=np.float64)
    t = np.asarray(y, dtype=np.float64).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"playground: X must have shape (n, 2), got {X.shape}")
    if len(t) != len(X):
        raise ValueError(f"playground: X has {len(X)} rows but y has {len(t)} targets")
    if not 1 <= len(X) <= MAX_POINTS:
        raise ValueError(f"playground: {len(X)} examples; the page takes 1 to {MAX_POINTS}")
    if not np.all((t == 0) | (t == 1)):
        raise ValueError("playground: targets must be 0 or 1")
    if not np.all(np.isfinite(X)):
        raise ValueError("playground: X has a non-finite entry")
    return X, t


def page_data(
    X: Any,
    y: Any,
    network: Any,
    *,
    loss: str = "squared",
    activation: str | None = None,
    lr: float = 0.5,
    momentum: float = 0.0,
    batch: str = "example",
    seed: int = 0,
    epochs: int = 1000,
    epochs_per_frame: int | None = None,
    xlabel: str = "x\u2081",
    ylabel: str = "x\u2082",
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    classes: tuple[str, str] = ("class 0", "class 1"),
) -> dict[str, Any]:
    """Everything the page's script reads: the points, the start, the settings (checked)."""
    X, t = _points(X, y)
    weights = _weights(network)
    if len(classes) != 2 or not all(isinstance(c, str) and c for c in classes):
        raise ValueError(f"playground: classes must be two names, got {classes!r}")
    per_frame = epochs_per_frame if epochs_per_frame is not None else max(1, round(20 / len(X)))
    return {
        "X": [float(v) for v in X.ravel()],
        "t": [int(v) for v in t],
        "start": weights["start"],
        "activation": _choice(
            "activation", activation or weights["activation"] or "sigmoid", ACTIVATIONS
        ),
        "loss": _choice("loss", loss, LOSSES),
        "batch": _choice("batch", batch, BATCHES),
        "lr": _number("lr", lr, 1e-6, 1e3),
        "momentum": _number("momentum", momentum, 0.0, 0.99),
        "seed": _number("seed", seed, 0, 2**31 - 1, integer=True),
        "epochs": _number("epochs", epochs, 1, 100_000, integer=True),
        "epochs_per_frame": _number("epochs_per_frame", per_frame, 1, 10_000, integer=True),
        "max_hidden": MAX_HIDDEN,
        "max_points": MAX_POINTS,
        "xlabel": str(xlabel),
        "ylabel": str(ylabel),
        "xlim": [float(v) for v in xlim] if xlim is not None else _limits(X[:, 0]),
        "ylim": [float(v) for v in ylim] if ylim is not None else _limits(X[:, 1]),
        "classes": list(classes),
    }


# ------------------------------------------------------------ what is written


def _select(ident: str, name: str, label: str, options: dict[str, str], value: str) -> str:
    items = "".join(
        f'<option value="{k}"{" selected" if k == value else ""}>{html.escape(v)}</option>'
        for k, v in options.items()
    )
    return (
        f'<label for="{ident}-{name}">{label}</label>'
        f'<select id="{ident}-{name}" name="{name}" disabled>{items}</select>'
    )


def _input(ident: str, name: str, label: str, value: Any, low: Any, high: Any, step: str) -> str:
    return (
        f'<label for="{ident}-{name}">{label}</label>'
        f'<input id="{ident}-{name}" name="{name}" type="number" inputmode="decimal" '
        f'value="{value}" min="{low}" max="{high}" step="{step}" disabled>'
    )


def _buttons(buttons: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<button type="button" name="{name}" disabled>{label}</button>' for name, label in buttons
    )
    return f'<div class="nn-pg-buttons">{items}</div>'


def _settings(ident: str, cfg: dict[str, Any]) -> str:
    """The training controls: a label and a field for each setting."""
    return "".join(
        [
            '<div class="nn-pg-grid">',
            _input(ident, "lr", "learning rate \u03b7", f"{cfg['lr']:g}", "0.0001", "100", "any"),
            _input(
                ident, "momentum", "momentum \u03bc", f"{cfg['momentum']:g}", "0", "0.99", "0.05"
            ),
            _input(ident, "hidden", "hidden units", cfg["start"]["hidden"], 0, MAX_HIDDEN, "1"),
            _select(ident, "activation", "activation", ACTIVATIONS, cfg["activation"]),
            _select(ident, "loss", "loss", LOSSES, cfg["loss"]),
            _select(ident, "batch", "updates", BATCHES, cfg["batch"]),
            _input(ident, "seed", "seed", cfg["seed"], 0, 2**31 - 1, "1"),
            "</div>",
        ]
    )


def _point_editor(ident: str, cfg: dict[str, Any]) -> str:
    """The reader's own data: what a click on the picture does, and two data buttons."""
    c0, c1 = (html.escape(c) for c in cfg["classes"])
    choices = [("0", f"adds a {c0} point (vermilion)"), ("1", f"adds a {c1} point (blue)")]
    choices.append(("remove", "removes the nearest point"))
    radios = "".join(
        f'<label class="nn-pg-radio"><input type="radio" name="edit" value="{v}"'
        f"{' checked' if v == '0' else ''} disabled> {text}</label>"
        for v, text in choices
    )
    return (
        f'<fieldset class="nn-pg-points"><legend>A click on the picture</legend>{radios}'
        + _buttons([("data", "chapter's data"), ("clear", "remove all points")])
        + f'<p class="nn-pg-note" id="{ident}-help">Click or tap the picture to change the data; '
        "by keyboard, focus the picture, move its cross with the arrow keys and press Enter. "
        "Training then runs on your points.</p></fieldset>"
    )


def write_page(cfg: dict[str, Any], title: str) -> str:
    """The kernel-free view of a playground: data, controls, two canvases, read-outs, script."""
    payload = json_for_page(cfg)
    digest = hashlib.sha1((payload + title).encode()).hexdigest()[:12]
    ident = f"nn-pg-{digest}"
    heading = html.escape(title or "Playground: train the network in the page")
    training = [("train", "\u25b6 train"), ("pause", "pause"), ("step", "step"), ("reset", "reset")]
    training.append(("original", "chapter's start"))
    return "".join(
        [
            f'<div class="nn-playground {FIGURE_CLASS}" id="{ident}" {DATA_ATTRIBUTE}="{digest}" '
            f'role="group" aria-labelledby="{ident}-title" style="{_ROOT_STYLE}">',
            FIGURE_STYLE,
            _STYLE,
            f'<div class="nn-pg-title" id="{ident}-title" style="font-weight:bold">{heading}</div>',
            '<div class="nn-pg-body"><div class="nn-pg-figures">',
            '<canvas class="nn-pg-regions" width="300" height="300" tabindex="0" '
            'role="application" aria-label="decision regions" '
            f'aria-describedby="{ident}-help"></canvas>',
            '<canvas class="nn-pg-curve" width="300" height="170" role="img" '
            'aria-label="loss curve"></canvas>',
            "</div>",
            f'<form class="nn-pg-controls" aria-label="{heading} controls">',
            _settings(ident, cfg),
            _buttons(training),
            '<p class="nn-pg-note">Changing the hidden units or the seed starts from new random '
            "weights drawn in the page, not the chapter's printed ones; "
            "\u201cchapter's start\u201d returns to those. Other settings apply from the next "
            "step. The controls work once the page's script runs (on the site, or in a "
            "trusted notebook).</p>",
            _point_editor(ident, cfg),
            '<div class="nn-pg-readout">',
            '<div>epoch <output name="out-epoch">0</output></div>',
            '<div>loss <output name="out-loss" aria-live="polite">\u2013</output></div>',
            '<div>wrong <output name="out-wrong">\u2013</output></div>',
            "</div>",
            '<output name="out-status" class="nn-pg-status" aria-live="polite"></output>',
            '<pre class="nn-pg-weights"><output name="out-weights"></output></pre>',
            "</form></div>",
            f'<script type="application/json" class="nn-pg-data">{payload}</script>',
            inline_script("playground.js"),
            "</div>",
        ]
    )


_ROOT_STYLE = "max-width:100%;box-sizing:border-box;padding:0.5em;margin:0.5em 0"

# Layout in one small style sheet (repeated harmlessly if a page has two playgrounds):
# controls and figures side by side on a wide page, stacked on a 390-px phone.
_STYLE = (
    "<style>"
    ".nn-playground{border:1px solid rgba(128,128,128,.45);border-radius:6px;"
    "color:inherit;background:transparent}"
    ".nn-playground .nn-pg-body{display:flex;flex-wrap:wrap;gap:.75em;align-items:flex-start}"
    ".nn-playground .nn-pg-figures{display:flex;flex-direction:column;gap:.4em;"
    "flex:1 1 300px;max-width:340px;min-width:0}"
    ".nn-playground canvas{width:100%;height:auto;display:block;touch-action:manipulation}"
    ".nn-playground canvas.nn-pg-regions{cursor:crosshair}"
    ".nn-playground canvas:focus-visible{outline:3px solid #7B3294;outline-offset:2px}"
    ".nn-playground form{flex:1 1 260px;min-width:0;margin:0}"
    ".nn-playground .nn-pg-grid{display:grid;grid-template-columns:auto minmax(0,1fr);"
    "gap:.3em .5em;align-items:center}"
    ".nn-playground input,.nn-playground select,.nn-playground button{font:inherit;"
    "min-height:2.2em;min-width:0;box-sizing:border-box}"
    ".nn-playground input[type=number],.nn-playground select{width:100%}"
    ".nn-playground input[type=radio]{min-height:0;width:24px;height:24px;margin:0 .4em 0 0}"
    ".nn-playground .nn-pg-buttons{display:flex;flex-wrap:wrap;gap:.4em;margin:.5em 0}"
    ".nn-playground button{padding:.2em .8em;cursor:pointer}"
    ".nn-playground fieldset{border:1px solid rgba(128,128,128,.45);border-radius:4px;"
    "margin:.5em 0;padding:.3em .6em;min-width:0}"
    ".nn-playground legend{padding:0 .3em;font-size:.95em}"
    ".nn-playground .nn-pg-radio{display:flex;align-items:center;min-height:2em}"
    ".nn-playground .nn-pg-note{font-size:.85em;margin:.3em 0}"
    ".nn-playground .nn-pg-readout{display:flex;flex-wrap:wrap;gap:.3em 1.2em}"
    ".nn-playground .nn-pg-weights{font-size:.8em;margin:.3em 0;padding:.3em;"
    "white-space:pre-wrap;overflow-wrap:anywhere;background:transparent;color:inherit;"
    "border:1px solid rgba(128,128,128,.3)}"
    "</style>"
)


class Playground:
    """A live training figure; build it with :func:`playground`.

    ``config`` holds what the page's script reads (see :func:`page_data`); the HTML
    around it is written once, on first use, by :func:`write_page`.
    """

    def __init__(self, X: Any, y: Any, network: Any, *, title: str = "", **options: Any) -> None:
        self.config: dict[str, Any] = page_data(X, y, network, **options)
        self.title = title
        self._html: str | None = None

    def html(self) -> str:
        """The kernel-free view: data, controls, two canvases, read-outs and the script."""
        if self._html is None:
            self._html = write_page(self.config, self.title)
        return self._html

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        cfg = self.config
        plain = (
            f"<playground {self.title!r}: {len(cfg['t'])} examples, "
            f"{cfg['start']['hidden']} hidden units, {cfg['loss']} loss; "
            "trains in the page (open the notebook trusted, or see the book's site)>"
        )
        return {"text/plain": plain, "text/html": self.html()}


def playground(X: Any, y: Any, network: Any, **options: Any) -> Playground:
    """A figure that trains ``network`` on ``(X, y)`` live in the page; see the module docstring.

    ``X`` has two columns, ``y`` holds 0/1 targets; ``network`` is a weights dict
    (``W1, b1, W2, b2`` or ``W, b``), a ``Linear`` or a ``Sequential``. Options give
    the controls' starting values — ``loss`` (``"squared"``, ``"cross-entropy"``,
    ``"perceptron"``), ``activation`` (``"sigmoid"``, ``"tanh"``, ``"relu"``; read
    from a ``Sequential`` when not given), ``lr``, ``momentum``, ``batch``
    (``"example"`` or ``"full"``), ``seed`` — and ``epochs`` (where training stops),
    ``epochs_per_frame`` (speed), ``title``, ``xlabel``, ``ylabel``, ``xlim``, ``ylim``,
    and ``classes``, the names of class 0 and class 1 for the point editor.
    Return the figure; a notebook displays it when it ends a cell.
    """
    return Playground(X, y, network, **options)
