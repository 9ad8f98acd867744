r"""Gradient descent on the least-squares loss, with the gradient derived in the book.

The loss and its gradient (notation of the whole book)::

    L(W)      = (1/N) ||X W - Y||_F^2
    grad L(W) = (2/N) X^T (X W - Y)

The Hessian is the linear map ``V -> (2/N) X^T X V``; its eigenvalues are those of
``(2/N) X^T X``. Their extremes are the two constants that govern gradient descent:

* ``beta = (2/N) lambda_max(X^T X) = (2/N) sigma_max(X)^2``, the *smoothness
  constant* (the Lipschitz constant of the gradient, :func:`lipschitz_constant`);
  the step ``1/beta`` decreases the loss at every iteration and any step above
  ``2/beta`` diverges;
* ``mu = (2/N) lambda_min(X^T X) = (2/N) sigma_min(X)^2``, the *strong convexity
  constant* (:func:`strong_convexity_constant`); with the step ``1/beta`` the distance
  to the minimiser shrinks at least by the factor ``1 - mu/beta`` per iteration.

Their ratio is ``beta/mu = kappa^2``, with ``kappa = cond(X) = sigma_max/sigma_min``.

The *Gram trick* precomputes ``X^T X`` and ``X^T Y`` once, after which a step costs
``2 d^2 k`` instead of ``4 N d k`` flops (:func:`gram_gradient`,
``gradient_descent(..., gram=True)``). Its price is the loss computed from the Gram
matrices (:func:`gram_loss`), which suffers from cancellation when the residual is
small compared with ``Y``.

Because the gradient is a mean over rows, the gradient of a random mini-batch of
rows is an unbiased estimate of it (:func:`minibatch_gradient`,
:func:`stochastic_gradient_descent`, which samples without replacement within an epoch
by default, and independently with replacement on request).

The data are real; the iterations run in float64 (float32 data are converted once).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from ._checks import (
    as_array,
    as_matrix,
    check_shapes,
    is_lazy,
    materialise,
    positive_int,
    positive_number,
    regression_arrays,
    require_finite,
    same_row_blocks,
)
from .least_squares import loss, loss_and_grad

__all__ = [
    "DIVERGENCE_FACTOR", "DescentResult", "StochasticDescentResult", "contraction_factor", "descent_flops",
    "exact_loss", "gradient_descent", "gram_gradient", "gram_loss", "gram_matrices", "lipschitz_constant",
    "minibatch_gradient", "stochastic_gradient_descent", "strong_convexity_constant",
]  # fmt: skip

#: Gradient descent stops as *diverged* when the gradient norm exceeds this
#: multiple of its initial value (long before anything overflows).
DIVERGENCE_FACTOR = 1e12


def _data(
    X: ArrayLike, Y: ArrayLike, W0: ArrayLike | None = None, *, allow_lazy: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X`` and ``Y`` as real float64 arrays (lazy ones, if allowed, stay lazy and are checked for NaN and inf
    later), and the starting point ``W0`` (default zeros), shapes checked."""
    X = as_matrix("X", X, allow_complex=False, allow_lazy=allow_lazy).astype(np.float64, copy=False)
    Y = as_array("Y", Y, allow_complex=False, allow_lazy=allow_lazy).astype(np.float64, copy=False)
    if Y.ndim not in (1, 2):
        raise ValueError(f"Y must have shape (N, k) or (N,), but it has shape {Y.shape}")
    shape = (X.shape[1],) + Y.shape[1:]
    W = np.zeros(shape) if W0 is None else as_array("W0", W0, allow_complex=False).astype(np.float64)  # a copy
    if W.shape != shape:
        raise ValueError(
            f"W0 has shape {W.shape}, but X has shape {X.shape} and Y has shape {Y.shape}: W0 must have shape {shape}"
        )
    check_shapes(W, X, Y)
    same_row_blocks(X, Y)
    return X, Y, W


