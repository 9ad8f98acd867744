r"""Check an analytic gradient against finite differences, and explain the verdict.

Two modes:

* **full** (default): a numerical gradient of every entry; costs ``2 n + 1``
  evaluations of ``f`` for ``n = x.size`` with central differences (``n + 1``
  forward or complex, ``4 n + 1`` Richardson);
* **directional** (``n_directions=m``): compares ``<grad(x), v>`` with a central
  difference of ``f`` along ``m`` seeded random unit directions ``v``; costs
  ``2 m`` evaluations whatever the size of ``x``, as torch's fast mode and jax's
  ``check_grads`` do (``m`` with ``"complex"``, ``4 m`` with ``"richardson"``; more for a
  pass that must be confirmed, see below).
  A wrong gradient is caught unless its error happens to be orthogonal to every
  random direction, which has probability zero.

Passes that cannot decide are confirmed: where the rounding noise of the values
of ``f`` (large ``|f|`` next to the gradient, an ``f`` computed in float32, many
entries) loosens the tolerance of a forward or central check with default steps
beyond 5 %, a gradient wrong by a factor of 2 could pass as well; such a pass is
re-judged with Richardson differences (``4 n + 1`` more evaluations, ``4 m`` in
directional mode), whose larger steps have ``u^(-2/15)`` times less rounding
error (about 130 in float64, 9 in float32),
and their pass is taken if its tolerance is tighter, their failure only if it
confirms the discrepancy the first comparison measured (a discrepancy that only
their larger steps see is their own truncation error). (Where even Richardson
differences could not catch a sign flip, as at a minimum, the pass stands with
its caution.)

Failures are confirmed before they are reported, which costs more evaluations
only when the first comparison fails: a failed forward check is re-judged with
central differences (``2 n + 1`` more), because the truncation error ``h f''/2``
of forward differences is not estimated and dominates where the gradient is ~0,
as at a minimum; and where the first comparison had no curvature estimate
(complex step, directional mode), ``|f''|`` is measured (``2 n + 1`` more for the
full complex check; one more, ``f(x)``, for a directional check, or ``2 m + 1``
with the complex step) and the comparison is repeated with it; and a failed full
central or Richardson check with default steps at an ``x`` with entries below 1 is
re-judged with Richardson differences with steps ``c |x_i|`` (``4 n + 1`` more),
because ``f`` may vary on the scale ``|x_i|`` rather than 1 (a quartic near its
minimum at 1e-3, the log-determinant of a small matrix); only a decisive pass
(tolerance at most 5 %) overturns the failure.

How the verdict is reached (full mode; directional mode is alike with the
directional derivatives in place of the entries):

``rel_error = ||g - g_num|| / scale`` with ``scale = max(||g||, ||g_num||)``, so
errors are relative to the size of the gradient and the check is invariant under
rescaling of ``f`` (and, through the confirmations above, largely of ``x``). It
passes when ``rel_error <= tolerance``, where::

    tolerance = rtol + (100 * error_estimate + atol) / scale

``error_estimate`` is an estimate of the rounding error of ``g_num`` computed from
the very function values used for differencing: ``u |f| / h`` per entry (the
cancellation in ``f(x + h) - f(x - h)``, ``u`` the rounding unit of ``f``'s values)
plus ``u ||g|| max(|x_i|, 1) / h`` and ``u ||x|| |f''|`` (rounding in the argument
of ``f``; the second term matters at a minimum, where the gradient itself is ~0,
and uses the curvature estimated from the same values). The factor 100 leaves room for
rounding inside ``f``. ``rtol`` covers the truncation error; its default
(:data:`DEFAULT_RTOL`) is far above the error of the method and far below the
relative error of order one that a wrong gradient typically has.

Precision: the point ``x`` is always converted to float64 (integer and float32
input work; the message notes the conversion). If ``f`` returns float32 values
(it computes in single precision), the steps and the default ``rtol`` are chosen
for float32's rounding unit ``u = 1.2e-7`` instead of failing: central
differences then reach only about ``u^(2/3) ~ 2e-5``, and the message says so.
A function that computes in float32 but returns a Python float cannot be
recognised; pass ``h`` (e.g. ``default_step(x, eps=np.finfo(np.float32).eps)``)
and ``rtol`` yourself.

Limitations: the default steps assume that ``f`` varies on the scale
``max(|x_i|, 1)``, or (after a failure) ``|x_i|``; for a function that varies on
yet another scale pass ``h``. Directional mode steps ``c max(max_i |x_i|, 1)`` along
unit directions, so for badly scaled variables (entries of very different sizes)
prefer the full check or pass ``h``. At a minimum the gradient is rounding noise and the
check can only say that both gradients are consistent with zero; the message
then says so. The tolerance models rounding as ``u |f|``; for a function with
more noise than that (an iterative solver inside ``f``), pass ``rtol``/``atol``.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._old_checks import as_numeric_array, random_generator
from .finite_differences import (
    _as_real_point,
    _check_method,
    _differences,
    _direction_step,
    _positive_step,
    _scalar_value,
    _slope,
    _slope_adapting_step,
    default_step,
    with_args,
)
from .inner_product import frobenius_norm

__all__ = ["GradientCheck", "check_gradient", "DEFAULT_RTOL"]

#: Default relative tolerance of each method (for a float64 ``f``): well above its
#: typical error, far below the O(1) relative error of a wrong gradient.
DEFAULT_RTOL: dict[str, float] = {"forward": 1e-4, "central": 1e-6, "richardson": 1e-8, "complex": 1e-10}

#: The best relative error of each method is about ``u ** exponent`` (``u`` the rounding unit of ``f``).
_ACCURACY_EXPONENT: dict[str, float] = {"forward": 1 / 2, "central": 2 / 3, "richardson": 4 / 5, "complex": 1.0}

_SAFETY = 100.0
_LOW_PRECISION_MARGIN = 40.0
#: A pass with a tolerance above this is indecisive: a gradient wrong by more than 5 % could pass too.
#: Forward and central passes with default steps are then re-judged with Richardson differences.
_DECISIVE = 0.05


def _default_rtol(method: str, unit: float) -> float:
    """:data:`DEFAULT_RTOL`, raised for a low-precision ``f`` to 40 times the best achievable error."""
    return max(DEFAULT_RTOL[method], _LOW_PRECISION_MARGIN * unit ** _ACCURACY_EXPONENT[method])


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


def _tolerance(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a non-negative number, got {name}={value!r}")
    if not (math.isfinite(value) and value >= 0):  # an infinite tolerance would pass anything
        raise ValueError(f"{name} must be a finite non-negative number, got {name}={value!r}")


def _failed(message: str, method: str, n_directions: int | None) -> GradientCheck:
    nan = float("nan")
    return GradientCheck(False, nan, nan, nan, nan, nan, method, 0, n_directions, None, message)


def _call_grad(grad: Callable[[np.ndarray], Any], point: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Evaluate the analytic gradient; return it, or None and the reason it is unusable."""
    try:
        value = grad(point.copy())
    except Exception as exc:  # the checker reports, it does not crash
        return None, f"grad(x) raised {type(exc).__name__}: {exc}"
    try:  # numbers in any container (list, object array, NumPy scalar); anything else is reported
        g = as_numeric_array("grad(x)", value, check_finite=False)
    except Exception as exc:  # e.g. an object whose __array__ raises: still a verdict, not a crash
        return None, f"grad(x) returned a non-numeric value: {exc}"
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


