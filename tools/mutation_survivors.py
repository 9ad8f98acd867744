"""Compare the mutants that survived ``make mutation`` with the list of explained survivors.

Every mutant that survives the unit tests must be listed, with the reason it is equivalent (no input
through the public API can tell it from the original), in ``docs/mutation-survivors.md``. This script reads
the output of ``mutmut results`` on standard input, prints the score, and exits with status 1 if a survivor
is not listed there (it also names listed mutants that no longer survive, so that the list stays current)::

    .venv-dev/bin/mutmut results | .venv-dev/bin/python tools/mutation_survivors.py

``make mutation`` runs it after mutmut.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "docs" / "mutation-survivors.md"
NAME = re.compile(r"`(matgrad\.[\w.ǁ]+__mutmut_\d+)`")


def listed_mutants(text: str) -> set[str]:
    """Names in the first column of the tables of docs/mutation-survivors.md."""
    return {m.group(1) for line in text.splitlines() if line.startswith("|") for m in [NAME.search(line)] if m}


def survivors(results: str) -> set[str]:
    """Names of the mutants that ``mutmut results`` reports as survived."""
    return {line.split(":")[0].strip() for line in results.splitlines() if line.strip().endswith(": survived")}


def total_mutants(root: Path) -> int | None:
    """How many mutants the last run made (from mutmut's .meta files), or None without a run."""
    metas = list((root / "mutants").rglob("*.py.meta"))
    if not metas:
        return None
    return sum(len(json.loads(m.read_text())["exit_code_by_key"]) for m in metas)


def main() -> int:
    alive = survivors(sys.stdin.read())
    listed = listed_mutants(LIST.read_text(encoding="utf-8"))
    total = total_mutants(ROOT)
    if total:
        print(f"mutants: {total}, killed: {total - len(alive)} ({(total - len(alive)) / total:.1%}), "
              f"survived: {len(alive)}")
    unexplained = sorted(alive - listed)
    print(f"survivors listed as equivalent in {LIST.relative_to(ROOT)}: {len(alive & listed)}")
    stale = sorted(listed - alive)
    if stale:
        print(f"listed but no longer surviving (remove them from the list): {len(stale)}")
        for name in stale:
            print("   ", name)
    if unexplained:
        print(f"UNEXPLAINED survivors: {len(unexplained)} (kill each with a test, or list it with its reason)")
        for name in unexplained:
            print("   ", name)
        return 1
    print("no unexplained survivors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
