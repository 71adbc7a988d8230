"""Self-checking exercises that do not give the answer away.

An exercise's expected answer is stored *sealed*: encoded into a short key such
as ``"nn1:eJyr…"`` that a reader cannot read at a glance (it can be decoded on
purpose, which is like opening the solution). In a chapter::

    answer = ...   # your code here
    check(answer, "nn1:eJyr…", name="the new threshold")

prints ``✓`` when the answer matches (numbers within the key's tolerance, arrays
entry by entry, text ignoring case and surrounding spaces), ``✗`` and a *hint*
when it does not — never the expected value — and a reminder while the answer is
still ``...`` or ``None``. It never raises on a wrong answer, so a notebook with
unanswered exercises still runs top to bottom.

An author makes a key with :func:`seal` (or ``python -m nnscratch.exercises 25.0
--hint "…"``) from the value the solution computes; the solution cell then
asserts ``check(solution, key)``, so a key that no longer matches its solution
fails the book build instead of misleading a reader.

Some answers depend on a training run, and a training run depends on the last
bits of the machine's arithmetic: another CPU or BLAS library rounds
differently and trains a slightly different network. Such an exercise is
checked against the reader's *own* upstream values: :func:`seal_rule` seals an
expression that computes the answer from named inputs, and the check cell hands
over the reader's values of those inputs::

    key = seal_rule("np.trace(C)", hint="…")            # the author, once
    check(answer, key, using={"C": C}, name="correct")   # the reader's cell

so the confusion matrix of *their* predictions is what their answer is
compared with, on every machine, and the expression stays sealed like a value.

A solution cell begins with the cell magic ``%%solution`` (registered when this
module is imported in IPython). It runs the cell as usual, but shows what the
cell printed or drew folded away in a ``<details>`` element: JupyterLab unfolds
a cell's outputs whenever the cell runs (so "Run All" would show every solution's
printout under its collapsed code), and a folded output stays folded until the
reader opens it. A failing solution still fails its cell, and so the build.
"""

from __future__ import annotations

import base64
import html
import json
import zlib

import numpy as np

PREFIX = "nn1:"
_MASK = b"learning machines from scratch"  # keeps the encoded text from reading as JSON


def _scramble(data: bytes) -> bytes:
    return bytes(byte ^ _MASK[i % len(_MASK)] for i, byte in enumerate(data))


def _as_record(value) -> dict:
    """The JSON-ready form of an expected answer: a number array, a truth value or text."""
    if isinstance(value, str):
        return {"kind": "text", "value": value}
    if isinstance(value, bool | np.bool_):
        return {"kind": "bool", "value": bool(value)}
    array = np.asarray(value)
    if array.dtype.kind == "b":
        return {"kind": "bool", "value": array.tolist(), "shape": list(array.shape)}
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"seal: expected a number, an array of numbers, a bool or a str, "
            f"got {type(value).__name__} (dtype {array.dtype})"
        )
    if not np.isfinite(array).all():
        raise ValueError("seal: the expected answer contains NaN or infinite values")
    return {
        "kind": "number",
        "value": array.astype(float).ravel().tolist(),
        "shape": list(array.shape),
    }


def seal(value, *, rtol: float = 1e-6, atol: float = 1e-9, hint: str = "") -> str:
    """Encode an exercise's expected ``value`` (with its tolerance and a hint) as a key.

    ``rtol`` and ``atol`` are those of :func:`numpy.allclose`; the ``hint`` is what a
    reader sees after a wrong answer, so it should point the way without giving it.
    """
    record = _as_record(value) | {"rtol": float(rtol), "atol": float(atol), "hint": str(hint)}
    return _pack(record)


