"""Interactive figures that work live in Jupyter and without a kernel on the static site.

One call does it::

    from nnscratch.interactive import explore

    def draw(step, lr):
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot(history(lr)[: step + 1])
        ax.set_title(f"step {step}, learning rate {lr}")
        return fig

    explore(draw, step=range(0, 100, 5), lr=[0.01, 0.1, 1.0], title="Training a threshold")

Every keyword other than ``title``, ``dpi`` and ``max_frames`` is a *control*: its
value is a finite sequence (a ``range``, a list, a tuple, a 1-D numpy array) of at
least two values,
and ``draw`` is called with one value per control. ``draw`` returns a matplotlib
``Figure``, or returns ``None`` after drawing into the current figure
(``plt.gcf()``), which ``explore`` creates fresh for each frame. ``draw`` must not
call ``plt.show()``: ``explore`` renders and closes every figure ``draw`` makes.

``explore`` renders every combination of control values once, as small PNG
frames, and displays one output carrying two views of the same frames:

* in Jupyter (JupyterLab, Notebook 7, VS Code) a live ``ipywidgets`` view: a
  slider per control (and a play button for the first one);
* on the static site, built by Jupyter Book, an HTML view: plain ``<input
  type="range">`` controls and a few lines of inline JavaScript that swap the
  image. It needs no kernel and loads nothing from the network. Its controls are
  disabled until the script runs, so no control can move while its figure
  stays put.

The book's ``_config.yml`` tells MyST-NB to prefer the HTML view. Because every
frame is embedded in the page, the number of frames is limited (``max_frames``,
default :data:`MAX_FRAMES`), and so is their total size (:data:`MAX_BYTES`);
``explore`` raises :class:`ValueError` naming the limit and the actual number
rather than bloating a page. A control that never changes the figure is an error
too: on the site it would be a control that pretends to work.

The output is deterministic: the same ``draw`` and values give byte-identical
HTML, so a rebuilt book does not change for nothing.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence, Set
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .describe import describe, readable_width, smallest_text_px

__all__ = ["explore", "Explorer", "Frames", "MAX_FRAMES", "MAX_BYTES", "FIGURE_STYLE"]

MAX_FRAMES = 120
"""Default limit on the number of frames (combinations of control values)."""

MAX_BYTES = 2_500_000
"""Limit on the total size of one figure's encoded frames, so a page stays under 5 MB."""

DATA_ATTRIBUTE = "data-nn-explore"
"""Attribute that marks the root element of every static interactive figure."""

_RESERVED = ("title", "dpi", "max_frames")

_SCRIPT = """(function () {
  var root = document.currentScript.parentElement;
  var data = JSON.parse(root.querySelector("script.nn-explore-data").textContent);
  var img = root.querySelector("img.nn-explore-frame");
  var inputs = Array.prototype.slice.call(root.querySelectorAll("input[data-nn-control]"));
  var outputs = root.querySelectorAll("output.nn-explore-value");
  function show() {
    var flat = 0;
    inputs.forEach(function (input, k) {
      var i = parseInt(input.value, 10);
      flat = flat * data.shape[k] + i;
      outputs[k].textContent = data.labels[k][i];
      input.setAttribute("aria-valuetext", data.labels[k][i]);
    });
    img.src = "data:image/png;base64," + data.frames[data.index[flat]];
    img.alt = data.alt[data.index[flat]];
  }
  inputs.forEach(function (input) {
    input.disabled = false;
    input.addEventListener("input", show);
  });
  var play = root.querySelector("button.nn-explore-play");
  var timer = null;
  play.disabled = false;
  function stop() { clearInterval(timer); timer = null; play.textContent = "\\u25B6 play"; }
  play.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    var first = inputs[0];
    if (parseInt(first.value, 10) >= data.shape[0] - 1) { first.value = 0; show(); }
    play.textContent = "\\u23F8 pause";
    timer = setInterval(function () {
      var i = parseInt(first.value, 10) + 1;
      if (i >= data.shape[0]) { stop(); return; }
      first.value = i; show();
    }, 250);
  });
  show();
})();"""

_STYLE = (
    "border:1px solid rgba(128,128,128,.45);border-radius:6px;padding:0.5em;margin:0.5em 0;"
    "display:inline-block;max-width:100%;box-sizing:border-box"
)

