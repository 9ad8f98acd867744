r"""Chapter 8: a gradient checker small enough to copy.

:func:`simple_check` is the whole idea of a gradient check in about fifteen lines: central differences of ``f``
along every entry of ``x`` with one fixed step ``h``, and one normwise relative error compared with one
tolerance::

    D_i = (f(x + h e_i) - f(x - h e_i)) / (2 h),     error = ||g - D|| / max(||g||, ||D||) <= tol.

It is right for the book's loss at a generic point, and the chapter shows where it is not: where ``|f|`` is
large next to its gradient or ``f`` is computed in float32 (the rounding error ``u |f| / h`` of the fixed step
swamps the tolerance: a false alarm), and where some entries of the gradient are tiny next to the others (the
normwise error cannot see a wrong small entry: a false pass). :func:`matgrad.check_gradient` handles these
with a rounding-error model and a verdict for each entry.

:class:`CountingFunction` wraps a function and counts its evaluations, so that the cost of a check can be
counted independently of what the checker reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["CountingFunction", "simple_check"]


def simple_check(
    f: Callable[[np.ndarray], Any],
    grad: Callable[[np.ndarray], ArrayLike],
    x: ArrayLike,
    h: float = 1e-6,
    tol: float = 1e-6,
) -> tuple[bool, float]:
    """Check a claimed gradient against central differences, entry by entry, with one relative error.

    Parameters
    ----------
    f : callable
        Real scalar function of an array of ``x``'s shape. It must not keep the array it is given: the
        loop moves one entry of it after another.
    grad : callable
        The claimed gradient, an array of ``x``'s shape.
    x : array_like
        The point of the check; a generic random point, not 0 and not a minimum.
    h : float, default 1e-6
        The step of every entry (about ``u^(1/3)``, the best central step for entries of size 1).
    tol : float, default 1e-6
        The largest accepted normwise relative error.

    Returns
    -------
    ok : bool
        Whether the relative error is at most ``tol`` (False for a gradient of the wrong shape).
    error : float
        ``||g - D|| / max(||g||, ||D||)`` with ``D`` the central differences (0 if both are 0; inf for a
        gradient of the wrong shape).

    Examples
    --------
    >>> f = lambda x: float(np.sum(x**3))
    >>> simple_check(f, lambda x: 3 * x**2, np.array([1.0, -2.0]))[0]
    True
    >>> round(simple_check(f, lambda x: 6 * x**2, np.array([1.0, -2.0]))[1], 6)
    0.5
    """
    x = np.array(x, dtype=np.float64)  # a float64 copy: the loop below moves its entries
    g = np.asarray(grad(x.copy()), dtype=np.float64)
    if g.shape != x.shape:  # a gradient has the shape of its variable
        return False, math.inf
    numerical = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        f_plus = f(x)
        x[i] = saved - h
        f_minus = f(x)
        x[i] = saved  # restore the entry before moving the next one
        numerical[i] = (f_plus - f_minus) / (2 * h)
    scale = max(np.linalg.norm(g), np.linalg.norm(numerical))
    error = float(np.linalg.norm(g - numerical) / scale) if scale > 0 else 0.0
    return error <= tol, error


class CountingFunction:
    """A function that counts how often it is evaluated.

    Parameters
    ----------
    f : callable
        The function to wrap; every call is passed on to it unchanged.

    Attributes
    ----------
    calls : int
        The number of evaluations so far.

    Examples
    --------
    >>> square = CountingFunction(lambda x: float(np.sum(x**2)))
    >>> square(np.array([1.0, 2.0])), square(np.array([3.0])), square.calls
    (5.0, 9.0, 2)
    """

    def __init__(self, f: Callable[..., Any]) -> None:
        self.f = f
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.f(*args, **kwargs)
