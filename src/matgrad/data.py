"""Synthetic regression data for the book's examples."""

from __future__ import annotations

import numbers

import numpy as np

from ._old_checks import positive_int, random_generator

__all__ = ["make_regression"]


def make_regression(
    N: int, d: int, k: int, *, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random linear-regression data ``Y = X W_true + noise * E``.

    Parameters
    ----------
    N, d, k : int
        Number of examples, features and outputs (all at least 1).
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to the targets.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same data.

    Returns
    -------
    X : numpy.ndarray, shape (N, d)
        Standard normal data.
    W_true : numpy.ndarray, shape (d, k)
        Standard normal weights.
    Y : numpy.ndarray, shape (N, k)
        Targets.

    Examples
    --------
    >>> X, W_true, Y = make_regression(5, 3, 2, seed=1)
    >>> X.shape, W_true.shape, Y.shape
    ((5, 3), (3, 2), (5, 2))
    """
    N, d, k = (positive_int(name, v) for name, v in (("N", N), ("d", d), ("k", k)))
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a real number, got {noise!r}")
    noise = float(noise)
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite non-negative number, got {noise!r}")
    rng = random_generator(seed)
    X = rng.standard_normal((N, d))
    W_true = rng.standard_normal((d, k))
    Y = X @ W_true + noise * rng.standard_normal((N, k))
    return X, W_true, Y
