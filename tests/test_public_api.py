"""The public API: a small top level, core modules and chapter modules reached by name, loaded on demand."""

from __future__ import annotations

import subprocess
import sys

import pytest

import matgrad


@pytest.mark.parametrize("name", matgrad.__all__)
def test_every_exported_name_exists_and_is_documented(name):
    obj = getattr(matgrad, name)
    assert getattr(obj, "__doc__", None), f"{name} has no docstring"


def test_the_top_level_stays_small():
    assert len(matgrad.__all__) <= 25


@pytest.mark.parametrize("name", sorted(matgrad._SUBMODULES))
def test_core_modules_resolve(name):
    assert getattr(matgrad, name).__name__ == f"matgrad.{name}"


@pytest.mark.parametrize("name", sorted(matgrad.chapters._MODULES))
def test_chapter_modules_resolve(name):
    assert getattr(matgrad.chapters, name).__name__ == f"matgrad.chapters.{name}"


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        matgrad.nonsense  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        matgrad.chapters.nonsense  # noqa: B018


def test_import_matgrad_does_not_load_sympy():
    code = "import sys, matgrad, matgrad.chapters; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
