"""Tests of matgrad.chapters.networks: an elementwise nonlinearity and a two-layer network."""

from __future__ import annotations

import numpy as np
import pytest

import matgrad
from matgrad import check_gradient
from matgrad.chapters.networks import (
    ACTIVATIONS,
    Activation,
    elementwise_grad_W,
    elementwise_loss,
    elementwise_vjp,
    matmul_vjp,
    two_layer_backward,
    two_layer_gradients,
    two_layer_loss,
)

SMOOTH = ["identity", "tanh", "sigmoid", "softplus"]


@pytest.fixture
def net():
    """(W1, W2, X, Y) at a generic random point, with distinct N = 12, d = 3, d1 = 5, k = 2."""
    rng = np.random.default_rng(5)
    return (rng.standard_normal((3, 5)), rng.standard_normal((5, 2)), rng.standard_normal((12, 3)),
            rng.standard_normal((12, 2)))  # fmt: skip


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_derivative_is_the_slope_of_its_activation(name):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(1).uniform(-3, 3, size=50)
    z = z[np.abs(z) > 1e-3]  # away from the ReLU's kink
    h = 1e-6
    assert np.allclose(act.derivative(z), (act(z + h) - act(z - h)) / (2 * h), rtol=1e-6, atol=1e-8)


def test_the_sigmoid_does_not_overflow():
    s = ACTIVATIONS["sigmoid"]
    with np.errstate(all="raise"):
        assert np.allclose(s(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])


def test_the_hadamard_product_moves_across_the_inner_product():
    rng = np.random.default_rng(2)
    A, B, C = (rng.standard_normal((4, 3)) for _ in range(3))
    assert np.isclose(matgrad.frobenius_inner(A, B * C), matgrad.frobenius_inner(A * B, C), rtol=1e-13)
    assert not np.isclose(matgrad.frobenius_inner(A, B * C), matgrad.frobenius_inner(A @ B.T, C[:, :3] @ C.T[:3]))


def test_the_identity_activation_gives_back_least_squares(net):
    _, W2, X, Y = net
    W = W2[:3]  # any d x k matrix
    assert np.isclose(elementwise_loss(W, X, Y, "identity"), matgrad.loss(W, X, Y), rtol=1e-13)
    assert np.allclose(elementwise_grad_W(W, X, Y, "identity"), matgrad.grad_W(W, X, Y), rtol=1e-13)


@pytest.mark.parametrize("name", SMOOTH)
def test_the_elementwise_gradient_passes_the_check(net, name):
    _, W2, X, Y = net
    assert check_gradient(elementwise_loss, elementwise_grad_W, W2[:3], args=(X, Y, name)).ok


def test_forgetting_sigma_prime_is_rejected(net):
    _, W2, X, Y = net

    def without_sigma_prime(W, X, Y):
        return (2 / len(X)) * X.T @ (np.tanh(X @ W) - Y)

    assert not check_gradient(elementwise_loss, without_sigma_prime, W2[:3], args=(X, Y)).ok


@pytest.mark.parametrize("name", [*SMOOTH, "relu"])
def test_both_gradients_of_the_network_pass_the_check(net, name):
    W1, W2, X, Y = net
    G1, G2 = two_layer_gradients(W1, W2, X, Y, name)
    assert G1.shape == W1.shape and G2.shape == W2.shape
    assert check_gradient(lambda V: two_layer_loss(V, W2, X, Y, name), lambda V: G1, W1).ok
    assert check_gradient(lambda V: two_layer_loss(W1, V, X, Y, name), lambda V: G2, W2).ok


def test_every_intermediate_gradient_of_the_backward_pass_passes_the_check(net):
    W1, W2, X, Y = net
    G = two_layer_backward(W1, W2, X, Y)
    Z = X @ W1
    S = np.tanh(Z)
    assert np.allclose(G["S"], matgrad.grad_X(W2, S, Y), rtol=1e-13)  # the least-squares gradient in X
    assert check_gradient(lambda Z_: matgrad.loss(W2, np.tanh(Z_), Y), lambda Z_: G["Z"], Z).ok
    assert check_gradient(lambda R: float(np.sum(R * R)) / len(X), lambda R: G["R"], S @ W2 - Y).ok


def test_the_backward_rules_are_vector_jacobian_products():
    rng = np.random.default_rng(4)
    A, B, G = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    dA, dB = rng.standard_normal(A.shape), rng.standard_normal(B.shape)
    G_A, G_B = matmul_vjp(G, A, B)
    # <G, d(AB)> = <G, dA B + A dB> = <G_A, dA> + <G_B, dB>
    assert np.isclose(np.sum(G * (dA @ B + A @ dB)), np.sum(G_A * dA) + np.sum(G_B * dB), rtol=1e-12)
    Z = rng.standard_normal((4, 2))
    assert np.allclose(elementwise_vjp(G, Z, "tanh"), G * (1 - np.tanh(Z) ** 2), rtol=1e-14)


def test_an_activation_object_can_be_passed(net):
    W1, W2, X, Y = net
    cube = Activation("cube", lambda Z: Z**3, lambda Z: 3 * Z**2)
    G1, _ = two_layer_gradients(W1, W2, X, Y, cube)
    assert check_gradient(lambda V: two_layer_loss(V, W2, X, Y, cube), lambda V: G1, W1).ok


@pytest.mark.parametrize(
    "change, exc, phrase",
    [
        (lambda W1, W2, X, Y: (W1[:2], W2, X, Y), ValueError, "(12, 3) and (2, 5)"),
        (lambda W1, W2, X, Y: (W1, W2[:4], X, Y), ValueError, "(3, 5) and (4, 2)"),
        (lambda W1, W2, X, Y: (W1, W2, X, Y[:, :1]), ValueError, "(12, 1)"),
        (lambda W1, W2, X, Y: (W1 + 0j, W2, X, Y), TypeError, "real"),
        (lambda W1, W2, X, Y: (W1, W2, np.where(X > 1, np.nan, X), Y), ValueError, "NaN"),
        (lambda W1, W2, X, Y: (W1, "W2", X, Y), TypeError, "W2"),
        (lambda W1, W2, X, Y: (W1.ravel(), W2, X, Y), ValueError, "2-D"),
    ],
)
def test_bad_input_names_the_problem(net, change, exc, phrase):
    with pytest.raises(exc, match=None) as info:
        two_layer_gradients(*change(*net))
    assert phrase in str(info.value)
    with pytest.raises(exc):
        two_layer_loss(*change(*net))


def test_an_unknown_activation_lists_the_known_ones(net):
    with pytest.raises(ValueError, match="relu"):
        two_layer_loss(*net, "swish")
    W1, _, X, Y = net
    with pytest.raises(ValueError, match="do not fit"):
        elementwise_loss(W1, X[:, :2], Y)
