"""Tests of the index-notation derivation (chapter 03-index-notation), including its deliberate slips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from strategies import regression_problems

import matgrad
from matgrad.chapters.index_notation import (
    IndexRoles,
    analyse_subscripts,
    grad_W_by_einsum,
    grad_W_by_index_deltas,
    grad_W_by_index_loops,
    grad_W_missing_inner_sum,
    grad_W_reused_index,
    grad_X_by_einsum,
    kronecker_delta,
    loss_by_einsum,
    loss_by_index_loops,
    residual_derivative_tensor,
)

CORRECT = (grad_W_by_index_loops, grad_W_by_einsum, grad_W_by_index_deltas)
WRONG = (grad_W_missing_inner_sum, grad_W_reused_index)


def unit_scale(W, X, Y):
    s = max(np.max(np.abs(X)), np.max(np.abs(W)), np.max(np.abs(Y)), 1.0)
    return W / s, X / s, Y / s


def generic_problem(seed=0, N=9, d=4, k=3):
    """Correlated columns of X (so that X^T X is far from diagonal) and a point W."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d)) + rng.standard_normal((N, 1))
    Y = rng.standard_normal((N, k))
    W = rng.standard_normal((d, k))
    return W, X, Y


def test_kronecker_delta():
    assert kronecker_delta(0, 0) == 1 and kronecker_delta(0, 1) == 0
    assert kronecker_delta(np.int64(3), 3) == 1
    with pytest.raises(TypeError, match="p must be an integer"):
        kronecker_delta(1.0, 1)
    with pytest.raises(TypeError, match="q must be an integer"):
        kronecker_delta(1, True)


@given(regression_problems())
def test_triple_sum_equals_the_loss(problem):
    W, X, Y = problem
    expected = matgrad.loss(W, X, Y)
    scale = max(float(np.sum((X @ W) ** 2)) + float(np.sum(Y**2)), 1.0) / X.shape[0]
    assert loss_by_index_loops(W, X, Y) == pytest.approx(expected, rel=1e-10, abs=1e-12 * scale)
    assert loss_by_einsum(W, X, Y) == pytest.approx(expected, rel=1e-10, abs=1e-12 * scale)


@given(regression_problems())
def test_index_gradients_equal_grad_W(problem):
    W, X, Y = problem
    expected = matgrad.grad_W(W, X, Y)
    scale = max(float(np.max(np.abs(X))) ** 2 * float(np.max(np.abs(W))) * X.shape[1], float(np.max(np.abs(Y))), 1.0)
    for grad in CORRECT:
        G = grad(W, X, Y)
        assert G.shape == W.shape, grad.__name__
        np.testing.assert_allclose(G, expected, rtol=1e-10, atol=1e-12 * scale, err_msg=grad.__name__)


@given(regression_problems())
def test_index_gradients_pass_the_check(problem):
    W, X, Y = unit_scale(*problem)
    f = lambda w: matgrad.loss(w, X, Y)  # noqa: E731
    for grad in CORRECT:
        assert matgrad.check_gradient(f, lambda w, grad=grad: grad(w, X, Y), W), grad.__name__


def test_smallest_sizes():
    W, X, Y = np.array([[2.0]]), np.array([[3.0]]), np.array([[1.0]])
    assert loss_by_index_loops(W, X, Y) == 25.0
    for grad in CORRECT + WRONG:  # with d = 1 the slips are invisible
        np.testing.assert_allclose(grad(W, X, Y), [[30.0]], err_msg=grad.__name__)
    np.testing.assert_allclose(grad_X_by_einsum(W, X, Y), [[20.0]])


def test_vector_case():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((7, 3))
    w, y = rng.standard_normal(3), rng.standard_normal(7)
    assert loss_by_index_loops(w, X, y) == pytest.approx(matgrad.loss(w, X, y), rel=1e-12)
    assert loss_by_einsum(w, X, y) == pytest.approx(matgrad.loss(w, X, y), rel=1e-12)
    for grad in CORRECT + WRONG:
        assert grad(w, X, y).shape == (3,), grad.__name__
    for grad in CORRECT:
        np.testing.assert_allclose(grad(w, X, y), matgrad.grad_W(w, X, y), rtol=1e-12, err_msg=grad.__name__)
    np.testing.assert_allclose(grad_X_by_einsum(w, X, y), matgrad.grad_X(w, X, y), rtol=1e-12)


@given(regression_problems())
def test_grad_X_by_einsum(problem):
    W, X, Y = problem
    G = grad_X_by_einsum(W, X, Y)
    assert G.shape == X.shape
    scale = max(float(np.max(np.abs(X))) * float(np.max(np.abs(W))) ** 2 * X.shape[1], float(np.max(np.abs(Y))), 1.0)
    np.testing.assert_allclose(G, matgrad.grad_X(W, X, Y), rtol=1e-10, atol=1e-12 * scale)


# --- the Kronecker-delta step --------------------------------------------------------------------


def test_residual_derivative_tensor_is_x_delta():
    rng = np.random.default_rng(1)
    N, d, k = 4, 3, 2
    X = rng.standard_normal((N, d))
    T = residual_derivative_tensor(X, k)
    assert T.shape == (N, k, d, k)
    for i in range(N):
        for j in range(k):
            for a in range(d):
                for b in range(k):
                    assert T[i, j, a, b] == X[i, a] * kronecker_delta(j, b)


