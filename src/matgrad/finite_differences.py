r"""Numerical derivatives by finite differences, written by hand.

This module is part of the book's subject (how a derived gradient is checked), so it is implemented here
explicitly rather than taken from a library. For a scalar function ``f`` of an array ``x`` and a step ``h``
along entry ``i`` (``e_i`` is 1 at entry ``i`` and 0 elsewhere):

================  ============================================  ==========  =============
method            formula for ``df/dx_i``                       error       evals / entry
================  ============================================  ==========  =============
``"forward"``     ``(f(x + h e_i) - f(x)) / h``                 ``O(h)``    1 (+1 shared)
``"central"``     ``(f(x + h e_i) - f(x - h e_i)) / (2h)``      ``O(h^2)``  2
``"richardson"``  ``(4 D(h) - D(2h)) / 3`` with ``D`` central   ``O(h^4)``  4
``"complex"``     ``Im f(x + i h e_i) / h``                     ``O(h^2)``  1
================  ============================================  ==========  =============

(one more evaluation, ``f(x)``, is shared by all entries). With ``M_j`` a bound of the ``j``-th derivative
near ``x`` and ``u`` the rounding unit of the values of ``f`` (``2.2e-16`` in float64), the total error of one
entry is about

* forward:    ``h M_2 / 2   + 2 u |f| / h``, smallest at ``h ~ u^(1/2)``, error ``~ u^(1/2)``;
* central:    ``h^2 M_3 / 6 + u |f| / h``, smallest at ``h ~ u^(1/3)``, error ``~ u^(2/3)``;
* Richardson: ``h^4 M_5 / 30 + 1.5 u |f| / h``, smallest at ``h ~ u^(1/5)``, error ``~ u^(4/5)``;
* complex:    ``h^2 M_3 / 6 + u |f'|`` (no subtraction, no cancellation): take ``h`` tiny.

Default steps (:func:`default_step`): ``h_i = c max(|x_i|, 1)`` with ``c = u^(1/2)``, ``u^(1/3)``, ``u^(1/5)``
and ``1e-20``, rounded so that ``x_i + h_i`` is exactly representable. If ``f`` returns values of a lower
precision (``numpy.float32``), ``u`` is that precision's rounding unit: central differences then reach only
``u^(2/3) ~ 2e-5``, while a float64 step would give an error of order ``u32 |f| / h ~ 1e-2``.

Measured on :mod:`matgrad.examples` (``benchmarks/checker_accuracy.py``), the worst normwise relative errors
are about ``4e-7`` (forward), ``3e-10`` (central), ``3e-12`` (Richardson) and ``3e-16`` (complex step). The
constant 1 in front of ``u^(1/5)`` was measured too: 0.5, 1 and 1.5 give worst errors of 7e-12, 4e-12 and
2e-11 over 20 seeds.

:func:`numerical_jacobian` and :func:`numerical_hessian` apply the same central differences to array-valued
functions, entry by entry of ``x`` in column-major order.

.. warning::
   The complex step silently gives wrong answers for functions that are not the analytic continuation of
   the real function: anything that uses ``abs``, ``np.conj``, ``np.linalg.norm``, ``np.vdot`` or
   ``np.real`` of the input. ``f`` returning a real number for complex input is refused with a
   :class:`ValueError`; ``conj`` or ``vdot`` (a complex number with the wrong imaginary part) cannot be
   detected. Use it only for functions written as plain arithmetic, such as :func:`matgrad.loss`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_array, positive_number

__all__ = [
    "METHODS",
    "default_step",
    "directional_difference",
    "numerical_gradient",
    "numerical_hessian",
    "numerical_jacobian",
]

EPS = float(np.finfo(np.float64).eps)

#: Supported methods and the exponent ``p`` of the default step ``eps**p``.
METHODS: dict[str, float | None] = {"forward": 1 / 2, "central": 1 / 3, "richardson": 1 / 5, "complex": None}

#: Where each method evaluates ``f``: at ``x + o h e_i`` for these offsets ``o`` (``f(x)`` aside).
_OFFSETS: dict[str, tuple[complex, ...]] = {
    "forward": (1,),
    "central": (1, -1),
    "richardson": (1, -1, 2, -2),
    "complex": (1j,),
}

_COMPLEX_STEP = 1e-20


# --- steps -------------------------------------------------------------------------------------------------


def _check_method(method: str) -> None:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, not {method!r}")


def _step_constant(method: str, eps: float) -> float:
    exponent = METHODS[method]
    return _COMPLEX_STEP if exponent is None else eps**exponent


def default_step(
    x: ArrayLike, method: str = "central", *, eps: float | None = None, relative: bool = False
) -> np.ndarray:
    """Default finite-difference step for every entry of ``x``: ``c max(|x_i|, 1)``.

    ``c`` is ``sqrt(eps)``, ``eps**(1/3)``, ``eps**(1/5)`` or ``1e-20`` for the forward, central, Richardson
    and complex-step methods; ``eps`` is the rounding unit of the arithmetic in which ``f`` is evaluated
    (default float64's ``2.2e-16``; pass ``np.finfo(np.float32).eps`` for a function computed in float32).
    With ``relative=True`` the step is ``c |x_i|`` (``c`` where ``x_i = 0``): each entry is stepped on the
    scale of its own size, as the checker does.

    Examples
    --------
    >>> default_step([0.5, -4.0], "central").tolist() == [EPS ** (1 / 3), 4 * EPS ** (1 / 3)]
    True
    """
    _check_method(method)
    x, _ = _real_point(x)
    eps = EPS if eps is None else positive_number("eps", eps)
    if eps >= 1:
        raise ValueError(f"eps must be a rounding unit below 1, got {eps!r}")
    scale = np.where(x != 0, np.abs(x), 1.0) if relative else np.maximum(np.abs(x), 1.0)
    return _step_constant(method, eps) * scale


def _round_steps(x: np.ndarray, steps: np.ndarray, value_dtype: np.dtype | None) -> np.ndarray:
    """Round each step so that ``x + h`` is exactly representable: ``h = (x + h) - x``.

    When ``f`` computes in float32 and ``x`` is representable in float32, ``x + h`` is made representable in
    float32 too, so that ``f`` sees the exact step.
    """
    if value_dtype is not None and value_dtype.kind == "f":
        with np.errstate(over="ignore"):  # an x beyond float32's range is stepped in float64 (below)
            if np.all(x.astype(value_dtype) == x):
                rounded = (x + steps).astype(value_dtype).astype(np.float64) - x
                if np.all(np.isfinite(rounded)) and np.all(rounded != 0):
                    return rounded
    return (x + steps) - x


def _one_step(h: Any) -> float:
    """A step given as one number (or a 0-d array): finite and positive."""
    return positive_number("h", h.item() if isinstance(h, np.ndarray) and h.ndim == 0 else h)


def _steps(
    x: np.ndarray, method: str, h: ArrayLike | None, eps: float, value_dtype: np.dtype | None, relative: bool = False
) -> np.ndarray:
    """The steps to use: ``h`` (one number, or one per entry) or :func:`default_step`, rounded."""
    if h is None:
        steps = default_step(x, method, eps=eps, relative=relative)
    elif np.ndim(h) == 0:
        steps = np.full(x.shape, _one_step(h))
    else:
        steps = as_array("h", h, allow_complex=False).astype(np.float64)
        if np.any(steps <= 0):
            raise ValueError(f"h must be positive, got {h!r}")
        try:
            steps = np.broadcast_to(steps, x.shape)
        except ValueError:
            raise ValueError(f"h has shape {steps.shape}, which does not broadcast to x's shape {x.shape}") from None
    if method == "complex":
        return steps
    steps = _round_steps(x, steps, value_dtype)
    if np.any(steps == 0):
        raise ValueError("a step h is too small to change x in floating point")
    return steps


# --- what f returns ----------------------------------------------------------------------------------------


def _rounding_unit(value: Any) -> tuple[float, np.dtype | None]:
    """Rounding unit of the numbers ``f`` returned, and their dtype if coarser than float64."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype.kind in "fc" and np.finfo(dtype).eps > EPS:
        return float(np.finfo(dtype).eps), dtype
    return EPS, None


def _scalar_value(value: Any, where: str, complex_step: bool = False) -> float | complex:
    """What ``f`` returned at ``where``, as a finite Python scalar: real, or complex for the complex step."""
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"f must return a scalar, but at {where} it returned an array of shape {arr.shape}")
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"f must return a number, but at {where} it returned {value!r}")
    scalar = arr.reshape(()).item()
    if isinstance(scalar, complex) and not complex_step:
        if scalar.imag != 0:
            raise ValueError(f"f must be real-valued, but at {where} it returned {scalar!r}")
        scalar = scalar.real
    if not np.isfinite(scalar):
        raise ValueError(f"f is not finite at {where}: it returned {scalar!r}")
    if complex_step and not isinstance(scalar, complex):
        raise ValueError(
            f"complex step: at {where} f returned a real number for complex input, so its imaginary part "
            "was discarded (abs, np.real, np.linalg.norm, float()?); use method='central'"
        )
    return scalar


