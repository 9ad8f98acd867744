"""Tests written to kill the mutants of the gradient checker that survived mutation testing (``make mutation``).

They state documented properties of :func:`matgrad.check_gradient` and :class:`matgrad.GradientCheck` that the
other tests left unchecked: the exact wording of verdicts and messages (the tests elsewhere look for substrings,
which a mutant that pads a sentence still contains), the report of a ``grad`` that raises or returns NaN, a
wrong shape, complex or non-numeric values, the fields of a check that could not be carried out, the
``rel_error <= tolerance`` rule and the ``tolerance > 1`` caution, the user's ``h`` and ``rtol`` in the second
opinion of a failed forward check and in directional mode, and the rounding model of the error estimate.

Error estimates are of order 1e-15 here: they are compared with ``abs=0``, since ``pytest.approx(rel=...)``
alone still accepts any difference below its default absolute tolerance 1e-12.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import matgrad

EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).tiny)


def recorded(f):
    """Wrap ``f``; return the wrapper and the list of (point, value) pairs it was called with."""
    calls = []

    def wrapped(x):
        value = f(x)
        calls.append((np.array(x, copy=True), value))
        return value

    return wrapped, calls


def square(v):
    return float(np.sum(v * v))


# ---------------------------------------------------------------------------------------------------
# repr and the fields of a check that could not be carried out
# ---------------------------------------------------------------------------------------------------


def test_repr_names_the_directions_only_in_directional_mode():
    zero = lambda v: 0.0  # noqa: E731
    full = matgrad.check_gradient(zero, np.zeros_like, np.zeros(3))
    assert repr(full) == "GradientCheck(ok=True, rel_error=0.00e+00, tolerance=1.00e-06, method='central', n_evals=7)"
    directional = matgrad.check_gradient(zero, np.zeros_like, np.zeros(3), n_directions=3)
    assert repr(directional) == (
        "GradientCheck(ok=True, rel_error=0.00e+00, tolerance=1.00e-06, method='central', n_evals=6, n_directions=3)"
    )


def raising_grad(v):
    raise ZeroDivisionError("no gradient here")


@pytest.mark.parametrize(("method", "n_directions"), [("forward", None), ("richardson", 3), ("complex", 2)])
def test_failed_check_keeps_method_and_mode_and_has_nan_figures(method, n_directions):
    """A grad that raises gives ok=False, NaN figures, the method and the number of directions asked for."""
    result = matgrad.check_gradient(square, raising_grad, np.ones(3), method=method, n_directions=n_directions)
    assert not result.ok and not result
    assert result.method == method
    assert result.n_directions == n_directions
    assert result.n_evals == 0 and result.worst_index is None
    for name in ("rel_error", "abs_error", "scale", "tolerance", "error_estimate"):
        value = getattr(result, name)
        assert isinstance(value, float) and math.isnan(value), name
    assert result.message == "NOT ok: grad(x) raised ZeroDivisionError: no gradient here"
    assert result.verdict() == result.message
    mode = "" if n_directions is None else f", n_directions={n_directions}"
    assert repr(result) == (
        f"GradientCheck(ok=False, rel_error=nan, tolerance=nan, method={method!r}, n_evals=0{mode})"
    )


# ---------------------------------------------------------------------------------------------------
# what a grad callback returns: NaN, non-numeric values, the wrong shape, complex values, a list
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "value", "message"),
    [
        (np.ones(3), [np.nan, 1.0, -np.inf], "NOT ok: grad(x) returned 2 non-finite value(s)"),
        (np.ones(3), np.array([1.0, np.inf, 2.0]), "NOT ok: grad(x) returned 1 non-finite value(s)"),
        (np.ones(2), np.ones(3), "NOT ok: grad(x) has shape (3,) but x has shape (2,)"),
        (np.ones((2, 3)), np.ones((3, 2)),
         "NOT ok: grad(x) has shape (3, 2) but x has shape (2, 3) (transposed: a Jacobian in numerator layout? "
         "a gradient has the shape of its variable)"),
        (np.ones((2, 3)), np.ones(6),
         "NOT ok: grad(x) has shape (6,) but x has shape (2, 3) (same number of entries: reshape it to the shape "
         "of x)"),
        (np.ones(2), np.array([1.0 + 1.0j, 2.0]),
         "NOT ok: grad(x) returned complex values for a real function of real x"),
    ],
    ids=["nan-list", "inf-array", "shape", "transposed", "same-size", "complex"],
)
def test_unusable_grad_is_reported_exactly(x, value, message):
    result = matgrad.check_gradient(square, lambda v: value, x)
    assert not result.ok and math.isnan(result.rel_error)
    assert result.message == message


def test_non_numeric_grad_is_reported_by_name():
    """The reason quoted from the conversion names the offending value as grad(x)."""
    result = matgrad.check_gradient(square, lambda v: ["a", "b", "c"], np.ones(3))
    assert not result.ok
    assert result.message.startswith("NOT ok: grad(x) returned a non-numeric value: grad(x) must be numeric, ")


def test_a_list_and_a_real_complex_array_are_usable_gradients():
    x = np.array([1.0, -2.0, 0.5])
    assert matgrad.check_gradient(square, lambda v: [2 * float(t) for t in v], x).ok
    assert matgrad.check_gradient(square, lambda v: (2 * v).astype(complex), x).ok


# ---------------------------------------------------------------------------------------------------
# the verdict: exact wording, rel_error <= tolerance, the caution above tolerance 1
# ---------------------------------------------------------------------------------------------------


def body(result, n, n_evals, rtol="1e-06"):
    return (
        f"The relative error is ||analytic - numerical|| divided by {result.scale:.3g}, the norm of the gradient; "
        f"the tolerance is rtol = {rtol} plus 100 times the estimated rounding error {result.error_estimate:.1e} "
        f"of the numerical values, divided by the same norm. "
        f"Checked by central differences over all {n} entries, {n_evals} evaluations of f."
    )


def test_messages_of_a_passing_and_a_failing_check_word_for_word():
    x = np.array([1.0, 2.0])
    good = matgrad.check_gradient(square, lambda v: 2 * v, x)
    assert good.ok
    assert good.message == (
        f"ok: relative error {good.rel_error:.2e} <= tolerance {good.tolerance:.2e}. " + body(good, 2, 5)
    )
    bad = matgrad.check_gradient(square, lambda v: 3 * v, x)
    assert not bad.ok
    assert bad.message == (
        f"NOT ok: relative error {bad.rel_error:.2e} > tolerance {bad.tolerance:.2e}. " + body(bad, 2, 5)
        + " The largest difference is at entry (1,): analytic 6 vs numerical 4."
    )
    with_atol = matgrad.check_gradient(square, lambda v: 2 * v, x, atol=1e-3)
    assert with_atol.message.endswith(
        f"{with_atol.error_estimate:.1e} of the numerical values plus atol 1.0e-03, divided by the same norm. "
        "Checked by central differences over all 2 entries, 5 evaluations of f."
    )


def test_a_relative_error_equal_to_the_tolerance_passes():
    """The check passes when rel_error <= tolerance: f = 0 with the gradient 0 and rtol = 0 gives 0 <= 0."""
    result = matgrad.check_gradient(lambda v: 0.0, np.zeros_like, np.ones(3), rtol=0.0)
    assert result.rel_error == 0.0 and result.tolerance == 0.0
    assert result.ok
    assert result.message.startswith("ok: relative error 0.00e+00 <= tolerance 0.00e+00.")


CAUTION = (
    " Caution: the gradient is below the rounding noise of the differences (as at a minimum), so this only "
    "shows that both gradients are consistent with zero; check at a point away from the minimum, or pass a step "
    "h suited to the scale of x."
)


def test_caution_when_the_tolerance_exceeds_one():
    """The book: when the tolerance exceeds 1 the checker passes and says both gradients are consistent with zero."""
    x = np.array([1.0, 2.0])
    scale = float(np.linalg.norm(2 * x))
    result = matgrad.check_gradient(square, lambda v: 2 * v, x, atol=1.5 * scale)  # tolerance about 1.5
    assert result.ok and 1.4 < result.tolerance < 1.6
    assert result.message.endswith(f"Checked by central differences over all 2 entries, 5 evaluations of f.{CAUTION}")
    at_one = matgrad.check_gradient(lambda v: 0.0, np.zeros_like, x, rtol=1.0)  # scale 0: tolerance = rtol
    assert at_one.ok and at_one.tolerance == 1.0
    assert "Caution" not in at_one.message


def test_caution_at_a_minimum_word_for_word():
    X, W_true, Y = matgrad.make_regression(30, 3, 2, noise=0.0, seed=4)
    result = matgrad.check_gradient(lambda w: matgrad.loss(w, X, Y), lambda w: matgrad.grad_W(w, X, Y), W_true)
    assert result.ok and result.tolerance > 1.0
    assert result.message.endswith(CAUTION)


# ---------------------------------------------------------------------------------------------------
# second opinions: the exact explanation, the user's h and rtol
# ---------------------------------------------------------------------------------------------------


def complex_safe_square(v):
    return np.sum(v**2) if np.iscomplexobj(v) else float(np.sum(v**2))


def test_failed_complex_check_explains_the_curvature_estimate_word_for_word():
    result = matgrad.check_gradient(complex_safe_square, lambda v: 2 * v + 1, np.array([1.0, 2.0, 3.0]),
                                    method="complex")
    assert not result.ok
    pattern = (
        r"Checked by complex differences over all 3 entries, 11 evaluations of f\. "
        r"A first comparison gave relative error \d\.\d\de[+-]\d\d > tolerance \d\.\d\de[+-]\d\d; "
        + re.escape(
            "because rounding of x perturbs both gradients through the curvature f'' (which matters where the "
            "gradient is ~0, as at a minimum), f'' was then estimated from 7 more evaluations (central second "
            "differences along every entry) and included in the error estimate. The largest difference is at "
        )
    )
    assert re.search(pattern, result.message), result.message


def test_forward_check_at_a_minimum_explains_the_second_opinion_word_for_word():
    result = matgrad.check_gradient(complex_safe_square, lambda v: 2 * v, np.zeros(3), method="forward")
    assert result.ok and result.method == "forward"
    assert re.match(
        r"ok: relative error \S+ <= tolerance \S+\. Forward differences \(4 evaluations of f\) gave relative error "
        r"\S+ > tolerance \S+, so the verdict was taken with central differences, which have no O\(h\) truncation "
        + re.escape(
            "error (the forward error h f''/2 dominates where the gradient is ~0, as at a minimum). "
            "The relative error is ||analytic - numerical|| divided by "
        ),
        result.message,
    ), result.message


def test_failed_forward_check_is_rejudged_with_the_users_step_and_rtol():
    """Forward differences with h = 0.1 are off by h f''/2 = 0.1; central ones with the same h are exact for a
    quadratic, and a gradient off by 1e-4 relative passes the user's rtol = 1e-3."""
    x = np.array([1.0, 2.0])
    f, calls = recorded(square)
    result = matgrad.check_gradient(f, lambda v: 2 * v * (1 + 1e-4), x, method="forward", h=0.1, rtol=1e-3)
    assert result.ok and result.method == "forward"
    assert result.n_evals == 3 + 5
    assert 1e-3 <= result.tolerance < 1.1e-3
    assert "the tolerance is rtol = 1e-03 plus" in result.message
    points = [p for p, _ in calls]
    for i in range(2):
        for s in (0.1, -0.1):  # the central re-check evaluates f at x +- h e_i, with the user's h
            assert any(np.allclose(p, x + s * np.eye(2)[i], rtol=0, atol=1e-12) for p in points), (i, s)
    assert len(points) == 8


