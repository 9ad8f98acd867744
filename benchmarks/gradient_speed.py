"""What a gradient costs: matgrad's loss and gradient against the matrix products they cannot avoid.

A benchmark, not a test: it measures wall-clock time and prints ratios, and the chapter
"What a gradient costs" (``book/15-cost.ipynb``) reads the JSON file it writes. Run from the
repository root::

    python benchmarks/gradient_speed.py             # full run (a few minutes), writes the JSON
    python benchmarks/gradient_speed.py --quick     # smoke run on tiny sizes (writes only with --output)
    make bench                                      # the full run with the book's virtual environment

What it measures (every time is of the public function with its default settings, input checks
included):

1. **Floors.** ``loss_and_grad`` and ``grad_W`` against the two products ``X @ W`` and ``X.T @ R``
   that any implementation must compute, and ``loss`` against the one product ``X @ W``, at
   (N, d, k) = (200000, 100, 10), (20000, 500, 50) and (1000, 50, 5). Target: ``loss_and_grad`` at most
   1.10 times the floor at the first two. A straightforward implementation (``np.isfinite`` checks, ``R = X @ W - Y``,
   ``np.sum(R * R)``, ``X.T @ R``) is timed alongside for comparison, and so is the bare NumPy loss
   (``R = X @ W; R -= Y``, one dot product, no checks): the least any NumPy implementation of the
   loss can do, which shows how much of the distance to the one-GEMM floor NumPy's own per-call cost
   takes on a small problem.
2. **Gram step.** The per-step cost of ``gradient_descent(..., gram=True)`` against the plain step at
   (200000, 20, 5): total time with a fixed number of steps and ``tol=0``, minus the time with one step,
   divided by the difference in steps; the one-time precomputation is reported separately. Target:
   the Gram step at least 200 times faster. Both paths are also run to convergence and compared.
3. **Finite differences and automatic differentiation.** On a smaller problem (finite differences
   need 2 d k losses): the analytic gradient against a full central-difference gradient, one central
   directional difference, and ``check_gradient`` in full and directional mode; and, on the floor
   shapes, the same gradient from PyTorch, JAX or autograd if they are installed (imported in
   ``try``/``except``; recorded as "not installed" otherwise).
4. **Scaling.** Times against N (d, k fixed) and against d (N, k fixed), for the chapter's log-log figures.
5. **The Gram product.** ``X.T @ X`` against ``X.T @ Z`` with ``Z = X.copy()`` (the same shapes and
   numbers, but NumPy cannot know the product is symmetric), at several sizes: NumPy computes ``X.T @ X``
   with a symmetric product that forms one triangle, about N d^2 flops instead of 2 N d^2.
6. **Memory bandwidth.** The time to read a large array once (``a.sum()``), in GB/s: the roofline
   against which the products, whose speed is set by how fast ``X`` streams from memory, can be judged.

The machine is recorded with the results: CPU model and clock (``/proc/cpuinfo``), the CPUs available to
the process, whether it runs under a hypervisor (the ``hypervisor`` CPU flag, ``systemd-detect-virt``), and
the load average before and after the run (a load near the CPU count means the machine was shared).

Timing: like :mod:`timeit`, each measurement repeats an operation often enough to last at least
``--min-time`` seconds (garbage collection off) and keeps the time per call; the operations that are
compared run interleaved, once each per round, in alternating order, for ``--repeats`` rounds, so that
drift of the machine affects them alike (three times as many rounds for the small problem, whose
calls take microseconds). Ratios are given of the minima (the usual estimate of the intrinsic cost; a
target counts as met when this ratio is at most 1.10), of the medians, and, as "paired", the median
over the rounds of the ratio within each round.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import matgrad
from matgrad import check_gradient, directional_difference, grad_W, loss, loss_and_grad, numerical_gradient
from matgrad.descent import gradient_descent

try:  # optional: which BLAS library, kernel and thread count NumPy uses
    import threadpoolctl
except ImportError:  # pragma: no cover - depends on the environment
    threadpoolctl = None

try:  # optional automatic-differentiation frameworks
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None
try:
    import jax
    import jax.numpy as jnp
except ImportError:  # pragma: no cover - depends on the environment
    jax = jnp = None
try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # pragma: no cover - depends on the environment
    autograd = anp = None

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "gradient_speed.json"
SCHEMA = 1
FLOOR_LIMIT = 1.10
#: The Gram step must be at least this many times faster than a plain step (its time does not grow with N).
GRAM_SPEEDUP = 200
#: Problems with fewer multiply-adds per product get three times the rounds (they take microseconds).
SMALL_PROBLEM = 10**7

FULL = {
    "floor_shapes": [(200_000, 100, 10), (20_000, 500, 50), (1000, 50, 5)],
    "gram_shape": (200_000, 20, 5),
    "gram_plain_steps": 20,
    "gram_steps": 100_000,
    "fd_shape": (2000, 20, 5),
    "ad_shapes": [(200_000, 100, 10), (20_000, 500, 50), (1000, 50, 5)],
    "sweep_N": {"d": 32, "k": 4, "values": [2**p for p in range(10, 20)]},
    "sweep_d": {"N": 10_000, "k": 4, "values": [2**p for p in range(2, 10)], "fd_max_d": 256},
    "gram_products": [(200_000, 20), (200_000, 100), (20_000, 500), (2000, 1000)],
    "bandwidth_megabytes": 256,
    "repeats": 15,
    "min_time": 0.05,
}
QUICK = {
    "floor_shapes": [(400, 12, 3), (50, 6, 2)],
    "gram_shape": (600, 6, 2),
    "gram_plain_steps": 4,
    "gram_steps": 200,
    "fd_shape": (40, 4, 2),
    "ad_shapes": [(50, 6, 2)],
    "sweep_N": {"d": 4, "k": 2, "values": [16, 64, 256]},
    "sweep_d": {"N": 40, "k": 2, "values": [2, 4, 8], "fd_max_d": 8},
    "gram_products": [(400, 12), (50, 30)],
    "bandwidth_megabytes": 4,
    "repeats": 3,
    "min_time": 0.002,
}


# ---------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------


def _time_calls(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of ``number`` calls, with the garbage collector off (as timeit does)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        if enabled:
            gc.enable()


def _calls_for(fn: Callable[[], object], min_time: float) -> int:
    """Number of calls that take at least ``min_time`` seconds (after one warm-up call)."""
    fn()
    number = 1
    while True:
        elapsed = _time_calls(fn, number) * number
        if elapsed >= min_time or number >= 10**6:
            return number
        number = max(number * 2, int(number * 1.2 * min_time / max(elapsed, 1e-9)))


def measure(ops: dict[str, Callable[[], object]], repeats: int, min_time: float) -> dict[str, list[float]]:
    """Seconds per call of every operation, ``repeats`` times, interleaved and in alternating order."""
    numbers = {name: _calls_for(fn, min_time) for name, fn in ops.items()}
    times: dict[str, list[float]] = {name: [] for name in ops}
    names = list(ops)
    for r in range(repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            times[name].append(_time_calls(ops[name], numbers[name]))
    return times


def summary(samples: list[float]) -> dict[str, float]:
    return {"min": min(samples), "median": statistics.median(samples)}


def ratio(samples: list[float], reference: list[float]) -> dict[str, float]:
    """Ratio of the minima, ratio of the medians, and the median of the ratios within each round."""
    return {
        "min": min(samples) / min(reference),
        "median": statistics.median(samples) / statistics.median(reference),
        "paired_median": statistics.median(a / b for a, b in zip(samples, reference, strict=True)),
    }


# ---------------------------------------------------------------------------
# machine
# ---------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_field(field: str) -> str | None:
    """The first value of ``field`` in /proc/cpuinfo (None where there is no such file or field)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.split(":", 1)[0].strip() == field:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def virtualisation() -> dict[str, object]:
    """Whether the process runs in a virtual machine or container: CPU flag, systemd-detect-virt, /sys/hypervisor."""
    flags = (_cpu_field("flags") or "").split()
    info: dict[str, object] = {"hypervisor_cpu_flag": "hypervisor" in flags}
    try:
        import subprocess

        done = subprocess.run(["systemd-detect-virt"], capture_output=True, text=True, timeout=5, check=False)
        info["systemd_detect_virt"] = done.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        info["systemd_detect_virt"] = None
    try:
        info["sys_hypervisor_type"] = Path("/sys/hypervisor/type").read_text().strip()
    except OSError:
        info["sys_hypervisor_type"] = None
    return info


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the platform has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _openblas_by_ctypes() -> dict[str, object]:
    """Core name and threads of the OpenBLAS bundled with NumPy, asked through ctypes (no threadpoolctl)."""
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("libscipy_openblas*.so*")) if libs.is_dir() else []:
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        info: dict[str, object] = {"library": path.name}
        for suffix in ("64_", ""):
            try:
                corename = getattr(lib, f"scipy_openblas_get_corename{suffix}")
                config = getattr(lib, f"scipy_openblas_get_config{suffix}")
                threads = getattr(lib, f"scipy_openblas_get_num_threads{suffix}")
            except AttributeError:
                continue
            corename.restype = config.restype = ctypes.c_char_p
            info.update(corename=corename().decode(), config=config().decode().strip(), num_threads=int(threads()))
            return info
    return {}


