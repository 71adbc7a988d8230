"""Training steps per second of the live playground's JavaScript, in headless Chromium.

    .venv/bin/python benchmarks/playground_speed.py

Writes Chapter 4's starting network (the 2-2-1 sigmoid network on the four XOR
points) and Chapter 2's perceptron setting into a page with
``nnscratch.playground.playground``, opens it in Debian's Chromium (the browser
tier's flags, no network), and times the page's own training step: per-example
steps for half a second, after a warm-up, best of three rounds. Full-batch steps on
the four XOR points are timed the same way.

Writes ``benchmarks/results/playground_speed.json`` and ``.md``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script
from playwright.sync_api import sync_playwright

from nnscratch.data import xor_table
from nnscratch.playground import playground

RESULTS = Path(__file__).resolve().parent / "results"
SCRIPT = Path(__file__).resolve().parents[1] / "src" / "nnscratch" / "playground.js"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

TIME_STEPS = """([batch, rounds]) => {
  const root = document.querySelector('.nn-playground');
  const c = root.nnPlayground.core;
  const cfg = JSON.parse(root.querySelector('script.nn-pg-data').textContent);
  const X = Float64Array.from(cfg.X), T = Float64Array.from(cfg.t), n = cfg.t.length;
  const all = Array.from({length: n}, (_, i) => i);
  const o = {activation: cfg.activation, loss: cfg.loss, lr: 1e-3, momentum: 0.9};
  const best = [];
  for (let r = 0; r < rounds; r++) {
    const net = c.copyNet(cfg.start), v = c.zeroLike(net);
    let steps = 0; const t0 = performance.now();
    while (performance.now() - t0 < 500) {
      for (let k = 0; k < 1000; k++) c.step(net, v, X, T, batch ? all : [k % n], o);
      steps += 1000;
    }
    best.push(steps / ((performance.now() - t0) / 1000));
  }
  return Math.max(...best.slice(1));  // the first round warms up
}"""


def page(figure) -> str:
    head = "<!doctype html><html><head><meta charset='utf-8'></head>"
    return f"{head}<body>{figure._repr_html_()}</body></html>"


def main() -> dict:
    X, T = xor_table()
    rng = np.random.default_rng(3)
    params = {
        "W1": rng.normal(size=(2, 2)),
        "b1": rng.normal(size=2),
        "W2": rng.normal(size=(2, 1)),
        "b2": rng.normal(size=1),
    }
    figure = playground(X, T, params, loss="squared", lr=2.0, batch="full", epochs=1500)
    results = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        path = Path(folder) / "playground.html"
        path.write_text(page(figure))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        tab = browser.new_page()
        tab.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        tab.goto(path.as_uri())
        tab.wait_for_function("document.querySelector('.nn-playground').nnPlayground !== undefined")
        for name, batch in (("per-example steps", False), ("full-batch steps (4 examples)", True)):
            results[name] = tab.evaluate(TIME_STEPS, [batch, 4])
            print(f"XOR 2-2-1, {name}: {results[name]:,.0f} per second")
        version = browser.version
        browser.close()
    result = {
        "network": "2-2-1 sigmoid on the four XOR points, squared error, momentum 0.9",
        "steps_per_second": results,
        "script_bytes": len(
            (Path(__file__).parents[1] / "src/nnscratch/playground.js").read_bytes()
        ),
        "browser": f"Chromium {version}, headless",
        "machine": {"cpu": cpu_model()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "playground_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = "\n".join(f"| {k} | {v:,.0f} |" for k, v in results.items())
    (RESULTS / "playground_speed.md").write_text(
        f"""# The playground's training speed in the browser

Produced by `.venv/bin/python benchmarks/playground_speed.py`:
{result["network"]}, timed in {result["browser"]} on {result["machine"]["cpu"]}
(best of three half-second rounds after a warm-up).
`playground.js` is {result["script_bytes"]:,} bytes, unminified.

| what | per second |
|---|---:|
{rows}

The page itself trains far slower on purpose — a few epochs per animation frame — so
that a reader can watch the regions move.
"""
    )
    return result


if __name__ == "__main__":
    main()