def test_directional_check_uses_the_users_rtol():
    x = np.array([1.0, -2.0, 0.5])
    result = matgrad.check_gradient(square, lambda v: 2 * v * (1 + 1e-4), x, n_directions=3, rtol=1e-3)
    assert result.ok and 1e-3 <= result.tolerance < 1.1e-3
    assert "the tolerance is rtol = 1e-03 plus" in result.message
    strict = matgrad.check_gradient(square, lambda v: 2 * v * (1 + 1e-4), x, n_directions=3)
    assert not strict.ok and strict.tolerance < 1e-5


# ---------------------------------------------------------------------------------------------------
# the figures: empty x, tiny gradients, the rounding model
# ---------------------------------------------------------------------------------------------------


def test_check_of_an_empty_point():
    """x with no entries: nothing to compare, no error estimate and no worst entry; one evaluation, f(x)."""
    result = matgrad.check_gradient(lambda v: 0.0, np.zeros_like, np.zeros((0, 2)))
    assert result.ok and result.n_evals == 1
    assert result.error_estimate == 0.0 and result.abs_error == 0.0 and result.scale == 0.0
    assert result.worst_index is None


def test_a_wrong_gradient_of_a_tiny_function_is_caught():
    """Norms neither underflow nor overflow: f = c . x with c ~ 1e-170, whose squares underflow to zero."""
    c = 1e-170 * np.array([1.0, 2.0])
    x = np.array([1.0, -3.0])
    f = lambda v: float(np.sum(c * v))  # noqa: E731
    right = matgrad.check_gradient(f, lambda v: c, x)
    assert right.ok and right.scale == pytest.approx(math.sqrt(5) * 1e-170, rel=1e-12, abs=0)
    wrong = matgrad.check_gradient(f, lambda v: 2 * c, x)
    assert not wrong.ok
    assert wrong.abs_error == pytest.approx(math.sqrt(5) * 1e-170, rel=1e-9, abs=0)
    assert wrong.rel_error == pytest.approx(0.5, rel=1e-9)


