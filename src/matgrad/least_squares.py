r"""The least-squares loss of linear regression and its derivatives.

Notation (fixed for the whole book)::

    X  in R^{N x d}   data, one example per row
    W  in R^{d x k}   weights            (or a vector of shape (d,))
    Y  in R^{N x k}   targets            (or a vector of shape (N,))
    R  = X W - Y      residual

    L(W)   = (1/N) ||X W - Y||_F^2
    dL/dW  = (2/N) X^T R        (shape of W: denominator layout)
    dL/dX  = (2/N) R W^T        (shape of X)
    dL/dY  = -(2/N) R           (shape of Y)

The loss is written as a plain sum of squares, with no ``abs``, ``conj``,
``norm`` or ``vdot``: for a complex ``W`` it is the analytic continuation of the
real loss, which is what the complex-step method of differentiation needs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .validation import as_python_scalar, prepare_regression

__all__ = ["residual", "loss", "grad_W", "grad_X", "grad_Y", "loss_and_grad"]


def _residual(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """R = X W - Y, computed into the fresh array X @ W (no extra temporary)."""
    R = X @ W
    if np.result_type(R, Y) == R.dtype:
        R -= Y
    else:
        R = R - Y
    return R


def _sum_of_squares(R: np.ndarray):
    """sum_ij R_ij * R_ij, without conjugation and without forming R * R."""
    flat = R.reshape(-1)
    return np.dot(flat, flat)


def residual(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Return the residual ``R = X W - Y``.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights.
    X : array_like, shape (N, d)
        Data, one example per row.
    Y : array_like, shape (N, k) or (N,)
        Targets; a vector exactly when ``W`` is a vector.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray
        ``R``, with the shape of ``Y``.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    return _residual(W, X, Y)


def loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> float | complex:
    r"""Mean squared error ``L(W) = (1/N) ||X W - Y||_F^2``.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights. May be complex (for the complex-step method).
    X : array_like, shape (N, d)
        Data, ``N >= 1``.
    Y : array_like, shape (N, k) or (N,)
        Targets.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float or complex
        The loss; complex only if an input is complex.

    Raises
    ------
    TypeError
        If an input is not numeric.
    ValueError
        If the shapes do not fit together, ``N = 0``, or an input is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> loss(np.array([[1.0], [2.0]]), np.eye(2), np.zeros((2, 1)))
    2.5
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    R = _residual(W, X, Y)
    return as_python_scalar(_sum_of_squares(R) / X.shape[0])


def grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of the loss with respect to ``W``: ``(2/N) X^T (X W - Y)``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss`.

    Returns
    -------
    numpy.ndarray
        Array with the shape of ``W`` (denominator layout).

    Examples
    --------
    >>> import numpy as np
    >>> grad_W(np.array([1.0, 2.0]), np.eye(2), np.zeros(2))
    array([1., 2.])
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    G = X.T @ _residual(W, X, Y)
    G *= 2.0 / X.shape[0]
    return G


def grad_X(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of the loss with respect to ``X``: ``(2/N) (X W - Y) W^T``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss`.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(N, d)``, the shape of ``X``.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    R = _residual(W, X, Y)
    if W.ndim == 1:  # single output: R W^T is the outer product r w^T
        G = np.outer(R, W)
    else:
        G = R @ W.T
    G *= 2.0 / X.shape[0]
    return G


def grad_Y(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of the loss with respect to ``Y``: ``-(2/N) (X W - Y)``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss`.

    Returns
    -------
    numpy.ndarray
        Array with the shape of ``Y``.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    G = _residual(W, X, Y)
    G *= -2.0 / X.shape[0]
    return G


def loss_and_grad(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True
) -> tuple[float | complex, np.ndarray]:
    """Loss and gradient with respect to ``W``, sharing one residual.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss`.

    Returns
    -------
    loss : float or complex
        ``(1/N) ||X W - Y||_F^2``.
    grad : numpy.ndarray
        ``(2/N) X^T (X W - Y)``, with the shape of ``W``.
    """
    W, X, Y = prepare_regression(W, X, Y, check_finite)
    N = X.shape[0]
    R = _residual(W, X, Y)
    value = as_python_scalar(_sum_of_squares(R) / N)
    G = X.T @ R
    G *= 2.0 / N
    return value, G
