"""Tests of the Frobenius inner product helpers."""

from __future__ import annotations

import numpy as np
import pytest

from matgrad import directional_derivative, frobenius_inner, relative_difference


def test_frobenius_inner_is_trace_of_product():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((2, 4, 3))
    assert frobenius_inner(A, B) == pytest.approx(np.trace(A.T @ B))
    assert directional_derivative(A, B) == frobenius_inner(B, A)


def test_frobenius_inner_no_conjugation():
    assert frobenius_inner([1j], [1j]) == -1


def test_relative_difference():
    a = np.array([1.0, 2.0, 2.0])
    assert relative_difference(a, a) == 0.0
    assert relative_difference(a, 2 * a) == pytest.approx(0.5)
    assert relative_difference(1e-200 * a, 1.0000001e-200 * a) == pytest.approx(1e-7, rel=1e-3)
    assert relative_difference(np.zeros(2), np.zeros(2)) == 0.0


@pytest.mark.parametrize("fn", [frobenius_inner, relative_difference])
def test_shape_mismatch(fn):
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        fn(np.ones(2), np.ones(3))
