"""Notebook hygiene that strict nbval cannot see by itself.

nbval skips a code cell whose execution_count is null, so a cleared notebook would pass silently.
These tests make sure every notebook was executed top to bottom with its outputs stored, is in the
table of contents, imports matgrad the normal way, and hides nothing from nbval without a reason.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import colab_cell  # noqa: E402  (tools/colab_cell.py writes the cell this file checks)

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
NOTEBOOKS = sorted(p for p in BOOK.glob("*.ipynb"))
NBVAL_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_RAISES_EXCEPTION", "NBVAL_CHECK_OUTPUT")
NBVAL_TAGS = ("nbval-ignore-output", "nbval-skip", "raises-exception")


def toc_files() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = {toc["root"]}

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.add(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return {str(Path(f).with_suffix("")) for f in files}


def code_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under book/"


def test_file_names_are_numbered_chapters():
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", sorted([*BOOK.glob("*.ipynb"), *BOOK.glob("*.md")]), ids=lambda p: p.name)
def test_every_page_is_in_the_toc(path):
    assert str(path.relative_to(ROOT).with_suffix("")) in toc_files(), f"{path.name} is not listed in _toc.yml"


def test_every_toc_entry_exists():
    for entry in toc_files():
        assert any((ROOT / entry).with_suffix(s).exists() for s in (".ipynb", ".md")), entry


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_with_outputs(path):
    cells = code_cells(path)
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, f"{path.name}: {counts.count(None)} code cell(s) never executed"
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: execution counts {counts} are not 1..n"
    assert any(c["outputs"] for c in cells), f"{path.name}: no stored outputs at all"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_and_no_volatile_metadata(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in code_cells(path):
        tags = cell.get("metadata", {}).get("tags", [])
        assert "execution" not in cell.get("metadata", {}), f"{path.name}: timing metadata stored"
        for out in cell["outputs"]:
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"{path.name}: stored error {out.get('ename')}"
            data = out.get("data", {})
            assert "image/svg+xml" not in data, f"{path.name}: use PNG figures (nbval compares SVG text)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_matgrad_without_path_hacks(path):
    source = "\n".join("".join(c["source"]) for c in code_cells(path))
    assert not re.search(r"sys\.path", source), f"{path.name}: edits sys.path; use the installed matgrad"
    assert "import matgrad" in source or "from matgrad" in source, f"{path.name}: does not use matgrad"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nothing_hidden_from_nbval_without_a_reason(path):
    for cell in code_cells(path):
        source = "".join(cell["source"])
        tags = cell.get("metadata", {}).get("tags", [])
        hidden = [m for m in NBVAL_MARKERS if m in source] + [t for t in tags if t in NBVAL_TAGS]
        if hidden:
            comments = [
                line
                for line in source.splitlines()
                if line.strip().startswith("#") and not any(m in line for m in NBVAL_MARKERS)
            ]
            assert comments, f"{path.name}: cell with {hidden} has no comment saying why"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_sets_up_colab(path):
    # Colab has no matgrad: the first code cell installs it there and does nothing elsewhere
    # (tools/colab_cell.py writes it); it is hidden from the rendered book by its remove-cell tag.
    # The cell installs from the repository URL in _config.yml, the one place that holds it.
    first = code_cells(path)[0]
    source = "".join(first["source"])
    assert source == colab_cell.SOURCE, f"{path.name}: Colab cell out of date; run python tools/colab_cell.py"
    assert '"google.colab" in sys.modules' in source and colab_cell.repository_url() in source
    assert "remove-cell" in first["metadata"].get("tags", [])


def _level2_headings(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.S | re.M)  # no headings inside code fences
    return [h.strip() for h in re.findall(r"^## (.+)$", text, flags=re.M)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_ends_with_exercises_then_summary(path):
    # The same order in every chapter (the intro promises it): exercises, then the summary, last.
    headings = _level2_headings(path)
    assert headings[-2:] == ["Exercises", "Summary"], f"{path.name}: last sections are {headings[-2:]}"


def _versions() -> dict[str, str]:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    found = {
        "pyproject.toml": re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1],
        "matgrad.__version__": re.search(r'__version__ = "([^"]+)"', (ROOT / "src/matgrad/__init__.py").read_text())[1],
        "CITATION.cff version": str(cff["version"]),
        "CITATION.cff preferred-citation": str(cff["preferred-citation"]["version"]),
        "page footer": re.search(r"version (\S+) ", config["html"]["extra_footer"])[1],
        "footer release tag": re.search(r"release tag v(\S+?)\)", config["html"]["extra_footer"])[1],
    }
    for name in ("book/intro.md", "README.md"):
        found[name] = re.search(r"version = \{([^}]+)\}", (ROOT / name).read_text())[1]
    found["book/intro.md tag"] = re.search(r"release tag `v([^`]+)`", (ROOT / "book/intro.md").read_text())[1]
    title_page = config["sphinx"]["config"]["latex_elements"]["maketitle"]
    found["PDF title page"] = re.search(r"Version (\S+) ", title_page)[1]
    found["PDF citation"] = re.search(r"version (\S+)\.", title_page)[1]
    return found


def test_one_version_everywhere():
    # A citation of "Eq. (4.2)" is exact only with a version: every place that states it must agree.
    versions = _versions()
    assert len(set(versions.values())) == 1, versions


def _markdown_sources() -> list[tuple[str, str]]:
    sources = [(p.name, p.read_text()) for p in sorted(BOOK.glob("*.md"))]
    for path in NOTEBOOKS:
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            if cell["cell_type"] == "markdown":
                sources.append((f"{path.name} cell {index}", "".join(cell["source"])))
    return sources


def test_a_directive_inside_a_directive_has_a_longer_outer_fence():
    # ```{prf:proof} ... ```{math} ... ``` ... ``` closes the proof at the math's end, and the rest of the page
    # becomes a code block: the outer fence must be longer (````{prf:proof}) than the fences inside it.
    problems = []
    for where, text in _markdown_sources():
        open_fences: list[tuple[str, str]] = []
        for line in text.splitlines():
            match = re.match(r"^(`{3,}|:{3,})(\{[^}]+\})?", line)
            if not match:
                continue
            fence, name = match[1], match[2]
            if name:
                if open_fences and fence[0] == open_fences[-1][0][0] and len(fence) >= len(open_fences[-1][0]):
                    problems.append(f"{where}: {name} inside {open_fences[-1][1]} with a fence as long")
                open_fences.append((fence, name))
            elif open_fences and fence == open_fences[-1][0]:
                open_fences.pop()
    assert not problems, "\n".join(problems)
