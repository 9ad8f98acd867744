"""Tests written to kill the mutants that survived mutation testing (``make mutation``).

Each test states a documented property of the numerical core that the other tests left unchecked:
mixed-precision input, ``check_finite=False``, the stopping rule of gradient descent, the refusal
threshold of the normal-equation solvers, where finite differences evaluate ``f``, and the error
estimate of the gradient checker, which must be exactly the documented rounding model.
docs/DEVELOPERS.md lists the mutants that remain, each with the reason it is equivalent.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

import matgrad

gd = importlib.import_module("matgrad.descent")
ne = importlib.import_module("matgrad.solvers")
fd = importlib.import_module("matgrad.finite_differences")
gc = importlib.import_module("matgrad.gradient_check")

EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
TINY = float(np.finfo(np.float64).tiny)


def rng_problem(N=6, d=3, k=2, seed=0, vector=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    W = rng.standard_normal((d,) if vector else (d, k))
    Y = rng.standard_normal((N,) if vector else (N, k))
    return W, X, Y



# ---------------------------------------------------------------------------------------------------
# normal equations: the documented refusal threshold 10 d eps, and what the refusal says
# ---------------------------------------------------------------------------------------------------


def qr_rcond(X):
    """The reciprocal condition number the QR solver tests: of R from X = QR, columns scaled to unit norm."""
    s = 1.0 / np.linalg.norm(X, axis=0)
    sv = np.linalg.svd(np.linalg.qr(X)[1] * s[None, :], compute_uv=False)
    return sv[-1] / sv[0]


def cholesky_rcond(X):
    s = 1.0 / np.linalg.norm(X, axis=0)
    ev = np.linalg.eigvalsh(X.T @ X * s[:, None] * s[None, :])
    return ev[0] / ev[-1]


def nearly_dependent(rcond_of, target):
    """X = [[1, 1], [0, t], [0, 0]] with t chosen by bisection so that rcond_of(X) is close to ``target``."""
    lo, hi = 1e-20, 1.0
    for _ in range(200):
        t = math.sqrt(lo * hi)
        if rcond_of(np.array([[1.0, 1.0], [0.0, t], [0.0, 0.0]])) < target:
            lo = t
        else:
            hi = t
    return np.array([[1.0, 1.0], [0.0, hi], [0.0, 0.0]])


@pytest.mark.parametrize(("method", "rcond_of"), [("qr", qr_rcond), ("cholesky", cholesky_rcond)])
def test_refusal_threshold_is_ten_d_eps(method, rcond_of):
    """Solved just above 10 d eps, refused below (with d = 2): the threshold of the module documentation."""
    d = 2
    for factor, solved in ((10.5, True), (11.5, True), (9.0, False), (4.0, False)):
        X = nearly_dependent(rcond_of, factor * d * EPS)
        assert (factor - 1) * d * EPS < rcond_of(X) < (factor + 1) * d * EPS
        Y = X @ np.array([1.0, 2.0])
        if solved:
            W = matgrad.solvers.solve_normal_equations(X, Y, method)
            assert np.all(np.isfinite(W))
        else:
            with pytest.raises(np.linalg.LinAlgError, match=rf"method='{method}'.*not above 10 d eps"):
                matgrad.solvers.solve_normal_equations(X, Y, method)


@pytest.mark.parametrize("method", ["qr", "cholesky"])
def test_refusals_name_the_method_and_the_column(method):
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0]])
    with pytest.raises(np.linalg.LinAlgError, match=rf"method='{method}' needs X of full column rank, but column 1"):
        matgrad.solvers.solve_normal_equations(X, np.ones(3), method)


def test_lstsq_drops_tiny_singular_values_like_numpy():
    """method='lstsq' uses NumPy's default cutoff (rcond=None): a numerically dependent column is ignored."""
    X = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-17], [1.0, 1.0]])
    W = matgrad.solvers.solve_normal_equations(X, np.array([2.0, 2.0, 2.0]), "lstsq")
    np.testing.assert_allclose(W, [1.0, 1.0], rtol=1e-12)


