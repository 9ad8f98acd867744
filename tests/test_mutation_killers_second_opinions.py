"""Tests written to kill the mutants of the second opinions of the gradient checker that survived mutation testing.

:func:`matgrad.check_gradient` re-judges an indecisive pass with Richardson differences, and a failure at an
``x`` with entries below 1 with Richardson differences with steps ``c |x_i|`` (see the module documentation
of :mod:`matgrad.gradient_check`). These tests state what those second opinions compute (their steps, the
rounding unit and ``rtol`` they use, the bounds that decide whether they are asked and whether they are
taken) and what the result reports (which method decided, the numbers, the total number of evaluations).
Where a rule is ``<=`` rather than ``<``, the boundary is reached exactly by searching the caller's ``rtol``
or the claimed gradient over neighbouring floating-point numbers, through the public API.
"""

from __future__ import annotations

import numpy as np
import pytest

from matgrad import check_gradient, default_step

EPS32 = float(np.finfo(np.float32).eps)


def relative_steps(x, eps=None):
    """The steps ``c |x_i|`` (``c`` at zero entries) that a failure at small ``x`` is re-judged with."""
    return default_step(x, "richardson", eps=eps) * np.where(x != 0, np.minimum(np.abs(x), 1.0), 1.0)


def small_quartic():
    """Quartic in the small entries (one of them zero), a tiny quadratic in entries above 1: the gradient is
    ~1e-8, central differences with steps c max(|x_i|, 1) fail on it, steps c |x_i| pass."""
    x = np.array([1e-3, -2e-3, 0.0, 1.5, 3.0])

    def f(v):
        return float(np.sum(v[:3] ** 4)) / 4 + 1e-12 * float(np.sum(v[3:] ** 2))

    def g(v):
        return np.concatenate([v[:3] ** 3, 2e-12 * v[3:]])

    return f, g, x


def same_figures(result, expected):
    assert result.rel_error == expected.rel_error
    assert result.tolerance == expected.tolerance
    assert result.error_estimate == expected.error_estimate
    assert result.abs_error == expected.abs_error


# --- _confirm_failure_with_relative_steps -----------------------------------------------------------------


def test_relative_steps_are_c_abs_x_above_one_and_c_at_zero():
    """Kills _confirm_failure_with_relative_steps mutants 4, 9, 15, 16: the steps are c |x_i| for every nonzero
    entry (also above 1: not c |x_i| min(|x_i|, 2)) and c at a zero entry (not 2 c, not 0, not None), so the
    verdict has exactly the figures of Richardson differences with those steps."""
    f, g, x = small_quartic()
    result = check_gradient(f, g, x)
    expected = check_gradient(f, g, x, method="richardson", h=relative_steps(x))
    assert result.ok and result.method == "central"
    same_figures(result, expected)
    assert result.n_evals == (2 * x.size + 1) + (4 * x.size + 1)


def test_relative_steps_use_the_rounding_unit_of_f():
    """Kills _confirm_failure_with_relative_steps mutants 21, 24 (eps=None, float64's unit): for a float32 f the
    steps are c |x_i| with c for float32's rounding unit; float64's c would be 55 times smaller and too noisy
    to overturn the false alarm of x^8 / 8 at x ~ 0.03."""
    x = np.array([0.03, -0.05, 0.04, 0.02], dtype=np.float32).astype(np.float64)

    def f(v):
        return np.float32(np.sum(v.astype(np.float32) ** 8) / 8)

    def g(v):
        return v**7

    result = check_gradient(f, g, x)
    expected = check_gradient(f, g, x, method="richardson", h=relative_steps(x, eps=EPS32))
    assert result.ok and result.method == "central"
    same_figures(result, expected)
    assert not check_gradient(f, lambda v: 1.05 * g(v), x)


def test_relative_steps_use_the_callers_rtol():
    """Kills _confirm_failure_with_relative_steps mutant 35 (rtol=None in the second opinion): the caller's
    rtol is the rtol of the Richardson re-check too."""
    f, g, x = small_quartic()
    result = check_gradient(f, g, x, rtol=1e-7)  # the central check (relative error 1e-5) fails
    expected = check_gradient(f, g, x, method="richardson", h=relative_steps(x), rtol=1e-7)
    assert result.ok and result.tolerance > 1e-7
    same_figures(result, expected)
    assert "the tolerance is rtol = 1e-07 plus" in result.message


