"""Tests written to kill the mutants that survived mutation testing (``make mutation``).

Each test states a documented property of the numerical core that the other tests left unchecked:
mixed-precision input, ``check_finite=False``, the stopping rule of gradient descent, the refusal
threshold of the normal-equation solvers, where finite differences evaluate ``f``, and the error
estimate of the gradient checker, which must be exactly the documented rounding model.
docs/DEVELOPERS.md lists the mutants that remain, each with the reason it is equivalent.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from recording import recorded, steps_of

import matgrad
from matgrad import least_squares as ls

gd = importlib.import_module("matgrad.descent")
ne = importlib.import_module("matgrad.solvers")
fd = importlib.import_module("matgrad.finite_differences")
gc = importlib.import_module("matgrad.gradient_check")

EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
TINY = float(np.finfo(np.float64).tiny)


def rng_problem(N=6, d=3, k=2, seed=0, vector=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    W = rng.standard_normal((d,) if vector else (d, k))
    Y = rng.standard_normal((N,) if vector else (N, k))
    return W, X, Y


# ---------------------------------------------------------------------------------------------------
# least_squares: mixed precision, check_finite=False, the blocked path
# ---------------------------------------------------------------------------------------------------


def reference(W, X, Y):
    W, X, Y = (np.asarray(a, dtype=np.complex128 if np.iscomplexobj(a) else np.float64) for a in (W, X, Y))
    R = X @ W - Y
    N = X.shape[0]
    gX = 2 / N * (np.outer(R, W) if W.ndim == 1 else R @ W.T)
    return {"residual": R, "loss": np.sum(R * R) / N, "grad_W": 2 / N * X.T @ R, "grad_X": gX, "grad_Y": -2 / N * R}


def integer_problem(N=6, d=3, k=2, seed=0, vector=False):
    """float32 X and W with small integer entries, so that X W is exact in float32."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, size=(N, d)).astype(np.float32)
    W = rng.integers(-3, 4, size=(d,) if vector else (d, k)).astype(np.float32)
    Y = rng.integers(-3, 4, size=(N,) if vector else (N, k)).astype(np.float64)
    return W, X, Y


@pytest.mark.parametrize("vector", [False, True], ids=["matrix", "vector"])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("y_kind", ["float64", "complex128"])
def test_targets_of_higher_precision_are_not_rounded_to_that_of_XW(vector, k, y_kind):
    """float32 X and W with float64 (or complex) Y: R = X W - Y is formed in Y's precision.

    X W is exact in float32 here, and 0.1 is not a float32 number: subtracting Y in place in the
    float32 array X @ W would round it by about 1e-9.
    """
    W, X, Y = integer_problem(k=k, vector=vector)
    Y = Y + 0.1 if y_kind == "float64" else Y + 0.1j
    ref = reference(W, X, Y)
    for name in ("residual", "loss", "grad_W", "grad_X", "grad_Y"):
        got = getattr(matgrad, name)(W, X, Y)
        np.testing.assert_allclose(got, ref[name], rtol=1e-14, atol=1e-14, err_msg=name)
    value, G = matgrad.loss_and_grad(W, X, Y)
    np.testing.assert_allclose(value, ref["loss"], rtol=1e-14)
    np.testing.assert_allclose(G, ref["grad_W"], rtol=1e-14, atol=1e-14)


def test_targets_keep_their_digits_on_every_path(monkeypatch):
    """The plain, the transposed and the blocked path all subtract a float64 Y from a float32 X W exactly."""
    W, X, Y = integer_problem(N=64, k=2, seed=3)
    Y = Y + 0.1  # digits that float32 cannot hold
    exact = X.astype(np.float64) @ W.astype(np.float64) - Y
    for path in ("plain", "transposed", "blocked"):
        with monkeypatch.context() as m:
            m.setattr(ls, "_TRANSPOSED_MAX_MULTIPLY_ADDS", 10**9 if path == "transposed" else 0)
            if path == "blocked":
                m.setattr(ls, "BLOCK_THRESHOLD_BYTES", 0)
                m.setattr(ls, "BLOCK_BYTES", 8 * X.itemsize * X.shape[1])
                m.setattr(ls, "_MIN_BLOCK_ROWS", 8)
                assert ls._block_rows(X) == 8
            value = matgrad.loss(W, X, Y)
            G = matgrad.grad_W(W, X, Y)
        assert value == pytest.approx(np.sum(exact**2) / 64, rel=1e-14), path
        np.testing.assert_allclose(G, 2 / 64 * X.astype(np.float64).T @ exact, rtol=1e-14, atol=1e-13, err_msg=path)


