"""Hostile and unusual input for every public function of matgrad.

Every array function is described once, in ``CASES``: how to draw its arguments, how to call it, and
a plain NumPy formula for what it must return. The same properties are then checked for all of them:

* the right answer (against the NumPy formula) for random shapes, including empty dimensions
  ``d = 0`` and ``k = 0`` where the function allows them, and complex input where it is documented;
* the same answer for Fortran-ordered, non-contiguous, negatively strided and read-only arrays,
  nested lists and object arrays, and inputs that are never modified;
* float32 input gives an answer accurate to float32 precision;
* huge and tiny magnitudes: with the arguments scaled by a power of two, the result scales exactly
  (nothing under- or overflows on the way), and far outside the range of float64 the result is
  either accurate in the IEEE error model (with gradual underflow), or not finite (the true value
  overflows), or a clear error; never a finite wrong number;
* ``N = 0``, non-numeric, non-finite, complex (where it is not documented) and wrongly shaped input
  raises a ``TypeError`` or ``ValueError`` that names the argument and is raised inside matgrad,
  not deep in NumPy.

The scalar options (sizes, seeds, tolerances, methods) and the callables of the differentiation
tools get their own tests at the end, including ``check_gradient`` given a gradient that raises,
returns NaN, a list or the wrong shape.
"""

from __future__ import annotations

import dataclasses
import fractions
import functools
import importlib
import math
import re
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import matgrad

gd = importlib.import_module("matgrad.descent")
ne = importlib.import_module("matgrad.solvers")
ex = importlib.import_module("matgrad.chapters.expansion")
ix = importlib.import_module("matgrad.chapters.index_notation")
ol = importlib.import_module("matgrad.chapters.differentials")
tf = importlib.import_module("matgrad.examples")
ti = importlib.import_module("matgrad.chapters.trace")
vz = importlib.import_module("matgrad.chapters.first_order")
hs = importlib.import_module("matgrad.chapters.hessian")
ext = importlib.import_module("matgrad.chapters.extensions")
fd = importlib.import_module("matgrad.finite_differences")
gc = importlib.import_module("matgrad.gradient_check")
ip = importlib.import_module("matgrad.inner_product")
ls = importlib.import_module("matgrad.least_squares")
val = importlib.import_module("matgrad._old_checks")
shapes_mod = importlib.import_module("matgrad.chapters.derivative_x")
data_mod = importlib.import_module("matgrad.data")

PACKAGE_DIR = Path(matgrad.__file__).resolve().parent
REALMAX = float(np.finfo(np.float64).max)
TINY = float(np.finfo(np.float64).tiny)

# ---------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------


def raised_in_matgrad(excinfo: pytest.ExceptionInfo) -> bool:
    """The innermost frame of the traceback is matgrad's own code (not NumPy's, not the test's)."""
    frames = traceback.extract_tb(excinfo.tb)
    return Path(frames[-1].filename).resolve().is_relative_to(PACKAGE_DIR)


def assert_clear_error(fn: Callable[[], Any], names: str | tuple[str, ...], types=(TypeError, ValueError)):
    """``fn()`` raises one of ``types`` inside matgrad, with a message that names one of ``names``."""
    names = (names,) if isinstance(names, str) else names
    with pytest.raises(types) as excinfo:
        fn()
    message = str(excinfo.value)
    assert raised_in_matgrad(excinfo), f"raised outside matgrad: {excinfo.type.__name__}: {message}"
    assert any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", message) for n in names), (
        f"message does not name {names}: {message}"
    )
    return excinfo


def parts(result: Any) -> list[np.ndarray]:
    """The numbers of a result (array, scalar, tuple, NamedTuple or dataclass) as a list of arrays."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return [p for f in dataclasses.fields(result) for p in parts(getattr(result, f.name))]
    if isinstance(result, tuple):
        return [p for item in result for p in parts(item)]
    return [np.asarray(result)]


def assert_python_scalars(result: Any) -> None:
    """Scalar results are plain Python numbers, so that they print alike with NumPy 1.x and 2.x."""
    if isinstance(result, np.generic):
        raise AssertionError(f"a NumPy scalar {result!r} was returned; expected a Python float or complex")
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = tuple(getattr(result, f.name) for f in dataclasses.fields(result))
    if isinstance(result, tuple):
        for item in result:
            assert_python_scalars(item)


def scale_of(values: list[np.ndarray]) -> float:
    return max((float(np.max(np.abs(v), initial=0.0)) for v in values), default=0.0)


def assert_close(got: Any, expected: Any, rtol: float, atol: float = 0.0) -> None:
    """Every number of ``got`` equals ``expected`` up to ``rtol`` of the result's size (normwise)."""
    g, e = parts(got), parts(expected)
    assert len(g) == len(e), f"{len(g)} parts, expected {len(e)}"
    size = scale_of(e)
    for a, b in zip(g, e, strict=True):
        assert a.shape == b.shape, f"shape {a.shape}, expected {b.shape}"
        assert np.all(np.isfinite(a)), f"non-finite result {a}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * size + atol)


# --- layouts of the same numbers ------------------------------------------------------------------


def c_order(a: np.ndarray) -> np.ndarray:
    return np.array(a, order="C", copy=True)  # (np.ascontiguousarray would make a 0-d array 1-D)


def fortran_order(a: np.ndarray) -> np.ndarray:
    return np.asfortranarray(a) if a.ndim else a.copy()  # asfortranarray makes a 0-d array 1-D


def strided(a: np.ndarray) -> np.ndarray:
    """A view with gaps between the entries (not contiguous in any order); a NumPy scalar for 0-d input."""
    if a.ndim == 0:
        return a[()]
    big = np.full(tuple(2 * n + 1 for n in a.shape), 7.0, dtype=a.dtype)
    view = big[tuple(slice(1, None, 2) for _ in a.shape)]
    view[...] = a
    return view


def reversed_strides(a: np.ndarray) -> np.ndarray:
    """A view with negative strides on every axis; a NumPy scalar for 0-d input."""
    if a.ndim == 0:
        return a[()]
    flipped = np.flip(a).copy()
    return np.flip(flipped)


def read_only(a: np.ndarray) -> np.ndarray:
    b = a.copy()
    b.flags.writeable = False
    return b


LAYOUTS = [fortran_order, strided, reversed_strides, read_only]


def nested_list(a: np.ndarray) -> Any:
    return a.tolist()


def object_array(a: np.ndarray) -> np.ndarray:
    """The same numbers as Python objects: exact fractions, ints where integral."""
    out = np.empty(a.shape, dtype=object)
    for index, v in np.ndenumerate(a):
        out[index] = int(v) if float(v).is_integer() else fractions.Fraction(float(v))
    return out


# --- elements ----------------------------------------------------------------------------------------

#: Multiples of 1/8 in [-64, 64]: sums and products of a few of them are exact in float64, so a
#: correct formula agrees with the reference up to the final division by N.
DYADIC = st.integers(-512, 512).map(lambda i: i / 8.0)

#: Multiples of 1/2 in [-8, 8]: few enough bits that the book's formulas are exact even in float32.
SMALL_DYADIC = st.integers(-16, 16).map(lambda i: i / 2.0)

#: Zero or magnitudes in [2^-10, 2^10]: a power-of-two scaling by 2^e with |e| * degree <= 800
#: neither under- nor overflows anything the functions compute.
MODERATE = st.one_of(
    st.just(0.0),
    st.floats(2.0**-10, 2.0**10),
    st.floats(-(2.0**10), -(2.0**-10)),
)


class ExampleData:
    """Stands in for Hypothesis' ``data`` to build one fixed, small, non-empty example quickly.

    Sizes take the value 2 (or the nearest allowed), booleans are False, choices take the middle
    option, and array entries are seeded multiples of 1/8 in [1/8, 3].
    """

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)


def draw_array(data, shape, elements=DYADIC) -> np.ndarray:
    if isinstance(data, ExampleData):
        return data.rng.integers(1, 25, size=shape) / 8.0
    return data.draw(arrays(np.float64, shape, elements=elements))


def integer(data, lo: int, hi: int, label: str | None = None) -> int:
    if isinstance(data, ExampleData):
        return min(max(lo, 2), hi)
    return data.draw(st.integers(lo, hi), label=label)


def boolean(data, label: str | None = None) -> bool:
    return False if isinstance(data, ExampleData) else data.draw(st.booleans(), label=label)


