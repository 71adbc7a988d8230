"""The site read with a screen reader's eyes, in dark mode and on a phone.

* axe-core (the npm package, pinned in ``tests/js/package.json`` and installed by
  ``run.py``) audits every page in light and in dark mode; any violation fails,
  except those listed in :data:`THEME_ONLY` with the reason, and only while every
  element it names belongs to the theme, not to the book's own content;
* every figure has a description, never its file name, and an interactive
  figure's sliders say the value they show while its description follows the frame;
* on a 390 px phone every figure is shown at a width that keeps its smallest text
  at least 9 px tall (``book/_ext/static/nnbook.css``);
* a progress bar's text wraps between words, never inside a number.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO, Site, guarded, serve, site_pages

pytestmark = pytest.mark.browser

AXE = REPO / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
READABLE_PX = 9.0
# Rules whose violations come from the theme and that configuration, a template or a
# small stylesheet cannot fix, with the reason; a violation of one of them on an
# element of the book's own content (anything inside the article) still fails.
THEME_ONLY: dict[str, str] = {}
CONTENT = "article.bd-article"


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = (
            f"{AXE} is missing: python3 run.py test installs it with npm (apt-get install npm)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


def audit(tab, axe_source: str) -> list[dict]:
    """axe-core's violations on the page open in ``tab``, each with its elements."""
    tab.add_script_tag(content=axe_source)
    return tab.evaluate(
        """async (content) => {
          const result = await axe.run(document);
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({
              target: n.target.join(' '), html: n.html.slice(0, 200),
              inContent: (() => { const el = document.querySelector(n.target[0]);
                                  return el !== null && el.closest(content) !== null; })(),
            })),
          }));
        }""",
        CONTENT,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe(built_site: Site, server: str, browser, axe_source, scheme) -> None:
    problems = []
    with guarded(browser, server) as (tab, _):
        tab.emulate_media(color_scheme=scheme)
        for path in site_pages(built_site):
            if path.startswith("_static/"):
                continue  # the theme's template fragments, not pages
            tab.goto(f"{server}/{path}", wait_until="load")
            tab.wait_for_function("() => document.documentElement.dataset.theme !== undefined")
            assert tab.evaluate("() => document.documentElement.dataset.theme") == scheme
            for violation in audit(tab, axe_source):
                ours = [n for n in violation["nodes"] if n["inContent"]]
                if violation["id"] in THEME_ONLY and not ours:
                    continue
                for node in violation["nodes"]:
                    problems.append(
                        f"{path} ({scheme}): {violation['id']} ({violation['impact']}): "
                        f"{violation['help']} — {node['target']}: {node['html']}"
                    )
    assert not problems, f"{len(problems)} accessibility violations:\n" + "\n".join(problems)


def test_figures_are_described_and_controls_say_their_value(
    built_site: Site, server: str, page
) -> None:
    tab, _ = page
    explorers = 0
    for path in site_pages(built_site):
        if not path.startswith("book/"):
            continue
        tab.goto(f"{server}/{path}", wait_until="load")
        images = tab.eval_on_selector_all(
            "article img", "imgs => imgs.map(i => [i.getAttribute('alt'), i.getAttribute('src')])"
        )
        for alt, src in images:
            assert alt and alt.strip(), f"{path}: an image without a description ({src[:60]})"
            assert ".png" not in alt and "_images" not in alt, f"{path}: alt is a file: {alt}"
        for figure in tab.locator(".nn-explore").all():
            explorers += 1
            slider = figure.locator("input[type=range]").first
            shown = figure.locator("output.nn-explore-value").first
            frame = figure.locator("img.nn-explore-frame")
            label = slider.get_attribute("id")
            assert figure.locator(f"label[for='{label}']").count() == 1, f"{path}: unlabelled"
            assert slider.get_attribute("aria-valuetext") == shown.inner_text()
            before = frame.get_attribute("alt")
            slider.evaluate(
                "s => { s.value = s.max; s.dispatchEvent(new Event('input', {bubbles: true})); }"
            )
            assert slider.get_attribute("aria-valuetext") == shown.inner_text()
            assert frame.get_attribute("alt") != before or frame.get_attribute("src"), path
    assert explorers >= 5, "the chapters' interactive figures were not found"


def test_figure_text_stays_readable_on_a_phone(built_site: Site, server: str, browser) -> None:
    """At 390 px, a figure's smallest text is at least 9 px tall (or the figure scrolls)."""
    small = []
    with guarded(browser, server) as (tab, _):
        tab.set_viewport_size({"width": 390, "height": 844})
        for path in site_pages(built_site):
            if not path.startswith("book/"):
                continue
            tab.goto(f"{server}/{path}", wait_until="load")
            tab.wait_for_load_state("load")
            figures = tab.eval_on_selector_all(
                "div.cell_output img, img.nn-explore-frame",
                """imgs => imgs.map(i => [i.getAttribute('alt').slice(0, 50),
                    i.getAttribute('data-nn-text-px'), i.getBoundingClientRect().width,
                    i.naturalWidth])""",
            )
            for alt, text_px, shown, natural in figures:
                if text_px is None:
                    small.append(f"{path}: a figure without its text size: {alt}")
                    continue
                px = float(text_px) * shown / natural
                if px < READABLE_PX - 0.05:
                    small.append(f"{path}: text {px:.1f} px ({text_px} px at {natural} px): {alt}")
    assert not small, "figure text under 9 px on a 390 px phone:\n" + "\n".join(small)


def test_progress_text_never_breaks_inside_a_number(built_site: Site, server: str, page) -> None:
    tab, _ = page
    seen = 0
    for path in site_pages(built_site):
        html = (built_site.html / path).read_text("utf-8")
        if "nn-progress-text" not in html:
            continue
        tab.goto(f"{server}/{path}", wait_until="load")
        for text in tab.locator(".nn-progress-text").all():
            seen += 1
            style = text.evaluate(
                "t => [getComputedStyle(t).overflowWrap, getComputedStyle(t).wordBreak]"
            )
            assert style == ["normal", "keep-all"], f"{path}: {style}"
    assert seen >= 6, "no progress bars were found"


def test_the_audit_itself_fails_on_a_bad_page(browser, axe_source, tmp_path: Path) -> None:
    """The tier's own check: axe-core finds an image without alt text and a low contrast."""
    (tmp_path / "bad.html").write_text(
        '<!doctype html><html lang="en"><head><title>bad</title></head><body><main>'
        '<img src="x.png"><p style="color:#ddd;background:#fff">faint</p></main></body></html>'
    )
    with serve(tmp_path) as base, guarded(browser, base) as (tab, _):
        tab.goto(f"{base}/bad.html", wait_until="load")
        found = {v["id"] for v in audit(tab, axe_source)}
    assert {"image-alt", "color-contrast"} <= found
