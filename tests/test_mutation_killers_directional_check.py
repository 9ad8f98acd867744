"""Tests written to kill the mutants of the directional gradient check that survived ``make mutation``.

They state documented properties of ``check_gradient(..., n_directions=m)``: the exact wording of its
verdict, its error estimate (the rounding model of the module documentation, with the argument term
``u ||g|| max(max|x|, 1) / t``, or ``u ||g||`` for the complex step, and the curvature term
``u |f''| ||x||``), its cost in evaluations of ``f``, where it evaluates ``f`` (named in the error
message when ``f`` is not finite there), and the note on a function computing in float32.
"""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest

import matgrad

fd = importlib.import_module("matgrad.finite_differences")

EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
TINY = float(np.finfo(np.float64).tiny)


def unit_directions(m, n, seed=0):
    """The documented directions: seeded standard normal vectors, normalised to unit length."""
    V = np.random.default_rng(seed).standard_normal((m, n))
    return V / np.linalg.norm(V, axis=1)[:, None]


def direction_step(method, x):
    """Step along a unit direction: c max(max|x|, 1), c = eps^(1/3), eps^(1/5) or 1e-20."""
    c = {"central": EPS ** (1 / 3), "richardson": EPS ** (1 / 5), "complex": 1e-20}[method]
    return c * max(float(np.max(np.abs(x), initial=0.0)), 1.0)


def failing_at(call, value=float("nan")):
    """f = ||x||^2 that returns ``value`` at its ``call``-th evaluation (1-based)."""
    calls = []

    def f(v):
        calls.append(1)
        return value if len(calls) == call else float(np.sum(v * v))

    return f


# ---------------------------------------------------------------------------------------------------
# the verdict of a passing check, word for word
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 5])
def test_passing_directional_check_message_is_the_documented_wording(seed):
    """Nothing but the verdict, what the error is relative to, the tolerance and the cost (no remark)."""
    x = np.array([1.0, -2.0, 0.5])
    r = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v, x, n_directions=3, seed=seed)
    expected = (
        f"ok: relative error {r.rel_error:.2e} <= tolerance {r.tolerance:.2e}. "
        "The relative error is the largest |<analytic, v> - numerical slope along v| over the directions v, "
        f"divided by {r.scale:.3g}, the norm of the gradient (its largest slope over unit directions); "
        f"the tolerance is rtol = 1e-06 plus 100 times the estimated rounding error {r.error_estimate:.1e} "
        "of the numerical values, divided by the same norm. "
        f"Checked by central differences along 3 random unit directions (seed {seed}), 6 evaluations of f."
    )
    assert r.ok
    assert r.message == expected


def test_failed_directional_check_names_the_gradient_norm_and_the_remark():
    """A failing check: the same sentence on the norm, then the remark on f'' from one more evaluation, f(x)."""
    x = np.array([1.0, -2.0, 0.5])
    r = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + 1, x, n_directions=2)
    assert not r.ok and r.n_evals == 2 * 2 + 1
    assert (f"divided by {r.scale:.3g}, the norm of the gradient (its largest slope over unit directions); "
            "the tolerance is") in r.message
    assert "f'' was then estimated from 1 more evaluation (f(x)) and included in the error estimate." in r.message


def test_failed_complex_directional_check_says_how_the_curvature_was_measured():
    """Complex step: f(x) and the 2 m real neighbours x +- t v, named in the remark with their count."""
    x = np.array([1.0, 2.0, 3.0])
    f = lambda v: np.sum(v**2)  # noqa: E731
    r = matgrad.check_gradient(f, lambda v: 2 * v + 1, x, method="complex", n_directions=2)
    assert not r.ok and r.n_evals == 2 + 1 + 4
    assert ("f'' was then estimated from 5 more evaluations (f(x) and central second differences along each "
            "direction) and included in the error estimate.") in r.message


# ---------------------------------------------------------------------------------------------------
# the error estimate
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [np.zeros(3), np.array([0.5, -3.0, 1.0])], ids=["origin", "max3"])
@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_directional_error_estimate_of_a_linear_function(method, x):
    """f = <c, x>, exact gradient c: estimate = max_j (rounding of f's values along v_j) + argument term.

    Values: u (|f(x+tv)| + |f(x-tv)| + 2 tiny) / (2t) (central), u (4 near / (2t) + far / (4t)) / 3
    (Richardson), u (|slope| + tiny / t) (complex). Argument: u ||c|| max(max|x|, 1) / t, or u ||c|| for
    the complex step. No curvature term: the check passes at once.
    """
    c = np.array([2.0, -1.0, 3.0])
    result = matgrad.check_gradient(lambda v: np.sum(c * v), lambda v: c, x, method=method, n_directions=3)
    t = direction_step(method, x)
    xmax = max(float(np.max(np.abs(x))), 1.0)
    V = unit_directions(3, 3)
    f0, slopes = float(c @ x), V @ c
    if method == "complex":
        values = EPS * (np.abs(slopes) + TINY / t)
        argument = EPS * np.linalg.norm(c)
    else:
        near = np.abs(f0 + t * slopes) + np.abs(f0 - t * slopes) + 2 * TINY
        if method == "central":
            values = EPS * near / (2 * t)
        else:
            far = np.abs(f0 + 2 * t * slopes) + np.abs(f0 - 2 * t * slopes) + 2 * TINY
            values = EPS * (4 * near / (2 * t) + far / (4 * t)) / 3
        argument = EPS * np.linalg.norm(c) * xmax / t
    assert result.ok and result.n_evals == {"central": 6, "richardson": 12, "complex": 3}[method]
    assert result.error_estimate == pytest.approx(float(np.max(values)) + argument, rel=1e-9, abs=0)


