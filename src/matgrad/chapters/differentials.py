r"""Losses of the residual, and the chain rule that turns their gradients into gradients in W, X and Y.

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
is smooth.

The functions take matrices as given: ``W`` of shape (d, k), ``X`` (N, d), ``Y`` and ``U`` (N, k).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ..least_squares import frobenius_inner, residual

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


# --- entrywise penalties --------------------------------------------------------------------------


def huber_rho(u: ArrayLike, delta: float = 1.0) -> np.ndarray:
    """Huber's penalty, entrywise: ``u^2 / 2`` where ``|u| <= delta``, else ``delta (|u| - delta / 2)``.

    >>> huber_rho([0.5, -3.0], delta=1.0)
    array([0.125, 2.5  ])
    """
    a = np.abs(u)
    return np.where(a <= delta, a**2 / 2, delta * (a - delta / 2))


def huber_psi(u: ArrayLike, delta: float = 1.0) -> np.ndarray:
    """The derivative of :func:`huber_rho`: ``clip(u, -delta, delta)``.

    >>> huber_psi([0.5, -3.0], delta=1.0)
    array([ 0.5, -1. ])
    """
    return np.clip(u, -delta, delta)


def log_cosh_rho(u: ArrayLike) -> np.ndarray:
    """``log(cosh(u))`` entrywise, computed as ``|u| + log(1 + exp(-2|u|)) - log 2`` so that ``cosh`` cannot overflow.

    >>> log_cosh_rho([0.0, 1000.0]).round(6)
    array([  0.      , 999.306853])
    """
    a = np.abs(u)
    return a + np.log1p(np.exp(-2 * a)) - math.log(2)


def log_cosh_psi(u: ArrayLike) -> np.ndarray:
    """The derivative of :func:`log_cosh_rho`: ``tanh(u)``."""
    return np.tanh(u)


# --- outer losses l(U) = (1/N) sum rho(U_ij) and their gradients ----------------------------------


def squared_error(U: ArrayLike) -> float:
    """``(1/N) ||U||_F^2``: the book's loss as a function of the residual ``U`` of shape (N, k).

    >>> squared_error([[1.0, 2.0], [0.0, 1.0]])
    3.0
    """
    return frobenius_inner(U, U) / np.shape(U)[0]


def squared_error_grad(U: ArrayLike) -> np.ndarray:
    """The gradient of :func:`squared_error`: ``(2/N) U``."""
    U = np.asarray(U)
    return (2 / U.shape[0]) * U


def huber(U: ArrayLike, delta: float = 1.0) -> float:
    """The mean Huber loss ``(1/N) sum_ij rho_delta(U_ij)``.

    Where every ``|U_ij| <= delta`` it is half of :func:`squared_error`.

    >>> huber([[0.5], [-3.0]], delta=1.0)
    1.3125
    """
    return float(np.sum(huber_rho(U, delta)) / np.shape(U)[0])


def huber_grad(U: ArrayLike, delta: float = 1.0) -> np.ndarray:
    """The gradient of :func:`huber`: ``(1/N) clip(U, -delta, delta)``."""
    return huber_psi(U, delta) / np.shape(U)[0]


def log_cosh(U: ArrayLike) -> float:
    """The mean log-cosh loss ``(1/N) sum_ij log(cosh(U_ij))``.

    >>> round(log_cosh([[0.0], [1000.0]]), 6)
    499.653426
    """
    return float(np.sum(log_cosh_rho(U)) / np.shape(U)[0])


def log_cosh_grad(U: ArrayLike) -> np.ndarray:
    """The gradient of :func:`log_cosh`: ``(1/N) tanh(U)``."""
    return log_cosh_psi(U) / np.shape(U)[0]


# --- the composite L(W) = l(X W - Y) --------------------------------------------------------------


def composite_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, outer: Callable) -> float:
    """``L = l(X W - Y)`` for an outer loss ``l``, e.g. :func:`huber` (fix ``delta`` with ``functools.partial``).

    >>> composite_loss([[1.0]], [[1.0], [2.0]], [[0.0], [0.0]], squared_error)
    2.5
    """
    return float(outer(residual(W, X, Y)))


def composite_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, outer_grad: Callable) -> np.ndarray:
    """The gradient of ``l(X W - Y)`` with respect to ``W``: ``X^T grad l(U)``, for the outer gradient ``grad l``.

    >>> composite_grad_W([[1.0]], [[1.0], [2.0]], [[0.0], [0.0]], squared_error_grad)
    array([[5.]])
    """
    U = residual(W, X, Y)  # U = X W - Y, so dU = X dW
    return np.asarray(X).T @ outer_grad(U)  # dL = grad l(U) : X dW = X^T grad l(U) : dW


def composite_grad_X(W: ArrayLike, X: ArrayLike, Y: ArrayLike, outer_grad: Callable) -> np.ndarray:
    """The gradient of ``l(X W - Y)`` with respect to ``X``: ``grad l(U) W^T`` (from ``dU = dX W``)."""
    return outer_grad(residual(W, X, Y)) @ np.asarray(W).T


def composite_grad_Y(W: ArrayLike, X: ArrayLike, Y: ArrayLike, outer_grad: Callable) -> np.ndarray:
    """The gradient of ``l(X W - Y)`` with respect to ``Y``: ``-grad l(U)`` (from ``dU = -dY``)."""
    return -np.asarray(outer_grad(residual(W, X, Y)))
