r"""Variants of the least-squares loss and their gradients.

Each variant is derived in the book by the differential method: write ``dL`` as a
Frobenius inner product ``G : dW`` and read off the gradient ``G``. With
``R = X W - Y`` (or ``R = X W + 1 b^T - Y`` with an intercept)::

    ridge           (1/N) ||R||_F^2 + lam ||W||_F^2      (2/N) X^T R + 2 lam W
    weighted        (1/N) sum_i r_i ||R_i,:||^2            (2/N) X^T diag(r) R
    intercept       (1/N) ||X W + 1 b^T - Y||_F^2          W: (2/N) X^T R,  b: (2/N) R^T 1
    sum             ||R||_F^2                             2 X^T R
    half mean       (1/(2N)) ||R||_F^2                    (1/N) X^T R

Every function takes the same inputs as the core API (:func:`matgrad.loss`) and
applies the same checks: integer input is promoted to float, non-numeric input
raises :class:`TypeError`, non-finite input and shape mismatches raise
:class:`ValueError` (the losses and gradients take ``check_finite=False`` to skip
the finiteness check). The
losses are written as plain arithmetic (no ``abs``, ``conj`` or ``norm``), so they
also accept complex ``W`` for the complex-step method.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike

from .._old_checks import as_numeric_array, as_python_scalar, check_regression_shapes, prepare_regression
from ..inner_product import _exponent

__all__ = [
    "add_intercept_column",
    "half_mse_grad_W",
    "half_mse_loss",
    "intercept_grad",
    "intercept_loss",
    "ridge_grad_W",
    "ridge_loss",
    "ridge_solution",
    "sum_grad_W",
    "sum_loss",
    "weighted_grad_W",
    "weighted_loss",
]


# ---------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------


def _residual(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    R = X @ W
    return R - Y


def _sum_of_squares(A: np.ndarray):
    flat = A.reshape(-1)
    return np.dot(flat, flat)


def _regularisation(lam: object) -> float:
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real):
        raise TypeError(f"lam must be a real number, got {lam!r}")
    lam = float(lam)
    if not (math.isfinite(lam) and lam >= 0):
        raise ValueError(f"lam must be a finite non-negative number, got {lam!r}")
    return lam


def _row_weights(weights: ArrayLike, X: np.ndarray, check_finite: bool) -> np.ndarray:
    r = as_numeric_array("weights", weights, check_finite=check_finite)
    if r.dtype.kind == "c":
        raise TypeError(f"weights must be real, but they have dtype {r.dtype}")
    if r.shape != (X.shape[0],):
        raise ValueError(
            f"weights has shape {r.shape} but X has shape {X.shape}: weights must have shape ({X.shape[0]},), "
            "one weight per row"
        )
    if np.any(r < 0):
        i = int(np.argmax(r < 0))
        raise ValueError(f"weights must be non-negative, but weights[{i}] = {r[i]!r}")
    return r


def _weight_rows(r: np.ndarray, R: np.ndarray) -> np.ndarray:
    """diag(r) R, for R of shape (N, k) or (N,)."""
    return r.reshape((-1,) + (1,) * (R.ndim - 1)) * R


def _bias(b: ArrayLike, W: np.ndarray, check_finite: bool) -> np.ndarray:
    b = as_numeric_array("b", b, check_finite=check_finite)
    expected = W.shape[1:]  # (k,) for a matrix W, () for a vector W
    if b.shape != expected:
        what = f"({W.shape[1]},), one entry per output" if W.ndim == 2 else "() (a scalar), since W is a vector"
        raise ValueError(f"b has shape {b.shape} but W has shape {W.shape}: b must have shape {what}")
    return b


# ---------------------------------------------------------------------------
# ridge
# ---------------------------------------------------------------------------


def ridge_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, lam: float, *, check_finite: bool = True) -> float | complex:
    r"""Ridge loss ``(1/N) ||X W - Y||_F^2 + lam ||W||_F^2``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`matgrad.loss`.
    lam : float
        Regularisation strength, ``lam >= 0``.

    Returns
    -------
    float or complex
        The loss.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    lam = _regularisation(lam)
    return as_python_scalar(_sum_of_squares(_residual(W, X, Y)) / X.shape[0] + lam * _sum_of_squares(W))


