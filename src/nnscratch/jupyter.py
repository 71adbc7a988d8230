"""Notebooks that still show their figures after they are saved, closed and reopened.

An interactive figure from :func:`nnscratch.interactive.explore` is one output with
two views: a live ``ipywidgets`` view, which needs the kernel that made it, and a
kernel-free HTML view (the same frames, swapped by a few lines of JavaScript).
JupyterLab shows the widget view while the kernel runs. Saved as it is, a reopened
notebook would show "Error displaying widget: model not found" in its place, since
the kernel and its widgets are gone.

:func:`keep_static_views` is a Jupyter server *pre-save hook*: before a notebook is
written to disk it drops the widget view from every output that also has an HTML
view, so the file keeps the view that needs no kernel. The notebook open in the
browser is not touched (its widgets stay live); run the cell again to get a live
widget back. This module is a Jupyter server extension that registers the hook;
``python3 run.py`` enables it in the course's ``.venv``, and for another
environment ``python -m nnscratch.jupyter`` does it once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CONFIG_NAME = "nnscratch.json"


def static_outputs(notebook: dict[str, Any]) -> int:
    """Drop the widget view of every output that has an HTML view too; return how many."""
    dropped = 0
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {})
            if WIDGET_VIEW in data and "text/html" in data:
                del data[WIDGET_VIEW]
                dropped += 1
    return dropped


def keep_static_views(model: dict[str, Any], **kwargs: Any) -> None:
    """The pre-save hook: a notebook is saved with the views that need no kernel."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        static_outputs(model["content"])


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """This module is a Jupyter server extension (enabled by :func:`install`)."""
    return [{"module": "nnscratch.jupyter"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register :func:`keep_static_views` with the server's contents manager."""
    serverapp.contents_manager.register_pre_save_hook(keep_static_views)


def config_path(prefix: str | Path = sys.prefix) -> Path:
    """Where the environment at ``prefix`` reads this hook's Jupyter server config."""
    return Path(prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / CONFIG_NAME


def install(prefix: str | Path = sys.prefix) -> Path:
    """Enable this server extension (and so the hook) for the environment at ``prefix``."""
    path = config_path(prefix)
    path.parent.mkdir(parents=True, exist_ok=True)
    enabled = {"ServerApp": {"jpserver_extensions": {"nnscratch.jupyter": True}}}
    text = json.dumps(enabled, indent=2) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


if __name__ == "__main__":
    print(f"JupyterLab will save notebooks with kernel-free figures: {install()}")