@pytest.mark.parametrize("fn", [matgrad.loss, matgrad.grad_W, matgrad.grad_X, matgrad.grad_Y, matgrad.loss_and_grad])
def test_check_finite_false_computes_with_non_finite_input(fn):
    """check_finite=False: NaN in, NaN out, no error (the opt-out of scipy.linalg's keyword)."""
    W, X, Y = rng_problem()
    X[2, 1] = np.nan
    result = fn(W, X, Y, check_finite=False)
    values = np.concatenate([np.ravel(part) for part in (result if isinstance(result, tuple) else (result,))])
    assert np.isnan(values).any()
    with pytest.raises(ValueError, match="X contains 1 non-finite"):
        fn(W, X, Y)


def test_hessian_vector_product_check_finite_false():
    V, X, _ = rng_problem()
    X[0, 0] = np.inf
    with np.errstate(invalid="ignore"):
        assert not np.isfinite(matgrad.chapters.hessian.hessian_vector_product(V, X, check_finite=False)).all()
        assert not np.isfinite(matgrad.chapters.hessian.hessian_W(X, check_finite=False)).all()
    with pytest.raises(ValueError, match="X contains"):
        matgrad.chapters.hessian.hessian_vector_product(V, X)


def test_hessian_w_default_is_one_output():
    X = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(matgrad.chapters.hessian.hessian_W(X), 2 / 3 * X.T @ X)


# ---------------------------------------------------------------------------------------------------
# numerical_jacobian: where it evaluates F
# ---------------------------------------------------------------------------------------------------


def test_numerical_jacobian_moves_each_entry_by_the_documented_step():
    """Entry j moves by h max(|x_j|, 1) (rounded so that x + h is exact), default h = eps^(1/3), both ways."""
    x = np.array([0.25, -3.0, 40.0])
    seen = []

    def F(v):
        seen.append(v.copy())
        return v**3

    J = matgrad.chapters.hessian.numerical_jacobian(F, x)
    h = EPS ** (1 / 3)
    moves = np.array([p - x for p in seen[1:]])  # seen[0] is x itself (the output size)
    for j in range(3):
        step = (x[j] + h * max(abs(x[j]), 1.0)) - x[j]
        plus, minus = moves[2 * j], moves[2 * j + 1]
        assert plus[j] == step and minus[j] == -step
        assert np.count_nonzero(plus) == np.count_nonzero(minus) == 1
    # central differences of a cubic: relative error about (h max(|x|,1) / x)^2 / 3 per entry
    np.testing.assert_allclose(np.diag(J), 3 * x**2, rtol=1e-9)
    assert np.count_nonzero(J - np.diag(np.diag(J))) == 0


