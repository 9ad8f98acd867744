r"""Symbolic verification of the gradient with SymPy.

Two independent routes lead from the loss to its gradient:

* the **matrix route**: ``X``, ``W`` and ``Y`` are :class:`sympy.MatrixSymbol`
  objects (matrices known only by name and shape), the loss is written as
  ``Trace((X W - Y)^T (X W - Y)) / N`` and SymPy's matrix calculus
  differentiates it with respect to the whole matrix ``W`` (or ``X``) at once,
  for every shape at the same time;
* the **entry route**: ``X``, ``W`` and ``Y`` are explicit matrices of real
  scalar symbols ``x_ij``, ``w_ab``, ``y_ij`` for one fixed shape; the loss is an
  ordinary polynomial and is differentiated one entry ``w_ab`` at a time, with
  nothing but the calculus of one variable.

Both results are compared with the book's formulas
``dL/dW = (2/N) X^T (X W - Y)`` and ``dL/dX = (2/N) (X W - Y) W^T``.

Limitations of SymPy's matrix calculus (version 1.14) that matter here, and
how this module avoids them:

* ``expr.diff(W)`` of a *sum* of traces (``Trace(A) + Trace(B)``) silently
  returns 0 (SymPy issues 26561 and 26585). :func:`differentiate` applies
  linearity itself and differentiates one additive term at a time.
* ``==`` compares expression trees, not values, and SymPy does not bring
  matrix expressions to a canonical form. :func:`symbolically_equal` expands
  the difference, and for concrete shapes compares the entries.
* SymPy has no Frobenius norm of a matrix expression, so the loss is written
  with the trace; and the NumPy printer of :func:`sympy.lambdify` cannot print
  ``Trace``, so only gradients (which contain no trace) are turned into NumPy
  functions by :func:`lambdify_gradient`.
* Explicit symbols are declared real; with complex symbols ``|x|^2`` is not
  ``x^2`` and derivatives fill with ``re``, ``im`` and ``sign``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike
from sympy.matrices.expressions.matexpr import MatrixExpr

from .._old_checks import as_numeric_array, check_regression_shapes

__all__ = [
    "EntrywiseComparison",
    "compare_entrywise",
    "differentiate",
    "entrywise_check",
    "entrywise_gradient",
    "entrywise_hessian_vec",
    "expanded_term_count",
    "expanded_trace_loss",
    "explicit_loss",
    "explicit_symbol_matrices",
    "formula_gradient_W",
    "formula_gradient_X",
    "formula_gradient_Y",
    "formula_hessian_vec_W",
    "frobenius_norm_squared",
    "lambdify_gradient",
    "matrix_symbols",
    "size_symbols",
    "symbolic_gradient_W",
    "symbolic_gradient_X",
    "symbolic_loss",
    "symbolically_equal",
    "verify_entrywise",
]

Size = int | sp.Symbol
SymMatrix = MatrixExpr | sp.MatrixBase
_VARIABLES = ("W", "X", "Y")


# --------------------------------------------------------------------------- input checks


def _check_size(name: str, value: object, *, allow_symbol: bool) -> int | sp.Symbol:
    """Return a valid matrix dimension: a positive integer, or (if allowed) a positive integer Symbol."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a positive integer, but it is the boolean {value!r}")
    if isinstance(value, sp.Integer):
        value = int(value)
    if isinstance(value, numbers.Integral):
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, but it is {value!r}")
        return int(value)
    if isinstance(value, sp.Symbol):
        if not allow_symbol:
            raise TypeError(f"{name} must be a concrete positive integer here, but it is the symbol {value}")
        if not (value.is_integer and value.is_positive):
            raise ValueError(
                f"{name} is the symbol {value}, which is not known to be a positive integer; "
                f"declare it with sympy.Symbol({str(value)!r}, integer=True, positive=True)"
            )
        return value
    kind = "a positive integer or a positive integer sympy.Symbol" if allow_symbol else "a positive integer"
    raise TypeError(f"{name} must be {kind}, but it is {value!r} of type {type(value).__name__}")


def _check_sizes(N: object, d: object, k: object, *, allow_symbol: bool) -> tuple:
    return tuple(_check_size(name, value, allow_symbol=allow_symbol) for name, value in (("N", N), ("d", d), ("k", k)))


