"""Progress bars that stay readable after they finish, with or without a kernel.

``from nnscratch.progress import tqdm`` is ``tqdm.auto.tqdm`` (a live widget in
Jupyter, text in a terminal) with one difference: in Jupyter, when the bar closes,
its output is replaced by a static picture of the finished bar (plain HTML and
text, no widget). So a notebook saved, closed and reopened still shows how far each
loop got and how fast, where a widget would say "model not found" without its
kernel; and the static site shows the bar as the build left it. ``fit`` uses it.
"""

from __future__ import annotations

import html
from typing import Any

from tqdm.auto import tqdm as _auto_tqdm

__all__ = ["tqdm", "trange"]


class FinishedBar:
    """A progress bar as it was when it closed: a ``<progress>`` element and its text."""

    def __init__(self, left: str, right: str, *, value: float, total: float | None, style: str):
        self.left, self.right, self.value, self.total, self.style = left, right, value, total, style

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        total = self.total if self.total else max(self.value, 1)
        label = html.escape(f"{self.left} {self.right}".strip())
        bar = (
            f'<progress class="nn-progress nn-progress-{self.style or "plain"}" '
            f'value="{min(self.value, total):g}" max="{total:g}" aria-label="{label}" '
            f'style="width:16em;max-width:40%;flex:none">{self.value:g}</progress>'
        )
        text = '<span class="nn-progress-text">{}</span>'
        return {
            "text/html": (
                '<div class="nn-widget nn-progress-bar" style="display:flex;flex-wrap:wrap;'
                'align-items:center;column-gap:0.5em">'
                f"{text.format(html.escape(self.left))}{bar}{text.format(html.escape(self.right))}"
                "</div>"
            ),
            "text/plain": f"{self.left} {self.right}".strip(),
        }


# tqdm.auto chose the widget flavour (read without importing it, and ipywidgets, in a terminal)
_NOTEBOOK = any(base.__module__ == "tqdm.notebook" for base in _auto_tqdm.__mro__)


class tqdm(_auto_tqdm):  # noqa: N801 - the name every tqdm user knows
    """``tqdm.auto.tqdm`` whose Jupyter widget becomes a static finished bar on close."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._handle = None
        if not _NOTEBOOK:  # a terminal: plain text, nothing to replace
            super().__init__(*args, **kwargs)
            return
        kwargs["display"] = False  # shown here instead, with a handle to replace it by
        super().__init__(*args, **kwargs)
        if not self.disable and self.delay <= 0:
            from IPython.display import display

            self._handle = display(self.container, display_id=True)
            self.displayed = True

    def close(self) -> None:
        super().close()
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        left, bar, right = self.container.children
        if not self.leave and bar.bar_style != "danger":
            handle.update({"text/plain": ""}, raw=True)
            return
        left_text, right_text = (
            html.unescape(t.value).replace("\u2007", " ").strip() for t in (left, right)
        )
        finished = FinishedBar(
            left_text, right_text, value=bar.value, total=self.total, style=bar.bar_style
        )
        handle.update(finished)


def trange(*args: Any, **kwargs: Any) -> tqdm:
    """``tqdm(range(*args), **kwargs)``."""
    return tqdm(range(*args), **kwargs)
