"""Tier 3, the built site: a clean build with warnings as errors that reads fully offline.

The build itself (and its zero-warning check) is the ``built_site`` fixture in
``conftest.py``; these tests read what it produced.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, Site, chapter_notebooks, toc_files

pytestmark = pytest.mark.site

MAX_PAGE_BYTES = 5_000_000
WIDGET_MARKERS = ("application/vnd.jupyter.widget-view+json", "widget-state+json", "require.js")
URL_ATTRIBUTES = {"src", "href", "srcset", "data", "poster", "action", "xlink:href", "content"}
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:[a-z][a-z0-9+.-]*:)?//[^'")\s]+)""")


class _Collector(HTMLParser):
    """Collects URL-valued attributes and inline ``<style>``/``<script>`` text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in URL_ATTRIBUTES and not (tag == "meta" and name == "content"):
                self.urls.append((tag, name, value))
            if name == "style" and value:
                self.styles.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def parse(page: Path) -> _Collector:
    """Parse one built page."""
    collector = _Collector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector


def test_clean_build_succeeds_without_warnings(built_site: Site) -> None:
    """The fixture asserts success and zero warnings; this records the build time."""
    print(f"clean build took {built_site.seconds:.1f} s")
    assert "build succeeded" in built_site.log


def test_every_toc_page_is_built(built_site: Site) -> None:
    for docname in toc_files():
        assert built_site.page(docname).exists(), f"{docname} has no HTML page"


def test_no_page_refers_outside_the_site(built_site: Site) -> None:
    """No src/href/... in any page, and no url() in any style, points to another host."""
    offenders = []
    for page in built_site.pages():
        found = parse(page)
        for tag, attribute, value in found.urls:
            for url in value.split(",") if attribute == "srcset" else [value]:
                if EXTERNAL.match(url):
                    offenders.append(
                        f"{page.relative_to(built_site.html)}: <{tag} {attribute}={url}>"
                    )
        for style in found.styles:
            offenders += [
                f"{page.relative_to(built_site.html)}: css {u}" for u in CSS_URL.findall(style)
            ]
    assert not offenders, "pages refer outside the site:\n" + "\n".join(offenders)


INLINE_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>)]+")


def test_no_inline_script_names_another_host(built_site: Site) -> None:
    """Inline scripts could fetch what they name: none may name an address outside the site
    (sphinx-thebe, a Jupyter Book default, wrote its CDN's into every page until switched off)."""
    offenders = []
    for page in built_site.pages():
        for body in INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
            offenders += [
                f"{page.relative_to(built_site.html)}: {url}" for url in URL_IN_TEXT.findall(body)
            ]
    assert not offenders, "inline scripts name other hosts:\n" + "\n".join(offenders)


def test_no_stylesheet_loads_from_outside(built_site: Site) -> None:
    offenders = []
    for sheet in built_site.html.rglob("*.css"):
        for url in CSS_URL.findall(sheet.read_text(encoding="utf-8", errors="replace")):
            offenders.append(f"{sheet.relative_to(built_site.html)}: {url}")
    assert not offenders, "stylesheets load from outside the site:\n" + "\n".join(offenders)


def test_every_page_is_under_5_mb(built_site: Site) -> None:
    sizes = {p.relative_to(built_site.html): p.stat().st_size for p in built_site.pages()}
    largest = max(sizes, key=sizes.__getitem__)
    print(f"largest page: {largest} {sizes[largest] / 1e6:.2f} MB")
    too_big = {str(p): n for p, n in sizes.items() if n >= MAX_PAGE_BYTES}
    assert not too_big, f"pages of 5 MB or more: {too_big}"


def test_no_widget_scripts_or_state_on_the_site(built_site: Site) -> None:
    """Without a kernel a widget view is a dead box: pages must carry none, nor their state."""
    for page in built_site.pages():
        text = page.read_text(encoding="utf-8")
        for marker in (
            "application/vnd.jupyter.widget-view+json",
            "widget-state+json",
            "require.js",
        ):
            assert marker not in text, f"{page.name} contains {marker}"


@pytest.mark.parametrize("notebook", chapter_notebooks(), ids=lambda p: p.stem)
def test_chapter_offers_its_notebook_for_download(built_site: Site, notebook: Path) -> None:
    """The page links its .ipynb, and the file served is the committed source, byte for byte."""
    docname = notebook.relative_to(REPO).with_suffix("").as_posix()
    page = built_site.page(docname)
    links = [v for tag, attr, v in parse(page).urls if attr == "href" and v.endswith(".ipynb")]
    assert links, f"{page.name} has no link to its .ipynb"
    target = (page.parent / links[0]).resolve()
    assert target.exists(), f"{page.name} links {links[0]}, which is not in the build"
    assert target.read_bytes() == notebook.read_bytes(), f"{links[0]} is not the source notebook"


def test_math_is_typeset_by_a_local_mathjax(built_site: Site) -> None:
    intro = built_site.page(toc_files()[0])
    text = intro.read_text(encoding="utf-8")
    assert 'class="math' in text, "the introduction shows no formula"
    scripts = [
        v for tag, attr, v in parse(intro).urls if tag == "script" and "mathjax" in v.lower()
    ]
    assert scripts, "no MathJax script on the introduction"
    for src in scripts:
        assert (intro.parent / src.split("?")[0]).resolve().exists(), f"{src} is not in the build"


def test_interactive_figures_are_static_and_start_disabled(built_site: Site) -> None:
    """Every interactive figure carries its frames, and its controls wait for the script."""
    figures = 0
    for page in built_site.pages():
        text = page.read_text(encoding="utf-8")
        for block in re.findall(
            r"<div class=\"nn-explore(?: [^\"]*)?\".*?</script></div>", text, re.DOTALL
        ):
            figures += 1
            assert "nn-explore-data" in block and "data:image/png;base64," in block
            for control in re.findall(r"<input[^>]*data-nn-control[^>]*>", block):
                assert "disabled" in control, f"{page.name}: a control works before its script"
    assert figures, "no interactive figure anywhere on the site"


def test_a_failing_cell_fails_the_build(tmp_path: Path) -> None:
    """With the book's own _config.yml, one cell that raises makes the build fail."""
    shutil.copy(REPO / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(REPO / "book" / "_ext", tmp_path / "book" / "_ext")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/broken\n")
    cells = [
        nbformat.v4.new_markdown_cell("# Broken"),
        nbformat.v4.new_code_cell("raise RuntimeError('this cell fails on purpose')"),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "book" / "broken.ipynb")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(tmp_path), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0, "a failing cell did not fail the build"
    assert "this cell fails on purpose" in result.stdout + result.stderr
