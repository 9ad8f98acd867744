r"""Check an analytic gradient against finite differences, and explain the verdict.

Two modes:

* **full** (default): a numerical gradient of every entry; costs about
  ``2 n`` evaluations of ``f`` for ``n = x.size`` (central differences);
* **directional** (``n_directions=m``): compares ``<grad(x), v>`` with a central
  difference of ``f`` along ``m`` seeded random unit directions ``v``; costs
  exactly ``2 m`` evaluations whatever the size of ``x`` (as torch's fast mode
  and jax's ``check_grads`` do).

How the verdict is reached (full mode; directional mode is alike with the
directional derivatives in place of the entries):

``rel_error = ||g - g_num|| / scale`` with ``scale = max(||g||, ||g_num||)``, so
errors are relative to the size of the gradient and the check is invariant under
rescaling of ``f`` or ``x``. It passes when ``rel_error <= tolerance``, where::

    tolerance = rtol + (100 * error_estimate + atol) / scale

``error_estimate`` is an estimate of the rounding error of ``g_num`` computed from
the very function values used for differencing: ``eps |f| / h`` per entry (the
cancellation in ``f(x + h) - f(x - h)``) plus ``eps ||x|| |f''|`` (rounding in the
argument of ``f``, which matters at a minimum, where the gradient itself is ~0).
The factor 100 leaves room for rounding inside ``f``. A wrong gradient typically
has a relative error of order one and is far above the tolerance.

Limitations: the default steps assume that ``f`` varies on the scale
``max(|x_i|, 1)``; for a function of very small variables pass ``h``. The
directional mode has no curvature estimate (it spends exactly ``2 m``
evaluations), so at an exact zero-residual minimum, where the true gradient is
zero to the last bit, it may report rounding noise as an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .finite_differences import EPS, _as_real_point, _check_method, _differences, _scalar_value

__all__ = ["GradientCheck", "check_gradient", "DEFAULT_RTOL"]

#: Default relative tolerance of each method: well above its typical error,
#: far below the O(1) relative error of a wrong gradient.
DEFAULT_RTOL: dict[str, float] = {"forward": 1e-4, "central": 1e-6, "richardson": 1e-8, "complex": 1e-10}

_SAFETY = 100.0


@dataclass(frozen=True)
class GradientCheck:
    """Result of :func:`check_gradient`; ``bool(result)`` is ``result.ok``.

    Attributes
    ----------
    ok : bool
        The verdict.
    rel_error : float
        ``abs_error / scale`` (NaN if the check could not be carried out).
    abs_error : float
        Norm of the difference between analytic and numerical values.
    scale : float
        Size of the gradient that errors are relative to.
    tolerance : float
        Relative tolerance that ``rel_error`` was compared with.
    error_estimate : float
        Estimated (absolute) rounding error of the numerical values.
    method : str
        Differencing method.
    n_evals : int
        Number of evaluations of ``f``.
    n_directions : int or None
        Number of random directions, or None for a full check.
    worst_index : tuple of int or None
        Entry (full mode) or direction (directional mode) with the largest difference.
    message : str
        The verdict explained in words.
    """

    ok: bool
    rel_error: float
    abs_error: float
    scale: float
    tolerance: float
    error_estimate: float
    method: str
    n_evals: int
    n_directions: int | None = None
    worst_index: tuple[int, ...] | None = None
    message: str = field(default="", repr=False)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        mode = "" if self.n_directions is None else f", n_directions={self.n_directions}"
        return (
            f"GradientCheck(ok={self.ok}, rel_error={self.rel_error:.2e}, tolerance={self.tolerance:.2e}, "
            f"method={self.method!r}, n_evals={self.n_evals}{mode})"
        )

    def __str__(self) -> str:
        return self.message

    def verdict(self, below: float | None = None) -> str:
        """One line that does not depend on the last digits of the error.

        Parameters
        ----------
        below : float, optional
            Report whether the relative error is below this bound instead of
            printing the error itself. Use it in notebooks, whose stored outputs
            must not change with the BLAS threading.

        Returns
        -------
        str
            E.g. ``"ok: relative error < 1e-08 (central, 13 evaluations of f)"``.
        """
        head = "ok" if self.ok else "NOT ok"
        cost = f"{self.method}, {self.n_evals} evaluations of f"
        if math.isnan(self.rel_error):  # the check could not be carried out; the message says why
            return self.message
        if below is None:
            return f"{head}: relative error {'<=' if self.ok else '>'} tolerance {self.tolerance:.0e} ({cost})"
        relation = "<" if self.rel_error < below else ">="
        return f"{head}: relative error {relation} {below:.0e} ({cost})"


def _norm(a: np.ndarray) -> float:
    """Euclidean/Frobenius norm that neither overflows nor underflows for extreme entries."""
    a = np.asarray(a, dtype=np.float64)
    m = float(np.max(np.abs(a), initial=0.0))
    if m == 0.0 or not np.isfinite(m):
        return m
    return m * float(np.sqrt(np.sum((a / m) ** 2)))


def _failed(message: str, method: str, n_directions: int | None) -> GradientCheck:
    nan = float("nan")
    return GradientCheck(False, nan, nan, nan, nan, nan, method, 0, n_directions, None, message)


def _call_grad(grad: Callable[[np.ndarray], Any], point: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Evaluate the analytic gradient; return it, or None and the reason it is unusable."""
    try:
        value = grad(point.copy())
    except Exception as exc:  # the checker reports, it does not crash
        return None, f"grad(x) raised {type(exc).__name__}: {exc}"
    try:
        g = np.asarray(value)
    except Exception as exc:
        return None, f"grad(x) returned something that is not an array: {exc}"
    if g.dtype.kind not in "biufc":
        return None, f"grad(x) returned a non-numeric value of dtype {g.dtype}"
    if g.shape != point.shape:
        hint = ""
        if g.shape == point.shape[::-1] and g.ndim == 2:
            hint = " (transposed: a Jacobian in numerator layout? a gradient has the shape of its variable)"
        elif g.size == point.size:
            hint = " (same number of entries: reshape it to the shape of x)"
        return None, f"grad(x) has shape {g.shape} but x has shape {point.shape}{hint}"
    if g.dtype.kind == "c":
        if np.any(g.imag != 0):
            return None, "grad(x) returned complex values for a real function of real x"
        g = g.real
    g = g.astype(np.float64)
    if not np.all(np.isfinite(g)):
        return None, f"grad(x) returned {int(np.sum(~np.isfinite(g)))} non-finite value(s)"
    return g, ""


