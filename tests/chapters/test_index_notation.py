"""Tests of the index-notation derivation (chapter 03-index-notation), including its deliberate slips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from strategies import regression_problems

import matgrad
from matgrad.chapters.index_notation import (
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
SLIPS = (grad_W_missing_inner_sum, grad_W_reused_index)


def generic_problem(seed=0, N=9, d=4, k=3):
    """Correlated columns of X (so that X^T X is far from diagonal) and a random point W."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d)) + rng.standard_normal((N, 1))
    return rng.standard_normal((d, k)), X, rng.standard_normal((N, k))


def gradient_scale(W, X, Y):
    """The size of the uncancelled products in a gradient, for tolerances of tests over arbitrary data."""
    return max(float(np.max(np.abs(X))) ** 2 * float(np.max(np.abs(W))) * X.shape[1], float(np.max(np.abs(Y))), 1.0)


def test_the_kronecker_delta_is_one_on_the_diagonal_only():
    assert kronecker_delta(0, 0) == 1 and kronecker_delta(3, 3) == 1
    assert kronecker_delta(0, 1) == 0 and kronecker_delta(2, 1) == 0


# --- the loss and its gradient, literally --------------------------------------------------------


@given(regression_problems(vector=False))
def test_the_triple_sum_equals_the_loss(problem):
    W, X, Y = problem
    expected = matgrad.loss(W, X, Y)
    scale = max(float(np.sum((X @ W) ** 2)) + float(np.sum(Y**2)), 1.0) / X.shape[0]
    assert loss_by_index_loops(W, X, Y) == pytest.approx(expected, rel=1e-10, abs=1e-12 * scale)
    assert loss_by_einsum(W, X, Y) == pytest.approx(expected, rel=1e-10, abs=1e-12 * scale)


@given(regression_problems(vector=False))
def test_the_index_gradients_equal_grad_W(problem):
    W, X, Y = problem
    expected = matgrad.grad_W(W, X, Y)
    for grad in CORRECT:
        G = grad(W, X, Y)
        np.testing.assert_allclose(G, expected, rtol=1e-10, atol=1e-12 * gradient_scale(W, X, Y), err_msg=grad.__name__)


@given(regression_problems(vector=False))
def test_the_index_gradient_in_X_equals_grad_X(problem):
    W, X, Y = problem
    scale = max(float(np.max(np.abs(X))) * float(np.max(np.abs(W))) ** 2 * X.shape[1], float(np.max(np.abs(Y))), 1.0)
    np.testing.assert_allclose(grad_X_by_einsum(W, X, Y), matgrad.grad_X(W, X, Y), rtol=1e-10, atol=1e-12 * scale)


@pytest.mark.parametrize("grad", CORRECT, ids=lambda f: f.__name__)
def test_the_index_gradients_pass_the_check(grad):
    W, X, Y = generic_problem(1)
    assert matgrad.check_gradient(matgrad.loss, grad, W, args=(X, Y))


def test_a_one_by_one_problem_by_hand():
    W, X, Y = np.array([[2.0]]), np.array([[3.0]]), np.array([[1.0]])
    # r = 3 * 2 - 1 = 5, so L = 25, dL/dW = 2 * 3 * 5 = 30 and dL/dX = 2 * 5 * 2 = 20
    assert loss_by_index_loops(W, X, Y) == 25.0
    for grad in CORRECT + SLIPS:  # with d = 1 the slips are invisible
        np.testing.assert_allclose(grad(W, X, Y), [[30.0]], err_msg=grad.__name__)
    np.testing.assert_allclose(grad_X_by_einsum(W, X, Y), [[20.0]])


# --- the Kronecker-delta step --------------------------------------------------------------------


def test_the_residual_derivative_tensor_is_x_ia_delta_eb():
    X = np.random.default_rng(1).standard_normal((4, 3))
    T = residual_derivative_tensor(X, 2)
    assert T.shape == (4, 2, 3, 2)
    for i, j, a, b in np.ndindex(T.shape):
        assert T[i, j, a, b] == X[i, a] * kronecker_delta(j, b)


def test_the_residual_derivative_tensor_matches_differences_of_the_residual():
    W, X, Y = generic_problem(2, N=5, d=3, k=2)
    T = residual_derivative_tensor(X, 2)
    h = 0.5  # the residual is linear in W, so any step gives the exact derivative up to rounding
    for a, b in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[a, b] = 1.0
        slope = (matgrad.residual(W + h * E, X, Y) - matgrad.residual(W - h * E, X, Y)) / (2 * h)
        np.testing.assert_allclose(slope, T[:, :, a, b], atol=1e-13)


