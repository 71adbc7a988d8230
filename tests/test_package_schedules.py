"""Learning-rate schedules: values at chosen epochs, worked by hand, and bad arguments."""

import math

import numpy as np
import pytest

import nnscratch as nn
from nnscratch.schedules import constant, cosine, step_decay


def test_constant():
    assert [constant(0.1)(e) for e in range(3)] == [0.1, 0.1, 0.1]


def test_step_decay_drops_by_factor_every_few_epochs():
    schedule = step_decay(1.0, every=3, factor=0.5)
    assert [schedule(e) for e in range(7)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]


def test_cosine_starts_at_lr_halves_midway_and_ends_near_zero():
    schedule = cosine(0.2, epochs=10)
    assert schedule(0) == 0.2
    assert schedule(5) == pytest.approx(0.1, rel=1e-15)  # cos(π/2) = 0
    assert schedule(9) == pytest.approx(0.1 * (1 + math.cos(0.9 * math.pi)), rel=1e-15)
    values = [schedule(e) for e in range(10)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))


def test_fit_follows_the_schedule():
    seen = []
    X = np.random.default_rng(0).standard_normal((8, 2))
    y = (X[:, 0] > 0).astype(int)
    opt = nn.GradientDescent(1.0)
    nn.fit(
        nn.mlp([2, 2], seed=0),
        nn.SoftmaxCrossEntropy(),
        opt,
        X,
        y,
        epochs=4,
        batch_size=8,
        lr_schedule=step_decay(0.4, every=2, factor=0.5),
        callback=lambda epoch, model, history: seen.append(opt.lr),
        progress=False,
    )
    assert seen == [0.4, 0.4, 0.2, 0.2]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: cosine("0.1", 10), TypeError, "cosine: expected learning rate lr to be a number"),
        (lambda: cosine(0.1, 0), ValueError, "cosine: expected epochs to be a positive int, got 0"),
        (lambda: cosine(0.1, 10.0), ValueError, "cosine: expected epochs to be a positive int"),
        (lambda: step_decay(0.1, 5, factor=2), ValueError, "step_decay: expected 0 < factor <= 1"),
        (lambda: step_decay(-0.1, 5), ValueError, "step_decay: expected learning rate lr > 0"),
        (lambda: constant(float("nan")), ValueError, "constant: expected learning rate lr > 0"),
    ],
)
def test_bad_arguments_are_refused_by_name(make, error, message):
    with pytest.raises(error, match=message):
        make()
