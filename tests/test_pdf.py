"""The PDF of the book (`make pdf`, then `make test-pdf`): read back as text and as images, as a reader would.

The tests need ``_build/latex/matgrad.pdf`` and poppler's ``pdftotext``, ``pdfinfo`` and ``pdfimages``. They are
skipped when the PDF has not been built, unless ``MATGRAD_REQUIRE_PDF=1`` (as in `make test-pdf` and CI), which
turns a missing PDF into a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "_build" / "latex" / "matgrad.pdf"
HTML = ROOT / "_build" / "html" / "book"
BOOK = ROOT / "book"
#: Sphinx's LaTeX margins: one inch on either side of the text.
MARGIN_PT = 72.0

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module", autouse=True)
def pdf_is_there():
    tools = [tool for tool in ("pdftotext", "pdfinfo", "pdfimages") if shutil.which(tool) is None]
    if not PDF.exists() or tools:
        reason = f"{PDF.relative_to(ROOT)} not built (make pdf)" if not PDF.exists() else f"{tools} not installed"
        if os.environ.get("MATGRAD_REQUIRE_PDF") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _normal(text: str) -> str:
    """Ligatures unfolded (NFKC), hyphenation at line ends undone, every run of white space one space."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text)


@cache
def _text() -> str:
    return subprocess.run(["pdftotext", "-layout", str(PDF), "-"], capture_output=True, text=True, check=True).stdout


def _chapter_titles() -> dict[str, str]:
    titles = {}
    for path in sorted(BOOK.glob("[0-9][0-9]-*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        first = next("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        titles[path.stem] = re.match(r"# (.+)", first)[1].strip()
    return titles


@pytest.mark.parametrize("chapter", sorted(_chapter_titles()))
def test_every_chapter_is_in_the_pdf_under_its_title(chapter):
    title = _normal(_chapter_titles()[chapter])
    assert title in _normal(_text())


def test_the_title_page_gives_the_version_and_how_to_cite():
    first_page = _normal(_text().split("\f")[0])
    version = re.search(r'__version__ = "([^"]+)"', (ROOT / "src/matgrad/__init__.py").read_text())[1]
    assert f"Version {version}" in first_page and "How to cite this book" in first_page


def test_no_unresolved_reference_and_no_raw_markup():
    text = _text()
    assert "??" not in text, "an unresolved reference"
    for markup in ("{eq}", "{cite}", "{doc}", "{ref}", "{prf:", "{math}", "```", ":label:"):
        assert markup not in text, f"raw MyST markup {markup!r} in the PDF"


@cache
def _code_text() -> str:
    """Every code cell's source and text output, normalised: LaTeX commands may appear there, as code."""
    parts = []
    for path in sorted(BOOK.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                parts.append("".join(cell["source"]))
                parts += ["".join(o.get("text", "")) for o in cell.get("outputs", [])]
    for path in sorted((BOOK / "extras").glob("*")):
        parts.append(path.read_text())
    return _normal("\n".join(parts))


def test_latex_commands_appear_only_inside_code():
    # a formula that LaTeX did not typeset would leave its source (\frac, \begin, ...) in the text layer
    code = _code_text()
    for line in _text().splitlines():
        line = line.replace("↪", " ")  # the mark of a wrapped code line
        for command in re.findall(r"\\(?:frac|begin|end|mathbf|operatorname|lVert|top)\b", line):
            fragment = _normal(line).strip()
            pieces = [p for p in re.split(r"\s{2,}", line.strip()) if command in p]
            assert any(_normal(p).strip() in code for p in pieces), f"raw LaTeX outside code: {fragment!r}"


def test_the_page_count_is_that_of_a_book():
    info = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert 150 <= pages <= 400, pages


def test_no_text_runs_beyond_the_right_margin():
    bbox = subprocess.run(["pdftotext", "-bbox", str(PDF), "-"], capture_output=True, text=True, check=True).stdout
    beyond = []
    for number, page in enumerate(re.split(r"<page ", bbox)[1:], start=1):
        edge = float(re.search(r'width="([\d.]+)"', page)[1]) - MARGIN_PT
        for x_max, word in re.findall(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', page
        ):
            if float(x_max) > edge + 0.5:
                beyond.append(f"page {number}: {word!r} ends at {float(x_max):.1f} pt, the margin is at {edge:.1f} pt")
    assert not beyond, f"{len(beyond)} words beyond the right margin:\n" + "\n".join(beyond[:20])


def test_figures_are_at_print_resolution():
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    images = [(int(r[0]), int(r[12]), int(r[13])) for r in rows if r[2] == "image"]  # page, x-ppi, y-ppi
    assert len(images) >= 20, "fewer figures than the book has"
    low = [image for image in images if min(image[1:]) < 150]
    assert not low, f"figures below 150 pixels per inch (page, x-ppi, y-ppi): {low}"


def test_equation_numbers_match_the_html():
    if not HTML.exists():
        pytest.skip("the HTML book is not built (make book)")
    text = _normal(_text())
    for path in sorted(HTML.glob("[0-9][0-9]-*.html")):
        if 'http-equiv="refresh"' in path.read_text():  # the old address of a moved chapter (book/_redirects)
            continue
        numbers = re.findall(r'<span class="eqno">\((\d+\.\d+)\)', path.read_text())
        chapter = int(path.name[:2])
        assert numbers, f"{path.name}: no numbered equation found in the HTML"
        assert all(int(n.split(".")[0]) == chapter for n in numbers), path.name
        missing = [n for n in numbers if f"({n})" not in text]
        assert not missing, f"{path.name}: equation numbers of the HTML not in the PDF: {missing}"
