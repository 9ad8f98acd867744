r"""The shapes of every derivative in the book, computed and checked, and a symbolic check.

:func:`gradient_shapes_table` computes each derivative of the least-squares loss
that the book uses on a small random problem, records its shape next to the shape
the formula predicts, and checks its *value* against finite differences, so that
the printed table cannot drift from the code. Gradients have the shape of their
variable (denominator layout); Jacobians and Hessians act on ``vec`` of their
variable, with ``vec`` column-major (Fortran order).

:func:`symbolic_gradient_check` differentiates the loss with SymPy, entry by entry,
on explicit matrices of symbols and compares with the closed-form gradient.
SymPy is imported only when a symbolic function is called.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._old_checks import positive_int, random_generator
from ..gradient_check import check_gradient
from ..least_squares import grad_W, grad_X, grad_Y, loss, residual
from .hessian import hessian_vector_product, hessian_W, numerical_hessian, numerical_jacobian

__all__ = [
    "ShapeRow",
    "gradient_shapes_table",
    "format_shapes_table",
    "symbolic_gradient",
    "symbolic_gradient_check",
]

_WRT = ("W", "X", "Y")


@dataclass(frozen=True)
class ShapeRow:
    """One derivative of the loss: what it is, its formula, its shape, and whether it checked out.

    Attributes
    ----------
    name : str
        The derivative, e.g. ``"dL/dW"``.
    formula : str
        Its closed form in the book's notation.
    shape_formula : str
        The shape in terms of ``N``, ``d``, ``k``, e.g. ``"d x k"``.
    expected : tuple of int
        ``shape_formula`` evaluated at the sample sizes.
    shape : tuple of int
        The shape of the array the code computed.
    verified : bool
        The computed shape equals ``expected`` *and* the computed values agree with
        finite differences.
    """

    name: str
    formula: str
    shape_formula: str
    expected: tuple[int, ...]
    shape: tuple[int, ...]
    verified: bool


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-8 * max(1.0, float(np.abs(b).max()))))


def _vec(A: np.ndarray) -> np.ndarray:
    return A.reshape(-1, order="F")


def gradient_shapes_table(N: int = 5, d: int = 3, k: int = 2, *, seed: int = 0) -> list[ShapeRow]:
    r"""Compute every derivative of the loss the book uses and check its shape and value.

    On a random problem of the given sizes (distinct sizes make the shapes
    unambiguous), each derivative is computed with :mod:`matgrad` or from its
    closed form, and compared with finite differences: gradients with
    :func:`matgrad.check_gradient`, Jacobians and Hessians with
    :func:`matgrad.chapters.hessian.numerical_jacobian` (exact up to rounding, since they are
    derivatives of affine maps).

    Parameters
    ----------
    N, d, k : int
        Sample sizes (number of examples, features, outputs), each at least 1.
    seed : int, default 0
        Seed of the random problem.

    Returns
    -------
    list of ShapeRow
        One row per derivative, in the order of the book.

    Examples
    --------
    >>> rows = gradient_shapes_table(5, 3, 2)
    >>> [(r.name, r.shape) for r in rows[:3]]
    [('dL/dW', (3, 2)), ('dL/dX', (5, 3)), ('dL/dY', (5, 2))]
    >>> all(r.verified for r in rows)
    True
    """
    N, d, k = (positive_int(name, v) for name, v in (("N", N), ("d", d), ("k", k)))
    rng = random_generator(seed)
    X, W, Y, V = (rng.standard_normal(s) for s in ((N, d), (d, k), (N, k), (d, k)))
    R = residual(W, X, Y)
    rows: list[ShapeRow] = []

    def add(name: str, formula: str, shape_formula: str, expected: tuple[int, ...], value, ok: bool) -> None:
        shape = tuple(int(n) for n in np.shape(value))
        rows.append(ShapeRow(name, formula, shape_formula, expected, shape, bool(ok) and shape == expected))

    gW, gX, gY = grad_W(W, X, Y), grad_X(W, X, Y), grad_Y(W, X, Y)
    add("dL/dW", "(2/N) X^T R", "d x k", (d, k), gW, check_gradient(lambda w: loss(w, X, Y), lambda w: gW, W))
    add("dL/dX", "(2/N) R W^T", "N x d", (N, d), gX, check_gradient(lambda x: loss(W, x, Y), lambda x: gX, X))
    add("dL/dY", "-(2/N) R", "N x k", (N, k), gY, check_gradient(lambda y: loss(W, X, y), lambda y: gY, Y))
    gR = 2.0 / N * R
    add("dL/dR", "(2/N) R", "N x k", (N, k), gR, check_gradient(lambda r: float(np.sum(r * r)) / N, lambda r: gR, R))

    J_W = np.kron(np.eye(k), X)
    add(
        "d vec(R) / d vec(W)  (Jacobian)",
        "I_k kron X",
        "Nk x dk",
        (N * k, d * k),
        J_W,
        _close(J_W, numerical_jacobian(lambda w: residual(w, X, Y), W)),
    )
    J_X = np.kron(W.T, np.eye(N))
    add(
        "d vec(R) / d vec(X)  (Jacobian)",
        "W^T kron I_N",
        "Nk x Nd",
        (N * k, N * d),
        J_X,
        _close(J_X, numerical_jacobian(lambda x: residual(W, x, Y), X)),
    )
    row_jacobian = _vec(gW)[None, :]
    add(
        "dL / d vec(W)  (Jacobian)",
        "vec(dL/dW)^T",
        "1 x dk",
        (1, d * k),
        row_jacobian,
        _close(row_jacobian, numerical_jacobian(lambda w: loss(w, X, Y), W)),
    )
    H_W = hessian_W(X, k)
    add(
        "Hessian on vec(W)",
        "(2/N) (I_k kron X^T X)",
        "dk x dk",
        (d * k, d * k),
        H_W,
        _close(H_W, numerical_hessian(lambda w: grad_W(w, X, Y), W)),
    )
    HV = hessian_vector_product(V, X)
    add(
        "Hessian applied to V",
        "(2/N) X^T X V",
        "d x k",
        (d, k),
        HV,
        _close(_vec(HV), numerical_hessian(lambda w: grad_W(w, X, Y), W) @ _vec(V)),
    )
    H_X = 2.0 / N * np.kron(W @ W.T, np.eye(N))
    add(
        "Hessian on vec(X)",
        "(2/N) (W W^T kron I_N)",
        "Nd x Nd",
        (N * d, N * d),
        H_X,
        _close(H_X, numerical_hessian(lambda x: grad_X(W, x, Y), X)),
    )
    return rows


def _iterable(name: str, value: object) -> list:
    try:
        return list(value)
    except TypeError:
        raise TypeError(f"{name} must be a list of ShapeRow (from gradient_shapes_table), got {value!r}") from None


def format_shapes_table(rows: list[ShapeRow]) -> str:
    """Render rows of :func:`gradient_shapes_table` as a fixed-width text table.

    Parameters
    ----------
    rows : list of ShapeRow
        The rows to show.

    Returns
    -------
    str
        One header line, a rule, and one line per row with the derivative, its
        formula, its symbolic shape, the computed shape and the verdict.

    Raises
    ------
    TypeError
        If ``rows`` is not a sequence of :class:`ShapeRow`.
    """
    if isinstance(rows, (str, bytes)) or not all(isinstance(r, ShapeRow) for r in _iterable("rows", rows)):
        raise TypeError(f"rows must be a list of ShapeRow (from gradient_shapes_table), got {rows!r}")
    header = ("derivative", "formula", "shape", "computed", "checked")
    body = [(r.name, r.formula, r.shape_formula, " x ".join(map(str, r.shape)), str(r.verified)) for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _symbol_matrix(letter: str, rows: int, cols: int):
    import sympy

    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{letter}_{i + 1}{j + 1}", real=True))


def symbolic_gradient(wrt: str, N: int = 2, d: int = 2, k: int = 1):
    r"""Gradient of the loss with respect to ``W``, ``X`` or ``Y``, derived by SymPy entry by entry.

    Builds explicit matrices of symbols ``x_ij``, ``w_ij``, ``y_ij`` (real), writes
    ``L = (1/N) sum_ij R_ij^2`` with ``R = X W - Y``, and differentiates ``L`` with
    respect to every entry of the chosen matrix.

    Parameters
    ----------
    wrt : {"W", "X", "Y"}
        The variable.
    N, d, k : int, default 2, 2, 1
        Sizes; keep them small (the expressions grow quickly).

    Returns
    -------
    derived : sympy.Matrix
        ``dL/d(wrt)`` in the shape of the variable, from differentiating entry by entry.
    claimed : sympy.Matrix
        The closed form: ``(2/N) X^T R``, ``(2/N) R W^T`` or ``-(2/N) R``.

    Raises
    ------
    ValueError
        If ``wrt`` is not one of ``"W"``, ``"X"``, ``"Y"``.
    TypeError
        If a size is not an integer.
    """
    import sympy

    if wrt not in _WRT:
        raise ValueError(f"wrt must be one of {list(_WRT)}, not {wrt!r}")
    N, d, k = (positive_int(name, v) for name, v in (("N", N), ("d", d), ("k", k)))
    X, W, Y = _symbol_matrix("x", N, d), _symbol_matrix("w", d, k), _symbol_matrix("y", N, k)
    R = X * W - Y
    L = sum(r**2 for r in R) / N
    variable = {"W": W, "X": X, "Y": Y}[wrt]
    derived = variable.applyfunc(lambda entry: sympy.diff(L, entry))
    two_over_n = sympy.Rational(2, N)
    claimed = {"W": two_over_n * X.T * R, "X": two_over_n * R * W.T, "Y": -two_over_n * R}[wrt]
    return derived, claimed


def symbolic_gradient_check(wrt: str, N: int = 2, d: int = 2, k: int = 1) -> bool:
    """True if SymPy's entrywise derivative equals the closed-form gradient identically.

    Parameters
    ----------
    wrt, N, d, k
        As in :func:`symbolic_gradient`.

    Returns
    -------
    bool
        Whether ``derived - claimed`` expands to the zero matrix.

    Examples
    --------
    >>> symbolic_gradient_check("X", N=2, d=2, k=2)
    True
    """
    derived, claimed = symbolic_gradient(wrt, N, d, k)
    return bool((derived - claimed).expand().is_zero_matrix)
