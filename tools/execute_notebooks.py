"""Re-execute notebooks in place, top to bottom, so that their stored outputs are current.

Usage: python tools/execute_notebooks.py [NOTEBOOK ...]   (default: every notebook in book/)

Cells run in the notebook's directory with the current environment's kernel. Timing metadata is
not recorded (``record_timing=False``), and consecutive pieces of one output stream are merged, so
that re-running an unchanged notebook leaves no diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def _merged_streams(outputs: list) -> list:
    """Consecutive outputs of the same stream as one output: how the kernel chunked a cell's printing
    depends on timing, and must not show up in the diff of a re-executed notebook."""
    merged: list = []
    for out in outputs:
        previous = merged[-1] if merged else None
        if (
            out.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == out.name
        ):
            previous.text += out.text
        else:
            merged.append(out)
    return merged


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = _merged_streams(cell.outputs)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("jupytext", None)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "book").glob("*.ipynb"))
    for path in paths:
        execute(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
