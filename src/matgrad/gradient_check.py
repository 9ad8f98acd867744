r"""Check an analytic gradient against finite differences, and explain the verdict.

Two modes:

* **full** (default): a numerical gradient of every entry, ``2 n + 1`` evaluations of ``f`` for
  ``n = x.size`` with central differences (``n + 1`` forward or complex, ``4 n + 1`` Richardson);
* **directional** (``n_directions=m``): ``<grad(x), v>`` against a difference quotient of ``f`` along ``m``
  seeded random unit directions ``v``, ``2 m`` evaluations whatever the size of ``x`` (``m`` complex, ``4 m``
  Richardson), as torch's fast mode and jax's ``check_grads`` do. A wrong gradient escapes only if its
  error is orthogonal to every direction, which has probability zero.

The verdict (:func:`compare_gradients`): with ``g`` the claimed and ``g_num`` the numerical gradient and
``s = max(||g||, ||g_num||)``, the check passes when ``||g - g_num|| / s <= rtol + (100 e + atol) / s``.
``e`` is the rounding error of ``g_num`` estimated from the very values of ``f`` used for differencing:
``u |f| / h`` per entry (``u`` the rounding unit of ``f``'s values), plus the rounding of the argument,
``u ||g|| max(|x_i|, 1) / h`` and ``u ||x|| |f''|`` (which matters at a minimum; ``f''`` is estimated from the
same values). The factor 100 leaves room for rounding inside ``f``; ``rtol`` (:data:`DEFAULT_RTOL`) covers the
truncation error. In directional mode the error is the largest difference of slopes.

Second opinions, taken only where the first comparison cannot be trusted, each reported with its cost:

* a pass that the rounding noise loosened beyond a tolerance of 5 % (large ``|f|`` next to the gradient,
  an ``f`` computed in float32) is re-judged with Richardson differences, whose larger steps have less
  rounding error; their pass is taken if tighter, their failure only if it measures the same discrepancy;
* a failed forward check is re-judged with central differences (no ``O(h)`` truncation error);
* a failure without a curvature estimate (complex step, directional mode) is re-judged with ``|f''|``
  measured by a few more evaluations;
* a failed central or Richardson check at an ``x`` with entries below 1 is re-judged with Richardson
  differences with steps ``c |x_i|``, and overturned only by a decisive pass.

If ``f`` returns float32 values, the steps and the default ``rtol`` are chosen for float32 and the message
says so; for an ``f`` that computes in float32 but returns a Python float, or one noisier than ``u |f|``
(an iterative solver inside), pass ``h`` and ``rtol`` yourself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_array, positive_int, positive_number
from .finite_differences import (
    _check_callable,
    _check_method,
    _Differences,
    _differences,
    _direction_step,
    _one_step,
    _real_point,
    _scalar_value,
    _slope,
    _slope_adapting_step,
    default_step,
    with_args,
)

__all__ = ["DEFAULT_RTOL", "Figures", "GradientCheck", "check_gradient", "compare_gradients", "within_tolerance"]

#: Default relative tolerance of each method (for a float64 ``f``): well above its
#: typical error, far below the O(1) relative error of a wrong gradient.
DEFAULT_RTOL: dict[str, float] = {"forward": 1e-4, "central": 1e-6, "richardson": 1e-8, "complex": 1e-10}

#: The best relative error of each method is about ``u ** exponent`` (``u`` the rounding unit of ``f``).
_ACCURACY_EXPONENT: dict[str, float] = {"forward": 1 / 2, "central": 2 / 3, "richardson": 4 / 5, "complex": 1.0}

_SAFETY = 100.0  # room for rounding inside f, beyond the rounding of its value
_LOW_PRECISION_MARGIN = 40.0
#: A pass with a tolerance above this is indecisive: a gradient wrong by more than 5 % could pass too.
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
        Size of the difference between analytic and numerical values.
    scale : float
        Size of the gradient that errors are relative to.
    tolerance : float
        Relative tolerance that ``rel_error`` was compared with.
    error_estimate : float
        Estimated (absolute) rounding error of the numerical values.
    method : str
        Differencing method.
    n_evals : int
        Number of evaluations of ``f``, second opinions included.
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

        With ``below``, say whether the relative error is below that bound instead of printing the error:
        use it in notebooks, whose stored outputs must not change with the BLAS threading. E.g.
        ``"ok: relative error < 1e-08 (central, 13 evaluations of f)"``.
        """
        if math.isnan(self.rel_error):  # the check could not be carried out; the message says why
            return self.message
        head = "ok" if self.ok else "NOT ok"
        cost = f"{self.method}, {self.n_evals} evaluations of f"
        if below is None:
            return f"{head}: relative error {'<=' if self.ok else '>'} tolerance {self.tolerance:.0e} ({cost})"
        return f"{head}: relative error {'<' if self.rel_error < below else '>='} {below:.0e} ({cost})"


