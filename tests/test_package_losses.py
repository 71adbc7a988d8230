"""Losses and regularisers: gradients, exact values, bad targets, stability."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnscratch as nn
from nnscratch.data import one_hot
from nnscratch.regularizers import Confidence

SETTINGS = settings(max_examples=20, deadline=None)


def rng_for(seed):
    return np.random.default_rng(seed)


@SETTINGS
@given(n=st.integers(1, 6), k=st.integers(1, 5), seed=st.integers(0, 10_000))
def test_regression_losses_match_autograd(n, k, seed):
    rng = rng_for(seed)
    pred, target = rng.standard_normal((n, k)), rng.standard_normal((n, k))
    for loss in (nn.SSE(), nn.MSE()):
        check = nn.gradcheck(loss, pred, target)
        assert check.passed, check


@SETTINGS
@given(n=st.integers(1, 6), k=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_binary_cross_entropy_matches_autograd(n, k, seed):
    rng = rng_for(seed)
    target = (rng.random((n, k)) > 0.5).astype(float)
    check = nn.gradcheck(
        nn.BinaryCrossEntropy(from_logits=True), 3 * rng.standard_normal((n, k)), target
    )
    assert check.passed, check
    check = nn.gradcheck(nn.BinaryCrossEntropy(), rng.uniform(0.02, 0.98, (n, k)), target)
    assert check.passed, check


@SETTINGS
@given(n=st.integers(1, 6), k=st.integers(2, 6), seed=st.integers(0, 10_000))
def test_softmax_cross_entropy_and_certainty_match_autograd(n, k, seed):
    rng = rng_for(seed)
    scores, labels = 3 * rng.standard_normal((n, k)), rng.integers(0, k, n)
    for loss in (
        nn.SoftmaxCrossEntropy(),
        nn.SoftmaxCrossEntropy() + nn.Certainty(0.5),
        nn.SoftmaxCrossEntropy() + Confidence(0.5),
    ):
        check = nn.gradcheck(loss, scores, labels)
        assert check.passed, check


def test_confidence_is_certainty_with_the_sign_flipped():
    z, labels = rng_for(5).standard_normal((6, 4)), [0, 1, 2, 3, 0, 1]
    assert Confidence(0.3)(z, labels) == pytest.approx(-nn.Certainty(0.3)(z, labels), 1e-15)
    np.testing.assert_array_equal(
        Confidence(0.3).grad(z, labels), -nn.Certainty(0.3).grad(z, labels)
    )
    assert repr(nn.SoftmaxCrossEntropy() + Confidence(0.1)) == (
        "SoftmaxCrossEntropy() + Confidence(0.1)"
    )
    with pytest.raises(ValueError, match="Confidence: expected strength > 0, got -1"):
        Confidence(-1.0)


@SETTINGS
@given(n=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_perceptron_criterion_gradient_is_the_perceptron_rule(n, seed):
    rng = rng_for(seed)
    z, t = rng.standard_normal((n, 1)), (rng.random((n, 1)) > 0.5).astype(float)
    check = nn.gradcheck(nn.PerceptronCriterion(), z, t)
    assert check.passed, check
    step = (z > 0).astype(float)
    np.testing.assert_array_equal(nn.PerceptronCriterion().grad(z, t), (step - t) / n)


@SETTINGS
@given(
    rows=st.integers(1, 6),
    cols=st.integers(1, 5),
    seed=st.integers(0, 10_000),
    penalty=st.sampled_from([nn.L2(0.3), nn.L1(0.3), nn.Orthogonality(0.3)]),
)
def test_weight_penalties_match_autograd(rows, cols, seed, penalty):
    check = nn.gradcheck(penalty, rng_for(seed).standard_normal((rows, cols)))
    assert check.passed, check


@SETTINGS
@given(
    stack=st.integers(1, 4),
    rows=st.integers(1, 5),
    cols=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    penalty=st.sampled_from([nn.L2(0.3), nn.L1(0.3), nn.Orthogonality(0.3)]),
)
def test_weight_penalties_treat_each_matrix_of_a_stack_alone(stack, rows, cols, seed, penalty):
    Ws = rng_for(seed).standard_normal((stack, rows, cols))
    one_by_one = np.stack([penalty.grad(W) for W in Ws])
    np.testing.assert_allclose(penalty.grad(Ws), one_by_one, rtol=1e-13, atol=1e-15)
    assert penalty.function(Ws) == pytest.approx(sum(penalty.function(W) for W in Ws), 1e-12)


def test_soft_threshold_is_the_proximal_step_of_l1():
    w = np.array([-2.0, -0.3, -0.1, 0.0, 0.05, 0.1, 0.7])
    shrunk = nn.regularizers.soft_threshold(w, 0.1)
    np.testing.assert_allclose(shrunk, [-1.9, -0.2, 0.0, 0.0, 0.0, 0.0, 0.6], atol=1e-15)
    assert np.count_nonzero(shrunk == 0) == 4  # within the threshold: exactly zero
    assert not np.any(np.signbit(shrunk[shrunk == 0]))  # plain zeros, no -0.0
    # argmin_u ½(u - w)² + τ|u|, found by brute force on a fine grid, entry by entry
    grid = np.linspace(-3, 3, 600_001)
    for wi, ui in zip(w, shrunk, strict=True):
        objective = 0.5 * (grid - wi) ** 2 + 0.1 * np.abs(grid)
        assert grid[objective.argmin()] == pytest.approx(ui, abs=2e-5)
    np.testing.assert_array_equal(nn.regularizers.soft_threshold(w, 0.0), w)
    with pytest.raises(ValueError, match="soft_threshold: expected threshold >= 0, got -0.1"):
        nn.regularizers.soft_threshold(w, -0.1)


def test_l1_proximal_step_zeroes_small_weights_and_leaves_biases():
    model = nn.mlp([3, 4, 2], seed=0)
    model.params["0.b"][:] = 0.001
    before = {k: v.copy() for k, v in model.params.items()}
    nn.L1(0.5).proximal_step(model, lr=0.2)  # threshold 0.1
    for name in ("0.W", "2.W"):
        np.testing.assert_allclose(
            model.params[name], nn.regularizers.soft_threshold(before[name], 0.1)
        )
        assert np.all((model.params[name] == 0) == (np.abs(before[name]) <= 0.1))
    for name in ("0.b", "2.b"):
        np.testing.assert_array_equal(model.params[name], before[name])


def test_the_l1_gradient_under_adam_moves_an_idle_weight_eta_per_step_whatever_lambda():
    """A weight with no data gradient: Adam divides λ sign(w) by sqrt(v̂) = λ."""
    for strength in (1e-6, 1e-3):
        w = nn.Linear(W=[[0.2]], b=[0.0])
        adam, penalty = nn.Adam(3e-3), nn.L1(strength)
        path = []
        for _ in range(200):
            w.grads["W"][...] = 0.0
            w.grads["b"][...] = 0.0
            penalty.add_to_grads(w)
            adam.step(w)
            path.append(w.params["W"][0, 0])
        # η per step, times λ / (λ + ε): 0.99 at λ = 1e-6 with Adam's ε = 1e-8
        np.testing.assert_allclose(np.diff(path[:60]), -3e-3 * strength / (strength + 1e-8))
        assert 0 < np.abs(path[-1]) < 0.01  # near zero, never exactly


def test_exact_values_worked_by_hand():
    assert nn.SSE()([[1.0], [3.0]], [[0.0], [1.0]]) == 5.0
    assert nn.MSE()([[1.0, 3.0]], [[0.0, 1.0]]) == 2.5
    assert nn.SoftmaxCrossEntropy()(np.zeros((2, 4)), [0, 3]) == pytest.approx(np.log(4), 1e-15)
    assert nn.BinaryCrossEntropy()([[0.5]], [[1.0]]) == pytest.approx(np.log(2), 1e-15)
    assert nn.BinaryCrossEntropy(from_logits=True)([[0.0]], [1.0]) == pytest.approx(np.log(2))
    assert nn.PerceptronCriterion()([[-2.0], [3.0]], [[1.0], [1.0]]) == 1.0
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert nn.L2(0.5).function(W) == pytest.approx(0.25 * 14)
    assert nn.L1(0.5).function(W) == 3.0
    assert nn.Orthogonality(1.0).function(np.eye(3)) == 0.0
    uniform = nn.Certainty(1.0)(np.zeros((3, 4)), [0, 1, 2])
    assert uniform == pytest.approx(np.log(4))


def test_integer_labels_and_one_hot_targets_agree():
    scores = rng_for(0).standard_normal((5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    loss = nn.SoftmaxCrossEntropy()
    assert loss(scores, labels) == loss(scores, one_hot(labels, 3))
    np.testing.assert_array_equal(loss.grad(scores, labels), loss.grad(scores, one_hot(labels, 3)))
    value, grad = loss.value_and_grad(scores, labels)
    assert value == pytest.approx(loss(scores, labels), 1e-15)
    np.testing.assert_allclose(grad, loss.grad(scores, labels), rtol=1e-14)


def test_penalties_add_to_weight_gradients_only():
    model = nn.mlp([3, 2], seed=0)
    model.forward(np.ones((1, 3)))
    model.backward(np.zeros((1, 2)))
    nn.L2(0.1).add_to_grads(model)
    np.testing.assert_allclose(model.grads["0.W"], 0.1 * model.params["0.W"])
    np.testing.assert_array_equal(model.grads["0.b"], 0.0)
    assert nn.L2(0.1).value(model) == pytest.approx(0.05 * np.sum(model.params["0.W"] ** 2))


# -- bad targets ----------------------------------------------------------------


def test_labels_out_of_range_are_refused():
    with pytest.raises(
        ValueError, match="SoftmaxCrossEntropy: expected labels in 0..2, got values from 0 to 3"
    ):
        nn.SoftmaxCrossEntropy()(np.zeros((2, 3)), [0, 3])
    with pytest.raises(ValueError, match="expected 2 labels"):
        nn.SoftmaxCrossEntropy()(np.zeros((2, 3)), [0, 1, 2])
    with pytest.raises(TypeError, match="expected integer class labels 0..2, got 0.5 at index 0"):
        nn.SoftmaxCrossEntropy()(np.zeros((2, 3)), [0.5, 1.0])


def test_softmax_targets_must_be_distributions():
    with pytest.raises(
        ValueError,
        match="SoftmaxCrossEntropy: expected target rows of probabilities summing to 1 .*got a row summing to 2",
    ):
        nn.SoftmaxCrossEntropy()(np.zeros((2, 3)), [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    soft = np.array([[0.25, 0.75, 0.0]])
    value, grad = nn.SoftmaxCrossEntropy().value_and_grad([[1.0, 2.0, 3.0]], soft)
    assert value == pytest.approx(nn.SoftmaxCrossEntropy()([[1.0, 2.0, 3.0]], soft), rel=1e-15)


def test_shape_mismatch_is_not_broadcast():
    with pytest.raises(
        ValueError, match=r"MSE: expected targets .* of shape \(4, 2\), got \(4, 1\)"
    ):
        nn.MSE()(np.zeros((4, 2)), np.zeros((4, 1)))
    with pytest.raises(
        ValueError, match=r"SSE: expected targets .* of shape \(3, 1\), got \(1, 3\)"
    ):
        nn.SSE()(np.zeros((3, 1)), np.zeros((1, 3)))


def test_binary_targets_must_be_zero_or_one():
    with pytest.raises(ValueError, match="BinaryCrossEntropy: expected targets of 0 or 1, got 2.0"):
        nn.BinaryCrossEntropy()([[0.5], [0.5]], [[1.0], [2.0]])
    with pytest.raises(ValueError, match="PerceptronCriterion: expected targets of 0 or 1"):
        nn.PerceptronCriterion()([[0.5]], [[-1.0]])


def test_non_finite_predictions_are_refused():
    with pytest.raises(ValueError, match="MSE: predictions contains NaN"):
        nn.MSE()([[np.nan]], [[0.0]])


def test_penalty_strength_must_be_positive():
    with pytest.raises(ValueError, match="L2: expected strength > 0, got -1.0"):
        nn.L2(-1.0)


# -- stability ------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss, pred, target",
    [
        (nn.BinaryCrossEntropy(), [[0.0], [1.0], [0.0], [1.0]], [[0.0], [1.0], [1.0], [0.0]]),
        (
            nn.BinaryCrossEntropy(from_logits=True),
            [[-1e3], [1e3], [-1e3], [1e3]],
            [[0.0], [1.0], [1.0], [0.0]],
        ),
        (nn.SoftmaxCrossEntropy(), [[1e3, -1e3, 0.0], [-1e3, 1e3, 0.0]], [0, 0]),
        (
            nn.SoftmaxCrossEntropy() + nn.Certainty(1.0),
            [[1e3, -1e3, 0.0], [-1e3, 1e3, 0.0]],
            [0, 0],
        ),
    ],
)
def test_log_losses_stay_finite_and_silent_at_extremes(loss, pred, target):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        value, grad = loss.value_and_grad(pred, target)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
        assert np.isfinite(loss(pred, target))


def test_confident_mistakes_cost_in_proportion_to_the_score():
    # log(1 + e^1000) = 1000 exactly in float64: the fused form does not saturate
    assert nn.BinaryCrossEntropy(from_logits=True)([[1e3]], [[0.0]]) == 1e3
    assert nn.SoftmaxCrossEntropy()([[1e3, 0.0]], [1]) == 1e3


# -- issue 13: no silent wrong answers ----------------------------------------------


def test_probabilities_outside_0_1_are_refused_with_the_from_logits_hint():
    # scores passed with from_logits forgotten: silently clipped before
    with pytest.raises(
        ValueError,
        match=r"BinaryCrossEntropy: expected probabilities in \[0, 1\], got 2.3 at row 1; "
        r"are these scores \(logits\)\? then use BinaryCrossEntropy\(from_logits=True\)",
    ):
        nn.BinaryCrossEntropy()([[0.2], [2.3], [-1.0]], [0, 1, 0])
    with pytest.raises(ValueError, match="got -0.5 at row 0"):
        nn.BinaryCrossEntropy().grad([[-0.5]], [1])
    assert np.isfinite(nn.BinaryCrossEntropy(from_logits=True)([[2.3]], [1]))


def test_a_confident_mistake_at_exactly_0_or_1_still_gets_a_gradient():
    loss = nn.BinaryCrossEntropy()
    value, grad = loss.value_and_grad([[0.0], [1.0]], [1, 0])
    assert value == pytest.approx(-np.log(np.finfo(float).eps))  # large but finite
    assert grad[0, 0] < -1e15 and grad[1, 0] > 1e15  # pushes back (a clip gave 0)
    # exact against autograd (finite differences cannot step near p = 0 with any accuracy)
    assert nn.gradcheck(loss, [[0.0], [1.0], [0.3]], [1, 0, 1], fd_max=0).passed
    assert nn.gradcheck(loss, [[0.1], [0.9], [0.3]], [1, 0, 1]).passed
    # ordinary probabilities: the squeeze changes the loss by less than rounding
    p, t = np.array([[0.2], [0.7]]), np.array([[0.0], [1.0]])
    exact = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert loss(p, t) == pytest.approx(exact, rel=1e-14)


def test_soft_targets_get_the_exact_gradient_of_the_reported_value():
    z = np.random.default_rng(0).standard_normal((4, 3))
    t = np.full((4, 3), 1 / 3) + 2e-7  # rows sum to 1 + 6e-7: accepted
    loss = nn.SoftmaxCrossEntropy()
    check = nn.gradcheck(loss, z, t)
    assert check.passed and check.max_rel_error < 1e-12, check
    value, grad = loss.value_and_grad(z, t)
    assert value == pytest.approx(loss(z, t), rel=1e-14)
    np.testing.assert_allclose(grad, loss.grad(z, t), rtol=1e-14)
    assert nn.gradcheck(nn.SoftmaxCrossEntropy() + nn.Certainty(0.5), z, t).passed


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (
            [0, np.nan, 1],
            ValueError,
            r"SoftmaxCrossEntropy: labels contain NaN or infinity \(1 NaN of 3 entries, the first at index 1\); expected integer class labels 0..2",
        ),
        (
            [0, -1, 1],
            ValueError,
            "SoftmaxCrossEntropy: expected integer class labels 0..2, got a negative label, -1, at index 1",
        ),
        (
            [1, 2, 3],
            ValueError,
            r"got values from 1 to 3 \(label 3 at index 2\); counted from 1\? classes are counted from 0 here: use labels - 1",
        ),
        (
            ["a", "b", "c"],
            TypeError,
            "expected integer class labels 0..2, got strings of dtype <U1",
        ),
    ],
)
def test_bad_labels_are_named(labels, error, message):
    with pytest.raises(error, match=message):
        nn.SoftmaxCrossEntropy()(np.zeros((3, 3)), labels)


def test_nan_targets_are_refused():
    with pytest.raises(ValueError, match="MSE: targets contains NaN values"):
        nn.MSE()([[1.0], [2.0]], [1.0, np.nan])
    with pytest.raises(ValueError, match="BinaryCrossEntropy: targets contains NaN"):
        nn.BinaryCrossEntropy(from_logits=True)([[1.0]], [np.nan])


# -- issue 13: errors that teach ----------------------------------------------------


def test_a_loss_called_with_the_data_says_create_it_first():
    with pytest.raises(
        TypeError,
        match=r"MSE\(\) takes no arguments: create the loss, then call it on the data: MSE\(\)\(pred, target\)",
    ):
        nn.MSE(np.ones((2, 1)), np.ones((2, 1)))
    with pytest.raises(TypeError, match="expected from_logits to be True or False, got an array"):
        nn.BinaryCrossEntropy(np.ones((2, 1)))


def test_only_losses_add_up_to_a_loss():
    with pytest.raises(
        TypeError,
        match=r"SoftmaxCrossEntropy\(\) \+ L2\(0.0001\): L2\(0.0001\) is a penalty on the weights, "
        r"not on the predictions.*fit\(..., penalties=\[L2\(0.0001\)\]\)",
    ):
        nn.SoftmaxCrossEntropy() + nn.L2(1e-4)
    with pytest.raises(TypeError, match="is a penalty on the weights"):
        nn.L1(1e-4) + nn.MSE()
    with pytest.raises(
        TypeError, match=r"got the class Certainty itself; create one first: Certainty\(...\)"
    ):
        nn.SoftmaxCrossEntropy() + nn.Certainty
    total = sum([nn.SoftmaxCrossEntropy(), nn.Certainty(0.1)])
    assert repr(total) == "SoftmaxCrossEntropy() + Certainty(0.1)"


def test_softmax_over_a_single_column_is_refused():
    # softmax of one score is 1: the loss is 0 and its gradient 0, whatever the scores
    with pytest.raises(
        ValueError,
        match=r"SoftmaxCrossEntropy: expected one score per class \(at least 2 columns\), got 1 column.*"
        r"use BinaryCrossEntropy\(from_logits=True\)",
    ):
        nn.SoftmaxCrossEntropy()(np.array([[2.0], [-1.0]]), [1, 0])
