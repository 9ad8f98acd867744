import numpy as np

from matgrad.chapters.comparison import count_multiplications
from matgrad.chapters.index_notation import grad_W_by_index_loops


def regression(N, d, k, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d, k)), rng.standard_normal((N, d)), rng.standard_normal((N, k))


def test_loops_count_matches_n_d_plus_one_per_entry():
    W, X, Y = regression(5, 3, 2, seed=0)
    counts = count_multiplications(grad_W_by_index_loops, W, X, Y)
    N, d, k = 5, 3, 2
    assert counts["products"] == d * k * N * (d + 1)


def test_matrix_form_count_is_two_n_d_k():
    W, X, Y = regression(6, 4, 3, seed=1)
    counts = count_multiplications(lambda W_, X_, Y_: X_.T @ (X_ @ W_ - Y_), W, X, Y)
    assert counts["products"] == 2 * 6 * 4 * 3


def test_wrong_count_is_rejected():
    W, X, Y = regression(5, 3, 2, seed=2)
    counts = count_multiplications(grad_W_by_index_loops, W, X, Y)
    assert counts["products"] != 2 * 5 * 3 * 2


def test_values_are_unchanged_by_counting():
    W, X, Y = regression(4, 2, 2, seed=3)
    tally_route = count_multiplications(lambda W_, X_, Y_: X_ @ W_, W, X, Y)
    assert tally_route == {"products": 16, "scalings": 0}
    assert np.isfinite(X @ W).all()
