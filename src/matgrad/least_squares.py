r"""The least-squares loss of linear regression, its gradients, and the Frobenius inner product.

Notation (fixed for the whole book)::

    X  in R^{N x d}   data, one example per row
    W  in R^{d x k}   weights            (or a vector of shape (d,))
    Y  in R^{N x k}   targets            (or a vector of shape (N,))
    R  = X W - Y      residual

    L(W)   = (1/N) ||X W - Y||_F^2 = (1/N) sum_ij R_ij^2
    dL/dW  = (2/N) X^T R        (shape of W: denominator layout)
    dL/dX  = (2/N) R W^T        (shape of X)
    dL/dY  = -(2/N) R           (shape of Y)

    <A, B>_F = sum_ij A_ij B_ij = tr(A^T B)      (Frobenius inner product)

The loss is a plain sum of squares, with no ``abs``, ``conj``, ``norm`` or ``vdot``: for a complex ``W`` it
is the analytic continuation of the real loss, which is what the complex-step method needs.

What it costs (the chapter "What a gradient costs"): the gradient needs the two products ``X W`` and
``X^T R``, and nothing else here passes over ``X``. The residual is formed in place in the array that
receives ``X W``, the sum of squares is the dot product of the raveled residual with itself (no array
``R * R``), and NaN or infinity is detected from the small result (see :func:`_deferred_check`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_array, is_lazy, materialise, positive_int, positive_number, regression_arrays, require_finite

__all__ = [
    "make_regression",
    "residual",
    "loss",
    "grad_W",
    "grad_X",
    "grad_Y",
    "loss_and_grad",
    "frobenius_inner",
    "directional_derivative",
    "relative_difference",
]


def make_regression(
    N: int, d: int, k: int, *, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random linear-regression data ``Y = X W_true + noise * E``, all drawn from a standard normal.

    ``N, d, k`` are the numbers of examples, features and outputs (integers >= 1), ``noise`` the standard
    deviation of the noise, and ``seed`` seeds :func:`numpy.random.default_rng`: the same seed gives the
    same data. Returns ``X`` (N, d), ``W_true`` (d, k) and ``Y`` (N, k).

    >>> X, W_true, Y = make_regression(5, 3, 2, seed=1)
    >>> X.shape, W_true.shape, Y.shape
    ((5, 3), (3, 2), (5, 2))
    """
    N, d, k = positive_int("N", N), positive_int("d", d), positive_int("k", k)
    noise = positive_number("noise", noise, allow_zero=True)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    W_true = rng.standard_normal((d, k))
    Y = X @ W_true + noise * rng.standard_normal((N, k))
    return X, W_true, Y


