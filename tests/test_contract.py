"""The input contract of the core API: what a user who passes the wrong thing meets.

One rule set (``matgrad._checks``) for every core function:

* a non-numeric array (strings, ``None``, ragged lists) is a ``TypeError`` that names the argument;
* complex input where a function does not allow it is a ``TypeError`` that names the argument;
* NaN or infinity is a ``ValueError`` that names the argument;
* arrays whose shapes do not fit are a ``ValueError`` that names the shapes;
* integer and boolean arrays are computed in float64; float32 stays float32.
"""

from __future__ import annotations

import numpy as np
import pytest

import matgrad
from matgrad import solvers

RNG = np.random.default_rng(7)
X = RNG.standard_normal((6, 3))
Y = RNG.standard_normal((6, 2))
W = RNG.standard_normal((3, 2))


def _sum_of_squares(x):
    return float(np.sum(x**2))


def _twice(x):
    return 2 * x


# Each core function as (name, call(arrays), arrays it takes, names of the arrays that may be complex).
WXY_FUNCTIONS = ["residual", "loss", "grad_W", "grad_X", "grad_Y", "loss_and_grad"]
CASES = [
    *[(name, (lambda f: lambda a: f(a["W"], a["X"], a["Y"]))(getattr(matgrad, name)), {"W": W, "X": X, "Y": Y},
       {"W", "X", "Y"}) for name in WXY_FUNCTIONS],
    ("frobenius_inner", lambda a: matgrad.frobenius_inner(a["A"], a["B"]), {"A": W, "B": W}, {"A", "B"}),
    ("relative_difference", lambda a: matgrad.relative_difference(a["A"], a["B"]), {"A": W, "B": 2 * W}, {"A", "B"}),
    ("vec", lambda a: matgrad.vec(a["A"]), {"A": W}, {"A"}),
    ("numerical_gradient", lambda a: matgrad.numerical_gradient(_sum_of_squares, a["x"]), {"x": W}, set()),
    ("directional_difference", lambda a: matgrad.directional_difference(_sum_of_squares, a["x"], a["direction"]),
     {"x": W, "direction": np.ones_like(W)}, set()),
    ("default_step", lambda a: matgrad.default_step(a["x"]), {"x": W}, set()),
    ("check_gradient", lambda a: matgrad.check_gradient(_sum_of_squares, _twice, a["x"]), {"x": W}, set()),
    ("gradient_descent", lambda a: matgrad.gradient_descent(a["X"], a["Y"], max_iter=3), {"X": X, "Y": Y}, set()),
    ("lipschitz_constant", lambda a: matgrad.lipschitz_constant(a["X"]), {"X": X}, set()),
    ("solve_normal_equations", lambda a: solvers.solve_normal_equations(a["X"], a["Y"]), {"X": X, "Y": Y}, set()),
    ("minimum_norm_solution", lambda a: solvers.minimum_norm_solution(a["X"], a["Y"]), {"X": X, "Y": Y}, set()),
]  # fmt: skip
ARGUMENTS = [(name, call, arrays, complex_ok, arg) for name, call, arrays, complex_ok in CASES for arg in arrays]
IDS = [f"{case[0]}-{case[4]}" for case in ARGUMENTS]


def _with(arrays: dict, arg: str, value) -> dict:
    return {**arrays, arg: value}


@pytest.mark.parametrize(("name", "call", "arrays", "complex_ok", "arg"), ARGUMENTS, ids=IDS)
def test_non_numeric_input_is_a_type_error_naming_the_argument(name, call, arrays, complex_ok, arg):
    for bad in (np.full(arrays[arg].shape, "a"), None, [[1.0, 2.0], [3.0]]):
        with pytest.raises(TypeError, match=rf"\b{arg}\b"):
            call(_with(arrays, arg, bad))


@pytest.mark.parametrize(("name", "call", "arrays", "complex_ok", "arg"), ARGUMENTS, ids=IDS)
def test_non_finite_input_is_a_value_error_naming_the_argument(name, call, arrays, complex_ok, arg):
    for bad_value in (np.nan, np.inf):
        bad = np.array(arrays[arg], dtype=float)
        bad.flat[-1] = bad_value
        with pytest.raises(ValueError, match=rf"\b{arg}\b.*non-finite"):
            call(_with(arrays, arg, bad))


@pytest.mark.parametrize(("name", "call", "arrays", "complex_ok", "arg"), ARGUMENTS, ids=IDS)
def test_complex_input_is_accepted_only_where_documented(name, call, arrays, complex_ok, arg):
    value = arrays[arg] + 1e-3j
    if arg in complex_ok:
        call(_with(arrays, arg, value))
    else:
        with pytest.raises(TypeError, match=rf"\b{arg}\b.*(real|complex)"):
            call(_with(arrays, arg, value))