def test_relative_steps_outside_the_domain_of_f_leave_the_failure_and_say_why():
    """Kills _confirm_failure_with_relative_steps mutants 51-57 and _stands mutant 3: Richardson steps
    c |x_i| (3.7e-4 at 0.5) leave the domain of f (x < 0.5001), central steps (6e-6) do not; the failure stands,
    with its own message first, the reason and the evaluations of the attempt counted."""
    x = np.array([0.5, 0.3])
    calls = []

    def f(v):
        calls.append(1)
        return float(np.sum(v**2)) if np.all(v < 0.5001) else float("nan")

    result = check_gradient(f, lambda v: 3 * v, x)
    assert not result.ok and result.method == "central"
    assert result.n_evals == len(calls) > 2 * x.size + 1
    assert result.message.startswith("NOT ok: relative error ")
    assert "Richardson differences with steps relative to |x_i| could not re-judge it (f is not finite at " in (
        result.message
    )
    assert result.message.endswith(f" In total {len(calls)} evaluations of f.")


def test_a_second_opinion_that_does_not_decide_or_fails_says_so():
    """Kills _confirm_failure_with_relative_steps mutants 68, 70, 71: the remark says whether the Richardson
    re-check passed without deciding or failed as well, and what it cost (4 n + 1 evaluations)."""
    # the Richardson re-check passes with a tolerance of 3.6 %, more than half the 3 % error: no decision
    from matgrad import grad_W, loss, make_regression

    X, _, Y = make_regression(20, 4, 3, seed=0)
    W = 1e-7 * np.random.default_rng(1).standard_normal((4, 3))
    result = check_gradient(lambda w: loss(w, X, Y), lambda w: 1.03 * grad_W(w, X, Y), W)
    assert not result.ok
    assert (
        f" Richardson differences with steps relative to |x_i| ({4 * W.size + 1} more evaluations of f) did not "
        f"decide, so the verdict stands. In total {(2 * W.size + 1) + (4 * W.size + 1)} evaluations of f."
    ) in result.message
    # a wrong gradient of the quartic: the Richardson re-check fails too
    f, g, x = small_quartic()
    wrong = check_gradient(f, lambda v: 2 * g(v), x)
    assert not wrong.ok
    assert (
        f" Richardson differences with steps relative to |x_i| ({4 * x.size + 1} more evaluations of f) failed "
        "as well, so the verdict stands."
    ) in wrong.message


def test_a_second_opinion_at_a_third_of_the_error_overturns_the_failure():
    """Kills _confirm_failure_with_relative_steps mutant 66 (rel_error / 3): a Richardson pass with a tolerance
    of 0.4 times the first relative error is at most half of it, and overturns the failure."""
    f, g, x = small_quartic()
    first = check_gradient(f, g, x, h=default_step(x, "central"), rtol=4e-6)
    second = check_gradient(f, g, x, method="richardson", h=relative_steps(x), rtol=4e-6)
    assert not first.ok and second.ok
    assert first.rel_error / 3 < second.tolerance <= first.rel_error / 2
    result = check_gradient(f, g, x, rtol=4e-6)
    assert result.ok
    same_figures(result, second)


def test_a_second_opinion_exactly_half_as_loose_as_the_error_overturns_the_failure():
    """Kills _confirm_failure_with_relative_steps mutant 60 (tolerance < instead of <= half the first error):
    the caller's rtol is chosen (among neighbouring floats) so that the Richardson tolerance is exactly half
    the relative error of the failed central check."""
    f, g, x = small_quartic()
    first = check_gradient(f, g, x, h=default_step(x, "central"))
    target = first.rel_error / 2
    base = check_gradient(f, g, x, method="richardson", h=relative_steps(x), rtol=0.0).tolerance
    rtol = target - base
    for _ in range(200):
        second = check_gradient(f, g, x, method="richardson", h=relative_steps(x), rtol=rtol)
        if second.tolerance == target:
            break
        rtol = np.nextafter(rtol, np.inf if second.tolerance < target else -np.inf)
    assert second.tolerance == target and second.ok
    assert not check_gradient(f, g, x, h=default_step(x, "central"), rtol=rtol).ok
    result = check_gradient(f, g, x, rtol=rtol)
    assert result.ok
    same_figures(result, second)


# --- _confirm_pass, _stands -------------------------------------------------------------------------------


def large_targets():
    """Least squares with targets of size 1e8: |f| ~ 1e16 makes the central tolerance 0.55 (indecisive)."""
    from matgrad import grad_W, loss, make_regression

    X, W, Y = make_regression(20, 4, 2, seed=0)
    Y = 1e8 * Y
    return (lambda w: loss(w, X, Y)), (lambda w: grad_W(w, X, Y)), W


