r"""Chapter 12: variants of the least-squares loss and their gradients.

Each variant is derived in the chapter by the differential method: write ``dL`` as a Frobenius inner
product ``G : dW`` and read off the gradient ``G``. With ``R = X W - Y`` (or ``R = X W + 1 b^T - Y`` with
an intercept)::

    ridge           (1/N) ||R||_F^2 + lam ||W||_F^2      (2/N) X^T R + 2 lam W
    weighted        (1/N) sum_i omega_i ||R_i,:||^2            (2/N) X^T Omega R,  Omega = diag(omega)
    intercept       (1/N) ||X W + 1 b^T - Y||_F^2          W: (2/N) X^T R,  b: (2/N) R^T 1
    sum             ||R||_F^2                             2 X^T R
    half mean       (1/(2N)) ||R||_F^2                    (1/N) X^T R

The functions take ``(W, X, Y)`` in the book's order and check them as :func:`matgrad.loss` does (numeric,
finite, shapes that fit, named in the error). The losses are plain arithmetic (no ``abs``, ``conj`` or
``norm``), so they also accept complex ``W`` for the complex-step method.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_array, as_matrix, positive_number, regression_arrays

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


# --------------------------------------------------------------------------- ridge


def ridge_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, lam: float) -> float | complex:
    """Ridge loss ``(1/N) ||X W - Y||_F^2 + lam ||W||_F^2``, with ``lam >= 0``.

    Examples
    --------
    >>> ridge_loss([[1.0]], [[1.0], [1.0]], [[0.0], [2.0]], lam=0.5)
    1.5
    """
    W, X, Y = regression_arrays(W, X, Y)
    lam = positive_number("lam", lam, allow_zero=True)
    R = X @ W - Y
    return (np.sum(R * R) / X.shape[0] + lam * np.sum(W * W)).item()


def ridge_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, lam: float) -> np.ndarray:
    """Gradient of :func:`ridge_loss`: ``(2/N) X^T (X W - Y) + 2 lam W``.

    The penalty adds ``d(lam W : W) = 2 lam W : dW`` to the differential of the least-squares part.
    """
    W, X, Y = regression_arrays(W, X, Y)
    lam = positive_number("lam", lam, allow_zero=True)
    return 2 / X.shape[0] * X.T @ (X @ W - Y) + 2 * lam * W


def ridge_solution(X: ArrayLike, Y: ArrayLike, lam: float) -> np.ndarray:
    r"""The minimiser of :func:`ridge_loss`, the solution of ``(X^T X + N lam I) W = X^T Y``.

    Solved without forming ``X^T X``, as the ordinary least-squares problem with the stacked data
    ``[X; sqrt(N lam) I]`` and targets ``[Y; 0]``, whose normal equations are exactly these. For ``lam = 0``
    it is the minimum-norm least-squares solution. ``X`` and ``Y`` must be real: for complex data ``lstsq``
    would minimise a different (Hermitian) loss.

    Examples
    --------
    >>> ridge_solution([[1.0], [1.0]], [1.0, 3.0], lam=1.0)
    array([1.])
    """
    X, Y = as_matrix("X", X, allow_complex=False), as_array("Y", Y, allow_complex=False)
    lam = positive_number("lam", lam, allow_zero=True)
    N, d = X.shape
    if Y.ndim not in (1, 2) or Y.shape[0] != N:
        raise ValueError(f"X has shape {X.shape} but Y has shape {Y.shape}: Y must have shape ({N}, k) or ({N},)")
    X_stacked = np.vstack([X, np.sqrt(N * lam) * np.eye(d)])
    Y_stacked = np.concatenate([Y, np.zeros((d, *Y.shape[1:]))])
    return np.linalg.lstsq(X_stacked, Y_stacked, rcond=None)[0]


# --------------------------------------------------------------------------- weighted least squares


def _row_weights(weights: ArrayLike, X: np.ndarray) -> np.ndarray:
    omega = as_array("weights", weights, allow_complex=False)
    if omega.shape != (X.shape[0],):
        raise ValueError(f"weights has shape {omega.shape} but X has shape {X.shape}: one weight per row of X")
    if np.any(omega < 0):
        raise ValueError(f"weights must be non-negative, but weights[{int(np.argmax(omega < 0))}] < 0")
    return omega


def weighted_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, weights: ArrayLike) -> float | complex:
    """Weighted loss ``(1/N) sum_i omega_i ||X_i,: W - Y_i,:||^2 = (1/N) R : Omega R``, one ``omega_i >= 0`` per row.

    Divided by ``N``, not by ``sum_i omega_i``: multiplying every weight by ``c`` multiplies the loss by ``c``.

    Examples
    --------
    >>> weighted_loss([[1.0]], [[1.0], [1.0]], [[0.0], [2.0]], weights=[3.0, 1.0])
    2.0
    """
    W, X, Y = regression_arrays(W, X, Y)
    omega = _row_weights(weights, X)
    R = X @ W - Y
    OmegaR = (omega * R.T).T  # Omega R: row i of R times omega_i, without forming the N x N matrix Omega
    return (np.sum(R * OmegaR) / X.shape[0]).item()


def weighted_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Gradient of :func:`weighted_loss`: ``(2/N) X^T Omega (X W - Y)``, ``Omega = diag(omega)``.

    The weights enter once: ``d(R : Omega R) = 2 Omega R : dR`` and ``dR = X dW``.
    """
    W, X, Y = regression_arrays(W, X, Y)
    omega = _row_weights(weights, X)
    R = X @ W - Y
    OmegaR = (omega * R.T).T  # Omega R: row i of R times omega_i, without forming the N x N matrix Omega
    return 2 / X.shape[0] * X.T @ OmegaR


