"""Check a PyTorch custom backward pass with matgrad.check_gradient, and compare with torch.autograd.gradcheck.

The least-squares loss L(W) = (1/N) ||X W - Y||_F^2 as a ``torch.autograd.Function`` with a hand-written
backward pass, (2/N) X^T (X W - Y), and the same with a slip (the factor 2 missing). ``for_matgrad`` wraps
a torch function of W into the ``f(w) -> float`` and ``grad(w) -> ndarray`` that matgrad's checker takes.
Three cases, each checked by both checkers (gradcheck with its defaults: eps=1e-6, atol=1e-5, rtol=1e-3):

* well-scaled data: both accept the right backward pass and reject the wrong one;
* raw units (features ~1e3, targets ~1e7) near the minimum: gradcheck rejects the right backward pass;
* small values (~3e-4): gradcheck accepts the wrong backward pass.

Run it in the extra environment (``make test-extras`` builds .venvs/extras with PyTorch):
``.venvs/extras/bin/python book/extras/torch_custom_gradient.py``. It prints verdicts only.
"""

import warnings

import numpy as np
import torch

import matgrad


class LeastSquares(torch.autograd.Function):
    """L(W) = (1/N) ||X W - Y||_F^2 with a hand-written backward pass (X and Y are constants)."""

    @staticmethod
    def forward(ctx, W, X, Y):
        R = X @ W - Y
        ctx.save_for_backward(X, R)
        return (R * R).sum() / X.shape[0]

    @staticmethod
    def backward(ctx, upstream):
        X, R = ctx.saved_tensors
        return upstream * (2 / X.shape[0]) * X.T @ R, None, None  # no gradients for X and Y


class LeastSquaresWithoutTwo(LeastSquares):
    """The same loss with a slip in the backward pass: (1/N) X^T R, the factor 2 missing."""

    @staticmethod
    def backward(ctx, upstream):
        X, R = ctx.saved_tensors
        return upstream * (1 / X.shape[0]) * X.T @ R, None, None


def for_matgrad(torch_function, *constants):
    """``f(w) -> float`` and ``grad(w) -> ndarray`` for matgrad.check_gradient, from ``torch_function(W, ...)``."""

    def f(w):
        return float(torch_function(torch.from_numpy(w), *constants))

    def grad(w):
        w_torch = torch.from_numpy(w.copy()).requires_grad_()
        torch_function(w_torch, *constants).backward()
        return w_torch.grad.numpy()

    return f, grad


def compare(case, function, W, X, Y):
    """One line per checker: gradcheck's verdict, then matgrad's, and matgrad's diagnosis on a failure."""
    X_t, Y_t = torch.from_numpy(X), torch.from_numpy(Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_gradcheck = torch.autograd.gradcheck(
            lambda w: function.apply(w, X_t, Y_t), (torch.from_numpy(W.copy()).requires_grad_(),), raise_exception=False
        )
    f, grad = for_matgrad(function.apply, X_t, Y_t)
    by_matgrad = matgrad.check_gradient(f, grad, W)
    print(f"{case}\n  gradcheck: {'passes' if by_gradcheck else 'fails'}\n  matgrad:   {by_matgrad.verdict()}")
    if by_matgrad.diagnosis:
        print(f"             {by_matgrad.diagnosis}")


def main():
    rng = np.random.default_rng(0)
    X, _, Y = matgrad.make_regression(50, 3, 2, seed=1)  # float64 throughout
    W = rng.standard_normal((3, 2))  # a generic point
    compare("well scaled, right backward", LeastSquares, W, X, Y)
    compare("well scaled, factor 2 missing", LeastSquaresWithoutTwo, W, X, Y)

    X_raw, Y_raw = 1e3 * X, 1e7 * (Y + 0.5 * rng.standard_normal(Y.shape))  # raw units, large residuals
    W_star = np.linalg.lstsq(X_raw, Y_raw, rcond=None)[0]
    W_near = W_star * (1 + 1e-6 * rng.standard_normal(W_star.shape))  # near the minimum: small gradient
    compare("raw units near the minimum, right backward", LeastSquares, W_near, X_raw, Y_raw)

    X_small, Y_small = 3e-4 * X, 3e-4 * Y  # every gradient entry below gradcheck's atol = 1e-5
    compare("small values, factor 2 missing", LeastSquaresWithoutTwo, W, X_small, Y_small)


if __name__ == "__main__":
    main()
