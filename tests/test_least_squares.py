"""Unit and property tests of the loss and its gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from strategies import regression_problems

import matgrad
from matgrad import grad_W, grad_X, grad_Y, loss, loss_and_grad, residual


def entrywise_loss(W, X, Y):
    """The loss written as the book's triple sum, with explicit loops (independent oracle)."""
    W2 = np.atleast_2d(W.T).T if W.ndim == 1 else W
    Y2 = Y.reshape(len(Y), -1)
    N, d = X.shape
    total = 0.0
    for i in range(N):
        for j in range(W2.shape[1]):
            r = sum(X[i, m] * W2[m, j] for m in range(d)) - Y2[i, j]
            total += r * r
    return total / N


def test_loss_known_value():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    W = np.array([[1.0], [1.0]])
    Y = np.array([[0.0], [1.0]])
    # residual (1, 1): loss = (1 + 1) / 2
    assert loss(W, X, Y) == 1.0
    np.testing.assert_allclose(grad_W(W, X, Y), [[1.0], [2.0]])
    np.testing.assert_allclose(grad_X(W, X, Y), [[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(grad_Y(W, X, Y), [[-1.0], [-1.0]])


def test_loss_returns_python_float(problem):
    value = loss(*problem)
    assert type(value) is float
    assert repr(value) == repr(float(value))  # no np.float64(...) in printed output


@given(regression_problems())
def test_loss_matches_triple_sum(problem):
    W, X, Y = problem
    expected = entrywise_loss(W, X, Y)
    assert loss(W, X, Y) == pytest.approx(expected, rel=1e-10, abs=1e-10)


@given(regression_problems())
def test_gradients_match_formulas_and_shapes(problem):
    W, X, Y = problem
    N = X.shape[0]
    R = X @ W - Y
    gW, gX, gY = grad_W(W, X, Y), grad_X(W, X, Y), grad_Y(W, X, Y)
    assert gW.shape == W.shape and gX.shape == X.shape and gY.shape == Y.shape
    np.testing.assert_allclose(gW, 2 / N * X.T @ R, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(gX, 2 / N * np.outer(R, W) if W.ndim == 1 else 2 / N * R @ W.T, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(gY, -2 / N * R, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(residual(W, X, Y), R)


@given(regression_problems())
def test_loss_and_grad_agrees_with_separate_calls(problem):
    W, X, Y = problem
    value, G = loss_and_grad(W, X, Y)
    assert value == pytest.approx(loss(W, X, Y), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(G, grad_W(W, X, Y), rtol=1e-12, atol=1e-12)


@given(regression_problems())
def test_gradients_pass_the_checker(problem):
    W, X, Y = problem
    # rescale to unit size so that the default steps suit the problem
    s = max(np.max(np.abs(X)), np.max(np.abs(W)), np.max(np.abs(Y)), 1.0)
    W, X, Y = W / s, X / s, Y / s
    assert matgrad.check_gradient(lambda w: loss(w, X, Y), lambda w: grad_W(w, X, Y), W)
    assert matgrad.check_gradient(lambda x: loss(W, x, Y), lambda x: grad_X(W, x, Y), X)
    assert matgrad.check_gradient(lambda y: loss(W, X, y), lambda y: grad_Y(W, X, y), Y)


def test_vector_case(problem):
    _, X, Y = problem
    w, y = np.array([0.5, -1.0, 2.0]), Y[:, 0]
    g = grad_W(w, X, y)
    assert g.shape == (3,)
    np.testing.assert_allclose(g, grad_W(w[:, None], X, y[:, None])[:, 0])
    assert loss(w, X, y) == pytest.approx(loss(w[:, None], X, y[:, None]))
    assert grad_X(w, X, y).shape == X.shape


def test_gradient_is_zero_at_least_squares_solution(problem):
    _, X, Y = problem
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    assert np.max(np.abs(grad_W(W_star, X, Y))) < 1e-12


def test_integer_input_promoted():
    X = np.array([[1, 2], [3, 4], [5, 6]])
    W = np.array([[1], [0]])
    Y = np.array([[1], [2], [3]])
    g = grad_W(W, X, Y)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 / 3 * X.T @ (X @ W - Y))
    assert loss([[1], [0]], [[1, 2], [3, 4], [5, 6]], [[1], [2], [3]]) == pytest.approx(loss(W, X, Y))


def test_complex_W_gives_complex_loss_for_complex_step(problem):
    W, X, Y = problem
    E = np.zeros_like(W)
    E[1, 0] = 1.0
    value = loss(W + 1e-20j * E, X, Y)
    assert isinstance(value, complex)
    assert value.imag / 1e-20 == pytest.approx(grad_W(W, X, Y)[1, 0], rel=1e-13)


def test_inputs_are_not_modified(problem):
    W, X, Y = (a.copy() for a in problem)
    for a in (W, X, Y):
        a.setflags(write=False)
    for fn in (loss, grad_W, grad_X, grad_Y, loss_and_grad, residual):
        fn(W, X, Y)
    for a, b in zip((W, X, Y), problem, strict=True):
        np.testing.assert_array_equal(a, b)


def test_float32_input_keeps_precision(problem):
    W, X, Y = (a.astype(np.float32) for a in problem)
    assert grad_W(W, X, Y).dtype == np.float32


@pytest.mark.parametrize("fn", [loss, grad_W, grad_X, grad_Y, loss_and_grad, residual])
@pytest.mark.parametrize(
    "shapes, fragment",
    [
        (((4, 2), (5, 3), (5, 2)), "X has shape (5, 3) but W has shape (4, 2): X.shape[1] must equal W.shape[0]"),
        (((3, 2), (5, 3), (4, 2)), "Y has shape (4, 2)"),
        (((3, 2), (5, 3), (5, 3)), "Y must have shape (5, 2)"),
        (((3,), (5, 3), (5, 1)), "Y must have shape (5,)"),
        (((3, 2), (5,), (5, 2)), "X must be a 2-D array"),
        (((3, 2, 1), (5, 3), (5, 2)), "W must have shape (d, k) or (d,)"),
        (((3, 2), (0, 3), (0, 2)), "N = 0"),
    ],
)
def test_shape_errors_name_the_shapes(fn, shapes, fragment):
    W, X, Y = (np.ones(s) for s in shapes)
    with pytest.raises(ValueError) as info:
        fn(W, X, Y)
    assert fragment in str(info.value)


@pytest.mark.parametrize("fn", [loss, grad_W, grad_X, grad_Y, loss_and_grad, residual])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_non_finite_input_raises_unless_opted_out(fn, bad, which, problem):
    args = [a.copy() for a in problem]
    args[which][0, 0] = bad
    name = "WXY"[which]
    with pytest.raises(ValueError, match=rf"{name} contains 1 non-finite value"):
        fn(*args)
    with np.errstate(all="ignore"):
        fn(*args, check_finite=False)  # opting out computes (and propagates) without raising


@pytest.mark.parametrize("fn", [loss, grad_W, grad_X, grad_Y, loss_and_grad, residual])
@pytest.mark.parametrize("bad", ["abc", None, {"a": 1}, [["1", "2"]], [[1, 2], [3]]])
def test_non_numeric_input_raises_type_error(fn, bad, problem):
    W, X, Y = problem
    with pytest.raises(TypeError, match="W"):
        fn(bad, X, Y)


def test_object_array_of_numbers_is_accepted(problem):
    W, X, Y = problem
    assert loss(W.astype(object), X, Y) == pytest.approx(loss(W, X, Y))
