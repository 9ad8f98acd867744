r"""The Frobenius inner product, the language in which the book states gradients.

For matrices of one shape, ``<A, B>_F = sum_ij A_ij B_ij = tr(A^T B)``. The
gradient ``G`` of a scalar function ``L`` of a matrix ``W`` is the matrix of
``W``'s shape with ``L(W + D) = L(W) + <G, D>_F + o(||D||)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .validation import as_numeric_array

__all__ = ["frobenius_inner", "directional_derivative", "relative_difference"]


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


def relative_difference(A: ArrayLike, B: ArrayLike) -> float:
    """Normwise relative difference ``||A - B||_F / max(||A||_F, ||B||_F)`` (0 if both are zero).

    The figure every check in the book reports: it does not depend on the units of ``A`` and ``B``.

    Parameters
    ----------
    A, B : array_like
        Arrays of the same shape.

    Returns
    -------
    float
        A number in ``[0, 2]``; rounding-level agreement gives about ``1e-16``.

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> relative_difference([3.0, 4.0], [3.0, 4.0])
    0.0
    >>> relative_difference([1.0, 0.0], [0.0, 0.0])
    1.0
    """
    A = as_numeric_array("A", A)
    B = as_numeric_array("B", B)
    if A.shape != B.shape:
        raise ValueError(f"A has shape {A.shape} but B has shape {B.shape}: cannot compare them")
    # divide by the largest entry first, so that neither tiny nor huge entries under- or overflow
    m = float(max(np.max(np.abs(A), initial=0.0), np.max(np.abs(B), initial=0.0)))
    if m == 0.0:
        return 0.0
    A, B = A / m, B / m
    return float(np.linalg.norm(A - B)) / max(float(np.linalg.norm(A)), float(np.linalg.norm(B)))
