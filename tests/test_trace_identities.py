"""Tests of the trace-expansion derivation (chapter 02-trace) and of the catalogue of identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from strategies import regression_problems

import matgrad
from matgrad.chapters.trace import (
    IDENTITIES,
    Identity,
    IdentityInstance,
    TraceGradientTerms,
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


def unit_scale(W, X, Y):
    """Rescale a problem to entries of size at most 1, so that the checker's default steps suit it."""
    s = max(np.max(np.abs(X)), np.max(np.abs(W)), np.max(np.abs(Y)), 1.0)
    return W / s, X / s, Y / s


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# --- the three identities -----------------------------------------------------------------------


def test_trace_values_match_numpy(rng):
    d, k = 4, 3
    W = rng.standard_normal((d, k))
    A = rng.standard_normal((k, d))
    B = rng.standard_normal((d, k))
    S = rng.standard_normal((d, d))
    assert trace_AW(A, W) == pytest.approx(np.trace(A @ W), rel=1e-12)
    assert trace_WtB(W, B) == pytest.approx(np.trace(W.T @ B), rel=1e-12)
    assert trace_WtBW(W, S) == pytest.approx(np.trace(W.T @ S @ W), rel=1e-12)
    assert type(trace_AW(A, W)) is float


def test_known_values():
    assert trace_AW([[1, 2]], [[3], [4]]) == 11.0
    np.testing.assert_array_equal(grad_trace_AW([[1, 2]]), [[1.0], [2.0]])
    np.testing.assert_array_equal(grad_trace_WtB([[1, 2]]), [[1.0, 2.0]])
    np.testing.assert_array_equal(grad_trace_WtBW([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]), [[4.0], [5.0]])
    np.testing.assert_array_equal(grad_trace_WtBW_naive([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]), [[6.0], [4.0]])


@pytest.mark.parametrize("shape", [(1, 1), (3, 2), (2, 5)])
def test_identity_gradients_pass_the_check_on_nonsymmetric_data(rng, shape):
    d, k = shape
    W = rng.standard_normal((d, k))
    A = rng.standard_normal((k, d))
    B = rng.standard_normal((d, k))
    S = rng.standard_normal((d, d))
    assert matgrad.check_gradient(lambda w: trace_AW(A, w), lambda w: grad_trace_AW(A), W)
    assert matgrad.check_gradient(lambda w: trace_WtB(w, B), lambda w: grad_trace_WtB(B), W)
    assert matgrad.check_gradient(lambda w: trace_WtBW(w, S), lambda w: grad_trace_WtBW(w, S), W)


def test_gradient_functions_return_copies(rng):
    A = rng.standard_normal((2, 3))
    G = grad_trace_AW(A)
    G[0, 0] = 99.0
    assert A[0, 0] != 99.0
    B = rng.standard_normal((3, 2))
    grad_trace_WtB(B)[0, 0] = 99.0
    assert B[0, 0] != 99.0


def test_naive_quadratic_gradient_fails_for_nonsymmetric_and_passes_for_symmetric_B(rng):
    d, k = 4, 2
    W = rng.standard_normal((d, k))
    B = rng.standard_normal((d, d))
    assert not np.allclose(B, B.T)
    f = lambda w: trace_WtBW(w, B)  # noqa: E731
    assert not matgrad.check_gradient(f, lambda w: grad_trace_WtBW_naive(w, B), W)
    S = B + B.T
    assert matgrad.check_gradient(lambda w: trace_WtBW(w, S), lambda w: grad_trace_WtBW_naive(w, S), W)
    np.testing.assert_allclose(grad_trace_WtBW_naive(W, S), grad_trace_WtBW(W, S), rtol=1e-12)


def test_skew_symmetric_B_gives_zero_form_and_zero_gradient(rng):
    K = rng.standard_normal((3, 3))
    K = K - K.T
    W = rng.standard_normal((3, 2))
    assert abs(trace_WtBW(W, K)) < 1e-12
    np.testing.assert_allclose(grad_trace_WtBW(W, K), 0.0, atol=1e-12)
    assert np.max(np.abs(grad_trace_WtBW_naive(W, K))) > 0.1


# --- the expansion of the loss -------------------------------------------------------------------


