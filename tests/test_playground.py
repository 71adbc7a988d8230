"""The playground's JavaScript computes what nnscratch computes: parity under Node.

The training core of ``src/nnscratch/playground.js`` runs under Node on the same
data, starting weights, example order and hyperparameters as ``nnscratch.fit``
with the package's layers, losses and ``Momentum`` optimiser. The loss of every
step's batch (what ``fit`` reports), the loss on all the data after every step
and the final weights must agree to 1e-12 relative, for every activation × loss ×
update mode the page offers (with and without momentum). A deliberately wrong
JavaScript gradient must fail the same check.

Without ``node`` the tier is skipped, except under CI (env ``CI`` set), where it fails.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nnscratch import Momentum, fit
from nnscratch.data import rectangles, xor_rectangles, xor_table
from nnscratch.playground import (
    ACTIVATIONS,
    BATCHES,
    LOSSES,
    Playground,
    package_network,
    playground,
    script,
)

RTOL = 1e-12
SCRIPT = Path(__file__).resolve().parent.parent / "src" / "nnscratch" / "playground.js"

DRIVER = r"""
const core = require(process.argv[2]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = cases.map((c) => {
  const X = Float64Array.from(c.X), T = Float64Array.from(c.t);
  const net = {hidden: c.start.hidden};
  for (const k of Object.keys(c.start)) if (k !== "hidden") net[k] = Float64Array.from(c.start[k]);
  const velocity = core.zeroLike(net), batch = [], after = [];
  for (const rows of c.schedule) {
    batch.push(core.step(net, velocity, X, T, rows, c.opts));
    after.push(core.evaluate(net, X, T, c.opts).loss);
  }
  const weights = {};
  for (const k of core.paramNames(net)) weights[k] = Array.from(net[k]);
  return {batch, after, weights};
});
process.stdout.write(JSON.stringify(results));
"""


def node() -> str:
    """The Node executable, or a skip (a failure under CI) when it is absent."""
    found = shutil.which("node") or shutil.which("nodejs")
    if found is None:
        message = "node is missing (apt-get install nodejs); the playground parity test needs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def run_js(cases: list[dict], tmp: Path, source: str | None = None) -> list[dict]:
    """Run the playground core (or a changed copy of its source) on ``cases`` under Node."""
    path = SCRIPT
    if source is not None:
        path = tmp / "changed_playground.js"
        path.write_text(source)
    driver = tmp / "driver.js"
    driver.write_text(DRIVER)
    done = subprocess.run(
        [node(), str(driver), str(path)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def schedule(n: int, batch: str, epochs: int, seed: int) -> list[list[int]]:
    """The batches ``fit`` visits: a permutation of the examples per epoch, as fit draws it."""
    size = 1 if batch == "example" else n
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(epochs):
        order = rng.permutation(n)
        rows += [order[k : k + size].tolist() for k in range(0, n, size)]
    return rows


def start_weights(hidden: int, seed: int) -> dict:
    """Random starting weights (normal, sd 1) in the page's flat form."""
    rng = np.random.default_rng(seed)
    if hidden == 0:
        return {"hidden": 0, "W": rng.normal(size=2).tolist(), "b": rng.normal(size=1).tolist()}
    return {
        "hidden": hidden,
        "W1": rng.normal(size=2 * hidden).tolist(),
        "b1": rng.normal(size=hidden).tolist(),
        "W2": rng.normal(size=hidden).tolist(),
        "b2": rng.normal(size=1).tolist(),
    }


def shaped(start: dict) -> dict:
    """Flat page weights as the arrays a chapter holds (W1 of shape (2, H), ...)."""
    H = start["hidden"]
    shapes = {"W": (2, 1), "b": (1,), "W1": (2, H), "b1": (H,), "W2": (H, 1), "b2": (1,)}
    return {k: np.reshape(v, shapes[k]) for k, v in start.items() if k != "hidden"}


DATA = {
    "xor": xor_table(),
    "xor rectangles": xor_rectangles(40, seed=1),
    "rectangles": rectangles(40, noise=0.3, seed=0),
}


def make_case(data, hidden, activation, loss, batch, momentum, lr, epochs, seed) -> dict:
    X, y = DATA[data]
    return {
        "name": f"{data}, {hidden} hidden, {activation}, {loss}, {batch}, momentum {momentum}",
        "X": np.asarray(X, dtype=float).ravel().tolist(),
        "t": np.asarray(y).reshape(-1).astype(int).tolist(),
        "start": start_weights(hidden, seed),
        "opts": {"activation": activation, "loss": loss, "lr": lr, "momentum": momentum},
        "schedule": schedule(len(X), batch, epochs, seed),
        "data": data,
        "batch": batch,
        "epochs": epochs,
        "seed": seed,
    }


CASES = [
    make_case("xor", 2, act, loss, batch, mu, lr=1.0, epochs=150, seed=3)
    for act, loss, batch, mu in itertools.product(ACTIVATIONS, LOSSES, BATCHES, (0.0, 0.9))
]
CASES += [  # more hidden units on noisy data; no hidden layer (the perceptron) on rectangles
    make_case("xor rectangles", 3, act, loss, batch, 0.5, lr=0.2, epochs=8, seed=1)
    for act, loss, batch in itertools.product(ACTIVATIONS, LOSSES, BATCHES)
]
CASES += [
    make_case("rectangles", 0, "sigmoid", loss, batch, mu, lr=0.2, epochs=10, seed=7)
    for loss, batch, mu in itertools.product(LOSSES, BATCHES, (0.0, 0.9))
]


def run_python(case: dict) -> dict:
    """The same run with the package: its layers, loss, Momentum and fit."""
    X, y = DATA[case["data"]]
    model, loss = package_network(case["start"], case["opts"]["activation"], case["opts"]["loss"])
    n = len(X)
    batch, after = [], []

    def on_batch(step: int, model, value: float) -> None:
        batch.append(value)
        after.append(loss.value(model.forward(X), y))

    fit(
        model,
        loss,
        Momentum(case["opts"]["lr"], momentum=case["opts"]["momentum"]),
        X,
        y,
        epochs=case["epochs"],
        batch_size=1 if case["batch"] == "example" else n,
        seed=case["seed"],
        on_batch=on_batch,
        progress=False,
    )
    linear = [layer for layer in model.layers if "W" in layer.params]
    if case["start"]["hidden"] == 0:
        weights = {"W": linear[0].params["W"].ravel(), "b": linear[0].params["b"]}
    else:
        weights = {
            "W1": linear[0].params["W"].ravel(),
            "b1": linear[0].params["b"],
            "W2": linear[1].params["W"].ravel(),
            "b2": linear[1].params["b"],
        }
    return {"batch": batch, "after": after, "weights": weights}


def relative_error(js: dict, py: dict) -> float:
    """The largest relative difference over every loss and every final weight.

    A weight array compares relative to its largest entry (a weight that happens to
    end near 0 is not judged on its own), and a loss relative to the larger of itself
    and the run's mean loss: the squared error of one example the network already
    gets right, say 1e-8, comes from ``σ(z) − t`` with ``σ(z)`` near 1, a cancellation
    that turns a last-bit difference in ``exp`` or ``tanh`` (V8's and numpy's differ
    in the last bit for about one value in ten, and three in ten) into a relative
    difference near 1e-12 in that one tiny number (likewise a perceptron criterion
    made of one small margin).
    """
    worst = 0.0
    for key, b in py["weights"].items():
        a, b = np.asarray(js["weights"][key], dtype=float), np.asarray(b, dtype=float)
        scale = np.max(np.abs(b))
        worst = max(worst, float(np.max(np.abs(a - b))) / scale if scale else float(np.any(a)))
    for a, b in [(js["batch"], py["batch"]), (js["after"], py["after"])]:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        assert a.shape == b.shape, (a.shape, b.shape)
        scale = np.maximum(np.abs(b), np.mean(np.abs(b)))
        diff = np.abs(a - b)
        both_zero = (diff == 0) & (scale == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(both_zero, 0.0, diff / scale)
        worst = max(worst, float(np.max(rel, initial=0.0)))
    return worst


@pytest.fixture(scope="module")
def parity(tmp_path_factory) -> list[tuple[dict, dict, dict]]:
    tmp = tmp_path_factory.mktemp("playground")
    js = run_js(CASES, tmp)
    return [(case, j, run_python(case)) for case, j in zip(CASES, js, strict=True)]


def test_every_setting_the_page_offers_is_covered() -> None:
    offered = {(c["opts"]["activation"], c["opts"]["loss"], c["batch"]) for c in CASES}
    assert offered >= set(itertools.product(ACTIVATIONS, LOSSES, BATCHES))
    assert {c["opts"]["momentum"] for c in CASES} >= {0.0, 0.9}
    assert {c["start"]["hidden"] for c in CASES} >= {0, 2, 3}


def test_javascript_matches_the_package(parity) -> None:
    """Every step's loss and the final weights agree to 1e-12 relative, in every case."""
    errors = {case["name"]: relative_error(js, py) for case, js, py in parity}
    worst = max(errors, key=errors.get)
    steps = sum(len(case["schedule"]) for case in CASES)
    print(
        f"\nplayground parity: {len(CASES)} runs, {steps} steps; "
        f"max relative error {errors[worst]:.2e} ({worst})"
    )
    bad = {name: e for name, e in errors.items() if not e <= RTOL}
    assert not bad, f"JavaScript and nnscratch differ by more than {RTOL:g}: {bad}"
    # the runs really train: the loss moves in every run
    for case, js, _ in parity:
        assert js["after"][-1] != js["after"][0], case["name"]


MUTATIONS = {
    "sigmoid slope dropped from the hidden layer's backward pass": (
        "return g * a * (1.0 - a);",
        "return g * a;",
    ),
    "cross-entropy delta without the 1/n": (
        "delta[k] = (sigmoid(z[k]) - t[k]) / n;",
        "delta[k] = sigmoid(z[k]) - t[k];",
    ),
    "tanh slope 1 - a instead of 1 - a^2": (
        "return g * (1.0 - a * a);",
        "return g * (1.0 - a);",
    ),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_a_wrong_javascript_gradient_fails_the_parity_check(mutation, tmp_path) -> None:
    """The check has teeth: each slip, put into a copy of the script, is caught."""
    old, new = MUTATIONS[mutation]
    source = SCRIPT.read_text()
    assert source.count(old) == 1, f"the line to change is not in playground.js: {old}"
    cases = [c for c in CASES if c["data"] == "xor" and c["batch"] == "full"]
    js = run_js(cases, tmp_path, source.replace(old, new))
    errors = [relative_error(j, run_python(c)) for c, j in zip(cases, js, strict=True)]
    assert max(errors) > 1e-3, f"{mutation}: the parity check did not notice ({max(errors):.1e})"


def test_the_page_starts_from_exactly_the_weights_given() -> None:
    X, T = xor_table()
    rng = np.random.default_rng(3)
    params = {k: rng.normal(size=s) for k, s in (("W1", (2, 2)), ("b1", 2), ("W2", (2, 1)))}
    params["b2"] = np.array([0.1 + 0.2])  # a float whose decimal form needs all 17 digits
    page = playground(X, T, params, loss="cross-entropy", lr=2.0)
    data = re.search(r'class="nn-pg-data">(.*?)</script>', page.html()).group(1)
    start = json.loads(data)["start"]
    for key, value in params.items():
        assert np.array_equal(np.array(start[key]), value.ravel()), key  # bit for bit
    model, _ = package_network(start, "sigmoid", "squared")
    assert np.array_equal(model.layers[0].params["W"], params["W1"])


def test_networks_from_the_package_are_read_as_they_are() -> None:
    from nnscratch import Linear, ReLU, Sequential, Sigmoid, Step, mlp

    X, y = rectangles(20, seed=0)
    perceptron = Sequential(Linear(W=[[0.0], [1.0]], b=[-1.2]), Step())
    page = Playground(X, y, perceptron, loss="perceptron")
    assert page.config["start"] == {"hidden": 0, "W": [0.0, 1.0], "b": [-1.2]}
    net = mlp([2, 3, 1], ReLU, seed=0)
    page = Playground(X, y, Sequential(*net.layers, Sigmoid()))
    assert page.config["activation"] == "relu" and page.config["start"]["hidden"] == 3
    assert page.config["start"]["W1"] == net.layers[0].params["W"].ravel().tolist()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"loss": "hinge"}, "loss='hinge'"),
        ({"batch": "mini"}, "batch='mini'"),
        ({"momentum": 1.0}, "momentum=1.0"),
        ({"seed": 1.5}, "seed=1.5"),
    ],
)
def test_bad_options_are_refused_with_the_choices(kwargs, message) -> None:
    X, T = xor_table()
    with pytest.raises(ValueError, match=re.escape(message)):
        playground(X, T, shaped(start_weights(2, 0)), **kwargs)


