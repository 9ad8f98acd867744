"""Tests of matgrad.chapters.out_of_core and of the Dask-aware core functions (loss, gradient, Gram, descent)."""

from __future__ import annotations

import os

import dask.array as da
import numpy as np
import psutil
import pytest

import matgrad
from matgrad.chapters.out_of_core import (
    blocked_gradient_bound,
    graph_summary,
    local_cluster,
    mebibytes,
    open_regression,
    write_regression,
)
from matgrad.descent import gradient_descent, gram_matrices


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store of 1000 rows in blocks of 128 (the last block shorter), and the same data from make_regression."""
    path = write_regression(tmp_path_factory.mktemp("data") / "small.zarr", 1000, 4, 3, rows_per_block=128, seed=5)
    return path, matgrad.make_regression(1000, 4, 3, seed=5)


@pytest.fixture
def W():
    return np.random.default_rng(6).standard_normal((4, 3))


def _worker_processes(client) -> list[psutil.Process]:
    """The operating-system processes of the cluster's workers (whatever way they were started)."""
    return [psutil.Process(pid) for pid in client.run(os.getpid).values()]


def _all_ended(processes: list[psutil.Process]) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=10)
    return not alive


# --- the chunked writer ------------------------------------------------------------------------------------------


def test_the_store_holds_make_regressions_numbers_in_blocks_of_rows(store):
    path, (X, W_true, Y) = store
    Xd, Yd = open_regression(path)
    assert Xd.chunks[0] == (128,) * 7 + (104,) and Yd.chunks[0] == Xd.chunks[0]
    assert np.array_equal(np.asarray(Xd), X)
    assert np.allclose(np.asarray(Yd), Y, rtol=1e-14, atol=1e-14)
    import zarr

    assert np.array_equal(zarr.open_group(str(path), mode="r")["W_true"][:], W_true)


def test_another_seed_gives_other_data(tmp_path):
    path = write_regression(tmp_path / "other.zarr", 50, 2, 1, rows_per_block=16, seed=6)
    X, _ = open_regression(path)
    assert not np.allclose(np.asarray(X), matgrad.make_regression(50, 2, 1, seed=5)[0])


@pytest.mark.parametrize(
    "kwargs, exc, phrase",
    [
        ({"rows_per_block": 0}, ValueError, "rows_per_block"),
        ({"rows_per_block": 2.5}, TypeError, "rows_per_block"),
        ({"rows_per_block": 8, "noise": -1.0}, ValueError, "noise"),
    ],
)
def test_bad_writer_arguments(tmp_path, kwargs, exc, phrase):
    with pytest.raises(exc, match=phrase):
        write_regression(tmp_path / "bad.zarr", 20, 2, 1, **kwargs)


# --- the core functions on Dask arrays, against NumPy ---------------------------------------------------------------


def test_loss_gradient_and_gram_on_dask_arrays_agree_with_numpy(store, W):
    path, (X, _, Y) = store
    Xd, Yd = open_regression(path)
    bound = blocked_gradient_bound(W, X, Y)
    G = matgrad.grad_W(W, Xd, Yd)
    assert isinstance(G, np.ndarray) and G.shape == W.shape
    assert np.all(np.abs(G - matgrad.grad_W(W, X, Y)) <= bound)
    assert np.isclose(matgrad.loss(W, Xd, Yd), matgrad.loss(W, X, Y), rtol=1e-13)
    value, G2 = matgrad.loss_and_grad(W, Xd, Yd)
    assert isinstance(value, float) and np.all(np.abs(G2 - G) <= bound)
    for lazy, eager in zip(gram_matrices(Xd, Yd), gram_matrices(X, Y), strict=True):
        assert np.allclose(lazy, eager, rtol=1e-12)


def test_gradient_descent_on_the_gram_statistics_of_dask_arrays(store):
    path, (X, _, Y) = store
    Xd, Yd = open_regression(path)
    lazy, eager = gradient_descent(Xd, Yd, gram=True), gradient_descent(X, Y, gram=True)
    assert lazy.converged and np.allclose(lazy.W, eager.W, rtol=1e-10)
    assert np.allclose(lazy.W, np.linalg.lstsq(X, Y, rcond=None)[0], rtol=1e-8)


def test_the_checker_accepts_the_gradient_on_dask_arrays(store, W):
    Xd, Yd = open_regression(store[0])
    assert matgrad.check_gradient(matgrad.loss, matgrad.grad_W, W, args=(Xd, Yd)).ok


def test_the_blocked_sum_bound_holds_for_every_block_size_and_is_not_vacuous(store, W):
    _, (X, _, Y) = store
    bound = blocked_gradient_bound(W, X, Y)
    G = matgrad.grad_W(W, X, Y)
    assert np.all(bound < 1e-12 * np.abs(G).max())  # far below the size of the gradient
    for rows in (1, 7, 128, 1000):
        Gd = matgrad.grad_W(W, da.from_array(X, chunks=(rows, 4)), da.from_array(Y, chunks=(rows, 3)))
        assert np.all(np.abs(Gd - G) <= bound)
    assert not np.all(np.abs(G * (1 + 1e-10) - G) <= bound)  # a relative change of 1e-10 exceeds it


def test_one_dask_and_one_numpy_array_agree_with_numpy(store, W):
    _, (X, _, Y) = store
    Xd, Yd = da.from_array(X, chunks=(128, 4)), da.from_array(Y, chunks=(128, 3))
    for A, B in ((Xd, Y), (X, Yd)):
        assert np.allclose(matgrad.grad_W(W, A, B), matgrad.grad_W(W, X, Y), rtol=1e-12)
        assert np.isclose(matgrad.loss(W, A, B), matgrad.loss(W, X, Y), rtol=1e-12)
        assert np.allclose(gram_matrices(A, B)[1], X.T @ Y, rtol=1e-12)


