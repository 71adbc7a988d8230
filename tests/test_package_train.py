"""fit: reaches its accuracy, repeats exactly, stops cleanly, validates its input."""

import numpy as np
import pytest

import nnscratch as nn
from nnscratch.data import load_digits, split, xor_table


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return split(X, y, test_size=0.2, seed=0)


def test_digits_mlp_reaches_97_percent(digits):
    X_train, X_test, y_train, y_test = digits
    model = nn.mlp([64, 128, 10], nn.ReLU, seed=0)
    history = nn.fit(
        model,
        nn.SoftmaxCrossEntropy(),
        nn.Adam(2e-3),
        X_train,
        y_train,
        epochs=40,
        batch_size=32,
        seed=0,
        progress=False,
        validation=(X_test, y_test),
        metrics=("accuracy",),
    )
    test = nn.evaluate(model, nn.SoftmaxCrossEntropy(), X_test, y_test)
    assert test["accuracy"] >= 0.97, test
    assert history["val_accuracy"][-1] == test["accuracy"]
    assert history["loss"][-1] < history["loss"][0] / 10
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_same_seed_same_numbers_other_seed_other_numbers(digits):
    X_train, _, y_train, _ = digits

    def run(seed):
        model = nn.mlp([64, 16, 10], nn.Tanh, seed=0)
        return nn.fit(
            model,
            nn.SoftmaxCrossEntropy(),
            nn.Momentum(0.05),
            X_train[:300],
            y_train[:300],
            epochs=3,
            seed=seed,
            progress=False,
        )["loss"]

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_xor_learns_with_a_sigmoid_network():
    X, y = xor_table()
    model = nn.Sequential(nn.Linear(2, 3, seed=1), nn.Tanh(), nn.Linear(3, 1, seed=2))
    nn.fit(
        model,
        nn.BinaryCrossEntropy(from_logits=True),
        nn.Adam(0.05),
        X,
        y,
        epochs=300,
        batch_size=4,
        progress=False,
    )
    assert nn.evaluate(model, nn.BinaryCrossEntropy(from_logits=True), X, y)["accuracy"] == 1.0


def test_divergence_stops_with_advice():
    X, y = xor_table()
    model = nn.mlp([2, 8, 1], nn.ReLU, seed=0)
    with pytest.raises(
        nn.TrainingDiverged, match=r"loss became (nan|inf).*learning rate 1e\+?0?6.*smaller"
    ):
        nn.fit(
            model,
            nn.MSE(),
            nn.GradientDescent(1e6),
            X * 100,
            y,
            epochs=50,
            batch_size=4,
            progress=False,
            max_loss_growth=None,  # only NaN and infinity stop it
        )


def test_hooks_schedule_and_augmentation_are_called():
    X, y = xor_table()
    seen, lrs, batches = [], [], []
    opt = nn.GradientDescent(1.0)

    def augment(xb, rng):
        batches.append(len(xb))
        return xb

    nn.fit(
        nn.mlp([2, 2, 1], nn.Sigmoid, seed=0),
        nn.MSE(),
        opt,
        X,
        y,
        epochs=3,
        batch_size=3,
        progress=False,
        lr_schedule=lambda e: 0.1 / (e + 1),
        augment=augment,
        callback=lambda epoch, model, history: (seen.append(epoch), lrs.append(opt.lr)),
        on_batch=lambda step, model, value: None,
    )
    assert seen == [0, 1, 2]
    assert lrs == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert batches == [3, 1] * 3


def test_bad_training_input_is_named():
    X, y = xor_table()
    model = nn.mlp([2, 1], seed=0)
    with pytest.raises(ValueError, match="fit: X has 4 rows but y has 3"):
        nn.fit(model, nn.MSE(), nn.GradientDescent(0.1), X, y[:3], progress=False)
    with pytest.raises(ValueError, match="fit: expected batch_size to be a positive int, got 0"):
        nn.fit(model, nn.MSE(), nn.GradientDescent(0.1), X, y, batch_size=0, progress=False)
    with pytest.raises(ValueError, match="SoftmaxCrossEntropy: expected one score per class"):
        nn.fit(
            model,
            nn.SoftmaxCrossEntropy(),
            nn.GradientDescent(0.1),
            X,
            [0, 1, 1, 0],
            progress=False,
        )
    calls = []
    with pytest.raises(
        ValueError, match="SoftmaxCrossEntropy: expected labels in 0..1, got values from 0 to 5"
    ):
        nn.fit(
            nn.mlp([2, 2], seed=0),
            nn.SoftmaxCrossEntropy(),
            nn.GradientDescent(0.1),
            X,
            [0, 1, 1, 0],
            validation=(X, [0, 5, 1, 0]),
            progress=False,
            on_batch=lambda *args: calls.append(args),
        )
    assert calls == []  # refused before the first step, not after the first epoch
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="fit: X contains NaN"):
        nn.fit(model, nn.MSE(), nn.GradientDescent(0.1), X_bad, y, progress=False)