def _where(offset: complex, h: float, along: str) -> str:
    """The point ``x + offset h along`` in words, for error messages (``along`` is ``e_i`` or a direction)."""
    if isinstance(offset, complex):
        return f"x + {h:g}i {along}"
    return f"x {'-' if offset < 0 else '+'} {abs(offset * h):g} {along}"


# --- the differences ---------------------------------------------------------------------------------------


def _values_along_axes(
    f: Callable[[np.ndarray], Any], x: np.ndarray, steps: np.ndarray, offsets: Sequence[complex], read: Callable
) -> list[list[Any]]:
    """The values ``f(x + o h_i e_i)``: one row per entry ``i`` of ``x``, one column per offset ``o``."""
    work = x.astype(np.complex128 if any(isinstance(o, complex) for o in offsets) else np.float64)
    flat = work.reshape(-1)  # a view of work: changing flat[i] moves entry i of the point f sees
    table = []
    for i, h in enumerate(steps.reshape(-1)):
        row = []
        for o in offsets:
            flat[i] = x.flat[i] + o * h
            row.append(read(f(work), _where(o, h, f"e_{i}")))  # read: check the value, naming the point
        flat[i] = x.flat[i]
        table.append(row)
    return table


def _difference_quotients(method: str, values: np.ndarray, f0: Any, h: np.ndarray) -> np.ndarray:
    """Each method's quotient from the values at the offsets :data:`_OFFSETS` (one column per offset)."""
    if method == "complex":
        return values[:, 0].imag / h
    if method == "forward":
        return (values[:, 0] - f0) / h
    central = (values[:, 0] - values[:, 1]) / (2 * h)
    if method == "central":
        return central
    return (4 * central - (values[:, 2] - values[:, 3]) / (4 * h)) / 3  # Richardson: the h^2 terms cancel


