"""A learner's slips: each one refused by the package in its own words, or never silent.

Every test here names the slip it covers. Messages are matched on what they must
teach: who complains, what it expected, what it got, and the likely slip.
"""

import numpy as np
import pytest

from nnscratch._checks import check_hyperparameter

# -- hyperparameters: one check, used by optimisers, penalties and fit ------------------


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (
            "0.01",
            TypeError,
            "Adam: expected lr to be a number, not the string '0.01'; drop the quotes: lr=0.01",
        ),
        ("fast", TypeError, "Adam: expected lr to be a number, not the string 'fast'$"),
        (None, TypeError, "Adam: expected lr to be a number, got None"),
        (True, TypeError, r"Adam: expected lr to be a number, got True \(a bool\)"),
        (float("nan"), ValueError, r"Adam: expected lr > 0, got nan \(not a finite number\)"),
        (float("inf"), ValueError, r"Adam: expected lr > 0, got inf"),
        (-0.1, ValueError, "Adam: expected lr > 0, got -0.1"),
        (0, ValueError, "Adam: expected lr > 0, got 0.0"),
        (np.ones(2), TypeError, r"Adam: expected lr to be a number, got an array of shape \(2,\)"),
    ],
)
def test_check_hyperparameter_refuses_with_owner_expected_and_got(value, error, message):
    with pytest.raises(error, match=message):
        check_hyperparameter("Adam", "lr", value)


def test_check_hyperparameter_bounds_and_accepted_numbers():
    def momentum(v):
        return check_hyperparameter(
            "Momentum", "momentum", v, low=0.0, low_inclusive=True, high=1.0
        )

    assert momentum(0) == 0.0 and momentum(np.float32(0.5)) == 0.5
    assert isinstance(momentum(np.int64(0)), float)
    with pytest.raises(ValueError, match="Momentum: expected 0 <= momentum < 1, got 1.0"):
        momentum(1)
    assert check_hyperparameter("x", "a", 1.0, high=1.0, high_inclusive=True) == 1.0
    assert check_hyperparameter("x", "shift", -5.0, low=None) == -5.0
    with pytest.raises(ValueError, match="x: expected a finite shift, got -inf"):
        check_hyperparameter("x", "shift", -np.inf, low=None)


def test_check_hyperparameter_names_a_class_passed_for_a_number():
    class Adam:
        pass

    with pytest.raises(TypeError, match=r"got the class Adam$"):
        check_hyperparameter("fit", "lr", Adam)


def test_a_model_passed_for_a_hyperparameter_says_how_optimisers_are_made():
    import nnscratch as nn

    model = nn.mlp([2, 3], seed=0)
    with pytest.raises(
        TypeError,
        match=r"Adam: expected learning rate lr to be a number, got the layer Sequential; "
        r"Adam is made with numbers, e.g. Adam\(0.001\), and fit hands it the model",
    ):
        nn.Adam(model)  # the PyTorch habit: Adam(model.parameters())
    with pytest.raises(TypeError, match="L2: expected strength to be a number, got the layer"):
        nn.L2(model)