@given(regression_problems())
def test_expanded_form_equals_the_squared_norm(problem):
    W, X, Y = problem
    terms = trace_expansion_terms(W, X, Y)
    assert isinstance(terms, TraceTerms)
    expected = float(np.sum((X @ W - Y) ** 2))
    scale = max(abs(terms.WtXtXW), abs(terms.YtXW), abs(terms.YtY), 1.0)
    assert terms.squared_norm == pytest.approx(expected, abs=1e-12 * scale)
    assert terms.YtXW == pytest.approx(terms.WtXtY, rel=1e-12, abs=1e-12 * scale)
    assert terms.WtXtXW >= -1e-12 * scale and terms.YtY >= 0.0
    assert loss_by_trace(W, X, Y) == pytest.approx(matgrad.loss(W, X, Y), abs=1e-12 * scale)


@given(regression_problems())
def test_trace_gradient_equals_grad_W(problem):
    W, X, Y = problem
    G = grad_W_by_trace(W, X, Y)
    assert G.shape == W.shape
    expected = matgrad.grad_W(W, X, Y)
    scale = max(float(np.max(np.abs(X.T @ X), initial=0)) * float(np.max(np.abs(W))), 1.0)
    np.testing.assert_allclose(G, expected, rtol=1e-10, atol=1e-11 * scale)


@given(regression_problems())
def test_trace_gradient_passes_the_check(problem):
    W, X, Y = unit_scale(*problem)
    assert matgrad.check_gradient(lambda w: matgrad.loss(w, X, Y), lambda w: grad_W_by_trace(w, X, Y), W)
    assert matgrad.check_gradient(lambda x: matgrad.loss(W, x, Y), lambda x: grad_X_by_trace(W, x, Y), X)


def test_gradient_terms_and_their_combination(problem):
    W, X, Y = problem
    N = X.shape[0]
    terms = trace_gradient_terms(W, X, Y)
    assert isinstance(terms, TraceGradientTerms)
    assert all(t.shape == W.shape for t in terms)
    np.testing.assert_allclose(terms.WtXtXW, 2 * X.T @ X @ W, rtol=1e-12)
    np.testing.assert_allclose(terms.YtXW, X.T @ Y, rtol=1e-12)
    np.testing.assert_allclose(terms.WtXtY, X.T @ Y, rtol=1e-12)
    np.testing.assert_array_equal(terms.YtY, 0.0)
    np.testing.assert_allclose(terms.combined / N, matgrad.grad_W(W, X, Y), rtol=1e-12, atol=1e-14)


def test_each_trace_term_gradient_passes_the_check(problem):
    W, X, Y = problem
    grads = trace_gradient_terms(W, X, Y)
    for field in TraceTerms._fields:
        f = lambda w, field=field: getattr(trace_expansion_terms(w, X, Y), field)  # noqa: E731
        g = lambda w, field=field: getattr(trace_gradient_terms(w, X, Y), field)  # noqa: E731
        assert matgrad.check_gradient(f, g, W), field
        assert grads._fields == TraceTerms._fields


def test_smallest_sizes_and_vector_case():
    W, X, Y = np.array([[2.0]]), np.array([[3.0]]), np.array([[1.0]])
    # r = 3*2 - 1 = 5, L = 25, dL/dW = 2 * 3 * 5 = 30
    assert trace_expansion_terms(W, X, Y) == (36.0, 6.0, 6.0, 1.0)
    assert loss_by_trace(W, X, Y) == pytest.approx(25.0)
    np.testing.assert_allclose(grad_W_by_trace(W, X, Y), [[30.0]])
    np.testing.assert_allclose(grad_X_by_trace(W, X, Y), [[20.0]])
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 3))
    w, y = rng.standard_normal(3), rng.standard_normal(6)
    g = grad_W_by_trace(w, X, y)
    assert g.shape == (3,)
    np.testing.assert_allclose(g, matgrad.grad_W(w, X, y), rtol=1e-12)
    np.testing.assert_allclose(grad_X_by_trace(w, X, y), matgrad.grad_X(w, X, y), rtol=1e-12)
    assert trace_expansion_terms(w, X, y).squared_norm == pytest.approx(np.sum((X @ w - y) ** 2))


def test_integer_input_is_promoted():
    X = np.array([[1, 2], [3, 4], [5, 6]])
    W = np.array([[1], [0]])
    Y = np.array([[1], [2], [3]])
    G = grad_W_by_trace(W, X, Y)
    assert G.dtype == np.float64
    np.testing.assert_allclose(G, matgrad.grad_W(W, X, Y))


# --- input errors --------------------------------------------------------------------------------