def _is_matrix(value: object) -> bool:
    return isinstance(value, (MatrixExpr, sp.MatrixBase))


def _require_matrix(name: str, value: object) -> None:
    if not _is_matrix(value):
        raise TypeError(
            f"{name} must be a SymPy matrix (MatrixSymbol, matrix expression or Matrix), "
            f"but it is {value!r} of type {type(value).__name__}"
        )


def _check_symbolic_shapes(X, W, Y) -> None:
    """The shape rules of check_regression_shapes, for SymPy matrices (dimensions may be symbols)."""
    for name, value in (("X", X), ("W", W), ("Y", Y)):
        _require_matrix(name, value)
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X has shape {X.shape} but W has shape {W.shape}: X.shape[1] must equal W.shape[0]")
    expected = (X.shape[0], W.shape[1])
    if tuple(Y.shape) != expected:
        raise ValueError(
            f"Y has shape {Y.shape} but X has shape {X.shape} and W has shape {W.shape}: "
            f"Y must have shape {expected} (rows of X by columns of W)"
        )


def _require_matrix_symbols(X, W, Y) -> None:
    _check_symbolic_shapes(X, W, Y)
    for name, value in (("X", X), ("W", W), ("Y", Y)):
        if isinstance(value, sp.MatrixBase):
            raise TypeError(
                f"{name} is an explicit Matrix; the matrix route needs MatrixSymbols "
                "(use matrix_symbols, or explicit_loss for explicit matrices)"
            )


def _require_explicit(X, W, Y) -> None:
    _check_symbolic_shapes(X, W, Y)
    for name, value in (("X", X), ("W", W), ("Y", Y)):
        if not isinstance(value, sp.MatrixBase):
            raise TypeError(
                f"{name} must be an explicit sympy Matrix (see explicit_symbol_matrices), "
                f"but it is {value!r} of type {type(value).__name__}"
            )


# --------------------------------------------------------------------------- the matrix route


def size_symbols() -> tuple[sp.Symbol, sp.Symbol, sp.Symbol]:
    """The dimensions ``N, d, k`` as SymPy symbols declared positive integers.

    Returns
    -------
    tuple of sympy.Symbol
        ``(N, d, k)``.
    """
    return sp.symbols("N d k", integer=True, positive=True)


def matrix_symbols(N: Size, d: Size, k: Size) -> tuple[sp.MatrixSymbol, sp.MatrixSymbol, sp.MatrixSymbol]:
    """Matrix symbols ``X`` (N x d), ``W`` (d x k) and ``Y`` (N x k).

    Parameters
    ----------
    N, d, k : int or sympy.Symbol
        Positive integers, or symbols declared ``integer=True, positive=True``
        (see :func:`size_symbols`) for a statement about every shape at once.

    Returns
    -------
    tuple of sympy.MatrixSymbol
        ``(X, W, Y)``.

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive integer (or such a symbol).

    Examples
    --------
    >>> X, W, Y = matrix_symbols(3, 2, 1)
    >>> X.shape, W.shape, Y.shape
    ((3, 2), (2, 1), (3, 1))
    """
    N, d, k = _check_sizes(N, d, k, allow_symbol=True)
    return sp.MatrixSymbol("X", N, d), sp.MatrixSymbol("W", d, k), sp.MatrixSymbol("Y", N, k)


def symbolic_loss(X: sp.MatrixSymbol, W: sp.MatrixSymbol, Y: sp.MatrixSymbol) -> sp.Expr:
    """The loss in trace form, ``Trace((X W - Y)^T (X W - Y)) / N``, on matrix symbols.

    One trace around the whole product: SymPy 1.14 differentiates that
    correctly, whereas a sum of several traces is differentiated to 0 by
    ``.diff`` (see :func:`differentiate`).

    Parameters
    ----------
    X, W, Y : sympy.MatrixSymbol (or matrix expressions)
        Of shapes (N, d), (d, k), (N, k), as returned by :func:`matrix_symbols`.

    Returns
    -------
    sympy.Expr
        A scalar expression.

    Examples
    --------
    >>> symbolic_loss(*matrix_symbols(*size_symbols()))
    Trace((W.T*X.T - Y.T)*(X*W - Y))/N
    """
    _require_matrix_symbols(X, W, Y)
    R = X * W - Y
    return sp.Trace(R.T * R) / X.shape[0]


