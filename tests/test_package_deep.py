"""Deep networks: the residual layer's gradients, monitors, clipping, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnscratch as nn
from nnscratch.deep import (
    ClipGradNorm,
    Monitor,
    Residual,
    activation_layers,
    activation_stats,
    deep_mlp,
    gradient_norms,
    linear_layers,
    residual_mlp,
)

SETTINGS = settings(max_examples=15, deadline=None)


def batch(n, d, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


@SETTINGS
@given(
    n=st.integers(1, 5),
    width=st.integers(1, 5),
    act=st.sampled_from([nn.Sigmoid, nn.Tanh, nn.ELU]),
    seed=st.integers(0, 1000),
)
def test_residual_backward_matches_autograd_and_finite_differences(n, width, act, seed):
    layer = Residual(act(), nn.Linear(width, width, seed=seed))
    check = nn.gradcheck(layer, batch(n, width, seed + 1), seed=seed)
    assert check.passed, check
    assert {r.name for r in check.rows} == {"1.W", "1.b", "input"}


@pytest.mark.parametrize("act", [nn.Sigmoid, nn.Tanh, nn.ReLU])
def test_residual_network_gradcheck_with_loss(act):
    model = residual_mlp(6, 4, 5, 3, act, seed=2)
    X = batch(7, 6, seed=3)
    y = np.arange(7) % 3
    check = nn.gradcheck(model, X, y, loss=nn.SoftmaxCrossEntropy())
    assert check.passed, check


def test_residual_forward_is_input_plus_inner():
    inner = nn.Sequential(nn.Tanh(), nn.Linear(3, 3, seed=0))
    x = batch(4, 3)
    expected = x + inner.forward(x)
    np.testing.assert_allclose(Residual(inner).forward(x), expected)


def test_residual_backward_adds_identity_path():
    # with f = 0 (zero weights) the block is the identity: gradient passes unchanged
    block = Residual(nn.Linear(W=np.zeros((3, 3))))
    x, g = batch(5, 3), batch(5, 3, seed=1)
    block.forward(x)
    np.testing.assert_array_equal(block.backward(g), g)


def test_residual_params_are_the_inner_layers_and_train():
    lin = nn.Linear(3, 3, seed=0)
    block = Residual(nn.ReLU(), lin)
    assert block.params["1.W"] is lin.params["W"]
    model = nn.Sequential(nn.Linear(2, 3, seed=1), block, nn.Linear(3, 2, seed=2))
    assert set(model.params) == {"0.W", "0.b", "1.1.W", "1.1.b", "2.W", "2.b"}
    before = lin.params["W"].copy()
    X, y = batch(20, 2), np.arange(20) % 2
    nn.fit(model, nn.SoftmaxCrossEntropy(), nn.Adam(0.01), X, y, epochs=2, progress=False)
    assert not np.allclose(before, lin.params["W"])


def test_residual_mlp_shares_deep_mlps_weights():
    plain = deep_mlp(5, 4, 6, 3, nn.Tanh, gain=0.5, seed=7)
    res = residual_mlp(5, 4, 6, 3, nn.Tanh, gain=0.5, seed=7)
    for a, b in zip(linear_layers(plain), linear_layers(res), strict=True):
        np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert sum(isinstance(layer, Residual) for layer in res.layers) == 4


def test_deep_mlp_shapes_and_gain():
    model = deep_mlp(8, 5, 4, 3, nn.ReLU, seed=0)
    assert [lin.params["W"].shape for lin in linear_layers(model)] == [
        (8, 5),
        (5, 5),
        (5, 5),
        (5, 3),
    ]
    doubled = deep_mlp(8, 5, 4, 3, nn.ReLU, gain=2.0, seed=0)
    for k, (a, b) in enumerate(zip(linear_layers(model), linear_layers(doubled), strict=True)):
        factor = 2.0 if 0 < k < 3 else 1.0
        np.testing.assert_allclose(b.params["W"], factor * a.params["W"])
    assert model.forward(batch(2, 8)).shape == (2, 3)


def test_residual_bad_inputs_name_the_layer():
    with pytest.raises(TypeError, match="Residual: layer 1 is a int"):
        Residual(nn.ReLU(), 3)
    with pytest.raises(ValueError, match="Residual: expected at least one layer"):
        Residual()
    changes_width = Residual(nn.Linear(3, 2, seed=0))
    with pytest.raises(ValueError, match=r"Residual: the wrapped layers map shape \(4, 3\)"):
        changes_width.forward(batch(4, 3))
    with pytest.raises(ValueError, match="Residual: expected input with 2 dimensions"):
        Residual(nn.ReLU()).forward(np.zeros(3))
    with pytest.raises(ValueError, match="Linear: expected input of shape"):
        Residual(nn.Linear(3, 3, seed=0)).forward(batch(2, 4))
    block = Residual(nn.ReLU())
    with pytest.raises(RuntimeError, match="Residual: call forward before backward"):
        block.backward(batch(2, 3))
    block.forward(batch(2, 3))
    with pytest.raises(ValueError, match="Residual: expected grad_out"):
        block.backward(batch(2, 4))


def test_deep_mlp_bad_arguments():
    with pytest.raises(ValueError, match="deep_mlp: expected depth >= 2"):
        deep_mlp(4, 3, 1, 2)
    with pytest.raises(ValueError, match="deep_mlp: expected gain > 0"):
        deep_mlp(4, 3, 3, 2, gain=0.0)


def test_gradient_norms_match_the_layers_gradients():
    model = deep_mlp(6, 4, 4, 3, nn.Tanh, seed=1)
    X, y = batch(10, 6), np.arange(10) % 3
    norms = gradient_norms(model, nn.SoftmaxCrossEntropy(), X, y)
    expected = [np.linalg.norm(lin.grads["W"]) for lin in linear_layers(model)]
    np.testing.assert_allclose(norms, expected)
    assert norms.shape == (4,)


def test_activation_stats_dead_saturated_and_signal():
    # ReLU units with a large negative bias never fire: dead
    lin = nn.Linear(W=np.eye(3), b=np.array([-100.0, 0.0, 0.0]))
    model = nn.Sequential(lin, nn.ReLU(), nn.Linear(3, 2, seed=0))
    stats = activation_stats(model, batch(50, 3))
    assert len(stats) == 1
    assert stats[0]["dead"] == pytest.approx(1 / 3)
    assert 0.3 < stats[0]["saturated"] < 0.8  # the dead unit and about half of the others
    # huge inputs saturate a tanh completely; the signal is the spread between examples
    sat = activation_stats(nn.Sequential(nn.Linear(W=100 * np.eye(2)), nn.Tanh()), batch(30, 2))
    assert sat[0]["saturated"] > 0.95  # all but the inputs within 0.02 of 0
    assert sat[0]["signal"] > 0.9
    same = activation_stats(nn.Sequential(nn.Linear(W=np.zeros((2, 2))), nn.Tanh()), batch(5, 2))
    assert same[0]["signal"] == 0.0


def test_activation_layers_found_inside_residual_blocks():
    model = residual_mlp(4, 3, 5, 2, nn.Sigmoid, seed=0)
    assert len(activation_layers(model)) == 4
    assert len(linear_layers(model)) == 5


def test_monitor_records_through_fit():
    model = deep_mlp(4, 6, 4, 2, nn.ReLU, seed=0)
    X, y = batch(40, 4), np.arange(40) % 2
    opt = nn.GradientDescent(0.1)
    start = [lin.params["W"].copy() for lin in linear_layers(model)]
    monitor = Monitor(model, every=2)
    nn.fit(model, nn.SoftmaxCrossEntropy(), opt, X, y, epochs=1, batch_size=10,
           on_batch=monitor.on_batch, progress=False)  # fmt: skip
    assert monitor.steps == [0, 2]
    assert monitor.grad_norms.shape == (2, 4)
    assert monitor.update_ratios.shape == (2, 4)
    assert monitor.stat("dead").shape == (2, 3)
    # the first record: one plain gradient step moved W by lr × gradient
    for k in range(4):
        expected = 0.1 * monitor.grad_norms[0, k] / np.linalg.norm(start[k])
        assert monitor.update_ratios[0, k] == pytest.approx(expected)


def test_monitor_bad_arguments():
    with pytest.raises(ValueError, match="Monitor: expected every"):
        Monitor(deep_mlp(2, 2, 2, 2), every=0)
    with pytest.raises(ValueError, match="Monitor: ReLU has no Linear layer"):
        Monitor(nn.ReLU())


def test_clip_grad_norm_rescales_only_large_gradients():
    model = nn.Linear(W=np.zeros((2, 1)))
    model.grads["W"] = np.array([[3.0], [4.0]])
    model.grads["b"] = np.zeros(1)
    clip = ClipGradNorm(nn.GradientDescent(1.0), max_norm=1.0)
    clip.step(model)
    np.testing.assert_allclose(model.params["W"], [[-0.6], [-0.8]])
    assert clip.norms == [5.0] and clip.clipped == 1
    model.grads["W"] = np.array([[0.3], [0.4]])
    clip.step(model)
    np.testing.assert_allclose(model.params["W"], [[-0.9], [-1.2]])
    assert clip.clipped == 1
    clip.lr = 0.5
    assert clip.optimizer.lr == 0.5
    assert "max_norm=1" in repr(clip)


def test_clip_grad_norm_keeps_an_exploding_network_finite():
    model = deep_mlp(8, 8, 10, 2, nn.ReLU, gain=3.0, seed=0)
    X, y = batch(64, 8), np.arange(64) % 2
    loss = nn.SoftmaxCrossEntropy()
    with pytest.raises(nn.TrainingDiverged):
        nn.fit(model, loss, nn.Momentum(0.5), X, y, epochs=3, progress=False)
    model = deep_mlp(8, 8, 10, 2, nn.ReLU, gain=3.0, seed=0)
    clip = ClipGradNorm(nn.Momentum(0.5), max_norm=1.0)
    history = nn.fit(model, loss, clip, X, y, epochs=3, progress=False)
    assert np.isfinite(history["loss"]).all()
    assert clip.clipped > 0


def test_clip_grad_norm_bad_arguments():
    with pytest.raises(ValueError, match="ClipGradNorm: expected max_norm > 0"):
        ClipGradNorm(nn.Adam(), max_norm=-1)
    with pytest.raises(TypeError, match="ClipGradNorm: expected an optimiser"):
        ClipGradNorm(object(), max_norm=1)