def seal_rule(expression: str, *, rtol: float = 1e-6, atol: float = 1e-9, hint: str = "") -> str:
    """Seal an ``expression`` that computes the expected answer from the reader's own values.

    The expression is Python over ``np`` and the names that :func:`check` receives
    in ``using=``, e.g. ``"np.trace(C) / C.sum()"``; it is evaluated when the
    reader checks, so the answer follows whatever their machine computed upstream.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise TypeError(f"seal_rule: expected an expression as a str, got {expression!r}")
    compile(expression, "<rule>", "eval")  # a syntax error shows now, not in a reader's check
    record = {
        "kind": "rule",
        "expression": expression,
        "rtol": float(rtol),
        "atol": float(atol),
        "hint": str(hint),
    }
    return _pack(record)


def _pack(record: dict) -> str:
    packed = zlib.compress(json.dumps(record, separators=(",", ":")).encode(), 9)
    return PREFIX + base64.urlsafe_b64encode(_scramble(packed)).decode().rstrip("=")


def _apply_rule(record: dict, using: dict | None) -> dict:
    """The number record that a rule gives for the reader's own values ``using``."""
    if using is None:
        raise TypeError(
            "check: this exercise is checked against your own results; pass them as "
            "in the exercise's cell: check(answer, key, using={...})"
        )
    try:  # the expression is the chapter author's, sealed in the chapter's own key
        value = eval(record["expression"], {"np": np}, dict(using))  # noqa: S307
    except NameError as err:
        raise TypeError(
            f"check: this exercise needs {err.name!r} in using=, got {sorted(using)}"
        ) from err
    rule = _as_record(value)
    return rule | {k: record[k] for k in ("rtol", "atol", "hint")}