# --- the comparison ----------------------------------------------------------------------------------------


class Figures(NamedTuple):
    """What a comparison found: the verdict, the relative error and the tolerance it was judged by."""

    ok: bool
    rel_error: float
    tolerance: float
    abs_error: float  # size of the difference between the claimed and the numerical values
    scale: float  # size of the gradient that the error is relative to


def within_tolerance(error: float, scale: float, error_estimate: float, rtol: float, atol: float) -> Figures:
    """Is ``error / scale <= rtol + (100 error_estimate + atol) / scale``? (Both modes decide with this.)"""
    if scale == 0:  # the analytic and the numerical gradients are both exactly zero
        return Figures(True, 0.0, rtol, error, scale)
    rel_error = error / scale
    tolerance = rtol + (_SAFETY * error_estimate + atol) / scale
    return Figures(bool(rel_error <= tolerance), rel_error, tolerance, error, scale)


def compare_gradients(
    g: np.ndarray, g_num: np.ndarray, error_estimate: float, rtol: float, atol: float = 0.0
) -> Figures:
    """The comparison that decides a full check: the claimed gradient ``g`` against the differences ``g_num``.

    The relative error ``||g - g_num|| / s``, with ``s = max(||g||, ||g_num||)``, must not exceed
    ``rtol + (100 error_estimate + atol) / s``, where ``error_estimate`` is the rounding error of ``g_num``.

    Examples
    --------
    >>> compare_gradients(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), error_estimate=1e-12, rtol=1e-6).ok
    True
    """
    error = float(np.linalg.norm(g - g_num))
    scale = float(max(np.linalg.norm(g), np.linalg.norm(g_num)))
    return within_tolerance(error, scale, error_estimate, rtol, atol)


# --- one comparison and its explanation --------------------------------------------------------------------


@dataclass(frozen=True)
class _Comparison:
    """One comparison with finite differences, with the parts of its message (second opinions add to them)."""

    ok: bool
    rel_error: float
    abs_error: float
    scale: float
    tolerance: float
    error_estimate: float
    method: str
    n_evals: int  # of this comparison
    n_directions: int | None
    worst: tuple[int, ...] | None
    how: str  # what the relative error and the tolerance are
    where: str  # e.g. "central differences over all 6 entries"
    ending: str  # the largest difference of a failure, or the caution of a loose pass
    notes: tuple[str, ...]
    remark: str = ""  # how f'' was measured, if it was
    explanations: tuple[str, ...] = ()  # why a second comparison decided
    afterwords: tuple[str, ...] = ()  # second opinions that left this verdict as it was
    earlier_evals: int = 0  # evaluations of f by other comparisons

    @property
    def total_evals(self) -> int:
        return self.n_evals + self.earlier_evals

    def result(self) -> GradientCheck:
        head = f"{'ok' if self.ok else 'NOT ok'}: relative error {self.rel_error:.2e} "
        head += f"{'<=' if self.ok else '>'} tolerance {self.tolerance:.2e}."
        more = "more " if self.explanations else ""
        total = self.total_evals
        parts = [
            head,
            *(f"{e}." for e in self.explanations),
            self.how,
            f"Checked by {self.where}, {self.n_evals} {more}evaluations of f.",
            self.remark,
            *self.afterwords,
            f"In total {total} evaluations of f." if total != self.n_evals else "",
            self.ending,
            *(f"Note: {note}." for note in self.notes if note),
        ]
        message = " ".join(p for p in parts if p)
        return GradientCheck(
            self.ok, self.rel_error, self.abs_error, self.scale, self.tolerance, self.error_estimate,
            self.method, total, self.n_directions, self.worst, message,
        )  # fmt: skip


