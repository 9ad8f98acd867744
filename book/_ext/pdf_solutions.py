"""Sphinx extension for the PDF: the solutions of the exercises at the end of each chapter, and whole references.

In the HTML book a solution sits under its exercise, folded ("dropdown"), together with the hidden code
cell that checks it. On paper nothing is folded, so a reader would see every answer next to its question.
For the LaTeX builder only, this moves each solution, with the code cells that follow it and are hidden
in the HTML (tag ``hide-cell``, its check), into a last section "Solutions" of the same chapter, in the order
of the exercises, and shows those cells there. The HTML is not touched.

It also repairs references to a theorem, lemma or definition: in the LaTeX builder, with the chapters in
parts, some of them pointed at the caption of the part instead of the chapter
(``Five derivations:lem-trace-quadratic``), and LaTeX printed them as undefined ("??").

And it numbers theorems, lemmas, definitions and exercises as the HTML does, per chapter ("Lemma 13.2",
"Exercise 13.1"): with the chapters in parts, Sphinx counts them per section in the LaTeX build
("Lemma 13.1.2", "Exercise 13.8.1"), so that a number quoted from one edition would not be found in the other.
Equations are numbered by LaTeX per chapter, as in the HTML.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx_exercise.nodes import solution_node


def _is_hidden_cell(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and "tag_hide-cell" in node.get("classes", [])


def _shown(cell: nodes.Element) -> nodes.Element:
    """The cell as a plain container: sphinx-jupyterbook-latex turns hidden cells into nodes that are not
    written at all, but on paper the check of a solution belongs under it."""
    if isinstance(cell, nodes.container):
        return cell
    shown = nodes.container("", classes=[c for c in cell.get("classes", []) if c != "tag_hide-cell"])
    shown.extend(cell.children)
    return shown


def _solutions_with_their_cells(chapter: nodes.Element) -> list[list[nodes.Node]]:
    """Each solution of ``chapter`` with the hidden code cells right after it (its check)."""
    groups = []
    for solution in list(chapter.findall(solution_node)):
        group = [solution]
        parent = solution.parent
        index = parent.index(solution) + 1
        while index < len(parent.children) and _is_hidden_cell(parent.children[index]):
            group.append(parent.children[index])
            index += 1
        groups.append(group)
    return groups


def _repair_proof_references(app, doctree: nodes.document) -> None:
    """Point every reference to a proved statement at ``%<its document>#<its label>``, which the LaTeX writer
    turns into the label sphinx-proof writes (``<document>:<label>``), whichever file LaTeX is in."""
    proofs = getattr(app.env, "proof_list", {})
    for reference in doctree.findall(nodes.reference):
        label = reference.get("refid") or reference.get("refuri", "").partition("#")[2]
        if label in proofs:
            reference.attributes.pop("refid", None)
            reference["refuri"] = f"%{proofs[label]['docname']}#{label}"


def _number_per_chapter(app, env) -> None:
    """In the LaTeX build, renumber every numbered kind of block per chapter: (chapter, section, n) becomes
    (chapter, k) with k counting the blocks of that kind in the chapter, in order."""
    if app.builder.name != "latex":
        return
    for numbers_by_kind in env.toc_fignumbers.values():
        for numbers in numbers_by_kind.values():
            for k, (block, number) in enumerate(sorted(numbers.items(), key=lambda item: item[1]), start=1):
                numbers[block] = (number[0], k)


def _move_solutions(app, doctree: nodes.document, docname: str) -> None:
    if app.builder.name != "latex":
        return
    _repair_proof_references(app, doctree)
    for start in doctree.findall(addnodes.start_of_file):
        if start["docname"] not in app.env.all_docs:
            continue  # a part (its docname is its caption), whose chapters are start_of_file nodes of their own
        chapter = next((child for child in start.children if isinstance(child, nodes.section)), None)
        if chapter is None:
            continue
        groups = _solutions_with_their_cells(chapter)
        if not groups:
            continue
        section = nodes.section(ids=[f"solutions-{start['docname'].replace('/', '-')}"], names=[])
        section += nodes.title(text="Solutions")
        for group in groups:
            for node in group:
                node.parent.remove(node)
                section += node if node is group[0] else _shown(node)
        chapter += section


def setup(app):
    app.connect("env-check-consistency", _number_per_chapter)  # after Sphinx numbered them, before any use
    app.connect("doctree-resolved", _move_solutions, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
