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
    with pytest.raises(ValueError, match="SoftmaxCrossEntropy: expected labels in 0..0"):
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
