"""Tier 4, the browser: headless Chromium reads the built site with no network.

The site is served from 127.0.0.1 by a thread of this process; every request for
anything else is blocked and recorded, and any such request fails the test (the
fixtures ``server``, ``browser`` and ``page`` are in ``conftest.py``).
Debian's ``chromium`` is driven by Playwright (no downloaded browser). Without
it the tier is skipped, except under CI (env ``CI`` set), where it fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Site, guarded, serve, site_pages

pytestmark = pytest.mark.browser

ALL_MATH_TYPESET = """() => [...document.querySelectorAll('.math')]
    .every(el => el.querySelector('mjx-container') !== null)"""


def test_the_guard_catches_requests_outside_the_site(browser, tmp_path: Path) -> None:
    """The tier's own check: a page that loads from another host is caught, not served."""
    (tmp_path / "bad.html").write_text(
        '<html><body><img src="http://192.0.2.1/x.png">'
        '<link rel="stylesheet" href="https://cdn.example.org/x.css"></body></html>'
    )
    with serve(tmp_path) as base, guarded(browser, base) as (tab, outside):
        tab.goto(f"{base}/bad.html", wait_until="load")
    assert set(outside) >= {"http://192.0.2.1/x.png", "https://cdn.example.org/x.css"}


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
            # attached, not visible: the first formula may sit in a folded solution
            tab.wait_for_selector("mjx-container", state="attached", timeout=20_000)
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


# -- playgrounds (nnscratch.playground): training live in the page ---------------------

PLAYGROUND = "[data-nn-playground]"
CANVAS_PICTURE = "c => c.toDataURL()"


def _playground_pages(site: Site) -> list[str]:
    return [
        p for p in site_pages(site) if "data-nn-playground" in (site.html / p).read_text("utf-8")
    ]


def _ready(tab, path: str) -> list:
    tab.wait_for_function(
        f"() => [...document.querySelectorAll('{PLAYGROUND}')]"
        ".every(el => el.getAttribute('data-nn-ready') === '1')",
        timeout=20_000,
    )
    playgrounds = tab.locator(PLAYGROUND).all()
    assert playgrounds, f"{path}: no playground found"
    return playgrounds


def _readout(pg, name: str) -> str:
    return pg.locator(f"output[name=out-{name}]").inner_text()


def test_pressing_train_trains_every_playground(built_site: Site, server: str, page) -> None:
    """Train (pressed with the keyboard) changes the regions and the loss; pause stops it."""
    tab, outside = page
    pages = _playground_pages(built_site)
    assert pages, "no page has a playground (nnscratch.playground)"
    for path in pages:
        open_page(tab, server, path)
        for pg in _ready(tab, path):
            regions = pg.locator("canvas.nn-pg-regions")
            before = (regions.evaluate(CANVAS_PICTURE), _readout(pg, "loss"))
            assert _readout(pg, "epoch") == "0"
            pg.locator("button[name=train]").focus()
            tab.keyboard.press("Enter")
            tab.wait_for_function(
                "el => parseInt(el.textContent, 10) >= 2",
                arg=pg.locator("output[name=out-epoch]").element_handle(),
                timeout=20_000,
            )
            pg.locator("button[name=pause]").click()
            after = (regions.evaluate(CANVAS_PICTURE), _readout(pg, "loss"))
            assert after[0] != before[0], f"{path}: training did not change the decision regions"
            assert after[1] != before[1], f"{path}: training did not change the loss read-out"
            epoch = _readout(pg, "epoch")
            tab.wait_for_timeout(300)
            assert _readout(pg, "epoch") == epoch, f"{path}: pause did not stop training"
    assert not outside, f"requests outside the site: {outside}"


