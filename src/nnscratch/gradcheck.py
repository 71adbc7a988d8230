"""Gradient checks: is the gradient we derived by hand right?

``gradcheck`` compares hand-written gradients with two references:

* ``autograd``, which differentiates the *same* forward code (each layer's,
  loss's and penalty's ``function(..., xp)`` runs with ``xp = autograd.numpy``),
  so the maths is written once and no second copy can drift;
* central finite differences ``(f(θ + ε) - f(θ - ε)) / 2ε`` on a seeded sample
  of entries — slow but independent of any calculus.

For every parameter it reports the largest absolute difference and the relative
error ``max|manual - ref| / max(|manual|, |ref|)`` and a pass/fail verdict. A NaN or
an infinity anywhere — in the parameters, the value of the function, the manual
gradient or either reference — is a FAIL that says where it is: a comparison with
NaN proves nothing. The verdict prints as a table in a notebook and as text anywhere
else::

    >>> check = gradcheck(model, x, y, loss=SoftmaxCrossEntropy())
    >>> check.passed
    True

References are computed in float64 whatever the model's dtype. Finite
differences are unreliable within ``ε`` of a kink (ReLU at 0, ``|w|`` at 0):
check on random inputs.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

import autograd
import autograd.numpy as anp
import numpy as np

from ._checks import check_instance, describe, nonfinite
from .layers import Layer
from .losses import Loss
from .regularizers import Penalty

_TINY = 1e-300

GRADCHECK_STYLE = (
    "<style>"
    # Readable in light and dark mode, on the static site (whose dark mode puts an HTML
    # output in a pale box with dark text, in which the theme's pink code text vanished)
    # and in JupyterLab: the table sits on the page in the page's own colours, and the
    # verdict's green and red are dark on a light page and light on a dark one (WCAG AA).
    "html[data-theme=dark] .cell_output .text_html:has(>.nn-gradcheck)"
    "{background:transparent!important;color:inherit!important;padding:0!important}"
    ".nn-gradcheck code{color:inherit;background:transparent;padding:0}"
    ".nn-gradcheck .nn-pass{color:#116329}.nn-gradcheck .nn-fail{color:#a40e26}"
    "html[data-theme=dark] .nn-gradcheck .nn-pass,[data-jp-theme-light=false] .nn-gradcheck "
    ".nn-pass{color:#56d364}html[data-theme=dark] .nn-gradcheck .nn-fail,"
    "[data-jp-theme-light=false] .nn-gradcheck .nn-fail{color:#ff8182}"
    "</style>"
)
"""CSS each gradient check's table carries, so that it reads well in light and dark mode."""


@dataclass
class Comparison:
    """How one manual gradient compares with autograd and finite differences."""

    name: str
    shape: tuple
    abs_autograd: float
    rel_autograd: float
    abs_fd: float
    rel_fd: float
    n_fd: int
    passed: bool
    problem: str = ""  # why it failed when no error measures it: non-finite values, where


@dataclass
class GradCheck:
    """The verdict of a gradient check: one :class:`Comparison` per gradient."""

    title: str
    rows: list[Comparison] = field(default_factory=list)
    tol_autograd: float = 1e-9
    tol_fd: float = 1e-5

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def max_rel_error(self) -> float:
        """The worst relative error against autograd, over all gradients."""
        return max(row.rel_autograd for row in self.rows)

    def __str__(self) -> str:
        head = (
            f"{'gradient':<10} {'shape':<10} {'vs autograd: max abs':>20} {'rel':>9}"
            f"   {'vs finite diff: max abs':>23} {'rel':>9} {'(entries)':>9}  verdict"
        )
        lines = [f"{self.title}: {'PASS' if self.passed else 'FAIL'}", head]
        for r in self.rows:
            lines.append(
                f"{r.name:<10} {str(r.shape):<10} {r.abs_autograd:>20.2e} {r.rel_autograd:>9.2e}"
                f"   {r.abs_fd:>23.2e} {r.rel_fd:>9.2e} {r.n_fd:>9d}  "
                f"{'ok' if r.passed else 'NOT FINITE' if r.problem else 'WRONG'}"
            )
        lines += [f"{r.name}: {r.problem}" for r in self.rows if r.problem]
        lines.append(
            f"(pass: relative error ≤ {self.tol_autograd:.0e} vs autograd "
            f"and ≤ {self.tol_fd:.0e} vs finite differences)"
        )
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        verdict = "<b class='nn-pass'>PASS</b>" if self.passed else "<b class='nn-fail'>FAIL</b>"
        cells = "".join(
            f"<tr><td><code>{html.escape(r.name)}</code></td><td>{r.shape}</td>"
            f"<td>{r.abs_autograd:.2e}</td><td>{r.rel_autograd:.2e}</td>"
            f"<td>{r.abs_fd:.2e}</td><td>{r.rel_fd:.2e}</td><td>{r.n_fd}</td>"
            f"<td>{'✓' if r.passed else '✗ not finite' if r.problem else '✗ wrong'}</td></tr>"
            for r in self.rows
        )
        problems = "".join(
            f"<li><code>{html.escape(r.name)}</code>: {html.escape(r.problem)}</li>"
            for r in self.rows
            if r.problem
        )
        problems = f"<ul>{problems}</ul>" if problems else ""
        return (
            f"<div class='gradcheck nn-gradcheck'>{GRADCHECK_STYLE}"
            f"<p>{html.escape(self.title)}: {verdict}</p>"
            "<table><thead><tr><th>gradient</th><th>shape</th>"
            "<th>max abs error<br>vs autograd</th><th>relative error<br>vs autograd</th>"
            "<th>max abs error<br>vs finite diff.</th><th>relative error<br>vs finite diff.</th>"
            "<th>entries<br>checked</th><th>verdict</th></tr></thead>"
            f"<tbody>{cells}</tbody></table>{problems}"
            f"<p><small>Pass: relative error ≤ {self.tol_autograd:.0e} against autograd and "
            f"≤ {self.tol_fd:.0e} against central finite differences.</small></p></div>"
        )


