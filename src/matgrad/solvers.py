r"""Minimisers of the least-squares loss: the normal equations, solved three ways.

Setting the gradient ``(2/N) X^T (X W - Y)`` to zero gives the normal equations::

    X^T X W = X^T Y.

They are solved here by

* ``"cholesky"``: form ``G = X^T X`` and factor ``G = L L^T``. Cheapest, but
  forming ``G`` squares the condition number, so the relative error grows like
  ``eps * cond(X)^2``;
* ``"qr"``: factor ``X = Q R`` (``Q`` with orthonormal columns, ``R`` upper
  triangular) and solve ``R W = Q^T Y``; ``X^T X`` is never formed, and for a
  consistent or nearly consistent problem the error grows like ``eps * cond(X)``;
* ``"lstsq"``: :func:`numpy.linalg.lstsq` (LAPACK ``gelsd``, based on the singular
  value decomposition). It also handles rank-deficient ``X``, returning the
  minimum-norm minimiser.

``"cholesky"`` and ``"qr"`` need ``X`` of full column rank. They refuse (raising
:class:`numpy.linalg.LinAlgError`, a subclass of :class:`ValueError`, with a message
that recommends ``"lstsq"``) when the matrix they solve with is singular to working
precision: when the reciprocal condition number of ``X^T X`` (Cholesky) or of ``R``
(QR), after scaling the columns of ``X`` to unit norm, is at most ``10 d eps``. Column
scaling does not change the solution's accuracy, so it is taken out of the test.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from ._old_checks import as_numeric_array

__all__ = ["METHODS", "solve_normal_equations", "minimum_norm_solution", "polynomial_features"]

#: The methods accepted by :func:`solve_normal_equations`.
METHODS: tuple[str, ...] = ("cholesky", "qr", "lstsq")

_EPS = float(np.finfo(np.float64).eps)


def _prepare(X: ArrayLike, Y: ArrayLike, check_finite: bool) -> tuple[np.ndarray, np.ndarray]:
    X = as_numeric_array("X", X, check_finite=check_finite)
    Y = as_numeric_array("Y", Y, check_finite=check_finite)
    for name, arr in (("X", X), ("Y", Y)):
        if arr.dtype.kind == "c":
            raise ValueError(f"{name} must be real, but it has dtype {arr.dtype}")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
    if Y.ndim not in (1, 2):
        raise ValueError(f"Y must have shape (N, k) or (N,), but it has shape {Y.shape}")
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"X has shape {X.shape} but Y has shape {Y.shape}: they must have the same number of rows N")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X has shape {X.shape}: it needs at least one row and one column")
    return X, Y


def _refuse(method: str, X: np.ndarray, detail: str) -> np.linalg.LinAlgError:
    return np.linalg.LinAlgError(
        f"method={method!r} needs X of full column rank, but {detail}. The minimisers of the loss are then not "
        f"unique (or not computable this way); use method='lstsq' or minimum_norm_solution(X, Y), which return "
        f"the minimum-norm minimiser. (X has shape {X.shape}.)"
    )


def _column_scales(X: np.ndarray, method: str, original: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=0)
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise _refuse(method, original, f"column {int(zero[0])} of X is zero")
    return 1.0 / norms


def _check_rcond(rcond: float, method: str, X: np.ndarray, what: str) -> None:
    d = X.shape[1]
    if not rcond > 10 * d * _EPS:  # also catches NaN and negative eigenvalues from rounding
        raise _refuse(
            method,
            X,
            f"{what} (with the columns of X scaled to unit norm) is singular to working precision: its reciprocal "
            f"condition number {max(rcond, 0.0):.1e} is not above 10 d eps = {10 * d * _EPS:.1e}",
        )


def _solve_cholesky(X: np.ndarray, Y: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Solve with ``X`` (columns scaled by powers of two); ``original`` is the caller's ``X``, for messages."""
    G = X.T @ X
    s = _column_scales(X, "cholesky", original)
    eigenvalues = np.linalg.eigvalsh(G * s[:, None] * s[None, :])
    _check_rcond(float(eigenvalues[0] / eigenvalues[-1]), "cholesky", original, "X^T X")
    try:
        L = np.linalg.cholesky(G)
    except np.linalg.LinAlgError as exc:  # not positive definite in floating point
        raise _refuse("cholesky", original, f"the Cholesky factorisation of X^T X failed ({exc})") from None
    Z = np.linalg.solve(L, X.T @ Y)  # L Z = X^T Y
    return np.linalg.solve(L.T, Z)  # L^T W = Z