def test_full_check_error_estimate_includes_the_curvature_term():
    """At the minimum of f = C + a/2 ||x - x0||^2 (exact gradient 0) the per-entry estimate is
    u (|f(x+h e_i)| + |f(x-h e_i)| + 2 tiny) / (2 h_i) + u ||x|| max_i |f''_i|, both terms of similar size."""
    a, C = 2.0, 1e-4
    x0 = np.array([1.0, -2.0, 3.0])
    f, calls = recorded(lambda v: C + 0.5 * a * float(np.sum((v - x0) ** 2)))
    result = matgrad.check_gradient(f, np.zeros_like, x0)
    f0 = calls[0][1]
    plus, minus, h = np.empty(3), np.empty(3), np.empty(3)
    for i in range(3):
        (p, fp), (_, fm) = calls[1 + 2 * i], calls[2 + 2 * i]
        h[i] = p[i] - x0[i]
        plus[i], minus[i] = fp, fm
    assert np.all(h > 0)
    curvature = float(np.max(np.abs(plus - 2 * f0 + minus) / h**2))
    assert curvature == pytest.approx(a, rel=1e-3)
    base = EPS * (np.abs(plus) + np.abs(minus) + 2 * TINY) / (2 * h)
    term = EPS * curvature * float(np.linalg.norm(x0))
    assert 0.1 < term / np.max(base) < 10  # the test needs both
    expected = float(np.linalg.norm(base + term))
    assert result.error_estimate == pytest.approx(expected, rel=1e-12, abs=0)