FIGURE_CLASS = "nn-figure"
"""Class of the root element of every interactive figure (explore and playground)."""

FIGURE_STYLE = (
    "<style>"
    # The book's theme (pydata-sphinx-theme) in dark mode puts every HTML output in a
    # pale box with dark text, and dims every image with a CSS filter. An interactive
    # figure sits on the page itself instead, in the page's colours; its pictures
    # keep their own colours, undimmed (a white matplotlib frame stays white).
    "html[data-theme=dark] .cell_output .text_html:has(>.nn-figure),"
    "html[data-theme=dark] .output_area.rendered_html:has(>.nn-figure)"
    "{background:transparent!important;color:inherit!important;padding:0!important}"
    ".nn-figure{color:inherit;background:transparent}"
    ".nn-figure img{filter:none!important;background:#fff!important;padding:0!important;"
    "border-radius:4px}"
    "</style>"
)
"""CSS that every interactive figure carries, so it reads well in light and dark mode."""


def _is_sequence(values: Any) -> bool:
    """True for a range, list, tuple or 1-D array; False for strings, mappings and iterators."""
    if isinstance(values, (str, bytes, Mapping, Set)):
        return False
    return (
        hasattr(values, "__len__")
        and hasattr(values, "__getitem__")
        and (getattr(values, "ndim", 1) == 1)
    )


def _label(value: Any) -> str:
    """Format one control value for display: compact for floats, ``str`` otherwise."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _png(fig: Figure, dpi: int) -> bytes:
    """Render ``fig`` as a compact, deterministic PNG (palette of 128 colours, no metadata)."""
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    small = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="png", optimize=True)
    return out.getvalue()


def _frame(
    draw: Callable[..., Figure | None], kwargs: dict[str, Any], dpi: int
) -> tuple[bytes, str, float | None]:
    """Call ``draw(**kwargs)`` on a fresh figure; return its PNG, its description and the
    pixel size of its smallest text, and close every figure it made."""
    before = set(plt.get_fignums())
    with plt.ioff():
        fresh = plt.figure()
        try:
            result = draw(**kwargs)
            fig = result if isinstance(result, Figure) else fresh
            if result is not None and not isinstance(result, Figure):
                raise TypeError(
                    f"explore: draw(**{kwargs!r}) returned {type(result).__name__}; "
                    "expected a matplotlib Figure or None (then the current figure is used)"
                )
            return _png(fig, dpi), describe(fig), smallest_text_px(fig, dpi)
        finally:
            for num in set(plt.get_fignums()) - before:
                plt.close(num)


def _controls(controls: dict[str, Sequence[Any]]) -> tuple[list[str], list[list[Any]]]:
    """The controls' names and values, or an error that says what a control needs."""
    if not controls:
        raise ValueError("explore: give at least one control, e.g. explore(draw, step=range(10))")
    for name in controls:
        if name in _RESERVED:
            raise ValueError(f"explore: {name!r} is reserved and cannot name a control")
    values = []
    for name, options in controls.items():
        if not _is_sequence(options):
            raise TypeError(
                f"explore: control {name!r} needs a finite sequence of values "
                f"(a range, list, tuple or 1-D array), got {type(options).__name__}"
            )
        if len(options) < 2:
            raise ValueError(
                f"explore: control {name!r} has {len(options)} value(s); it needs at least 2"
            )
        values.append(list(options))
    return list(controls), values


