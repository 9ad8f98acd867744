r"""The gradient of least squares in index notation, implemented literally.

Chapter ``03-index-notation`` names every index. With ``i = 1..N`` (examples),
``j = 1..k`` (outputs) and ``m = 1..d`` (features)::

    r_ij = sum_m x_im w_mj - y_ij
    L    = (1/N) sum_i sum_j r_ij^2

Differentiating with respect to one entry ``w_ab`` (``a``, ``b`` fixed: free indices)
with the Kronecker-delta rule ``d w_mj / d w_ab = delta_ma delta_jb``::

    d r_ij / d w_ab = sum_m x_im delta_ma delta_jb = x_ia delta_jb
    d L / d w_ab    = (2/N) sum_i sum_j r_ij x_ia delta_jb = (2/N) sum_i x_ia r_ib

which is entry ``(a, b)`` of ``(2/N) X^T R``.

The functions below compute these sums three ways: with explicit Python loops
(for small sizes only), with the delta tensor, and with :func:`numpy.einsum`
using the same index letters. Two functions, :func:`grad_W_missing_inner_sum`
and :func:`grad_W_reused_index`, are deliberately WRONG: they reproduce the
index slips discussed in the chapter so that the numerical check can be seen
rejecting them. :func:`analyse_subscripts` checks an einsum specification
against the rules of the summation convention.
"""

from __future__ import annotations

import numbers
from collections import Counter
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .._old_checks import as_numeric_array, as_python_scalar, check_regression_shapes

__all__ = [
    "IndexRoles",
    "analyse_subscripts",
    "grad_W_by_einsum",
    "grad_W_by_index_deltas",
    "grad_W_by_index_loops",
    "grad_W_missing_inner_sum",
    "grad_W_reused_index",
    "grad_X_by_einsum",
    "kronecker_delta",
    "loss_by_einsum",
    "loss_by_index_loops",
    "residual_derivative_tensor",
]