def test_shape_errors_name_the_shapes():
    W = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(3, 2\).*\(2, 3\)"):
        trace_AW(np.zeros((3, 3)), W)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        trace_WtB(W, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(3, 2\).*\(3, 3\)"):
        trace_WtBW(W, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        grad_trace_WtBW(W, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        grad_trace_WtBW_naive(W, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="2-D"):
        grad_trace_AW(np.zeros(3))
    with pytest.raises(ValueError, match="2-D"):
        trace_WtB(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"Y has shape \(4, 1\)"):
        grad_W_by_trace(W, np.zeros((4, 3)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"X has shape \(4, 2\)"):
        trace_expansion_terms(W, np.zeros((4, 2)), np.zeros((4, 2)))


def test_type_and_finiteness_errors():
    W = np.zeros((2, 1))
    X = np.ones((3, 2))
    Y = np.zeros((3, 1))
    with pytest.raises(TypeError, match="X"):
        grad_W_by_trace(W, "data", Y)
    with pytest.raises(TypeError, match="B"):
        grad_trace_WtB([["a"]])
    bad = X.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        loss_by_trace(W, bad, Y)
    with pytest.raises(ValueError, match="non-finite"):
        trace_WtBW(W, np.array([[np.inf, 0.0], [0.0, 1.0]]))
    G = grad_W_by_trace(W, bad, Y, check_finite=False)
    assert np.isnan(G).any()


# --- the catalogue -------------------------------------------------------------------------------


def test_catalogue_is_well_formed():
    assert len(IDENTITIES) >= 8
    names = [identity.name for identity in IDENTITIES]
    assert len(set(names)) == len(names)
    for identity in IDENTITIES:
        assert isinstance(identity, Identity)
        assert identity.formula.startswith(r"\frac{\partial}{\partial ")
        assert "=" in identity.formula
        assert identity.cookbook == "" or identity.cookbook.startswith("eq. (")
        with pytest.raises(AttributeError):
            identity.name = "changed"  # frozen
        assert "0x" not in repr(identity) and "0x" not in repr(identity.instantiate())  # stable printed output
    cited = {identity.name: identity.cookbook for identity in IDENTITIES}
    assert cited["tr(AW)"].startswith("eq. (100)")
    assert cited["tr(W^T B)"] == "eq. (103)"
    assert cited["tr(W^T B W)"] == "eq. (108)"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("shape", [(3, 2), (1, 1), (2, 4)])
def test_every_identity_verifies(seed, shape):
    d, k = shape
    results = verify_identities(seed, d=d, k=k)
    assert [identity for identity, _ in results] == list(IDENTITIES)
    failed = [(identity.name, check.message) for identity, check in results if not check.ok]
    assert not failed


def test_verify_identities_with_another_method():
    assert all(check.ok for _, check in verify_identities(5, method="richardson"))


@pytest.mark.parametrize("identity", IDENTITIES, ids=lambda i: i.name)
def test_every_identity_rejects_a_wrong_gradient(identity):
    instance = identity.instantiate(seed=11, d=3, k=2)
    assert isinstance(instance, IdentityInstance)
    g = instance.grad(instance.W)
    assert g.shape == instance.W.shape
    assert np.max(np.abs(g)) > 0
    assert not matgrad.check_gradient(instance.f, lambda W: 1.5 * instance.grad(W), instance.W)
    if instance.W.ndim == 2 and instance.W.shape[0] == instance.W.shape[1]:
        assert not matgrad.check_gradient(instance.f, lambda W: instance.grad(W).T, instance.W)


def test_instances_are_reproducible_and_nonsymmetric():
    by_name = {identity.name: identity for identity in IDENTITIES}
    a = by_name["tr(W^T B W)"].instantiate(seed=4, d=4, k=2)
    b = by_name["tr(W^T B W)"].instantiate(seed=4, d=4, k=2)
    np.testing.assert_array_equal(a.W, b.W)
    assert a.f(a.W) == b.f(b.W)
    c = by_name["tr(W^T B W)"].instantiate(seed=5, d=4, k=2)
    assert not np.array_equal(a.W, c.W)
    square = by_name["ln|det W|"].instantiate(seed=0, d=3, k=5)
    assert square.W.shape == (3, 3)
    assert abs(np.linalg.det(square.W)) > 0.5
    vector = by_name["w^T B w"].instantiate(seed=0, d=3, k=5)
    assert vector.W.shape == (3,)


def test_catalogue_input_errors():
    with pytest.raises(ValueError, match="d must be at least 1"):
        verify_identities(d=0)
    with pytest.raises(TypeError, match="k must be an integer"):
        IDENTITIES[0].instantiate(k=2.5)
