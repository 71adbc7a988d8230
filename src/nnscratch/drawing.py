"""Draw a digit in the page and the chapter's network reads it, with no kernel.

The UCI handwritten digits (Alpaydin and Kaynak, 1998) that :func:`nnscratch.data.load_digits`
loads were made from 32 × 32 black-and-white bitmaps: each bitmap was cut into 8 × 8
blocks of 4 × 4 pixels and the pixels that are on were counted in each block, a
number from 0 to 16. ``load_digits`` divides the counts by 16. A drawing goes the
same way here:

1. **strokes**: each stroke is the list of points ``[u, v]`` a pointer passed through
   on the square drawing pad, ``0 ≤ u, v ≤ 1`` (``u`` to the right, ``v`` down);
2. **pixels** (:func:`to_pixels`): the points in pixel units of the 32 × 32 frame, as
   drawn, or (``fit=True``) scaled so that the drawing's taller side spans the frame
   less the pen's radius at each end, and centred — every digit of the data set
   fills the height of its 8 × 8 image, which a small drawing does not;
3. **bitmap** (:func:`rasterise`): a pixel is on when its centre lies within the
   pen's :data:`RADIUS` of a stroke; (``centre=True``, :func:`centred`) the bitmap is
   then moved by whole pixels to put its centre of mass in the middle;
4. **blocks** (:func:`block_counts`): the number of pixels on in each 4 × 4 block;
5. **image** (:func:`digit_image`): the counts divided by 16, the 64 inputs.

:func:`read_digit` runs a network ``Linear(64, H) → ReLU → Linear(H, 10)`` on an image
in float64 and returns its ten probabilities (softmax). :func:`digit_reader` puts the
same steps in the page: a pad to draw on with a mouse, a finger or a stylus, the 8 × 8
image the network sees, and the network's ten probabilities as bars, updated as the
reader draws. The page runs ``nncore.js`` (the maths the playground runs too) and
``digits.js`` (the interface); ``tests/test_playground.py`` runs the same strokes
through the JavaScript under Node and through this module, and requires the same
block counts and probabilities equal to 1e-12.

Every step is written so that the two languages do the same float64 operations in
the same order (no square roots, no library rounding), so the bitmaps agree pixel for
pixel, not only nearly.

**Why the page scales and does not centre by default.** Every image of the data set
has ink in its top and its bottom row: the forms' digits were size-normalised before
counting. Measured on 300 variants of the ten example drawings (each one scaled to 35%
to 95% of the pad, moved, slanted and turned at random) read by Chapter 7b's five final
networks, the share read right was 46% as drawn, 50% centred by the centre of mass,
95.0% scaled to the frame and 94.5% scaled and centred: scaling is what matters, and
once a drawing is scaled, centring changes nothing measurable (−0.5 ± 0.6 points, the
paired difference and its standard error over the 300 drawings). The variants come from
ten shapes drawn by one hand, so this says which step matters for them, not how well the
network reads every hand. The example 7 is crossed, as the data set's writers crossed
theirs; its uncrossed twin is read as another digit by four of the five networks.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources
from typing import Any

import numpy as np

from .interactive import FIGURE_CLASS, FIGURE_STYLE
from .playground import inline_script, json_for_page

__all__ = [
    "SIZE",
    "BLOCK",
    "RADIUS",
    "to_pixels",
    "rasterise",
    "centred",
    "block_counts",
    "digit_image",
    "reader_network",
    "read_digit",
    "example_strokes",
    "digit_reader",
    "DigitReader",
]

SIZE = 32
"""Side of the bitmap a drawing is rasterised to, in pixels (as the UCI digits were)."""

BLOCK = 4
"""Side of the blocks whose pixels are counted: 32 / 4 = 8 × 8 counts, each 0 to 16."""

RADIUS = 2.5
"""The pen's radius in pixels of the 32 × 32 frame: a stroke about 5 pixels wide.

