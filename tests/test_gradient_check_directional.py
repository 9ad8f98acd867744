"""The directional mode of check_gradient: slopes along seeded random unit directions, their tolerances,
what a failure costs, and what the message says about the probability of a false pass."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from matgrad import check_gradient, grad_W, loss, make_regression
from matgrad.finite_differences import directional_difference


def regression(N=30, d=4, k=3, seed=3):
    X, _, Y = make_regression(N, d, k, seed=seed)
    return np.random.default_rng(seed + 50).standard_normal((d, k)), X, Y


def unit_directions(seed, m, shape):
    """The directions the checker uses: seeded standard normal arrays, normalised."""
    v = np.random.default_rng(seed).standard_normal((m, *shape))
    return v / np.sqrt(np.sum(v.reshape(m, -1) ** 2, axis=1)).reshape((-1,) + (1,) * len(shape))


def recorded(f):
    points = []

    def wrapped(x, *args):
        points.append(np.array(x, copy=True))
        return f(x, *args)

    return wrapped, points


def test_the_slopes_are_judged_against_central_differences_along_the_seeded_directions():
    W, X, Y = regression()
    wrong = check_gradient(loss, lambda *a: 1.5 * grad_W(*a), W, n_directions=3, seed=7, args=(X, Y))
    G = grad_W(W, X, Y)
    analytic = np.array([1.5 * np.sum(G * v) for v in unit_directions(7, 3, W.shape)])
    numeric = np.array([directional_difference(loss, W, v, args=(X, Y)) for v in unit_directions(7, 3, W.shape)])
    scale = max(np.linalg.norm(1.5 * G), np.max(np.abs(numeric)))
    j = int(np.argmax(np.abs(analytic - numeric) / wrong.tolerances))
    assert wrong.worst_index == (j,) and f"The worst is along direction {j}" in wrong.message
    assert wrong.rel_error == pytest.approx(abs(analytic[j] - numeric[j]) / scale, rel=1e-6)
    assert wrong.failed == ((0,), (1,), (2,)) and wrong.worst_ratio > 1
    assert wrong.message.startswith("NOT ok: 3 of 3 slopes differ from central differences")


def test_rtol_and_atol_enter_every_slope_tolerance_as_documented():
    W, X, Y = regression()
    base = check_gradient(loss, grad_W, W, n_directions=4, rtol=0.0, args=(X, Y))
    with_rtol = check_gradient(loss, grad_W, W, n_directions=4, rtol=1e-3, args=(X, Y))
    with_atol = check_gradient(loss, grad_W, W, n_directions=4, rtol=0.0, atol=0.25, args=(X, Y))
    scale = np.linalg.norm(grad_W(W, X, Y))  # the largest slope over unit directions, within rounding
    np.testing.assert_allclose(with_rtol.tolerances - base.tolerances, 1e-3 * scale, rtol=1e-6)
    np.testing.assert_allclose(with_atol.tolerances - base.tolerances, 0.25, rtol=1e-9)
    assert 0 < base.tolerances.min() < 1e-6 * scale  # rounding alone: tiny next to the slopes


def test_a_pass_costs_2m_and_a_failure_one_more_for_the_curvature():
    W, X, Y = regression()
    f, points = recorded(loss)
    right = check_gradient(f, grad_W, W, n_directions=3, args=(X, Y))
    assert right.ok and right.n_evals == len(points) == 6
    assert not any(np.array_equal(p, W) for p in points)  # f(x) itself is not needed for a pass
    f, points = recorded(loss)
    wrong = check_gradient(f, lambda *a: 2 * grad_W(*a), W, n_directions=3, args=(X, Y))
    assert not wrong.ok and wrong.n_evals == len(points) == 7
    assert sum(np.array_equal(p, W) for p in points) == 1
    assert "(1 more evaluation, f(x))" in wrong.message


def test_a_failed_complex_step_check_also_takes_central_differences_along_each_direction():
    W, X, Y = regression()
    f, points = recorded(loss)
    wrong = check_gradient(f, lambda *a: 2 * grad_W(*a), W, n_directions=2, method="complex", args=(X, Y))
    assert not wrong.ok and wrong.n_evals == len(points) == 2 + 1 + 2 * 2
    assert "(5 more evaluations)" in wrong.message


def test_richardson_slopes_cost_4m():
    W, X, Y = regression()
    f, points = recorded(loss)
    assert check_gradient(f, grad_W, W, n_directions=2, method="richardson", args=(X, Y)).ok
    assert len(points) == 8


@pytest.mark.parametrize("m", [1, 3, 6])
def test_the_message_states_the_false_pass_probability_of_the_tolerance(m):
    W, X, Y = regression()
    result = check_gradient(loss, grad_W, W, n_directions=m, seed=2, args=(X, Y))
    scale = np.linalg.norm(grad_W(W, X, Y))
    tau = float(np.max(result.tolerances)) / scale
    expected = min(1.0, 0.8 * tau * math.sqrt(W.size) / 0.01) ** m
    match = re.search(r"relative tolerance of (\S+), a gradient with a relative error of 1 % would pass all "
                      rf"{m} directions? with probability about (\S+)\.", result.message)  # fmt: skip
    assert match, result.message
    assert float(match.group(1)) == pytest.approx(tau, rel=0.06)
    assert float(match.group(2)) == pytest.approx(expected, rel=0.6)  # printed to one significant digit
    assert f"the slopes along {m} random unit directions (seed 2) agree" in result.message


def test_a_loose_tolerance_makes_a_false_pass_likely_and_the_message_says_so():
    W, X, Y = regression()
    result = check_gradient(loss, lambda *a: 1.005 * grad_W(*a), W, n_directions=2, rtol=0.05, args=(X, Y))
    assert result.ok and "probability about 1e+00" in result.message


def test_the_directional_diagnosis_names_a_clean_factor():
    W, X, Y = regression()
    wrong = check_gradient(loss, lambda *a: 2 * grad_W(*a), W, n_directions=4, args=(X, Y))
    assert "2 times" in wrong.diagnosis and wrong.diagnosis in wrong.message
    assert check_gradient(loss, grad_W, W, n_directions=4, args=(X, Y)).diagnosis == ""


def test_the_users_step_is_taken_as_given():
    W, X, Y = regression()
    f, points = recorded(loss)
    check_gradient(f, grad_W, W, n_directions=2, h=1e-3, seed=4, args=(X, Y))
    v = unit_directions(4, 2, W.shape)
    np.testing.assert_allclose(points[0] - W, 1e-3 * v[0], atol=1e-15)
    np.testing.assert_allclose(points[1] - W, -1e-3 * v[0], atol=1e-15)


def test_a_float32_function_gets_a_note_in_directional_mode():
    W, X, Y = regression()
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)

    def f32(w):
        return np.float32(np.sum((X32 @ w.astype(np.float32) - Y32) ** 2) / np.float32(len(X32)))

    result = check_gradient(f32, lambda w: grad_W(w, X32.astype(float), Y32.astype(float)), W, n_directions=3)
    assert result.ok and "f returned float32 values" in result.message
    assert result.n_evals == 2 + 6  # the first direction is redone with a float32 step


def test_each_slope_tolerance_is_k_times_the_rounding_of_its_values_and_arguments():
    W, X, Y = regression()
    G = grad_W(W, X, Y)
    u = float(np.finfo(float).eps)
    t = u ** (1 / 3) * max(float(np.max(np.abs(W))), 1.0)  # the step along a unit direction
    result = check_gradient(loss, grad_W, W, n_directions=3, rtol=0.0, seed=1, args=(X, Y))
    for j, v in enumerate(unit_directions(1, 3, W.shape)):
        values = abs(loss(W + t * v, X, Y)) + abs(loss(W - t * v, X, Y))
        expected = 5 * (u * values / (2 * t) + u * np.sum(np.abs(G * W)) / t)
        assert result.tolerances[j] == pytest.approx(expected, rel=1e-6), j
    assert "curvature" not in result.message  # a pass measures no curvature


@pytest.mark.parametrize("call", [1, 2, 3, 6])
def test_a_non_finite_f_is_reported_at_the_point_along_its_direction(call):
    x = np.array([1.0, -2.0, 0.5])
    count = []

    def f(v):
        count.append(1)
        return float("nan") if len(count) == call else float(np.sum(v * v))

    where = f"x {'+' if call % 2 else '-'} {1e-3:g} v_{(call - 1) // 2}"
    with pytest.raises(ValueError, match=f"f is not finite at {re.escape(where)}"):
        check_gradient(f, lambda v: 2 * v, x, h=1e-3, n_directions=3)


def test_a_non_finite_f_at_x_is_reported_when_a_failure_asks_for_the_curvature():
    x = np.random.default_rng(30).standard_normal(3)

    def nan_at_x(v):
        return float("nan") if np.array_equal(v, x) else float(np.sum(v * v))

    with pytest.raises(ValueError, match=r"not finite at x: it returned nan"):
        check_gradient(nan_at_x, lambda v: 3 * v, x, n_directions=2)
    with pytest.raises(ValueError, match=r"not finite at x \+ \S+ v_0"):
        check_gradient(lambda v: float("nan"), lambda v: 3 * v, x, n_directions=2)


def test_a_directional_result_reports_directions_not_entries():
    W, X, Y = regression()
    result = check_gradient(loss, grad_W, W, n_directions=3, method="richardson", args=(X, Y))
    full = check_gradient(loss, grad_W, W, args=(X, Y))
    assert (result.method, result.n_directions, result.rechecked, result.unresolved) == ("richardson", 3, (), ())
    assert result.numerical is None and result.tolerances.shape == (3,)
    assert "n_directions=3" in repr(result) and "n_directions" not in repr(full)
    assert "directions" in result.verdict() and "entries" in full.verdict()


def test_verdicts_errors_and_stated_probabilities_do_not_depend_on_the_units_of_f():
    W, X, Y = regression()
    escape = r"would pass all 3 directions with probability about (\S+)\."
    probabilities, rel_errors = set(), []
    for c in (1e-6, 1.0, 1e6):
        f = lambda W_, X, Y, c=c: c * loss(W_, X, Y)  # noqa: E731
        right = check_gradient(f, lambda *a, c=c: c * grad_W(*a), W, n_directions=3, args=(X, Y))
        wrong = check_gradient(f, lambda *a, c=c: 1.01 * c * grad_W(*a), W, n_directions=3, args=(X, Y))
        assert right.ok and not wrong.ok, c
        probabilities.add(re.search(escape, right.message).group(1))
        rel_errors.append(wrong.rel_error)
    assert len(probabilities) == 1 and float(probabilities.pop()) < 1e-6
    assert rel_errors == pytest.approx([rel_errors[1]] * 3, rel=1e-6) and rel_errors[1] > 1e-3
