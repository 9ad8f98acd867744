r"""Smooth, non-quadratic functions of a matrix with known gradients, for testing gradient checkers.

The least-squares loss is quadratic, so central differences differentiate it without truncation
error and a checker that is only ever tried on it looks better than it is. The functions here have
non-zero derivatives of every order, closed-form gradients (denominator layout: the gradient has
the shape of the variable) and are written as plain arithmetic, so that for complex input they are
the analytic continuation of the real function, as the complex-step method needs:

=====================  ===================================  ================================
function               value                                gradient
=====================  ===================================  ================================
:func:`log_det`        ``log |det A|``                      ``A^{-T}``
:func:`trace_inverse`  ``tr(A^{-1})``                       ``-(A^{-2})^T = -A^{-T} A^{-T}``
:func:`softplus_loss`  ``(1/N) sum_ij softplus((X W)_ij)``  ``(1/N) X^T sigmoid(X W)``
=====================  ===================================  ================================

with ``softplus(z) = log(1 + e^z)`` and ``sigmoid(z) = 1 / (1 + e^{-z})``, its derivative. The
first two are standard identities (see the Matrix Cookbook, Petersen and Pedersen, 2012, section 2).

:func:`smooth_problems` returns these functions, and the least-squares loss itself, as
:class:`SmoothProblem` records (function, gradient and a seeded evaluation point), the common test
bed of the unit tests, the benchmark ``benchmarks/checker_accuracy.py`` and the chapter on
numerical verification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._old_checks import as_numeric_array, random_generator
from .least_squares import grad_W, loss

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


def _square(name: str, A: ArrayLike) -> np.ndarray:
    A = as_numeric_array(name, A, opt_out="")
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, but it has shape {A.shape}")
    return A


def _as_scalar(value) -> float | complex:
    """A Python complex for complex ``value`` (even with imaginary part 0: the complex step reads it),
    else a float."""
    if np.iscomplexobj(value):
        return complex(value)
    return float(value)


def _inverse(A: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(A)
    except np.linalg.LinAlgError:
        raise ValueError(f"the matrix of shape {A.shape} is singular") from None


def log_det(A: ArrayLike) -> float | complex:
    r"""Natural logarithm of the absolute determinant, ``log |det A|`` (``log det A`` when ``det A > 0``).

    Parameters
    ----------
    A : array_like, shape (n, n)
        A non-singular real matrix, or a complex matrix (complex step). For complex input the result
        is the analytic continuation of the real function: ``log(det A)`` near matrices with a positive
        determinant and ``log(-det A)`` near matrices with a negative one (principal logarithm).

    Returns
    -------
    float or complex
        ``log |det A|``; complex only for complex input.

    Raises
    ------
    ValueError
        If ``A`` is not square, or singular.

    Examples
    --------
    >>> log_det([[2.0, 0.0], [0.0, 3.0]]) == float(np.log(6.0))
    True
    >>> log_det([[0.0, 2.0], [3.0, 0.0]]) == float(np.log(6.0))
    True
    """
    A = _square("A", A)
    sign, log_abs = np.linalg.slogdet(A)  # det A = sign * exp(log_abs), without overflow
    if sign == 0:
        raise ValueError(f"log |det A| needs a non-singular A, but the matrix of shape {A.shape} is singular")
    if np.iscomplexobj(A):
        # log(+-det A) = log(+-sign) + log|det A| with the principal log, analytic near real matrices
        return _as_scalar(np.log(sign if sign.real >= 0 else -sign) + log_abs)
    return float(log_abs)


def log_det_grad(A: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`log_det`: ``A^{-T}`` (the transpose of the inverse), by Jacobi's formula.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Non-singular matrix.

    Returns
    -------
    numpy.ndarray
        Array of shape (n, n).

    Examples
    --------
    >>> log_det_grad([[2.0, 1.0], [0.0, 4.0]]).tolist()
    [[0.5, 0.0], [-0.125, 0.25]]
    """
    return _inverse(_square("A", A)).T


def trace_inverse(A: ArrayLike) -> float | complex:
    r"""Trace of the inverse, ``tr(A^{-1})``.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Non-singular matrix (complex allowed).

    Returns
    -------
    float or complex
        ``tr(A^{-1})``.

    Examples
    --------
    >>> trace_inverse([[2.0, 0.0], [0.0, 4.0]])
    0.75
    """
    return _as_scalar(np.trace(_inverse(_square("A", A))))