def choice(data, values: list, label: str | None = None):
    if isinstance(data, ExampleData):
        return values[len(values) // 2]
    return data.draw(st.sampled_from(values), label=label)


def number(data, elements) -> float:
    return 1.0 if isinstance(data, ExampleData) else data.draw(elements)


# ---------------------------------------------------------------------------------------------------
# argument generators: each returns a dict of named float64 arrays
# ---------------------------------------------------------------------------------------------------


def sizes(data, *, min_d=0, min_k=0, max_N=5, max_d=4, max_k=3):
    N = integer(data, 1, max_N, "N")
    d = integer(data, min_d, max_d, "d")
    k = integer(data, min_k, max_k, "k")
    return N, d, k


def gen_wxy(data, elements=DYADIC, *, min_d=0, min_k=0, vector=None):
    N, d, k = sizes(data, min_d=min_d, min_k=min_k)
    if vector is None:
        vector = boolean(data, "vector")
    w_shape = (d,) if vector else (d, k)
    return {
        "W": draw_array(data, w_shape, elements),
        "X": draw_array(data, (N, d), elements),
        "Y": draw_array(data, (N,) + w_shape[1:], elements),
    }


def gen_wxy_matrix(data, elements=DYADIC, **kw):
    return gen_wxy(data, elements, vector=False, **kw)


def gen_wdxy(data, elements=DYADIC):
    args = gen_wxy(data, elements)
    args["D"] = draw_array(data, args["W"].shape, elements)
    return args


def gen_weighted(data, elements=DYADIC):
    args = gen_wxy(data, elements)
    args["weights"] = np.abs(draw_array(data, (args["X"].shape[0],), elements))
    return args


def gen_intercept(data, elements=DYADIC):
    args = gen_wxy(data, elements)
    args["b"] = draw_array(data, args["W"].shape[1:], elements)
    return args


def gen_x(data, elements=DYADIC, *, min_d=0):
    N, d, _ = sizes(data, min_d=min_d)
    return {"X": draw_array(data, (N, d), elements)}


def gen_vx(data, elements=DYADIC):
    args = gen_wxy(data, elements)
    return {"V": args["W"], "X": args["X"]}


def gen_dx(data, elements=DYADIC):
    args = gen_wxy(data, elements)
    return {"D": args["W"], "X": args["X"]}


def full_rank(data, elements=DYADIC, *, vector=None):
    """X of full column rank, well conditioned: 16 I stacked on random rows."""
    N, d, k = sizes(data, min_d=1, min_k=1)
    X = np.vstack([16.0 * np.eye(d), draw_array(data, (N, d), elements)])
    if vector is None:
        vector = boolean(data, "vector")
    Y = draw_array(data, (N + d,) if vector else (N + d, k), elements)
    return X, Y


def gen_xy_full_rank(data, elements=DYADIC):
    X, Y = full_rank(data, elements)
    return {"X": X, "Y": Y}


def gen_xy_easy(data, elements=DYADIC):
    """Full column rank with condition number below 2: gradient descent converges in a few dozen steps."""
    X, Y = full_rank(data, elements)
    d = X.shape[1]
    X[d:] /= 64.0
    return {"X": X, "Y": Y}


def gen_gram(data, elements=DYADIC):
    args = gen_wxy(data, elements, min_d=1)
    X, Y, W = args["X"], args["Y"], args["W"]
    return {"W": W, "XtX": X.T @ X, "XtY": X.T @ Y, "N_rows": X.shape[0], "YtY": float(np.sum(Y * Y))}


def gen_pair(data, elements=DYADIC):
    shape = (integer(data, 0, 4, "rows"), integer(data, 0, 4, "columns"))
    return {"A": draw_array(data, shape, elements), "B": draw_array(data, shape, elements)}


def gen_pair_nonempty(data, elements=DYADIC):
    shape = (integer(data, 1, 4, "rows"), integer(data, 1, 4, "columns"))
    return {"A": draw_array(data, shape, elements), "B": draw_array(data, shape, elements)}


def gen_matrix(data, elements=DYADIC, name="A"):
    shape = (integer(data, 1, 4, "rows"), integer(data, 1, 4, "columns"))
    return {name: draw_array(data, shape, elements)}


def gen_vector(data, elements=DYADIC, name="v"):
    return {name: draw_array(data, (integer(data, 1, 6, "n"),), elements)}


def gen_aw(data, elements=DYADIC):
    d, k = integer(data, 1, 4, "d"), integer(data, 1, 3, "k")
    return {"A": draw_array(data, (k, d), elements), "W": draw_array(data, (d, k), elements)}


def gen_wb(data, elements=DYADIC):
    d, k = integer(data, 1, 4, "d"), integer(data, 1, 3, "k")
    return {"W": draw_array(data, (d, k), elements), "B": draw_array(data, (d, d), elements)}


def gen_ac(data, elements=DYADIC):
    m, p, q, n = (integer(data, 1, 3) for _ in range(4))
    return {"A": draw_array(data, (m, p), elements), "C": draw_array(data, (q, n), elements)}


def gen_square(data, elements=DYADIC):
    """A non-singular, well-conditioned square matrix: 128 n I plus entries of at most 64."""
    n = integer(data, 1, 4, "n")
    return {"A": 128.0 * n * np.eye(n) + draw_array(data, (n, n), elements)}


def gen_residual(data, elements=DYADIC):
    N, _, k = sizes(data)
    vector = boolean(data, "vector")
    return {"U": draw_array(data, (N,) if vector else (N, k), elements)}


def gen_u(data, elements=DYADIC):
    shape = choice(data, [(), (3,), (2, 3), (1, 1, 2)], "shape")
    return {"u": draw_array(data, shape, elements)}


def gen_softplus(data, elements=DYADIC):
    args = gen_wxy(data, elements)
    return {"W": args["W"] / 64.0, "X": args["X"] / 8.0}


def gen_t(data, elements=DYADIC):
    return {"t": draw_array(data, (integer(data, 0, 6, "N"),), elements) / 32.0}


def gen_ts(data, elements=DYADIC):
    args = gen_wdxy(data, elements)
    args["ts"] = np.array([0.5, 0.25, 0.125])
    return args


def gen_loglog(data, elements=DYADIC):
    ts = np.array([2.0**-e for e in range(1, 6)])
    c = abs(number(data, DYADIC)) + 1.0
    p = integer(data, 1, 3)
    return {"ts": ts, "values": c * ts**p}


# ---------------------------------------------------------------------------------------------------
# reference formulas (plain NumPy, as in the book)
# ---------------------------------------------------------------------------------------------------


def r_ref(W, X, Y):
    return X @ W - Y


def loss_ref(W, X, Y):
    R = r_ref(W, X, Y)
    return np.sum(R * R) / X.shape[0]


def grad_w_ref(W, X, Y):
    return 2.0 / X.shape[0] * (X.T @ r_ref(W, X, Y))


def grad_x_ref(W, X, Y):
    R = r_ref(W, X, Y)
    return 2.0 / X.shape[0] * (np.outer(R, W) if W.ndim == 1 else R @ W.T)


def grad_y_ref(W, X, Y):
    return -2.0 / X.shape[0] * r_ref(W, X, Y)


def full_batch(X) -> int:
    """The number of rows of X, to run SGD with full batches; 1 for input that has no rows."""
    try:
        return max(int(np.shape(X)[0]), 1) if np.ndim(X) else 1
    except (TypeError, ValueError):  # ragged input: let the function itself complain
        return 1


def rows(weights, R):
    return weights.reshape((-1,) + (1,) * (R.ndim - 1))


def as_matrix_w(W, Y):
    return (W[:, None], Y[:, None]) if W.ndim == 1 else (W, Y)


def missing_inner_sum_ref(W, X, Y):
    W2, Y2 = as_matrix_w(W, Y)
    G = 2.0 / X.shape[0] * (np.sum(X * X, axis=0)[:, None] * W2 - X.T @ Y2)
    return G[:, 0] if W.ndim == 1 else G


def reused_index_ref(W, X, Y):
    W2, Y2 = as_matrix_w(W, Y)
    captured = np.sum(X * X, axis=0) @ W2
    G = 2.0 / X.shape[0] * (captured[None, :] - X.T @ Y2)
    return G[:, 0] if W.ndim == 1 else G


def vec_ref(A):
    return A.reshape(-1, order="F")


def huber_rho_ref(u, delta=1.0):
    a = np.abs(u)
    return np.where(a <= delta, 0.5 * u * u, delta * (a - 0.5 * delta))


def log_cosh_ref(u):
    return np.logaddexp(u, -u) - math.log(2.0)


def mean_rows(values, U):
    return np.sum(values) / U.shape[0]


def sigmoid_ref(Z):
    return 0.5 * (1.0 + np.tanh(0.5 * Z))


def eig_extremes(X):
    ev = np.linalg.eigvalsh(X.T @ X)
    return ev[0], ev[-1]


def lipschitz_ref(X):
    return 2.0 / X.shape[0] * eig_extremes(X)[1]


def mu_ref(X):
    N, d = X.shape
    return 0.0 if N < d else 2.0 / N * max(eig_extremes(X)[0], 0.0)


# ---------------------------------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One public function: how to draw its arguments, call it, and what it must return.

    ``scale`` is ``({argument: power}, degree)``: scaling each named argument by ``s**power`` (``s`` a
    power of two) scales every number of the result by ``s**degree`` (a tuple of degrees for a tuple
    result). ``rows_of`` names the argument whose first axis is ``N`` (for the ``N = 0`` test).
    ``complex_args`` are the arguments that may be complex (the reference holds for them), and
    ``real_args`` those that must be rejected when complex.
    """

    name: str
    gen: Callable
    call: Callable
    ref: Callable | None
    arrays: tuple[str, ...]
    scale: tuple[dict[str, int], Any] | None = None
    rows_of: str | None = "X"
    complex_args: tuple[str, ...] = ()
    real_args: tuple[str, ...] = ()
    rtol: float = 1e-12
    float32_rtol: float = 1e-4
    scalar_result: bool = False
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


WXY = ("W", "X", "Y")
SQUARED = ({"X": 1, "Y": 1}, 2)  # R scales by s, so a squared loss and X^T R scale by s^2


def wxy_case(name, fn, ref, scale=SQUARED, *, complex_args=("W", "X", "Y"), **kw):
    return Case(name, gen_wxy, lambda W, X, Y: fn(W, X, Y), ref, WXY, scale, complex_args=complex_args, **kw)


def real_wxy_case(name, fn, ref, scale=SQUARED, **kw):
    return Case(name, gen_wxy, lambda W, X, Y: fn(W, X, Y), ref, WXY, scale, real_args=WXY, **kw)


CASES: list[Case] = [
    # --- least_squares ----------------------------------------------------------------------------
    wxy_case("residual", matgrad.residual, r_ref, ({"X": 1, "Y": 1}, 1)),
    wxy_case("loss", matgrad.loss, loss_ref, scalar_result=True),
    wxy_case("grad_W", matgrad.grad_W, grad_w_ref),
    wxy_case("grad_X", matgrad.grad_X, grad_x_ref, ({"X": 1, "Y": 1}, 1)),
    wxy_case("grad_Y", matgrad.grad_Y, grad_y_ref, ({"X": 1, "Y": 1}, 1)),
    wxy_case(
        "loss_and_grad", matgrad.loss_and_grad, lambda W, X, Y: (loss_ref(W, X, Y), grad_w_ref(W, X, Y)),
        ({"X": 1, "Y": 1}, (2, 2)), scalar_result=True,
    ),
    # --- extensions -------------------------------------------------------------------------------
    Case(
        "ridge_loss", gen_wxy, lambda W, X, Y: matgrad.chapters.extensions.ridge_loss(W, X, Y, 0.375),
        lambda W, X, Y: loss_ref(W, X, Y) + 0.375 * np.sum(W * W), WXY, ({"W": 1, "Y": 1}, 2),
        complex_args=WXY, scalar_result=True,
    ),
    Case(
        "ridge_grad_W", gen_wxy, lambda W, X, Y: matgrad.chapters.extensions.ridge_grad_W(W, X, Y, 0.375),
        lambda W, X, Y: grad_w_ref(W, X, Y) + 0.75 * W, WXY, ({"W": 1, "Y": 1}, 1), complex_args=WXY,
    ),
    Case(
        "weighted_loss", gen_weighted, matgrad.chapters.extensions.weighted_loss,
        lambda W, X, Y, weights: np.sum(rows(weights, r_ref(W, X, Y)) * r_ref(W, X, Y) ** 2) / X.shape[0],
        ("W", "X", "Y", "weights"), ({"X": 1, "Y": 1, "weights": 1}, 3),
        complex_args=WXY, real_args=("weights",), scalar_result=True,
    ),
    Case(
        "weighted_grad_W", gen_weighted, matgrad.chapters.extensions.weighted_grad_W,
        lambda W, X, Y, weights: 2.0 / X.shape[0] * X.T @ (rows(weights, r_ref(W, X, Y)) * r_ref(W, X, Y)),
        ("W", "X", "Y", "weights"), ({"X": 1, "Y": 1, "weights": 1}, 3),
        complex_args=WXY, real_args=("weights",),
    ),
    Case(
        "intercept_loss", gen_intercept, matgrad.chapters.extensions.intercept_loss,
        lambda W, b, X, Y: np.sum((X @ W + b - Y) ** 2) / X.shape[0],
        ("W", "b", "X", "Y"), ({"X": 1, "Y": 1, "b": 1}, 2), complex_args=("W", "b", "X", "Y"), scalar_result=True,
    ),
    Case(
        "intercept_grad", gen_intercept, matgrad.chapters.extensions.intercept_grad,
        lambda W, b, X, Y: (2.0 / X.shape[0] * X.T @ (X @ W + b - Y), 2.0 / X.shape[0] * (X @ W + b - Y).sum(axis=0)),
        ("W", "b", "X", "Y"), ({"X": 1, "Y": 1, "b": 1}, (2, 1)), complex_args=("W", "b", "X", "Y"),
    ),
    wxy_case("sum_loss", matgrad.chapters.extensions.sum_loss, lambda W, X, Y: np.sum(r_ref(W, X, Y) ** 2), scalar_result=True),
    wxy_case("sum_grad_W", matgrad.chapters.extensions.sum_grad_W, lambda W, X, Y: 2.0 * X.T @ r_ref(W, X, Y)),
    wxy_case("half_mse_loss", matgrad.chapters.extensions.half_mse_loss, lambda W, X, Y: loss_ref(W, X, Y) / 2, scalar_result=True),
    wxy_case("half_mse_grad_W", matgrad.chapters.extensions.half_mse_grad_W, lambda W, X, Y: grad_w_ref(W, X, Y) / 2),
    Case(
        "add_intercept_column", gen_x, matgrad.chapters.extensions.add_intercept_column,
        lambda X: np.hstack([X, np.ones((X.shape[0], 1))]), ("X",), None, rows_of=None, complex_args=("X",),
    ),
    Case(
        "ridge_solution", gen_xy_full_rank, lambda X, Y: matgrad.chapters.extensions.ridge_solution(X, Y, 0.25),
        lambda X, Y: np.linalg.solve(X.T @ X + X.shape[0] * 0.25 * np.eye(X.shape[1]), X.T @ Y),
        ("X", "Y"), None, real_args=("X", "Y"), rtol=1e-10,
    ),
    # --- index notation ---------------------------------------------------------------------------
    wxy_case("loss_by_einsum", ix.loss_by_einsum, loss_ref, scalar_result=True),
    wxy_case("loss_by_index_loops", ix.loss_by_index_loops, loss_ref, scalar_result=True),
    wxy_case("grad_W_by_einsum", ix.grad_W_by_einsum, grad_w_ref),
    wxy_case("grad_W_by_index_deltas", ix.grad_W_by_index_deltas, grad_w_ref),
    wxy_case("grad_W_by_index_loops", ix.grad_W_by_index_loops, grad_w_ref),
    wxy_case("grad_X_by_einsum", ix.grad_X_by_einsum, grad_x_ref, ({"X": 1, "Y": 1}, 1)),
    wxy_case("grad_W_missing_inner_sum", ix.grad_W_missing_inner_sum, missing_inner_sum_ref),
    wxy_case("grad_W_reused_index", ix.grad_W_reused_index, reused_index_ref),
    Case(
        "residual_derivative_tensor", gen_x, lambda X: ix.residual_derivative_tensor(X, 2),
        lambda X: np.einsum("ia,jb->ijab", X, np.eye(2)), ("X",), ({"X": 1}, 1), rows_of=None, complex_args=("X",),
    ),
    # --- trace identities -------------------------------------------------------------------------
    wxy_case("loss_by_trace", ti.loss_by_trace, loss_ref, scalar_result=True),
    wxy_case("grad_W_by_trace", ti.grad_W_by_trace, grad_w_ref),
    wxy_case("grad_X_by_trace", ti.grad_X_by_trace, grad_x_ref, ({"X": 1, "Y": 1}, 1)),
    wxy_case(
        "trace_expansion_terms", ti.trace_expansion_terms,
        lambda W, X, Y: tuple(
            np.sum(a * b) for a, b in (
                (X @ W, X @ W), (Y, X @ W), (X @ W, Y), (Y, Y),
            )
        ),
        scalar_result=True,
    ),
    wxy_case(
        "trace_gradient_terms", ti.trace_gradient_terms,
        lambda W, X, Y: tuple(
            t for t in (
                2 * X.T @ X @ as_matrix_w(W, Y)[0], X.T @ as_matrix_w(W, Y)[1], X.T @ as_matrix_w(W, Y)[1],
                np.zeros_like(as_matrix_w(W, Y)[0]),
            )
        ),
        ({"X": 1, "Y": 1}, 2),
    ),
    Case("trace_AW", gen_aw, ti.trace_AW, lambda A, W: np.trace(A @ W), ("A", "W"), ({"A": 1, "W": 1}, 2),
         rows_of=None, complex_args=("A", "W"), scalar_result=True),
    Case("grad_trace_AW", lambda data, el=DYADIC: {"A": gen_aw(data, el)["A"]}, ti.grad_trace_AW, lambda A: A.T,
         ("A",), ({"A": 1}, 1), rows_of=None, complex_args=("A",)),
    Case("trace_WtB", gen_pair_nonempty, lambda A, B: ti.trace_WtB(A, B), lambda A, B: np.trace(A.T @ B),
         ("A", "B"), ({"A": 1, "B": 1}, 2), rows_of=None, complex_args=("A", "B"), scalar_result=True,
         extra={"names": {"A": "W"}}),
    Case("grad_trace_WtB", lambda data, el=DYADIC: gen_matrix(data, el, "B"), ti.grad_trace_WtB, lambda B: B,
         ("B",), ({"B": 1}, 1), rows_of=None, complex_args=("B",)),
    Case("trace_WtBW", gen_wb, ti.trace_WtBW, lambda W, B: np.trace(W.T @ B @ W), ("W", "B"), ({"W": 1, "B": 1}, 3),
         rows_of=None, complex_args=("W", "B"), scalar_result=True),
    Case("grad_trace_WtBW", gen_wb, ti.grad_trace_WtBW, lambda W, B: (B + B.T) @ W, ("W", "B"),
         ({"W": 1, "B": 1}, 2), rows_of=None, complex_args=("W", "B")),
    Case("grad_trace_WtBW_naive", gen_wb, ti.grad_trace_WtBW_naive, lambda W, B: 2 * B @ W, ("W", "B"),
         ({"W": 1, "B": 1}, 2), rows_of=None, complex_args=("W", "B")),
    # --- vectorization ----------------------------------------------------------------------------
    Case("vec", lambda data, el=DYADIC: gen_matrix(data, el, "A"), matgrad.vec, vec_ref, ("A",), ({"A": 1}, 1),
         rows_of=None, complex_args=("A",)),
    Case("vec of a vector", lambda data, el=DYADIC: gen_vector(data, el, "A"), matgrad.vec, lambda A: A, ("A",),
         ({"A": 1}, 1), rows_of=None, complex_args=("A",)),
    Case("unvec", lambda data, el=DYADIC: {"v": draw_array(data, (6,), el)}, lambda v: matgrad.unvec(v, (2, 3)),
         lambda v: v.reshape((2, 3), order="F"), ("v",), ({"v": 1}, 1), rows_of=None, complex_args=("v",)),
    Case("kron_product_matrix", gen_ac, vz.kron_product_matrix, lambda A, C: np.kron(C.T, A), ("A", "C"),
         ({"A": 1, "C": 1}, 2), rows_of=None, complex_args=("A", "C"), extra={"independent_shapes": True}),
    Case("kron_identity_left", gen_x, lambda X: vz.kron_identity_left(X, 3), lambda X: np.kron(np.eye(3), X),
         ("X",), ({"X": 1}, 1), rows_of=None, complex_args=("X",)),
    Case("jacobian_residual_vec", gen_x, lambda X: vz.jacobian_residual_vec(X, 2), lambda X: np.kron(np.eye(2), X),
         ("X",), ({"X": 1}, 1), rows_of=None, complex_args=("X",)),
    wxy_case("loss_jacobian_vec", vz.loss_jacobian_vec, lambda W, X, Y: vec_ref(grad_w_ref(W, X, Y))[None, :]),
    Case("jacobian_to_gradient", lambda data, el=DYADIC: {"J": draw_array(data, (1, 6), el)},
         lambda J: vz.jacobian_to_gradient(J, (3, 2)), lambda J: J.reshape((3, 2), order="F"), ("J",),
         ({"J": 1}, 1), rows_of=None, complex_args=("J",)),
    # --- inner products ---------------------------------------------------------------------------
    Case("frobenius_inner", gen_pair, matgrad.frobenius_inner, lambda A, B: np.sum(A * B), ("A", "B"),
         ({"A": 1, "B": 1}, 2), rows_of=None, complex_args=("A", "B"), scalar_result=True),
    Case("directional_derivative", gen_pair, lambda A, B: matgrad.directional_derivative(A, B),
         lambda A, B: np.sum(A * B), ("A", "B"), ({"A": 1, "B": 1}, 2), rows_of=None, complex_args=("A", "B"),
         scalar_result=True, extra={"names": {"A": "G", "B": "D"}}),
    Case("relative_difference", gen_pair, matgrad.relative_difference,
         lambda A, B: 0.0 if not (A.any() or B.any())
         else np.linalg.norm(A - B) / max(np.linalg.norm(A), np.linalg.norm(B)),
         ("A", "B"), ({"A": 1, "B": 1}, 0), rows_of=None, complex_args=("A", "B"), scalar_result=True),
    # --- Hessian ----------------------------------------------------------------------------------
    Case("hessian_vector_product", gen_vx, matgrad.chapters.hessian.hessian_vector_product,
         lambda V, X: 2.0 / X.shape[0] * X.T @ (X @ V), ("V", "X"), ({"X": 1, "V": 1}, 3), complex_args=("V", "X")),
    Case("hessian_W", gen_x, lambda X: matgrad.chapters.hessian.hessian_W(X, 2),
         lambda X: np.kron(np.eye(2), 2.0 / X.shape[0] * X.T @ X), ("X",), ({"X": 1}, 2), complex_args=("X",)),
    # --- expansion --------------------------------------------------------------------------------
    Case("exact_remainder", gen_dx, ex.exact_remainder, lambda D, X: np.sum((X @ D) ** 2) / X.shape[0],
         ("D", "X"), ({"D": 1, "X": 1}, 4), real_args=("D", "X"), scalar_result=True),
    Case("taylor_expansion_terms", gen_wdxy, ex.taylor_expansion_terms,
         lambda W, D, X, Y: (loss_ref(W, X, Y), np.sum(grad_w_ref(W, X, Y) * D), np.sum((X @ D) ** 2) / X.shape[0]),
         ("W", "D", "X", "Y"), ({"X": 1, "Y": 1}, 2), real_args=("W", "D", "X", "Y")),
    Case("first_order_remainder", gen_wdxy, ex.first_order_remainder,
         lambda W, D, X, Y: np.sum((X @ D) ** 2) / X.shape[0], ("W", "D", "X", "Y"), None,
         real_args=("W", "D", "X", "Y"), rtol=1e-9, scalar_result=True, extra={"absolute": True}),
    Case("remainder_curve", gen_ts, ex.remainder_curve,
         lambda W, D, X, Y, ts: ts**2 * np.sum((X @ D) ** 2) / X.shape[0], ("W", "D", "X", "Y", "ts"), None,
         real_args=("W", "D", "X", "Y", "ts"), rtol=1e-9, extra={"absolute": True}),
    Case("loglog_slope", gen_loglog, ex.loglog_slope,
         lambda ts, values: np.polyfit(np.log(ts), np.log(values), 1)[0], ("ts", "values"), None, rows_of=None,
         real_args=("ts", "values"), rtol=1e-9, scalar_result=True),
    # --- outer losses -----------------------------------------------------------------------------
    Case("squared_error", gen_residual, ol.squared_error, lambda U: np.sum(U * U) / U.shape[0], ("U",),
         ({"U": 1}, 2), rows_of="U", real_args=("U",), scalar_result=True),
    Case("squared_error_grad", gen_residual, ol.squared_error_grad, lambda U: 2.0 / U.shape[0] * U, ("U",),
         ({"U": 1}, 1), rows_of="U", real_args=("U",)),
    Case("huber", gen_residual, lambda U: ol.huber(U, 2.5), lambda U: mean_rows(huber_rho_ref(U, 2.5), U), ("U",),
         None, rows_of="U", real_args=("U",), scalar_result=True),
    Case("huber_grad", gen_residual, lambda U: ol.huber_grad(U, 2.5), lambda U: np.clip(U, -2.5, 2.5) / U.shape[0],
         ("U",), None, rows_of="U", real_args=("U",)),
    Case("huber_rho", gen_u, lambda u: ol.huber_rho(u, 2.5), lambda u: huber_rho_ref(u, 2.5), ("u",), None,
         rows_of=None, real_args=("u",)),
    Case("huber_psi", gen_u, lambda u: ol.huber_psi(u, 2.5), lambda u: np.clip(u, -2.5, 2.5), ("u",), None,
         rows_of=None, real_args=("u",)),
    Case("log_cosh", gen_residual, ol.log_cosh, lambda U: mean_rows(log_cosh_ref(U), U), ("U",), None,
         rows_of="U", real_args=("U",), scalar_result=True),
    Case("log_cosh_grad", gen_residual, ol.log_cosh_grad, lambda U: np.tanh(U) / U.shape[0], ("U",), None,
         rows_of="U", real_args=("U",)),
    Case("log_cosh_rho", gen_u, ol.log_cosh_rho, log_cosh_ref, ("u",), None, rows_of=None, real_args=("u",)),
    Case("log_cosh_psi", gen_u, ol.log_cosh_psi, lambda u: np.tanh(u), ("u",), None, rows_of=None, real_args=("u",)),
    real_wxy_case("composite_loss", lambda W, X, Y: ol.composite_loss(W, X, Y, ol.squared_error), loss_ref,
                  scalar_result=True),
    real_wxy_case("composite_grad_W", lambda W, X, Y: ol.composite_grad_W(W, X, Y, ol.squared_error_grad),
                  grad_w_ref),
    real_wxy_case("composite_grad_X", lambda W, X, Y: ol.composite_grad_X(W, X, Y, ol.squared_error_grad),
                  grad_x_ref, ({"X": 1, "Y": 1}, 1)),
    real_wxy_case("composite_grad_Y", lambda W, X, Y: ol.composite_grad_Y(W, X, Y, ol.squared_error_grad),
                  grad_y_ref, ({"X": 1, "Y": 1}, 1)),
    # --- test functions ---------------------------------------------------------------------------
    Case("log_det", gen_square, tf.log_det, lambda A: np.log(np.linalg.det(A)), ("A",), None, rows_of=None,
         complex_args=("A",), rtol=1e-10, scalar_result=True),
    Case("log_det_grad", gen_square, tf.log_det_grad, lambda A: np.linalg.inv(A).T, ("A",), ({"A": 1}, -1),
         rows_of=None, real_args=(), complex_args=("A",), rtol=1e-10),
    Case("trace_inverse", gen_square, tf.trace_inverse, lambda A: np.trace(np.linalg.inv(A)), ("A",),
         ({"A": 1}, -1), rows_of=None, complex_args=("A",), rtol=1e-10, scalar_result=True),
    Case("trace_inverse_grad", gen_square, tf.trace_inverse_grad,
         lambda A: -(np.linalg.inv(A) @ np.linalg.inv(A)).T, ("A",), ({"A": 1}, -2), rows_of=None,
         complex_args=("A",), rtol=1e-10),
    Case("softplus_loss", gen_softplus, tf.softplus_loss,
         lambda W, X: np.sum(np.log1p(np.exp(X @ W))) / X.shape[0], ("W", "X"), None,
         complex_args=("W",), rtol=1e-10, scalar_result=True,
         extra={"imag_scale": 1e-3}),  # the analytic continuation near the real axis (its branch is by Re z)
    Case("softplus_loss_grad", gen_softplus, tf.softplus_loss_grad,
         lambda W, X: X.T @ sigmoid_ref(X @ W) / X.shape[0], ("W", "X"), None, real_args=("W", "X"), rtol=1e-10),
    # --- normal equations -------------------------------------------------------------------------
    *[
        Case(f"solve_normal_equations {method}", gen_xy_full_rank,
             (lambda m: lambda X, Y: matgrad.solvers.solve_normal_equations(X, Y, m))(method),
             lambda X, Y: np.linalg.solve(X.T @ X, X.T @ Y), ("X", "Y"), ({"X": 1, "Y": 2}, 1),
             real_args=("X", "Y"), rtol=1e-9)
        for method in ne.METHODS
    ],
    Case("minimum_norm_solution", gen_xy_full_rank, matgrad.solvers.minimum_norm_solution,
         lambda X, Y: np.linalg.solve(X.T @ X, X.T @ Y), ("X", "Y"), ({"X": 1, "Y": 2}, 1), real_args=("X", "Y"),
         rtol=1e-9),
    Case("polynomial_features", gen_t, lambda t: matgrad.solvers.polynomial_features(t, 3),
         lambda t: t[:, None] ** np.arange(4), ("t",), None, rows_of=None, real_args=("t",)),
    # --- gradient descent module ------------------------------------------------------------------
    Case("lipschitz_constant", lambda data, el=DYADIC: gen_x(data, el, min_d=1), matgrad.lipschitz_constant,
         lipschitz_ref, ("X",), ({"X": 1}, 2), real_args=("X",), rtol=1e-9, scalar_result=True),
    Case("strong_convexity_constant", lambda data, el=DYADIC: gen_xy_full_rank(data, el),
         lambda X, Y: matgrad.descent.strong_convexity_constant(X), lambda X, Y: mu_ref(X), ("X",), ({"X": 1}, 2),
         real_args=("X",), rtol=1e-9, scalar_result=True),
    Case("contraction_factor", lambda data, el=DYADIC: gen_xy_full_rank(data, el),
         lambda X, Y: gd.contraction_factor(X), lambda X, Y: 1.0 - mu_ref(X) / lipschitz_ref(X), ("X",),
         ({"X": 1}, 0), real_args=("X",), rtol=1e-9, scalar_result=True, extra={"atol": 1e-12}),
    Case("gram_matrices", lambda data, el=DYADIC: gen_wxy(data, el, min_d=1),
         lambda W, X, Y: matgrad.descent.gram_matrices(X, Y), lambda W, X, Y: (X.T @ X, X.T @ Y, np.sum(Y * Y)), ("X", "Y"),
         ({"X": 1, "Y": 1}, (2, 2, 2)), real_args=("X", "Y")),
    Case("gram_gradient", gen_gram, lambda W, XtX, XtY, N_rows, YtY: matgrad.descent.gram_gradient(W, XtX, XtY, N_rows),
         lambda W, XtX, XtY, N_rows, YtY: 2.0 / N_rows * (XtX @ W - XtY), ("W", "XtX", "XtY"),
         ({"XtX": 1, "XtY": 1}, 1), rows_of=None, real_args=("W", "XtX", "XtY")),
    Case("gram_loss", gen_gram, lambda W, XtX, XtY, N_rows, YtY: matgrad.descent.gram_loss(W, XtX, XtY, YtY, N_rows),
         lambda W, XtX, XtY, N_rows, YtY: (np.sum(W * (XtX @ W)) - 2 * np.sum(W * XtY) + YtY) / N_rows,
         ("W", "XtX", "XtY"), None, rows_of=None, real_args=("W", "XtX", "XtY"), scalar_result=True),
    Case("exact_loss", gen_wxy, gd.exact_loss, loss_ref, WXY, SQUARED, real_args=WXY, scalar_result=True),
    Case("minibatch_gradient", gen_wxy, lambda W, X, Y: matgrad.descent.minibatch_gradient(W, X, Y, [0, 0]),
         lambda W, X, Y: 2.0 / 2 * X[[0, 0]].T @ r_ref(W, X[[0, 0]], Y[[0, 0]]), WXY, SQUARED, real_args=WXY),
    Case("gradient_descent", gen_xy_easy,
         lambda X, Y: matgrad.gradient_descent(X, Y).W,
         lambda X, Y: np.linalg.solve(X.T @ X, X.T @ Y), ("X", "Y"), None, real_args=("X", "Y"), rtol=1e-6),
    Case("gradient_descent gram", gen_xy_easy,
         lambda X, Y: matgrad.gradient_descent(X, Y, gram=True).W,
         lambda X, Y: np.linalg.solve(X.T @ X, X.T @ Y), ("X", "Y"), None, real_args=("X", "Y"), rtol=1e-6),
    Case("stochastic_gradient_descent", gen_xy_easy,
         lambda X, Y: matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=full_batch(X), n_epochs=200).W,
         lambda X, Y: np.linalg.solve(X.T @ X, X.T @ Y), ("X", "Y"), None, real_args=("X", "Y"), rtol=1e-6),
]

CASES_BY_NAME = {c.name: c for c in CASES}
assert len(CASES_BY_NAME) == len(CASES)


class _Drawer:
    """Gives the argument generators the ``data.draw`` interface inside a composite strategy."""

    def __init__(self, draw):
        self._draw = draw

    def draw(self, strategy, label=None):
        return self._draw(strategy)


@st.composite
def case_args(draw, case: Case, elements=DYADIC):
    return case.gen(_Drawer(draw), elements)


def draw_case(data, case: Case, elements=DYADIC) -> dict[str, Any]:
    return data.draw(case_args(case, elements), label="arguments")


def call(case: Case, args: dict[str, Any]) -> Any:
    return case.call(**args)


def shown_name(case: Case, arg: str) -> str:
    return case.extra.get("names", {}).get(arg, arg)


def with_args(args: dict[str, Any], **changes: Any) -> dict[str, Any]:
    new = dict(args)
    new.update(changes)
    return new


CASE_PARAMS = [pytest.param(c, id=c.name) for c in CASES]


# ---------------------------------------------------------------------------------------------------
# 0. every public function is covered somewhere in this file
# ---------------------------------------------------------------------------------------------------

#: Public functions tested below by their own tests rather than through CASES.
OWN_TESTS = {
    "make_regression", "numerical_gradient", "directional_difference", "default_step", "check_gradient",
    "numerical_jacobian", "numerical_hessian", "descent_flops", "kronecker_delta", "analyse_subscripts",
    "verify_identities", "smooth_problems", "gradient_shapes_table", "format_shapes_table", "symbolic_gradient",
    "symbolic_gradient_check", "as_numeric_array", "as_matrix", "as_python_scalar", "check_regression_shapes",
    "positive_int", "prepare_regression", "require_finite", "composite_loss", "composite_grad_W",
    "prepare_regression_deferred", "regression_arrays_ready", "require_finite_inputs", "matmul_propagates_non_finite",
    "random_generator",
}
#: Public names that are classes, constants or SymPy functions (tests/test_symbolic.py covers hostile
#: input of the SymPy layer with its own types).
NOT_ARRAY_FUNCTIONS = {
    "DescentResult", "StochasticDescentResult", "GradientCheck", "METHODS", "DEFAULT_RTOL", "DIVERGENCE_FACTOR",
    "IDENTITIES", "Identity", "IdentityInstance", "TraceTerms", "TraceGradientTerms", "TaylorTerms", "IndexRoles",
    "SmoothProblem", "ShapeRow",
}


def public_functions() -> set[str]:
    names = set(matgrad.__all__)
    for module in sorted(matgrad._LAZY_SUBMODULES - {"symbolic"}):
        names |= set(importlib.import_module(f"matgrad.{module}").__all__)
    for module in ("data", "extensions", "finite_differences", "gradient_check", "gradient_descent", "hessian",
                   "inner_product", "least_squares", "normal_equations"):
        names |= set(importlib.import_module(f"matgrad.{module}").__all__)
    return names - NOT_ARRAY_FUNCTIONS


# ---------------------------------------------------------------------------------------------------
# 1. the right answer, for random shapes including empty dimensions
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASE_PARAMS)
@settings(max_examples=8)
@given(data=st.data())
def test_right_answer(case, data):
    args = draw_case(data, case)
    got = call(case, args)
    expected = case.ref(**args)
    if case.extra.get("absolute"):  # a remainder computed as a difference: error relative to the loss
        assert_close(got, expected, 0.0, atol=case.rtol * (1.0 + abs(loss_ref(args["W"], args["X"], args["Y"]))))
    else:
        assert_close(got, expected, case.rtol, atol=case.extra.get("atol", 0.0))
    if case.scalar_result:
        assert_python_scalars(got)


COMPLEX_CASES = [pytest.param(c, id=c.name) for c in CASES if c.complex_args]
REAL_ONLY = [pytest.param(c, a, id=f"{c.name}-{a}") for c in CASES for a in c.real_args]


@pytest.mark.parametrize("case", COMPLEX_CASES)
@settings(max_examples=5)
@given(data=st.data())
def test_complex_input_where_documented(case, data):
    """Complex input gives the analytic continuation of the real formula (no conjugation)."""
    args = draw_case(data, case)
    for name in case.complex_args:
        args[name] = args[name] + 1j * case.extra.get("imag_scale", 0.5) * draw_array(data, args[name].shape)
    got = call(case, args)
    assert_close(got, case.ref(**args), case.rtol)
    if case.scalar_result:
        assert_python_scalars(got)


@pytest.mark.parametrize(("case", "arg"), REAL_ONLY)
def test_complex_input_rejected_where_not_documented(case, arg):
    args = draw_example(case)
    args[arg] = np.asarray(args[arg]) + 1j
    assert_clear_error(lambda: call(case, args), shown_name(case, arg))


@functools.cache
def _example(name: str) -> dict[str, Any]:
    return CASES_BY_NAME[name].gen(ExampleData(), DYADIC)


def draw_example(case: Case) -> dict[str, Any]:
    """A small, non-empty example of the case's arguments (positive entries), as fresh copies."""
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in _example(case.name).items()}


