"""Timings of the gradient on data on disk: NumPy in memory against Dask on a local cluster.

"When X does not fit" (``book/16-out-of-core.ipynb``) reads the JSON this writes. Three measurements, all of
the gradient ``(2/N) X^T (X W - Y)`` with ``d = 16`` features and ``k = 2`` outputs:

* **against N**: data sets written to Zarr stores of growing size. NumPy reads the whole store into memory
  and computes there (only while X is within ``--numpy-max-mib``); Dask computes from the store on a
  ``LocalCluster`` of 2 workers, each limited to ``--worker-memory``, also for stores larger than that.
* **block size**: one store, the gradient with Dask at several numbers of rows per block.
* **one pass against the memory bandwidth**: the bytes of X and Y divided by the time of one pass (the Gram
  statistics X^T X, X^T Y and ||Y||^2), next to the read bandwidth of memory (``a.sum()`` of a large array).

Each time is the minimum of ``--repeats`` runs, on a new cluster for each data set. Data go to a
temporary directory that is removed at the end.
The default run takes a few minutes and writes X up to 1 GiB; ``--large`` goes to 4 GiB.

Run from the repository root: ``.venv/bin/python benchmarks/out_of_core.py`` (``make bench-cluster``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import zarr
from distributed import KilledWorker

import matgrad
from matgrad.chapters.out_of_core import local_cluster, mebibytes, open_regression, write_regression
from matgrad.descent import gram_matrices

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gradient_speed import load_average, machine_info  # noqa: E402  (the same machine description)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "out_of_core.json"
D, K = 16, 2


def best_time(run, repeats: int, *args) -> float:
    """The shortest of ``repeats`` runs of ``run(*args)``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def read_into_memory(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """X and Y of a store as NumPy arrays, read by this process (not by the workers, whose memory is limited)."""
    root = zarr.open_group(str(path), mode="r")
    return root["X"][:], root["Y"][:]


def numpy_in_memory(path: Path, W: np.ndarray, repeats: int) -> dict[str, float]:
    """Read the whole store into memory, then the gradient there: the two times."""
    read = best_time(read_into_memory, repeats, path)
    Xn, Yn = read_into_memory(path)
    compute = best_time(matgrad.grad_W, repeats, W, Xn, Yn)
    return {"read_seconds": read, "gradient_seconds": compute, "total_seconds": read + compute}


def on_cluster(run, repeats: int, memory: str, *args) -> float:
    """``best_time`` of ``run(*args)`` on a new local cluster of 2 workers (so that no run inherits the memory
    left behind in the workers by an earlier one)."""
    with local_cluster(n_workers=2, memory_limit=memory):
        return best_time(run, repeats, *args)


def against_N(work: Path, sizes: list[int], rows_per_block: int, numpy_max_mib: float, repeats: int, memory, log):
    W = np.random.default_rng(1).standard_normal((D, K))
    rows = []
    for N in sizes:
        path = write_regression(work / f"N{N}.zarr", N, D, K, rows_per_block=rows_per_block, seed=2)
        X, Y = open_regression(path)
        row = {"N": N, "X_mib": mebibytes(X), "dask_seconds": on_cluster(matgrad.grad_W, repeats, memory, W, X, Y)}
        if row["X_mib"] <= numpy_max_mib:
            row["numpy"] = numpy_in_memory(path, W, repeats)
        log(f"  N = {N:>9}: X {row['X_mib']:7.0f} MiB, Dask {row['dask_seconds']:.2f} s" + (
            f", NumPy {row['numpy']['total_seconds']:.2f} s" if "numpy" in row else ""))  # fmt: skip
        rows.append(row)
        shutil.rmtree(path)
    return {"d": D, "k": K, "rows_per_block": rows_per_block, "numpy_max_mib": numpy_max_mib, "rows": rows}


def block_sizes(work: Path, N: int, blocks: list[int], repeats: int, memory: str, log) -> dict:
    W = np.random.default_rng(1).standard_normal((D, K))
    rows = []
    for rows_per_block in blocks:
        path = write_regression(work / f"B{rows_per_block}.zarr", N, D, K, rows_per_block=rows_per_block, seed=2)
        X, Y = open_regression(path)
        block = {
            "rows_per_block": rows_per_block,
            "blocks": len(X.chunks[0]),
            "block_mib": mebibytes(X[:rows_per_block]),
        }
        try:
            seconds = on_cluster(matgrad.grad_W, repeats, memory, W, X, Y)
        except KilledWorker:  # a block too large for a worker's memory limit: the nanny restarted it, 4 times
            rows.append(block | {"seconds": None, "failed": "the workers exceeded their memory limit"})
            log(f"  {rows_per_block:>8} rows per block ({len(X.chunks[0]):>5} blocks): workers killed (memory limit)")
        else:
            rows.append(block | {"seconds": seconds})
            log(f"  {rows_per_block:>8} rows per block ({len(X.chunks[0]):>5} blocks): {seconds:.2f} s")
        shutil.rmtree(path)
    return {"N": N, "d": D, "k": K, "X_mib": N * D * 8 / 2**20, "rows": rows}


def one_pass(work: Path, N: int, rows_per_block: int, repeats: int, memory: str, memory_bytes: int, log) -> dict:
    path = write_regression(work / "pass.zarr", N, D, K, rows_per_block=rows_per_block, seed=2)
    X, Y = open_regression(path)
    seconds = on_cluster(gram_matrices, repeats, memory, X, Y)
    nbytes = (mebibytes(X) + mebibytes(Y)) * 2**20
    a = np.random.default_rng(0).standard_normal(memory_bytes // 8)
    memory_seconds = best_time(a.sum, repeats)
    shutil.rmtree(path)
    out = {
        "N": N, "d": D, "k": K, "bytes": nbytes, "gram_seconds": seconds, "gram_GB_per_s": nbytes / seconds / 1e9,
        "memory_read_GB_per_s": a.nbytes / memory_seconds / 1e9,
    }  # fmt: skip
    log(f"  one pass over {nbytes / 2**20:.0f} MiB: {seconds:.2f} s = {out['gram_GB_per_s']:.2f} GB/s; "
        f"memory reads {out['memory_read_GB_per_s']:.1f} GB/s")  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--large", action="store_true", help="stores of X up to 4 GiB (default: 1 GiB)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker-memory", default="256MiB", help="memory limit of each of the 2 workers")
    parser.add_argument("--numpy-max-mib", type=float, default=512.0, help="largest X that NumPy reads into memory")
    args = parser.parse_args(argv)
    log = print
    if args.quick:
        sizes, rows_per_block, blocks, block_N = [2**12, 2**13], 2**10, [2**8, 2**10], 2**13
    else:
        top = 25 if args.large else 23  # 2^23 rows of 16 float64 = 1 GiB
        sizes, rows_per_block = [2**e for e in range(17, top + 1)], 2**17
        blocks, block_N = [2**e for e in range(12, 22, 2)], 2**22
    work = Path(tempfile.mkdtemp(prefix="matgrad-bench-"))
    results: dict[str, object] = {"schema": 1, "machine": machine_info(), "settings": vars(args) | {"output": None}}
    memory, repeats = args.worker_memory, args.repeats
    try:
        with local_cluster(n_workers=2, memory_limit=memory) as client:
            workers = client.scheduler_info()["workers"].values()
            results["cluster"] = {"workers": len(workers), "memory_limit_bytes": [w["memory_limit"] for w in workers]}
        log("time against N (NumPy reads X into memory; Dask computes from the store):")
        results["against_N"] = against_N(work, sizes, rows_per_block, args.numpy_max_mib, repeats, memory, log)
        log(f"block size, N = {block_N}:")
        results["block_size"] = block_sizes(work, block_N, blocks, repeats, memory, log)
        log("one pass against the memory bandwidth:")
        memory_bytes = 2**26 if args.quick else 2**30  # the array whose sum measures the memory bandwidth
        results["one_pass"] = one_pass(work, block_N, rows_per_block, repeats, memory, memory_bytes, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_after"] = load_average()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
