"""check() and seal(): the verdict a learner reads after an exercise, and the sealed key."""

import numpy as np
import pytest

from nnscratch.exercises import _main, check, seal, seal_rule, unseal


def test_right_answers_pass(capsys):
    assert check(3.0000000001, seal(3), name="θ")
    assert check(np.array([1.0, 2.0]), seal([1, 2]))
    assert check(" and ", seal("AND"))
    assert check(True, seal(True))
    assert check(0.1234, seal(0.12345, rtol=0, atol=1e-3))
    assert capsys.readouterr().out.count("✓") == 5


@pytest.mark.parametrize(
    ("yours", "expected"),
    [(25.5, 25.0), ([1, 2, 4], [1, 2, 3]), ("OR", "XNOR"), (False, True), (2.7182, 3.14159)],
)
def test_a_wrong_answer_gets_a_hint_never_the_answer(capsys, yours, expected):
    key = seal(expected, hint="think about the sign")
    assert not check(yours, key, name="w")
    out = capsys.readouterr().out
    assert "✗ w: not yet" in out and "hint: think about the sign" in out
    for shown in {str(expected), repr(expected), f"{np.asarray(expected)}"}:
        assert shown not in out


def test_shape_and_type_mistakes_are_named(capsys):
    key = seal(np.arange(10))
    assert not check(np.arange(5), key)
    assert "expected an array of shape (10,), got an array of shape (5,)" in capsys.readouterr().out
    assert not check("ten", key)
    assert "expected" in capsys.readouterr().out
    assert not check(np.full(10, np.nan), key)
    assert "NaN" in capsys.readouterr().out
    assert not check(np.ones(3), seal(np.ones(2)))  # shapes differ: never broadcast


def test_unanswered_exercises_do_not_raise(capsys):
    assert not check(..., seal(3), name="the threshold")
    assert not check(None, seal(3))
    assert "the threshold: not answered yet" in capsys.readouterr().out


def test_the_key_does_not_show_the_value():
    key = seal(24.875, hint="")
    assert key.startswith("nn1:") and "24.875" not in key and "24" not in key[4:]
    assert unseal(key)["value"] == [24.875]


def test_bad_keys_and_values_are_refused():
    with pytest.raises(ValueError, match="sealed key starting with 'nn1:'"):
        check(3, 3)
    with pytest.raises(ValueError, match="damaged"):
        check(3, "nn1:not-a-key")
    with pytest.raises(ValueError, match="NaN"):
        seal(float("nan"))
    with pytest.raises(TypeError, match="seal: expected a number"):
        seal({"a": 1})


def test_command_line_prints_a_key(capsys):
    _main(["[1, 2]", "--hint", "count them"])
    key = capsys.readouterr().out.strip()
    assert unseal(key)["value"] == [1.0, 2.0] and unseal(key)["hint"] == "count them"


def test_the_verdict_is_truthful_and_silent_at_the_end_of_a_cell(capsys):
    verdict = check(1.0, seal(1.0))
    assert verdict and repr(verdict) == "Verdict(True)"
    assert verdict._ipython_display_() is None  # IPython shows nothing for it
    assert not check(2.0, seal(1.0))


def test_a_rule_checks_against_the_readers_own_values(capsys):
    """An answer that depends on a training run is compared with the reader's own upstream values."""
    key = seal_rule("np.trace(C) / C.sum()", rtol=0, atol=1e-12, hint="the diagonal")
    mine, theirs = np.array([[3, 1], [1, 4]]), np.array([[5, 3], [2, 0]])
    assert check(7 / 9, key, using={"C": mine}, name="accuracy")
    assert check(5 / 10, key, using={"C": theirs})  # another machine, another matrix
    assert not check(7 / 9, key, using={"C": theirs})  # their answer fails on my matrix
    out = capsys.readouterr().out
    assert out.count("✓") == 2 and "hint: the diagonal" in out
    assert "0.5" not in out and "0.777" not in out  # never the expected value
    assert "trace" not in key  # the rule is sealed like a value


def test_a_rule_says_what_it_needs():
    key = seal_rule("np.bincount(t)")
    with pytest.raises(TypeError, match="using="):
        check([1, 2], key)
    with pytest.raises(TypeError, match="needs 't' in using=, got \\['y'\\]"):
        check([1, 2], key, using={"y": np.array([0, 1])})
    with pytest.raises(SyntaxError):
        seal_rule("np.trace(")
    with pytest.raises(TypeError, match="expected an expression"):
        seal_rule(3)


def test_command_line_seals_a_rule(capsys):
    _main(["np.sum(x)", "--rule", "--rtol", "0"])
    record = unseal(capsys.readouterr().out.strip())
    assert record["kind"] == "rule" and record["expression"] == "np.sum(x)"


def test_the_right_numbers_in_the_wrong_order_are_named(capsys):
    key = seal([90.0, 0.0])
    assert not check([0.0, 90.0], key)
    assert "the right numbers, but 2 of 2 in another place" in capsys.readouterr().out
    assert not check([90.0, 45.0], key)
    assert "1 of 2 entries differ" in capsys.readouterr().out