def _run(pg, steps: int, change=None) -> str:
    """From the chapter's start, with one control changed, press step ``steps`` times."""
    pg.locator("button[name=original]").click()
    if change is not None:
        change()
    pg.locator("button[name=reset]").click()
    pg.locator("button[name=step]").evaluate(
        f"b => {{ for (let k = 0; k < {steps}; k++) b.click(); }}"
    )
    return _readout(pg, "weights") + " | " + _readout(pg, "loss")


def _alternatives(pg) -> dict:
    """For every control: a way to change it (as a reader would) and undo the change."""
    changes = {}
    for name in ("lr", "momentum", "hidden", "seed"):
        field = pg.locator(f"input[name={name}]")
        value = float(field.input_value())
        other = {"lr": value / 2, "momentum": 0.5 if value == 0 else 0.0}.get(name, value + 1)
        text = f"{other:g}" if name in ("lr", "momentum") else str(int(other))

        def change(field=field, text=text) -> None:
            field.fill(text)
            field.press("Enter")
            field.dispatch_event("change")

        changes[name] = change
    for name in ("activation", "loss", "batch"):
        select = pg.locator(f"select[name={name}]")
        options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        other = next(o for o in options if o != select.input_value())

        def choose(select=select, other=other) -> None:
            select.select_option(other)

        changes[name] = choose
    return changes


def test_every_playground_control_changes_the_next_run(built_site: Site, server: str, page) -> None:
    """Each control, changed alone (on a fresh page), changes the weights or the loss that
    the same number of steps from the same start reaches; a new start says it is new."""
    tab, outside = page
    pages = _playground_pages(built_site)
    assert pages, "no page has a playground (nnscratch.playground)"
    names = ("lr", "momentum", "hidden", "activation", "loss", "batch", "seed")
    for path in pages:
        open_page(tab, server, path)
        for k in range(len(_ready(tab, path))):
            pg = tab.locator(PLAYGROUND).nth(k)
            n = len(pg.evaluate("el => JSON.parse(el.querySelector('.nn-pg-data').textContent).t"))
            steps = max(n, 8)
            for name in names:
                ident = pg.locator(f"[name={name}]").first.get_attribute("id")
                assert pg.locator(f"label[for='{ident}']").count() == 1, (
                    f"{path}: {name} unlabelled"
                )
            baseline = _run(pg, steps)
            assert _run(pg, steps) == baseline, f"{path}: two identical runs differ"
            for name in names:
                tab.reload(wait_until="load")
                _ready(tab, path)
                pg = tab.locator(PLAYGROUND).nth(k)
                control = pg.locator(f"[name={name}]").first
                if name == "activation" and pg.locator("input[name=hidden]").input_value() == "0":
                    assert control.is_disabled(), f"{path}: activation offered with no hidden layer"
                    continue
                changed = _run(pg, steps, _alternatives(pg)[name])
                assert changed != baseline, f"{path}: changing {name!r} did not change the run"
                if name in ("hidden", "seed"):
                    assert "differs from the chapter" in _readout(pg, "status")
    assert not outside, f"requests outside the site: {outside}"


def _data(pg) -> dict:
    """The points the playground trains on now, as the page holds them."""
    return pg.evaluate(
        "el => { const d = el.nnPlayground.data(); return {X: Array.from(d.X), t: Array.from(d.T)}; }"
    )