def blas_info() -> dict[str, object]:
    """The BLAS NumPy calls: from threadpoolctl if installed, else from NumPy's build config and ctypes."""
    info: dict[str, object] = {}
    if threadpoolctl is not None:
        pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
        info["threadpoolctl"] = [
            {key: p.get(key) for key in ("internal_api", "version", "num_threads", "threading_layer", "architecture")}
            for p in pools
        ]
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        info["numpy_build"] = {"name": blas.get("name"), "version": blas.get("version")}
    except Exception:  # pragma: no cover - layout of show_config differs between NumPy versions
        pass
    info["ctypes"] = _openblas_by_ctypes()
    return info


def machine_info() -> dict[str, object]:
    env = {
        name: os.environ.get(name)
        for name in (
            "OPENBLAS_CORETYPE",
            "OPENBLAS_L2_SIZE",
            "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS",
            "MKL_NUM_THREADS",
        )
    }
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_mhz": float(_cpu_field("cpu MHz") or "nan"),
        "cpu_count": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "virtualisation": virtualisation(),
        "load_average_before": load_average(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "matgrad": getattr(matgrad, "__version__", "unknown"),
        "blas": blas_info(),
        "environment": env,
    }


def blas_kernel(machine: dict[str, object]) -> str:
    blas = machine["blas"]
    for pool in blas.get("threadpoolctl", []):
        if pool.get("architecture"):
            return (
                f"{pool['internal_api']} {pool['version']}, kernel {pool['architecture']}, "
                f"{pool['num_threads']} threads"
            )
    c = blas.get("ctypes", {})
    if c:
        return f"{c['config']}; kernel {c['corename']}, {c['num_threads']} threads"
    build = blas.get("numpy_build", {})
    return f"{build.get('name')} {build.get('version')}"