def _step(step: float | None, beta: float) -> float:
    """The given step, or the default ``1/beta``."""
    if step is not None:
        return positive_number("step", step)
    if beta == 0.0:
        raise ValueError("X is zero, so the smoothness constant beta is 0 and the default step 1/beta is undefined")
    return 1.0 / beta


# --- the constants of the problem ----------------------------------------------------------------------------------


def lipschitz_constant(X: ArrayLike) -> float:
    r"""Smoothness constant: ``beta = (2/N) lambda_max(X^T X) = (2/N) sigma_max(X)^2``.

    ``beta`` is the Lipschitz constant of the gradient (the name of the function).

    Computed from the largest singular value of ``X``, without forming ``X^T X``.
    It is the largest eigenvalue of the Hessian, so
    ``||grad L(V) - grad L(W)||_F <= beta ||V - W||_F`` for all ``V, W``.

    Examples
    --------
    >>> import numpy as np
    >>> lipschitz_constant(np.diag([3.0, 1.0]))
    9.0
    """
    X = as_matrix("X", X, allow_complex=False).astype(np.float64, copy=False)
    return 2.0 * float(np.linalg.norm(X, 2)) ** 2 / X.shape[0]


def strong_convexity_constant(X: ArrayLike) -> float:
    r"""Strong convexity constant: ``mu = (2/N) lambda_min(X^T X) = (2/N) sigma_min(X)^2``.

    Computed from the smallest singular value of ``X``, which is accurate to a relative
    ``u * cond(X)`` rather than the ``u * cond(X)^2`` of an eigenvalue of ``X^T X``
    (``u`` the unit roundoff).
    It is exactly 0 when ``N < d``, and 0 up to rounding when ``X`` has dependent
    columns (then the minimiser is not unique).

    Examples
    --------
    >>> import numpy as np
    >>> strong_convexity_constant(np.diag([3.0, 1.0]))
    1.0
    """
    X = as_matrix("X", X, allow_complex=False).astype(np.float64, copy=False)
    N, d = X.shape
    return 0.0 if N < d else 2.0 * float(np.linalg.svd(X, compute_uv=False)[-1]) ** 2 / N


def contraction_factor(X: ArrayLike, step: float | None = None) -> float:
    r"""Factor ``rho`` by which a gradient step shrinks the distance to the minimiser.

    A step ``W <- W - eta grad L(W)`` maps the error ``E = W - W*`` to ``(I - eta H) E``,
    with ``H`` the Hessian, whose eigenvalues lie in ``[mu, beta]``. So
    ``||W_t - W*||_F <= rho^t ||W_0 - W*||_F`` with ``rho = max(|1 - eta mu|, |1 - eta beta|)``,
    and ``rho < 1`` exactly when ``0 < eta < 2/beta`` (and ``mu > 0``). The default step is
    ``eta = 1/beta``, for which ``rho = 1 - mu/beta = 1 - 1/kappa^2``.

    Examples
    --------
    >>> import numpy as np
    >>> contraction_factor(np.diag([2.0, 1.0]))  # beta = 4, mu = 1
    0.75
    """
    beta, mu = lipschitz_constant(X), strong_convexity_constant(X)
    eta = _step(step, beta)
    return max(abs(1.0 - eta * mu), abs(1.0 - eta * beta))


def descent_flops(N: int, d: int, k: int, n_iter: int, *, gram: bool = False) -> int:
    r"""Leading-order flop count of ``n_iter`` gradient steps (a multiply-add counts 2).

    * plain: each step forms ``R = X W - Y`` and ``X^T R``: ``4 N d k`` flops;
    * Gram: ``X^T X`` and ``X^T Y`` once (``N d^2 + 2 N d k``), then each step
      forms ``X^T X W - X^T Y``: ``2 d^2 k`` flops. ``X^T X`` is symmetric, and NumPy
      forms it with a symmetric product (BLAS ``syrk``) that computes one triangle,
      ``d (d + 1) / 2`` entries at ``2 N`` flops each, about ``N d^2``.

    So the Gram path has done fewer flops after about ``(d + 2 k) / (4 k)`` steps,
    independently of ``N``. Lower-order terms (subtractions, the update, the loss) are
    left out; ``n_iter = 0`` counts the Gram set-up alone.

    Examples
    --------
    >>> descent_flops(1000, 10, 1, 100), descent_flops(1000, 10, 1, 100, gram=True)
    (4000000, 140000)
    """
    N, d, k = positive_int("N", N), positive_int("d", d), positive_int("k", k)
    if isinstance(n_iter, bool) or not isinstance(n_iter, numbers.Integral):
        raise TypeError(f"n_iter must be an integer, got {n_iter!r}")
    if n_iter < 0:
        raise ValueError(f"n_iter must be non-negative, got {n_iter}")
    if gram:
        return N * d * d + 2 * N * d * k + int(n_iter) * 2 * d * d * k
    return int(n_iter) * 4 * N * d * k