def expanded_trace_loss(X: sp.MatrixSymbol, W: sp.MatrixSymbol, Y: sp.MatrixSymbol) -> sp.Expr:
    """The loss expanded into four traces, as in the trace method of the thread.

    ``(tr(W^T X^T X W) - tr(Y^T X W) - tr(W^T X^T Y) + tr(Y^T Y)) / N``. Equal to
    :func:`symbolic_loss`, but a sum of traces, which ``.diff`` of SymPy 1.14
    differentiates to 0; :func:`differentiate` handles it.

    Parameters
    ----------
    X, W, Y : sympy.MatrixSymbol
        As in :func:`symbolic_loss`.

    Returns
    -------
    sympy.Expr
        A scalar expression (a sum of four terms).
    """
    _require_matrix_symbols(X, W, Y)
    terms = sp.Trace(W.T * X.T * X * W) - sp.Trace(Y.T * X * W) - sp.Trace(W.T * X.T * Y) + sp.Trace(Y.T * Y)
    return sp.expand(terms / X.shape[0], deep=False)


def differentiate(expr: sp.Expr, wrt: sp.MatrixSymbol) -> MatrixExpr:
    """Derivative of a scalar matrix expression with respect to a matrix symbol, term by term.

    The expression is split into its additive terms (after distributing scalar
    factors over sums, without touching the inside of traces), each term is
    differentiated with SymPy's ``.diff`` and the results are added. This is
    linearity of the derivative, applied here because ``.diff`` of SymPy 1.14
    returns 0 for a sum of traces. A single term gives exactly ``expr.diff(wrt)``.

    Parameters
    ----------
    expr : sympy.Expr
        A scalar expression built from matrix symbols (traces, products, ...).
    wrt : sympy.MatrixSymbol
        The matrix to differentiate with respect to.

    Returns
    -------
    sympy.MatrixExpr
        The gradient, with the shape of ``wrt`` (denominator layout).

    Examples
    --------
    >>> X, W, Y = matrix_symbols(*size_symbols())
    >>> expr = sp.Trace(Y.T * X * W) + sp.Trace(W.T * W)
    >>> expr.diff(W)  # SymPy 1.14 on a sum of traces: wrong
    0
    >>> differentiate(expr, W)
    2*W + X.T*Y
    """
    if not isinstance(wrt, sp.MatrixSymbol):
        raise TypeError(f"wrt must be a sympy.MatrixSymbol, but it is {wrt!r} of type {type(wrt).__name__}")
    if _is_matrix(expr):
        raise TypeError(
            f"expr must be a scalar expression, but it is a matrix of shape {expr.shape}; "
            "the derivative of a matrix by a matrix is a 4-index array, not a gradient"
        )
    expr = sp.sympify(expr)
    terms = sp.Add.make_args(sp.expand(expr, deep=False))
    parts = [term.diff(wrt) if term.has(wrt) else sp.ZeroMatrix(*wrt.shape) for term in terms]
    return sp.Add(*parts)


def symbolic_gradient_W(X: sp.MatrixSymbol, W: sp.MatrixSymbol, Y: sp.MatrixSymbol) -> MatrixExpr:
    """SymPy's derivative of :func:`symbolic_loss` with respect to ``W``.

    Parameters
    ----------
    X, W, Y : sympy.MatrixSymbol
        As in :func:`symbolic_loss`.

    Returns
    -------
    sympy.MatrixExpr
        A matrix expression of the shape of ``W``.

    Examples
    --------
    >>> X, W, Y = matrix_symbols(*size_symbols())
    >>> symbolic_gradient_W(X, W, Y)
    (2/N)*X.T*(X*W - Y)
    """
    return differentiate(symbolic_loss(X, W, Y), W)


def symbolic_gradient_X(X: sp.MatrixSymbol, W: sp.MatrixSymbol, Y: sp.MatrixSymbol) -> MatrixExpr:
    """SymPy's derivative of :func:`symbolic_loss` with respect to ``X``.

    Parameters
    ----------
    X, W, Y : sympy.MatrixSymbol
        As in :func:`symbolic_loss`.

    Returns
    -------
    sympy.MatrixExpr
        A matrix expression of the shape of ``X``.

    Examples
    --------
    >>> X, W, Y = matrix_symbols(*size_symbols())
    >>> symbolic_gradient_X(X, W, Y)
    (2/N)*(X*W - Y)*W.T
    """
    return differentiate(symbolic_loss(X, W, Y), X)