def test_playgrounds_train_on_points_placed_by_clicks(built_site: Site, server: str, page) -> None:
    """The reader clears the data, clicks four points of each class, removes one with a click,
    adds one by keyboard, trains on them (the regions and the loss follow), and gets the
    chapter's data back."""
    tab, outside = page
    pages = _playground_pages(built_site)
    assert pages, "no page has a playground (nnscratch.playground)"
    for path in pages:
        open_page(tab, server, path)
        for pg in _ready(tab, path):
            chapter = len(_data(pg)["t"])
            regions = pg.locator("canvas.nn-pg-regions")
            regions.scroll_into_view_if_needed()
            pg.locator("button[name=clear]").click()
            assert _data(pg)["t"] == [] and "0 of 0" in _readout(pg, "wrong")
            box = regions.bounding_box()
            for cls, fx in (("0", 0.3), ("1", 0.8)):
                pg.locator(f"input[name=edit][value='{cls}']").check()
                for fy in (0.2, 0.4, 0.6, 0.8):
                    regions.click(position={"x": fx * box["width"], "y": fy * box["height"]})
            made = _data(pg)
            assert sorted(made["t"]) == [0] * 4 + [1] * 4, f"{path}: clicks did not add points"
            xs = {
                c: [x for x, t in zip(made["X"][::2], made["t"], strict=True) if t == c]
                for c in (0, 1)
            }
            assert max(xs[0]) < min(xs[1]), f"{path}: points did not land where clicked"
            pg.locator("input[name=edit][value=remove]").check()
            regions.click(position={"x": 0.8 * box["width"], "y": 0.2 * box["height"]})
            assert sorted(_data(pg)["t"]) == [0] * 4 + [1] * 3, f"{path}: a click did not remove"
            pg.locator("input[name=edit][value='1']").check()
            regions.focus()
            tab.keyboard.press("Tab")  # leave and come back by keyboard: the cross shows
            tab.keyboard.press("Shift+Tab")
            for key in ("ArrowRight", "ArrowRight", "ArrowUp", "Enter"):
                tab.keyboard.press(key)
            assert len(_data(pg)["t"]) == 8, f"{path}: Enter on the picture did not add a point"
            assert "Added" in _readout(pg, "status")
            before = (regions.evaluate(CANVAS_PICTURE), _readout(pg, "loss"))
            pg.locator("button[name=train]").click()
            tab.wait_for_function(
                "el => parseInt(el.textContent, 10) >= 2",
                arg=pg.locator("output[name=out-epoch]").element_handle(),
                timeout=20_000,
            )
            pg.locator("button[name=pause]").click()
            after = (regions.evaluate(CANVAS_PICTURE), _readout(pg, "loss"))
            assert after[0] != before[0] and after[1] != before[1], (
                f"{path}: training on the reader's points"
            )
            assert _readout(pg, "wrong").endswith("of 8")
            pg.locator("button[name=data]").click()
            assert len(_data(pg)["t"]) == chapter, f"{path}: chapter's data did not come back"
    assert not outside, f"requests outside the site: {outside}"