def _residual(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``R = X W - Y``, formed in the array that receives ``X @ W`` (no second N x k array)."""
    R = X @ W
    if is_lazy(R) or is_lazy(Y):  # a lazy (Dask) array: nothing is formed until the small result is computed
        return R - Y
    if R.dtype == np.result_type(R, Y):
        R -= Y
    else:  # Y has the wider type (float64 targets for float32 data, complex targets): so must R
        R = R - Y
    return R


def _sum_of_squares(R: np.ndarray) -> np.generic:
    """``sum_ij R_ij^2``: the dot product of the raveled ``R`` with itself, so no array ``R * R`` is formed."""
    if is_lazy(R):
        return (R * R).sum()
    r = R.ravel()
    return r.dot(r)


def _deferred_check(compute: Callable[[], Any], W: np.ndarray, X: np.ndarray, Y: np.ndarray, check_finite: bool) -> Any:
    """``compute()``, with the :class:`ValueError` of an up-front check if ``W``, ``X`` or ``Y`` holds NaN or inf."""
    # Why not np.isfinite(X) first: that is one more pass over X, as slow as a product when k is small. NaN and
    # inf propagate (0 * inf and 0 * nan are NaN), so a non-finite input makes the small result non-finite, and
    # only then are the inputs examined, to name the culprit; quietly, so that no RuntimeWarning comes first.
    if check_finite and W.size:  # (an empty W propagates nothing: its inputs are checked up front)
        with np.errstate(all="ignore"):
            result = compute()
        if all(np.isfinite(part).all() for part in (result if isinstance(result, tuple) else (result,))):
            return result
    if check_finite:
        for name, arr in zip("WXY", (W, X, Y), strict=True):
            require_finite(name, arr)
    return compute()  # unchecked, or finite input that overflowed: now with NumPy's warnings


def _scalar(value: np.generic) -> float | complex:
    """A NumPy scalar as a Python ``float`` (or ``complex``), so that it prints plainly."""
    return complex(value) if np.iscomplexobj(value) else float(value)


def residual(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Return the residual ``R = X W - Y``, with the shape of ``Y``.

    ``W`` (d, k) or (d,), ``X`` (N, d) and ``Y`` (N, k) or (N,) are as in the module's notation; with
    ``check_finite`` (the default) NaN or infinity in them is a :class:`ValueError`.

    >>> residual(np.array([1.0, 2.0]), np.eye(2), np.ones(2))
    array([0., 1.])
    """
    W, X, Y = regression_arrays(W, X, Y, check_finite=check_finite)
    return _residual(W, X, Y)


def loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> float | complex:
    """Mean squared error ``L(W) = (1/N) ||X W - Y||_F^2``.

    ``W`` is (d, k) or (d,) and may be complex (for the complex step), ``X`` is (N, d) with N >= 1, and ``Y`` is
    (N, k) or (N,). Shapes that do not fit are a :class:`ValueError`, non-numeric input a :class:`TypeError`,
    and NaN or infinity a :class:`ValueError` unless ``check_finite=False``. Returns a Python float (complex
    if an input is), computed in the inputs' precision (float32 stays float32).

    ``X`` and ``Y`` may be Dask arrays split into the same blocks of rows (also in :func:`grad_W` and
    :func:`loss_and_grad`): the same formula then runs block by block on Dask's scheduler, on one machine or a
    cluster, in one pass over ``X`` and ``Y``, and only the small result is brought back.

    >>> loss(np.array([[1.0], [2.0]]), np.eye(2), np.zeros((2, 1)))
    2.5
    """
    W, X, Y = regression_arrays(W, X, Y, check_finite=False, allow_lazy=True)  # NaN, inf: by _deferred_check
    (total,) = _deferred_check(lambda: materialise(_sum_of_squares(_residual(W, X, Y))), W, X, Y, check_finite)
    return _scalar(total / X.shape[0])


def grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Gradient of the loss with respect to ``W``: ``(2/N) X^T (X W - Y)``, with the shape of ``W``.

    Arguments and errors as in :func:`loss`.

    >>> grad_W(np.array([1.0, 2.0]), np.eye(2), np.zeros(2))
    array([1., 2.])
    """
    W, X, Y = regression_arrays(W, X, Y, check_finite=False, allow_lazy=True)  # NaN, inf: by _deferred_check
    (G,) = _deferred_check(lambda: materialise(X.T @ _residual(W, X, Y)), W, X, Y, check_finite)
    G *= 2.0 / X.shape[0]
    return G


def loss_and_grad(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True
) -> tuple[float | complex, np.ndarray]:
    """The loss and its gradient with respect to ``W``, from one residual: ``(loss(W, X, Y), grad_W(W, X, Y))``.

    Arguments and errors as in :func:`loss`.

    >>> loss_and_grad(np.array([1.0, 2.0]), np.eye(2), np.zeros(2))
    (2.5, array([1., 2.]))
    """
    W, X, Y = regression_arrays(W, X, Y, check_finite=False, allow_lazy=True)  # NaN, inf: by _deferred_check

    def sum_of_squares_and_gradient():  # both from one residual (and, for lazy X and Y, one pass over them)
        R = _residual(W, X, Y)
        return materialise(_sum_of_squares(R), X.T @ R)

    total, G = _deferred_check(sum_of_squares_and_gradient, W, X, Y, check_finite)
    N = X.shape[0]
    G *= 2.0 / N
    return _scalar(total / N), G


def grad_X(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Gradient of the loss with respect to ``X``: ``(2/N) (X W - Y) W^T``, of shape (N, d).

    Arguments and errors as in :func:`loss`.
    """
    W, X, Y = regression_arrays(W, X, Y, check_finite=check_finite)
    R = _residual(W, X, Y)
    G = np.outer(R, W) if W.ndim == 1 else R @ W.T  # a single output: R W^T is the outer product r w^T
    G *= 2.0 / X.shape[0]
    return G


def grad_Y(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    """Gradient of the loss with respect to ``Y``: ``-(2/N) (X W - Y)``, with the shape of ``Y``.

    Arguments and errors as in :func:`loss`.
    """
    W, X, Y = regression_arrays(W, X, Y, check_finite=check_finite)
    G = _residual(W, X, Y)
    G *= -2.0 / X.shape[0]
    return G


def _same_shape(name_a: str, A: ArrayLike, name_b: str, B: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``A`` and ``B`` as numeric arrays, or a :class:`ValueError` naming their shapes if these differ."""
    A, B = as_array(name_a, A), as_array(name_b, B)
    if A.shape != B.shape:
        raise ValueError(f"{name_a} has shape {A.shape} but {name_b} has shape {B.shape}: they must have one shape")
    return A, B


def frobenius_inner(A: ArrayLike, B: ArrayLike) -> float | complex:
    """Frobenius inner product ``<A, B>_F = sum_ij A_ij B_ij = tr(A^T B)``, without conjugation.

    >>> frobenius_inner([[1, 2], [3, 4]], [[1, 0], [0, 1]])
    5.0
    """
    A, B = _same_shape("A", A, "B", B)
    return _scalar(np.sum(A * B))


def directional_derivative(G: ArrayLike, D: ArrayLike) -> float | complex:
    """Rate of change ``<G, D>_F`` along the direction ``D`` of a function whose gradient is ``G``.

    That is ``d/dt L(W + t D)`` at ``t = 0`` when ``G`` is the gradient of ``L`` at ``W``.

    >>> directional_derivative([[2.0, 0.0]], [[1.0, 1.0]])
    2.0
    """
    G, D = _same_shape("G", G, "D", D)
    return _scalar(np.sum(G * D))


def relative_difference(A: ArrayLike, B: ArrayLike) -> float:
    """Normwise relative difference ``||A - B||_F / max(||A||_F, ||B||_F)``, and 0 if both are zero.

    The figure every check in the book reports: it does not depend on the units of ``A`` and ``B``. It lies
    in ``[0, 2]``; agreement to rounding gives about ``1e-16``.

    >>> relative_difference([3.0, 4.0], [3.0, 4.0]), relative_difference([1.0, 0.0], [0.0, 0.0])
    (0.0, 1.0)
    """
    A, B = _same_shape("A", A, "B", B)
    scale = max(np.linalg.norm(A), np.linalg.norm(B))
    return float(np.linalg.norm(A - B) / scale) if scale > 0 else 0.0
