"""Tests written to kill the mutants that survived mutation testing (``make mutation``).

Each test states a documented property of the numerical core that the other tests left unchecked:
mixed-precision input, ``check_finite=False``, the stopping rule of gradient descent, the refusal
threshold of the normal-equation solvers, where finite differences evaluate ``f``, and the error
estimate of the gradient checker, which must be exactly the documented rounding model.
docs/DEVELOPERS.md lists the mutants that remain, each with the reason it is equivalent.
"""

from __future__ import annotations

import importlib

import numpy as np

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
# numerical_jacobian: where it evaluates F
# ---------------------------------------------------------------------------------------------------


def test_numerical_jacobian_moves_each_entry_by_the_documented_step():
    """Entry j moves by h max(|x_j|, 1) (rounded so that x + h is exact), default h = eps^(1/3), both ways."""
    x = np.array([0.25, -3.0, 40.0])
    seen = []

    def F(v):
        seen.append(v.copy())
        return v**3

    J = matgrad.chapters.hessian.numerical_jacobian(F, x)
    h = EPS ** (1 / 3)
    moves = np.array([p - x for p in seen[1:]])  # seen[0] is x itself (the output size)
    for j in range(3):
        step = (x[j] + h * max(abs(x[j]), 1.0)) - x[j]
        plus, minus = moves[2 * j], moves[2 * j + 1]
        assert plus[j] == step and minus[j] == -step
        assert np.count_nonzero(plus) == np.count_nonzero(minus) == 1
    # central differences of a cubic: relative error about (h max(|x|,1) / x)^2 / 3 per entry
    np.testing.assert_allclose(np.diag(J), 3 * x**2, rtol=1e-9)
    assert np.count_nonzero(J - np.diag(np.diag(J))) == 0


def test_numerical_hessian_of_a_gradient_with_explicit_step():
    X = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]])
    Y = np.ones((3, 1))
    H = matgrad.chapters.hessian.numerical_hessian(lambda w: matgrad.grad_W(w, X, Y), np.zeros((2, 1)), h=0.5)
    np.testing.assert_allclose(H, matgrad.chapters.hessian.hessian_W(X), rtol=1e-12)