def test_complex_step_error_estimate_includes_the_value_term():
    """Complex step on a linear f: per entry u (|g_i| + tiny / h_i) + u |f(x)| / max(|x_i|, 1) (no curvature)."""
    a = np.array([1.0, 2.0, -1.0])
    x = np.array([0.5, -4.0, 2.0])
    f, calls = recorded(lambda v: np.sum(a * v))
    result = matgrad.check_gradient(f, lambda v: a, x, method="complex")
    assert result.ok and result.n_evals == 4
    f0 = float(calls[0][1])
    assert f0 == -9.5
    h = np.array([float(np.max(np.abs(p.imag))) for p, _ in calls[1:]])
    noise = EPS * (np.abs(a) + TINY / h) + EPS * abs(f0) / np.maximum(np.abs(x), 1.0)
    assert result.error_estimate == pytest.approx(float(np.linalg.norm(noise)), rel=1e-12, abs=0)


# ---------------------------------------------------------------------------------------------------
# second opinions of the full check, and the caution of a loose tolerance
# ---------------------------------------------------------------------------------------------------


def test_an_indecisive_forward_pass_is_confirmed_and_a_doubled_gradient_caught():
    """Kills _full_check__mutmut_50 and _51 ("XXforwardXX" / "FORWARD" in the list of methods whose
    indecisive passes are confirmed). The module documents that a forward or central pass with default steps
    whose tolerance the rounding noise loosened beyond 5 % is re-judged with Richardson differences: with
    |f| ~ 1e7 a doubled gradient passes forward differences alone (tolerance ~ 5), and is caught only by the
    Richardson confirmation (n + 1 + 4 n + 1 evaluations)."""
    x = np.array([1.0, -2.0, 0.5])

    def f(v):
        return 1e7 + float(np.sum(v**2))

    alone = matgrad.check_gradient(f, lambda v: 4 * v, x, method="forward", h=matgrad.default_step(x, "forward"))
    assert alone.ok and alone.tolerance > 1  # the premise: forward differences alone cannot decide
    result = matgrad.check_gradient(f, lambda v: 4 * v, x, method="forward")
    assert not result.ok
    assert result.method == "forward" and result.n_evals == (3 + 1) + (4 * 3 + 1)
    assert "so the verdict was taken with Richardson differences" in result.message


