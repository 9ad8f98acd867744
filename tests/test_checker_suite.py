"""The checker on the project's own suite of hard cases (benchmarks/checker_cases.py): no false alarm, costs
within the documented bounds, and every wrong gradient caught, or reported on an entry it cannot vouch for."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from matgrad import check_gradient

SUITE = Path(__file__).resolve().parent.parent / "benchmarks" / "checker_cases.py"


def _load_cases():
    spec = importlib.util.spec_from_file_location("checker_cases", SUITE)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("checker_cases", module)  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module.cases()


CASES = _load_cases()


def counted(f):
    calls = []

    def wrapped(x):
        calls.append(1)
        return f(x)

    return wrapped, calls


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_correct_gradient_passes_within_2n_plus_1_plus_2_per_recheck(case):
    f, calls = counted(case.f)
    result = check_gradient(f, case.grad, case.x)
    assert result.ok, result.message
    assert result.n_evals == len(calls) == 2 * case.x.size + 1 + 2 * len(result.rechecked)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_wrong_gradient_fails_within_4n_plus_1_or_its_error_is_on_an_unresolved_entry(case):
    for name, wrong in case.wrong.items():
        f, calls = counted(case.f)
        result = check_gradient(f, wrong, case.x)
        assert result.n_evals == len(calls) <= 4 * case.x.size + 1, name
        if result.ok:  # a pass must say that it cannot vouch for the entries where the error is
            error = np.abs(np.asarray(wrong(case.x), dtype=float) - np.asarray(case.grad(case.x), dtype=float))
            worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), case.x.shape))
            assert worst in result.unresolved, (name, result.message)
