"""Input checks for the public functions of :mod:`matgrad`: one rule set, in one place.

The rules (the same for every function):

* an argument is converted with :func:`numpy.asarray`; booleans and integers become ``float64``,
  ``float32`` and ``float64`` (and their complex counterparts) keep their precision, and other floating
  types become ``float64`` (or ``complex128``);
* anything that is not numeric (strings, ``None``, ragged lists, ...) is a :class:`TypeError`;
* complex input where a function does not allow it is a :class:`TypeError` (a wrong type, like a string);
* NaN or infinity is a :class:`ValueError` that says where, unless the caller passes
  ``check_finite=False`` (the same keyword as in :mod:`scipy.linalg`);
* shapes that do not fit together are a :class:`ValueError` that names the shapes;
* a count must be an integer of at least 1, a size (step, tolerance, noise, ...) a finite real number.

**Lazy arrays.** A Dask array (anything with a shape, a dtype and a task graph, ``__dask_graph__``: the Dask
collection protocol) is kept as it is where a function says it accepts one (``allow_lazy=True``): its dtype and
shape are checked up front, NaN and infinity only from the (small) result, as for NumPy arrays (see
:func:`matgrad.least_squares.loss`), and ``X`` and ``Y`` must be split into the same blocks of rows. Elsewhere a
lazy array is computed into a NumPy array first.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

_KEPT = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.complex64), np.dtype(np.complex128))


def is_lazy(value: Any) -> bool:
    """Whether ``value`` is a lazy array, such as a Dask array: computed only when its result is asked for."""
    return hasattr(value, "__dask_graph__") and hasattr(value, "shape") and hasattr(value, "dtype")


def materialise(*parts: Any) -> tuple[np.ndarray, ...]:
    """The (small) results ``parts`` as NumPy arrays; lazy ones are computed together, in one pass over their
    common inputs (``dask.compute``), and the others are returned as they are."""
    if any(is_lazy(part) for part in parts):
        import dask  # only reached with lazy input, which needs Dask installed anyway

        parts = dask.compute(*parts)
    return tuple(np.asarray(part) for part in parts)


def _lazy_array(name: str, value: Any, allow_complex: bool) -> Any:
    """A lazy array with its dtype checked (float32 and float64 kept, other numbers made float64)."""
    kind = value.dtype.kind
    if kind not in "biufc":
        raise TypeError(f"{name} must be numeric, but it has dtype {value.dtype}")
    if kind == "c" and not allow_complex:
        raise TypeError(f"{name} must be real, but it has complex dtype {value.dtype}")
    if np.dtype(value.dtype) not in _KEPT:
        value = value.astype(np.complex128 if kind == "c" else np.float64)
    return value


def as_array(
    name: str, value: Any, *, check_finite: bool = True, allow_complex: bool = True, allow_lazy: bool = False
) -> np.ndarray:
    """``value`` as a floating (or, if allowed, complex) NumPy array; the input is never modified.

    With ``allow_lazy``, a lazy (Dask) array stays lazy: only its dtype is checked here.
    """
    if allow_lazy and is_lazy(value):
        return _lazy_array(name, value, allow_complex)
    try:
        arr = np.asarray(value)
        if arr.dtype.kind == "O":  # e.g. None, or a list mixing numbers and strings
            if not all(isinstance(v, numbers.Number) for v in arr.flat):
                raise TypeError("it holds elements that are not numbers")
            arr = arr.astype(np.complex128 if any(isinstance(v, complex) for v in arr.flat) else np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{name} must be numeric, but it has dtype {arr.dtype}")
    if arr.dtype.kind == "c" and not allow_complex:
        raise TypeError(f"{name} must be real, but it has complex dtype {arr.dtype}")
    if arr.dtype not in _KEPT:
        arr = arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64)
    if check_finite:
        require_finite(name, arr)
    return arr


def as_matrix(
    name: str, value: Any, *, check_finite: bool = True, allow_complex: bool = True, allow_lazy: bool = False
) -> np.ndarray:
    """Like :func:`as_array`, for a 2-D array; other shapes are a :class:`ValueError`."""
    arr = as_array(name, value, check_finite=check_finite, allow_complex=allow_complex, allow_lazy=allow_lazy)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (a matrix), but it has shape {arr.shape}")
    return arr


def require_finite(name: str, arr: np.ndarray) -> None:
    """Raise :class:`ValueError` if ``arr`` holds NaN or infinity, saying how many and where the first is (and,
    for a lazy array split into blocks of rows, in which block)."""
    bad = ~np.isfinite(arr)
    (count,) = materialise(bad.sum())  # a small result, also for a lazy array
    if count:
        (first,) = materialise(np.argmax(bad.reshape(-1)))
        where = tuple(int(i) for i in np.unravel_index(int(first), arr.shape))
        block = ""
        if getattr(arr, "chunks", None) and arr.ndim >= 1:
            ends = np.cumsum(arr.chunks[0])
            number = int(np.searchsorted(ends, where[0], side="right"))
            block = f", in the block of rows {ends[number] - arr.chunks[0][number]} to {ends[number] - 1}"
        raise ValueError(
            f"{name} contains {int(count)} non-finite value(s) (NaN or inf), the first at index {where}{block}"
        )


def check_shapes(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> None:
    """Check that ``X @ W - Y`` is defined: ``X`` (N, d) with N >= 1, ``W`` (d, k) or (d,), ``Y`` (N, k) or (N,)."""
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
    for name, arr in zip("WXY", (W, X, Y), strict=True):
        if any(math.isnan(n) for n in arr.shape):  # a Dask array after boolean indexing: its blocks are unknown
            raise ValueError(
                f"{name} has shape {arr.shape}, with an unknown number of rows: call {name}.compute_chunk_sizes() first"
            )
    if W.ndim not in (1, 2):
        raise ValueError(f"W must have shape (d, k) or (d,), but it has shape {W.shape}")
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X has shape {X.shape} but W has shape {W.shape}: X.shape[1] must equal W.shape[0]")
    expected = (X.shape[0],) + W.shape[1:]
    if Y.shape != expected:
        raise ValueError(
            f"Y has shape {Y.shape} but X has shape {X.shape} and W has shape {W.shape}: "
            f"Y must have shape {expected} (rows of X by columns of W)"
        )
    if X.shape[0] == 0:
        raise ValueError(f"X has shape {X.shape}: the loss is a mean over N rows, and N = 0 leaves it undefined")


def same_row_blocks(X: Any, Y: Any) -> None:
    """For lazy ``X`` and ``Y``: a :class:`ValueError` unless both are split into the same blocks of rows.

    Blocks that differ would make Dask move and re-split the rows of one of them between the workers, a hidden
    extra pass over the data; the caller should choose the blocks.
    """
    if is_lazy(X) and is_lazy(Y) and getattr(X, "chunks", None) and getattr(Y, "chunks", None):
        if X.chunks[0] != Y.chunks[0]:
            raise ValueError(
                f"X and Y must be split into the same blocks of rows, but X has row blocks {X.chunks[0]} and Y has "
                f"{Y.chunks[0]}: rechunk one of them (Y.rechunk({{0: X.chunks[0]}}))"
            )


def regression_arrays(
    W: Any, X: Any, Y: Any, *, check_finite: bool = True, allow_complex: bool = True, allow_lazy: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, X, Y)`` converted by :func:`as_array` and checked by :func:`check_shapes` (and, for lazy arrays, by
    :func:`same_row_blocks`)."""
    W, X, Y = (
        as_array(n, v, check_finite=check_finite, allow_complex=allow_complex, allow_lazy=allow_lazy)
        for n, v in zip("WXY", (W, X, Y), strict=True)
    )
    check_shapes(W, X, Y)
    same_row_blocks(X, Y)
    return W, X, Y


def positive_int(name: str, value: Any) -> int:
    """``value`` as an ``int >= 1``: :class:`TypeError` for non-integers (and bools), :class:`ValueError` below 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


def positive_number(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """``value`` as a finite ``float > 0`` (``>= 0`` with ``allow_zero``): :class:`TypeError` or :class:`ValueError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not (np.isfinite(value) and (value >= 0 if allow_zero else value > 0)):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a finite {bound} number, got {value!r}")
    return value
