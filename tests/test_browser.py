"""Tier 4, the browser: headless Chromium reads the built site with no network.

The site is served from 127.0.0.1 by a thread of this process; every request for
anything else is blocked and recorded, and any such request fails the test.
Debian's ``chromium`` is driven by Playwright (no downloaded browser). Without
it the tier is skipped, except under CI (env ``CI`` set), where it fails.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import Site

pytestmark = pytest.mark.browser

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
ALL_MATH_TYPESET = """() => [...document.querySelectorAll('.math')]
    .every(el => el.querySelector('mjx-container') !== null)"""
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


def test_the_guard_catches_requests_outside_the_site(browser, tmp_path: Path) -> None:
    """The tier's own check: a page that loads from another host is caught, not served."""
    (tmp_path / "bad.html").write_text(
        '<html><body><img src="http://192.0.2.1/x.png">'
        '<link rel="stylesheet" href="https://cdn.example.org/x.css"></body></html>'
    )
    with serve(tmp_path) as base, guarded(browser, base) as (tab, outside):
        tab.goto(f"{base}/bad.html", wait_until="load")
    assert set(outside) >= {"http://192.0.2.1/x.png", "https://cdn.example.org/x.css"}


def site_pages(site: Site) -> list[str]:
    return [p.relative_to(site.html).as_posix() for p in site.pages() if p.name not in SKIP_PAGES]


def open_page(page, server: str, path: str) -> None:
    page.goto(f"{server}/{path}", wait_until="load")


def test_pages_load_nothing_from_outside_and_math_renders(
    built_site: Site, server: str, page
) -> None:
    tab, outside = page
    for path in site_pages(built_site):
        open_page(tab, server, path)
        html = (built_site.html / path).read_text(encoding="utf-8")
        if 'class="math' in html:
            tab.wait_for_selector("mjx-container", timeout=20_000)
            tab.wait_for_function(ALL_MATH_TYPESET, timeout=20_000)
        tab.wait_for_load_state("networkidle")
    assert not outside, "pages requested outside the site:\n" + "\n".join(sorted(set(outside)))


def _figure_pages(site: Site) -> list[str]:
    return [p for p in site_pages(site) if "data-nn-explore" in (site.html / p).read_text("utf-8")]


def test_every_interactive_figure_responds_to_its_controls(
    built_site: Site, server: str, page
) -> None:
    """Moving each control with the keyboard changes the image (and its value label)."""
    tab, outside = page
    pages = _figure_pages(built_site)
    assert pages, "no page has an interactive figure"
    for path in pages:
        open_page(tab, server, path)
        for figure in tab.locator("[data-nn-explore]").all():
            controls = figure.locator("input[data-nn-control]").all()
            image = figure.locator("img.nn-explore-frame")
            assert controls, f"{path}: an interactive figure has no control"
            for control in controls:
                assert control.is_enabled(), f"{path}: a control stayed disabled (script not run?)"
            for k, control in enumerate(controls):
                name = control.get_attribute("data-nn-control")
                steps = int(control.get_attribute("max"))
                seen: set[str] = set()
                for others in ("Home", "End"):
                    for j, other in enumerate(controls):
                        if j != k:
                            other.press(others)
                    control.press("Home")
                    labels = [figure.locator("output").nth(k).inner_text()]
                    seen.add(image.get_attribute("src"))
                    for _ in range(steps):
                        control.press("ArrowRight")
                        seen.add(image.get_attribute("src"))
                        labels.append(figure.locator("output").nth(k).inner_text())
                    assert len(set(labels)) == steps + 1, f"{path}: {name} label did not follow"
                assert len(seen) > 1, f"{path}: moving {name!r} never changed the figure"
    assert not outside, f"requests outside the site: {outside}"


def test_progress_bars_show_finished(built_site: Site, server: str, page) -> None:
    tab, _ = page
    bars = 0
    for path in site_pages(built_site):
        if "nn-progress" not in (built_site.html / path).read_text("utf-8"):
            continue
        open_page(tab, server, path)
        for bar in tab.locator("progress.nn-progress").all():
            bars += 1
            assert bar.is_visible(), f"{path}: a progress bar is hidden"
            value, high = bar.evaluate("b => [b.value, b.max]")
            assert value == high, f"{path}: a progress bar stopped at {value}/{high}"
    assert bars, "no progress bar anywhere on the site"
