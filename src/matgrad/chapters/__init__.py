"""Helpers that serve one chapter each, in a module named after the chapter's file.

===============================================  ==========================================
module                             chapter
===============================================  ==========================================
:mod:`~matgrad.chapters.trace`            ``02-trace``: trace identities
:mod:`~matgrad.chapters.index_notation`   ``03-index-notation``: sums over indices
:mod:`~matgrad.chapters.first_order`      ``04-first-order``: Jacobians and Taylor expansion
:mod:`~matgrad.chapters.differentials`    ``05-differentials``: the chain rule and other losses
:mod:`~matgrad.chapters.symbolic`         ``06-symbolic``: SymPy (imports SymPy)
:mod:`~matgrad.chapters.comparison`       ``07-comparison``: counting the multiplications of a loop
:mod:`~matgrad.chapters.numerical_verification`  ``08-numerical-verification``: a checker in 15 lines
:mod:`~matgrad.chapters.derivative_x`     ``09-derivative-x``: gradients with respect to X and Y
:mod:`~matgrad.chapters.hessian`          ``10-hessian``: the Hessian
:mod:`~matgrad.chapters.extensions`       ``12-extensions``: ridge, weights, intercept
:mod:`~matgrad.chapters.networks`         ``13-networks``: an elementwise nonlinearity, a two-layer network
:mod:`~matgrad.chapters.reverse_mode`     ``14-reverse-mode``: reverse-mode differentiation in 40 lines
:mod:`~matgrad.chapters.out_of_core`      ``16-out-of-core``: data on disk, Dask and a local cluster
===============================================  ==========================================

The modules are imported on first use: ``matgrad.chapters.trace`` works after ``import matgrad``.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {"comparison", "derivative_x", "differentials", "extensions", "first_order", "hessian", "index_notation",
            "networks", "numerical_verification", "out_of_core", "reverse_mode", "symbolic", "trace"}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'matgrad.chapters' has no attribute {name!r}")
