r"""Chapter 6: the gradient of the loss derived by SymPy, in two independent ways.

* The **matrix route**: ``W``, ``X`` and ``Y`` are :class:`sympy.MatrixSymbol` objects, the loss is
  ``Trace((X W - Y)^T (X W - Y)) / N``, and SymPy's matrix calculus differentiates it with respect to the
  whole matrix ``W`` (or ``X``), for every shape at once.
* The **entry route**: ``W``, ``X`` and ``Y`` are explicit matrices of real symbols ``w_ab``, ``x_ij``,
  ``y_ij`` for one fixed shape; the loss is a polynomial, differentiated one entry at a time (chapter 9
  uses this route for ``X`` and ``Y`` too).

Limitations of SymPy's matrix calculus (version 1.14) that matter here, and how this module avoids them:

* ``expr.diff(W)`` of a *sum* of traces (``Trace(A) + Trace(B)``) silently returns 0 (SymPy issues 26561
  and 26585). :func:`differentiate` applies linearity itself and differentiates one term at a time.
* ``==`` compares expression trees, not values, and SymPy does not bring matrix expressions to a canonical
  form. :func:`symbolically_equal` expands the difference, and for concrete shapes compares the entries.
* SymPy has no Frobenius norm of a matrix expression, so the loss is written with the trace; and the NumPy
  printer of :func:`sympy.lambdify` cannot print ``Trace``, so only gradients (which contain no trace) are
  turned into NumPy functions by :func:`lambdify_gradient`.
* Explicit symbols are declared real; with complex symbols ``|x|^2`` is not ``x^2`` and derivatives fill
  with ``re``, ``im`` and ``sign``.

Every function takes and returns the matrices in the book's order ``(W, X, Y)``. This is the only module of
:mod:`matgrad` that imports SymPy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike
from sympy.matrices.expressions.matexpr import MatrixExpr

from .._checks import as_matrix, check_shapes

__all__ = [
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
]

Size = int | sp.Symbol
SymMatrix = MatrixExpr | sp.MatrixBase


# --------------------------------------------------------------------------- the matrix route


def size_symbols() -> tuple[sp.Symbol, sp.Symbol, sp.Symbol]:
    """The dimensions ``(N, d, k)`` as SymPy symbols declared positive integers."""
    return sp.symbols("N d k", integer=True, positive=True)


def matrix_symbols(N: Size, d: Size, k: Size) -> tuple[sp.MatrixSymbol, sp.MatrixSymbol, sp.MatrixSymbol]:
    """Matrix symbols ``(W, X, Y)`` of shapes (d, k), (N, d), (N, k); sizes are integers or :func:`size_symbols`.

    Examples
    --------
    >>> W, X, Y = matrix_symbols(3, 2, 1)
    >>> W.shape, X.shape, Y.shape
    ((2, 1), (3, 2), (3, 1))
    """
    return sp.MatrixSymbol("W", d, k), sp.MatrixSymbol("X", N, d), sp.MatrixSymbol("Y", N, k)


def symbolic_loss(W: sp.MatrixSymbol, X: sp.MatrixSymbol, Y: sp.MatrixSymbol) -> sp.Expr:
    """The loss in trace form, ``Trace((X W - Y)^T (X W - Y)) / N``, on matrix symbols.

    One trace around the whole product: SymPy 1.14 differentiates that correctly, whereas ``.diff`` of a
    sum of traces returns 0 (see :func:`differentiate`).

    Examples
    --------
    >>> symbolic_loss(*matrix_symbols(*size_symbols()))
    Trace((W.T*X.T - Y.T)*(X*W - Y))/N
    """
    R = X * W - Y
    return sp.Trace(R.T * R) / X.shape[0]


def expanded_trace_loss(W: sp.MatrixSymbol, X: sp.MatrixSymbol, Y: sp.MatrixSymbol) -> sp.Expr:
    """The loss expanded into four traces, as in the trace method of chapter 2.

    ``(tr(W^T X^T X W) - tr(Y^T X W) - tr(W^T X^T Y) + tr(Y^T Y)) / N``: equal to :func:`symbolic_loss`,
    but a sum of traces, which ``.diff`` of SymPy 1.14 differentiates to 0.
    """
    terms = sp.Trace(W.T * X.T * X * W) - sp.Trace(Y.T * X * W) - sp.Trace(W.T * X.T * Y) + sp.Trace(Y.T * Y)
    return sp.expand(terms / X.shape[0], deep=False)


def differentiate(expr: sp.Expr, wrt: sp.MatrixSymbol) -> MatrixExpr:
    """Gradient of a scalar matrix expression with respect to a matrix symbol, one term at a time.

    ``.diff`` of SymPy 1.14 returns 0 for a sum of traces, so linearity is applied here: the expression is
    split into its additive terms (scalar factors are distributed over sums, the inside of traces is left
    alone), each term is differentiated with ``.diff``, and the results are added. The gradient has the
    shape of ``wrt`` (denominator layout).

    Examples
    --------
    >>> W, X, Y = matrix_symbols(*size_symbols())
    >>> expr = sp.Trace(Y.T * X * W) + sp.Trace(W.T * W)
    >>> expr.diff(W)  # SymPy 1.14 on a sum of traces: wrong
    0
    >>> differentiate(expr, W)
    2*W + X.T*Y
    """
    terms = sp.Add.make_args(sp.expand(expr, deep=False))
    # a term without wrt contributes a zero matrix (its .diff would be the number 0)
    return sp.Add(*[term.diff(wrt) if term.has(wrt) else sp.ZeroMatrix(*wrt.shape) for term in terms])


def symbolic_gradient_W(W: sp.MatrixSymbol, X: sp.MatrixSymbol, Y: sp.MatrixSymbol) -> MatrixExpr:
    """SymPy's derivative of :func:`symbolic_loss` with respect to ``W``.

    Examples
    --------
    >>> symbolic_gradient_W(*matrix_symbols(*size_symbols()))
    (2/N)*X.T*(X*W - Y)
    """
    return differentiate(symbolic_loss(W, X, Y), W)


def symbolic_gradient_X(W: sp.MatrixSymbol, X: sp.MatrixSymbol, Y: sp.MatrixSymbol) -> MatrixExpr:
    """SymPy's derivative of :func:`symbolic_loss` with respect to ``X``: ``(2/N)*(X*W - Y)*W.T``."""
    return differentiate(symbolic_loss(W, X, Y), X)