# --- the deliberate slips ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("slip", SLIPS, ids=lambda f: f.__name__)
def test_the_slips_are_rejected_at_generic_points(seed, slip):
    W, X, Y = generic_problem(seed)
    result = matgrad.check_gradient(matgrad.loss, slip, W, args=(X, Y))
    assert not result.ok
    assert result.rel_error > 1e-3


def test_the_missing_inner_sum_misses_the_off_diagonal_of_XtX_and_is_right_for_orthogonal_columns():
    W, X, Y = generic_problem(3)
    XtX = X.T @ X
    off_diagonal = XtX - np.diag(np.diag(XtX))
    difference = grad_W_missing_inner_sum(W, X, Y) - matgrad.grad_W(W, X, Y)
    np.testing.assert_allclose(difference, -2 / X.shape[0] * off_diagonal @ W, atol=1e-12)
    Q, _ = np.linalg.qr(X)
    X_orth = Q * np.array([1.0, 2.0, 3.0, 4.0])  # orthogonal columns of different lengths
    np.testing.assert_allclose(grad_W_missing_inner_sum(W, X_orth, Y), matgrad.grad_W(W, X_orth, Y), atol=1e-12)
    assert not np.allclose(grad_W_reused_index(W, X_orth, Y), matgrad.grad_W(W, X_orth, Y))


def test_the_reused_index_loses_the_free_index():
    W, X, Y = generic_problem(4)
    N = X.shape[0]
    first_part = grad_W_reused_index(W, X, Y) + 2 / N * X.T @ Y
    np.testing.assert_allclose(first_part, np.broadcast_to(first_part[0], first_part.shape), atol=1e-12)
    np.testing.assert_allclose(first_part[0], 2 / N * np.sum((X**2) @ W, axis=0), atol=1e-12)


@given(regression_problems(vector=False))
def test_the_slips_coincide_with_the_gradient_when_d_is_1(problem):
    W, X, Y = problem
    X, W = X[:, :1], W[:1]
    expected = matgrad.grad_W(W, X, Y)
    for slip in SLIPS:
        np.testing.assert_allclose(slip(W, X, Y), expected, rtol=1e-10, atol=1e-12 * gradient_scale(W, X, Y))


# --- the summation convention --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "free", "summed"),
    [("ia,ib->ab", ("a", "b"), ("i",)), ("ic,ce->ie", ("i", "e"), ("c",)), ("ie,ie->", (), ("i", "e"))],
)
def test_correct_specifications_name_their_free_and_summed_indices(spec, free, summed):
    roles = analyse_subscripts(spec)
    assert roles.ok and roles.einstein and roles.free == free and roles.summed == summed


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("ic,cb,ic->b", "appears 3 times"),
        ("ia,ab,ia->ab", "repeated and also free"),
        ("ie->i", "appears once but is summed"),
    ],
)
def test_departures_from_the_einstein_convention_are_warnings_not_errors(spec, fragment):
    roles = analyse_subscripts(spec)
    assert roles.ok and not roles.einstein and not roles.problems
    assert any(fragment in w for w in roles.warnings), roles.warnings


@pytest.mark.parametrize(
    ("spec", "fragment"), [("ie->iea", "appears in no factor"), ("ie->ii", "2 times in the result")]
)
def test_meaningless_specifications_are_problems(spec, fragment):
    roles = analyse_subscripts(spec)
    assert not roles.ok
    assert any(fragment in p for p in roles.problems), roles.problems


def test_a_correct_expression_can_draw_a_warning_and_a_wrong_one_none():
    X = np.random.default_rng(0).standard_normal((7, 3))
    diagonal = analyse_subscripts("ia,ia->a")  # (X^T X)_aa, correct, but a is repeated and free
    assert diagonal.ok and not diagonal.einstein and diagonal.free == ("a",) and diagonal.summed == ("i",)
    assert np.allclose(np.einsum("ia,ia->a", X, X), np.diag(X.T @ X))
    transposed = analyse_subscripts("ia,ib->ba")  # obeys the convention, but is the transposed gradient
    assert transposed.einstein


def test_the_slips_draw_warnings_and_the_gradient_none():
    assert not analyse_subscripts("ia,ab,ia->ab").einstein
    assert not analyse_subscripts("ic,cb,ic->b").einstein
    assert analyse_subscripts("ia,ib->ab").einstein


@pytest.mark.parametrize("bad", ["ij,jk", "i1,1k->ik", "...i->i", "ij->k->l", "->"])
def test_a_specification_that_is_not_explicit_letters_is_a_value_error(bad):
    with pytest.raises(ValueError, match="letters"):
        analyse_subscripts(bad)


def test_spaces_in_a_specification_are_ignored():
    assert analyse_subscripts("i a, i b -> a b") == analyse_subscripts("ia,ib->ab")