Chosen so that the example drawings, fitted to the frame, have as much ink as the data
set's digits: 309 pixels on of 1024, on average, against the data's 313."""

DATA_ATTRIBUTE = "data-nn-draw"
"""Attribute that marks the root element of every draw-a-digit figure."""

Strokes = list[list[list[float]]]


def _check_strokes(strokes: Any) -> Strokes:
    """``strokes`` as lists of ``[u, v]`` float pairs, or an error naming what is wrong."""
    out: Strokes = []
    for k, stroke in enumerate(strokes):
        points = np.asarray(stroke, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(
                f"drawing: stroke {k} must be a non-empty list of [u, v] points, "
                f"got shape {points.shape}"
            )
        if not np.all(np.isfinite(points)):
            raise ValueError(f"drawing: stroke {k} has a non-finite point")
        out.append(points.tolist())
    return out


def to_pixels(strokes: Any, *, fit: bool = False, radius: float = RADIUS) -> list[np.ndarray]:
    """Each stroke's points in pixel units of the 32 × 32 frame, an ``(m, 2)`` array each.

    As drawn, ``u, v`` become ``16 + (u − ½) · 32``; with ``fit``, the drawing's
    bounding box is centred and scaled by ``(32 − 2 · radius) / (its taller side)``.
    """
    pieces = [np.asarray(s, dtype=np.float64) for s in _check_strokes(strokes)]
    scale, cu, cv = float(SIZE), 0.5, 0.5
    if fit and pieces:
        every = np.concatenate(pieces)
        u0, v0 = every.min(axis=0)
        u1, v1 = every.max(axis=0)
        span = max(u1 - u0, v1 - v0)
        scale = (SIZE - 2 * radius) / span if span > 0 else 0.0
        cu, cv = (u0 + u1) / 2, (v0 + v1) / 2
    centre = SIZE / 2
    return [
        np.stack([centre + (p[:, 0] - cu) * scale, centre + (p[:, 1] - cv) * scale], 1)
        for p in pieces
    ]


def rasterise(pixel_strokes: list[np.ndarray], *, radius: float = RADIUS) -> np.ndarray:
    """The 32 × 32 bitmap (0/1, ``uint8``): a pixel is on when its centre ``(j + ½, i + ½)``
    is within ``radius`` of a segment between two successive points of a stroke.

    The distance to the segment ``a → b`` is measured from the nearest point
    ``a + t (b − a)``, ``t`` clipped to [0, 1]; its square is compared with
    ``radius²`` (a stroke of one point is a dot).
    """
    bitmap = np.zeros((SIZE, SIZE), dtype=np.uint8)
    py = np.arange(SIZE, dtype=np.float64)[:, None] + 0.5
    px = np.arange(SIZE, dtype=np.float64)[None, :] + 0.5
    r2 = radius * radius
    for points in pixel_strokes:
        pairs = zip(points[:-1], points[1:], strict=True) if len(points) > 1 else [(points[0],) * 2]
        for a, b in pairs:
            dx, dy = b[0] - a[0], b[1] - a[1]
            L = dx * dx + dy * dy
            t = ((px - a[0]) * dx + (py - a[1]) * dy) / L if L > 0 else np.zeros((SIZE, SIZE))
            t = np.minimum(np.maximum(t, 0.0), 1.0)
            ex = px - (a[0] + t * dx)
            ey = py - (a[1] + t * dy)
            bitmap[ex * ex + ey * ey <= r2] = 1
    return bitmap


def centred(bitmap: np.ndarray) -> np.ndarray:
    """The bitmap moved by whole pixels so that its centre of mass is nearest the middle."""
    on = np.asarray(bitmap) != 0
    count = int(on.sum())
    if count == 0:
        return np.asarray(bitmap, dtype=np.uint8).copy()
    rows, cols = np.nonzero(on)
    di = int(np.floor(SIZE / 2 - (rows + 0.5).sum() / count + 0.5))
    dj = int(np.floor(SIZE / 2 - (cols + 0.5).sum() / count + 0.5))
    out = np.zeros((SIZE, SIZE), dtype=np.uint8)
    keep = (rows + di >= 0) & (rows + di < SIZE) & (cols + dj >= 0) & (cols + dj < SIZE)
    out[rows[keep] + di, cols[keep] + dj] = 1
    return out


def block_counts(bitmap: np.ndarray) -> np.ndarray:
    """The number of pixels on in each 4 × 4 block of a 32 × 32 bitmap: 8 × 8 integers, 0–16."""
    b = np.asarray(bitmap)
    if b.shape != (SIZE, SIZE):
        raise ValueError(f"block_counts: expected a {SIZE} × {SIZE} bitmap, got shape {b.shape}")
    n = SIZE // BLOCK
    return (b != 0).astype(np.int64).reshape(n, BLOCK, n, BLOCK).sum(axis=(1, 3))


def digit_image(
    strokes: Any, *, fit: bool = True, centre: bool = True, radius: float = RADIUS
) -> np.ndarray:
    """The 64 inputs (float64, 0 to 1) a drawing gives: block counts / 16, row by row."""
    bitmap = rasterise(to_pixels(strokes, fit=fit, radius=radius), radius=radius)
    if centre:
        bitmap = centred(bitmap)
    return block_counts(bitmap).reshape(-1) / 16.0


# ------------------------------------------------------------------ the network


def _reader_params(model: Any) -> dict[str, np.ndarray]:
    """``W1, b1, W2, b2`` of a ``Linear(64, H) → ReLU → Linear(H, 10)`` network, checked."""
    from .layers import Linear, ReLU, Sequential

    if isinstance(model, dict):
        params = {k: np.asarray(model[k]) for k in ("W1", "b1", "W2", "b2") if k in model}
    elif isinstance(model, Sequential):
        kinds = [type(layer) for layer in model.layers]
        if kinds != [Linear, ReLU, Linear]:
            raise ValueError(
                "digit_reader: expected Sequential(Linear(64, H), ReLU, Linear(H, 10)), "
                f"got layers {[k.__name__ for k in kinds]}"
            )
        first, last = model.layers[0].params, model.layers[2].params
        params = {"W1": first["W"], "b1": first["b"], "W2": last["W"], "b2": last["b"]}
    else:
        raise TypeError(
            "digit_reader: model must be a Sequential(Linear, ReLU, Linear) or a dict of "
            f"W1, b1, W2, b2, got {type(model).__name__}"
        )
    if set(params) != {"W1", "b1", "W2", "b2"}:
        raise ValueError(f"digit_reader: expected weights W1, b1, W2, b2, got {sorted(params)}")
    H = params["W1"].shape[-1] if params["W1"].ndim == 2 else -1
    expected = {"W1": ((SIZE // BLOCK) ** 2, H), "b1": (H,), "W2": (H, 10), "b2": (10,)}
    for key, shape in expected.items():
        if params[key].shape != shape:
            raise ValueError(f"digit_reader: {key} has shape {params[key].shape}; expected {shape}")
        if params[key].dtype.kind != "f" or not np.all(np.isfinite(params[key])):
            raise ValueError(f"digit_reader: {key} must hold finite floats")
    return params


def reader_network(model: Any):
    """The network as a float64 ``Sequential`` (float32 weights converted exactly)."""
    from .layers import Linear, ReLU, Sequential

    p = {k: v.astype(np.float64) for k, v in _reader_params(model).items()}
    return Sequential(Linear(W=p["W1"], b=p["b1"]), ReLU(), Linear(W=p["W2"], b=p["b2"]))


def read_digit(model: Any, image: Any) -> np.ndarray:
    """The network's ten probabilities for one image of 64 inputs, computed in float64."""
    from .layers import softmax

    x = np.asarray(image, dtype=np.float64).reshape(1, -1)
    return softmax(reader_network(model).forward(x))[0]


