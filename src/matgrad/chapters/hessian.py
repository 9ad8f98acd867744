r"""Chapter 10: the second derivative of the least-squares loss with respect to ``W``.

The gradient ``grad_W(W) = (2/N) X^T (X W - Y)`` is affine in ``W``, so the Hessian depends neither on ``W``
nor on ``Y``. It can be written two ways:

* as a **linear map** on matrices of the shape of ``W`` (the Hessian-vector product)::

      H[V] = (2/N) X^T X V,     so that     grad_W(W + V) = grad_W(W) + H[V]  exactly;

* as a **dense matrix** of shape ``(d k, d k)`` acting on ``vec(W)``::

      H = (2/N) (I_k kron X^T X),     so that     vec(H[V]) = H vec(V).

  ``vec`` is column-major (:func:`matgrad.vec`, ``W.reshape(-1, order="F")``): it stacks the columns of ``W``,
  and entry ``(a, b)`` of ``W`` sits at position ``a + b d``. In this order the Hessian is block diagonal,
  one block ``(2/N) X^T X`` per output column: the ``k`` outputs do not interact.

Both are checked in the chapter against :func:`matgrad.finite_differences.numerical_hessian`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._checks import positive_int

__all__ = ["hessian_vector_product", "hessian_W"]


def hessian_vector_product(V: ArrayLike, X: ArrayLike) -> np.ndarray:
    """Apply the Hessian of the loss to a direction ``V`` of the shape of ``W``: ``(2/N) X^T X V``.

    Computed as ``X^T (X V)``, without forming ``X^T X``: ``O(N d k)`` work.

    Examples
    --------
    >>> hessian_vector_product(np.array([1.0, 0.0]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([10., 14.])
    """
    X, V = np.asarray(X), np.asarray(V)
    return 2 / X.shape[0] * (X.T @ (X @ V))


def hessian_W(X: ArrayLike, k: int = 1) -> np.ndarray:
    """The Hessian of the loss as a ``(d k, d k)`` matrix on column-major ``vec(W)``: ``(2/N) (I_k kron X^T X)``.

    ``k`` is the number of columns of ``W`` (``k = 1`` also covers a vector ``W``). For every ``V`` of shape
    ``(d, k)``, ``hessian_W(X, k) @ vec(V) == vec(hessian_vector_product(V, X))``. The matrix has ``(d k)^2``
    entries; prefer :func:`hessian_vector_product` for anything but small problems.

    Examples
    --------
    >>> hessian_W(np.array([[1.0, 0.0], [0.0, 2.0]]), k=2)
    array([[1., 0., 0., 0.],
           [0., 4., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 4.]])
    """
    X = np.asarray(X)
    gram = 2 / X.shape[0] * (X.T @ X)
    return np.kron(np.eye(positive_int("k", k)), gram)