def test_float32_training_stays_float32(digits):
    X_train, _, y_train, _ = digits
    model = nn.mlp([64, 32, 10], nn.ReLU, seed=0, dtype=np.float32)
    nn.fit(
        model,
        nn.SoftmaxCrossEntropy(),
        nn.Adam(1e-3),
        X_train.astype(np.float32),
        y_train,
        epochs=1,
        progress=False,
    )
    assert all(p.dtype == np.float32 for p in model.params.values())


# -- issue 13: divergence caught while the loss is still finite ------------------------


def test_a_loss_that_grows_a_thousandfold_stops_training_while_still_finite():
    X, y = xor_table()
    seen = []
    with pytest.raises(
        nn.TrainingDiverged,
        match=r"fit: the loss grew from 3024 on the first batch to 1.134e\+41 at epoch 2, batch 1 "
        r"\(past the limit 3.024e\+06 = max_loss_growth × max\(first loss, 1\)\), "
        r"with learning rate 1e\+06.*lr=100000",
    ):
        nn.fit(
            nn.mlp([2, 8, 1], nn.ReLU, seed=0),
            nn.MSE(),
            nn.GradientDescent(1e6),
            X * 100,
            y,
            epochs=50,
            batch_size=4,
            progress=False,
            on_batch=lambda step, model, value: seen.append(value),
        )
    assert seen == [pytest.approx(3024, rel=1e-3)] and np.isfinite(seen).all()


def test_the_growth_rule_has_a_floor_for_losses_that_start_near_zero():
    # a loss that starts at ~1e-4 and jumps to ~0.5 (5000 times more) is not diverging:
    # the limit is 1000 × max(first loss, 1) = 1000
    X = np.zeros((4, 2))
    model = nn.Sequential(nn.Linear(W=[[0.0], [0.0]], b=[0.5]))

    def knock(step, model, value):
        if step == 0:
            model[0].params["b"] += 0.7

    history = nn.fit(
        model,
        nn.MSE(),
        nn.GradientDescent(0.01),
        X,
        np.full(4, 0.51),
        epochs=2,
        batch_size=4,
        progress=False,
        on_batch=knock,
    )
    assert history["loss"][0] < 1e-3 < 0.4 < history["loss"][1]


def test_a_non_finite_validation_loss_stops_training():
    X, y = xor_table()
    X_val = np.full((2, 2), 1e300)  # finite inputs whose outputs overflow
    with pytest.raises(
        nn.TrainingDiverged, match=r"fit: the validation loss became (nan|inf) after epoch 1"
    ):
        nn.fit(
            nn.mlp([2, 4, 1], nn.ReLU, seed=0),
            nn.MSE(),
            nn.GradientDescent(0.1),
            X,
            y,
            validation=(X_val, [0, 1]),
            progress=False,
        )


def test_augmentation_does_not_change_the_order_of_the_examples():
    """fit's shuffling and augment draw from independent streams: an augment that draws
    random numbers but changes nothing leaves the run exactly as it was."""
    X, y = xor_table()

    def run(augment):
        return nn.fit(
            nn.mlp([2, 3, 1], nn.Tanh, seed=0),
            nn.MSE(),
            nn.GradientDescent(0.5),
            X,
            y,
            epochs=5,
            batch_size=2,
            progress=False,
            augment=augment,
        )["loss"]

    def draws_but_keeps(xb, rng):
        rng.random(len(xb))
        return xb

    assert run(draws_but_keeps) == run(None)


# -- issue 13: slips refused before the first step, in fit's own words ----------------