def test_a_tighter_richardson_pass_is_taken_and_says_why():
    """Kills _confirm_pass mutants 13, 14, 15: the explanation says that Richardson differences decided because
    their larger steps have less rounding error, and the figures are theirs."""
    f, g, W = large_targets()
    result = check_gradient(f, g, W)
    expected = check_gradient(f, g, W, method="richardson", h=default_step(W, "richardson"))
    assert result.ok and result.method == "central"
    same_figures(result, expected)
    assert (
        "so the verdict was taken with Richardson differences, whose larger steps have less rounding error. "
        "The relative error is ||analytic - numerical|| divided by"
    ) in result.message
    assert result.message.endswith(f" In total {(2 * W.size + 1) + (4 * W.size + 1)} evaluations of f.")


def test_a_richardson_failure_that_confirms_the_discrepancy_reports_it():
    """Kills _confirm_pass mutant 22: the explanation reports the relative error the Richardson differences
    confirmed."""
    f, g, W = large_targets()
    result = check_gradient(f, lambda w: 2.0 * g(w), W)
    assert not result.ok and result.method == "central"
    assert (
        "so the verdict was taken with Richardson differences, which confirm the discrepancy it measured, with "
        f"relative error {result.rel_error:.2e}. The relative error is"
    ) in result.message


def test_a_richardson_pass_with_the_same_tolerance_is_not_taken():
    """Kills _confirm_pass mutants 12 (tolerance <= instead of <) and 24 (the remark of a pass that did not
    narrow the tolerance): with rtol = 1e20 both tolerances round to 1e20; Richardson's pass is not tighter,
    the central verdict stands (its relative error, not Richardson's), and the remark says so."""
    f, g, W = large_targets()
    result = check_gradient(f, g, W, rtol=1e20)
    central = check_gradient(f, g, W, h=default_step(W, "central"), rtol=1e20)
    richardson = check_gradient(f, g, W, method="richardson", h=default_step(W, "richardson"), rtol=1e20)
    assert central.tolerance == richardson.tolerance == 1e20 and central.rel_error != richardson.rel_error
    assert result.ok and result.rel_error == central.rel_error and result.tolerance == 1e20
    assert result.n_evals == (2 * W.size + 1) + (4 * W.size + 1)
    assert (
        f" Richardson differences ({4 * W.size + 1} more evaluations of f) did not narrow the tolerance (they gave "
        "1.00e+20), so the verdict stands."
    ) in result.message


def test_a_pass_that_stands_keeps_its_caution_after_the_remark_and_counts_everything():
    """Kills _stands mutants 4, 5, 6 (the remark placed after the caution) and 8 (the total in the message
    n_evals - extra): sin(400 x) passes the central check loosely; Richardson's larger steps see their own
    truncation error; the pass stands, with the remark, the total cost, then the caution."""
    x = np.random.default_rng(3).standard_normal(50)
    result = check_gradient(lambda v: 1e10 + float(np.sum(np.sin(400 * v))), lambda v: 400 * np.cos(400 * v), x)
    total = (2 * x.size + 1) + (4 * x.size + 1)
    assert result.ok and result.n_evals == total
    assert (
        f"(the truncation error of their larger steps), so the verdict stands. In total {total} evaluations of f. "
        "Caution: with this tolerance"
    ) in result.message
    assert result.message.count("Caution:") == 1


# --- _indecisive ------------------------------------------------------------------------------------------

EPS = float(np.finfo(np.float64).eps)
#: Beyond this loosening (100 error_estimate / scale) even Richardson differences cannot decide (full mode).
RICHARDSON_LIMIT = 2.0 * EPS ** (-2 / 15) * 1.0


def linear(C, a, b):
    """f = C + b x at x = [0], a claimed gradient [a]: a loosening 100 u ((|f(h)| + |f(-h)|) / (2 h) + a / h) / a
    (h the central step) that C and a set continuously; b = a for a right gradient, b = 0 for a constant f."""
    return (lambda v: C + b * float(v[0])), (lambda v: np.full(1, a)), np.zeros(1)


def loosening(C, a, b):
    f, g, x = linear(C, a, b)
    first = check_gradient(f, g, x, h=default_step(x, "central"))  # the first comparison, never re-judged
    return 100.0 * first.error_estimate / first.scale


def bisect(fn, target, lo, hi):
    """The float p in [lo, hi] with fn(p) == target (fn increasing), else the nearest one found."""
    while True:
        mid = np.sqrt(lo * hi) if hi / lo > 4 else (lo + hi) / 2
        if mid in (lo, hi):
            break
        if fn(mid) < target:
            lo = mid
        else:
            hi = mid
    candidates = (lo, hi, np.nextafter(lo, 0.0), np.nextafter(hi, np.inf))
    return min(candidates, key=lambda p: abs(fn(p) - target))