# ---------------------------------------------------------------------------------------------------
# 2. layouts, read-only arrays, nested lists and object arrays; inputs are never modified
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASE_PARAMS)
@settings(max_examples=4)
@given(data=st.data(), layout=st.sampled_from(LAYOUTS))
def test_layouts_and_read_only_inputs(case, data, layout):
    args = draw_case(data, case)
    expected = call(case, {k: (c_order(v) if isinstance(v, np.ndarray) else v) for k, v in args.items()})
    hostile = {k: (layout(v) if k in case.arrays else v) for k, v in args.items()}
    before = {k: np.array(v, copy=True) for k, v in hostile.items() if k in case.arrays}
    got = call(case, hostile)
    for k, v in before.items():
        np.testing.assert_array_equal(hostile[k], v, err_msg=f"{case.name} modified its input {k}")
    assert_close(got, expected, 1e-13)


@pytest.mark.parametrize("case", CASE_PARAMS)
@pytest.mark.parametrize("convert", [nested_list, object_array])
def test_nested_lists_and_object_arrays(case, convert):
    args = draw_example(case)
    expected = call(case, args)
    got = call(case, {k: (convert(v) if k in case.arrays else v) for k, v in args.items()})
    assert_close(got, expected, 1e-13)


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_writeable_inputs_are_not_modified(case):
    args = draw_example(case)
    before = {k: np.array(v, copy=True) for k, v in args.items() if k in case.arrays}
    call(case, args)
    for k, v in before.items():
        np.testing.assert_array_equal(args[k], v, err_msg=f"{case.name} modified its input {k}")


