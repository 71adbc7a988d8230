"""Optimisers: their first steps against the update equations worked by hand."""

import numpy as np
import pytest

import nnscratch as nn


class OneParameter:
    """The smallest model an optimiser can step: one parameter, a gradient we set."""

    def __init__(self, value, name="p"):
        self.p = np.array(value, dtype=float)
        self.g = np.zeros_like(self.p)
        self.name = name

    def parameters(self):
        yield self.name, self.p, self.g


def run(optimizer, start, gradients, name="p"):
    model = OneParameter(start, name)
    path = []
    for g in gradients:
        model.g[...] = g
        optimizer.step(model)
        path.append(float(model.p[0]))
    return path


def test_gradient_descent():
    # θ1 = 1 - 0.1·2 = 0.8; θ2 = 0.8 - 0.1·(-1) = 0.9
    assert run(nn.GradientDescent(0.1), [1.0], [[2.0], [-1.0]]) == pytest.approx(
        [0.8, 0.9], rel=1e-15
    )


def test_momentum():
    # v1 = 2, θ1 = 1 - 0.1·2 = 0.8; v2 = 0.5·2 + 1 = 2, θ2 = 0.8 - 0.2 = 0.6
    path = run(nn.Momentum(0.1, momentum=0.5), [1.0], [[2.0], [1.0]])
    assert path == pytest.approx([0.8, 0.6], rel=1e-15)


def test_nesterov():
    # v1 = 2, θ1 = 1 - 0.1·(2 + 0.5·2) = 0.7; v2 = 0.5·2 + 1 = 2, θ2 = 0.7 - 0.1·(1 + 1) = 0.5
    path = run(nn.Nesterov(0.1, momentum=0.5), [1.0], [[2.0], [1.0]])
    assert path == pytest.approx([0.7, 0.5], rel=1e-15)


def test_adam_with_bias_correction():
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    g1, g2 = 2.0, -1.0
    # step 1: m = 0.2, v = 0.004; m̂ = 2, v̂ = 4: the first step is lr·2/(2 + eps) ≈ lr
    theta1 = 1.0 - lr * 2.0 / (2.0 + eps)
    m = b1 * 0.2 + (1 - b1) * g2
    v = b2 * 0.004 + (1 - b2) * g2**2
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    theta2 = theta1 - lr * m_hat / (np.sqrt(v_hat) + eps)
    path = run(nn.Adam(lr, b1, b2, eps), [1.0], [[g1], [g2]])
    assert path[0] == pytest.approx(theta1, rel=1e-15)
    assert path[1] == pytest.approx(theta2, rel=1e-14)
    assert 1.0 - path[0] == pytest.approx(lr, rel=1e-7)  # not 3.2·lr, as without correction


def test_adam_without_bias_correction_would_step_too_far():
    # Uncorrected, m1 = 0.1 g and v1 = 0.001 g²: the step would be lr·0.1/sqrt(0.001) ≈ 3.16 lr,
    # and (1 - 0.9^t)/sqrt(1 - 0.999^t) peaks at 6.57 at t = 12. With the correction every
    # step is lr for any constant gradient, large or small, through the peak and after it.
    for g in (1e-3, 1.0, 1e3):
        path = run(nn.Adam(0.01), [0.0], [[g]] * 60)
        assert np.diff([0.0, *path]) == pytest.approx([-0.01] * 60, rel=1e-4)
    t = np.arange(1, 20001)
    uncorrected = (1 - 0.9**t) / np.sqrt(1 - 0.999**t)
    assert (uncorrected.argmax() + 1, round(uncorrected.max(), 2)) == (12, 6.57)


def test_nesterov_is_the_look_ahead_method_in_shifted_variables():
    # Nesterov as first written takes the gradient at θ - ημv; the package holds that point,
    # θ̃ = θ - ημv, and takes the gradient where it stands. Same run, shifted by ημv.
    def grad(theta):  # any smooth function: f = θ⁴/4 + sin θ
        return theta**3 + np.cos(theta)

    lr, mu = 0.05, 0.9
    theta, v = np.array([1.5]), np.zeros(1)
    model, nesterov = OneParameter([1.5]), nn.Nesterov(lr, momentum=mu)
    for _ in range(50):
        v = mu * v + grad(theta - lr * mu * v)
        theta = theta - lr * v
        model.g[...] = grad(model.p)
        nesterov.step(model)
        assert model.p == pytest.approx(theta - lr * mu * v, rel=1e-12, abs=1e-14)
    assert nesterov.state["p"]["v"] == pytest.approx(v, rel=1e-12)


def test_adamw_decouples_weight_decay_from_the_moments():
    # AdamW: W ← W - lr·(m̂/(sqrt(v̂) + eps) + wd·W), with m, v as in plain Adam.
    b1, b2, eps, lr, wd = 0.9, 0.999, 1e-8, 0.01, 0.5
    g1, g2 = 2.0, -1.0
    # step 1: m̂ = 2, v̂ = 4, so W1 = 1 - 0.01·(2/(2 + eps) + 0.5·1) ≈ 0.985
    w1 = 1.0 - lr * (2.0 / (2.0 + eps) + wd * 1.0)
    m = b1 * 0.2 + (1 - b1) * g2
    v = b2 * 0.004 + (1 - b2) * g2**2
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    w2 = w1 - lr * (m_hat / (np.sqrt(v_hat) + eps) + wd * w1)
    path = run(nn.Adam(lr, b1, b2, eps, weight_decay=wd), [1.0], [[g1], [g2]], name="0.W")
    assert path == pytest.approx([w1, w2], rel=1e-14)
    assert path[0] == pytest.approx(0.985, rel=1e-7)


