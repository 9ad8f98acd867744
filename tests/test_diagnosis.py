"""The diagnosis of a failed gradient check: each pattern found on several functions, never a false one."""

from __future__ import annotations

import numpy as np
import pytest

import matgrad
from matgrad._diagnosis import Diagnosis, diagnose, diagnose_slopes
from matgrad.examples import log_det_grad, softplus_loss_grad

RNG = np.random.default_rng(2024)
X, _, Y = matgrad.make_regression(12, 4, 3, seed=1)
W = RNG.standard_normal((4, 3))
A = np.eye(4) + 0.3 * RNG.standard_normal((4, 4)) / 2  # not symmetric: a missing transpose shows
V = RNG.standard_normal(6)
T = RNG.standard_normal((2, 3, 4))

#: (x, its true gradient) for several functions and shapes.
PROBLEMS = {
    "least squares": (W, matgrad.grad_W(W, X, Y)),
    "log det": (A, log_det_grad(A)),
    "softplus": (W, softplus_loss_grad(W, X)),
    "vector quartic": (V, V**3),  # f = sum(v^4) / 4
    "3-D": (T, T**3 + np.sin(T)),  # f = sum(t^4 / 4 - cos t)
}
MATRICES = ["least squares", "log det", "softplus"]


def observe(g: np.ndarray, seed: int = 0, rel: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """A numerical gradient of ``g`` with realistic noise, and its uncertainty (which bounds the noise)."""
    u = rel * np.abs(g) + 1e-12
    return g + 0.9 * u * np.random.default_rng(seed).uniform(-1, 1, g.shape), u


def run(name: str, wrong) -> Diagnosis:
    """Diagnose ``wrong(g)`` against a noisy numerical ``g`` for problem ``name``."""
    x, g = PROBLEMS[name]
    n, u = observe(g)
    return diagnose(wrong(g), n, x, u)


# --- the patterns ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize(
    ("c", "phrase"),
    [(2, "is 2 times"), (1 / 2, "is 1/2 times"), (3, "is 3 times"), (1 / 3, "1/3 times"), (-1, "the negative of"),
     (-2, "is -2 times"), (-1 / 4, "-1/4 times"), (12, "is 12 times")],
)  # fmt: skip
def test_scale_is_found_with_its_factor(name, c, phrase):
    d = run(name, lambda g: c * g)
    assert (d.pattern, d.factor) == ("scale", pytest.approx(c))
    assert phrase in d.sentence
    assert ("flipped sign" in d.sentence) == (c == -1)


@pytest.mark.parametrize(
    ("name", "c", "count"),
    [("least squares", 3, "number of columns"), ("least squares", 4, "number of rows"),
     ("softplus", 1 / 12, "number of entries"), ("log det", 4, "number of rows and of columns"),
     ("log det", -1 / 16, "number of entries"), ("vector quartic", 6, "number of entries")],
)  # fmt: skip
def test_a_factor_equal_to_a_count_of_x_is_named(name, c, count):
    d = run(name, lambda g: c * g)
    assert d.pattern == "scale" and count in d.sentence


def test_a_factor_that_counts_nothing_in_x_is_not_called_a_count():
    # the gradient of the loss without its 1/N: N = 20 examples is no count of W (4 x 3)
    X20, _, Y20 = matgrad.make_regression(20, 4, 3, seed=2)
    n, u = observe(matgrad.grad_W(W, X20, Y20))
    d = diagnose(2 * X20.T @ (X20 @ W - Y20), n, W, u)
    assert d.pattern == "scale" and "20 times" in d.sentence and "number of" not in d.sentence


def test_a_transposed_square_gradient():
    d = run("log det", lambda g: g.T)
    assert d.pattern == "transposed" and "transpose of the numerical" in d.sentence


def test_a_transposed_square_gradient_of_least_squares():
    X3, _, Y3 = matgrad.make_regression(10, 3, 3, seed=5)
    W3 = np.random.default_rng(5).standard_normal((3, 3))
    g = matgrad.grad_W(W3, X3, Y3)
    n, u = observe(g)
    assert diagnose(g.T, n, W3, u).pattern == "transposed"


@pytest.mark.parametrize("name", ["least squares", "softplus"])
def test_non_square_layouts_are_told_apart(name):
    computed_transposed = run(name, lambda g: g.T.reshape(g.shape))
    assert computed_transposed.pattern == "transposed"
    assert "reshaped, not transposed" in computed_transposed.sentence
    refilled = run(name, lambda g: g.reshape(g.shape[::-1]).T)
    assert refilled.pattern == "transposed" and "refilled column by column" in refilled.sentence