# --------------------------------------------------------------------------- the book's formulas (both routes)


def _two_over_N(X) -> sp.Expr:
    return sp.Integer(2) / X.shape[0]


def formula_gradient_W(X: SymMatrix, W: SymMatrix, Y: SymMatrix) -> SymMatrix:
    """The book's formula ``(2/N) X^T (X W - Y)`` on SymPy matrices.

    Works on matrix symbols (giving a matrix expression) and on explicit
    matrices of symbols (giving an explicit matrix).

    Parameters
    ----------
    X, W, Y : sympy.MatrixSymbol or sympy.Matrix
        Of shapes (N, d), (d, k), (N, k).

    Returns
    -------
    sympy.MatrixExpr or sympy.ImmutableMatrix
        Of the shape of ``W``.
    """
    _check_symbolic_shapes(X, W, Y)
    return _explicit_if(_two_over_N(X) * X.T * (X * W - Y), X, W, Y)


def formula_gradient_X(X: SymMatrix, W: SymMatrix, Y: SymMatrix) -> SymMatrix:
    """The formula ``(2/N) (X W - Y) W^T`` on SymPy matrices (see :func:`formula_gradient_W`)."""
    _check_symbolic_shapes(X, W, Y)
    return _explicit_if(_two_over_N(X) * (X * W - Y) * W.T, X, W, Y)


def formula_gradient_Y(X: SymMatrix, W: SymMatrix, Y: SymMatrix) -> SymMatrix:
    """The formula ``-(2/N) (X W - Y)`` on SymPy matrices (see :func:`formula_gradient_W`)."""
    _check_symbolic_shapes(X, W, Y)
    return _explicit_if(-_two_over_N(X) * (X * W - Y), X, W, Y)


def _explicit_if(result, *operands):
    """Keep explicit input explicit (and immutable) in the output."""
    if all(isinstance(m, sp.MatrixBase) for m in operands):
        return sp.ImmutableMatrix(result)
    return result


def symbolically_equal(A: SymMatrix, B: SymMatrix) -> bool:
    """Whether SymPy can show that two matrices are equal as formulas.

    Tries, in order: identical expression trees; the expanded difference is
    the zero matrix; and, when the shape is concrete, every entry of the
    expanded explicit difference is 0. When the entries are polynomials in the
    matrix entries (as for every gradient and formula of this module),
    expanding brings them to a canonical form, so for a concrete shape
    ``True`` and ``False`` are both decisive. For symbolic shapes ``True`` is a
    proof, while ``False`` means only that expanding did not cancel the
    difference.

    Parameters
    ----------
    A, B : sympy.MatrixExpr or sympy.Matrix
        Matrices of the same shape.

    Returns
    -------
    bool

    Examples
    --------
    >>> X, W, Y = matrix_symbols(3, 2, 2)
    >>> G = symbolic_gradient_W(X, W, Y)
    >>> G == sp.Rational(2, 3) * X.T * (X * W - Y), symbolically_equal(G, formula_gradient_W(X, W, Y))
    (False, True)
    """
    _require_matrix("A", A)
    _require_matrix("B", B)
    if tuple(A.shape) != tuple(B.shape):
        return False
    if A == B:
        return True
    if not isinstance(A, sp.MatrixBase) and not isinstance(B, sp.MatrixBase):
        difference = sp.expand(A - B)
        if isinstance(difference, sp.ZeroMatrix) or difference == 0:
            return True
    if all(isinstance(n, (int, sp.Integer)) for n in A.shape):
        entries = _entries_of_matrix_symbols(A, B)
        return compare_entrywise(_as_explicit(A, entries), _as_explicit(B, entries)).ok
    return False


