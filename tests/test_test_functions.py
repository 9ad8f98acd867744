"""Tests of the smooth test functions: values, gradients (against independent references), domains, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matgrad import check_gradient, numerical_gradient
from matgrad.examples import (
    SmoothProblem,
    log_det,
    log_det_grad,
    smooth_problems,
    softplus_loss,
    softplus_loss_grad,
    trace_inverse,
    trace_inverse_grad,
)

RNG = np.random.default_rng(12)
A = np.eye(3) + 0.4 * RNG.standard_normal((3, 3))
X = RNG.standard_normal((6, 3))
W = RNG.standard_normal((3, 2))


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def test_values_against_numpy():
    assert log_det(A) == pytest.approx(np.log(abs(np.linalg.det(A))), rel=1e-13)
    assert trace_inverse(A) == pytest.approx(np.trace(np.linalg.inv(A)), rel=1e-13)
    Z = X @ W
    assert softplus_loss(W, X) == pytest.approx(np.mean(np.log1p(np.exp(Z))) * Z.shape[1], rel=1e-13)


def test_closed_forms_on_diagonal_matrices():
    D = np.diag([2.0, 0.5, 4.0])
    assert log_det(D) == pytest.approx(np.log(4.0))
    np.testing.assert_allclose(log_det_grad(D), np.diag([0.5, 2.0, 0.25]))
    assert trace_inverse(D) == pytest.approx(0.5 + 2.0 + 0.25)
    np.testing.assert_allclose(trace_inverse_grad(D), -np.diag([0.25, 4.0, 0.0625]))


def test_gradients_obey_the_matrix_identities():
    # log det: grad^T A = I; trace inverse: grad = -(A^{-1})^T (A^{-1})^T
    np.testing.assert_allclose(log_det_grad(A).T @ A, np.eye(3), atol=1e-12)
    inv_T = np.linalg.inv(A).T
    np.testing.assert_allclose(trace_inverse_grad(A), -inv_T @ inv_T, rtol=1e-12)


def test_gradients_are_transposed_for_non_symmetric_input():
    # the test point is deliberately non-symmetric, so forgetting the transpose is detectable
    assert not np.allclose(A, A.T)
    assert not np.allclose(log_det_grad(A), np.linalg.inv(A))
    assert not check_gradient(log_det, np.linalg.inv, A)


@pytest.mark.parametrize(
    "f, grad, x",
    [
        (log_det, log_det_grad, A),
        (trace_inverse, trace_inverse_grad, A),
        (lambda w: softplus_loss(w, X), lambda w: softplus_loss_grad(w, X), W),
    ],
    ids=["log_det", "trace_inverse", "softplus"],
)
def test_gradients_match_complex_step(f, grad, x):
    # complex step has no cancellation: agreement to ~1e-15 confirms both the gradient and the analyticity
    assert rel_err(numerical_gradient(f, x, method="complex"), grad(x)) < 1e-14
    assert rel_err(numerical_gradient(f, x, method="central"), grad(x)) < 1e-8


def test_directional_derivative_of_log_det_is_jacobis_formula():
    D = RNG.standard_normal((3, 3))
    t = 1e-6
    slope = (log_det(A + t * D) - log_det(A - t * D)) / (2 * t)
    assert slope == pytest.approx(np.trace(np.linalg.solve(A, D)), rel=1e-8)


def test_log_det_of_negative_determinant_is_log_abs_det():
    B = A.copy()
    B[[0, 1]] = B[[1, 0]]  # swapping two rows flips the sign of det
    assert np.linalg.det(B) < 0
    assert log_det(B) == pytest.approx(log_det(A), rel=1e-14)
    # the gradient is still B^{-T}, and the complex step still works (analytic continuation of log(-det))
    assert rel_err(numerical_gradient(log_det, B, method="complex"), log_det_grad(B)) < 1e-14


def test_complex_input_gives_complex_output():
    assert isinstance(log_det(A + 1e-3j * np.eye(3)), complex)
    assert isinstance(trace_inverse(A + 1e-3j), complex)
    assert isinstance(softplus_loss(W + 1e-3j, X), complex)
    # complex input with imaginary part 0 still gives a complex value, as matgrad.loss does: the complex
    # step reads Im f(x + ih) / h, and a zero gradient entry makes that imaginary part exactly 0
    value = log_det(A + 0j)
    assert isinstance(value, complex) and value.imag == 0 and value.real == pytest.approx(log_det(A), rel=1e-14)
    assert isinstance(log_det(A), float) and isinstance(softplus_loss(W, X), float)


@pytest.mark.parametrize("point", [np.eye(2), np.diag([2.0, 3.0]), np.array([[2.0, 1.0], [0.0, 3.0]])])
def test_the_complex_step_works_where_a_gradient_entry_is_zero(point):
    """At the identity, a diagonal or a triangular matrix some entries of the gradient are exactly 0."""
    for f, grad in ((log_det, log_det_grad), (trace_inverse, trace_inverse_grad)):
        assert np.any(grad(point) == 0)
        np.testing.assert_allclose(numerical_gradient(f, point, method="complex"), grad(point), rtol=1e-14, atol=0)


def test_softplus_is_stable_for_large_arguments():
    Xbig = np.array([[1000.0], [-1000.0]])
    w = np.array([1.0])
    assert softplus_loss(w, Xbig) == pytest.approx(500.0)
    np.testing.assert_allclose(softplus_loss_grad(w, Xbig), [500.0])
    value = softplus_loss(w + 1e-20j, Xbig)
    assert np.isfinite(value.real) and value.imag / 1e-20 == pytest.approx(500.0)


def test_vector_weights_and_integer_input():
    w = np.array([1, -1, 2])
    assert softplus_loss_grad(w, X).shape == (3,)
    assert np.isfinite(softplus_loss(w, np.ones((2, 3), dtype=int)))
    assert log_det(np.array([[2, 0], [0, 3]])) == pytest.approx(np.log(6))


@pytest.mark.parametrize(
    "call, exc, fragment",
    [
        (lambda: log_det(np.ones((2, 3))), ValueError, r"\(2, 3\)"),
        (lambda: log_det(np.ones((2, 2))), ValueError, "singular"),
        (lambda: log_det_grad(np.ones((2, 2))), ValueError, "singular"),
        (lambda: trace_inverse(np.zeros((2, 2))), ValueError, "singular"),
        (lambda: trace_inverse(np.ones(3)), ValueError, "square"),
        (lambda: log_det(np.empty((0, 0))), ValueError, "non-empty"),
        (lambda: log_det("abc"), TypeError, "numeric"),
        (lambda: softplus_loss(np.ones((2, 2)), np.ones((4, 3))), ValueError, r"\(4, 3\).*\(2, 2\)"),
        (lambda: softplus_loss(np.ones(3), np.ones(3)), ValueError, "2-D"),
        (lambda: softplus_loss_grad(np.ones(3), np.ones((0, 3))), ValueError, "N >= 1"),
        (lambda: log_det([[np.nan, 0], [0, 1]]), ValueError, "non-finite"),
    ],
)
def test_bad_input(call, exc, fragment):
    with pytest.raises(exc, match=fragment):
        call()


def test_smooth_problems_are_a_seeded_test_bed():
    problems = smooth_problems(3)
    assert [p.name for p in problems] == ["least squares", "log det", "trace of inverse", "softplus of XW"]
    assert [p.quadratic for p in problems] == [True, False, False, False]
    again = smooth_problems(3)
    for p, q in zip(problems, again, strict=True):
        assert isinstance(p, SmoothProblem)
        np.testing.assert_array_equal(p.x, q.x)
        assert p.f(p.x) == q.f(q.x)
        assert p.grad(p.x).shape == p.x.shape
        assert "->" in p.formula
    assert not np.array_equal(smooth_problems(4)[1].x, problems[1].x)


def test_smooth_problems_sizes():
    problems = smooth_problems(0, N=5, d=2, k=1, n=3)
    assert [p.x.shape for p in problems] == [(2, 1), (3, 3), (3, 3), (2, 1)]


@pytest.mark.parametrize("seed", range(3))
def test_every_problem_passes_and_a_wrong_gradient_fails(seed):
    for p in smooth_problems(seed):
        assert check_gradient(p.f, p.grad, p.x), p.name
        assert check_gradient(p.f, p.grad, p.x, method="complex"), p.name
        assert not check_gradient(p.f, lambda x, p=p: 1.001 * p.grad(x), p.x), p.name


def test_non_quadratic_functions_have_truncation_error():
    # unlike the loss, a large step visibly hurts central differences on these functions
    for p in smooth_problems(0):
        err = rel_err(numerical_gradient(p.f, p.x, h=0.05), p.grad(p.x))
        assert (err < 1e-12) == p.quadratic, p.name


@given(st.integers(0, 10_000), st.integers(1, 5))
def test_property_gradients_pass_the_checker(seed, n):
    # singular values in [0.5, 2]: the functions vary on the unit scale that the default steps assume
    rng = np.random.default_rng(seed)
    Q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    Q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = Q1 @ np.diag(rng.uniform(0.5, 2.0, n)) @ Q2.T
    assert check_gradient(log_det, log_det_grad, M, method="richardson")
    assert check_gradient(trace_inverse, trace_inverse_grad, M, method="richardson")
    assert not check_gradient(log_det, lambda A: 1.001 * log_det_grad(A), M, method="richardson")


def test_nearly_singular_matrix_is_checked_with_steps_on_its_own_scale():
    # log|a| varies on the scale |a| = 0.02, far below the scale max(|a|, 1) the default steps assume:
    # they fail, and the failure is re-judged with steps relative to |a|, which pass
    A = np.array([[0.02]])
    result = check_gradient(log_det, log_det_grad, A, method="richardson")
    assert result.ok and "verdict was taken with Richardson differences with steps c |x_i|" in result.message
    assert not check_gradient(log_det, log_det_grad, A, method="richardson", h=0.02 * 0.5)  # a step too large
    assert not check_gradient(log_det, lambda a: 1.01 * log_det_grad(a), A, method="richardson")
    assert check_gradient(log_det, log_det_grad, A, method="richardson", h=1e-3 * 0.02)
    assert check_gradient(log_det, log_det_grad, A, method="complex")  # no subtraction: any tiny step works