def _rounding_error(method: str, values: np.ndarray, f0: float, h: np.ndarray, unit: float) -> np.ndarray:
    """Estimated rounding error of each quotient: the cancellation ``u |f| / h`` (or ``u |f'|``, complex)."""
    size = np.abs(values)
    if method == "complex":
        return unit * np.abs(values[:, 0].imag / h)
    if method == "forward":
        return unit * (size[:, 0] + abs(f0)) / h
    central = unit * (size[:, 0] + size[:, 1]) / (2 * h)
    if method == "central":
        return central
    return (4 * central + unit * (size[:, 2] + size[:, 3]) / (4 * h)) / 3


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


def _differences(
    f: Callable[[np.ndarray], Any], x: np.ndarray, method: str, h: ArrayLike | None, relative: bool = False
) -> _Differences:
    """Finite-difference gradient of ``f`` at ``x`` (a float64 array), with the checker's diagnostics."""
    _check_method(method)
    raw0 = f(x.copy())
    unit, value_dtype = _rounding_unit(raw0)
    f0 = _scalar_value(raw0, "x")
    steps = _steps(x, method, h, unit, value_dtype, relative)
    offsets = _OFFSETS[method]
    table = _values_along_axes(f, x, steps, offsets, lambda v, where: _scalar_value(v, where, method == "complex"))
    values = np.array(table, dtype=np.complex128 if method == "complex" else np.float64).reshape(x.size, len(offsets))
    h = steps.reshape(-1)
    curvature = np.zeros(x.size)
    if method in ("central", "richardson"):
        curvature = np.abs(values[:, 0] - 2 * f0 + values[:, 1]) / h**2
    return _Differences(
        gradient=_difference_quotients(method, values, f0, h).reshape(x.shape),
        f0=f0,
        n_evals=1 + values.size,
        noise=_rounding_error(method, values, f0, h, unit).reshape(x.shape),
        curvature=curvature.reshape(x.shape),
        steps=steps,
        rounding_unit=unit,
        value_dtype=value_dtype,
    )


