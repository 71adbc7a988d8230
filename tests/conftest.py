"""Shared fixtures: the repository's paths and ONE clean build of the book per test session.

The site and browser tiers both read the book built by :func:`built_site`: a
clean build (a fresh output folder, so no stale ``_build`` or execution cache is
reused) with warnings as errors, executed once per session.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Build the book once, clean, into a temporary folder; fail on any error or warning."""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(REPO), "--path-output", str(out)]
    command += ["-W", "-n", "--keep-going"]
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.monotonic() - started
    log = result.stdout + result.stderr
    print(f"\nclean book build: {seconds:.1f} s")
    # Sphinx's own warnings and errors ("WARNING:"), not the kernels' log lines ("WARNING |").
    warnings = [line for line in log.splitlines() if SPHINX_PROBLEM.search(line)]
    assert result.returncode == 0, f"the book build failed:\n{log[-6000:]}"
    assert not warnings, "the clean build warned:\n" + "\n".join(warnings)
    html = out / "_build" / "html"
    assert (html / "index.html").exists(), f"no index.html in {html}"
    return Site(html=html, log=log, seconds=seconds)
