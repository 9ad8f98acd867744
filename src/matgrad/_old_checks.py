"""TRANSITIONAL: the old input checks (was validation.py). Delete once no module imports it; use _checks."""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_matrix",
    "as_numeric_array",
    "as_python_scalar",
    "check_regression_shapes",
    "matmul_propagates_non_finite",
    "positive_int",
    "prepare_regression",
    "prepare_regression_deferred",
    "random_generator",
    "regression_arrays_ready",
    "require_finite",
    "require_finite_inputs",
]


#: Floating types that BLAS and LAPACK lack, and the type they are computed in instead.
_PROMOTED = {
    np.dtype(np.float16): np.dtype(np.float32),
    np.dtype(np.longdouble): np.dtype(np.float64),
    np.dtype(np.clongdouble): np.dtype(np.complex128),
}


#: How to opt out of the finiteness check, said in its error message by the functions that offer it.
OPT_OUT = " Pass check_finite=False to skip this check."


def as_numeric_array(name: str, value: Any, *, check_finite: bool = True, opt_out: str = OPT_OUT) -> np.ndarray:
    """Convert ``value`` to a floating (or complex) NumPy array, or fail clearly.

    Parameters
    ----------
    name
        Name of the argument, used in error messages (e.g. ``"X"``).
    value
        Array-like input.
    check_finite
        If true, NaN or infinite entries raise :class:`ValueError`.
    opt_out
        The end of that error's message: how the caller's user can skip the check
        (``""`` for functions that offer no ``check_finite`` option).

    Returns
    -------
    numpy.ndarray
        A ``float32``, ``float64``, ``complex64`` or ``complex128`` array. The input
        is never modified.

    Raises
    ------
    TypeError
        If ``value`` is not numeric.
    ValueError
        If ``check_finite`` is true and ``value`` has non-finite entries.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} cannot be converted to a numeric array: {exc}") from None
    kind = arr.dtype.kind
    if kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype in _PROMOTED:
        arr = arr.astype(_PROMOTED[arr.dtype])
    elif kind == "O":
        arr = _object_to_number(name, arr)
    elif kind not in "fc":
        example = f" (e.g. {arr.flat[0]!r})" if arr.size else ""
        raise TypeError(f"{name} must be numeric, but it has dtype {arr.dtype}{example}")
    if check_finite:
        require_finite(name, arr, opt_out)
    return arr


def _object_to_number(name: str, arr: np.ndarray) -> np.ndarray:
    """Convert an object array whose elements are all numbers; reject anything else."""
    bad_values = [v for v in arr.flat if not isinstance(v, numbers.Number)]
    if bad_values:
        bad = bad_values[0]
        raise TypeError(f"{name} must be numeric, but it contains {bad!r} of type {type(bad).__name__}")
    target = np.complex128 if any(isinstance(v, complex) or np.iscomplexobj(v) for v in arr.flat) else np.float64
    try:
        return arr.astype(target)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"{name} has elements that do not convert to {np.dtype(target)}: {exc}") from None


def require_finite(name: str, arr: np.ndarray, opt_out: str = OPT_OUT) -> None:
    """Raise :class:`ValueError` if ``arr`` contains NaN or infinity, saying where (and ``opt_out``)."""
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.argwhere(~finite)
        where = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name} contains {len(bad)} non-finite value(s) (NaN or inf), the first at index "
            f"{where}: {arr[where].item()!r}.{opt_out}"
        )


def check_regression_shapes(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> None:
    """Check that ``X @ W - Y`` is well defined and has at least one row.

    ``X`` must be a matrix of shape ``(N, d)`` with ``N >= 1``. ``W`` is either a
    matrix of shape ``(d, k)`` with ``Y`` of shape ``(N, k)``, or a vector of shape
    ``(d,)`` with ``Y`` of shape ``(N,)`` (the single-output case).

    Raises
    ------
    ValueError
        Naming the shapes that do not fit together.
    """
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, d), but it has shape {X.shape}")
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


def prepare_regression(W: Any, X: Any, Y: Any, check_finite: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert and check ``W, X, Y`` of a least-squares problem in one call.

    Returns
    -------
    tuple of numpy.ndarray
        ``(W, X, Y)`` as numeric arrays whose shapes fit ``X @ W - Y``.

    Raises
    ------
    TypeError, ValueError
        As :func:`as_numeric_array` and :func:`check_regression_shapes`.
    """
    W = as_numeric_array("W", W, check_finite=check_finite)
    X = as_numeric_array("X", X, check_finite=check_finite)
    Y = as_numeric_array("Y", Y, check_finite=check_finite)
    check_regression_shapes(W, X, Y)
    return W, X, Y