def _judge(manual: np.ndarray, ref: np.ndarray, rtol: float, atol: float):
    """The one place that decides "finite and close": ``(max abs error, relative error, ok)``.

    Non-finite values on either side give NaN errors and ``ok = False``: NaN - NaN
    is NaN, and a NaN scale must never turn into a relative error of 0.
    """
    if manual.size == 0:
        return 0.0, 0.0, True
    if not (np.isfinite(manual).all() and np.isfinite(ref).all()):
        return float("nan"), float("nan"), False
    diff = float(np.max(np.abs(manual - ref)))
    scale = max(float(np.max(np.abs(manual))), float(np.max(np.abs(ref))))
    rel = diff / scale if scale > _TINY else 0.0
    return diff, rel, rel <= rtol or diff <= atol


def _where_not_finite(param, value, manual, ref, fd, picks) -> str:
    """Which of the numbers behind one comparison are NaN or infinite, and where."""
    found = [
        f"{what} has {where}"
        for what, a in (("the parameter", param), ("the manual gradient", manual))
        + (("autograd's gradient", ref),)
        if (where := nonfinite(a))
    ]
    if not np.isfinite(value).all():
        found.insert(1, f"the value of the function is {float(value)}")
    bad = ~np.isfinite(fd)
    if bad.any():
        first = np.unravel_index(int(picks[bad.argmax()]), param.shape)
        index = tuple(int(i) for i in first)
        found.append(
            f"the finite differences are not finite at {int(bad.sum())} of the {len(fd)} "
            f"entries tried, the first at index {index[0] if len(index) == 1 else index}"
        )
    return "not finite: " + "; ".join(found) if found else ""


def compare(
    f: Callable,
    params: dict,
    manual: dict,
    *,
    title: str = "gradient check",
    seed: int = 0,
    fd_max: int = 64,
    eps: float = 1e-6,
    tol_autograd: float | None = None,
    tol_fd: float = 1e-5,
) -> GradCheck:
    """Check ``manual[k] ≈ ∂f/∂params[k]`` for every key.

    ``f(params, xp)`` returns a scalar and uses ``xp`` for numpy functions
    (``xp.exp``, ``xp.sum``…) so that autograd can trace it. ``fd_max`` bounds
    the finite-difference entries tried per array (chosen with ``seed``).
    """
    missing = set(params) ^ set(manual)
    if missing:
        raise KeyError(
            f"compare: params and manual gradients must have the same names; "
            f"unmatched: {sorted(missing)}"
        )
    P = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    low_precision = any(np.asarray(g).dtype == np.float32 for g in manual.values())
    if tol_autograd is None:
        tol_autograd = 1e-4 if low_precision else 1e-9
    if low_precision:
        tol_fd = max(tol_fd, 1e-4)
    rng = np.random.default_rng(seed)
    check = GradCheck(title, tol_autograd=tol_autograd, tol_fd=tol_fd)
    # non-finite numbers are reported, as a FAIL, not warned about
    with np.errstate(all="ignore"):
        value = np.asarray(f(P, np), dtype=np.float64)
        ref = autograd.grad(lambda q: f(q, anp))(P)
        for key in params:
            m = np.asarray(manual[key])
            if m.shape != P[key].shape:
                raise ValueError(
                    f"compare: manual gradient {key!r} has shape {m.shape}, "
                    f"expected {P[key].shape} (the shape of the parameter)"
                )
            r = np.asarray(ref[key], dtype=np.float64)
            abs_ag, rel_ag, ok_ag = _judge(m, r, tol_autograd, 1e-12)
            flat = P[key].reshape(-1)  # a view: perturbing it perturbs P[key]
            picks = rng.choice(flat.size, size=min(fd_max, flat.size), replace=False)
            fd = np.empty(len(picks))
            for j, i in enumerate(picks):
                saved = flat[i]
                flat[i] = saved + eps
                up = f(P, np)
                flat[i] = saved - eps
                down = f(P, np)
                flat[i] = saved
                fd[j] = (up - down) / (2 * eps)
            abs_fd, rel_fd, ok_fd = _judge(m.reshape(-1)[picks], fd, tol_fd, 1e-9)
            problem = _where_not_finite(P[key], value, m, r, fd, picks)
            check.rows.append(
                Comparison(
                    key,
                    tuple(P[key].shape),
                    abs_ag,
                    rel_ag,
                    abs_fd,
                    rel_fd,
                    len(picks),
                    bool(ok_ag and ok_fd and not problem),
                    problem,
                )
            )
    return check