def ridge_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, lam: float, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of :func:`ridge_loss`: ``(2/N) X^T (X W - Y) + 2 lam W``.

    Derivation: ``d(lam W:W) = 2 lam W : dW``, added to the least-squares part.

    Returns
    -------
    numpy.ndarray
        Array with the shape of ``W``.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    lam = _regularisation(lam)
    G = X.T @ _residual(W, X, Y)
    G *= 2.0 / X.shape[0]
    return G + (2.0 * lam) * W


def ridge_solution(X: ArrayLike, Y: ArrayLike, lam: float) -> np.ndarray:
    r"""The minimiser of :func:`ridge_loss`: ``(X^T X + N lam I)^{-1} X^T Y``.

    Setting the gradient to zero gives ``(X^T X + N lam I) W = X^T Y``. It is
    solved without forming ``X^T X``, as the ordinary least-squares problem with
    the stacked data ``[X; sqrt(N lam) I]`` and targets ``[Y; 0]``, whose normal
    equations are exactly these. When ``N lam >= ||X||_F^2``, the rounding of that
    large block would drown ``X``; but then ``X^T X + N lam I`` has condition number
    at most 2, and these equations, scaled by ``1 / (N lam)``, are solved directly.

    Parameters
    ----------
    X : array_like, shape (N, d)
    Y : array_like, shape (N, k) or (N,)
    lam : float
        ``lam >= 0``; for ``lam = 0`` the minimum-norm least-squares solution.

    Returns
    -------
    numpy.ndarray
        ``W`` of shape ``(d, k)`` or ``(d,)``.
    """
    X = as_numeric_array("X", X, opt_out="")
    Y = as_numeric_array("Y", Y, opt_out="")
    for name, arr in (("X", X), ("Y", Y)):
        if arr.dtype.kind == "c":  # lstsq would minimise the Hermitian norm, not the book's loss
            raise TypeError(f"{name} must be real, but it has dtype {arr.dtype}")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
    if Y.ndim not in (1, 2):
        raise ValueError(f"Y must have shape (N, k) or (N,), but it has shape {Y.shape}")
    check_regression_shapes(np.zeros((X.shape[1],) + Y.shape[1:]), X, Y)
    lam = _regularisation(lam)
    N, d = X.shape
    if lam > 0:
        W = _ridge_large_lambda(X, Y, lam)
        if W is not None:
            return W
    X_aug = np.vstack([X, (math.sqrt(N) * math.sqrt(lam)) * np.eye(d)])  # sqrt(N lam) without overflow of N lam
    Y_aug = np.concatenate([Y, np.zeros((d,) + Y.shape[1:])])
    return np.linalg.lstsq(X_aug, Y_aug, rcond=None)[0]


def _ridge_large_lambda(X: np.ndarray, Y: np.ndarray, lam: float) -> np.ndarray | None:
    """``(X^T X + N lam I)^{-1} X^T Y`` when ``N lam >= ||X||_F^2``, else None.

    Then ``X^T X / (N lam) + I`` has eigenvalues in ``[1, 2]``, and the equations divided by ``N lam``
    are solved directly. ``X = 2^e Xn`` with ``max |Xn|`` in ``[1/2, 1)`` (exact), so that neither
    ``X^T X``, nor ``N lam``, nor ``X^T Y`` is formed at a scale that could over- or underflow:
    ``W = 2^e c^2 (t^2 Xn^T Xn + I)^{-1} Xn^T Y`` with ``c = 1 / sqrt(N lam)`` and ``t = 2^e c``.
    """
    N, d = X.shape
    e = _exponent(X)
    Xn = np.ldexp(X, -e)
    c = 1.0 / (math.sqrt(N) * math.sqrt(lam))  # 1 / sqrt(N lam), without overflow of N lam
    try:
        t = math.ldexp(c, e)  # 2^e / sqrt(N lam): beyond float64 exactly when N lam << ||X||^2
    except OverflowError:
        return None
    frobenius = float(np.linalg.norm(Xn))  # ||X||_F = 2^e ||Xn||_F, and ||Xn||_F is far from 0 and inf
    if not (math.isfinite(t) and frobenius * t <= 1.0):  # N lam >= ||X||_F^2 fails (or is out of range)
        return None
    A = (t * t) * (Xn.T @ Xn)
    A[np.diag_indices(d)] += 1.0
    W = np.linalg.solve(A, Xn.T @ Y)
    return np.ldexp(W, e) * c * c  # in this order: the scaling by 2^e first keeps W in range