def test_adamw_with_zero_gradient_only_shrinks_weights_not_biases():
    # No gradient: m = v = 0, the Adam step is 0 and only the decay acts, 3 times by (1 - lr·wd).
    assert run(nn.Adam(0.1, weight_decay=0.2), [1.0], [[0.0]] * 3, name="1.W") == pytest.approx(
        [0.98, 0.98**2, 0.98**3], rel=1e-15
    )
    assert run(nn.Adam(0.1, weight_decay=0.2), [1.0], [[0.0]] * 3, name="1.b") == [1.0] * 3


def test_adamw_is_not_adam_with_an_l2_gradient():
    # With the L2 gradient wd·W added to g, Adam normalises it away: for a constant
    # gradient g the step is lr whatever wd·W adds; AdamW's decay comes on top.
    wd, lr = 0.1, 0.01
    l2 = run(nn.Adam(lr), [1.0], [[1.0 + wd * 1.0]], name="0.W")[0]
    decoupled = run(nn.Adam(lr, weight_decay=wd), [1.0], [[1.0]], name="0.W")[0]
    assert 1.0 - l2 == pytest.approx(lr, rel=1e-6)
    assert 1.0 - decoupled == pytest.approx(lr * (1 + wd), rel=1e-6)


def test_adam_weight_decay_zero_is_plain_adam():
    grads = [[0.3], [-1.2], [0.7]]
    plain = run(nn.Adam(0.05), [0.5], grads, name="0.W")
    assert run(nn.Adam(0.05, weight_decay=0.0), [0.5], grads, name="0.W") == plain
    assert "weight_decay=0.3" in repr(nn.Adam(0.05, weight_decay=0.3))


def test_state_is_per_parameter_and_steps_are_in_place():
    model = nn.mlp([2, 3, 1], seed=0)
    before = {k: v for k, v in model.params.items()}
    model.forward(np.ones((4, 2)))
    model.backward(np.ones((4, 1)))
    opt = nn.Adam(0.01)
    opt.step(model)
    assert set(opt.state) == {"0.W", "0.b", "2.W", "2.b"}
    assert all(model.params[k] is before[k] for k in before)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: nn.GradientDescent(0),
            ValueError,
            "GradientDescent: expected learning rate lr > 0, got 0.0",
        ),
        (lambda: nn.Momentum(-1), ValueError, "Momentum: expected learning rate lr > 0, got -1.0"),
        (
            lambda: nn.Adam(float("nan")),
            ValueError,
            r"Adam: expected learning rate lr > 0, got nan \(not a finite number\)",
        ),
        (
            lambda: nn.Nesterov("0.1"),
            TypeError,
            "Nesterov: expected learning rate lr to be a number, not the string '0.1'; "
            "drop the quotes: lr=0.1",
        ),
        (
            lambda: nn.Adam(None),
            TypeError,
            "Adam: expected learning rate lr to be a number, got None",
        ),
    ],
)
def test_learning_rate_must_be_a_positive_number(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: nn.Momentum(0.1, momentum=1.5),
            ValueError,
            "Momentum: expected 0 <= momentum < 1, got 1.5",
        ),
        (
            lambda: nn.Nesterov(0.1, momentum=-0.1),
            ValueError,
            "Nesterov: expected 0 <= momentum < 1, got -0.1",
        ),
        (
            lambda: nn.Momentum(0.1, momentum="0.9"),
            TypeError,
            "Momentum: expected momentum to be a number, not the string '0.9'",
        ),
        (lambda: nn.Adam(0.1, beta2=1.0), ValueError, "Adam: expected 0 <= beta2 < 1, got 1.0"),
        (
            lambda: nn.Adam(0.1, beta1=float("nan")),
            ValueError,
            r"Adam: expected 0 <= beta1 < 1, got nan \(not a finite number\)",
        ),
        (lambda: nn.Adam(0.1, eps=0), ValueError, "Adam: expected eps > 0, got 0.0"),
        (
            lambda: nn.Adam(0.1, weight_decay=-0.1),
            ValueError,
            "Adam: expected weight_decay >= 0, got -0.1",
        ),
        (
            lambda: nn.Adam(0.1, weight_decay="1e-4"),
            TypeError,
            "Adam: expected weight_decay to be a number, not the string '1e-4'",
        ),
        (
            lambda: nn.Adam(0.1, weight_decay=float("inf")),
            ValueError,
            "Adam: expected weight_decay >= 0, got inf",
        ),
    ],
)
def test_other_hyperparameters_are_checked_and_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_hyperparameters_are_stored_as_floats():
    opt = nn.Adam(np.float32(0.01), beta1=0, weight_decay=np.int64(0))
    assert (opt.lr, opt.beta1, opt.weight_decay) == (pytest.approx(0.01), 0.0, 0.0)
    assert all(type(v) is float for v in (opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay))
    assert type(nn.Momentum(1, momentum=0).momentum) is float
