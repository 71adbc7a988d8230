"""Self-checking exercises: a learner knows at once whether an answer is right.

In a chapter::

    answer = ...          # your code here
    check(answer, expected, name="the new threshold")

prints ``✓`` when the answer matches (numbers within a tolerance, arrays entry
by entry, anything else by equality), ``✗`` with the expected value when it does
not, and a reminder while the answer is still ``...`` or ``None``. It never
raises, so a notebook with unanswered exercises still runs top to bottom.
"""

from __future__ import annotations

import numpy as np


def check(
    yours,
    expected,
    *,
    name: str = "your answer",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    show_expected: bool = True,
) -> bool:
    """Compare ``yours`` with ``expected``, print a verdict, return whether they match."""
    if yours is None or yours is Ellipsis:
        print(f"… {name}: not answered yet (replace ... with your code)")
        return False
    try:
        a, b = np.asarray(yours), np.asarray(expected)
        if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
            ok = a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))
        else:
            ok = bool(np.all(a == b)) and a.shape == b.shape
    except (TypeError, ValueError):
        ok = yours == expected
    if ok:
        print(f"✓ {name} is right: {yours}")
    elif show_expected:
        print(f"✗ {name} is {yours}; expected {expected}")
    else:
        print(f"✗ {name} is {yours}; not yet — try again")
    return ok
