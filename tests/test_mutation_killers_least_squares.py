"""Tests written to kill mutants of ``matgrad.least_squares`` that survived mutation testing (``make mutation``).

Each test states a documented property that the other tests left unchecked: real ``X`` and ``W`` with complex
``Y`` on every path (the residual is formed in ``Y``'s precision), the row count of a block from its target size,
which dtypes the NaN-propagation probe is asked about, NumPy's warnings only for the quantity requested, and the
up-front input check computing "as before". The computation path is chosen by moving the size thresholds, as in
tests/test_performance_paths.py.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import matgrad
from matgrad import least_squares as ls

PATHS = ["plain", "transposed", "blocked"]
NEVER = 2**62


@contextlib.contextmanager
def path(monkeypatch, name, rows=4):
    """Send least_squares down ``name``; "blocked" cuts a C-ordered X of at least 2 * rows rows into rows-row blocks."""
    with monkeypatch.context() as m:
        m.setattr(ls, "_TRANSPOSED_MAX_MULTIPLY_ADDS", NEVER if name == "transposed" else -1)
        if name == "blocked":
            m.setattr(ls, "BLOCK_THRESHOLD_BYTES", -1)
            m.setattr(ls, "BLOCK_BYTES", 0)
            m.setattr(ls, "_MIN_BLOCK_ROWS", rows)
            m.setattr(ls, "_MAX_BLOCK_BYTES", NEVER)
        else:
            m.setattr(ls, "BLOCK_THRESHOLD_BYTES", NEVER)
        yield


def problem(N=12, d=3, k=2, seed=0, y_dtype=np.float64):
    """Float64 W and X; Y of ``y_dtype`` (complex Y gets a nonzero imaginary part). ``k=None``: vector case."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((d,) if k is None else (d, k))
    X = rng.standard_normal((N, d))
    Y = rng.standard_normal((N,) if k is None else (N, k))
    if np.dtype(y_dtype).kind == "c":
        Y = Y + 1j * rng.standard_normal(Y.shape)
    return W, X, Y.astype(y_dtype)


def reference(W, X, Y):
    """The plain formulas, in complex128: residual, loss, and the three gradients."""
    W, X, Y = (np.asarray(a, dtype=np.complex128) for a in (W, X, Y))
    R = X @ W - Y
    N = X.shape[0]
    return {
        "residual": R,
        "loss": np.sum(R * R) / N,
        "grad_W": 2 / N * X.T @ R,
        "grad_X": 2 / N * (np.outer(R, W) if W.ndim == 1 else R @ W.T),
        "grad_Y": -2 / N * R,
    }


# ---------------------------------------------------------------------------------------------------
# real X and W with complex Y: R = X W - Y is complex on every path (it cannot be formed in the real X @ W)
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PATHS)
@pytest.mark.parametrize("k", [None, 1, 3], ids=["vector", "k=1", "k=3"])
@pytest.mark.parametrize("y_dtype", [np.complex128, np.complex64])
def test_real_data_with_complex_targets(monkeypatch, name, k, y_dtype):
    """float64 X and W, complex Y: every function returns the complex value of the plain formula."""
    W, X, Y = problem(k=k, y_dtype=y_dtype)
    ref = reference(W, X, Y)
    with path(monkeypatch, name):
        if name == "blocked":
            assert ls._block_rows(X) == 4
        for fn in ("residual", "loss", "grad_W", "grad_X", "grad_Y"):
            got = getattr(matgrad, fn)(W, X, Y)
            assert np.iscomplexobj(got), fn
            np.testing.assert_allclose(got, ref[fn], rtol=1e-12, atol=1e-13, err_msg=fn)
        value, G = matgrad.loss_and_grad(W, X, Y)
        value_unchecked = matgrad.loss(W, X, Y, check_finite=False)
    assert isinstance(value, complex) and isinstance(value_unchecked, complex)
    np.testing.assert_allclose(value, ref["loss"], rtol=1e-12)
    np.testing.assert_allclose(value_unchecked, ref["loss"], rtol=1e-12)
    np.testing.assert_allclose(G, ref["grad_W"], rtol=1e-12, atol=1e-13)