def _prepare(
    W: ArrayLike, X: ArrayLike, Y: ArrayLike, check_finite: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Validated ``W, X, Y`` as matrices; the flag says whether ``W`` was a vector of shape (d,)."""
    W = as_numeric_array("W", W, check_finite=check_finite)
    X = as_numeric_array("X", X, check_finite=check_finite)
    Y = as_numeric_array("Y", Y, check_finite=check_finite)
    check_regression_shapes(W, X, Y)
    vector = W.ndim == 1
    if vector:  # a vector w is the d x 1 matrix W; the index j then takes the single value 1
        W, Y = W[:, None], Y[:, None]
    return W, X, Y, vector


def _shape_like_W(G: np.ndarray, vector: bool) -> np.ndarray:
    return G[:, 0] if vector else G


def kronecker_delta(p: int, q: int) -> int:
    """The Kronecker delta: 1 if ``p == q``, else 0.

    Parameters
    ----------
    p, q : int
        Index values.

    Returns
    -------
    int

    Examples
    --------
    >>> kronecker_delta(2, 2), kronecker_delta(2, 3)
    (1, 0)
    """
    for name, v in (("p", p), ("q", q)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must be an integer index, got {v!r}")
    return int(p == q)


# ---------------------------------------------------------------------------------------------
# The loss and its gradient, literally
# ---------------------------------------------------------------------------------------------


def loss_by_index_loops(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> float | complex:
    r"""``L = (1/N) sum_i sum_j (sum_m x_im w_mj - y_ij)^2`` with one Python loop per index.

    Meant for small sizes (it costs ``N k d`` Python operations).

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights.
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    float or complex
        The loss; equal to :func:`matgrad.loss` up to rounding. Complex only if an input is complex
        (the sums are plain arithmetic, with no conjugation, as in :func:`matgrad.loss`).

    Examples
    --------
    >>> loss_by_index_loops([[1.0], [2.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0], [0.0]])
    2.5
    """
    W, X, Y, _ = _prepare(W, X, Y, check_finite)
    N, d = X.shape
    k = W.shape[1]
    total = 0.0
    for i in range(N):
        for j in range(k):
            r_ij = 0.0
            for m in range(d):
                r_ij += X[i, m] * W[m, j]
            r_ij -= Y[i, j]
            total += r_ij * r_ij
    return as_python_scalar(total / N)


def loss_by_einsum(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> float | complex:
    r"""The same triple sum with :func:`numpy.einsum`: ``r = einsum('im,mj->ij', X, W) - Y``, then ``'ij,ij->'``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss_by_index_loops`.

    Returns
    -------
    float or complex
        The loss; complex only if an input is complex.
    """
    W, X, Y, _ = _prepare(W, X, Y, check_finite)
    R = np.einsum("im,mj->ij", X, W) - Y
    return as_python_scalar(np.einsum("ij,ij->", R, R) / X.shape[0])


def residual_derivative_tensor(X: ArrayLike, k: int, *, check_finite: bool = True) -> np.ndarray:
    r"""The four-index array ``T[i, j, a, b] = d r_ij / d w_ab = x_ia delta_jb``.

    It is the result of the Kronecker-delta step
    ``sum_m x_im (d w_mj / d w_ab) = sum_m x_im delta_ma delta_jb = x_ia delta_jb``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data.
    k : int
        Number of outputs (columns of ``W``), at least 1.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray, shape (N, k, d, k)
        ``T[i, j, a, b]``.

    Examples
    --------
    >>> T = residual_derivative_tensor([[1.0, 2.0]], 2)
    >>> T.shape, float(T[0, 1, 1, 1]), float(T[0, 1, 1, 0])
    ((1, 2, 2, 2), 2.0, 0.0)
    """
    X = as_numeric_array("X", X, check_finite=check_finite)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an integer, got {k!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return _derivative_tensor(X, int(k))


def _derivative_tensor(X: np.ndarray, k: int) -> np.ndarray:
    """``T[i, j, a, b] = x_ia delta_jb`` for a checked ``X``; ``k = 0`` (no outputs) gives an empty tensor."""
    delta_d, delta_k = np.eye(X.shape[1]), np.eye(k)
    # sum over m of x_im delta_ma delta_jb, written with the same letters
    return np.einsum("im,ma,jb->ijab", X, delta_d, delta_k)


def grad_W_by_index_deltas(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""``dL/dw_ab = (2/N) sum_i sum_j r_ij (d r_ij / d w_ab)``, the chain rule before the deltas are summed out.

    Contracts the residual with :func:`residual_derivative_tensor` (``einsum('ij,ijab->ab')``).

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss_by_index_loops`.

    Returns
    -------
    numpy.ndarray
        The gradient, with the shape of ``W``.
    """
    W, X, Y, vector = _prepare(W, X, Y, check_finite)
    R = X @ W - Y
    T = _derivative_tensor(X, W.shape[1])
    G = (2.0 / X.shape[0]) * np.einsum("ij,ijab->ab", R, T)
    return _shape_like_W(G, vector)


def grad_W_by_index_loops(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""``dL/dw_ab = (2/N) sum_i (sum_m x_im w_mb - y_ib) x_ia`` with explicit loops (small sizes only).

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss_by_index_loops`.

    Returns
    -------
    numpy.ndarray
        The gradient, with the shape of ``W``; equal to :func:`matgrad.grad_W` up to rounding.

    Examples
    --------
    >>> grad_W_by_index_loops([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    array([1., 2.])
    """
    W, X, Y, vector = _prepare(W, X, Y, check_finite)
    N, d = X.shape
    k = W.shape[1]
    G = np.zeros((d, k), dtype=np.result_type(W, X, Y))
    for a in range(d):  # free index a: a row of the gradient
        for b in range(k):  # free index b: a column of the gradient
            total = 0.0
            for i in range(N):  # dummy index i
                r_ib = 0.0
                for m in range(d):  # dummy index m, distinct from the free a
                    r_ib += X[i, m] * W[m, b]
                r_ib -= Y[i, b]
                total += r_ib * X[i, a]
            G[a, b] = 2.0 * total / N
    return _shape_like_W(G, vector)


def grad_W_by_einsum(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""The index formula with :func:`numpy.einsum` and the same letters: ``(2/N) einsum('ia,ib->ab', X, R)``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss_by_index_loops`.

    Returns
    -------
    numpy.ndarray
        The gradient, with the shape of ``W``.

    Examples
    --------
    >>> grad_W_by_einsum([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    array([1., 2.])
    """
    W, X, Y, vector = _prepare(W, X, Y, check_finite)
    R = np.einsum("im,mj->ij", X, W) - Y
    G = (2.0 / X.shape[0]) * np.einsum("ia,ib->ab", X, R)
    return _shape_like_W(G, vector)


def grad_X_by_einsum(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""Gradient with respect to ``X`` in index notation: ``dL/dx_pq = (2/N) sum_j r_pj w_qj``.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss_by_index_loops`.

    Returns
    -------
    numpy.ndarray, shape (N, d)
        ``(2/N) einsum('pj,qj->pq', R, W)``, which is ``(2/N) R W^T``.
    """
    W, X, Y, _ = _prepare(W, X, Y, check_finite)
    R = np.einsum("im,mj->ij", X, W) - Y
    return (2.0 / X.shape[0]) * np.einsum("pj,qj->pq", R, W)


# ---------------------------------------------------------------------------------------------
# Two deliberately WRONG formulas: the slips shown in the chapter
# ---------------------------------------------------------------------------------------------


def grad_W_missing_inner_sum(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""WRONG on purpose: the gradient obtained when the sum over the contracted index is left out.

    If the entry of ``XW`` is written as the single product ``x_ik w_kj`` instead of
    ``sum_m x_im w_mj``, differentiating with respect to ``w_ab`` keeps only the
    term ``m = a``::

        (2/N) sum_i (x_ia w_ab - y_ib) x_ia        (einsum 'ia,ab,ia->ab' minus 'ia,ib->ab')

    It differs from the gradient by ``-(2/N) sum_{m != a} (X^T X)_am w_mb``, so it agrees
    with it only when the columns of ``X`` are orthogonal (in particular when ``d = 1``).
    Used in chapter ``03-index-notation`` to show :func:`matgrad.check_gradient` rejecting it.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss_by_index_loops`.

    Returns
    -------
    numpy.ndarray
        An array of ``W``'s shape that is NOT the gradient in general.
    """
    W, X, Y, vector = _prepare(W, X, Y, check_finite)
    G = (2.0 / X.shape[0]) * (np.einsum("ia,ab,ia->ab", X, W, X) - np.einsum("ia,ib->ab", X, Y))
    return _shape_like_W(G, vector)


def grad_W_reused_index(W: ArrayLike, X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""WRONG on purpose: the gradient obtained when one letter is both a free and a summation index.

    Writing ``dL/dw_kj = (2/N) sum_i (sum_k x_ik w_kj - y_ij) x_ik`` uses ``k`` for the
    free index and for the summed one. Moving the outer factor ``x_ik`` inside the sum
    over ``k`` (legal for a factor that does not carry the summation letter) captures
    the free ``k``, and the first part becomes ``sum_k x_ik^2 w_kj``::

        (2/N) [ sum_i sum_m x_im^2 w_mb - sum_i x_ia y_ib ]

    The first part no longer depends on the row ``a`` at all. For ``d = 1`` there is
    only one value of the index and the slip is invisible. Used in chapter
    ``03-index-notation`` to show :func:`matgrad.check_gradient` rejecting it.

    Parameters
    ----------
    W, X, Y, check_finite
        As in :func:`loss_by_index_loops`.

    Returns
    -------
    numpy.ndarray
        An array of ``W``'s shape that is NOT the gradient in general.
    """
    W, X, Y, vector = _prepare(W, X, Y, check_finite)
    captured = np.einsum("im,mb,im->b", X, W, X)  # the same row for every a
    G = (2.0 / X.shape[0]) * (captured[None, :] - np.einsum("ia,ib->ab", X, Y))
    return _shape_like_W(G, vector)


# ---------------------------------------------------------------------------------------------
# Free and dummy indices of an einsum specification
# ---------------------------------------------------------------------------------------------


class IndexRoles(NamedTuple):
    """Roles of the indices in an einsum specification under the summation convention.

    Attributes
    ----------
    free : tuple of str
        Indices that appear once among the factors and in the result.
    summed : tuple of str
        Indices that appear twice among the factors and not in the result (dummy indices).
    problems : tuple of str
        Violations of the convention, in words; empty if there are none.
    """

    free: tuple[str, ...]
    summed: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True if the specification obeys the summation convention."""
        return not self.problems


def analyse_subscripts(subscripts: str) -> IndexRoles:
    """Classify the indices of an explicit einsum specification and report violations of the convention.

    The rules checked (those of the summation convention, stricter than :func:`numpy.einsum`):

    1. an index appears at most twice among the factors of a term;
    2. an index that appears twice is summed (a dummy index) and must not appear in the result;
    3. an index that appears once is free and must appear in the result;
    4. every index of the result appears exactly once among the factors, and only once in the result.

    Parameters
    ----------
    subscripts : str
        Explicit specification such as ``"ia,ib->ab"`` (letters only, with ``->``).

    Returns
    -------
    IndexRoles
        Free and summed indices (in order of first appearance) and the problems found.

    Raises
    ------
    TypeError
        If ``subscripts`` is not a string.
    ValueError
        If it is not an explicit specification of letters (e.g. no ``->`` or an ellipsis).

    Examples
    --------
    >>> analyse_subscripts("ia,ib->ab")
    IndexRoles(free=('a', 'b'), summed=('i',), problems=())
    >>> analyse_subscripts("ik,kj,ik->kj").ok
    False
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"subscripts must be a string such as 'ia,ib->ab', got {type(subscripts).__name__}")
    spec = subscripts.replace(" ", "")
    if spec.count("->") != 1:
        raise ValueError(f"subscripts must be explicit, with exactly one '->': got {subscripts!r}")
    inputs, output = spec.split("->")
    factors = inputs.split(",")
    if not inputs or not all(f.isalpha() for f in factors) or not (output == "" or output.isalpha()):
        raise ValueError(f"subscripts must be letters separated by ',' with one '->', got {subscripts!r}")
    counts = Counter("".join(factors))
    order = list(dict.fromkeys("".join(factors) + output))
    out_counts = Counter(output)
    problems = []
    for index in order:
        n_in, n_out = counts[index], out_counts[index]
        if n_in > 2:
            problems.append(f"index {index} appears {n_in} times among the factors (at most 2 allowed)")
        if n_in >= 2 and n_out:
            problems.append(f"index {index} is summed (repeated) and also free (in the result)")
        if n_in == 1 and not n_out:
            problems.append(f"index {index} appears once but not in the result (a sum needs a repeated index)")
        if n_in == 0:
            problems.append(f"index {index} of the result appears in no factor")
        if n_out > 1:
            problems.append(f"index {index} appears {n_out} times in the result")
    free = tuple(i for i in order if counts[i] == 1 and out_counts[i] == 1)
    summed = tuple(i for i in order if counts[i] == 2 and not out_counts[i])
    return IndexRoles(free, summed, tuple(problems))