def test_numerical_hessian_of_a_gradient_with_explicit_step():
    X = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]])
    Y = np.ones((3, 1))
    H = matgrad.chapters.hessian.numerical_hessian(lambda w: matgrad.grad_W(w, X, Y), np.zeros((2, 1)), h=0.5)
    np.testing.assert_allclose(H, matgrad.chapters.hessian.hessian_W(X), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------
# normal equations: the documented refusal threshold 10 d eps, and what the refusal says
# ---------------------------------------------------------------------------------------------------


def qr_rcond(X):
    """The reciprocal condition number the QR solver tests: of R from X = QR, columns scaled to unit norm."""
    s = 1.0 / np.linalg.norm(X, axis=0)
    sv = np.linalg.svd(np.linalg.qr(X)[1] * s[None, :], compute_uv=False)
    return sv[-1] / sv[0]


def cholesky_rcond(X):
    s = 1.0 / np.linalg.norm(X, axis=0)
    ev = np.linalg.eigvalsh(X.T @ X * s[:, None] * s[None, :])
    return ev[0] / ev[-1]


def nearly_dependent(rcond_of, target):
    """X = [[1, 1], [0, t], [0, 0]] with t chosen by bisection so that rcond_of(X) is close to ``target``."""
    lo, hi = 1e-20, 1.0
    for _ in range(200):
        t = math.sqrt(lo * hi)
        if rcond_of(np.array([[1.0, 1.0], [0.0, t], [0.0, 0.0]])) < target:
            lo = t
        else:
            hi = t
    return np.array([[1.0, 1.0], [0.0, hi], [0.0, 0.0]])


@pytest.mark.parametrize(("method", "rcond_of"), [("qr", qr_rcond), ("cholesky", cholesky_rcond)])
def test_refusal_threshold_is_ten_d_eps(method, rcond_of):
    """Solved just above 10 d eps, refused below (with d = 2): the threshold of the module documentation."""
    d = 2
    for factor, solved in ((10.5, True), (11.5, True), (9.0, False), (4.0, False)):
        X = nearly_dependent(rcond_of, factor * d * EPS)
        assert (factor - 1) * d * EPS < rcond_of(X) < (factor + 1) * d * EPS
        Y = X @ np.array([1.0, 2.0])
        if solved:
            W = matgrad.solvers.solve_normal_equations(X, Y, method)
            assert np.all(np.isfinite(W))
        else:
            with pytest.raises(np.linalg.LinAlgError, match=rf"method='{method}'.*not above 10 d eps"):
                matgrad.solvers.solve_normal_equations(X, Y, method)


@pytest.mark.parametrize("method", ["qr", "cholesky"])
def test_refusals_name_the_method_and_the_column(method):
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0]])
    with pytest.raises(np.linalg.LinAlgError, match=rf"method='{method}' needs X of full column rank, but column 1"):
        matgrad.solvers.solve_normal_equations(X, np.ones(3), method)


def test_lstsq_drops_tiny_singular_values_like_numpy():
    """method='lstsq' uses NumPy's default cutoff (rcond=None): a numerically dependent column is ignored."""
    X = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-17], [1.0, 1.0]])
    W = matgrad.solvers.solve_normal_equations(X, np.array([2.0, 2.0, 2.0]), "lstsq")
    np.testing.assert_allclose(W, [1.0, 1.0], rtol=1e-12)


# ---------------------------------------------------------------------------------------------------
# gradient descent: the stopping rule, Gram steps, SGD divergence, the small print
# ---------------------------------------------------------------------------------------------------


def descent_problem(seed=0, N=30, d=4, k=2, scale=1.0):
    X, _, Y = matgrad.make_regression(N, d, k, seed=seed)
    return X, scale * Y


@pytest.mark.parametrize("gram", [False, True])
@pytest.mark.parametrize(("scale", "tol"), [(1.0, 1e-6), (1e-3, 1e-2), (1e-3, 1e-9), (30.0, 1e-8)])
def test_stopping_rule_is_the_first_small_gradient(gram, scale, tol):
    """Converged at the first t with g_t <= tol * max(1, g_0), and not a step earlier (both paths)."""
    X, Y = descent_problem(scale=scale)
    result = matgrad.gradient_descent(X, Y, tol=tol, gram=gram, max_iter=5000)
    g = result.grad_norm_history
    threshold = tol * max(1.0, g[0])
    assert result.converged and not result.diverged
    assert g[-1] <= threshold and np.all(g[:-1] > threshold)
    assert result.n_iter == len(g) - 1 == len(result.loss_history) - 1
    assert f"<= tol * max(1, g_0) = {threshold:.2e}" in result.message