def _judge(
    figures: Figures, error_estimate, rtol, atol, *, method, n_evals, n_directions, worst, relative_to, where, detail,
    notes, remark="",
) -> _Comparison:  # fmt: skip
    """Put the figures of a comparison into words."""
    ok, rel_error, tolerance, error, scale = figures
    extra = f" plus atol {atol:.1e}" if atol else ""
    how = (
        f"The relative error is {relative_to}; the tolerance is rtol = {rtol:.0e} plus {_SAFETY:.0f} times the "
        f"estimated rounding error {error_estimate:.1e} of the numerical values{extra}, divided by the same norm."
    )
    ending = "" if ok else detail
    if ok and tolerance > 1.0:
        ending = (
            "Caution: the gradient is below the rounding noise of the differences (as at a minimum), so this only "
            "shows that both gradients are consistent with zero; check at a point away from the minimum, or pass "
            "a step h suited to the scale of x."
        )
    elif ok and tolerance > _DECISIVE and scale > 0:  # (two exactly zero gradients agree, whatever the tolerance)
        better = "the complex step" if method == "richardson" else "Richardson differences or the complex step"
        ending = (
            f"Caution: with this tolerance a gradient with a relative error of up to {tolerance:.0%} would pass as "
            f"well; pass a step h suited to the scale of x, or use {better}."
        )
    return _Comparison(
        ok, rel_error, error, scale, tolerance, error_estimate, method, n_evals, n_directions, worst,
        how, where, ending, tuple(notes), remark,
    )  # fmt: skip


def _second_verdict(first: _Comparison, second: _Comparison, explanation: str) -> _Comparison:
    """``second``'s verdict, reported under ``first``'s method, with ``explanation`` and the total cost."""
    return replace(
        second,
        method=first.method,
        explanations=(explanation, *second.explanations),
        earlier_evals=second.earlier_evals + first.total_evals,
    )


def _stands(first: _Comparison, extra: int, remark: str) -> _Comparison:
    """``first``'s verdict, with a remark on a second opinion (of ``extra`` evaluations) that did not change it."""
    return replace(first, afterwords=(*first.afterwords, remark), earlier_evals=first.earlier_evals + extra)


class _Counted:
    """``f``, counting its calls (a second opinion that fails half-way still reports what it cost)."""

    def __init__(self, f: Callable[[np.ndarray], Any]) -> None:
        self.f, self.calls = f, 0

    def __call__(self, x: np.ndarray) -> Any:
        self.calls += 1
        return self.f(x)


# --- full mode ---------------------------------------------------------------------------------------------


def _full_error_estimate(diff: _Differences, g: np.ndarray, point: np.ndarray, curvature: float, method: str) -> float:
    """Rounding error of the numerical gradient: of the values of ``f``, and of the argument ``x``.

    ``f`` is computed at ``x + delta`` with ``|delta| ~ u |x|``. To first order this shifts each quotient by
    ``u ||g|| |x_i| / h_i``; at a minimum (``g ~ 0``) the second-order ``u |f''| ||x||`` remains.
    """
    unit = diff.rounding_unit
    noise = diff.noise + unit * curvature * np.linalg.norm(point)
    if method == "complex":  # no cancellation; allow for rounding at the natural scale |f| / |x| of a derivative
        noise = noise + unit * abs(diff.f0) / np.maximum(np.abs(point), 1.0)
    else:
        noise = noise + unit * np.linalg.norm(g) * np.maximum(np.abs(point), 1.0) / diff.steps
    return float(np.linalg.norm(noise))


def _full_verdict(diff, g, point, method, rtol, atol, notes, curvature=None, n_evals=None, remark="") -> _Comparison:
    """Judge a full check from its differences; ``curvature`` overrides the estimate of max |f''|."""
    if curvature is None:
        curvature = float(np.max(diff.curvature, initial=0.0))
    error_estimate = _full_error_estimate(diff, g, point, curvature, method)
    g_num = diff.gradient
    figures = compare_gradients(g, g_num, error_estimate, rtol, atol)
    worst, detail = None, ""
    if point.size:
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(g - g_num))), point.shape))
        detail = f"The largest difference is at entry {worst}: analytic {g[worst]:.6g} vs numerical {g_num[worst]:.6g}."
    return _judge(
        figures, error_estimate, rtol, atol,
        method=method,
        n_evals=diff.n_evals if n_evals is None else n_evals,
        n_directions=None,
        worst=worst,
        relative_to=f"||analytic - numerical|| divided by {figures.scale:.3g}, the norm of the gradient",
        where=f"{method} differences over all {point.size} entries",
        detail=detail,
        notes=notes,
        remark=remark,
    )  # fmt: skip


