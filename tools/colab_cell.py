"""Insert (or refresh) the Colab set-up cell at the top of every chapter notebook.

On Google Colab the notebooks need ``matgrad`` installed; everywhere else (Binder reads
requirements.txt, local runs use the editable install) the cell does nothing. The cell installs from
the repository named in ``_config.yml`` (``repository: url:``), the one place that holds that address.
Usage:

    python tools/colab_cell.py [NOTEBOOK ...]     (default: every notebook in book/)

The cell has no output, so nothing needs re-executing. ``tests/test_notebook_hygiene.py`` fails while a
notebook's cell differs from the one this tool writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# Colab set-up"


def repository_url() -> str:
    """The book's repository, as ``_config.yml`` gives it."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")


SOURCE = f"""{MARKER}: on Google Colab, install matgrad from the book's repository (does nothing elsewhere).
import sys

if "google.colab" in sys.modules:
    %pip install --quiet "matgrad @ git+{repository_url()}"
"""


def add_cell(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(SOURCE)
    cell.metadata["tags"] = ["colab-setup", "remove-cell"]  # hidden in the rendered book
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)
    if first_code is not None and nb.cells[first_code].source.startswith(MARKER):
        if nb.cells[first_code].source == SOURCE:
            return False
        nb.cells[first_code].source = SOURCE
    else:
        # after the title cell, before the first code cell
        nb.cells.insert(first_code if first_code is not None else 1, cell)
    nbformat.write(nb, path)
    return True


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "book").glob("*.ipynb"))
    for path in paths:
        if add_cell(path):
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