def example_strokes() -> list[dict[str, Any]]:
    """The example drawings the page offers: ``{"label": "7", "strokes": [...]}`` each."""
    text = resources.files("nnscratch").joinpath("digit_strokes.json").read_text("utf-8")
    return json.loads(text)["examples"]


# ------------------------------------------------------------------ the page


def _encoded(values: np.ndarray) -> str:
    """Little-endian bytes of ``values`` in their own float type, as base64 text."""
    kind = "<f4" if values.dtype == np.float32 else "<f8"
    return base64.b64encode(np.ascontiguousarray(values, dtype=kind).tobytes()).decode("ascii")


def reader_data(
    model: Any, *, examples: Any = None, fit: bool = True, centre: bool = False
) -> dict[str, Any]:
    """What the page's script reads: the weights (exact, base64), examples and settings."""
    params = _reader_params(model)
    float32 = all(v.dtype == np.float32 for v in params.values())
    if not float32:
        params = {k: v.astype(np.float64) for k, v in params.items()}
    examples = example_strokes() if examples is None else examples
    checked = [
        {"label": str(e["label"]), "strokes": _check_strokes(e["strokes"])} for e in examples
    ]
    return {
        "hidden": int(params["W1"].shape[1]),
        "dtype": "f4" if float32 else "f8",
        **{k: _encoded(v) for k, v in params.items()},
        "examples": checked,
        "fit": bool(fit),
        "centre": bool(centre),
        "radius": RADIUS,
    }