def test_bad_networks_and_data_are_refused() -> None:
    from nnscratch import ELU, Linear, Sequential

    X, T = xor_table()
    with pytest.raises(ValueError, match="shape"):
        playground(X, T, {"W": np.zeros((3, 1)), "b": np.zeros(1)})
    with pytest.raises(ValueError, match="not offered"):
        playground(X, T, Sequential(Linear(W=np.ones((2, 2))), ELU(), Linear(W=np.ones((2, 1)))))
    with pytest.raises(ValueError, match="0 or 1"):
        playground(X, T * 2, {"W": np.zeros((2, 1)), "b": np.zeros(1)})
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        playground(np.ones((4, 3)), T, {"W": np.zeros((2, 1)), "b": np.zeros(1)})


def test_output_is_deterministic_self_contained_and_labelled() -> None:
    X, T = xor_table()
    params = shaped(start_weights(2, 0))
    one, two = playground(X, T, params), playground(X, T, params)
    assert one.html() == two.html()
    bundle = one._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    page = bundle["text/html"]
    assert script() in page and "http://" not in page and "https://" not in page
    assert "src=" not in page  # nothing loaded: the script is inline
    for name in ("lr", "momentum", "hidden", "activation", "loss", "batch", "seed"):
        ident = re.search(rf'id="([^"]+)" name="{name}"', page).group(1)
        assert f'<label for="{ident}">' in page, f"{name} has no label"
    for name in ("train", "pause", "step", "reset"):
        assert f'<button type="button" name="{name}" disabled>' in page


def test_the_script_ships_with_the_package() -> None:
    import tomllib

    pyproject = tomllib.loads((SCRIPT.parents[2] / "pyproject.toml").read_text())
    assert "playground.js" in pyproject["tool"]["setuptools"]["package-data"]["nnscratch"]
    assert script() == SCRIPT.read_text()
