"""The course in JupyterLab, as a learner meets it: Run All, then save, close and reopen.

A real JupyterLab server (127.0.0.1, a token, the course's ``.venv`` with its
jupyterlab-myst and its pre-save hook, see ``nnscratch.jupyter``) serves a copy of
Chapter 1, which has exercises with solutions, interactive figures and progress
bars; headless Chromium drives it. After Run All no solution's output may be
visible (JupyterLab unfolds every output a cell makes, so the outputs of
``%%solution`` cells are folded inside themselves), no MyST may show raw, a slider
must change its figure, and after saving, shutting the kernel down and reopening,
the figures and bars must still be there, without their kernel.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from conftest import BOOK

from nnscratch.jupyter import WIDGET_VIEW, config_path

pytestmark = pytest.mark.browser

CHAPTER = "01_threshold.ipynb"
IDLE = """() => {
  const e = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return e !== null && e.getAttribute('data-status') === 'idle';
}"""
SETTINGS = {  # a quiet, fully rendered notebook: no news pop-up, every cell in the page
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


class Lab:
    """A running JupyterLab: where it is, and what its server says of the chapter's kernel."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.url = f"{base}/lab/tree/{CHAPTER}?token={token}"

    def kernel_state(self) -> str | None:
        """The execution state of the kernel of the chapter's session, or None (no kernel)."""
        with urllib.request.urlopen(f"{self.base}/api/sessions?token={self.token}") as answer:
            sessions = json.load(answer)
        for session in sessions:
            if session.get("path", "").endswith(CHAPTER) and session.get("kernel"):
                return session["kernel"].get("execution_state")
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server on a copy of Chapter 1; yields its notebook URL and the copy."""
    if not config_path().exists():
        pytest.fail(
            f"{config_path()} is missing: python3 run.py installs the pre-save hook of "
            "nnscratch.jupyter into .venv (or run: python -m nnscratch.jupyter)"
        )
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    root.mkdir()
    shutil.copy(BOOK / CHAPTER, root / CHAPTER)
    for name, values in SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # not the user's ~/.jupyter
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ] + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])  # fmt: skip
    log = (home / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("JupyterLab did not start:\n" + (home / "server.log").read_text())
                time.sleep(0.5)
        yield Lab(base, token), root / CHAPTER
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def open_notebook(browser, lab: Lab):
    """The chapter open in a new page, once its kernel is up and the page connected to it."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.goto(lab.url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    deadline = time.monotonic() + 90
    while lab.kernel_state() != "idle":  # the page says "idle" before its kernel is there
        assert time.monotonic() < deadline, "the chapter's kernel did not start"
        time.sleep(0.5)
    page.wait_for_function(IDLE, timeout=90_000)
    page.wait_for_timeout(1000)  # the status settles once the page is connected
    page.wait_for_function(IDLE, timeout=90_000)
    return page


def menu(page, top: str, item: str) -> None:
    page.click(f"li.lm-MenuBar-item:has-text('{top}')")
    page.click(f"li.lm-Menu-item:has-text('{item}')")


def visible_text(page) -> str:
    return page.inner_text(".jp-Notebook")


def test_run_all_hides_solutions_renders_myst_and_survives_a_reopen(lab, browser) -> None:
    server, saved = lab
    source = nbformat.read(BOOK / CHAPTER, as_version=4)
    solutions = [c for c in source.cells if c.source.startswith("%%solution")]
    assert len(solutions) >= 3, "Chapter 1's code solutions start with %%solution"
    page = open_notebook(browser, server)
    menu(page, "Run", "Run All Cells")
    # done when every solution has run (the last cells of the chapter) and the kernel rests
    page.wait_for_function(
        "n => document.querySelectorAll('details.nn-solution-output').length >= n",
        arg=len(solutions),
        timeout=300_000,
    )
    page.wait_for_function(IDLE, timeout=60_000)
    assert (
        page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
        ).count()
        == 0
    )

    # Solutions: their outputs are folded inside themselves, and stay folded.
    folded = page.locator("details.nn-solution-output")
    assert folded.count() == len(solutions)
    assert page.locator("details.nn-solution-output[open]").count() == 0
    for details in folded.all():
        assert not details.locator("pre").first.is_visible()
    # MyST is rendered, not shown as text (jupyterlab-myst); citations read as their key.
    text = visible_text(page)
    for raw in ("```{", ":class:", "{cite", "{admonition}"):
        assert raw not in text, f"raw MyST {raw!r} shows in JupyterLab"
    assert "rosenblatt1958" in text

    # A live slider changes its figure.
    image = page.locator("img.widget-image").first
    before = image.get_attribute("src")
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    page.wait_for_function(
        "([el, src]) => el.getAttribute('src') !== src", arg=[image.element_handle(), before]
    )

    # Save, shut the kernel down, reopen: the figures and bars are still there.
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !document.querySelector('.jp-mod-current.jp-mod-dirty')", timeout=30_000
    )
    menu(page, "Kernel", "Shut Down Kernel")
    page.close()
    stored = nbformat.read(saved, as_version=4)
    views = [o for c in stored.cells for o in c.get("outputs", []) if "data" in o]
    explore = [o for o in views if "nn-explore" in o["data"].get("text/html", "")]
    assert explore and all(WIDGET_VIEW not in o["data"] for o in explore), "saved with widgets"
    page = open_notebook(browser, server)
    text = visible_text(page)
    assert "model not found" not in text and "Error displaying widget" not in text
    frames = page.locator("img.nn-explore-frame")
    assert frames.count() == len(explore) and frames.first.is_visible()
    assert page.locator("progress.nn-progress").count() >= 3  # Chapter 1's three bars
    # ...and its static controls work without a kernel (the notebook is trusted: saved by us).
    before = frames.first.get_attribute("src")
    page.locator(".nn-explore input[type=range]").first.evaluate(
        "input => { input.value = 2; input.dispatchEvent(new Event('input')); }"
    )
    assert frames.first.get_attribute("src") != before
    page.close()
