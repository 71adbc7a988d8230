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
    fit_many,
    gradient_norms,
    linear_layers,
    residual_mlp,
)
from nnscratch.schedules import constant, cosine

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


# -- the branch scale, zero-initialised branches and normalised blocks -----------------


def test_residual_scale_multiplies_the_branch_and_checks():
    inner = nn.Sequential(nn.Tanh(), nn.Linear(3, 3, seed=0))
    x = batch(4, 3)
    block = Residual(inner, scale=0.25)
    np.testing.assert_allclose(block.forward(x), x + 0.25 * inner.forward(x))
    assert "0.25 ×" in repr(block)
    check = nn.gradcheck(Residual(nn.Tanh(), nn.Linear(3, 3, seed=1), scale=0.3), batch(5, 3))
    assert check.passed, check
    with pytest.raises(ValueError, match="Residual: expected scale > 0"):
        Residual(nn.ReLU(), scale=0.0)


def test_residual_mlp_fixes_build_what_they_say():
    plain = residual_mlp(5, 4, 6, 3, nn.ReLU, seed=3)
    scaled = residual_mlp(5, 4, 6, 3, nn.ReLU, seed=3, branch_scale=0.5)
    zero = residual_mlp(5, 4, 6, 3, nn.ReLU, seed=3, zero_init=True)
    normed = residual_mlp(5, 4, 6, 3, nn.ReLU, seed=3, norm=nn.LayerNorm)
    blocks = [layer for layer in scaled.layers if isinstance(layer, Residual)]
    assert len(blocks) == 4 and all(b.scale == 0.5 for b in blocks)
    lin_plain, lin_zero = linear_layers(plain), linear_layers(zero)
    for k, (a, b) in enumerate(zip(lin_plain, lin_zero, strict=True)):
        if 0 < k < 5:  # the blocks' Linear layers start at 0, the others as in plain
            assert not b.params["W"].any()
        else:
            np.testing.assert_array_equal(a.params["W"], b.params["W"])
    x = batch(7, 5)
    first = zero.layers[0].forward(x)
    np.testing.assert_allclose(zero.forward(x), zero.layers[-1].forward(np.maximum(first, 0)))
    # pre-norm: each block is x + f(LayerNorm(x)); one more LayerNorm before the output layer
    kinds = [type(layer).__name__ for layer in normed.layers]
    assert kinds == ["Linear"] + ["Residual"] * 4 + ["LayerNorm", "ReLU", "Linear"]
    assert all(isinstance(b.inner.layers[0], nn.LayerNorm) for b in normed.layers[1:5])
    for a, b in zip(linear_layers(plain), linear_layers(normed), strict=True):
        np.testing.assert_array_equal(a.params["W"], b.params["W"])
    with pytest.raises(TypeError, match="residual_mlp: expected norm to be a layer class"):
        residual_mlp(5, 4, 6, 3, norm=nn.LayerNorm(4))


@pytest.mark.parametrize("norm", [nn.LayerNorm, nn.BatchNorm])
def test_normalised_residual_network_gradcheck(norm):
    model = residual_mlp(6, 4, 5, 3, nn.ReLU, seed=1, norm=norm)
    check = nn.gradcheck(
        model, batch(8, 6, seed=2), np.arange(8) % 3, loss=nn.SoftmaxCrossEntropy()
    )
    assert check.passed, check


# -- many seeds at once -------------------------------------------------------------


def digits_like(n=90, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) % k
    X = rng.standard_normal((n, d)) + t[:, None]
    return X, t, X[:30], t[:30]


def params_of(model):
    return [p.copy() for _, p, _ in model.parameters()]


BUILDS = {
    "plain": lambda s: deep_mlp(6, 5, 4, 3, nn.Tanh, seed=s),
    "residual": lambda s: residual_mlp(6, 5, 5, 3, nn.ReLU, seed=s, branch_scale=0.4),
    "layernorm": lambda s: residual_mlp(6, 5, 5, 3, nn.ReLU, seed=s, norm=nn.LayerNorm),
    "batchnorm": lambda s: residual_mlp(6, 5, 5, 3, nn.Sigmoid, seed=s, norm=nn.BatchNorm),
}


