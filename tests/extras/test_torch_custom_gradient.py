"""The PyTorch extra (run by `make test-extras` in .venvs/extras, never in the NumPy-only .venv).

Chapter 14 shows book/extras/torch_custom_gradient.py and its stored output; these tests confirm that the
stored output still holds and that the wrapper hands matgrad what it expects.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np

import matgrad

EXTRAS = Path(__file__).resolve().parents[2] / "book" / "extras"
SCRIPT = EXTRAS / "torch_custom_gradient.py"


def _script_module():
    spec = importlib.util.spec_from_file_location("torch_custom_gradient", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_this_environment_has_pytorch():
    import torch  # an ImportError here fails the test: `make test-extras` must run with PyTorch installed

    assert torch.tensor([1.0], dtype=torch.float64).dtype == torch.float64


def test_the_stored_output_still_holds():
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True, timeout=300)
    assert run.stdout == SCRIPT.with_suffix(".out").read_text()


def test_the_wrapper_gives_matgrad_a_float_and_a_float64_array_of_the_shape_of_w():
    import torch

    script = _script_module()
    X, _, Y = matgrad.make_regression(20, 3, 2, seed=4)
    W = np.random.default_rng(5).standard_normal((3, 2))
    f, grad = script.for_matgrad(script.LeastSquares.apply, torch.from_numpy(X), torch.from_numpy(Y))
    value, g = f(W), grad(W)
    assert isinstance(value, float) and np.isclose(value, matgrad.loss(W, X, Y), rtol=1e-13)
    assert g.dtype == np.float64 and g.shape == W.shape
    assert np.allclose(g, matgrad.grad_W(W, X, Y), rtol=1e-12)


def test_the_slip_is_caught_and_the_right_backward_passes():
    import torch

    script = _script_module()
    X, _, Y = matgrad.make_regression(20, 3, 2, seed=6)
    W = np.random.default_rng(7).standard_normal((3, 2))
    right = script.for_matgrad(script.LeastSquares.apply, torch.from_numpy(X), torch.from_numpy(Y))
    wrong = script.for_matgrad(script.LeastSquaresWithoutTwo.apply, torch.from_numpy(X), torch.from_numpy(Y))
    assert matgrad.check_gradient(*right, W).ok
    result = matgrad.check_gradient(*wrong, W)
    assert not result.ok and "1/2 times" in result.diagnosis