class Frames:
    """What an interactive figure shows: one rendered frame per combination of control
    values (identical frames stored once), each with its text description.

    ``index[flat]`` is the stored frame of the combination whose control indices,
    read as digits of the mixed-radix number ``flat`` (the last control varying
    fastest), are those of ``itertools.product`` over the controls' values.
    """

    def __init__(
        self, draw: Callable[..., Figure | None], controls: dict[str, Sequence[Any]], *,
        dpi: int = 80, max_frames: int = MAX_FRAMES,
    ) -> None:  # fmt: skip
        if not callable(draw):
            raise TypeError(f"explore: draw must be callable, got {type(draw).__name__}")
        self.names, self.values = _controls(controls)
        self.shape = [len(v) for v in self.values]
        count = math.prod(self.shape)
        if count > max_frames:
            sizes = " x ".join(
                f"{n} ({name})" for n, name in zip(self.shape, self.names, strict=True)
            )
            raise ValueError(
                f"explore: {count} frames ({sizes}) exceed the limit of max_frames={max_frames}; "
                "use fewer values per control (e.g. a coarser range) or raise max_frames "
                "if the page stays under 5 MB"
            )
        self.pngs: list[bytes] = []
        self.descriptions: list[str] = []
        self.index: list[int] = []
        self.text_px: float | None = None  # the smallest text of any frame, in pixels
        seen: dict[bytes, int] = {}
        for combo in itertools.product(*self.values):
            png, text, px = _frame(draw, dict(zip(self.names, combo, strict=True)), dpi)
            if px is not None:
                self.text_px = px if self.text_px is None else min(self.text_px, px)
            if png not in seen:
                seen[png] = len(self.pngs)
                self.pngs.append(png)
                self.descriptions.append(text)
            self.index.append(seen[png])
        total = sum(len(f) for f in self.pngs) * 4 // 3
        if total > MAX_BYTES:
            raise ValueError(
                f"explore: the frames take {total} bytes encoded, over the limit of "
                f"MAX_BYTES={MAX_BYTES}; use fewer values, a smaller figure or a lower dpi "
                f"(now {dpi})"
            )
        self._check_every_control_matters()

    def _check_every_control_matters(self) -> None:
        """Raise if moving some control never changes the figure (a control that pretends)."""
        for k, name in enumerate(self.names):
            stride = math.prod(self.shape[k + 1 :])
            changes = any(
                self.index[flat] != self.index[flat + stride]
                for flat in range(len(self.index))
                if (flat // stride) % self.shape[k] < self.shape[k] - 1
            )
            if not changes:
                raise ValueError(
                    f"explore: moving control {name!r} never changes the figure; "
                    "draw() must use it, or leave it out"
                )

    def at(self, indices: Sequence[int]) -> int:
        """The stored frame shown at one index per control."""
        flat = 0
        for i, n in zip(indices, self.shape, strict=True):
            flat = flat * n + i
        return self.index[flat]

    def labels(self) -> list[list[str]]:
        """Each control's values as the page shows them."""
        return [[_label(v) for v in values] for values in self.values]


def _html(frames: Frames, title: str) -> str:
    """The kernel-free view: an image, one range input per control, and a tiny script.

    Each slider announces the value it shows (``aria-valuetext``), and the image's
    ``alt`` follows the frame: the description of the figure drawn for those values.
    """
    labels = frames.labels()
    data = {
        "shape": frames.shape,
        "labels": labels,
        "index": frames.index,
        "frames": [base64.b64encode(f).decode("ascii") for f in frames.pngs],
        "alt": frames.descriptions,
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    digest = hashlib.sha1(payload.encode()).hexdigest()[:12]
    rows = []
    for k, (name, shown) in enumerate(zip(frames.names, labels, strict=True)):
        control = f"nn-explore-{digest}-{k}"
        rows.append(
            f'<div class="nn-explore-row"><label for="{control}">{html.escape(name)}</label> '
            f'<input id="{control}" type="range" min="0" max="{len(shown) - 1}" step="1" '
            f'value="0" aria-valuetext="{html.escape(shown[0])}" '
            f'data-nn-control="{html.escape(name)}" disabled style="vertical-align:middle"> '
            f'<output for="{control}" class="nn-explore-value">{html.escape(shown[0])}</output>'
            "</div>"
        )
    first = frames.index[0]
    heading = (
        f'<div class="nn-explore-title" style="font-weight:bold">{html.escape(title)}</div>'
        if title
        else ""
    )
    label = html.escape(title or "Interactive figure")
    readable = _readable(frames)
    parts = [
        f'<div class="nn-explore {FIGURE_CLASS}" id="nn-explore-{digest}" role="group" '
        f'aria-label="{label}" {DATA_ATTRIBUTE}="{digest}" style="{_STYLE}">',
        FIGURE_STYLE,
        heading,
        f'<img class="nn-explore-frame dark-light" alt="{html.escape(frames.descriptions[first])}" '
        f'{readable[0]}style="{readable[1]}max-width:100%;height:auto" '
        f'src="data:image/png;base64,{data["frames"][first]}">',
        '<div class="nn-explore-controls">',
        *rows,
        '<button type="button" class="nn-explore-play" disabled>\u25b6 play</button>',
        "</div>",
        f'<script type="application/json" class="nn-explore-data">{payload}</script>',
        f"<script>{_SCRIPT}</script>",
        "</div>",
    ]
    return "".join(parts)


def _readable(frames: Frames) -> tuple[str, str]:
    """The attribute and style that keep the frames' text readable on a phone (nnbook's CSS)."""
    if frames.text_px is None:
        return "", ""
    width = int.from_bytes(frames.pngs[0][16:20], "big")  # the PNG header's pixel width
    readable = readable_width(width, frames.text_px)
    return f'data-nn-text-px="{frames.text_px:.2f}" ', f"--nn-readable-width:{readable}px;"


def _widget(frames: Frames, title: str) -> Any:
    """The live view: an ``ipywidgets`` image with a slider per control (needs a kernel)."""
    import ipywidgets as w

    first = frames.pngs[frames.index[0]]
    width = int.from_bytes(first[16:20], "big")  # the PNG header's pixel width
    image = w.Image(value=first, format="png", layout=w.Layout(width=f"{width}px"))
    sliders = [
        w.SelectionSlider(
            options=[(_label(v), i) for i, v in enumerate(values)],
            value=0,
            description=name,
            continuous_update=True,
        )
        for name, values in zip(frames.names, frames.values, strict=True)
    ]

    def update(_: Any = None) -> None:
        image.value = frames.pngs[frames.at([s.value for s in sliders])]

    for slider in sliders:
        slider.observe(update, names="value")
    play = w.Play(min=0, max=frames.shape[0] - 1, interval=250, description="play")
    w.jslink((play, "value"), (sliders[0], "index"))
    header = [w.HTML(f"<b>{html.escape(title)}</b>")] if title else []
    return w.VBox([*header, image, w.HBox([play, sliders[0]]), *sliders[1:]])


class Explorer:
    """An interactive figure: its :class:`Frames`, shown live or as static HTML.

    Build it with :func:`explore`; it is displayed by IPython through
    :meth:`_repr_mimebundle_`, which holds both the widget view and the HTML view.
    """

    def __init__(
        self, draw: Callable[..., Figure | None], controls: dict[str, Sequence[Any]], *,
        title: str = "", dpi: int = 80, max_frames: int = MAX_FRAMES,
    ) -> None:  # fmt: skip
        self.title = title
        self.grid = Frames(draw, controls, dpi=dpi, max_frames=max_frames)
        self.names, self.values, self.shape = self.grid.names, self.grid.values, self.grid.shape
        self.frames, self.index = self.grid.pngs, self.grid.index
        self._html: str | None = None

    def frame(self, indices: Sequence[int]) -> bytes:
        """PNG bytes of the frame at one index per control."""
        return self.grid.pngs[self.grid.at(indices)]

    def html(self) -> str:
        """The kernel-free view (computed once)."""
        if self._html is None:
            self._html = _html(self.grid, self.title)
        return self._html

    def widget(self) -> Any:
        """The live view (needs a kernel)."""
        return _widget(self.grid, self.title)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {}
        try:
            view = self.widget()._repr_mimebundle_()
        except ImportError:  # no ipywidgets: the HTML view still works
            view = None
        if view:
            bundle.update(view)
        bundle["text/plain"] = (
            f"<interactive figure {self.title!r}: "
            f"{' x '.join(map(str, self.shape))} frames over {', '.join(self.names)}>"
        )
        bundle["text/html"] = self.html()
        return bundle


def explore(
    draw: Callable[..., Figure | None],
    *,
    title: str = "",
    dpi: int = 80,
    max_frames: int = MAX_FRAMES,
    **controls: Sequence[Any],
) -> None:
    """Show ``draw`` as an interactive figure with one control per keyword.

    ``draw(**{name: value, ...})`` is called once for every combination of the
    controls' values; each control's values form a finite sequence of at least
    two. In Jupyter the result is a live widget; on the static site, a figure
    that swaps precomputed frames with no kernel. See the module docstring.

    >>> explore(draw, step=range(0, 50, 5), lr=[0.01, 0.1, 1.0], title="Learning")  # doctest: +SKIP
    """
    from IPython.display import display

    display(Explorer(draw, controls, title=title, dpi=dpi, max_frames=max_frames))