def gradcheck(
    obj,
    x=None,
    target=None,
    *,
    loss: Loss | None = None,
    params: dict | None = None,
    manual: dict | None = None,
    seed: int = 0,
    **options,
) -> GradCheck:
    """Check hand-derived gradients against autograd and finite differences.

    * ``gradcheck(layer, x)`` — a layer or a whole ``Sequential``: the gradients
      of every parameter and of the input, for the scalar ``Σ out ⊙ R`` with a
      fixed random ``R`` (so every output entry matters);
    * ``gradcheck(model, x, target, loss=loss)`` — the same for ``loss(model(x), target)``;
    * ``gradcheck(loss, pred, target)`` — a loss's gradient with respect to its predictions;
    * ``gradcheck(penalty, W)`` — a weight penalty's gradient;
    * ``gradcheck(f, params=..., manual=...)`` — any ``f(params, xp) -> scalar``
      against your own gradients (a dict with the same names).

    Options (``fd_max``, ``eps``, ``tol_autograd``, ``tol_fd``) go to :func:`compare`.
    """
    checkable = (Layer, Loss, Penalty)
    if isinstance(obj, type) or not (isinstance(obj, checkable) or callable(obj)):
        raise TypeError(
            "gradcheck: expected a Layer, Loss, Penalty or function to check, "
            f"got {describe(obj, checkable)}"
        )
    if loss is not None:
        check_instance("gradcheck", "loss", loss, Loss, "a loss such as SoftmaxCrossEntropy()")
    if isinstance(obj, Layer):
        return _check_layer(obj, x, target, loss, seed, options)
    if isinstance(obj, Loss):
        pred, t = obj.prepare(x, target)
        return compare(
            lambda P, xp: obj.function(P["pred"], t, xp),
            {"pred": pred},
            {"pred": obj._grad(pred, t)},
            title=f"gradcheck of {obj!r}",
            seed=seed,
            **options,
        )
    if isinstance(obj, Penalty):
        W = np.asarray(x, dtype=np.float64)
        return compare(
            lambda P, xp: obj.function(P["W"], xp),
            {"W": W},
            {"W": obj.grad(W)},
            title=f"gradcheck of {obj!r}",
            seed=seed,
            **options,
        )
    if params is None or manual is None:
        raise TypeError("gradcheck: for a function f(params, xp), give params= and manual=")
    name = getattr(obj, "__name__", "f")
    return compare(obj, params, manual, title=f"gradcheck of {name}", seed=seed, **options)


def _check_layer(obj: Layer, x, target, loss: Loss | None, seed: int, options: dict) -> GradCheck:
    """``gradcheck`` of a layer: every parameter's gradient and the input's, through the
    layer's own backward, for ``Σ out ⊙ R`` or for ``loss(out, target)``."""
    if x is None:
        raise TypeError(f"gradcheck: give an input batch x for {obj.name}")
    with np.errstate(all="ignore"):  # non-finite outputs are reported as a FAIL
        out = obj.forward(x)
    x = np.asarray(x, dtype=out.dtype)
    if loss is None:
        R = np.random.default_rng(seed).standard_normal(out.shape)
        grad_out = R.astype(out.dtype)

        def objective(o, xp):
            return xp.sum(o * R)

        what = "Σ output ⊙ R"
    else:
        if target is None:
            raise TypeError("gradcheck: a loss needs a target")
        # the target checked against the output's shape; a NaN output is a FAIL below
        _, t = loss.prepare(np.zeros_like(out), target)
        with np.errstate(all="ignore"):
            grad_out = loss._grad(out, t)

        def objective(o, xp):
            return loss.function(o, t, xp)

        what = repr(loss)
    # backward refuses a non-finite grad_out; here it is reported as a FAIL instead
    finite = np.isfinite(grad_out).all()
    with np.errstate(all="ignore"):
        grad_in = obj.backward(grad_out) if finite else obj._backward(grad_out)
    manual = {k: v.copy() for k, v in obj.grads.items()}
    manual["input"] = grad_in
    start = {**obj.params, "input": x}

    def f(P, xp):
        own = {k: v for k, v in P.items() if k != "input"}
        return objective(obj.function(own, P["input"], xp), xp)

    title = f"gradcheck of {obj.name} ({obj.n_params} parameters) on {what}"
    return compare(f, start, manual, title=title, seed=seed, **options)
