"""matgrad: the gradient of the least-squares loss, derived and checked.

The loss of linear regression and its gradient::

    L(W)  = (1/N) ||X W - Y||_F^2
    dL/dW = (2/N) X^T (X W - Y)

with ``X`` of shape (N, d), ``W`` of shape (d, k) and ``Y`` of shape (N, k).
Every chapter of the book imports its computations from here.
"""

from .data import make_regression
from .finite_differences import default_step, numerical_gradient
from .gradient_check import GradientCheck, check_gradient
from .inner_product import directional_derivative, frobenius_inner
from .least_squares import grad_W, grad_X, grad_Y, loss, loss_and_grad, residual

__version__ = "0.1.0"

__all__ = [
    "GradientCheck",
    "check_gradient",
    "default_step",
    "directional_derivative",
    "frobenius_inner",
    "grad_W",
    "grad_X",
    "grad_Y",
    "loss",
    "loss_and_grad",
    "make_regression",
    "numerical_gradient",
    "residual",
]