def test_playgrounds_fit_a_phone_and_answer_touch(browser, built_site: Site, server: str) -> None:
    """On a 390-px-wide touch screen nothing sticks out, and a tap on train trains."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        tab = context.new_page()
        for path in _playground_pages(built_site):
            open_page(tab, server, path)
            for pg in _ready(tab, path):
                box = pg.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{path}: too wide {box}"
                for control in pg.locator("input, select, button").all():
                    c = control.bounding_box()
                    assert c["x"] + c["width"] <= 390, f"{path}: a control sticks out: {c}"
                    assert c["height"] >= 24, f"{path}: a control is too small to tap: {c}"
                pg.locator("button[name=train]").tap()
                tab.wait_for_function(
                    "el => parseInt(el.textContent, 10) >= 1",
                    arg=pg.locator("output[name=out-epoch]").element_handle(),
                    timeout=20_000,
                )
                pg.locator("button[name=pause]").tap()
            width = tab.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"{path}: the page scrolls sideways on a phone ({width} px)"
    finally:
        context.close()


# -- draw a digit (nnscratch.drawing): Chapter 7b's network reads the reader's drawing ---

DRAW = "[data-nn-draw]"
PAD = "canvas.nn-draw-canvas"
READ_BARS = "root => [...root.querySelectorAll('.nn-draw-pct')].map(e => e.textContent)"


def _chapter_7b(site: Site) -> str:
    pages = [p for p in site_pages(site) if Path(p).name.startswith("07b_")]
    assert pages, "the built site has no Chapter 7b page (07b_*.html)"
    return pages[0]


def _draw(tab, pad, strokes: list, *, touch=None) -> None:
    """Draw ``strokes`` (pad units, 0 to 1) on ``pad`` with the mouse, or with a finger
    through the DevTools protocol session ``touch``, one pointer event per recorded point."""
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()

    def at(u: float, v: float) -> tuple[float, float]:
        return box["x"] + u * box["width"], box["y"] + v * box["height"]

    for stroke in strokes:
        if touch is None:
            tab.mouse.move(*at(*stroke[0]))
            tab.mouse.down()
            for u, v in stroke[1:]:
                tab.mouse.move(*at(u, v))
            tab.mouse.up()
            continue
        for kind, points in (("touchStart", stroke[:1]), ("touchMove", stroke[1:])):
            for u, v in points:
                x, y = at(u, v)
                touch.send(
                    "Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]}
                )
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _pad_on_7b(tab, built_site: Site, server: str):
    path = _chapter_7b(built_site)
    open_page(tab, server, path)
    count = tab.locator(PAD).count()
    assert count == 1, (
        f"{path}: expected one draw-a-digit pad ({PAD}), found {count}; the cells of "
        "helpers/07b_draw_cells.md (nnscratch.drawing.digit_reader) are not in the chapter"
    )
    tab.wait_for_selector(f"{DRAW}[data-nn-ready='1']", timeout=20_000)
    return tab.locator(DRAW)


def test_a_hand_drawn_0_and_7_are_read_as_0_and_7(built_site: Site, server: str, page) -> None:
    """Recorded strokes drawn with the mouse on the built 7b page, offline: the bars change
    with each stroke, the network's top choice is the digit drawn, and the words say so.
    Prints the time from the last stroke's end to the updated bars."""
    from nnscratch.drawing import example_strokes

    tab, outside = page
    root = _pad_on_7b(tab, built_site, server)
    pad = root.locator(PAD)
    drawn = {e["label"]: e["strokes"] for e in example_strokes()}
    delays = []
    for label in ("0", "7"):
        root.locator("button[name=clear]").click()
        tab.wait_for_function("r => r.nnDigits.strokes().length === 0", arg=root.element_handle())
        seen = [root.evaluate(READ_BARS)]
        assert seen[0] == ["\u2013"] * 10, "an empty pad shows no probabilities"
        for stroke in drawn[label]:
            _draw(tab, pad, [stroke])
            tab.wait_for_function(
                "([r, n]) => r.nnDigits.timing().done >= r.nnDigits.timing().asked "
                "&& r.nnDigits.strokes().length === n",
                arg=[root.element_handle(), len(seen)],
            )
            seen.append(root.evaluate(READ_BARS))
            assert seen[-1] != seen[-2], f"drawing a stroke of the {label} did not move the bars"
        timing = root.evaluate("r => r.nnDigits.timing()")
        delays.append(timing["done"] - timing["asked"])
        last = root.evaluate("r => r.nnDigits.last()")
        assert last["top"] == int(label), f"a hand-drawn {label} was read as {last['top']}: {last}"
        assert f"reads a {label}" in root.locator(".nn-draw-status").inner_text()
        assert root.locator(f".nn-draw-bar.nn-draw-top[data-digit='{label}']").count() == 1
    print(f"\ndraw a digit: last stroke to updated bars {max(delays):.1f} ms (worst of {delays})")
    assert max(delays) < 250, f"the bars took {max(delays):.0f} ms to follow the last stroke"
    assert not outside, f"requests outside the site: {outside}"


