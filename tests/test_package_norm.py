"""Dropout, LayerNorm and BatchNorm: forward and backward against autograd, finite
differences and a recorded PyTorch reference (tests/data/torch_reference.json, made by
benchmarks/torch_reference.py), and the training / evaluation modes that fit switches."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import BatchNorm, Dropout, LayerNorm, gradcheck
from nnscratch.deep import Residual

TORCH = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())


def arr(values) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def backward_of(layer, x, R):
    """The layer's output and its gradients for the objective Σ out ⊙ R."""
    out = layer.forward(x)
    dx = layer.backward(R)
    return out, dx, {k: v.copy() for k, v in layer.grads.items()}


@pytest.mark.parametrize("make", [lambda: LayerNorm(5), lambda: BatchNorm(5)], ids=["ln", "bn"])
def test_normalisation_gradients_match_autograd_and_finite_differences(make):
    rng = np.random.default_rng(0)
    layer = make()
    layer.params["gamma"][:] = rng.normal(size=5) + 1
    layer.params["beta"][:] = rng.normal(size=5)
    check = gradcheck(layer, rng.normal(1.0, 2.0, size=(7, 5)))
    assert check.passed, str(check)


def test_batchnorm_in_evaluation_mode_checks_too():
    layer = BatchNorm(4)
    layer.forward(np.random.default_rng(1).normal(size=(9, 4)))  # moves the running stats
    layer.eval()
    assert gradcheck(layer, np.random.default_rng(2).normal(size=(3, 4))).passed


