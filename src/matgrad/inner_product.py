r"""The Frobenius inner product, the language in which the book states gradients.

For matrices of one shape, ``<A, B>_F = sum_ij A_ij B_ij = tr(A^T B)``. The
gradient ``G`` of a scalar function ``L`` of a matrix ``W`` is the matrix of
``W``'s shape with ``L(W + D) = L(W) + <G, D>_F + o(||D||)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._old_checks import as_numeric_array, as_python_scalar

__all__ = ["frobenius_inner", "directional_derivative", "relative_difference"]


def frobenius_inner(A: ArrayLike, B: ArrayLike) -> float | complex:
    """Frobenius inner product ``<A, B>_F = sum_ij A_ij B_ij`` (no conjugation).

    Each factor is first divided by a power of two close to its largest entry (an exact operation),
    so that no product overflows or underflows on the way to a result that is representable.

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
    >>> frobenius_inner([1e200, -1e200], [1e200, 1e200])  # the products overflow, their sum does not
    0.0
    """
    return _inner("A", A, "B", B)


def _inner(name_a: str, A: ArrayLike, name_b: str, B: ArrayLike) -> float | complex:
    A = as_numeric_array(name_a, A, opt_out="")
    B = as_numeric_array(name_b, B, opt_out="")
    if A.shape != B.shape:
        raise ValueError(
            f"{name_a} has shape {A.shape} but {name_b} has shape {B.shape}: the inner product needs equal shapes"
        )
    ea, eb = _exponent(A), _exponent(B)
    value = np.sum(_times_power_of_two(A, -ea) * _times_power_of_two(B, -eb))
    return as_python_scalar(_times_power_of_two(np.asarray(value), ea + eb))


def frobenius_norm(a: ArrayLike) -> float:
    """Euclidean/Frobenius norm that neither overflows nor underflows for extreme entries.

    The entries are divided by the largest magnitude first; inf for an infinite entry, NaN for a NaN,
    0 for an empty or zero array. Shared by the checker and by gradient descent.
    """
    a = np.asarray(a, dtype=np.float64)
    m = float(np.max(np.abs(a), initial=0.0))
    if m == 0.0 or not np.isfinite(m):
        return m
    return m * float(np.sqrt(np.sum((a / m) ** 2)))


def _exponent(A: np.ndarray) -> int:
    """``e`` with ``max |A_ij| = m 2^e``, ``0.5 <= m < 1`` (0 for an empty or zero array)."""
    largest = float(np.max(np.abs(A), initial=0.0))
    return int(np.frexp(largest)[1]) if largest > 0 else 0


def _times_power_of_two(A: np.ndarray, e: int) -> np.ndarray:
    """``A * 2^e``, exact unless the result leaves the range of the floating-point type."""
    with np.errstate(over="ignore"):
        if A.dtype.kind == "c":
            out = np.empty_like(A)
            out.real, out.imag = np.ldexp(A.real, e), np.ldexp(A.imag, e)
            return out
        return np.ldexp(A, e)


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

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    return _inner("G", G, "D", D)


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
    A = as_numeric_array("A", A, opt_out="")
    B = as_numeric_array("B", B, opt_out="")
    if A.shape != B.shape:
        raise ValueError(f"A has shape {A.shape} but B has shape {B.shape}: cannot compare them")
    # divide by the largest entry first, so that neither tiny nor huge entries under- or overflow
    m = float(max(np.max(np.abs(A), initial=0.0), np.max(np.abs(B), initial=0.0)))
    if m == 0.0:
        return 0.0
    A, B = A / m, B / m
    return float(np.linalg.norm(A - B)) / max(float(np.linalg.norm(A)), float(np.linalg.norm(B)))