def test_a_wide_matrix_in_the_wrong_layout():
    x = np.random.default_rng(3).standard_normal((2, 5))
    g = np.sin(x) + x**2
    n, u = observe(g)
    assert "reshaped, not transposed" in diagnose(g.T.reshape(2, 5), n, x, u).sentence


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("seed", range(3))
def test_a_single_wrong_entry(name, seed):
    x, g = PROBLEMS[name]
    index = tuple(int(i) for i in np.random.default_rng(seed).integers(0, g.shape))
    bias = np.zeros_like(g)
    bias[index] = 0.3
    d = run(name, lambda g: g + bias)
    assert (d.pattern, d.where) == ("entry", index)
    assert f"entry {index[0] if g.ndim == 1 else index}" in d.sentence


@pytest.mark.parametrize("name", MATRICES)
@pytest.mark.parametrize("i", [0, 2])
def test_a_wrong_row(name, i):
    def wrong(g):
        g = g.copy()
        g[i] += 0.1 * np.arange(1, g.shape[1] + 1)
        return g

    d = run(name, wrong)
    assert (d.pattern, d.where) == ("row", (i,))
    assert f"row {i}" in d.sentence


@pytest.mark.parametrize("name", MATRICES)
@pytest.mark.parametrize("j", [1, 2])
def test_a_wrong_column(name, j):
    def wrong(g):
        g = g.copy()
        g[:, j] *= 1.5
        return g

    d = run(name, wrong)
    assert (d.pattern, d.where) == ("column", (j,))
    assert f"column {j}" in d.sentence


def test_a_column_twice_too_large_gives_its_factor():
    def wrong(g):
        g = g.copy()
        g[:, 1] *= 2
        return g

    d = run("least squares", wrong)
    assert (d.pattern, d.where, d.factor) == ("column", (1,), 2.0) and "2 times" in d.sentence


def test_two_wrong_entries_of_a_vector_are_no_row():
    d = run("vector quartic", lambda g: g + np.array([0, 0.2, 0.5, 0, 0, 0]))
    assert d.pattern == "none"


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("lam", [0.1, -2.0, 1e-4])
def test_an_error_proportional_to_x(name, lam):
    x, _ = PROBLEMS[name]
    d = run(name, lambda g: g + lam * x)
    assert (d.pattern, d.factor) == ("proportional to x", pytest.approx(lam, rel=1e-4))
    assert "times x" in d.sentence


@pytest.mark.parametrize("name", PROBLEMS)
def test_a_right_gradient_has_no_diagnosis(name):
    d = run(name, lambda g: g)
    assert d.pattern == "none" and "agree" in d.sentence


# --- never a false pattern ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(200))
def test_random_errors_are_never_named(seed):
    rng = np.random.default_rng(seed)
    x, g = PROBLEMS[list(PROBLEMS)[seed % len(PROBLEMS)]]
    n, u = observe(g, seed, rel=[1e-9, 1e-6, 1e-4][seed % 3])
    size, E = 10 ** rng.uniform(-3, 0), rng.standard_normal(g.shape)
    if seed % 2:
        a = g * (1 + size * E)  # a relative error in every entry
    else:
        a = g + size * np.sqrt(np.mean(g**2)) * E  # an absolute one
    d = diagnose(a, n, x, u)
    assert d.pattern == "none" and "No simple pattern" in d.sentence


@pytest.mark.parametrize("seed", range(100))
def test_random_factors_are_never_named(seed):
    rng = np.random.default_rng(seed)
    x, g = PROBLEMS[list(PROBLEMS)[seed % len(PROBLEMS)]]
    n, u = observe(g, seed, rel=[1e-9, 1e-6, 1e-4][seed % 3])
    factor = 1 + 10 ** rng.uniform(-3, 0.5) * rng.choice([-1, 1])  # a clean one has probability ~0
    assert diagnose(factor * g, n, x, u).pattern == "none"


@pytest.mark.parametrize("seed", range(50))
def test_random_errors_of_a_single_number_are_never_named(seed):
    rng = np.random.default_rng(seed)
    x = np.array([[rng.uniform(0.5, 2)]])
    n, u = observe(x**3, seed)
    a = x**3 * (1 + 10 ** rng.uniform(-3, 0) * rng.standard_normal())
    assert diagnose(a, n, x, u).pattern == "none"


# --- the traps ---------------------------------------------------------------------------------------------


def test_x_of_size_one_names_a_clean_factor_only():
    x = np.array([0.7])
    n, u = observe(x**3)
    assert diagnose(2 * x**3, n, x, u).pattern == "scale"
    assert diagnose(1.37 * x**3, n, x, u).pattern == "none"
    assert diagnose(x**3 + 0.05, n, x, u).pattern == "none"


def test_a_numerical_gradient_with_one_non_zero_entry_gives_the_entry():
    g = np.zeros((3, 4))
    g[1, 2] = 0.8
    n, u = observe(g)
    d = diagnose(2 * g, n, np.ones((3, 4)), u)
    assert (d.pattern, d.where) == ("entry", (1, 2)) and "2 times" in d.sentence


