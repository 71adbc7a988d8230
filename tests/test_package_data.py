"""Data sets: seeded, balanced, documented shapes; helpers that refuse bad input."""

import numpy as np
import pytest

from nnscratch import data, metrics


def test_count_bars_counts_runs_of_ones():
    assert data.count_bars([0, 1, 1, 0, 1, 0, 0, 1]).tolist() == [3]
    assert data.count_bars([[1, 1, 1], [0, 0, 0], [1, 0, 1]]).tolist() == [1, 0, 2]


def test_barcodes_are_balanced_separated_and_seeded():
    codes, counts, labels = data.barcodes(200, seed=3)
    assert codes.shape == (200, 100) and set(np.unique(codes)) <= {0, 1}
    np.testing.assert_array_equal(counts, data.count_bars(codes))
    assert labels.sum() == 100
    assert np.all(np.abs(counts - 25) > 2)
    np.testing.assert_array_equal(labels, counts > 25)
    np.testing.assert_array_equal(codes, data.barcodes(200, seed=3).codes)
    assert not np.array_equal(codes, data.barcodes(200, seed=4).codes)
    with pytest.raises(ValueError, match="barcodes: expected an even n >= 2, got 7"):
        data.barcodes(7)


def test_rectangles_wide_and_tall():
    X, y = data.rectangles(101, seed=0)
    assert X.shape == (101, 2) and np.all(X > 0.1)
    assert np.bincount(y).tolist() == [51, 50]
    wide, tall = X[y == 0], X[y == 1]
    assert np.mean(wide[:, 0] > wide[:, 1]) > 0.75 and np.mean(tall[:, 1] > tall[:, 0]) > 0.75


def test_xor_rectangles_follow_xor_of_the_sides():
    X, y = data.xor_rectangles(200, noise=0.05, seed=0)
    assert np.bincount(y).tolist() == [100, 100]
    np.testing.assert_array_equal(y, (X[:, 0] > 0.75) ^ (X[:, 1] > 0.75))


def test_xor_table():
    X, y = data.xor_table()
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))


def test_digits_are_scaled_and_split_stratified():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    X_tr, X_te, y_tr, y_te = data.split(X, y, test_size=0.2, seed=0)
    assert len(X_te) == 360 and len(X_tr) == 1437
    assert np.abs(np.bincount(y_te) / 360 - np.bincount(y) / 1797).max() < 0.01


def test_one_hot_and_batches():
    np.testing.assert_array_equal(data.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="one_hot: expected labels in 0..2"):
        data.one_hot([3], 3)
    X, y = np.arange(10).reshape(5, 2), np.arange(5)
    sizes = [len(xb) for xb, _ in data.batches(X, y, 2)]
    assert sizes == [2, 2, 1]
    seen = np.concatenate([yb for _, yb in data.batches(X, y, 2, seed=0)])
    assert sorted(seen) == list(range(5)) and seen.tolist() != list(range(5))


def test_metrics():
    assert metrics.accuracy([0, 1, 1, 2], [0, 1, 2, 2]) == 0.75
    C = metrics.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    assert C.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    with pytest.raises(ValueError, match="accuracy: 2 true labels but 3 predictions"):
        metrics.accuracy([0, 1], [0, 1, 1])


# -- issue 13: metrics never truncate or wrap ----------------------------------------


def test_probabilities_are_read_as_classes_not_truncated():
    # 0.8 used to become class 0 (int(0.8)); a probability above 0.5 is class 1
    assert metrics.accuracy([0, 1, 1], [0.3, 0.8, 0.6]) == 1.0
    assert metrics.accuracy([0, 1, 1], [[0.3], [0.8], [0.2]]) == pytest.approx(2 / 3)
    assert metrics.accuracy(
        np.eye(3), [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.5, 0.1, 0.4]]
    ) == pytest.approx(2 / 3)
    assert metrics.confusion_matrix([0, 1], [0.2, 0.9]).tolist() == [[1, 0], [0, 1]]


def test_scores_are_refused_with_the_way_to_read_them():
    with pytest.raises(
        ValueError,
        match=r"accuracy: y_pred holds 2.7 at index 1, neither a class label nor a probability; "
        r"scores \(logits\)\? read classes first with loss.predict\(scores\)",
    ):
        metrics.accuracy([0, 1, 1], [0.3, 2.7, 0.4])


