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
identities used in the whole book. Each entry can be instantiated on random,
non-symmetric matrices and checked against finite differences with
:func:`verify_identities`.

All gradients are in the denominator layout: a gradient has the shape of its
variable.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .._old_checks import as_matrix, as_numeric_array, check_regression_shapes, positive_int, random_generator
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
# Input checks
# ---------------------------------------------------------------------------------------------


def _scalar(value) -> float | complex:
    """A Python float (or complex), so that printed values carry no ``np.float64(...)``."""
    value = value.item() if isinstance(value, np.generic | np.ndarray) else value
    return complex(value) if isinstance(value, complex) else float(value)


def _regression_matrices(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, check_finite: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Validated ``W, X, Y`` as matrices; the flag says whether ``W`` was a vector of shape (d,)."""
    W = as_numeric_array("W", W, check_finite=check_finite)
    X = as_numeric_array("X", X, check_finite=check_finite)
    Y = as_numeric_array("Y", Y, check_finite=check_finite)
    check_regression_shapes(W, X, Y)
    vector = W.ndim == 1
    if vector:  # the single-output case: a vector w is the d x 1 matrix W
        W, Y = W[:, None], Y[:, None]
    return W, X, Y, vector


# ---------------------------------------------------------------------------------------------
# The three trace identities of the chapter
# ---------------------------------------------------------------------------------------------


def trace_AW(A: ArrayLike, W: ArrayLike, *, check_finite: bool = True) -> float | complex:
    r"""The linear function ``tr(A W)`` of ``W``.

    Parameters
    ----------
    A : array_like, shape (k, d)
        Constant matrix; ``A W`` must be square.
    W : array_like, shape (d, k)
        The variable.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float or complex
        ``tr(A W) = sum_j sum_m a_jm w_mj``.

    Raises
    ------
    ValueError
        If ``A`` is not of shape ``(W.shape[1], W.shape[0])``.

    Examples
    --------
    >>> trace_AW([[1.0, 2.0]], [[3.0], [4.0]])
    11.0
    """
    A = as_matrix("A", A, check_finite)
    W = as_matrix("W", W, check_finite)
    if A.shape != W.shape[::-1]:
        raise ValueError(f"A has shape {A.shape} but W has shape {W.shape}: tr(A W) needs A of shape {W.shape[::-1]}")
    return _scalar(np.sum(A * W.T))


def grad_trace_AW(A: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of ``W -> tr(A W)``: ``A^T`` (Matrix Cookbook eq. (100), as ``tr(A W) = tr(W A)``).

    Parameters
    ----------
    A : array_like, shape (k, d)
        The constant matrix of :func:`trace_AW`.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (d, k)
        ``A^T``, the shape of ``W``. It does not depend on ``W``: the function is linear.

    Examples
    --------
    >>> grad_trace_AW([[1.0, 2.0]])
    array([[1.],
           [2.]])
    """
    return as_matrix("A", A, check_finite).T.copy()


def trace_WtB(W: ArrayLike, B: ArrayLike, *, check_finite: bool = True) -> float | complex:
    r"""The linear function ``tr(W^T B)`` of ``W``, which is the Frobenius inner product ``<W, B>_F``.

    Parameters
    ----------
    W : array_like, shape (d, k)
        The variable.
    B : array_like, shape (d, k)
        Constant matrix of the shape of ``W``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float or complex
        ``tr(W^T B) = sum_m sum_j w_mj b_mj``.

    Examples
    --------
    >>> trace_WtB([[1.0, 2.0]], [[3.0, 4.0]])
    11.0
    """
    W = as_matrix("W", W, check_finite)
    B = as_matrix("B", B, check_finite)
    if B.shape != W.shape:
        raise ValueError(f"B has shape {B.shape} but W has shape {W.shape}: tr(W^T B) needs B of the shape of W")
    return _scalar(np.sum(W * B))


def grad_trace_WtB(B: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of ``W -> tr(W^T B)``: ``B`` itself (Matrix Cookbook eq. (103)).

    Parameters
    ----------
    B : array_like, shape (d, k)
        The constant matrix of :func:`trace_WtB`.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (d, k)
        A copy of ``B``.
    """
    return as_matrix("B", B, check_finite).copy()


def _check_quadratic_form(W: np.ndarray, B: np.ndarray) -> None:
    if B.shape != (W.shape[0], W.shape[0]):
        raise ValueError(
            f"B has shape {B.shape} but W has shape {W.shape}: tr(W^T B W) needs a square B of shape "
            f"{(W.shape[0], W.shape[0])}"
        )


def trace_WtBW(W: ArrayLike, B: ArrayLike, *, check_finite: bool = True) -> float | complex:
    r"""The quadratic function ``tr(W^T B W)`` of ``W``.

    Parameters
    ----------
    W : array_like, shape (d, k)
        The variable.
    B : array_like, shape (d, d)
        Constant square matrix, not necessarily symmetric.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float or complex
        ``tr(W^T B W) = sum_j sum_m sum_n w_mj b_mn w_nj``.

    Examples
    --------
    >>> trace_WtBW([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]])
    7.0
    """
    W = as_matrix("W", W, check_finite)
    B = as_matrix("B", B, check_finite)
    _check_quadratic_form(W, B)
    return _scalar(np.sum(W * (B @ W)))


def grad_trace_WtBW(W: ArrayLike, B: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of ``W -> tr(W^T B W)``: ``(B + B^T) W`` (Matrix Cookbook eq. (108)).

    Parameters
    ----------
    W : array_like, shape (d, k)
        Point at which the gradient is taken.
    B : array_like, shape (d, d)
        Constant square matrix, not necessarily symmetric.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (d, k)
        ``(B + B^T) W``; equal to ``2 B W`` only when ``B`` is symmetric.

    Examples
    --------
    >>> grad_trace_WtBW([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]])
    array([[4.],
           [5.]])
    """
    W = as_matrix("W", W, check_finite)
    B = as_matrix("B", B, check_finite)
    _check_quadratic_form(W, B)
    return (B + B.T) @ W


def grad_trace_WtBW_naive(W: ArrayLike, B: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""The tempting but WRONG gradient ``2 B W`` of ``tr(W^T B W)``, kept to show when it fails.

    It is the gradient only when ``B`` is symmetric; for any other ``B`` it misses
    ``(B^T - B) W``. Chapter ``02-trace`` shows :func:`matgrad.check_gradient`
    rejecting it.

    Parameters
    ----------
    W : array_like, shape (d, k)
        Point.
    B : array_like, shape (d, d)
        Constant square matrix.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (d, k)
        ``2 B W``.
    """
    W = as_matrix("W", W, check_finite)
    B = as_matrix("B", B, check_finite)
    _check_quadratic_form(W, B)
    return 2.0 * (B @ W)


# ---------------------------------------------------------------------------------------------
# The least-squares loss, the chapter's way
# ---------------------------------------------------------------------------------------------


class TraceTerms(NamedTuple):
    """The four traces of the expanded squared norm ``||X W - Y||_F^2``.

    Attributes
    ----------
    WtXtXW : float
        ``tr(W^T X^T X W)``, quadratic in ``W``.
    YtXW : float
        ``tr(Y^T X W)``, linear in ``W``.
    WtXtY : float
        ``tr(W^T X^T Y)``, linear in ``W`` (equal to ``YtXW``: a trace is invariant under transposition).
    YtY : float
        ``tr(Y^T Y)``, constant in ``W``.
    """

    WtXtXW: float | complex
    YtXW: float | complex
    WtXtY: float | complex
    YtY: float | complex

    @property
    def squared_norm(self) -> float | complex:
        """``tr(W^T X^T X W) - tr(Y^T X W) - tr(W^T X^T Y) + tr(Y^T Y)``, which is ``||X W - Y||_F^2``."""
        return self.WtXtXW - self.YtXW - self.WtXtY + self.YtY


class TraceGradientTerms(NamedTuple):
    """Gradients with respect to ``W`` of the four traces in :class:`TraceTerms` (each of ``W``'s shape).

    Attributes
    ----------
    WtXtXW : numpy.ndarray
        ``(X^T X + (X^T X)^T) W`` by eq. (108); equal to ``2 X^T X W`` as ``X^T X`` is symmetric.
    YtXW : numpy.ndarray
        ``(Y^T X)^T = X^T Y`` by eq. (100).
    WtXtY : numpy.ndarray
        ``X^T Y`` by eq. (103).
    YtY : numpy.ndarray
        Zero: the term does not depend on ``W``.
    """

    WtXtXW: np.ndarray
    YtXW: np.ndarray
    WtXtY: np.ndarray
    YtY: np.ndarray

    @property
    def combined(self) -> np.ndarray:
        """The gradient of ``||X W - Y||_F^2``: the four gradients with the signs of the expansion."""
        return self.WtXtXW - self.YtXW - self.WtXtY + self.YtY


def trace_expansion_terms(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> TraceTerms:
    r"""The four trace terms of ``||X W - Y||_F^2 = tr((X W - Y)^T (X W - Y))``.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights.
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets (a vector exactly when ``W`` is a vector).
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    TraceTerms
        ``tr(W^T X^T X W)``, ``tr(Y^T X W)``, ``tr(W^T X^T Y)``, ``tr(Y^T Y)``; their signed sum
        ``.squared_norm`` equals ``||X W - Y||_F^2``.

    Examples
    --------
    >>> import numpy as np
    >>> terms = trace_expansion_terms(np.array([[1.0]]), np.array([[2.0]]), np.array([[3.0]]))
    >>> terms
    TraceTerms(WtXtXW=4.0, YtXW=6.0, WtXtY=6.0, YtY=9.0)
    >>> terms.squared_norm
    1.0
    """
    W, X, Y, _ = _regression_matrices(W, X, Y, check_finite)
    return TraceTerms(
        WtXtXW=trace_WtBW(W, X.T @ X, check_finite=False),
        YtXW=trace_AW(Y.T @ X, W, check_finite=False),
        WtXtY=trace_WtB(W, X.T @ Y, check_finite=False),
        YtY=trace_WtB(Y, Y, check_finite=False),
    )


def loss_by_trace(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> float | complex:
    """The loss ``(1/N) ||X W - Y||_F^2`` computed from its four trace terms.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`trace_expansion_terms`.

    Returns
    -------
    float or complex
        ``TraceTerms.squared_norm / N``; equal to :func:`matgrad.loss` up to rounding.
    """
    W, X, Y, _ = _regression_matrices(W, X, Y, check_finite)
    return trace_expansion_terms(W, X, Y, check_finite=False).squared_norm / X.shape[0]


def trace_gradient_terms(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> TraceGradientTerms:
    r"""Gradients with respect to ``W`` of the four trace terms, each by its own identity.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`trace_expansion_terms`.

    Returns
    -------
    TraceGradientTerms
        Four arrays of ``W``'s shape (matrices of shape ``(d, 1)`` when ``W`` is a vector);
        ``.combined`` is the gradient of ``||X W - Y||_F^2``.
    """
    W, X, Y, _ = _regression_matrices(W, X, Y, check_finite)
    XtX = X.T @ X
    return TraceGradientTerms(
        WtXtXW=grad_trace_WtBW(W, XtX, check_finite=False),
        YtXW=grad_trace_AW(Y.T @ X, check_finite=False),
        WtXtY=grad_trace_WtB(X.T @ Y, check_finite=False),
        YtY=np.zeros_like(W, dtype=np.result_type(W, X, Y)),
    )


def grad_W_by_trace(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of ``L(W) = (1/N) ||X W - Y||_F^2`` assembled from the trace identities.

    The four gradients of :func:`trace_gradient_terms` combined with the signs of the expansion and
    divided by ``N``: ``(1/N) [(B + B^T) W - X^T Y - X^T Y]`` with ``B = X^T X``, which is
    ``(2/N) X^T (X W - Y)`` because ``B`` is symmetric.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`trace_expansion_terms`.

    Returns
    -------
    numpy.ndarray
        The gradient, with the shape of ``W``; equal to :func:`matgrad.grad_W` up to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> grad_W_by_trace(np.array([1.0, 2.0]), np.eye(2), np.zeros(2))
    array([1., 2.])
    """
    W, X, Y, vector = _regression_matrices(W, X, Y, check_finite)
    G = trace_gradient_terms(W, X, Y, check_finite=False).combined / X.shape[0]
    return G[:, 0] if vector else G


def grad_X_by_trace(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient of the loss with respect to ``X`` by the same trace identities.

    As functions of ``X``: ``tr(W^T X^T X W) = tr(V^T C V)`` with ``V = X^T`` and ``C = W W^T``
    (eq. (108), transposed back), ``tr(Y^T X W) = tr((W Y^T) X)`` (eq. (100)) and
    ``tr(W^T X^T Y) = tr(X^T (Y W^T))`` (eq. (103)). The result is ``(2/N) (X W - Y) W^T``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`trace_expansion_terms`.

    Returns
    -------
    numpy.ndarray, shape (N, d)
        The gradient, with the shape of ``X``; equal to :func:`matgrad.grad_X` up to rounding.
    """
    W, X, Y, _ = _regression_matrices(W, X, Y, check_finite)
    C = W @ W.T
    quadratic = grad_trace_WtBW(X.T, C, check_finite=False).T
    cross_left = grad_trace_AW(W @ Y.T, check_finite=False)
    cross_right = grad_trace_WtB(Y @ W.T, check_finite=False)
    return (quadratic - cross_left - cross_right) / X.shape[0]


# ---------------------------------------------------------------------------------------------
# The catalogue of identities used in the book
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityInstance:
    """One identity on concrete random matrices: a point ``W`` and the callables ``f(W)``, ``grad(W)``.

    Attributes
    ----------
    W : numpy.ndarray
        Point at which to check the identity.
    f : callable
        The scalar function, ``f(W) -> float``.
    grad : callable
        Its gradient by the identity, ``grad(W) -> array`` of ``W``'s shape.
    """

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
        The identity in LaTeX (without ``$``), e.g.
        ``\frac{\partial}{\partial W}\operatorname{tr}(AW) = A^\top``.
    cookbook : str
        Equation of the Matrix Cookbook (version of November 15, 2012) it corresponds to, or ``""``.
    make : callable
        ``make(rng, d, k) -> IdentityInstance`` with random, non-symmetric constant matrices and a
        point ``W`` of shape ``(d, k)``, ``(d, d)`` (identities of a square ``W``) or ``(d,)``
        (identities of a vector), as :attr:`variable` says.
    variable : str
        Shape of the variable, in words.
    """

    name: str
    formula: str
    cookbook: str
    make: Callable[[np.random.Generator, int, int], IdentityInstance] = field(repr=False)
    variable: str = "W in R^{d x k}"

    def instantiate(self, seed: int = 0, d: int = 3, k: int = 2) -> IdentityInstance:
        """Random instance of the identity (see :attr:`make`), reproducible from ``seed``.

        Parameters
        ----------
        seed : int, default 0
            Seed of :func:`numpy.random.default_rng`.
        d, k : int
            Sizes, both at least 1.

        Returns
        -------
        IdentityInstance
        """
        d, k = positive_int("d", d), positive_int("k", k)
        return self.make(random_generator(seed), d, k)


def _nonsymmetric(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random square matrix; for n >= 2 it is not symmetric (almost surely; made sure below)."""
    B = rng.standard_normal((n, n))
    if n >= 2:
        B[0, 1] += 1.0  # a standard normal B is non-symmetric with probability one; this makes it certain
        B[1, 0] -= 1.0
    return B


def _well_conditioned(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random non-symmetric square matrix with singular values in [1, 2] (safely invertible)."""
    Q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    Q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    s = rng.uniform(1.0, 2.0, n)
    return (Q1 * s) @ Q2.T


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

    Entry ``i`` is instantiated with the seed ``[seed, i]``, so each entry's data do not depend on
    the others. The constant matrices are not symmetric, so an identity that silently assumed
    symmetry would fail.

    Parameters
    ----------
    seed : int, default 0
        Base seed.
    d, k : int
        Sizes of the variable (at least 1; square identities use ``d x d``, vector ones ``d``).
    method : str, default "central"
        Differencing method of :func:`matgrad.check_gradient`.

    Returns
    -------
    list of (Identity, GradientCheck)
        One verdict per identity, in the order of :data:`IDENTITIES`.

    Examples
    --------
    >>> all(check.ok for _, check in verify_identities(seed=1))
    True
    """
    d, k = positive_int("d", d), positive_int("k", k)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    random_generator(seed)  # a clear ValueError for a negative seed
    results = []
    for i, identity in enumerate(IDENTITIES):
        instance = identity.make(np.random.default_rng([seed, i]), d, k)
        results.append((identity, check_gradient(instance.f, instance.grad, instance.W, method=method)))
    return results