@pytest.mark.parametrize(("name", "call", "arrays", "complex_ok", "arg"), ARGUMENTS, ids=IDS)
def test_integer_input_is_computed_like_float64(name, call, arrays, complex_ok, arg):
    as_int = {key: np.round(3 * value).astype(int) for key, value in arrays.items()}
    as_float = {key: value.astype(float) for key, value in as_int.items()}
    np.testing.assert_allclose(_values(call(as_int)), _values(call(as_float)), rtol=1e-12)


def _values(result):
    """The numbers in a result, whatever its type (array, tuple, check or descent result)."""
    if isinstance(result, matgrad.GradientCheck):
        return [float(result.ok), result.rel_error]
    if isinstance(result, matgrad.DescentResult):
        return result.W
    if isinstance(result, tuple):
        return np.concatenate([np.ravel(r) for r in result])
    return result


@pytest.mark.parametrize(
    ("call", "shapes"),
    [
        (lambda: matgrad.loss(np.ones((4, 2)), X, Y), ["(6, 3)", "(4, 2)"]),
        (lambda: matgrad.grad_W(W, X, np.ones((5, 2))), ["(5, 2)", "(6, 2)"]),
        (lambda: matgrad.loss_and_grad(W, X[0], Y), ["(3,)"]),
        (lambda: matgrad.frobenius_inner(W, X), ["(3, 2)", "(6, 3)"]),
        (lambda: matgrad.directional_difference(_sum_of_squares, W, np.ones(3)), ["(3,)", "(3, 2)"]),
        (lambda: matgrad.gradient_descent(X, np.ones((5, 2))), ["(5, 2)"]),
        (lambda: solvers.solve_normal_equations(X, np.ones((5, 2))), ["(5, 2)"]),
    ],
    ids=["loss-W", "grad_W-Y", "loss_and_grad-X", "frobenius_inner", "directional_difference", "descent-Y", "solver"],
)
def test_shapes_that_do_not_fit_are_a_value_error_naming_them(call, shapes):
    with pytest.raises(ValueError) as info:
        call()
    for shape in shapes:
        assert shape in str(info.value)


@pytest.mark.parametrize("name", ["residual", "grad_W", "grad_X", "grad_Y", "loss_and_grad"])
def test_float32_arrays_stay_float32(name):
    result = getattr(matgrad, name)(W.astype(np.float32), X.astype(np.float32), Y.astype(np.float32))
    arrays = [part for part in (result if isinstance(result, tuple) else (result,)) if isinstance(part, np.ndarray)]
    assert arrays and all(part.dtype == np.float32 for part in arrays)


@pytest.mark.parametrize("name", WXY_FUNCTIONS)
def test_check_finite_false_skips_the_check(name):
    bad = X.copy()
    bad[0, 0] = np.nan
    with np.errstate(invalid="ignore"):
        result = getattr(matgrad, name)(W, bad, Y, check_finite=False)
    parts = result if isinstance(result, tuple) else (result,)
    assert not np.all(np.isfinite(np.concatenate([np.ravel(part) for part in parts])))


@pytest.mark.parametrize(
    ("call", "arg", "error"),
    [
        (lambda v: matgrad.make_regression(v, 2, 1), "N", TypeError),
        (lambda v: matgrad.make_regression(4, v, 1), "d", TypeError),
        (lambda v: matgrad.gradient_descent(X, Y, max_iter=v), "max_iter", TypeError),
        (lambda v: matgrad.check_gradient(_sum_of_squares, _twice, W, n_directions=v), "n_directions", TypeError),
    ],
    ids=["N", "d", "max_iter", "n_directions"],
)
def test_counts_must_be_integers_of_at_least_one(call, arg, error):
    with pytest.raises(error, match=arg):
        call(2.5)
    with pytest.raises(ValueError, match=arg):
        call(0)


@pytest.mark.parametrize(
    ("call", "arg"),
    [
        (lambda v: matgrad.make_regression(4, 2, 1, noise=v), "noise"),
        (lambda v: matgrad.numerical_gradient(_sum_of_squares, W, h=v), "h"),
        (lambda v: matgrad.check_gradient(_sum_of_squares, _twice, W, rtol=v), "rtol"),
        (lambda v: matgrad.gradient_descent(X, Y, step=v), "step"),
    ],
    ids=["noise", "h", "rtol", "step"],
)
def test_sizes_must_be_finite_real_numbers(call, arg):
    with pytest.raises(TypeError, match=arg):
        call("0.1")
    for bad in (np.nan, np.inf, -1.0):
        with pytest.raises(ValueError, match=arg):
            call(bad)


def test_a_callable_is_required_where_a_function_is_expected():
    with pytest.raises(TypeError, match="callable"):
        matgrad.check_gradient(_sum_of_squares, "not a function", W)
    with pytest.raises(TypeError, match="callable"):
        matgrad.numerical_gradient(None, W)