def _precision_note(dtype: np.dtype | None, unit: float, method: str, rtol_given: bool) -> str:
    if dtype is None:
        return ""
    achievable = unit ** _ACCURACY_EXPONENT[method]
    note = (
        f"f returned {dtype} values, so the steps were chosen for {dtype}'s rounding unit {unit:.1e}; "
        f"{method} differences then reach a relative error of only about {achievable:.0e}"
    )
    if not rtol_given:
        note += f", and the default rtol was raised to {_default_rtol(method, unit):.0e}"
    return note


def _full_check(f, g, point, method, h, rtol, atol, notes, confirm: bool = True) -> GradientCheck:
    """A full check; with ``confirm``, passes that cannot decide and some failures get a second opinion."""
    diff = _differences(f, point, method, h)
    unit = diff.rounding_unit
    all_notes = notes + [_precision_note(diff.value_dtype, unit, method, rtol is not None)]
    given_rtol = rtol
    if rtol is None:
        rtol = _default_rtol(method, unit)
    result = _full_verdict(diff, g, point, method, rtol, atol, all_notes)
    if not confirm:
        return result
    if result.ok:
        if h is None and method in ("forward", "central") and _indecisive(result, unit):

            def richardson(counted):
                return _full_check(counted, g, point, "richardson", None, given_rtol, atol, notes, confirm=False)

            return _confirm_pass(f, richardson, result)
        return result
    if method == "forward":
        return _confirm_forward_failure(f, g, point, h, rtol, atol, notes, result)
    if method in ("central", "richardson") and h is None and np.any((point != 0) & (np.abs(point) < 1)):
        return _confirm_failure_with_relative_steps(f, g, point, given_rtol, atol, notes, result, unit)
    if method == "complex":
        # The complex step cannot see f''; measure it with central second differences, only now.
        central = _differences(f, point, "central", None)
        curvature = float(np.max(central.curvature, initial=0.0))
        remark = _curvature_remark(result, central.n_evals, "central second differences along every entry")
        return _full_verdict(
            diff, g, point, method, rtol, atol, all_notes, curvature, diff.n_evals + central.n_evals, remark
        )
    return result


