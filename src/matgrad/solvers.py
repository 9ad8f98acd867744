r"""Minimisers of the least-squares loss: the normal equations, solved three ways.

Setting the gradient ``(2/N) X^T (X W - Y)`` to zero gives the normal equations::

    X^T X W = X^T Y.

They are solved here by

* ``"cholesky"``: form ``X^T X`` (about ``N d^2`` flops with the symmetric product)
  and factor it as ``X^T X = T^T T`` with ``T`` upper triangular (``d^3/3``), then
  solve two triangular systems. Cheapest, but forming ``X^T X`` squares the condition
  number, so the relative error grows like ``u * cond(X)^2`` (``u`` the unit roundoff);
* ``"qr"``: factor ``X = Q T`` (``Q`` with orthonormal columns, ``T`` upper
  triangular; Householder, about ``2 N d^2 - 2 d^3/3`` flops) and solve
  ``T W = Q^T Y``; ``X^T X`` is never formed, and for a consistent or nearly
  consistent problem the error grows like ``u * cond(X)``. Since
  ``X^T X = T^T Q^T Q T = T^T T``, this ``T`` is the Cholesky factor up to the signs
  of its rows;
* ``"lstsq"``: :func:`numpy.linalg.lstsq` (LAPACK ``gelsd``, based on the singular
  value decomposition). It also handles rank-deficient ``X``, returning the
  minimum-norm minimiser.

``"cholesky"`` and ``"qr"`` need ``X`` of full column rank. They refuse, with a
:class:`numpy.linalg.LinAlgError` (a :class:`ValueError`) whose message recommends
``"lstsq"``, when the matrix they solve with is singular to working precision: when
the reciprocal condition number of ``X^T X`` (Cholesky) or of ``T`` (QR), with the
columns of ``X`` scaled to unit norm, is at most ``10 d u``. (Scaling the columns
changes neither the solution nor its accuracy, so it is taken out of the test.)
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_array, as_matrix

__all__ = ["METHODS", "solve_normal_equations", "minimum_norm_solution", "polynomial_features"]

#: The methods accepted by :func:`solve_normal_equations`.
METHODS: tuple[str, ...] = ("cholesky", "qr", "lstsq")

_EPS = float(np.finfo(np.float64).eps)


def _data(X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    X = as_matrix("X", X, allow_complex=False)
    Y = as_array("Y", Y, allow_complex=False)
    if Y.ndim not in (1, 2) or Y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has shape {X.shape} and Y has shape {Y.shape}: Y must have shape (N, k) or (N,) with N = {X.shape[0]}"
        )
    return X, Y


def _refusal(method: str, X: np.ndarray, reason: str) -> np.linalg.LinAlgError:
    return np.linalg.LinAlgError(
        f"method={method!r} needs X of full column rank, but {reason}. The minimisers of the loss are then not "
        f"unique (or not computable this way); use method='lstsq' or minimum_norm_solution(X, Y), which return "
        f"the minimum-norm minimiser. (X has shape {X.shape}.)"
    )


def _require_well_conditioned(method: str, X: np.ndarray, what: str, rcond: float) -> None:
    limit = 10 * X.shape[1] * _EPS
    if not rcond > limit:  # also catches NaN and the negative eigenvalues that rounding can produce
        raise _refusal(
            method,
            X,
            f"{what} (with the columns of X scaled to unit norm) is singular to working precision: its reciprocal "
            f"condition number {max(rcond, 0.0):.1e} is not above 10 d u = {limit:.1e}",
        )


def _solve_cholesky(X: np.ndarray, Y: np.ndarray, scale: np.ndarray) -> np.ndarray:
    XtX = X.T @ X
    eigenvalues = np.linalg.eigvalsh(XtX * np.outer(scale, scale))
    _require_well_conditioned("cholesky", X, "X^T X", eigenvalues[0] / eigenvalues[-1])
    T = np.linalg.cholesky(XtX).T  # X^T X = T^T T, T upper triangular (NumPy returns the lower factor T^T)
    Z = np.linalg.solve(T.T, X.T @ Y)  # T^T Z = X^T Y
    return np.linalg.solve(T, Z)  # T W = Z


def _solve_qr(X: np.ndarray, Y: np.ndarray, scale: np.ndarray) -> np.ndarray:
    Q, T = np.linalg.qr(X)  # reduced: Q is N x d, T is d x d upper triangular
    singular_values = np.linalg.svd(T * scale, compute_uv=False)
    _require_well_conditioned("qr", X, "T from X = QT", singular_values[-1] / singular_values[0])
    return np.linalg.solve(T, Q.T @ Y)


def solve_normal_equations(X: ArrayLike, Y: ArrayLike, method: str = "qr") -> np.ndarray:
    r"""Minimiser of ``(1/N) ||X W - Y||_F^2``: the solution of ``X^T X W = X^T Y``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data. ``"cholesky"`` and ``"qr"`` need full column rank (so ``N >= d``).
    Y : array_like, shape (N, k) or (N,)
        Targets.
    method : {"qr", "cholesky", "lstsq"}, default "qr"
        ``"cholesky"`` factors ``X^T X`` (error ~ ``u cond(X)^2``), ``"qr"`` factors
        ``X`` (error ~ ``u cond(X)`` for small residuals), ``"lstsq"`` calls
        :func:`numpy.linalg.lstsq` and also accepts rank-deficient ``X``.

    Returns
    -------
    numpy.ndarray
        ``W`` of shape ``(d, k)``, or ``(d,)`` if ``Y`` is a vector.

    Raises
    ------
    numpy.linalg.LinAlgError
        (a :class:`ValueError`) if ``method`` is ``"cholesky"`` or ``"qr"`` and ``X``
        does not have full column rank to working precision; the message recommends ``"lstsq"``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> W = np.array([2.0, -1.0])
    >>> np.allclose(solve_normal_equations(X, X @ W, method="cholesky"), W)
    True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, not {method!r}")
    X, Y = _data(X, Y)
    if method == "lstsq":
        return np.linalg.lstsq(X, Y, rcond=None)[0]
    N, d = X.shape
    if N < d:
        raise _refusal(method, X, f"it has fewer rows than columns (N = {N} < d = {d}), so its rank is below d")
    norms = np.linalg.norm(X, axis=0)
    if not np.all(norms > 0):
        raise _refusal(method, X, f"column {int(np.argmin(norms))} of X is zero")
    solve = _solve_cholesky if method == "cholesky" else _solve_qr
    return solve(X, Y, 1.0 / norms)