def test_a_numerical_gradient_non_zero_in_one_row_gives_the_row():
    g = np.zeros((3, 4))
    g[2] = [0.5, -1.0, 2.0, 0.1]
    n, u = observe(g)
    d = diagnose(-g, n, np.ones((3, 4)), u)
    assert (d.pattern, d.where) == ("row", (2,)) and "negative" in d.sentence


def test_a_numerical_gradient_near_zero_fits_no_factor():
    rng = np.random.default_rng(7)
    n, u = 1e-13 * rng.standard_normal((4, 3)), np.full((4, 3), 1e-12)
    for a in (rng.standard_normal((4, 3)), np.ones((4, 3)), 1e-10 * rng.standard_normal((4, 3))):
        assert diagnose(a, n, W, u).pattern == "none"


@pytest.mark.parametrize("a_over_g", [2.0, 2.3, 0.5])
def test_a_large_uncertainty_names_no_factor(a_over_g):
    x, g = PROBLEMS["softplus"]
    n, u = observe(g, rel=0.4)
    assert diagnose(a_over_g * g, n, x, u).pattern == "none"


def test_a_factor_must_hold_in_every_entry():
    x, g = PROBLEMS["least squares"]
    n, u = observe(g)
    a = 2 * g
    a[0, 0] *= 1 + 5e-5  # far beyond its uncertainty, yet a residual below 1e-4 of the difference
    assert diagnose(a, n, x, u).pattern == "none"


def test_a_large_factor_is_refused_off_a_whole_number_even_when_the_uncertainty_allows_it():
    x, g = PROBLEMS["least squares"]
    u = 1e-4 * np.abs(g)  # 5370 u would cover 5370.3 g
    assert diagnose(5370.3 * g, g, x, u).pattern == "none"
    assert diagnose(5370.0 * g, g, x, u).factor == 5370


@pytest.mark.parametrize("wrong", [lambda g: 2 * g, lambda g: g.T, lambda g: g + 0.1 * A])
def test_no_pattern_when_the_uncertainty_is_not_small_against_the_difference(wrong):
    x, g = PROBLEMS["log det"]
    assert diagnose(wrong(g), g, x, 0.1 * np.abs(g)).pattern == "none"  # exact, yet n is known to 10 % only
    assert diagnose(wrong(g), g, x, 1e-9 * np.abs(g)).pattern != "none"


def test_a_factor_must_be_reproduced_to_1e_4():
    x, g = PROBLEMS["softplus"]
    u = 1e-3 * np.abs(g)  # a loose uncertainty that 2.0005 g would pass
    assert diagnose(2.0005 * g, g, x, u).pattern == "none"
    assert diagnose(2.0 * g, g, x, u).factor == 2


def test_a_small_factor_must_be_reproduced_to_1e_4_of_itself():
    x, g = PROBLEMS["least squares"]
    u = 1e-3 * np.abs(g)
    assert diagnose(0.12503 * g, g, x, u).pattern == "none"  # 2.4e-4 off 1/8, a residual 3e-5 of d
    assert diagnose(0.125 * g, g, x, u).factor == 1 / 8


def test_an_error_in_every_entry_that_shows_in_one_only_is_no_entry():
    x, g = PROBLEMS["vector quartic"]
    u = 1e-3 * np.abs(g)
    error = 5e-4 * np.abs(g) * np.array([1, -1, 6, 1, -1, 1])  # beyond u in entry 2 only
    assert diagnose(g + error, g, x, u).pattern == "none"


def test_a_localised_error_must_stand_out_1000_times_from_what_the_others_show():
    x, g = PROBLEMS["vector quartic"]
    M, signs = np.max(np.abs(g)), np.array([1, -1, 0, 1, -1, 1])
    u = np.full(6, 1e-4 * M)
    bias = np.array([0, 0, 3e-2 * M, 0, 0, 0])
    assert diagnose(g + 0.9 * u * signs + bias, g, x, u).pattern == "none"  # 330 times only
    assert diagnose(g + 1e-6 * u * signs + bias, g, x, u).pattern == "entry"


def test_a_localised_error_must_stand_out_from_the_relative_errors_of_the_others():
    x = np.array([0.5, -0.8, 1.6, 0.9, -0.3, 0.7])
    g, u = x**3, 2e-4 * np.abs(x**3)
    hidden = 1e-4 * g * np.array([1, -1, 0, 0, 1, -1])  # a relative error 1e-4 in most entries
    bias = np.array([0, 0, 0.05 * g[2], 0, 0, 0])  # and 0.05 in entry 2: only 500 times more
    assert diagnose(g + hidden + bias, g, x, u).pattern == "none"
    assert diagnose(g + bias, g, x, u).pattern == "entry"


