r"""Numerical gradients of a scalar function by finite differences, written by hand.

This module is part of the book's subject (how a derived gradient is checked),
so it is implemented here explicitly rather than taken from a library.

For a scalar function ``f`` of an array ``x`` and a step ``h`` along entry ``i``
(``e_i`` is the array that is 1 at entry ``i`` and 0 elsewhere):

========================  ==================================================  ==========  ==============
method                    formula for ``df/dx_i``                             error       evals / entry
========================  ==================================================  ==========  ==============
``"forward"``             ``(f(x + h e_i) - f(x)) / h``                       ``O(h)``    1 (+1 shared)
``"central"``             ``(f(x + h e_i) - f(x - h e_i)) / (2h)``            ``O(h^2)``  2
``"richardson"``          ``(4 D(h) - D(2h)) / 3`` with ``D`` central         ``O(h^4)``  4
``"complex"``             ``Im f(x + i h e_i) / h``                           ``O(h^2)``  1
========================  ==================================================  ==========  ==============

(one more evaluation, ``f(x)``, is shared by all entries). Each truncation error
comes from Taylor's theorem: with ``M_j`` a bound of the ``j``-th derivative
near ``x`` and ``u`` the rounding unit of the values of ``f`` (``eps = 2.2e-16``
in float64), the total error of one entry is about

* forward:    ``h M_2 / 2   + 2 u |f| / h``, smallest at ``h ~ u^(1/2)``, error ``~ u^(1/2)``;
* central:    ``h^2 M_3 / 6 + u |f| / h``, smallest at ``h ~ u^(1/3)``, error ``~ u^(2/3)``;
* Richardson: ``h^4 M_5 / 30 + 1.5 u |f| / h``, smallest at ``h ~ u^(1/5)``, error ``~ u^(4/5)``;
* complex:    ``h^2 M_3 / 6 + u |f'|`` (no subtraction, no cancellation): take ``h`` tiny.

Default steps: ``h_i = c * max(|x_i|, 1)`` with ``c = u^(1/2)``, ``u^(1/3)``,
``u^(1/5)`` and ``1e-20`` respectively. Each step is rounded so that ``x_i + h_i``
is exactly representable, which removes one source of rounding error. The
rounding unit ``u`` is float64's unless ``f`` returns values of a lower
precision (e.g. ``numpy.float32``), in which case the steps are chosen for that
precision: the best achievable accuracy is then ``u^(2/3) ~ 2e-5`` (central)
instead of ``4e-11``. A float64 step used on a float32 function gives an error
of order ``u32 |f| / h ~ 1e-2``.

Measured on the functions of :mod:`matgrad.examples` (``benchmarks/checker_accuracy.py``),
the worst normwise relative errors are about ``4e-7`` (forward), ``3e-10`` (central),
``3e-12`` (Richardson) and ``3e-16`` (complex step). The constant in front of
``u^(1/5)`` was measured too: the optimum of ``h^4 M_5 / 30 + 1.5 u |f| / h`` is
``h = (11.25 u |f| / M_5)^(1/5)``, and over 20 seeds of those functions the
constants 0.5, 1 and 1.5 give worst errors of 7e-12, 4e-12 and 2e-11 (the trace
of an inverse, with its large fifth derivative, is the limiting case); 1 is kept.

.. warning::
   The complex-step method silently gives wrong answers for functions that are
   not the analytic continuation of the real function: anything that uses
   ``abs``, ``np.conj``, ``np.linalg.norm``, ``np.vdot``, ``np.real``/``np.imag``
   of the input, or branches whose *result* is not analytic.
   ``numerical_gradient`` raises ``ValueError`` when ``f`` returns a real number
   for complex input (``abs``, ``norm`` at the end), but it cannot detect
   ``conj`` or ``vdot`` (which return a complex number with the wrong imaginary
   part) or an ``abs`` inside a sum. Use it only for functions written as plain
   arithmetic, such as :func:`matgrad.loss`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._old_checks import as_numeric_array

__all__ = ["METHODS", "default_step", "directional_difference", "numerical_gradient"]

EPS = float(np.finfo(np.float64).eps)

#: Supported methods and the exponent ``p`` of the default step ``eps**p``.
METHODS: dict[str, float | None] = {"forward": 1 / 2, "central": 1 / 3, "richardson": 1 / 5, "complex": None}

_COMPLEX_STEP = 1e-20


def _check_method(method: str) -> None:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, not {method!r}")


def _step_constant(method: str, eps: float) -> float:
    exponent = METHODS[method]
    return _COMPLEX_STEP if exponent is None else eps**exponent


def default_step(x: ArrayLike, method: str = "central", *, eps: float | None = None) -> np.ndarray:
    """Default finite-difference step for every entry of ``x``.

    Parameters
    ----------
    x : array_like
        Point at which the derivative is taken.
    method : {"forward", "central", "richardson", "complex"}
        Differencing method.
    eps : float, optional
        Rounding unit of the arithmetic in which ``f`` is evaluated; default
        float64's ``2.2e-16``. Pass ``np.finfo(np.float32).eps`` for a function
        evaluated in single precision.

    Returns
    -------
    numpy.ndarray
        Array of steps with the shape of ``x``: ``c * max(|x_i|, 1)``, where
        ``c`` is ``sqrt(eps)``, ``eps**(1/3)``, ``eps**(1/5)`` or ``1e-20``.

    Examples
    --------
    >>> default_step([0.5, -4.0], "central").tolist() == [EPS ** (1 / 3), 4 * EPS ** (1 / 3)]
    True
    """
    _check_method(method)
    x, _ = _as_real_point(x)
    if eps is None:
        eps = EPS
    elif isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a real number (a rounding unit in (0, 1)), got {eps!r}")
    elif not 0 < eps < 1:
        raise ValueError(f"eps must be a rounding unit in (0, 1), got {eps!r}")
    return _step_constant(method, float(eps)) * np.maximum(np.abs(x), 1.0)


def _tiny(value_dtype: np.dtype | None) -> float:
    """Smallest normal number of the values of ``f``: below it, rounding errors are absolute, ``u * tiny``."""
    return float(np.finfo(np.float64 if value_dtype is None else value_dtype).tiny)


def _rounding_unit(value: Any) -> tuple[float, np.dtype | None]:
    """Rounding unit of the numbers ``f`` returned, and their dtype if coarser than float64."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype.kind in "fc":
        unit = float(np.finfo(dtype).eps)
        if unit > EPS:
            return unit, dtype
    return EPS, None