def evaluations_at_loosening(target, exact):
    """Find f and a claimed gradient whose first comparison has this loosening (exactly, if ``exact``);
    return the loosening and the evaluations check_gradient spends. A right gradient of a linear f where the
    loosening is small enough to pass, a claimed slope next to a constant f (rel_error 1) where it is large."""
    for C in (1.0, 1.1, 1.2, 1.3, 1.5, 1.7, 2.5, 3.0, 5.0, 7.0):
        if target < 1:  # vary the offset C of a linear f whose gradient 1 is claimed
            params = (bisect(lambda c, C=C: loosening(c, C, C), target, 1e-3, 1e15), C, C)
        else:  # vary the claimed slope next to the constant C
            params = (C, bisect(lambda a, C=C: -loosening(C, a, 0.0), -target, 1e-30, 1e3), 0.0)
        if loosening(*params) == target or not exact:
            break
    value = loosening(*params)
    if exact:
        assert value == target
    f, g, x = linear(*params)
    result = check_gradient(f, g, x)
    assert result.ok and result.method == "central"
    return value, result.n_evals


def test_a_pass_loosened_by_exactly_five_percent_is_not_re_judged():
    """Kills _indecisive mutant 10 (<= instead of <): a loosening of exactly 5 % is decisive (3 evaluations)."""
    value, n_evals = evaluations_at_loosening(0.05, exact=True)
    assert value == 0.05 and n_evals == 3


def test_a_pass_at_the_limit_of_richardson_differences_is_re_judged():
    """Kills _indecisive mutant 11 (< instead of <=): a loosening of exactly 2 u^(-2/15) is still re-judged
    with Richardson differences (3 + 5 evaluations)."""
    value, n_evals = evaluations_at_loosening(RICHARDSON_LIMIT, exact=True)
    assert value == RICHARDSON_LIMIT and n_evals == 3 + 5


@pytest.mark.parametrize(("target", "expected"), [(200.0, 3 + 5), (300.0, 3)])
def test_the_limit_beyond_which_a_pass_is_not_re_judged_is_twice_u_to_the_minus_2_15(target, expected):
    """Kills _indecisive mutants 14 (3 u^(-2/15) = 366), 18 (2 u^(-3/15) = 2700) and 19 (2 u^(-2/16) = 181):
    a loosening of 200 is re-judged (Richardson differences, 130 times less noisy, can decide), one of 300
    is not (the pass stands at its cost of 3 evaluations)."""
    assert 181 < 200.0 < RICHARDSON_LIMIT < 300.0 < 366
    value, n_evals = evaluations_at_loosening(target, exact=False)
    assert value == pytest.approx(target, rel=1e-6) and n_evals == expected


@pytest.mark.parametrize("C", [1e11, 1e12])
def test_directional_limit_shrinks_with_the_slopes(C):
    """Kills _indecisive mutant 12 (the upper bound divided by slope_ratio): in 2000 dimensions the slopes
    are about ||g|| / 45, so a loosening of 14 or 141 (of ||g||) is beyond what Richardson differences can
    decide along the directions; the pass is not re-judged (2 m evaluations)."""
    x = np.random.default_rng(0).uniform(-1, 1, 2000)
    result = check_gradient(lambda v: C + 0.5 * float(v @ v), lambda v: v, x, n_directions=5)
    assert result.ok and result.n_evals == 2 * 5
    assert 10 < 100.0 * result.error_estimate / result.scale < 200


# --- _same_discrepancy ------------------------------------------------------------------------------------


def sine_case(C, e, s=1.0):
    """s (C + sum sin(400 x)) with a gradient wrong by a factor 1 + e: the central check passes loosely (the
    offset C sets its noise), Richardson's larger steps add a truncation error of 6e-3 to the discrepancy
    they measure. Returns the check, the relative errors of both comparisons, the first one's noise."""
    x = np.random.default_rng(3).standard_normal(50)

    def f(v):
        return s * (C + float(np.sum(np.sin(400 * v))))

    def g(v):
        return s * (1 + e) * 400 * np.cos(400 * v)

    first = check_gradient(f, g, x, h=default_step(x, "central"))
    second = check_gradient(f, g, x, method="richardson", h=default_step(x, "richardson"))
    assert first.ok and not second.ok and 0.05 < 100 * first.error_estimate / first.scale < 1
    result = check_gradient(f, g, x)
    assert result.method == "central" and result.n_evals == (2 * x.size + 1) + (4 * x.size + 1)
    return result, first, second, first.error_estimate / first.scale


