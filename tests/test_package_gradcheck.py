"""The gradient check itself: it must catch wrong gradients, not only bless right ones."""

import numpy as np
import pytest

import nnscratch as nn


class ForgetfulSigmoid(nn.Sigmoid):
    """A classic mistake: forgetting the (1 - σ) factor of the derivative."""

    def _backward(self, grad_out):
        return grad_out * self._out


def test_a_wrong_backward_fails_and_says_so():
    check = nn.gradcheck(ForgetfulSigmoid(), np.random.default_rng(0).standard_normal((3, 2)))
    assert not check.passed
    assert "FAIL" in str(check) and "WRONG" in str(check)
    assert "✗" in check._repr_html_()


def test_a_transposed_weight_gradient_fails():
    class Transposed(nn.Linear):
        def _backward(self, grad_out):
            grad_in = super()._backward(grad_out)
            self.grads["W"] = self.grads["W"][::-1]
            return grad_in

    check = nn.gradcheck(Transposed(3, 3, seed=0), np.random.default_rng(1).standard_normal((4, 3)))
    assert [r.name for r in check.rows if not r.passed] == ["W"]


def test_function_form_reports_every_parameter():
    def f(p, xp):
        return xp.sum(xp.sin(p["w"]) * p["b"])

    w, b = np.array([0.1, 0.2]), np.array([2.0, 3.0])
    check = nn.gradcheck(f, params={"w": w, "b": b}, manual={"w": np.cos(w) * b, "b": np.sin(w)})
    assert check.passed, check
    text = str(check)
    assert text.startswith("gradcheck of f: PASS")
    assert check.max_rel_error < 1e-15
    wrong = nn.gradcheck(f, params={"w": w, "b": b}, manual={"w": np.cos(w), "b": np.sin(w)})
    assert not wrong.passed


def test_finite_differences_alone_catch_a_disagreement():
    # autograd agrees with the manual gradient, finite differences do not: f has a kink at 0
    check = nn.gradcheck(
        lambda p, xp: xp.sum(xp.abs(p["w"])), params={"w": np.zeros(3)}, manual={"w": np.zeros(3)}
    )
    assert check.rows[0].rel_autograd == 0.0
    assert check.rows[0].abs_fd == pytest.approx(0.0)  # central differences see |ε| - |-ε| = 0


def test_mismatched_names_and_shapes_are_errors():
    with pytest.raises(KeyError, match="unmatched"):
        nn.gradcheck(
            lambda p, xp: xp.sum(p["w"]), params={"w": np.ones(2)}, manual={"v": np.ones(2)}
        )
    with pytest.raises(ValueError, match=r"manual gradient 'w' has shape \(3,\), expected \(2,\)"):
        nn.gradcheck(
            lambda p, xp: xp.sum(p["w"]), params={"w": np.ones(2)}, manual={"w": np.ones(3)}
        )
    with pytest.raises(TypeError, match="expected a Layer, Loss, Penalty or function"):
        nn.gradcheck(42)


def test_float32_models_are_checked_against_float64_references():
    model = nn.mlp([3, 4, 2], nn.Tanh, seed=0, dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    check = nn.gradcheck(model, x, [0, 1, 1, 0, 1], loss=nn.SoftmaxCrossEntropy())
    assert check.passed, check
    assert check.tol_autograd == 1e-4


# -- NaN and infinity never pass (issue 13: a NaN scale once made the relative error 0) ----


def square(p, xp):
    return xp.sum(p["w"] ** 2)


@pytest.mark.parametrize(
    ("w", "manual", "where"),
    [
        (
            [1.0, 2.0],
            [2.0, np.nan],
            "the manual gradient has 1 NaN of 2 entries, the first at index 1",
        ),
        (
            [1.0, 2.0],
            [np.inf, 4.0],
            "the manual gradient has 1 infinite of 2 entries, the first at index 0",
        ),
        ([1.0, np.nan], [2.0, np.nan], "the parameter has 1 NaN of 2 entries"),
        ([np.nan, np.nan], [np.nan, np.nan], "the value of the function is nan"),
    ],
)
def test_non_finite_manual_gradients_or_parameters_fail_and_say_where(w, manual, where):
    check = nn.gradcheck(square, params={"w": np.array(w)}, manual={"w": np.array(manual)})
    assert not check.passed
    assert where in str(check)
    assert "NOT FINITE" in str(check) and "not finite" in check._repr_html_()


def test_a_non_finite_reference_or_output_fails_and_says_which():
    # autograd's gradient of sqrt at 0 is infinite; the hand-written one says 0
    check = nn.gradcheck(
        lambda p, xp: xp.sum(xp.sqrt(p["w"])), params={"w": np.zeros(2)}, manual={"w": np.zeros(2)}
    )
    assert not check.passed and "autograd's gradient has 2 infinite" in str(check)
    # finite differences step outside log's domain
    check = nn.gradcheck(
        lambda p, xp: xp.sum(xp.log(p["w"])),
        params={"w": np.array([1.0, 1e-7])},
        manual={"w": np.array([1.0, 1e7])},
    )
    assert not check.passed
    assert "the finite differences are not finite at 1 of the 2 entries tried" in str(check)


def test_a_layer_with_infinite_weights_fails_instead_of_passing():
    layer = nn.Linear(2, 2, seed=0)
    layer.params["W"][0, 0] = np.inf
    check = nn.gradcheck(layer, np.ones((3, 2)))
    assert not check.passed
    assert "W: not finite: the parameter has 1 infinite of 4 entries" in str(check)
    nan_model = nn.mlp([2, 3, 2], nn.Tanh, seed=0)
    nan_model[0].params["b"][:] = np.nan
    check = nn.gradcheck(nan_model, np.ones((3, 2)), [0, 1, 1], loss=nn.SoftmaxCrossEntropy())
    assert not check.passed and not any(row.passed for row in check.rows)


def test_a_nan_penalty_weight_fails():
    assert not nn.gradcheck(nn.L2(0.1), np.array([[1.0, np.nan]])).passed


def test_a_class_where_an_instance_belongs_is_named():
    with pytest.raises(
        TypeError,
        match=r"gradcheck: expected a Layer.*got the class MSE itself; create one first: MSE\(\)",
    ):
        nn.gradcheck(nn.MSE, np.ones((2, 1)), np.ones((2, 1)))
    with pytest.raises(
        TypeError, match=r"gradcheck: expected loss to be a loss .*got the class MSE itself"
    ):
        nn.gradcheck(nn.Linear(2, 1, seed=0), np.ones((2, 2)), np.ones((2, 1)), loss=nn.MSE)