@pytest.mark.parametrize("step_in_units_of_1_over_L", [0.5, 1.0, 1.9, 2.1, 3.0])
def test_gram_steps_agree_with_plain_steps(step_in_units_of_1_over_L):
    """gram=True takes the same steps: the same verdict, number of steps and iterates (to rounding)."""
    X, Y = descent_problem(seed=1)
    L = matgrad.lipschitz_constant(X)
    kwargs = {"step": step_in_units_of_1_over_L / L, "max_iter": 400, "tol": 1e-9, "keep_path": True}
    plain = matgrad.gradient_descent(X, Y, **kwargs)
    gram = matgrad.gradient_descent(X, Y, gram=True, **kwargs)
    assert (gram.converged, gram.diverged, gram.n_iter) == (plain.converged, plain.diverged, plain.n_iter)
    assert gram.gram and not plain.gram
    assert gram.path.shape == plain.path.shape == (plain.n_iter + 1, 4, 2)
    scale = np.abs(plain.path).max()
    np.testing.assert_allclose(gram.path, plain.path, rtol=1e-6, atol=1e-9 * scale)
    np.testing.assert_allclose(gram.grad_norm_history, plain.grad_norm_history, rtol=1e-5,
                               atol=1e-9 * plain.grad_norm_history[0])
    assert plain.diverged == (step_in_units_of_1_over_L > 2)
    if plain.diverged:
        assert "diverged after" in plain.message and "steps above 2/L diverge" in plain.message
        assert f"(step {step_in_units_of_1_over_L:.3g}/L;" in plain.message
        assert gram.message == plain.message


def test_an_exactly_zero_gradient_stops_even_with_tol_zero():
    """With tol = 0 the iteration runs to max_iter unless the gradient becomes exactly zero."""
    X = np.eye(2)  # L = (2/2) * 1 = 1: the step 1/L = 1 lands on the minimiser Y in one step
    Y = np.array([[3.0], [-1.0]])
    for gram in (False, True):
        result = matgrad.gradient_descent(X, Y, tol=0.0, gram=gram)
        assert result.converged and result.n_iter == 1 and result.grad_norm_history[-1] == 0.0
        np.testing.assert_array_equal(result.W, Y)


def test_gradient_descent_defaults():
    X, Y = descent_problem(seed=2)
    result = matgrad.gradient_descent(X, Y, tol=0.0)
    assert result.n_iter == 1000 and not result.converged and not result.gram  # max_iter=1000, gram=False
    assert result.path is None and result.step == 1 / matgrad.lipschitz_constant(X)
    assert not result.loss_history.flags.writeable and result.loss_history.dtype == np.float64
    text = repr(result)
    assert f"final loss {result.loss_history[-1]:.3e}" in text
    assert f"final gradient norm {result.grad_norm_history[-1]:.3e}" in text
    assert "(= 1/L)" in text


def test_gradient_descent_from_a_given_start_leaves_it_alone():
    X, Y = descent_problem(seed=3)
    W0 = np.ones((4, 2))
    result = matgrad.gradient_descent(X, Y, W0=W0, max_iter=3, keep_path=True)
    np.testing.assert_array_equal(W0, 1.0)
    np.testing.assert_array_equal(result.path[0], W0)
    assert result.loss_history[0] == pytest.approx(matgrad.loss(W0, X, Y), rel=1e-12)


def test_sgd_detects_divergence_and_stops():
    X, Y = descent_problem(seed=4)
    L = matgrad.lipschitz_constant(X)
    result = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=30, step=5 / L, n_epochs=200)
    assert result.diverged and result.n_epochs < 200 and result.n_steps == result.n_epochs
    assert result.loss_history[-1] > gd.DIVERGENCE_FACTOR**2 * result.loss_history[0] or not np.isfinite(
        result.loss_history[-1]
    )
    calm = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=7, n_epochs=3)
    assert not calm.diverged and calm.n_epochs == 3 and calm.n_steps == 3 * math.ceil(30 / 7)
    assert f"final loss {calm.loss_history[-1]:.3e}" in repr(calm)
    default = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=7)
    assert default.n_epochs == 10
    same = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=7, seed=0)
    np.testing.assert_array_equal(default.W, same.W)


def test_sgd_starts_where_it_is_told():
    X, Y = descent_problem(seed=5)
    W0 = np.full((4, 2), 0.5)
    result = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=30, n_epochs=1, W0=W0)
    assert result.loss_history[0] == pytest.approx(matgrad.loss(W0, X, Y), rel=1e-12)


def test_minibatch_of_one_row():
    W, X, Y = rng_problem()
    G = matgrad.descent.minibatch_gradient(W, X, Y, [4])
    np.testing.assert_allclose(G, 2 * np.outer(X[4], X[4] @ W - Y[4]), rtol=1e-12)


