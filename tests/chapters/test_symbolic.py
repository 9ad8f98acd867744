"""Tests of matgrad.chapters.symbolic: SymPy's matrix route, the entry-by-entry route, and the way back to NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import matgrad
from matgrad.chapters.symbolic import (
    compare_entrywise,
    differentiate,
    entrywise_check,
    entrywise_gradient,
    entrywise_hessian_vec,
    expanded_term_count,
    expanded_trace_loss,
    explicit_loss,
    explicit_symbol_matrices,
    formula_gradient_W,
    formula_gradient_X,
    formula_gradient_Y,
    formula_hessian_vec_W,
    frobenius_norm_squared,
    lambdify_gradient,
    matrix_symbols,
    size_symbols,
    symbolic_gradient_W,
    symbolic_gradient_X,
    symbolic_loss,
    symbolically_equal,
)

SHAPES = [(1, 1, 1), (2, 3, 1), (3, 2, 2)]


@pytest.fixture(scope="module")
def general():
    """Matrix symbols of symbolic shape (statements for every (N, d, k) at once), and N."""
    N, d, k = size_symbols()
    return matrix_symbols(N, d, k), N


@pytest.fixture(scope="module")
def numeric():
    """A random regression problem (W, X, Y) with distinct sizes N = 9, d = 3, k = 2."""
    rng = np.random.default_rng(4)
    return rng.standard_normal((3, 2)), rng.standard_normal((9, 3)), rng.standard_normal((9, 2))


# --------------------------------------------------------------------------- symbols, in the order (W, X, Y)


def test_symbols_come_in_the_order_W_X_Y_with_the_books_shapes():
    W, X, Y = matrix_symbols(4, 3, 2)
    assert (W.name, X.name, Y.name) == ("W", "X", "Y")
    assert (W.shape, X.shape, Y.shape) == ((3, 2), (4, 3), (4, 2))
    N, d, k = size_symbols()
    assert all(s.is_integer and s.is_positive for s in (N, d, k))
    assert [M.shape for M in matrix_symbols(N, d, k)] == [(d, k), (N, d), (N, k)]
    We, Xe, Ye = explicit_symbol_matrices(4, 3, 2)
    assert (We.shape, Xe.shape, Ye.shape) == ((3, 2), (4, 3), (4, 2))


def test_explicit_symbols_are_real_distinct_and_named_by_their_indices():
    W, X, Y = explicit_symbol_matrices(3, 2, 4)
    assert str(W[1, 3]) == "w_24" and str(X[0, 0]) == "x_11" and str(Y[2, 3]) == "y_34"
    entries = [*W, *X, *Y]
    assert len(set(entries)) == len(entries)
    assert all(s.is_real for s in entries)


def test_explicit_symbols_stay_distinct_with_two_digit_indices():
    _, X, _ = explicit_symbol_matrices(11, 2, 1)
    assert len(set(X)) == 22  # x_1,11 and x_11,1 would both be x_111 without a separator


# --------------------------------------------------------------------------- the matrix route


def test_sympy_gradients_are_the_books_formulas_for_every_shape(general):
    (W, X, Y), _ = general
    assert symbolic_gradient_W(W, X, Y) == formula_gradient_W(W, X, Y)
    assert symbolic_gradient_X(W, X, Y) == formula_gradient_X(W, X, Y)
    assert symbolic_loss(W, X, Y).diff(Y) == formula_gradient_Y(W, X, Y)
    assert symbolic_gradient_W(W, X, Y).shape == W.shape
    assert symbolic_gradient_X(W, X, Y).shape == X.shape


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sympy_gradients_equal_the_formulas_for_concrete_shapes(shape):
    W, X, Y = matrix_symbols(*shape)
    assert symbolically_equal(symbolic_gradient_W(W, X, Y), formula_gradient_W(W, X, Y))
    assert symbolically_equal(symbolic_gradient_X(W, X, Y), formula_gradient_X(W, X, Y))


def test_sympy_gradients_evaluate_to_matgrad_grad_W_and_grad_X(numeric):
    Wn, Xn, Yn = numeric
    W, X, Y = matrix_symbols(9, 3, 2)
    values = {W: sp.Matrix(Wn), X: sp.Matrix(Xn), Y: sp.Matrix(Yn)}
    for gradient, reference in (
        (symbolic_gradient_W(W, X, Y), matgrad.grad_W(Wn, Xn, Yn)),
        (symbolic_gradient_X(W, X, Y), matgrad.grad_X(Wn, Xn, Yn)),
    ):
        evaluated = np.array(gradient.subs(values).doit(), dtype=float)
        np.testing.assert_allclose(evaluated, reference, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("trace_loss", [symbolic_loss, expanded_trace_loss])
def test_the_trace_losses_evaluate_to_matgrad_loss(trace_loss, numeric):
    Wn, Xn, Yn = numeric
    W, X, Y = matrix_symbols(9, 3, 2)
    value = trace_loss(W, X, Y).subs({W: sp.Matrix(Wn), X: sp.Matrix(Xn), Y: sp.Matrix(Yn)}).doit()
    assert float(value) == pytest.approx(matgrad.loss(Wn, Xn, Yn), rel=1e-12)


def test_sympy_differentiates_a_sum_of_traces_to_zero(general):
    """The SymPy 1.14 defect the chapter works around (issues 26561, 26585): if an upgrade fixes it, this
    test fails and the chapter's text needs updating."""
    (W, X, Y), _ = general
    expanded = expanded_trace_loss(W, X, Y)
    assert isinstance(expanded, sp.Add) and len(expanded.args) == 4
    assert isinstance(expanded.diff(W), sp.ZeroMatrix)