def _precision_note(dtype: np.dtype | None, unit: float, method: str, rtol_given: bool) -> str:
    if dtype is None:
        return ""
    note = (
        f"f returned {dtype} values, so the steps were chosen for {dtype}'s rounding unit {unit:.1e}; "
        f"{method} differences then reach a relative error of only about {unit ** _ACCURACY_EXPONENT[method]:.0e}"
    )
    if not rtol_given:
        note += f", and the default rtol was raised to {_default_rtol(method, unit):.0e}"
    return note


def _full_check(f, g, point, method, h, rtol, atol, notes, confirm: bool = True) -> _Comparison:
    """A full check; with ``confirm``, passes that cannot decide and some failures get a second opinion."""
    diff = _differences(f, point, method, h)
    unit = diff.rounding_unit
    all_notes = [*notes, _precision_note(diff.value_dtype, unit, method, rtol is not None)]
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
    if method == "complex":  # the complex step cannot see f''; measure it with central second differences
        central = _differences(f, point, "central", None)
        curvature = float(np.max(central.curvature, initial=0.0))
        remark = _curvature_remark(result, central.n_evals, "central second differences along every entry")
        n_evals = diff.n_evals + central.n_evals
        return _full_verdict(diff, g, point, method, rtol, atol, all_notes, curvature, n_evals, remark)
    return result


def _curvature_remark(first: _Comparison, extra: int, how: str) -> str:
    return (
        f"A first comparison gave relative error {first.rel_error:.2e} > tolerance {first.tolerance:.2e}; "
        "because rounding of x perturbs both gradients through the curvature f'' (which matters where the "
        f"gradient is ~0, as at a minimum), f'' was then estimated from {extra} more "
        f"evaluation{'s' if extra != 1 else ''} ({how}) and included in the error estimate."
    )


# --- second opinions ---------------------------------------------------------------------------------------


def _indecisive(result: _Comparison, unit: float, slope_ratio: float = 1.0) -> bool:
    """Whether the rounding noise loosened the tolerance so far that a wrong gradient could pass, and
    Richardson differences could do better.

    Judged on the part of the tolerance that the rounding estimate contributes (a loose ``rtol`` or ``atol``
    is the caller's choice), against 5 %; in directional mode both bounds shrink with the ratio of the
    slopes to the norm of the gradient. Richardson steps are ``u^(-2/15)`` times larger than central ones
    (about 130 in float64, 9 in float32), their rounding error that much smaller: beyond twice that even
    they could not catch a sign flip, as at a minimum.
    """
    if not result.scale > 0:
        return False
    loosening = _SAFETY * result.error_estimate / result.scale
    return _DECISIVE * slope_ratio < loosening <= 2.0 * unit ** (-2 / 15) * slope_ratio


def _same_discrepancy(first: _Comparison, second: _Comparison) -> bool:
    """Whether two comparisons measured the same relative error: within a quarter of it, or within three
    times the first one's estimated rounding noise (without the safety factor of its tolerance)."""
    noise = first.error_estimate / first.scale if first.scale > 0 else 0.0
    return abs(second.rel_error - first.rel_error) <= max(second.rel_error / 4, 3 * noise)


def _confirm_pass(f, richardson: Callable[[_Counted], _Comparison], first: _Comparison) -> _Comparison:
    """Re-judge a pass that cannot decide with Richardson differences (``richardson(counted_f)``).

    Their larger steps have less rounding error. Their pass is taken if its tolerance is tighter; their
    failure only if it confirms the discrepancy the first comparison measured: a wrong gradient looks equally
    wrong to every method, while a discrepancy that only the larger steps see is their truncation error.
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


def _confirm_forward_failure(f, g, point, h, rtol, atol, notes, forward: _Comparison) -> _Comparison:
    """Re-judge a failed forward check with central differences, which have no O(h) truncation error.

    The forward error ``h f''/2`` is not estimated; where the gradient is ~0, as at a minimum, it dominates.
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


