r"""Chapter 16: the gradient on data that does not fit in memory, with Dask.

The gradient is a sum over blocks of rows, ``X^T (X W - Y) = sum_b X_b^T (X_b W - Y_b)``, and so are
``X^T X``, ``X^T Y`` and ``||Y||_F^2``: a map (one block at a time) and a reduce (a sum). This module writes
a regression data set to disk block by block (:func:`write_regression`, the chunked counterpart of
:func:`matgrad.make_regression`), opens it as Dask arrays (:func:`open_regression`), starts a local Dask
cluster that is always shut down (:func:`local_cluster`), summarises a task graph in text
(:func:`graph_summary`) and states the rounding bound between a blocked and an unblocked sum
(:func:`blocked_gradient_bound`).

The loss and the gradient themselves need no code here: :func:`matgrad.loss`, :func:`matgrad.grad_W`,
:func:`matgrad.loss_and_grad`, :func:`matgrad.descent.gram_matrices` and ``gradient_descent(..., gram=True)``
accept Dask arrays. Dask, Distributed and Zarr are imported only when a function here needs them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_matrix, materialise, positive_int, positive_number

__all__ = [
    "UNIT_ROUNDOFF",
    "blocked_gradient_bound",
    "gamma",
    "graph_summary",
    "local_cluster",
    "mebibytes",
    "open_regression",
    "write_regression",
]

#: The book's u: the spacing of double-precision numbers at 1, 2^-52 (Higham's unit roundoff is u / 2).
UNIT_ROUNDOFF = 2.0**-52


def _row_blocks(N: int, rows_per_block: int) -> Iterator[tuple[int, int]]:
    for start in range(0, N, rows_per_block):
        yield start, min(start + rows_per_block, N)


def write_regression(
    path: str | Path, N: int, d: int, k: int, *, rows_per_block: int, noise: float = 0.1, seed: int = 0
) -> Path:
    """Write ``matgrad.make_regression(N, d, k, noise=noise, seed=seed)`` to a Zarr store, block by block.

    The store (a directory) holds the arrays ``X`` (N, d), ``Y`` (N, k) and ``W_true`` (d, k), with ``X``
    and ``Y`` in blocks of ``rows_per_block`` rows. At most one block of rows is in memory at a time. The
    numbers are those of :func:`matgrad.make_regression` with the same seed: its generator draws all of
    ``X``, then ``W_true``, then the noise, so ``X`` is written in a first pass and ``Y = X W_true + noise
    E`` in a second one, which reads ``X`` back one block at a time.
    """
    import zarr

    N, d, k = positive_int("N", N), positive_int("d", d), positive_int("k", k)
    rows_per_block = positive_int("rows_per_block", rows_per_block)
    noise = positive_number("noise", noise, allow_zero=True)
    root = zarr.open_group(str(path), mode="w")
    X = root.zeros("X", shape=(N, d), chunks=(rows_per_block, d), dtype="f8", compressor=None)
    Y = root.zeros("Y", shape=(N, k), chunks=(rows_per_block, k), dtype="f8", compressor=None)
    rng = np.random.default_rng(seed)
    for start, stop in _row_blocks(N, rows_per_block):
        X[start:stop] = rng.standard_normal((stop - start, d))
    W_true = rng.standard_normal((d, k))
    root.array("W_true", W_true, compressor=None)
    for start, stop in _row_blocks(N, rows_per_block):
        Y[start:stop] = X[start:stop] @ W_true + noise * rng.standard_normal((stop - start, k))
    return Path(path)


def open_regression(path: str | Path) -> tuple[Any, Any]:
    """``X`` and ``Y`` of a store written by :func:`write_regression`, as Dask arrays in its blocks of rows.

    Nothing is read until a result is computed.
    """
    import dask.array as da

    return da.from_zarr(str(path), component="X"), da.from_zarr(str(path), component="Y")


@contextmanager
def local_cluster(n_workers: int = 2, memory_limit: str = "256MiB") -> Iterator[Any]:
    """A ``dask.distributed`` client of a local cluster of ``n_workers`` worker processes, one thread each,
    each allowed ``memory_limit`` of memory; cluster and client are shut down on leaving, also after an error.

    On a real cluster, ``Client("tcp://scheduler-address:8786")`` takes the place of this function, and the
    code that uses the client stays the same.
    """
    from dask.distributed import Client, LocalCluster

    n_workers = positive_int("n_workers", n_workers)
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address="127.0.0.1:0",  # any free port
        silence_logs=logging.ERROR,
    )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def graph_summary(array: Any) -> str:
    """The task graph of a Dask array in words: its layers, each with its number of tasks, in the order they
    can run (by their depth in the graph, then by name, so that the text is the same on every run).

    (``array.visualize()`` draws the same graph, if graphviz is installed.)
    """
    graph = array.__dask_graph__()
    depth: dict[str, int] = {}

    def depth_of(name: str) -> int:  # 0 for a layer that depends on none, else 1 + the deepest it depends on
        if name not in depth:
            depth[name] = 1 + max((depth_of(dep) for dep in graph.dependencies.get(name, ())), default=-1)
        return depth[name]

    def kind(name: str) -> str:
        return name.rsplit("-", 1)[0]  # without the token that makes the name unique

    order = sorted(graph.layers, key=lambda name: (depth_of(name), kind(name)))
    lines = [f"{len(graph)} tasks in {len(order)} layers:"]
    lines += [f"  {kind(name):<24} {len(graph.layers[name]):>4} tasks" for name in order]
    return "\n".join(lines)


def gamma(n: int, u: float = UNIT_ROUNDOFF / 2) -> float:
    """Higham's ``gamma_n = n u / (1 - n u)``: a sum or dot product of ``n`` terms, in any order, has a
    relative error (to the sum of the absolute values of its terms) of at most ``gamma_{n - 1}``."""
    return n * u / (1 - n * u)


def blocked_gradient_bound(W: ArrayLike, X: Any, Y: Any) -> np.ndarray:
    r"""How far two computations of the gradient ``(2/N) X^T (X W - Y)`` that sum in different orders can differ.

    Every entry of the gradient is, in exact arithmetic, ``(2/N) sum_i x_ia (sum_c x_ic w_cb - y_ib)``: a sum
    of at most ``N (d + 1)`` products. Computed in floating point in any order, by blocks or not, and also
    through the Gram matrices as ``(2/N) (X^T X W - X^T Y)``, its error is at most
    ``gamma_{N+d+2}`` times the same sum with every term replaced by its absolute value (Higham's bound for
    sums and dot products, to first order in ``u``). Two such computations therefore differ by at most::

        |G1 - G2|_ab <= 2 (2/N) gamma_{N+d+2} (|X|^T (|X| |W| + |Y|))_ab

    ``X`` and ``Y`` may be Dask arrays: the bound is then one more pass over them.
    """
    W = as_matrix("W", W, allow_complex=False)
    N, d = X.shape
    (terms,) = materialise(abs(X).T @ (abs(X) @ np.abs(W) + abs(Y)))
    return 2.0 * (2.0 / N) * gamma(N + d + 2) * terms


def mebibytes(array: Any) -> float:
    """The size of an array (NumPy or Dask) in MiB."""
    return math.prod(array.shape) * np.dtype(array.dtype).itemsize / 2**20
