"""The pages' JavaScript computes what nnscratch computes: parity under Node.

The training core of ``src/nnscratch/nncore.js`` runs under Node on the same
data, starting weights, example order and hyperparameters as ``nnscratch.fit``
with the package's layers, losses and ``Momentum`` optimiser. The loss of every
step's batch (what ``fit`` reports), the loss on all the data after every step
and the final weights must agree to 1e-12 relative, for every activation × loss ×
update mode the page offers (with and without momentum), and on data sets the
reader makes by adding and removing points as the page does. A deliberately wrong
JavaScript gradient must fail the same check.

The digit reader (``nncore.js`` again, :mod:`nnscratch.drawing` in Python) turns
the same strokes into the same 32 × 32 bitmap and the same block counts, pixel for
pixel, and the same ten probabilities to 1e-12, with the weights read from the
page's own encoding; the block counts also match bitmaps whose counts are known.

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
PACKAGE = Path(__file__).resolve().parent.parent / "src" / "nnscratch"
SCRIPT = PACKAGE / "nncore.js"

DRIVER = r"""
const core = require(process.argv[2]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = cases.map((c) => {
  let data = {X: Float64Array.from(c.X), T: Float64Array.from(c.t)};
  for (const [kind, x0, x1, arg, sy] of c.edits || []) {   // the reader's clicks, as the page does them
    if (kind === "add") data = core.withPoint(data, x0, x1, arg);
    else data = core.withoutPoint(data, core.nearestPoint(data, x0, x1, arg, sy).index);
  }
  const X = data.X, T = data.T;
  const net = {hidden: c.start.hidden};
  for (const k of Object.keys(c.start)) if (k !== "hidden") net[k] = Float64Array.from(c.start[k]);
  const velocity = core.zeroLike(net), batch = [], after = [];
  for (const rows of c.schedule) {
    batch.push(core.step(net, velocity, X, T, rows, c.opts));
    after.push(core.evaluate(net, X, T, c.opts).loss);
  }
  const weights = {};
  for (const k of core.paramNames(net)) weights[k] = Array.from(net[k]);
  return {batch, after, weights, X: Array.from(X), t: Array.from(T)};
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


def run_js(
    cases: list[dict], tmp: Path, source: str | None = None, driver_source: str = DRIVER
) -> list[dict]:
    """Run the core (or a changed copy of its source) on ``cases`` under Node."""
    path = SCRIPT
    if source is not None:
        path = tmp / "changed_nncore.js"
        path.write_text(source)
    driver = tmp / "driver.js"
    driver.write_text(driver_source)
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


def reader_made(X: np.ndarray, t: np.ndarray, edits: list) -> tuple[np.ndarray, np.ndarray]:
    """The data after the reader's edits, computed here independently of the page's code:
    ``["add", x0, x1, t]`` appends a point; ``["remove", x0, x1, sx, sy]`` deletes the
    point nearest to ``(x0, x1)`` in screen units (``sx``, ``sy`` pixels per data unit)."""
    X, t = np.array(X, dtype=float), np.array(t, dtype=float).reshape(-1)
    for kind, x0, x1, *rest in edits:
        if kind == "add":
            X, t = np.vstack([X, [x0, x1]]), np.append(t, rest[0])
        else:
            sx, sy = rest
            k = int(np.argmin(((X[:, 0] - x0) * sx) ** 2 + ((X[:, 1] - x1) * sy) ** 2))
            X, t = np.delete(X, k, axis=0), np.delete(t, k)
    return X, t


# Points a reader might place by clicking on Chapter 2's picture (xlim = ylim = (0, 2),
# about 260 × 258 pixels): a tall point among the wide ones and a wide one among the
# tall, three removed near where points are, and a cluster of their own.
EDITS = [
    ["add", 1.4153846153846155, 0.6434108527131783, 1],
    ["add", 0.3076923076923077, 1.7054263565891472, 0],
    ["remove", 0.5, 1.0, 130.0, 129.0],
    ["remove", 1.2, 0.4, 130.0, 129.0],
    ["add", 1.8, 1.8, 1],
    ["add", 1.85, 1.75, 1],
    ["add", 1.9, 1.85, 0],
    ["remove", 1.0, 1.0, 130.0, 129.0],
]
DATA["reader-made"] = reader_made(*DATA["rectangles"], EDITS)


def make_case(data, hidden, activation, loss, batch, momentum, lr, epochs, seed) -> dict:
    X, y = DATA[data]
    base = DATA["rectangles"] if data == "reader-made" else (X, y)
    return {
        "name": f"{data}, {hidden} hidden, {activation}, {loss}, {batch}, momentum {momentum}",
        "X": np.asarray(base[0], dtype=float).ravel().tolist(),
        "t": np.asarray(base[1]).reshape(-1).astype(int).tolist(),
        "edits": EDITS if data == "reader-made" else [],
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
CASES += [  # the reader's own points: the perceptron of Chapter 2 and a hidden layer
    make_case("reader-made", hidden, act, loss, batch, 0.5, lr=0.2, epochs=6, seed=2)
    for hidden, act in ((0, "sigmoid"), (3, "tanh"))
    for loss, batch in itertools.product(LOSSES, BATCHES)
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
    made = {(c["start"]["hidden"], c["opts"]["loss"], c["batch"]) for c in CASES if c["edits"]}
    assert made >= set(itertools.product((0, 3), LOSSES, BATCHES))


def test_the_page_edits_the_data_as_the_reader_clicks(parity) -> None:
    """Points added and removed by the page's code are the ones meant, bit for bit."""
    X, t = DATA["reader-made"]
    base = DATA["rectangles"]
    assert len(X) == len(base[0]) + 5 - 3
    for case, js, _ in parity:
        if case["edits"]:
            assert np.array_equal(np.reshape(js["X"], (-1, 2)), X), case["name"]
            assert np.array_equal(js["t"], t), case["name"]


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
    assert source.count(old) == 1, f"the line to change is not in nncore.js: {old}"
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
    assert script("nncore.js") in page and script("playground.js") in page
    assert "http://" not in page and "https://" not in page
    assert "src=" not in page  # nothing loaded: the script is inline
    for name in ("lr", "momentum", "hidden", "activation", "loss", "batch", "seed"):
        ident = re.search(rf'id="([^"]+)" name="{name}"', page).group(1)
        assert f'<label for="{ident}">' in page, f"{name} has no label"
    for name in ("train", "pause", "step", "reset", "data", "clear"):
        assert f'<button type="button" name="{name}" disabled>' in page
    radios = re.findall(r'<label class="nn-pg-radio"><input type="radio" name="edit"', page)
    assert len(radios) == 3, "each choice of what a click does is labelled"


def test_the_point_editor_names_the_chapters_classes() -> None:
    X, y = rectangles(20, seed=0)
    page = playground(X, y, {"W": np.zeros((2, 1)), "b": np.zeros(1)}, classes=("wide", "tall"))
    assert "adds a wide point (vermilion)" in page.html() and page.config["classes"] == [
        "wide",
        "tall",
    ]
    with pytest.raises(ValueError, match="two names"):
        playground(X, y, {"W": np.zeros((2, 1)), "b": np.zeros(1)}, classes=("wide",))


def test_the_scripts_ship_with_the_package() -> None:
    import tomllib

    pyproject = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["setuptools"]["package-data"]["nnscratch"]
    for name in ("nncore.js", "playground.js", "digits.js", "digit_strokes.json"):
        assert name in shipped, name
        assert (PACKAGE / name).read_text() == (
            script(name) if name.endswith(".js") else (PACKAGE / name).read_text()
        )
    assert script() == (PACKAGE / "playground.js").read_text()


# -- the digit reader: strokes -> bitmap -> block counts -> probabilities --------------

READER_DRIVER = r"""
const core = require(process.argv[2]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = cases.map((c) => {
  if (c.bitmap) return {counts: Array.from(core.blockCounts(Uint8Array.from(c.bitmap)))};
  const made = core.digitImage(c.strokes, c.opts);
  const net = {hidden: c.net.hidden};
  for (const k of ["W1", "b1", "W2", "b2"]) net[k] = core.decode(c.net[k], c.net.dtype);
  return {
    bitmap: Array.from(made.bitmap), counts: Array.from(made.counts), image: Array.from(made.image),
    p: Array.from(core.readDigit(net, made.image)),
  };
});
process.stdout.write(JSON.stringify(results));
"""


def small_reader(dtype) -> object:
    """A digit reader trained for a few epochs (in the test, not the chapter's network)."""
    from nnscratch import Adam, ReLU, SoftmaxCrossEntropy, mlp
    from nnscratch.data import load_digits

    X, t = load_digits()
    net = mlp([64, 24, 10], ReLU, seed=1, dtype=dtype)
    fit(
        net,
        SoftmaxCrossEntropy(),
        Adam(0.01),
        X.astype(dtype),
        t,
        epochs=4,
        batch_size=64,
        seed=0,
        progress=False,
    )
    return net


def random_strokes(rng: np.random.Generator) -> list:
    """A few wobbly strokes anywhere on the pad, as a reader's hand might leave them."""
    strokes = []
    for _ in range(rng.integers(1, 4)):
        n = int(rng.integers(1, 40))
        start = rng.uniform(0.1, 0.9, size=2)
        steps = rng.normal(0, 0.03, size=(n, 2)).cumsum(axis=0)
        strokes.append(np.clip(start + steps, 0, 1).tolist())
    return strokes


def reader_cases() -> list[dict]:
    from nnscratch.drawing import example_strokes, reader_data

    rng = np.random.default_rng(5)
    drawings = [e["strokes"] for e in example_strokes()]
    drawings += [random_strokes(rng) for _ in range(12)]
    drawings += [[[[0.5, 0.5]]], [[[0.0, 0.0], [1.0, 1.0]]], [[[0.140625, 0.140625]]]]
    cases = []
    for dtype in (np.float32, np.float64):
        net = reader_data(small_reader(dtype), examples=[])
        for k, strokes in enumerate(drawings):
            for fit_, centre in itertools.product((False, True), repeat=2):
                opts = {"fit": fit_, "centre": centre, "radius": 2.5 if k % 3 else 1.75}
                cases.append({"strokes": strokes, "opts": opts, "net": net, "dtype": dtype})
    return cases


@pytest.fixture(scope="module")
def reader_parity(tmp_path_factory) -> list[tuple[dict, dict]]:
    cases = reader_cases()
    wire = [{k: v for k, v in c.items() if k != "dtype"} for c in cases]
    js = run_js(wire, tmp_path_factory.mktemp("reader"), driver_source=READER_DRIVER)
    return list(zip(cases, js, strict=True))


def test_the_reader_agrees_with_the_package_on_every_drawing(reader_parity) -> None:
    """Same bitmap and block counts, pixel for pixel; probabilities within 1e-12."""
    from nnscratch.drawing import centred, digit_image, rasterise, read_digit, to_pixels

    worst = 0.0
    models = {}
    for case, js in reader_parity:
        o = case["opts"]
        bitmap = rasterise(
            to_pixels(case["strokes"], fit=o["fit"], radius=o["radius"]), radius=o["radius"]
        )
        if o["centre"]:
            bitmap = centred(bitmap)
        assert np.array_equal(np.reshape(js["bitmap"], (32, 32)), bitmap), o
        image = digit_image(case["strokes"], fit=o["fit"], centre=o["centre"], radius=o["radius"])
        assert np.array_equal(js["image"], image), o
        model = models.setdefault(case["dtype"], small_reader(case["dtype"]))
        p = read_digit(model, image)
        worst = max(worst, float(np.max(np.abs(np.asarray(js["p"]) - p))))
    print(f"\ndigit reader parity: {len(reader_parity)} drawings; max |Δp| {worst:.1e}")
    assert worst <= RTOL
    tops = {int(np.argmax(js["p"])) for _, js in reader_parity}
    assert len(tops) >= 5, f"the test network should read different digits, read only {tops}"


def test_block_counts_are_the_known_counts(tmp_path) -> None:
    """Bitmaps whose 4 × 4 blocks hold known numbers of pixels (0 to 16) give those numbers,
    in JavaScript and in Python; and a dot of the pen centred on a pixel turns on the 21
    pixels within its reach (5 + 2 · 5 + 2 · 3)."""
    from nnscratch.drawing import block_counts, digit_image

    rng = np.random.default_rng(0)
    known = [
        (3 * np.arange(8)[:, None] + 5 * np.arange(8)[None, :]) % 17,
        rng.integers(0, 17, (8, 8)),
    ]
    known += [np.zeros((8, 8), int), np.full((8, 8), 16)]
    bitmaps = []
    for counts in known:
        bitmap = np.zeros((32, 32), dtype=np.uint8)
        for (i, j), c in np.ndenumerate(counts):
            block = np.zeros(16, dtype=np.uint8)
            block[rng.permutation(16)[:c]] = 1  # c pixels on, anywhere in the block
            bitmap[4 * i : 4 * i + 4, 4 * j : 4 * j + 4] = block.reshape(4, 4)
        bitmaps.append(bitmap)
    js = run_js(
        [{"bitmap": b.ravel().tolist()} for b in bitmaps], tmp_path, driver_source=READER_DRIVER
    )
    for counts, bitmap, j in zip(known, bitmaps, js, strict=True):
        assert np.array_equal(block_counts(bitmap), counts)
        assert np.array_equal(np.reshape(j["counts"], (8, 8)), counts)
    # a dot at the centre of pixel (4, 4) (u = v = 4.5 / 32 on the pad, as drawn) turns on
    # the pixels (i, j) with (i − 4)² + (j − 4)² ≤ 2.5²: 21 of them, over four blocks
    dot = digit_image([[[4.5 / 32, 4.5 / 32]]], fit=False, centre=False).reshape(8, 8) * 16
    pixels = [(i, j) for i in range(32) for j in range(32) if (i - 4) ** 2 + (j - 4) ** 2 <= 6.25]
    expected = np.zeros((8, 8))
    for i, j in pixels:
        expected[i // 4, j // 4] += 1
    assert len(pixels) == 21 and expected[:2, :2].tolist() == [[3, 5], [5, 8]]
    assert np.array_equal(dot, expected) and expected.sum() == 21


READER_MUTATIONS = {
    "counts not divided by 16": ("image[k] = counts[k] / 16.0;", "image[k] = counts[k] / 15.0;"),
    "ReLU left out": ("h[j] = Math.max(h[j], 0.0);", "h[j] = h[j];"),
    "the pen one pixel wider": (
        "if (ex * ex + ey * ey <= r2) bitmap",
        "if (ex * ex + ey * ey <= r2 + 2 * radius + 1) bitmap",
    ),
}


@pytest.mark.parametrize("mutation", list(READER_MUTATIONS))
def test_a_wrong_reader_fails_the_parity_check(mutation, tmp_path) -> None:
    from nnscratch.drawing import digit_image, example_strokes, read_digit, reader_data

    old, new = READER_MUTATIONS[mutation]
    source = SCRIPT.read_text()
    assert source.count(old) == 1, f"the line to change is not in nncore.js: {old}"
    model = small_reader(np.float64)
    net = reader_data(model, examples=[])
    strokes = [e["strokes"] for e in example_strokes()]
    cases = [{"strokes": s, "opts": {"fit": True, "centre": False}, "net": net} for s in strokes]
    js = run_js(cases, tmp_path, source.replace(old, new), driver_source=READER_DRIVER)
    gaps = [
        np.max(np.abs(np.asarray(j["p"]) - read_digit(model, digit_image(s, centre=False))))
        for j, s in zip(js, strokes, strict=True)
    ]
    assert max(gaps) > 1e-3, f"{mutation}: the parity check did not notice ({max(gaps):.1e})"


def test_the_reader_page_carries_the_weights_exactly_and_labels_its_controls() -> None:
    import base64

    from nnscratch.drawing import digit_reader

    model = small_reader(np.float32)
    one, two = digit_reader(model, title="Draw"), digit_reader(model, title="Draw")
    assert one.html() == two.html()
    bundle = one._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    page = bundle["text/html"]
    assert script("nncore.js") in page and script("digits.js") in page
    assert "http://" not in page and "https://" not in page and "src=" not in page
    cfg = json.loads(re.search(r'class="nn-draw-data">(.*?)</script>', page).group(1))
    W1 = np.frombuffer(base64.b64decode(cfg["W1"]), dtype="<f4").reshape(64, 24)
    assert cfg["dtype"] == "f4" and np.array_equal(W1, model.layers[0].params["W"])  # bit for bit
    for name in ["undo", "clear"] + [f"example-{k}" for k in range(len(cfg["examples"]))]:
        assert f'<button type="button" name="{name}" disabled>' in page, name
    assert {e["label"] for e in cfg["examples"]} >= set("0123456789")
    assert 'class="nn-draw-canvas"' in page and 'aria-live="polite"' in page
    for name in ("fit", "centre"):
        assert re.search(rf'<label><input type="checkbox" name="{name}"', page), name


def test_bad_reader_models_are_refused() -> None:
    from nnscratch import Linear, ReLU, Sequential, Sigmoid
    from nnscratch.drawing import digit_reader

    with pytest.raises(ValueError, match="W1 has shape"):
        digit_reader(
            {
                "W1": np.zeros((63, 4)),
                "b1": np.zeros(4),
                "W2": np.zeros((4, 10)),
                "b2": np.zeros(10),
            }
        )
    with pytest.raises(ValueError, match="expected Sequential"):
        digit_reader(Sequential(Linear(64, 4, seed=0), Sigmoid(), Linear(4, 10, seed=0)))
    with pytest.raises(ValueError, match="W2 has shape"):
        digit_reader(Sequential(Linear(64, 4, seed=0), ReLU(), Linear(4, 9, seed=0)))
    with pytest.raises(ValueError, match="stroke 0"):
        digit_reader(small_reader(np.float64), examples=[{"label": "x", "strokes": [[]]}])


def test_the_pen_leaves_as_much_ink_as_the_data_sets_digits() -> None:
    """The pen's radius: the fitted examples have the data's ink (pixels on of 1024), ±5%."""
    from nnscratch.data import load_digits
    from nnscratch.drawing import digit_image, example_strokes

    X, _ = load_digits()
    data = (X * 16).sum(axis=1).mean()
    drawn = np.mean([digit_image(e["strokes"], centre=False).sum() * 16 for e in example_strokes()])
    assert abs(drawn / data - 1) < 0.05, (drawn, data)


def test_the_package_reads_in_one_sitting() -> None:
    """No function of the package, Python or JavaScript, is longer than 80 lines (a
    script's outer wrapper, which holds the file's functions, is not counted)."""
    import ast

    long = []
    for name in sorted(p.name for p in PACKAGE.glob("*.py")):  # every module of the package
        tree = ast.parse((PACKAGE / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if node.end_lineno - node.lineno + 1 > 80:
                    long.append(f"{name}: {node.name}")
    for name in ("nncore.js", "playground.js", "digits.js"):
        lines = (PACKAGE / name).read_text().splitlines()
        for start, line in enumerate(lines):
            found = re.search(r"function\s*(\w*)\s*\(", line)
            if not found or not found.group(1):  # the file's anonymous wrapper
                continue
            depth, end = 0, start
            for end in range(start, len(lines)):
                depth += lines[end].count("{") - lines[end].count("}")
                if depth <= 0 and "{" in "".join(lines[start : end + 1]):
                    break
            if end - start + 1 > 80:
                long.append(f"{name}: {found.group(1)}")
    assert not long, f"functions longer than 80 lines: {long}"
