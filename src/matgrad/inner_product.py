"""TRANSITIONAL: what is left of the old inner-product module. The lead deletes it once nothing imports it.

``frobenius_inner``, ``directional_derivative`` and ``relative_difference`` now live in
:mod:`matgrad.least_squares`; they are re-exported here for the modules that still import them from here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .least_squares import directional_derivative, frobenius_inner, relative_difference  # noqa: F401  (transitional)


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
