"""Tests written to kill the mutants of ``matgrad.chapters.hessian`` and ``matgrad.solvers`` that survived.

Each test states a documented property the other tests left unchecked: where the numerical Jacobian says
it failed (``x``, ``x + h e_j`` or ``x - h e_j``) and which argument it blames, that ``check_finite=False``
really skips the check, the refusal threshold of the normal-equation solvers (refused *at* 10 d eps, and
measured with the columns of ``X`` scaled to unit norm), what the refusal says it tested, targets with no
columns, and the exact power-of-two scaling that keeps ``X^T X`` and ``X^T Y`` from under- or overflowing.
"""

from __future__ import annotations

import numpy as np
import pytest

import matgrad

EPS = float(np.finfo(np.float64).eps)
METHODS = ("qr", "cholesky", "lstsq")
NUMBER = r"[0-9.e+-]+"



# ---------------------------------------------------------------------------------------------------
# numerical_jacobian / numerical_hessian: which point and which argument an error names
# ---------------------------------------------------------------------------------------------------


def finite_except(where):
    """F(v) = v, except NaN where v[1] has moved up ("plus") or down ("minus") from 0."""

    def F(v):
        if (where == "plus" and v[1] > 0) or (where == "minus" and v[1] < 0):
            return np.full_like(v, np.nan)
        return v.copy()

    return F


@pytest.mark.parametrize(
    ("F", "match"),
    [
        (lambda v: np.full_like(v, np.nan), r"^F is not finite at x$"),
        (finite_except("plus"), rf"^F is not finite at x \+ {NUMBER} e_1$"),
        (finite_except("minus"), rf"^F is not finite at x - {NUMBER} e_1$"),
    ],
    ids=["at-x", "at-x-plus-step", "at-x-minus-step"],
)
def test_jacobian_names_the_point_where_F_is_not_finite(F, match):
    with pytest.raises(ValueError, match=match):
        matgrad.chapters.hessian.numerical_jacobian(F, np.zeros(2))


def test_jacobian_names_the_step_at_which_the_output_size_changes():
    """Documented: ValueError if F changes its output size; it must be caught on the minus side too."""

    def F(v):
        return v[:1].copy() if v[0] < 0 else v.copy()

    with pytest.raises(ValueError, match=rf"^F returned 1 values at x - {NUMBER} e_0 but 2 at x: "):
        matgrad.chapters.hessian.numerical_jacobian(F, np.zeros(2))


def test_jacobian_blames_F_x_for_non_numeric_output():
    with pytest.raises(TypeError, match=r"at x it returned 'abc': F\(x\) must be numeric"):
        matgrad.chapters.hessian.numerical_jacobian(lambda v: "abc", np.zeros(2))


@pytest.mark.parametrize(("W", "error"), [(np.array([1.0, np.nan]), ValueError), ("abc", TypeError)])
def test_numerical_hessian_blames_W(W, error):
    with pytest.raises(error, match=r"^W (contains 1 non-finite|must be numeric)"):
        matgrad.chapters.hessian.numerical_hessian(lambda w: w, W)


def test_numerical_hessian_blames_grad_W_for_non_numeric_output():
    with pytest.raises(TypeError, match=r"not 'abc': grad\(W\) must be numeric"):
        matgrad.chapters.hessian.numerical_hessian(lambda w: "abc", np.zeros(2))


def test_numerical_hessian_checks_the_shape_before_the_values():
    """A NaN gradient of the wrong shape is reported as a shape error; of the right shape, as numerical_jacobian."""
    with pytest.raises(ValueError, match=r"grad\(W\) has shape \(3,\) but W has shape \(2,\)"):
        matgrad.chapters.hessian.numerical_hessian(lambda w: np.full(3, np.nan), np.zeros(2))
    with pytest.raises(ValueError, match=r"^F is not finite at x$"):
        matgrad.chapters.hessian.numerical_hessian(lambda w: np.full(2, np.nan), np.zeros(2))


