"""Sphinx extension that keeps the book's pages offline and honest about widgets.

The site has no kernel and loads no widget manager, so an ipywidgets *view* on a
page could only ever be a blank box or a control that moves while nothing
happens. ``_config.yml`` therefore tells MyST-NB never to choose the widget view
(``nb_mime_priority_overrides``), and this extension:

* gives a widget output that has no HTML of its own (a ``tqdm.auto`` progress
  bar) a static ``text/html`` view, drawn from the widget state that the
  notebook's execution recorded: the bar as it was when the cell finished;
  any other widget (say an ``interact`` slider, which would move while its plot
  stays put) is a build warning, hence an error under ``-W``;
* leaves that widget state out of the page (nothing reads it, and it can be
  large);
* gives every figure a notebook printed its description as ``alt`` text, read from
  the PNG (``nnscratch.describe`` writes it when a chapter imports
  ``nnscratch.plot``); a figure without one is a build warning, so that no image
  reaches a screen reader as a file name;
* switches off sphinx-thebe (launching code needs a kernel the site lacks);
* removes ``<link href="http(s)://...">`` tags from HTML outputs, such as the
  font-awesome stylesheet that matplotlib's ``to_jshtml`` links from a CDN (the
  theme ships its own icons).

Interactive figures from ``nnscratch.interactive`` and ``nnscratch.playground``
carry their own HTML view, and their own small style sheet for the theme's light
and dark modes (``nnscratch.interactive.FIGURE_STYLE``), so they need nothing from
here and look the same in JupyterLab.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATE_KEY = "ipywidgets_state"
EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)

State = dict[str, dict[str, Any]]


def _widget_state(env: Any, docname: str) -> State:
    """The final widget models of a page's notebook, by model id (empty if none)."""
    js_files = getattr(env, "nb_metadata", {}).get(docname, {}).get("js_files", {})
    entry = js_files.get(STATE_KEY)
    if not entry:
        return {}
    body = entry[1].get("body", "")
    try:
        return json.loads(body.replace("<\\/script>", "</script>")).get("state", {})
    except (ValueError, AttributeError):
        return {}


def _render(model_id: str, state: State, depth: int = 0) -> str | None:
    """Static HTML for the widget ``model_id`` as it was last seen, or None if unsupported."""
    model = state.get(model_id.removeprefix("IPY_MODEL_"))
    if model is None or depth > 10:
        return None
    name = model.get("model_name", "")
    attrs = model.get("state", {})
    if name in ("HBoxModel", "VBoxModel"):
        parts = [_render(child, state, depth + 1) for child in attrs.get("children", [])]
        if any(part is None for part in parts):
            return None
        direction = "row" if name == "HBoxModel" else "column"
        return (
            f'<div class="nn-widget" style="display:flex;flex-direction:{direction};'
            f'align-items:center;gap:0.5em">{"".join(parts)}</div>'  # type: ignore[arg-type]
        )
    # text beside a bar wraps within its own box instead of dropping below the bar
    text = '<span class="nn-progress-text" style="min-width:0">{}</span>'
    if name == "HTMLModel":
        return text.format(attrs.get("value", ""))
    if name == "LabelModel":
        return text.format(html.escape(str(attrs.get("value", ""))))
    if name in ("FloatProgressModel", "IntProgressModel"):
        low, high = float(attrs.get("min", 0)), float(attrs.get("max", 100))
        value = min(max(float(attrs.get("value", 0)) - low, 0.0), high - low)
        style = attrs.get("bar_style", "")
        return (
            f'<progress class="nn-progress nn-progress-{style or "plain"}" '
            f'value="{value:g}" max="{high - low:g}" style="width:16em;flex:none">'
            f"{value:g}</progress>"
        )
    return None


class StaticWidgets(SphinxPostTransform):
    """Before MyST-NB selects a MIME type, give widget outputs a static HTML view."""

    default_priority = 3  # MyST-NB's SelectMimeType runs at 4
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        state = _widget_state(self.env, self.env.docname)
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            for child in bundle.children:
                for raw in child.findall(nodes.raw):
                    if "html" in raw.get("format", ""):
                        text = EXTERNAL_LINK.sub("", raw.astext())
                        raw.children = [nodes.Text(text)]
            types = {child.get("mime_type") for child in bundle.children}
            if WIDGET_VIEW not in types or "text/html" in types:
                continue
            view = next(c for c in bundle.children if c.get("mime_type") == WIDGET_VIEW)
            match = re.search(r'"model_id"\s*:\s*"([^"]+)"', view.astext())
            rendered = _render(match.group(1), state) if match else None
            if rendered is None:
                LOGGER.warning(
                    "an ipywidgets output has no view on the static site (nnbook draws only "
                    "progress bars); for an interactive figure use nnscratch.interactive.explore",
                    location=bundle,
                    type="nnbook",
                    subtype="widget",
                )
                continue
            container = nodes.container(mime_type="text/html")
            container += nodes.raw("", rendered, format="html", classes=["output", "text_html"])
            bundle += container


