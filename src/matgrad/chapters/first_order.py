r"""The first-order (Taylor) expansion of the loss, and the loss as a function of ``vec(W)``.

Chapter ``04-first-order`` moves ``W`` by a step ``D`` of its shape. With ``R = X W - Y``
the residual moves by ``X D``, and the loss, quadratic in ``W``, expands *exactly* into::

    L(W + D) = L(W) + (2/N) <X^T R, D>_F + (1/N) ||X D||_F^2
             = constant + linear term    + quadratic term.

The linear term identifies the gradient ``G = (2/N) X^T R``; the remainder
``L(W + D) - L(W) - <G, D>_F = (1/N) ||X D||_F^2`` is ``O(||D||^2)``. Along a line
``D -> t D`` it is ``t^2`` times a constant, a straight line of slope 2 on log-log axes
(the "Taylor test"); a wrong gradient leaves a term linear in ``t`` and the slope drops to 1.

The second half vectorises. ``vec`` stacks the columns of a matrix (column-major order),
and ``vec(A B C) = (C^T kron A) vec(B)``; in particular ``vec(X W) = (I_k kron X) vec(W)``.
The Jacobian of ``vec(R)`` with respect to ``vec(W)`` is the constant (N k) x (d k) matrix
``I_k kron X``, and the Jacobian of ``L = (1/N) vec(R)^T vec(R)`` is the 1 x (d k) row::

    J = (2/N) vec(R)^T (I_k kron X) = vec((2/N) X^T R)^T,

the transposed vec of the gradient. These matrices are for explanation: ``I_k kron X`` has
``N k * d k`` entries, almost all zero, and code that computes gradients uses ``X^T R`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_array
from ..least_squares import frobenius_inner, grad_W, loss, residual

__all__ = [
    "TAYLOR_WINDOW",
    "TaylorTerms",
    "central_difference_jacobian",
    "exact_remainder",
    "first_order_remainder",
    "jacobian_residual_vec",
    "jacobian_to_gradient",
    "kron_identity_left",
    "kron_product_matrix",
    "loglog_slope",
    "loss_jacobian_vec",
    "remainder_curve",
    "taylor_test_slope",
    "taylor_expansion_terms",
    "unvec",
    "vec",
]


# ---------------------------------------------------------------------------------------------
# The exact expansion of L(W + D) and its remainder
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaylorTerms:
    """The three terms of ``L(W + D) = L(W) + (2/N) <X^T R, D>_F + (1/N) ||X D||_F^2``."""

    constant: float  # L(W)
    linear: float  # (2/N) <X^T R, D>_F, the directional derivative along D
    quadratic: float  # (1/N) ||X D||_F^2, the remainder of the first-order expansion

    @property
    def total(self) -> float:
        """The sum of the three terms, which is ``L(W + D)``."""
        return self.constant + self.linear + self.quadratic


def exact_remainder(D: ArrayLike, X: ArrayLike) -> float:
    """The remainder of the first-order expansion in closed form: ``(1/N) ||X D||_F^2`` (free of ``W`` and ``Y``).

    >>> exact_remainder([[1.0], [1.0]], [[1.0, 2.0], [0.0, 1.0]])
    5.0
    """
    X = np.asarray(X)
    XD = X @ np.asarray(D)
    return frobenius_inner(XD, XD) / X.shape[0]


def taylor_expansion_terms(W: ArrayLike, D: ArrayLike, X: ArrayLike, Y: ArrayLike) -> TaylorTerms:
    """The constant, linear and quadratic terms of the exact expansion of ``L(W + D)``.

    >>> terms = taylor_expansion_terms([[0.0]], [[1.0]], [[1.0], [1.0]], [[1.0], [3.0]])
    >>> terms.constant, terms.linear, terms.quadratic, terms.total
    (5.0, -4.0, 1.0, 2.0)
    """
    return TaylorTerms(loss(W, X, Y), frobenius_inner(grad_W(W, X, Y), D), exact_remainder(D, X))


def first_order_remainder(
    W: ArrayLike, D: ArrayLike, X: ArrayLike, Y: ArrayLike, *, gradient: ArrayLike | None = None
) -> float:
    """The computed remainder ``L(W + D) - L(W) - <G, D>_F`` of the first-order expansion.

    ``G`` is ``gradient`` if given (a claimed gradient, to be tested), else ``(2/N) X^T (X W - Y)``;
    with the true gradient the result equals :func:`exact_remainder` up to rounding of order ``eps L``.
    """
    W, D = np.asarray(W), np.asarray(D)
    G = grad_W(W, X, Y) if gradient is None else gradient
    return loss(W + D, X, Y) - loss(W, X, Y) - frobenius_inner(G, D)


def remainder_curve(
    W: ArrayLike, D: ArrayLike, X: ArrayLike, Y: ArrayLike, ts: ArrayLike, *, gradient: ArrayLike | None = None
) -> np.ndarray:
    """``|L(W + t D) - L(W) - t <G, D>_F|`` for every ``t`` in ``ts``, for a log-log plot.

    ``G`` is ``gradient`` if given, else ``(2/N) X^T (X W - Y)``. With the true gradient the values
    are ``t^2 (1/N) ||X D||_F^2`` until rounding (about ``eps L(W)``) takes over at tiny ``t``; with a
    wrong one a term ``t |<G_true - G, D>_F|`` remains, and dominates for small ``t``.
    """
    W, D = np.asarray(W), np.asarray(D)
    G = grad_W(W, X, Y) if gradient is None else gradient
    L0, slope = loss(W, X, Y), frobenius_inner(G, D)
    return np.array([abs(loss(W + t * D, X, Y) - L0 - t * slope) for t in ts])


def loglog_slope(ts: ArrayLike, values: ArrayLike) -> float:
    """The least-squares slope ``p`` of ``log(values)`` against ``log(ts)``: the exponent in ``values ~ c t^p``.

    >>> round(loglog_slope([1e-3, 1e-2, 1e-1], [3e-6, 3e-4, 3e-2]), 12)
    2.0
    """
    slope, _ = np.polyfit(np.log(ts), np.log(values), 1)
    return float(slope)


#: The one fit window of the Taylor test in chapter 4, fixed before looking at any curve: the decade
#: ``1e-4 <= t <= 1e-3`` for data, ``W`` and ``D`` with entries of order 1. There the quadratic term of
#: the correct gradient, ``t^2 r(D)``, is at least ``1e-8 r(D)``, many orders above the rounding level
#: ``u L``; and a wrong gradient shows slope 1 as long as ``|<G - G', D>_F| > t r(D)``, i.e. above
#: about ``1e-3 r(D)``.
TAYLOR_WINDOW: tuple[float, float] = (1e-4, 1e-3)


def taylor_test_slope(
    W: ArrayLike,
    D: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    *,
    gradient: ArrayLike | None = None,
    window: tuple[float, float] = TAYLOR_WINDOW,
    points: int = 9,
) -> float:
    """The log-log slope of :func:`remainder_curve` over ``window``, the same rule for every curve.

    About 2 for the true gradient; about 1 for a gradient ``G'`` with ``|<G - G', D>_F|`` well above
    ``window[1] * r(D)``; in between for errors near that size.
    """
    ts = np.logspace(np.log10(window[0]), np.log10(window[1]), points)
    return loglog_slope(ts, remainder_curve(W, D, X, Y, ts, gradient=gradient))


def central_difference_jacobian(f, x: ArrayLike, h: float = 1e-3) -> np.ndarray:
    """The Jacobian of ``f: R^p -> R^q`` at the vector ``x`` by central differences, a (q, p) array.

    Column ``j`` is ``(f(x + h e_j) - f(x - h e_j)) / (2 h)``; exact up to rounding when ``f`` is affine
    or quadratic. Independent of any formula for the Jacobian, so it can test one.

    >>> central_difference_jacobian(lambda v: np.array([v[0] * v[1], 3 * v[1]]), [2.0, 5.0])
    array([[5., 2.],
           [0., 3.]])
    """
    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        columns.append((np.atleast_1d(f(x + e)) - np.atleast_1d(f(x - e))) / (2 * h))
    return np.stack(columns, axis=1)


# ---------------------------------------------------------------------------------------------
# vec, Kronecker products and the Jacobian of the vectorised problem
# ---------------------------------------------------------------------------------------------


def vec(A: ArrayLike) -> np.ndarray:
    """Stack the columns of ``A`` into one vector (column-major order), as a new array.

    >>> vec([[1, 2], [3, 4]])
    array([1., 3., 2., 4.])
    """
    return as_array("A", A).flatten(order="F")


def unvec(v: ArrayLike, shape: Sequence[int]) -> np.ndarray:
    """The inverse of :func:`vec`: fill a matrix of ``shape`` column by column (``v`` may be a row or a column).

    >>> unvec([1, 3, 2, 4], (2, 2))
    array([[1., 2.],
           [3., 4.]])
    """
    return as_array("v", v).reshape(shape, order="F")


def kron_product_matrix(A: ArrayLike, C: ArrayLike) -> np.ndarray:
    """The matrix ``C^T kron A``, with ``vec(A B C) = (C^T kron A) vec(B)`` for every ``B``.

    >>> A, B, C = np.arange(6.0).reshape(2, 3), np.ones((3, 4)), np.arange(8.0).reshape(4, 2)
    >>> bool(np.allclose(kron_product_matrix(A, C) @ vec(B), vec(A @ B @ C)))
    True
    """
    return np.kron(np.asarray(C).T, A)


def kron_identity_left(X: ArrayLike, k: int) -> np.ndarray:
    """The block-diagonal matrix ``I_k kron X`` (``k`` copies of ``X``), with ``vec(X W) = (I_k kron X) vec(W)``.

    >>> kron_identity_left([[1, 2]], 2)
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    return np.kron(np.eye(k), X)


