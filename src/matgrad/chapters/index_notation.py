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
index slips discussed in the chapter, so that the numerical check can be seen
rejecting them. :func:`analyse_subscripts` checks an einsum specification
against the rules of the summation convention.

The functions take matrices as given: ``W`` of shape (d, k), ``X`` (N, d), ``Y`` (N, k).
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

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


def kronecker_delta(p: int, q: int) -> int:
    """The Kronecker delta: 1 if ``p == q``, else 0.

    >>> kronecker_delta(2, 2), kronecker_delta(2, 3)
    (1, 0)
    """
    return int(p == q)


# ---------------------------------------------------------------------------------------------
# The loss and its gradient, literally
# ---------------------------------------------------------------------------------------------


def loss_by_index_loops(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    r"""``L = (1/N) sum_i sum_j (sum_m x_im w_mj - y_ij)^2``, with one Python loop per index (small sizes only).

    >>> loss_by_index_loops([[1.0], [2.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0], [0.0]])
    2.5
    """
    W, X, Y = np.asarray(W), np.asarray(X), np.asarray(Y)
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
    return float(total / N)


def loss_by_einsum(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    """The same sums with :func:`numpy.einsum`: ``r = einsum('im,mj->ij', X, W) - Y``, then ``'ij,ij->'``."""
    X = np.asarray(X)
    R = np.einsum("im,mj->ij", X, W) - Y
    return float(np.einsum("ij,ij->", R, R) / X.shape[0])


def residual_derivative_tensor(X: ArrayLike, k: int) -> np.ndarray:
    r"""The four-index array ``T[i, j, a, b] = d r_ij / d w_ab = x_ia delta_jb``, of shape (N, k, d, k).

    It is the Kronecker-delta step ``sum_m x_im delta_ma delta_jb = x_ia delta_jb``, written
    with the same letters in :func:`numpy.einsum`.

    >>> T = residual_derivative_tensor([[1.0, 2.0]], 2)
    >>> T.shape, float(T[0, 1, 1, 1]), float(T[0, 1, 1, 0])
    ((1, 2, 2, 2), 2.0, 0.0)
    """
    X = np.asarray(X)
    delta_d, delta_k = np.eye(X.shape[1]), np.eye(k)
    return np.einsum("im,ma,jb->ijab", X, delta_d, delta_k)


def grad_W_by_index_deltas(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""``dL/dw_ab = (2/N) sum_i sum_j r_ij (d r_ij / d w_ab)``: the chain rule before the deltas are summed out.

    Contracts the residual with :func:`residual_derivative_tensor` (``einsum('ij,ijab->ab')``).
    """
    W, X = np.asarray(W), np.asarray(X)
    R = X @ W - Y
    T = residual_derivative_tensor(X, W.shape[1])
    return (2 / X.shape[0]) * np.einsum("ij,ijab->ab", R, T)


def grad_W_by_index_loops(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""``dL/dw_ab = (2/N) sum_i (sum_m x_im w_mb - y_ib) x_ia``, with one Python loop per index (small sizes only).

    >>> grad_W_by_index_loops([[1.0], [2.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0], [0.0]])
    array([[1.],
           [2.]])
    """
    W, X, Y = np.asarray(W), np.asarray(X), np.asarray(Y)
    N, d = X.shape
    k = W.shape[1]
    G = np.zeros((d, k))
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
    return G


def grad_W_by_einsum(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""The index formula in :func:`numpy.einsum`, with the same letters: ``(2/N) einsum('ia,ib->ab', X, R)``.

    >>> grad_W_by_einsum([[1.0], [2.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0], [0.0]])
    array([[1.],
           [2.]])
    """
    X = np.asarray(X)
    R = np.einsum("im,mj->ij", X, W) - Y
    return (2 / X.shape[0]) * np.einsum("ia,ib->ab", X, R)


def grad_X_by_einsum(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""Gradient with respect to ``X``: ``dL/dx_pq = (2/N) sum_j r_pj w_qj``, that is ``einsum('pj,qj->pq', R, W)``."""
    X = np.asarray(X)
    R = np.einsum("im,mj->ij", X, W) - Y
    return (2 / X.shape[0]) * np.einsum("pj,qj->pq", R, W)


# ---------------------------------------------------------------------------------------------
# Two deliberately WRONG formulas: the slips shown in the chapter
# ---------------------------------------------------------------------------------------------


def grad_W_missing_inner_sum(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""WRONG on purpose: the gradient obtained when the sum over the contracted index is left out.

    The entry of ``XW`` written as the single product ``x_ia w_ab`` keeps only the term ``m = a``
    of ``sum_m x_im w_mb``: ``(2/N) sum_i (x_ia w_ab - y_ib) x_ia``. It misses
    ``(2/N) sum_{m != a} (X^T X)_am w_mb``, so it is right only when the columns of ``X`` are
    orthogonal (in particular when ``d = 1``).
    """
    X = np.asarray(X)
    return (2 / X.shape[0]) * (np.einsum("ia,ab,ia->ab", X, W, X) - np.einsum("ia,ib->ab", X, Y))


def grad_W_reused_index(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""WRONG on purpose: the gradient obtained when one letter is both a free and a summation index.

    In ``dL/dw_kj = (2/N) sum_i (sum_k x_ik w_kj - y_ij) x_ik``, moving the outer ``x_ik`` into
    the sum over ``k`` captures the free ``k``: the first part becomes ``sum_i sum_m x_im^2 w_mb``,
    the same in every row ``a``. With ``d = 1`` the slip is invisible.
    """
    X = np.asarray(X)
    captured = np.einsum("im,mb,im->b", X, W, X)  # one row, the same for every a
    return (2 / X.shape[0]) * (captured[None, :] - np.einsum("ia,ib->ab", X, Y))


# ---------------------------------------------------------------------------------------------
# Free and dummy indices of an einsum specification
# ---------------------------------------------------------------------------------------------


class IndexRoles(NamedTuple):
    """The roles of the indices in an einsum specification under the summation convention."""

    free: tuple[str, ...]  # once among the factors, and in the result
    summed: tuple[str, ...]  # twice among the factors, not in the result (dummy indices)
    problems: tuple[str, ...]  # violations of the convention, in words

    @property
    def ok(self) -> bool:
        """True if the specification obeys the summation convention."""
        return not self.problems


def analyse_subscripts(subscripts: str) -> IndexRoles:
    """Classify the indices of an explicit einsum specification and report violations of the convention.

    The rules (those of the summation convention, stricter than :func:`numpy.einsum`): an index
    appears at most twice among the factors; twice means summed, and then not in the result; once
    means free, and then in the result; every index of the result appears in a factor, and once.

    Parameters
    ----------
    subscripts : str
        An explicit specification such as ``"ia,ib->ab"``: letters, commas and one ``->``.

    Returns
    -------
    IndexRoles
        The free and the summed indices (in order of first appearance), and the problems found.

    Examples
    --------
    >>> analyse_subscripts("ia,ib->ab")
    IndexRoles(free=('a', 'b'), summed=('i',), problems=())
    >>> analyse_subscripts("ik,kj,ik->kj").ok
    False
    """
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    factors = inputs.split(",")
    if not arrow or "->" in output or not all(f.isalpha() for f in factors) or not (output == "" or output.isalpha()):
        raise ValueError(f"subscripts must be letters separated by ',' with one '->', got {subscripts!r}")
    counts, out_counts = Counter("".join(factors)), Counter(output)
    order = list(dict.fromkeys("".join(factors) + output))
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