# --------------------------------------------------------------------------- the book's formulas, on both routes


def formula_gradient_W(W: SymMatrix, X: SymMatrix, Y: SymMatrix) -> SymMatrix:
    """The book's formula ``(2/N) X^T (X W - Y)`` on matrix symbols or explicit matrices of symbols."""
    return sp.Integer(2) / X.shape[0] * X.T * (X * W - Y)


def formula_gradient_X(W: SymMatrix, X: SymMatrix, Y: SymMatrix) -> SymMatrix:
    """The formula ``(2/N) (X W - Y) W^T`` (see :func:`formula_gradient_W`)."""
    return sp.Integer(2) / X.shape[0] * (X * W - Y) * W.T


def formula_gradient_Y(W: SymMatrix, X: SymMatrix, Y: SymMatrix) -> SymMatrix:
    """The formula ``-(2/N) (X W - Y)`` (see :func:`formula_gradient_W`)."""
    return -sp.Integer(2) / X.shape[0] * (X * W - Y)


def formula_hessian_vec_W(X: sp.MatrixBase, k: int) -> sp.MatrixBase:
    """``(2/N) (I_k kron X^T X)``: the Hessian of the loss with respect to ``vec(W)``, for an explicit ``X``."""
    return sp.Integer(2) / X.shape[0] * sp.kronecker_product(sp.eye(k), X.T * X)