def jacobian_residual_vec(X: ArrayLike, k: int) -> np.ndarray:
    """The Jacobian of ``vec(R) = vec(X W - Y)`` with respect to ``vec(W)``: ``I_k kron X``, of shape (N k, d k).

    The residual is affine in ``W``, so the Jacobian is the same at every ``W``, and
    ``vec(R(W + D)) = vec(R(W)) + J vec(D)`` holds exactly.
    """
    return kron_identity_left(X, k)


def loss_jacobian_vec(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    """The Jacobian of the loss with respect to ``vec(W)``: the 1 x (d k) row ``(2/N) vec(R)^T (I_k kron X)``.

    Built by the chain rule in numerator layout, without the gradient formula.

    >>> loss_jacobian_vec([[1.0, 0.0]], [[2.0]], [[0.0, 1.0]])
    array([[ 8., -4.]])
    """
    N, k = np.shape(X)[0], np.shape(W)[1]
    dL_dR = (2 / N) * vec(residual(W, X, Y))[None, :]  # 1 x Nk: the Jacobian of L = (1/N) vec(R)^T vec(R)
    dR_dW = jacobian_residual_vec(X, k)  # Nk x dk: the Jacobian of vec(R) = (I_k kron X) vec(W) - vec(Y)
    return dL_dR @ dR_dW  # numerator layout: the Jacobians multiply in the order of composition


def jacobian_to_gradient(J: ArrayLike, shape: Sequence[int]) -> np.ndarray:
    """The gradient, of ``shape`` (d, k), of a scalar function whose Jacobian row with respect to ``vec(W)`` is ``J``.

    It is ``unvec(J^T)``: the same numbers, arranged in the shape of the variable.
    """
    return unvec(J, shape)