def _indecisive(result: GradientCheck, unit: float, slope_ratio: float = 1.0) -> bool:
    """Whether the rounding noise of the differences loosens the tolerance so far that a wrong gradient
    could pass, and Richardson differences could do better.

    Judged on the part of the tolerance that the rounding estimate contributes (a tolerance loosened
    by the caller's own ``rtol`` or ``atol`` is the caller's choice), against :data:`_DECISIVE`. In
    directional mode the slopes are only a fraction ``slope_ratio`` of the norm of the gradient that
    the errors are divided by, and both bounds shrink with it. Richardson steps are ``u^(-2/15)``
    times larger than central ones (about 130 in float64, 9 in float32), and their rounding error
    that much smaller: beyond twice that factor even they could not catch a sign flip (relative
    error 2), as at a minimum, where the gradient is rounding noise for every method.
    """
    if not result.scale > 0:
        return False
    loosening = _SAFETY * result.error_estimate / result.scale
    return _DECISIVE * slope_ratio < loosening <= 2.0 * unit ** (-2 / 15) * slope_ratio


class _Counted:
    """``f``, counting its calls (a second opinion that fails half-way still reports what it cost)."""

    def __init__(self, f: Callable[[np.ndarray], Any]) -> None:
        self.f, self.calls = f, 0

    def __call__(self, x: np.ndarray) -> Any:
        self.calls += 1
        return self.f(x)


def _same_discrepancy(first: GradientCheck, second: GradientCheck) -> bool:
    """Whether two comparisons measured the same relative error: within a quarter of it, or within three
    times the first one's estimated rounding noise (without the safety factor of its tolerance)."""
    noise = first.error_estimate / first.scale if first.scale > 0 else 0.0
    return abs(second.rel_error - first.rel_error) <= max(second.rel_error / 4, 3 * noise)


def _stands(first: GradientCheck, extra: int, remark: str) -> GradientCheck:
    """``first``'s verdict with a remark on a second opinion that did not change it (before any caution)."""
    head, caution, rest = first.message.partition(" Caution:")
    message = f"{head} {remark} In total {first.n_evals + extra} evaluations of f.{caution}{rest}"
    return replace(first, n_evals=first.n_evals + extra, message=message)