# ---------------------------------------------------------------------------------------------------
# 3. float32
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASE_PARAMS)
@settings(max_examples=4)
@given(data=st.data())
def test_float32_input(case, data):
    """float32 input: the answer of the float32 numbers, to float32 accuracy (or a clear error)."""
    args = draw_case(data, case, SMALL_DYADIC)
    args32 = {k: (v.astype(np.float32) if k in case.arrays else v) for k, v in args.items()}
    got = call(case, args32)
    exact = {k: (v.astype(np.float64) if k in case.arrays else v) for k, v in args32.items()}
    expected = case.ref(**exact)
    if case.extra.get("absolute"):
        atol = case.float32_rtol * (1.0 + abs(loss_ref(exact["W"], exact["X"], exact["Y"])))
        assert_close(got, expected, 0.0, atol=atol)
    else:
        assert_close(got, expected, case.float32_rtol, atol=1e6 * case.extra.get("atol", 0.0))


@pytest.mark.parametrize(("unusual", "usual"), [
    pytest.param(np.float16, np.float32, id="float16-as-float32"),
    pytest.param(np.longdouble, np.float64, id="longdouble-as-float64"),
])
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_half_and_extended_precision_work_like_their_neighbours(case, unusual, usual):
    """float16 (which LAPACK lacks, and which overflows at 65504) computes in float32; long double in float64."""
    args = draw_example(case)
    expected = call(case, {k: (v.astype(unusual).astype(usual) if k in case.arrays else v) for k, v in args.items()})
    got = call(case, {k: (v.astype(unusual) if k in case.arrays else v) for k, v in args.items()})
    assert_close(got, expected, 0.0)


