"""Accuracy and cost of gradient checkers on the same smooth functions (a benchmark, not a test; not timed).

For every function of :func:`matgrad.examples.smooth_problems` (the least-squares loss, log det,
trace of an inverse, softplus of a product) and several seeds, this prints the normwise relative error
``||g_num - g|| / ||g||`` of each numerical gradient against the known gradient ``g``, and the number of
evaluations of ``f`` it cost (counted by wrapping ``f``), per entry of ``x``:

* matgrad's ``numerical_gradient`` with ``forward``, ``central``, ``richardson`` and ``complex``;
* matgrad's directional check ``check_gradient(..., n_directions=4)`` (its ``rel_error``: the largest error
  of a directional derivative along a random unit direction, relative to ``||g||``);
* ``numdifftools.Gradient`` with its defaults, if numdifftools is installed;
* ``scipy.optimize.approx_fprime`` (forward differences, step ``sqrt(eps)``) and ``scipy.optimize.check_grad``
  (which calls it; ``direction="random"`` checks one forward difference along a random direction), if
  SciPy is installed.

A second table shows the verdicts, when ``f`` and its gradient are multiplied by ``s = 1e-8, 1, 1e8``, of
``check_gradient`` and of the usual idioms (``check_grad(...) < 1e-6``; ``np.allclose`` against numdifftools):
does the right gradient pass, and is a gradient that is 1% too large caught?

numdifftools and SciPy are optional: they are imported inside ``try``/``except``, so the script runs with
NumPy and matgrad alone (SciPy is in the book's environment; numdifftools is not in ``requirements.txt``).
Run from the repository root::

    python benchmarks/checker_accuracy.py            # 5 seeds
    python benchmarks/checker_accuracy.py --seeds 20
"""

from __future__ import annotations

import argparse
import math
import warnings
from collections.abc import Callable

import numpy as np

from matgrad import check_gradient, numerical_gradient
from matgrad.examples import SmoothProblem, smooth_problems

try:  # optional
    import numdifftools
except ImportError:  # pragma: no cover - depends on the environment
    numdifftools = None

try:  # optional
    import scipy
    from scipy.optimize import approx_fprime, check_grad
except ImportError:  # pragma: no cover - depends on the environment
    scipy = None

N_DIRECTIONS = 4


class Counted:
    """Wrap ``f`` and count its evaluations."""

    def __init__(self, f: Callable[[np.ndarray], float]):
        self.f = f
        self.calls = 0

    def __call__(self, x: np.ndarray) -> float:
        self.calls += 1
        return self.f(x)


def relative_error(approx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(approx).ravel() - exact.ravel()) / np.linalg.norm(exact))


def run_checker(name: str, problem: SmoothProblem) -> tuple[float, int]:
    """Relative error and number of evaluations of ``f`` of one checker on one problem."""
    x, g = problem.x, problem.grad(problem.x)
    counted = Counted(problem.f)

    def flat(v: np.ndarray) -> float:  # SciPy and numdifftools want vectors
        return counted(np.reshape(v, x.shape))

    if name.startswith("matgrad "):
        method = name.split()[1]
        if method == "directional":
            result = check_gradient(counted, problem.grad, x, n_directions=N_DIRECTIONS)
            return result.rel_error, counted.calls
        return relative_error(numerical_gradient(counted, x, method=method), g), counted.calls
    if name == "numdifftools Gradient":
        return relative_error(numdifftools.Gradient(flat)(x.ravel()), g), counted.calls
    if name == "scipy approx_fprime":
        return relative_error(approx_fprime(x.ravel(), flat), g), counted.calls
    if name == "scipy check_grad":
        err = check_grad(flat, lambda v: problem.grad(np.reshape(v, x.shape)).ravel(), x.ravel())
        return float(err / np.linalg.norm(g)), counted.calls
    if name == "scipy check_grad random":
        # one forward difference along v ~ N(0, I); relative to ||g|| ||v|| like matgrad's unit directions
        v = np.random.default_rng(0).standard_normal(x.size)
        err = check_grad(
            flat,
            lambda w: problem.grad(np.reshape(w, x.shape)).ravel(),
            x.ravel(),
            direction="random",
            rng=np.random.default_rng(0),
        )
        return float(err / (np.linalg.norm(g) * np.linalg.norm(v))), counted.calls
    raise ValueError(name)