def _png_description(path: Path) -> str | None:
    """The ``Description`` text chunk of a PNG file, or None."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            text = image.info.get("Description")
    except OSError:
        return None
    return text.strip() if isinstance(text, str) and text.strip() else None


class FigureDescriptions(SphinxPostTransform):
    """Every image a notebook printed gets its description as ``alt`` (never its file name)."""

    default_priority = 900  # after MyST-NB has chosen the MIME type and made image nodes
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for image in self.document.findall(nodes.image):
            uri = image.get("uri", "")
            alt = image.get("alt", "")
            if alt and alt not in uri and not uri.endswith(alt):
                continue  # an alt text of its own
            path = Path(self.env.srcdir, uri) if not Path(uri).is_absolute() else Path(uri)
            text = _png_description(path)
            if text is None:
                if "jupyter_execute" in uri or not alt:
                    LOGGER.warning(
                        "a figure has no description for screen readers: import nnscratch.plot "
                        "in the notebook (it describes figures by their titles and labels), or "
                        "set one with nnscratch.plot.describe(fig, '...')",
                        location=image,
                        type="nnbook",
                        subtype="alt",
                    )
                continue
            image["alt"] = text


STATIC = Path(__file__).resolve().parent / "static"
SUMMARY_LABEL = re.compile(r'(<summary)\s+aria-label="Toggle hidden content"')
OUTPUT_IMAGE = re.compile(r'<img (alt="[^"]*" )src="((?:\.\./)*_images/([0-9a-f]+\.png))"')


def _image_size(path: Path) -> tuple[int, float | None] | None:
    """The pixel width of a PNG and the size of its smallest text, if it recorded it."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, text = image.size[0], image.info.get("SmallestTextPixels")
    except OSError:
        return None
    try:
        return width, float(text) if text else None
    except ValueError:
        return width, None


def _accessible_body(app: Sphinx, pagename: str, templatename: str, context: dict, *_) -> None:
    """Fix what the page's generated HTML gets wrong for assistive technology.

    * the code-cell toggles (``<summary aria-label="Toggle hidden content">Show code
      cell source``) are named by what they show, not by a label that hides it;
    * bibliography entries are list items of their list (docutils marks them with the
      deprecated ``doc-biblioentry`` role inside ``role="list"``);
    * each figure carries the size of its smallest text, so that a phone shows it no
      narrower than keeps that text readable (``static/nnbook.css``).
    """
    body = context.get("body")
    if not isinstance(body, str):
        return
    body = SUMMARY_LABEL.sub(r"\1", body)
    body = body.replace('role="doc-biblioentry"', 'role="listitem"')

    sources = {dest: src for src, dest in getattr(app.builder, "images", {}).items()}

    def readable(match: re.Match) -> str:
        # the page's images are copied to _images/ only after every page is written
        source = sources.get(match.group(3))
        size = _image_size(Path(app.srcdir, source)) if source else None
        if size is None or size[1] is None:
            return match.group(0)
        from nnscratch.describe import readable_width

        width, text_px = size
        attributes = (
            f'data-nn-text-px="{text_px:.2f}" '
            f'style="--nn-readable-width:{readable_width(width, text_px)}px" '
        )
        return f'<img {match.group(1)}{attributes}src="{match.group(2)}"'

    context["body"] = OUTPUT_IMAGE.sub(readable, body)


def _static_files(app: Sphinx) -> None:
    """Serve the book's stylesheet (static/nnbook.css) on every page."""
    app.config.html_static_path.append(str(STATIC))
    app.add_css_file("nnbook.css")


def _drop_widget_state(app: Sphinx, pagename: str, *args: Any) -> None:
    """Keep the recorded widget state out of the page: no script on the site reads it."""
    js_files = getattr(app.env, "nb_metadata", {}).get(pagename, {}).get("js_files", {})
    js_files.pop(STATE_KEY, None)


def _no_thebe(app: Sphinx) -> None:
    """Switch off sphinx-thebe, which Jupyter Book always loads.

    The site has no kernel to launch code on, yet sphinx-thebe writes into every
    page a script naming its CDN (twice: a console error) and a sample Binder
    configuration. Its two hooks that do so are disconnected here, once every
    extension is set up and before any page is read.
    """
    for event in ("env-before-read-docs", "doctree-resolved"):
        for listener in list(app.events.listeners.get(event, [])):
            handler = listener.handler
            if getattr(handler, "__module__", "") == "sphinx_thebe" and handler.__name__ in (
                "init_thebe_core",
                "update_thebe_context",
            ):
                app.disconnect(listener.id)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the post-transform and the page hooks."""
    app.add_post_transform(StaticWidgets)
    app.add_post_transform(FigureDescriptions)
    app.connect("builder-inited", _no_thebe)
    app.connect("builder-inited", _static_files)
    app.connect("html-page-context", _drop_widget_state, priority=400)
    app.connect("html-page-context", _accessible_body)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