# ---------------------------------------------------------------------------------------------------
# 4. huge and tiny magnitudes
# ---------------------------------------------------------------------------------------------------

SCALED = [pytest.param(c, id=c.name) for c in CASES if c.scale is not None]


def scaled_args(case: Case, args: dict[str, Any], e: int) -> dict[str, Any]:
    powers, _ = case.scale
    with np.errstate(over="ignore"):  # an input that overflows is skipped by the caller
        return {k: (np.ldexp(v, e * powers[k]) if k in powers else v) for k, v in args.items()}


def degrees(case: Case, n_parts: int) -> list[int]:
    _, degree = case.scale
    return list(degree) if isinstance(degree, tuple) else [degree] * n_parts


def max_power(case: Case) -> int:
    powers, degree = case.scale
    largest = max([abs(p) for p in powers.values()] + [abs(d) for d in np.atleast_1d(degree)])
    return max(largest, 1)


@pytest.mark.parametrize("case", SCALED)
@settings(max_examples=5)
@given(data=st.data())
def test_power_of_two_scaling_is_exact(case, data):
    """Scaling by 2^e (|e| up to about 800 in total) scales the result exactly: nothing under- or overflows."""
    args = draw_case(data, case, MODERATE)
    bound = 800 // (2 * max_power(case))
    e = data.draw(st.integers(-bound, bound), label="e")
    try:
        base = call(case, args)
    except ValueError:  # e.g. a rank-deficient X: then the scaled problem must be refused too
        with pytest.raises(ValueError):
            call(case, scaled_args(case, args, e))
        return
    got = call(case, scaled_args(case, args, e))
    base_parts, got_parts = parts(base), parts(got)
    for b, g, deg in zip(base_parts, got_parts, degrees(case, len(base_parts)), strict=True):
        np.testing.assert_allclose(g, np.ldexp(b, e * deg), rtol=1e-12, atol=0,
                                   err_msg=f"{case.name} with arguments scaled by 2^{e}")


def scaling_is_exact(case: Case, args: dict[str, Any], scaled: dict[str, Any], e: int) -> bool:
    """The scaled arguments hold exactly the scaled numbers (nothing under- or overflowed)."""
    powers, _ = case.scale
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return all(np.array_equal(np.ldexp(scaled[k], -e * p), args[k]) for k, p in powers.items())


