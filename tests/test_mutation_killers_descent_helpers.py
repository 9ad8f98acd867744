"""Tests written to kill surviving mutants of the small helpers of ``matgrad.descent``.

They state documented properties the other tests left unchecked: the finiteness errors of functions
without a ``check_finite`` option advise none (``_real_array``), the default step ``1/L`` is used for
every ``L`` whose reciprocal is finite, also a subnormal ``L`` whose ``2/L`` would overflow
(``_default_step``), and the gradient norm of the history (``_frobenius``) for targets with no
columns and for a sum of squares exactly at the threshold below which the entries are rescaled.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import matgrad

# ---------------------------------------------------------------------------------------------------
# _real_array: non-finite X or Y, no advice to pass a check_finite that does not exist
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: matgrad.lipschitz_constant([[1.0, np.nan]]), id="lipschitz_constant-X"),
        pytest.param(lambda: matgrad.gradient_descent([[1.0], [2.0]], [1.0, np.nan]), id="gradient_descent-Y"),
    ],
)
def test_non_finite_data_message_ends_with_the_value_and_advises_no_check_finite(call):
    """Kills x__real_array__mutmut_4/_7/_8: the descent functions have no ``check_finite`` option, so
    _real_array converts with ``opt_out=""`` (validation.as_numeric_array: ``""`` for functions that offer
    no ``check_finite``). The mutants end the message with "None" or "XXXX", or advise the non-existent
    ``check_finite=False``."""
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.endswith(": nan."), message
    assert "check_finite" not in message


# ---------------------------------------------------------------------------------------------------
# _default_step: a subnormal L whose 1/L is finite is still a valid default step
# ---------------------------------------------------------------------------------------------------


def test_default_step_is_one_over_a_subnormal_lipschitz_constant():
    """Kills x__default_step__mutmut_13 (``not isfinite(2.0 / L)`` for ``1.0 / L``): X = [[2^-512]] gives
    L = 2 (2^-512)^2 = 2^-1023, a subnormal number whose reciprocal 2^1023 is finite, so the default step
    1/L is defined (the error is documented only for an L "so small that 1/L overflows"); 2/L = 2^1024
    overflows, and the mutant refuses. With that step a single iteration reaches the minimiser 2^512
    exactly."""
    X = np.array([[2.0**-512]])
    L = matgrad.lipschitz_constant(X)
    assert L == 2.0**-1023
    result = matgrad.gradient_descent(X, np.array([1.0]), tol=0.0, max_iter=3)
    assert result.step == 2.0**1023
    assert result.converged and result.n_iter == 1
    assert result.W[0] == 2.0**512


# ---------------------------------------------------------------------------------------------------
# _frobenius: targets with no columns, and a sum of squares exactly at the rescaling threshold
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gram", [False, True])
def test_descent_with_no_target_columns_records_a_zero_gradient_norm(gram):
    """Kills x__frobenius__mutmut_16 (``if (flat.size) or True``): with Y of shape (N, 0) the gradient has
    no entries, its sum of squares 0 is below the rescaling threshold, and the original takes 0 as the
    largest magnitude of an empty array; the mutant calls np.max on the empty array, which raises."""
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    result = matgrad.gradient_descent(X, np.zeros((3, 0)), gram=gram)
    assert result.W.shape == (2, 0)
    assert result.converged and result.n_iter == 0
    np.testing.assert_array_equal(result.grad_norm_history, [0.0])


def test_gradient_norm_at_the_rescaling_threshold_is_the_root_of_the_sum_of_squares():
    """Kills x__frobenius__mutmut_11 (``_SQUARES_SAFE_MIN < squares`` for ``<=``): the entries are rescaled
    only when the sum of squares is below 2^-900 (where it may have lost digits). Here X = I (N = 2) and
    W0 = 0, so the first gradient is exactly -Y, whose sum of squares is exactly 2^-900: the original
    records sqrt(2^-900) = 2^-450, the correctly rounded norm; the mutant rescales by the largest entry,
    which is not a power of two, and records a value one ulp below."""
    y = np.array([2.833539564387591e-136, 1.949762908334736e-136])
    assert float(np.dot(y, y)) == 2.0**-900  # the premise: the sum of squares sits exactly at the threshold
    result = matgrad.gradient_descent(np.eye(2), y, tol=0.0, max_iter=1)
    assert result.grad_norm_history[0] == 2.0**-450 == math.sqrt(float(np.dot(y, y)))