def _scalar_value(value: Any, where: str, allow_complex: bool) -> float | complex:
    """Turn what ``f`` returned into a Python scalar, or fail with a clear message."""
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"f must return a scalar, but at {where} it returned an array of shape {arr.shape}")
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"f must return a number, but at {where} it returned {value!r}")
    scalar = arr.reshape(()).item()
    if isinstance(scalar, complex) and not allow_complex:
        if scalar.imag != 0:
            raise ValueError(f"f must be real-valued, but at {where} it returned {scalar!r}")
        scalar = scalar.real
    if not np.isfinite(scalar):
        raise ValueError(f"f is not finite at {where}: it returned {scalar!r}")
    return scalar


def _complex_value(value: Any, where: str) -> complex:
    """What ``f`` returned at a complex point; it must still carry an imaginary part."""
    scalar = _scalar_value(value, where, allow_complex=True)
    if not isinstance(scalar, complex):
        raise ValueError(
            f"complex step: at {where} f returned a real number for complex input, so its imaginary part "
            "was discarded (abs, np.real, np.linalg.norm, float()?); use method='central'"
        )
    return scalar


@dataclass(frozen=True)
class _Differences:
    """Everything one pass of finite differences produced (used by the checker)."""

    gradient: np.ndarray
    f0: float
    n_evals: int
    noise: np.ndarray  # estimated rounding error of each gradient entry
    curvature: np.ndarray  # |d^2 f / dx_i^2| estimated from the same values (0 if unknown)
    steps: np.ndarray  # the steps actually used
    rounding_unit: float = EPS  # of the values of f
    value_dtype: np.dtype | None = None  # dtype of the values of f when coarser than float64


def _round_steps(x: np.ndarray, steps: np.ndarray, value_dtype: np.dtype | None) -> np.ndarray:
    """Round each step so that ``x + h`` is exactly representable: ``h = (x + h) - x``.

    When ``f`` computes in a coarser precision and ``x`` is representable in it (a float32 point,
    say), ``x + h`` is made representable in that precision too, so that ``f`` sees the exact step.
    """
    if value_dtype is not None and value_dtype.kind == "f":
        with np.errstate(over="ignore"):
            if np.all(x.astype(value_dtype) == x):
                rounded = (x + steps).astype(value_dtype).astype(np.float64) - x
                if np.all(np.isfinite(rounded)) and np.all(rounded != 0):
                    return rounded
    return (x + steps) - x


