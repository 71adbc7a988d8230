"""check(): the verdict a learner reads after an exercise."""

import numpy as np

from nnscratch.exercises import check


def test_right_answers_pass(capsys):
    assert check(3.0000000001, 3, name="θ")
    assert check(np.array([1.0, 2.0]), [1, 2])
    assert check("AND", "AND")
    assert capsys.readouterr().out.count("✓") == 3


def test_wrong_answers_fail_and_say_what_was_expected(capsys):
    assert not check([1, 2], [1, 3], name="w")
    assert "✗ w is [1, 2]; expected [1, 3]" in capsys.readouterr().out
    assert not check(2.0, 3.0, show_expected=False)
    assert "expected" not in capsys.readouterr().out
    assert not check(np.ones(3), np.ones(2))  # shapes differ: not broadcast


def test_unanswered_exercises_do_not_raise(capsys):
    assert not check(..., 3, name="the threshold")
    assert not check(None, 3)
    assert "the threshold: not answered yet" in capsys.readouterr().out