def _confirm_pass(f, richardson: Callable[[_Counted], GradientCheck], first: GradientCheck) -> GradientCheck:
    """Re-judge a pass that cannot decide with Richardson differences (``richardson(counted_f)``).

    Where the rounding noise of the values of ``f`` is large next to the gradient (large ``|f|``, an
    ``f`` computed in float32, many entries), forward and central differences with their small steps
    reach tolerances at which a gradient wrong by a factor of 2 would pass. Richardson differences
    take larger steps (and cancel their larger truncation error), so their rounding error is smaller.
    Their pass is taken if its tolerance is tighter. Their failure is taken only if it confirms the
    discrepancy the first comparison measured (see :func:`_same_discrepancy`): a wrong gradient shows
    the same error to every method, while a discrepancy that only the larger steps see is their own
    truncation error, and then the first verdict stands. Costs
    their evaluations (``4 n + 1``, ``4 m`` in directional mode), only for such a pass.
    """
    counted = _Counted(f)
    try:
        second = richardson(counted)
    except ValueError as exc:  # the larger steps left the domain of f: the first verdict stands
        return _stands(first, counted.calls, f"Richardson differences could not confirm it ({exc}).")
    if second.ok and second.tolerance < first.tolerance:
        how = "whose larger steps have less rounding error"
    elif not second.ok and _same_discrepancy(first, second):
        how = f"which confirm the discrepancy it measured, with relative error {second.rel_error:.2e}"
    else:
        what = (
            f"did not narrow the tolerance (they gave {second.tolerance:.2e})"
            if second.ok
            else f"saw a discrepancy of {second.rel_error:.2e} that it did not (the truncation error of their "
            "larger steps)"
        )
        remark = f"Richardson differences ({counted.calls} more evaluations of f) {what}, so the verdict stands."
        return _stands(first, counted.calls, remark)
    explanation = (
        f"{first.method.capitalize()} differences ({first.n_evals} evaluations of f) gave relative error "
        f"{first.rel_error:.2e} <= tolerance {first.tolerance:.2e}, a tolerance too loose to tell a wrong "
        "gradient from a right one (the rounding noise of f's values was large next to the gradient), so the "
        f"verdict was taken with Richardson differences, {how}"
    )
    return _second_verdict(first, second, explanation)


_CHECKED_BY_COST = re.compile(r"(Checked by [^.]*?, \d+) evaluations of f\.")
_TOTAL_COST = re.compile(r" In total \d+ evaluations of f\.")


def _second_verdict(first: GradientCheck, second: GradientCheck, explanation: str) -> GradientCheck:
    """``second``'s verdict, reported under ``first``'s method, with ``explanation`` and the total cost."""
    n_evals = first.n_evals + second.n_evals
    head, _, rest = second.message.partition(" The relative error is")
    # the cost of the second comparison is "more" evaluations; the total at the end covers all of them
    # (a second comparison with its own second opinion already ends in a total of its own: dropped)
    rest = _CHECKED_BY_COST.sub(r"\1 more evaluations of f.", rest, count=1)
    rest = _TOTAL_COST.sub("", rest)
    message = f"{head} {explanation}. The relative error is{rest} In total {n_evals} evaluations of f."
    return replace(second, method=first.method, n_evals=n_evals, message=message)


def _confirm_failure_with_relative_steps(f, g, point, rtol, atol, notes, first: GradientCheck, unit) -> GradientCheck:
    """Re-judge a failed check whose default steps were too large for entries of ``x`` below 1.

    The default step ``c max(|x_i|, 1)`` assumes that ``f`` varies on the scale 1 or ``|x_i|``. A function
    of small variables (a quartic near its minimum at 1e-3, the log-determinant of 1e-3 A) varies on
    the scale ``|x_i|``, and the truncation error of the larger step is a false alarm. Richardson
    differences with steps ``c |x_i|`` (for ``f``'s rounding unit) decide instead, but only a decisive
    pass overturns the failure: a tolerance of at most 5 %, and at most half the relative error the
    first comparison measured, so that the second comparison would have seen that discrepancy had it
    been in the gradient. Costs ``4 n + 1`` evaluations, only on failure.
    """
    scale = np.where(point != 0, np.minimum(np.abs(point), 1.0), 1.0)
    steps = default_step(point, "richardson", eps=unit) * scale
    counted = _Counted(f)
    try:
        second = _full_check(counted, g, point, "richardson", steps, rtol, atol, notes, confirm=False)
    except ValueError as exc:  # f is not finite, or not scalar, at the new points: the first verdict stands
        remark = f"Richardson differences with steps relative to |x_i| could not re-judge it ({exc})."
        return _stands(first, counted.calls, remark)
    if not (second.ok and second.tolerance <= min(_DECISIVE, first.rel_error / 2)):
        what = "did not decide" if second.ok else "failed as well"
        remark = (
            f"Richardson differences with steps relative to |x_i| ({counted.calls} more evaluations of f) "
            f"{what}, so the verdict stands."
        )
        return _stands(first, counted.calls, remark)
    explanation = (
        f"{first.method.capitalize()} differences with the default steps c max(|x_i|, 1) ({first.n_evals} "
        f"evaluations of f) gave relative error {first.rel_error:.2e} > tolerance {first.tolerance:.2e}; "
        "x has entries below 1, on whose scale f may vary, so the verdict was taken with Richardson "
        "differences with steps c |x_i|"
    )
    return _second_verdict(first, second, explanation)