def test_the_richardson_confirmation_of_a_pass_is_not_itself_confirmed():
    """Kills _full_check__mutmut_74 and _77 (the Richardson re-check of an indecisive pass called with the
    default confirm=True instead of confirm=False). Second opinions do not nest: when Richardson differences
    confirm the failure of a gradient wrong by 1.5 at an x with an entry below 1, the verdict costs the
    documented 2 n + 1 + 4 n + 1 evaluations; the mutant has the Richardson failure re-judged once more with
    steps relative to |x_i| (4 n + 1 more) and says so."""
    x = np.array([0.5, 2.0])

    def f(v):
        return 1e10 + float(np.sum(v**2))

    result = matgrad.check_gradient(f, lambda v: 3 * v, x)
    assert not result.ok
    assert result.n_evals == (2 * 2 + 1) + (4 * 2 + 1)
    assert result.message.endswith("In total 14 evaluations of f.")
    assert "relative to |x_i|" not in result.message


def test_a_failure_at_x_with_zero_and_large_entries_is_not_rejudged_with_relative_steps():
    """Kills _full_check__mutmut_114 ((point != 1) instead of (point != 0) in the test for entries below 1).
    Only a failure at an x with *nonzero* entries below 1 is re-judged with steps c |x_i| (documented: "at an
    x with entries below 1"; a zero entry has no scale of its own). At x = (0, 2) a wrong gradient fails with
    2 n + 1 = 5 evaluations; the mutant treats the 0 as a small entry and spends 4 n + 1 more."""
    result = matgrad.check_gradient(square, lambda v: 3 * v, np.array([0.0, 2.0]))
    assert not result.ok
    assert result.n_evals == 5
    assert "relative to |x_i|" not in result.message