def test_residual_derivative_tensor_matches_differences_of_the_residual():
    W, X, Y = generic_problem(2, N=5, d=3, k=2)
    T = residual_derivative_tensor(X, 2)
    h = 0.5  # the residual is linear in W, so any step gives the exact derivative up to rounding
    for a in range(3):
        for b in range(2):
            E = np.zeros_like(W)
            E[a, b] = 1.0
            diff = (matgrad.residual(W + h * E, X, Y) - matgrad.residual(W - h * E, X, Y)) / (2 * h)
            np.testing.assert_allclose(diff, T[:, :, a, b], atol=1e-13)


def test_residual_derivative_tensor_errors():
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        residual_derivative_tensor(np.zeros(3), 2)
    with pytest.raises(ValueError, match="k must be at least 1"):
        residual_derivative_tensor(np.zeros((2, 3)), 0)
    with pytest.raises(TypeError, match="k must be an integer"):
        residual_derivative_tensor(np.zeros((2, 3)), 2.0)
    with pytest.raises(TypeError, match="X"):
        residual_derivative_tensor("X", 2)


# --- the deliberate slips ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("wrong", WRONG, ids=lambda f: f.__name__)
def test_slips_are_rejected_by_the_check(seed, wrong):
    W, X, Y = generic_problem(seed)
    result = matgrad.check_gradient(lambda w: matgrad.loss(w, X, Y), lambda w: wrong(w, X, Y), W)
    assert not result.ok
    assert result.rel_error > 1e-3


def test_missing_inner_sum_formula_and_when_it_is_invisible():
    W, X, Y = generic_problem(3)
    N = X.shape[0]
    XtX = X.T @ X
    off_diagonal = XtX - np.diag(np.diag(XtX))
    difference = grad_W_missing_inner_sum(W, X, Y) - matgrad.grad_W(W, X, Y)
    np.testing.assert_allclose(difference, -2 / N * off_diagonal @ W, atol=1e-12)
    # orthogonal columns: X^T X is diagonal and the slip gives the right answer
    Q, _ = np.linalg.qr(X)
    Xo = Q * np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(grad_W_missing_inner_sum(W, Xo, Y), matgrad.grad_W(W, Xo, Y), atol=1e-12)
    assert not np.allclose(grad_W_reused_index(W, Xo, Y), matgrad.grad_W(W, Xo, Y))


def test_reused_index_loses_the_free_index():
    W, X, Y = generic_problem(4)
    N = X.shape[0]
    first_part = grad_W_reused_index(W, X, Y) + 2 / N * X.T @ Y
    np.testing.assert_allclose(first_part, np.broadcast_to(first_part[0], first_part.shape), atol=1e-12)
    np.testing.assert_allclose(first_part[0], 2 / N * np.sum((X**2) @ W, axis=0), atol=1e-12)


@given(regression_problems())
def test_slips_coincide_with_the_gradient_when_d_is_1(problem):
    W, X, Y = problem
    X, W = X[:, :1], W[:1]
    expected = matgrad.grad_W(W, X, Y)
    scale = max(float(np.max(np.abs(X))) ** 2 * float(np.max(np.abs(W))), float(np.max(np.abs(Y))), 1.0)
    for wrong in WRONG:
        np.testing.assert_allclose(wrong(W, X, Y), expected, rtol=1e-10, atol=1e-12 * scale)


# --- the summation convention --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "free", "summed"),
    [("ia,ib->ab", ("a", "b"), ("i",)), ("im,mj->ij", ("i", "j"), ("m",)), ("ij,ij->", (), ("i", "j"))],
)
def test_correct_specifications(spec, free, summed):
    roles = analyse_subscripts(spec)
    assert isinstance(roles, IndexRoles)
    assert roles.ok and roles.free == free and roles.summed == summed


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("ik,kj,ik->kj", "appears 3 times"),
        ("ia,ab,ia->ab", "summed (repeated) and also free"),
        ("ij->i", "appears once but not in the result"),
        ("ij->ijk", "appears in no factor"),
        ("ij->ii", "appears 2 times in the result"),
    ],
)
def test_violations_are_reported(spec, fragment):
    roles = analyse_subscripts(spec)
    assert not roles.ok
    assert any(fragment in p for p in roles.problems), roles.problems


def test_analyse_subscripts_input_errors():
    with pytest.raises(TypeError):
        analyse_subscripts(3)
    for bad in ("ij,jk", "i1,1k->ik", "...i->i", "ij->k->l", "->"):
        with pytest.raises(ValueError):
            analyse_subscripts(bad)
    assert analyse_subscripts("i a, i b -> a b").ok  # spaces are ignored


# --- input errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn", CORRECT + WRONG + (loss_by_index_loops, loss_by_einsum, grad_X_by_einsum), ids=lambda f: f.__name__
)
def test_input_errors(fn):
    W, X, Y = np.zeros((3, 2)), np.ones((4, 3)), np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"X has shape \(4, 2\) but W has shape \(3, 2\)"):
        fn(W, X[:, :2], Y)
    with pytest.raises(ValueError, match=r"Y has shape \(4, 3\)"):
        fn(W, X, np.zeros((4, 3)))
    with pytest.raises(TypeError, match="W"):
        fn("w", X, Y)
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        fn(W, bad, Y)


def test_integer_input_is_promoted():
    X = [[1, 2], [3, 4], [5, 6]]
    W = [[1], [0]]
    Y = [[1], [2], [3]]
    for grad in CORRECT:
        G = grad(W, X, Y)
        assert G.dtype == np.float64
        np.testing.assert_allclose(G, matgrad.grad_W(W, X, Y))