@pytest.mark.parametrize("case", SCALED)
@settings(max_examples=6)
@given(data=st.data(), e=st.sampled_from([-700, -400, 400, 700]))
def test_beyond_the_range_never_a_finite_wrong_number(case, data, e):
    """Results beyond float64's range: accurate in the IEEE model, not finite (overflow), or a clear error.

    With gradual underflow a computed result may differ from the true one by a few multiples of the
    smallest normal number (``TINY``) times the size of the computation; anything finite beyond that,
    or finite where the true result overflows, is a silent wrong answer.
    """
    args = draw_case(data, case, MODERATE)
    try:
        base = call(case, args)
    except ValueError:
        return
    scaled = scaled_args(case, args, e)
    if not scaling_is_exact(case, args, scaled, e):
        return  # the input itself under- or overflowed: a different problem, nothing to compare with
    try:
        with warnings.catch_warnings():  # NumPy's overflow warnings are expected here
            warnings.simplefilter("ignore", RuntimeWarning)
            got = call(case, scaled)
    except (ValueError, TypeError) as exc:  # refusing is fine, if it is done clearly, by matgrad
        assert raised_in_matgrad_from(exc), f"{case.name}: raised outside matgrad: {exc!r}"
        return
    for b, g, deg in zip(parts(base), parts(got), degrees(case, len(parts(base))), strict=True):
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            expected = np.ldexp(b, e * deg)
        in_range = np.isfinite(expected)
        finite = np.isfinite(g)
        assert not np.any(finite & ~in_range), f"{case.name}: finite result {g} where the true value overflows"
        size = float(np.max(np.abs(np.where(in_range, expected, 0.0)), initial=0.0))
        atol = 1e3 * TINY * max(1.0, size)
        np.testing.assert_allclose(
            np.where(finite, g, 0.0), np.where(finite, expected, 0.0), rtol=1e-9, atol=atol,
            err_msg=f"{case.name}: a finite but wrong number with the arguments scaled by 2^{e}",
        )


# ---------------------------------------------------------------------------------------------------
# 5. bad input: N = 0, wrong types, non-finite values, wrong shapes
# ---------------------------------------------------------------------------------------------------

N_ZERO = [pytest.param(c, id=c.name) for c in CASES if c.rows_of is not None]


@pytest.mark.parametrize("case", N_ZERO)
def test_no_rows_is_a_clear_value_error(case):
    """N = 0: the loss is a mean over no rows; a clear ValueError, never a division by zero."""
    args = draw_example(case)
    emptied = {}
    for k, v in args.items():
        if k in case.arrays and isinstance(v, np.ndarray) and v.ndim >= 1 and k in ("X", "Y", "U", "weights"):
            emptied[k] = v[:0]
        else:
            emptied[k] = v
    assert_clear_error(lambda: call(case, emptied), (case.rows_of, "N", "X", "Y", "U", "weights", "batch_indices"),
                       types=ValueError)


NOT_NUMERIC = [
    "text",
    None,
    {"a": 1},
    [[1.0, "x"]],
    [[1.0], [1.0, 2.0]],  # ragged
    np.array(["1.0"]),
    np.array([np.datetime64("2020-01-01")]),
    np.array([None, 1.0], dtype=object),
]
ARGS = [pytest.param(c, a, id=f"{c.name}-{a}") for c in CASES for a in c.arrays]


@pytest.mark.parametrize(("case", "arg"), ARGS)
def test_non_numeric_input_is_a_type_error_naming_it(case, arg):
    for bad in NOT_NUMERIC:
        args = draw_example(case)
        args[arg] = bad
        assert_clear_error(lambda a=args: call(case, a), shown_name(case, arg), types=TypeError)


