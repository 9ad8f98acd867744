"""Tests of the synthetic data generator."""

from __future__ import annotations

import numpy as np
import pytest

from matgrad import make_regression


def test_shapes_and_determinism():
    X, W, Y = make_regression(8, 3, 2, seed=5)
    assert X.shape == (8, 3) and W.shape == (3, 2) and Y.shape == (8, 2)
    X2, W2, Y2 = make_regression(8, 3, 2, seed=5)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    X3, _, _ = make_regression(8, 3, 2, seed=6)
    assert not np.array_equal(X, X3)


def test_noise_level():
    X, W, Y = make_regression(20000, 2, 1, noise=0.5, seed=0)
    assert np.std(Y - X @ W) == pytest.approx(0.5, rel=0.03)
    X, W, Y = make_regression(5, 2, 1, noise=0.0)
    np.testing.assert_allclose(Y, X @ W)


@pytest.mark.parametrize(
    "args, kwargs, exc",
    [
        ((0, 2, 1), {}, ValueError),
        ((3, 0, 1), {}, ValueError),
        ((3, 2, -1), {}, ValueError),
        ((3.5, 2, 1), {}, TypeError),
        ((True, 2, 1), {}, TypeError),
        ((3, 2, 1), {"noise": -0.1}, ValueError),
        ((3, 2, 1), {"noise": float("nan")}, ValueError),
    ],
)
def test_bad_arguments(args, kwargs, exc):
    with pytest.raises(exc):
        make_regression(*args, **kwargs)