def _bars() -> str:
    rows = "".join(
        f'<div class="nn-draw-bar" data-digit="{k}"><span class="nn-draw-digit">{k}</span>'
        '<span class="nn-draw-track"><span class="nn-draw-fill"></span></span>'
        '<span class="nn-draw-pct">\u2013</span></div>'
        for k in range(10)
    )
    return (
        '<div class="nn-draw-bars" role="group" aria-label="the network\u2019s probability '
        f'for each digit">{rows}</div>'
    )


def _controls(ident: str, cfg: dict[str, Any]) -> str:
    buttons = [("undo", "undo"), ("clear", "clear")] + [
        (f"example-{k}", f"example: {html.escape(e['label'])}")
        for k, e in enumerate(cfg["examples"])
    ]
    items = "".join(
        f'<button type="button" name="{name}" disabled>{label}</button>' for name, label in buttons
    )
    boxes = "".join(
        f'<label><input type="checkbox" name="{name}"{" checked" if cfg[name] else ""} disabled> '
        f"{text}</label>"
        for name, text in (
            ("fit", "scale the drawing to fill the frame"),
            ("centre", "centre it by its centre of mass"),
        )
    )
    return f'<div class="nn-draw-buttons">{items}</div><div class="nn-draw-options">{boxes}</div>'


def write_reader_page(cfg: dict[str, Any], title: str) -> str:
    """The draw-a-digit figure: pad, the 8 × 8 image, ten bars, controls, read-out, script."""
    payload = json_for_page(cfg)
    digest = hashlib.sha1((payload + title).encode()).hexdigest()[:12]
    ident = f"nn-draw-{digest}"
    heading = html.escape(title or "Draw a digit: the network reads it")
    return "".join(
        [
            f'<div class="nn-draw {FIGURE_CLASS}" id="{ident}" {DATA_ATTRIBUTE}="{digest}" '
            f'role="group" aria-labelledby="{ident}-title">',
            FIGURE_STYLE,
            _STYLE,
            f'<div class="nn-draw-title" id="{ident}-title">{heading}</div>',
            '<div class="nn-draw-body"><div class="nn-draw-pad">',
            '<canvas class="nn-draw-canvas" width="280" height="280" role="img" '
            'aria-label="drawing pad: draw one digit here with a mouse, a finger or a stylus">'
            "</canvas></div>",
            '<div class="nn-draw-seen-box"><canvas class="nn-draw-seen" width="8" height="8" '
            'role="img" aria-label="the 8 by 8 image the network reads: empty"></canvas>'
            '<div class="nn-draw-caption">what the network reads: 8 \u00d7 8 block counts</div>'
            "</div>",
            _bars(),
            "</div>",
            f'<form class="nn-draw-controls" aria-label="{heading} controls">',
            _controls(ident, cfg),
            '<output class="nn-draw-status" name="out-status" aria-live="polite">Draw a digit '
            "on the pad, or press an example.</output>",
            '<p class="nn-draw-note">The network learned from digits written on paper forms and '
            "prepared by a program: each fills the height of its frame and is drawn with a thick "
            "pen. A drawing unlike them (small, off-centre, thin or very thick, slanted, or "
            "written the way the form's writers did not) can fool it. Switch the two boxes off to "
            "see how much their preparation matters. The pad works once the page's script runs "
            "(on the site, or in a trusted notebook).</p>",
            "</form>",
            f'<script type="application/json" class="nn-draw-data">{payload}</script>',
            inline_script("digits.js"),
            "</div>",
        ]
    )