def _full_check(f, g, point, method, h, rtol, atol, note) -> GradientCheck:
    diff = _differences(f, point, method, h)
    n = point.size
    # Rounding in the argument of f: f is computed as f(x + delta) with |delta| ~ eps |x|. To first
    # order this shifts each difference quotient by ~ eps ||g|| |x_i| / h_i; at a minimum (g ~ 0)
    # the second-order effect ~ eps |f''| ||x|| remains. Neither is visible in |f| alone.
    noise = diff.noise + EPS * float(np.max(diff.curvature, initial=0.0)) * float(_norm(point))
    if method != "complex":
        noise = noise + EPS * float(_norm(g)) * np.maximum(np.abs(point), 1.0) / diff.steps
    else:  # no cancellation; allow for rounding at the natural scale |f| / |x| of a derivative
        noise = noise + EPS * abs(diff.f0) / np.maximum(np.abs(point), 1.0)
    error_estimate = float(_norm(noise)) if n else 0.0
    delta = g - diff.gradient
    abs_error = float(_norm(delta))
    scale = max(float(_norm(g)), float(_norm(diff.gradient)))
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(delta))), point.shape)) if n else None
    detail = ""
    if worst is not None:
        detail = (
            f"; largest difference at entry {worst}: analytic {g[worst]:.6g} vs numerical {diff.gradient[worst]:.6g}"
        )
    where = f"{method} differences over all {n} entries"
    return _judge(abs_error, scale, error_estimate, rtol, atol, method, diff.n_evals, None, worst, where, detail, note)


def _directional_check(f, g, point, method, h, rtol, atol, n_directions, seed, note) -> GradientCheck:
    if method not in ("central", "complex"):
        raise ValueError(f"n_directions supports method='central' or 'complex', not {method!r}")
    if isinstance(n_directions, bool) or not isinstance(n_directions, (int, np.integer)) or n_directions < 1:
        raise ValueError(f"n_directions must be a positive integer, got {n_directions!r}")
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((int(n_directions),) + point.shape)
    norms = np.sqrt(np.sum(directions.reshape(len(directions), -1) ** 2, axis=1))
    directions /= norms.reshape((-1,) + (1,) * point.ndim)
    xmax = max(float(np.max(np.abs(point), initial=0.0)), 1.0)
    if h is None:
        t = (1e-20 if method == "complex" else EPS ** (1 / 3)) * xmax
    else:
        t = float(h)
        if not t > 0:
            raise ValueError(f"h must be a positive number in directional mode, got {h!r}")
    analytic = np.array([float(np.sum(g * v)) for v in directions])
    numeric = np.empty(len(directions))
    noise = np.empty(len(directions))
    n_evals = 0
    for j, v in enumerate(directions):
        if method == "complex":
            fz = _scalar_value(f(point + 1j * t * v), f"x + {t:g}i v_{j}", allow_complex=True)
            if not isinstance(fz, complex):
                raise ValueError("complex step: f returned a real number for complex input; use method='central'")
            numeric[j] = fz.imag / t
            noise[j] = EPS * abs(numeric[j])
            n_evals += 1
        else:
            fp = _scalar_value(f(point + t * v), f"x + {t:g} v_{j}", allow_complex=False)
            fm = _scalar_value(f(point - t * v), f"x - {t:g} v_{j}", allow_complex=False)
            numeric[j] = (fp - fm) / (2 * t)
            noise[j] = EPS * (abs(fp) + abs(fm)) / (2 * t) + EPS * float(_norm(g)) * xmax / t
            n_evals += 2
    delta = np.abs(analytic - numeric)
    j = int(np.argmax(delta))
    scale = max(float(_norm(g)), float(np.max(np.abs(numeric))))
    detail = f"; largest difference along direction {j}: analytic {analytic[j]:.6g} vs numerical {numeric[j]:.6g}"
    where = f"{method} differences along {n_directions} random directions (seed {seed})"
    return _judge(
        float(delta[j]),
        scale,
        float(np.max(noise)),
        rtol,
        atol,
        method,
        n_evals,
        int(n_directions),
        (j,),
        where,
        detail,
        note,
    )


