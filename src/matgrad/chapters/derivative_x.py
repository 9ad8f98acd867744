r"""Chapter 9: the shape of every derivative of the loss in the book, computed and checked.

:func:`gradient_shapes_table` computes each derivative of the least-squares loss that the book uses on a
small random problem, records its shape next to the shape the formula predicts, and checks its *value*
against finite differences, so that the printed table cannot drift from the code. Gradients have the shape
of their variable (denominator layout); Jacobians and Hessians act on ``vec`` of their variable, with
``vec`` column-major (Fortran order).

The chapter's symbolic check, SymPy's derivative by every entry of ``X`` or ``Y``, is
:func:`matgrad.chapters.symbolic.entrywise_check`, with the rest of SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import positive_int
from ..finite_differences import numerical_hessian, numerical_jacobian
from ..gradient_check import check_gradient
from ..least_squares import grad_W, grad_X, grad_Y, loss, residual
from .first_order import vec
from .hessian import hessian_vector_product, hessian_W

__all__ = ["ShapeRow", "format_shapes_table", "gradient_shapes_table"]


@dataclass(frozen=True)
class ShapeRow:
    """One derivative of the loss: what it is, its formula, its shape, and whether it checked out.

    ``expected`` is ``shape_formula`` (e.g. ``"d x k"``) evaluated at the sample sizes, ``shape`` the shape
    of the array the code computed, and ``verified`` is true when the two shapes are equal *and* the
    computed values agree with finite differences.
    """

    name: str
    formula: str
    shape_formula: str
    expected: tuple[int, ...]
    shape: tuple[int, ...]
    verified: bool


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Agreement up to the rounding of finite differences (exact up to rounding for these affine maps)."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-8 * max(1.0, float(np.abs(b).max()))))


def gradient_shapes_table(N: int = 5, d: int = 3, k: int = 2, *, seed: int = 0) -> list[ShapeRow]:
    r"""Compute every derivative of the loss the book uses and check its shape and value.

    On a random problem of the given sizes (distinct sizes make the shapes unambiguous), each derivative is
    computed with :mod:`matgrad` or from its closed form and compared with finite differences: gradients
    with :func:`matgrad.check_gradient`, Jacobians and Hessians with
    :func:`matgrad.finite_differences.numerical_jacobian` and
    :func:`~matgrad.finite_differences.numerical_hessian`.

    Examples
    --------
    >>> rows = gradient_shapes_table(5, 3, 2)
    >>> [(r.name, r.shape) for r in rows[:3]]
    [('dL/dW', (3, 2)), ('dL/dX', (5, 3)), ('dL/dY', (5, 2))]
    >>> all(r.verified for r in rows)
    True
    """
    N, d, k = positive_int("N", N), positive_int("d", d), positive_int("k", k)
    rng = np.random.default_rng(seed)
    X, W, Y, V = (rng.standard_normal(s) for s in ((N, d), (d, k), (N, k), (d, k)))
    R = residual(W, X, Y)
    gW, gX, gY, gR = grad_W(W, X, Y), grad_X(W, X, Y), grad_Y(W, X, Y), 2.0 / N * R
    J_W, J_X = np.kron(np.eye(k), X), np.kron(W.T, np.eye(N))
    H_W, HV, H_X = hessian_W(X, k), hessian_vector_product(V, X), 2.0 / N * np.kron(W @ W.T, np.eye(N))
    H_W_numerical = numerical_hessian(grad_W, W, args=(X, Y))

    # (name, formula, shape formula, expected shape, computed value, values agree with finite differences)
    table = [
        ("dL/dW", "(2/N) X^T R", "d x k", (d, k), gW, check_gradient(lambda w: loss(w, X, Y), lambda w: gW, W).ok),
        ("dL/dX", "(2/N) R W^T", "N x d", (N, d), gX, check_gradient(lambda x: loss(W, x, Y), lambda x: gX, X).ok),
        ("dL/dY", "-(2/N) R", "N x k", (N, k), gY, check_gradient(lambda y: loss(W, X, y), lambda y: gY, Y).ok),
        ("dL/dR", "(2/N) R", "N x k", (N, k), gR, check_gradient(lambda r: np.sum(r * r) / N, lambda r: gR, R).ok),
        (
            "d vec(R) / d vec(W)  (Jacobian)", "I_k kron X", "Nk x dk", (N * k, d * k), J_W,
            _close(J_W, numerical_jacobian(residual, W, args=(X, Y))),
        ),
        (
            "d vec(R) / d vec(X)  (Jacobian)", "W^T kron I_N", "Nk x Nd", (N * k, N * d), J_X,
            _close(J_X, numerical_jacobian(lambda x: residual(W, x, Y), X)),
        ),
        (
            "dL / d vec(W)  (Jacobian)", "vec(dL/dW)^T", "1 x dk", (1, d * k), vec(gW)[None, :],
            _close(vec(gW)[None, :], numerical_jacobian(loss, W, args=(X, Y))),
        ),
        (
            "Hessian on vec(W)", "(2/N) (I_k kron X^T X)", "dk x dk", (d * k, d * k), H_W,
            _close(H_W, H_W_numerical),
        ),
        ("Hessian applied to V", "(2/N) X^T X V", "d x k", (d, k), HV, _close(vec(HV), H_W_numerical @ vec(V))),
        (
            "Hessian on vec(X)", "(2/N) (W W^T kron I_N)", "Nd x Nd", (N * d, N * d), H_X,
            _close(H_X, numerical_hessian(lambda x: grad_X(W, x, Y), X)),
        ),
    ]  # fmt: skip
    return [
        ShapeRow(name, formula, shape_formula, expected, value.shape, ok and value.shape == expected)
        for name, formula, shape_formula, expected, value, ok in table
    ]


def format_shapes_table(rows: list[ShapeRow]) -> str:
    """Rows of :func:`gradient_shapes_table` as a fixed-width text table, one line per derivative.

    The columns are the derivative, its formula, its symbolic shape, the computed shape and the verdict.
    """
    header = ("derivative", "formula", "shape", "computed", "checked")
    body = [(r.name, r.formula, r.shape_formula, " x ".join(map(str, r.shape)), str(r.verified)) for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