def _entries_of_matrix_symbols(*matrices) -> dict:
    """An explicit matrix of fresh scalar symbols for every matrix symbol of concrete shape."""
    found = set().union(*(M.atoms(sp.MatrixSymbol) for M in matrices))
    return {
        M: sp.ImmutableMatrix(*M.shape, lambda i, j, name=M.name: sp.Dummy(f"{name}_{i + 1}{j + 1}"))
        for M in sorted(found, key=str)
        if all(isinstance(n, (int, sp.Integer)) for n in M.shape)
    }


def _as_explicit(M, entries: dict) -> sp.ImmutableMatrix:
    """Write out a matrix of concrete shape, with matrix symbols replaced by explicit matrices of symbols."""
    if not isinstance(M, sp.MatrixBase):
        replaced = M.xreplace(entries).doit() if entries else M
        M = replaced if isinstance(replaced, sp.MatrixBase) else M.as_explicit()
    return sp.ImmutableMatrix(M)


# --------------------------------------------------------------------------- the entry route


def _entry_symbol(letter: str, i: int, j: int, rows: int, cols: int) -> sp.Symbol:
    index = f"{i + 1}{j + 1}" if max(rows, cols) <= 9 else f"{i + 1},{j + 1}"
    return sp.Symbol(f"{letter}_{index}", real=True)


def _symbol_matrix(letter: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(rows, cols, lambda i, j: _entry_symbol(letter, i, j, rows, cols))


def explicit_symbol_matrices(
    N: int, d: int, k: int
) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix, sp.ImmutableMatrix]:
    """Explicit matrices of real scalar symbols ``x_ij``, ``w_ab``, ``y_ij`` (indices from 1).

    Parameters
    ----------
    N, d, k : int
        Positive integers (a concrete shape).

    Returns
    -------
    tuple of sympy.ImmutableMatrix
        ``(X, W, Y)`` of shapes (N, d), (d, k), (N, k). With a dimension
        above 9 the two indices are separated by a comma (``x_1,12``).

    Examples
    --------
    >>> X, W, Y = explicit_symbol_matrices(2, 2, 1)
    >>> W
    Matrix([
    [w_11],
    [w_21]])
    """
    N, d, k = _check_sizes(N, d, k, allow_symbol=False)
    return _symbol_matrix("x", N, d), _symbol_matrix("w", d, k), _symbol_matrix("y", N, k)


def frobenius_norm_squared(M: sp.MatrixBase) -> sp.Expr:
    """``||M||_F^2``, the sum of the squares of the entries of an explicit matrix.

    Written as a sum of squares (not ``M.norm()**2``), so that it is a
    polynomial even for symbols that are not declared real.

    Examples
    --------
    >>> frobenius_norm_squared(sp.Matrix([[1, 2], [3, 4]]))
    30
    """
    if not isinstance(M, sp.MatrixBase):
        raise TypeError(f"M must be an explicit sympy Matrix, but it is {M!r} of type {type(M).__name__}")
    return sp.Add(*[entry**2 for entry in M])


def explicit_loss(X: sp.MatrixBase, W: sp.MatrixBase, Y: sp.MatrixBase) -> sp.Expr:
    """The loss ``(1/N) sum_ij (X W - Y)_ij^2`` on explicit matrices: a polynomial.

    Parameters
    ----------
    X, W, Y : sympy.Matrix
        Explicit matrices of shapes (N, d), (d, k), (N, k), e.g. from
        :func:`explicit_symbol_matrices`.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> explicit_loss(*explicit_symbol_matrices(1, 1, 1))
    (w_11*x_11 - y_11)**2
    """
    _require_explicit(X, W, Y)
    return frobenius_norm_squared(X * W - Y) / X.shape[0]


