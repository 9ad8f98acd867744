"""Shared fixtures and Hypothesis settings for the unit tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")


@pytest.fixture
def problem():
    """A small, well-conditioned regression problem (N=7, d=3, k=2) and a point W."""
    rng = np.random.default_rng(42)
    X = rng.standard_normal((7, 3))
    Y = rng.standard_normal((7, 2))
    W = rng.standard_normal((3, 2))
    return W, X, Y
