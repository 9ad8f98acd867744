"""Tests written to kill the mutants of ``matgrad.chapters.hessian`` and ``matgrad.solvers`` that survived.

Each test states a documented property the other tests left unchecked: where the numerical Jacobian says
it failed (``x``, ``x + h e_j`` or ``x - h e_j``) and which argument it blames, that ``check_finite=False``
really skips the check, the refusal threshold of the normal-equation solvers (refused *at* 10 d eps, and
measured with the columns of ``X`` scaled to unit norm), what the refusal says it tested, targets with no
columns, and the exact power-of-two scaling that keeps ``X^T X`` and ``X^T Y`` from under- or overflowing.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import matgrad

EPS = float(np.finfo(np.float64).eps)
METHODS = ("qr", "cholesky", "lstsq")
NUMBER = r"[0-9.e+-]+"



# ---------------------------------------------------------------------------------------------------
# normal equations: check_finite=False
# ---------------------------------------------------------------------------------------------------


def small_problem():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    Y = np.array([[1.0, 0.5], [2.0, -1.0], [3.0, 2.0]])
    return X, Y


@pytest.mark.parametrize("method", [*METHODS, "minimum_norm"])
def test_check_finite_false_solves_with_a_nan_target(method):
    """NaN in one column of Y: no error, NaN in that column of W, the other column is the usual minimiser."""
    X, Y = small_problem()
    Y_nan = Y.copy()
    Y_nan[0, 0] = np.nan

    def solve(Y, **kw):
        if method == "minimum_norm":
            return matgrad.solvers.minimum_norm_solution(X, Y, **kw)
        return matgrad.solvers.solve_normal_equations(X, Y, method, **kw)

    W = solve(Y_nan, check_finite=False)
    assert np.isnan(W[:, 0]).all()
    np.testing.assert_allclose(W[:, 1], np.linalg.solve(X.T @ X, X.T @ Y[:, 1]), rtol=1e-12)
    with pytest.raises(ValueError, match=r"^Y contains 1 non-finite"):
        solve(Y_nan)


def test_check_finite_false_lets_cholesky_refuse_a_nan_data_matrix_by_its_rank_test():
    """With the check skipped, NaN in X reaches the solver, whose rank test rejects a NaN condition number."""
    X, Y = small_problem()
    X[0, 0] = np.nan
    with pytest.raises(np.linalg.LinAlgError, match=r"method='cholesky' needs X of full column rank"):
        matgrad.solvers.solve_normal_equations(X, Y, "cholesky", check_finite=False)
    with pytest.raises(ValueError, match=r"^X contains 1 non-finite"):
        matgrad.solvers.solve_normal_equations(X, Y, "cholesky")


# ---------------------------------------------------------------------------------------------------
# normal equations: the refusal, its threshold and what it says it tested
# ---------------------------------------------------------------------------------------------------


def unit_column_rcond(X, method):
    """The reciprocal condition number the module documents, computed as it does: columns scaled to unit norm."""
    s = 1.0 / np.linalg.norm(X, axis=0)
    if method == "qr":
        sv = np.linalg.svd(np.linalg.qr(X)[1] * s[None, :], compute_uv=False)
        return sv[-1] / sv[0]
    ev = np.linalg.eigvalsh(X.T @ X * s[:, None] * s[None, :])
    return ev[0] / ev[-1]


@pytest.mark.parametrize(
    ("method", "what"),
    [("cholesky", r"X\^T X"), ("qr", r"R from X = QR")],
)
def test_refusal_names_the_matrix_whose_condition_was_tested(method, what):
    X = np.array([[1.0, 1.0], [0.0, 1e-20], [0.0, 0.0]])
    with pytest.raises(
        np.linalg.LinAlgError,
        match=rf"method='{method}' needs X of full column rank, but {what} \(with the columns of X scaled to unit "
        rf"norm\) is singular to working precision",
    ):
        matgrad.solvers.solve_normal_equations(X, np.ones(3), method)


def test_qr_refuses_at_exactly_ten_d_eps():
    """Documented: refused when the reciprocal condition number 'is at most 10 d eps', so also when equal.

    X = [[1/2, 1/2], [0, e]] is left alone by the power-of-two column scaling (largest entries 1/2); e is
    searched, a few ulps around 10 d eps, for a value whose reciprocal condition number is exactly 10 d eps.
    """
    threshold = 10 * 2 * EPS
    for i in range(-64, 65):
        X = np.array([[0.5, 0.5], [0.0, threshold + i * math.ulp(threshold)]])
        if unit_column_rcond(X, "qr") == threshold:
            break
    else:
        pytest.skip("no matrix of this family has a reciprocal condition number of exactly 10 d eps here")
    with pytest.raises(np.linalg.LinAlgError, match=r"is not above 10 d eps"):
        matgrad.solvers.solve_normal_equations(X, np.array([1.0, 0.0]), "qr")
    X[1, 1] = np.nextafter(X[1, 1], 1.0)  # one ulp further from singular: above the threshold
    while unit_column_rcond(X, "qr") <= threshold:
        X[1, 1] = np.nextafter(X[1, 1], 1.0)
    assert np.all(np.isfinite(matgrad.solvers.solve_normal_equations(X, np.array([1.0, 0.0]), "qr")))


def unequal_columns(t, m=16):
    """Columns 1 and 2 nearly dependent (angle about t), column 3 orthogonal to both with a norm 4 times larger."""
    X = np.zeros((2 + m, 3))
    X[0, :2] = 1.0
    X[1, 1] = t
    X[2:, 2] = 1.0
    return X


def with_unit_column_rcond(method, target):
    lo, hi = 1e-20, 1.0
    for _ in range(200):
        t = math.sqrt(lo * hi)
        if unit_column_rcond(unequal_columns(t), method) < target:
            lo = t
        else:
            hi = t
    return unequal_columns(hi)


@pytest.mark.parametrize("method", ["qr", "cholesky"])
def test_the_rank_test_scales_the_columns_to_unit_norm(method):
    """Columns of different norms: the verdict follows the reciprocal condition number of the unit-norm columns.

    Without that scaling, the long third column would make the matrix look about 10 (QR) or 100 (Cholesky)
    times worse conditioned than it is, and a solvable problem would be refused.
    """
    d = 3
    W_true = np.array([1.0, 2.0, -1.0])
    for factor, solved in ((11.5, True), (20.0, True), (9.0, False)):
        X = with_unit_column_rcond(method, factor * d * EPS)
        assert (factor - 1) * d * EPS < unit_column_rcond(X, method) < (factor + 1) * d * EPS
        Y = X @ W_true
        if solved:
            assert np.all(np.isfinite(matgrad.solvers.solve_normal_equations(X, Y, method)))
        else:
            with pytest.raises(np.linalg.LinAlgError, match="not above 10 d eps"):
                matgrad.solvers.solve_normal_equations(X, Y, method)


# ---------------------------------------------------------------------------------------------------
# normal equations: targets with no columns, and the exact power-of-two scaling
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [*METHODS, "minimum_norm"])
def test_targets_with_no_columns_give_weights_with_no_columns(method):
    """Y of shape (N, k) with k = 0 is allowed by the documented shapes: W has shape (d, 0)."""
    X, _ = small_problem()
    Y = np.zeros((3, 0))
    if method == "minimum_norm":
        W = matgrad.solvers.minimum_norm_solution(X, Y)
    else:
        W = matgrad.solvers.solve_normal_equations(X, Y, method)
    assert W.shape == (2, 0)


@pytest.mark.parametrize("method", [*METHODS, "minimum_norm"])
@pytest.mark.parametrize(
    ("x_shift", "y_shift"), [(0, 0), (-600, 0), (600, 0), (0, -600), (0, 600), (-600, -600), (600, 600)]
)
def test_solutions_scale_with_the_data(method, x_shift, y_shift):
    """The minimiser of ||(a X) W - b Y|| is (b / a) W: also for a, b = 2^(+-600), where X^T X or X^T Y
    computed without the module's power-of-two scaling would underflow to zero or overflow to infinity."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((7, 3))
    Y = rng.standard_normal((7, 2))

    def solve(X, Y):
        if method == "minimum_norm":
            return matgrad.solvers.minimum_norm_solution(X, Y)
        return matgrad.solvers.solve_normal_equations(X, Y, method)

    expected = np.ldexp(np.linalg.solve(X.T @ X, X.T @ Y), y_shift - x_shift)
    np.testing.assert_allclose(solve(np.ldexp(X, x_shift), np.ldexp(Y, y_shift)), expected, rtol=1e-12)


@pytest.mark.parametrize("method", ["qr", "lstsq", "minimum_norm"])
def test_identity_data_return_the_targets_down_to_the_smallest_subnormal(method):
    """X = I: the minimiser is Y itself. With check_finite=False and NaN in the first column of Y, the second
    column, the smallest subnormal number, is still returned exactly (halving it would round it to zero).

    Not "cholesky": it forms X^T Y with the columns of X scaled to 1/2, which halves Y.
    """
    tiny = 5e-324
    Y = np.array([[np.nan, tiny], [0.0, tiny]])
    if method == "minimum_norm":
        W = matgrad.solvers.minimum_norm_solution(np.eye(2), Y, check_finite=False)
    else:
        W = matgrad.solvers.solve_normal_equations(np.eye(2), Y, method, check_finite=False)
    assert np.isnan(W[0, 0])
    np.testing.assert_array_equal(W[:, 1], [tiny, tiny])


