"""Figures used across the course, in plain matplotlib.

Every chapter uses the same colour for the same thing: :data:`CLASS_COLORS`
for class 0 and class 1 (a colour-blind-safe pair), :data:`BOUNDARY_COLOR` for
decision boundaries. Functions draw into an ``ax`` you give them (or a new one)
and return it, so figures can be composed.

Importing this module in a notebook gives every figure IPython shows a text
description for screen readers, made from its titles, axis names and legends, or
set with :func:`describe` (see :mod:`nnscratch.describe`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap

from .describe import describe, install

__all__ = [
    "BOUNDARY_COLOR",
    "CLASS_COLORS",
    "NEGATIVE_COLOR",
    "POSITIVE_COLOR",
    "class_colors",
    "confusion",
    "decision_regions",
    "describe",
    "digit_grid",
    "draw_network",
    "loss_curves",
    "scatter_classes",
    "weight_images",
]

CLASS_COLORS = ("#D55E00", "#0072B2")
"""Class 0 (vermilion) and class 1 (blue), in every chapter."""
BOUNDARY_COLOR = "#7B3294"
"""Decision boundaries and thresholds (purple)."""
POSITIVE_COLOR, NEGATIVE_COLOR = "#0072B2", "#D55E00"
"""Positive and negative weights in network diagrams."""


def _ax(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def class_colors(y) -> list[str]:
    """One colour per example, from its 0/1 label."""
    return [CLASS_COLORS[int(v)] for v in np.asarray(y).reshape(-1)]


def scatter_classes(
    X,
    y,
    ax=None,
    *,
    labels: Sequence[str] = ("class 0", "class 1"),
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    **kwargs,
):
    """Points of a 2-D data set coloured by class, with a legend."""
    ax = _ax(ax)
    X, y = np.asarray(X), np.asarray(y).reshape(-1)
    size = kwargs.pop("s", 18)
    for c in (0, 1):
        pts = X[y == c]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=size,
            color=CLASS_COLORS[c],
            label=labels[c],
            edgecolor="white",
            linewidth=0.4,
            **kwargs,
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize="small")
    return ax


def decision_regions(
    predict: Callable,
    X,
    y=None,
    ax=None,
    *,
    padding: float = 0.15,
    resolution: int = 150,
    xlim=None,
    ylim=None,
    **scatter_kwargs,
):
    """Shade the plane by the class a model predicts, draw the boundary, and the data.

    ``predict(points)`` maps an array of shape ``(m, 2)`` to ``m`` numbers: a
    probability of class 1 (boundary drawn at 0.5) or a 0/1 class.
    """
    ax = _ax(ax)
    X = np.asarray(X, dtype=float)
    if xlim is None:
        span = X[:, 0].max() - X[:, 0].min()
        xlim = (X[:, 0].min() - padding * span, X[:, 0].max() + padding * span)
    if ylim is None:
        span = X[:, 1].max() - X[:, 1].min()
        ylim = (X[:, 1].min() - padding * span, X[:, 1].max() + padding * span)
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    p = np.asarray(predict(grid), dtype=float).reshape(gx.shape)
    cmap = ListedColormap([CLASS_COLORS[0], CLASS_COLORS[1]])
    ax.contourf(
        gx, gy, p, levels=[min(p.min(), 0.0) - 1, 0.5, max(p.max(), 1.0) + 1], cmap=cmap, alpha=0.18
    )
    if p.min() < 0.5 < p.max():
        ax.contour(gx, gy, p, levels=[0.5], colors=BOUNDARY_COLOR, linewidths=2)
    if y is not None:
        scatter_classes(X, y, ax, **scatter_kwargs)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return ax


def loss_curves(
    history,
    ax=None,
    *,
    keys: Sequence[str] | None = None,
    log: bool = False,
    title: str = "Training",
):
    """Curves of a :class:`~nnscratch.train.History` (or a dict of lists) per epoch."""
    ax = _ax(ax, figsize=(5, 3.2))
    keys = keys or [k for k in history if "loss" in k]
    for k in keys:
        ax.plot(np.arange(1, len(history[k]) + 1), history[k], label=k)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss" if all("loss" in k for k in keys) else "value")
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def draw_network(
    sizes: Sequence[int],
    ax=None,
    *,
    weights: Sequence | None = None,
    biases: Sequence | None = None,
    input_labels: Sequence[str] | None = None,
    output_labels: Sequence[str] | None = None,
    show_values: bool = True,
    layer_labels: Sequence[str] | None = None,
):
    """A layered network diagram: units as circles, connections as lines.

    ``weights[l]`` has shape ``(sizes[l], sizes[l+1])``; lines are drawn blue for
    positive and vermilion for negative weights, thicker when larger, labelled
    with their values when ``show_values``. ``biases[l]`` (shape ``sizes[l+1]``)
    is written inside the receiving units.
    """
    ax = _ax(ax, figsize=(1.9 * len(sizes) + 1, 0.9 * max(sizes) + 1.2))
    ax.set_axis_off()
    pos = [[(x, (n - 1) / 2 - i) for i in range(n)] for x, n in enumerate(sizes)]
    biggest = max((np.max(np.abs(w)) for w in weights), default=1.0) if weights else 1.0
    for layer in range(len(sizes) - 1):
        W = None if weights is None else np.asarray(weights[layer], dtype=float)
        for i, (x0, y0) in enumerate(pos[layer]):
            for j, (x1, y1) in enumerate(pos[layer + 1]):
                w = None if W is None else W[i, j]
                color = "0.6" if w is None else (POSITIVE_COLOR if w >= 0 else NEGATIVE_COLOR)
                width = 1.2 if w is None else 0.6 + 3.0 * abs(w) / (biggest or 1.0)
                ax.plot([x0, x1], [y0, y1], color=color, linewidth=width, zorder=1)
                if w is not None and show_values:
                    # labels of lines into different units sit at different distances
                    n_next = sizes[layer + 1]
                    t = 0.3 + 0.4 * j / (n_next - 1) if n_next > 1 else 0.5
                    ax.text(
                        x0 + t * (x1 - x0),
                        y0 + t * (y1 - y0),
                        f"{w:.2g}",
                        fontsize=8,
                        ha="center",
                        va="center",
                        zorder=3,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
                    )
    for layer, units in enumerate(pos):
        for j, (x, y) in enumerate(units):
            ax.add_patch(plt.Circle((x, y), 0.2, fc="white", ec="black", zorder=2))
            if layer > 0 and biases is not None:
                ax.text(
                    x,
                    y,
                    f"{np.asarray(biases[layer - 1])[j]:.2g}",
                    fontsize=8,
                    ha="center",
                    va="center",
                    zorder=3,
                )
    for labels, layer, dx, ha in (
        (input_labels, 0, -0.3, "right"),
        (output_labels, len(sizes) - 1, 0.3, "left"),
    ):
        for (x, y), text in zip(pos[layer], labels or [], strict=False):
            ax.text(x + dx, y, text, ha=ha, va="center")
    for x, text in enumerate(layer_labels or []):
        ax.text(x, (max(sizes) - 1) / 2 + 0.55, text, ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-1.2, len(sizes) - 1 + 1.2)
    ax.set_ylim(-(max(sizes) - 1) / 2 - 0.5, (max(sizes) - 1) / 2 + 0.9)
    ax.set_aspect("equal")
    return ax


def digit_grid(
    images,
    labels=None,
    *,
    predictions=None,
    ncols: int = 10,
    size: float = 0.9,
    title: str | None = None,
):
    """A grid of 8×8 (or any square) images; titles show labels, and predictions
    in vermilion where they differ from the label."""
    images = np.asarray(images, dtype=float)
    n = len(images)
    side = int(round(np.sqrt(images[0].size)))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(size * ncols, size * nrows * 1.15),
        squeeze=False,
        layout="constrained",
    )
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k >= n:
            continue
        ax.imshow(images[k].reshape(side, side), cmap="gray_r", vmin=0, vmax=images.max())
        if labels is not None:
            text, color = f"{labels[k]}", "black"
            if predictions is not None and predictions[k] != labels[k]:
                text, color = f"{labels[k]}→{predictions[k]}", CLASS_COLORS[0]
            ax.set_title(text, fontsize=9, color=color, pad=2)
    if title:
        fig.suptitle(title)
    return fig


def confusion(C, ax=None, *, class_names: Sequence | None = None, title: str = "Confusion matrix"):
    """Counts ``C[true, predicted]`` as a heat map with the numbers written in."""
    C = np.asarray(C)
    ax = _ax(ax, figsize=(5, 4.5))
    ax.imshow(C, cmap="Blues")
    names = class_names if class_names is not None else range(len(C))
    ax.set_xticks(range(len(C)), names)
    ax.set_yticks(range(len(C)), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    for i in range(len(C)):
        for j in range(len(C)):
            if C[i, j]:
                ax.text(
                    j,
                    i,
                    str(C[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if C[i, j] > C.max() / 2 else "black",
                )
    ax.set_title(title)
    return ax


def weight_images(
    W,
    *,
    ncols: int = 8,
    shape: tuple[int, int] = (8, 8),
    size: float = 0.9,
    title: str | None = None,
):
    """Each column of a first-layer ``W`` as an image: what each unit looks for.
    Blue pixels push a unit up, vermilion ones push it down."""
    W = np.asarray(W)
    n = W.shape[1]
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False, layout="constrained"
    )
    cmap = LinearSegmentedColormap.from_list("weights", [NEGATIVE_COLOR, "white", POSITIVE_COLOR])
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k < n:
            m = np.abs(W[:, k]).max() or 1.0
            ax.imshow(W[:, k].reshape(shape), cmap=cmap, vmin=-m, vmax=m)
    if title:
        fig.suptitle(title)
    return fig


install()  # in a notebook: every figure shown carries its description (nnscratch.describe)
