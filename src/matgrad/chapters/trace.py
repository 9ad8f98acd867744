r"""The gradient of least squares by trace expansion, and a catalogue of matrix-derivative identities.

Chapter ``02-trace`` writes the squared Frobenius norm as a trace and expands it::

    ||X W - Y||_F^2 = tr((X W - Y)^T (X W - Y))
                    = tr(W^T X^T X W) - tr(Y^T X W) - tr(W^T X^T Y) + tr(Y^T Y)

and differentiates each term with one identity (equation numbers of the Matrix
Cookbook, Petersen & Pedersen, version of November 15, 2012)::

    d/dW tr(A W)     = A^T             eq. (100), since tr(A W) = tr(W A)
    d/dW tr(W^T B)   = B               eq. (103)
    d/dW tr(W^T B W) = (B + B^T) W     eq. (108)

With ``B = X^T X``, which is symmetric, the quadratic term gives ``2 X^T X W``,
and the gradient of ``L(W) = (1/N) ||X W - Y||_F^2`` is ``(2/N) X^T (X W - Y)``.

The second half of the module is a catalogue, :data:`IDENTITIES`, of the
identities used in the whole book. Each entry is instantiated on random,
non-symmetric matrices and checked against finite differences by
:func:`verify_identities`.

The functions take matrices (``W`` of shape (d, k)) as given; all gradients have
the shape of their variable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ..gradient_check import GradientCheck, check_gradient
from ..least_squares import grad_W, loss

__all__ = [
    "IDENTITIES",
    "Identity",
    "IdentityInstance",
    "TraceGradientTerms",
    "TraceTerms",
    "grad_W_by_trace",
    "grad_X_by_trace",
    "grad_trace_AW",
    "grad_trace_WtB",
    "grad_trace_WtBW",
    "grad_trace_WtBW_naive",
    "loss_by_trace",
    "trace_AW",
    "trace_WtB",
    "trace_WtBW",
    "trace_expansion_terms",
    "trace_gradient_terms",
    "verify_identities",
]


# ---------------------------------------------------------------------------------------------
# The three trace identities of the chapter
# ---------------------------------------------------------------------------------------------


def trace_AW(A: ArrayLike, W: ArrayLike) -> float:
    """``tr(A W)``, linear in ``W`` of shape (d, k), for a constant ``A`` of shape (k, d).

    >>> trace_AW([[1.0, 2.0]], [[3.0], [4.0]])
    11.0
    """
    return float(np.trace(np.asarray(A) @ np.asarray(W)))


def grad_trace_AW(A: ArrayLike) -> np.ndarray:
    """Gradient of ``W -> tr(A W)``: ``A^T`` (Matrix Cookbook eq. (100), as ``tr(A W) = tr(W A)``)."""
    return np.asarray(A).T


def trace_WtB(W: ArrayLike, B: ArrayLike) -> float:
    """``tr(W^T B)``, the Frobenius inner product ``<W, B>_F`` of two matrices of one shape.

    >>> trace_WtB([[1.0, 2.0]], [[3.0, 4.0]])
    11.0
    """
    return float(np.trace(np.asarray(W).T @ np.asarray(B)))


def grad_trace_WtB(B: ArrayLike) -> np.ndarray:
    """Gradient of ``W -> tr(W^T B)``: ``B`` itself (Matrix Cookbook eq. (103))."""
    return np.asarray(B)


def trace_WtBW(W: ArrayLike, B: ArrayLike) -> float:
    """``tr(W^T B W)``, quadratic in ``W`` of shape (d, k), for a square ``B`` of shape (d, d).

    >>> trace_WtBW([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]])
    7.0
    """
    W = np.asarray(W)
    return float(np.trace(W.T @ np.asarray(B) @ W))


def grad_trace_WtBW(W: ArrayLike, B: ArrayLike) -> np.ndarray:
    """Gradient of ``W -> tr(W^T B W)``: ``(B + B^T) W`` for any square ``B`` (Matrix Cookbook eq. (108)).

    >>> grad_trace_WtBW([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]])
    array([[4.],
           [5.]])
    """
    W, B = np.asarray(W), np.asarray(B)
    return (B + B.T) @ W


def grad_trace_WtBW_naive(W: ArrayLike, B: ArrayLike) -> np.ndarray:
    """WRONG on purpose: ``2 B W``, the gradient of ``tr(W^T B W)`` only when ``B`` is symmetric.

    For any other ``B`` it misses ``(B^T - B) W``; chapter ``02-trace`` shows the check rejecting it.
    """
    W, B = np.asarray(W), np.asarray(B)
    return 2 * B @ W


# ---------------------------------------------------------------------------------------------
# The least-squares loss, the chapter's way
# ---------------------------------------------------------------------------------------------


class TraceTerms(NamedTuple):
    """The four traces of the expanded squared norm ``||X W - Y||_F^2``, named after their matrices."""

    WtXtXW: float  # tr(W^T X^T X W), quadratic in W
    YtXW: float  # tr(Y^T X W), linear in W
    WtXtY: float  # tr(W^T X^T Y), linear in W (equal to YtXW: a trace is invariant under transposition)
    YtY: float  # tr(Y^T Y), constant

    @property
    def squared_norm(self) -> float:
        """The signed sum ``tr(W^T X^T X W) - tr(Y^T X W) - tr(W^T X^T Y) + tr(Y^T Y) = ||X W - Y||_F^2``."""
        return self.WtXtXW - self.YtXW - self.WtXtY + self.YtY


class TraceGradientTerms(NamedTuple):
    """The gradients with respect to ``W`` of the four terms of :class:`TraceTerms`, each of ``W``'s shape."""

    WtXtXW: np.ndarray  # (X^T X + (X^T X)^T) W by eq. (108)
    YtXW: np.ndarray  # (Y^T X)^T = X^T Y by eq. (100)
    WtXtY: np.ndarray  # X^T Y by eq. (103)
    YtY: np.ndarray  # zero: the term does not depend on W

    @property
    def combined(self) -> np.ndarray:
        """The gradient of ``||X W - Y||_F^2``: the four gradients with the signs of the expansion."""
        return self.WtXtXW - self.YtXW - self.WtXtY + self.YtY


