r"""Chapter 14: reverse-mode automatic differentiation in 40 lines, for the network of chapter 13.

A :class:`Node` holds one array of a computation and, for each array it was computed from, the
vector-Jacobian product (VJP) that turns the gradient of the loss with respect to the node into the node's
share of the gradient with respect to that input. Building the loss from nodes records the computation
(the *tape*, here a graph); :func:`backward` walks it from the loss back to the inputs and adds up the
shares, which is the chain rule applied in reverse order. PyTorch's autograd and JAX's ``grad`` do the
same, with many more operations, in compiled code.

Only three operations are needed for ``L = (1/N) ||sigma(X W1) W2 - Y||_F^2``: the matrix product, the
difference, an elementwise ``sigma`` (:func:`apply`) and the mean square (:func:`mean_square`), with the
backward rules of chapter 13::

    C = A @ B         A gets  G @ B.T        B gets  A.T @ G
    C = A - B         A gets  G              B gets  -G
    C = sigma(A)      A gets  G * sigma'(A)
    L = ||A||^2 / N   A gets  G * (2/N) A    (G is the scalar dL/dL = 1)
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .networks import Activation, _activation, _two_layers

__all__ = ["Node", "apply", "backward", "count_code_lines", "mean_square", "network_gradients"]


class Node:
    """One array of the computation, and how to send a gradient back to the nodes it was computed from."""

    def __init__(self, value: ArrayLike, parents: tuple = ()) -> None:
        self.value = np.asarray(value, dtype=np.float64)
        self.parents: tuple[tuple[Node, Callable[[np.ndarray], np.ndarray]], ...] = parents  # (input, its VJP)
        self.grad: np.ndarray | None = None

    def __matmul__(self, other: Node) -> Node:
        return Node(
            self.value @ other.value, ((self, lambda G: G @ other.value.T), (other, lambda G: self.value.T @ G))
        )

    def __sub__(self, other: Node) -> Node:
        return Node(self.value - other.value, ((self, lambda G: G), (other, lambda G: -G)))


def apply(sigma: Activation, node: Node) -> Node:
    """``sigma`` applied to every entry of ``node``; its VJP multiplies by ``sigma'`` entry by entry."""
    return Node(sigma(node.value), ((node, lambda G: G * sigma.derivative(node.value)),))


def mean_square(node: Node) -> Node:
    """``||A||_F^2 / N`` for the ``N x k`` array ``A`` of ``node``: the loss, a scalar node."""
    N = node.value.shape[0]
    return Node(np.sum(node.value**2) / N, ((node, lambda G: G * (2.0 / N) * node.value),))


def backward(loss: Node) -> None:
    """Set ``.grad`` of every node that ``loss`` depends on to the gradient of ``loss`` with respect to it."""
    order: list[Node] = []  # every node after the nodes it was computed from (a topological order)
    seen: set[int] = set()

    def visit(node: Node) -> None:
        if id(node) not in seen:
            seen.add(id(node))
            for parent, _ in node.parents:
                visit(parent)
            order.append(node)

    visit(loss)
    for node in order:
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)  # dL/dL = 1
    for node in reversed(order):  # each node is complete before it sends its gradient on
        for parent, vjp in node.parents:
            parent.grad = parent.grad + vjp(node.grad)


def network_gradients(
    W1: ArrayLike, W2: ArrayLike, X: ArrayLike, Y: ArrayLike, sigma: str | Activation = "tanh"
) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dW1, dL/dW2)`` of ``L = (1/N) ||sigma(X W1) W2 - Y||_F^2``, by reverse mode: build, then go back."""
    W1, W2, X, Y = (Node(v) for v in _two_layers(W1, W2, X, Y))
    loss = mean_square(apply(_activation(sigma), X @ W1) @ W2 - Y)
    backward(loss)
    return W1.grad, W2.grad


def count_code_lines(*objects: object) -> int:
    """Lines of code in the source of ``objects``, without blank lines, comments and docstrings."""
    total = 0
    for obj in objects:
        lines, _ = inspect.getsourcelines(obj)
        tree = ast.parse(textwrap.dedent("".join(lines)))
        docstrings = set()
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                    docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
        total += sum(
            1
            for number, line in enumerate(lines, start=1)
            if line.strip() and not line.strip().startswith("#") and number not in docstrings
        )
    return total