def _confirm_failure_with_relative_steps(f, g, point, rtol, atol, notes, first: _Comparison, unit) -> _Comparison:
    """Re-judge a failure whose default steps ``c max(|x_i|, 1)`` were too large for entries of ``x`` below 1.

    A function of small variables (a quartic near its minimum at 1e-3, the log-determinant of 1e-3 A) varies
    on the scale ``|x_i|``. Richardson differences with steps ``c |x_i|`` decide instead, but only a decisive
    pass overturns the failure: a tolerance of at most 5 % and at most half the relative error first measured,
    so that the second comparison would have seen that discrepancy had it been in the gradient.
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


# --- directional mode --------------------------------------------------------------------------------------


def _directional_check(f, g, point, method, h, rtol, atol, n_directions, seed, notes) -> _Comparison:
    if method not in ("central", "richardson", "complex"):
        raise ValueError(
            f"n_directions supports method='central', 'richardson' or 'complex', not {method!r} "
            "(forward differences are too inaccurate to judge single directional derivatives)"
        )
    n_directions = positive_int("n_directions", n_directions)
    directions = np.random.default_rng(seed).standard_normal((n_directions, *point.shape))
    norms = np.sqrt(np.sum(directions.reshape(n_directions, -1) ** 2, axis=1))
    directions /= norms.reshape((-1,) + (1,) * point.ndim)
    analytic = np.array([float(np.sum(g * v)) for v in directions])
    if h is None:  # the first direction also tells the precision of f, and so the step to use
        first, t = _slope_adapting_step(
            f, point, directions[0], method, lambda unit: _direction_step(point, method, unit), "v_0"
        )
    else:
        t = _one_step(h)
        first = _slope(f, point, directions[0], method, t, "v_0")
    slopes = [first] + [_slope(f, point, v, method, t, f"v_{j}") for j, v in enumerate(directions[1:], start=1)]
    unit = first.rounding_unit
    all_notes = [*notes, _precision_note(first.value_dtype, unit, method, rtol is not None)]
    resolved_rtol = _default_rtol(method, unit) if rtol is None else rtol
    n_evals = sum(s.n_evals for s in slopes)

    def verdict(curvature: float, n_evals: int, remark: str = "") -> _Comparison:
        args = (g, point, method, resolved_rtol, atol, n_directions, seed, all_notes, analytic, slopes, unit)
        return _directional_verdict(*args, curvature=curvature, n_evals=n_evals, remark=remark)

    result = verdict(0.0, n_evals)
    if result.ok:
        largest_slope = max(float(np.max(np.abs(analytic))), max(abs(s.value) for s in slopes))
        slope_ratio = largest_slope / result.scale if result.scale > 0 else 1.0
        if h is None and method == "central" and _indecisive(result, unit, slope_ratio):

            def richardson(counted):
                return _directional_check(counted, g, point, "richardson", None, rtol, atol, n_directions, seed, notes)

            return _confirm_pass(f, richardson, result)
        return result
    # Before reporting a failure, allow for the curvature (which matters where the gradient is ~0): one more
    # evaluation, f(x), gives the second differences along every direction (2 m + 1 more for the complex step).
    f0 = _scalar_value(f(point.copy()), "x")
    extra = 1
    neighbours = slopes
    if method == "complex":
        t_real = _direction_step(point, "central", unit)
        neighbours = [_slope(f, point, v, "central", t_real, f"v_{j}") for j, v in enumerate(directions)]
        extra += sum(s.n_evals for s in neighbours)
    curvature = max(abs(s.plus - 2 * f0 + s.minus) / s.step**2 for s in neighbours)
    how = "f(x) and central second differences along each direction" if method == "complex" else "f(x)"
    return verdict(curvature, n_evals + extra, _curvature_remark(result, extra, how))


def _directional_verdict(
    g, point, method, rtol, atol, n_directions, seed, notes, analytic, slopes, unit, *, curvature, n_evals, remark
) -> _Comparison:
    xmax = max(float(np.max(np.abs(point), initial=0.0)), 1.0)
    g_norm = float(np.linalg.norm(g))
    numeric = np.array([s.value for s in slopes])
    t = slopes[0].step
    # rounding of the values of f, and of the argument x + t v (|delta| ~ u max|x|), as in the full check
    noise = np.array([s.noise for s in slopes]) + unit * g_norm * (1.0 if method == "complex" else xmax / t)
    noise = noise + unit * curvature * float(np.linalg.norm(point))
    error_estimate = float(np.max(noise))
    delta = np.abs(analytic - numeric)
    j = int(np.argmax(delta))
    scale = max(g_norm, float(np.max(np.abs(numeric))))
    return _judge(
        within_tolerance(float(delta[j]), scale, error_estimate, rtol, atol), error_estimate, rtol, atol,
        method=method,
        n_evals=n_evals,
        n_directions=n_directions,
        worst=(j,),
        relative_to=(
            f"the largest |<analytic, v> - numerical slope along v| over the directions v, divided by {scale:.3g}, "
            "the norm of the gradient (its largest slope over unit directions)"
        ),
        where=f"{method} differences along {n_directions} random unit directions (seed {seed})",
        detail=f"The largest difference is along direction {j}: analytic {analytic[j]:.6g} vs numerical "
        f"{numeric[j]:.6g}.",
        notes=notes,
        remark=remark,
    )  # fmt: skip


# --- the checker -------------------------------------------------------------------------------------------


def _call_grad(grad: Callable[[np.ndarray], Any], point: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Evaluate the claimed gradient; return it, or None and the reason it is unusable."""
    try:
        value = grad(point.copy())
    except Exception as exc:  # the checker reports, it does not crash
        return None, f"grad(x) raised {type(exc).__name__}: {exc}"
    if value is None:
        return None, "grad(x) returned a non-numeric value: None (a missing return statement?)"
    try:
        g = as_array("grad(x)", value, check_finite=False)
    except Exception as exc:  # e.g. None, a string, an object whose __array__ raises: still a verdict
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
    if not np.all(np.isfinite(g)):
        return None, f"grad(x) returned {int(np.sum(~np.isfinite(g)))} non-finite value(s)"
    return g.astype(np.float64), ""