# --- along one direction -----------------------------------------------------------------------------------


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
    """Step along a unit direction: ``c max(max_i |x_i|, 1)``, so no coordinate moves by more than that."""
    return _step_constant(method, eps) * max(float(np.max(np.abs(x), initial=0.0)), 1.0)


def _slope(f: Callable[[np.ndarray], Any], x: np.ndarray, v: np.ndarray, method: str, t: float, label: str) -> _Slope:
    """Difference quotient of ``f`` at ``x`` along ``v`` with step ``t``."""
    offsets = (0, 1) if method == "forward" else _OFFSETS[method]  # forward: f(x) first, then f(x + t v)
    units, values = [], []
    for o in offsets:
        raw = f(x + o * t * v)
        units.append(_rounding_unit(raw))
        values.append(_scalar_value(raw, _where(o, t, label), complex_step=method == "complex"))
    unit = max(u for u, _ in units)
    dtype = next((d for _, d in units if d is not None), None)
    f0, row = (values[0], np.array([values[1:]])) if method == "forward" else (None, np.array([values]))
    value = float(_difference_quotients(method, row, f0, t)[0])
    noise = float(_rounding_error(method, row, f0, t, unit)[0])
    if method in ("central", "richardson"):
        return _Slope(value, noise, len(values), unit, dtype, plus=values[0], minus=values[1], step=t)
    return _Slope(value, noise, len(values), unit, dtype, step=t)


def _slope_adapting_step(
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    v: np.ndarray,
    method: str,
    step: Callable[[float], float],
    label: str,
) -> tuple[_Slope, float]:
    """:func:`_slope` with the step ``step(eps)``, redone once if ``f`` turns out to compute in low precision.

    Returns the slope (its ``n_evals`` includes a discarded first attempt, if any) and the step used.
    """
    t = step(EPS)
    first = _slope(f, x, v, method, t, label)
    if first.rounding_unit == EPS:
        return first, t
    t = step(first.rounding_unit)
    again = _slope(f, x, v, method, t, label)
    return replace(again, n_evals=first.n_evals + again.n_evals), t


# --- arguments ---------------------------------------------------------------------------------------------


def _real_point(x: ArrayLike, name: str = "x") -> tuple[np.ndarray, str]:
    """The point as a float64 array, and a note if its precision was raised (float32 input)."""
    arr = as_array(name, x, allow_complex=False)
    if arr.dtype == np.float64:
        return arr, ""
    return arr.astype(np.float64), f"{name} had dtype {arr.dtype}; it was converted to float64 for differencing"


def _check_callable(name: str, f: Any) -> None:
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {type(f).__name__}")


def with_args(fn: Callable[..., Any], args: tuple) -> Callable[[np.ndarray], Any]:
    """``fn`` with its further arguments bound: ``x -> fn(x, *args)`` (``fn`` itself for no arguments)."""
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple of further arguments, got {type(args).__name__}")
    return (lambda x: fn(x, *args)) if args else fn