def _steps(
    x: np.ndarray, method: str, h: ArrayLike | None, eps: float = EPS, value_dtype: np.dtype | None = None
) -> np.ndarray:
    if h is None:
        steps = default_step(x, method, eps=eps)
    else:
        if isinstance(h, (bool, np.bool_)) or np.asarray(h).dtype.kind == "b":
            raise TypeError(f"h must be a positive number or array of steps, not a boolean: {h!r}")
        steps = as_numeric_array("h", h, opt_out="")
        if steps.dtype.kind == "c" or np.any(steps <= 0):
            raise ValueError(f"h must be positive and real, got {h!r}")
        try:
            steps = np.broadcast_to(steps, x.shape).astype(np.float64)
        except ValueError:
            raise ValueError(f"h has shape {steps.shape}, which does not broadcast to x's shape {x.shape}") from None
    if method != "complex":
        steps = _round_steps(x, steps, value_dtype)
        if np.any(steps == 0):
            raise ValueError("a step h is too small to change x in floating point")
    return steps


def _differences(f: Callable[[np.ndarray], Any], x: np.ndarray, method: str, h: ArrayLike | None) -> _Differences:
    """Finite-difference gradient of ``f`` at ``x`` (float64 array) with diagnostics."""
    _check_method(method)
    raw0 = f(x.copy())
    unit, value_dtype = _rounding_unit(raw0)
    f0 = _scalar_value(raw0, "x", allow_complex=False)
    steps = _steps(x, method, h, unit, value_dtype)
    tiny = _tiny(value_dtype)  # the rounding error of a value v is about u (|v| + tiny), also for subnormal v
    n = x.size
    grad = np.empty(n)
    noise = np.zeros(n)
    curvature = np.zeros(n)
    n_evals = 1
    flat_steps = steps.reshape(-1)

    def result() -> _Differences:
        shape = x.shape
        return _Differences(
            grad.reshape(shape),
            f0,
            n_evals,
            noise.reshape(shape),
            curvature.reshape(shape),
            steps,
            unit,
            value_dtype,
        )

    if method == "complex":
        work = x.astype(np.complex128)
        flat = work.reshape(-1)
        for i in range(n):
            hi = flat_steps[i]
            flat[i] = x.flat[i] + 1j * hi
            fi = _complex_value(f(work), f"x + {hi:g}i e_{i}")
            flat[i] = x.flat[i]
            grad[i] = fi.imag / hi
            noise[i] = unit * (abs(grad[i]) + tiny / hi)
        n_evals += n
        return result()

    work = x.copy()
    flat = work.reshape(-1)

    def at(i: int, offset: float) -> float:
        flat[i] = x.flat[i] + offset
        value = _scalar_value(f(work), f"x {'+' if offset > 0 else '-'} {abs(offset):g} e_{i}", allow_complex=False)
        flat[i] = x.flat[i]
        return value

    for i in range(n):
        hi = flat_steps[i]
        if method == "forward":
            fp = at(i, hi)
            grad[i] = (fp - f0) / hi
            noise[i] = unit * (abs(fp) + abs(f0) + 2 * tiny) / hi
            n_evals += 1
            continue
        fp, fm = at(i, hi), at(i, -hi)
        n_evals += 2
        d1 = (fp - fm) / (2 * hi)
        curvature[i] = abs(fp - 2 * f0 + fm) / hi**2
        noise[i] = unit * (abs(fp) + abs(fm) + 2 * tiny) / (2 * hi)
        if method == "central":
            grad[i] = d1
        else:  # Richardson: combine D(h) and D(2h) to cancel the h^2 error term
            fpp, fmm = at(i, 2 * hi), at(i, -2 * hi)
            n_evals += 2
            d2 = (fpp - fmm) / (4 * hi)
            grad[i] = (4 * d1 - d2) / 3
            near, far = abs(fp) + abs(fm) + 2 * tiny, abs(fpp) + abs(fmm) + 2 * tiny
            noise[i] = unit * (4 * near / (2 * hi) + far / (4 * hi)) / 3
    return result()


@dataclass(frozen=True)
class _Slope:
    """A finite-difference slope of ``f`` along one direction (used by the checker)."""

    value: float
    noise: float  # estimated rounding error of ``value``
    n_evals: int
    rounding_unit: float
    value_dtype: np.dtype | None
    plus: float | None = None  # f(x + t v), for a second difference (central and Richardson)
    minus: float | None = None  # f(x - t v)
    step: float = 0.0  # t