def trace_inverse_grad(A: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`trace_inverse`: ``-(A^{-1} A^{-1})^T``.

    From ``d(A^{-1}) = -A^{-1} dA A^{-1}``: ``d tr(A^{-1}) = -tr(A^{-2} dA) = <-(A^{-2})^T, dA>_F``.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Non-singular matrix.

    Returns
    -------
    numpy.ndarray
        Array of shape (n, n).

    Examples
    --------
    >>> trace_inverse_grad([[2.0, 0.0], [0.0, 4.0]]).tolist()
    [[-0.25, -0.0], [-0.0, -0.0625]]
    """
    inv = _inverse(_square("A", A))
    return -(inv @ inv).T


def _softplus(Z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow; for complex z the branch is chosen by Re z (still analytic)."""
    positive = Z.real > 0
    Z_neg = np.where(positive, -Z, Z)  # Re <= 0: exp cannot overflow
    tail = np.log1p(np.exp(Z_neg))
    return np.where(positive, Z + tail, tail)  # log(1 + e^z) = z + log(1 + e^-z)


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^{-z}) without overflow."""
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def _product(W: ArrayLike, X: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    W = as_numeric_array("W", W, opt_out="")
    X = as_numeric_array("X", X, opt_out="")
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array of shape (N, d) with N >= 1, but it has shape {X.shape}")
    if W.ndim not in (1, 2) or W.shape[0] != X.shape[1]:
        raise ValueError(f"X has shape {X.shape} but W has shape {W.shape}: W must have shape (d, k) or (d,)")
    return W, X


def softplus_loss(W: ArrayLike, X: ArrayLike) -> float | complex:
    r"""Mean softplus of the product, ``(1/N) sum_ij softplus((X W)_ij)``.

    A smooth, convex, non-quadratic function of ``W`` (the log-partition part of a logistic
    regression loss), written without ``abs`` or ``conj`` so that it accepts complex ``W``.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights (complex allowed).
    X : array_like, shape (N, d)
        Data, ``N >= 1``.

    Returns
    -------
    float or complex
        The mean softplus.

    Examples
    --------
    >>> softplus_loss([0.0], [[1.0], [2.0]]) == float(np.log(2.0))
    True
    """
    W, X = _product(W, X)
    return _as_scalar(np.sum(_softplus(X @ W)) / X.shape[0])


def softplus_loss_grad(W: ArrayLike, X: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`softplus_loss` with respect to ``W``: ``(1/N) X^T sigmoid(X W)``.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights (real).
    X : array_like, shape (N, d)
        Data.

    Returns
    -------
    numpy.ndarray
        Array with the shape of ``W``.

    Examples
    --------
    >>> softplus_loss_grad([0.0], [[1.0], [2.0]]).tolist()
    [0.75]
    """
    W, X = _product(W, X)
    for name, arr in (("W", W), ("X", X)):
        if arr.dtype.kind == "c":  # _sigmoid branches on the sign and uses abs: real input only
            raise TypeError(f"{name} must be real, but it has dtype {arr.dtype} (softplus_loss accepts complex W)")
    return X.T @ _sigmoid(X @ W) / X.shape[0]


@dataclass(frozen=True)
class SmoothProblem:
    """A scalar function of an array, its gradient, and a point to check it at.

    Attributes
    ----------
    name : str
        Short name, e.g. ``"log det"``.
    formula : str
        The function and its gradient in words, e.g. ``"log det A -> A^{-T}"``.
    f : callable
        ``f(x) -> scalar``; accepts complex ``x`` (analytic continuation).
    grad : callable
        ``grad(x) -> array`` of ``x``'s shape.
    x : numpy.ndarray
        Evaluation point (float64).
    quadratic : bool
        True for the least-squares loss, whose central differences have no truncation error.
    """

    name: str
    formula: str
    f: Callable[[np.ndarray], float | complex]
    grad: Callable[[np.ndarray], np.ndarray]
    x: np.ndarray
    quadratic: bool = False


def _well_conditioned_square(rng: np.random.Generator, n: int) -> np.ndarray:
    """I + 0.3 G / sqrt(n): non-symmetric (so a missing transpose shows), det > 0 and cond ~ 2."""
    return np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)


def smooth_problems(seed: int = 0, *, N: int = 20, d: int = 4, k: int = 3, n: int = 4) -> list[SmoothProblem]:
    """The common test bed: the least-squares loss and three smooth non-quadratic functions.

    Parameters
    ----------
    seed : int, default 0
        Seed of the data and of the points.
    N, d, k : int
        Size of the regression problems (``X`` is N x d, ``W`` is d x k).
    n : int
        Size of the square matrices of :func:`log_det` and :func:`trace_inverse`.

    Returns
    -------
    list of SmoothProblem
        ``least squares``, ``log det``, ``trace of inverse`` and ``softplus of XW``, in this order.

    Examples
    --------
    >>> [p.name for p in smooth_problems()]
    ['least squares', 'log det', 'trace of inverse', 'softplus of XW']
    """
    from .data import make_regression

    rng = random_generator(seed)
    X, _, Y = make_regression(N, d, k, seed=seed)
    W = rng.standard_normal((d, k))
    A = _well_conditioned_square(rng, n)
    B = _well_conditioned_square(rng, n)
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