def test_differentiate_applies_linearity_where_diff_returns_zero(general):
    (W, X, Y), N = general
    assert symbolically_equal(differentiate(expanded_trace_loss(W, X, Y), W), formula_gradient_W(W, X, Y))
    lam = sp.Symbol("lambda", positive=True)
    ridge = symbolic_loss(W, X, Y) + lam * sp.Trace(W.T * W)
    assert ridge.diff(W) == sp.ZeroMatrix(*W.shape)
    assert symbolically_equal(differentiate(ridge, W), formula_gradient_W(W, X, Y) + 2 * lam * W)


def test_differentiate_gives_a_zero_matrix_for_a_term_without_the_variable(general):
    (W, X, Y), N = general
    assert differentiate(sp.Trace(Y.T * Y) / N, W) == sp.ZeroMatrix(*W.shape)


def test_symbolically_equal_sees_through_different_expression_trees():
    W, X, Y = matrix_symbols(3, 2, 2)
    G = symbolic_gradient_W(W, X, Y)
    same_value = sp.Rational(2, 3) * X.T * (X * W - Y)
    assert G != same_value
    assert symbolically_equal(G, same_value)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda W, X, Y, N: (1 / N) * X.T * (X * W - Y),  # factor 2 dropped
        lambda W, X, Y, N: (2 / N) * X.T * (X * W + Y),  # sign of Y
        lambda W, X, Y, N: (2 / N) * X.T * X * W,  # Y forgotten
    ],
)
def test_symbolically_equal_rejects_wrong_formulas(wrong, general):
    W, X, Y = matrix_symbols(3, 2, 2)
    assert not symbolically_equal(symbolic_gradient_W(W, X, Y), wrong(W, X, Y, sp.Integer(3)))
    (W, X, Y), N = general
    assert not symbolically_equal(symbolic_gradient_W(W, X, Y), wrong(W, X, Y, N))


def test_symbolically_equal_rejects_different_shapes():
    W, X, _ = matrix_symbols(3, 2, 2)
    assert not symbolically_equal(X, W)


def test_matrix_by_matrix_derivatives_are_four_index_arrays(general):
    (W, X, Y), _ = general
    (d, k), N = W.shape, X.shape[0]
    assert (X * W - Y).diff(W).shape == (d, k, N, k)
    assert symbolic_gradient_W(W, X, Y).diff(W).shape == (d, k, d, k)


# --------------------------------------------------------------------------- the entry route


def test_frobenius_norm_squared_is_the_sum_of_squares():
    assert frobenius_norm_squared(sp.Matrix([[1, 2], [3, 4]])) == 30
    a, b = sp.symbols("a b")  # not declared real: still a polynomial
    assert frobenius_norm_squared(sp.Matrix([a, b])) == a**2 + b**2


def test_explicit_loss_evaluates_exactly_to_matgrad_loss():
    rng = np.random.default_rng(0)
    W, X, Y = explicit_symbol_matrices(4, 3, 2)
    values = {M: rng.integers(-5, 6, size=M.shape) for M in (W, X, Y)}
    subs = {s: int(v) for M, arr in values.items() for s, v in zip(M, arr.ravel(), strict=True)}
    exact = explicit_loss(W, X, Y).subs(subs)
    assert isinstance(exact, sp.Rational)
    assert float(exact) == pytest.approx(matgrad.loss(values[W], values[X], values[Y]), rel=1e-14)


def test_entrywise_gradient_differentiates_by_each_entry():
    x, y = sp.symbols("x y")
    assert entrywise_gradient(x**2 * y, sp.Matrix([[x, y]])) == sp.Matrix([[2 * x * y, x**2]])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("wrt", ["W", "X", "Y"])
def test_entrywise_derivative_agrees_with_the_formula(shape, wrt):
    assert "agree" in entrywise_check(*shape, wrt=wrt)


def test_entrywise_verdict_counts_the_entries_and_names_the_shape():
    assert entrywise_check(3, 2, 2) == "(3, 2, 2): all 4 entries agree"
    assert entrywise_check(2, 3, 1, wrt="X") == "(2, 3, 1): all 6 entries agree"
    assert "only entry agrees" in entrywise_check(1, 1, 1)


