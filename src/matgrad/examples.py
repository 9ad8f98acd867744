r"""Smooth, non-quadratic functions of a matrix with known gradients, for testing gradient checkers.

The least-squares loss is quadratic, so central differences differentiate it without truncation error, and a
checker that is only ever tried on it looks better than it is. The functions here have non-zero derivatives
of every order and closed-form gradients (denominator layout: the gradient has the shape of the variable).
They are written as plain arithmetic, so that for complex input they are the analytic continuation of the
real function, as the complex-step method needs:

=====================  ===================================  ================================
function               value                                gradient
=====================  ===================================  ================================
:func:`log_det`        ``log |det A|``                      ``A^{-T}``
:func:`trace_inverse`  ``tr(A^{-1})``                       ``-(A^{-2})^T = -A^{-T} A^{-T}``
:func:`softplus_loss`  ``(1/N) sum_ij softplus((X W)_ij)``  ``(1/N) X^T sigmoid(X W)``
=====================  ===================================  ================================

with ``softplus(z) = log(1 + e^z)`` and ``sigmoid(z) = 1 / (1 + e^{-z})``, its derivative. The first two
are standard identities (the Matrix Cookbook, Petersen and Pedersen, 2012, section 2).

:func:`smooth_problems` returns these functions, and the least-squares loss itself, as
:class:`SmoothProblem` records (function, gradient and a seeded evaluation point): the common test bed of
the unit tests, the benchmark ``benchmarks/checker_accuracy.py`` and chapter 8 on numerical verification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_array, as_matrix
from .least_squares import grad_W, loss, make_regression

__all__ = [
    "SmoothProblem",
    "log_det",
    "log_det_grad",
    "smooth_problems",
    "softplus_loss",
    "softplus_loss_grad",
    "trace_inverse",
    "trace_inverse_grad",
]


def _square(A: ArrayLike) -> np.ndarray:
    A = as_matrix("A", A)
    if A.shape[0] != A.shape[1] or A.size == 0:
        raise ValueError(f"A must be a non-empty square matrix, but it has shape {A.shape}")
    return A


def _inverse(A: ArrayLike) -> np.ndarray:
    A = _square(A)
    try:
        return np.linalg.inv(A)
    except np.linalg.LinAlgError:
        raise ValueError(f"the matrix A of shape {A.shape} is singular") from None


def log_det(A: ArrayLike) -> float | complex:
    r"""Natural logarithm of the absolute determinant, ``log |det A|``, of a non-singular matrix.

    For complex input (the complex step) the result is the analytic continuation of the real function:
    ``log(det A)`` near matrices with a positive determinant and ``log(-det A)`` near those with a negative
    one (principal logarithm). The result is complex exactly when ``A`` is.

    Examples
    --------
    >>> log_det([[2.0, 0.0], [0.0, 3.0]]) == log_det([[0.0, 2.0], [3.0, 0.0]]) == float(np.log(6.0))
    True
    """
    A = _square(A)
    sign, log_abs = np.linalg.slogdet(A)  # det A = sign * exp(log_abs), without overflow
    if sign == 0:
        raise ValueError(f"log |det A| needs a non-singular A, but the matrix A of shape {A.shape} is singular")
    if np.iscomplexobj(A):  # log(+-det A) = log(+-sign) + log|det A|, analytic near real matrices
        return complex(np.log(sign if sign.real >= 0 else -sign) + log_abs)
    return float(log_abs)


def log_det_grad(A: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`log_det`: ``A^{-T}``, the transpose of the inverse (Jacobi's formula).

    Examples
    --------
    >>> log_det_grad([[2.0, 1.0], [0.0, 4.0]]).tolist()
    [[0.5, 0.0], [-0.125, 0.25]]
    """
    return _inverse(A).T


def trace_inverse(A: ArrayLike) -> float | complex:
    r"""Trace of the inverse, ``tr(A^{-1})``, of a non-singular matrix; complex exactly when ``A`` is.

    Examples
    --------
    >>> trace_inverse([[2.0, 0.0], [0.0, 4.0]])
    0.75
    """
    return np.trace(_inverse(A)).item()


