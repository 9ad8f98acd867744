"""Input checks shared by every public function of :mod:`matgrad`.

The rules are the same everywhere, so that a reader meets one behaviour:

* arrays are converted with :func:`numpy.asarray`;
* boolean and integer input is promoted to ``float64``; real and complex
  floating input keeps its precision;
* object arrays are accepted when every element converts to a number;
* anything else (strings, ``None``, dictionaries, ...) raises :class:`TypeError`;
* NaN or infinity raises :class:`ValueError` unless ``check_finite=False``
  (the same keyword as in :mod:`scipy.linalg`);
* every shape mismatch raises :class:`ValueError` whose message names the
  offending shapes.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_matrix",
    "as_numeric_array",
    "as_python_scalar",
    "check_regression_shapes",
    "positive_int",
    "prepare_regression",
    "require_finite",
]


def as_numeric_array(name: str, value: Any, *, check_finite: bool = True) -> np.ndarray:
    """Convert ``value`` to a floating (or complex) NumPy array, or fail clearly.

    Parameters
    ----------
    name
        Name of the argument, used in error messages (e.g. ``"X"``).
    value
        Array-like input.
    check_finite
        If true, NaN or infinite entries raise :class:`ValueError`.

    Returns
    -------
    numpy.ndarray
        A floating or complex array. The input is never modified.

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
    elif kind == "O":
        arr = _object_to_number(name, arr)
    elif kind not in "fc":
        example = f" (e.g. {arr.flat[0]!r})" if arr.size else ""
        raise TypeError(f"{name} must be numeric, but it has dtype {arr.dtype}{example}")
    if check_finite:
        require_finite(name, arr)
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


def require_finite(name: str, arr: np.ndarray) -> None:
    """Raise :class:`ValueError` if ``arr`` contains NaN or infinity, saying where."""
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.argwhere(~finite)
        where = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name} contains {len(bad)} non-finite value(s) (NaN or inf), the first at index "
            f"{where}: {arr[where].item()!r}. Pass check_finite=False to skip this check."
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
    value = value.item() if isinstance(value, (np.generic, np.ndarray)) else value
    return complex(value) if isinstance(value, complex) else float(value)
