"""matgrad: the gradient of the least-squares loss, derived and checked.

The loss of linear regression and its gradient::

    L(W)  = (1/N) ||X W - Y||_F^2
    dL/dW = (2/N) X^T (X W - Y)

with ``X`` of shape (N, d), ``W`` of shape (d, k) and ``Y`` of shape (N, k).
Every chapter of the book imports its computations from here.

The core API (loss, gradients, finite differences, the gradient checker, data) and the functions
of the later chapters are re-exported at the top level. Each chapter's derivation-specific helpers
live in a module named after the method (``matgrad.trace_identities``, ``matgrad.index_notation``,
``matgrad.vectorization``, ``matgrad.expansion``, ``matgrad.outer_losses``, ``matgrad.symbolic``,
``matgrad.test_functions``, ``matgrad.shapes``). ``matgrad.symbolic`` needs SymPy and is imported
only when first used, so ``import matgrad`` does not load SymPy.
"""

from __future__ import annotations

import importlib
from typing import Any

from .data import make_regression
from .extensions import (
    add_intercept_column,
    half_mse_grad_W,
    half_mse_loss,
    intercept_grad,
    intercept_loss,
    ridge_grad_W,
    ridge_loss,
    ridge_solution,
    sum_grad_W,
    sum_loss,
    weighted_grad_W,
    weighted_loss,
)
from .finite_differences import default_step, directional_difference, numerical_gradient
from .gradient_check import GradientCheck, check_gradient
from .gradient_descent import (
    DescentResult,
    StochasticDescentResult,
    gradient_descent,
    gram_gradient,
    gram_loss,
    gram_matrices,
    lipschitz_constant,
    minibatch_gradient,
    stochastic_gradient_descent,
    strong_convexity_constant,
)
from .hessian import hessian_vector_product, hessian_W, numerical_hessian, numerical_jacobian
from .inner_product import directional_derivative, frobenius_inner, relative_difference
from .least_squares import grad_W, grad_X, grad_Y, loss, loss_and_grad, residual
from .normal_equations import minimum_norm_solution, polynomial_features, solve_normal_equations
from .vectorization import unvec, vec

__version__ = "0.1.0"

_LAZY_SUBMODULES = {
    "expansion",
    "index_notation",
    "outer_losses",
    "shapes",
    "symbolic",
    "test_functions",
    "trace_identities",
    "validation",
    "vectorization",
}


def __getattr__(name: str) -> Any:
    """Import the chapter modules on first use (``matgrad.symbolic`` loads SymPy)."""
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'matgrad' has no attribute {name!r}")


__all__ = [
    "DescentResult",
    "GradientCheck",
    "StochasticDescentResult",
    "add_intercept_column",
    "check_gradient",
    "default_step",
    "directional_derivative",
    "directional_difference",
    "frobenius_inner",
    "grad_W",
    "grad_X",
    "grad_Y",
    "gradient_descent",
    "gram_gradient",
    "gram_loss",
    "gram_matrices",
    "half_mse_grad_W",
    "half_mse_loss",
    "hessian_W",
    "hessian_vector_product",
    "intercept_grad",
    "intercept_loss",
    "lipschitz_constant",
    "loss",
    "loss_and_grad",
    "make_regression",
    "minibatch_gradient",
    "minimum_norm_solution",
    "numerical_gradient",
    "numerical_hessian",
    "numerical_jacobian",
    "polynomial_features",
    "relative_difference",
    "residual",
    "ridge_grad_W",
    "ridge_loss",
    "ridge_solution",
    "solve_normal_equations",
    "stochastic_gradient_descent",
    "strong_convexity_constant",
    "sum_grad_W",
    "sum_loss",
    "unvec",
    "vec",
    "weighted_grad_W",
    "weighted_loss",
]