def test_strong_convexity_of_a_square_matrix():
    """N = d: mu = (2/N) sigma_min(X)^2 > 0 for an invertible X (only N < d forces 0)."""
    X = np.array([[2.0, 0.0], [0.0, 0.5]])
    assert matgrad.descent.strong_convexity_constant(X) == pytest.approx(2 / 2 * 0.25, rel=1e-14)
    assert matgrad.descent.strong_convexity_constant(X[:1]) == 0.0


def test_lipschitz_and_strong_convexity_are_squares_of_singular_values():
    X = np.diag([3.0, 0.5])
    assert matgrad.lipschitz_constant(X) == 9.0
    assert matgrad.descent.strong_convexity_constant(X) == 0.25


# ---------------------------------------------------------------------------------------------------
# finite differences: where f is evaluated
# ---------------------------------------------------------------------------------------------------



@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_differences_step_forward_by_the_default_step(method):
    """The first evaluation after f(x) is at x + h e_0 with h = c max(|x_0|, 1) > 0, rounded to be exact."""
    x = np.array([3.0, -0.5])
    f, points = recorded(lambda v: float(np.sum(v**3)))
    matgrad.numerical_gradient(f, x, method=method)
    h = (x[0] + matgrad.default_step(x, method)[0]) - x[0]
    assert h > 0
    assert points[1][0] - x[0] == h and points[1][1] == x[1]
    if method != "forward":
        assert points[2][0] - x[0] == -h
    if method == "richardson":
        assert points[3][0] - x[0] == 2 * h and points[4][0] - x[0] == -2 * h


def test_float32_function_gets_float32_representable_points():
    """f returning float32: the steps are for float32, and x + h is a float32 number (f sees the exact step)."""
    x = np.array([1.0, 3.0], dtype=np.float32)
    f, points = recorded(lambda v: np.float32(np.sum(v.astype(np.float32) ** 2)))
    g = matgrad.numerical_gradient(f, x)
    for p in points:
        np.testing.assert_array_equal(p.astype(np.float32).astype(np.float64), p)
    h = points[1][0] - 1.0
    assert h > 0 and abs(h - EPS32 ** (1 / 3)) < 0.5 * EPS32 ** (1 / 3)
    np.testing.assert_allclose(g, [2.0, 6.0], rtol=1e-3)


def test_default_step_rejects_a_rounding_unit_of_one():
    with pytest.raises(ValueError, match=r"eps must be a rounding unit in \(0, 1\)"):
        matgrad.default_step(np.ones(2), eps=1.0)


@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_directional_difference_step_and_value(method):
    """Default step c max(max|x|, 1) / ||v||_inf along v, and the slope of a quadratic."""
    x, v = np.array([2.0, -6.0]), np.array([0.5, 1.0])
    f, points = recorded(lambda z: np.sum(z * z))
    slope = matgrad.directional_difference(f, x, v, method=method)
    assert slope == pytest.approx(2 * x @ v, rel=1e-6 if method == "forward" else 1e-9)
    t = fd._step_constant(method, EPS) * 6.0 / 1.0
    first = points[1] if method == "forward" else points[0]
    np.testing.assert_allclose((first - x).imag if method == "complex" else first - x, t * v, rtol=1e-12)


# ---------------------------------------------------------------------------------------------------
# the gradient checker: its error estimate is the documented rounding model
# ---------------------------------------------------------------------------------------------------



def imaginary_steps_of(points, x):
    return np.array([float(np.max(np.abs(p.imag))) for p in points[1:]])


