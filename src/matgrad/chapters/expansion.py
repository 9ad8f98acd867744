r"""The first-order (Taylor) expansion of the least-squares loss, term by term.

With ``R = X W - Y``, a step ``D`` of the shape of ``W`` changes the residual by
``X D``, and the loss expands *exactly* (it is quadratic in ``W``) into::

    L(W + D) = L(W) + (2/N) <X^T R, D>_F + (1/N) ||X D||_F^2
             = constant + linear term    + quadratic term.

The linear term identifies the gradient ``G = (2/N) X^T R``; the remainder
``L(W + D) - L(W) - <G, D>_F`` equals ``(1/N) ||X D||_F^2``, which is
``O(||D||^2)``. Along a line ``D -> t D`` the remainder is ``t^2`` times a
constant, a straight line of slope 2 on log-log axes (the "Taylor test"); a wrong
gradient leaves a term linear in ``t`` and the slope drops to 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._old_checks import OPT_OUT, as_numeric_array, check_regression_shapes
from ..inner_product import frobenius_inner
from ..least_squares import grad_W, loss

__all__ = [
    "TaylorTerms",
    "exact_remainder",
    "first_order_remainder",
    "loglog_slope",
    "remainder_curve",
    "taylor_expansion_terms",
]


def _real(name: str, value: ArrayLike, check_finite: bool = True, opt_out: str = OPT_OUT) -> np.ndarray:
    """A real numeric array: the expansion, its remainder and the log-log fit are real quantities.

    ``opt_out=""`` for arguments whose finiteness check cannot be skipped (no advice in the message)."""
    arr = as_numeric_array(name, value, check_finite=check_finite, opt_out=opt_out)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, but it has dtype {arr.dtype}: the Taylor terms are real numbers")
    return arr


def _prepare(W, D, X, Y, check_finite: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    W = _real("W", W, check_finite)
    D = _real("D", D, check_finite)
    X = _real("X", X, check_finite)
    Y = _real("Y", Y, check_finite)
    check_regression_shapes(W, X, Y)
    if D.shape != W.shape:
        raise ValueError(f"D has shape {D.shape} but W has shape {W.shape}: a step must have the shape of W")
    return W, D, X, Y


def _gradient(W: np.ndarray, X: np.ndarray, Y: np.ndarray, gradient: ArrayLike | None) -> np.ndarray:
    """The gradient to test: the book's formula by default, or a claimed one of W's shape."""
    if gradient is None:
        return grad_W(W, X, Y, check_finite=False)
    G = _real("gradient", gradient, opt_out="")
    if G.shape != W.shape:
        raise ValueError(f"gradient has shape {G.shape} but W has shape {W.shape}: a gradient has the shape of W")
    return G


@dataclass(frozen=True)
class TaylorTerms:
    """The three terms of ``L(W + D) = L(W) + (2/N) <X^T R, D>_F + (1/N) ||X D||_F^2``.

    Attributes
    ----------
    constant : float
        ``L(W)``.
    linear : float
        ``(2/N) <X^T R, D>_F``, the directional derivative along ``D``.
    quadratic : float
        ``(1/N) ||X D||_F^2``, the remainder of the first-order expansion.
    """

    constant: float
    linear: float
    quadratic: float

    @property
    def total(self) -> float:
        """The sum of the three terms, equal to ``L(W + D)``."""
        return self.constant + self.linear + self.quadratic


def exact_remainder(D: ArrayLike, X: ArrayLike, *, check_finite: bool = True) -> float:
    """The remainder of the first-order expansion in closed form: ``(1/N) ||X D||_F^2``.

    It does not depend on ``W`` or ``Y``.

    Parameters
    ----------
    D : array_like, shape (d, k) or (d,)
        The step.
    X : array_like, shape (N, d)
        Data, ``N >= 1``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float
        The remainder (never negative).

    Examples
    --------
    >>> exact_remainder([[1.0], [1.0]], [[1.0, 2.0], [0.0, 1.0]])
    5.0
    """
    D = _real("D", D, check_finite)
    X = _real("X", X, check_finite)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
    if D.ndim not in (1, 2) or D.shape[0] != X.shape[1]:
        raise ValueError(f"X has shape {X.shape} but D has shape {D.shape}: D must have shape (d, k) or (d,)")
    if X.shape[0] == 0:
        raise ValueError(f"X has shape {X.shape}: the loss is a mean over N rows, and N = 0 leaves it undefined")
    XD = (X @ D).reshape(-1)
    return float(np.dot(XD, XD) / X.shape[0])


def taylor_expansion_terms(
    W: ArrayLike, D: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True
) -> TaylorTerms:
    """The constant, linear and quadratic terms of the exact expansion of ``L(W + D)``.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Point of expansion.
    D : array_like
        Step, of the shape of ``W``.
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    TaylorTerms
        ``constant + linear + quadratic`` equals ``L(W + D)`` up to rounding.

    Examples
    --------
    >>> terms = taylor_expansion_terms([[0.0]], [[1.0]], [[1.0], [1.0]], [[1.0], [3.0]])
    >>> terms.constant, terms.linear, terms.quadratic, terms.total
    (5.0, -4.0, 1.0, 2.0)
    """
    W, D, X, Y = _prepare(W, D, X, Y, check_finite)
    constant = loss(W, X, Y, check_finite=False)
    linear = frobenius_inner(grad_W(W, X, Y, check_finite=False), D)
    quadratic = exact_remainder(D, X, check_finite=False)
    return TaylorTerms(float(constant), float(linear), quadratic)


def first_order_remainder(
    W: ArrayLike,
    D: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    *,
    gradient: ArrayLike | None = None,
    check_finite: bool = True,
) -> float:
    """The computed remainder ``L(W + D) - L(W) - <G, D>_F`` of the first-order expansion.

    Parameters
    ----------
    W, D, X, Y : array_like
        As in :func:`taylor_expansion_terms`.
    gradient : array_like, optional
        The gradient ``G`` to test, of the shape of ``W``; default ``(2/N) X^T (X W - Y)``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float
        With the true gradient this equals :func:`exact_remainder` ``(D, X)`` up to
        rounding of order ``eps * L``.
    """
    W, D, X, Y = _prepare(W, D, X, Y, check_finite)
    G = _gradient(W, X, Y, gradient)
    return float(loss(W + D, X, Y, check_finite=False) - loss(W, X, Y, check_finite=False) - frobenius_inner(G, D))


def remainder_curve(
    W: ArrayLike,
    D: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    ts: ArrayLike,
    *,
    gradient: ArrayLike | None = None,
    check_finite: bool = True,
) -> np.ndarray:
    """``|L(W + t D) - L(W) - t <G, D>_F|`` for every ``t`` in ``ts``, for a log-log plot.

    With the true gradient the values are ``t^2 (1/N) ||X D||_F^2`` until rounding
    (of order ``eps * L(W)``) takes over at tiny ``t``; with a wrong gradient a term
    ``t |<G_true - G, D>_F|`` remains and dominates for small ``t``.

    Parameters
    ----------
    W, D, X, Y : array_like
        As in :func:`taylor_expansion_terms`.
    ts : array_like, shape (m,)
        Step lengths, finite.
    gradient : array_like, optional
        The gradient ``G`` to test; default ``(2/N) X^T (X W - Y)``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite ``W``, ``D``, ``X``, ``Y``.

    Returns
    -------
    numpy.ndarray, shape (m,)
        The absolute remainders (exact zeros are possible where rounding cancels).
    """
    W, D, X, Y = _prepare(W, D, X, Y, check_finite)
    ts = _real("ts", ts, opt_out="")
    if ts.ndim != 1:
        raise ValueError(f"ts must be a 1-D array of real step lengths, but it has shape {ts.shape}, dtype {ts.dtype}")
    G = _gradient(W, X, Y, gradient)
    L0 = loss(W, X, Y, check_finite=False)
    slope = frobenius_inner(G, D)
    return np.array([abs(loss(W + t * D, X, Y, check_finite=False) - L0 - t * slope) for t in ts])


def loglog_slope(ts: ArrayLike, values: ArrayLike) -> float:
    """Least-squares slope of ``log(values)`` against ``log(ts)``.

    Parameters
    ----------
    ts : array_like, shape (m,)
        Positive abscissae.
    values : array_like, shape (m,)
        Positive ordinates (e.g. from :func:`remainder_curve`, restricted to the
        range of ``t`` where rounding does not yet dominate).

    Returns
    -------
    float
        The fitted exponent ``p`` in ``values ~ c t^p``.

    Examples
    --------
    >>> round(loglog_slope([1e-3, 1e-2, 1e-1], [3e-6, 3e-4, 3e-2]), 12)
    2.0
    """
    ts = _real("ts", ts, opt_out="")
    values = _real("values", values, opt_out="")
    if ts.ndim != 1 or ts.shape != values.shape:
        raise ValueError(f"ts and values must be 1-D of equal length, got shapes {ts.shape} and {values.shape}")
    if ts.size < 2 or np.unique(ts).size < 2:
        raise ValueError("a slope needs at least two distinct values of t")
    if np.any(ts <= 0) or np.any(values <= 0):
        raise ValueError("ts and values must be positive for a log-log fit (drop exact zeros first)")
    slope, _ = np.polyfit(np.log(ts), np.log(values), 1)
    return float(slope)