def _curvature_remark(first: GradientCheck, extra: int, how: str) -> str:
    return (
        f"A first comparison gave relative error {first.rel_error:.2e} > tolerance {first.tolerance:.2e}; "
        "because rounding of x perturbs both gradients through the curvature f'' (which matters where the "
        f"gradient is ~0, as at a minimum), f'' was then estimated from {extra} more "
        f"evaluation{'s' if extra != 1 else ''} ({how}) "
        "and included in the error estimate."
    )


def _full_verdict(
    diff, g, point, method, rtol, atol, notes, curvature: float | None = None, n_evals=None, remark=""
) -> GradientCheck:
    """Judge a full check from its differences; ``curvature`` overrides the estimate of max |f''|."""
    n = point.size
    unit = diff.rounding_unit
    if curvature is None:
        curvature = float(np.max(diff.curvature, initial=0.0))
    # Rounding in the argument of f: f is computed as f(x + delta) with |delta| ~ u |x|. To first
    # order this shifts each difference quotient by ~ u ||g|| |x_i| / h_i; at a minimum (g ~ 0)
    # the second-order effect ~ u |f''| ||x|| remains. Neither is visible in |f| alone.
    noise = diff.noise + unit * curvature * float(frobenius_norm(point))
    if method != "complex":
        noise = noise + unit * float(frobenius_norm(g)) * np.maximum(np.abs(point), 1.0) / diff.steps
    else:  # no cancellation; allow for rounding at the natural scale |f| / |x| of a derivative
        noise = noise + unit * abs(diff.f0) / np.maximum(np.abs(point), 1.0)
    error_estimate = float(frobenius_norm(noise)) if n else 0.0
    delta = g - diff.gradient
    scale = max(float(frobenius_norm(g)), float(frobenius_norm(diff.gradient)))
    detail = ""
    worst = None
    if n:
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(delta))), point.shape))
        detail = (
            f"The largest difference is at entry {worst}: "
            f"analytic {g[worst]:.6g} vs numerical {diff.gradient[worst]:.6g}."
        )
    return _judge(
        abs_error=float(frobenius_norm(delta)),
        scale=scale,
        error_estimate=error_estimate,
        rtol=rtol,
        atol=atol,
        method=method,
        n_evals=diff.n_evals if n_evals is None else n_evals,
        n_directions=None,
        worst=worst,
        relative_to=f"||analytic - numerical|| divided by {scale:.3g}, the norm of the gradient",
        where=f"{method} differences over all {n} entries",
        detail=detail,
        notes=notes,
        remark=remark,
    )


def _confirm_forward_failure(f, g, point, h, rtol, atol, notes, forward: GradientCheck) -> GradientCheck:
    """Re-judge a failed forward check with central differences before reporting it.

    Forward differences have a truncation error ``h f''/2`` that the checker does not estimate (it
    would take more evaluations). Where the gradient is ~0, as at a minimum, that error dominates
    and would be a false alarm; central differences have no O(h) term. Costs ``2 n + 1`` more
    evaluations, only when the forward check fails.
    """
    central = _full_check(f, g, point, "central", h, rtol, atol, notes)
    explanation = (
        f"Forward differences ({forward.n_evals} evaluations of f) gave relative error {forward.rel_error:.2e} > "
        f"tolerance {forward.tolerance:.2e}, so the verdict was taken with central differences, which have no "
        "O(h) truncation error"
    )
    if central.ok:
        explanation += " (the forward error h f''/2 dominates where the gradient is ~0, as at a minimum)"
    return _second_verdict(forward, central, explanation)


