"""nnscratch.interactive: one call, a live widget in Jupyter and a static figure on the site."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from nnscratch.interactive import DATA_ATTRIBUTE, Explorer  # noqa: E402


def draw(step: int, lr: float):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, step], [0, step * lr])
    ax.set(xlim=(0, 5), ylim=(0, 5))
    return fig


def draw_into_current(step: int) -> None:
    plt.plot([0, 1], [0, step])


def payload(html: str) -> dict:
    return json.loads(re.search(r'class="nn-explore-data">(.*?)</script>', html).group(1))


def test_every_combination_is_a_frame_and_figures_are_closed() -> None:
    before = plt.get_fignums()
    explorer = Explorer(draw, {"step": range(1, 4), "lr": [0.5, 1.0]})
    assert explorer.shape == [3, 2]
    assert len(explorer.index) == 6
    assert plt.get_fignums() == before
    assert explorer.frame([0, 0]) != explorer.frame([2, 1])


def test_numpy_arrays_are_controls_too() -> None:
    import numpy as np

    explorer = Explorer(draw, {"step": np.arange(1, 4), "lr": np.linspace(0.5, 1.0, 2)})
    assert explorer.shape == [3, 2]
    assert '["0.5","1"]' in explorer.html()


def test_draw_may_use_the_current_figure() -> None:
    explorer = Explorer(draw_into_current, {"step": [1, 2, 3]})
    assert len(explorer.frames) == 3


def test_html_is_deterministic_and_marked() -> None:
    first = Explorer(draw, {"step": [1, 2], "lr": [0.5, 1.0]}, title="t").html()
    second = Explorer(draw, {"step": [1, 2], "lr": [0.5, 1.0]}, title="t").html()
    assert first == second
    assert DATA_ATTRIBUTE in first and "http" not in first
    data = payload(first)
    assert data["shape"] == [2, 2] and data["labels"] == [["1", "2"], ["0.5", "1"]]
    waiting = re.findall(r"<(?:input|button)[^>]*\bdisabled\b", first)
    assert len(waiting) == 3  # two controls and the play button wait for the script


def test_bundle_carries_widget_view_and_html() -> None:
    bundle = Explorer(draw, {"step": [1, 2], "lr": [0.5, 1.0]})._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<div class="nn-explore nn-figure"')
    assert "text/plain" in bundle


def test_too_many_frames_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"explore: 400 frames .* max_frames=120"):
        Explorer(draw, {"step": range(20), "lr": [0.1] * 20})


def test_a_control_that_changes_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="'lr' never changes the figure"):
        Explorer(lambda step, lr: draw(step, 1.0), {"step": [1, 2], "lr": [0.1, 0.2]})


@pytest.mark.parametrize(
    ("controls", "error"),
    [
        ({}, ValueError),
        ({"step": 3}, TypeError),
        ({"step": [1]}, ValueError),
        ({"step": "abc"}, TypeError),
        ({"title": [1, 2]}, ValueError),
        ({"step": iter([1, 2])}, TypeError),
        ({"step": {1: 2, 3: 4}}, TypeError),
    ],
)
def test_bad_controls_are_refused(controls: dict, error: type[Exception]) -> None:
    with pytest.raises(error, match="explore"):
        Explorer(draw, controls)


def test_draw_returning_something_else_is_refused() -> None:
    with pytest.raises(TypeError, match="expected a matplotlib Figure"):
        Explorer(lambda step: 42, {"step": [1, 2]})


def test_the_live_widget_swaps_frames_when_a_slider_moves() -> None:
    import ipywidgets as w

    explorer = Explorer(draw, {"step": [1, 2, 3], "lr": [0.5, 1.0]})
    view = explorer.widget()
    found = list(view.children)
    widgets = []
    while found:
        widget = found.pop(0)
        widgets.append(widget)
        found += list(getattr(widget, "children", []))
    image = next(x for x in widgets if isinstance(x, w.Image))
    sliders = {x.description: x for x in widgets if isinstance(x, w.SelectionSlider)}
    assert sorted(sliders) == ["lr", "step"]
    assert image.value == explorer.frame([0, 0])
    sliders["step"].value, sliders["lr"].value = 2, 1
    assert image.value == explorer.frame([2, 1])


def test_the_figure_carries_its_light_and_dark_style() -> None:
    """In the theme's dark mode the figure sits on the page, its frames undimmed."""
    from nnscratch.interactive import FIGURE_STYLE

    page = Explorer(draw, {"step": [1, 2], "lr": [0.5, 1.0]}).html()
    assert FIGURE_STYLE in page
    assert "html[data-theme=dark] .cell_output .text_html:has(>.nn-figure)" in FIGURE_STYLE
    assert "filter:none!important" in FIGURE_STYLE
    assert 'class="nn-explore-frame dark-light"' in page  # the theme's own opt-out of dimming


def test_screen_readers_hear_the_value_and_what_the_frame_shows() -> None:
    """Each slider has a label and announces its value; each frame has its own description."""

    def titled(step: int, lr: float):
        fig = draw(step, lr)
        fig.axes[0].set(title=f"after {step} steps at η = {lr:g}", xlabel="step", ylabel="loss")
        return fig

    page = Explorer(titled, {"step": [1, 2], "lr": [0.5, 1.0]}, title="Steps").html()
    data = payload(page)
    assert data["alt"][data["index"][0]].startswith(
        "After 1 steps at η = 0.5; horizontal axis: step"
    )
    assert len(set(data["alt"])) == 4  # one description per frame, as it changes
    first = re.search(r'<img class="nn-explore-frame[^>]*alt="([^"]*)"', page).group(1)
    assert first == data["alt"][data["index"][0]]
    for k, name in enumerate(["step", "lr"]):
        control = re.search(rf'<input id="([^"]+-{k})"[^>]*data-nn-control="{name}"', page)
        assert control and f'<label for="{control.group(1)}">{name}</label>' in page
    assert 'aria-valuetext="1"' in page and 'aria-valuetext="0.5"' in page
    assert 'role="group" aria-label="Steps"' in page
    assert 'input.setAttribute("aria-valuetext"' in page and "img.alt = data.alt" in page


def test_figure_descriptions_come_from_the_figures_own_words() -> None:
    from nnscratch.describe import describe

    fig, (a, b) = plt.subplots(1, 2)
    fig.suptitle(r"Two rates, $\eta = 0.1$ and $\eta = 1$")
    a.plot([1, 2], label="train")
    a.legend()
    a.set(title="slow", xlabel="epoch", ylabel=r"loss $L$")
    b.set_axis_off()
    text = describe(fig)
    assert text == (
        "Two rates, η = 0.1 and η = 1. Slow; horizontal axis: epoch; vertical axis: "
        "loss L; legend: train."
    )
    assert describe(fig, "A chapter's own words.") == "A chapter's own words."
    assert describe(plt.figure()).startswith("A figure with 0 panels")
    with pytest.raises(TypeError, match="expected a matplotlib Figure"):
        describe("not a figure")
    plt.close("all")
