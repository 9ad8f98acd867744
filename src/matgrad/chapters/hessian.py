r"""The second derivative of the least-squares loss with respect to ``W``.

The gradient ``grad_W(W) = (2/N) X^T (X W - Y)`` is affine in ``W``, so the
Hessian does not depend on ``W`` (nor on ``Y``). It can be written two ways:

* as a **linear map** on matrices of the shape of ``W``::

      H[V] = (2/N) X^T X V          (V of shape (d, k); the Hessian-vector product)

  which is the directional derivative of the gradient: ``grad_W(W + tV) = grad_W(W) + t H[V]``;

* as a **dense matrix** of shape ``(d k, d k)`` acting on ``vec(W)``::

      H = (2/N) (I_k kron X^T X),   so that   vec(H[V]) = H vec(V).

  Here ``vec`` is **column-major** (Fortran order): ``vec(W)`` stacks the columns
  of ``W``, ``vec(W) = W.reshape(-1, order="F")``, and entry ``(a, b)`` of ``W``
  sits at position ``a + b d`` of ``vec(W)``. With this order the Hessian is block
  diagonal, one block ``(2/N) X^T X`` per output column: the ``k`` outputs do not
  interact.

The module also has a numerical Jacobian by central differences, used to check the
Hessian against finite differences of the gradient.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._old_checks import as_numeric_array

__all__ = ["hessian_vector_product", "hessian_W", "numerical_jacobian", "numerical_hessian"]

_EPS = float(np.finfo(np.float64).eps)


def _as_data_matrix(X: ArrayLike, check_finite: bool) -> np.ndarray:
    X = as_numeric_array("X", X, check_finite=check_finite)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"X has shape {X.shape}: the loss is a mean over N rows, and N = 0 leaves it undefined")
    return X


def hessian_vector_product(V: ArrayLike, X: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Apply the Hessian of the loss to a direction: ``(2/N) X^T X V``.

    This is the second derivative of ``L(W) = (1/N) ||X W - Y||_F^2`` as a linear
    map: ``grad_W(W + t V) = grad_W(W) + t * hessian_vector_product(V, X)`` exactly.
    It is computed as ``X^T (X V)``, without forming ``X^T X``: ``O(N d k)`` work.

    Parameters
    ----------
    V : array_like, shape (d, k) or (d,)
        Direction, with the shape of ``W``.
    X : array_like, shape (N, d)
        Data, ``N >= 1``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray
        ``(2/N) X^T X V``, with the shape of ``V``.

    Raises
    ------
    TypeError
        If an input is not numeric.
    ValueError
        If ``X`` is not a non-empty matrix, ``V`` is not 1-D or 2-D, ``V.shape[0] != X.shape[1]``,
        or an input is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> hessian_vector_product(np.array([1.0, 0.0]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([10., 14.])
    """
    V = as_numeric_array("V", V, check_finite=check_finite)
    X = _as_data_matrix(X, check_finite)
    if V.ndim not in (1, 2):
        raise ValueError(f"V must have the shape of W, (d, k) or (d,), but it has shape {V.shape}")
    if V.shape[0] != X.shape[1]:
        raise ValueError(f"X has shape {X.shape} but V has shape {V.shape}: X.shape[1] must equal V.shape[0]")
    HV = X.T @ (X @ V)
    HV *= 2.0 / X.shape[0]
    return HV


