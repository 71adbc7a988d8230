"""Record PyTorch's answers for the layers the course derives by hand (Dropout, LayerNorm,
BatchNorm), so that the package tests compare with PyTorch without needing it installed.

    .venv/bin/pip install -r benchmarks/requirements.txt   # torch 2.13.0, CPU build
    .venv/bin/python benchmarks/torch_reference.py         # → tests/data/torch_reference.json

For each layer: a seeded input, the layer's output, and the gradients of
``Σ out ⊙ R`` for a seeded ``R`` with respect to the input and the parameters, in
float64. Dropout's mask is PyTorch's own (read off its output): the test applies that
mask to the package's layer, which checks the 1 / (1 - p) scaling and the backward.
BatchNorm is recorded over three training steps (running statistics) and then once in
evaluation mode.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_reference.json"


def tensor(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def grads_of(out, R, *leaves):
    (out * torch.tensor(R)).sum().backward()
    return [leaf.grad.numpy().tolist() for leaf in leaves]


def main() -> None:
    rng = np.random.default_rng(20261203)
    record = {"torch": torch.__version__}

    x = rng.normal(size=(6, 5))
    R = rng.normal(size=(6, 5))
    gamma, beta = rng.normal(size=5) + 1, rng.normal(size=5)
    xt, g, b = tensor(x), tensor(gamma), tensor(beta)
    out = torch.nn.functional.layer_norm(xt, (5,), g, b, eps=1e-5)
    dx, dg, db = grads_of(out, R, xt, g, b)
    record["layer_norm"] = {
        "x": x.tolist(),
        "R": R.tolist(),
        "gamma": gamma.tolist(),
        "beta": beta.tolist(),
        "eps": 1e-5,
        "out": out.detach().numpy().tolist(),
        "dx": dx,
        "dgamma": dg,
        "dbeta": db,
    }

    layer = torch.nn.BatchNorm1d(5, momentum=0.1, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(gamma))
        layer.bias.copy_(torch.tensor(beta))
    steps = []
    for _ in range(3):
        xb, Rb = rng.normal(2.0, 3.0, size=(8, 5)), rng.normal(size=(8, 5))
        xt = tensor(xb)
        layer.zero_grad()
        out = layer(xt)
        dx, dg, db = grads_of(out, Rb, xt, layer.weight, layer.bias)
        steps.append(
            {
                "x": xb.tolist(),
                "R": Rb.tolist(),
                "out": out.detach().numpy().tolist(),
                "dx": dx,
                "dgamma": dg,
                "dbeta": db,
                "running_mean": layer.running_mean.numpy().tolist(),
                "running_var": layer.running_var.numpy().tolist(),
            }
        )
    layer.eval()
    xe, Re = rng.normal(2.0, 3.0, size=(4, 5)), rng.normal(size=(4, 5))
    xt = tensor(xe)
    layer.zero_grad()
    out = layer(xt)
    dx, dg, db = grads_of(out, Re, xt, layer.weight, layer.bias)
    record["batch_norm"] = {
        "gamma": gamma.tolist(),
        "beta": beta.tolist(),
        "momentum": 0.1,
        "eps": 1e-5,
        "train_steps": steps,
        "eval": {
            "x": xe.tolist(),
            "R": Re.tolist(),
            "out": out.detach().numpy().tolist(),
            "dx": dx,
            "dgamma": dg,
            "dbeta": db,
        },
    }

    torch.manual_seed(0)
    x, R = rng.normal(size=(20, 10)), rng.normal(size=(20, 10))
    xt = tensor(x)
    out = torch.nn.functional.dropout(xt, p=0.3, training=True)
    (dx,) = grads_of(out, R, xt)
    record["dropout"] = {
        "p": 0.3,
        "x": x.tolist(),
        "R": R.tolist(),
        "out": out.detach().numpy().tolist(),
        "dx": dx,
    }

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(record) + "\n")
    print(f"wrote {OUT} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