def _directional_check(f, g, point, method, h, rtol, atol, n_directions, seed, notes) -> GradientCheck:
    if method not in ("central", "richardson", "complex"):
        raise ValueError(
            f"n_directions supports method='central', 'richardson' or 'complex', not {method!r} "
            "(forward differences are too inaccurate to judge single directional derivatives)"
        )
    if isinstance(n_directions, bool) or not isinstance(n_directions, (int, np.integer)) or n_directions < 1:
        raise ValueError(f"n_directions must be a positive integer, got {n_directions!r}")
    if h is not None:
        t = _positive_step(h)
    rng = random_generator(seed)
    directions = rng.standard_normal((int(n_directions),) + point.shape)
    norms = np.sqrt(np.sum(directions.reshape(len(directions), -1) ** 2, axis=1))
    directions /= norms.reshape((-1,) + (1,) * point.ndim)
    analytic = np.array([float(np.sum(g * v)) for v in directions])
    if h is None:  # the first direction also tells the precision of f, and the step to use

        def step(unit: float) -> float:
            return _direction_step(point, method, unit)

        first, t = _slope_adapting_step(f, point, directions[0], method, step, "v_0")
    else:
        first = _slope(f, point, directions[0], method, t, "v_0")
    slopes = [first] + [_slope(f, point, v, method, t, f"v_{j}") for j, v in enumerate(directions[1:], start=1)]
    unit, dtype = first.rounding_unit, first.value_dtype
    given_notes, given_rtol = notes, rtol
    notes = notes + [_precision_note(dtype, unit, method, rtol is not None)]
    if rtol is None:
        rtol = _default_rtol(method, unit)
    n_evals = sum(s.n_evals for s in slopes)
    args = (g, point, method, rtol, atol, n_directions, seed, notes, analytic, slopes, unit)
    result = _directional_verdict(*args, curvature=0.0, n_evals=n_evals)
    if result.ok:
        largest_slope = max(float(np.max(np.abs(analytic))), max(abs(s.value) for s in slopes))
        slope_ratio = largest_slope / result.scale if result.scale > 0 else 1.0
        if h is None and method == "central" and _indecisive(result, unit, slope_ratio):

            def richardson(counted):
                return _directional_check(
                    counted, g, point, "richardson", None, given_rtol, atol, n_directions, seed, given_notes
                )

            return _confirm_pass(f, richardson, result)
        return result
    # Like the full check, allow for the curvature (which matters where the gradient is ~0) before
    # reporting a failure: one more evaluation, f(x), gives the second differences along every
    # direction (2 m + 1 more, for the complex step, which has no real neighbours).
    raw0 = f(point.copy())
    f0 = _scalar_value(raw0, "x", allow_complex=False)
    extra = 1
    if method == "complex":
        t_real = _direction_step(point, "central", unit)
        neighbours = [_slope(f, point, v, "central", t_real, f"v_{j}") for j, v in enumerate(directions)]
        extra += sum(s.n_evals for s in neighbours)
    else:
        neighbours = slopes
    curvature = max(abs(s.plus - 2 * f0 + s.minus) / s.step**2 for s in neighbours)
    how = "f(x) and central second differences along each direction" if method == "complex" else "f(x)"
    remark = _curvature_remark(result, extra, how)
    return _directional_verdict(*args, curvature=curvature, n_evals=n_evals + extra, remark=remark)


def _directional_verdict(
    g, point, method, rtol, atol, n_directions, seed, notes, analytic, slopes, unit, *, curvature, n_evals, remark=""
) -> GradientCheck:
    xmax = max(float(np.max(np.abs(point), initial=0.0)), 1.0)
    g_norm = float(frobenius_norm(g))
    numeric = np.array([s.value for s in slopes])
    t = slopes[0].step
    # rounding of the values of f, and of the argument x + t v (|delta| ~ u max|x|), as in the full check
    noise = np.array([s.noise for s in slopes]) + unit * g_norm * (1.0 if method == "complex" else xmax / t)
    noise = noise + unit * curvature * float(frobenius_norm(point))
    delta = np.abs(analytic - numeric)
    j = int(np.argmax(delta))
    scale = max(g_norm, float(np.max(np.abs(numeric))))
    detail = f"The largest difference is along direction {j}: analytic {analytic[j]:.6g} vs numerical {numeric[j]:.6g}."
    return _judge(
        abs_error=float(delta[j]),
        scale=scale,
        error_estimate=float(np.max(noise)),
        rtol=rtol,
        atol=atol,
        method=method,
        n_evals=n_evals,
        n_directions=int(n_directions),
        worst=(j,),
        relative_to=(
            f"the largest |<analytic, v> - numerical slope along v| over the directions v, divided by {scale:.3g}, "
            "the norm of the gradient (its largest slope over unit directions)"
        ),
        where=f"{method} differences along {n_directions} random unit directions (seed {seed})",
        detail=detail,
        notes=notes,
        remark=remark,
    )