def test_entrywise_route_evaluates_to_matgrad_gradients():
    rng = np.random.default_rng(5)
    W, X, Y = explicit_symbol_matrices(3, 2, 2)
    values = [rng.standard_normal(M.shape) for M in (W, X, Y)]
    subs = {s: v for M, arr in zip((W, X, Y), values, strict=True) for s, v in zip(M, arr.ravel(), strict=True)}
    loss = explicit_loss(W, X, Y)
    for variable, reference in ((W, matgrad.grad_W), (X, matgrad.grad_X), (Y, matgrad.grad_Y)):
        derived = np.array(entrywise_gradient(loss, variable).subs(subs), dtype=float)
        np.testing.assert_allclose(derived, reference(*values), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda W, X, Y: 2 * X.T * (X * W - Y),  # 1/N forgotten
        lambda W, X, Y: sp.Rational(2, X.rows) * X.T * X * W,  # Y forgotten
        lambda W, X, Y: sp.Rational(1, X.rows) * X.T * (X * W - Y),  # factor 2 forgotten
    ],
)
def test_entrywise_check_rejects_a_wrong_formula(wrong):
    verdict = entrywise_check(3, 2, 2, formula=wrong)
    assert verdict.startswith("(3, 2, 2): ") and "differ" in verdict


def test_entrywise_check_finds_a_single_wrong_entry():
    def almost(W, X, Y):
        G = sp.Matrix(formula_gradient_W(W, X, Y))
        G[1, 0] += W[0, 0]
        return G

    assert entrywise_check(4, 3, 2, formula=almost) == "(4, 3, 2): 1 of 6 entries differ, the first at index (1, 0)"


def test_entrywise_check_reports_a_transposed_shape():
    verdict = entrywise_check(3, 3, 2, formula=lambda W, X, Y: sp.Rational(2, 3) * (X * W - Y).T * X)
    assert "wrong shape" in verdict and "(2, 3)" in verdict


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 1), (2, 1, 3)], ids=str)
def test_expanded_loss_has_N_k_d_plus_1_d_plus_2_over_2_terms(shape):
    N, d, k = shape
    assert expanded_term_count(N, d, k) == N * k * (d + 1) * (d + 2) // 2


@pytest.mark.parametrize("shape", [(2, 3, 1), (3, 2, 2)], ids=str)
def test_hessian_on_column_major_vec_W_is_I_k_kron_gram(shape):
    N, d, k = shape
    W, X, Y = explicit_symbol_matrices(N, d, k)
    H = entrywise_hessian_vec(explicit_loss(W, X, Y), W)
    assert H.shape == (d * k, d * k)
    assert "agree" in compare_entrywise(H, formula_hessian_vec_W(X, k))
    row_major = sp.Rational(2, N) * sp.kronecker_product(X.T * X, sp.eye(k))
    assert k == 1 or "differ" in compare_entrywise(H, row_major)


def test_symbolic_hessian_evaluates_to_matgrad_hessian_W():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((3, 2))
    expected = matgrad.chapters.hessian.hessian_W(X, 2)
    np.testing.assert_allclose(np.array(formula_hessian_vec_W(sp.Matrix(X), 2), dtype=float), expected, rtol=1e-12)


# --------------------------------------------------------------------------- back to numbers


def test_lambdified_gradients_equal_matgrad_and_pass_the_check(general, numeric):
    (W, X, Y), _ = general
    Wn, Xn, Yn = numeric
    gW = lambdify_gradient(symbolic_gradient_W(W, X, Y), W, X, Y)
    gX = lambdify_gradient(symbolic_gradient_X(W, X, Y), W, X, Y)
    np.testing.assert_allclose(gW(Wn, Xn, Yn), matgrad.grad_W(Wn, Xn, Yn), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gX(Wn, Xn, Yn), matgrad.grad_X(Wn, Xn, Yn), rtol=1e-12, atol=1e-14)
    assert matgrad.check_gradient(matgrad.loss, gW, Wn, args=(Xn, Yn)).ok


def test_a_lambdified_wrong_gradient_fails_the_check(general, numeric):
    (W, X, Y), N = general
    Wn, Xn, Yn = numeric
    wrong = lambdify_gradient((1 / N) * X.T * (X * W - Y), W, X, Y)
    assert not matgrad.check_gradient(matgrad.loss, wrong, Wn, args=(Xn, Yn)).ok


def test_lambdified_gradient_of_a_concrete_shape_needs_arrays_of_that_shape(numeric):
    Wn, Xn, Yn = numeric
    W, X, Y = matrix_symbols(9, 3, 2)
    g = lambdify_gradient(symbolic_gradient_W(W, X, Y), W, X, Y)
    np.testing.assert_allclose(g(Wn, Xn, Yn), matgrad.grad_W(Wn, Xn, Yn), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="N = 9"):
        g(Wn, Xn[:5], Yn[:5])


def test_lambdified_gradient_names_the_shapes_that_do_not_fit(general, numeric):
    (W, X, Y), _ = general
    Wn, Xn, _ = numeric
    g = lambdify_gradient(symbolic_gradient_W(W, X, Y), W, X, Y)
    with pytest.raises(ValueError, match=r"\(9, 3\)"):
        g(Wn, Xn, np.zeros((9, 3)))