# Layout: pad, image and bars side by side on a wide page, wrapped on a 390-px phone.
# The pad and the 8 × 8 image are paper (white, dark ink) in light and dark mode alike.
_STYLE = (
    "<style>"
    ".nn-draw{border:1px solid rgba(128,128,128,.45);border-radius:6px;padding:.5em;"
    "margin:.5em 0;max-width:100%;box-sizing:border-box;color:inherit;background:transparent}"
    ".nn-draw .nn-draw-title{font-weight:bold;margin-bottom:.3em}"
    ".nn-draw .nn-draw-body{display:flex;flex-wrap:wrap;gap:.75em;align-items:flex-start}"
    ".nn-draw .nn-draw-pad{flex:1 1 220px;max-width:280px;min-width:0}"
    ".nn-draw canvas.nn-draw-canvas{width:100%;height:auto;aspect-ratio:1;display:block;"
    "touch-action:none;cursor:crosshair;background:#fff;border:1px solid #767676;"
    "border-radius:4px;box-sizing:border-box}"
    ".nn-draw .nn-draw-seen-box{flex:0 0 auto;width:104px}"
    ".nn-draw canvas.nn-draw-seen{width:96px;height:96px;image-rendering:pixelated;"
    "display:block;background:#fff;border:1px solid #767676}"
    ".nn-draw .nn-draw-caption{font-size:.8em;margin-top:.2em}"
    ".nn-draw .nn-draw-bars{flex:1 1 200px;min-width:0;max-width:320px}"
    ".nn-draw .nn-draw-bar{display:flex;align-items:center;gap:.4em;height:1.45em}"
    ".nn-draw .nn-draw-digit{width:1em;text-align:right;font-variant-numeric:tabular-nums}"
    ".nn-draw .nn-draw-track{flex:1;height:.9em;border:1px solid rgba(128,128,128,.6);"
    "border-radius:2px;overflow:hidden}"
    ".nn-draw .nn-draw-fill{display:block;height:100%;width:0;background:#8c8c8c}"
    ".nn-draw .nn-draw-bar.nn-draw-top .nn-draw-fill{background:#0072B2}"
    ".nn-draw .nn-draw-bar.nn-draw-top{font-weight:bold}"
    ".nn-draw .nn-draw-pct{width:3.2em;text-align:right;font-variant-numeric:tabular-nums}"
    ".nn-draw form{margin:.5em 0 0}"
    ".nn-draw .nn-draw-buttons{display:flex;flex-wrap:wrap;gap:.4em;margin:.3em 0}"
    ".nn-draw button{font:inherit;min-height:2.2em;padding:.2em .7em;cursor:pointer}"
    ".nn-draw .nn-draw-options{display:flex;flex-wrap:wrap;gap:.2em 1.2em}"
    ".nn-draw .nn-draw-options label{display:flex;align-items:center;gap:.3em;min-height:2em}"
    ".nn-draw input[type=checkbox]{width:24px;height:24px;margin:0}"
    ".nn-draw .nn-draw-status{display:block;margin:.3em 0;font-weight:bold}"
    ".nn-draw .nn-draw-note{font-size:.85em;margin:.3em 0}"
    "</style>"
)


class DigitReader:
    """A draw-a-digit figure; build it with :func:`digit_reader`."""

    def __init__(self, model: Any, *, title: str = "", **options: Any) -> None:
        self.config: dict[str, Any] = reader_data(model, **options)
        self.title = title
        self._html: str | None = None

    def html(self) -> str:
        """The kernel-free view: the pad, the 8 × 8 image, the bars, the controls and the script."""
        if self._html is None:
            self._html = write_reader_page(self.config, self.title)
        return self._html

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        plain = (
            f"<digit reader {self.title!r}: Linear(64, {self.config['hidden']}) → ReLU → "
            "Linear(10); draw in the page (open the notebook trusted, or see the book's site)>"
        )
        return {"text/plain": plain, "text/html": self.html()}


def digit_reader(model: Any, **options: Any) -> DigitReader:
    """A pad to draw a digit on, read live by ``model``; see the module docstring.

    ``model`` is a ``Sequential(Linear(64, H), ReLU(), Linear(H, 10))`` (float32 or
    float64; its weights go into the page exactly) or a dict of ``W1, b1, W2, b2``.
    Options: ``title``; ``examples``, a list of ``{"label", "strokes"}`` (by default
    :func:`example_strokes`); ``fit`` and ``centre``, the starting state of the two
    preparation boxes (scaling on, centring off: on the example drawings, centring by
    the centre of mass adds nothing once the drawing is scaled to the frame). A notebook
    displays it when it ends a cell.
    """
    return DigitReader(model, **options)