# --------------------------------------------------------------------------- intercept


def add_intercept_column(X: ArrayLike) -> np.ndarray:
    """``[X, 1]``, of shape ``(N, d + 1)``: with ``W1 = [W; b^T]``, ``[X, 1] W1 = X W + 1 b^T``.

    Examples
    --------
    >>> add_intercept_column([[2.0], [3.0]])
    array([[2., 1.],
           [3., 1.]])
    """
    X = as_matrix("X", X)
    return np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])


def _intercept_residual(W: ArrayLike, b: ArrayLike, X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(X, R)`` with ``R = X W + 1 b^T - Y``, after checking the inputs (``b``: one bias per output)."""
    W, X, Y = regression_arrays(W, X, Y)
    b = as_array("b", b)
    if b.shape != W.shape[1:]:
        raise ValueError(f"b has shape {b.shape} but W has shape {W.shape}: b must have shape {W.shape[1:]}")
    return X, X @ W + b - Y  # b is added to every row


def intercept_loss(W: ArrayLike, b: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float | complex:
    """Loss with a bias vector, ``(1/N) ||X W + 1 b^T - Y||_F^2``: one bias per output (a scalar for a vector ``W``).

    Examples
    --------
    >>> intercept_loss([[1.0]], [1.0], [[1.0], [1.0]], [[0.0], [2.0]])
    2.0
    """
    X, R = _intercept_residual(W, b, X, Y)
    return (np.sum(R * R) / X.shape[0]).item()


def intercept_grad(W: ArrayLike, b: ArrayLike, X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of :func:`intercept_loss` with respect to ``W`` and ``b``: ``(2/N) X^T R`` and ``(2/N) R^T 1``.

    From ``dL = (2/N) R : (X dW + 1 db^T)``; the gradient for ``b`` holds the column sums of ``R``.
    """
    X, R = _intercept_residual(W, b, X, Y)
    return 2 / X.shape[0] * X.T @ R, 2 / X.shape[0] * R.sum(axis=0)


# --------------------------------------------------------------------------- other normalisations


def sum_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float | complex:
    """Sum of squares ``||X W - Y||_F^2``: ``N`` times :func:`matgrad.loss`."""
    W, X, Y = regression_arrays(W, X, Y)
    R = X @ W - Y
    return np.sum(R * R).item()


def sum_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    """Gradient of :func:`sum_loss`: ``2 X^T (X W - Y)``."""
    W, X, Y = regression_arrays(W, X, Y)
    return 2 * X.T @ (X @ W - Y)


def half_mse_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float | complex:
    """Half mean squared error ``(1/(2N)) ||X W - Y||_F^2``, the convention that cancels the 2."""
    W, X, Y = regression_arrays(W, X, Y)
    R = X @ W - Y
    return (np.sum(R * R) / (2 * X.shape[0])).item()


def half_mse_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    """Gradient of :func:`half_mse_loss`: ``(1/N) X^T (X W - Y)``."""
    W, X, Y = regression_arrays(W, X, Y)
    return X.T @ (X @ W - Y) / X.shape[0]
