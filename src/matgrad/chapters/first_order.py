r"""Vectorisation and Kronecker products: the least-squares problem as a vector problem.

``vec`` stacks the columns of a matrix (column-major, Fortran order), so that for
``W`` of shape (d, k), ``vec(W)`` has length ``d k`` and starts with column 0.
The key identity is

    vec(A B C) = (C^T kron A) vec(B),

and in particular ``vec(X W) = (I_k kron X) vec(W)``. Since the residual
``R = X W - Y`` is affine in ``W``, its Jacobian in vectorised form is the
constant (N k) x (d k) matrix ``I_k kron X``, and the Jacobian of the loss
``L = (1/N) vec(R)^T vec(R)`` is the 1 x (d k) row

    J = (2/N) vec(R)^T (I_k kron X) = vec((2/N) X^T R)^T,

the transpose of the vectorised gradient. These matrices are for explanation:
``I_k kron X`` has ``N k * d k`` entries, almost all zero, and code that
computes gradients uses ``X^T R`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._old_checks import as_matrix, as_numeric_array, check_regression_shapes, positive_int

__all__ = [
    "vec",
    "unvec",
    "kron_product_matrix",
    "kron_identity_left",
    "jacobian_residual_vec",
    "loss_jacobian_vec",
    "jacobian_to_gradient",
]


def vec(A: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Stack the columns of ``A`` into one vector (column-major order).

    Parameters
    ----------
    A : array_like, shape (m, n) or (m,)
        A matrix, or a vector (which is returned as a copy).
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (m n,)
        ``[A[:, 0], A[:, 1], ..., A[:, n-1]]`` concatenated.

    Examples
    --------
    >>> vec([[1, 2], [3, 4]])
    array([1., 3., 2., 4.])
    """
    arr = as_numeric_array("A", A, check_finite=check_finite)
    if arr.ndim not in (1, 2):
        raise ValueError(f"A must be a matrix or a vector, but it has shape {arr.shape}")
    return arr.reshape(-1, order="F").copy()


def unvec(v: ArrayLike, shape: Sequence[int], *, check_finite: bool = True) -> np.ndarray:
    """Inverse of :func:`vec`: fill a matrix of ``shape`` column by column.

    Parameters
    ----------
    v : array_like, shape (m n,), (m n, 1) or (1, m n)
        The stacked columns; a row or column matrix is accepted (a Jacobian row).
    shape : tuple of two ints
        ``(m, n)``, the shape of the result.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (m, n)
        The matrix ``A`` with ``vec(A) = v``.

    Examples
    --------
    >>> unvec([1, 3, 2, 4], (2, 2))
    array([[1., 2.],
           [3., 4.]])
    """
    arr = as_numeric_array("v", v, check_finite=check_finite)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ValueError(f"v must be a vector (or a single row or column), but it has shape {arr.shape}")
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be a tuple of two integers, got {shape!r}") from None
    if len(dims) != 2:
        raise ValueError(f"shape must have two entries (m, n), got {shape!r}")
    m, n = (positive_int(f"shape[{i}]", s) for i, s in enumerate(dims))
    if m * n != arr.size:
        raise ValueError(f"v has {arr.size} entries but shape {(m, n)} needs {m * n}")
    return arr.reshape((m, n), order="F").copy()