@pytest.mark.parametrize(("case", "arg"), ARGS)
def test_non_finite_input_is_a_value_error_naming_it(case, arg):
    for bad in (np.nan, np.inf, -np.inf):
        args = draw_example(case)
        value = np.array(args[arg], dtype=np.float64, copy=True)
        value.flat[value.size // 2] = bad
        args[arg] = value
        assert_clear_error(lambda a=args: call(case, a), shown_name(case, arg), types=ValueError)


#: (replacement, whether it is wrong only by not fitting the other arguments)
WRONG_SHAPES = [
    (lambda a: 3.5, False),
    (lambda a: np.zeros((2, 2, 2)), False),
    (lambda a: np.zeros((7, 5)), True),
]
ANY_SHAPE = {"huber_rho", "huber_psi", "log_cosh_rho", "log_cosh_psi"}


@pytest.mark.parametrize(("case", "arg"), ARGS)
def test_wrong_shape_is_a_value_error(case, arg):
    """A scalar or 3-D array where a vector or matrix belongs, or a matrix that does not fit the others."""
    if case.name in ANY_SHAPE:
        return
    for wrong, mismatch in WRONG_SHAPES:
        if mismatch and (len(case.arrays) == 1 or case.extra.get("independent_shapes")):
            continue  # there is no other argument for a 7 x 5 matrix not to fit
        args = draw_example(case)
        replacement = wrong(args[arg])
        if np.shape(replacement) == np.shape(args[arg]):
            continue
        args[arg] = replacement
        assert_clear_error(lambda a=args: call(case, a), (shown_name(case, arg), "shape"), types=ValueError)


def raised_in_matgrad_from(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return Path(frames[-1].filename).resolve().is_relative_to(PACKAGE_DIR)


# ---------------------------------------------------------------------------------------------------
# 6. options: sizes, seeds, tolerances, methods and other scalars
# ---------------------------------------------------------------------------------------------------

X3 = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
Y3 = np.array([[1.0], [2.0], [0.0]])
W3 = np.array([[0.5], [-1.0]])

NOT_AN_INT = [
    pytest.param(2.0, TypeError, id="float"),
    pytest.param("2", TypeError, id="string"),
    pytest.param(None, TypeError, id="None"),
    pytest.param(True, TypeError, id="bool"),
    pytest.param(0, ValueError, id="zero"),
    pytest.param(-3, ValueError, id="negative"),
]

#: (name, function of one integer option, the option's name)
INTEGER_OPTIONS = [
    ("make_regression N", lambda v: matgrad.make_regression(v, 2, 1), "N"),
    ("make_regression d", lambda v: matgrad.make_regression(3, v, 1), "d"),
    ("make_regression k", lambda v: matgrad.make_regression(3, 2, v), "k"),
    ("hessian_W k", lambda v: matgrad.chapters.hessian.hessian_W(X3, v), "k"),
    ("kron_identity_left k", lambda v: vz.kron_identity_left(X3, v), "k"),
    ("jacobian_residual_vec k", lambda v: vz.jacobian_residual_vec(X3, v), "k"),
    ("residual_derivative_tensor k", lambda v: ix.residual_derivative_tensor(X3, v), "k"),
    ("unvec shape", lambda v: matgrad.unvec([1.0, 2.0], (v, 2)), "shape[0]"),
    ("gram_gradient N", lambda v: matgrad.descent.gram_gradient(W3, X3.T @ X3, X3.T @ Y3, v), "N"),
    ("gram_loss N", lambda v: matgrad.descent.gram_loss(W3, X3.T @ X3, X3.T @ Y3, 5.0, v), "N"),
    ("gradient_descent max_iter", lambda v: matgrad.gradient_descent(X3, Y3, max_iter=v), "max_iter"),
    ("sgd batch_size", lambda v: matgrad.descent.stochastic_gradient_descent(X3, Y3, batch_size=v), "batch_size"),
    ("sgd n_epochs", lambda v: matgrad.descent.stochastic_gradient_descent(X3, Y3, batch_size=1, n_epochs=v), "n_epochs"),
    ("descent_flops N", lambda v: gd.descent_flops(v, 2, 1, 10), "N"),
    ("verify_identities d", lambda v: ti.verify_identities(d=v), "d"),
    ("smooth_problems N", lambda v: tf.smooth_problems(N=v), "N"),
    ("gradient_shapes_table k", lambda v: shapes_mod.gradient_shapes_table(k=v), "k"),
    ("check_gradient n_directions", lambda v: matgrad.check_gradient(np.sum, np.ones_like, np.ones(2),
                                                                     n_directions=v), "n_directions"),
]


@pytest.mark.parametrize(("bad", "error"), NOT_AN_INT)
@pytest.mark.parametrize(("label", "fn", "name"), [pytest.param(*o, id=o[0]) for o in INTEGER_OPTIONS])
def test_integer_options(label, fn, name, bad, error):
    if bad is None and label == "check_gradient n_directions":
        return  # None is the default: a full check
    assert_clear_error(lambda: fn(bad), name, types=(TypeError, ValueError))


def test_integer_options_accept_numpy_integers():
    assert matgrad.make_regression(np.int64(3), np.int32(2), np.uint8(1))[0].shape == (3, 2)
    assert matgrad.chapters.hessian.hessian_W(X3, np.int64(2)).shape == (4, 4)
    assert ix.kronecker_delta(np.int64(3), 3) == 1


@pytest.mark.parametrize("bad", [1.5, "a", None, [1], True])
def test_kronecker_delta_needs_integer_indices(bad):
    assert_clear_error(lambda: ix.kronecker_delta(bad, 1), "p", types=TypeError)
    assert_clear_error(lambda: ix.kronecker_delta(1, bad), "q", types=TypeError)


SEEDED = [
    ("make_regression", lambda s: matgrad.make_regression(3, 2, 1, seed=s)),
    ("stochastic_gradient_descent", lambda s: matgrad.descent.stochastic_gradient_descent(X3, Y3, batch_size=1, seed=s)),
    ("check_gradient", lambda s: matgrad.check_gradient(np.sum, np.ones_like, np.ones(2), n_directions=2, seed=s)),
    ("verify_identities", lambda s: ti.verify_identities(seed=s)),
    ("smooth_problems", lambda s: tf.smooth_problems(seed=s)),
    ("gradient_shapes_table", lambda s: shapes_mod.gradient_shapes_table(seed=s)),
]


@pytest.mark.parametrize("bad", ["abc", 1.5, -1, [1.5], {"seed": 1}])
@pytest.mark.parametrize(("label", "fn"), [pytest.param(*s, id=s[0]) for s in SEEDED])
def test_bad_seeds_are_clear_errors(label, fn, bad):
    assert_clear_error(lambda: fn(bad), "seed")


@pytest.mark.parametrize(("label", "fn"), [pytest.param(*s, id=s[0]) for s in SEEDED])
def test_same_seed_same_result(label, fn):
    first, again = fn(7), fn(7)
    if label == "smooth_problems":  # the problems hold closures; compare their points
        first, again = [p.x for p in first], [p.x for p in again]
    assert repr(first) == repr(again)


#: (name, function of one real option, the option's name); each option must be a finite number in range
REAL_OPTIONS = [
    ("ridge_loss lam", lambda v: matgrad.chapters.extensions.ridge_loss(W3, X3, Y3, v), "lam", (-1.0,)),
    ("ridge_grad_W lam", lambda v: matgrad.chapters.extensions.ridge_grad_W(W3, X3, Y3, v), "lam", (-1.0,)),
    ("ridge_solution lam", lambda v: matgrad.chapters.extensions.ridge_solution(X3, Y3, v), "lam", (-1.0,)),
    ("huber delta", lambda v: ol.huber(Y3, v), "delta", (0.0, -1.0)),
    ("huber_rho delta", lambda v: ol.huber_rho(Y3, v), "delta", (0.0, -1.0)),
    ("make_regression noise", lambda v: matgrad.make_regression(3, 2, 1, noise=v), "noise", (-1.0,)),
    ("gradient_descent step", lambda v: matgrad.gradient_descent(X3, Y3, step=v), "step", (0.0, -1.0)),
    ("gradient_descent tol", lambda v: matgrad.gradient_descent(X3, Y3, tol=v), "tol", (-1.0,)),
    ("contraction_factor step", lambda v: gd.contraction_factor(X3, v), "step", (0.0, -1.0)),
    ("sgd step", lambda v: matgrad.descent.stochastic_gradient_descent(X3, Y3, batch_size=1, step=v), "step", (0.0,)),
    ("gram_loss YtY", lambda v: matgrad.descent.gram_loss(W3, X3.T @ X3, X3.T @ Y3, v, 3), "YtY", (-1.0,)),
    ("default_step eps", lambda v: matgrad.default_step(np.ones(2), eps=v), "eps", (0.0, 1.5)),
    ("numerical_jacobian h", lambda v: matgrad.chapters.hessian.numerical_jacobian(lambda x: x, np.ones(2), h=v), "h", (0.0,)),
    ("numerical_hessian h", lambda v: matgrad.chapters.hessian.numerical_hessian(lambda x: x, np.ones(2), h=v), "h", (0.0,)),
    ("numerical_gradient h", lambda v: matgrad.numerical_gradient(np.sum, np.ones(2), h=v), "h", (0.0, -1.0)),
    ("directional_difference h", lambda v: matgrad.directional_difference(np.sum, np.ones(2), np.ones(2), h=v),
     "h", (0.0,)),
    ("check_gradient rtol", lambda v: matgrad.check_gradient(np.sum, np.ones_like, np.ones(2), rtol=v), "rtol",
     (-1.0,)),
    ("check_gradient atol", lambda v: matgrad.check_gradient(np.sum, np.ones_like, np.ones(2), atol=v), "atol",
     (-1.0,)),
    ("check_gradient h", lambda v: matgrad.check_gradient(np.sum, np.ones_like, np.ones(2), h=v), "h", (0.0,)),
    ("check_gradient directional h",
     lambda v: matgrad.check_gradient(np.sum, np.ones_like, np.ones(2), n_directions=2, h=v), "h", (0.0,)),
]
REAL_OPTION_PARAMS = [
    pytest.param(label, fn, name, bad, id=f"{label}={bad!r}")
    for label, fn, name, out_of_range in REAL_OPTIONS
    for bad in ("abc", None, [1.0, 2.0], np.nan, np.inf, *out_of_range)
]


#: Options whose default is None (meaning "choose for me"), so None is a valid value.
NONE_IS_DEFAULT = {"gradient_descent step", "contraction_factor step", "sgd step", "default_step eps",
                   "numerical_jacobian h", "numerical_hessian h", "numerical_gradient h", "directional_difference h",
                   "check_gradient rtol", "check_gradient h", "check_gradient directional h"}


@pytest.mark.parametrize(("label", "fn", "name", "bad"), REAL_OPTION_PARAMS)
def test_real_options(label, fn, name, bad):
    if bad is None and label in NONE_IS_DEFAULT:
        return
    if label in ("numerical_gradient h", "check_gradient h") and isinstance(bad, list):
        return  # one step per entry is allowed there
    assert_clear_error(lambda: fn(bad), name)


METHOD_OPTIONS = [
    ("numerical_gradient", lambda m: matgrad.numerical_gradient(np.sum, np.ones(2), method=m)),
    ("directional_difference", lambda m: matgrad.directional_difference(np.sum, np.ones(2), np.ones(2), method=m)),
    ("default_step", lambda m: matgrad.default_step(np.ones(2), m)),
    ("check_gradient", lambda m: matgrad.check_gradient(np.sum, np.ones_like, np.ones(2), method=m)),
    ("solve_normal_equations", lambda m: matgrad.solvers.solve_normal_equations(X3, Y3, m)),
    ("verify_identities", lambda m: ti.verify_identities(method=m)),
    ("symbolic_gradient", lambda m: shapes_mod.symbolic_gradient(m)),
    ("symbolic_gradient_check", lambda m: shapes_mod.symbolic_gradient_check(m)),
]


@pytest.mark.parametrize("bad", ["Central", "", None, 3, ["central"]])
@pytest.mark.parametrize(("label", "fn"), [pytest.param(*m, id=m[0]) for m in METHOD_OPTIONS])
def test_unknown_methods_are_value_errors(label, fn, bad):
    assert_clear_error(lambda: fn(bad), ("method", "wrt"), types=ValueError)


def test_batch_indices():
    for bad, error in (([0.5], TypeError), ([True, False, True], TypeError), ([], (TypeError, ValueError)),
                       ([[0]], ValueError),
                       ([3], ValueError), ([-1], ValueError), ("0", TypeError), (None, TypeError)):
        assert_clear_error(lambda b=bad: matgrad.descent.minibatch_gradient(W3, X3, Y3, b), "batch_indices", types=error)
    assert matgrad.descent.minibatch_gradient(W3, X3, Y3, np.array([2, 0], dtype=np.uint8)).shape == W3.shape


def test_descent_flops_n_iter():
    assert gd.descent_flops(3, 2, 1, 0) == 0
    for bad in (-1, 1.5, "1", None, True):
        assert_clear_error(lambda b=bad: gd.descent_flops(3, 2, 1, b), "n_iter")


def test_analyse_subscripts_hostile_strings():
    for bad in (None, 3, b"ia->a", ["ia->a"]):
        assert_clear_error(lambda b=bad: ix.analyse_subscripts(b), "subscripts", types=TypeError)
    for bad in ("", "ia", "ia->a->", "i1->i", "...->", "ia,->a"):
        assert_clear_error(lambda b=bad: ix.analyse_subscripts(b), "subscripts", types=ValueError)
    assert ix.analyse_subscripts(" ia , ib -> ab ").ok


def test_format_shapes_table_rejects_what_is_not_a_table():
    for bad in ("abc", [1, 2], None, 3):
        assert_clear_error(lambda b=bad: shapes_mod.format_shapes_table(b), "rows", types=TypeError)
    assert shapes_mod.format_shapes_table([]).count("\n") == 1  # header and rule


# ---------------------------------------------------------------------------------------------------
# 7. callables: the functions handed to the differentiation tools
# ---------------------------------------------------------------------------------------------------


def quadratic(x):
    return float(np.sum(x * x))


BAD_GRADIENTS = [
    pytest.param(lambda x: 1 / 0, "raised ZeroDivisionError", id="raises"),
    pytest.param(lambda x: np.full(x.shape, np.nan), "non-finite", id="nan"),
    pytest.param(lambda x: np.full(x.shape, np.inf), "non-finite", id="inf"),
    pytest.param(lambda x: np.ones(x.size + 1), "has shape", id="wrong-shape"),
    pytest.param(lambda x: np.ones((x.size, 1)), "reshape", id="column"),
    pytest.param(lambda x: 2.0, "has shape", id="scalar"),
    pytest.param(lambda x: None, "non-numeric", id="None"),
    pytest.param(lambda x: "grad", "non-numeric", id="string"),
    pytest.param(lambda x: [[1.0], [1.0, 2.0]], "non-numeric", id="ragged"),
    pytest.param(lambda x: {"g": x}, "non-numeric", id="dict"),
    pytest.param(lambda x: (v for v in x), "non-numeric", id="generator"),
    pytest.param(lambda x: x + 1j, "complex", id="complex"),
    pytest.param(lambda x: Exploding(), "non-numeric", id="__array__-raises"),
]


class Exploding:
    """An object whose conversion to an array fails with an unusual exception."""

    def __array__(self, *args, **kwargs):
        raise RuntimeError("cannot convert")


@pytest.mark.parametrize("method", ["central", "complex"])
@pytest.mark.parametrize("n_directions", [None, 3])
@pytest.mark.parametrize(("bad_grad", "fragment"), BAD_GRADIENTS)
def test_check_gradient_with_a_bad_grad_gives_a_verdict(bad_grad, fragment, n_directions, method):
    """A grad that raises or returns nonsense: a NOT ok verdict that says why, never a crash."""
    result = matgrad.check_gradient(quadratic, bad_grad, np.array([1.0, -2.0, 0.5]), method=method,
                                    n_directions=n_directions)
    assert not result.ok and not result
    assert fragment in result.message, result.message
    assert result.verdict(below=1e-8).startswith("NOT ok")
    assert result.n_evals == 0  # f was not evaluated in vain


@pytest.mark.parametrize("good", [
    pytest.param(lambda x: list(2 * x), id="list"),
    pytest.param(lambda x: tuple(2 * x), id="tuple"),
    pytest.param(lambda x: (2 * x).astype(object), id="object-array"),
    pytest.param(lambda x: (2 * x).astype(np.float32), id="float32"),
    pytest.param(lambda x: 2 * x + 0j, id="complex-with-zero-imaginary-part"),
    pytest.param(lambda x: np.asfortranarray(2 * x), id="fortran"),
])
def test_check_gradient_accepts_any_container_of_the_right_numbers(good):
    x = np.array([1.0, -2.0, 0.5])
    assert matgrad.check_gradient(quadratic, good, x).ok


def test_check_gradient_a_wrong_grad_of_the_right_form_is_rejected():
    x = np.array([1.0, -2.0, 0.5])
    assert not matgrad.check_gradient(quadratic, lambda v: 2 * v + 1e-3, x)
    assert not matgrad.check_gradient(quadratic, lambda v: list(3 * v), x, n_directions=2)


def test_check_gradient_does_not_let_grad_or_f_modify_the_point():
    x = np.array([1.0, -2.0, 0.5])
    x.flags.writeable = False  # a point the user cannot have modified
    seen = []

    def grad_that_scribbles(v):
        v *= 10.0  # modifies its argument: must be a copy
        return 0.2 * v

    result = matgrad.check_gradient(lambda v: seen.append(v.copy()) or quadratic(v), grad_that_scribbles, x)
    assert result.ok
    assert np.array_equal(x, [1.0, -2.0, 0.5])
    assert all(np.max(np.abs(v - x)) < 1e-3 for v in seen)  # f only ever saw points near x


BAD_FUNCTIONS = [
    pytest.param(lambda x: "f", TypeError, "f must return a number", id="string"),
    pytest.param(lambda x: None, TypeError, "f must return a number", id="None"),
    pytest.param(lambda x: np.array([1.0, 2.0]), ValueError, "scalar", id="array"),
    pytest.param(lambda x: np.nan, ValueError, "not finite", id="nan"),
    pytest.param(lambda x: 1.0 + 1.0j, ValueError, "real-valued", id="complex"),
]


@pytest.mark.parametrize(("f", "error", "fragment"), BAD_FUNCTIONS)
@pytest.mark.parametrize("tool", [
    pytest.param(lambda f, x: matgrad.numerical_gradient(f, x), id="numerical_gradient"),
    pytest.param(lambda f, x: matgrad.directional_difference(f, x, np.ones_like(x)), id="directional_difference"),
    pytest.param(lambda f, x: matgrad.check_gradient(f, lambda v: 2 * v, x), id="check_gradient"),
    pytest.param(lambda f, x: matgrad.check_gradient(f, lambda v: 2 * v, x, n_directions=2), id="check-directional"),
])
def test_a_bad_function_is_a_clear_error(tool, f, error, fragment):
    with pytest.raises(error, match=fragment) as excinfo:
        tool(f, np.array([1.0, 2.0]))
    assert raised_in_matgrad(excinfo)


@pytest.mark.parametrize("not_callable", [None, 3.0, "np.sum", np.ones(2)])
def test_not_callable(not_callable):
    x = np.ones(2)
    for fn, name in (
        (lambda: matgrad.numerical_gradient(not_callable, x), "f"),
        (lambda: matgrad.directional_difference(not_callable, x, x), "f"),
        (lambda: matgrad.check_gradient(not_callable, np.ones_like, x), "f"),
        (lambda: matgrad.check_gradient(np.sum, not_callable, x), "grad"),
        (lambda: matgrad.chapters.hessian.numerical_jacobian(not_callable, x), "F"),
        (lambda: matgrad.chapters.hessian.numerical_hessian(not_callable, x), "grad"),
        (lambda: ol.composite_loss(W3, X3, Y3, not_callable), "outer"),
        (lambda: ol.composite_grad_W(W3, X3, Y3, not_callable), "outer_grad"),
    ):
        assert_clear_error(fn, name, types=TypeError)


@pytest.mark.parametrize(("F", "error"), [
    pytest.param(lambda x: "F", TypeError, id="string"),
    pytest.param(lambda x: None, TypeError, id="None"),
    pytest.param(lambda x: [[1.0], [1.0, 2.0]], TypeError, id="ragged"),
    pytest.param(lambda x: x + 1j, TypeError, id="complex"),
    pytest.param(lambda x: np.full(x.shape, np.nan), ValueError, id="nan"),
    pytest.param(lambda x: np.ones(int(x[0] > 1.0) + 1), ValueError, id="size-changes"),
])
def test_numerical_jacobian_and_hessian_with_bad_functions(F, error):
    x = np.ones(2)
    assert_clear_error(lambda: matgrad.chapters.hessian.numerical_jacobian(F, x), "F", types=error)
    assert_clear_error(lambda: matgrad.chapters.hessian.numerical_hessian(F, x), ("F", "grad"), types=(TypeError, ValueError))


def test_numerical_tools_on_hostile_points():
    f = quadratic
    for x in ([1.0, 2.0], np.array([1, 2]), np.array([1.0, 2.0], dtype=np.float32), np.asfortranarray(np.eye(2)),
              np.eye(3)[::2, ::2], read_only(np.array([1.0, 2.0])), 3.0, np.array(3.0)):
        x_arr = np.array(x, dtype=np.float64)
        np.testing.assert_allclose(matgrad.numerical_gradient(f, x), 2 * x_arr, rtol=1e-6)
        assert matgrad.check_gradient(f, lambda v: 2 * v, x)
        np.testing.assert_allclose(matgrad.chapters.hessian.numerical_jacobian(lambda v: 3 * v, x), 3 * np.eye(x_arr.size), rtol=1e-9)
    for bad in ("x", None, [[1.0], [2.0, 3.0]], [1j, 2.0], [np.nan, 1.0]):
        for tool in (lambda b: matgrad.numerical_gradient(f, b), lambda b: matgrad.check_gradient(f, np.ones_like, b),
                     lambda b: matgrad.chapters.hessian.numerical_jacobian(lambda v: v, b), lambda b: matgrad.default_step(b)):
            assert_clear_error(lambda t=tool, b=bad: t(b), "x")


def test_numerical_tools_on_an_empty_point():
    empty = np.zeros((0, 3))
    assert matgrad.numerical_gradient(quadratic, empty).shape == (0, 3)
    assert matgrad.check_gradient(quadratic, lambda v: 2 * v, empty).ok
    assert matgrad.chapters.hessian.numerical_jacobian(lambda v: v, empty).shape == (0, 0)


def test_directional_difference_direction():
    x = np.ones(3)
    for bad, error in ((np.zeros(3), ValueError), (np.ones(2), ValueError), ("v", TypeError), ([1j, 0, 0], ValueError),
                       ([np.nan, 0.0, 0.0], ValueError)):
        assert_clear_error(lambda b=bad: matgrad.directional_difference(quadratic, x, b), "direction", types=error)


# ---------------------------------------------------------------------------------------------------
# 8. the validation helpers themselves
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "dtype"), [
    ([1, 2], np.float64), ([True, False], np.float64), (np.array([1, 2], dtype=np.uint64), np.float64),
    ([fractions.Fraction(1, 3)], np.float64), (np.array([1.5, 2], dtype=object), np.float64),
    ([1 + 2j], np.complex128), (np.float32(1.5), np.float32), (np.array([1.0], dtype=np.float32), np.float32),
    (np.ma.array([1.0, 2.0], mask=[0, 1]), np.float64),
])
def test_as_numeric_array_converts_numbers(value, dtype):
    arr = val.as_numeric_array("Q", value)
    assert type(arr) is np.ndarray or isinstance(arr, np.ndarray)
    assert arr.dtype == dtype