@pytest.mark.parametrize("kind", BUILDS)
def test_fit_many_trains_each_member_as_fit_would(kind):
    X, t, X_val, t_val = digits_like()
    seeds = [4, 0, 7]
    lrs = [3e-3, 1e-2, 3e-2]
    ref = []
    for s, lr in zip(seeds, lrs, strict=True):
        model = BUILDS[kind](s)
        history = nn.fit(model, nn.SoftmaxCrossEntropy(), nn.Adam(lr), X, t, epochs=3,
                         batch_size=16, seed=s, validation=(X_val, t_val), metrics=["accuracy"],
                         lr_schedule=cosine(lr, 3), progress=False)  # fmt: skip
        ref.append((model, history))
    models = [BUILDS[kind](s) for s in seeds]
    result = fit_many(models, nn.Adam(), X, t, epochs=3, batch_size=16, seeds=seeds,
                      validation=(X_val, t_val),
                      lr_schedule=[cosine(lr, 3) for lr in lrs])  # fmt: skip
    for s, (model, history) in enumerate(ref):
        for a, b in zip(params_of(model), params_of(models[s]), strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(result["val_accuracy"][s], history["val_accuracy"])
        np.testing.assert_allclose(result["val_loss"][s], history["val_loss"], rtol=1e-12)
        np.testing.assert_allclose(result["loss"][s], history["loss"], rtol=1e-12)
        assert not models[s].training  # handed back in evaluation mode, as fit does
    assert result["val_accuracy"].shape == (3, 3)
    assert (result["diverged"] == -1).all()
    if kind == "batchnorm":  # the running statistics came back to each member
        bn_ref = ref[1][0].layers[1].inner.layers[0]
        bn = models[1].layers[1].inner.layers[0]
        np.testing.assert_allclose(bn.running_var, bn_ref.running_var, rtol=1e-12)


def test_fit_many_members_are_independent_of_each_other():
    X, t, _, _ = digits_like()
    alone = [deep_mlp(6, 5, 4, 3, nn.ReLU, seed=2)]
    fit_many(alone, nn.Momentum(0.05), X, t, epochs=2, seeds=[2])
    together = [deep_mlp(6, 5, 4, 3, nn.ReLU, seed=s) for s in (0, 2, 5)]
    fit_many(together, nn.Momentum(0.05), X, t, epochs=2, seeds=[0, 2, 5])
    for a, b in zip(params_of(alone[0]), params_of(together[1]), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


def test_fit_many_clips_and_records_as_clip_grad_norm_and_monitor_do():
    X, t, _, _ = digits_like()
    model = deep_mlp(6, 5, 6, 3, nn.ReLU, gain=2.0, seed=1)
    clip = ClipGradNorm(nn.Momentum(0.05), max_norm=1.0)
    monitor = Monitor(model, every=3)
    nn.fit(model, nn.SoftmaxCrossEntropy(), clip, X, t, epochs=2, batch_size=16, seed=1,
           on_batch=monitor.on_batch, progress=False)  # fmt: skip
    models = [deep_mlp(6, 5, 6, 3, nn.ReLU, gain=2.0, seed=s) for s in (1, 3)]
    result = fit_many(models, nn.Momentum(0.05), X, t, epochs=2, batch_size=16, seeds=[1, 3],
                      max_norm=1.0, record_every=3)  # fmt: skip
    np.testing.assert_allclose(result["grad_norm"][0], clip.norms, rtol=1e-9)
    assert result["clipped"][0] == clip.clipped and result["grad_norm"].shape == (2, 12)
    np.testing.assert_array_equal(result["steps"], monitor.steps)
    np.testing.assert_allclose(result["grad_norms"][0], monitor.grad_norms, rtol=1e-9)
    np.testing.assert_allclose(result["update_ratios"][0], monitor.update_ratios, rtol=1e-9)
    for a, b in zip(params_of(model), params_of(models[0]), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)


def test_fit_many_stops_a_diverging_member_and_keeps_the_others():
    X, t, X_val, t_val = digits_like()
    lrs = [0.01, 50.0]  # the second blows up, as fit would say
    with pytest.raises(nn.TrainingDiverged):
        nn.fit(deep_mlp(6, 5, 4, 3, nn.ReLU, gain=3.0, seed=1), nn.SoftmaxCrossEntropy(),
               nn.Momentum(50.0), X, t, epochs=3, seed=1, progress=False)  # fmt: skip
    good = deep_mlp(6, 5, 4, 3, nn.ReLU, gain=3.0, seed=0)
    nn.fit(good, nn.SoftmaxCrossEntropy(), nn.Momentum(0.01), X, t, epochs=3, seed=0,
           progress=False)  # fmt: skip
    models = [deep_mlp(6, 5, 4, 3, nn.ReLU, gain=3.0, seed=s) for s in (0, 1)]
    result = fit_many(models, nn.Momentum(0.01), X, t, epochs=3, seeds=[0, 1],
                      validation=(X_val, t_val),
                      lr_schedule=[constant(lr) for lr in lrs])  # fmt: skip
    assert result["diverged"][0] == -1 and result["diverged"][1] >= 0
    assert np.isfinite(result["val_accuracy"][0]).all()
    assert np.isnan(result["val_accuracy"][1, -1])
    assert all(np.isfinite(p).all() for p in params_of(models[1]))
    for a, b in zip(params_of(good), params_of(models[0]), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


def test_fit_many_bad_arguments():
    X, t, _, _ = digits_like()
    with pytest.raises(ValueError, match="fit_many: expected at least one model"):
        fit_many([], nn.Adam(), X, t, epochs=1)
    with pytest.raises(TypeError, match="fit_many: expected networks of one architecture"):
        fit_many([deep_mlp(6, 5, 4, 3, nn.ReLU), deep_mlp(6, 5, 4, 3, nn.Tanh)], nn.Adam(), X, t,
                 epochs=1)  # fmt: skip
    with pytest.raises(ValueError, match="fit_many: Linear layers of different shapes"):
        fit_many([deep_mlp(6, 5, 4, 3), deep_mlp(6, 4, 4, 3)], nn.Adam(), X, t, epochs=1)
    with pytest.raises(ValueError, match="fit_many: expected 2 seeds"):
        fit_many([deep_mlp(6, 5, 4, 3)] * 2, nn.Adam(), X, t, epochs=1, seeds=[0])
    with pytest.raises(TypeError, match="fit_many: cannot train Dropout layers side by side"):
        fit_many([nn.mlp([6, 4, 3], dropout=0.5)], nn.Adam(), X, t, epochs=1)
    opt = nn.Adam()
    fit_many([deep_mlp(6, 5, 4, 3)], opt, X, t, epochs=1)
    with pytest.raises(TypeError, match="fit_many: expected a fresh optimiser"):
        fit_many([deep_mlp(6, 5, 4, 3)], opt, X, t, epochs=1)