def _direction_step(x: np.ndarray, method: str, eps: float) -> float:
    """Step along a unit direction: ``c * max(max_i |x_i|, 1)``, every coordinate moves by at most that."""
    return _step_constant(method, eps) * max(float(np.max(np.abs(x), initial=0.0)), 1.0)


def _slope(f: Callable[[np.ndarray], Any], x: np.ndarray, v: np.ndarray, method: str, t: float, label: str) -> _Slope:
    """Difference quotient of ``f`` at ``x`` along ``v`` with step ``t``."""
    units: list[tuple[float, np.dtype | None]] = []

    def at(s: float) -> float:
        raw = f(x + s * v)
        units.append(_rounding_unit(raw))
        return _scalar_value(raw, f"x {'+' if s >= 0 else '-'} {abs(s):g} {label}", allow_complex=False)

    if method == "complex":
        raw = f(x + (1j * t) * v)
        units.append(_rounding_unit(raw))
        value = _complex_value(raw, f"x + {t:g}i {label}").imag / t
        unit = max(u for u, _ in units)
        return _Slope(value, unit * (abs(value) + _tiny(units[0][1]) / t), 1, unit, units[0][1], step=t)
    fm = fpp = fmm = None
    if method == "forward":
        f0, fp = at(0.0), at(t)
    else:
        fp, fm = at(t), at(-t)
        if method == "richardson":
            fpp, fmm = at(2 * t), at(-2 * t)
    unit = max(u for u, _ in units)
    dtype = next((d for _, d in units if d is not None), None)
    tiny = _tiny(dtype)  # the rounding error of a value v is about u (|v| + tiny), also for subnormal v
    if method == "forward":
        value = (fp - f0) / t
        scale = (abs(fp) + abs(f0) + 2 * tiny) / t
        return _Slope(value, unit * scale, len(units), unit, dtype, step=t)
    value = (fp - fm) / (2 * t)
    scale = (abs(fp) + abs(fm) + 2 * tiny) / (2 * t)
    if method == "richardson":
        value = (4 * value - (fpp - fmm) / (4 * t)) / 3
        scale = (4 * scale + (abs(fpp) + abs(fmm) + 2 * tiny) / (4 * t)) / 3
    return _Slope(value, unit * scale, len(units), unit, dtype, fp, fm, t)


def _slope_adapting_step(
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    v: np.ndarray,
    method: str,
    step: Callable[[float], float],
    label: str,
) -> tuple[_Slope, float]:
    """:func:`_slope` with the step ``step(eps)``, redone once if ``f`` turns out to compute in low precision.

    ``step`` maps a rounding unit to a step. Returns the slope (its ``n_evals`` includes a
    discarded first attempt, if any) and the step used.
    """
    t = step(EPS)
    first = _slope(f, x, v, method, t, label)
    if first.rounding_unit == EPS:
        return first, t
    t = step(first.rounding_unit)
    again = _slope(f, x, v, method, t, label)
    return replace(again, n_evals=first.n_evals + again.n_evals), t


def _as_real_point(x: ArrayLike) -> tuple[np.ndarray, str]:
    """Convert the evaluation point to float64; return a note if its precision was raised."""
    arr = as_numeric_array("x", x, opt_out="")
    if arr.dtype.kind == "c":
        raise ValueError("x must be real: finite differences here differentiate real functions of real input")
    note = ""
    if arr.dtype != np.float64:
        note = f"x had dtype {arr.dtype}; it was converted to float64 for differencing"
        arr = arr.astype(np.float64)
    return arr, note


def _positive_step(h: object) -> float:
    """A step given as one number: finite and positive, or a clear error naming ``h``."""
    if np.ndim(h) != 0:
        raise ValueError(f"h must be a positive number (one step), but it has shape {np.shape(h)}")
    if isinstance(h, np.ndarray):
        h = h[()]
    if isinstance(h, (bool, np.bool_)) or not isinstance(h, numbers.Real):
        raise TypeError(f"h must be a positive number, got {h!r} of type {type(h).__name__}")
    t = float(h)
    if not (math.isfinite(t) and t > 0):
        raise ValueError(f"h must be a finite positive number, got {h!r}")
    return t


def _check_callable(f: Any) -> None:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")


