"""Shared fixtures: the repository's paths and ONE clean build of the book per test session.

The site and browser tiers both read the book built by :func:`built_site`: a
clean build (a fresh output folder, so no stale ``_build`` or execution cache is
reused) with warnings as errors, executed once per session.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
BOOK = REPO / "book"
SPHINX_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL):")


def toc_files() -> list[str]:
    """Every page of ``_toc.yml`` (root first), as paths without suffix relative to the repo."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]
    entries = list(toc.get("chapters", []))
    for part in toc.get("parts", []):
        entries += part.get("chapters", [])
    while entries:
        entry = entries.pop(0)
        files.append(entry["file"])
        entries = list(entry.get("sections", [])) + entries
    return files


def chapter_notebooks() -> list[Path]:
    """The chapter notebooks listed in the table of contents, in order."""
    return [REPO / f"{f}.ipynb" for f in toc_files() if (REPO / f"{f}.ipynb").exists()]


@dataclass(frozen=True)
class Site:
    """A built book: its HTML folder, the build log and how long the build took."""

    html: Path
    log: str
    seconds: float

    def pages(self) -> list[Path]:
        """Every HTML page of the site."""
        return sorted(self.html.rglob("*.html"))

    def page(self, docname: str) -> Path:
        """The HTML page of a source document, e.g. ``book/01_threshold``."""
        return self.html / f"{docname}.html"


class _Build:
    """The one clean build of a session, run in the background from the end of collection.

    Tests that need the site run last (see :func:`pytest_collection_modifyitems`),
    so the build overlaps with the package and notebook tiers instead of adding
    to them: the machine has two cores and each tier keeps one busy.
    """

    def __init__(self) -> None:
        self.out = Path(tempfile.mkdtemp(prefix="nnscratch-book-"))
        self.log = self.out / "build.log"
        jupyter_book = Path(sys.executable).parent / "jupyter-book"
        command = [str(jupyter_book), "build", str(REPO), "--path-output", str(self.out)]
        command += ["-W", "-n", "--keep-going"]
        self.summary = ""
        self.started = time.time()
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(
                command, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait(self) -> Site:
        """Wait for the build; fail on any error or Sphinx warning."""
        code = self.process.wait()
        seconds = self.log.stat().st_mtime - self.started
        log = self.log.read_text(errors="replace")
        print(f"\nclean book build: {seconds:.1f} s (in the background)")
        # Sphinx's own warnings and errors ("WARNING:"), not the kernels' log lines ("WARNING |").
        warnings = [line for line in log.splitlines() if SPHINX_PROBLEM.search(line)]
        assert code == 0, f"the book build failed:\n{log[-6000:]}"
        assert not warnings, "the clean build warned:\n" + "\n".join(warnings)
        html = self.out / "_build" / "html"
        assert (html / "index.html").exists(), f"no index.html in {html}"
        site = Site(html=html, log=log, seconds=seconds)
        largest = max(site.pages(), key=lambda page: page.stat().st_size)
        self.summary = (
            f"clean build (in the background): {seconds:.0f} s; largest page: "
            f"{largest.relative_to(html)} {largest.stat().st_size / 1e6:.2f} MB"
        )
        return site

    def stop(self) -> None:
        """End the build (if a test run stops early) and remove its folder."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait()
        shutil.rmtree(self.out, ignore_errors=True)


_build: _Build | None = None


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: only the tests that will run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the tests that read the built site last, and start the build now."""
    global _build
    needs_site = [item for item in items if "built_site" in getattr(item, "fixturenames", ())]
    if not needs_site or config.option.collectonly:
        return
    others = [item for item in items if "built_site" not in getattr(item, "fixturenames", ())]
    items[:] = others + needs_site
    _build = _Build()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report the clean build's time and the largest page next to pytest's durations."""
    if _build is not None and _build.summary:
        terminalreporter.write_sep("-", "book")
        terminalreporter.write_line(_build.summary)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the build; keep the built site for a look when a test failed."""
    if _build is None:
        return
    if session.testsfailed and _build.process.poll() is not None:
        print(f"\nthe built site is kept in {_build.out}")
        return
    _build.stop()


@pytest.fixture(scope="session")
def built_site() -> Site:
    """The book built once, clean, into a temporary folder, with warnings as errors."""
    assert _build is not None, "the build starts at the end of collection"
    return _build.wait()