# --- bad input: clear errors --------------------------------------------------------------------------------------


def test_rows_split_differently_in_x_and_y_are_refused(store, W):
    _, (X, _, Y) = store
    Xd, Yd = da.from_array(X, chunks=(128, 4)), da.from_array(Y, chunks=(100, 3))
    for call in (
        lambda: matgrad.loss(W, Xd, Yd),
        lambda: matgrad.grad_W(W, Xd, Yd),
        lambda: gram_matrices(Xd, Yd),
        lambda: gradient_descent(Xd, Yd, gram=True),
    ):
        with pytest.raises(ValueError, match="same blocks of rows") as info:
            call()
        assert "(128, 128" in str(info.value) and "(100, 100" in str(info.value)


def test_shapes_that_do_not_fit_are_named(store, W):
    Xd, Yd = open_regression(store[0])
    with pytest.raises(ValueError, match=r"\(999, 3\)"):
        matgrad.grad_W(W, Xd, Yd[:999])
    with pytest.raises(ValueError, match=r"\(5, 3\)"):
        matgrad.loss(np.ones((5, 3)), Xd, Yd)


def test_rows_of_unknown_number_are_refused_with_the_remedy(store, W):
    Xd, Yd = open_regression(store[0])
    kept = Xd[:, 0] > 0  # boolean indexing leaves Dask without the number of rows
    for call in (lambda: matgrad.grad_W(W, Xd[kept], Yd[kept]), lambda: gram_matrices(Xd[kept], Yd[kept])):
        with pytest.raises(ValueError, match="unknown number of rows") as info:
            call()
        assert "compute_chunk_sizes()" in str(info.value)


@pytest.mark.parametrize("where", ["X", "Y"])
def test_nan_in_one_block_is_found_and_its_block_named(store, W, where):
    _, (X, _, Y) = store
    X, Y = X.copy(), Y.copy()
    (X if where == "X" else Y)[700, 1] = np.nan
    Xd, Yd = da.from_array(X, chunks=(128, 4)), da.from_array(Y, chunks=(128, 3))
    for call in (lambda: matgrad.grad_W(W, Xd, Yd), lambda: matgrad.loss(W, Xd, Yd), lambda: gram_matrices(Xd, Yd)):
        with pytest.raises(ValueError, match=f"{where} contains 1 non-finite") as info:
            call()
        assert "(700, 1)" in str(info.value) and "rows 640 to 767" in str(info.value)


def test_non_numeric_and_complex_dask_arrays_are_type_errors(store, W):
    Xd, Yd = open_regression(store[0])
    with pytest.raises(TypeError, match="numeric"):
        matgrad.loss(W, Xd.astype(str), Yd)
    with pytest.raises(TypeError, match="real"):
        gram_matrices(Xd + 0j, Yd)


def test_float32_dask_arrays_are_computed_in_float32_and_gram_in_float64(store, W):
    path, (X, _, Y) = store
    Xd, Yd = open_regression(path)
    value = matgrad.loss(W.astype(np.float32), Xd.astype(np.float32), Yd.astype(np.float32))
    assert np.isclose(value, matgrad.loss(W, X, Y), rtol=1e-5)
    assert gram_matrices(Xd.astype(np.float32), Yd)[0].dtype == np.float64


# --- the local cluster --------------------------------------------------------------------------------------------


@pytest.mark.cluster
def test_the_cluster_computes_the_gradient_and_leaves_no_worker_behind(store, W):
    path, (X, _, Y) = store
    with local_cluster(n_workers=2, memory_limit="256MiB") as client:
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.dashboard_link.endswith("/status")
        Xd, Yd = open_regression(path)
        assert np.all(np.abs(matgrad.grad_W(W, Xd, Yd) - matgrad.grad_W(W, X, Y)) <= blocked_gradient_bound(W, X, Y))
        workers = _worker_processes(client)
        assert len(workers) == 2 and all(worker.pid != os.getpid() for worker in workers)  # real processes
    assert _all_ended(workers)


@pytest.mark.cluster
def test_an_error_inside_the_cluster_still_shuts_it_down(store, W):
    X, _, Y = store[1]
    X = X.copy()
    X[3, 0] = np.inf
    workers = []
    with pytest.raises(ValueError, match="non-finite"):
        with local_cluster(n_workers=2, memory_limit="256MiB") as client:
            workers = _worker_processes(client)
            matgrad.grad_W(W, da.from_array(X, chunks=(128, 4)), da.from_array(Y, chunks=(128, 3)))
    assert len(workers) == 2 and _all_ended(workers)


def test_a_bad_cluster_argument_is_refused_before_anything_starts():
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with pytest.raises(ValueError, match="n_workers"):
        with local_cluster(n_workers=0):
            pass
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before


# --- small helpers ------------------------------------------------------------------------------------------------


def test_the_graph_summary_lists_the_layers_and_counts_every_task(store, W):
    Xd, Yd = open_regression(store[0])
    G = Xd.T @ (Xd @ W - Yd)
    summary = graph_summary(G)
    assert summary.startswith(f"{len(G.__dask_graph__())} tasks in ")
    assert "from-zarr" in summary and "matmul" in summary


def test_mebibytes():
    assert mebibytes(np.zeros((2**17, 8))) == 8.0
    assert mebibytes(da.zeros((2**17, 8), chunks=(2**10, 8), dtype=np.float32)) == 4.0