def checkers() -> list[str]:
    names = [f"matgrad {m}" for m in ("forward", "central", "richardson", "complex", "directional")]
    if numdifftools is not None:
        names.append("numdifftools Gradient")
    if scipy is not None:
        names += ["scipy approx_fprime", "scipy check_grad", "scipy check_grad random"]
    return names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of random problems per function")
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    problems = {seed: smooth_problems(seed) for seed in seeds}
    names = [p.name for p in problems[0]]
    sizes = {p.name: p.x.size for p in problems[0]}

    versions = [f"numpy {np.__version__}"]
    versions.append(f"numdifftools {numdifftools.__version__}" if numdifftools else "numdifftools not installed")
    versions.append(f"scipy {scipy.__version__}" if scipy else "scipy not installed")
    print("; ".join(versions))
    print(f"worst normwise relative error over {args.seeds} seeds; evaluations of f per entry of x in brackets")
    print(f"(sizes: {', '.join(f'{n} {s}' for n, s in sizes.items())}; directional: {N_DIRECTIONS} directions)")
    print()
    width = 26
    print(f"{'checker':{width}s}" + "".join(f"{n:>22s}" for n in names))
    print("-" * (width + 22 * len(names)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numdifftools may warn about its own internals
        for checker in checkers():
            cells = []
            for name in names:
                worst, evals = 0.0, 0
                for seed in seeds:
                    problem = next(p for p in problems[seed] if p.name == name)
                    err, calls = run_checker(checker, problem)
                    worst, evals = max(worst, err), max(evals, calls)
                per_entry = evals / sizes[name]
                cells.append(f"{worst:9.1e} [{per_entry:5.2f}]" if math.isfinite(worst) else "failed")
            print(f"{checker:{width}s}" + "".join(f"{c:>22s}" for c in cells))
    print()
    verdict_table()


def verdict_table() -> None:
    """Does a right gradient pass and a wrong one (1% too large) fail, when f and g are multiplied by s?

    SciPy's ``check_grad`` returns an absolute error; the usual idiom compares it with a fixed number such
    as 1e-6. numdifftools is usually compared with ``np.allclose`` (rtol 1e-5, atol 1e-8).
    """
    print("verdicts on the least-squares loss multiplied by s: right gradient passes / wrong gradient (x 1.01) fails")
    problem = smooth_problems(0)[0]
    x = problem.x
    judges: dict[str, Callable[[Callable, Callable], bool]] = {
        "matgrad check_gradient": lambda f, g: check_gradient(f, g, x).ok,
        "matgrad directional (m=4)": lambda f, g: check_gradient(f, g, x, n_directions=N_DIRECTIONS).ok,
    }
    if scipy is not None:
        judges["scipy check_grad < 1e-6"] = lambda f, g: bool(
            check_grad(lambda v: f(v.reshape(x.shape)), lambda v: g(v.reshape(x.shape)).ravel(), x.ravel()) < 1e-6
        )
    if numdifftools is not None:
        judges["numdifftools + np.allclose"] = lambda f, g: bool(
            np.allclose(g(x).ravel(), numdifftools.Gradient(lambda v: f(v.reshape(x.shape)))(x.ravel()))
        )
    scales = [1e-8, 1.0, 1e8]
    width = 28
    print(f"{'checker':{width}s}" + "".join(f"{f's = {s:g}':>24s}" for s in scales))
    print("-" * (width + 24 * len(scales)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, judge in judges.items():
            cells = []
            for s in scales:

                def f(w, s=s):
                    return s * problem.f(w)

                right = judge(f, lambda w, s=s: s * problem.grad(w))
                wrong = judge(f, lambda w, s=s: 1.01 * s * problem.grad(w))
                cells.append(f"{'passes' if right else 'FALSE ALARM'} / {'fails' if not wrong else 'MISSED'}")
            print(f"{name:{width}s}" + "".join(f"{c:>24s}" for c in cells))


if __name__ == "__main__":
    main()