# --- the public functions ----------------------------------------------------------------------------------


def numerical_gradient(
    f: Callable[..., Any], x: ArrayLike, *, method: str = "central", h: ArrayLike | None = None, args: tuple = ()
) -> np.ndarray:
    """Gradient of a real scalar function by finite differences.

    Parameters
    ----------
    f : callable
        ``f(x, *args) -> scalar``. It is called with float64 arrays of ``x``'s shape (complex128 for
        ``method="complex"``) and must not keep them.
    x : array_like
        Real point of any shape; integer and float32 input is converted to float64.
    method : {"central", "forward", "richardson", "complex"}
        Differencing scheme (see the module documentation); the default is safe for any real ``f``.
    h : float or array_like, optional
        Absolute step, one number or one per entry; default :func:`default_step` for the precision of the
        values ``f`` returns.
    args : tuple, default ()
        Further arguments of ``f``.

    Returns
    -------
    numpy.ndarray
        The numerical gradient, float64, of ``x``'s shape.

    Raises
    ------
    TypeError
        If ``f`` is not callable or returns something that is not a number, ``x`` is complex or not numeric.
    ValueError
        For an unknown method, a step that is not positive, a non-finite ``x``, ``f`` returning a non-scalar
        or a non-finite value, or, with ``"complex"``, ``f`` discarding the imaginary part.

    Examples
    --------
    >>> g = numerical_gradient(lambda x: np.sum(x * x), np.array([1.0, -2.0]))
    >>> np.allclose(g, [2.0, -4.0])
    True
    """
    _check_callable("f", f)
    point, _ = _real_point(x)
    return _differences(with_args(f, args), point, method, h).gradient


