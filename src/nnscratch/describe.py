"""Text descriptions of figures, for readers who cannot see them.

A figure is described in its own words: its title, then each panel's title, the
names of its axes and the entries of its legend, for example ::

    200 training barcodes by their count of bars. Horizontal axis: feature x: number
    of bars in the barcode; vertical axis: number of barcodes; legend: class 0
    (quiet), class 1 (busy), the hidden rule: more than 25.

A chapter can say more than the figure's labels do: ``describe(fig, "…")`` sets the
description of that figure. In a notebook, importing :mod:`nnscratch.plot` makes every
figure that IPython shows carry its description, in the PNG itself (the text chunk
``Description``, beside ``SmallestTextPixels``, the size of its smallest text) and in
the output's metadata (``alt``); the book's Sphinx extension
(``book/_ext/nnbook.py``) puts it in the page's ``alt`` attribute, and
:func:`nnscratch.interactive.explore` gives each of its frames its own.
"""

from __future__ import annotations

import math
import re

from matplotlib.figure import Figure

__all__ = ["describe", "install", "readable_width", "smallest_text_px"]

MAX_LENGTH = 600
"""Descriptions longer than this are cut at a word, with an ellipsis."""

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "ell": "ℓ", "nabla": "∇", "partial": "∂", "times": "×", "cdot": "·", "odot": "⊙",
    "leq": "≤", "geq": "≥", "le": "≤", "ge": "≥", "approx": "≈", "to": "→", "infty": "∞",
    "Delta": "Δ", "Sigma": "Σ", "pi": "π", "rho": "ρ", "kappa": "κ",
}  # fmt: skip
_KEY = "_nnscratch_description"
FONT_KEY = "SmallestTextPixels"
"""PNG text chunk with the pixel size of a figure's smallest text (see :func:`smallest_text_px`)."""


def _plain(text: str) -> str:
    """Mathtext as plain text: ``$\\eta = 0.1$`` → ``η = 0.1``, ``$a_{\\ell-1}$`` → ``a_ℓ-1``."""

    def math(match: re.Match) -> str:
        body = match.group(1)
        body = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), body)
        body = re.sub(r"\\(mathrm|text|mathbf|operatorname)\{([^}]*)\}", r"\2", body)
        return body.replace("{", "").replace("}", "").replace("\\", "")

    text = re.sub(r"\$([^$]*)\$", math, text)
    return " ".join(text.split())


def _panel(ax) -> str:
    """One panel in words: its title, its axes' names, its legend."""
    parts = []
    title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)
    if title:
        parts.append(_plain(title))
    if ax.axison:
        for name, label in (
            ("horizontal axis", ax.get_xlabel()),
            ("vertical axis", ax.get_ylabel()),
        ):
            if label:
                parts.append(f"{name}: {_plain(label)}")
    legend = ax.get_legend()
    if legend is not None:
        entries = [_plain(t.get_text()) for t in legend.get_texts() if t.get_text()]
        if entries:
            parts.append("legend: " + ", ".join(entries))
    return "; ".join(parts)


def _from_labels(fig: Figure) -> str:
    """The description made from the figure's own title, panel titles, axis names and legends."""
    sentences = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        sentences.append(_plain(suptitle.get_text()))
    panels = [ax for ax in fig.get_axes() if ax.get_visible() and ax.get_label() != "<colorbar>"]
    described = [_panel(ax) for ax in panels]
    words = [d for d in described if d]
    if len(set(words)) == 1 and len(words) > 1:
        words = [f"{len(words)} panels, each: {words[0]}"]
    elif len(words) > 1:
        words = [f"panel {i + 1}: {d}" for i, d in enumerate(words)]
    sentences += words
    if not sentences:
        return f"A figure with {len(panels)} panel{'s' * (len(panels) != 1)} and no title."
    return ". ".join(s[:1].upper() + s[1:].rstrip(".") for s in sentences) + "."


def describe(fig: Figure, text: str | None = None) -> str:
    """The description of ``fig`` (or, given ``text``, set it and return it).

    Without a description of its own, a figure is described by its title, the
    titles and axis names of its panels and the entries of their legends.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"describe: expected a matplotlib Figure, got {type(fig).__name__}")
    if text is not None:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("describe: expected a non-empty description, got " + repr(text))
        setattr(fig, _KEY, " ".join(text.split()))
    found = getattr(fig, _KEY, None) or _from_labels(fig)
    if len(found) > MAX_LENGTH:
        found = found[:MAX_LENGTH].rsplit(" ", 1)[0] + " …"
    return found


READABLE_PX = 9
"""The smallest text size, in CSS pixels, that a figure may show on a phone."""


def smallest_text_px(fig: Figure, dpi: float | None = None) -> float | None:
    """The size, in pixels of the image saved at ``dpi`` (the figure's own by default), of
    the smallest text the figure shows.

    The site uses it to keep a figure's text readable on a phone: shown narrower than
    its own width, a figure whose smallest text is 11 px may shrink to 9/11 of it.
    """
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(match=lambda artist: hasattr(artist, "get_fontsize"))
        if hasattr(text, "get_text")
        and text.get_visible()
        and text.get_text().strip()
        and (getattr(text, "axes", None) is None or text.axes.get_visible())
    ]
    return min(sizes) * (dpi or fig.dpi) / 72 if sizes else None


def readable_width(width: int, text_px: float) -> int:
    """The narrowest a ``width``-pixel image may be shown with its ``text_px`` text still
    :data:`READABLE_PX` pixels tall: narrower than the image when its text is larger, and
    wider (up to 1.5 times) when its smallest text is smaller than that."""
    return min(math.ceil(1.5 * width), math.ceil(width * READABLE_PX / text_px))


def install() -> bool:
    """Make IPython's PNG of every figure carry its description; False outside IPython.

    The inline backend's PNG formatter is wrapped, so the figure is rendered exactly as
    before, with a ``Description`` text chunk in the PNG and ``alt`` in the output's
    metadata. Running ``%config InlineBackend.figure_formats`` later replaces the
    wrapper; importing :mod:`nnscratch.plot` again (or calling this) restores it.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import matplotlib

    if "inline" in matplotlib.get_backend():
        import matplotlib.pyplot as plt

        plt.close(plt.figure())  # resolves the inline backend, which registers its formatter
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        base = formatter.lookup_by_type(Figure)
    except KeyError:
        return False
    if getattr(base, "_nnscratch", False):
        return True

    func, args = getattr(base, "func", base), getattr(base, "args", ())
    keywords = dict(getattr(base, "keywords", {}))

    def png_with_description(fig: Figure):
        text = describe(fig)
        metadata = {**keywords.get("metadata", {}), "Description": text}
        smallest = smallest_text_px(fig)
        if smallest is not None:
            metadata[FONT_KEY] = f"{smallest:.2f}"
        data = func(fig, *args, **{**keywords, "metadata": metadata})
        if data is None:
            return None
        return data, {"alt": text}

    png_with_description._nnscratch = True  # type: ignore[attr-defined]
    formatter.for_type(Figure, png_with_description)
    return True
