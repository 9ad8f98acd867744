"""Tests of matgrad.chapters.symbolic: SymPy's matrix route, the entry-by-entry route, and the way back to NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import matgrad
from matgrad.chapters.symbolic import (
    EntrywiseComparison,
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
    verify_entrywise,
)

SHAPES = [(1, 1, 1), (2, 3, 1), (3, 2, 2), (4, 3, 2)]


@pytest.fixture(scope="module")
def general():
    """Matrix symbols of symbolic shape: statements for every (N, d, k) at once."""
    N, d, k = size_symbols()
    return N, matrix_symbols(N, d, k)


# --------------------------------------------------------------------------- sizes and input checks


def test_size_symbols_are_positive_integers():
    for s in size_symbols():
        assert s.is_integer and s.is_positive


def test_matrix_symbols_shapes_concrete_and_symbolic():
    X, W, Y = matrix_symbols(4, 3, np.int64(2))
    assert (X.shape, W.shape, Y.shape) == ((4, 3), (3, 2), (4, 2))
    N, d, k = size_symbols()
    X, W, Y = matrix_symbols(N, d, k)
    assert (X.shape, W.shape, Y.shape) == ((N, d), (d, k), (N, k))


@pytest.mark.parametrize(
    "sizes, error, fragment",
    [
        ((0, 2, 1), ValueError, "N must be a positive integer"),
        ((3, -1, 1), ValueError, "d must be a positive integer"),
        ((3, 2, 1.5), TypeError, "k must be"),
        ((3, "2", 1), TypeError, "d must be"),
        ((True, 2, 1), TypeError, "boolean"),
        ((sp.Symbol("n"), 2, 1), ValueError, "not known to be a positive integer"),
    ],
)
def test_matrix_symbols_rejects_bad_sizes(sizes, error, fragment):
    with pytest.raises(error, match=fragment):
        matrix_symbols(*sizes)


def test_explicit_matrices_need_concrete_sizes():
    N, d, k = size_symbols()
    with pytest.raises(TypeError, match="concrete positive integer"):
        explicit_symbol_matrices(N, 2, 1)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        explicit_symbol_matrices(2, 2, 0)


def test_shape_mismatch_names_the_shapes():
    X, W, _ = matrix_symbols(3, 2, 2)
    _, _, Y_wrong = matrix_symbols(4, 2, 2)
    with pytest.raises(ValueError, match=r"Y has shape \(4, 2\).*\(3, 2\)"):
        symbolic_loss(X, W, Y_wrong)
    W_wrong = sp.MatrixSymbol("W", 3, 2)
    with pytest.raises(ValueError, match=r"X has shape \(3, 2\) but W has shape \(3, 2\)"):
        formula_gradient_W(X, W_wrong, Y_wrong)


def test_routes_refuse_the_other_kind_of_matrix():
    Xs, Ws, Ys = explicit_symbol_matrices(2, 2, 1)
    with pytest.raises(TypeError, match="MatrixSymbols"):
        symbolic_loss(Xs, Ws, Ys)
    X, W, Y = matrix_symbols(2, 2, 1)
    with pytest.raises(TypeError, match="explicit sympy Matrix"):
        explicit_loss(X, W, Y)
    with pytest.raises(TypeError, match="SymPy matrix"):
        symbolic_loss(X, W, "Y")


# --------------------------------------------------------------------------- the matrix route


def test_sympy_gradient_is_the_books_formula_for_every_shape(general):
    _, (X, W, Y) = general
    # identical expression trees, so == suffices here
    assert symbolic_gradient_W(X, W, Y) == formula_gradient_W(X, W, Y)
    assert symbolic_gradient_X(X, W, Y) == formula_gradient_X(X, W, Y)
    assert symbolic_loss(X, W, Y).diff(Y) == formula_gradient_Y(X, W, Y)


def test_gradient_has_the_shape_of_its_variable(general):
    _, (X, W, Y) = general
    assert symbolic_gradient_W(X, W, Y).shape == W.shape
    assert symbolic_gradient_X(X, W, Y).shape == X.shape


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sympy_gradient_equals_formula_for_concrete_shapes(shape):
    X, W, Y = matrix_symbols(*shape)
    G = symbolic_gradient_W(X, W, Y)
    assert symbolically_equal(G, formula_gradient_W(X, W, Y))
    assert symbolically_equal(symbolic_gradient_X(X, W, Y), formula_gradient_X(X, W, Y))


def test_structural_equality_is_not_enough_for_concrete_shapes():
    X, W, Y = matrix_symbols(3, 2, 2)
    G = symbolic_gradient_W(X, W, Y)
    same_value = sp.Rational(2, 3) * X.T * (X * W - Y)
    assert G != same_value  # a different expression tree ...
    assert symbolically_equal(G, same_value)  # ... for the same matrix


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, W, Y, N: (1 / N) * X.T * (X * W - Y),  # factor 2 dropped
        lambda X, W, Y, N: (2 / N) * X.T * (X * W + Y),  # sign of Y
        lambda X, W, Y, N: (2 / N) * X.T * X * W,  # Y forgotten
    ],
)
def test_symbolically_equal_rejects_wrong_formulas(wrong):
    for N, d, k in [(3, 2, 2), (2, 3, 1)]:
        X, W, Y = matrix_symbols(N, d, k)
        assert not symbolically_equal(symbolic_gradient_W(X, W, Y), wrong(X, W, Y, sp.Integer(N)))
    N, d, k = size_symbols()
    X, W, Y = matrix_symbols(N, d, k)
    assert not symbolically_equal(symbolic_gradient_W(X, W, Y), wrong(X, W, Y, N))


def test_symbolically_equal_on_shapes_and_types():
    X, W, Y = matrix_symbols(3, 2, 2)
    assert not symbolically_equal(W, W.T * X.T * X)  # (2, 2) vs (2, 2) but different values
    assert not symbolically_equal(X, W)  # different shapes
    Xs, Ws, Ys = explicit_symbol_matrices(3, 2, 2)
    assert symbolically_equal(formula_gradient_W(Xs, Ws, Ys), formula_gradient_W(Xs, Ws, Ys).T.T)
    with pytest.raises(TypeError, match="B must be a SymPy matrix"):
        symbolically_equal(X, 3)


def test_sympy_sum_of_traces_is_differentiated_to_zero(general):
    """Documents the SymPy 1.14 defect the chapter works around (issues 26561, 26585).

    If a SymPy upgrade fixes it, this test fails and the chapter's text needs updating.
    """
    _, (X, W, Y) = general
    expanded = expanded_trace_loss(X, W, Y)
    assert isinstance(expanded, sp.Add) and len(expanded.args) == 4
    wrong = expanded.diff(W)
    assert isinstance(wrong, sp.ZeroMatrix) and wrong.shape == W.shape


def test_differentiate_applies_linearity(general):
    N, (X, W, Y) = general
    G = differentiate(expanded_trace_loss(X, W, Y), W)
    assert G != 0
    assert symbolically_equal(G, formula_gradient_W(X, W, Y))
    lam = sp.Symbol("lambda", positive=True)
    ridge = symbolic_loss(X, W, Y) + lam * sp.Trace(W.T * W)
    assert symbolically_equal(differentiate(ridge, W), formula_gradient_W(X, W, Y) + 2 * lam * W)
    assert differentiate(sp.Trace(Y.T * Y) / N, W) == sp.ZeroMatrix(*W.shape)


def test_expanded_trace_loss_equals_the_loss_for_a_concrete_shape():
    X, W, Y = matrix_symbols(3, 2, 2)
    difference = (symbolic_loss(X, W, Y) - expanded_trace_loss(X, W, Y)).doit()
    explicit = sp.expand(difference.subs({M: M.as_explicit() for M in (X, W, Y)}).doit())
    assert explicit == 0


def test_differentiate_rejects_bad_input(general):
    _, (X, W, Y) = general
    with pytest.raises(TypeError, match="MatrixSymbol"):
        differentiate(symbolic_loss(X, W, Y), W.T)
    with pytest.raises(TypeError, match="4-index array"):
        differentiate(X * W, W)


def test_matrix_by_matrix_derivative_is_a_four_index_array(general):
    _, (X, W, Y) = general
    d, k = W.shape
    N = X.shape[0]
    assert (X * W - Y).diff(W).shape == (d, k, N, k)
    assert symbolic_gradient_W(X, W, Y).diff(W).shape == (d, k, d, k)


# --------------------------------------------------------------------------- the entry route


def test_explicit_symbols_are_real_distinct_and_named_by_index():
    X, W, Y = explicit_symbol_matrices(3, 2, 4)
    assert (X.shape, W.shape, Y.shape) == ((3, 2), (2, 4), (3, 4))
    assert str(W[1, 3]) == "w_24" and str(X[0, 0]) == "x_11" and str(Y[2, 3]) == "y_34"
    entries = [*X, *W, *Y]
    assert len(set(entries)) == len(entries)
    assert all(s.is_real for s in entries)
    X, _, _ = explicit_symbol_matrices(11, 2, 1)
    assert str(X[10, 1]) == "x_11,2" and len(set(X)) == 22


def test_frobenius_norm_squared():
    assert frobenius_norm_squared(sp.Matrix([[1, 2], [3, 4]])) == 30
    a, b = sp.symbols("a b")  # not declared real: still a polynomial
    assert frobenius_norm_squared(sp.Matrix([a, b])) == a**2 + b**2
    with pytest.raises(TypeError, match="explicit sympy Matrix"):
        frobenius_norm_squared(sp.MatrixSymbol("A", 2, 2))


def test_explicit_loss_evaluates_to_matgrad_loss():
    rng = np.random.default_rng(0)
    Xs, Ws, Ys = explicit_symbol_matrices(4, 3, 2)
    values = {M: rng.integers(-5, 6, size=M.shape) for M in (Xs, Ws, Ys)}
    subs = {s: int(v) for M, arr in values.items() for s, v in zip(M, arr.ravel(), strict=True)}
    exact = explicit_loss(Xs, Ws, Ys).subs(subs)
    assert isinstance(exact, sp.Rational)
    assert float(exact) == pytest.approx(matgrad.loss(values[Ws], values[Xs], values[Ys]), rel=1e-14)


def test_entrywise_gradient_known_value():
    x, y = sp.symbols("x y")
    G = entrywise_gradient(x**2 * y, sp.Matrix([[x, y]]))
    assert G == sp.Matrix([[2 * x * y, x**2]])


@pytest.mark.parametrize(
    "loss_expr, variable, error, fragment",
    [
        (sp.Symbol("x"), sp.Matrix([[sp.Symbol("x"), 1]]), ValueError, "must be a symbol"),
        (sp.Symbol("x"), sp.Matrix([[sp.Symbol("x"), sp.Symbol("x")]]), ValueError, "distinct"),
        (sp.Symbol("x"), sp.MatrixSymbol("A", 1, 2), TypeError, "explicit sympy Matrix"),
        (sp.Matrix([sp.Symbol("x")]), sp.Matrix([sp.Symbol("x")]), TypeError, "scalar expression"),
    ],
)
def test_entrywise_gradient_rejects_bad_input(loss_expr, variable, error, fragment):
    with pytest.raises(error, match=fragment):
        entrywise_gradient(loss_expr, variable)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("wrt", ["W", "X", "Y"])
def test_entrywise_derivative_agrees_with_formula(shape, wrt):
    result = entrywise_check(*shape, wrt=wrt)
    N, d, k = shape
    sizes = {"W": d * k, "X": N * d, "Y": N * k}
    assert result.ok and bool(result) and result.mismatches == ()
    assert result.n_entries == sizes[wrt]
    assert verify_entrywise(*shape, wrt=wrt)


def test_entrywise_verdicts():
    assert entrywise_check(3, 2, 2).verdict() == "(3, 2, 2): all 4 entries agree"
    assert entrywise_check(1, 1, 1).verdict() == "(1, 1, 1): the only entry agrees"
    assert entrywise_check(2, 3, 1, wrt="X").verdict() == "(2, 3, 1): all 6 entries agree"


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, W, Y: 2 * X.T * (X * W - Y),  # 1/N forgotten
        lambda X, W, Y: sp.Rational(2, X.rows) * X.T * X * W,  # Y forgotten
        lambda X, W, Y: sp.Rational(1, X.rows) * X.T * (X * W - Y),  # factor 2 forgotten
    ],
)
def test_entrywise_check_detects_a_wrong_formula(wrong):
    result = entrywise_check(3, 2, 2, formula=wrong)
    assert not result.ok and not verify_entrywise(3, 2, 2, formula=wrong)
    assert result.mismatches and result.verdict().startswith("(3, 2, 2): ")
    assert "differ" in result.verdict()


def test_entrywise_check_detects_a_single_wrong_entry():
    def almost(X, W, Y):
        G = sp.Matrix(formula_gradient_W(X, W, Y))
        G[1, 0] += W[0, 0]
        return G

    result = entrywise_check(4, 3, 2, formula=almost)
    assert result.mismatches == ((1, 0),)
    assert result.verdict() == "(4, 3, 2): 1 of 6 entries differ, the first at index (1, 0)"


def test_entrywise_check_detects_the_transposed_shape():
    result = entrywise_check(3, 3, 2, formula=lambda X, W, Y: sp.Rational(2, 3) * (X * W - Y).T * X)
    assert not result.ok and result.other_shape == (2, 3)
    assert result.verdict() == "(3, 3, 2): wrong shape: (2, 3) instead of (3, 2)"


def test_entrywise_check_rejects_bad_arguments():
    with pytest.raises(ValueError, match="wrt must be one of"):
        entrywise_check(2, 2, 1, wrt="Z")
    with pytest.raises(TypeError, match="callable"):
        entrywise_check(2, 2, 1, formula="2/N X^T R")
    with pytest.raises(TypeError, match="must return an explicit sympy Matrix"):
        entrywise_check(2, 2, 1, formula=lambda X, W, Y: 0)


def test_compare_entrywise_rejects_different_shapes_and_types():
    with pytest.raises(ValueError, match=r"\(2, 1\).*\(1, 2\)"):
        compare_entrywise(sp.zeros(2, 1), sp.zeros(1, 2))
    with pytest.raises(TypeError, match="A must be an explicit"):
        compare_entrywise(sp.MatrixSymbol("A", 2, 1), sp.zeros(2, 1))
    assert isinstance(compare_entrywise(sp.zeros(2, 1), sp.zeros(2, 1)), EntrywiseComparison)


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 1), (3, 2, 2), (2, 1, 3)], ids=str)
def test_expanded_term_count_formula(shape):
    N, d, k = shape
    assert expanded_term_count(N, d, k) == N * k * (d + 1) * (d + 2) // 2


@pytest.mark.parametrize("shape", [(2, 3, 1), (3, 2, 2)], ids=str)
def test_hessian_wrt_vec_W_is_kronecker(shape):
    N, d, k = shape
    X, W, Y = explicit_symbol_matrices(N, d, k)
    H = entrywise_hessian_vec(explicit_loss(X, W, Y), W)
    assert H.shape == (d * k, d * k)
    assert compare_entrywise(H, formula_hessian_vec_W(X, k)).ok
    wrong_order = sp.Rational(2, N) * sp.kronecker_product(X.T * X, sp.eye(k))  # row-major vec
    if k > 1:
        assert not compare_entrywise(H, sp.ImmutableMatrix(wrong_order)).ok


def test_hessian_rejects_bad_input():
    with pytest.raises(TypeError, match="explicit sympy Matrix"):
        formula_hessian_vec_W(sp.MatrixSymbol("X", 2, 2), 1)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        formula_hessian_vec_W(sp.eye(2), 0)


# --------------------------------------------------------------------------- back to numbers


@pytest.fixture(scope="module")
def numeric():
    X, W_true, Y = matgrad.make_regression(9, 3, 2, seed=3)
    W = np.random.default_rng(4).standard_normal((3, 2))
    return W, X, Y


def test_lambdified_gradients_match_matgrad(general, numeric):
    _, (X, W, Y) = general
    Wn, Xn, Yn = numeric
    gW = lambdify_gradient(symbolic_gradient_W(X, W, Y), X, W, Y)
    gX = lambdify_gradient(symbolic_gradient_X(X, W, Y), X, W, Y)
    np.testing.assert_allclose(gW(Wn, Xn, Yn), matgrad.grad_W(Wn, Xn, Yn), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gX(Wn, Xn, Yn), matgrad.grad_X(Wn, Xn, Yn), rtol=1e-12, atol=1e-12)
    assert matgrad.check_gradient(lambda V: matgrad.loss(V, Xn, Yn), lambda V: gW(V, Xn, Yn), Wn).ok
    assert matgrad.check_gradient(lambda V: matgrad.loss(Wn, V, Yn), lambda V: gX(Wn, V, Yn), Xn).ok


def test_lambdified_wrong_gradient_is_rejected_by_check_gradient(general, numeric):
    N, (X, W, Y) = general
    Wn, Xn, Yn = numeric
    wrong = lambdify_gradient((1 / N) * X.T * (X * W - Y), X, W, Y)
    assert not matgrad.check_gradient(lambda V: matgrad.loss(V, Xn, Yn), lambda V: wrong(V, Xn, Yn), Wn).ok


def test_lambdified_gradient_of_concrete_shape(numeric):
    Wn, Xn, Yn = numeric
    X, W, Y = matrix_symbols(*Xn.shape, Wn.shape[1])
    g = lambdify_gradient(symbolic_gradient_W(X, W, Y), X, W, Y)
    np.testing.assert_allclose(g(Wn, Xn, Yn), matgrad.grad_W(Wn, Xn, Yn), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="the symbols have N = 9"):
        g(Wn, Xn[:5], Yn[:5])


def test_lambdified_constant_gradient_has_the_right_shape(general, numeric):
    N, (X, W, Y) = general
    Wn, Xn, Yn = numeric
    zero = lambdify_gradient(differentiate(sp.Trace(Y.T * Y) / N, W), X, W, Y)
    np.testing.assert_array_equal(zero(Wn, Xn, Yn), np.zeros_like(Wn))


def test_lambdified_gradient_checks_its_input(general, numeric):
    _, (X, W, Y) = general
    Wn, Xn, Yn = numeric
    g = lambdify_gradient(symbolic_gradient_W(X, W, Y), X, W, Y)
    with pytest.raises(ValueError, match="2-D W"):
        g(Wn[:, 0], Xn, Yn[:, 0])
    with pytest.raises(ValueError, match=r"Y has shape \(9, 3\)"):
        g(Wn, Xn, np.zeros((9, 3)))
    bad = Xn.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        g(Wn, bad, Yn)
    with pytest.raises(TypeError, match="numeric"):
        g(Wn, Xn, "Y")


def test_lambdify_gradient_rejects_what_it_cannot_evaluate(general):
    N, (X, W, Y) = general
    lam = sp.Symbol("lambda")
    with pytest.raises(ValueError, match="lambda"):
        lambdify_gradient(formula_gradient_W(X, W, Y) + lam * W, X, W, Y)
    with pytest.raises(ValueError, match="Trace"):
        lambdify_gradient(sp.Trace(X.T * X) * W, X, W, Y)
    with pytest.raises(TypeError, match="SymPy matrix"):
        lambdify_gradient(symbolic_loss(X, W, Y), X, W, Y)