# --- the Gram matrices, and the exact loss to measure their rounding against ---------------------------------------


def gram_matrices(X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray, float]:
    r"""The Gram quantities ``X^T X`` (shape (d, d)), ``X^T Y`` (shape (d, k) or (d,)) and ``||Y||_F^2``.

    They are formed in float64, also for float32 data. ``X`` and ``Y`` may be Dask arrays split into the same
    blocks of rows: all three are then sums over the blocks, computed in one pass over the data.

    Examples
    --------
    >>> import numpy as np
    >>> XtX, XtY, YtY = gram_matrices(np.eye(2), np.array([3.0, 4.0]))
    >>> XtY, YtY
    (array([3., 4.]), 25.0)
    """
    X, Y, _ = _data(X, Y, allow_lazy=True)
    return _gram_quantities(X, Y)


def _gram_quantities(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """``X^T X``, ``X^T Y`` and ``||Y||_F^2`` in one pass over (possibly lazy) ``X`` and ``Y``; NaN or inf in a
    lazy input is found from the results, as in :func:`matgrad.loss`."""
    XtX, XtY, YtY = materialise(X.T @ X, X.T @ Y, np.dot(Y.ravel(), Y.ravel()))
    if is_lazy(X) or is_lazy(Y):
        if not all(np.isfinite(part).all() for part in (XtX, XtY, YtY)):
            require_finite("X", X)
            require_finite("Y", Y)
    return XtX, XtY, float(YtY)


def _inner(A: np.ndarray, B: np.ndarray) -> float:
    """``<A, B>_F`` of two real arrays of one shape, as one dot product."""
    return float(np.dot(A.ravel(), B.ravel()))


def _gram_arrays(W: ArrayLike, XtX: ArrayLike, XtY: ArrayLike, N: int) -> tuple[np.ndarray, ...]:
    W, XtX, XtY = (as_array(name, v, allow_complex=False) for name, v in (("W", W), ("XtX", XtX), ("XtY", XtY)))
    if W.ndim not in (1, 2) or XtX.shape != (W.shape[0], W.shape[0]) or XtY.shape != W.shape:
        raise ValueError(
            f"W has shape {W.shape}, XtX has shape {XtX.shape} and XtY has shape {XtY.shape}: "
            "they must have shapes (d, k), (d, d) and (d, k) (or (d,), (d, d) and (d,))"
        )
    return W, XtX, XtY, positive_int("N", N)


def gram_gradient(W: ArrayLike, XtX: ArrayLike, XtY: ArrayLike, N: int) -> np.ndarray:
    r"""The gradient from the Gram matrices: ``(2/N) (X^T X W - X^T Y)``.

    Equal to :func:`matgrad.grad_W` in exact arithmetic, at a cost of ``2 d^2 k``
    flops instead of ``4 N d k``.

    Examples
    --------
    >>> import numpy as np
    >>> gram_gradient(np.ones(2), np.eye(2), np.array([1.0, 2.0]), 2)  # X = I, Y = (1, 2)
    array([ 0., -1.])
    """
    W, XtX, XtY, N = _gram_arrays(W, XtX, XtY, N)
    return _gram_gradient(W, XtX, XtY, N)


def _gram_gradient(W: np.ndarray, XtX: np.ndarray, XtY: np.ndarray, N: int) -> np.ndarray:
    return (2.0 / N) * (XtX @ W - XtY)


def gram_loss(W: ArrayLike, XtX: ArrayLike, XtY: ArrayLike, YtY: float, N: int) -> float:
    r"""The loss from the Gram matrices: ``(tr(W^T X^T X W) - 2 tr(W^T X^T Y) + ||Y||_F^2) / N``.

    This is the expanded square of the book's trace derivation, exact in exact
    arithmetic. In floating point its three terms are each about as large as
    ``||Y||_F^2`` while their sum is ``||X W - Y||_F^2``: when the residual is small
    the sum is computed by **cancellation**, with a relative error of about
    ``u ||Y||_F^2 / ||X W - Y||_F^2`` (``u`` the unit roundoff). It may even come out negative.

    Examples
    --------
    >>> import numpy as np
    >>> gram_loss(np.ones(2), np.eye(2), np.array([1.0, 2.0]), 5.0, 2)  # X = I, Y = (1, 2)
    0.5
    """
    W, XtX, XtY, N = _gram_arrays(W, XtX, XtY, N)
    return _gram_loss(W, XtX, XtY, positive_number("YtY", YtY, allow_zero=True), N)


def _gram_loss(W: np.ndarray, XtX: np.ndarray, XtY: np.ndarray, YtY: float, N: int) -> float:
    return (_inner(W, XtX @ W) - 2.0 * _inner(W, XtY) + YtY) / N


def exact_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    r"""The loss of the floating-point inputs, computed in exact rational arithmetic and rounded once.

    Every float is a rational number, so ``(1/N) ||X W - Y||_F^2`` of the given floats
    has an exact value, computed here with :class:`fractions.Fraction`. It is slow
    (``O(N d k)`` rational operations) and meant as the reference against which the
    rounding errors of :func:`matgrad.loss` and :func:`gram_loss` are measured.

    Examples
    --------
    >>> import numpy as np
    >>> exact_loss(np.array([1.0, 2.0]), np.eye(2), np.zeros(2))
    2.5
    """
    W, X, Y = regression_arrays(W, X, Y, allow_complex=False)
    columns = [[Fraction(w) for w in column] for column in W.reshape(len(W), -1).T.tolist()]
    total = Fraction(0)
    for x_row, y_row in zip(X.tolist(), Y.reshape(len(Y), -1).tolist(), strict=True):
        x_row = [Fraction(x) for x in x_row]
        for w_column, y in zip(columns, y_row, strict=True):
            r = sum((x * w for x, w in zip(x_row, w_column, strict=True)), Fraction(0)) - Fraction(y)
            total += r * r
    return float(total / len(X))


# --- gradient descent ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DescentResult:
    """Result of :func:`gradient_descent`.

    Attributes
    ----------
    W : numpy.ndarray
        The last iterate, shape ``(d, k)`` or ``(d,)``.
    loss_history, grad_norm_history : numpy.ndarray, shape (n_iter + 1,)
        The loss ``L(W_t)`` and the gradient norm ``||grad L(W_t)||_F`` at ``W_0, ..., W_n_iter``
        (with ``gram=True`` the loss is :func:`gram_loss`, inaccurate near a small residual).
    n_iter : int
        Number of steps taken.
    converged, diverged : bool
        Why the iteration stopped (neither: after ``max_iter`` steps).
    step : float
        The step size used.
    lipschitz : float
        The smoothness constant ``beta = (2/N) lambda_max(X^T X)``; ``step * lipschitz`` is
        the step in units of ``1/beta``.
    gram : bool
        Whether the Gram gradient was used.
    message : str
        Why the iteration stopped, in words.
    path : numpy.ndarray or None
        With ``keep_path=True`` the iterates ``W_0, ..., W_n_iter`` along a first axis.
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
    message: str
    path: np.ndarray | None = None

    def __repr__(self) -> str:
        return (
            f"DescentResult(n_iter={self.n_iter}, converged={self.converged}, diverged={self.diverged}, "
            f"step={self.step:.3g}, gram={self.gram}, final loss {self.loss_history[-1]:.3e}, "
            f"final gradient norm {self.grad_norm_history[-1]:.3e})"
        )


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

    Iterates ``W_{t+1} = W_t - step * (2/N) X^T (X W_t - Y)`` from ``W_0``. With
    ``g_t = ||grad L(W_t)||_F``, it stops

    * as *converged* at the first ``t`` with ``g_t <= tol * max(1, g_0)`` (relative
      to the initial gradient, absolute when that is below 1);
    * as *diverged* when ``g_t > DIVERGENCE_FACTOR * g_0`` (``1e12``) or the loss or
      gradient is no longer finite (without an overflow warning);
    * otherwise after ``max_iter`` steps.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Data.
    Y : array_like, shape (N, k) or (N,)
        Targets; a vector gives a vector ``W`` of shape ``(d,)``.
    W0 : array_like, optional
        Starting point of the shape of ``W``; default zeros.
    step : float, optional
        Step size; default ``1/beta`` (:func:`lipschitz_constant`). Steps above ``2/beta`` diverge.
    max_iter : int, default 1000
        Largest number of steps.
    tol : float, default 1e-10
        Tolerance of the stopping rule; ``tol = 0`` runs all ``max_iter`` steps unless
        the gradient becomes exactly zero.
    gram : bool, default False
        Take the steps with :func:`gram_gradient` (``X^T X`` and ``X^T Y`` computed once,
        then ``2 d^2 k`` flops a step) and record :func:`gram_loss` as the loss. Then ``X`` and ``Y``
        may be Dask arrays (as in :func:`gram_matrices`): one pass over them, and none per step.
    keep_path : bool, default False
        Also return every iterate (``result.path``), e.g. to draw the path.

    Returns
    -------
    DescentResult
        The last iterate, the histories and the verdict.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> result = gradient_descent(X, X @ np.array([1.0, -1.0]))
    >>> result.converged, np.allclose(result.W, [1.0, -1.0])
    (True, True)
    """
    X, Y, W = _data(X, Y, W0, allow_lazy=gram)
    max_iter = positive_int("max_iter", max_iter)
    tol = positive_number("tol", tol, allow_zero=True)
    N = X.shape[0]
    if gram:
        XtX, XtY, YtY = _gram_quantities(X, Y)  # the only pass over X and Y
        beta = 2.0 * float(np.linalg.eigvalsh(XtX)[-1]) / N  # as accurate as sigma_max(X)^2, and no SVD of X

        def loss_and_gradient(W: np.ndarray) -> tuple[float, np.ndarray]:
            return _gram_loss(W, XtX, XtY, YtY, N), _gram_gradient(W, XtX, XtY, N)
    else:
        beta = lipschitz_constant(X)

        def loss_and_gradient(W: np.ndarray) -> tuple[float, np.ndarray]:
            return loss_and_grad(W, X, Y, check_finite=False)  # X and Y were checked above

    eta = _step(step, beta)
    path = [W] if keep_path else None
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported as divergence, not as a warning
        W, losses, grad_norms, verdict = _descend(loss_and_gradient, W, eta, max_iter, tol, path)
    n_iter = len(losses) - 1
    if verdict == "converged":
        threshold = tol * max(1.0, grad_norms[0])
        message = f"converged after {n_iter} steps: gradient norm {grad_norms[-1]:.2e} <= tol * max(1, g_0) = "
        message += f"{threshold:.2e}"
    elif verdict == "diverged":
        message = (
            f"diverged after {n_iter} steps: the gradient norm grew beyond {DIVERGENCE_FACTOR:.0e} times its "
            f"initial value, or the loss or the gradient overflowed (step {eta:.3g}, beta = {beta:.3g}: steps above "
            "2/beta diverge)"
        )
    else:
        message = f"stopped after max_iter={max_iter} steps without meeting the stopping rule"
    return DescentResult(
        W=W,
        loss_history=np.array(losses, dtype=np.float64),
        grad_norm_history=np.array(grad_norms, dtype=np.float64),
        n_iter=n_iter,
        converged=verdict == "converged",
        diverged=verdict == "diverged",
        step=eta,
        lipschitz=beta,
        gram=gram,
        message=message,
        path=None if path is None else np.stack(path),
    )


def _descend(loss_and_gradient, W, step, max_iter, tol, path=None):
    """The loop of :func:`gradient_descent`: from ``W``, steps ``W <- W - step * G`` until its stopping rule holds.

    Returns the last iterate, the losses and gradient norms of all iterates, and the verdict.
    """
    losses, grad_norms = [], []
    for t in range(max_iter + 1):
        value, G = loss_and_gradient(W)
        g = float(np.linalg.norm(G))  # the Frobenius norm
        losses.append(value)
        grad_norms.append(g)
        if not (math.isfinite(value) and math.isfinite(g)) or g > DIVERGENCE_FACTOR * grad_norms[0]:
            return W, losses, grad_norms, "diverged"
        if g <= tol * max(1.0, grad_norms[0]):
            return W, losses, grad_norms, "converged"
        if t < max_iter:  # after max_iter steps the last iterate is evaluated, not moved
            W = W - step * G
            if path is not None:
                path.append(W)
    return W, losses, grad_norms, "stopped"


# --- stochastic gradients ------------------------------------------------------------------------------------------


def minibatch_gradient(W: ArrayLike, X: ArrayLike, Y: ArrayLike, batch_indices: ArrayLike) -> np.ndarray:
    r"""Gradient of the loss of a mini-batch ``B`` of rows: ``(2/|B|) X_B^T (X_B W - Y_B)``.

    The full gradient is the mean over rows ``(1/N) sum_i 2 x_i^T (x_i W - y_i)``, so
    the mean over a uniformly random batch is an **unbiased** estimate of it. For a
    partition of the rows into batches of equal size, the average of the batch
    gradients is exactly the full gradient. ``batch_indices`` are integer row indices
    (repetitions allowed, as in sampling with replacement).

    Examples
    --------
    >>> import numpy as np
    >>> minibatch_gradient(np.zeros(1), np.array([[1.0], [2.0]]), np.array([1.0, 1.0]), [1])
    array([-4.])
    """
    W, X, Y = regression_arrays(W, X, Y, allow_complex=False)
    idx = np.asarray(batch_indices)
    N = X.shape[0]
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"batch_indices must be integer row indices, but they have dtype {idx.dtype} "
            "(for a boolean mask, pass np.flatnonzero(mask))"
        )
    if idx.ndim != 1 or idx.size == 0 or idx.min() < 0 or idx.max() >= N:
        raise ValueError(
            f"batch_indices must be a non-empty 1-D array of row indices in 0..{N - 1}, "
            f"got {idx.size} value(s) of shape {idx.shape}"
        )
    return _minibatch_gradient(W, X, Y, idx)