def _judge(
    *,
    abs_error,
    scale,
    error_estimate,
    rtol,
    atol,
    method,
    n_evals,
    n_directions,
    worst,
    relative_to,
    where,
    detail,
    notes,
    remark="",
) -> GradientCheck:
    if scale > 0:
        tolerance = rtol + (_SAFETY * error_estimate + atol) / scale
        rel_error = abs_error / scale
    else:  # analytic and numerical gradients are both exactly zero
        tolerance, rel_error = rtol, 0.0
    ok = bool(rel_error <= tolerance)
    extra = f" plus atol {atol:.1e}" if atol else ""
    parts = [
        f"{'ok' if ok else 'NOT ok'}: relative error {rel_error:.2e} {'<=' if ok else '>'} tolerance {tolerance:.2e}.",
        f"The relative error is {relative_to};",
        f"the tolerance is rtol = {rtol:.0e} plus {_SAFETY:.0f} times the estimated rounding error "
        f"{error_estimate:.1e} of the numerical values{extra}, divided by the same norm.",
        f"Checked by {where}, {n_evals} evaluations of f.",
        remark,
    ]
    if not ok:
        parts.append(detail)
    elif tolerance > 1.0:
        parts.append(
            "Caution: the gradient is below the rounding noise of the differences (as at a minimum), "
            "so this only shows that both gradients are consistent with zero; check at a point away from "
            "the minimum, or pass a step h suited to the scale of x."
        )
    elif tolerance > _DECISIVE and scale > 0:  # (two exactly zero gradients agree, whatever the tolerance)
        parts.append(
            f"Caution: with this tolerance a gradient with a relative error of up to {tolerance:.0%} would "
            "pass as well; pass a step h suited to the scale of x, or use "
            f"{'the complex step' if method == 'richardson' else 'Richardson differences or the complex step'}."
        )
    parts += [f"Note: {note}." for note in notes if note]
    return GradientCheck(
        ok,
        rel_error,
        abs_error,
        scale,
        tolerance,
        error_estimate,
        method,
        n_evals,
        n_directions,
        worst,
        " ".join(p for p in parts if p),
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
    args: tuple = (),
) -> GradientCheck:
    """Compare an analytic gradient with finite differences of ``f``.

    Parameters
    ----------
    f : callable
        Real scalar function, ``f(x, *args) -> float``.
    grad : callable
        Claimed gradient, ``grad(x, *args) -> array`` of ``x``'s shape (denominator layout).
    x : array_like
        Point of any shape. Integer input works; float32 input is checked in
        float64 and the result says so.
    method : {"central", "forward", "richardson", "complex"}
        Differencing scheme. The default is safe for any real ``f``; ``"complex"``
        is more accurate but silently wrong for ``f`` using abs/conj/norm/vdot.
    h : float or array_like, optional
        Step; see :func:`matgrad.numerical_gradient`. In directional mode a
        positive number, the step along each unit direction.
    rtol : float, optional
        Relative tolerance; default :data:`DEFAULT_RTOL` of the method (raised
        for an ``f`` that returns float32 values, see the module documentation).
    atol : float, default 0
        Extra absolute tolerance on the error norm.
    n_directions : int, optional
        If given, check ``m = n_directions`` random directional derivatives
        instead of every entry (cost of a passing check: ``2 m`` evaluations
        with ``"central"``, ``m`` with ``"complex"``, ``4 m`` with ``"richardson"``;
        more if the pass must be confirmed, see the module documentation).
    seed : int, default 0
        Seed of the random directions.
    args : tuple, default ()
        Further arguments of ``f`` and ``grad``, as in :func:`scipy.optimize.check_grad`:
        ``check_gradient(matgrad.loss, matgrad.grad_W, W, args=(X, Y))``.

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
    f, grad = with_args(f, args), with_args(grad, args)
    _check_method(method)
    if rtol is not None:
        _tolerance("rtol", rtol)
    _tolerance("atol", atol)
    point, note = _as_real_point(x)
    g, problem = _call_grad(grad, point)
    if g is None:
        return _failed(f"NOT ok: {problem}", method, n_directions)
    if n_directions is None:
        return _full_check(f, g, point, method, h, rtol, atol, [note])
    return _directional_check(f, g, point, method, h, rtol, atol, n_directions, seed, [note])
