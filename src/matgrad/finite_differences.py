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

Default steps balance truncation against rounding: ``h_i = c * max(|x_i|, 1)``
with ``c = eps^(1/2)`` (forward), ``eps^(1/3)`` (central), ``eps^(1/5)``
(Richardson) and ``1e-20`` (complex step, which has no subtraction and hence no
cancellation). Each step is rounded so that ``x_i + h_i`` is exactly
representable, which removes one source of rounding error.

.. warning::
   The complex-step method silently gives wrong answers for functions that are
   not the analytic continuation of the real function: anything that uses
   ``abs``, ``np.conj``, ``np.linalg.norm``, ``np.vdot``, ``np.real``/``np.imag``
   or comparisons (``max``, ``np.maximum``, ``if x > 0``) of the input.
   ``numerical_gradient`` raises ``ValueError`` when ``f`` returns a real number
   for complex input, but it cannot detect ``conj``. Use it only for functions
   written as plain arithmetic, such as :func:`matgrad.loss`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .validation import as_numeric_array

__all__ = ["METHODS", "default_step", "numerical_gradient"]

EPS = float(np.finfo(np.float64).eps)

#: Supported methods and the exponent ``p`` of the default step ``eps**p``.
METHODS: dict[str, float | None] = {"forward": 1 / 2, "central": 1 / 3, "richardson": 1 / 5, "complex": None}

_COMPLEX_STEP = 1e-20


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, not {method!r}")


def default_step(x: ArrayLike, method: str = "central") -> np.ndarray:
    """Default finite-difference step for every entry of ``x``.

    Parameters
    ----------
    x : array_like
        Point at which the derivative is taken.
    method : {"forward", "central", "richardson", "complex"}
        Differencing method.

    Returns
    -------
    numpy.ndarray
        Array of steps with the shape of ``x``: ``c * max(|x_i|, 1)``, where
        ``c`` is ``sqrt(eps)``, ``eps**(1/3)``, ``eps**(1/5)`` or ``1e-20``.
    """
    _check_method(method)
    x = as_numeric_array("x", x)
    exponent = METHODS[method]
    c = _COMPLEX_STEP if exponent is None else EPS**exponent
    return c * np.maximum(np.abs(x), 1.0)


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


@dataclass(frozen=True)
class _Differences:
    """Everything one pass of finite differences produced (used by the checker)."""

    gradient: np.ndarray
    f0: float
    n_evals: int
    noise: np.ndarray  # estimated rounding error of each gradient entry
    curvature: np.ndarray  # |d^2 f / dx_i^2| estimated from the same values (0 if unknown)
    steps: np.ndarray  # the steps actually used


def _steps(x: np.ndarray, method: str, h: ArrayLike | None) -> np.ndarray:
    if h is None:
        steps = default_step(x, method)
    else:
        steps = as_numeric_array("h", h)
        if steps.dtype.kind == "c" or np.any(steps <= 0):
            raise ValueError(f"h must be positive and real, got {h!r}")
        try:
            steps = np.broadcast_to(steps, x.shape).astype(np.float64)
        except ValueError:
            raise ValueError(f"h has shape {steps.shape}, which does not broadcast to x's shape {x.shape}") from None
    if method != "complex":
        # Round each step so that x + h is exactly representable: h = (x + h) - x.
        steps = (x + steps) - x
        if np.any(steps == 0):
            raise ValueError("a step h is too small to change x in floating point")
    return steps


def _differences(f: Callable[[np.ndarray], Any], x: np.ndarray, method: str, h: ArrayLike | None) -> _Differences:
    """Finite-difference gradient of ``f`` at ``x`` (float64 array) with diagnostics."""
    _check_method(method)
    steps = _steps(x, method, h)
    n = x.size
    grad = np.empty(n)
    noise = np.zeros(n)
    curvature = np.zeros(n)
    f0 = _scalar_value(f(x.copy()), "x", allow_complex=False)
    n_evals = 1
    flat_steps = steps.reshape(-1)

    if method == "complex":
        work = x.astype(np.complex128)
        flat = work.reshape(-1)
        for i in range(n):
            hi = flat_steps[i]
            flat[i] = x.flat[i] + 1j * hi
            fi = _scalar_value(f(work), f"x + {hi:g}i e_{i}", allow_complex=True)
            flat[i] = x.flat[i]
            if not isinstance(fi, complex):
                raise ValueError(
                    "complex step: f returned a real number for complex input, so its imaginary part "
                    "was discarded (abs, np.real, np.linalg.norm, comparisons?); use method='central'"
                )
            grad[i] = fi.imag / hi
            noise[i] = EPS * abs(grad[i])
        return _Differences(grad.reshape(x.shape), f0, n + 1, noise.reshape(x.shape), curvature.reshape(x.shape), steps)

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
            noise[i] = EPS * (abs(fp) + abs(f0)) / hi
            n_evals += 1
            continue
        fp, fm = at(i, hi), at(i, -hi)
        n_evals += 2
        d1 = (fp - fm) / (2 * hi)
        curvature[i] = abs(fp - 2 * f0 + fm) / hi**2
        noise[i] = EPS * (abs(fp) + abs(fm)) / (2 * hi)
        if method == "central":
            grad[i] = d1
        else:  # Richardson: combine D(h) and D(2h) to cancel the h^2 error term
            fpp, fmm = at(i, 2 * hi), at(i, -2 * hi)
            n_evals += 2
            d2 = (fpp - fmm) / (4 * hi)
            grad[i] = (4 * d1 - d2) / 3
            noise[i] = EPS * (4 * (abs(fp) + abs(fm)) / (2 * hi) + (abs(fpp) + abs(fmm)) / (4 * hi)) / 3
    return _Differences(grad.reshape(x.shape), f0, n_evals, noise.reshape(x.shape), curvature.reshape(x.shape), steps)


def _as_real_point(x: ArrayLike) -> tuple[np.ndarray, str]:
    """Convert the evaluation point to float64; return a note if its precision was raised."""
    arr = as_numeric_array("x", x)
    if arr.dtype.kind == "c":
        raise ValueError("x must be real: finite differences here differentiate real functions of real input")
    note = ""
    if arr.dtype != np.float64:
        note = f"x had dtype {arr.dtype}; it was converted to float64 for differencing"
        arr = arr.astype(np.float64)
    return arr, note


def numerical_gradient(
    f: Callable[[np.ndarray], Any],
    x: ArrayLike,
    *,
    method: str = "central",
    h: ArrayLike | None = None,
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
        :func:`default_step`.

    Returns
    -------
    numpy.ndarray
        Array of ``x``'s shape (float64).

    Raises
    ------
    ValueError
        For an unknown method, a bad step, ``f`` returning a non-scalar or a
        non-finite value, or, with ``"complex"``, ``f`` discarding the imaginary part.

    Examples
    --------
    >>> import numpy as np
    >>> g = numerical_gradient(lambda x: np.sum(x * x), np.array([1.0, -2.0]))
    >>> np.allclose(g, [2.0, -4.0])
    True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    point, _ = _as_real_point(x)
    return _differences(f, point, method, h).gradient
