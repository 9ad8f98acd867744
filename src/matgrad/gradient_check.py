r"""Check an analytic gradient against finite differences, entry by entry, and diagnose a mistake.

Two modes:

* **full** (default): a numerical derivative of every entry, ``2 n + 1`` evaluations of ``f`` for
  ``n = x.size`` with central differences (``n + 1`` forward or complex, ``4 n + 1`` Richardson), plus 2
  for each entry the first pass cannot decide;
* **directional** (``n_directions=m``): ``<grad(x), v>`` against a difference quotient of ``f`` along ``m``
  seeded random unit directions ``v``, ``2 m`` evaluations whatever the size of ``x``.

**Steps.** Each entry is stepped on the scale of its own size, ``h_i = u^{1/3} |x_i|`` (``u^{1/3}`` where
``x_i = 0``) for central differences (:func:`matgrad.default_step` with ``relative=True``), so that
entries of very different sizes, or all far below 1, are each differenced on their own scale.

**The error model, per entry.** The numerical derivative ``D_i`` differs from the true one by truncation and
by rounding. The rounding error is estimated from the very values of ``f`` used (``u`` is the rounding unit
of ``f``'s values):

.. math::

   \varepsilon_i = \frac{u}{h_i}\Big(\frac{|f(x + h_i e_i)| + |f(x - h_i e_i)|}{2} + \sum_j |D_j x_j|\Big)
         + u \sqrt{c_i} \sum_j \sqrt{c_j} |x_j|

The first term is the rounding of the values of ``f``; the second the rounding of ``f``'s arguments inside
``f`` (``f`` is computed at ``x + \delta`` with ``|\delta_j| \le u |x_j|``, which moves it by
``\sum_j D_j \delta_j``); the third, which matters where the gradient is ~0 as at a minimum, the rounding of
the gradient itself, through the curvatures ``c_i = |f(x + h_i e_i) - 2 f(x) + f(x - h_i e_i)| / h_i^2``
measured from the same values (``|H_{ij}| \le \sqrt{c_i c_j}`` for a positive semi-definite Hessian). Every
term is unchanged when a variable is rescaled (``x_j \to s_j x_j``), so entries of very different sizes do
not loosen each other's tolerance, and the claimed gradient enters no tolerance.

Entry ``i`` agrees when ``|g_i - D_i| \le rtol |D_i| + K \varepsilon_i + atol`` (``K = 5`` leaves room for rounding
inside ``f``; ``rtol`` covers truncation). It is **decided** by the first pass when it agrees with a
tolerance of at most 1e-3 of its size (so that an entry 1 % off could not pass), or of 1e-6 of the largest
entry's size. Every other entry is **re-checked** with 2 more evaluations at a second step, chosen for its
doubt:

* an entry that **disagrees** gets central differences at a *smaller* step
  ``h'_i = h_i (\varepsilon_i / (2 |g_i - D_i|))^{1/3}``, which would balance truncation against rounding were the
  difference truncation (``h_i \sqrt{\varepsilon_i / (2 |g_i - D_i|)}`` for a difference of over 10 % of the entry,
  which may come from a first step that overshot the scale on which ``f`` varies). A wrong entry stays as
  wrong, while truncation (``\tau h^2``) shrinks. The entry is judged on
  ``D_i(h')``, with its truncation measured from the two differences: the ``h^2`` terms differ by
  ``|D_i(h) - D_i(h')|`` (up to rounding), of which ``D_i(h')`` carries the share ``h'^2 / (h^2 - h'^2)``;
* an entry that **agrees only loosely** (rounding noise: large ``|f|``, float32 values, a minimum) gets
  central differences at a *larger* step, ``u^{1/5} |x_i|`` or, if a decisive rounding error needs it, up
  to ``0.01 |x_i|`` (``|x_i|`` read as 1 where ``x_i = 0``). The noisy first difference cannot measure the
  truncation of that step, so it is bounded by assuming that ``f`` varies on the scale ``s = |x_i|`` of the
  entry, as the steps do: ``|f'''| \le \max(|f''|, |f'| / s) / s``, with a safety factor of 10;
* forward differences get central differences at the central step instead; the complex step, which cannot
  see the curvature, gets it from central differences of every entry when an entry fails.

A re-check whose points leave the domain of ``f`` (``f`` not finite there) leaves the entry undecided.

The check passes when no entry disagrees. Entries whose tolerance is still not decisive after the re-check
are reported as unresolved: the check cannot vouch for them.

**Directional mode** judges each slope the same way, relative to the norm of the gradient. It is cheap but
not exhaustive: the slope error of a gradient with relative error ``\rho`` along a random unit direction
is about ``\rho ||g|| z / \sqrt{n}`` with ``z`` standard normal, so with a relative tolerance ``\tau`` it
escapes one direction with probability about ``0.8 \tau \sqrt{n} / \rho`` and all ``m`` with about its
``m``-th power. Only without a tolerance would that be zero; the message says what it is for ``\rho`` =
1 %.

**Diagnosis.** When a check fails, :func:`matgrad._diagnosis.diagnose` looks for the pattern of the mistake
(a clean factor, the transposed layout, one entry, row or column, a term proportional to ``x``) and the
message says it in one sentence. **Kinks** come first: where ``f`` has no derivative (a ReLU, ``abs`` or
``max`` at its kink), a difference straddling the kink mixes the two one-sided slopes. The re-check of a
disagreeing entry sees it: the gap between the one-sided slopes, ``|f(x + h e_i) - 2 f(x) + f(x - h e_i)| / h``,
is ``|f''| h`` for a smooth ``f`` and shrinks with the step, but across a kink it is the jump of the
derivative and does not. An entry whose gap shrank less than half as much as the step (to a step at most 4
times smaller) is reported as a kink, and the pattern of a mistake is sought in the other entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import EllipsisType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_array, positive_int, positive_number
from ._diagnosis import diagnose, diagnose_slopes
from .finite_differences import (
    _check_callable,
    _check_method,
    _differences,
    _direction_step,
    _one_step,
    _real_point,
    _scalar_value,
    _slope,
    _slope_adapting_step,
    _steps,
    default_step,
    with_args,
)

__all__ = ["DEFAULT_RTOL", "GradientCheck", "check_gradient"]

#: Default relative tolerance of each method (for a float64 ``f``): well above its typical truncation error,
#: far below the relative error of a wrong entry.
DEFAULT_RTOL: dict[str, float] = {"forward": 1e-4, "central": 1e-6, "richardson": 1e-8, "complex": 1e-10}

#: The best relative error of each method is about ``u ** exponent`` (``u`` the rounding unit of ``f``).
_ACCURACY_EXPONENT: dict[str, float] = {"forward": 1 / 2, "central": 2 / 3, "richardson": 4 / 5, "complex": 1.0}

_SAFETY = 5.0  # K: room for rounding inside f, beyond the rounding of its value and arguments
_DECISIVE = 1e-3  # an entry is decided by a tolerance of at most this fraction of its size
_NEGLIGIBLE = 1e-3  # ... or of _DECISIVE times this fraction of the largest entry's size
_LOW_PRECISION_MARGIN = 40.0
_ASSUMED = 10.0  # safety factor on an assumed (not measured) truncation error
_LARGEST_STEP = 0.01  # of |x_i| (1 where x_i = 0): the largest step a re-check takes
_KINK_SHRINK = 0.25  # a kink is recognised from a re-check whose step is at most this fraction of the first


def _default_rtol(method: str, unit: float) -> float:
    """:data:`DEFAULT_RTOL`, raised for a low-precision ``f`` to 40 times the best achievable error."""
    return max(DEFAULT_RTOL[method], _LOW_PRECISION_MARGIN * unit ** _ACCURACY_EXPONENT[method])


@dataclass(frozen=True, eq=False)
class GradientCheck:
    """Result of :func:`check_gradient`; ``bool(result)`` is ``result.ok``.

    Attributes
    ----------
    ok : bool
        The verdict: no entry (or direction) differs by more than its tolerance.
    rel_error : float
        Normwise relative error ``||g - g_num|| / max(||g||, ||g_num||)`` (NaN if the check could not be
        carried out); in directional mode, the largest slope difference over the norm of the gradient.
    worst_ratio : float
        Largest ``|g_i - g_num_i| / tolerance_i``: at most 1 on a pass.
    method : str
        Differencing method of the first pass.
    n_evals : int
        Number of evaluations of ``f``, re-checks included.
    n_directions : int or None
        Number of random directions, or None for a full check.
    worst_index : tuple of int or None
        Entry (or direction) with the largest ``worst_ratio``.
    failed : tuple of tuple of int
        Entries (or directions) beyond their tolerance.
    rechecked : tuple of tuple of int
        Entries the first pass could not decide, which got a re-check of 2 more evaluations.
    unresolved : tuple of tuple of int
        Entries whose tolerance stayed above 1e-3 of their size: the check cannot vouch for them.
    diagnosis : str
        On a failure, the most likely mistake in one sentence; otherwise "".
    numerical : numpy.ndarray or None
        The numerical gradient the verdict was taken on (re-checked entries replaced), full mode only.
    tolerances : numpy.ndarray or None
        The absolute tolerance of each entry (full mode) or direction.
    message : str
        The verdict explained in words.
    """

    ok: bool
    rel_error: float
    worst_ratio: float
    method: str
    n_evals: int
    n_directions: int | None = None
    worst_index: tuple[int, ...] | None = None
    failed: tuple[tuple[int, ...], ...] = ()
    rechecked: tuple[tuple[int, ...], ...] = ()
    unresolved: tuple[tuple[int, ...], ...] = ()
    diagnosis: str = ""
    numerical: np.ndarray | None = field(default=None, repr=False)
    tolerances: np.ndarray | None = field(default=None, repr=False)
    message: str = field(default="", repr=False)

    @property
    def undecided(self) -> tuple[tuple[int, ...], ...]:
        """The entries the first pass could not decide (the same as :attr:`rechecked`)."""
        return self.rechecked

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        mode = "" if self.n_directions is None else f", n_directions={self.n_directions}"
        return (
            f"GradientCheck(ok={self.ok}, rel_error={self.rel_error:.2e}, worst_ratio={self.worst_ratio:.2g}, "
            f"method={self.method!r}, n_evals={self.n_evals}{mode})"
        )

    def __str__(self) -> str:
        return self.message

    def verdict(self) -> str:
        """The decision in one line that does not depend on the last digits of the error.

        ``"ok: all entries within tolerance (central, 13 evaluations of f)"`` or
        ``"NOT ok: 1 entry beyond tolerance (...)"``: what is printed is what was decided, entry by entry.
        """
        if math.isnan(self.rel_error):  # the check could not be carried out; the message says why
            return self.message
        head = "ok" if self.ok else "NOT ok"
        cost = f"{self.method}, {self.n_evals} evaluations of f"
        what = "entries" if self.n_directions is None else "directions"
        if self.ok:
            return f"{head}: all {what} within tolerance ({cost})"
        return f"{head}: {_count(len(self.failed), what)} beyond tolerance ({cost})"


_SINGULAR = {"entries": "entry", "directions": "direction", "slopes": "slope"}


def _count(n: int, plural: str) -> str:
    """``"1 entry"``, ``"3 entries"``, ``"1 direction"``."""
    return f"{n} {_SINGULAR[plural] if n == 1 else plural}"


# --- the error model of one entry --------------------------------------------------------------------------


def rounding_error(
    values: np.ndarray | float,
    steps: np.ndarray | float,
    numerical: np.ndarray,
    curvature: np.ndarray,
    x: np.ndarray,
    unit: float,
    entry: tuple[int, ...] | EllipsisType = ...,
) -> np.ndarray:
    """Estimated rounding error of central difference quotients (see the module documentation).

    ``values`` holds ``(|f(x + h_i e_i)| + |f(x - h_i e_i)|) / 2`` and ``steps`` the steps ``h_i``, for every
    entry (x's shape) or, with ``entry=i``, for entry ``i`` alone; ``numerical`` and ``curvature`` are the
    first pass's, for every entry.
    """
    arguments = np.sum(np.abs(numerical * x))
    root = np.sqrt(curvature)
    return unit * (values + arguments) / steps + unit * root[entry] * np.sum(root * np.abs(x))


def entry_tolerance(numerical: np.ndarray, rounding: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """The tolerance of each entry: ``rtol |D_i| + K \varepsilon_i + atol``, from the numerical side alone."""
    return rtol * np.abs(numerical) + _SAFETY * rounding + atol


def decisive(tolerance: np.ndarray, g: np.ndarray, numerical: np.ndarray) -> np.ndarray:
    """Whether each tolerance is tight enough that an entry 1 % off could not pass.

    Tight means at most 1e-3 of the entry's size, or 1e-6 of the largest entry's size (an entry that is
    ~0 next to the others is judged on the scale of the gradient).
    """
    size = np.maximum(np.abs(g), np.abs(numerical))
    floor = _NEGLIGIBLE * float(np.max(size, initial=0.0))
    return tolerance <= _DECISIVE * np.maximum(size, floor)


# --- one pass of differences, on chosen entries ------------------------------------------------------------


@dataclass
class _Pass:
    """Numerical derivatives of the entries of ``x`` and what their error model needs (x's shape)."""

    numerical: np.ndarray
    values: np.ndarray  # (|f(x + h e_i)| + |f(x - h e_i)|) / 2, or |f(x + h e_i)| and |f(x)| for forward
    curvature: np.ndarray
    steps: np.ndarray
    unit: float
    value_dtype: np.dtype | None
    f0: float
    n_evals: int


def _first_pass(f, x: np.ndarray, method: str, h) -> _Pass:
    diff = _differences(f, x, method, h, relative=True)
    values = diff.noise * diff.steps / diff.rounding_unit  # the module's estimate is u * values / h
    if method == "complex":
        values = np.zeros_like(values)  # no subtraction: the rounding of a complex step is u |D|, below
    return _Pass(
        diff.gradient.copy(), values, diff.curvature, diff.steps, diff.rounding_unit, diff.value_dtype,
        diff.f0, diff.n_evals,
    )  # fmt: skip


def _central_on(f, x: np.ndarray, index: tuple[int, ...], step: float) -> tuple[float, float, float]:
    """Central difference along one entry with the step ``step``: quotient, ``(|f+| + |f-|)/2``, ``f+ + f-``."""
    raw = []
    for sign in (1.0, -1.0):  # both evaluations first, then their checks: always 2 evaluations
        work = x.copy()
        work[index] = x[index] + sign * step
        raw.append(f(work))
    plus, minus = (_scalar_value(v, f"x {s} {step:g} e_{index}") for v, s in zip(raw, "+-", strict=True))
    return (plus - minus) / (2 * step), (abs(plus) + abs(minus)) / 2, plus + minus


# --- the full check ----------------------------------------------------------------------------------------


@dataclass
class _Entries:
    """The state of the per-entry verdicts during a full check."""

    g: np.ndarray
    x: np.ndarray
    best: np.ndarray  # the numerical derivative each verdict is taken on
    tolerance: np.ndarray
    rechecked: list[tuple[int, ...]] = field(default_factory=list)
    kinks: dict[tuple[int, ...], float] = field(default_factory=dict)  # entry -> its one-sided slope gap
    n_evals: int = 0


def _full_check(f, g, x, method, h, rtol, atol) -> tuple[_Entries, _Pass, float]:
    first = _first_pass(f, x, method, h)
    unit = first.unit
    rtol = _default_rtol(method, unit) if rtol is None else rtol
    if method == "complex":  # no subtraction, and a real perturbation of x does not reach the imaginary part
        rounding = unit * np.abs(first.numerical)
    else:
        rounding = rounding_error(first.values, first.steps, first.numerical, first.curvature, x, unit)
    rounding = np.array(rounding, dtype=np.float64)  # (an array even for a 0-d x)
    entries = _Entries(g, x, first.numerical, np.array(entry_tolerance(first.numerical, rounding, rtol, atol)))
    entries.n_evals = first.n_evals
    difference = np.abs(g - first.numerical)
    settled = (difference <= entries.tolerance) & decisive(entries.tolerance, g, first.numerical)
    unsettled = _indices(~settled)
    if method in ("central", "forward") and h is None:
        for i in unsettled:
            _recheck(f, entries, first, i, method, rtol, atol, rounding)
    elif method == "complex":
        if np.any(np.abs(g - first.numerical) > entries.tolerance):
            _recheck_complex(f, entries, first, _indices(np.ones(x.shape, bool)), rtol, atol)
    return entries, first, rtol


def _recheck_complex(f, entries: _Entries, first: _Pass, indices, rtol, atol) -> None:
    """Re-check a failed complex-step check: where the gradient is ~0 (a minimum) its own rounding matters,
    which needs the curvature of every entry; the complex step cannot see it, central differences can."""
    x, unit = entries.x, first.unit
    steps = default_step(x, "central", eps=unit)
    for i in indices:
        _, _, plus_and_minus = _central_on(f, x, i, float(steps[i]))
        first.curvature[i] = abs(plus_and_minus - 2 * first.f0) / steps[i] ** 2
        entries.rechecked.append(i)
        entries.n_evals += 2
    root = np.sqrt(first.curvature)
    for i in indices:
        e = unit * abs(first.numerical[i]) + unit * root[i] * np.sum(root * np.abs(x))
        entries.tolerance[i] = entry_tolerance(first.numerical[i], e, rtol, atol)


def _recheck(f, entries: _Entries, first: _Pass, i: tuple[int, ...], method: str, rtol, atol, rounding) -> None:
    """Re-check entry ``i`` with central differences at a second step (2 more evaluations) and judge it on them,
    with the truncation error measured from the difference between the two steps."""
    g_i, x, unit = entries.g[i], entries.x, first.unit
    D, h, e = first.numerical[i], float(first.steps[i]), float(rounding[i])
    difference = abs(g_i - D)
    if method == "forward":  # central differences at the central step: no O(h) truncation, less rounding
        step = float(_steps(x, "central", None, unit, first.value_dtype, relative=True)[i])
    elif difference <= entries.tolerance[i]:  # agrees, but loosely: rounding noise; a larger step has less
        size = max(abs(D), abs(g_i), _NEGLIGIBLE * float(np.max(np.abs(first.numerical))))
        wanted = h * 4 * _SAFETY * e / (_DECISIVE * size) if size > 0 else np.inf  # a decisive rounding error
        scale = _own_scale(float(x[i]))
        step = float(_steps(x, "richardson", None, unit, first.value_dtype, relative=True)[i])  # u^(1/5) |x_i|
        step = max(step, min(wanted, _LARGEST_STEP * scale))
        if step <= h:
            return
    else:  # disagrees. A smaller step tells truncation (which shrinks) from a wrong entry (which stays)
        step = h * min(max(_shrink(e, difference, max(abs(D), abs(g_i))), 1e-6), 0.5)
    step = float((x[i] + step) - x[i])  # so that x_i +- step is exact
    entries.rechecked.append(i)
    try:
        D2, values, plus_and_minus = _central_on(f, x, i, step)
    except ValueError:  # f is not finite (or not scalar) at the new points: the entry stays undecided
        entries.n_evals += 2
        entries.tolerance[i] = max(entries.tolerance[i], difference, 2 * _DECISIVE * max(abs(D), abs(g_i)))
        return
    entries.n_evals += 2
    if step > h:  # the curvature at the larger step has less rounding error
        first.curvature[i] = abs(plus_and_minus - 2 * first.f0) / step**2
    e2 = rounding_error(values, step, first.numerical, first.curvature, x, unit, entry=i)
    entries.best[i] = D2
    if method == "central" and step <= _KINK_SHRINK * h:
        gap = abs(plus_and_minus - 2 * first.f0) / step  # |D+ - D-|, the one-sided slopes at the smaller step
        if _kinked(first.curvature[i] * h, gap, step / h, abs(g_i - D2), e2):
            entries.kinks[i] = gap
    truncation = _truncation(method, D, D2, h, step, e, e2, x[i], first.curvature[i])
    entries.tolerance[i] = entry_tolerance(D2, e2, rtol, atol) + truncation


def _kinked(gap_h: float, gap: float, shrink: float, difference: float, rounding: float) -> bool:
    """Whether the gap between the one-sided slopes, ``gap_h`` at the first step and ``gap`` at a step
    ``shrink <= 1/4`` times as large, shows a kink. For a smooth f the gap is ``|f''| h`` and shrinks with the
    step; across a kink it is the jump of the derivative (times the fraction of the step beyond the kink),
    which does not shrink with the step. A kink is named when the gap shrank less than half as much as the
    step, stands far above rounding, and is large enough to explain the entry's disagreement."""
    return gap >= 2 * shrink * gap_h and gap > 20 * _SAFETY * rounding and gap >= 0.5 * difference


def _kink_sentence(kinks: dict[tuple[int, ...], float], failed: tuple[tuple[int, ...], ...]) -> str:
    at = tuple(i for i in failed if i in kinks)
    if not at:
        return ""
    worst = max(at, key=lambda i: kinks[i])
    return (
        f"At {_count(len(at), 'entries')} ({_entry_list(at)}) f has a kink: the gap between its one-sided slopes "
        f"(up to {kinks[worst]:.2g}) did not shrink with the step as a smooth f's does. So it is across the kink "
        "of a ReLU, abs or max, where f has no derivative and a central difference mixes the two sides. Check at "
        "a point away from the kink, or with a smooth surrogate."
    )


def _shrink(e: float, difference: float, size: float) -> float:
    """How much smaller the re-check's step is than the first, for an entry that disagrees by ``difference``.

    Were the difference truncation, ``tau h^2``, the step ``h (e / 2 difference)^(1/3)`` would balance it
    against the rounding error ``e h / step``. A gross difference (over 10 % of the entry) may instead come
    from a first step that overshot the scale on which f varies, where the h^2 law fails: then the step
    shrinks further, by ``(e / 2 difference)^(1/2)``.
    """
    ratio = e / (2 * difference)
    return math.sqrt(ratio) if difference > 0.1 * size else ratio ** (1 / 3)


def _own_scale(x_i: float) -> float:
    """The scale an entry is stepped on: ``|x_i|``, or 1 where ``x_i = 0``."""
    return abs(x_i) if x_i != 0 else 1.0


def _truncation(method: str, D, D2, h: float, step: float, e: float, e2: float, x_i, curvature) -> float:
    """A bound on the truncation error of the re-check's difference ``D2`` (step ``step``; ``D`` at ``h``)."""
    if method == "forward":
        return 0.0  # (judged with rtol, as a first pass of central differences would be)
    if step < h:
        # the O(h^2) truncation errors at the two steps differ by |D - D2| (up to the rounding of both), of which
        # D2's share is step^2 / (h^2 - step^2)
        return (abs(D - D2) + _SAFETY * (e + e2)) * step**2 / (h**2 - step**2)
    # a larger step: D is too noisy to measure the truncation of D2. Assume that f varies on the scale
    # s = |x_i| of the entry, as the steps do: |f'''| <= max(|f''|, |f'| / s) / s
    scale = _own_scale(float(x_i))
    return _ASSUMED * step**2 * max(curvature, abs(D2) / scale) / (6 * scale)


def _full_result(f, g, x, method, h, rtol, atol, note) -> GradientCheck:
    entries, first, rtol = _full_check(f, g, x, method, h, rtol, atol)
    best, tolerance = entries.best, entries.tolerance
    difference = np.abs(g - best)
    ratio = np.divide(difference, tolerance, out=np.zeros_like(difference), where=tolerance > 0)
    ratio[(tolerance == 0) & (difference > 0)] = np.inf
    failed = _indices(ratio > 1)
    unresolved = _indices(~decisive(tolerance, g, best) & (ratio <= 1))
    ok = not failed
    scale = float(max(np.linalg.norm(g), np.linalg.norm(best)))
    rel_error = float(np.linalg.norm(g - best)) / scale if scale > 0 else 0.0
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), x.shape)) if x.size else None
    worst_ratio = float(np.max(ratio, initial=0.0))
    diagnosis = "" if ok else _failure_diagnosis(g, best, x, tolerance, entries.kinks, failed)
    message = _full_message(
        ok, rel_error, worst_ratio, worst, g, best, tolerance, method, entries, failed, unresolved, first, rtol,
        diagnosis, note,
    )  # fmt: skip
    return GradientCheck(
        ok, rel_error, worst_ratio, method, entries.n_evals, None, worst, failed, tuple(entries.rechecked),
        unresolved, diagnosis, best, tolerance, message,
    )  # fmt: skip


