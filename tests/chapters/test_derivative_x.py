"""Tests of matgrad.chapters.derivative_x: the table of the shapes of every derivative of the loss."""

from __future__ import annotations

import numpy as np
import pytest

import matgrad
from matgrad.chapters import derivative_x
from matgrad.chapters.derivative_x import format_shapes_table, gradient_shapes_table


def _evaluate(shape_formula: str, sizes: dict[str, int]) -> tuple[int, ...]:
    """``"Nk x dk"`` at the given sizes, e.g. (10, 6), computed independently of the module."""
    dims = []
    for factor in shape_formula.split(" x "):
        value = 1
        for letter in factor:
            value *= sizes[letter] if letter in sizes else int(letter)
        dims.append(value)
    return tuple(dims)


@pytest.mark.parametrize(("N", "d", "k"), [(5, 3, 2), (4, 2, 3), (1, 1, 1), (7, 4, 1)])
def test_every_derivative_is_verified_and_has_its_predicted_shape(N, d, k):
    rows = gradient_shapes_table(N, d, k, seed=N + d + k)
    assert len(rows) == 10
    for row in rows:
        assert row.verified, row
        assert row.shape == row.expected == _evaluate(row.shape_formula, {"N": N, "d": d, "k": k}), row


def test_gradients_have_the_shape_of_their_variable():
    rows = {row.name: row.shape for row in gradient_shapes_table(5, 3, 2)}
    assert rows["dL/dW"] == (3, 2)
    assert rows["dL/dX"] == (5, 3)
    assert rows["dL/dY"] == (5, 2)
    assert rows["Hessian on vec(W)"] == (6, 6)
    assert rows["d vec(R) / d vec(X)  (Jacobian)"] == (10, 15)


def test_the_table_does_not_depend_on_the_seed():
    first, second = gradient_shapes_table(5, 3, 2, seed=0), gradient_shapes_table(5, 3, 2, seed=1)
    assert first == second


def test_the_formatted_table_has_a_header_a_rule_and_one_line_per_derivative():
    rows = gradient_shapes_table(5, 3, 2)
    lines = format_shapes_table(rows).splitlines()
    assert len(lines) == len(rows) + 2
    assert lines[0].split() == ["derivative", "formula", "shape", "computed", "checked"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["dL/dW", "(2/N)", "X^T", "R", "d", "x", "k", "3", "x", "2", "True"]
    assert all(line.endswith("True") for line in lines[2:])


def test_a_wrong_value_of_the_right_shape_is_not_verified(monkeypatch):
    monkeypatch.setattr(derivative_x, "grad_X", lambda W, X, Y: matgrad.grad_X(W, X, Y) / 2)  # factor 2 lost
    monkeypatch.setattr(derivative_x, "hessian_W", lambda X, k: 2 * np.kron(np.eye(k), X.T @ X))  # 1/N lost
    rows = {row.name: row for row in derivative_x.gradient_shapes_table(5, 3, 2)}
    for name in ("dL/dX", "Hessian on vec(W)"):
        assert rows[name].shape == rows[name].expected and not rows[name].verified
    assert rows["dL/dW"].verified


def test_a_size_below_one_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 1"):
        gradient_shapes_table(5, 0, 2)
    with pytest.raises(TypeError, match="integer"):
        gradient_shapes_table(2.5, 3, 2)