def test_directional_error_estimate_at_a_minimum_includes_the_curvature():
    """At the minimum of f = a ||x - x0||^2 / 2 a wrong gradient e fails; the estimate then adds u |f''| ||x||.

    |f''| along a unit direction is a, estimated from f(x) and f(x +- t v); f(x +- t v) = a t^2 / 2.
    """
    a = 3.0
    x0 = np.array([1.0, -2.0, 0.5])
    e = 1e-6 * np.array([1.0, 1.0, -1.0])
    result = matgrad.check_gradient(lambda v: 0.5 * a * float(np.sum((v - x0) ** 2)), lambda v: e, x0.copy(),
                                    n_directions=3)
    t = direction_step("central", x0)
    values = EPS * (a * t**2 + 2 * TINY) / (2 * t)
    argument = EPS * np.linalg.norm(e) * 2.0 / t
    curvature = EPS * a * np.linalg.norm(x0)
    assert not result.ok and result.n_evals == 2 * 3 + 1
    assert result.error_estimate == pytest.approx(values + argument + curvature, rel=1e-6, abs=0)


@pytest.mark.parametrize("shape", [(0,), (0, 3)])
def test_directional_check_of_an_empty_point(shape):
    """x of any shape, also empty: both gradients are zero, 2 m evaluations of f, estimate u (|f| + tiny) / t."""
    x = np.zeros(shape)
    result = matgrad.check_gradient(lambda v: 1.0, lambda v: np.zeros_like(v), x, n_directions=2)
    assert result.ok and result.rel_error == 0.0 and result.n_evals == 4 and result.n_directions == 2
    assert result.error_estimate == pytest.approx(EPS * (1.0 + TINY) / EPS ** (1 / 3), rel=1e-12, abs=0)


# ---------------------------------------------------------------------------------------------------
# cost and where f is evaluated
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "h", "per_direction"), [("richardson", 1e-3, 4), ("complex", 1e-20, 1),
                                                             ("central", 1e-3, 2)])
def test_directional_check_with_a_given_step_costs_the_documented_evaluations(method, h, per_direction):
    """With h given, every direction (the first too) is differenced by the method: 4 m, m or 2 m evaluations."""
    x = np.array([1.0, -2.0, 0.5])
    points = []

    def f(v):
        points.append(np.array(v, copy=True))
        return np.sum(v**3)

    result = matgrad.check_gradient(f, lambda v: 3 * v**2, x, method=method, h=h, n_directions=3)
    assert result.ok and result.n_evals == 3 * per_direction == len(points)
    v0 = unit_directions(3, 3)[0]
    first = points[:per_direction]
    if method == "complex":
        np.testing.assert_allclose(first[0], x + 1j * h * v0, rtol=1e-15, atol=0)
    else:
        multiples = [1, -1, 2, -2][:per_direction]
        for p, s in zip(first, multiples, strict=True):
            np.testing.assert_allclose(p, x + s * h * v0, rtol=1e-15)


@pytest.mark.parametrize("h", [None, 1e-3])
@pytest.mark.parametrize("call", [1, 2, 3, 4, 6])
def test_non_finite_f_is_reported_at_the_point_of_the_direction(call, h):
    """Central: f is evaluated at x + t v_0, x - t v_0, x + t v_1, ... and the error names that point."""
    x = np.array([1.0, -2.0, 0.5])
    t = direction_step("central", x) if h is None else h
    sign = "+" if call % 2 else "-"
    where = f"x {sign} {t:g} v_{(call - 1) // 2}"
    with pytest.raises(ValueError, match=f"^f is not finite at {re.escape(where)}: it returned nan$"):
        matgrad.check_gradient(failing_at(call), lambda v: 2 * v, x, h=h, n_directions=3)


