"""Tests of chapter 8's fifteen-line checker: its verdicts, its loop, and the two weaknesses the chapter shows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import matgrad
from matgrad.chapters.numerical_verification import CountingFunction, simple_check

moderate = st.integers(-30, 30).map(lambda i: i / 10)  # tenths in [-3, 3]: no underflow


@pytest.fixture
def problem():
    """The chapter's regression problem at a generic random point: (f, grad, W, X, Y)."""
    X, _, Y = matgrad.make_regression(20, 3, 2, seed=0)
    W = np.random.default_rng(1).standard_normal((3, 2))
    return (lambda W_: matgrad.loss(W_, X, Y)), (lambda W_: matgrad.grad_W(W_, X, Y)), W, X, Y


def test_the_right_gradient_of_the_loss_passes(problem):
    f, grad, W, _, _ = problem
    ok, error = simple_check(f, grad, W)
    assert ok is True
    assert error < 1e-8


@pytest.mark.parametrize(("factor", "expected"), [(0.5, 0.5), (2.0, 0.5), (-1.0, 2.0), (1.01, 0.01 / 1.01)])
def test_a_wrong_factor_fails_with_its_relative_error(problem, factor, expected):
    f, grad, W, _, _ = problem
    ok, error = simple_check(f, lambda W_: factor * grad(W_), W)
    assert ok is False
    assert error == pytest.approx(expected, rel=1e-6)


def test_wrong_shape_fails_without_differencing(problem):
    f, grad, W, _, _ = problem
    calls = []

    def counted(W_):
        calls.append(1)
        return f(W_)

    assert simple_check(counted, lambda W_: grad(W_).T, W) == (False, math.inf)
    assert calls == []


def test_every_evaluation_moves_exactly_one_entry_by_h_and_restores_it():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
    original = x.copy()
    seen = []

    def f(v):
        seen.append(v.copy())
        return float(np.sum(v**2))

    h = 1e-3
    ok, _ = simple_check(f, lambda v: 2 * v, x, h=h)
    assert ok
    np.testing.assert_array_equal(x, original)  # the caller's array is untouched
    assert len(seen) == 2 * x.size
    for j, point in enumerate(seen):
        moved = np.argwhere(point != original)
        assert len(moved) == 1  # the previous entry was restored
        i = tuple(moved[0])
        assert i == np.unravel_index(j // 2, x.shape)  # entries in order, + then -
        assert point[i] - original[i] == pytest.approx(h if j % 2 == 0 else -h, rel=1e-9)


def test_tolerance_and_step_are_used():
    f = lambda v: float(np.sum(np.sin(v)))  # noqa: E731
    x = np.array([0.3, -1.2, 2.0])
    off = lambda v: np.cos(v) * (1 + 1e-4)  # noqa: E731  relative error 1e-4
    assert simple_check(f, off, x)[0] is False
    assert simple_check(f, off, x, tol=1e-3)[0] is True
    # a huge step: truncation h^2 |f'''| / 6 makes even the right gradient fail
    assert simple_check(f, np.cos, x, h=0.5)[0] is False
    assert simple_check(f, np.cos, x, h=0.5)[1] == pytest.approx(0.5**2 / 6, rel=0.05)


def test_a_zero_gradient_of_a_constant_passes():
    assert simple_check(lambda v: 3.0, lambda v: np.zeros_like(v), np.ones(4)) == (True, 0.0)


@given(arrays(np.float64, st.integers(1, 6), elements=moderate), arrays(np.float64, 6, elements=moderate))
def test_quadratic_forms_pass_and_their_halves_fail(x, a):
    a = 1.0 + np.abs(a[: x.size])  # f(x) = sum a_i x_i^2, curvature at least 2

    def f(v):
        return float(np.sum(a * v**2))

    ok, error = simple_check(f, lambda v: 2 * a * v, x)
    assert ok, error
    if np.any(x != 0):
        assert simple_check(f, lambda v: a * v, x) == (False, pytest.approx(0.5, rel=1e-6))


def test_false_alarm_where_f_is_huge_next_to_its_gradient():
    # targets of size 1e8: |f| ~ 1e16, so the rounding error u |f| / h of the fixed step swamps tol
    X, W, Y = matgrad.make_regression(20, 4, 2, seed=0)
    Y = 1e8 * Y
    f = lambda W_: matgrad.loss(W_, X, Y)  # noqa: E731
    grad = lambda W_: matgrad.grad_W(W_, X, Y)  # noqa: E731
    ok, error = simple_check(f, grad, W)
    assert not ok and error > 1e-4
    assert matgrad.check_gradient(f, grad, W).ok
    assert not matgrad.check_gradient(f, lambda W_: 2 * grad(W_), W).ok


def test_false_pass_of_a_wrong_row_that_is_tiny_next_to_the_others(problem):
    # one feature 1e7 times smaller: its row of the gradient is too small for the normwise error to see
    _, _, W, X, Y = problem
    X = X.copy()
    X[:, 0] *= 1e-7
    f = lambda W_: matgrad.loss(W_, X, Y)  # noqa: E731

    def sign_of_row_0_flipped(W_):
        G = matgrad.grad_W(W_, X, Y)
        G[0] = -G[0]
        return G

    ok, error = simple_check(f, sign_of_row_0_flipped, W)
    assert ok and error > 1e-8
    assert not matgrad.check_gradient(f, sign_of_row_0_flipped, W).ok


def test_registered_as_a_chapter_module():
    assert matgrad.chapters.numerical_verification.simple_check is simple_check


def test_counting_function_counts_every_evaluation_and_passes_values_through():
    f = CountingFunction(lambda x, scale=1.0: scale * float(np.sum(x)))
    assert f.calls == 0
    assert f(np.ones(3)) == 3.0
    assert f(np.ones(2), scale=2.0) == 4.0
    assert f.calls == 2


def test_counting_function_counts_what_check_gradient_reports(problem):
    f, grad, W, _, _ = problem
    counted = CountingFunction(f)
    result = matgrad.check_gradient(counted, grad, W)
    assert counted.calls == result.n_evals == 2 * W.size + 1 + 2 * len(result.rechecked)
