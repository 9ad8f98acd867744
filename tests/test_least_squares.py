"""Tests of matgrad.least_squares: the data, the loss, its gradients and the Frobenius helpers.

Every value is compared with an independent computation (explicit loops, ``np.einsum``, finite differences or the
complex step) at random points of small random problems.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import regression_problems

import matgrad
from matgrad import (
    directional_derivative,
    frobenius_inner,
    grad_W,
    grad_X,
    grad_Y,
    loss,
    loss_and_grad,
    make_regression,
    relative_difference,
    residual,
)

WXY_FUNCTIONS = [residual, loss, grad_W, grad_X, grad_Y, loss_and_grad]
DEFERRED = [loss, grad_W, loss_and_grad]  # the functions that check finiteness on their result


def random_problem(N=9, d=4, k=3, seed=0, vector=False):
    """A random point W and random data X, Y (W and Y vectors when ``vector``)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    W = rng.standard_normal((d,) if vector else (d, k))
    Y = rng.standard_normal((N,) if vector else (N, k))
    return W, X, Y


def loss_by_loops(W, X, Y):
    """The loss as the book's triple sum (1/N) sum_i sum_j (sum_m X_im W_mj - Y_ij)^2, with explicit loops."""
    W2, Y2 = W.reshape(W.shape[0], -1), Y.reshape(Y.shape[0], -1)
    N, d = X.shape
    total = 0.0
    for i in range(N):
        for j in range(W2.shape[1]):
            r = sum(X[i, m] * W2[m, j] for m in range(d)) - Y2[i, j]
            total += r * r
    return total / N


def gradients_by_einsum(W, X, Y):
    """The three gradients written index by index with np.einsum (matrix case)."""
    N = X.shape[0]
    R = np.einsum("im,mj->ij", X, W) - Y
    return {
        "W": 2 / N * np.einsum("im,ij->mj", X, R),
        "X": 2 / N * np.einsum("ij,mj->im", R, W),
        "Y": -2 / N * R,
    }


def nonfinite_parts(result):
    """Whether any number in a result (a scalar, an array or a tuple of them) is NaN or infinite."""
    parts = result if isinstance(result, tuple) else (result,)
    return not all(np.isfinite(p).all() for p in parts)


# --- make_regression -------------------------------------------------------------------------------------------


def test_make_regression_returns_data_weights_and_targets_of_the_given_shapes():
    X, W_true, Y = make_regression(8, 3, 2, seed=5)
    assert (X.shape, W_true.shape, Y.shape) == ((8, 3), (3, 2), (8, 2))
    assert X.dtype == W_true.dtype == Y.dtype == np.float64


def test_make_regression_is_reproducible_from_its_seed():
    first, again, other = make_regression(8, 3, 2, seed=5), make_regression(8, 3, 2, seed=5), make_regression(8, 3, 2)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_make_regression_draws_X_then_W_true_then_the_noise_from_default_rng():
    """The recipe the book's stored outputs depend on: one generator, drawn in this order."""
    X, W_true, Y = make_regression(6, 3, 2, noise=0.25, seed=11)
    rng = np.random.default_rng(11)
    X_ref, W_ref = rng.standard_normal((6, 3)), rng.standard_normal((3, 2))
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(W_true, W_ref)
    np.testing.assert_array_equal(Y, X_ref @ W_ref + 0.25 * rng.standard_normal((6, 2)))


