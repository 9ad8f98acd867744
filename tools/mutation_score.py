"""Print the score of the last ``make mutation`` run and fail below the target.

Reads the output of ``mutmut results`` on standard input (it lists the mutants that were not killed) and
the number of mutants from mutmut's ``.meta`` files in ``mutants/``::

    .venvs/dev/bin/mutmut results | .venvs/dev/bin/python tools/mutation_score.py

Exits with status 1 if fewer than ``TARGET`` of the mutants were killed, and lists the survivors so that
each can be looked at: a survivor is either a missing test or a mutant no input can tell from the original.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.95


def main() -> int:
    survivors = [line.split(":")[0].strip() for line in sys.stdin if line.strip().endswith(": survived")]
    metas = list((ROOT / "mutants").rglob("*.py.meta"))
    total = sum(len(json.loads(m.read_text())["exit_code_by_key"]) for m in metas)
    if not total:
        print("no mutants found: run `make mutation` first")
        return 1
    score = (total - len(survivors)) / total
    print(f"mutants: {total}, killed: {total - len(survivors)} ({score:.1%}), survived: {len(survivors)}")
    for name in survivors:
        print("   ", name)
    print(f"target: at least {TARGET:.0%} killed: {'met' if score >= TARGET else 'NOT met'}")
    return 0 if score >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
