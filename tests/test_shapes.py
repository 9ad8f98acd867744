"""Tests of the table of derivative shapes and of the symbolic gradient check."""

from __future__ import annotations

import pytest
import sympy

from matgrad.chapters.derivative_x import (
    format_shapes_table,
    gradient_shapes_table,
    symbolic_gradient,
    symbolic_gradient_check,
)


@pytest.mark.parametrize(("N", "d", "k"), [(5, 3, 2), (4, 2, 3), (1, 1, 1), (7, 4, 1)])
def test_every_row_is_verified_and_has_the_predicted_shape(N, d, k):
    rows = gradient_shapes_table(N, d, k, seed=N + d + k)
    assert len(rows) == 10
    sizes = {"N": N, "d": d, "k": k}
    for row in rows:
        assert row.verified, row
        assert row.shape == row.expected, row
        # re-evaluate the symbolic shape ("Nk x dk" etc.) independently of the module
        dims = []
        for factor in row.shape_formula.split(" x "):
            value = 1
            for letter in factor:
                value *= sizes[letter] if letter in sizes else int(letter)
            dims.append(value)
        assert tuple(dims) == row.shape, row


def test_table_names_the_book_gradients():
    rows = {row.name: row for row in gradient_shapes_table(5, 3, 2)}
    assert rows["dL/dW"].shape == (3, 2)
    assert rows["dL/dX"].shape == (5, 3)
    assert rows["dL/dY"].shape == (5, 2)
    assert rows["Hessian on vec(W)"].shape == (6, 6)
    assert rows["d vec(R) / d vec(W)  (Jacobian)"].shape == (10, 6)


def test_format_shapes_table():
    rows = gradient_shapes_table(5, 3, 2)
    text = format_shapes_table(rows)
    lines = text.splitlines()
    assert len(lines) == len(rows) + 2
    assert lines[0].split()[:2] == ["derivative", "formula"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert "10 x 15" in text and text.count("True") == len(rows)


@pytest.mark.parametrize("wrt", ["W", "X", "Y"])
@pytest.mark.parametrize(("N", "d", "k"), [(2, 2, 1), (3, 2, 2)])
def test_symbolic_gradient_matches_the_closed_form(wrt, N, d, k):
    assert symbolic_gradient_check(wrt, N, d, k)


def test_symbolic_derivative_rejects_wrong_formulas():
    derived, claimed = symbolic_gradient("X", N=2, d=2, k=2)
    assert derived.shape == claimed.shape == (2, 2)
    assert not (derived - claimed / 2).expand().is_zero_matrix  # missing factor 2
    assert not (derived - claimed.T).expand().is_zero_matrix  # transposed
    derived_y, claimed_y = symbolic_gradient("Y", N=2, d=1, k=1)
    assert not (derived_y + claimed_y).expand().is_zero_matrix  # wrong sign
    assert isinstance(derived, sympy.MatrixBase)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: symbolic_gradient("Z"), ValueError, "W.*X.*Y"),
        (lambda: symbolic_gradient("X", N=0), ValueError, "at least 1"),
        (lambda: gradient_shapes_table(2.5, 3, 2), TypeError, "integer"),
        (lambda: gradient_shapes_table(5, 0, 2), ValueError, "at least 1"),
    ],
)
def test_bad_input_is_rejected_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()
