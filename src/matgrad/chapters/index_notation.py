r"""The gradient of least squares in index notation, implemented literally.

Chapter ``03-index-notation`` names every index, with the book's fixed letters: ``i = 1..N``
(examples), ``a, c = 1..d`` (features), ``b, e = 1..k`` (outputs)::

    r_ie = sum_c x_ic w_ce - y_ie
    L    = (1/N) sum_i sum_e r_ie^2

Differentiating with respect to one entry ``w_ab`` (``a``, ``b`` fixed: free indices)
with the Kronecker-delta rule ``d w_ce / d w_ab = delta_ca delta_eb``::

    d r_ie / d w_ab = sum_c x_ic delta_ca delta_eb = x_ia delta_eb
    d L / d w_ab    = (2/N) sum_i sum_e r_ie x_ia delta_eb = (2/N) sum_i x_ia r_ib

which is entry ``(a, b)`` of ``(2/N) X^T R``.

The functions below compute these sums three ways: with explicit Python loops
(for small sizes only), with the delta tensor, and with :func:`numpy.einsum`
using the same index letters. Two functions, :func:`grad_W_missing_inner_sum`
and :func:`grad_W_reused_index`, are deliberately WRONG: they reproduce the
index slips discussed in the chapter, so that the numerical check can be seen
rejecting them. :func:`analyse_subscripts` names the role of each index of an
einsum specification and warns where it departs from the Einstein summation
convention; a warning is not an error, and no warning is not a proof.

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
    r"""``L = (1/N) sum_i sum_e (sum_c x_ic w_ce - y_ie)^2``, with one Python loop per index (small sizes only).

    >>> loss_by_index_loops([[1.0], [2.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0], [0.0]])
    2.5
    """
    W, X, Y = np.asarray(W), np.asarray(X), np.asarray(Y)
    N, d = X.shape
    k = W.shape[1]
    total = 0.0
    for i in range(N):
        for e in range(k):
            r_ie = 0.0
            for c in range(d):
                r_ie += X[i, c] * W[c, e]
            r_ie -= Y[i, e]
            total += r_ie * r_ie
    return float(total / N)


def loss_by_einsum(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    """The same sums with :func:`numpy.einsum`: ``r = einsum('ic,ce->ie', X, W) - Y``, then ``'ie,ie->'``."""
    X = np.asarray(X)
    R = np.einsum("ic,ce->ie", X, W) - Y
    return float(np.einsum("ie,ie->", R, R) / X.shape[0])


def residual_derivative_tensor(X: ArrayLike, k: int) -> np.ndarray:
    r"""The four-index array ``T[i, e, a, b] = d r_ie / d w_ab = x_ia delta_eb``, of shape (N, k, d, k).

    It is the Kronecker-delta step ``sum_c x_ic delta_ca delta_eb = x_ia delta_eb``, written
    with the same letters in :func:`numpy.einsum`.

    >>> T = residual_derivative_tensor([[1.0, 2.0]], 2)
    >>> T.shape, float(T[0, 1, 1, 1]), float(T[0, 1, 1, 0])
    ((1, 2, 2, 2), 2.0, 0.0)
    """
    X = np.asarray(X)
    delta_d, delta_k = np.eye(X.shape[1]), np.eye(k)
    return np.einsum("ic,ca,eb->ieab", X, delta_d, delta_k)


def grad_W_by_index_deltas(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""``dL/dw_ab = (2/N) sum_i sum_e r_ie (d r_ie / d w_ab)``: the chain rule before the deltas are summed out.

    Contracts the residual with :func:`residual_derivative_tensor` (``einsum('ie,ieab->ab')``).
    """
    W, X = np.asarray(W), np.asarray(X)
    R = X @ W - Y
    T = residual_derivative_tensor(X, W.shape[1])
    return (2 / X.shape[0]) * np.einsum("ie,ieab->ab", R, T)