def test_the_relative_step_second_opinion_uses_the_users_rtol():
    """Kills _full_check__mutmut_121 (rtol=None instead of the user's rtol in the re-check with steps c |x_i|).
    log at x ~ 1e-4 fails central differences with default steps (error 1e-3 > rtol 1e-4) and passes with
    relative steps; the verdict taken from that re-check must be judged with the rtol the user passed, as
    documented for rtol, not with Richardson's default 1e-8."""
    x = np.array([1e-4, 2e-4])
    result = matgrad.check_gradient(lambda v: float(np.sum(np.log(v))), lambda v: 1 / v, x, rtol=1e-4)
    assert result.ok
    assert "so the verdict was taken with Richardson differences with steps c |x_i|" in result.message
    assert result.tolerance >= 1e-4
    assert "the tolerance is rtol = 1e-04 plus" in result.message


def test_relative_steps_for_a_float32_function_of_small_variables_use_float32s_rounding_unit():
    """Kills _full_check__mutmut_125 (unit=None, i.e. float64's rounding unit, for the steps c |x_i|).
    The documentation says relative steps use f's rounding unit. For f = sum(exp(x / 0.01)) computed in float32
    at x = (0.02, -0.03), central differences with default steps fail (truncation error 4 %), and Richardson
    differences with float32 steps 0.04 |x_i| pass decisively; with float64's steps 7e-4 |x_i| the float32
    rounding noise makes the re-check indecisive and the false alarm stands."""
    def f(v):
        return np.float32(np.sum(np.exp(v.astype(np.float32) / 1e-2)))

    result = matgrad.check_gradient(f, lambda v: np.exp(v / 1e-2) / 1e-2, np.array([0.02, -0.03]))
    assert result.ok
    assert result.tolerance <= 0.05
    assert "so the verdict was taken with Richardson differences with steps c |x_i|" in result.message


def _rtol_for_tolerance(result, target):
    """The rtol for which check_gradient's tolerance rtol + 100 * error_estimate / scale is exactly ``target``."""
    loosening = (100.0 * result.error_estimate + 0.0) / result.scale
    rtol = target - loosening
    for _ in range(1000):
        tolerance = rtol + (100.0 * result.error_estimate + 0.0) / result.scale
        if tolerance == target:
            return float(rtol)
        rtol = np.nextafter(rtol, np.inf if tolerance < target else -np.inf)
    raise AssertionError("no rtol gives the target tolerance exactly")


def test_no_caution_at_a_tolerance_of_exactly_five_percent():
    """Kills _judge__mutmut_45 (tolerance >= 5 % instead of > 5 % for the caution). A pass is indecisive, and
    cautioned, only with a tolerance *above* _DECISIVE = 5 % ("A pass with a tolerance above this is
    indecisive"); at exactly 5 % no caution is given."""
    x = np.array([1.0, -2.0, 0.5])
    f, g = (lambda v: float(np.sum(v**3))), (lambda v: 3 * v**2)
    first = matgrad.check_gradient(f, g, x, rtol=0.05)
    result = matgrad.check_gradient(f, g, x, rtol=_rtol_for_tolerance(first, 0.05))
    assert result.ok and result.tolerance == 0.05
    assert "Caution" not in result.message
    above = matgrad.check_gradient(f, g, x, rtol=float(np.nextafter(result.tolerance, 1.0)))
    assert "Caution: with this tolerance" in above.message


@pytest.mark.parametrize("method", ["central", "forward", "complex", "richardson"])
def test_the_caution_of_a_loose_tolerance_recommends_a_more_accurate_method(method):
    """Kills _judge__mutmut_51, _52, _55, _56 and _57 (the choice of advice by method negated, forced, or
    compared with a misspelt 'richardson'). The caution of a pass with a tolerance above 5 % advises a method
    more accurate than the one used: after Richardson differences only the complex step is left; any other
    method is advised Richardson differences or the complex step."""
    result = matgrad.check_gradient(complex_safe_square, lambda v: 2 * v, np.array([1.0, -2.0, 0.5]), method=method,
                                    rtol=0.1)
    assert result.ok
    caution = result.message[result.message.index("Caution:"):]
    assert "would pass as well" in caution
    if method == "richardson":
        assert caution.endswith("or use the complex step.")
        assert "Richardson" not in caution
    else:
        assert caution.endswith("or use Richardson differences or the complex step.")