def hessian_W(X: ArrayLike, k: int = 1, *, check_finite: bool = True) -> np.ndarray:
    r"""Dense Hessian of the loss on ``vec(W)``: ``(2/N) (I_k kron X^T X)``.

    The rows and columns are indexed by ``vec(W)`` in **column-major (Fortran)
    order**, ``vec(W) = W.reshape(-1, order="F")``: entry ``(a, b)`` of ``W`` is at
    position ``a + b d``. Hence, for every ``V`` of shape ``(d, k)``::

        hessian_W(X, k) @ V.reshape(-1, order="F")
            == hessian_vector_product(V, X).reshape(-1, order="F")

    The matrix is block diagonal with ``k`` copies of the ``d x d`` block
    ``(2/N) X^T X``; it is symmetric and positive semidefinite, and positive
    definite exactly when ``X`` has full column rank. It has ``(d k)^2`` entries,
    so prefer :func:`hessian_vector_product` for anything but small problems.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data, ``N >= 1``.
    k : int, default 1
        Number of outputs (columns of ``W``); ``k = 1`` also covers a vector ``W`` of shape ``(d,)``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(d k, d k)``.

    Raises
    ------
    TypeError
        If ``X`` is not numeric or ``k`` is not an integer.
    ValueError
        If ``X`` is not a non-empty matrix, ``k < 1``, or ``X`` is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> hessian_W(np.array([[1.0, 0.0], [0.0, 2.0]]), k=2)
    array([[1., 0., 0., 0.],
           [0., 4., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 4.]])
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k (the number of columns of W) must be an integer, got {k!r}")
    if k < 1:
        raise ValueError(f"k (the number of columns of W) must be at least 1, got {k}")
    X = _as_data_matrix(X, check_finite)
    gram = X.T @ X
    gram *= 2.0 / X.shape[0]
    return np.kron(np.eye(int(k)), gram)


def _vector_output(F: Callable[[np.ndarray], Any], x: np.ndarray, where: str, size: int | None) -> np.ndarray:
    raw = F(x)
    try:
        value = as_numeric_array("F(x)", raw, check_finite=False)
    except TypeError as exc:
        raise TypeError(f"F must return a real numeric array, but at {where} it returned {raw!r}: {exc}") from None
    if value.dtype.kind == "c":
        raise TypeError(f"F must return a real numeric array, but at {where} it returned dtype {value.dtype}")
    flat = value.reshape(-1, order="F").astype(np.float64)
    if size is not None and flat.size != size:
        raise ValueError(f"F returned {flat.size} values at {where} but {size} at x: its output size must not change")
    if not np.all(np.isfinite(flat)):
        raise ValueError(f"F is not finite at {where}")
    return flat


def numerical_jacobian(F: Callable[[np.ndarray], Any], x: ArrayLike, *, h: float | None = None) -> np.ndarray:
    r"""Jacobian of an array-valued function by central differences, in column-major order.

    Column ``j`` is ``(vec F(x + h_j e_j) - vec F(x - h_j e_j)) / (2 h_j)``, where
    ``e_j`` is the ``j``-th unit array in column-major order and ``vec`` is
    column-major: entry ``(p, j)`` approximates ``d vec(F)_p / d vec(x)_j``. This is
    the *Jacobian* (numerator layout): its shape is ``(F(x).size, x.size)``.

    Applied to a gradient function it gives the Hessian (see :func:`numerical_hessian`).
    The central difference is exact up to rounding for an affine ``F``, such as the
    gradient of a quadratic loss.

    Parameters
    ----------
    F : callable
        ``F(x) -> array``, real-valued. Called with float64 arrays of ``x``'s shape.
    x : array_like
        Point, any shape; converted to float64.
    h : float, optional
        Relative step: entry ``j`` moves by ``h * max(|x_j|, 1)``. The default is
        ``eps^(1/3)``, which balances truncation against rounding.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(F(x).size, x.size)``.

    Raises
    ------
    TypeError
        If ``F`` is not callable, ``x`` is not numeric or ``F`` returns non-numeric values.
    ValueError
        If ``x`` is complex, ``h`` is not positive, or ``F`` is not finite or changes its output size.

    Examples
    --------
    >>> import numpy as np
    >>> J = numerical_jacobian(lambda x: np.array([x[0] * x[1], 3 * x[1]]), np.array([2.0, 5.0]))
    >>> np.allclose(J, [[5.0, 2.0], [0.0, 3.0]])
    True
    """
    if not callable(F):
        raise TypeError(f"F must be callable, got {type(F).__name__}")
    point = as_numeric_array("x", x, opt_out="")
    if point.dtype.kind == "c":
        raise ValueError("x must be real: numerical_jacobian differentiates real functions of real input")
    point = point.astype(np.float64)
    if h is None:
        h = _EPS ** (1 / 3)
    elif isinstance(h, bool) or not (isinstance(h, numbers.Real) and math.isfinite(h) and h > 0):
        raise ValueError(f"h must be a finite positive number, got {h!r}")
    size = _vector_output(F, point.copy(), "x", None).size
    flat_point = point.reshape(-1, order="F")
    J = np.empty((size, flat_point.size))
    for j in range(flat_point.size):
        step = h * max(abs(flat_point[j]), 1.0)
        step = (flat_point[j] + step) - flat_point[j]  # exactly representable: x + step - x == step
        plus, minus = flat_point.copy(), flat_point.copy()
        plus[j] += step
        minus[j] -= step
        f_plus = _vector_output(F, plus.reshape(point.shape, order="F"), f"x + {step:g} e_{j}", size)
        f_minus = _vector_output(F, minus.reshape(point.shape, order="F"), f"x - {step:g} e_{j}", size)
        J[:, j] = (f_plus - f_minus) / (2.0 * step)
    return J


def numerical_hessian(grad: Callable[[np.ndarray], Any], W: ArrayLike, *, h: float | None = None) -> np.ndarray:
    r"""Hessian on ``vec(W)`` by central differences of a gradient function.

    The Jacobian of the gradient, :func:`numerical_jacobian` applied to ``grad``:
    entry ``(p, q)`` approximates ``d vec(grad)_p / d vec(W)_q`` with ``vec`` in
    column-major order, the same order as :func:`hessian_W`.

    Parameters
    ----------
    grad : callable
        ``grad(W) -> array`` with the shape of ``W`` (e.g. ``lambda W: matgrad.grad_W(W, X, Y)``).
    W : array_like
        Point, any shape.
    h : float, optional
        Relative step, as in :func:`numerical_jacobian`.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(W.size, W.size)``.

    Raises
    ------
    ValueError
        If ``grad(W)`` does not have the shape of ``W``, and as :func:`numerical_jacobian`.

    Examples
    --------
    >>> import numpy as np
    >>> H = numerical_hessian(lambda w: 2 * w ** 3, np.array([1.0, 2.0]))
    >>> np.allclose(H, np.diag([6.0, 24.0]))
    True
    """
    point = as_numeric_array("W", W, opt_out="")
    if not callable(grad):
        raise TypeError(f"grad must be callable, got {type(grad).__name__}")
    raw = grad(point.copy())
    try:
        g_shape = as_numeric_array("grad(W)", raw, check_finite=False).shape
    except TypeError as exc:
        raise TypeError(f"grad(W) must return a numeric array of the shape of W, not {raw!r}: {exc}") from None
    if g_shape != point.shape:
        raise ValueError(f"grad(W) has shape {g_shape} but W has shape {point.shape}: a gradient has the shape of W")
    return numerical_jacobian(grad, point, h=h)