def test_discrepancies_within_three_times_the_first_noise_are_the_same():
    """Kills _same_discrepancy mutants 2 (noise always 0) and 6 (noise 0 for a scale <= 1): the two relative
    errors differ by 45 % of the second, but by only 1.7 times the first comparison's noise (gradient norm
    0.2): the same discrepancy, so the Richardson failure is the verdict."""
    result, first, second, noise = sine_case(2e10, 0.005, s=1e-4)
    difference = abs(second.rel_error - first.rel_error)
    assert first.scale < 1 and second.rel_error / 4 < difference <= 3 * noise
    assert not result.ok and result.rel_error == second.rel_error


def test_discrepancies_more_than_three_times_the_first_noise_apart_differ():
    """Kills _same_discrepancy mutant 18 (4 times the noise): the relative errors differ by 46 % of the second
    and 3.5 times the first comparison's noise: not the same discrepancy, the central pass stands."""
    result, first, second, noise = sine_case(1e10, 0.005)
    difference = abs(second.rel_error - first.rel_error)
    assert 3 * noise < difference <= 4 * noise and difference > second.rel_error / 4
    assert result.ok and result.rel_error == first.rel_error


def test_discrepancies_within_a_quarter_are_the_same():
    """Kills _same_discrepancy mutant 16 (a fifth): the relative errors differ by 21 % of the second (and 4.6
    times the first noise): the same discrepancy, so the Richardson failure is the verdict."""
    result, first, second, noise = sine_case(6e9, 0.012)
    difference = abs(second.rel_error - first.rel_error)
    assert second.rel_error / 5 < difference <= second.rel_error / 4 and difference > 3 * noise
    assert not result.ok and result.rel_error == second.rel_error


# --- _second_verdict --------------------------------------------------------------------------------------


def test_the_explanation_follows_the_verdict_even_if_f_quotes_the_phrase():
    """Kills _second_verdict mutant 5 (rpartition): a failed forward check is re-judged with central
    differences, whose failure is re-judged with steps c |x_i|; there f raises a ValueError whose text (quoted
    in the remark) contains "The relative error is". The explanation of the forward check still comes right
    after the verdict, and f's text is quoted as it is."""
    x = np.array([0.5, 0.3])
    text = "x left the domain. The relative error is undefined there"

    def f(v):
        if np.any(v >= 0.5001):
            raise ValueError(text)
        return float(np.sum(v**2))

    result = check_gradient(f, lambda v: 3 * v, x, method="forward")
    assert not result.ok and result.method == "forward"
    assert result.message.startswith(
        f"NOT ok: relative error {result.rel_error:.2e} > tolerance {result.tolerance:.2e}. Forward differences "
        f"(3 evaluations of f) gave relative error "
    )
    assert f"could not re-judge it ({text})." in result.message
    assert result.message.count(" The relative error is") == 2
    assert result.message.endswith(f" In total {result.n_evals} evaluations of f.")


def test_discrepancies_exactly_three_times_the_first_noise_apart_are_the_same():
    """Kills _same_discrepancy mutant 10 (< instead of <=): an extra variable z that f ignores raises the
    first comparison's noise smoothly (its u |f''| ||x|| term) without changing either relative error; z is
    chosen (by bisection over floats) so that the two errors differ by exactly three times that noise. That
    is still the same discrepancy: the Richardson failure is the verdict."""
    base = np.random.default_rng(3).standard_normal(50)

    def f(v):
        return 1e10 + float(np.sum(np.sin(400 * v[:-1])))

    def g(v):
        return np.concatenate([1.0075 * 400 * np.cos(400 * v[:-1]), [0.0]])

    def comparisons(z):
        x = np.append(base, z)
        first = check_gradient(f, g, x, h=default_step(x, "central"))
        second = check_gradient(f, g, x, method="richardson", h=default_step(x, "richardson"))
        return x, first, second, abs(second.rel_error - first.rel_error), 3 * (first.error_estimate / first.scale)

    lo, hi = 0.0, 1e11
    assert comparisons(lo)[4] < comparisons(lo)[3] < comparisons(hi)[4]
    while (mid := (lo + hi) / 2) not in (lo, hi):
        if comparisons(mid)[4] < comparisons(mid)[3]:
            lo = mid
        else:
            hi = mid
    x, first, second, difference, three_noises = comparisons(hi)
    assert difference == three_noises and difference > second.rel_error / 4
    assert first.ok and not second.ok and 0.05 < 100 * first.error_estimate / first.scale < 1
    result = check_gradient(f, g, x)
    assert not result.ok and result.rel_error == second.rel_error
