"""Training speed of nnscratch against a bare numpy loop, PyTorch and scikit-learn.

Run from the repository root (after `python3 run.py book` or `run.py test` made .venv):

    .venv/bin/pip install -r benchmarks/requirements.txt
    .venv/bin/python benchmarks/speed.py

Two measurements, each repeated (median reported):

1. digits (1437 training images), 64 → 64 → 10 ReLU network, softmax
   cross-entropy, plain SGD (lr 0.1), batch 32, 30 epochs, float64:
   `nnscratch.fit` vs a bare numpy loop with no abstractions vs PyTorch CPU
   eager vs scikit-learn's MLPClassifier — ms per epoch and test accuracy;
2. MNIST-sized random data, 60000 × 784 → 128 → 10, float32, batch 128, one
   epoch: `nnscratch.fit` vs PyTorch.

Writes results/speed.json and results/speed.md.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script

import nnscratch as nn
from nnscratch.data import load_digits, split

HERE = Path(__file__).parent
REPEATS = 7
EPOCHS, BATCH, LR, HIDDEN = 30, 32, 0.1, 64


def median_times(impls, repeats) -> dict[str, tuple[float, float]]:
    """Median seconds of each `train()` over `repeats` rounds, and its accuracy.

    After one untimed warm-up run of each, rounds interleave the implementations
    (A B C, A B C, ...) so that a change in the machine's load affects them alike.
    """
    times = {name: [] for name, _ in impls}
    accs = {}
    for _, train in impls:  # warm-up: imports, caches, thread pools
        train()
    for _ in range(repeats):
        for name, train in impls:
            start = time.perf_counter()
            accs[name] = train()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(t), accs[name]) for name, t in times.items()}


# -- 1. digits --------------------------------------------------------------------


def digits_nnscratch(Xtr, ytr, Xte, yte):
    model = nn.mlp([64, HIDDEN, 10], nn.ReLU, seed=0)
    nn.fit(
        model,
        nn.SoftmaxCrossEntropy(),
        nn.GradientDescent(LR),
        Xtr,
        ytr,
        epochs=EPOCHS,
        batch_size=BATCH,
        seed=0,
        progress=False,
    )
    return nn.accuracy(yte, model.forward(Xte))


def digits_bare_numpy(Xtr, ytr, Xte, yte):
    rng = np.random.default_rng(0)
    W1 = rng.normal(0, np.sqrt(2 / 64), (64, HIDDEN))
    b1 = np.zeros(HIDDEN)
    W2 = rng.normal(0, np.sqrt(2 / HIDDEN), (HIDDEN, 10))
    b2 = np.zeros(10)
    T = np.eye(10)[ytr]
    n = len(Xtr)
    for _ in range(EPOCHS):
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            idx = order[start : start + BATCH]
            x, t = Xtr[idx], T[idx]
            z1 = x @ W1 + b1
            a1 = np.maximum(z1, 0.0)
            z2 = a1 @ W2 + b2
            z2 = z2 - z2.max(axis=1, keepdims=True)
            e = np.exp(z2)
            d2 = (e / e.sum(axis=1, keepdims=True) - t) / len(idx)
            d1 = (d2 @ W2.T) * (z1 > 0)
            W2 -= LR * (a1.T @ d2)
            b2 -= LR * d2.sum(axis=0)
            W1 -= LR * (x.T @ d1)
            b1 -= LR * d1.sum(axis=0)
    pred = (np.maximum(Xte @ W1 + b1, 0) @ W2 + b2).argmax(axis=1)
    return float(np.mean(pred == yte))


def torch_train(X, y, Xte, yte, hidden, epochs, batch, dtype):
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    ).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(0)
    n = len(Xt)
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        pred = model(torch.from_numpy(Xte)).argmax(dim=1).numpy()
    return float(np.mean(pred == yte))


def digits_sklearn(Xtr, ytr, Xte, yte):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="sgd",
        learning_rate_init=LR,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=BATCH,
        max_iter=EPOCHS,
        tol=0.0,
        n_iter_no_change=EPOCHS + 1,
        random_state=0,
        shuffle=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr, ytr)
    return float(clf.score(Xte, yte))


# -- 2. MNIST-sized ----------------------------------------------------------------


def mnist_like():
    rng = np.random.default_rng(0)
    X = rng.random((60_000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60_000)
    return X, y


def mnist_nnscratch(X, y):
    model = nn.mlp([784, 128, 10], nn.ReLU, seed=0, dtype=np.float32)
    nn.fit(
        model,
        nn.SoftmaxCrossEntropy(),
        nn.GradientDescent(LR),
        X,
        y,
        epochs=1,
        batch_size=128,
        seed=0,
        progress=False,
    )
    return None


def main() -> None:
    try:
        import torch
    except ImportError:
        sys.exit(
            "benchmarks/speed.py needs PyTorch: "
            ".venv/bin/pip install -r benchmarks/requirements.txt"
        )
    torch.set_num_threads(os.cpu_count() or 1)
    X, y = load_digits()
    Xtr, Xte, ytr, yte = split(X, y, test_size=0.2, seed=0)
    rows = []
    impls = [
        ("nnscratch.fit", lambda: digits_nnscratch(Xtr, ytr, Xte, yte)),
        ("bare numpy loop", lambda: digits_bare_numpy(Xtr, ytr, Xte, yte)),
        (
            "PyTorch CPU eager",
            lambda: torch_train(Xtr, ytr, Xte, yte, HIDDEN, EPOCHS, BATCH, torch.float64),
        ),
        ("scikit-learn MLPClassifier", lambda: digits_sklearn(Xtr, ytr, Xte, yte)),
    ]
    for name, (seconds, acc) in median_times(impls, REPEATS).items():
        rows.append(
            {
                "benchmark": "digits 64-64-10, batch 32, 30 epochs, float64",
                "implementation": name,
                "ms_per_epoch": 1000 * seconds / EPOCHS,
                "test_accuracy": acc,
            }
        )
        print(f"digits  {name:<28} {1000 * seconds / EPOCHS:8.2f} ms/epoch  acc {acc:.4f}")
    Xm, ym = mnist_like()
    mnist_impls = [
        ("nnscratch.fit", lambda: mnist_nnscratch(Xm, ym)),
        (
            "PyTorch CPU eager",
            lambda: torch_train(Xm, ym, Xm[:10], ym[:10], 128, 1, 128, torch.float32),
        ),
    ]
    for name, (seconds, _) in median_times(mnist_impls, 3).items():
        rows.append(
            {
                "benchmark": "random 60000x784-128-10, batch 128, 1 epoch, float32",
                "implementation": name,
                "ms_per_epoch": 1000 * seconds,
                "test_accuracy": None,
            }
        )
        print(f"mnist   {name:<28} {1000 * seconds:8.1f} ms/epoch")

    def ms(bench, impl):
        return next(
            r["ms_per_epoch"]
            for r in rows
            if r["benchmark"].startswith(bench) and r["implementation"] == impl
        )

    ratios = {
        "digits: nnscratch / bare numpy (target <= 1.25)": ms("digits", "nnscratch.fit")
        / ms("digits", "bare numpy loop"),
        "mnist-size: nnscratch / PyTorch float32 (target <= 1.0)": ms("random", "nnscratch.fit")
        / ms("random", "PyTorch CPU eager"),
    }
    machine = {
        "cpu": cpu_model(),
        "threads": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "repeats": REPEATS,
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "speed.json").write_text(
        json.dumps({"machine": machine, "rows": rows, "ratios": ratios}, indent=2) + "\n"
    )
    lines = [
        "# Training speed",
        "",
        f"Machine: {machine['cpu']}, {machine['threads']} threads; Python "
        f"{machine['python']}, numpy {machine['numpy']}, torch {machine['torch']}. "
        f"Median of {REPEATS} runs (3 at MNIST size).",
        "",
        "| benchmark | implementation | ms per epoch | test accuracy |",
        "|---|---|---:|---:|",
    ]
    for r in rows:
        acc = "—" if r["test_accuracy"] is None else f"{r['test_accuracy']:.4f}"
        lines.append(
            f"| {r['benchmark']} | {r['implementation']} | {r['ms_per_epoch']:.2f} | {acc} |"
        )
    lines += ["", "| ratio | measured |", "|---|---:|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in ratios.items()]
    (out / "speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-4:]))


if __name__ == "__main__":
    main()
