"""Full Jacobians: the layer's own backward, autograd and central differences agree."""

import numpy as np
import pytest

import nnscratch as nn
from nnscratch.jacobian import batch_jacobian, jacobian

LAYERS = {
    "Linear": lambda: nn.Linear(4, 3, seed=0),
    "Sigmoid": nn.Sigmoid,
    "Tanh": nn.Tanh,
    "ReLU": nn.ReLU,
    "ELU": nn.ELU,
    "Softmax": nn.Softmax,
    "mlp": lambda: nn.mlp([4, 5, 4], nn.Tanh, seed=1),
}


def example(d=4, seed=0):
    return np.random.default_rng(seed).standard_normal(d)


@pytest.mark.parametrize("name", LAYERS)
def test_backward_autograd_and_central_differences_agree(name):
    layer, x = LAYERS[name](), example()
    by_backward = jacobian(layer, x)
    by_autograd = jacobian(layer, x, method="autograd")
    by_differences = jacobian(layer, x, method="central")
    assert by_backward.shape == (len(layer.forward(x[None])[0]), 4)
    np.testing.assert_allclose(by_backward, by_autograd, rtol=0, atol=1e-12)
    np.testing.assert_allclose(by_backward, by_differences, rtol=0, atol=1e-8)


def test_the_textbook_jacobians():
    x = example()
    linear = nn.Linear(4, 3, seed=2)
    np.testing.assert_array_equal(jacobian(linear, x), linear.params["W"].T)
    s = nn.sigmoid(x)
    np.testing.assert_allclose(jacobian(nn.Sigmoid(), x), np.diag(s * (1 - s)), atol=1e-15)
    np.testing.assert_array_equal(jacobian(nn.ReLU(), x), np.diag((x > 0).astype(float)))
    p = nn.softmax(x)
    J = jacobian(nn.Softmax(), x)
    np.testing.assert_allclose(J, np.diag(p) - np.outer(p, p), atol=1e-15)
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)  # probabilities keep summing to 1


@pytest.mark.parametrize("method", ["backward", "autograd", "central"])
def test_a_batch_jacobian_is_block_diagonal(method):
    layer = nn.mlp([3, 4, 2], nn.Sigmoid, seed=0)
    X = np.random.default_rng(3).standard_normal((5, 3))
    J = batch_jacobian(layer, X, method=method)
    assert J.shape == (5, 2, 5, 3)
    for a in range(5):
        for b in range(5):
            if a != b:
                assert np.all(J[a, :, b, :] == 0.0)
        np.testing.assert_allclose(J[a, :, a, :], jacobian(layer, X[a]), atol=1e-8)


def test_the_layer_is_left_as_it_was():
    layer = nn.Linear(3, 2, seed=0)
    X = np.ones((2, 3))
    layer.forward(X)
    layer.backward(np.ones((2, 2)))
    W, grad_W = layer.params["W"].copy(), layer.grads["W"].copy()
    batch_jacobian(layer, np.random.default_rng(0).standard_normal((4, 3)))
    np.testing.assert_array_equal(layer.params["W"], W)
    np.testing.assert_array_equal(layer.grads["W"], grad_W)
    assert layer._x is not None and layer._x.shape == (2, 3)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="1 dimensions"):
        jacobian(nn.Sigmoid(), np.ones((2, 3)))
    with pytest.raises(ValueError, match="method"):
        jacobian(nn.Sigmoid(), np.ones(3), method="forward")
    with pytest.raises(TypeError, match="Layer"):
        batch_jacobian(np.tanh, np.ones((2, 3)))
    with pytest.raises(ValueError, match="Linear"):
        jacobian(nn.Linear(4, 3, seed=0), np.ones(5))