@pytest.mark.parametrize("c", [0.0, 3.0])
@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_full_check_error_estimate_of_a_constant(method, c):
    """For f = c (gradient zero, no curvature) the estimate is u (|f| + tiny) ||w / h||, w by the method.

    Forward: u (|f(x+h)| + |f(x)| + 2 tiny) / h; central: u (|f(x+h)| + |f(x-h)| + 2 tiny) / (2h);
    Richardson: u (4 near / (2h) + far / (4h)) / 3 with near, far = |f(x+-h)|, |f(x+-2h)| sums + 2 tiny;
    complex step: u tiny / h plus u |f| / max(|x_i|, 1).
    """
    x = np.array([0.5, -4.0, 2.0])
    f, points = recorded(lambda v: c + 0.0 * np.sum(v))
    result = matgrad.check_gradient(f, lambda v: np.zeros_like(v), x, method=method)
    assert result.ok and result.rel_error == 0.0
    if method == "complex":
        h = imaginary_steps_of(points, x)
        noise = EPS * TINY / h + EPS * abs(c) / np.maximum(np.abs(x), 1.0)
    else:
        h = steps_of(points, x)
        weight = {"forward": 2.0, "central": 1.0, "richardson": 1.5}[method]
        noise = EPS * weight * (abs(c) + TINY) / h
    if c == 0:  # only the tiny guard against a zero step remains: subnormal, so not comparable digit by digit
        assert 0 <= result.error_estimate < 1e-300
    else:  # abs=0: pytest.approx would otherwise accept anything within 1e-12 of these ~1e-15 numbers
        assert result.error_estimate == pytest.approx(float(np.linalg.norm(noise)), rel=1e-12, abs=0)
    assert result.tolerance == gc.DEFAULT_RTOL[method]  # the scale is 0: the bare rtol


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_full_check_error_estimate_includes_the_argument_rounding(method):
    """f = a ||x||^2 / 2 with the exact gradient: the estimate adds u |f''| ||x|| and u ||g|| max(|x_i|,1)/h_i."""
    a = 3.0
    x = np.array([0.5, -4.0, 2.0])
    f, points = recorded(lambda v: 0.5 * a * float(np.sum(v * v)))
    result = matgrad.check_gradient(f, lambda v: a * v, x, method=method)
    h = steps_of(points, x)
    g = a * x
    near = np.array([abs(f_exact(x, i, h[i], a)) + abs(f_exact(x, i, -h[i], a)) + 2 * TINY for i in range(3)])
    if method == "central":
        base = EPS * near / (2 * h)
    else:
        far = np.array([abs(f_exact(x, i, 2 * h[i], a)) + abs(f_exact(x, i, -2 * h[i], a)) + 2 * TINY
                        for i in range(3)])
        base = EPS * (4 * near / (2 * h) + far / (4 * h)) / 3
    noise = base + EPS * a * np.linalg.norm(x) + EPS * np.linalg.norm(g) * np.maximum(np.abs(x), 1.0) / h
    assert result.ok
    assert result.error_estimate == pytest.approx(float(np.linalg.norm(noise)), rel=1e-6, abs=0)


def f_exact(x, i, s, a):
    y = x.copy()
    y[i] += s
    return 0.5 * a * float(np.sum(y * y))


@pytest.mark.parametrize("c", [0.0, 3.0])
@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_directional_check_error_estimate_of_a_constant(method, c):
    """Directional mode, f = c: u (|f| + tiny) w / t per direction, t = c_m max(max|x|, 1) (complex: u tiny / t)."""
    x = np.array([0.5, -4.0, 2.0])
    f, _ = recorded(lambda v: c + 0.0 * np.sum(v))
    result = matgrad.check_gradient(f, lambda v: np.zeros_like(v), x, method=method, n_directions=3)
    t = fd._step_constant(method, EPS) * 4.0
    if method == "complex":
        expected = EPS * TINY / t
    else:
        expected = EPS * {"central": 1.0, "richardson": 1.5}[method] * (abs(c) + TINY) / t
    assert result.ok and result.n_directions == 3
    if c == 0 or method == "complex":  # only the subnormal tiny guard remains
        assert 0 <= result.error_estimate < 1e-300
    else:
        assert result.error_estimate == pytest.approx(expected, rel=1e-12, abs=0)


def test_directional_check_uses_seeded_unit_directions():
    """rel_error = max_j |<g - g_true, v_j>| / scale with v_j the seeded standard normal directions, normalised."""
    x = np.array([1.0, -2.0, 0.5])
    error = np.array([0.3, 0.0, -0.1])
    result = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + error, x, n_directions=4)
    rng = np.random.default_rng(0)
    V = rng.standard_normal((4, 3))
    V /= np.linalg.norm(V, axis=1)[:, None]
    numeric = V @ (2 * x)
    assert result.abs_error == pytest.approx(np.max(np.abs(V @ error)), rel=1e-6)
    scale = max(np.linalg.norm(2 * x + error), np.max(np.abs(numeric)))
    assert result.scale == pytest.approx(scale, rel=1e-9)
    assert not result.ok and result.worst_index == (int(np.argmax(np.abs(V @ error))),)
    default_seed = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + error, x, n_directions=4)
    assert default_seed.rel_error == result.rel_error