def test_negative_and_out_of_range_labels_are_named_not_wrapped():
    # -1 used to land in the last row of the confusion matrix
    with pytest.raises(
        ValueError,
        match="confusion_matrix: expected y_true to be integer class labels, got a negative label, -1, at index 2",
    ):
        metrics.confusion_matrix([0, 1, -1], [0, 1, 1])
    with pytest.raises(
        ValueError,
        match="accuracy: expected y_pred to be integer class labels, got a negative label, -2, at index 0",
    ):
        metrics.accuracy([0, 1], [-2, 1])
    with pytest.raises(
        ValueError,
        match=r"confusion_matrix: expected y_true in 0..2, got values from 0 to 3 \(label 3 at index 2\)",
    ):
        metrics.confusion_matrix([0, 1, 3], [0, 1, 1], n_classes=3)
    with pytest.raises(
        ValueError, match=r"accuracy: expected y_true in 0..2, got values from 0 to 5"
    ):
        metrics.accuracy([0, 1, 5], np.eye(3))
    with pytest.raises(
        ValueError, match=r"accuracy: y_true contains NaN or infinity \(1 NaN of 3 entries"
    ):
        metrics.accuracy([0, np.nan, 1], [0, 1, 1])
    with pytest.raises(
        TypeError,
        match="accuracy: expected y_true to be class labels, probabilities or rows of scores, got strings",
    ):
        metrics.accuracy(["cat", "dog"], [0, 1])


# -- issue 13: data helpers in the package's own words -------------------------------

SMALL_X, SMALL_Y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)


@pytest.mark.parametrize(
    ("X", "y", "options", "error", "message"),
    [
        (SMALL_X, SMALL_Y[:9], {}, ValueError, "split: X has 10 rows but y has 9"),
        (SMALL_X, ["a", "b"] * 5, {}, TypeError, "split: expected y to hold numbers, got strings"),
        (
            SMALL_X,
            np.r_[np.nan, SMALL_Y[1:]],
            {},
            ValueError,
            r"split: y contains NaN or infinity \(1 NaN of 10 entries, the first at index 0\)",
        ),
        (
            np.r_[[[np.nan, 1.0]], SMALL_X[1:]],
            SMALL_Y,
            {},
            ValueError,
            r"split: X contains NaN or infinity \(1 NaN of 20 entries, the first at index \(0, 0\)\)",
        ),
        (
            "digits",
            SMALL_Y,
            {},
            TypeError,
            "split: expected X to be an array of numbers, got the string 'digits'",
        ),
        (
            SMALL_X,
            SMALL_Y,
            {"test_size": "0.2"},
            TypeError,
            "split: expected test_size to be a number, not the string '0.2'",
        ),
        (
            SMALL_X,
            SMALL_Y,
            {"test_size": 20},
            ValueError,
            "split: expected 0 < test_size < 1, got 20.0",
        ),
        (
            SMALL_X,
            np.arange(10),
            {},
            ValueError,
            r"split: class 0 has only 1 example; a stratified split needs at least 2 of each class \(or pass stratify=False\)",
        ),
        (
            SMALL_X,
            SMALL_Y + 0.5,
            {},
            TypeError,
            "split: expected y to be integer class labels, got 0.5 at index 0",
        ),
        (
            SMALL_X,
            SMALL_Y,
            {"test_size": 0.1},
            ValueError,
            "split: a stratified split of 10 examples of 2 classes needs at least one of each class on both sides; test_size=0.1 puts 1 in the test part",
        ),
    ],
)
def test_split_refuses_in_its_own_words(X, y, options, error, message):
    with pytest.raises(error, match=message):
        data.split(X, y, **options)


def test_split_without_stratify_takes_any_numbers():
    _, _, y_train, y_test = data.split(SMALL_X, SMALL_Y + 0.5, stratify=False)
    assert len(y_train) == 8 and len(y_test) == 2


@pytest.mark.parametrize(
    ("y", "n_classes", "error", "message"),
    [
        (
            ["a", "b"],
            None,
            TypeError,
            "one_hot: expected integer class labels, got strings of dtype <U1",
        ),
        (
            [0, np.nan],
            None,
            ValueError,
            r"one_hot: labels contain NaN or infinity \(1 NaN of 2 entries, the first at index 1\)",
        ),
        (
            [0, -1],
            3,
            ValueError,
            "one_hot: expected integer class labels 0..2, got a negative label, -1, at index 1",
        ),
        (
            np.eye(3),
            None,
            ValueError,
            r"one_hot: expected labels of shape \(n,\), got \(3, 3\): rows already one-hot\?",
        ),
        (
            [0, 1],
            "3",
            TypeError,
            "one_hot: expected n_classes to be a positive int, got the string '3'",
        ),
    ],
)
def test_one_hot_refuses_in_its_own_words(y, n_classes, error, message):
    with pytest.raises(error, match=message):
        data.one_hot(y, n_classes)