def test_non_finite_f_in_the_real_neighbours_of_a_complex_check_is_named():
    """A failed complex-step check evaluates f at x + t v_j (t the central step): the error names that point."""
    x = np.array([1.0, -2.0, 0.5])
    f = lambda v: np.sum(v**2) if np.iscomplexobj(v) or np.array_equal(v, x) else float("nan")  # noqa: E731
    t = direction_step("central", x)
    with pytest.raises(ValueError, match=f"^f is not finite at {re.escape(f'x + {t:g} v_0')}: it returned nan$"):
        matgrad.check_gradient(f, lambda v: 2 * v + 1, x, method="complex", n_directions=2)


@pytest.mark.parametrize("method", ["central", "complex"])
def test_f_at_x_itself_must_be_finite_and_real(method):
    """A failed check evaluates f(x) for the curvature; a NaN or a complex value there is an error naming x."""
    x = np.array([1.0, -2.0, 0.5])

    def at_x(bad):
        def f(v):
            s = np.sum(v**2)
            return bad if not np.iscomplexobj(v) and np.array_equal(v, x) else s
        return f

    with pytest.raises(ValueError, match=r"^f is not finite at x: it returned nan$"):
        matgrad.check_gradient(at_x(float("nan")), lambda v: 2 * v + 1, x, method=method, n_directions=2)
    with pytest.raises(ValueError, match=r"^f must be real-valued, but at x it returned \(5\.25\+1j\)$"):
        matgrad.check_gradient(at_x(5.25 + 1j), lambda v: 2 * v + 1, x, method=method, n_directions=2)


# ---------------------------------------------------------------------------------------------------
# a function that computes in float32
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rtol", [None, 1e-2])
def test_float32_note_of_a_directional_check(rtol):
    """The note says the steps suit float32; it says the default rtol was raised only when rtol was not given."""
    x = np.array([1.0, -2.0, 0.5])
    result = matgrad.check_gradient(lambda v: np.float32(np.sum(v**2)), lambda v: 2 * v, x, rtol=rtol, n_directions=3)
    note = (f"Note: f returned float32 values, so the steps were chosen for float32's rounding unit {EPS32:.1e}; "
            f"central differences then reach a relative error of only about {EPS32 ** (2 / 3):.0e}")
    raised = 40 * EPS32 ** (2 / 3)
    assert result.ok
    if rtol is None:
        assert f"{note}, and the default rtol was raised to {raised:.0e}." in result.message
        assert result.tolerance >= raised
    else:
        assert f"{note}." in result.message and "default rtol was raised" not in result.message
        assert f"rtol = {rtol:.0e} plus" in result.message


# ---------------------------------------------------------------------------------------------------
# the Richardson confirmation of an indecisive directional pass
# ---------------------------------------------------------------------------------------------------


def test_decisiveness_is_judged_against_the_slopes_also_for_a_gradient_of_norm_below_one():
    """Kills _directional_check__mutmut_153 (slope ratio taken only when scale > 1, else 1). In 2000 dimensions
    the slopes along unit directions are only ~ 1/sqrt(2000) of ||g||, so the errors they show are that much
    smaller than a relative error of the gradient; the module documents that directional mode judges
    decisiveness against the slopes. A gradient 1.5 times too large (||g|| = 0.75 < 1) of an f ~ 5e6 passes
    central differences with a tolerance of ~ 2.5 %, which is indecisive against slopes of ~ 3 % of ||g||:
    Richardson differences must confirm it, and catch the error; the mutant accepts it."""
    n = 2000
    a = np.random.default_rng(1).standard_normal(n)
    a *= 0.5 / np.linalg.norm(a)

    def f(v):
        return 5e6 + float(a @ v)

    x = np.zeros(n)
    result = matgrad.check_gradient(f, lambda v: 1.5 * a, x, n_directions=3)
    assert result.scale < 1
    assert not result.ok
    assert result.n_evals == 2 * 3 + 4 * 3 + 1  # central, Richardson, and f(x) for the failed Richardson check
    assert "so the verdict was taken with Richardson differences" in result.message


def test_the_richardson_confirmation_of_a_directional_pass_uses_the_users_rtol():
    """Kills _directional_check__mutmut_171 (rtol=None instead of the user's rtol in the Richardson re-check).
    With |f| ~ 3e8 a central directional pass is too loose to decide and is confirmed with Richardson
    differences; a gradient off by 0.5 %, which the user accepts with rtol=1e-2, must still pass (and the
    confirmation's tolerance include that rtol), not fail against Richardson's default rtol 1e-8."""
    x = np.array([1.0, -2.0, 0.5])

    def f(v):
        return 3e8 + float(np.sum(v**2))

    result = matgrad.check_gradient(f, lambda v: 2 * v * (1 + 5e-3), x, n_directions=2, rtol=1e-2)
    assert result.ok
    assert result.n_evals == 2 * 2 + 4 * 2
    assert result.tolerance >= 1e-2
    assert "the tolerance is rtol = 1e-02 plus" in result.message