def test_layernorm_equals_pytorch():
    ref = TORCH["layer_norm"]
    layer = LayerNorm(5, eps=ref["eps"])
    layer.params["gamma"][:], layer.params["beta"][:] = arr(ref["gamma"]), arr(ref["beta"])
    out, dx, grads = backward_of(layer, arr(ref["x"]), arr(ref["R"]))
    np.testing.assert_allclose(out, arr(ref["out"]), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dx, arr(ref["dx"]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads["gamma"], arr(ref["dgamma"]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads["beta"], arr(ref["dbeta"]), rtol=1e-12, atol=1e-12)


def test_batchnorm_equals_pytorch_in_training_and_in_evaluation():
    ref = TORCH["batch_norm"]
    layer = BatchNorm(5, momentum=ref["momentum"], eps=ref["eps"])
    layer.params["gamma"][:], layer.params["beta"][:] = arr(ref["gamma"]), arr(ref["beta"])
    for step in ref["train_steps"]:
        out, dx, grads = backward_of(layer, arr(step["x"]), arr(step["R"]))
        np.testing.assert_allclose(out, arr(step["out"]), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx, arr(step["dx"]), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grads["gamma"], arr(step["dgamma"]), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(grads["beta"], arr(step["dbeta"]), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(layer.running_mean, arr(step["running_mean"]), rtol=1e-12)
        np.testing.assert_allclose(layer.running_var, arr(step["running_var"]), rtol=1e-12)
    layer.eval()
    ev = ref["eval"]
    out, dx, grads = backward_of(layer, arr(ev["x"]), arr(ev["R"]))
    np.testing.assert_allclose(out, arr(ev["out"]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, arr(ev["dx"]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads["gamma"], arr(ev["dgamma"]), rtol=1e-12, atol=1e-12)


def test_dropout_scales_and_backpropagates_as_pytorch():
    """PyTorch's own mask (read off its output) applied to ours gives its output and gradient."""
    ref = TORCH["dropout"]
    x, R = arr(ref["x"]), arr(ref["R"])
    kept = arr(ref["out"]) != 0
    layer = Dropout(ref["p"], seed=0)
    layer.forward(x)
    layer.mask = kept / (1 - ref["p"])  # PyTorch's draw instead of ours
    out = layer.function({}, x)
    np.testing.assert_allclose(out, arr(ref["out"]), rtol=1e-15)
    np.testing.assert_allclose(layer.backward(R), arr(ref["dx"]), rtol=1e-15)


def test_dropout_keeps_the_mean_and_is_the_identity_in_evaluation():
    x = np.ones((400, 50))
    layer = Dropout(0.25, seed=3)
    out = layer.forward(x)
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    assert abs(out.mean() - 1.0) < 0.02  # 20000 entries: the mean's spread is about 0.004
    assert abs((out == 0).mean() - 0.25) < 0.015
    assert np.array_equal(layer.eval().forward(x), x)
    assert np.array_equal(layer.backward(x), x)


def test_dropout_gradient_check_holds_the_mask_fixed():
    model = nn.Sequential(
        nn.Linear(4, 6, seed=0), nn.ReLU(), Dropout(0.5, seed=1), nn.Linear(6, 2, seed=2)
    )
    x = np.random.default_rng(0).normal(size=(5, 4))
    check = gradcheck(model, x, np.array([0, 1, 1, 0, 1]), loss=nn.SoftmaxCrossEntropy())
    assert check.passed, str(check)


def test_dropout_draws_new_masks_from_its_own_seeded_stream():
    x = np.ones((3, 8))
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    first = a.forward(x)
    assert np.array_equal(first, b.forward(x))  # same seed, same masks
    assert not np.array_equal(first, a.forward(x))  # a new mask at each forward
    with pytest.raises(ValueError, match="Dropout: expected 0 <= p < 1, got 1.0"):
        Dropout(1.0, seed=0)
    with pytest.raises(TypeError, match="Dropout: pass seed=<int>"):
        Dropout(0.5)


def test_mlp_with_dropout_keeps_the_weights_of_the_network_without():
    plain = nn.mlp([4, 8, 8, 2], nn.ReLU, seed=5)
    dropped = nn.mlp([4, 8, 8, 2], nn.ReLU, seed=5, dropout=0.2)
    assert [type(layer).__name__ for layer in dropped] == [
        "Linear",
        "ReLU",
        "Dropout",
        "Linear",
        "ReLU",
        "Dropout",
        "Linear",
    ]
    for name, p in plain.params.items():
        i, key = name.split(".")
        shifted = {0: 0, 2: 3, 4: 6}[int(i)]
        assert np.array_equal(p, dropped.params[f"{shifted}.{key}"])
    x = np.ones((2, 4))
    assert np.array_equal(dropped.eval().forward(x), plain.forward(x))


def test_modes_reach_every_layer_inside():
    model = nn.Sequential(nn.Linear(3, 3, seed=0), Residual(Dropout(0.5, seed=0), BatchNorm(3)))
    model.eval()
    inner = model[1].inner
    assert (
        not model.training
        and not inner.training
        and not inner[0].training
        and not inner[1].training
    )
    model.train()
    assert all(layer.training for layer in (model, inner, inner[0], inner[1]))


def test_fit_trains_in_training_mode_and_validates_in_evaluation_mode():
    X = np.random.default_rng(0).normal(size=(64, 4))
    y = (X[:, 0] > 0).astype(int)
    model = nn.mlp([4, 16, 2], nn.ReLU, seed=0, dropout=0.5)
    modes = []
    model.layers[2].forward = None  # never called: fit uses _forward
    original = model.layers[2]._forward

    def spy(x):
        modes.append(model.layers[2].training)
        return original(x)

    model.layers[2]._forward = spy
    history = nn.fit(
        model,
        nn.SoftmaxCrossEntropy(),
        nn.Adam(1e-2),
        X,
        y,
        epochs=2,
        batch_size=32,
        validation=(X, y),
        progress=False,
    )
    # the width probe (evaluation), then per epoch: 2 training batches, 1 validation pass
    assert modes == [False, True, True, False, True, True, False]
    assert not model.training  # returned ready to predict
    assert np.isfinite(history["val_loss"]).all()
    again = nn.mlp([4, 16, 2], nn.ReLU, seed=0, dropout=0.5)
    nn.fit(
        again,
        nn.SoftmaxCrossEntropy(),
        nn.Adam(1e-2),
        X,
        y,
        epochs=2,
        batch_size=32,
        progress=False,
    )
    assert np.array_equal(again.forward(X), model.forward(X))  # seeded: the same run twice


def test_evaluate_measures_in_evaluation_mode_and_restores_the_mode():
    X = np.ones((10, 4))
    model = nn.mlp([4, 8, 2], nn.ReLU, seed=0, dropout=0.5)
    first = nn.evaluate(model, nn.SoftmaxCrossEntropy(), X, np.zeros(10, int))
    second = nn.evaluate(model, nn.SoftmaxCrossEntropy(), X, np.zeros(10, int))
    assert first == second and model.training


def test_normalisation_bad_input_is_named():
    with pytest.raises(
        ValueError, match=r"LayerNorm: expected input of shape \(batch, 5\), got \(2, 3\)"
    ):
        LayerNorm(5).forward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="LayerNorm: expected n_features to be a positive int"):
        LayerNorm("5")
    with pytest.raises(ValueError, match="BatchNorm: expected a batch of at least 2"):
        BatchNorm(3).forward(np.ones((1, 3)))
    BatchNorm(3).eval().forward(np.ones((1, 3)))  # one example is fine in evaluation
    with pytest.raises(ValueError, match=r"Sequential layer 0 \(LayerNorm\): expected input of"):
        nn.Sequential(LayerNorm(4)).forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="takes 5 inputs, but layer 0"):
        nn.Sequential(nn.Linear(2, 4, seed=0), LayerNorm(5))


def test_normalisation_in_float32_stays_float32():
    layer = LayerNorm(3, dtype=np.float32)
    out = layer.forward(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert out.dtype == np.float32 and layer.backward(np.ones_like(out)).dtype == np.float32
    bn = BatchNorm(3, dtype=np.float32)
    bn.forward(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert bn.running_var.dtype == np.float32
