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

import cmath
import functools

import numpy as np
from numpy.typing import ArrayLike

from ._old_checks import (
    matmul_propagates_non_finite,
    prepare_regression,
    prepare_regression_deferred,
    regression_arrays_ready,
    require_finite_inputs,
)

# Phase-1 re-exports (to be merged into this module)
from .data import make_regression  # noqa: E402, F401
from .inner_product import directional_derivative, frobenius_inner, relative_difference  # noqa: E402, F401

__all__ = ["residual", "loss", "grad_W", "grad_X", "grad_Y", "loss_and_grad"]

# ---------------------------------------------------------------------------
# How the loss and the gradient are computed (see the chapter "What a gradient costs")
#
# The loss needs the product X W, the gradient also X^T R: two matrix products
# (GEMMs) of 2 N d k flops each, which nothing can avoid. Everything else is kept
# from adding a pass over memory:
#
# * the residual is formed in place in the array X @ W, and the sum of squares is
#   a dot product of the raveled residual with itself (no R * R temporary);
# * a small problem (N d k <= _TRANSPOSED_MAX_MULTIPLY_ADDS, k > 1) forms the transposed
#   products R^T = W^T X^T - Y^T and G^T = R^T X: the same sums, in the orientation that
#   OpenBLAS's kernels handled faster for a thin W (measured with benchmarks/gradient_speed.py);
# * a large X (more than BLOCK_THRESHOLD_BYTES, C-ordered) is streamed in row blocks of about
#   BLOCK_BYTES, each small enough to stay in cache between its two products, so X is read
#   from memory once instead of twice (a block's residual and share of the loss never leave
#   the cache);
# * input checks do not pass over X: NaN or infinity in any input makes the (small) result
#   non-finite (0 * inf and 0 * nan are NaN), so the result is checked, and only then are the
#   inputs examined to name the culprit, with the error the eager check would have raised.
#   The computation runs under np.errstate(all="ignore") so that no RuntimeWarning precedes
#   that error; if the inputs turn out finite (an overflow), it is repeated with NumPy's
#   warnings, as before. validation.matmul_propagates_non_finite verifies once per dtype that
#   the BLAS does propagate NaN and infinity, even against zeros; where it does not, or W is
#   empty, the inputs are checked first, as before.
#
# Every path computes the same sums, in a different order: results agree with the
# plain formula to rounding (tests/test_performance_paths.py).
# ---------------------------------------------------------------------------

#: ``X`` larger than this (in bytes) is streamed in row blocks.
BLOCK_THRESHOLD_BYTES = 16 * 2**20
#: Target size (in bytes) of one row block of ``X``.
BLOCK_BYTES = 2 * 2**20
#: No block has fewer rows than this (narrow blocks make inefficient matrix products)...
_MIN_BLOCK_ROWS = 256
#: ... or more bytes than this (a larger block would not stay in cache).
_MAX_BLOCK_BYTES = 8 * 2**20
#: Up to this many multiply-adds per product (and k > 1), the products are formed transposed.
_TRANSPOSED_MAX_MULTIPLY_ADDS = 2**19