@pytest.mark.parametrize("value", [
    "1.0", None, {1, 2}, [[1], [1, 2]], np.array(["a"]), np.zeros(2, dtype=[("a", "f8")]),
    np.array([np.datetime64("2020-01-01")]), [10**400], np.array([None], dtype=object), b"ab",
])
def test_as_numeric_array_rejects_non_numbers(value):
    assert_clear_error(lambda: val.as_numeric_array("Q", value), "Q", types=TypeError)


def test_as_numeric_array_never_copies_into_the_input_and_never_modifies_it():
    a = read_only(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert val.as_numeric_array("Q", a) is a or np.shares_memory(val.as_numeric_array("Q", a), a)
    assert_clear_error(lambda: val.as_numeric_array("Q", [1.0, np.inf]), "Q", types=ValueError)
    assert np.isinf(val.as_numeric_array("Q", [1.0, np.inf], check_finite=False)[1])


def test_as_python_scalar_gives_python_numbers():
    for value, kind in ((np.float64(1.5), float), (np.float32(1.5), float), (np.array(2.0), float), (3, float),
                        (np.complex128(1 + 2j), complex), (np.array(1j), complex)):
        out = val.as_python_scalar(value)
        assert type(out) is kind and out == value


def test_check_regression_shapes_and_helpers():
    W, X, Y = np.ones((2, 1)), np.ones((3, 2)), np.ones((3, 1))
    val.check_regression_shapes(W, X, Y)
    for bad in ((np.ones((3, 1)), X, Y), (W, np.ones(3), Y), (W, X, np.ones((3, 2))), (W, np.ones((0, 2)), Y[:0]),
                (np.ones((2, 1, 1)), X, Y)):
        assert_clear_error(lambda b=bad: val.check_regression_shapes(*b), ("W", "X", "Y"), types=ValueError)
    assert [a.shape for a in val.prepare_regression(W.tolist(), X, Y)] == [(2, 1), (3, 2), (3, 1)]
    assert_clear_error(lambda: val.prepare_regression(W, X, [[np.nan]] * 3), "Y", types=ValueError)
    assert_clear_error(lambda: val.require_finite("Z", np.array([1.0, np.nan])), "Z", types=ValueError)
    val.require_finite("Z", np.zeros((0, 4)))
    assert val.as_matrix("M", [[1, 2]]).shape == (1, 2)
    assert_clear_error(lambda: val.as_matrix("M", [1, 2]), "M", types=ValueError)
    assert val.positive_int("n", np.int16(4)) == 4


def test_deferred_preparation_reports_like_the_immediate_one():
    """The fast path of the loss functions: the same errors, in the same order, as prepare_regression."""
    W, X, Y = np.ones((2, 1)), np.ones((3, 2)), np.ones((3, 1))
    assert val.regression_arrays_ready(W, X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # np.matrix is the point here
        matrix = np.matrix(X)
    for hostile in ((W.tolist(), X, Y), (W, X.astype(int), Y), (W[:, 0], X, Y[:, 0]), (W, X[:0], Y[:0]),
                    (W, matrix, Y)):
        assert not val.regression_arrays_ready(*hostile)
    for bad in ((W, X, "Y"), (W, np.ones((3, 3)), Y), ([[np.nan], [1.0]], np.ones((3, 3)), Y), (W, X[:0], Y[:0])):
        with pytest.raises((TypeError, ValueError)) as immediate:
            val.prepare_regression(*bad)
        with pytest.raises(immediate.type) as deferred:
            val.prepare_regression_deferred(*bad)
        assert str(deferred.value) == str(immediate.value)
    assert_clear_error(lambda: val.require_finite_inputs(W, X, np.full((3, 1), np.inf)), "Y", types=ValueError)
    if val.matmul_propagates_non_finite(np.float64):  # then the fast path may rely on it: check one product
        with np.errstate(invalid="ignore"):
            assert np.isnan(np.array([[np.inf, 1.0]]) @ np.zeros((2, 3))).all()
    assert_clear_error(lambda: matgrad.loss(W, np.vstack([X[:2], [[np.inf, 0.0]]]), Y), "X", types=ValueError)