def _failure_diagnosis(g, best, x, tolerance, kinks, failed) -> str:
    """The kink, if the failed entries sit on one, else the pattern of the mistake (:func:`diagnose`)."""
    kink = _kink_sentence(kinks, failed)
    if kink and all(i in kinks for i in failed):
        return kink
    away = np.ones(x.shape, bool)
    for i in kinks:
        away[i] = False  # the pattern of the mistake is sought in the entries away from the kinks only
    pattern = diagnose(np.where(away, g, 0.0), np.where(away, best, 0.0), np.where(away, x, 0.0), tolerance).sentence
    return f"{kink} {pattern}" if kink else pattern


def _indices(mask: np.ndarray) -> tuple[tuple[int, ...], ...]:
    return tuple(index for index in np.ndindex(mask.shape) if mask[index])


def _entry_list(indices: tuple[tuple[int, ...], ...], limit: int = 5) -> str:
    shown = ", ".join(str(i[0]) if len(i) == 1 else str(i) for i in indices[:limit])
    return shown + (f" and {len(indices) - limit} more" if len(indices) > limit else "")


def _full_message(
    ok, rel_error, worst_ratio, worst, g, best, tolerance, method, entries, failed, unresolved, first, rtol,
    diagnosis, note,
) -> str:  # fmt: skip
    n = g.size
    if ok:
        head = f"ok: all {n} entries agree with {method} differences within their tolerances"
        head += f" (the closest call used {worst_ratio:.2g} of its tolerance); normwise relative error {rel_error:.2e}."
    else:
        head = (
            f"NOT ok: {len(failed)} of {_count(n, 'entries')} differ from {method} differences by more than their "
            "tolerance "
            f"(normwise relative error {rel_error:.2e})."
        )
    parts = [head]
    if not ok and worst is not None:
        parts.append(
            f"The worst is entry {worst}: analytic {g[worst]:.4g} vs numerical {best[worst]:.4g}, a difference "
            f"{worst_ratio:.3g} times its tolerance {tolerance[worst]:.2e}."
        )
    if diagnosis:
        parts.append(diagnosis)
    parts.append(
        f"Each entry's tolerance is rtol = {rtol:.0e} of its size plus {_SAFETY:.0f} times the rounding error "
        "estimated from the values of f."
    )
    evals = f"{first.n_evals} evaluations of f"
    if entries.rechecked:
        evals += (
            f", then {entries.n_evals - first.n_evals} more to re-check "
            f"{_count(len(entries.rechecked), 'entries')} the first pass could not decide "
            f"({_entry_list(tuple(entries.rechecked))})"
        )
    parts.append(f"Cost: {evals}.")
    if unresolved:
        parts.append(
            f"Caution: {_count(len(unresolved), 'entries')} ({_entry_list(unresolved)}) have a tolerance above "
            "1e-3 of their size, so an error of a few per cent there would pass: the rounding noise of f is "
            "large next to them (as at a minimum, or for an f computed in float32), or f was not finite at their "
            "re-check's points. Check at another point, "
            "or in float64."
        )
    precision = _precision_note(first.value_dtype, first.unit, method)
    parts += [f"Note: {text}." for text in (note, precision) if text]
    return " ".join(parts)


