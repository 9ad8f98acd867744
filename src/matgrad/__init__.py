"""matgrad: the gradient of the least-squares loss, derived and checked.

The loss of linear regression and its gradient::

    L(W)  = (1/N) ||X W - Y||_F^2
    dL/dW = (2/N) X^T (X W - Y)

with ``X`` of shape (N, d), ``W`` of shape (d, k) and ``Y`` of shape (N, k). Every chapter of the book
imports its computations from here.

The top level holds the names that several chapters use: the loss and its gradients, finite differences,
the gradient checker and gradient descent. The rest of the core is reached by module:

* :mod:`matgrad.least_squares`: the loss, its gradients, ``make_regression``, inner products;
* :mod:`matgrad.finite_differences`: numerical gradients, Jacobians and Hessians;
* :mod:`matgrad.gradient_check`: the gradient checker;
* :mod:`matgrad.descent`: gradient descent, the Gram trick, stochastic gradients;
* :mod:`matgrad.solvers`: the normal equations and least-squares solvers;
* :mod:`matgrad.examples`: smooth example functions with known gradients, for testing a checker.

Helpers that serve a single chapter live in :mod:`matgrad.chapters`, one module per chapter, named after
the chapter's file (``matgrad.chapters.trace`` for ``book/02-trace.ipynb``).
"""

from __future__ import annotations

import importlib
from typing import Any

from .chapters.first_order import unvec, vec
from .descent import DescentResult, gradient_descent, lipschitz_constant
from .finite_differences import default_step, directional_difference, numerical_gradient
from .gradient_check import GradientCheck, check_gradient
from .least_squares import (
    directional_derivative,
    frobenius_inner,
    grad_W,
    grad_X,
    grad_Y,
    loss,
    loss_and_grad,
    make_regression,
    relative_difference,
    residual,
)

__version__ = "0.3.0"

# Modules imported on first use, so that `import matgrad` stays light (the chapters' SymPy module loads SymPy).
_SUBMODULES = {"chapters", "descent", "examples", "finite_differences", "gradient_check", "least_squares", "solvers"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'matgrad' has no attribute {name!r}")


__all__ = [
    "DescentResult",
    "GradientCheck",
    "check_gradient",
    "default_step",
    "directional_derivative",
    "directional_difference",
    "frobenius_inner",
    "grad_W",
    "grad_X",
    "grad_Y",
    "gradient_descent",
    "lipschitz_constant",
    "loss",
    "loss_and_grad",
    "make_regression",
    "numerical_gradient",
    "relative_difference",
    "residual",
    "unvec",
    "vec",
]