def symbolically_equal(A: SymMatrix, B: SymMatrix) -> bool:
    """Whether SymPy can show that two matrices are equal as formulas.

    Tries identical expression trees; then, for a concrete shape, whether every entry of the difference
    expands to 0 (decisive both ways for polynomial entries, whose expanded form is canonical), and for a
    symbolic shape, whether the expanded difference is the zero matrix (there only ``True`` is decisive).

    Examples
    --------
    >>> W, X, Y = matrix_symbols(3, 2, 2)
    >>> G = symbolic_gradient_W(W, X, Y)
    >>> G == sp.Rational(2, 3) * X.T * (X * W - Y), symbolically_equal(G, formula_gradient_W(W, X, Y))
    (False, True)
    """
    if tuple(A.shape) != tuple(B.shape):
        return False
    if A == B:
        return True
    if all(isinstance(n, (int, sp.Integer)) for n in A.shape):
        # a concrete shape: written out entry by entry (an entry of a matrix symbol becomes X[i, j])
        return not _differing_entries(sp.ImmutableMatrix(A), sp.ImmutableMatrix(B))
    difference = sp.expand(A - B)
    return isinstance(difference, sp.ZeroMatrix) or difference == 0


# --------------------------------------------------------------------------- the entry route


def _symbol_matrix(letter: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    """Real symbols ``letter_ij`` (indices from 1; ``letter_i,j`` when an index may have two digits)."""
    sep = "" if max(rows, cols) <= 9 else ","
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{letter}_{i + 1}{sep}{j + 1}", real=True))


def explicit_symbol_matrices(N: int, d: int, k: int) -> tuple[sp.ImmutableMatrix, ...]:
    """Explicit matrices ``(W, X, Y)`` of real scalar symbols ``w_ab``, ``x_ij``, ``y_ij`` (indices from 1)."""
    return _symbol_matrix("w", d, k), _symbol_matrix("x", N, d), _symbol_matrix("y", N, k)


def frobenius_norm_squared(M: sp.MatrixBase) -> sp.Expr:
    """``||M||_F^2`` of an explicit matrix, as a sum of squares: a polynomial even for symbols not declared real."""
    return sp.Add(*[entry**2 for entry in M])


def explicit_loss(W: sp.MatrixBase, X: sp.MatrixBase, Y: sp.MatrixBase) -> sp.Expr:
    """The loss ``(1/N) sum_ij (X W - Y)_ij^2`` on explicit matrices: a polynomial in their entries.

    Examples
    --------
    >>> explicit_loss(*explicit_symbol_matrices(1, 1, 1))
    (w_11*x_11 - y_11)**2
    """
    return frobenius_norm_squared(X * W - Y) / X.shape[0]


def entrywise_gradient(expr: sp.Expr, variable: sp.MatrixBase) -> sp.MatrixBase:
    """Differentiate a scalar expression by each entry of an explicit matrix of symbols.

    Entry ``(a, b)`` of the result is ``d expr / d variable[a, b]``: the shape of ``variable``.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> entrywise_gradient(x**2 * y, sp.Matrix([[x, y]]))
    Matrix([[2*x*y, x**2]])
    """
    return variable.applyfunc(lambda entry: sp.diff(expr, entry))


def _vec(M: sp.MatrixBase) -> list[sp.Expr]:
    """The entries of ``M`` in column-major order: ``vec(M)`` stacks the columns."""
    return [M[i, j] for j in range(M.cols) for i in range(M.rows)]


def entrywise_hessian_vec(expr: sp.Expr, variable: sp.MatrixBase) -> sp.MatrixBase:
    """Hessian of a scalar expression with respect to ``vec(variable)``: shape ``(size, size)``."""
    return sp.hessian(expr, _vec(variable))


def _differing_entries(A: sp.MatrixBase, B: sp.MatrixBase) -> list[tuple[int, int]]:
    """The indices ``(i, j)`` at which ``A[i, j] - B[i, j]`` does not expand to 0."""
    return [(i, j) for i in range(A.rows) for j in range(A.cols) if sp.expand(A[i, j] - B[i, j]) != 0]


def compare_entrywise(A: sp.MatrixBase, B: sp.MatrixBase, *, label: str = "") -> str:
    """Compare a derivative ``A`` with a candidate ``B`` entry by entry, and say what was found.

    An entry agrees when ``expand(A[i, j] - B[i, j])`` is 0. For polynomial entries this is exact: the
    expanded form of a polynomial is canonical, so a difference that does not expand to 0 is a nonzero
    polynomial.

    Examples
    --------
    >>> compare_entrywise(sp.Matrix([1, 2]), sp.Matrix([1, 3]), label="demo")
    'demo: 1 of 2 entries differ, the first at index (1, 0)'
    """
    prefix = f"{label}: " if label else ""
    if A.shape != B.shape:
        return f"{prefix}wrong shape: {B.shape} instead of {A.shape}"
    n, differing = A.rows * A.cols, _differing_entries(A, B)
    if not differing:
        return prefix + ("the only entry agrees" if n == 1 else f"all {n} entries agree")
    return f"{prefix}{len(differing)} of {n} entries differ, the first at index {differing[0]}"


_FORMULAS = {"W": formula_gradient_W, "X": formula_gradient_X, "Y": formula_gradient_Y}


def entrywise_check(N: int, d: int, k: int, *, wrt: str = "W", formula: Callable | None = None) -> str:
    """Differentiate the explicit loss by every entry of ``W``, ``X`` or ``Y`` and compare with a formula.

    ``formula(W, X, Y)`` returns the candidate gradient on explicit matrices of symbols; the default is the
    book's formula for ``wrt`` (:func:`formula_gradient_W`, :func:`formula_gradient_X`,
    :func:`formula_gradient_Y`). The verdict of :func:`compare_entrywise` is labelled ``(N, d, k)``.

    Examples
    --------
    >>> entrywise_check(3, 2, 2)
    '(3, 2, 2): all 4 entries agree'
    """
    W, X, Y = explicit_symbol_matrices(N, d, k)
    variable = {"W": W, "X": X, "Y": Y}[wrt]
    derived = entrywise_gradient(explicit_loss(W, X, Y), variable)
    candidate = (formula or _FORMULAS[wrt])(W, X, Y)
    return compare_entrywise(derived, candidate, label=str((N, d, k)))


def expanded_term_count(N: int, d: int, k: int) -> int:
    """Number of monomials of the expanded explicit loss, a measure of how the entry route grows with the shape.

    It is ``N k (d + 1)(d + 2) / 2``: each of the ``N k`` squared residuals has ``(d + 1)(d + 2) / 2``.
    """
    return len(sp.Add.make_args(sp.expand(explicit_loss(*explicit_symbol_matrices(N, d, k)))))


# --------------------------------------------------------------------------- back to numbers


def lambdify_gradient(
    gradient: MatrixExpr, W: sp.MatrixSymbol, X: sp.MatrixSymbol, Y: sp.MatrixSymbol
) -> Callable[[ArrayLike, ArrayLike, ArrayLike], np.ndarray]:
    """Turn a symbolic gradient in the matrix symbols ``W, X, Y`` into a NumPy function ``f(W, X, Y)``.

    Uses :func:`sympy.lambdify`. Symbolic sizes ``N, d, k`` take their values from the shapes of the arrays;
    concrete sizes must match them. ``gradient`` must not contain ``Trace``, which the NumPy printer of
    SymPy 1.14 cannot print.

    Examples
    --------
    >>> W, X, Y = matrix_symbols(*size_symbols())
    >>> grad = lambdify_gradient(symbolic_gradient_W(W, X, Y), W, X, Y)
    >>> grad(np.ones((1, 1)), np.array([[1.0], [2.0]]), np.zeros((2, 1)))
    array([[5.]])
    """
    sizes = (X.shape[0], X.shape[1], W.shape[1])  # N, d, k: symbols or numbers
    symbolic = [size for size in sizes if isinstance(size, sp.Symbol)]
    function = sp.lambdify([W, X, Y, *symbolic], gradient, modules="numpy")

    def numeric_gradient(W_: ArrayLike, X_: ArrayLike, Y_: ArrayLike) -> np.ndarray:
        W_, X_, Y_ = as_matrix("W", W_), as_matrix("X", X_), as_matrix("Y", Y_)
        check_shapes(W_, X_, Y_)
        actual = (X_.shape[0], X_.shape[1], W_.shape[1])
        for name, size, value in zip("Ndk", sizes, actual, strict=True):
            if not isinstance(size, sp.Symbol) and size != value:
                raise ValueError(f"the symbols have {name} = {size}, but the arrays have {name} = {value}")
        values = [value for size, value in zip(sizes, actual, strict=True) if isinstance(size, sp.Symbol)]
        return np.asarray(function(W_, X_, Y_, *values))

    numeric_gradient.__doc__ = f"NumPy evaluation of the SymPy expression {gradient}."
    return numeric_gradient