def entrywise_gradient(loss_expr: sp.Expr, variable: sp.MatrixBase) -> sp.ImmutableMatrix:
    """Differentiate a scalar expression by each entry of an explicit matrix of symbols.

    Parameters
    ----------
    loss_expr : sympy.Expr
        A scalar expression.
    variable : sympy.Matrix
        An explicit matrix whose entries are distinct symbols.

    Returns
    -------
    sympy.ImmutableMatrix
        Entry ``(a, b)`` is ``d loss_expr / d variable[a, b]``; the shape of
        ``variable`` (denominator layout).

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> entrywise_gradient(x**2 * y, sp.Matrix([[x, y]]))
    Matrix([[2*x*y, x**2]])
    """
    if not isinstance(variable, sp.MatrixBase):
        raise TypeError(
            f"variable must be an explicit sympy Matrix of symbols, but it is {variable!r} "
            f"of type {type(variable).__name__}"
        )
    not_symbols = [entry for entry in variable if not isinstance(entry, sp.Symbol)]
    if not_symbols:
        raise ValueError(f"every entry of variable must be a symbol, but it contains {not_symbols[0]!r}")
    if len(set(variable)) != len(variable):
        raise ValueError("the entries of variable must be distinct symbols")
    if _is_matrix(loss_expr):
        raise TypeError(f"loss_expr must be a scalar expression, but it is a matrix of shape {loss_expr.shape}")
    loss_expr = sp.sympify(loss_expr)
    rows, cols = variable.shape
    return sp.ImmutableMatrix(rows, cols, lambda a, b: sp.diff(loss_expr, variable[a, b]))


@dataclass(frozen=True)
class EntrywiseComparison:
    """Result of :func:`compare_entrywise`; ``bool(result)`` is ``result.ok``.

    Attributes
    ----------
    shape : tuple of int
        Shape of the compared matrices.
    n_entries : int
        Number of entries compared.
    mismatches : tuple of (int, int)
        Indices (from 0) of the entries whose difference does not expand to 0.
    label : str
        Printed in front of the verdict (e.g. the problem's ``(N, d, k)``).
    other_shape : tuple of int or None
        The shape of the candidate when it differs from ``shape`` (then every
        entry counts as a mismatch).
    """

    shape: tuple[int, int]
    n_entries: int
    mismatches: tuple[tuple[int, int], ...]
    label: str = ""
    other_shape: tuple[int, int] | None = None

    @property
    def ok(self) -> bool:
        """True when every entry agrees."""
        return not self.mismatches

    def __bool__(self) -> bool:
        return self.ok

    def verdict(self) -> str:
        """A one-line verdict, e.g. ``(3, 2, 2): all 4 entries agree``."""
        prefix = f"{self.label}: " if self.label else ""
        if self.other_shape is not None:
            return f"{prefix}wrong shape: {self.other_shape} instead of {self.shape}"
        if self.ok:
            return prefix + ("the only entry agrees" if self.n_entries == 1 else f"all {self.n_entries} entries agree")
        return (
            f"{prefix}{len(self.mismatches)} of {self.n_entries} entries differ, "
            f"the first at index {self.mismatches[0]}"
        )


