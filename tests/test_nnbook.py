"""book/_ext/nnbook.py: widget outputs drawn statically, CDN stylesheets stripped."""

from __future__ import annotations

import sys

from conftest import BOOK

sys.path.insert(0, str(BOOK / "_ext"))

import nnbook  # noqa: E402


def tqdm_state(value: float, high: float) -> dict:
    return {
        "box": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_a", "IPY_MODEL_b"]}},
        "a": {"model_name": "HTMLModel", "state": {"value": "fit: 100%"}},
        "b": {
            "model_name": "FloatProgressModel",
            "state": {"value": value, "min": 0, "max": high, "bar_style": "success"},
        },
    }


def test_a_progress_bar_is_drawn_as_it_finished() -> None:
    html = nnbook._render("box", tqdm_state(50, 50))
    assert html is not None
    assert "fit: 100%" in html and '<progress class="nn-progress' in html
    assert 'value="50" max="50"' in html


def test_an_unknown_or_missing_widget_has_no_static_view() -> None:
    state = tqdm_state(1, 2) | {"s": {"model_name": "IntSliderModel", "state": {}}}
    assert nnbook._render("s", state) is None
    assert nnbook._render("missing", state) is None
    state["box"]["state"]["children"].append("IPY_MODEL_s")
    assert nnbook._render("box", state) is None  # one dead child makes the whole box unsupported


def test_cdn_stylesheets_are_stripped_from_outputs() -> None:
    jshtml = (
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/'
        'css/font-awesome.min.css">\n<script>var anim = 1;</script>'
    )
    assert nnbook.EXTERNAL_LINK.sub("", jshtml) == "\n<script>var anim = 1;</script>"
    local = '<link rel="stylesheet" href="_static/x.css">'
    assert nnbook.EXTERNAL_LINK.sub("", local) == local