def test_a_localised_error_must_stand_out_100_times_from_the_uncertainty_of_the_others():
    x, g = PROBLEMS["log det"]
    bias = np.zeros_like(g)
    bias[1, 2] = 5e-3 * np.max(np.abs(g))
    u = 1e-4 * np.abs(g)  # the others agree exactly, but are known to 1e-4 only
    assert diagnose(g + bias, g, x, u).pattern == "none"
    assert diagnose(g + 100 * bias, g, x, u).pattern == "entry"


def test_a_loose_uncertainty_still_finds_a_clean_entry():
    x, g = PROBLEMS["log det"]
    n, u = observe(g, rel=1e-12)
    a = g.copy()
    a[1, 2] += 0.5 * np.max(np.abs(g))
    d = diagnose(a, n, x, 1e-4 * np.abs(g))  # the others agree far better than the uncertainty says
    assert (d.pattern, d.where) == ("entry", (1, 2))


def test_a_factor_close_to_one_is_no_diagnosis():
    assert run("log det", lambda g: 1.0001 * g).pattern == "none"


def test_x_near_zero_or_constant_is_no_reason_for_proportional():
    g = matgrad.grad_W(np.zeros((4, 3)), X, Y)
    n, u = observe(g)
    assert diagnose(g + 0.1, n, np.zeros((4, 3)), u).pattern == "none"
    x = np.full((4, 3), 0.5)  # a multiple of x is then a constant offset as well
    g = matgrad.grad_W(x, X, Y)
    n, u = observe(g)
    assert diagnose(g + 0.2 * x, n, x, u).pattern == "none"


def test_a_symmetric_numerical_gradient_is_never_transposed():
    S = RNG.standard_normal((4, 4))
    B = np.eye(4) + 0.1 * (S + S.T)
    g = log_det_grad(B)  # symmetric
    n, u = observe(g)
    assert diagnose(g.T, n, B, u).pattern == "none"
    assert diagnose(g.T + 1e-3 * S, n, B, u).pattern == "none"
    assert diagnose(2 * g.T, n, B, u).pattern == "scale"


def test_an_antisymmetric_numerical_gradient_flipped_is_ambiguous():
    S = RNG.standard_normal((3, 3))
    g = S - S.T
    n, u = observe(g)
    assert diagnose(-g, n, S, u).pattern == "none"


def test_a_factor_is_preferred_when_the_gradient_is_a_multiple_of_x():
    x = V  # f = ||x||^2, gradient 2x: a factor 2 is also a term 2x
    n, u = observe(2 * x)
    assert diagnose(4 * x, n, x, u).pattern == "scale"


def test_swapped_axes_of_a_3d_gradient_are_not_transposed():
    x, g = PROBLEMS["3-D"]
    n, u = observe(g)
    assert diagnose(g.transpose(0, 2, 1).reshape(g.shape), n, x, u).pattern == "none"


def test_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        diagnose(np.ones(3), np.ones(3), np.ones(4), np.ones(3))
    assert diagnose(np.array([np.nan, 1.0]), np.ones(2), np.ones(2), np.zeros(2)).pattern == "none"


# --- directional mode ------------------------------------------------------------------------------------


def slopes(g: np.ndarray, m: int = 5) -> np.ndarray:
    directions = np.random.default_rng(11).standard_normal((m, g.size))
    return directions / np.linalg.norm(directions, axis=1, keepdims=True) @ g.ravel()


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize(("c", "phrase"), [(2, "2 times"), (1 / 3, "1/3 times"), (-1, "negative")])
def test_slopes_show_a_factor(name, c, phrase):
    _, g = PROBLEMS[name]
    n, u = observe(slopes(g))
    d = diagnose_slopes(c * slopes(g), n, u)
    assert (d.pattern, d.factor) == ("scale", pytest.approx(c)) and phrase in d.sentence


@pytest.mark.parametrize("seed", range(40))
def test_slopes_of_a_random_error_show_nothing(seed):
    name = list(PROBLEMS)[seed % len(PROBLEMS)]
    _, g = PROBLEMS[name]
    rng = np.random.default_rng(seed)
    n, u = observe(slopes(g))
    wrong = g * (1 + 10 ** rng.uniform(-3, 0) * rng.standard_normal(g.shape))
    assert diagnose_slopes(slopes(wrong), n, u).pattern == "none"


def test_slopes_of_a_transposed_gradient_or_a_right_one_show_nothing():
    _, g = PROBLEMS["log det"]
    n, u = observe(slopes(g))
    assert diagnose_slopes(slopes(g.T), n, u).pattern == "none"
    assert "agree" in diagnose_slopes(slopes(g), n, u).sentence