def test_make_regression_noise_is_the_standard_deviation_of_the_residual_of_the_truth():
    X, W_true, Y = make_regression(20000, 2, 1, noise=0.5, seed=0)
    assert np.std(Y - X @ W_true) == pytest.approx(0.5, rel=0.03)
    X, W_true, Y = make_regression(5, 2, 1, noise=0.0)
    np.testing.assert_allclose(Y, X @ W_true, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "name"),
    [
        ((0, 2, 1), {}, ValueError, "N"),
        ((3, 0, 1), {}, ValueError, "d"),
        ((3, 2, -1), {}, ValueError, "k"),
        ((3.5, 2, 1), {}, TypeError, "N"),
        ((3, True, 1), {}, TypeError, "d"),
        ((3, 2, 1), {"noise": -0.1}, ValueError, "noise"),
        ((3, 2, 1), {"noise": float("nan")}, ValueError, "noise"),
        ((3, 2, 1), {"noise": "0.1"}, TypeError, "noise"),
    ],
)
def test_make_regression_rejects_bad_sizes_and_noise_naming_them(args, kwargs, error, name):
    with pytest.raises(error, match=name):
        make_regression(*args, **kwargs)


def test_make_regression_without_a_seed_draws_from_seed_zero():
    for a, b in zip(make_regression(6, 3, 2), make_regression(6, 3, 2, seed=0), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "name"),
    [
        ((0, 2, 1), {}, ValueError, "N"),
        ((3, 0, 1), {}, ValueError, "d"),
        ((3, 2, 0), {}, ValueError, "k"),
        ((3, 2, 1), {"noise": -0.5}, ValueError, "noise"),
    ],
)
def test_make_regression_errors_begin_with_the_name_of_the_bad_argument(args, kwargs, error, name):
    with pytest.raises(error, match=rf"^{name} must be"):
        make_regression(*args, **kwargs)


# --- values of the loss and the gradients ----------------------------------------------------------------------


