r"""The Frobenius inner product, the language in which the book states gradients.

For matrices of one shape, ``<A, B>_F = sum_ij A_ij B_ij = tr(A^T B)``. The
gradient ``G`` of a scalar function ``L`` of a matrix ``W`` is the matrix of
``W``'s shape with ``L(W + D) = L(W) + <G, D>_F + o(||D||)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .validation import as_numeric_array

__all__ = ["frobenius_inner", "directional_derivative"]


def frobenius_inner(A: ArrayLike, B: ArrayLike) -> float | complex:
    """Frobenius inner product ``<A, B>_F = sum_ij A_ij B_ij`` (no conjugation).

    Parameters
    ----------
    A, B : array_like
        Arrays of the same shape.

    Returns
    -------
    float or complex
        The sum of the entrywise products.

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> frobenius_inner([[1, 2], [3, 4]], [[1, 0], [0, 1]])
    5.0
    """
    A = as_numeric_array("A", A)
    B = as_numeric_array("B", B)
    if A.shape != B.shape:
        raise ValueError(f"A has shape {A.shape} but B has shape {B.shape}: the inner product needs equal shapes")
    value = np.sum(A * B)
    return complex(value) if np.iscomplexobj(value) else float(value)


def directional_derivative(G: ArrayLike, D: ArrayLike) -> float | complex:
    """Rate of change ``<G, D>_F`` of a function with gradient ``G`` along the direction ``D``.

    Parameters
    ----------
    G : array_like
        Gradient (the shape of the variable).
    D : array_like
        Direction of the same shape.

    Returns
    -------
    float or complex
        ``d/dt L(W + t D)`` at ``t = 0``.
    """
    return frobenius_inner(G, D)
