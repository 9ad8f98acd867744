"""The fast paths of the loss and its gradient compute the same numbers as the plain formula.

`matgrad.least_squares` computes in one of three ways (``PATHS``): the plain products, the transposed
products for small problems, and row blocks for a large X; it checks finiteness on its result instead
of its inputs; and `gradient_descent(..., gram=True)` takes its steps in blocks. None of this may
change a result beyond rounding or an error message. The tests choose the path (``computation``) by
moving the size thresholds, so that every path runs on small arrays. Nothing here is timed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import regression_problems

import matgrad
from matgrad import _old_checks as validation
from matgrad import least_squares as ls
from matgrad.descent import gradient_descent, gram_gradient, gram_loss, gram_matrices, lipschitz_constant
from matgrad.least_squares import grad_W, loss, loss_and_grad

ROOT = Path(__file__).resolve().parent.parent


PATHS = ["plain", "transposed", "blocked"]
_THRESHOLDS = (
    "BLOCK_THRESHOLD_BYTES",
    "BLOCK_BYTES",
    "_MIN_BLOCK_ROWS",
    "_MAX_BLOCK_BYTES",
    "_TRANSPOSED_MAX_MULTIPLY_ADDS",
)


@contextlib.contextmanager
def computation(path: str, rows: int = 4):
    """Make least_squares take ``path``: with "blocked", every C-ordered X of at least ``2 * rows`` rows
    is cut into blocks of ``rows`` rows; "transposed" applies to a matrix W with k > 1."""
    saved = {name: getattr(ls, name) for name in _THRESHOLDS}
    never = 2**62
    settings = {
        "plain": (never, 0, 1, never, -1),
        "transposed": (never, 0, 1, never, never),
        "blocked": (-1, 0, rows, never, -1),
    }[path]
    for name, value in zip(_THRESHOLDS, settings, strict=True):
        setattr(ls, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(ls, name, value)


def blocking(rows: int):
    return computation("blocked", rows)


def reference(W, X, Y):
    """The plain formulas, written independently: (1/N) sum(R * R) and (2/N) X^T R."""
    N = X.shape[0]
    R = X @ W - Y
    return np.sum(R * R) / N, (2.0 / N) * (X.T @ R)


def assert_matches_reference(W, X, Y, rtol):
    value, G = loss_and_grad(W, X, Y)
    ref_value, ref_G = reference(np.asarray(W), np.asarray(X), np.asarray(Y))
    scale = max(float(np.max(np.abs(ref_G), initial=0.0)), 1e-300)
    # each entry is a sum of N products: allow rounding relative to the size of its terms
    R = np.asarray(X) @ np.asarray(W) - np.asarray(Y)
    term_scale = 2.0 / X.shape[0] * float(np.abs(np.asarray(X)).T.max(initial=0.0)) * float(np.abs(R).sum())
    assert value == pytest.approx(ref_value, rel=rtol, abs=1e-300)
    assert loss(W, X, Y) == pytest.approx(ref_value, rel=rtol, abs=1e-300)
    np.testing.assert_allclose(G, ref_G, rtol=rtol, atol=rtol * max(scale, term_scale))
    np.testing.assert_allclose(grad_W(W, X, Y), G, rtol=rtol, atol=rtol * max(scale, term_scale))
    assert G.shape == np.shape(W)
    assert isinstance(value, complex if np.iscomplexobj(value) else float)


def make(N, d, k, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((d,) if k is None else (d, k)).astype(dtype)
    X = rng.standard_normal((N, d)).astype(dtype)
    Y = rng.standard_normal((N,) if k is None else (N, k)).astype(dtype)
    return W, X, Y


# --- the blocked path -----------------------------------------------------------------------------


SHAPES = [(1, 1, 1), (2, 1, 1), (9, 1, 3), (9, 4, 1), (37, 5, 3), (64, 8, 2), (101, 3, None), (50, 7, None)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("rows", [1, 2, 3, 16])
def test_blocked_path_equals_the_plain_formula(shape, rows):
    W, X, Y = make(*shape)
    with blocking(rows):
        uses_blocks = ls._block_rows(X) > 0
        assert uses_blocks == (X.shape[0] >= 2 * rows)
        assert_matches_reference(W, X, Y, rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("path", ["plain", "transposed"])
def test_one_shot_paths_equal_the_plain_formula(shape, path):
    W, X, Y = make(*shape)
    with computation(path):
        assert_matches_reference(W, X, Y, rtol=1e-12)


def test_transposed_path_is_really_taken():
    W, X, Y = make(30, 4, 3)
    with computation("transposed"):
        G = grad_W(W, X, Y)
    assert G.flags.f_contiguous and not G.flags.c_contiguous  # G = (R^T X)^T, a transposed view
    with computation("plain"):
        G2 = grad_W(W, X, Y)
    assert G2.flags.c_contiguous
    np.testing.assert_allclose(G, G2, rtol=1e-13, atol=1e-15)
    assert ls._TRANSPOSED_MAX_MULTIPLY_ADDS >= 1000 * 50 * 5  # the defaults send small problems this way


def test_blocked_path_is_really_taken(monkeypatch):
    W, X, Y = make(40, 3, 2)
    calls = []
    original = ls._blocked_sums

    def spy(*args):
        calls.append(args[3])
        return original(*args)

    monkeypatch.setattr(ls, "_blocked_sums", spy)
    loss_and_grad(W, X, Y)
    assert calls == []  # a small X takes the one-shot path
    with blocking(7):
        value, G = loss_and_grad(W, X, Y)
        grad_W(W, X, Y)
        loss(W, X, Y)
    assert calls == [7, 7, 7]
    ref_value, ref_G = reference(W, X, Y)
    assert value == pytest.approx(ref_value, rel=1e-13)
    np.testing.assert_allclose(G, ref_G, rtol=1e-12, atol=1e-14)


def test_blocks_cover_every_row_once():
    # every row contributes to the gradient exactly once: with X = I and W = 0, X^T R = -Y
    N = 23
    X, Y = np.eye(N), np.arange(N, dtype=float).reshape(N, 1)
    W = np.zeros((N, 1))
    for rows in (1, 2, 5, 11):
        with blocking(rows):
            value, G = loss_and_grad(W, X, Y)
        np.testing.assert_array_equal(G, -2.0 / N * Y)
        assert value == float(np.sum(Y**2)) / N


@given(regression_problems(), st.sampled_from(PATHS), st.integers(1, 3))
def test_every_path_property(problem, path, rows):
    W, X, Y = problem
    ref_value, ref_G = reference(W, X, Y)
    with computation(path, rows):
        value, G = loss_and_grad(W, X, Y)
    R = X @ W - Y
    bound = 1e-12 * (np.abs(X).T @ np.abs(R) + 1.0)  # rounding of sums of N products, entrywise
    assert np.all(np.abs(G - ref_G) <= 2.0 / X.shape[0] * bound)
    assert value == pytest.approx(ref_value, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_float32_keeps_its_precision(path):
    W, X, Y = make(40, 5, 3, dtype=np.float32)
    with computation(path, 8):
        value, G = loss_and_grad(W, X, Y)
    assert G.dtype == np.float32 and type(value) is float
    ref_value, ref_G = reference(W.astype(np.float64), X.astype(np.float64), Y.astype(np.float64))
    assert value == pytest.approx(ref_value, rel=1e-5)
    np.testing.assert_allclose(G, ref_G, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("path", PATHS)
def test_mixed_precision_promotes_like_numpy(path):
    W, X, Y = make(40, 5, 3, dtype=np.float32)
    Y64 = Y.astype(np.float64)
    with computation(path, 8):
        value, G = loss_and_grad(W, X, Y64)
    assert G.dtype == np.float64
    ref_value, ref_G = reference(W, X, Y64)
    assert value == pytest.approx(ref_value, rel=1e-12)
    np.testing.assert_allclose(G, ref_G, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_complex_W_for_the_complex_step(path):
    W, X, Y = make(40, 4, 2)
    E = np.zeros_like(W)
    E[2, 1] = 1.0
    h = 1e-20
    with computation(path, 6):
        value = loss(W + 1j * h * E, X, Y)
        G = grad_W(W, X, Y)
        _, Gc = loss_and_grad(W + 1j * h * E, X, Y)
    assert isinstance(value, complex)
    assert value.imag / h == pytest.approx(G[2, 1], rel=1e-13)
    assert Gc.dtype == np.complex128
    # the loss stays the analytic sum of squares: no conjugation anywhere
    ref = np.sum((X @ (W + 1j * h * E) - Y) ** 2) / len(X)
    assert value == pytest.approx(ref, rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "layout",
    ["fortran", "strided rows", "strided columns", "transposed view", "list"],
)
def test_memory_layouts(layout, path):
    W, X, Y = make(60, 6, 3)
    if layout == "fortran":
        X, W, Y = np.asfortranarray(X), np.asfortranarray(W), np.asfortranarray(Y)
    elif layout == "strided rows":
        _, X2, Y2 = make(120, 6, 3, seed=1)
        X, Y = X2[::2], Y2[::2]
    elif layout == "strided columns":
        X = make(60, 12, 3, seed=2)[1][:, ::2]
    elif layout == "transposed view":
        X = np.ascontiguousarray(X.T).T
    with computation(path, 8):
        if layout == "list":
            value, G = loss_and_grad(W.tolist(), X.tolist(), Y.tolist())
            ref_value, ref_G = reference(W, X, Y)
            assert value == pytest.approx(ref_value, rel=1e-13)
            np.testing.assert_allclose(G, ref_G, rtol=1e-12, atol=1e-13)
        else:
            assert_matches_reference(W, X, Y, rtol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_read_only_inputs_are_not_modified(path):
    W, X, Y = make(50, 4, 2)
    copies = [a.copy() for a in (W, X, Y)]
    for a in (W, X, Y):
        a.setflags(write=False)
    with computation(path, 7):
        loss_and_grad(W, X, Y)
        grad_W(W, X, Y)
        loss(W, X, Y)
    for a, b in zip((W, X, Y), copies, strict=True):
        np.testing.assert_array_equal(a, b)


def test_block_rows_heuristic():
    small = np.empty((1000, 50))
    assert ls._block_rows(small) == 0  # fits in cache: one shot
    big = np.empty((200_000, 100))  # 153 MiB (never touched)
    rows = ls._block_rows(big)
    assert rows >= ls._MIN_BLOCK_ROWS and rows * 100 * 8 <= ls._MAX_BLOCK_BYTES
    assert abs(rows * 100 * 8 - ls.BLOCK_BYTES) <= 800  # blocks of about BLOCK_BYTES
    assert ls._block_rows(np.asfortranarray(np.empty((20, 10)))) == 0
    assert ls._block_rows(big.T) == 0  # not C-ordered: one shot
    wide = np.empty((3000, 40_000))  # 256 rows would be 78 MiB: too wide to block
    assert ls._block_rows(wide) == 0


# --- the deferred finiteness check -------------------------------------------------------------------


FUNCTIONS = [loss, grad_W, loss_and_grad]


def eager_error(W, X, Y):
    """The error the eager check (prepare_regression with check_finite=True) raises, or None."""
    try:
        validation.prepare_regression(W, X, Y, True)
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)
    return None


@pytest.mark.parametrize("fn", FUNCTIONS)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", ["W", "X", "Y"])
@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("zeros", [False, True])
def test_non_finite_input_raises_the_eager_error(fn, path, bad, which, where, zeros):
    W, X, Y = make(30, 4, 3)
    if zeros:  # the hardest case for propagation: NaN and inf meet only zeros
        W[:] = 0.0
        Y[:] = 0.0
    args = {"W": W, "X": X, "Y": Y}
    target = args[which]
    index = (0, 0) if where == "first" else (target.shape[0] - 1, target.shape[1] - 1)
    target[index] = bad
    expected = eager_error(W, X, Y)
    assert expected is not None and f"{which} contains 1 non-finite value(s)" in expected[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no RuntimeWarning leaks out of the deferred computation
        with computation(path, 4):
            with pytest.raises(ValueError) as info:
                fn(W, X, Y)
    assert str(info.value) == expected[1]


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_vector_case_non_finite(fn):
    W, X, Y = make(20, 3, None)
    X[5, 1] = np.nan
    message = r"X contains 1 non-finite value\(s\) \(NaN or inf\), the first at index \(5, 1\)"
    with pytest.raises(ValueError, match=message):
        fn(W, X, Y)


@pytest.mark.parametrize("fn", FUNCTIONS)
@pytest.mark.parametrize(
    "case",
    ["W nan, X not numeric", "X nan, Y not numeric", "X nan, shapes wrong", "Y inf, shapes wrong", "X not numeric"],
)
def test_error_precedence_is_unchanged(fn, case):
    W, X, Y = make(6, 3, 2)
    if case == "W nan, X not numeric":
        W[0, 0] = np.nan
        X = [["a"]]
    elif case == "X nan, Y not numeric":
        X[1, 1] = np.nan
        Y = "abc"
    elif case == "X nan, shapes wrong":
        X[1, 1] = np.nan
        Y = Y[:4]
    elif case == "Y inf, shapes wrong":
        Y[0, 1] = np.inf
        W = W[:2]
    else:
        X = [[1, "x"]]
    expected = eager_error(W, X, Y)
    with pytest.raises(expected[0]) as info:
        fn(W, X, Y)
    assert str(info.value) == expected[1]


@pytest.mark.parametrize("fn", FUNCTIONS)
@pytest.mark.parametrize("shape", [(5, 3, 0), (5, 0, 2)])
def test_empty_W_still_checks_every_input(fn, shape):
    N, d, k = shape
    W, X, Y = np.zeros((d, k)), np.ones((N, d)), np.ones((N, k))
    if d:
        X[2, 1] = np.nan
        name = "X"
    else:
        Y[3, 1] = np.inf
        name = "Y"
    with pytest.raises(ValueError, match=rf"{name} contains 1 non-finite value"):
        fn(W, X, Y)


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_finite_input_that_overflows_returns_like_the_plain_formula(fn):
    W, X, Y = np.full((3, 2), 1e200), np.full((4, 3), 1e200), np.zeros((4, 2))
    with pytest.warns(RuntimeWarning):  # NumPy's overflow warning, as from the plain formula
        result = fn(W, X, Y)
    value = result[0] if isinstance(result, tuple) else result
    assert not np.all(np.isfinite(value))


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_opting_out_propagates_nan(fn):
    W, X, Y = make(10, 3, 2)
    X[3, 2] = np.nan
    with np.errstate(all="ignore"):
        result = fn(W, X, Y, check_finite=False)
    value = result[0] if isinstance(result, tuple) else result
    assert not np.all(np.isfinite(value))


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_result_check_is_what_catches_non_finite_input(fn, monkeypatch):
    """With a (simulated) BLAS that swallows NaN, only the fallback to an eager check catches it."""
    W, X, Y = make(10, 3, 2)
    X[4, 0] = np.nan

    def swallowing_sums(W_, X_, Y_, want_loss, want_grad):  # a result from which the NaN vanished
        return (np.float64(1.0) if want_loss else None), (np.zeros(W_.shape) if want_grad else None)

    monkeypatch.setattr(ls, "_sums", swallowing_sums)
    ls._propagates.cache_clear()
    monkeypatch.setattr(ls, "matmul_propagates_non_finite", lambda dtype: False)
    try:
        with pytest.raises(ValueError, match="X contains 1 non-finite value"):
            fn(W, X, Y)  # checked up front
    finally:
        ls._propagates.cache_clear()


def test_the_probe_finds_propagation_in_this_blas():
    for dtype in (np.float64, np.float32, np.complex128, np.complex64):
        assert validation.matmul_propagates_non_finite(np.dtype(dtype))


def test_the_probe_rejects_a_product_that_skips_zeros(monkeypatch):
    """A stand-in for a BLAS that skips multiplications by zero: the probe must say False."""

    class SkipsZeros(np.ndarray):
        def __matmul__(self, other):
            a, b = np.asarray(self), np.asarray(other)
            a = np.where(np.isfinite(a), a, 0.0)  # what a zero-skipping kernel would effectively compute
            b = np.where(np.isfinite(b), b, 0.0)
            return a @ b

    real_zeros = np.zeros

    def zeros(*args, **kwargs):
        return real_zeros(*args, **kwargs).view(SkipsZeros)

    monkeypatch.setattr(validation.np, "zeros", zeros)
    try:
        assert not validation.matmul_propagates_non_finite.__wrapped__(np.dtype(np.float64))
    finally:
        monkeypatch.undo()
    assert validation.matmul_propagates_non_finite.__wrapped__(np.dtype(np.float64))


# --- validation helpers ------------------------------------------------------------------------------


def test_regression_arrays_ready():
    W, X, Y = make(5, 3, 2)
    assert validation.regression_arrays_ready(W, X, Y)
    assert validation.regression_arrays_ready(W.astype(np.complex128), X, Y)
    assert not validation.regression_arrays_ready(W[:, 0], X, Y[:, 0])  # vector case: general path
    assert not validation.regression_arrays_ready(W.tolist(), X, Y)
    assert not validation.regression_arrays_ready(W.astype(int), X, Y)
    assert validation.regression_arrays_ready(W.astype(np.float32), X.astype(np.float32), Y)
    for unusual in (np.float16, np.longdouble):  # left to as_numeric_array, whatever it does with them
        assert not validation.regression_arrays_ready(W, X.astype(unusual), Y)
    assert not validation.regression_arrays_ready(W, X, Y[:4])
    assert not validation.regression_arrays_ready(W[:2], X, Y)
    assert not validation.regression_arrays_ready(W, X[:0], Y[:0])

    class Subclass(np.ndarray):
        pass

    assert not validation.regression_arrays_ready(W.view(Subclass), X, Y)


def test_prepare_regression_deferred_returns_unchecked_arrays():
    W, X, Y = make(5, 3, 2)
    X[1, 1] = np.nan
    W2, X2, Y2 = validation.prepare_regression_deferred(W, X, Y)
    assert W2 is W and X2 is X and Y2 is Y
    with pytest.raises(ValueError, match="X contains 1 non-finite"):
        validation.require_finite_inputs(W2, X2, Y2)
    W3, X3, Y3 = validation.prepare_regression_deferred([[1, 2]], [[1]], [[3, 4]])
    assert W3.dtype == X3.dtype == Y3.dtype == np.float64


# --- gradient descent: the Gram path in blocks ---------------------------------------------------------


def stepwise_gram_descent(X, Y, eta, n_steps, W0=None):
    """Gram-trick descent one step at a time with the public gram_gradient and gram_loss."""
    XtX, XtY, YtY = gram_matrices(X, Y)
    N = len(X)
    W = np.zeros(XtY.shape) if W0 is None else np.array(W0, dtype=float)
    path, losses, norms = [W], [], []
    for _ in range(n_steps + 1):
        G = gram_gradient(W, XtX, XtY, N)
        losses.append(gram_loss(W, XtX, XtY, YtY, N))
        norms.append(math.sqrt(float(np.sum(G * G))))
        W = W - eta * G
        path.append(W)
    return np.array(path[:-1]), np.array(losses), np.array(norms)


@pytest.mark.parametrize("n_steps", [1, 2, 63, 64, 65, 130])
@pytest.mark.parametrize("vector", [False, True])
def test_gram_blocks_equal_stepwise_descent(n_steps, vector):
    X, _, Y = matgrad.make_regression(80, 5, 3, noise=0.5, seed=4)
    if vector:
        Y = Y[:, 0]
    eta = 0.5 / lipschitz_constant(X)  # slow convergence, so every step counts
    result = gradient_descent(X, Y, step=eta, max_iter=n_steps, tol=0.0, gram=True, keep_path=True)
    path, losses, norms = stepwise_gram_descent(X, Y, eta, n_steps)
    assert result.n_iter == n_steps and result.path.shape == path.shape
    scale = np.max(np.abs(path))
    np.testing.assert_allclose(result.path, path, rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(result.grad_norm_history, norms, rtol=1e-9, atol=1e-13 * norms[0])
    np.testing.assert_allclose(result.loss_history, losses, rtol=1e-11)
    np.testing.assert_array_equal(result.W, result.path[-1])
    assert result.W.shape == ((5,) if vector else (5, 3))


def test_gram_blocks_stop_where_stepwise_descent_stops():
    X, _, Y = matgrad.make_regression(200, 6, 2, noise=0.1, seed=5)
    for tol in (1e-3, 1e-6, 1e-10):
        plain = gradient_descent(X, Y, tol=tol)
        gram = gradient_descent(X, Y, tol=tol, gram=True)
        assert gram.converged and plain.converged
        assert gram.n_iter == plain.n_iter
        # the stopping decision is taken on a directly computed gradient
        XtX, XtY, _ = gram_matrices(X, Y)
        direct = np.linalg.norm(gram_gradient(gram.W, XtX, XtY, len(X)))
        assert gram.grad_norm_history[-1] == pytest.approx(direct, rel=1e-12)
        assert gram.grad_norm_history[-1] <= tol * max(1.0, gram.grad_norm_history[0])


def test_gram_blocks_below_the_rounding_floor():
    """With tol below what rounding allows, neither path converges: the block path must not claim it."""
    X, _, Y = matgrad.make_regression(300, 8, 2, noise=0.1, seed=8)
    plain = gradient_descent(X, Y, tol=1e-18, max_iter=400)
    gram = gradient_descent(X, Y, tol=1e-18, max_iter=400, gram=True)
    assert not plain.converged and not gram.converged
    assert plain.n_iter == gram.n_iter == 400
    g0 = gram.grad_norm_history[0]
    assert gram.grad_norm_history[-1] < 1e-12 * g0  # at the rounding floor, not below the tolerance
    XtX, XtY, _ = gram_matrices(X, Y)
    direct = np.linalg.norm(gram_gradient(gram.W, XtX, XtY, len(X)))
    assert gram.grad_norm_history[-1] == pytest.approx(direct, rel=1e-12)


def test_gram_blocks_large_d_uses_single_steps():
    X, _, Y = matgrad.make_regression(300, 70, 2, noise=0.1, seed=6)
    eta = 1 / lipschitz_constant(X)
    result = gradient_descent(X, Y, max_iter=10, tol=0.0, gram=True, keep_path=True)
    path, losses, norms = stepwise_gram_descent(X, Y, eta, 10)
    np.testing.assert_allclose(result.path, path, rtol=0, atol=1e-13 * np.max(np.abs(path)))
    np.testing.assert_allclose(result.grad_norm_history, norms, rtol=1e-10)


@pytest.mark.parametrize("factor", [2.0, 2.5, 10.0, 1e300])
def test_gram_blocks_diverge_like_the_plain_path(factor):
    X, _, Y = matgrad.make_regression(120, 4, 3, noise=0.1, seed=3)
    L = lipschitz_constant(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = gradient_descent(X, Y, step=factor / L, max_iter=3000)
        gram = gradient_descent(X, Y, step=factor / L, max_iter=3000, gram=True)
    assert (gram.diverged, gram.converged) == (plain.diverged, plain.converged)
    assert gram.n_iter == plain.n_iter
    assert gram.message.split(":")[0] == plain.message.split(":")[0]
    assert ("overflowed" in gram.message) == ("overflowed" in plain.message)
    # a gradient that is not finite is recorded as an infinite norm, never as NaN, on both paths
    for result in (plain, gram):
        assert not np.isnan(result.grad_norm_history).any()
    np.testing.assert_array_equal(np.isfinite(gram.grad_norm_history), np.isfinite(plain.grad_norm_history))


def test_gram_path_records_an_overflowing_gradient_as_infinite():
    X = np.array([[1.0, 1.0], [1.0, 1.001], [1.0, 2.0]])
    W0 = np.array([1e308, -1e308])  # X^T X W0 overflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(X, np.ones(3), W0=W0, gram=True)
    assert result.diverged and result.n_iter == 0 and "overflowed" in result.message
    assert result.grad_norm_history[0] == math.inf


def test_gram_path_reaches_the_plain_solution_on_a_tall_problem():
    X, _, Y = matgrad.make_regression(5000, 8, 2, noise=0.1, seed=7)
    plain = gradient_descent(X, Y)
    gram = gradient_descent(X, Y, gram=True)
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    assert plain.converged and gram.converged
    assert np.linalg.norm(gram.W - plain.W) <= 1e-12 * np.linalg.norm(plain.W)
    assert np.linalg.norm(gram.W - W_star) <= 1e-9 * np.linalg.norm(W_star)
    assert gram.lipschitz == pytest.approx(lipschitz_constant(X), rel=1e-12)


# --- the benchmark script --------------------------------------------------------------------------------


def test_benchmark_quick_run_writes_the_expected_json(tmp_path):
    spec = importlib.util.spec_from_file_location("gradient_speed", ROOT / "benchmarks" / "gradient_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = tmp_path / "speed.json"
    assert module.main(["--quick", "--repeats", "2", "--min-time", "0.0005", "--output", str(output)]) == 0
    data = json.loads(output.read_text())
    assert {
        "schema",
        "machine",
        "settings",
        "floors",
        "gram_step",
        "finite_differences",
        "autodiff",
        "scaling",
        "targets_met",
    } <= set(data)
    assert {"date", "cpu", "cpu_count", "numpy", "blas"} <= set(data["machine"])
    for row in data["floors"]:
        assert set(row["ratios"]) >= {"loss_and_grad / two GEMMs", "grad_W / two GEMMs", "loss / one GEMM"}
        assert all(r["min"] > 0 for r in row["ratios"].values())
        assert set(row["met"]) == {"loss_and_grad / two GEMMs", "grad_W / two GEMMs", "loss / one GEMM"}
        assert "bare NumPy loss / one GEMM" in row["ratios"]
    assert data["gram_step"]["same_solution"]["relative_difference"] < 1e-10
    assert data["finite_differences"]["entries"] == 8
    assert len(data["scaling"]["vs_N"]["seconds"]["grad_W"]) == len(data["scaling"]["vs_N"]["N"])
    assert set(data["autodiff"]) == {"torch", "jax", "autograd"}
    W, X, Y = module.problem(300, 7, 3, seed=1)  # the comparison computes the same loss
    assert module.bare_loss(W, X, Y) == pytest.approx(loss(W, X, Y), rel=1e-13, abs=0)
