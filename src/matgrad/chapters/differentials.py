r"""Outer losses of the residual, and the chain rule that turns their gradients into gradients in W and X.

The least-squares loss is one instance of ``L(W) = l(U)`` with ``U = X W - Y``
and an "outer" loss ``l`` of the residual matrix. Differentials give, for every
differentiable ``l``::

    dL = grad l(U) : dU,     dU = X dW        =>   grad_W L = X^T grad l(U)
                             dU = dX W        =>   grad_X L = grad l(U) W^T
                             dU = -dY         =>   grad_Y L = -grad l(U)

(``A : B = tr(A^T B)``, the Frobenius inner product). The outer losses here are
means over the ``N`` rows of an entrywise penalty ``rho``, ``l(U) = (1/N) sum_ij
rho(U_ij)``, whose gradient is ``(1/N) psi(U)`` with ``psi = rho'``:

=================  ==========================================  ===============================
outer loss         rho(u)                                      psi(u) = rho'(u)
=================  ==========================================  ===============================
squared error      u^2                                         2 u
Huber, delta > 0   u^2 / 2 if abs(u) <= delta,                 clip(u, -delta, delta)
                   else delta (abs(u) - delta / 2)
log-cosh           log(cosh(u))                                tanh(u)
=================  ==========================================  ===============================

With the squared error, ``X^T grad l(U) = (2/N) X^T (X W - Y)``: the book's gradient.
Huber and log-cosh grow only linearly for large residuals, so their ``psi`` is
bounded and an outlier has bounded influence on the gradient. Huber is
differentiable once (its second derivative jumps at ``abs(u) = delta``); log-cosh
is smooth. Both are computed without overflow for large residuals.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._old_checks import as_numeric_array, check_regression_shapes

__all__ = [
    "composite_grad_W",
    "composite_grad_X",
    "composite_grad_Y",
    "composite_loss",
    "huber",
    "huber_grad",
    "huber_psi",
    "huber_rho",
    "log_cosh",
    "log_cosh_grad",
    "log_cosh_psi",
    "log_cosh_rho",
    "squared_error",
    "squared_error_grad",
]

_LOG2 = math.log(2.0)


# --- input checks ---------------------------------------------------------------------------------


def _real_array(name: str, value: ArrayLike, check_finite: bool) -> np.ndarray:
    arr = as_numeric_array(name, value, check_finite=check_finite)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real; the outer losses are real functions of a real residual")
    return arr


def _residual_matrix(U: ArrayLike, check_finite: bool) -> np.ndarray:
    """A residual of shape (N, k) or (N,) with N >= 1 (the losses are means over the N rows)."""
    U = _real_array("U", U, check_finite)
    if U.ndim not in (1, 2):
        raise ValueError(f"U must have shape (N, k) or (N,), but it has shape {U.shape}")
    if U.shape[0] == 0:
        raise ValueError(f"U has shape {U.shape}: the loss is a mean over N rows, and N = 0 leaves it undefined")
    return U


def _delta(delta: object) -> float:
    if isinstance(delta, bool) or not isinstance(delta, numbers.Real):
        raise TypeError(f"delta must be a real number, got {delta!r}")
    value = float(delta)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"delta must be a finite positive number, got {delta!r}")
    return value


def _regression_inputs(W, X, Y, check_finite: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = _real_array("W", W, check_finite)
    X = _real_array("X", X, check_finite)
    Y = _real_array("Y", Y, check_finite)
    check_regression_shapes(W, X, Y)
    return W, X, Y


def _outer_gradient(outer_grad: Callable[[np.ndarray], Any], U: np.ndarray) -> np.ndarray:
    """Evaluate ``outer_grad(U)`` and insist that it has the shape of ``U`` (a gradient of l)."""
    if not callable(outer_grad):
        raise TypeError(f"outer_grad must be callable, got {type(outer_grad).__name__}")
    G = as_numeric_array("outer_grad(U)", outer_grad(U.copy()), opt_out="")
    if G.shape != U.shape:
        raise ValueError(
            f"outer_grad(U) has shape {G.shape} but U = X W - Y has shape {U.shape}: "
            "the gradient of the outer loss must have the shape of the residual"
        )
    return G


# --- entrywise penalties --------------------------------------------------------------------------


def huber_rho(u: ArrayLike, delta: float = 1.0, *, check_finite: bool = True) -> np.ndarray:
    """Huber's penalty, entrywise: ``u^2/2`` for ``|u| <= delta``, else ``delta (|u| - delta/2)``.

    Parameters
    ----------
    u : array_like
        Residuals, any shape.
    delta : float, default 1.0
        Threshold between the quadratic and the linear part, positive.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray
        Array of the shape of ``u``.

    Examples
    --------
    >>> huber_rho([0.5, -3.0], delta=1.0)
    array([0.125, 2.5  ])
    """
    u = _real_array("u", u, check_finite)
    delta = _delta(delta)
    a = np.abs(u)
    c = np.minimum(a, delta)  # written so that large |u| cannot overflow: c (a - c/2)
    return c * (a - 0.5 * c)


def huber_psi(u: ArrayLike, delta: float = 1.0, *, check_finite: bool = True) -> np.ndarray:
    """Derivative of :func:`huber_rho`: ``clip(u, -delta, delta)``.

    Examples
    --------
    >>> huber_psi([0.5, -3.0], delta=1.0)
    array([ 0.5, -1. ])
    """
    u = _real_array("u", u, check_finite)
    delta = _delta(delta)
    return np.clip(u, -delta, delta)


def log_cosh_rho(u: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """``log(cosh(u))`` entrywise, accurate for tiny ``u`` and without overflow for huge ``u``.

    For ``|u| < 1`` it uses ``log1p(sinh(u)^2) / 2`` (no cancellation near 0), otherwise
    ``|u| - log 2 + log1p(exp(-2|u|))`` (no overflow of ``cosh``).

    Examples
    --------
    >>> log_cosh_rho([0.0, 1000.0]).round(6)
    array([  0.      , 999.306853])
    """
    u = _real_array("u", u, check_finite)
    a = np.abs(u)
    near_zero = 0.5 * np.log1p(np.sinh(np.minimum(a, 1.0)) ** 2)  # sinh of at most 1: no overflow
    far_out = a - _LOG2 + np.log1p(np.exp(-a) ** 2)  # exp(-2a) without overflow of 2a
    return np.where(a < 1.0, near_zero, far_out)


def log_cosh_psi(u: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Derivative of :func:`log_cosh_rho`: ``tanh(u)``.

    Examples
    --------
    >>> log_cosh_psi([0.0, 1000.0])
    array([0., 1.])
    """
    u = _real_array("u", u, check_finite)
    return np.tanh(u)