def _residual(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """R = X W - Y, computed into the fresh array X @ W (no extra temporary)."""
    R = X @ W
    if R.dtype == Y.dtype or R.dtype == np.result_type(R.dtype, Y.dtype):
        R -= Y
    else:
        R = R - Y
    return R


def _sum_of_squares(R: np.ndarray):
    """sum_ij R_ij * R_ij, without conjugation and without forming R * R."""
    flat = R.ravel(order="K")  # a view, in memory order, for C- and Fortran-ordered arrays
    return flat.dot(flat)


def _block_rows(X: np.ndarray) -> int:
    """Rows per block of the blocked path, or 0 for the one-shot path."""
    if X.nbytes <= BLOCK_THRESHOLD_BYTES or not X.flags.c_contiguous:
        return 0
    row_bytes = X.shape[1] * X.itemsize
    rows = max(_MIN_BLOCK_ROWS, BLOCK_BYTES // row_bytes)
    if rows * row_bytes > _MAX_BLOCK_BYTES or 2 * rows > X.shape[0]:
        return 0
    return rows


def _sums(W: np.ndarray, X: np.ndarray, Y: np.ndarray, want_loss: bool, want_grad: bool):
    """``(sum_ij R_ij^2, X^T R)`` with ``R = X W - Y``; an entry not wanted is None."""
    if X.nbytes > BLOCK_THRESHOLD_BYTES:
        rows = _block_rows(X)
        if rows:
            return _blocked_sums(W, X, Y, rows, want_loss, want_grad)
    total = None
    if W.ndim == 2 and W.shape[1] > 1 and X.shape[0] * X.shape[1] * W.shape[1] <= _TRANSPOSED_MAX_MULTIPLY_ADDS:
        Rt = W.T @ X.T  # R^T = W^T X^T - Y^T and G^T = R^T X: the same sums, transposed
        if Rt.dtype == Y.dtype or Rt.dtype == np.result_type(Rt.dtype, Y.dtype):
            Rt -= Y.T
        else:
            Rt = Rt - Y.T
        if want_loss:
            flat = Rt.reshape(-1)
            total = flat.dot(flat)
        return total, ((Rt @ X).T if want_grad else None)
    R = X @ W  # _residual and _sum_of_squares inlined: small problems are where calls count
    if R.dtype == Y.dtype or R.dtype == np.result_type(R.dtype, Y.dtype):
        R -= Y
    else:
        R = R - Y
    if want_loss:
        flat = R.reshape(-1)
        total = flat.dot(flat)
    return total, (X.T @ R if want_grad else None)


def _gradient_and_check(W: np.ndarray, X: np.ndarray, Y: np.ndarray):
    """``(X^T R, sum of squares of X^T R)``: the second is non-finite if the first is (or overflows)."""
    G = _sums(W, X, Y, False, True)[1]
    return G, _sum_of_squares(G)


# The same under np.errstate(all="ignore"), for the deferred check: NaN or inf input must raise its
# ValueError, not NumPy's RuntimeWarning first (as a decorator, errstate costs less than a with block).
_quiet_sums = np.errstate(all="ignore")(_sums)
_quiet_gradient_and_check = np.errstate(all="ignore")(_gradient_and_check)


def _blocked_sums(W: np.ndarray, X: np.ndarray, Y: np.ndarray, rows: int, want_loss: bool, want_grad: bool):
    """:func:`_sums` over blocks of about ``rows`` rows, reading each block of X once into cache."""
    N = X.shape[0]
    n_blocks = -(-N // rows)
    in_place = np.result_type(X.dtype, W.dtype, Y.dtype) == np.result_type(X.dtype, W.dtype)
    total = grad = None
    stop = 0
    for b in range(1, n_blocks + 1):
        start, stop = stop, N * b // n_blocks  # blocks of equal size up to one row
        X_b = X[start:stop]
        R_b = X_b @ W
        if in_place:
            R_b -= Y[start:stop]
        else:
            R_b = R_b - Y[start:stop]
        if want_loss:
            part = _sum_of_squares(R_b)
            total = part if total is None else total + part
        if want_grad:
            part = X_b.T @ R_b
            if grad is None:
                grad = part
            else:
                grad += part
    return total, grad


def _mean(total: np.generic, N: int) -> float | complex:
    """``total / N`` as a Python float, or complex if it is complex (as ``as_python_scalar``, faster)."""
    if type(total) is np.float64:  # the common case: Python's division is the same IEEE division
        return float(total) / N
    value = total / N
    return complex(value) if value.dtype.kind == "c" else float(value)


@functools.cache
def _propagates(x_dtype: np.dtype, w_dtype: np.dtype, y_dtype: np.dtype) -> bool:
    """Whether both products X @ W and X^T R pass NaN and infinity on (see matmul_propagates_non_finite)."""
    inner = np.result_type(x_dtype, w_dtype)
    return matmul_propagates_non_finite(inner) and matmul_propagates_non_finite(np.result_type(inner, y_dtype))


def _inputs(W: ArrayLike, X: ArrayLike, Y: ArrayLike, check_finite: bool):
    """``(W, X, Y, deferred)``: converted, shape-checked inputs.

    ``deferred`` is True when the finiteness check is left to the result: the caller
    computes under ``np.errstate(all="ignore")`` and, if the (small) result is not
    finite, calls :func:`require_finite_inputs`, which raises the error the eager
    check would have raised, or returns if the inputs are finite (then the
    computation overflowed; it is repeated with NumPy's warnings, as before).
    """
    if not check_finite:
        W, X, Y = prepare_regression(W, X, Y, False)
        return W, X, Y, False
    if not regression_arrays_ready(W, X, Y):
        W, X, Y = prepare_regression_deferred(W, X, Y)
    if W.size and _propagates(X.dtype, W.dtype, Y.dtype):
        return W, X, Y, True
    require_finite_inputs(W, X, Y)  # an empty W, or a BLAS that could swallow NaN: check up front
    return W, X, Y, False


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
    W, X, Y, deferred = _inputs(W, X, Y, check_finite)
    if deferred:
        total = _quiet_sums(W, X, Y, True, False)[0]
        if not cmath.isfinite(total):  # NaN or inf in any input makes the sum of squares non-finite
            require_finite_inputs(W, X, Y)
            total = _sums(W, X, Y, True, False)[0]
    else:
        total = _sums(W, X, Y, True, False)[0]
    return _mean(total, X.shape[0])


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
    W, X, Y, deferred = _inputs(W, X, Y, check_finite)
    if deferred:
        G, check = _quiet_gradient_and_check(W, X, Y)
        if not cmath.isfinite(check):
            require_finite_inputs(W, X, Y)
            G = _sums(W, X, Y, False, True)[1]
    else:
        G = _sums(W, X, Y, False, True)[1]
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
    W, X, Y, deferred = _inputs(W, X, Y, check_finite)
    if deferred:
        total, G = _quiet_sums(W, X, Y, True, True)
        if not cmath.isfinite(total):  # NaN or inf in any input makes the sum of squares non-finite
            require_finite_inputs(W, X, Y)
            total, G = _sums(W, X, Y, True, True)
    else:
        total, G = _sums(W, X, Y, True, True)
    N = X.shape[0]
    G *= 2.0 / N
    return _mean(total, N), G
