"""Tests of matgrad.chapters.reverse_mode: a tiny reverse-mode differentiator."""

from __future__ import annotations

import numpy as np
import pytest

from matgrad import check_gradient
from matgrad.chapters.networks import ACTIVATIONS, two_layer_gradients
from matgrad.chapters.reverse_mode import Node, apply, backward, mean_square, network_gradients


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(12, 3, 5, 2), (7, 1, 1, 1), (9, 4, 2, 3)])
def test_reverse_mode_computes_the_derived_gradients(name, shape):
    N, d, d1, k = shape
    rng = np.random.default_rng(d1)
    W1, W2 = rng.standard_normal((d, d1)), rng.standard_normal((d1, k))
    X, Y = rng.standard_normal((N, d)), rng.standard_normal((N, k))
    tape, hand = network_gradients(W1, W2, X, Y, name), two_layer_gradients(W1, W2, X, Y, name)
    for by_tape, by_hand in zip(tape, hand, strict=True):
        assert by_tape.shape == by_hand.shape
        assert np.allclose(by_tape, by_hand, rtol=1e-12, atol=1e-15)


def test_a_node_used_twice_receives_both_shares():
    # L(W) = ||(X W) B - X W||^2 / N uses V = X W twice: dL/dV = G B^T + G with G = (2/N)(V B - V)
    rng = np.random.default_rng(8)
    X, B = rng.standard_normal((10, 3)), rng.standard_normal((2, 2))

    def by_tape(W):
        w = Node(W)
        V = Node(X) @ w
        backward(mean_square(V @ Node(B) - V))
        return w.grad

    def f(W):
        V = X @ W
        return float(np.sum((V @ B - V) ** 2)) / 10

    assert check_gradient(f, by_tape, rng.standard_normal((3, 2))).ok


def test_the_tape_gradient_of_each_operation_passes_the_check():
    rng = np.random.default_rng(9)
    A0, C = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    tanh = ACTIVATIONS["tanh"]

    def by_tape(A):
        a = Node(A)
        backward(mean_square(apply(tanh, a) - Node(C)))
        return a.grad

    assert check_gradient(lambda A: float(np.sum((np.tanh(A) - C) ** 2)) / 6, by_tape, A0).ok


def test_backward_sets_the_gradient_of_the_loss_itself_to_one():
    x = Node(np.array([[1.0, 2.0]]))
    loss = mean_square(x)
    backward(loss)
    assert loss.grad == 1.0 and np.allclose(x.grad, [[2.0, 4.0]])


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="do not fit"):
        network_gradients(np.ones((3, 2)), np.ones((2, 1)), np.ones((5, 4)), np.ones((5, 1)))


def _sample(x):
    """A docstring

    of three lines."""
    # a comment

    y = x + 1  # code with a comment
    return y


def test_lines_of_code_leave_out_docstrings_comments_and_blank_lines():
    from matgrad.chapters.reverse_mode import count_code_lines

    assert count_code_lines(_sample) == 3  # def, y = ..., return
    assert count_code_lines(_sample, _sample) == 6
