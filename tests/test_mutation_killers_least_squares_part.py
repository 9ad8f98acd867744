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
import pytest

import matgrad
from matgrad import least_squares as ls

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
# least_squares: mixed precision, check_finite=False, the blocked path
# ---------------------------------------------------------------------------------------------------


def reference(W, X, Y):
    W, X, Y = (np.asarray(a, dtype=np.complex128 if np.iscomplexobj(a) else np.float64) for a in (W, X, Y))
    R = X @ W - Y
    N = X.shape[0]
    gX = 2 / N * (np.outer(R, W) if W.ndim == 1 else R @ W.T)
    return {"residual": R, "loss": np.sum(R * R) / N, "grad_W": 2 / N * X.T @ R, "grad_X": gX, "grad_Y": -2 / N * R}


def integer_problem(N=6, d=3, k=2, seed=0, vector=False):
    """float32 X and W with small integer entries, so that X W is exact in float32."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, size=(N, d)).astype(np.float32)
    W = rng.integers(-3, 4, size=(d,) if vector else (d, k)).astype(np.float32)
    Y = rng.integers(-3, 4, size=(N,) if vector else (N, k)).astype(np.float64)
    return W, X, Y


@pytest.mark.parametrize("vector", [False, True], ids=["matrix", "vector"])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("y_kind", ["float64", "complex128"])
def test_targets_of_higher_precision_are_not_rounded_to_that_of_XW(vector, k, y_kind):
    """float32 X and W with float64 (or complex) Y: R = X W - Y is formed in Y's precision.

    X W is exact in float32 here, and 0.1 is not a float32 number: subtracting Y in place in the
    float32 array X @ W would round it by about 1e-9.
    """
    W, X, Y = integer_problem(k=k, vector=vector)
    Y = Y + 0.1 if y_kind == "float64" else Y + 0.1j
    ref = reference(W, X, Y)
    for name in ("residual", "loss", "grad_W", "grad_X", "grad_Y"):
        got = getattr(matgrad, name)(W, X, Y)
        np.testing.assert_allclose(got, ref[name], rtol=1e-14, atol=1e-14, err_msg=name)
    value, G = matgrad.loss_and_grad(W, X, Y)
    np.testing.assert_allclose(value, ref["loss"], rtol=1e-14)
    np.testing.assert_allclose(G, ref["grad_W"], rtol=1e-14, atol=1e-14)


def test_targets_keep_their_digits_on_every_path(monkeypatch):
    """The plain, the transposed and the blocked path all subtract a float64 Y from a float32 X W exactly."""
    W, X, Y = integer_problem(N=64, k=2, seed=3)
    Y = Y + 0.1  # digits that float32 cannot hold
    exact = X.astype(np.float64) @ W.astype(np.float64) - Y
    for path in ("plain", "transposed", "blocked"):
        with monkeypatch.context() as m:
            m.setattr(ls, "_TRANSPOSED_MAX_MULTIPLY_ADDS", 10**9 if path == "transposed" else 0)
            if path == "blocked":
                m.setattr(ls, "BLOCK_THRESHOLD_BYTES", 0)
                m.setattr(ls, "BLOCK_BYTES", 8 * X.itemsize * X.shape[1])
                m.setattr(ls, "_MIN_BLOCK_ROWS", 8)
                assert ls._block_rows(X) == 8
            value = matgrad.loss(W, X, Y)
            G = matgrad.grad_W(W, X, Y)
        assert value == pytest.approx(np.sum(exact**2) / 64, rel=1e-14), path
        np.testing.assert_allclose(G, 2 / 64 * X.astype(np.float64).T @ exact, rtol=1e-14, atol=1e-13, err_msg=path)


@pytest.mark.parametrize("fn", [matgrad.loss, matgrad.grad_W, matgrad.grad_X, matgrad.grad_Y, matgrad.loss_and_grad])
def test_check_finite_false_computes_with_non_finite_input(fn):
    """check_finite=False: NaN in, NaN out, no error (the opt-out of scipy.linalg's keyword)."""
    W, X, Y = rng_problem()
    X[2, 1] = np.nan
    result = fn(W, X, Y, check_finite=False)
    values = np.concatenate([np.ravel(part) for part in (result if isinstance(result, tuple) else (result,))])
    assert np.isnan(values).any()
    with pytest.raises(ValueError, match="X contains 1 non-finite"):
        fn(W, X, Y)
