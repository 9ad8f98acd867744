"""Chapter 7 (comparison): count the multiplications a gradient route performs, independently of any formula."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Counted", "count_multiplications"]


class Counted:
    """A number that records, in a shared dictionary, every multiplication it takes part in.

    A product of two ``Counted`` numbers (two entries of the data, or quantities computed from them)
    counts as ``"products"``; a product with a plain Python number (such as the factor ``2/N``)
    counts as ``"scalings"``.

    >>> tally = {"products": 0, "scalings": 0}
    >>> x = Counted(2.0, tally) * Counted(3.0, tally)
    >>> float(2.0 * x), tally
    (12.0, {'products': 1, 'scalings': 1})
    """

    __slots__ = ("tally", "value")

    def __init__(self, value: float, tally: dict[str, int]) -> None:
        self.value = float(value)
        self.tally = tally

    def _wrap(self, value: float) -> Counted:
        return Counted(value, self.tally)

    def __mul__(self, other: Any) -> Counted:
        if isinstance(other, Counted):
            self.tally["products"] += 1
            return self._wrap(self.value * other.value)
        self.tally["scalings"] += 1
        return self._wrap(self.value * float(other))

    __rmul__ = __mul__

    def __add__(self, other: Any) -> Counted:
        return self._wrap(self.value + (other.value if isinstance(other, Counted) else float(other)))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Counted:
        return self._wrap(self.value - (other.value if isinstance(other, Counted) else float(other)))

    def __rsub__(self, other: Any) -> Counted:
        return self._wrap(float(other) - self.value)

    def __truediv__(self, other: Any) -> Counted:
        return self._wrap(self.value / (other.value if isinstance(other, Counted) else float(other)))

    def __float__(self) -> float:
        return self.value


def count_multiplications(route: Callable, W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> dict[str, int]:
    """Run ``route(W, X, Y)`` on counting numbers and return how many multiplications it performed.

    The entries of ``W``, ``X`` and ``Y`` are wrapped as :class:`Counted` numbers in object arrays, so
    the count comes from executing the route's code, not from a formula.

    Returns
    -------
    dict
        ``{"products": ..., "scalings": ...}``: products of two data-derived numbers, and products
        with a plain constant.

    >>> count_multiplications(lambda W, X, Y: X @ W - Y, np.ones((2, 1)), np.ones((3, 2)), np.ones((3, 1)))
    {'products': 6, 'scalings': 0}
    """
    tally = {"products": 0, "scalings": 0}

    def wrap(A: ArrayLike) -> np.ndarray:
        A = np.asarray(A, dtype=float)
        out = np.empty(A.shape, dtype=object)
        for index in np.ndindex(A.shape):
            out[index] = Counted(A[index], tally)
        return out

    route(wrap(W), wrap(X), wrap(Y))
    return dict(tally)