def kron_product_matrix(A: ArrayLike, C: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """The matrix ``C^T kron A`` with ``vec(A B C) = (C^T kron A) vec(B)`` for every ``B``.

    Parameters
    ----------
    A : array_like, shape (m, p)
        Left factor.
    C : array_like, shape (q, n)
        Right factor (``B`` then has shape (p, q)).
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (m n, p q)
        ``np.kron(C.T, A)``.

    Examples
    --------
    >>> A, B, C = np.arange(6.).reshape(2, 3), np.ones((3, 4)), np.arange(8.).reshape(4, 2)
    >>> bool(np.allclose(kron_product_matrix(A, C) @ vec(B), vec(A @ B @ C)))
    True
    """
    A = as_matrix("A", A, check_finite)
    C = as_matrix("C", C, check_finite)
    return np.kron(C.T, A)


def kron_identity_left(X: ArrayLike, k: int, *, check_finite: bool = True) -> np.ndarray:
    """The block-diagonal matrix ``I_k kron X`` (``k`` copies of ``X`` on the diagonal).

    Parameters
    ----------
    X : array_like, shape (N, d)
        The data matrix.
    k : int
        Number of columns of ``W`` (outputs), at least 1.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (N k, d k)
        The matrix with ``vec(X W) = (I_k kron X) vec(W)`` for every ``W`` of shape (d, k).

    Examples
    --------
    >>> kron_identity_left([[1, 2]], 2)
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    X = as_matrix("X", X, check_finite)
    k = positive_int("k", k)
    return np.kron(np.eye(k), X)


def jacobian_residual_vec(X: ArrayLike, k: int, *, check_finite: bool = True) -> np.ndarray:
    """Jacobian of ``vec(R) = vec(X W - Y)`` with respect to ``vec(W)`` (numerator layout).

    The residual is affine in ``W``, so the Jacobian is the same at every ``W``:
    ``vec(R(W + D)) = vec(R(W)) + J vec(D)`` exactly, with ``J = I_k kron X``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        The data matrix.
    k : int
        Number of columns of ``W`` and ``Y``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (N k, d k)
        Entry ``(r, c)`` is the derivative of ``vec(R)[r]`` with respect to ``vec(W)[c]``.
    """
    return kron_identity_left(X, k, check_finite=check_finite)


def loss_jacobian_vec(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Jacobian of the loss with respect to ``vec(W)``: the 1 x (d k) row ``(2/N) vec(R)^T (I_k kron X)``.

    Computed by the chain rule in numerator layout, without using the matrix
    gradient: ``dL/dvec(R)`` is the row ``(2/N) vec(R)^T`` and ``dvec(R)/dvec(W)``
    is ``I_k kron X``.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights (a vector means ``k = 1``).
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (1, d k)
        The row vector; its transpose is ``vec`` of the gradient ``(2/N) X^T R``.

    Examples
    --------
    >>> loss_jacobian_vec(np.array([[1.0, 0.0]]), np.array([[2.0]]), np.array([[0.0, 1.0]]))
    array([[ 8., -4.]])
    """
    W = as_numeric_array("W", W, check_finite=check_finite)
    X = as_numeric_array("X", X, check_finite=check_finite)
    Y = as_numeric_array("Y", Y, check_finite=check_finite)
    check_regression_shapes(W, X, Y)
    k = 1 if W.ndim == 1 else W.shape[1]
    vec_R = (X @ W - Y).reshape(-1, order="F")
    J = (2.0 / X.shape[0]) * (vec_R @ np.kron(np.eye(k), X))  # I_k kron X; k = 0 (no outputs) is allowed here
    return J.reshape(1, -1)


def jacobian_to_gradient(J: ArrayLike, shape: Sequence[int], *, check_finite: bool = True) -> np.ndarray:
    """Turn the 1 x (d k) Jacobian row of a scalar function into its gradient of shape (d, k).

    The gradient is ``unvec(J^T)``: the same numbers, arranged in the shape of the variable.

    Parameters
    ----------
    J : array_like, shape (1, d k) or (d k,)
        Jacobian of a scalar function with respect to ``vec(W)``.
    shape : tuple of two ints
        ``(d, k)``, the shape of ``W``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (d, k)
        The gradient (denominator layout).
    """
    arr = as_numeric_array("J", J, check_finite=check_finite)
    if arr.ndim == 2 and arr.shape[0] != 1:
        raise ValueError(f"J must be a single row (1, d k), but it has shape {arr.shape}")
    return unvec(arr, shape, check_finite=False)
