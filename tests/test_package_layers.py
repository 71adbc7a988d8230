"""Layers: gradients against autograd and finite differences, shapes, bad input, stability."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnscratch as nn
from nnscratch.data import one_hot

ACTIVATIONS = [nn.Sigmoid, nn.Tanh, nn.ReLU, nn.ELU, nn.Softmax]
SETTINGS = settings(max_examples=20, deadline=None)


def batch(n, d, seed=0, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal((n, d))


@SETTINGS
@given(
    n=st.integers(1, 6),
    d=st.integers(1, 5),
    seed=st.integers(0, 10_000),
    layer=st.sampled_from(ACTIVATIONS),
)
def test_activation_backward_matches_autograd_and_finite_differences(n, d, seed, layer):
    check = nn.gradcheck(layer(), batch(n, d, seed), seed=seed)
    assert check.passed, check


@SETTINGS
@given(
    n=st.integers(1, 6),
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    seed=st.integers(0, 10_000),
    init=st.sampled_from(["glorot", "he"]),
)
def test_linear_backward_matches_autograd_and_finite_differences(n, n_in, n_out, seed, init):
    layer = nn.Linear(n_in, n_out, seed=seed, init=init)
    layer.params["b"] += np.random.default_rng(seed).standard_normal(n_out)
    check = nn.gradcheck(layer, batch(n, n_in, seed + 1), seed=seed)
    assert check.passed, check
    assert {r.name for r in check.rows} == {"W", "b", "input"}


@SETTINGS
@given(
    n=st.integers(1, 5),
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    act=st.sampled_from([nn.Sigmoid, nn.Tanh, nn.ELU]),
    seed=st.integers(0, 1000),
)
def test_sequential_backward_matches_autograd(n, sizes, act, seed):
    model = nn.mlp(sizes, act, seed=seed)
    check = nn.gradcheck(model, batch(n, sizes[0], seed))
    assert check.passed, check


def test_sequential_with_loss_and_softmax_layer():
    model = nn.Sequential(nn.Linear(4, 3, seed=0), nn.Tanh(), nn.Linear(3, 3, seed=1), nn.Softmax())
    check = nn.gradcheck(model, batch(5, 4), one_hot([0, 2, 1, 1, 0], 3), loss=nn.MSE())
    assert check.passed, check


def test_step_is_a_threshold_with_zero_gradient():
    step = nn.Step()
    out = step.forward([[-1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(out, [[0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(step.backward(np.ones((1, 3))), np.zeros((1, 3)))


def test_linear_computes_xw_plus_b_exactly():
    layer = nn.Linear(W=[[1.0, 2.0], [3.0, 4.0]], b=[0.5, -1.0])
    np.testing.assert_array_equal(layer.forward([[1.0, 1.0]]), [[4.5, 5.0]])
    grad_in = layer.backward(np.array([[1.0, 0.0]]))
    np.testing.assert_array_equal(grad_in, [[1.0, 3.0]])
    np.testing.assert_array_equal(layer.grads["W"], [[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(layer.grads["b"], [1.0, 0.0])


def test_initialisations_have_their_documented_scale():
    glorot = nn.Linear(200, 300, seed=0).params["W"]
    bound = np.sqrt(6 / 500)
    assert np.abs(glorot).max() <= bound
    assert glorot.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    he = nn.Linear(400, 300, seed=0, init="he").params["W"]
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    np.testing.assert_array_equal(
        nn.Linear(3, 2, seed=5).params["W"], nn.Linear(3, 2, seed=5).params["W"]
    )


def test_mlp_structure_and_repr():
    model = nn.mlp([64, 128, 10], nn.ReLU, seed=0)
    assert [type(layer).__name__ for layer in model.layers] == ["Linear", "ReLU", "Linear"]
    assert model.n_params == 64 * 128 + 128 + 128 * 10 + 10
    text = repr(model)
    assert "Linear(64 → 128, 8320 params)" in text and "9610 parameters" in text
    assert list(model.params) == ["0.W", "0.b", "2.W", "2.b"]
    assert model.params["0.W"] is model.layers[0].params["W"]


def test_float32_end_to_end():
    model = nn.mlp([3, 4, 2], nn.Sigmoid, seed=0, dtype=np.float32)
    out = model.forward(batch(5, 3).astype(np.float32))
    assert out.dtype == np.float32
    model.backward(np.ones_like(out))
    assert all(g.dtype == np.float32 for g in model.grads.values())


# -- bad input ------------------------------------------------------------------


def test_wrong_width_names_the_layer_and_both_shapes():
    with pytest.raises(
        ValueError, match=r"Linear: expected input of shape \(batch, 3\), got \(5, 4\)"
    ):
        nn.Linear(3, 2, seed=0).forward(batch(5, 4))


def test_wrong_dtype_is_not_silently_converted():
    layer = nn.Linear(3, 2, seed=0, dtype=np.float32)
    with pytest.raises(TypeError, match="Linear: expected input of dtype float32.*got float64"):
        layer.forward(batch(2, 3))


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinite")])
def test_non_finite_input_is_refused(bad, word):
    x = batch(2, 3)
    x[1, 2] = bad
    with pytest.raises(ValueError, match=f"Sequential: input contains {word}"):
        nn.mlp([3, 2], seed=0).forward(x)
    with pytest.raises(ValueError, match=f"Sigmoid: input contains {word}"):
        nn.Sigmoid().forward(x)


def test_calling_a_model_is_its_forward():
    model = nn.mlp([3, 2], seed=0)
    np.testing.assert_array_equal(model(batch(2, 3)), model.forward(batch(2, 3)))
    with pytest.raises(ValueError, match="Sequential: expected input with 2 dimensions"):
        model(np.zeros(3))


def test_empty_batch_and_wrong_rank_are_refused():
    with pytest.raises(ValueError, match="Sequential: expected a non-empty input"):
        nn.mlp([3, 2], seed=0).forward(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="Sequential: expected input with 2 dimensions, got shape"):
        nn.mlp([3, 2], seed=0).forward(np.zeros(3))
    with pytest.raises(TypeError, match="expected input to hold real numbers"):
        nn.ReLU().forward(np.array([["a"]]))


def test_backward_checks_the_gradient_shape_and_order():
    layer = nn.Linear(3, 2, seed=0)
    with pytest.raises(RuntimeError, match="Linear: call forward before backward"):
        layer.backward(np.ones((1, 2)))
    layer.forward(batch(4, 3))
    with pytest.raises(
        ValueError, match=r"Linear: expected grad_out .* of shape \(4, 2\), got \(4, 3\)"
    ):
        layer.backward(np.ones((4, 3)))


def test_construction_errors_are_explicit():
    with pytest.raises(TypeError, match="seed"):
        nn.Linear(3, 2)
    with pytest.raises(ValueError, match="n_out to be a positive int, got 0"):
        nn.Linear(3, 0, seed=0)
    with pytest.raises(ValueError, match=r"expected W of shape \(3, 2\), got \(2, 3\)"):
        nn.Linear(3, 2, W=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="init 'glorot' or 'he'"):
        nn.Linear(3, 2, seed=0, init="xavier")
    with pytest.raises(
        TypeError, match=r"Sequential: expected layer 1 to be a layer .*got 3 \(of type int\)"
    ):
        nn.Sequential(nn.ReLU(), 3)


# -- numerical stability --------------------------------------------------------


@pytest.mark.parametrize("layer", [nn.Sigmoid(), nn.Tanh(), nn.Softmax(), nn.ELU()])
def test_activations_stay_finite_and_silent_at_large_inputs(layer):
    x = np.array([[-1e3, -50.0, 0.0, 50.0, 1e3]])
    # underflow to 0 is the right answer; overflow, 0/0 and log(0) are not
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = layer.forward(x)
        grad = layer.backward(np.ones_like(out))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))


def test_sigmoid_keeps_relative_precision_in_its_tails():
    s = nn.Sigmoid().forward(np.array([[-40.0, 40.0]]))
    assert s[0, 0] == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-15)
    assert s[0, 1] == 1.0


def test_softmax_rows_sum_to_one_for_huge_scores():
    s = nn.Softmax().forward(np.array([[1e3, 1e3 - 1.0, -1e3]]))
    assert s.sum() == pytest.approx(1.0)
    assert s[0, 0] / s[0, 1] == pytest.approx(np.e)


def test_mlp_seeds_give_independent_streams():
    """Neighbouring seeds share no weights (layer i is not seeded with seed + i)."""
    a, b = nn.mlp([8, 8, 8, 8], nn.Tanh, seed=0), nn.mlp([8, 8, 8, 8], nn.Tanh, seed=1)
    weights_a = [layer.params["W"] for layer in a.layers if isinstance(layer, nn.Linear)]
    weights_b = [layer.params["W"] for layer in b.layers if isinstance(layer, nn.Linear)]
    for wa in weights_a:
        for wb in weights_b:
            assert not np.array_equal(wa, wb)
    again = nn.mlp([8, 8, 8, 8], nn.Tanh, seed=0)
    assert np.array_equal(again.layers[0].params["W"], weights_a[0])


# -- issue 13: slips a learner makes, each refused in the package's own words ----------


def test_a_layer_class_where_a_layer_belongs():
    with pytest.raises(
        TypeError,
        match=r"Sequential: expected layer 1 to be a layer such as ReLU\(\) .*got the class ReLU itself; create one first: ReLU\(\)",
    ):
        nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU, nn.Linear(3, 1, seed=1))


def test_an_activation_instance_where_mlp_wants_the_class():
    with pytest.raises(
        TypeError, match=r"got the layer ReLU\(\); drop the parentheses: mlp\(sizes, ReLU\)"
    ):
        nn.mlp([2, 3, 1], nn.ReLU())
    with pytest.raises(
        TypeError,
        match="expected activation to be a layer class such as ReLU, got the string 'relu'",
    ):
        nn.mlp([2, 3, 1], "relu")
    with pytest.raises(
        ValueError, match=r"mlp: expected sizes to be a list of at least two ints.*got 64"
    ):
        nn.mlp(64)
    with pytest.raises(TypeError, match=r"mlp: expected seed to be an int >= 0, got 1.5"):
        nn.mlp([2, 1], seed=1.5)
    with pytest.raises(TypeError, match="mlp: pass seed=<int>"):
        nn.mlp([2, 1], seed=None)  # SeedSequence(None) would draw fresh entropy: unseeded


def test_mismatched_sizes_are_found_when_the_sequential_is_built():
    with pytest.raises(
        ValueError,
        match=r"Sequential layer 2 \(Linear 32 → 10\) takes 32 inputs, but layer 0 \(Linear 64 → 16\) "
        r"before it gives 16; the sizes of neighbouring layers must agree, e.g. Linear\(16, 10\)",
    ):
        nn.Sequential(nn.Linear(64, 16, seed=0), nn.ReLU(), nn.Linear(32, 10, seed=1))
    inner = nn.Sequential(nn.Linear(3, 4, seed=0), nn.Tanh())
    assert (inner.n_in, inner.n_out) == (3, 4)
    with pytest.raises(
        ValueError, match=r"layer 1 \(Linear 5 → 2\) takes 5 inputs, but layer 0 \(Sequential\)"
    ):
        nn.Sequential(inner, nn.Linear(5, 2, seed=0))


def test_errors_inside_a_sequential_name_the_layer_by_position():
    model = nn.Sequential(nn.Linear(4, 16, seed=0), nn.ReLU(), nn.Linear(16, 10, seed=1))
    with pytest.raises(
        ValueError,
        match=r"^Sequential layer 0 \(Linear 4 → 16\): expected input of shape \(batch, 4\), got \(2, 3\)$",
    ):
        model.forward(np.ones((2, 3)))
    with pytest.raises(
        TypeError, match=r"^Sequential layer 0 \(Linear 4 → 16\): expected input of dtype float64"
    ):
        model._forward(np.ones((2, 4), dtype=np.float32))


def test_backward_refuses_non_finite_or_other_dtype_gradients():
    model = nn.mlp([3, 4, 2], seed=0)
    model.forward(np.ones((2, 3)))
    with pytest.raises(
        ValueError,
        match=r"Sequential: grad_out is not finite \(1 NaN of 4 entries, the first at index \(1, 0\)\)",
    ):
        model.backward(np.array([[1.0, 2.0], [np.nan, 0.0]]))
    with pytest.raises(ValueError, match="ReLU: grad_out is not finite"):
        relu = nn.ReLU()
        relu.forward(np.ones((1, 2)))
        relu.backward(np.array([[np.inf, 0.0]]))
    with pytest.raises(
        TypeError,
        match=r"expected grad_out of dtype float64 \(the dtype of the last output\), got float32",
    ):
        model.backward(np.ones((2, 2), dtype=np.float32))
    with pytest.raises(
        TypeError,
        match=r"expected grad_out .* to be a numpy array of shape \(2, 2\), got \[\[1, 2\], \[3, 4\]\]",
    ):
        model.backward([[1, 2], [3, 4]])


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (
            [[1.0, 2.0, 3.0], [4.0, 5.0]],
            TypeError,
            "got a ragged list: rows of lengths 2, 3; every example needs the same number of values",
        ),
        (
            np.ones(3),
            ValueError,
            r"got shape \(3,\); one example\? x.reshape\(1, -1\) makes it a batch of one",
        ),
        (None, TypeError, "expected input to be an array of numbers, got None"),
        ([["a", "b", "c"]], TypeError, "got a list holding strings such as 'a'"),
        (np.array([["a", "b", "c"]]), TypeError, r"got strings \(dtype <U1\)"),
    ],
)
def test_ragged_missing_or_text_inputs_are_explained(x, error, message):
    with pytest.raises(error, match=message):
        nn.mlp([3, 2], seed=0).forward(x)


def test_integer_and_bool_inputs_are_read_as_numbers():
    model = nn.mlp([3, 2], seed=0)
    np.testing.assert_array_equal(model.forward([[1, 0, 2]]), model.forward([[1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(
        model.forward(np.array([[True, False, True]])), model.forward([[1.0, 0.0, 1.0]])
    )
    with pytest.raises(TypeError, match="the layer Sequential itself: call it on the data first"):
        model.forward(model)


def test_hyperparameters_of_layers_are_numbers():
    with pytest.raises(TypeError, match="ELU: expected alpha to be a number, not the string '1'"):
        nn.ELU("1")
    with pytest.raises(
        TypeError, match="Linear: expected n_in to be a positive int, got the string '64'"
    ):
        nn.Linear("64", 10, seed=0)


def test_mlp_takes_any_sequence_of_int_sizes():
    for sizes in ([3, 4, 2], (3, 4, 2), range(3, 5), np.array([3, 4, 2])):
        assert nn.mlp(sizes, seed=0)[0].n_in == 3
    with pytest.raises(ValueError, match=r"got \[3, 4.0, 2\]"):
        nn.mlp([3, 4.0, 2])


def test_lists_and_integer_inputs_take_the_models_dtype():
    model = nn.mlp([3, 2], seed=0, dtype=np.float32)
    assert model.forward([[1, 2, 3]]).dtype == np.float32
    assert model.forward(np.array([[1, 2, 3]])).dtype == np.float32
    with pytest.raises(
        TypeError,
        match=r"expected input of dtype float32 .*got float64; convert with x.astype\(np.float32\)",
    ):
        model.forward(np.ones((1, 3)))


def test_sigmoid_slope_at_exactly_zero_is_a_quarter_under_autograd():
    """autograd must see σ'(0) = 1/4 (the slope of |z| at 0 would make it 0)."""
    import autograd
    import autograd.numpy as anp

    slope = autograd.grad(lambda z: nn.sigmoid(z, anp))(0.0)
    assert slope == 0.25
    z = np.array([[0.0, -1.5, 2.0]])
    assert nn.gradcheck(nn.Sigmoid(), z).passed
    big = np.linspace(-800, 800, 9)
    assert np.array_equal(
        nn.sigmoid(big),
        np.where(
            big >= 0,
            1 / (1 + np.exp(-np.abs(big))),
            np.exp(-np.abs(big)) / (1 + np.exp(-np.abs(big))),
        ),
    )