def test_full_check_errors_are_euclidean_norms():
    """abs_error = ||g - g_num||_2 and scale = max(||g||, ||g_num||) (not a max-norm)."""
    x = np.array([1.0, 2.0])
    result = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + 1.0, x)
    assert result.abs_error == pytest.approx(math.sqrt(2), rel=1e-8)
    assert result.scale == pytest.approx(math.sqrt(34), rel=1e-12)
    assert result.rel_error == pytest.approx(math.sqrt(2 / 34), rel=1e-8)
    assert result.worst_index in ((0,), (1,))


def test_float32_function_raises_the_default_rtol_as_documented():
    """f with float32 values: rtol = max(DEFAULT_RTOL, 40 u^(2/3)) for central differences, and the note says so."""
    x = np.array([1.0, -2.0, 0.5])
    result = matgrad.check_gradient(lambda v: np.float32(np.sum(v**2)), lambda v: 2 * v, x)
    rtol = 40 * EPS32 ** (2 / 3)
    assert result.ok and result.tolerance >= rtol
    assert f"the default rtol was raised to {rtol:.0e}" in result.message
    assert f"reach a relative error of only about {EPS32 ** (2 / 3):.0e}" in result.message
    plain = matgrad.check_gradient(lambda v: float(np.sum(v**2)), lambda v: 2 * v, x)
    assert "Note:" not in plain.message and plain.tolerance < 1e-5


def test_verdict_wording():
    x = np.array([1.0, 2.0])
    good = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v, x)
    bad = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 3 * v, x)
    assert good.verdict().startswith("ok: relative error <= tolerance")
    assert bad.verdict().startswith("NOT ok: relative error > tolerance")
    assert "plus atol" not in good.message
    assert "plus atol 1.0e-03" in matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v, x,
                                                         atol=1e-3).message
    exact = matgrad.check_gradient(lambda v: 0.0, lambda v: np.zeros_like(v), x)
    assert exact.rel_error == 0.0
    assert exact.verdict(below=0.0).startswith("ok: relative error >= 0e+00")  # strictly below, as written
    assert exact.verdict(below=1e-8).startswith("ok: relative error < 1e-08")


def test_failed_checks_explain_the_second_opinion():
    """A failed complex-step or forward check says what was done next, with the evaluation counts."""
    x = np.array([1.0, 2.0, 3.0])
    f = lambda v: float(np.sum(v**2)) if not np.iscomplexobj(v) else np.sum(v**2)  # noqa: E731
    bad = matgrad.check_gradient(f, lambda v: 2 * v + 1, x, method="complex")
    assert "f'' was then estimated from 7 more evaluations (central second differences along every entry)" \
        in bad.message
    assert "because rounding of x perturbs both gradients through the curvature f''" in bad.message
    assert bad.n_evals == 4 + 7
    directional = matgrad.check_gradient(f, lambda v: 2 * v + 1, x, method="complex", n_directions=2)
    assert "f(x) and central second differences along each direction" in directional.message
    assert directional.n_evals == 2 + 1 + 4
    forward = matgrad.check_gradient(f, lambda v: 2 * v + 1, x, method="forward")
    assert forward.method == "forward" and not forward.ok
    assert "Forward differences (4 evaluations of f) gave relative error" in forward.message
    assert "so the verdict was taken with central differences, which have no O(h) truncation error" in forward.message
    assert ", 7 more evaluations of f." in forward.message and "In total 11 evaluations of f." in forward.message
    assert forward.message.count("The relative error is") == 1
    minimum = matgrad.check_gradient(f, lambda v: 2 * v, np.zeros(3), method="forward")
    assert minimum.ok
    assert "(the forward error h f''/2 dominates where the gradient is ~0, as at a minimum)" in minimum.message


def test_failed_check_names_the_worst_entry():
    x = np.array([1.0, 2.0, 3.0])
    result = matgrad.check_gradient(lambda v: float(np.sum(v**2)), lambda v: 2 * v + np.array([0, 0, 1.0]), x)
    assert result.worst_index == (2,)
    assert "The largest difference is at entry (2,): analytic 7 vs numerical 6." in result.message