def _precision_note(dtype: np.dtype | None, unit: float, method: str) -> str:
    if dtype is None:
        return ""
    return (
        f"f returned {dtype} values, so the steps and the default rtol were chosen for {dtype}'s rounding "
        f"unit {unit:.1e}; {method} differences then reach a relative error of only about "
        f"{unit ** _ACCURACY_EXPONENT[method]:.0e}"
    )


# --- directional mode --------------------------------------------------------------------------------------


def _directional_result(f, g, x, method, h, rtol, atol, n_directions, seed, note) -> GradientCheck:
    if method not in ("central", "richardson", "complex"):
        raise ValueError(
            f"n_directions supports method='central', 'richardson' or 'complex', not {method!r} "
            "(forward differences are too inaccurate to judge single directional derivatives)"
        )
    m = positive_int("n_directions", n_directions)
    directions = np.random.default_rng(seed).standard_normal((m, *x.shape))
    directions /= np.sqrt(np.sum(directions.reshape(m, -1) ** 2, axis=1)).reshape((-1,) + (1,) * x.ndim)
    analytic = np.array([float(np.sum(g * v)) for v in directions])
    if h is None:  # the first direction also tells the precision of f, and so the step to use
        first, t = _slope_adapting_step(f, x, directions[0], method, lambda u: _direction_step(x, method, u), "v_0")
    else:
        t = _one_step(h)
        first = _slope(f, x, directions[0], method, t, "v_0")
    slopes = [first] + [_slope(f, x, v, method, t, f"v_{j}") for j, v in enumerate(directions[1:], start=1)]
    unit = first.rounding_unit
    rtol = _default_rtol(method, unit) if rtol is None else rtol
    numeric = np.array([s.value for s in slopes])
    n_evals = sum(s.n_evals for s in slopes)
    scale = max(float(np.linalg.norm(g)), float(np.max(np.abs(numeric))))
    # rounding of the values and of the arguments (first order), as in the full check
    arguments = float(np.sum(np.abs(g * x)))
    rounding = np.array([s.noise for s in slopes]) + unit * arguments * (1.0 if method == "complex" else 1 / t)
    tolerance = rtol * scale + _SAFETY * rounding + atol
    difference = np.abs(analytic - numeric)
    remark = ""
    if np.any(difference > tolerance):
        # re-check: where the gradient is ~0 (a minimum) the rounding of the gradient itself matters. f(x) gives
        # the curvature along every direction from the values already computed (the complex step needs central
        # differences along each direction as well)
        f0 = _scalar_value(f(x.copy()), "x")
        neighbours = slopes
        if method == "complex":
            t_real = _direction_step(x, "central", unit)
            neighbours = [_slope(f, x, v, "central", t_real, f"v_{j}") for j, v in enumerate(directions)]
        extra = 1 + (sum(s.n_evals for s in neighbours) if method == "complex" else 0)
        n_evals += extra
        curvature = np.array([abs(s.plus - 2 * f0 + s.minus) / s.step**2 for s in neighbours])
        tolerance = tolerance + _SAFETY * unit * curvature * float(np.linalg.norm(x))
        remark = (
            "A slope beyond its tolerance made the check measure the curvature along each direction "
            f"({extra} more evaluation{'s' if extra > 1 else ''}{', f(x)' if extra == 1 else ''})."
        )
    ratio = np.divide(difference, tolerance, out=np.zeros_like(difference), where=tolerance > 0)
    failed = tuple((int(j),) for j in np.nonzero(difference > tolerance)[0])
    ok = not failed
    j = int(np.argmax(ratio))
    rel_error = float(difference[j] / scale) if scale > 0 else 0.0
    diagnosis = "" if ok else diagnose_slopes(analytic, numeric, tolerance).sentence
    tau = float(np.max(tolerance)) / scale if scale > 0 else math.inf
    escape = min(1.0, 0.8 * tau * math.sqrt(x.size) / 0.01) ** m
    head = (
        f"ok: the slopes along {m} random unit directions (seed {seed}) agree with {method} differences within "
        f"their tolerances (relative error {rel_error:.2e} of the gradient's norm)."
        if ok
        else f"NOT ok: {len(failed)} of {m} slopes differ from {method} differences by more than their tolerance "
        f"(relative error {rel_error:.2e} of the gradient's norm)."
    )
    parts = [head]
    if not ok:
        parts.append(f"The worst is along direction {j}: analytic {analytic[j]:.4g} vs numerical {numeric[j]:.4g}.")
    parts += [diagnosis, remark, f"Cost: {n_evals} evaluations of f."]
    if ok:
        parts.append(
            f"A directional check is not exhaustive: with a relative tolerance of {tau:.1e}, a gradient with a "
            f"relative error of 1 % would pass all {m} directions with probability about {escape:.0e}."
        )
    precision = _precision_note(first.value_dtype, unit, method)
    parts += [f"Note: {text}." for text in (note, precision) if text]
    return GradientCheck(
        ok, rel_error, float(ratio[j]), method, n_evals, m, (j,), failed, (), (), diagnosis, None, tolerance,
        " ".join(p for p in parts if p),
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
    except Exception as exc:  # e.g. a string, an object whose __array__ raises: still a verdict
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
    """Compare an analytic gradient with finite differences of ``f``, entry by entry.

    Parameters
    ----------
    f : callable
        Real scalar function, ``f(x, *args) -> float``.
    grad : callable
        Claimed gradient, ``grad(x, *args) -> array`` of ``x``'s shape (denominator layout).
    x : array_like
        Real point of any shape; a float32 ``x`` is checked in float64 and the result says so. Check at a
        generic random point: at ``x = 0`` or on symmetric data whole classes of mistakes vanish.
    method : {"central", "forward", "richardson", "complex"}
        Differencing scheme. The default is safe for any real ``f``; ``"complex"`` is more accurate but
        silently wrong for an ``f`` using abs/conj/norm/vdot.
    h : float or array_like, optional
        Step, as in :func:`matgrad.numerical_gradient` (then no entry is re-checked); in directional mode
        one positive number, the step along each unit direction.
    rtol : float, optional
        Relative tolerance of each entry; default :data:`DEFAULT_RTOL` of the method (raised for an ``f``
        that returns float32 values).
    atol : float, default 0
        Extra absolute tolerance of each entry.
    n_directions : int, optional
        Check ``m = n_directions`` random directional derivatives instead of every entry.
    seed : int, default 0
        Seed of the random directions.
    args : tuple, default ()
        Further arguments of ``f`` and ``grad``: ``check_gradient(matgrad.loss, matgrad.grad_W, W, args=(X, Y))``.

    Returns
    -------
    GradientCheck
        The verdict with the figures it was judged by and, on a failure, a diagnosis. A ``grad`` that raises,
        or returns the wrong shape, non-numeric or non-finite values, gives ``ok=False`` with a message, not
        an exception; bad options, or an ``f`` that is not finite or not scalar near ``x``, raise.

    Examples
    --------
    >>> f = lambda x: float(np.sum(x ** 3))
    >>> check_gradient(f, lambda x: 3 * x ** 2, np.array([1.0, 2.0])).ok
    True
    >>> check_gradient(f, lambda x: 6 * x ** 2, np.array([1.0, 2.0])).diagnosis[:42]
    'The analytic gradient is 2 times the numer'
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
        return GradientCheck(False, nan, nan, method, 0, n_directions, message=f"NOT ok: {problem}")
    if n_directions is None:
        return _full_result(f, g, point, method, h, rtol, atol, note)
    return _directional_result(f, g, point, method, h, rtol, atol, n_directions, seed, note)
