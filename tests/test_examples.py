"""Tests of matgrad.examples: the smooth example functions, their gradients and the test bed of problems."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
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
A = np.eye(3) + 0.4 * RNG.standard_normal((3, 3))  # non-symmetric, so a missing transpose shows
X = RNG.standard_normal((6, 3))
W = RNG.standard_normal((3, 2))


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def test_values_agree_with_numpy():
    assert log_det(A) == pytest.approx(np.log(abs(np.linalg.det(A))), rel=1e-13)
    assert trace_inverse(A) == pytest.approx(np.trace(np.linalg.inv(A)), rel=1e-13)
    assert softplus_loss(W, X) == pytest.approx(np.sum(np.log1p(np.exp(X @ W))) / 6, rel=1e-13)


def test_gradients_obey_the_matrix_identities():
    assert not np.allclose(A, A.T)
    np.testing.assert_allclose(log_det_grad(A).T @ A, np.eye(3), atol=1e-12)  # A^{-T}
    inv_T = np.linalg.inv(A).T
    np.testing.assert_allclose(trace_inverse_grad(A), -inv_T @ inv_T, rtol=1e-12)
    assert not check_gradient(log_det, np.linalg.inv, A)  # the transpose forgotten


@pytest.mark.parametrize(
    "f, grad, x, args",
    [
        (log_det, log_det_grad, A, ()),
        (trace_inverse, trace_inverse_grad, A, ()),
        (softplus_loss, softplus_loss_grad, W, (X,)),
    ],
    ids=["log_det", "trace_inverse", "softplus"],
)
def test_gradients_match_the_complex_step_and_central_differences(f, grad, x, args):
    # the complex step has no cancellation: agreement to ~1e-15 confirms the gradient and the analyticity
    assert rel_err(numerical_gradient(f, x, method="complex", args=args), grad(x, *args)) < 1e-14
    assert rel_err(numerical_gradient(f, x, method="central", args=args), grad(x, *args)) < 1e-8


def test_log_det_of_a_negative_determinant_is_log_abs_det():
    B = A[[1, 0, 2]]  # swapping two rows flips the sign of det
    assert np.linalg.det(B) < 0
    assert log_det(B) == pytest.approx(log_det(A), rel=1e-14)
    assert rel_err(numerical_gradient(log_det, B, method="complex"), log_det_grad(B)) < 1e-14


def test_the_value_is_complex_exactly_for_complex_input():
    assert type(log_det(A)) is float and type(trace_inverse(A)) is float and type(softplus_loss(W, X)) is float
    for value in (log_det(A + 1e-3j * np.eye(3)), trace_inverse(A + 1e-3j), softplus_loss(W + 1e-3j, X)):
        assert type(value) is complex
    # imaginary part 0 is still complex: the complex step reads Im f(x + ih) / h
    value = log_det(A + 0j)
    assert type(value) is complex and value.imag == 0 and value.real == pytest.approx(log_det(A), rel=1e-14)


@pytest.mark.parametrize("point", [np.eye(2), np.diag([2.0, 3.0]), np.array([[2.0, 1.0], [0.0, 3.0]])])
def test_the_complex_step_works_where_a_gradient_entry_is_zero(point):
    for f, grad in ((log_det, log_det_grad), (trace_inverse, trace_inverse_grad)):
        assert np.any(grad(point) == 0)
        np.testing.assert_allclose(numerical_gradient(f, point, method="complex"), grad(point), rtol=1e-14, atol=0)


def test_softplus_does_not_overflow_for_large_arguments():
    Xbig, w = np.array([[1000.0], [-1000.0]]), np.array([1.0])
    assert softplus_loss(w, Xbig) == pytest.approx(500.0)
    np.testing.assert_allclose(softplus_loss_grad(w, Xbig), [500.0])
    value = softplus_loss(w + 1e-20j, Xbig)
    assert np.isfinite(value.real) and value.imag / 1e-20 == pytest.approx(500.0)


def test_softplus_takes_a_vector_W_and_integer_data():
    w = np.array([1, -1, 2])
    assert softplus_loss_grad(w, X).shape == (3,)
    assert np.isfinite(softplus_loss(w, np.ones((2, 3), dtype=int)))


@pytest.mark.parametrize(
    "call, exc, fragment",
    [
        (lambda: log_det(np.ones((2, 3))), ValueError, r"\(2, 3\)"),
        (lambda: log_det(np.ones((2, 2))), ValueError, "singular"),
        (lambda: trace_inverse_grad(np.zeros((2, 2))), ValueError, "singular"),
        (lambda: log_det("abc"), TypeError, "numeric"),
        (lambda: log_det([[np.nan, 0], [0, 1]]), ValueError, "non-finite"),
        (lambda: softplus_loss(np.ones((2, 2)), np.ones((4, 3))), ValueError, r"\(4, 3\).*\(2, 2\)"),
        (lambda: softplus_loss_grad(np.ones(3) + 1j, np.ones((2, 3))), TypeError, "real"),
    ],
)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=fragment):
        call()


def test_smooth_problems_are_a_seeded_test_bed():
    problems = smooth_problems(3)
    assert [p.name for p in problems] == ["least squares", "log det", "trace of inverse", "softplus of XW"]
    assert [p.quadratic for p in problems] == [True, False, False, False]
    for p, q in zip(problems, smooth_problems(3), strict=True):
        assert isinstance(p, SmoothProblem) and "->" in p.formula
        np.testing.assert_array_equal(p.x, q.x)
        assert p.f(p.x) == q.f(q.x) and p.grad(p.x).shape == p.x.shape
    assert not np.array_equal(smooth_problems(4)[1].x, problems[1].x)
    assert [p.x.shape for p in smooth_problems(0, N=5, d=2, k=1, n=3)] == [(2, 1), (3, 3), (3, 3), (2, 1)]


@pytest.mark.parametrize("seed", range(3))
def test_every_problem_passes_the_check_and_a_wrong_gradient_fails(seed):
    for p in smooth_problems(seed):
        assert check_gradient(p.f, p.grad, p.x), p.name
        assert check_gradient(p.f, p.grad, p.x, method="complex"), p.name
        assert not check_gradient(p.f, lambda x, p=p: 1.001 * p.grad(x), p.x), p.name


def test_only_the_quadratic_problem_has_no_truncation_error():
    for p in smooth_problems(0):
        err = rel_err(numerical_gradient(p.f, p.x, h=0.05), p.grad(p.x))
        assert (err < 1e-12) == p.quadratic, p.name


@settings(max_examples=20)
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_gradients_pass_the_check_on_random_well_conditioned_matrices(seed, n):
    # singular values in [0.5, 2]: the functions vary on the unit scale that the default steps assume
    rng = np.random.default_rng(seed)
    Q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    Q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = Q1 @ np.diag(rng.uniform(0.5, 2.0, n)) @ Q2.T
    assert check_gradient(log_det, log_det_grad, M, method="richardson")
    assert check_gradient(trace_inverse, trace_inverse_grad, M, method="richardson")
    assert not check_gradient(log_det, lambda A: 1.001 * log_det_grad(A), M, method="richardson")
