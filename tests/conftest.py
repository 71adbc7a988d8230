"""Shared fixtures: the repository's paths and ONE clean build of the book per test session.

The site and browser tiers both read the book built by :func:`built_site`: a
clean build (a fresh output folder, so no stale ``_build`` or execution cache is
reused) with warnings as errors, executed once per session.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


_build: _Build | _Prebuilt | None = None


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: only the tests that will run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the tests that read the built site last, and start the build now."""
    global _build
    needs_site = [item for item in items if "built_site" in getattr(item, "fixturenames", ())]
    if not needs_site or config.option.collectonly:
        return
    others = [item for item in items if "built_site" not in getattr(item, "fixturenames", ())]
    if os.environ.get("NNSCRATCH_SITE") and not os.environ.get("CI"):
        items[:] = others + needs_site
        _build = _Prebuilt(Path(os.environ["NNSCRATCH_SITE"]))
        return
    items[:] = others + needs_site
    _build = _Build()


class _Prebuilt:
    """A site built before, named by ``NNSCRATCH_SITE`` (its ``_build/html`` folder), for
    working on the site and browser tests without a new build each run; the default,
    and CI, always build afresh."""

    def __init__(self, html: Path) -> None:
        self.html, self.summary = html, f"prebuilt site: {html}"

    def wait(self) -> Site:
        assert (self.html / "index.html").exists(), f"NNSCRATCH_SITE: no index.html in {self.html}"
        return Site(html=self.html, log="", seconds=0.0)

    def stop(self) -> None:
        pass


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report the clean build's time and the largest page next to pytest's durations."""
    if _build is not None and _build.summary:
        terminalreporter.write_sep("-", "book")
        terminalreporter.write_line(_build.summary)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the build; keep the built site for a look when a test failed."""
    if _build is None or isinstance(_build, _Prebuilt):
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


# -- the browser tiers: the built site served locally, read by Debian's Chromium -----------

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_PAGES = {"genindex.html", "search.html", "index.html"}  # index.html only redirects


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 from a background thread; yield its base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def guarded(browser, base: str) -> Iterator[tuple[object, list[str]]]:
    """A fresh page whose requests outside ``base`` are blocked, and recorded in a list."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    outside: list[str] = []

    def is_local(url: str) -> bool:
        return url.startswith(base) or urlsplit(url).scheme in ("data", "blob", "about")

    def guard(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda r: None if is_local(r.url) else outside.append(r.url))
    try:
        yield page, outside
    finally:
        context.close()


def site_pages(site: Site) -> list[str]:
    """The site's pages, as paths relative to its root (the redirect and indices left out)."""
    return [p.relative_to(site.html).as_posix() for p in site.pages() if p.name not in SKIP_PAGES]


@pytest.fixture(scope="module")
def server(built_site: Site) -> Iterator[str]:
    """The built site, served from 127.0.0.1."""
    with serve(built_site.html) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium, or a skip (a failure under CI) when it is absent."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium); the browser tier needs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, server: str) -> Iterator[tuple[object, list[str]]]:
    """A fresh page on the built site; requests outside it are blocked and recorded."""
    with guarded(browser, server) as guarded_page:
        yield guarded_page