def _minibatch_gradient(W: np.ndarray, X: np.ndarray, Y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    XB = X[idx]
    return (2.0 / idx.size) * (XB.T @ (XB @ W - Y[idx]))


@dataclass(frozen=True, eq=False)
class StochasticDescentResult:
    """Result of :func:`stochastic_gradient_descent`.

    Attributes
    ----------
    W : numpy.ndarray
        The last iterate.
    loss_history : numpy.ndarray, shape (n_epochs + 1,)
        Full loss at the start and after every epoch.
    n_epochs, n_steps : int
        Number of epochs run and of mini-batch steps taken.
    step : float
        Step size.
    batch_size : int
        The requested rows per batch; with ``sampling="reshuffle"`` the ``ceil(N / batch_size)``
        batches of an epoch are as equal as possible (``numpy.array_split``), so some may have
        fewer rows.
    sampling : str
        ``"reshuffle"`` or ``"independent"`` (see :func:`stochastic_gradient_descent`).
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
    sampling: str = "reshuffle"

    def __repr__(self) -> str:
        return (
            f"StochasticDescentResult(n_epochs={self.n_epochs}, n_steps={self.n_steps}, step={self.step:.3g}, "
            f"batch_size={self.batch_size}, sampling={self.sampling!r}, diverged={self.diverged}, "
            f"final loss {self.loss_history[-1]:.3e})"
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
    sampling: str = "reshuffle",
) -> StochasticDescentResult:
    r"""Mini-batch stochastic gradient descent with a constant step.

    An epoch takes ``ceil(N / batch_size)`` steps ``W <- W - step * minibatch_gradient(W, X, Y, B)``,
    and the full loss is recorded at the end of every epoch. The batches ``B`` come from
    ``numpy.random.default_rng(seed)`` in one of two ways:

    * ``sampling="reshuffle"`` (default, *random reshuffling*): every epoch shuffles the
      rows once and splits them into the batches (``numpy.array_split``), so the batches
      of an epoch are disjoint and an epoch touches every row exactly once, like one step
      of full gradient descent (sampling without replacement within an epoch);
    * ``sampling="independent"``: every step draws its batch afresh, uniformly among the
      subsets of ``batch_size`` rows, independently of the other steps (so across steps
      rows are drawn with replacement: within an epoch a row may be used several times
      or not at all).

    Each batch gradient is an unbiased estimate of the gradient either way. With a
    constant step the iterates do not converge to the minimiser but fluctuate around it,
    at a loss excess measured at the epoch ends that shrinks with the step: about like
    ``step`` for independent batches, and about like ``step**2`` for reshuffling, whose
    errors largely cancel over an epoch (Bottou, Curtis and Nocedal, SIAM Review 60,
    2018; Gurbuzbalaban, Ozdaglar and Parrilo, Math. Programming 186, 2021). The run
    stops as diverged when the loss is no longer finite or exceeds
    ``DIVERGENCE_FACTOR**2`` times its initial value.

    Parameters
    ----------
    X, Y, W0 : array_like
        Data, targets and starting point as in :func:`gradient_descent`.
    batch_size : int
        Rows per batch, ``1 <= batch_size <= N``.
    step : float, optional
        Step size; default ``1/beta``.
    n_epochs : int, default 10
        Number of passes over the data.
    seed : int, default 0
        Seed of the sampling.
    sampling : {"reshuffle", "independent"}, default "reshuffle"
        How the batches are drawn (above).

    Returns
    -------
    StochasticDescentResult
    """
    X, Y, W = _data(X, Y, W0)
    N = X.shape[0]
    batch_size = positive_int("batch_size", batch_size)
    if batch_size > N:
        raise ValueError(f"batch_size must be at most N = {N} (X has shape {X.shape}), got {batch_size}")
    n_epochs = positive_int("n_epochs", n_epochs)
    if sampling not in ("reshuffle", "independent"):
        raise ValueError(f"sampling must be 'reshuffle' or 'independent', not {sampling!r}")
    eta = _step(step, lipschitz_constant(X))
    rng = np.random.default_rng(seed)
    n_batches = -(-N // batch_size)

    def epoch_batches():
        if sampling == "reshuffle":
            return np.array_split(rng.permutation(N), n_batches)
        return [rng.choice(N, size=batch_size, replace=False) for _ in range(n_batches)]

    losses = [loss(W, X, Y, check_finite=False)]  # X, Y and W were checked above
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported as divergence, not as a warning
        for _ in range(n_epochs):
            for batch in epoch_batches():
                W = W - eta * _minibatch_gradient(W, X, Y, batch)
            losses.append(loss(W, X, Y, check_finite=False))
            if not math.isfinite(losses[-1]) or losses[-1] > DIVERGENCE_FACTOR**2 * losses[0]:
                diverged = True
                break
    return StochasticDescentResult(
        W=W,
        loss_history=np.array(losses, dtype=np.float64),
        n_epochs=len(losses) - 1,
        n_steps=(len(losses) - 1) * n_batches,
        step=eta,
        batch_size=batch_size,
        diverged=diverged,
        sampling=sampling,
    )