def with_args(fn: Callable[..., Any], args: tuple) -> Callable[[np.ndarray], Any]:
    """``fn`` with its further arguments bound: ``x -> fn(x, *args)`` (``fn`` itself for no arguments)."""
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple of further arguments, got {type(args).__name__}")
    return (lambda x: fn(x, *args)) if args else fn


def numerical_gradient(
    f: Callable[[np.ndarray], Any],
    x: ArrayLike,
    *,
    method: str = "central",
    h: ArrayLike | None = None,
    args: tuple = (),
) -> np.ndarray:
    """Gradient of a real scalar function by finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``. It is called with float64 arrays of ``x``'s shape
        (complex128 for ``method="complex"``) and must not keep them.
    x : array_like
        Point of any shape. Integer and float32 input is converted to float64.
    method : {"central", "forward", "richardson", "complex"}
        Differencing scheme; see the module documentation for formulas,
        errors and costs. The default, ``"central"``, is safe for any real ``f``.
    h : float or array_like, optional
        Absolute step (a scalar, or one step per entry). The default is
        :func:`default_step`, for the precision of the values ``f`` returns
        (float32 values get float32 steps).
    args : tuple, default ()
        Further arguments: ``f(x, *args)`` is differentiated with respect to ``x``.

    Returns
    -------
    numpy.ndarray
        Array of ``x``'s shape (float64).

    Raises
    ------
    TypeError
        If ``f`` is not callable, ``x`` or ``h`` is not numeric (a boolean ``h``
        included), or ``f`` returns something that is not a number.
    ValueError
        For an unknown method, a bad step, non-finite ``x``, ``f`` returning a
        non-scalar or a non-finite value, or, with ``"complex"``, ``f`` discarding
        the imaginary part.

    Examples
    --------
    >>> import numpy as np
    >>> g = numerical_gradient(lambda x: np.sum(x * x), np.array([1.0, -2.0]))
    >>> np.allclose(g, [2.0, -4.0])
    True
    """
    _check_callable(f)
    point, _ = _as_real_point(x)
    return _differences(with_args(f, args), point, method, h).gradient


def directional_difference(
    f: Callable[[np.ndarray], Any],
    x: ArrayLike,
    direction: ArrayLike,
    *,
    method: str = "central",
    h: float | None = None,
    args: tuple = (),
) -> float:
    """Slope of ``f`` at ``x`` along ``direction`` by finite differences.

    Approximates the directional derivative ``d/dt f(x + t v)`` at ``t = 0``, which equals
    ``<grad f(x), v>``, with one difference quotient along ``v`` (no normalisation of ``v``):
    e.g. ``(f(x + h v) - f(x - h v)) / (2h)`` for ``"central"``. Costs 2 evaluations of ``f``
    (forward and central), 4 (Richardson) or 1 (complex), whatever the size of ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``.
    x : array_like
        Point.
    direction : array_like
        Direction ``v`` of ``x``'s shape.
    method : {"central", "forward", "richardson", "complex"}
        Differencing scheme.
    h : float, optional
        Step ``t``; default ``c * max(max_i |x_i|, 1) / ||v||_inf`` with ``c`` as in
        :func:`default_step`, so that no coordinate moves by more than a default step
        (if ``f`` returns float32 values, the quotient is redone once with float32's ``c``).
    args : tuple, default ()
        Further arguments: the slope of ``f(x, *args)`` in ``x``.

    Returns
    -------
    float
        The difference quotient.

    Examples
    --------
    >>> f = lambda x: float(np.sum(x ** 2))
    >>> round(directional_difference(f, np.array([1.0, 2.0]), np.array([1.0, 1.0])), 8)
    6.0
    """
    _check_callable(f)
    f = with_args(f, args)
    _check_method(method)
    point, _ = _as_real_point(x)
    v = as_numeric_array("direction", direction, opt_out="")
    if v.dtype.kind == "c":
        raise ValueError("direction must be real")
    if v.shape != point.shape:
        raise ValueError(f"direction has shape {v.shape} but x has shape {point.shape}")
    v_max = float(np.max(np.abs(v), initial=0.0))
    if v_max == 0.0:
        raise ValueError("direction must not be zero")
    v = v.astype(np.float64)
    if h is not None:
        return _slope(f, point, v, method, _positive_step(h), "v").value
    slope, _ = _slope_adapting_step(f, point, v, method, lambda eps: _direction_step(point, method, eps) / v_max, "v")
    return slope.value
