"""Figures: each helper draws what it says, in the course's colours."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from nnscratch import plot  # noqa: E402


def teardown_function():
    plt.close("all")


def test_scatter_uses_one_colour_per_class_and_the_given_size():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    ax = plot.scatter_classes(X, [0, 1, 1], s=40)
    first, second = ax.collections
    assert to_hex(first.get_facecolor()[0]) == plot.CLASS_COLORS[0].lower()
    assert to_hex(second.get_facecolor()[0]) == plot.CLASS_COLORS[1].lower()
    assert first.get_sizes()[0] == second.get_sizes()[0] == 40


def test_decision_regions_draw_the_boundary_where_the_prediction_crosses_one_half():
    X = np.random.default_rng(0).normal(size=(40, 2))
    ax = plot.decision_regions(lambda g: (g[:, 0] > 0).astype(float), X, X[:, 0] > 0)
    boundary = [c for c in ax.collections if hasattr(c, "get_paths")]
    assert boundary and ax.get_xlabel() == "$x_1$"


def test_network_diagram_has_a_unit_per_neuron_and_a_line_per_weight():
    ax = plot.draw_network(
        [2, 2, 1], weights=[np.ones((2, 2)), np.array([[1.0], [-2.0]])], biases=[[0.0, -1.0], [0.0]]
    )
    assert len(ax.patches) == 5
    assert len(ax.lines) == 2 * 2 + 2 * 1
    negative = [line for line in ax.lines if line.get_color() == plot.NEGATIVE_COLOR]
    assert len(negative) == 1


def test_digit_grid_marks_mistakes():
    images = np.random.default_rng(0).random((3, 64))
    fig = plot.digit_grid(images, [1, 2, 3], predictions=[1, 7, 3], ncols=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["1", "2→7", "3"]


def test_confusion_and_weight_images():
    ax = plot.confusion(np.array([[5, 1], [0, 4]]))
    assert {t.get_text() for t in ax.texts} == {"5", "1", "4"}
    fig = plot.weight_images(np.random.default_rng(0).normal(size=(64, 5)), ncols=4)
    assert sum(1 for ax in fig.axes if ax.images) == 5


def test_loss_curves_plot_each_history_key():
    ax = plot.loss_curves({"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0]})
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]