def compare_entrywise(A: sp.MatrixBase, B: sp.MatrixBase, *, label: str = "") -> EntrywiseComparison:
    """Compare two explicit matrices entry by entry: does ``expand(A[i, j] - B[i, j])`` vanish?

    For polynomial entries (with rational coefficients) this is exact: the
    expanded form of a polynomial is canonical, so a difference that does not
    expand to 0 is a nonzero polynomial.

    Parameters
    ----------
    A, B : sympy.Matrix
        Explicit matrices of the same shape.
    label : str, optional
        Printed in front of the verdict.

    Returns
    -------
    EntrywiseComparison

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    for name, value in (("A", A), ("B", B)):
        if not isinstance(value, sp.MatrixBase):
            raise TypeError(
                f"{name} must be an explicit sympy Matrix, but it is {value!r} of type {type(value).__name__}"
            )
    if A.shape != B.shape:
        raise ValueError(f"A has shape {A.shape} but B has shape {B.shape}: cannot compare entry by entry")
    rows, cols = A.shape
    mismatches = tuple((i, j) for i in range(rows) for j in range(cols) if sp.expand(A[i, j] - B[i, j]) != 0)
    return EntrywiseComparison(shape=(rows, cols), n_entries=rows * cols, mismatches=mismatches, label=label)


_FORMULAS = {"W": formula_gradient_W, "X": formula_gradient_X, "Y": formula_gradient_Y}


def entrywise_check(
    N: int,
    d: int,
    k: int,
    *,
    wrt: str = "W",
    formula: Callable | None = None,
) -> EntrywiseComparison:
    """Differentiate the explicit loss entry by entry and compare with a formula.

    Parameters
    ----------
    N, d, k : int
        The shape of the problem.
    wrt : {"W", "X", "Y"}
        The variable to differentiate with respect to.
    formula : callable, optional
        ``formula(X, W, Y)`` returning a candidate gradient (an explicit matrix)
        on explicit symbol matrices. Default: the book's formula for ``wrt``
        (:func:`formula_gradient_W`, :func:`formula_gradient_X`,
        :func:`formula_gradient_Y`).

    Returns
    -------
    EntrywiseComparison
        Labelled with ``(N, d, k)``.

    Examples
    --------
    >>> entrywise_check(3, 2, 2).verdict()
    '(3, 2, 2): all 4 entries agree'
    """
    if wrt not in _FORMULAS:
        raise ValueError(f"wrt must be one of {list(_FORMULAS)}, but it is {wrt!r}")
    if formula is None:
        formula = _FORMULAS[wrt]
    elif not callable(formula):
        raise TypeError(f"formula must be callable as formula(X, W, Y), but it is {formula!r}")
    X, W, Y = explicit_symbol_matrices(N, d, k)
    variable = {"W": W, "X": X, "Y": Y}[wrt]
    by_entries = entrywise_gradient(explicit_loss(X, W, Y), variable)
    candidate = formula(X, W, Y)
    if not isinstance(candidate, sp.MatrixBase):
        raise TypeError(f"formula must return an explicit sympy Matrix, but it returned {type(candidate).__name__}")
    label = str((N, d, k))
    if candidate.shape != by_entries.shape:
        every = tuple((i, j) for i in range(by_entries.rows) for j in range(by_entries.cols))
        return EntrywiseComparison(by_entries.shape, len(every), every, label, other_shape=candidate.shape)
    return compare_entrywise(by_entries, candidate, label=label)


def verify_entrywise(N: int, d: int, k: int, *, wrt: str = "W", formula: Callable | None = None) -> bool:
    """True when the entry-by-entry derivative equals the formula for this shape (see :func:`entrywise_check`).

    Examples
    --------
    >>> verify_entrywise(2, 3, 1), verify_entrywise(2, 3, 1, wrt="X")
    (True, True)
    """
    return entrywise_check(N, d, k, wrt=wrt, formula=formula).ok


def expanded_term_count(N: int, d: int, k: int) -> int:
    """Number of monomials of the fully expanded explicit loss for the shape ``(N, d, k)``.

    It is ``N k (d + 1)(d + 2) / 2``: each of the ``N k`` squared residuals
    contributes ``(d + 1)(d + 2) / 2`` distinct monomials. A measure of how the
    entry route grows with the shape.

    Examples
    --------
    >>> expanded_term_count(2, 3, 1)
    20
    """
    X, W, Y = explicit_symbol_matrices(N, d, k)
    return len(sp.Add.make_args(sp.expand(explicit_loss(X, W, Y))))


def _vec(M: sp.MatrixBase) -> list[sp.Expr]:
    """Column-major (Fortran order) list of the entries: vec(M) stacks the columns."""
    return [M[i, j] for j in range(M.cols) for i in range(M.rows)]


def entrywise_hessian_vec(loss_expr: sp.Expr, variable: sp.MatrixBase) -> sp.ImmutableMatrix:
    """Hessian of a scalar expression with respect to ``vec(variable)`` (columns stacked).

    Parameters
    ----------
    loss_expr : sympy.Expr
        A scalar expression.
    variable : sympy.Matrix
        An explicit matrix of distinct symbols, e.g. ``W`` (d x k).

    Returns
    -------
    sympy.ImmutableMatrix
        Of shape (d k, d k); entry ``(p, q)`` is the second derivative by the
        p-th and q-th entries of ``vec(variable)``.
    """
    entrywise_gradient(loss_expr, variable)  # the same input checks
    return sp.ImmutableMatrix(sp.hessian(sp.sympify(loss_expr), _vec(variable)))


def formula_hessian_vec_W(X: sp.MatrixBase, k: int) -> sp.ImmutableMatrix:
    """``(2/N) (I_k kron X^T X)``: the Hessian of the loss with respect to ``vec(W)``.

    Parameters
    ----------
    X : sympy.Matrix
        Explicit data matrix (N x d).
    k : int
        Number of columns of ``W``.

    Returns
    -------
    sympy.ImmutableMatrix
        Of shape (d k, d k).
    """
    if not isinstance(X, sp.MatrixBase):
        raise TypeError(f"X must be an explicit sympy Matrix, but it is {X!r} of type {type(X).__name__}")
    k = _check_size("k", k, allow_symbol=False)
    return sp.ImmutableMatrix(_two_over_N(X) * sp.kronecker_product(sp.eye(k), X.T * X))


# --------------------------------------------------------------------------- back to numbers


def lambdify_gradient(
    gradient: MatrixExpr, X: sp.MatrixSymbol, W: sp.MatrixSymbol, Y: sp.MatrixSymbol
) -> Callable[..., np.ndarray]:
    """Turn a symbolic gradient into a NumPy function ``f(W, X, Y) -> ndarray``.

    Uses :func:`sympy.lambdify`. The returned function checks its input like
    :func:`matgrad.grad_W` (numeric, finite, matching shapes; 2-D ``W`` and
    ``Y`` because the symbols are matrices) and takes the values of symbolic
    dimensions ``N, d, k`` from the shapes of the arrays.

    Parameters
    ----------
    gradient : sympy.MatrixExpr
        An expression in the matrix symbols ``X, W, Y`` (and their dimension
        symbols) only. It must not contain ``Trace``, which the NumPy printer of
        SymPy 1.14 cannot print.
    X, W, Y : sympy.MatrixSymbol
        The symbols used in ``gradient`` (from :func:`matrix_symbols`).

    Returns
    -------
    callable
        ``f(W, X, Y, *, check_finite=True) -> numpy.ndarray`` of shape ``gradient.shape``.

    Raises
    ------
    ValueError
        If ``gradient`` contains other symbols.
    """
    _require_matrix_symbols(X, W, Y)
    for name, value in (("X", X), ("W", W), ("Y", Y)):
        if not isinstance(value, sp.MatrixSymbol):
            raise TypeError(f"{name} must be a sympy.MatrixSymbol, but it is {type(value).__name__}")
    _require_matrix("gradient", gradient)
    sizes = {"N": X.shape[0], "d": X.shape[1], "k": W.shape[1]}
    size_symbols_used = {name: s for name, s in sizes.items() if isinstance(s, sp.Symbol)}
    allowed = {X, W, Y, *size_symbols_used.values()}
    extra = sorted(str(s) for s in gradient.free_symbols - allowed)
    if extra:
        raise ValueError(f"gradient contains symbols other than X, W, Y and their sizes: {', '.join(extra)}")
    if gradient.has(sp.Trace):
        raise ValueError("gradient contains a Trace, which sympy.lambdify cannot turn into NumPy code")
    names = list(size_symbols_used)
    function = sp.lambdify([W, X, Y, *size_symbols_used.values()], gradient, modules="numpy")
    concrete = {name: s for name, s in sizes.items() if not isinstance(s, sp.Symbol)}

    def numeric_gradient(W_: ArrayLike, X_: ArrayLike, Y_: ArrayLike, *, check_finite: bool = True) -> np.ndarray:
        Wn, Xn, Yn = (
            as_numeric_array(n, v, check_finite=check_finite) for n, v in zip(_VARIABLES, (W_, X_, Y_), strict=True)
        )
        check_regression_shapes(Wn, Xn, Yn)
        if Wn.ndim != 2:
            raise ValueError(f"W has shape {Wn.shape}: the symbolic gradient needs a 2-D W of shape (d, k)")
        values = {"N": Xn.shape[0], "d": Xn.shape[1], "k": Wn.shape[1]}
        for name, size in concrete.items():
            if values[name] != size:
                raise ValueError(
                    f"the symbols have {name} = {size}, but X has shape {Xn.shape} and W has shape {Wn.shape}"
                )
        result = np.asarray(function(Wn, Xn, Yn, *(values[n] for n in names)))
        expected = tuple(int(sp.sympify(n).subs(_size_subs(sizes, values))) for n in gradient.shape)
        if result.shape != expected:  # e.g. a constant gradient that lambdify returned as a scalar
            result = np.broadcast_to(result, expected).copy()
        return result

    numeric_gradient.__doc__ = f"NumPy evaluation of the SymPy expression {gradient}."
    return numeric_gradient


def _size_subs(sizes: dict, values: dict) -> dict:
    return {s: values[name] for name, s in sizes.items() if isinstance(s, sp.Symbol)}
