"""Test helpers that observe where a finite-difference method evaluates ``f``."""

from __future__ import annotations

import numpy as np


def recorded(f):
    """Wrap ``f``; return the wrapper and the list of the points (copies) it was called at."""
    points = []

    def wrapped(x):
        points.append(np.array(x, copy=True))
        return f(x)

    return wrapped, points


def steps_of(points, x):
    """The steps h_i of a full check, read off the points where f was evaluated (one moved entry each)."""
    moved = [(p - x).real if np.iscomplexobj(p) else p - x for p in points[1:]]
    steps = np.zeros(x.size)
    for m in moved:
        i = int(np.flatnonzero(m)[0]) if np.any(m) else None
        if i is not None and m[i] > 0 and steps[i] == 0:
            steps[i] = m[i]
    return steps