def check_gradient(
    f: Callable[..., Any],
    grad: Callable[..., Any],
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
        Real point of any shape; a float32 ``x`` is checked in float64 and the result says so.
    method : {"central", "forward", "richardson", "complex"}
        Differencing scheme. The default is safe for any real ``f``; ``"complex"`` is more accurate but
        silently wrong for an ``f`` using abs/conj/norm/vdot.
    h : float or array_like, optional
        Step, as in :func:`matgrad.numerical_gradient`; in directional mode one positive number, the step
        along each unit direction.
    rtol : float, optional
        Relative tolerance; default :data:`DEFAULT_RTOL` of the method (raised for an ``f`` that returns
        float32 values).
    atol : float, default 0
        Extra absolute tolerance on the error.
    n_directions : int, optional
        Check ``m = n_directions`` random directional derivatives instead of every entry.
    seed : int, default 0
        Seed of the random directions.
    args : tuple, default ()
        Further arguments of ``f`` and ``grad``: ``check_gradient(matgrad.loss, matgrad.grad_W, W, args=(X, Y))``.

    Returns
    -------
    GradientCheck
        The verdict with the figures it was judged by. A ``grad`` that raises, or returns the wrong shape,
        non-numeric or non-finite values, gives ``ok=False`` with a message, not an exception; bad options,
        or an ``f`` that is not finite or not scalar near ``x``, raise.

    Examples
    --------
    >>> f = lambda x: float(np.sum(x ** 3))
    >>> check_gradient(f, lambda x: 3 * x ** 2, np.array([1.0, 2.0])).ok
    True
    >>> check_gradient(f, lambda x: 2 * x ** 2, np.array([1.0, 2.0])).ok
    False
    """
    _check_callable("f", f)
    _check_callable("grad", grad)
    f, grad = with_args(f, args), with_args(grad, args)
    _check_method(method)
    if rtol is not None:
        rtol = positive_number("rtol", rtol, allow_zero=True)
    atol = positive_number("atol", atol, allow_zero=True)
    point, note = _real_point(x)
    g, problem = _call_grad(grad, point)
    if g is None:
        nan = float("nan")
        return GradientCheck(False, nan, nan, nan, nan, nan, method, 0, n_directions, None, f"NOT ok: {problem}")
    if n_directions is None:
        return _full_check(f, g, point, method, h, rtol, atol, [note]).result()
    return _directional_check(f, g, point, method, h, rtol, atol, n_directions, seed, [note]).result()