def grad_W_by_index_loops(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""``dL/dw_ab = (2/N) sum_i (sum_c x_ic w_cb - y_ib) x_ia``, with one Python loop per index (small sizes only).

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
                for c in range(d):  # dummy index c, distinct from the free a
                    r_ib += X[i, c] * W[c, b]
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
    R = np.einsum("ic,ce->ie", X, W) - Y
    return (2 / X.shape[0]) * np.einsum("ia,ib->ab", X, R)


def grad_X_by_einsum(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""Gradient with respect to ``X``: ``dL/dx_ia = (2/N) sum_e r_ie w_ae``, that is ``einsum('ie,ae->ia', R, W)``."""
    X = np.asarray(X)
    R = np.einsum("ic,ce->ie", X, W) - Y
    return (2 / X.shape[0]) * np.einsum("ie,ae->ia", R, W)


# ---------------------------------------------------------------------------------------------
# Two deliberately WRONG formulas: the slips shown in the chapter
# ---------------------------------------------------------------------------------------------


def grad_W_missing_inner_sum(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""WRONG on purpose: the gradient obtained when the sum over the contracted index is left out.

    The entry of ``XW`` written as the single product ``x_ia w_ab`` keeps only the term ``c = a``
    of ``sum_c x_ic w_cb``: ``(2/N) sum_i (x_ia w_ab - y_ib) x_ia``. It misses
    ``(2/N) sum_{c != a} (X^T X)_ac w_cb``, so it is right when the columns of ``X`` are
    orthogonal (in particular when ``d = 1``), and wrong for correlated columns, standardised or not.
    """
    X = np.asarray(X)
    return (2 / X.shape[0]) * (np.einsum("ia,ab,ia->ab", X, W, X) - np.einsum("ia,ib->ab", X, Y))


def grad_W_reused_index(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""WRONG on purpose: the gradient obtained when one letter is both a free and a summation index.

    In ``dL/dw_ab = (2/N) sum_i (sum_a x_ia w_ab - y_ib) x_ia``, moving the outer ``x_ia`` into
    the sum over ``a`` captures the free ``a``: the first part becomes ``sum_i sum_c x_ic^2 w_cb``,
    the same in every row ``a``. With ``d = 1`` the slip is invisible.
    """
    X = np.asarray(X)
    captured = np.einsum("ic,cb,ic->b", X, W, X)  # one row, the same for every a
    return (2 / X.shape[0]) * (captured[None, :] - np.einsum("ia,ib->ab", X, Y))


# ---------------------------------------------------------------------------------------------
# Free and dummy indices of an einsum specification
# ---------------------------------------------------------------------------------------------


class IndexRoles(NamedTuple):
    """The roles of the indices of an explicit einsum specification.

    ``free`` and ``summed`` follow NumPy's reading, which is that of written sums: an index in the
    result is free, an index only among the factors is summed. ``problems`` are errors (NumPy refuses
    the specification); ``warnings`` are departures from the Einstein summation convention, in which
    an index appears at most twice in a term and a repeated index is summed. A warning is not an error:
    ``"ia,ia->a"`` (the diagonal of ``X^T X``) is correct and draws one. No warning is not a proof either:
    a specification can obey the convention and still compute the wrong quantity.
    """

    free: tuple[str, ...]  # in the result
    summed: tuple[str, ...]  # among the factors, not in the result
    problems: tuple[str, ...]  # errors: the specification means nothing
    warnings: tuple[str, ...] = ()  # departures from the Einstein convention, in words

    @property
    def ok(self) -> bool:
        """True if the specification is a valid explicit sum (no problems); it says nothing about correctness."""
        return not self.problems

    @property
    def einstein(self) -> bool:
        """True if the specification is valid and also obeys the rules of the Einstein summation convention."""
        return not self.problems and not self.warnings


def analyse_subscripts(subscripts: str) -> IndexRoles:
    """Name the role of each index of an einsum specification; warn where it leaves the Einstein convention.

    Read as written sums (as :func:`numpy.einsum` reads it), the result's letters are free and the
    other letters are summed. Errors: a letter of the result that appears in no factor, or twice in
    the result. Warnings (the rules of the summation convention, stricter than the written sums):
    an index more than twice among the factors; an index repeated among the factors and also in the
    result; an index once among the factors but not in the result. The warnings are a lint, not a
    test of correctness: a correct expression may draw one, and a wrong one may draw none.

    Parameters
    ----------
    subscripts : str
        An explicit specification such as ``"ia,ib->ab"``: letters, commas and one ``->``.

    Returns
    -------
    IndexRoles
        The free and the summed indices (in order of first appearance), the problems and the warnings.

    Examples
    --------
    >>> analyse_subscripts("ia,ib->ab")
    IndexRoles(free=('a', 'b'), summed=('i',), problems=(), warnings=())
    >>> roles = analyse_subscripts("ia,ia->a")  # the diagonal of X^T X: correct, but not Einstein
    >>> roles.ok, roles.einstein
    (True, False)
    """
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    factors = inputs.split(",")
    if not arrow or "->" in output or not all(f.isalpha() for f in factors) or not (output == "" or output.isalpha()):
        raise ValueError(f"subscripts must be letters separated by ',' with one '->', got {subscripts!r}")
    counts, out_counts = Counter("".join(factors)), Counter(output)
    order = list(dict.fromkeys("".join(factors) + output))
    problems, warnings = [], []
    for index in order:
        n_in, n_out = counts[index], out_counts[index]
        if n_in == 0:
            problems.append(f"index {index} of the result appears in no factor")
        if n_out > 1:
            problems.append(f"index {index} appears {n_out} times in the result")
        if n_in > 2:
            warnings.append(f"index {index} appears {n_in} times among the factors (Einstein: at most 2)")
        if n_in >= 2 and n_out:
            warnings.append(f"index {index} is repeated and also free (Einstein would sum it)")
        if n_in == 1 and not n_out:
            warnings.append(f"index {index} appears once but is summed (Einstein sums only repeated indices)")
    free = tuple(i for i in order if out_counts[i])
    summed = tuple(i for i in order if counts[i] and not out_counts[i])
    return IndexRoles(free, summed, tuple(problems), tuple(warnings))