def _judge(abs_error, scale, error_estimate, rtol, atol, method, n_evals, n_directions, worst, where, detail, note):
    if scale > 0:
        tolerance = rtol + (_SAFETY * error_estimate + atol) / scale
        rel_error = abs_error / scale
    else:  # analytic and numerical gradients are both exactly zero
        tolerance, rel_error = rtol, 0.0
    ok = bool(rel_error <= tolerance)
    message = (
        f"{'ok' if ok else 'NOT ok'}: relative error {rel_error:.2e} {'<=' if ok else '>'} tolerance "
        f"{tolerance:.2e} (rtol {rtol:.0e} plus the estimated rounding error {error_estimate:.1e} of the "
        f"numerical values, relative to the gradient's norm {scale:.3g}); {where}, {n_evals} evaluations of f"
    )
    if not ok:
        message += detail
    elif tolerance > 1.0:
        message += (
            ". Caution: the gradient is below the rounding noise of the differences (as at a minimum), "
            "so this only shows that both gradients are consistent with zero; check at a point away from "
            "the minimum, or pass a step h suited to the scale of x"
        )
    if note:
        message += f". Note: {note}"
    return GradientCheck(
        ok, rel_error, abs_error, scale, tolerance, error_estimate, method, n_evals, n_directions, worst, message
    )


def check_gradient(
    f: Callable[[np.ndarray], Any],
    grad: Callable[[np.ndarray], Any],
    x: ArrayLike,
    *,
    method: str = "central",
    h: ArrayLike | None = None,
    rtol: float | None = None,
    atol: float = 0.0,
    n_directions: int | None = None,
    seed: int = 0,
) -> GradientCheck:
    """Compare an analytic gradient with finite differences of ``f``.

    Parameters
    ----------
    f : callable
        Real scalar function, ``f(x) -> float``.
    grad : callable
        Claimed gradient, ``grad(x) -> array`` of ``x``'s shape (denominator layout).
    x : array_like
        Point of any shape. Integer input works; float32 input is checked in
        float64 and the result says so.
    method : {"central", "forward", "richardson", "complex"}
        Differencing scheme. The default is safe for any real ``f``; ``"complex"``
        is more accurate but silently wrong for ``f`` using abs/conj/norm/vdot.
    h : float or array_like, optional
        Step; see :func:`matgrad.numerical_gradient`.
    rtol : float, optional
        Relative tolerance; default :data:`DEFAULT_RTOL` of the method.
    atol : float, default 0
        Extra absolute tolerance on the error norm.
    n_directions : int, optional
        If given, check ``m = n_directions`` random directional derivatives
        instead of every entry (cost: ``2 m`` evaluations with ``"central"``).
    seed : int, default 0
        Seed of the random directions.

    Returns
    -------
    GradientCheck
        The verdict with the figures it was judged by. A ``grad`` that raises,
        returns the wrong shape, non-numeric or non-finite values gives
        ``ok=False`` with a message, not an exception.

    Raises
    ------
    TypeError
        If ``f`` or ``grad`` is not callable, or ``x`` is not numeric.
    ValueError
        For bad options, or if ``f`` itself is not finite or not scalar near ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: float(np.sum(x ** 3))
    >>> check_gradient(f, lambda x: 3 * x ** 2, np.array([1.0, 2.0])).ok
    True
    >>> check_gradient(f, lambda x: 2 * x ** 2, np.array([1.0, 2.0])).ok
    False
    """
    for name, fn in (("f", f), ("grad", grad)):
        if not callable(fn):
            raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
    _check_method(method)
    if rtol is None:
        rtol = DEFAULT_RTOL[method]
    if not (rtol >= 0 and atol >= 0):
        raise ValueError(f"rtol and atol must be non-negative, got rtol={rtol!r}, atol={atol!r}")
    point, note = _as_real_point(x)
    g, problem = _call_grad(grad, point)
    if g is None:
        return _failed(f"NOT ok: {problem}", method, n_directions)
    if n_directions is None:
        return _full_check(f, g, point, method, h, rtol, atol, note)
    return _directional_check(f, g, point, method, h, rtol, atol, n_directions, seed, note)