def minimum_norm_solution(X: ArrayLike, Y: ArrayLike) -> np.ndarray:
    r"""The minimiser of the loss with the smallest Frobenius norm: ``W = X^+ Y``.

    ``X^+`` is the Moore-Penrose pseudo-inverse (:func:`numpy.linalg.pinv`, from the
    singular value decomposition). When ``X`` has full column rank this is the unique
    minimiser; otherwise every minimiser is ``X^+ Y + Z`` with ``X Z = 0``, and
    ``X^+ Y`` is the one of smallest norm (it is orthogonal to every such ``Z``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 1.0], [2.0, 2.0]])  # rank 1: w1 + w2 is all the data determines
    >>> np.allclose(minimum_norm_solution(X, np.array([2.0, 4.0])), [1.0, 1.0])
    True
    """
    X, Y = _data(X, Y)
    return np.linalg.pinv(X) @ Y


def polynomial_features(t: ArrayLike, degree: int) -> np.ndarray:
    r"""Monomial features ``[1, t, t^2, ..., t^degree]`` of sample points (a Vandermonde matrix).

    On an interval such as ``[0, 1]`` the monomials look more and more alike as the
    degree grows, so the condition number of this matrix grows exponentially with
    the degree: the classic ill-conditioned least-squares problem.

    Examples
    --------
    >>> polynomial_features([1.0, 2.0, 3.0], 2)
    array([[1., 1., 1.],
           [1., 2., 4.],
           [1., 3., 9.]])
    """
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral):
        raise TypeError(f"degree must be an integer, got {degree!r}")
    if degree < 0:
        raise ValueError(f"degree must be non-negative, got {degree}")
    t = as_array("t", t, allow_complex=False)
    if t.ndim != 1:
        raise ValueError(f"t must be a 1-D array of sample points, but it has shape {t.shape}")
    return np.vander(t, int(degree) + 1, increasing=True)
