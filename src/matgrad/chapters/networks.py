r"""Chapter 13: an elementwise nonlinearity and a two-layer network, differentiated by hand.

The book's notation, extended by one hidden layer of width ``d1``::

    X  (N, d)    data                     W1 (d, d1)   weights of the first layer
    Y  (N, k)    targets                  W2 (d1, k)   weights of the second layer

    Z = X W1        (N, d1)   pre-activations
    S = sigma(Z)    (N, d1)   the hidden layer: sigma applied to every entry of Z
    R = S W2 - Y    (N, k)    the residual
    L = (1/N) ||R||_F^2

The backward pass (``*`` is the entrywise, or Hadamard, product; each ``G_V`` has the shape of ``V``)::

    G_R  = (2/N) R
    G_W2 = S^T G_R            G_S = G_R W2^T          (the output layer, S W2)
    G_Z  = G_S * sigma'(Z)                            (the activation)
    G_W1 = X^T G_Z                                    (the first layer, Z = X W1)

With one layer, ``L(W) = (1/N) ||sigma(X W) - Y||_F^2`` has the gradient
``(2/N) X^T [(sigma(X W) - Y) * sigma'(X W)]``, and ``sigma = identity`` gives back least squares.

Every function takes its arrays in the book's order (weights first) and checks them as
:func:`matgrad.loss` does: numeric, real, finite, and shapes that fit, named in the error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_matrix

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "elementwise_grad_W",
    "elementwise_loss",
    "elementwise_vjp",
    "matmul_vjp",
    "two_layer_backward",
    "two_layer_gradients",
    "two_layer_loss",
]


@dataclass(frozen=True)
class Activation:
    """A function applied to every entry of a matrix, with its derivative (also entry by entry)."""

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.value(Z)


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * Z))  # 1 / (1 + e^-z) without overflow for large |z|


#: The activations the chapter uses. ``relu`` has a kink at 0, where its derivative is taken to be 0;
#: ``softplus`` (``log(1 + e^z)``) is a smooth surrogate for it.
ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda Z: Z, np.ones_like),
    "tanh": Activation("tanh", np.tanh, lambda Z: 1.0 - np.tanh(Z) ** 2),
    "sigmoid": Activation("sigmoid", _sigmoid, lambda Z: _sigmoid(Z) * (1.0 - _sigmoid(Z))),
    "relu": Activation("relu", lambda Z: np.maximum(Z, 0.0), lambda Z: (Z > 0).astype(Z.dtype)),
    "softplus": Activation("softplus", lambda Z: np.logaddexp(0.0, Z), _sigmoid),
}


def _activation(sigma: str | Activation) -> Activation:
    if isinstance(sigma, Activation):
        return sigma
    if sigma not in ACTIVATIONS:
        raise ValueError(f"sigma must be one of {sorted(ACTIVATIONS)} or an Activation, not {sigma!r}")
    return ACTIVATIONS[sigma]


def _fits(product: str, left: np.ndarray, right: np.ndarray) -> None:
    if left.shape[1] != right.shape[0]:
        raise ValueError(f"{product}: shapes {left.shape} and {right.shape} do not fit (inner sizes differ)")


def _targets(Y: np.ndarray, prediction_shape: tuple[int, int], prediction: str) -> None:
    if Y.shape != prediction_shape:
        raise ValueError(f"Y has shape {Y.shape}, but {prediction} has shape {prediction_shape}")


def _one_layer(W: ArrayLike, X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W, X, Y = (as_matrix(name, v, allow_complex=False) for name, v in (("W", W), ("X", X), ("Y", Y)))
    _fits("X W", X, W)
    _targets(Y, (X.shape[0], W.shape[1]), "sigma(X W)")
    return W, X, Y


def _two_layers(W1, W2, X, Y) -> tuple[np.ndarray, ...]:
    W1, W2, X, Y = (as_matrix(name, v, allow_complex=False) for name, v in (("W1", W1), ("W2", W2), ("X", X), ("Y", Y)))
    _fits("X W1", X, W1)
    _fits("sigma(X W1) W2", W1, W2)
    _targets(Y, (X.shape[0], W2.shape[1]), "sigma(X W1) W2")
    return W1, W2, X, Y


def elementwise_loss(W: ArrayLike, X: ArrayLike, Y: ArrayLike, sigma: str | Activation = "tanh") -> float:
    """``L(W) = (1/N) ||sigma(X W) - Y||_F^2``: least squares through an elementwise ``sigma``.

    >>> X, Y = np.eye(2), np.zeros((2, 1))
    >>> elementwise_loss(np.ones((2, 1)), X, Y, "identity")
    1.0
    """
    W, X, Y = _one_layer(W, X, Y)
    R = _activation(sigma)(X @ W) - Y
    return float(np.sum(R * R) / X.shape[0])


def elementwise_grad_W(W: ArrayLike, X: ArrayLike, Y: ArrayLike, sigma: str | Activation = "tanh") -> np.ndarray:
    """``(2/N) X^T [(sigma(X W) - Y) * sigma'(X W)]``, the gradient of :func:`elementwise_loss`."""
    W, X, Y = _one_layer(W, X, Y)
    act = _activation(sigma)
    Z = X @ W
    R = act(Z) - Y
    return (2.0 / X.shape[0]) * X.T @ (R * act.derivative(Z))


def matmul_vjp(G: np.ndarray, A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The backward rule of a product ``C = A B``: from ``G = dL/dC`` to ``(dL/dA, dL/dB) = (G B^T, A^T G)``.

    Each is a vector-Jacobian product: ``G : dC = G : dA B + G : A dB = G B^T : dA + A^T G : dB``.
    """
    return G @ B.T, A.T @ G


def elementwise_vjp(G: np.ndarray, Z: np.ndarray, sigma: str | Activation) -> np.ndarray:
    """The backward rule of ``S = sigma(Z)``: from ``G = dL/dS`` to ``dL/dZ = G * sigma'(Z)``."""
    return G * _activation(sigma).derivative(Z)


def two_layer_loss(W1: ArrayLike, W2: ArrayLike, X: ArrayLike, Y: ArrayLike, sigma: str | Activation = "tanh") -> float:
    """``L(W1, W2) = (1/N) ||sigma(X W1) W2 - Y||_F^2``, a network with one hidden layer."""
    W1, W2, X, Y = _two_layers(W1, W2, X, Y)
    R = _activation(sigma)(X @ W1) @ W2 - Y
    return float(np.sum(R * R) / X.shape[0])


def two_layer_backward(
    W1: ArrayLike, W2: ArrayLike, X: ArrayLike, Y: ArrayLike, sigma: str | Activation = "tanh"
) -> dict[str, np.ndarray]:
    """The forward and backward pass of :func:`two_layer_loss`: the gradient of ``L`` with respect to every
    intermediate array, ``{"R": G_R, "S": G_S, "Z": G_Z, "W2": G_W2, "W1": G_W1}``, each of its array's shape.

    The forward pass keeps ``Z`` and ``S``; the backward pass starts from ``G_R = dL/dR`` and hands each layer
    the gradient of the layer above (its *upstream* gradient), which the layer turns into the gradients of
    its inputs with :func:`matmul_vjp` or :func:`elementwise_vjp`.
    """
    W1, W2, X, Y = _two_layers(W1, W2, X, Y)
    # forward pass
    Z = X @ W1
    S = _activation(sigma)(Z)
    R = S @ W2 - Y
    # backward pass
    G_R = (2.0 / X.shape[0]) * R
    G_S, G_W2 = matmul_vjp(G_R, S, W2)
    G_Z = elementwise_vjp(G_S, Z, sigma)
    _, G_W1 = matmul_vjp(G_Z, X, W1)
    return {"R": G_R, "S": G_S, "Z": G_Z, "W2": G_W2, "W1": G_W1}


def two_layer_gradients(
    W1: ArrayLike, W2: ArrayLike, X: ArrayLike, Y: ArrayLike, sigma: str | Activation = "tanh"
) -> tuple[np.ndarray, np.ndarray]:
    """The gradients ``(dL/dW1, dL/dW2)`` of :func:`two_layer_loss`, from :func:`two_layer_backward`."""
    G = two_layer_backward(W1, W2, X, Y, sigma)
    return G["W1"], G["W2"]