def _solve_qr(X: np.ndarray, Y: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Solve with ``X`` (columns scaled by powers of two); ``original`` is the caller's ``X``, for messages."""
    s = _column_scales(X, "qr", original)
    Q, R = np.linalg.qr(X)  # reduced: Q is N x d, R is d x d
    singular_values = np.linalg.svd(R * s[None, :], compute_uv=False)
    _check_rcond(float(singular_values[-1] / singular_values[0]), "qr", original, "R from X = QR")
    return np.linalg.solve(R, Q.T @ Y)


def solve_normal_equations(X: ArrayLike, Y: ArrayLike, method: str = "qr", *, check_finite: bool = True) -> np.ndarray:
    r"""Minimiser of ``(1/N) ||X W - Y||_F^2``: the solution of ``X^T X W = X^T Y``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data. ``"cholesky"`` and ``"qr"`` need full column rank (so ``N >= d``).
    Y : array_like, shape (N, k) or (N,)
        Targets.
    method : {"qr", "cholesky", "lstsq"}, default "qr"
        ``"cholesky"`` factors ``X^T X`` (error ~ ``eps cond(X)^2``), ``"qr"`` factors
        ``X`` (error ~ ``eps cond(X)`` for small residuals), ``"lstsq"`` calls
        :func:`numpy.linalg.lstsq` and also accepts rank-deficient ``X``.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray
        ``W`` of shape ``(d, k)``, or ``(d,)`` if ``Y`` is a vector.

    Raises
    ------
    TypeError
        If an input is not numeric.
    ValueError
        For an unknown method, shapes that do not fit together, or complex or non-finite input.
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
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, not {method!r}")
    X, Y = _prepare(X, Y, check_finite)
    y_exp = _exponent(Y)
    if method == "lstsq":  # one scale for all of X: the minimum-norm solution is unchanged by it
        x_exp = _exponent(X)
        return np.ldexp(np.linalg.lstsq(np.ldexp(X, -x_exp), np.ldexp(Y, -y_exp), rcond=None)[0], y_exp - x_exp)
    N, d = X.shape
    if N < d:
        raise _refuse(method, X, f"it has fewer rows than columns (N = {N} < d = {d}), so its rank is below d")
    # Solve for the unique minimiser with the columns of X and all of Y scaled by powers of two (exact
    # operations) to largest entries in [1/2, 1): X^T X and X^T Y then neither under- nor overflow.
    col_exp = np.array([_exponent(column) for column in X.T], dtype=int)
    Xs, Ys = np.ldexp(X, -col_exp), np.ldexp(Y, -y_exp)
    Ws = _solve_cholesky(Xs, Ys, X) if method == "cholesky" else _solve_qr(Xs, Ys, X)
    shift = y_exp - col_exp
    return np.ldexp(Ws, shift if Ws.ndim == 1 else shift[:, None])


def _exponent(A: np.ndarray) -> int:
    """``e`` with ``max |A_ij| = m 2^e``, ``0.5 <= m < 1`` (0 for an empty or zero array)."""
    largest = float(np.max(np.abs(A), initial=0.0))
    return int(np.frexp(largest)[1]) if largest > 0 else 0


def minimum_norm_solution(X: ArrayLike, Y: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
    r"""The minimiser of the loss with the smallest Frobenius norm: ``W = X^+ Y``.

    ``X^+`` is the Moore-Penrose pseudo-inverse (:func:`numpy.linalg.pinv`, from the
    singular value decomposition; singular values below its default cutoff count as
    zero). When ``X`` has full column rank this is the unique minimiser; otherwise
    every minimiser is ``X^+ Y + Z`` with ``X Z = 0``, and ``X^+ Y`` is the one of
    smallest norm (it is orthogonal to every such ``Z``).

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data, any rank.
    Y : array_like, shape (N, k) or (N,)
        Targets.
    check_finite : bool, default True
        Raise :class:`ValueError` on NaN or infinite input.

    Returns
    -------
    numpy.ndarray
        ``W`` of shape ``(d, k)``, or ``(d,)`` if ``Y`` is a vector.

    Raises
    ------
    TypeError
        If an input is not numeric.
    ValueError
        If the shapes do not fit together or an input is complex or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 1.0], [2.0, 2.0]])  # rank 1: w1 + w2 is all the data determines
    >>> np.allclose(minimum_norm_solution(X, np.array([2.0, 4.0])), [1.0, 1.0])
    True
    """
    X, Y = _prepare(X, Y, check_finite)
    x_exp, y_exp = _exponent(X), _exponent(Y)  # scaling X and Y by powers of two: exact, no under/overflow
    return np.ldexp(np.linalg.pinv(np.ldexp(X, -x_exp)) @ np.ldexp(Y, -y_exp), y_exp - x_exp)


def polynomial_features(t: ArrayLike, degree: int) -> np.ndarray:
    r"""Monomial features ``[1, t, t^2, ..., t^degree]`` of sample points (a Vandermonde matrix).

    On an interval such as ``[0, 1]`` the monomials look more and more alike as the
    degree grows, so the condition number of this matrix grows exponentially with
    the degree: the classic ill-conditioned least-squares problem.

    Parameters
    ----------
    t : array_like, shape (N,)
        Sample points, finite.
    degree : int
        Highest power, ``>= 0``.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(N, degree + 1)`` whose column ``j`` is ``t**j``.

    Raises
    ------
    TypeError
        If ``t`` is not numeric or ``degree`` is not an integer.
    ValueError
        If ``t`` is not 1-D, is complex or not finite, or ``degree < 0``.

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
    t = as_numeric_array("t", t, opt_out="")
    if t.dtype.kind == "c":
        raise ValueError(f"t must be real, but it has dtype {t.dtype}")
    if t.ndim != 1:
        raise ValueError(f"t must be a 1-D array of sample points, but it has shape {t.shape}")
    return np.vander(t, int(degree) + 1, increasing=True)