def trace_inverse_grad(A: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`trace_inverse`: ``-(A^{-1} A^{-1})^T``.

    From ``d(A^{-1}) = -A^{-1} dA A^{-1}``: ``d tr(A^{-1}) = -tr(A^{-2} dA) = <-(A^{-2})^T, dA>_F``.

    Examples
    --------
    >>> trace_inverse_grad([[2.0, 0.0], [0.0, 4.0]]).tolist()
    [[-0.25, -0.0], [-0.0, -0.0625]]
    """
    inv = _inverse(A)
    return -(inv @ inv).T


def _softplus(Z: np.ndarray) -> np.ndarray:
    """``log(1 + e^z)`` without overflow; for complex ``z`` the branch is chosen by ``Re z`` (still analytic)."""
    positive = Z.real > 0
    tail = np.log1p(np.exp(np.where(positive, -Z, Z)))  # the exponent has Re <= 0: no overflow
    return np.where(positive, Z + tail, tail)  # log(1 + e^z) = z + log(1 + e^-z)


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    """``1 / (1 + e^{-z})`` without overflow, for real ``z``."""
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def _weights_and_data(W: ArrayLike, X: ArrayLike, allow_complex: bool) -> tuple[np.ndarray, np.ndarray]:
    """``W`` of shape (d, k) or (d,) and ``X`` of shape (N, d) with N >= 1, checked."""
    W, X = as_array("W", W, allow_complex=allow_complex), as_matrix("X", X, allow_complex=allow_complex)
    if X.shape[0] == 0 or W.ndim not in (1, 2) or W.shape[0] != X.shape[1]:
        raise ValueError(f"X has shape {X.shape} but W has shape {W.shape}: they must be (N, d), N >= 1, and (d, k)")
    return W, X


def softplus_loss(W: ArrayLike, X: ArrayLike) -> float | complex:
    r"""Mean softplus of the product, ``(1/N) sum_ij softplus((X W)_ij)``.

    A smooth, convex, non-quadratic function of ``W`` (the log-partition part of a logistic regression
    loss), written without ``abs`` or ``conj`` so that it accepts complex ``W``.

    Examples
    --------
    >>> softplus_loss([0.0], [[1.0], [2.0]]) == float(np.log(2.0))
    True
    """
    W, X = _weights_and_data(W, X, allow_complex=True)
    return (np.sum(_softplus(X @ W)) / X.shape[0]).item()


def softplus_loss_grad(W: ArrayLike, X: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`softplus_loss` with respect to real ``W``: ``(1/N) X^T sigmoid(X W)``.

    Examples
    --------
    >>> softplus_loss_grad([0.0], [[1.0], [2.0]]).tolist()
    [0.75]
    """
    W, X = _weights_and_data(W, X, allow_complex=False)  # _sigmoid uses abs and the sign: real input only
    return X.T @ _sigmoid(X @ W) / X.shape[0]


@dataclass(frozen=True)
class SmoothProblem:
    """A scalar function ``f(x)``, its gradient ``grad(x)`` and a point ``x`` (float64) to check it at.

    ``formula`` gives both in words (e.g. ``"log det A -> A^{-T}"``); ``f`` accepts complex ``x``; ``quadratic``
    is true for the least-squares loss, whose central differences have no truncation error.
    """

    name: str
    formula: str
    f: Callable[[np.ndarray], float | complex]
    grad: Callable[[np.ndarray], np.ndarray]
    x: np.ndarray
    quadratic: bool = False


def smooth_problems(seed: int = 0, *, N: int = 20, d: int = 4, k: int = 3, n: int = 4) -> list[SmoothProblem]:
    """The common test bed: the least-squares loss and three smooth non-quadratic functions.

    The regression problems have ``X`` of shape (N, d) and ``W`` of shape (d, k); :func:`log_det` and
    :func:`trace_inverse` are evaluated at ``I + 0.3 G / sqrt(n)`` (``G`` standard normal, n x n): a
    non-symmetric matrix, so that a missing transpose shows, with a positive determinant and a condition
    number near 2.

    Examples
    --------
    >>> [p.name for p in smooth_problems()]
    ['least squares', 'log det', 'trace of inverse', 'softplus of XW']
    """
    rng = np.random.default_rng(seed)
    X, _, Y = make_regression(N, d, k, seed=seed)
    W = rng.standard_normal((d, k))
    A, B = (np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n) for _ in range(2))
    return [
        SmoothProblem(
            "least squares",
            "(1/N)||XW - Y||_F^2 -> (2/N) X^T (XW - Y)",
            lambda w: loss(w, X, Y),
            lambda w: grad_W(w, X, Y),
            W,
            quadratic=True,
        ),
        SmoothProblem("log det", "log det A -> A^{-T}", log_det, log_det_grad, A),
        SmoothProblem("trace of inverse", "tr(A^{-1}) -> -(A^{-2})^T", trace_inverse, trace_inverse_grad, B),
        SmoothProblem(
            "softplus of XW",
            "(1/N) sum softplus(XW) -> (1/N) X^T sigmoid(XW)",
            lambda w: softplus_loss(w, X),
            lambda w: softplus_loss_grad(w, X),
            W,
        ),
    ]