# ---------------------------------------------------------------------------------------------------
# the blocked path: a block has BLOCK_BYTES // (bytes per row) rows, a whole number
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [None, 2])
def test_block_rows_follow_the_target_size(monkeypatch, k):
    """Rows per block = max(_MIN_BLOCK_ROWS, BLOCK_BYTES // row_bytes), with a BLOCK_BYTES that is not a multiple."""
    W, X, Y = problem(N=40, d=3, k=k, seed=1)
    row_bytes = X.shape[1] * X.itemsize
    ref = reference(W, X, Y)
    with monkeypatch.context() as m:
        m.setattr(ls, "BLOCK_THRESHOLD_BYTES", 0)
        m.setattr(ls, "_MIN_BLOCK_ROWS", 1)
        m.setattr(ls, "BLOCK_BYTES", 5 * row_bytes + row_bytes // 3)
        rows = ls._block_rows(X)
        assert rows == 5 and isinstance(rows, int)
        value, G = matgrad.loss_and_grad(W, X, Y)
        assert matgrad.loss(W, X, Y) == pytest.approx(ref["loss"].real, rel=1e-13)
        np.testing.assert_allclose(matgrad.grad_W(W, X, Y), ref["grad_W"].real, rtol=1e-12, atol=1e-14)
    assert value == pytest.approx(ref["loss"].real, rel=1e-13)
    np.testing.assert_allclose(G, ref["grad_W"].real, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------------------------------
# the NaN-propagation probe is asked about the dtypes of both products, X @ W and X^T R
# ---------------------------------------------------------------------------------------------------


def swallowing(compute):
    """A stand-in for a BLAS that loses NaN and infinity: the computation sees them as zeros."""

    def run(W, X, Y, *args):
        return compute(*(np.where(np.isfinite(a), a, 0) for a in (W, X, Y)), *args)

    return run


@pytest.mark.parametrize("fn", [matgrad.loss, matgrad.grad_W, matgrad.loss_and_grad])
@pytest.mark.parametrize(
    ("x_dtype", "w_dtype", "y_dtype", "bad_dtype"),
    [
        (np.float32, np.float32, np.float32, np.float32),  # X @ W in float32
        (np.float32, np.float32, np.complex64, np.complex64),  # R = X W - Y and X^T R in complex64
        (np.float64, np.float64, np.complex128, np.complex128),
    ],
)
@pytest.mark.parametrize("which", ["W", "X", "Y"])
def test_a_dtype_whose_products_lose_nan_is_checked_up_front(monkeypatch, fn, x_dtype, w_dtype, y_dtype, bad_dtype,
                                                             which):
    """Where the probe finds that products in the dtype of X @ W or of X^T R lose NaN, the inputs are checked first."""
    W, X, Y = problem(N=10, d=3, k=2, seed=2, y_dtype=y_dtype)
    W, X = W.astype(w_dtype), X.astype(x_dtype)
    arrays = {"W": W, "X": X, "Y": Y}
    arrays[which][1, 0] = np.nan
    ls._propagates.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setattr(ls, "matmul_propagates_non_finite", lambda dtype: np.dtype(dtype) != np.dtype(bad_dtype))
            for name in ("_sums", "_quiet_sums", "_quiet_gradient_and_check"):
                m.setattr(ls, name, swallowing(getattr(ls, name)))
            with pytest.raises(ValueError, match=rf"^{which} contains 1 non-finite value\(s\).*index \(1, 0\)"):
                fn(W, X, Y)
    finally:
        ls._propagates.cache_clear()


# ---------------------------------------------------------------------------------------------------
# NumPy's warnings: only about the quantity asked for
# ---------------------------------------------------------------------------------------------------


def shaped(value, k):
    """``value`` as W of shape (1,) (k=None), (1, 1) or (1, k)."""
    return np.full((1,) if k is None else (1, k), value)


@pytest.mark.parametrize("k", [None, 1, 2], ids=["vector", "k=1", "k=2"])
@pytest.mark.parametrize("check_finite", [True, False])
def test_a_representable_loss_comes_without_a_warning(k, check_finite):
    """X = 1e300, W = 1e-290: R = 1e10 and the loss is finite, while X^T R (1e310) would overflow."""
    X = np.array([[1e300]])
    W = shaped(1e-290, k)
    Y = np.zeros((1,) + W.shape[1:])
    expected = float(np.sum((X @ W) ** 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = matgrad.loss(W, X, Y, check_finite=check_finite)
    assert value == pytest.approx(expected, rel=1e-14) and np.isfinite(value)


@pytest.mark.parametrize("k", [None, 1, 2], ids=["vector", "k=1", "k=2"])
@pytest.mark.parametrize("check_finite", [True, False])
def test_a_representable_gradient_comes_without_a_warning(k, check_finite):
    """X = 1, W = 1e160: G = 2e160 is finite, while the loss (1e320 per entry) would overflow."""
    X = np.array([[1.0]])
    W = shaped(1e160, k)
    Y = np.zeros((1,) + W.shape[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = matgrad.grad_W(W, X, Y, check_finite=check_finite)
    np.testing.assert_array_equal(G, 2 * W)


# NumPy 1.x does not report floating-point errors of dot products (it does from 2.0), so the loss, a dot product of
# the residual with itself, neither warns of an overflow nor raises on an underflow there (make test-oldest).
NUMPY_REPORTS_DOT_ERRORS = pytest.mark.skipif(
    int(np.__version__.split(".")[0]) < 2, reason="NumPy 1.x does not report floating-point errors of dot products"
)


@NUMPY_REPORTS_DOT_ERRORS
@pytest.mark.parametrize("k", [None, 1, 2], ids=["vector", "k=1", "k=2"])
@pytest.mark.parametrize("check_finite", [True, False])
def test_an_overflowing_loss_warns_once(k, check_finite):
    """R = 1e160 is finite, R^2 overflows: one RuntimeWarning about it, as from the plain formula (1/N) sum(R*R)."""
    X = np.array([[1e160]])
    W = shaped(1.0, k)
    Y = np.zeros((1,) + W.shape[1:])
    with warnings.catch_warnings(record=True) as plain:
        warnings.simplefilter("always")
        R = X @ W - Y
        assert np.sum(R * R) == np.inf
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = matgrad.loss(W, X, Y, check_finite=check_finite)
    assert value == np.inf
    assert len(caught) == len(plain) == 1
    assert issubclass(caught[0].category, RuntimeWarning) and "overflow" in str(caught[0].message)


# ---------------------------------------------------------------------------------------------------
# an empty W: the inputs are checked up front and the computation runs as before, under NumPy's error settings
# ---------------------------------------------------------------------------------------------------


@NUMPY_REPORTS_DOT_ERRORS
@pytest.mark.parametrize("fn", [matgrad.loss, matgrad.loss_and_grad])
def test_empty_W_computes_under_the_callers_error_settings(fn):
    """d = 0: L = (1/N) sum Y^2, computed eagerly: np.errstate(under="raise") reports the underflow of 1e-200^2."""
    W, X, Y = np.zeros((0, 2)), np.ones((3, 0)), np.full((3, 2), 1e-200)
    with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
        fn(W, X, Y)
    result = fn(W, X, Y)  # NumPy's default: underflow is ignored
    value = result[0] if isinstance(result, tuple) else result
    assert value == 0.0