# ---------------------------------------------------------------------------
# weighted least squares
# ---------------------------------------------------------------------------


def weighted_loss(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, weights: ArrayLike, *, check_finite: bool = True
) -> float | complex:
    r"""Weighted loss ``(1/N) sum_i r_i ||x_i W - y_i||^2`` with row weights ``r_i >= 0``.

    Equal to ``(1/N) tr(R^T diag(r) R)`` with ``R = X W - Y``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`matgrad.loss`.
    weights : array_like, shape (N,)
        One non-negative weight per row of ``X``.

    Returns
    -------
    float or complex
        The loss.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    r = _row_weights(weights, X, check_finite)
    R = _residual(W, X, Y)
    return as_python_scalar(np.sum(_weight_rows(r, R) * R) / X.shape[0])


def weighted_grad_W(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, weights: ArrayLike, *, check_finite: bool = True
) -> np.ndarray:
    r"""Gradient of :func:`weighted_loss`: ``(2/N) X^T diag(r) (X W - Y)``.

    The weights enter **once**: ``dL = (2/N) diag(r) R : X dW``.

    Returns
    -------
    numpy.ndarray
        Array with the shape of ``W``.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    r = _row_weights(weights, X, check_finite)
    G = X.T @ _weight_rows(r, _residual(W, X, Y))
    G *= 2.0 / X.shape[0]
    return G


# ---------------------------------------------------------------------------
# intercept
# ---------------------------------------------------------------------------


def add_intercept_column(X: ArrayLike) -> np.ndarray:
    r"""Append a column of ones: ``[X, 1]`` of shape ``(N, d + 1)``.

    With ``X1 = [X, 1]`` and ``W1 = [W; b^T]``, ``X1 W1 = X W + 1 b^T``: an intercept
    is an extra weight row acting on a constant feature.
    """
    X = as_numeric_array("X", X, opt_out="")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
    return np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])


def _intercept_residual(W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    R = X @ W
    return R + b - Y  # b broadcasts over the rows: X W + 1 b^T - Y


def intercept_loss(
    W: ArrayLike, b: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True
) -> float | complex:
    r"""Loss with a bias vector: ``(1/N) ||X W + 1 b^T - Y||_F^2``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`matgrad.loss`.
    b : array_like, shape (k,) or ()
        One bias per output; a scalar when ``W`` is a vector.

    Returns
    -------
    float or complex
        The loss.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    b = _bias(b, W, check_finite)
    return as_python_scalar(_sum_of_squares(_intercept_residual(W, b, X, Y)) / X.shape[0])


def intercept_grad(
    W: ArrayLike, b: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`intercept_loss` with respect to ``W`` and ``b``.

    With ``R = X W + 1 b^T - Y``: ``dL = (2/N) R : (X dW + 1 db^T)``, so

    * ``grad_W = (2/N) X^T R`` (the usual formula, with the biased residual);
    * ``grad_b = (2/N) R^T 1``, the column sums of ``R`` times ``2/N``.

    Returns
    -------
    grad_W : numpy.ndarray
        Shape of ``W``.
    grad_b : numpy.ndarray
        Shape of ``b``.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    b = _bias(b, W, check_finite)
    R = _intercept_residual(W, b, X, Y)
    scale = 2.0 / X.shape[0]
    return scale * (X.T @ R), np.asarray(scale * R.sum(axis=0))


# ---------------------------------------------------------------------------
# other normalisations
# ---------------------------------------------------------------------------


def sum_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> float | complex:
    r"""Sum of squares ``||X W - Y||_F^2`` (no division by ``N``); ``N`` times :func:`matgrad.loss`."""
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    return as_python_scalar(_sum_of_squares(_residual(W, X, Y)))


def sum_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of :func:`sum_loss`: ``2 X^T (X W - Y)``."""
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    G = X.T @ _residual(W, X, Y)
    G *= 2.0
    return G


def half_mse_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> float | complex:
    r"""Half mean squared error ``(1/(2N)) ||X W - Y||_F^2``, the convention that cancels the 2."""
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    return as_python_scalar(_sum_of_squares(_residual(W, X, Y)) / (2 * X.shape[0]))


def half_mse_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of :func:`half_mse_loss`: ``(1/N) X^T (X W - Y)``."""
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    G = X.T @ _residual(W, X, Y)
    G /= X.shape[0]
    return G