# --- outer losses l(U) = (1/N) sum rho(U_ij) and their gradients ----------------------------------


def squared_error(U: ArrayLike, *, check_finite: bool = True) -> float:
    """``(1/N) ||U||_F^2``: the book's loss as a function of the residual.

    Parameters
    ----------
    U : array_like, shape (N, k) or (N,)
        Residual, ``N >= 1``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float

    Examples
    --------
    >>> squared_error([[1.0, 2.0], [0.0, 1.0]])
    3.0
    """
    U = _residual_matrix(U, check_finite)
    flat = U.reshape(-1)
    return float(np.dot(flat, flat) / U.shape[0])


def squared_error_grad(U: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Gradient of :func:`squared_error`: ``(2/N) U``, of the shape of ``U``."""
    U = _residual_matrix(U, check_finite)
    return (2.0 / U.shape[0]) * U


def huber(U: ArrayLike, delta: float = 1.0, *, check_finite: bool = True) -> float:
    """Mean Huber loss ``(1/N) sum_ij rho_delta(U_ij)`` of a residual of shape (N, k) or (N,).

    For residuals with ``|U_ij| <= delta`` it is half of :func:`squared_error`.

    Examples
    --------
    >>> huber([[0.5], [-3.0]], delta=1.0)
    1.3125
    """
    U = _residual_matrix(U, check_finite)
    return float(np.sum(huber_rho(U, delta, check_finite=False)) / U.shape[0])


def huber_grad(U: ArrayLike, delta: float = 1.0, *, check_finite: bool = True) -> np.ndarray:
    """Gradient of :func:`huber`: ``(1/N) clip(U, -delta, delta)``, of the shape of ``U``."""
    U = _residual_matrix(U, check_finite)
    return huber_psi(U, delta, check_finite=False) / U.shape[0]


def log_cosh(U: ArrayLike, *, check_finite: bool = True) -> float:
    """Mean log-cosh loss ``(1/N) sum_ij log(cosh(U_ij))`` of a residual of shape (N, k) or (N,).

    Examples
    --------
    >>> round(log_cosh([[0.0], [1000.0]]), 6)
    499.653426
    """
    U = _residual_matrix(U, check_finite)
    return float(np.sum(log_cosh_rho(U, check_finite=False)) / U.shape[0])


def log_cosh_grad(U: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Gradient of :func:`log_cosh`: ``(1/N) tanh(U)``, of the shape of ``U``."""
    U = _residual_matrix(U, check_finite)
    return np.tanh(U) / U.shape[0]


# --- the composite L(W) = l(X W - Y) --------------------------------------------------------------


def composite_loss(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, outer: Callable[[np.ndarray], Any], *, check_finite: bool = True
) -> float:
    """``L = l(X W - Y)`` for an outer loss ``l`` (a callable of the residual).

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights.
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets.
    outer : callable
        ``outer(U) -> float``, e.g. :func:`huber` (use ``functools.partial`` or a
        lambda to fix ``delta``).
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float

    Examples
    --------
    >>> composite_loss([[1.0]], [[1.0], [2.0]], [[0.0], [0.0]], squared_error)
    2.5
    """
    if not callable(outer):
        raise TypeError(f"outer must be callable, got {type(outer).__name__}")
    W, X, Y = _regression_inputs(W, X, Y, check_finite)
    value = outer(X @ W - Y)
    try:
        number = as_numeric_array("outer(U)", value, check_finite=False)
    except TypeError:
        raise TypeError(f"outer(U) must return a real number, but it returned {value!r}") from None
    if number.ndim != 0:
        raise ValueError(f"outer(U) must return a scalar, but it returned an array of shape {number.shape}")
    if number.dtype.kind == "c":
        raise TypeError(f"outer(U) must return a real number, but it returned the complex {value!r}")
    return float(number)


def composite_grad_W(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, outer_grad: Callable[[np.ndarray], Any], *, check_finite: bool = True
) -> np.ndarray:
    """Gradient of ``l(X W - Y)`` with respect to ``W``: ``X^T grad l(U)``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`composite_loss`.
    outer_grad : callable
        ``outer_grad(U)``, the gradient of the outer loss, of the shape of ``U``
        (e.g. :func:`huber_grad`).

    Returns
    -------
    numpy.ndarray
        Array of the shape of ``W``.

    Examples
    --------
    >>> composite_grad_W([[1.0]], [[1.0], [2.0]], [[0.0], [0.0]], squared_error_grad)
    array([[5.]])
    """
    W, X, Y = _regression_inputs(W, X, Y, check_finite)
    return X.T @ _outer_gradient(outer_grad, X @ W - Y)


def composite_grad_X(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, outer_grad: Callable[[np.ndarray], Any], *, check_finite: bool = True
) -> np.ndarray:
    """Gradient of ``l(X W - Y)`` with respect to ``X``: ``grad l(U) W^T``.

    Parameters
    ----------
    W, X, Y, outer_grad, check_finite
        As in :func:`composite_grad_W`.

    Returns
    -------
    numpy.ndarray
        Array of the shape of ``X``, (N, d).
    """
    W, X, Y = _regression_inputs(W, X, Y, check_finite)
    G = _outer_gradient(outer_grad, X @ W - Y)
    return np.outer(G, W) if W.ndim == 1 else G @ W.T


def composite_grad_Y(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, outer_grad: Callable[[np.ndarray], Any], *, check_finite: bool = True
) -> np.ndarray:
    """Gradient of ``l(X W - Y)`` with respect to ``Y``: ``-grad l(U)``.

    Parameters
    ----------
    W, X, Y, outer_grad, check_finite
        As in :func:`composite_grad_W`.

    Returns
    -------
    numpy.ndarray
        Array of the shape of ``Y``.
    """
    W, X, Y = _regression_inputs(W, X, Y, check_finite)
    return -_outer_gradient(outer_grad, X @ W - Y)
