"""Tests of the trace-expansion derivation (chapter 02-trace) and of the catalogue of identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from strategies import regression_problems

import matgrad
from matgrad.chapters.trace import (
    IDENTITIES,
    TraceTerms,
    grad_trace_AW,
    grad_trace_WtB,
    grad_trace_WtBW,
    grad_trace_WtBW_naive,
    grad_W_by_trace,
    grad_X_by_trace,
    loss_by_trace,
    trace_AW,
    trace_expansion_terms,
    trace_gradient_terms,
    trace_WtB,
    trace_WtBW,
    verify_identities,
)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def matrix_scale(W, X, Y):
    """The size of the uncancelled terms of the expansion, for tolerances of tests over arbitrary data."""
    return max(float(np.max(np.abs(X.T @ X), initial=0)) * float(np.max(np.abs(W))), float(np.max(np.abs(Y))), 1.0)


# --- the three identities -----------------------------------------------------------------------


def test_each_trace_is_the_trace_of_its_product(rng):
    d, k = 4, 3
    W, A, B, S = (rng.standard_normal(shape) for shape in ((d, k), (k, d), (d, k), (d, d)))
    assert trace_AW(A, W) == pytest.approx(np.trace(A @ W), rel=1e-12)
    assert trace_WtB(W, B) == pytest.approx(np.trace(W.T @ B), rel=1e-12)
    assert trace_WtBW(W, S) == pytest.approx(np.trace(W.T @ S @ W), rel=1e-12)
    assert type(trace_AW(A, W)) is float  # prints without np.float64(...)


def test_the_identities_by_hand():
    assert trace_AW([[1, 2]], [[3], [4]]) == 11.0
    np.testing.assert_array_equal(grad_trace_AW([[1, 2]]), [[1], [2]])
    np.testing.assert_array_equal(grad_trace_WtB([[1, 2]]), [[1, 2]])
    # B = [[1, 1], [0, 1]] is not symmetric: (B + B^T) W = [4, 5], while 2 B W = [6, 4]
    np.testing.assert_array_equal(grad_trace_WtBW([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]), [[4.0], [5.0]])
    np.testing.assert_array_equal(grad_trace_WtBW_naive([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]), [[6.0], [4.0]])


@pytest.mark.parametrize("shape", [(1, 1), (3, 2), (2, 5)])
def test_the_three_identities_pass_the_check_on_nonsymmetric_data(rng, shape):
    d, k = shape
    W, A, B, S = (rng.standard_normal(s) for s in ((d, k), (k, d), (d, k), (d, d)))
    assert matgrad.check_gradient(lambda w: trace_AW(A, w), lambda w: grad_trace_AW(A), W)
    assert matgrad.check_gradient(trace_WtB, lambda w, B: grad_trace_WtB(B), W, args=(B,))
    assert matgrad.check_gradient(trace_WtBW, grad_trace_WtBW, W, args=(S,))


def test_the_naive_quadratic_gradient_is_rejected_unless_B_is_symmetric(rng):
    W = rng.standard_normal((4, 2))
    B = rng.standard_normal((4, 4))
    assert not np.allclose(B, B.T)
    assert not matgrad.check_gradient(trace_WtBW, grad_trace_WtBW_naive, W, args=(B,))
    S = B + B.T
    assert matgrad.check_gradient(trace_WtBW, grad_trace_WtBW_naive, W, args=(S,))
    np.testing.assert_allclose(grad_trace_WtBW_naive(W, S), grad_trace_WtBW(W, S), rtol=1e-12)


def test_the_naive_rule_errs_by_the_skew_part(rng):
    W, B = rng.standard_normal((3, 2)), rng.standard_normal((3, 3))
    np.testing.assert_allclose(grad_trace_WtBW_naive(W, B) - grad_trace_WtBW(W, B), (B - B.T) @ W, atol=1e-12)


def test_a_skew_symmetric_B_gives_a_zero_form_and_a_zero_gradient_but_a_nonzero_naive_one(rng):
    K = rng.standard_normal((3, 3))
    K = K - K.T
    W = rng.standard_normal((3, 2))
    assert abs(trace_WtBW(W, K)) < 1e-12
    np.testing.assert_allclose(grad_trace_WtBW(W, K), 0.0, atol=1e-12)
    assert np.max(np.abs(grad_trace_WtBW_naive(W, K))) > 0.1


# --- the expansion of the loss -------------------------------------------------------------------


@given(regression_problems(vector=False))
def test_the_four_terms_add_up_to_the_squared_norm(problem):
    W, X, Y = problem
    terms = trace_expansion_terms(W, X, Y)
    scale = max(abs(terms.WtXtXW), abs(terms.YtXW), abs(terms.YtY), 1.0)
    assert terms.squared_norm == pytest.approx(float(np.sum((X @ W - Y) ** 2)), abs=1e-12 * scale)
    assert terms.YtXW == pytest.approx(terms.WtXtY, rel=1e-12, abs=1e-12 * scale)
    assert loss_by_trace(W, X, Y) == pytest.approx(matgrad.loss(W, X, Y), abs=1e-12 * scale)


@given(regression_problems(vector=False))
def test_the_trace_gradients_equal_grad_W_and_grad_X(problem):
    W, X, Y = problem
    scale = matrix_scale(W, X, Y)
    np.testing.assert_allclose(grad_W_by_trace(W, X, Y), matgrad.grad_W(W, X, Y), rtol=1e-10, atol=1e-11 * scale)
    scale_X = scale * max(float(np.max(np.abs(W))), 1.0) ** 2
    np.testing.assert_allclose(grad_X_by_trace(W, X, Y), matgrad.grad_X(W, X, Y), rtol=1e-10, atol=1e-11 * scale_X)


def test_the_trace_gradients_pass_the_check_in_W_and_in_X(problem):
    W, X, Y = problem
    assert matgrad.check_gradient(matgrad.loss, grad_W_by_trace, W, args=(X, Y))
    assert matgrad.check_gradient(lambda x: matgrad.loss(W, x, Y), lambda x: grad_X_by_trace(W, x, Y), X)


def test_the_term_gradients_are_the_identities_applied_to_X_and_Y(problem):
    W, X, Y = problem
    terms = trace_gradient_terms(W, X, Y)
    np.testing.assert_allclose(terms.WtXtXW, 2 * X.T @ X @ W, rtol=1e-12)  # X^T X is symmetric
    np.testing.assert_allclose(terms.YtXW, X.T @ Y, rtol=1e-12)
    np.testing.assert_allclose(terms.WtXtY, X.T @ Y, rtol=1e-12)
    np.testing.assert_array_equal(terms.YtY, np.zeros_like(W))
    np.testing.assert_allclose(terms.combined / X.shape[0], matgrad.grad_W(W, X, Y), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("term", TraceTerms._fields)
def test_each_term_gradient_passes_the_check_against_its_own_term(problem, term):
    W, X, Y = problem

    def f(w):
        return getattr(trace_expansion_terms(w, X, Y), term)

    def grad(w):
        return getattr(trace_gradient_terms(w, X, Y), term)

    assert matgrad.check_gradient(f, grad, W)


def test_a_one_by_one_problem_by_hand():
    W, X, Y = np.array([[2.0]]), np.array([[3.0]]), np.array([[1.0]])
    # r = 3 * 2 - 1 = 5, so L = 25, dL/dW = 2 * 3 * 5 = 30 and dL/dX = 2 * 5 * 2 = 20
    assert trace_expansion_terms(W, X, Y) == (36.0, 6.0, 6.0, 1.0)
    assert loss_by_trace(W, X, Y) == pytest.approx(25.0)
    np.testing.assert_allclose(grad_W_by_trace(W, X, Y), [[30.0]])
    np.testing.assert_allclose(grad_X_by_trace(W, X, Y), [[20.0]])


# --- the catalogue -------------------------------------------------------------------------------


def test_the_catalogue_has_unique_names_and_cites_the_cookbook():
    names = [identity.name for identity in IDENTITIES]
    assert len(names) >= 8 and len(set(names)) == len(names)
    for identity in IDENTITIES:
        assert identity.formula.startswith(r"\frac{\partial}{\partial ") and "=" in identity.formula
        assert identity.cookbook == "" or identity.cookbook.startswith("eq. (")
        assert "0x" not in repr(identity) and "0x" not in repr(identity.instantiate())  # stable printed output
    cited = {identity.name: identity.cookbook for identity in IDENTITIES}
    assert cited["tr(AW)"].startswith("eq. (100)")
    assert cited["tr(W^T B)"] == "eq. (103)"
    assert cited["tr(W^T B W)"] == "eq. (108)"


@pytest.mark.parametrize(("seed", "d", "k"), [(0, 3, 2), (1, 1, 1), (2, 2, 4), (3, 4, 3)])
def test_every_identity_verifies(seed, d, k):
    results = verify_identities(seed, d=d, k=k)
    assert [identity for identity, _ in results] == list(IDENTITIES)
    failed = [(identity.name, check.message) for identity, check in results if not check.ok]
    assert not failed


def test_every_identity_verifies_with_richardson_differences():
    assert all(check.ok for _, check in verify_identities(5, method="richardson"))


@pytest.mark.parametrize("identity", IDENTITIES, ids=lambda i: i.name)
def test_every_identity_rejects_a_wrong_gradient(identity):
    instance = identity.instantiate(seed=11, d=3, k=2)
    assert instance.grad(instance.W).shape == instance.W.shape
    assert not matgrad.check_gradient(instance.f, lambda W: 1.5 * instance.grad(W), instance.W)
    if instance.W.ndim == 2 and instance.W.shape[0] == instance.W.shape[1]:
        assert not matgrad.check_gradient(instance.f, lambda W: instance.grad(W).T, instance.W)


def test_instances_are_reproducible_and_have_the_documented_variable():
    by_name = {identity.name: identity for identity in IDENTITIES}
    a = by_name["tr(W^T B W)"].instantiate(seed=4, d=4, k=2)
    b = by_name["tr(W^T B W)"].instantiate(seed=4, d=4, k=2)
    np.testing.assert_array_equal(a.W, b.W)
    assert a.f(a.W) == b.f(b.W)
    assert not np.array_equal(a.W, by_name["tr(W^T B W)"].instantiate(seed=5, d=4, k=2).W)
    square = by_name["ln|det W|"].instantiate(seed=0, d=3, k=5)
    assert square.W.shape == (3, 3) and abs(np.linalg.det(square.W)) > 0.5
    assert by_name["w^T B w"].instantiate(seed=0, d=3, k=5).W.shape == (3,)
