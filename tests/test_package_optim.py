"""Optimisers: their first steps against the update equations worked by hand."""

import numpy as np
import pytest

import nnscratch as nn


class OneParameter:
    """The smallest model an optimiser can step: one parameter, a gradient we set."""

    def __init__(self, value):
        self.p = np.array(value, dtype=float)
        self.g = np.zeros_like(self.p)

    def parameters(self):
        yield "p", self.p, self.g


def run(optimizer, start, gradients):
    model = OneParameter(start)
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
    assert 1.0 - path[0] == pytest.approx(lr, rel=1e-7)  # not 0.3·lr, as without correction


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
    "make", [lambda: nn.GradientDescent(0), lambda: nn.Momentum(-1), lambda: nn.Adam(float("nan"))]
)
def test_learning_rate_must_be_positive(make):
    with pytest.raises(ValueError, match="expected learning rate lr > 0"):
        make()


def test_momentum_and_betas_in_range():
    with pytest.raises(ValueError, match="Momentum: expected 0 <= momentum < 1, got 1.5"):
        nn.Momentum(0.1, momentum=1.5)
    with pytest.raises(ValueError, match="Adam: expected 0 <= beta2 < 1, got 1.0"):
        nn.Adam(0.1, beta2=1.0)