def test_the_digit_pad_works_by_keyboard_and_by_finger_on_a_phone(
    browser, built_site: Site, server: str
) -> None:
    """On a 390-px touch screen the figure fits, its controls can be tapped, a finger's
    strokes are read; by keyboard, every button is reachable and an example is read aloud."""
    from nnscratch.drawing import example_strokes

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        tab = context.new_page()
        root = _pad_on_7b(tab, built_site, server)
        box = root.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"the figure is too wide: {box}"
        for control in root.locator("input, button").all():
            c = control.bounding_box()
            assert c["x"] + c["width"] <= 390 and c["height"] >= 24, f"a control: {c}"
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
        touch = context.new_cdp_session(tab)
        _draw(
            tab,
            root.locator(PAD),
            {e["label"]: e["strokes"] for e in example_strokes()}["0"],
            touch=touch,
        )
        tab.wait_for_function(
            "r => /reads a 0/.test(r.querySelector('.nn-draw-status').textContent)",
            arg=root.element_handle(),
            timeout=10_000,
        )
        buttons = root.locator("button").evaluate_all("bs => bs.map(b => b.name)")
        root.locator("button[name=undo]").focus()
        reached = []
        for _ in range(len(buttons) + 2):
            reached.append(tab.evaluate("() => document.activeElement.name"))
            tab.keyboard.press("Tab")
        assert set(buttons) <= set(reached) and {"fit", "centre"} <= set(reached), reached
        seven = next(k for k, e in enumerate(example_strokes()) if e["label"] == "7")
        root.locator(f"button[name=example-{seven}]").focus()
        tab.keyboard.press("Enter")
        status = root.locator("output.nn-draw-status")
        tab.wait_for_function("el => /reads a 7/.test(el.textContent)", arg=status.element_handle())
        assert status.get_attribute("aria-live") == "polite"
    finally:
        context.close()


# -- dark mode ---------------------------------------------------------------------------

FIGURES = "[data-nn-explore], [data-nn-playground], [data-nn-draw]"
COLOURS = """(figure) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const backdrop = (el) => {   // the colour actually behind an element
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const box = figure.parentElement;
  return {
    page: backdrop(document.body),
    behind: backdrop(figure),
    text: rgb(getComputedStyle(figure).color).slice(0, 3),
    boxPadding: getComputedStyle(box).paddingTop,
    filters: [...figure.querySelectorAll('img, canvas')].map(i => getComputedStyle(i).filter),
  };
}"""


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: list[float], b: list[float]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _switch_theme(tab, mode: str) -> None:
    """Press the theme's own switch button until the page is in ``mode``."""
    for _ in range(4):
        if tab.evaluate("() => document.documentElement.dataset.theme") == mode:
            return
        tab.locator(".theme-switch-button").first.click()
    assert tab.evaluate("() => document.documentElement.dataset.theme") == mode


def test_interactive_figures_read_well_in_light_and_dark_mode(
    built_site: Site, server: str, page
) -> None:
    """In both modes a figure sits on the page's own background, its text contrasts with
    it, and no picture is dimmed by the theme's filter."""
    tab, outside = page
    pages = [p for p in site_pages(built_site) if p in set(_figure_pages(built_site))]
    pages += [p for p in _playground_pages(built_site) if p not in pages]
    pages += [
        p
        for p in site_pages(built_site)
        if p not in pages and "data-nn-draw" in (built_site.html / p).read_text("utf-8")
    ]
    assert pages, "no page has an interactive figure"
    for path in pages:
        open_page(tab, server, path)
        for mode in ("dark", "light"):
            _switch_theme(tab, mode)
            for figure in tab.locator(FIGURES).all():
                seen = figure.evaluate(COLOURS)
                where = f"{path} ({mode} mode)"
                assert seen["behind"] == seen["page"], f"{where}: figure box {seen}"
                assert seen["boxPadding"] in ("0px", ""), f"{where}: figure in a padded box"
                assert _contrast(seen["text"], seen["page"]) >= 4.5, f"{where}: text {seen}"
                assert all(f == "none" for f in seen["filters"]), f"{where}: dimmed {seen}"
        _switch_theme(tab, "light")
    assert not outside, f"requests outside the site: {outside}"