def trace_expansion_terms(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> TraceTerms:
    """The four trace terms of ``||X W - Y||_F^2 = tr((X W - Y)^T (X W - Y))``.

    >>> terms = trace_expansion_terms([[1.0]], [[2.0]], [[3.0]])
    >>> terms
    TraceTerms(WtXtXW=4.0, YtXW=6.0, WtXtY=6.0, YtY=9.0)
    >>> terms.squared_norm
    1.0
    """
    W, X, Y = np.asarray(W), np.asarray(X), np.asarray(Y)
    return TraceTerms(
        WtXtXW=trace_WtBW(W, X.T @ X),
        YtXW=trace_AW(Y.T @ X, W),
        WtXtY=trace_WtB(W, X.T @ Y),
        YtY=trace_WtB(Y, Y),
    )


def loss_by_trace(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    """The loss ``(1/N) ||X W - Y||_F^2`` from its four trace terms; equal to :func:`matgrad.loss` up to rounding."""
    return trace_expansion_terms(W, X, Y).squared_norm / np.shape(X)[0]


def trace_gradient_terms(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> TraceGradientTerms:
    """The gradients with respect to ``W`` of the four trace terms, each by its own identity."""
    W, X, Y = np.asarray(W), np.asarray(X), np.asarray(Y)
    return TraceGradientTerms(
        WtXtXW=grad_trace_WtBW(W, X.T @ X),
        YtXW=grad_trace_AW(Y.T @ X),
        WtXtY=grad_trace_WtB(X.T @ Y),
        YtY=np.zeros(W.shape),
    )


def grad_W_by_trace(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    """Gradient of ``L(W) = (1/N) ||X W - Y||_F^2`` assembled term by term from the trace identities.

    ``(1/N) [(B + B^T) W - X^T Y - X^T Y]`` with ``B = X^T X``, which is ``(2/N) X^T (X W - Y)``
    because ``B`` is symmetric.

    >>> grad_W_by_trace([[1.0], [2.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0], [0.0]])
    array([[1.],
           [2.]])
    """
    return trace_gradient_terms(W, X, Y).combined / np.shape(X)[0]


def grad_X_by_trace(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    """Gradient of the loss with respect to ``X`` by the same three identities: ``(2/N) (X W - Y) W^T``.

    As functions of ``X``: ``tr(W^T X^T X W) = tr(V^T C V)`` with ``V = X^T`` and ``C = W W^T``
    (eq. (108), transposed back), ``tr(Y^T X W) = tr((W Y^T) X)`` (eq. (100)) and
    ``tr(W^T X^T Y) = tr(X^T (Y W^T))`` (eq. (103)).
    """
    W, X, Y = np.asarray(W), np.asarray(X), np.asarray(Y)
    quadratic = grad_trace_WtBW(X.T, W @ W.T).T
    cross_left = grad_trace_AW(W @ Y.T)
    cross_right = grad_trace_WtB(Y @ W.T)
    return (quadratic - cross_left - cross_right) / X.shape[0]


# ---------------------------------------------------------------------------------------------
# The catalogue of identities used in the book
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityInstance:
    """One identity on concrete random matrices: a point ``W``, the function ``f(W)`` and its gradient ``grad(W)``."""

    W: np.ndarray
    f: Callable[[np.ndarray], float] = field(repr=False)
    grad: Callable[[np.ndarray], np.ndarray] = field(repr=False)


@dataclass(frozen=True)
class Identity:
    r"""A matrix-derivative identity that can be instantiated on random matrices and checked.

    Attributes
    ----------
    name : str
        Short unique name, e.g. ``"tr(W^T B W)"``.
    formula : str
        The identity in LaTeX (without ``$``).
    cookbook : str
        The equation of the Matrix Cookbook (version of November 15, 2012) it corresponds to, or ``""``.
    make : callable
        ``make(rng, d, k) -> IdentityInstance``, with random non-symmetric constant matrices and a
        point of the shape :attr:`variable` says: (d, k), (d, d) or (d,).
    variable : str
        The variable and its shape, in words.
    """

    name: str
    formula: str
    cookbook: str
    make: Callable[[np.random.Generator, int, int], IdentityInstance] = field(repr=False)
    variable: str = "W in R^{d x k}"

    def instantiate(self, seed: int = 0, d: int = 3, k: int = 2) -> IdentityInstance:
        """A random instance of the identity, reproducible from ``seed``."""
        return self.make(np.random.default_rng(seed), d, k)


def _nonsymmetric(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random square matrix that is not symmetric for n >= 2."""
    B = rng.standard_normal((n, n))
    if n >= 2:
        B[0, 1] += 1.0  # a standard normal B is non-symmetric with probability one; this makes it certain
        B[1, 0] -= 1.0
    return B


def _well_conditioned(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random non-symmetric square matrix with singular values in [1, 2] (safely invertible)."""
    Q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    Q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q1 * rng.uniform(1.0, 2.0, n)) @ Q2.T


def _make_tr_AW(rng, d, k):
    A = rng.standard_normal((k, d))
    return IdentityInstance(rng.standard_normal((d, k)), lambda W: float(np.trace(A @ W)), lambda W: A.T)


def _make_tr_WtB(rng, d, k):
    B = rng.standard_normal((d, k))
    return IdentityInstance(rng.standard_normal((d, k)), lambda W: float(np.trace(W.T @ B)), lambda W: B)


def _make_tr_AWB(rng, d, k):
    A = rng.standard_normal((k + 1, d))
    B = rng.standard_normal((k, k + 1))
    return IdentityInstance(rng.standard_normal((d, k)), lambda W: float(np.trace(A @ W @ B)), lambda W: A.T @ B.T)


def _make_tr_WtBW(rng, d, k):
    B = _nonsymmetric(rng, d)
    return IdentityInstance(
        rng.standard_normal((d, k)), lambda W: float(np.trace(W.T @ B @ W)), lambda W: (B + B.T) @ W
    )


def _make_tr_WtBWC(rng, d, k):
    B = _nonsymmetric(rng, d)
    C = _nonsymmetric(rng, k)
    return IdentityInstance(
        rng.standard_normal((d, k)),
        lambda W: float(np.trace(W.T @ B @ W @ C)),
        lambda W: B @ W @ C + B.T @ W @ C.T,
    )


def _make_frobenius_squared(rng, d, k):
    return IdentityInstance(rng.standard_normal((d, k)), lambda W: float(np.sum(W * W)), lambda W: 2.0 * W)


def _make_frobenius_inner(rng, d, k):
    A = rng.standard_normal((d, k))
    return IdentityInstance(rng.standard_normal((d, k)), lambda W: float(np.sum(A * W)), lambda W: A)


def _make_bilinear(rng, d, k):
    a, b = rng.standard_normal(d), rng.standard_normal(k)
    return IdentityInstance(rng.standard_normal((d, k)), lambda W: float(a @ W @ b), lambda W: np.outer(a, b))


def _make_vector_quadratic(rng, d, k):
    B = _nonsymmetric(rng, d)
    return IdentityInstance(rng.standard_normal(d), lambda w: float(w @ B @ w), lambda w: (B + B.T) @ w)


def _make_squared_residual(rng, d, k):
    N = d + 2
    X, Y = rng.standard_normal((N, d)), rng.standard_normal((N, k))
    return IdentityInstance(
        rng.standard_normal((d, k)),
        lambda W: float(np.sum((X @ W - Y) ** 2)),
        lambda W: 2.0 * X.T @ (X @ W - Y),
    )


def _make_sandwich_residual(rng, d, k):
    A, B = rng.standard_normal((d + 1, d)), rng.standard_normal((k, k + 2))
    C = rng.standard_normal((d + 1, k + 2))
    return IdentityInstance(
        rng.standard_normal((d, k)),
        lambda W: float(np.sum((A @ W @ B - C) ** 2)),
        lambda W: 2.0 * A.T @ (A @ W @ B - C) @ B.T,
    )


def _make_least_squares_loss(rng, d, k):
    N = d + 2
    X, Y = rng.standard_normal((N, d)), rng.standard_normal((N, k))
    return IdentityInstance(rng.standard_normal((d, k)), lambda W: loss(W, X, Y), lambda W: grad_W(W, X, Y))


def _make_log_abs_det(rng, d, k):
    return IdentityInstance(
        _well_conditioned(rng, d),
        lambda W: float(np.linalg.slogdet(W)[1]),
        lambda W: np.linalg.inv(W).T,
    )


def _make_trace_inverse(rng, d, k):
    A = rng.standard_normal((d, d))

    def grad(W):
        Winv_T = np.linalg.inv(W).T
        return -Winv_T @ A.T @ Winv_T

    return IdentityInstance(_well_conditioned(rng, d), lambda W: float(np.trace(np.linalg.solve(W, A))), grad)


_D = r"\frac{\partial}{\partial W}"

#: The matrix-derivative identities used in the book, each checkable with :func:`verify_identities`.
IDENTITIES: tuple[Identity, ...] = (
    Identity("tr(AW)", _D + r"\operatorname{tr}(AW) = A^\top", "eq. (100), as tr(AW) = tr(WA)", _make_tr_AW),
    Identity("tr(W^T B)", _D + r"\operatorname{tr}(W^\top B) = B", "eq. (103)", _make_tr_WtB),
    Identity("tr(AWB)", _D + r"\operatorname{tr}(AWB) = A^\top B^\top", "eq. (101)", _make_tr_AWB),
    Identity("tr(W^T B W)", _D + r"\operatorname{tr}(W^\top B W) = (B + B^\top)\,W", "eq. (108)", _make_tr_WtBW),
    Identity(
        "tr(W^T B W C)",
        _D + r"\operatorname{tr}(W^\top B W C) = BWC + B^\top W C^\top",
        "eq. (117)",
        _make_tr_WtBWC,
    ),
    Identity(
        "||W||_F^2", _D + r"\lVert W\rVert_F^2 = 2W", "eq. (115), as ||W||_F^2 = tr(W^T W)", _make_frobenius_squared
    ),
    Identity(
        "<A, W>_F",
        _D + r"\langle A, W\rangle_F = A",
        "eq. (103), as <A, W>_F = tr(W^T A)",
        _make_frobenius_inner,
    ),
    Identity("a^T W b", _D + r"\, a^\top W b = a b^\top", "eq. (70)", _make_bilinear),
    Identity(
        "w^T B w",
        r"\frac{\partial}{\partial w}\, w^\top B w = (B + B^\top)\,w",
        "eq. (81)",
        _make_vector_quadratic,
        variable="w in R^d",
    ),
    Identity(
        "||XW - Y||_F^2",
        _D + r"\lVert XW - Y\rVert_F^2 = 2X^\top (XW - Y)",
        "eq. (119) with A = X, B = I, C = -Y",
        _make_squared_residual,
    ),
    Identity(
        "||AWB - C||_F^2",
        _D + r"\lVert AWB - C\rVert_F^2 = 2A^\top (AWB - C) B^\top",
        "eq. (119), with C replaced by -C",
        _make_sandwich_residual,
    ),
    Identity(
        "(1/N)||XW - Y||_F^2",
        _D + r"\frac{1}{N}\lVert XW - Y\rVert_F^2 = \frac{2}{N} X^\top (XW - Y)",
        "",
        _make_least_squares_loss,
    ),
    Identity(
        "ln|det W|",
        _D + r"\ln\lvert\det W\rvert = W^{-\top}",
        "eq. (57)",
        _make_log_abs_det,
        variable="W in R^{d x d}, invertible",
    ),
    Identity(
        "tr(W^{-1} A)",
        _D + r"\operatorname{tr}(W^{-1} A) = -W^{-\top} A^\top W^{-\top}",
        "eq. (63) with its A = I",
        _make_trace_inverse,
        variable="W in R^{d x d}, invertible",
    ),
)


def verify_identities(
    seed: int = 0, *, d: int = 3, k: int = 2, method: str = "central"
) -> list[tuple[Identity, GradientCheck]]:
    """Check every identity of :data:`IDENTITIES` against finite differences on random data.

    Entry ``i`` is instantiated with the seed ``[seed, i]``, so that each entry's data do not depend
    on the others. The constant matrices are not symmetric: an identity that silently assumed
    symmetry would fail.

    Returns
    -------
    list of (Identity, GradientCheck)
        One verdict of :func:`matgrad.check_gradient` (with ``method``) per identity, in catalogue order.

    Examples
    --------
    >>> all(check.ok for _, check in verify_identities(seed=1))
    True
    """
    results = []
    for i, identity in enumerate(IDENTITIES):
        instance = identity.make(np.random.default_rng([seed, i]), d, k)
        results.append((identity, check_gradient(instance.f, instance.grad, instance.W, method=method)))
    return results
