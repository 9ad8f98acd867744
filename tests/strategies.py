"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@st.composite
def regression_problems(draw, vector: bool | None = None):
    """(W, X, Y) with N, d, k in 1..6; W a vector (and Y too) when ``vector`` is true."""
    N = draw(st.integers(1, 6))
    d = draw(st.integers(1, 6))
    if vector is None:
        vector = draw(st.booleans())
    w_shape = (d,) if vector else (d, draw(st.integers(1, 6)))
    X = draw(arrays(np.float64, (N, d), elements=finite))
    W = draw(arrays(np.float64, w_shape, elements=finite))
    Y = draw(arrays(np.float64, (N,) + w_shape[1:], elements=finite))
    return W, X, Y