# ---------------------------------------------------------------------------
# the measurements
# ---------------------------------------------------------------------------


def problem(N: int, d: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d, k)), rng.standard_normal((N, d)), rng.standard_normal((N, k))


def straightforward_loss_and_grad(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """The textbook implementation, for comparison: separate checks, R * R and temporaries."""
    for name, a in (("W", W), ("X", X), ("Y", Y)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} is not finite")
    N = X.shape[0]
    R = X @ W - Y
    return float(np.sum(R * R)) / N, (2.0 / N) * (X.T @ R)


def bare_loss(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    """The least work NumPy can do for the loss, for comparison: no checks, in-place residual, one dot.

    A lower bound for any NumPy implementation of ``loss``: it shows how much of the distance to the
    one-GEMM floor is fixed per-call cost of NumPy itself (the subtraction and the dot product, each a
    separate call) rather than of ``matgrad``'s checks.
    """
    R = X @ W
    R -= Y
    flat = R.reshape(-1)
    return float(flat.dot(flat)) / X.shape[0]


def floor_operations(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> dict[str, Callable[[], object]]:
    """The compared operations on one problem: the GEMM floors and matgrad's functions."""

    def one_gemm():
        return X @ W

    def two_gemms():
        P = X @ W
        return X.T @ P

    return {
        "X @ W": one_gemm,
        "X @ W, X.T @ R": two_gemms,
        "loss_and_grad": lambda: loss_and_grad(W, X, Y),
        "grad_W": lambda: grad_W(W, X, Y),
        "loss": lambda: loss(W, X, Y),
        "straightforward loss_and_grad": lambda: straightforward_loss_and_grad(W, X, Y),
        "bare NumPy loss": lambda: bare_loss(W, X, Y),
    }


#: The targets: loss_and_grad within FLOOR_LIMIT of its two products on the two large problems (the other
#: ratios are reported for comparison; on a small problem a fixed cost per call of microseconds remains).
TARGET_SHAPES = {(200_000, 100, 10), (20_000, 500, 50)}


def _is_target(name: str, shape) -> bool:
    """Whether a ratio is one of matgrad's targets (the others are comparisons)."""
    return name.startswith("loss_and_grad") and tuple(shape) in TARGET_SHAPES


def floors(shapes, repeats: int, min_time: float, log) -> list[dict[str, object]]:
    rows = []
    for N, d, k in shapes:
        W, X, Y = problem(N, d, k)
        ops = floor_operations(W, X, Y)
        rounds = repeats if N * d * k >= SMALL_PROBLEM else 3 * repeats  # small problems: noisier, cheap
        times = measure(ops, rounds, min_time)
        row = {
            "shape": [N, d, k],
            "rounds": rounds,
            "X_megabytes": X.nbytes / 2**20,
            "seconds": {name: summary(t) for name, t in times.items()},
            "ratios": {
                "loss_and_grad / two GEMMs": ratio(times["loss_and_grad"], times["X @ W, X.T @ R"]),
                "grad_W / two GEMMs": ratio(times["grad_W"], times["X @ W, X.T @ R"]),
                "loss / one GEMM": ratio(times["loss"], times["X @ W"]),
                "straightforward / two GEMMs": ratio(times["straightforward loss_and_grad"], times["X @ W, X.T @ R"]),
                "bare NumPy loss / one GEMM": ratio(times["bare NumPy loss"], times["X @ W"]),
            },
        }
        row["met"] = {
            name: r["min"] <= FLOOR_LIMIT for name, r in row["ratios"].items() if _is_target(name, row["shape"])
        }
        rows.append(row)
        seconds = row["seconds"]
        log(
            f"  (N, d, k) = {(N, d, k)}, X {row['X_megabytes']:.1f} MiB; two GEMMs "
            f"{seconds['X @ W, X.T @ R']['min'] * 1e3:.3f} ms, one GEMM {seconds['X @ W']['min'] * 1e3:.3f} ms"
        )
        for name, r in row["ratios"].items():
            verdict = (
                "" if not _is_target(name, row["shape"]) else ("  met" if r["min"] <= FLOOR_LIMIT else "  NOT MET")
            )
            log(
                f"    {name:30s} min {r['min']:.3f}  median {r['median']:.3f}  paired {r['paired_median']:.3f}{verdict}"
            )
    return rows


def _per_step(run: Callable[[int], object], n_small: int, n_large: int, repeats: int) -> dict[str, float]:
    """Per-step and set-up time of ``run(max_iter)``: from the minima over repeats of two step counts."""
    small, large = [], []
    run(n_small)  # warm-up
    for r in range(repeats):
        for n, into in ((n_small, small), (n_large, large)) if r % 2 == 0 else ((n_large, large), (n_small, small)):
            start = time.perf_counter()
            run(n)
            into.append(time.perf_counter() - start)
    step = (min(large) - min(small)) / (n_large - n_small)
    return {
        "step_seconds": step,
        "setup_seconds": min(small) - n_small * step,
        "steps": [n_small, n_large],
        "total_seconds_min": [min(small), min(large)],
        "total_seconds_median": [statistics.median(small), statistics.median(large)],
    }


def gram_step(shape, plain_steps: int, gram_steps: int, repeats: int, log) -> dict[str, object]:
    N, d, k = shape
    X, _, Y = matgrad.make_regression(N, d, k, noise=0.1, seed=0)
    plain = _per_step(lambda n: gradient_descent(X, Y, max_iter=n, tol=0.0), 1, 1 + plain_steps, max(3, repeats // 3))
    gram = _per_step(lambda n: gradient_descent(X, Y, max_iter=n, tol=0.0, gram=True), 1, 1 + gram_steps, repeats)
    precompute = measure({"X^T X, X^T Y": lambda: (X.T @ X, X.T @ Y)}, max(3, repeats // 3), 0.0)["X^T X, X^T Y"]
    W_lstsq = np.linalg.lstsq(X, Y, rcond=None)[0]
    run_plain, run_gram = gradient_descent(X, Y), gradient_descent(X, Y, gram=True)

    def rel(a, b):
        return float(np.linalg.norm(a - b) / np.linalg.norm(b))

    speedup = plain["step_seconds"] / gram["step_seconds"]
    result = {
        "shape": [N, d, k],
        "plain": plain,
        "gram": gram,
        "gram_matrices_seconds": summary(precompute),
        "speedup": speedup,
        "required_speedup": GRAM_SPEEDUP,
        "flop_ratio": (4 * N * d * k) / (2 * d * d * k),
        "met": speedup >= GRAM_SPEEDUP,
        "same_solution": {
            "plain_converged": run_plain.converged,
            "gram_converged": run_gram.converged,
            "plain_steps": run_plain.n_iter,
            "gram_steps": run_gram.n_iter,
            "relative_difference": rel(run_gram.W, run_plain.W),
            "plain_vs_lstsq": rel(run_plain.W, W_lstsq),
            "gram_vs_lstsq": rel(run_gram.W, W_lstsq),
        },
    }
    log(
        f"  (N, d, k) = {(N, d, k)}: plain step {plain['step_seconds'] * 1e3:.3f} ms, Gram step "
        f"{gram['step_seconds'] * 1e6:.3f} us (set-up: plain {plain['setup_seconds'] * 1e3:.1f} ms, "
        f"Gram {gram['setup_seconds'] * 1e3:.1f} ms)"
    )
    log(
        f"    speed-up {speedup:,.0f}  (required {GRAM_SPEEDUP}; flop ratio 2N/d = "
        f"{2 * N / d:,.0f}){'  met' if result['met'] else '  NOT MET'}"
    )
    same = result["same_solution"]
    log(
        f"    to convergence: plain {same['plain_steps']} steps, Gram {same['gram_steps']} steps, "
        f"relative difference of W {same['relative_difference']:.1e}; vs lstsq {same['plain_vs_lstsq']:.1e} "
        f"and {same['gram_vs_lstsq']:.1e}"
    )
    return result


def finite_differences(shape, repeats: int, min_time: float, log) -> dict[str, object]:
    N, d, k = shape
    W, X, Y = problem(N, d, k)
    D = np.random.default_rng(1).standard_normal(W.shape)

    def f(V):
        return loss(V, X, Y)

    def g(V):
        return grad_W(V, X, Y)

    ops = {
        "loss": lambda: f(W),
        "grad_W": lambda: g(W),
        "central-difference gradient": lambda: numerical_gradient(f, W, method="central"),
        "central directional difference": lambda: directional_difference(f, W, D),
        "check_gradient (full)": lambda: check_gradient(f, g, W),
        "check_gradient (1 direction)": lambda: check_gradient(f, g, W, n_directions=1),
    }
    times = measure(ops, max(3, repeats // 3), min_time)
    out = {
        "shape": [N, d, k],
        "entries": d * k,
        "seconds": {name: summary(t) for name, t in times.items()},
        "over_grad_W": {name: ratio(t, times["grad_W"]) for name, t in times.items()},
        "over_loss": {name: ratio(t, times["loss"]) for name, t in times.items()},
        "losses_per_full_difference": 2 * d * k,
    }
    log(
        f"  (N, d, k) = {(N, d, k)}, d k = {d * k} entries; grad_W {out['seconds']['grad_W']['min'] * 1e6:.1f} us, "
        f"loss {out['seconds']['loss']['min'] * 1e6:.1f} us"
    )
    for name in ops:
        r = out["over_grad_W"][name]
        log(f"    {name:32s} {r['min']:8.2f} x grad_W (median {r['median']:.2f})")
    return out


def _torch_gradient(W, X, Y):
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    Wt = torch.from_numpy(W.copy()).requires_grad_(True)
    N = X.shape[0]

    def run():
        Wt.grad = None
        value = ((Xt @ Wt - Yt) ** 2).sum() / N
        value.backward()
        return Wt.grad

    return run, lambda: run().numpy()


def _jax_gradient(W, X, Y):
    jax.config.update("jax_enable_x64", True)
    Xj, Yj, Wj = jnp.asarray(X), jnp.asarray(Y), jnp.asarray(W)
    N = X.shape[0]
    fn = jax.jit(jax.grad(lambda V: jnp.sum((Xj @ V - Yj) ** 2) / N))
    fn(Wj).block_until_ready()

    def run():
        return fn(Wj).block_until_ready()

    return run, lambda: np.asarray(run())


def _autograd_gradient(W, X, Y):
    N = X.shape[0]
    fn = autograd.grad(lambda V: anp.sum((anp.dot(X, V) - Y) ** 2) / N)

    def run():
        return fn(W)

    return run, run


def _version(module, name: str) -> str:
    """A package's version: its ``__version__``, else its distribution's metadata (autograd has no attribute)."""
    version = getattr(module, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - depends on the environment
            version = "unknown"
    return str(version)


def autodiff(shapes, repeats: int, min_time: float, log) -> dict[str, object]:
    frameworks = {
        "torch": (torch, _torch_gradient),
        "jax": (jax, _jax_gradient),
        "autograd": (autograd, _autograd_gradient),
    }
    out: dict[str, object] = {}
    for name, (module, build) in frameworks.items():
        if module is None:
            out[name] = "not installed"
            log(f"  {name}: not installed")
            continue
        info: dict[str, object] = {"version": _version(module, name), "shapes": []}
        if name == "autograd":
            info["threads"] = _openblas_by_ctypes().get("num_threads", "?")
            info["blas"] = ["NumPy's BLAS"]
        if name == "torch":
            info["threads"] = torch.get_num_threads()
            info["blas"] = [
                line.strip(" -")
                for line in torch.__config__.show().splitlines()
                if any(key in line for key in ("Math Kernel", "MKL-DNN", "OpenMP", "CPU capability"))
            ]
        for N, d, k in shapes:
            W, X, Y = problem(N, d, k)
            run, as_numpy = build(W, X, Y)
            G = grad_W(W, X, Y)
            error = float(np.linalg.norm(as_numpy() - G) / np.linalg.norm(G))

            def two_gemms(X=X, W=W):
                P = X @ W
                return X.T @ P

            times = measure(
                {"framework": run, "matgrad grad_W": lambda W=W, X=X, Y=Y: grad_W(W, X, Y), "two GEMMs": two_gemms},
                max(3, repeats // 3),
                min_time,
            )
            row = {
                "shape": [N, d, k],
                "relative_difference_to_grad_W": error,
                "seconds": {key: summary(t) for key, t in times.items()},
                "framework / grad_W": ratio(times["framework"], times["matgrad grad_W"]),
                "framework / two GEMMs": ratio(times["framework"], times["two GEMMs"]),
            }
            info["shapes"].append(row)
            log(
                f"  {name} {info['version']} at {(N, d, k)}: {row['seconds']['framework']['min'] * 1e3:.3f} ms = "
                f"{row['framework / grad_W']['min']:.2f} x matgrad grad_W (median "
                f"{row['framework / grad_W']['median']:.2f}); relative difference {error:.1e}"
            )
        out[name] = info
    return out


SWEEP_N_OPERATIONS = {
    "loss": "loss",
    "grad_W": "grad_W",
    "loss_and_grad": "loss_and_grad",
    "two GEMMs": "X @ W, X.T @ R",
}


def difference_operations(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> dict[str, Callable[[], object]]:
    """The loss, the analytic gradient and a central-difference gradient on one problem."""

    def f(V):
        return loss(V, X, Y)

    return {
        "loss": lambda: f(W),
        "grad_W": lambda: grad_W(W, X, Y),
        "central-difference gradient": lambda: numerical_gradient(f, W, method="central"),
    }


def gram_products(shapes, repeats: int, min_time: float, log) -> list[dict[str, object]]:
    """``X.T @ X`` (symmetric: NumPy forms one triangle) against ``X.T @ Z`` with ``Z`` a copy of ``X``."""
    rows = []
    for N, d in shapes:
        X = np.random.default_rng(0).standard_normal((N, d))
        Z = X.copy()
        times = measure({"X.T @ X": lambda X=X: X.T @ X, "X.T @ Z": lambda X=X, Z=Z: X.T @ Z}, repeats, min_time)
        same = bool(np.allclose(X.T @ X, X.T @ Z, rtol=1e-12, atol=1e-12 * N))
        row = {
            "shape": [N, d],
            "seconds": {name: summary(t) for name, t in times.items()},
            "general_over_symmetric": ratio(times["X.T @ Z"], times["X.T @ X"]),
            "same_result": same,
            "general_gflops": 2 * N * d * d / min(times["X.T @ Z"]) / 1e9,
            "symmetric_gflops_if_N_d2": N * d * d / min(times["X.T @ X"]) / 1e9,
        }
        rows.append(row)
        log(
            f"  (N, d) = {(N, d)}: X.T @ X {row['seconds']['X.T @ X']['min'] * 1e3:.3f} ms, X.T @ Z "
            f"{row['seconds']['X.T @ Z']['min'] * 1e3:.3f} ms, ratio {row['general_over_symmetric']['min']:.2f}"
        )
    return rows


def memory_bandwidth(megabytes: int, repeats: int, log) -> dict[str, object]:
    """Read bandwidth: bytes of a large array divided by the time of ``a.sum()`` (one pass, no writes)."""
    a = np.random.default_rng(0).standard_normal(megabytes * 2**20 // 8)
    times = measure({"a.sum()": a.sum}, repeats, 0.0)["a.sum()"]
    out = {"megabytes": megabytes, "seconds": summary(times), "read_GB_per_s": a.nbytes / min(times) / 1e9}
    log(f"  reading {megabytes} MiB once: {out['seconds']['min'] * 1e3:.1f} ms, {out['read_GB_per_s']:.1f} GB/s")
    return out


def sweeps(config, repeats: int, min_time: float, log) -> dict[str, object]:
    sn, sd = config["sweep_N"], config["sweep_d"]
    out: dict[str, object] = {
        "vs_N": {"d": sn["d"], "k": sn["k"], "N": sn["values"], "seconds": {}},
        "vs_d": {"N": sd["N"], "k": sd["k"], "d": sd["values"], "seconds": {}},
    }
    reps = max(3, repeats // 3)
    series_N: dict[str, list[float]] = {"loss": [], "grad_W": [], "loss_and_grad": [], "two GEMMs": []}
    for N in sn["values"]:
        W, X, Y = problem(N, sn["d"], sn["k"])
        ops = floor_operations(W, X, Y)
        times = measure({key: ops[name] for key, name in SWEEP_N_OPERATIONS.items()}, reps, min_time)
        for key in series_N:
            series_N[key].append(min(times[key]))
    out["vs_N"]["seconds"] = series_N
    log(
        f"  against N (d = {sn['d']}, k = {sn['k']}): N = {sn['values'][0]} .. {sn['values'][-1]}; grad_W "
        f"{series_N['grad_W'][0] * 1e6:.1f} us .. {series_N['grad_W'][-1] * 1e3:.2f} ms"
    )

    series_d: dict[str, list[float | None]] = {"loss": [], "grad_W": [], "central-difference gradient": []}
    for d in sd["values"]:
        ops = difference_operations(*problem(sd["N"], d, sd["k"]))
        if d > sd["fd_max_d"]:
            del ops["central-difference gradient"]
        times = measure(ops, reps, min_time)
        for key in series_d:
            series_d[key].append(min(times[key]) if key in times else None)
    out["vs_d"]["seconds"] = series_d
    log(
        f"  against d (N = {sd['N']}, k = {sd['k']}): d = {sd['values'][0]} .. {sd['values'][-1]}; central "
        f"differences {series_d['central-difference gradient'][0] * 1e3:.2f} ms .. "
        f"{[t for t in series_d['central-difference gradient'] if t is not None][-1] * 1e3:.1f} ms (d <= "
        f"{sd['fd_max_d']})"
    )
    return out


def run(quick: bool = False, repeats: int | None = None, min_time: float | None = None, log=print) -> dict:
    """Run every measurement and return the results as a JSON-ready dictionary."""
    config = QUICK if quick else FULL
    repeats = config["repeats"] if repeats is None else repeats
    min_time = config["min_time"] if min_time is None else min_time
    started = time.perf_counter()
    machine = machine_info()
    log(f"matgrad gradient speed ({'quick' if quick else 'full'} run), {machine['date']}")
    log(f"{machine['cpu']}, {machine['cpu_count']} cores; Python {machine['python']}, NumPy {machine['numpy']}")
    log(f"BLAS: {blas_kernel(machine)}")
    set_env = {key: value for key, value in machine["environment"].items() if value is not None}
    log(f"environment: {set_env or 'no BLAS variables set'}")
    log(f"timing: {repeats} interleaved rounds (x3 for small problems), each measurement >= {min_time} s; ratios of")
    log("        minima (met if <= 1.10), of medians, and paired (median of the ratios within a round)")
    results: dict[str, object] = {
        "schema": SCHEMA,
        "quick": quick,
        "machine": machine,
        "settings": {"repeats": repeats, "min_time": min_time, "floor_limit": FLOOR_LIMIT},
    }
    log("\n1. loss and gradient against the matrix products they cannot avoid (limit 1.10)")
    results["floors"] = floors(config["floor_shapes"], repeats, min_time, log)
    log("\n2. the Gram-trick step against the plain step (gradient_descent, tol=0)")
    results["gram_step"] = gram_step(
        config["gram_shape"], config["gram_plain_steps"], config["gram_steps"], repeats, log
    )
    log("\n3a. the analytic gradient against finite differences (a smaller problem)")
    results["finite_differences"] = finite_differences(config["fd_shape"], repeats, min_time, log)
    log("\n3b. automatic differentiation on the same data")
    results["autodiff"] = autodiff(config["ad_shapes"], repeats, min_time, log)
    log("\n4. scaling (for the figures of the chapter)")
    results["scaling"] = sweeps(config, repeats, min_time, log)
    log("\n5. the Gram product X.T @ X against the general product X.T @ Z (Z a copy of X)")
    results["gram_products"] = gram_products(config["gram_products"], max(3, repeats // 3), min_time, log)
    log("\n6. memory bandwidth")
    results["memory"] = memory_bandwidth(config["bandwidth_megabytes"], repeats, log)
    machine["load_average_after"] = load_average()
    results["targets_met"] = {
        "floors": all(all(row["met"].values()) for row in results["floors"]),
        "gram_step": results["gram_step"]["met"],
    }
    results["run_seconds"] = time.perf_counter() - started
    log(f"\ntargets met: {results['targets_met']}; run time {results['run_seconds']:.0f} s")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few repeats: a smoke run")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"JSON file to write (default: {DEFAULT_OUTPUT.relative_to(ROOT)}; --quick writes only "
        "when this is given)",
    )
    parser.add_argument("--repeats", type=int, default=None, help="interleaved rounds per measurement")
    parser.add_argument("--min-time", type=float, default=None, help="seconds per measurement, at least")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, repeats=args.repeats, min_time=args.min_time)
    output = args.output if args.output is not None else (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=1, default=_json_default) + "\n", encoding="utf-8")
        print(f"wrote {output}")
    return 0


def _json_default(value: object) -> object:
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    raise TypeError(f"not JSON serialisable: {value!r}")


if __name__ == "__main__":
    sys.exit(main())