def unseal(key: str) -> dict:
    """Decode a key made by :func:`seal` (for tests and authors; readers: try first!)."""
    if not isinstance(key, str) or not key.startswith(PREFIX):
        raise ValueError(
            f"check: expected a sealed key starting with {PREFIX!r} (made by "
            f"nnscratch.exercises.seal), got {type(key).__name__}"
        )
    body = key[len(PREFIX) :]
    try:
        packed = _scramble(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return json.loads(zlib.decompress(packed))
    except (ValueError, zlib.error) as err:
        raise ValueError("check: this key is damaged; copy it again from the chapter") from err


def _describe(yours) -> str:
    array = np.asarray(yours) if not isinstance(yours, str) else None
    if array is None or array.dtype.kind not in "biuf":
        return type(yours).__name__
    return "a single number" if array.ndim == 0 else f"an array of shape {array.shape}"


def _verdict(yours, record: dict) -> tuple[bool, str]:
    """Whether ``yours`` matches the record, and if not, a reason that hides the answer."""
    kind = record["kind"]
    if kind == "text":
        if not isinstance(yours, str):
            return False, f"expected text (a str), got {_describe(yours)}"
        return yours.strip().lower() == record["value"].strip().lower(), ""
    shape = tuple(record.get("shape", ()))
    try:
        array = np.asarray(yours)
    except (TypeError, ValueError):
        return False, f"expected {'a single number' if not shape else f'shape {shape}'}"
    if array.dtype.kind not in "biuf":
        want = "true or false" if kind == "bool" else "a number"
        return False, f"expected {want}, got {_describe(yours)}"
    if array.shape != shape:
        want = "a single number" if not shape else f"an array of shape {shape}"
        return False, f"expected {want}, got {_describe(yours)}"
    expected = np.reshape(np.asarray(record["value"], dtype=float), shape)
    if kind == "bool":
        return bool(np.array_equal(array.astype(bool), expected.astype(bool))), ""
    if not np.isfinite(array).all():
        return False, "your answer contains NaN or infinite values"
    ok = bool(np.allclose(array, expected, rtol=record["rtol"], atol=record["atol"]))
    if not ok and shape:
        wrong = int(np.sum(~np.isclose(array, expected, rtol=record["rtol"], atol=record["atol"])))
        close = {"rtol": record["rtol"], "atol": record["atol"]}
        if expected.size > 1 and np.allclose(
            np.sort(array, axis=None), np.sort(expected, None), **close
        ):
            return False, f"the right numbers, but {wrong} of {expected.size} in another place"
        return False, f"{wrong} of {expected.size} entries differ"
    return ok, ""


class Verdict:
    """What :func:`check` returns: true when the answer is right.

    It shows nothing when it ends a notebook cell (the printed verdict says it all),
    so a cell need not end in ``;``; ``assert check(...)`` still works.
    """

    def __init__(self, ok: bool) -> None:
        self.ok = bool(ok)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"Verdict({self.ok})"

    def _ipython_display_(self) -> None:
        pass


def check(yours, key: str, *, name: str = "your answer", using: dict | None = None) -> Verdict:
    """Compare ``yours`` with the sealed answer ``key``, print a verdict, return whether they match.

    A wrong answer prints what is off (type, shape, how many entries) and the
    exercise's hint, never the expected value. For a key made by :func:`seal_rule`,
    ``using`` holds the reader's own values that the expected answer is computed from.
    """
    record = unseal(key)
    if record["kind"] == "rule":
        record = _apply_rule(record, using)
    if yours is None or yours is Ellipsis:
        print(f"… {name}: not answered yet (replace ... with your code, then run the cell)")
        return Verdict(False)
    ok, reason = _verdict(yours, record)
    if ok:
        print(f"✓ {name}: right")
        return Verdict(True)
    lines = [f"✗ {name}: not yet" + (f" ({reason})" if reason else "")]
    if record.get("hint"):
        lines.append(f"  hint: {record['hint']}")
    print("\n".join(lines))
    return Verdict(False)


class FoldedOutput:
    """What a solution cell printed or drew, folded away until the reader opens it."""

    SUMMARY = "Output of the solution (select to show)"

    def __init__(self, stdout: str, outputs: list) -> None:
        self.stdout = stdout
        self.outputs = outputs

    def _parts(self) -> list[str]:
        parts = [f"<pre>{html.escape(self.stdout)}</pre>"] if self.stdout else []
        for output in self.outputs:
            data, meta = output.data, output.metadata or {}
            if "text/html" in data:
                parts.append(data["text/html"])
            elif "image/png" in data:
                alt = html.escape(meta.get("image/png", {}).get("alt", "a figure of the solution"))
                parts.append(f'<img alt="{alt}" src="data:image/png;base64,{data["image/png"]}">')
            elif "text/plain" in data:
                parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
        return parts

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        body = "".join(self._parts())
        plain = [self.stdout] + [o.data.get("text/plain", "") for o in self.outputs]
        return {
            "text/html": (
                f'<details class="nn-solution-output"><summary>{self.SUMMARY}</summary>'
                f"{body}</details>"
            ),
            "text/plain": "\n".join(p for p in plain if p),
        }


def _solution(line: str, cell: str) -> None:
    """``%%solution``: run the cell and show its output folded (see the module docstring)."""
    from IPython import get_ipython
    from IPython.display import display
    from IPython.utils.capture import capture_output

    shell = get_ipython()
    with capture_output(stdout=True, stderr=False, display=True) as captured:
        result = shell.run_cell(cell)
    if captured.stdout or captured.outputs:
        display(FoldedOutput(captured.stdout, captured.outputs))
    result.raise_error()  # a failing solution fails its cell: a stale key fails the build


def _register_magic() -> None:
    """Make ``%%solution`` available when this module is imported in IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.register_magic_function(_solution, magic_kind="cell", magic_name="solution")


_register_magic()


def _main(argv: list[str] | None = None) -> None:
    """``python -m nnscratch.exercises VALUE [--rule] [--rtol R] [--atol A] [--hint TEXT]``."""
    import argparse

    parser = argparse.ArgumentParser(description="Seal an exercise's expected answer.")
    parser.add_argument("value", help="a number, a JSON list of numbers, true/false, or text")
    parser.add_argument(
        "--rule", action="store_true", help="VALUE is an expression over the reader's values"
    )
    parser.add_argument("--rtol", type=float, default=1e-6)
    parser.add_argument("--atol", type=float, default=1e-9)
    parser.add_argument("--hint", default="")
    args = parser.parse_args(argv)
    if args.rule:
        print(seal_rule(args.value, rtol=args.rtol, atol=args.atol, hint=args.hint))
        return
    try:
        value = json.loads(args.value)
    except json.JSONDecodeError:
        value = args.value
    print(seal(value, rtol=args.rtol, atol=args.atol, hint=args.hint))


if __name__ == "__main__":
    _main()