def test_a_small_problem_worked_by_hand():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    W = np.array([[1.0], [1.0]])
    Y = np.array([[0.0], [1.0]])
    # R = XW - Y = (1, 1)^T: L = (1 + 1) / 2, grad_W = X^T R = (1, 2)^T, grad_X = R W^T, grad_Y = -R
    np.testing.assert_array_equal(residual(W, X, Y), [[1.0], [1.0]])
    assert loss(W, X, Y) == 1.0
    np.testing.assert_allclose(grad_W(W, X, Y), [[1.0], [2.0]])
    np.testing.assert_allclose(grad_X(W, X, Y), [[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(grad_Y(W, X, Y), [[-1.0], [-1.0]])


def test_loss_of_a_perfect_fit_is_zero():
    W, X, _ = random_problem()
    assert loss(W, X, X @ W) == pytest.approx(0.0, abs=1e-28)


@given(regression_problems())
def test_loss_equals_the_triple_sum_written_with_loops(problem):
    W, X, Y = problem
    assert loss(W, X, Y) == pytest.approx(loss_by_loops(W, X, Y), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_gradients_equal_their_index_formulas(seed):
    W, X, Y = random_problem(N=11, d=4, k=3, seed=seed)
    expected = gradients_by_einsum(W, X, Y)
    np.testing.assert_allclose(grad_W(W, X, Y), expected["W"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad_X(W, X, Y), expected["X"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad_Y(W, X, Y), expected["Y"], rtol=1e-12, atol=1e-14)


@given(regression_problems())
def test_every_function_has_the_shape_and_value_of_its_formula(problem):
    W, X, Y = problem
    N = X.shape[0]
    R = X @ W - Y
    gW, gX, gY = grad_W(W, X, Y), grad_X(W, X, Y), grad_Y(W, X, Y)
    assert (gW.shape, gX.shape, gY.shape) == (W.shape, X.shape, Y.shape)
    np.testing.assert_allclose(residual(W, X, Y), R)
    np.testing.assert_allclose(gW, 2 / N * X.T @ R, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(gX, 2 / N * (np.outer(R, W) if W.ndim == 1 else R @ W.T), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(gY, -2 / N * R, rtol=1e-12, atol=1e-9)


@given(regression_problems())
def test_loss_and_grad_equals_the_two_separate_calls(problem):
    W, X, Y = problem
    value, G = loss_and_grad(W, X, Y)
    assert value == pytest.approx(loss(W, X, Y), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(G, grad_W(W, X, Y), rtol=1e-12, atol=1e-12)


def test_gradient_vanishes_at_the_least_squares_solution():
    _, X, Y = random_problem(N=20, d=4, k=2, seed=3)
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    assert np.max(np.abs(grad_W(W_star, X, Y))) < 1e-13


def test_loss_is_a_python_float_that_prints_plainly():
    value = loss(*random_problem())
    assert type(value) is float
    assert repr(value) == repr(float(value))  # no np.float64(...) in a printed output


# --- the gradients against finite differences and the checker --------------------------------------------------


@pytest.mark.parametrize("vector", [False, True], ids=["matrix", "vector"])
def test_grad_W_passes_the_gradient_checker(vector):
    W, X, Y = random_problem(seed=4, vector=vector)
    check = matgrad.check_gradient(loss, grad_W, W, args=(X, Y))
    assert check.ok, str(check)


def test_grad_X_and_grad_Y_pass_the_gradient_checker():
    W, X, Y = random_problem(seed=5)
    assert matgrad.check_gradient(lambda x: loss(W, x, Y), lambda x: grad_X(W, x, Y), X)
    assert matgrad.check_gradient(lambda y: loss(W, X, y), lambda y: grad_Y(W, X, y), Y)


def test_a_wrong_gradient_is_rejected_by_the_checker():
    W, X, Y = random_problem(seed=6)
    assert not matgrad.check_gradient(loss, lambda *a: grad_W(*a) / 2, W, args=(X, Y))


@given(regression_problems())
def test_gradients_agree_with_central_differences(problem):
    W, X, Y = (a / max(1.0, np.max(np.abs(a))) for a in problem)  # unit size, so that one step suits all
    h = 1e-6
    for grad, which in ((grad_W, 0), (grad_X, 1), (grad_Y, 2)):
        args = [W, X, Y]
        point = args[which]
        numeric = np.zeros_like(point)
        for idx in np.ndindex(point.shape):
            E = np.zeros_like(point)
            E[idx] = h
            plus, minus = list(args), list(args)
            plus[which], minus[which] = point + E, point - E
            numeric[idx] = (loss(*plus) - loss(*minus)) / (2 * h)
        np.testing.assert_allclose(grad(W, X, Y), numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("vector", [False, True], ids=["matrix", "vector"])
def test_the_complex_step_of_the_loss_gives_grad_W(vector):
    """Im L(W + i h E_ab) / h = dL/dw_ab to rounding: the loss is a plain sum of squares, without conjugation."""
    W, X, Y = random_problem(seed=7, vector=vector)
    h = 1e-20
    step = np.zeros(W.shape, dtype=complex)
    by_complex_step = np.zeros(W.shape)
    for idx in np.ndindex(W.shape):
        step[idx] = 1j * h
        value = loss(W + step, X, Y)
        assert isinstance(value, complex)
        by_complex_step[idx] = value.imag / h
        step[idx] = 0
    np.testing.assert_allclose(by_complex_step, grad_W(W, X, Y), rtol=1e-13, atol=1e-15)


def test_complex_input_gives_the_complex_value_of_the_formula():
    W, X, Y = random_problem(seed=8)
    Wc, Yc = W + 0.3j * W[::-1], Y - 0.2j
    R = X @ Wc - Yc
    value, G = loss_and_grad(Wc, X, Yc)
    assert value == pytest.approx(np.sum(R * R) / X.shape[0], rel=1e-13)
    np.testing.assert_allclose(G, 2 / X.shape[0] * X.T @ R, rtol=1e-13)


# --- shapes, dtypes and memory layouts --------------------------------------------------------------------------


def test_the_vector_case_equals_the_single_column_case():
    w, X, y = random_problem(seed=9, vector=True)
    W, Y = w[:, None], y[:, None]
    assert loss(w, X, y) == pytest.approx(loss(W, X, Y), rel=1e-14)
    assert grad_W(w, X, y).shape == w.shape and residual(w, X, y).shape == y.shape
    np.testing.assert_allclose(grad_W(w, X, y), grad_W(W, X, Y)[:, 0], rtol=1e-14)
    np.testing.assert_allclose(grad_X(w, X, y), grad_X(W, X, Y), rtol=1e-14)
    np.testing.assert_allclose(grad_Y(w, X, y), grad_Y(W, X, Y)[:, 0], rtol=1e-14)
    value, G = loss_and_grad(w, X, y)
    assert G.shape == w.shape and value == pytest.approx(loss(w, X, y), rel=1e-14)


@pytest.mark.parametrize("fn", WXY_FUNCTIONS, ids=lambda f: f.__name__)
def test_float32_input_is_computed_in_float32(fn):
    W, X, Y = random_problem(seed=10)
    result32 = fn(*(a.astype(np.float32) for a in (W, X, Y)))
    result64 = fn(W, X, Y)
    for part32, part64 in zip(*((r if isinstance(r, tuple) else (r,)) for r in (result32, result64)), strict=True):
        if isinstance(part32, np.ndarray):
            assert part32.dtype == np.float32
        np.testing.assert_allclose(part32, part64, rtol=1e-5, atol=1e-6)


def test_the_float32_loss_carries_float32_rounding():
    W, X, Y = random_problem(N=50, seed=11)
    W32, X32, Y32 = (a.astype(np.float32) for a in (W, X, Y))
    R32 = X32 @ W32 - Y32
    exact = loss(*(a.astype(np.float64) for a in (W32, X32, Y32)))
    assert loss(W32, X32, Y32) == pytest.approx(float(np.sum(R32 * R32) / 50), rel=1e-5)
    assert abs(loss(W32, X32, Y32) - exact) > 1e-12 * exact  # float64 arithmetic would agree to about 1e-16


def test_integer_and_list_input_is_computed_in_float64():
    X = np.array([[1, 2], [3, 4], [5, 6]])
    W = np.array([[1], [0]])
    Y = np.array([[1], [2], [3]])
    G = grad_W(W, X, Y)
    assert G.dtype == np.float64
    np.testing.assert_allclose(G, 2 / 3 * X.T @ (X @ W - Y))
    assert loss(W.tolist(), X.tolist(), Y.tolist()) == loss(W, X, Y) == pytest.approx(5 / 3, rel=1e-15)  # R = (0, 1, 2)


@pytest.mark.parametrize("vector", [False, True], ids=["matrix", "vector"])
@pytest.mark.parametrize("y_dtype", [np.float64, np.complex128])
def test_targets_of_a_wider_type_than_the_data_keep_their_digits(vector, y_dtype):
    """float32 X and W with float64 (or complex) Y: the residual is formed in Y's type, not rounded to float32."""
    rng = np.random.default_rng(12)
    X = rng.integers(-3, 4, size=(6, 3)).astype(np.float32)  # small integers: X W is exact in float32
    W = rng.integers(-3, 4, size=(3,) if vector else (3, 2)).astype(np.float32)
    Y = rng.integers(-3, 4, size=(6,) if vector else (6, 2)) + (0.1 if y_dtype == np.float64 else 0.1j)
    R = X.astype(np.float64) @ W.astype(np.float64) - Y  # 0.1 is not a float32 number
    np.testing.assert_allclose(residual(W, X, Y), R, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(loss(W, X, Y), np.sum(R * R) / 6, rtol=1e-14)
    np.testing.assert_allclose(grad_W(W, X, Y), 2 / 6 * X.T.astype(np.float64) @ R, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(loss_and_grad(W, X, Y)[0], np.sum(R * R) / 6, rtol=1e-14)


@pytest.mark.parametrize("k", [1, 3])
def test_real_data_with_complex_targets_gives_complex_results(k):
    W, X, Y = random_problem(seed=13, k=k)
    Y = Y + 0.5j
    R = X @ W - Y
    assert np.iscomplexobj(residual(W, X, Y)) and np.iscomplexobj(grad_X(W, X, Y))
    value, G = loss_and_grad(W, X, Y)
    assert isinstance(value, complex) and isinstance(loss(W, X, Y, check_finite=False), complex)
    assert value == pytest.approx(np.sum(R * R) / X.shape[0], rel=1e-13)
    np.testing.assert_allclose(G, 2 / X.shape[0] * X.T @ R, rtol=1e-13)


@pytest.mark.parametrize("layout", ["fortran", "strided", "transposed view"])
def test_memory_layout_of_the_inputs_does_not_change_the_values(layout):
    W, X, Y = random_problem(N=12, seed=14)
    if layout == "fortran":
        arrays = (np.asfortranarray(W), np.asfortranarray(X), np.asfortranarray(Y))
    elif layout == "strided":
        arrays = (np.repeat(W, 2, axis=0)[::2], np.repeat(X, 2, axis=1)[:, ::2], np.repeat(Y, 2, axis=0)[::2])
    else:
        arrays = (W.T.copy().T, X.T.copy().T, Y.T.copy().T)
    value, G = loss_and_grad(*arrays)
    assert value == pytest.approx(loss(W, X, Y), rel=1e-13)
    np.testing.assert_allclose(G, grad_W(W, X, Y), rtol=1e-13)
    np.testing.assert_allclose(grad_X(*arrays), grad_X(W, X, Y), rtol=1e-13)


def test_inputs_are_never_modified_and_may_be_read_only():
    problem = random_problem(seed=15)
    W, X, Y = (a.copy() for a in problem)
    for a in (W, X, Y):
        a.setflags(write=False)
    for fn in WXY_FUNCTIONS:
        fn(W, X, Y)
    for a, b in zip((W, X, Y), problem, strict=True):
        np.testing.assert_array_equal(a, b)


def test_object_arrays_of_numbers_are_accepted():
    W, X, Y = random_problem(seed=16)
    assert loss(W.astype(object), X, Y) == pytest.approx(loss(W, X, Y), rel=1e-15)


# --- errors -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", WXY_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("shapes", "named"),
    [
        (((4, 2), (5, 3), (5, 2)), ["(4, 2)", "(5, 3)"]),  # X has d = 3 columns, W has 4 rows
        (((3, 2), (5, 3), (4, 2)), ["(4, 2)", "(5, 2)"]),  # Y has the wrong number of rows
        (((3, 2), (5, 3), (5, 3)), ["(5, 3)", "(5, 2)"]),  # ... or of columns
        (((3,), (5, 3), (5, 1)), ["(5, 1)", "(5,)"]),  # a vector W needs a vector Y
        (((3, 2), (5,), (5, 2)), ["(5,)"]),  # X must be a matrix
        (((3, 2, 1), (5, 3), (5, 2)), ["(3, 2, 1)"]),  # W must be a matrix or a vector
    ],
)
def test_shapes_that_do_not_fit_are_a_value_error_naming_them(fn, shapes, named):
    W, X, Y = (np.ones(s) for s in shapes)
    with pytest.raises(ValueError, match="shape") as info:
        fn(W, X, Y)
    for shape in named:
        assert shape in str(info.value)


@pytest.mark.parametrize("fn", WXY_FUNCTIONS, ids=lambda f: f.__name__)
def test_no_rows_is_a_value_error(fn):
    with pytest.raises(ValueError, match="N = 0"):
        fn(np.ones((3, 2)), np.ones((0, 3)), np.ones((0, 2)))


@pytest.mark.parametrize("fn", WXY_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", [0, 1, 2], ids=["W", "X", "Y"])
def test_non_finite_input_is_a_value_error_naming_the_input_unless_check_finite_is_false(fn, bad, which):
    args = list(random_problem(seed=17))
    args[which][1, 0] = bad
    name = "WXY"[which]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning comes before the error
        with pytest.raises(ValueError, match=rf"{name} .*non-finite"):
            fn(*args)
    with np.errstate(all="ignore"):
        assert nonfinite_parts(fn(*args, check_finite=False))  # opting out: NaN or inf in, NaN or inf out


@pytest.mark.parametrize("fn", DEFERRED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_data_is_caught_even_against_zero_weights(fn, bad):
    """0 * nan and 0 * inf are NaN: the check on the result also catches X against W = 0 (matrix and vector)."""
    for W, X, Y in (random_problem(seed=18), random_problem(seed=18, vector=True)):
        X[4, 2] = bad
        with pytest.raises(ValueError, match="X .*non-finite"):
            fn(np.zeros_like(W), X, Y)


@pytest.mark.parametrize("fn", DEFERRED, ids=lambda f: f.__name__)
def test_an_empty_product_still_has_its_inputs_checked(fn):
    """d = 0 (X has no columns) or k = 0 (no outputs): nothing propagates through X @ W, yet NaN is caught."""
    with pytest.raises(ValueError, match="Y .*non-finite"):
        fn(np.zeros((0, 2)), np.ones((3, 0)), np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="X .*non-finite"):
        fn(np.zeros((2, 0)), np.full((3, 2), np.nan), np.zeros((3, 0)))


@pytest.mark.skipif(int(np.__version__.split(".")[0]) < 2, reason="NumPy 1.x reports no overflow in a dot product")
@pytest.mark.parametrize("check_finite", [True, False])
def test_finite_input_whose_loss_overflows_gives_inf_with_numpys_warning(check_finite):
    X, W, Y = np.array([[1e160]]), np.array([[1.0]]), np.array([[0.0]])  # R = 1e160 is finite, R^2 is not
    with pytest.warns(RuntimeWarning, match="overflow"):
        value = loss(W, X, Y, check_finite=check_finite)
    assert value == np.inf


@pytest.mark.parametrize("check_finite", [True, False])
def test_a_representable_loss_comes_without_a_warning(check_finite):
    """X = 1e300, W = 1e-290: the loss (1e20) is finite; only the gradient, not asked for, would overflow."""
    X, W, Y = np.array([[1e300]]), np.array([[1e-290]]), np.array([[0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loss(W, X, Y, check_finite=check_finite) == pytest.approx(1e20, rel=1e-13)


@pytest.mark.parametrize("check_finite", [True, False])
def test_a_representable_gradient_comes_without_a_warning(check_finite):
    """X = 1, W = 1e160: the gradient (2e160) is finite; only the loss, not asked for, would overflow."""
    X, W, Y = np.array([[1.0]]), np.array([[1e160]]), np.array([[0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(grad_W(W, X, Y, check_finite=check_finite), 2 * W, rtol=1e-15)


@pytest.mark.parametrize("fn", WXY_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", ["abc", None, {"a": 1}, [["1", "2"]], [[1, 2], [3]]], ids=repr)
@pytest.mark.parametrize("which", [0, 1, 2], ids=["W", "X", "Y"])
def test_non_numeric_input_is_a_type_error_naming_the_input(fn, bad, which):
    args = list(random_problem(seed=19))
    args[which] = bad
    with pytest.raises(TypeError, match=rf"{'WXY'[which]} must be .*numeric"):
        fn(*args)


# --- the Frobenius inner product and the relative difference ---------------------------------------------------


def test_frobenius_inner_is_the_trace_of_A_transpose_B():
    A, B = np.random.default_rng(20).standard_normal((2, 4, 3))
    assert frobenius_inner(A, B) == pytest.approx(np.trace(A.T @ B), rel=1e-14)
    assert frobenius_inner(A, B) == pytest.approx(np.einsum("ij,ij->", A, B), rel=1e-14)
    assert frobenius_inner(A, A) == pytest.approx(np.linalg.norm(A) ** 2, rel=1e-14)


@given(st.integers(0, 2**32 - 1))
def test_frobenius_inner_is_symmetric_and_bilinear(seed):
    rng = np.random.default_rng(seed)
    A, B, C = rng.standard_normal((3, 3, 2))
    a, b = rng.standard_normal(2)
    assert frobenius_inner(A, B) == frobenius_inner(B, A)
    assert frobenius_inner(a * A + b * C, B) == pytest.approx(
        a * frobenius_inner(A, B) + b * frobenius_inner(C, B), rel=1e-12, abs=1e-12
    )


def test_frobenius_inner_does_not_conjugate():
    assert frobenius_inner([1j], [1j]) == -1
    assert frobenius_inner([[1, 2], [3, 4]], [[1, 0], [0, 1]]) == 5.0


def test_directional_derivative_is_the_rate_of_change_of_the_loss_along_D():
    W, X, Y = random_problem(seed=21)
    D = np.random.default_rng(22).standard_normal(W.shape)
    t = 1e-4  # the loss is quadratic in t, so the central difference is exact up to rounding
    rate = (loss(W + t * D, X, Y) - loss(W - t * D, X, Y)) / (2 * t)
    assert directional_derivative(grad_W(W, X, Y), D) == pytest.approx(rate, rel=1e-8)
    assert directional_derivative(grad_W(W, X, Y), D) == frobenius_inner(grad_W(W, X, Y), D)


def test_relative_difference_of_equal_arrays_is_zero_and_of_a_and_two_a_is_one_half():
    a = np.array([[1.0, 2.0], [2.0, -4.0]])
    assert relative_difference(a, a) == 0.0
    assert relative_difference(a, 2 * a) == pytest.approx(0.5, rel=1e-15)
    assert relative_difference(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_difference([1.0, 0.0], [0.0, 0.0]) == 1.0
    assert relative_difference(a, -a) == pytest.approx(2.0, rel=1e-15)


@given(st.integers(0, 2**32 - 1), st.floats(1e-6, 1e6))
def test_relative_difference_is_symmetric_and_does_not_depend_on_units(seed, scale):
    A, B = np.random.default_rng(seed).standard_normal((2, 3, 2))
    expected = np.sqrt(np.sum((A - B) ** 2)) / max(np.sqrt(np.sum(A**2)), np.sqrt(np.sum(B**2)))
    assert relative_difference(A, B) == pytest.approx(expected, rel=1e-13)
    assert relative_difference(B, A) == relative_difference(A, B)
    assert relative_difference(scale * A, scale * B) == pytest.approx(relative_difference(A, B), rel=1e-12)
    assert 0.0 <= relative_difference(A, B) <= 2.0


def test_relative_difference_of_scalars_and_complex_arrays():
    assert relative_difference(3.0, 4.0) == pytest.approx(0.25)
    assert relative_difference([1j, 0], [0, 1j]) == pytest.approx(np.sqrt(2))


@pytest.mark.parametrize("fn", [frobenius_inner, directional_derivative, relative_difference], ids=lambda f: f.__name__)
def test_arrays_of_different_shapes_are_a_value_error_naming_them(fn):
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        fn(np.ones(2), np.ones(3))


@pytest.mark.parametrize("fn", [frobenius_inner, directional_derivative, relative_difference], ids=lambda f: f.__name__)
def test_the_frobenius_helpers_reject_non_finite_and_non_numeric_input(fn):
    with pytest.raises(ValueError, match="non-finite"):
        fn([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(TypeError, match="numeric"):
        fn(["a", "b"], [1.0, 2.0])


@pytest.mark.parametrize(
    ("fn", "first", "second"),
    [(frobenius_inner, "A", "B"), (directional_derivative, "G", "D"), (relative_difference, "A", "B")],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_a_shape_mismatch_names_each_argument_with_its_shape(fn, first, second):
    rng = np.random.default_rng(3)
    with pytest.raises(ValueError, match=rf"^{first} has shape \(2, 3\) but {second} has shape \(3, 2\)"):
        fn(rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))