def fit_xor(**changes):
    """fit on XOR with a 2-2 softmax model; ``changes`` replace any argument."""
    X, y = xor_table()
    calls = []
    arguments = dict(
        model=nn.mlp([2, 2], seed=0),
        loss=nn.SoftmaxCrossEntropy(),
        optimizer=nn.GradientDescent(0.1),
        X=X,
        y=y[:, 0].astype(int),
        progress=False,
        on_batch=lambda *args: calls.append(args),
        epochs=1,
    )
    arguments.update(changes)
    try:
        return nn.fit(**arguments)
    finally:
        assert calls == [], "refused only after training started"


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        (
            {"loss": nn.MSE},
            TypeError,
            r"fit: expected loss to be a loss such as SoftmaxCrossEntropy\(\), got the class MSE itself; create one first: MSE\(\)",
        ),
        (
            {"optimizer": nn.Adam},
            TypeError,
            r"fit: expected optimizer to be an optimiser such as Adam\(1e-3\), got the class Adam itself; create one first: Adam\(\)",
        ),
        (
            {"model": nn.Sequential},
            TypeError,
            r"fit: expected model to be a layer or a Sequential .*got the class Sequential itself; create one first: Sequential\(Linear\(...\), ReLU\(\), Linear\(...\)\), or mlp\(sizes, ReLU, seed=0\)",
        ),
        (
            {"metrics": "accuracy"},
            TypeError,
            r"fit: expected metrics to be a list of names, got the string 'accuracy'; write metrics=\['accuracy'\]",
        ),
        (
            {"penalties": nn.L2(1e-4)},
            TypeError,
            r"fit: expected penalties to be a list of weight penalties, got a single one, L2\(0.0001\); put it in a list: penalties=\[L2\(0.0001\)\]",
        ),
        (
            {"penalties": [nn.Certainty(0.1)]},
            TypeError,
            r"fit: Certainty\(0.1\) is a penalty on the predictions, not on the weights; add it to the loss instead: loss=SoftmaxCrossEntropy\(\) \+ Certainty\(0.1\)",
        ),
        (
            {"penalties": nn.Certainty(0.1)},
            TypeError,
            r"fit: Certainty\(0.1\) is a penalty on the predictions, not on the weights",
        ),
        (
            {"penalties": [nn.L2]},
            TypeError,
            r"fit: expected penalties\[0\] to be a weight penalty such as L2\(1e-4\), got the class L2 itself",
        ),
        (
            {"validation": np.ones((4, 2))},
            TypeError,
            r"fit: expected validation=\(X_val, y_val\), a pair of inputs and targets, got an array of shape \(4, 2\); pass the labels too",
        ),
        (
            {"validation": (np.ones((4, 3)), [0, 1, 1, 0])},
            ValueError,
            "fit: validation X has 3 columns but X has 2",
        ),
        (
            {"validation": (np.ones((4, 2)), [0, 1, 1])},
            ValueError,
            "fit: validation X has 4 rows but validation y has 3",
        ),
        (
            {"validation": (np.ones((2, 2)), [0, 5])},
            ValueError,
            r"fit: validation y: SoftmaxCrossEntropy: expected labels in 0..1, got values from 0 to 5 \(label 5 at index 1\)",
        ),
        (
            {"validation": (np.ones((2, 2), dtype=np.float32), [0, 1])},
            TypeError,
            "fit: validation X has dtype float32 but X has float64",
        ),
        (
            {"y": [0, np.nan, 1, 0]},
            ValueError,
            r"fit: y: SoftmaxCrossEntropy: labels contain NaN or infinity \(1 NaN of 4 entries, the first at index 1\)",
        ),
        (
            {"X": np.ones((4, 3))},
            ValueError,
            r"fit: X has 3 columns \(features per example\) but the model takes 2",
        ),
        (
            {"X": [[0, 0], [0, 1], [1], [1, 1]]},
            TypeError,
            "fit: expected X to be an array of numbers, got a ragged list",
        ),
        ({"seed": None}, TypeError, "fit: pass seed=<int>"),
        (
            {"epochs": "10"},
            ValueError,
            "fit: expected epochs to be a positive int, got the string '10'",
        ),
        (
            {"augment": "shift"},
            TypeError,
            r"fit: expected augment to be a function \(X_batch, rng\) -> X_batch \(or None\), got the string 'shift'",
        ),
        ({"max_loss_growth": 0.5}, ValueError, "fit: expected max_loss_growth > 1, got 0.5"),
    ],
)
def test_slips_in_fit_are_refused_before_the_first_step(changes, error, message):
    with pytest.raises(error, match=message):
        fit_xor(**changes)


def test_evaluate_reports_accuracy_only_for_class_targets():
    X, y = xor_table()
    model = nn.mlp([2, 1], seed=0)
    assert set(nn.evaluate(model, nn.BinaryCrossEntropy(from_logits=True), X, y)) == {
        "loss",
        "accuracy",
    }
    assert set(nn.evaluate(model, nn.MSE(), X, y + 0.25)) == {"loss"}


def test_integer_inputs_train_a_float32_model_and_float64_ones_are_named():
    X, y = np.arange(12).reshape(4, 3), [0, 1, 1, 0]
    model = nn.mlp([3, 2], seed=0, dtype=np.float32)
    nn.fit(model, nn.SoftmaxCrossEntropy(), nn.Adam(), X, y, progress=False)
    assert model.params["0.W"].dtype == np.float32
    with pytest.raises(
        TypeError,
        match=r"fit: X has dtype float64 but the model's parameters are float32; convert with X.astype\(np.float32\)",
    ):
        nn.fit(model, nn.SoftmaxCrossEntropy(), nn.Adam(), X * 1.0, y, progress=False)


def test_augmentation_stream_is_fits_and_apart_from_the_shuffling():
    """augmentation_stream(seed) is what fit hands augment, draw for draw; it repeats and
    is not the shuffling stream (its one coupling, with mlp's first layer, is documented)."""
    from nnscratch.train import augmentation_stream

    for seed in (0, 1, 7):
        drawn = augmentation_stream(seed).random(8)
        assert not np.allclose(drawn, np.random.default_rng(seed).random(8))
        assert np.array_equal(drawn, augmentation_stream(np.random.SeedSequence(seed)).random(8))
    seen = {}

    def augment(xb, rng):
        seen.setdefault("first", rng.random(3))
        return xb

    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    nn.fit(
        nn.mlp([2, 3, 2], seed=0),
        nn.SoftmaxCrossEntropy(),
        nn.GradientDescent(0.1),
        X,
        y,
        epochs=1,
        batch_size=4,
        seed=5,
        augment=augment,
        progress=False,
    )
    assert np.array_equal(seen["first"], augmentation_stream(5).random(3))
