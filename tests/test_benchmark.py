"""A smoke run of benchmarks/gradient_speed.py: the chapter "What a gradient costs" reads the JSON it writes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "gradient_speed.py"
SECTIONS = {"schema", "machine", "settings", "floors", "gram_step", "finite_differences", "autodiff", "scaling"}
FLOOR_RATIOS = {"loss_and_grad / two GEMMs", "grad_W / two GEMMs", "loss / one GEMM"}


def test_a_quick_benchmark_run_writes_every_section_the_chapter_reads(tmp_path):
    spec = importlib.util.spec_from_file_location("gradient_speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = tmp_path / "speed.json"
    assert module.main(["--quick", "--repeats", "2", "--min-time", "0.0005", "--output", str(output)]) == 0
    data = json.loads(output.read_text())
    assert SECTIONS | {"targets_met"} <= set(data)
    assert {"date", "cpu", "cpu_count", "numpy", "blas"} <= set(data["machine"])
    # the page says whether the machine was virtualised and shared: clock, CPUs, hypervisor, load average
    assert {"cpu_mhz", "cpus_available", "virtualisation", "load_average_before", "load_average_after"} <= set(
        data["machine"]
    )
    assert isinstance(data["machine"]["virtualisation"]["hypervisor_cpu_flag"], bool)
    # X.T @ X against a general product on a copy of X: same result, both timed
    for row in data["gram_products"]:
        assert row["same_result"] and row["general_over_symmetric"]["min"] > 0
    assert data["memory"]["read_GB_per_s"] > 0
    for row in data["floors"]:
        assert FLOOR_RATIOS <= set(row["ratios"]) and all(r["min"] > 0 for r in row["ratios"].values())
    assert data["gram_step"]["same_solution"]["relative_difference"] < 1e-10
    assert len(data["scaling"]["vs_N"]["seconds"]["grad_W"]) == len(data["scaling"]["vs_N"]["N"])


CLUSTER_SCRIPT = SCRIPT.parent / "out_of_core.py"


@pytest.mark.cluster
def test_a_quick_out_of_core_run_writes_every_section_chapter_16_reads(tmp_path):
    spec = importlib.util.spec_from_file_location("out_of_core_benchmark", CLUSTER_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = tmp_path / "cluster.json"
    assert module.main(["--quick", "--repeats", "1", "--output", str(output)]) == 0
    data = json.loads(output.read_text())
    assert {"machine", "cluster", "against_N", "block_size", "one_pass"} <= set(data)
    assert data["cluster"]["workers"] == 2 and len(data["cluster"]["memory_limit_bytes"]) == 2
    rows = data["against_N"]["rows"]
    assert [r["N"] for r in rows] == sorted(r["N"] for r in rows) and all(r["dask_seconds"] > 0 for r in rows)
    assert all("numpy" in r for r in rows if r["X_mib"] <= data["against_N"]["numpy_max_mib"])
    assert all(r["seconds"] is None or r["seconds"] > 0 for r in data["block_size"]["rows"])
    assert data["one_pass"]["gram_GB_per_s"] > 0 and data["one_pass"]["memory_read_GB_per_s"] > 0