def directional_difference(
    f: Callable[..., Any],
    x: ArrayLike,
    direction: ArrayLike,
    *,
    method: str = "central",
    h: float | None = None,
    args: tuple = (),
) -> float:
    """Slope of ``f`` at ``x`` along ``direction`` by finite differences.

    Approximates ``d/dt f(x + t v)`` at ``t = 0``, which is ``<grad f(x), v>``, by one difference quotient
    along ``v`` (not normalised), e.g. ``(f(x + h v) - f(x - h v)) / (2h)``: 2 evaluations of ``f`` (forward,
    central), 4 (Richardson) or 1 (complex), whatever the size of ``x``.

    Parameters
    ----------
    f : callable
        ``f(x, *args) -> scalar``.
    x, direction : array_like
        Real point and direction ``v`` of the same shape; ``v`` must not be zero.
    method : {"central", "forward", "richardson", "complex"}
        Differencing scheme.
    h : float, optional
        Step ``t``; default ``c max(max_i |x_i|, 1) / ||v||_inf`` with ``c`` as in :func:`default_step`, so
        that no coordinate moves by more than a default step (redone once with float32's ``c`` if ``f``
        returns float32 values).
    args : tuple, default ()
        Further arguments of ``f``.

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
    _check_callable("f", f)
    f = with_args(f, args)
    _check_method(method)
    point, _ = _real_point(x)
    v, _ = _real_point(direction, "direction")
    if v.shape != point.shape:
        raise ValueError(f"direction has shape {v.shape} but x has shape {point.shape}")
    v_max = float(np.max(np.abs(v), initial=0.0))
    if v_max == 0.0:
        raise ValueError("direction must not be zero")
    if h is not None:
        return _slope(f, point, v, method, _one_step(h), "v").value
    slope, _ = _slope_adapting_step(f, point, v, method, lambda eps: _direction_step(point, method, eps) / v_max, "v")
    return slope.value


def _vector_value(raw: Any, where: str, size: int | None = None) -> np.ndarray:
    """What an array-valued ``F`` returned, as a real float64 vector in column-major order."""
    try:
        value = as_array("F(x)", raw, check_finite=False, allow_complex=False)
    except TypeError as exc:
        raise TypeError(f"F must return a real numeric array, but at {where}: {exc}") from None
    if size is not None and value.size != size:
        raise ValueError(f"F returned {value.size} values at {where} but {size} at x: its output size must not change")
    if not np.all(np.isfinite(value)):
        raise ValueError(f"F is not finite at {where}")
    return value.reshape(-1, order="F").astype(np.float64)


def numerical_jacobian(
    F: Callable[..., Any], x: ArrayLike, *, h: ArrayLike | None = None, args: tuple = ()
) -> np.ndarray:
    r"""Jacobian of an array-valued function by central differences, in column-major order.

    Entry ``(p, j)`` approximates ``d vec(F)_p / d vec(x)_j`` with ``vec`` column-major (Fortran order), so
    the shape is ``(F(x).size, x.size)`` (numerator layout). Column ``j`` is
    ``(vec F(x + h_j e_j) - vec F(x - h_j e_j)) / (2 h_j)``, with the steps of :func:`numerical_gradient`
    (``h`` absolute, default :func:`default_step`). It is exact up to rounding for an affine ``F``, such as
    the gradient of a quadratic loss.

    Parameters
    ----------
    F : callable
        ``F(x, *args) -> array``, real-valued, called with float64 arrays of ``x``'s shape.
    x : array_like
        Real point of any shape.
    h : float or array_like, optional
        Absolute step, one number or one per entry (in ``x``'s shape).
    args : tuple, default ()
        Further arguments of ``F``.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(F(x).size, x.size)``.

    Examples
    --------
    >>> J = numerical_jacobian(lambda x: np.array([x[0] * x[1], 3 * x[1]]), np.array([2.0, 5.0]))
    >>> np.allclose(J, [[5.0, 2.0], [0.0, 3.0]])
    True
    """
    _check_callable("F", F)
    F = with_args(F, args)
    point, _ = _real_point(x)
    raw0 = F(point.copy())
    size = _vector_value(raw0, "x").size
    steps = _steps(point, "central", h, *_rounding_unit(raw0))
    # differences along vec(x): entry j of vec(x) is entry j of x in column-major order
    x_vec, h_vec = point.reshape(-1, order="F"), steps.reshape(-1, order="F")

    def F_of_vec(v: np.ndarray) -> Any:
        return F(v.reshape(point.shape, order="F"))

    table = _values_along_axes(F_of_vec, x_vec, h_vec, _OFFSETS["central"], lambda v, w: _vector_value(v, w, size))
    values = np.array(table).reshape(x_vec.size, 2, size)
    return _difference_quotients("central", values, None, h_vec[:, None]).T


def numerical_hessian(
    grad: Callable[..., Any], W: ArrayLike, *, h: ArrayLike | None = None, args: tuple = ()
) -> np.ndarray:
    r"""Hessian on ``vec(W)`` by central differences of a gradient function.

    :func:`numerical_jacobian` applied to ``grad``: entry ``(p, q)`` approximates
    ``d vec(grad)_p / d vec(W)_q`` with ``vec`` column-major, the order of
    :func:`matgrad.chapters.hessian.hessian_W`.

    Parameters
    ----------
    grad : callable
        ``grad(W, *args) -> array`` of ``W``'s shape, e.g. ``matgrad.grad_W`` with ``args=(X, Y)``.
    W : array_like
        Real point of any shape.
    h : float or array_like, optional
        Absolute step, as in :func:`numerical_jacobian`.
    args : tuple, default ()
        Further arguments of ``grad``.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(W.size, W.size)``.

    Examples
    --------
    >>> H = numerical_hessian(lambda w: 2 * w ** 3, np.array([1.0, 2.0]))
    >>> np.allclose(H, np.diag([6.0, 24.0]))
    True
    """
    _check_callable("grad", grad)
    grad = with_args(grad, args)
    point, _ = _real_point(W, "W")
    shape = np.shape(as_array("grad(W)", grad(point.copy()), check_finite=False))
    if shape != point.shape:
        raise ValueError(f"grad(W) has shape {shape} but W has shape {point.shape}: a gradient has the shape of W")
    return numerical_jacobian(grad, point, h=h)
