r"""Gradient descent on the least-squares loss, with the gradient derived in the book.

The loss and its gradient (notation of the whole book)::

    L(W)      = (1/N) ||X W - Y||_F^2
    grad L(W) = (2/N) X^T (X W - Y)

The Hessian is the linear map ``V -> (2/N) X^T X V``; its eigenvalues are those of
``(2/N) X^T X``. Their extremes are the two constants that govern gradient descent:

* ``L  = (2/N) lambda_max(X^T X)``, the *Lipschitz constant* of the gradient
  (:func:`lipschitz_constant`); the step ``1/L`` decreases the loss at every
  iteration and any step above ``2/L`` diverges;
* ``mu = (2/N) lambda_min(X^T X)``, the *strong convexity constant*
  (:func:`strong_convexity_constant`); with the step ``1/L`` the distance to the
  minimiser shrinks at least by the factor ``1 - mu/L`` per iteration.

The *Gram trick* precomputes ``X^T X`` and ``X^T Y`` once, after which a step costs
``O(d^2 k)`` instead of ``O(N d k)`` flops (:func:`gram_gradient`,
``gradient_descent(..., gram=True)``). Its price is the loss computed from the Gram
matrices (:func:`gram_loss`), which suffers from cancellation when the residual is
small compared with ``Y``.

Because the gradient is a mean over rows, the gradient of a random mini-batch of
rows is an unbiased estimate of it (:func:`minibatch_gradient`,
:func:`stochastic_gradient_descent`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from ._old_checks import as_numeric_array, check_regression_shapes, positive_int, random_generator
from .inner_product import frobenius_norm

__all__ = [
    "DIVERGENCE_FACTOR",
    "DescentResult",
    "StochasticDescentResult",
    "contraction_factor",
    "descent_flops",
    "exact_loss",
    "gradient_descent",
    "gram_gradient",
    "gram_loss",
    "gram_matrices",
    "lipschitz_constant",
    "minibatch_gradient",
    "stochastic_gradient_descent",
    "strong_convexity_constant",
]

#: Gradient descent stops as *diverged* when the gradient norm exceeds this
#: multiple of its initial value (long before anything overflows).
DIVERGENCE_FACTOR = 1e12


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------


def _real_array(name: str, value: ArrayLike) -> np.ndarray:
    arr = as_numeric_array(name, value, opt_out="")
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, but it has dtype {arr.dtype}")
    return arr


def _data_matrix(X: ArrayLike) -> np.ndarray:
    X = _real_array("X", X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X has shape {X.shape}: it needs at least one row and one column")
    return X


def _data_and_targets(X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    X = _data_matrix(X)
    Y = _real_array("Y", Y)
    if Y.ndim not in (1, 2):
        raise ValueError(f"Y must have shape (N, k) or (N,), but it has shape {Y.shape}")
    check_regression_shapes(np.zeros((X.shape[1],) + Y.shape[1:]), X, Y)
    return X, Y


def _initial_weights(W0: ArrayLike | None, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    expected = (X.shape[1],) + Y.shape[1:]
    if W0 is None:
        return np.zeros(expected)
    W = _real_array("W0", W0)
    if W.shape != expected:
        raise ValueError(
            f"W0 has shape {W.shape} but X has shape {X.shape} and Y has shape {Y.shape}: W0 must have shape {expected}"
        )
    return W.astype(np.float64, copy=True)


def _positive_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    return value


def _default_step(L: float, X: np.ndarray) -> float:
    """``1/L``, or a clear error when ``L`` is 0 or not finite (overflow of sigma_max(X)^2 or of X^T X), or so
    small that ``1/L`` overflows (underflow of sigma_max(X)^2 for a tiny but non-zero X)."""
    shape = X.shape
    if L <= 0.0 and not np.any(X):
        raise ValueError("X is zero, so the Lipschitz constant is 0 and the default step 1/L is undefined")
    if L <= 0.0 or not math.isfinite(1.0 / L):
        raise ValueError(
            f"the Lipschitz constant (2/N) sigma_max(X)^2 of X with shape {shape} underflows float64 ({L:.3g}), "
            "so the default step 1/L would overflow: rescale X (and Y), or pass step"
        )
    if not math.isfinite(L):
        raise ValueError(
            f"the Lipschitz constant (2/N) sigma_max(X)^2 of X with shape {shape} overflows float64, so the "
            "default step 1/L would be 0: rescale X (and Y), or pass step"
        )
    return 1.0 / L


def _step_or_default(step: float | None, X: np.ndarray) -> float:
    if step is None:
        return _default_step(lipschitz_constant(X), X)
    return _positive_number("step", step)


def _frobenius(A: np.ndarray) -> float:
    """``||A||_F`` without spurious underflow or overflow: inf if an entry is infinite, NaN if one is NaN.

    The sum of squares is one dot product; only when it underflows (entries below about 1e-154) or
    overflows (above about 1e154) are the entries first scaled by the largest magnitude, so that a tiny
    non-zero gradient never has norm 0 and a large finite one never has norm inf.
    """
    flat = A.reshape(-1)
    squares = float(np.dot(flat, flat))
    if _SQUARES_SAFE_MIN <= squares < math.inf:
        return math.sqrt(squares)
    return frobenius_norm(flat)  # zero, inf or NaN entries, or squares that under- or overflow


#: Below this a sum of squares may have lost digits to underflow (about 2^-900, far above the subnormals)...
_SQUARES_SAFE_MIN = 2.0**-900
#: ... and a norm below this may have (its square root).
_NORM_SAFE_MIN = 2.0**-450


# ---------------------------------------------------------------------------
# the constants of the problem
# ---------------------------------------------------------------------------


def lipschitz_constant(X: ArrayLike) -> float:
    r"""Lipschitz constant of the gradient: ``L = (2/N) lambda_max(X^T X)``.

    Computed as ``(2/N) sigma_max(X)^2`` from the singular values of ``X``, which
    avoids forming ``X^T X``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data.

    Returns
    -------
    float
        ``L >= 0``. It is the largest eigenvalue of the Hessian, so
        ``||grad L(V) - grad L(W)||_F <= L ||V - W||_F`` for all ``V, W``.

    Examples
    --------
    >>> import numpy as np
    >>> lipschitz_constant(np.diag([3.0, 1.0]))
    9.0
    """
    X = _data_matrix(X).astype(np.float64, copy=False)  # float32 data: L in float64, as on the Gram path
    sigma = float(np.linalg.svd(X, compute_uv=False)[0])
    return 2.0 * (sigma / X.shape[0]) * sigma  # sigma^2 alone may overflow; inf, not OverflowError, beyond


def strong_convexity_constant(X: ArrayLike) -> float:
    r"""Strong convexity constant: ``mu = (2/N) lambda_min(X^T X)``.

    Computed as ``(2/N) sigma_min(X)^2``, which is accurate to a relative
    ``eps * cond(X)`` rather than the ``eps * cond(X)^2`` of an eigenvalue of ``X^T X``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data.

    Returns
    -------
    float
        ``mu >= 0``; exactly 0 when ``N < d``, and 0 up to rounding when ``X``
        has dependent columns (then the minimiser is not unique).

    Examples
    --------
    >>> import numpy as np
    >>> strong_convexity_constant(np.diag([3.0, 1.0]))
    1.0
    """
    X = _data_matrix(X)
    N, d = X.shape
    if N < d:
        return 0.0
    sigma = np.linalg.svd(X, compute_uv=False)
    return 2.0 * float(sigma[-1]) * float(sigma[-1]) / N


def contraction_factor(X: ArrayLike, step: float | None = None) -> float:
    r"""Factor by which a gradient step shrinks the distance to the minimiser.

    A step ``W <- W - eta grad L(W)`` maps the error ``E = W - W*`` to
    ``(I - eta H) E`` with ``H`` the Hessian, whose eigenvalues lie in ``[mu, L]``. So

    ``||W_t - W*||_F <= rho^t ||W_0 - W*||_F`` with ``rho = max(|1 - eta mu|, |1 - eta L|)``,

    and ``rho < 1`` exactly when ``0 < eta < 2/L`` (and ``mu > 0``). For ``eta = 1/L``,
    ``rho = 1 - mu/L``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data.
    step : float, optional
        Step size ``eta``; default ``1/L``.

    Returns
    -------
    float
        ``rho``.
    """
    X = _data_matrix(X)
    eta = _step_or_default(step, X)
    L, mu = lipschitz_constant(X), strong_convexity_constant(X)
    return max(abs(1.0 - eta * mu), abs(1.0 - eta * L))


def descent_flops(N: int, d: int, k: int, n_iter: int, *, gram: bool = False) -> int:
    r"""Leading-order flop count of ``n_iter`` gradient steps (a multiply-add counts 2).

    * plain: each step forms ``R = X W - Y`` and ``X^T R``: ``4 N d k`` flops;
    * Gram: ``X^T X`` and ``X^T Y`` once (``2 N d^2 + 2 N d k``), then each step
      forms ``X^T X W - X^T Y``: ``2 d^2 k`` flops.

    Lower-order terms (subtractions, the update, the loss) are left out.

    Parameters
    ----------
    N, d, k : int
        Shapes of the problem.
    n_iter : int
        Number of steps (0 counts the Gram set-up alone).
    gram : bool, default False
        Count the Gram path.

    Returns
    -------
    int
        Number of flops.

    Examples
    --------
    >>> descent_flops(1000, 10, 1, 100), descent_flops(1000, 10, 1, 100, gram=True)
    (4000000, 240000)
    """
    for name, value in (("N", N), ("d", d), ("k", k)):
        positive_int(name, value)
    if isinstance(n_iter, bool) or not isinstance(n_iter, numbers.Integral) or n_iter < 0:
        raise ValueError(f"n_iter must be a non-negative integer, got {n_iter!r}")
    N, d, k, n_iter = int(N), int(d), int(k), int(n_iter)
    if gram:
        return 2 * N * d * d + 2 * N * d * k + n_iter * 2 * d * d * k
    return n_iter * 4 * N * d * k


# ---------------------------------------------------------------------------
# Gram matrices
# ---------------------------------------------------------------------------


def gram_matrices(X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray, float]:
    r"""The Gram quantities ``X^T X``, ``X^T Y`` and ``||Y||_F^2``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets.

    Returns
    -------
    XtX : numpy.ndarray, shape (d, d)
    XtY : numpy.ndarray, shape (d, k) or (d,)
    YtY : float
    """
    X, Y = _data_and_targets(X, Y)
    return _gram_matrices(X, Y)


def _gram_matrices(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    X = X.astype(np.float64, copy=False)  # float32 data: accumulate in float64, as the plain path does
    Y = Y.astype(np.float64, copy=False)
    flat = Y.reshape(-1)
    return X.T @ X, X.T @ Y, float(np.dot(flat, flat))


def _check_gram(W: ArrayLike, XtX: ArrayLike, XtY: ArrayLike, N: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    W = _real_array("W", W)
    XtX = _real_array("XtX", XtX)
    XtY = _real_array("XtY", XtY)
    N = positive_int("N", N)
    if XtX.ndim != 2 or XtX.shape[0] != XtX.shape[1]:
        raise ValueError(f"XtX must be a square matrix of shape (d, d), but it has shape {XtX.shape}")
    if W.ndim not in (1, 2) or W.shape[0] != XtX.shape[0]:
        raise ValueError(f"W has shape {W.shape} but XtX has shape {XtX.shape}: W must have shape (d, k) or (d,)")
    if XtY.shape != W.shape:
        raise ValueError(f"XtY has shape {XtY.shape} but W has shape {W.shape}: they must be equal")
    return W, XtX, XtY, N


def gram_gradient(W: ArrayLike, XtX: ArrayLike, XtY: ArrayLike, N: int) -> np.ndarray:
    r"""The gradient from the Gram matrices: ``(2/N) (X^T X W - X^T Y)``.

    Equal to :func:`matgrad.grad_W` in exact arithmetic, at a cost of ``2 d^2 k``
    flops instead of ``4 N d k``.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights.
    XtX : array_like, shape (d, d)
        ``X^T X``.
    XtY : array_like, shape of ``W``
        ``X^T Y``.
    N : int
        Number of rows of ``X``.

    Returns
    -------
    numpy.ndarray
        The gradient, with the shape of ``W``.
    """
    W, XtX, XtY, N = _check_gram(W, XtX, XtY, N)
    G = XtX @ W
    G -= XtY
    G *= 2.0 / N
    return G


def gram_loss(W: ArrayLike, XtX: ArrayLike, XtY: ArrayLike, YtY: float, N: int) -> float:
    r"""The loss from the Gram matrices: ``(tr(W^T X^T X W) - 2 tr(W^T X^T Y) + ||Y||_F^2) / N``.

    This is the expanded square of the book's trace derivation. It is exact in
    exact arithmetic but, in floating point, its three terms are each of the size
    of ``||Y||_F^2`` while their sum is ``||X W - Y||_F^2``: when the residual is
    small the sum is computed by **cancellation**, with an absolute error of about
    ``eps ||Y||_F^2 / N``, i.e. a relative error of about
    ``eps ||Y||_F^2 / ||X W - Y||_F^2``. It may even come out negative.

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights.
    XtX, XtY : array_like
        ``X^T X`` (shape (d, d)) and ``X^T Y`` (shape of ``W``).
    YtY : float
        ``||Y||_F^2``.
    N : int
        Number of rows of ``X``.

    Returns
    -------
    float
        The loss, possibly inaccurate as explained above.
    """
    W, XtX, XtY, N = _check_gram(W, XtX, XtY, N)
    if isinstance(YtY, bool) or not isinstance(YtY, numbers.Real) or not math.isfinite(YtY) or YtY < 0:
        raise ValueError(f"YtY must be a finite non-negative number (||Y||_F^2), got {YtY!r}")
    return _gram_loss_from_product(W, XtX @ W, XtY, float(YtY), N)


def _gram_loss_from_product(W: np.ndarray, GW: np.ndarray, XtY: np.ndarray, YtY: float, N: int) -> float:
    w, gw, c = W.reshape(-1), GW.reshape(-1), XtY.reshape(-1)
    return float((np.dot(w, gw) - 2.0 * np.dot(w, c) + YtY) / N)


def exact_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    r"""The loss of the floating-point inputs, computed in exact rational arithmetic.

    Every float is a rational number, so ``(1/N) ||X W - Y||_F^2`` of the given
    floats has an exact value; this function computes it with
    :class:`fractions.Fraction` and rounds once at the end. It is slow
    (``O(N d k)`` rational operations) and meant as the reference against which
    the rounding errors of :func:`matgrad.loss` and :func:`gram_loss` are measured.

    Parameters
    ----------
    W, X, Y : array_like
        As in :func:`matgrad.loss` (real).

    Returns
    -------
    float
        The correctly rounded loss.
    """
    W = _real_array("W", W)
    X, Y = _real_array("X", X), _real_array("Y", Y)
    check_regression_shapes(W, X, Y)
    W2 = W if W.ndim == 2 else W[:, None]  # (d, k), also for d = 0 or k = 0
    Y2 = Y if Y.ndim == 2 else Y[:, None]
    Xf = [[Fraction(float(v)) for v in row] for row in X]
    Wf = [[Fraction(float(v)) for v in row] for row in W2]
    total = Fraction(0)
    for i, row in enumerate(Xf):
        for j in range(W2.shape[1]):
            r = sum((row[m] * Wf[m][j] for m in range(len(row))), Fraction(0)) - Fraction(float(Y2[i, j]))
            total += r * r
    try:
        return float(total / X.shape[0])
    except OverflowError:  # the exact loss is beyond float64: inf is its correctly rounded value
        return math.inf


# ---------------------------------------------------------------------------
# gradient descent
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DescentResult:
    """Result of :func:`gradient_descent`.

    Attributes
    ----------
    W : numpy.ndarray
        The last iterate, shape ``(d, k)`` or ``(d,)``.
    loss_history : numpy.ndarray, shape (n_iter + 1,)
        ``L(W_0), ..., L(W_n_iter)``. With ``gram=True`` computed by :func:`gram_loss`
        (absolute accuracy about ``eps ||Y||_F^2 / N``).
    grad_norm_history : numpy.ndarray, shape (n_iter + 1,)
        Frobenius norms of the gradients at the same iterates.
    n_iter : int
        Number of steps taken.
    converged : bool
        The stopping rule was met (see :func:`gradient_descent`).
    diverged : bool
        The iteration was stopped because the gradient norm blew up.
    step : float
        The step size used.
    lipschitz : float
        ``L = (2/N) lambda_max(X^T X)``; ``step * lipschitz`` is the step in units of ``1/L``.
    gram : bool
        Whether the Gram path was used.
    message : str
        Why the iteration stopped, in words.
    path : numpy.ndarray or None
        With ``keep_path=True``, the iterates ``W_0, ..., W_n_iter`` stacked along
        a first axis of length ``n_iter + 1``; otherwise None.
    """

    W: np.ndarray
    loss_history: np.ndarray
    grad_norm_history: np.ndarray
    n_iter: int
    converged: bool
    diverged: bool
    step: float
    lipschitz: float
    gram: bool
    message: str = field(default="")
    path: np.ndarray | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"DescentResult(n_iter={self.n_iter}, converged={self.converged}, diverged={self.diverged}, "
            f"step={self.step:.3g}{_in_units_of_1_over_L(self.step, self.lipschitz)}, gram={self.gram}, "
            f"final loss {self.loss_history[-1]:.3e}, final gradient norm {self.grad_norm_history[-1]:.3e})"
        )


def _in_units_of_1_over_L(step: float, L: float) -> str:
    """`` (= 2.5/L)``, or ``""`` where ``step * L`` is not a finite positive number."""
    units = step * L
    return f" (= {units:.3g}/L)" if 0.0 < units < math.inf else ""


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


def gradient_descent(
    X: ArrayLike,
    Y: ArrayLike,
    *,
    W0: ArrayLike | None = None,
    step: float | None = None,
    max_iter: int = 1000,
    tol: float = 1e-10,
    gram: bool = False,
    keep_path: bool = False,
) -> DescentResult:
    r"""Minimise ``L(W) = (1/N) ||X W - Y||_F^2`` by gradient descent.

    Iterates ``W_{t+1} = W_t - step * (2/N) X^T (X W_t - Y)`` from ``W_0``.

    **Stopping rule.** With ``g_t = ||grad L(W_t)||_F``, the iteration stops

    * as *converged* at the first ``t`` with ``g_t <= tol * max(1, g_0)`` (relative
      to the initial gradient, absolute when that is below 1);
    * as *diverged* when ``g_t > DIVERGENCE_FACTOR * g_0`` (``1e12``) or the loss or
      gradient is no longer finite; no overflow warning is emitted;
    * otherwise after ``max_iter`` steps, with ``converged=False``.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets; a vector gives a vector ``W`` of shape ``(d,)``.
    W0 : array_like, optional
        Starting point of the shape of ``W``; default zeros.
    step : float, optional
        Step size; default ``1/L`` with ``L`` from :func:`lipschitz_constant`.
        Steps above ``2/L`` diverge (except from special starting points).
    max_iter : int, default 1000
        Maximal number of steps (at least 1).
    tol : float, default 1e-10
        Tolerance of the stopping rule (``tol = 0`` runs all ``max_iter`` steps
        unless the gradient becomes exactly zero).
    gram : bool, default False
        Precompute ``X^T X`` and ``X^T Y`` and take each step with
        :func:`gram_gradient` in ``O(d^2 k)`` flops (in blocks of up to 64 steps,
        each block one pair of matrix products; the iterates agree with single
        steps to rounding). The loss history is then computed by :func:`gram_loss`
        and is inaccurate near a small residual. Every decision to stop is taken on a
        gradient computed directly from an iterate; with ``tol`` below the rounding level of
        the gradient (about ``1e-15``), the norms recorded inside a block can fall below the
        threshold while the directly computed ones do not, so this path may then stop later
        than single steps, or not at all (or, with ``tol = 0``, earlier, where the Gram gradient
        is exactly 0). ``X^T X`` and ``X^T Y`` are formed in float64, also for float32 data (as the
        plain path computes its gradients). Where ``X^T X`` overflows (entries of ``X`` near 1e154),
        the default step is refused with the Lipschitz constant's error, and with a given step the
        overflow (also of ``X^T Y`` or ``||Y||^2``) is reported as divergence at step 0; where it
        underflows (all entries of ``X`` below about 1e-154) the Gram path is refused with a
        ``ValueError``. The plain path, which never forms ``X^T X``, may still converge there.
    keep_path : bool, default False
        Also return every iterate (``result.path``), e.g. to draw the path.

    Returns
    -------
    DescentResult
        The last iterate, the histories and the verdict.

    Raises
    ------
    TypeError
        For non-numeric or complex input, or non-numeric options.
    ValueError
        For shapes that do not fit (naming them), non-finite input, ``step <= 0``,
        ``max_iter < 1`` or ``tol < 0``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> result = gradient_descent(X, X @ np.array([1.0, -1.0]))
    >>> result.converged, np.allclose(result.W, [1.0, -1.0])
    (True, True)
    """
    X, Y = _data_and_targets(X, Y)
    W = _initial_weights(W0, X, Y)
    N = X.shape[0]
    if gram:
        # lambda_max of the Gram matrix is as accurate as sigma_max(X)^2 (only lambda_min suffers from
        # squaring the condition number), and it saves the SVD of the large X. An overflow here (huge X or Y)
        # is not a RuntimeWarning: the default step is then refused, a given one diverges at step 0.
        largest = float(np.max(np.abs(X), initial=0.0))
        if 0.0 < largest < _GRAM_MIN_ENTRY:
            raise ValueError(
                f"the largest entry of X is {largest:.3g}, so the products in X^T X underflow float64 and the "
                "Gram path would compute a wrong gradient: rescale X (and W0), or use gram=False"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            XtX, XtY, YtY = _gram_matrices(X, Y)
            # X is finite, so a non-finite X^T X has overflowed: then so has L (and LAPACK would not converge)
            L = 2.0 * (float(np.linalg.eigvalsh(XtX)[-1]) / N) if np.isfinite(XtX).all() else math.inf
        eta = _default_step(L, X) if step is None else _positive_number("step", step)
    else:
        eta = _step_or_default(step, X)
    max_iter = positive_int("max_iter", max_iter)
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol must be a real number, got {tol!r}")
    if not (tol >= 0 and math.isfinite(tol)):
        raise ValueError(f"tol must be a finite non-negative number, got {tol!r}")
    if gram:
        return _gram_descent(W, XtX, XtY, YtY, N, eta, L, max_iter, float(tol), keep_path)
    L = lipschitz_constant(X)

    def loss_and_gradient(W_: np.ndarray) -> tuple[float, np.ndarray]:
        R = X @ W_
        R -= Y
        flat = R.reshape(-1)
        value = float(np.dot(flat, flat)) / N
        G = X.T @ R
        G *= 2.0 / N
        return value, G

    losses = np.empty(max_iter + 1)
    grad_norms = np.empty(max_iter + 1)
    path = [W] if keep_path else None
    converged = diverged = False
    message = f"stopped after max_iter={max_iter} steps without meeting the stopping rule"
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        threshold = 0.0
        g0 = 0.0
        t = 0
        while True:
            value, G = loss_and_gradient(W)
            g = _frobenius(G) if np.all(np.isfinite(G)) else math.inf
            losses[t], grad_norms[t] = value, g
            if t == 0:
                g0 = g
                threshold = tol * max(1.0, g0)
            if not (math.isfinite(value) and math.isfinite(g)) or g > DIVERGENCE_FACTOR * g0:
                diverged = True
                message = _diverged_message(t, math.isfinite(value) and math.isfinite(g), eta, L)
                break
            if g <= threshold:
                converged = True
                message = f"converged after {t} steps: gradient norm {g:.2e} <= tol * max(1, g_0) = {threshold:.2e}"
                break
            if t == max_iter:
                break
            W = W - eta * G
            t += 1
            if path is not None:
                path.append(W)
    return _result(W, losses, grad_norms, t, converged, diverged, eta, L, False, message, path)


#: Below this (2^-511, about 1.5e-154) the products of two entries of X are subnormal or 0.
_GRAM_MIN_ENTRY = 2.0**-511

#: The Gram path takes its steps in blocks of at most this many (see :func:`_gram_descent`) ...
_GRAM_BLOCK_STEPS = 64
#: ... when ``d`` is at most this; for larger ``d`` a step costs more than its Python overhead anyway.
_GRAM_BLOCK_MAX_D = 64


def _step_in_units(eta: float, L: float) -> str:
    """The step as a multiple of ``1/L``, e.g. ``"1/L"`` or ``"2.5/L"``; in absolute terms where that
    multiple is not a finite positive number (``L`` overflowed or is 0, or ``step * L`` overflows)."""
    if not math.isfinite(L):
        return f"{eta:.3g}; the Lipschitz constant L overflows float64"
    if _in_units_of_1_over_L(eta, L):
        return f"{eta * L:.3g}/L"
    return f"{eta:.3g}; L = {L:.3g}"


def _diverged_message(t: int, finite: bool, eta: float, L: float) -> str:
    what = (
        f"the gradient norm grew beyond {DIVERGENCE_FACTOR:.0e} times its initial value"
        if finite
        else "the loss or the gradient overflowed"
    )
    return f"diverged after {t} steps: {what} (step {_step_in_units(eta, L)}; steps above 2/L diverge)"


def _result(
    W: np.ndarray,
    losses: np.ndarray,
    grad_norms: np.ndarray,
    t: int,
    converged: bool,
    diverged: bool,
    eta: float,
    L: float,
    gram: bool,
    message: str,
    path: list[np.ndarray] | None,
) -> DescentResult:
    """The :class:`DescentResult` of both paths: histories cut to ``t + 1`` entries, arrays read-only."""
    return DescentResult(
        W=W,
        loss_history=_frozen(losses[: t + 1]),
        grad_norm_history=_frozen(grad_norms[: t + 1]),
        n_iter=t,
        converged=converged,
        diverged=diverged,
        step=eta,
        lipschitz=L,
        gram=gram,
        message=message,
        path=None if path is None else _frozen(np.stack(path)),
    )


def _gram_descent(
    W: np.ndarray,
    XtX: np.ndarray,
    XtY: np.ndarray,
    YtY: float,
    N: int,
    eta: float,
    L: float,
    max_iter: int,
    tol: float,
    keep_path: bool,
) -> DescentResult:
    r"""Gradient descent from the Gram matrices, ``O(d^2 k)`` flops and little Python per step.

    The gradient is affine in ``W``, so a step ``W' = W - eta G`` changes it by a fixed linear map:
    ``grad L(W') = M grad L(W)`` with ``M = I - eta H`` and ``H = (2/N) X^T X`` (symmetric). Hence,
    from a point ``W_t`` with gradient ``G_t`` and loss ``L_t``, the next steps are

    * ``G_{t+j} = M^j G_t``,
    * ``W_{t+j} = W_t - eta S_j G_t`` with ``S_j = I + M + ... + M^(j-1)``,
    * ``L_{t+j} = L_t + <-eta S_j + (eta^2 / 2) S_j H S_j, G_t G_t^T>`` (the loss is quadratic:
      ``L(W + D) = L(W) + <G, D> + <D, H D> / 2``).

    With ``M^j``, ``S_j`` and the matrices of the loss change precomputed for ``j <= _GRAM_BLOCK_STEPS``,
    a block of steps takes one matrix product for all its gradients (``2 d^2 k`` flops per step, as
    single steps do) and one matrix-vector product for all its losses, instead of several NumPy calls
    per step.
    Each block starts from the loss and gradient computed directly from ``W_t``, as :func:`gram_loss`
    and :func:`gram_gradient` do, so rounding does not accumulate from block to block; and every
    decision to stop is taken on such directly computed values: where the block's values reach a
    stopping condition, a new block starts there. (Should the direct gradient not confirm convergence
    there, it has reached its rounding floor, and from then on convergence is judged at block starts
    only.) Inside a block the recorded histories and iterates agree with single steps to rounding.
    """
    shape = W.shape
    W = W.reshape(shape[0], -1)
    B = XtY.reshape(shape[0], -1)
    d, k = W.shape
    scale = 2.0 / N
    n_block = min(_GRAM_BLOCK_STEPS, max_iter) if d <= _GRAM_BLOCK_MAX_D else 1
    losses = np.empty(max_iter + 1)
    grad_norms = np.empty(max_iter + 1)
    path = [W[None]] if keep_path else None
    converged = diverged = False
    message = f"stopped after max_iter={max_iter} steps without meeting the stopping rule"
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if n_block > 1:
            H = scale * XtX
            M = np.eye(d) - eta * H
            powers = np.empty((n_block, d, d))  # M^1 .. M^n_block
            sums = np.empty((n_block, d, d))  # S_1 .. S_n_block
            powers[0], sums[0] = M, np.eye(d)
            for j in range(1, n_block):
                np.matmul(M, powers[j - 1], out=powers[j])
                np.add(sums[j - 1], powers[j - 1], out=sums[j])
            # the change of the loss after j steps is <-eta S_j + (eta^2 / 2) S_j H S_j, G_t G_t^T>: one
            # row of coefficients per j, so that a block's losses come from one matrix-vector product
            change_rows = ((0.5 * eta * eta) * (sums @ H @ sums) - eta * sums).reshape(n_block, -1)
            # M^j side by side: G_t^T [M^1, M^2, ...] holds every (M^j G_t)^T of a block (M^j is symmetric)
            powers_side = np.ascontiguousarray(powers.transpose(1, 0, 2).reshape(d, -1))
        threshold = g0 = 0.0
        t = 0
        watch_convergence, alarm = True, False
        while True:
            # the direct evaluation at a block start: exactly gram_loss and gram_gradient
            AW = XtX @ W
            value = _gram_loss_from_product(W, AW, B, YtY, N)
            AW -= B
            AW *= scale
            G = AW
            g = _frobenius(G)  # inf if G has an infinite entry or overflows, NaN if it has a NaN:
            if math.isnan(g):  # either way not finite, recorded as inf
                g = math.inf
            losses[t], grad_norms[t] = value, g
            if t == 0:
                g0 = g
                threshold = tol * max(1.0, g0)
            if not (math.isfinite(value) and math.isfinite(g)) or g > DIVERGENCE_FACTOR * g0:
                diverged = True
                message = _diverged_message(t, math.isfinite(value) and math.isfinite(g), eta, L)
                break
            if g <= threshold:
                converged = True
                message = f"converged after {t} steps: gradient norm {g:.2e} <= tol * max(1, g_0) = {threshold:.2e}"
                break
            if alarm:
                # the block said "converged" but the direct gradient did not: near its rounding floor the
                # direct gradient stalls while M^j G_t keeps shrinking, so from now on only the direct
                # gradients at block starts decide convergence (no stream of one-step blocks)
                watch_convergence = alarm = False
            if t == max_iter:
                break
            # the block: losses and gradient norms at W_{t+j}, j = 1..n-1, then the step to W_{t+m}
            n = min(n_block, max_iter - t)
            m = n  # the next block starts at t + m
            if n > 1:
                later = (G.T @ powers_side[:, : (n - 1) * d]).reshape(k, n - 1, d)  # (M^j G_t)^T, j = 1..n-1
                norms = np.sqrt(np.einsum("cja,cja->j", later, later))
                block_losses = change_rows[: n - 1] @ (G @ G.T).reshape(-1)
                block_losses += value
                smallest = norms.min()
                quiet = (  # the common case, decided by three reductions (NaN fails every comparison)
                    math.isfinite(block_losses.sum())
                    and norms.max() <= DIVERGENCE_FACTOR * g0
                    and smallest >= _NORM_SAFE_MIN  # no norm lost to underflow of its squares
                    and (not watch_convergence or smallest > threshold)
                )
                if not quiet:
                    for j in np.flatnonzero(~(norms >= _NORM_SAFE_MIN) | ~(norms < math.inf)):
                        norms[j] = _frobenius(later[:, j])  # under- or overflow of the squares (or inf, NaN)
                    norms[~np.isfinite(norms)] = math.inf
                    stop = ~np.isfinite(block_losses) | (norms > DIVERGENCE_FACTOR * g0)
                    if watch_convergence:
                        stop |= norms <= threshold
                    if stop.any():
                        m = 1 + int(np.argmax(stop))  # evaluate there directly and decide
                        alarm = bool(norms[m - 1] <= threshold)
                losses[t + 1 : t + m] = block_losses[: m - 1]
                grad_norms[t + 1 : t + m] = norms[: m - 1]
            if m == 1:  # a single step, as step by step
                W = W - eta * G
                if path is not None:
                    path.append(W[None])
            else:
                if path is not None:
                    path.append(W - eta * (sums[:m] @ G))  # W_{t+j} = W_t - eta S_j G_t, j = 1..m
                W = W - eta * (sums[m - 1] @ G)
            t += m
    if path is not None:
        path = list(np.concatenate(path).reshape((t + 1,) + shape))
    return _result(W.reshape(shape), losses, grad_norms, t, converged, diverged, eta, L, True, message, path)


# ---------------------------------------------------------------------------
# stochastic gradients
# ---------------------------------------------------------------------------


def _batch(batch_indices: ArrayLike, N: int) -> np.ndarray:
    try:
        idx = np.asarray(batch_indices)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise TypeError(f"batch_indices must be a 1-D array of integer row indices: {exc}") from None
    if idx.size == 0:
        raise ValueError(f"batch_indices must be a non-empty 1-D array of row indices, got shape {idx.shape}")
    if idx.dtype.kind == "b":
        raise TypeError("batch_indices must be integer row indices, not a boolean mask (use np.flatnonzero(mask))")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"batch_indices must be integer row indices, but they have dtype {idx.dtype}")
    if idx.ndim != 1 or idx.size == 0:
        raise ValueError(f"batch_indices must be a non-empty 1-D array of row indices, got shape {idx.shape}")
    if idx.min() < 0 or idx.max() >= N:
        raise ValueError(f"batch_indices must lie in 0..{N - 1} (X has {N} rows), got values {idx.min()}..{idx.max()}")
    return idx


def minibatch_gradient(W: ArrayLike, X: ArrayLike, Y: ArrayLike, batch_indices: ArrayLike) -> np.ndarray:
    r"""Gradient of the loss of a mini-batch of rows: ``(2/|B|) X_B^T (X_B W - Y_B)``.

    The full gradient is the mean over rows ``(1/N) sum_i 2 x_i^T (x_i W - y_i)``,
    so the mean over a uniformly random batch ``B`` is an **unbiased** estimate of
    it. In particular, for a partition of the rows into batches of equal size the
    average of the batch gradients is exactly the full gradient (for unequal
    sizes, weight batch ``B`` by ``|B| / N``).

    Parameters
    ----------
    W : array_like, shape (d, k) or (d,)
        Weights.
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets.
    batch_indices : array_like of int, shape (b,)
        Row indices of the batch (repetitions allowed, as in sampling with replacement).

    Returns
    -------
    numpy.ndarray
        The batch gradient, with the shape of ``W``.
    """
    W = _real_array("W", W)
    X, Y = _real_array("X", X), _real_array("Y", Y)
    check_regression_shapes(W, X, Y)
    return _minibatch_gradient(W, X, Y, _batch(batch_indices, X.shape[0]))


def _minibatch_gradient(W: np.ndarray, X: np.ndarray, Y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    XB = X[idx]
    R = XB @ W
    R -= Y[idx]
    G = XB.T @ R
    G *= 2.0 / idx.size
    return G


@dataclass(frozen=True, eq=False)
class StochasticDescentResult:
    """Result of :func:`stochastic_gradient_descent`.

    Attributes
    ----------
    W : numpy.ndarray
        The last iterate.
    loss_history : numpy.ndarray, shape (n_epochs + 1,)
        Full loss (direct formula) at the start and after every epoch.
    n_epochs : int
        Number of epochs run.
    n_steps : int
        Number of mini-batch steps taken.
    step : float
        Step size.
    batch_size : int
        The requested rows per batch. The ``ceil(N / batch_size)`` batches of an epoch are
        as equal as possible (``numpy.array_split``), so some may have fewer rows.
    diverged : bool
        Stopped because the loss became non-finite or exploded.
    """

    W: np.ndarray
    loss_history: np.ndarray
    n_epochs: int
    n_steps: int
    step: float
    batch_size: int
    diverged: bool

    def __repr__(self) -> str:
        return (
            f"StochasticDescentResult(n_epochs={self.n_epochs}, n_steps={self.n_steps}, step={self.step:.3g}, "
            f"batch_size={self.batch_size}, diverged={self.diverged}, final loss {self.loss_history[-1]:.3e})"
        )


def stochastic_gradient_descent(
    X: ArrayLike,
    Y: ArrayLike,
    *,
    batch_size: int,
    step: float | None = None,
    n_epochs: int = 10,
    W0: ArrayLike | None = None,
    seed: int = 0,
) -> StochasticDescentResult:
    r"""Mini-batch stochastic gradient descent with a constant step.

    Every epoch shuffles the rows (with ``numpy.random.default_rng(seed)``), splits
    them into ``ceil(N / batch_size)`` batches and takes one step
    ``W <- W - step * minibatch_gradient(W, X, Y, B)`` per batch. An epoch touches
    every row once, like one step of full gradient descent. With a constant step
    the iterates do not converge to the minimiser but fluctuate around it, at a
    loss excess that shrinks with the step and grows with the gradient noise
    (Bottou, Curtis and Nocedal, SIAM Review 60, 2018).

    Parameters
    ----------
    X, Y : array_like
        Data and targets as in :func:`gradient_descent`.
    batch_size : int
        Rows per batch, ``1 <= batch_size <= N``.
    step : float, optional
        Step size; default ``1/L``.
    n_epochs : int, default 10
        Number of passes over the data.
    W0 : array_like, optional
        Starting point; default zeros.
    seed : int, default 0
        Seed of the shuffling.

    Returns
    -------
    StochasticDescentResult
    """
    X, Y = _data_and_targets(X, Y)
    W = _initial_weights(W0, X, Y)
    eta = _step_or_default(step, X)
    N = X.shape[0]
    batch_size = positive_int("batch_size", batch_size)
    if batch_size > N:
        raise ValueError(f"batch_size must be at most N = {N} (rows of X with shape {X.shape}), got {batch_size}")
    n_epochs = positive_int("n_epochs", n_epochs)
    rng = random_generator(seed)
    n_batches = -(-N // batch_size)

    def full_loss(W_: np.ndarray) -> float:
        R = X @ W_ - Y
        flat = R.reshape(-1)
        return float(np.dot(flat, flat)) / N

    losses = [full_loss(W)]
    n_steps = 0
    diverged = False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for _ in range(n_epochs):
            for batch in np.array_split(rng.permutation(N), n_batches):
                W = W - eta * _minibatch_gradient(W, X, Y, batch)
                n_steps += 1
            losses.append(full_loss(W))
            if not math.isfinite(losses[-1]) or (losses[0] > 0 and losses[-1] > DIVERGENCE_FACTOR**2 * losses[0]):
                diverged = True
                break
    return StochasticDescentResult(
        W=W,
        loss_history=_frozen(losses),
        n_epochs=len(losses) - 1,
        n_steps=n_steps,
        step=eta,
        batch_size=batch_size,
        diverged=diverged,
    )