def prepare_regression_deferred(W: Any, X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert ``W, X, Y`` and check their shapes, but leave their finiteness to the caller.

    A separate :func:`numpy.isfinite` pass over a large ``X`` costs about as much as
    a memory-bound matrix product, so the fast functions of
    :mod:`matgrad.least_squares` check their (small) *result* instead: NaN or
    infinity in an input always makes the loss or the gradient non-finite (see
    :func:`matmul_propagates_non_finite`), and only then do they call
    :func:`require_finite_inputs` to say which input was at fault.

    The errors are those of :func:`prepare_regression` with ``check_finite=True``,
    in the same order of precedence: if a conversion or the shape check fails, the
    inputs converted before it are checked for finiteness first.

    Returns
    -------
    tuple of numpy.ndarray
        ``(W, X, Y)`` as numeric arrays whose shapes fit ``X @ W - Y``, not yet
        checked for NaN or infinity.

    Raises
    ------
    TypeError, ValueError
        As :func:`prepare_regression`.
    """
    converted: list[np.ndarray] = []
    try:
        converted.append(as_numeric_array("W", W, check_finite=False))
        converted.append(as_numeric_array("X", X, check_finite=False))
        converted.append(as_numeric_array("Y", Y, check_finite=False))
        check_regression_shapes(*converted)
    except (TypeError, ValueError):
        for name, arr in zip("WXY", converted, strict=False):  # the error prepare_regression would raise first
            require_finite(name, arr)
        raise
    W, X, Y = converted
    return W, X, Y


# float32, float64, complex64, complex128: the dtypes as_numeric_array returns unchanged
_READY_DTYPES = "fdFD"


def regression_arrays_ready(W: Any, X: Any, Y: Any) -> bool:
    """Whether ``W, X, Y`` need no conversion and fit together: a fast path for :func:`prepare_regression_deferred`.

    True when all three are plain ``numpy.ndarray`` objects (not subclasses) of dtype float32,
    float64, complex64 or complex128, ``X`` is ``(N, d)`` with ``N >= 1``, ``W`` is ``(d, k)`` and ``Y`` is
    ``(N, k)``: then :func:`prepare_regression_deferred` would return them unchanged. False
    is no verdict; the caller then takes the general path, which explains any problem.
    """
    if type(W) is not np.ndarray or type(X) is not np.ndarray or type(Y) is not np.ndarray:
        return False
    x_shape, w_shape = X.shape, W.shape
    return (
        len(x_shape) == 2
        and len(w_shape) == 2
        and x_shape[0] >= 1
        and x_shape[1] == w_shape[0]
        and Y.shape == (x_shape[0], w_shape[1])
        and W.dtype.char in _READY_DTYPES
        and X.dtype.char in _READY_DTYPES
        and Y.dtype.char in _READY_DTYPES
    )


def require_finite_inputs(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> None:
    """Raise the :class:`ValueError` of :func:`require_finite` for the first of ``W, X, Y`` that is not finite."""
    require_finite("W", W)
    require_finite("X", X)
    require_finite("Y", Y)


# Shapes (n, m, p) of the products L @ R tried by the probe: a scalar product, matrix-vector
# products, small products and one large enough for a blocked, multi-threaded BLAS kernel.
_PROBE_SHAPES = ((1, 1, 1), (2, 3, 1), (9, 7, 3), (64, 24, 5), (700, 48, 8))


@functools.cache
def matmul_propagates_non_finite(dtype: Any) -> bool:
    """Whether ``@`` in this ``dtype`` passes NaN and infinity on to the product, even against zeros.

    IEEE arithmetic makes ``0 * inf`` and ``0 * nan`` NaN, so a NaN or infinity in
    row ``i`` of ``L`` makes row ``i`` of ``L @ R`` non-finite, and one in column ``c``
    of ``R`` makes column ``c`` of the product non-finite. An optimised BLAS could
    break this by skipping multiplications by zero. This probe checks, once per
    dtype and process, that it does not: for several shapes (matrix-vector, small
    and large matrix products), for C- and Fortran-ordered factors and for NaN and
    infinity in either factor against an all-zero other factor.

    :mod:`matgrad.least_squares` relies on it to detect non-finite input from its
    result; where the probe fails, it checks the inputs up front instead.

    Parameters
    ----------
    dtype
        A floating or complex NumPy dtype.

    Returns
    -------
    bool
        True if every probe product had the expected non-finite rows and columns.
    """
    dtype = np.dtype(dtype)
    with np.errstate(all="ignore"):
        for n, m, p in _PROBE_SHAPES:
            for bad in (np.nan, np.inf):
                left_bad = np.zeros((n, m), dtype)
                left_bad[n // 2, m // 2] = bad
                right_bad = np.zeros((m, p), dtype)
                right_bad[m // 2, p // 2] = bad
                for order_left in "CF":
                    for order_right in "CF":
                        bad_l = np.asarray(left_bad, order=order_left)
                        bad_r = np.asarray(right_bad, order=order_right)
                        zero_l = np.zeros((n, m), dtype, order=order_left)
                        zero_r = np.zeros((m, p), dtype, order=order_right)
                        if np.isfinite((bad_l @ zero_r)[n // 2]).any():
                            return False
                        if np.isfinite((zero_l @ bad_r)[:, p // 2]).any():
                            return False
                    if np.isfinite((np.asarray(left_bad, order=order_left) @ np.zeros(m, dtype))[n // 2]):
                        return False
                    if np.isfinite(np.zeros((n, m), dtype, order=order_left) @ right_bad[:, p // 2]).any():
                        return False
    return True


def as_matrix(name: str, value: Any, check_finite: bool = True) -> np.ndarray:
    """A numeric 2-D array, or a clear :class:`ValueError` naming its shape."""
    arr = as_numeric_array(name, value, check_finite=check_finite)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (a matrix), but it has shape {arr.shape}")
    return arr


def positive_int(name: str, value: object) -> int:
    """``value`` as an ``int >= 1``; :class:`TypeError` for non-integers (and bools), :class:`ValueError` below 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


def as_python_scalar(value: Any) -> float | complex:
    """A NumPy scalar or 0-d result as a Python ``float`` (or ``complex``), so that it prints plainly."""
    if np.iscomplexobj(value):  # also complex types whose .item() is not a Python complex
        return complex(value)
    value = value.item() if isinstance(value, (np.generic, np.ndarray)) else value
    return float(value)


def random_generator(seed: object) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``, with an error naming ``seed`` for what it cannot use.

    Parameters
    ----------
    seed
        A non-negative integer (or anything else :func:`numpy.random.default_rng` accepts:
        ``None``, a sequence of such integers, a ``SeedSequence`` or a ``Generator``).

    Raises
    ------
    TypeError
        For a seed of the wrong type (a float, a string, ...).
    ValueError
        For a negative integer.
    """
    if isinstance(seed, (float, complex, str, bytes, np.floating, np.complexfloating)):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    try:
        return np.random.default_rng(seed)
    except TypeError as exc:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r} ({exc})") from None
    except ValueError as exc:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r} ({exc})") from None
