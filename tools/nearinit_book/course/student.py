"""Student versions of the chapters, made from the chapter notebooks alone.

The chapter notebook `book/NN_name.ipynb` is the only source (CONTRIBUTING.md, "Graded exercise"). This module
derives from it:

- `student_notebook(nb)`: the **whole chapter as a student gets it** (the student website, its download button,
  the PDF handouts), made by nbgrader's own preprocessors as ``nbgrader generate_assignment`` makes a release:
  `website-only` cells dropped (nbconvert's ``TagRemovePreprocessor``), every graded solution region replaced by
  nbgrader's stub (``ClearSolutions``), hidden tests deleted (``ClearHiddenTests``); then the outputs of the graded
  cells cleared. Everything else (prose, proofs, checks, figures, the worked solutions of the ungraded exercises)
  is kept, outputs included: unlike the release, the student version is also for reading.
- `assignment_notebook(nb)`: the **lean assignment** nbgrader releases: the book's macros, a title, one locked
  set-up cell importing what the exercises use, and the graded exercises (statement, solution cell, test cell),
  nothing else of the chapter, so that autograding a submission runs in seconds.
- `macro_cell()`: the book's math macros (from `_config.yml`, the website's single source) as MyST frontmatter in a
  markdown cell, which jupyterlab-myst reads from the first markdown cell of a notebook; tagged `remove-cell`, so
  Jupyter Book (myst-nb skips such cells) does not show it.
- `myst_to_commonmark(text)`: MyST directives and roles turned into plain Markdown, for HTML made by nbconvert
  (feedback, solution key), which has no MyST renderer.
"""

from __future__ import annotations

import ast
import copy
import functools
import pathlib
import re

import nbformat
import yaml

from nearinit_book.toc import ROOT

BOOK = ROOT / "book"

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MARKERS = (SOLUTION_BEGIN, SOLUTION_END, HIDDEN_BEGIN, HIDDEN_END)
WEBSITE_ONLY = "website-only"
MACROS_TAG = "book-macros"


# --------------------------------------------------------------------------- cells
def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def is_solution_cell(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_test_cell(cell) -> bool:
    """An autograder test cell: graded, not a solution, code."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell["cell_type"] == "code"


def is_macro_cell(cell) -> bool:
    return MACROS_TAG in tags(cell)


def regions(source: str, begin: str, end: str) -> list[list[str]]:
    """The lines strictly between each `begin` marker line and the next `end` marker line."""
    found, current = [], None
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == begin:
            current = []
        elif stripped == end and current is not None:
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def without_markers(source: str) -> str:
    """A solution cell as a student would write it: the instructor's code without nbgrader's marker lines."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END))


def public_tests(source: str) -> str:
    """A test cell's source without its hidden-test regions (markers included), as nbgrader's release has it."""
    from nbgrader.preprocessors import ClearHiddenTests

    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"grade": True}})
    cell, _ = ClearHiddenTests().preprocess_cell(cell, {}, 0)
    return cell.source.rstrip()


def _clear_outputs(cell) -> None:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None


# --------------------------------------------------------------------------- the book's macros
@functools.cache
def mathjax_macros(root: pathlib.Path = ROOT) -> dict:
    """The website's MathJax macros, as `_config.yml` gives them (mathjax3_config.tex.macros; `[body, n]` for a
    macro with n arguments): the single source of the book's macros."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    return dict(config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"])


def book_macros(root: pathlib.Path = ROOT) -> dict[str, str]:
    """The book's macros as MyST `math:` frontmatter (KaTeX-style: arguments are the #1, #2 of the body)."""
    return {"\\" + name: (body[0] if isinstance(body, list) else body) for name, body in mathjax_macros(root).items()}


def macro_source(root: pathlib.Path = ROOT) -> str:
    body = yaml.safe_dump({"math": book_macros(root)}, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{body}---"


def macro_cell(root: pathlib.Path = ROOT) -> nbformat.NotebookNode:
    """The first markdown cell of every notebook: the macros for jupyterlab-myst; removed from the website."""
    return nbformat.v4.new_markdown_cell(macro_source(root), metadata={"tags": ["remove-cell", MACROS_TAG]})


def with_macro_cell(nb: nbformat.NotebookNode, root: pathlib.Path = ROOT) -> nbformat.NotebookNode:
    """`nb` with the current macro cell first (replacing an older one); in place, returned for chaining."""
    cells = [c for c in nb.cells if not is_macro_cell(c)]
    nb.cells = [macro_cell(root), *cells]
    return nb


# --------------------------------------------------------------------------- student versions
def student_notebook(nb_or_path) -> nbformat.NotebookNode:
    """The whole chapter as a student gets it: no graded solution, no hidden test, no website-only cell.

    Accepts a notebook or a path; never modifies its argument. nbgrader's preprocessors do what
    ``generate_assignment`` does to a release (graded solution cells keep their `def` line and get nbgrader's stub;
    test cells keep their public asserts); the graded cells' outputs are cleared. Cell ids, tags and the other cells
    (with their outputs) are kept, so the student site renders the chapter exactly as the book does.
    """
    from nbconvert.preprocessors import TagRemovePreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    nb = read(nb_or_path) if isinstance(nb_or_path, (str, pathlib.Path)) else copy.deepcopy(nb_or_path)
    resources: dict = {}
    for pre in (
        TagRemovePreprocessor(enabled=True, remove_cell_tags={WEBSITE_ONLY}),
        ClearSolutions(),
        ClearHiddenTests(),
    ):
        nb, resources = pre.preprocess(nb, resources)
    for cell in nb.cells:
        if is_solution_cell(cell) or is_test_cell(cell):
            _clear_outputs(cell)
    return nb


def chapter_title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not is_macro_cell(cell):
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("the chapter has no '# ' title")


def _package_imports(nb: nbformat.NotebookNode) -> dict[str, str]:
    """{local name: 'from nearinit[.sub] import name [as local]' line} of the chapter's imports from the package."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "nearinit":
                for alias in node.names:
                    local = alias.asname or alias.name
                    found[local] = (node.module, alias.name, alias.asname)
    return found


def _names(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


def setup_source(nb: nbformat.NotebookNode) -> str:
    """The assignment's set-up cell: numpy and the package names the graded solutions use (and no other name of the
    package: the function an exercise asks for is not handed to the student)."""
    used = set().union(*(_names(without_markers(c.source)) for c in nb.cells if is_solution_cell(c)))
    imports: dict[str, list[str]] = {}
    for local, (module, name, asname) in sorted(_package_imports(nb).items()):
        if local in used:
            imports.setdefault(module, []).append(name if asname is None else f"{name} as {asname}")
    lines = ["import numpy as np"]
    if imports:
        lines.append("")
        lines += [f"from {module} import {', '.join(names)}" for module, names in sorted(imports.items())]
    return "\n".join(lines)


_REF_ROLE = re.compile(r"\{(prf:ref|ref|numref|eq|doc)\}`([^`]*)`")


def _ref_text(match: re.Match) -> str:
    role, target = match.group(1), match.group(2)
    explicit = re.match(r"^(.*?)\s*<([^>]+)>$", target)
    if explicit:
        return f"{explicit.group(1)} (`{explicit.group(2)}` in the chapter)"
    if role == "eq":
        return f"equation (`{target}`) of the chapter"
    return f"`{target}` in the chapter"


def assignment_notebook(nb_or_path, name: str | None = None) -> nbformat.NotebookNode:
    """The lean assignment of a chapter: what its graded exercises need and nothing else.

    Cells: the book's macros; a title; a locked set-up cell (numpy and the package names the solutions use); for
    each graded exercise its statement (cross-references to the chapter turned into text naming the label), its
    solution cell and its test cell (both with the chapter's nbgrader metadata). nbgrader then makes the release
    and the autograder source from it. Raises ValueError if the chapter has no graded exercise.
    """
    chapter = read(nb_or_path) if isinstance(nb_or_path, (str, pathlib.Path)) else nb_or_path
    name = name or (pathlib.Path(nb_or_path).stem if isinstance(nb_or_path, (str, pathlib.Path)) else "chapter")
    cells = chapter.cells
    graded = [k for k, c in enumerate(cells) if is_solution_cell(c)]
    if not graded:
        raise ValueError(f"{name}: no graded exercise (CONTRIBUTING.md, 'Graded exercise')")
    title = chapter_title(chapter)
    intro = (
        f"# Graded exercises: {title}\n\n"
        f"These are the graded exercises of the chapter *{title}* (`{name}`), which is on the course website. "
        "For each exercise, write the function in the cell below its statement, in place of "
        "`raise NotImplementedError()`, then run the test cell after it: it runs the public tests. The autograder "
        "runs them again, with hidden tests, on a fresh kernel: the cells run from the top, so do not rely on "
        "anything you defined elsewhere. Do not edit the locked cells (the autograder restores them)."
    )
    out = [
        macro_cell(),
        nbformat.v4.new_markdown_cell(intro),
        nbformat.v4.new_code_cell(
            setup_source(chapter),
            metadata={
                "nbgrader": {
                    "grade": False,
                    "solution": False,
                    "locked": True,
                    "grade_id": f"{name}-setup",
                    "schema_version": 3,
                },
                "tags": ["setup"],
            },
        ),
    ]
    for k in graded:
        statement, solution, test = cells[k - 1], cells[k], cells[k + 1]
        if statement.cell_type != "markdown" or not is_test_cell(test):
            raise ValueError(f"{name}, cell {k}: a graded exercise is statement, solution cell, test cell")
        # the statement cell may also hold the ungraded exercises (with their worked solutions): only the last
        # {exercise} block, the graded one, goes to the assignment
        blocks = directive_blocks(statement.source, ("exercise",))
        if not blocks:
            raise ValueError(f"{name}, cell {k - 1}: no {{exercise}} block before the solution cell")
        md = nbformat.v4.new_markdown_cell(_REF_ROLE.sub(_ref_text, blocks[-1]))
        code = [copy.deepcopy(solution), copy.deepcopy(test)]
        for cell in code:
            _clear_outputs(cell)
            cell.metadata = {key: v for key, v in cell.metadata.items() if key in ("nbgrader", "tags")}
            cell.metadata["tags"] = [t for t in tags(cell) if t not in ("hide-input", "remove-cell")]
        out += [md, *code]
    nb = nbformat.v4.new_notebook(cells=out, metadata=copy.deepcopy(chapter.metadata))
    nb.metadata.pop("nearinit", None)
    return nb


# --------------------------------------------------------------------------- MyST for plain Markdown renderers
_FENCE_OPEN = re.compile(r"^(\s*)(`{3,}|:{3,})\{([\w:.-]+)\}\s*(.*)$")
_OPTION = re.compile(r"^\s*:[\w-]+:.*$")
_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_TARGET = re.compile(r"^\s*\(([\w:.-]+)\)=\s*$")
_EQ_LABEL = re.compile(r"(\$\$)\s*\(([\w:.-]+)\)\s*$")

_TITLES = {
    "prf:definition": "Definition",
    "prf:lemma": "Lemma",
    "prf:proposition": "Proposition",
    "prf:theorem": "Theorem",
    "prf:corollary": "Corollary",
    "prf:proof": "Proof",
    "exercise": "Exercise",
    "solution": "Solution",
    "note": "Note",
    "warning": "Warning",
}


def _role_text(match: re.Match) -> str:
    role, target = match.group(1), match.group(2)
    explicit = re.match(r"^(.*?)\s*<([^>]+)>$", target)
    if explicit:
        return explicit.group(1)
    if role.startswith("cite"):
        return f"[{target}]"
    if role == "eq":
        return f"({target})"
    if role in ("math",):
        return f"${target}$"
    return f"*{target}*" if role in ("prf:ref", "ref", "numref", "doc", "term") else f"`{target}`"


def myst_to_commonmark(text: str) -> str:
    """MyST directives, roles, targets and equation labels as plain Markdown (math left to MathJax)."""
    out: list[str] = []
    stack: list[tuple[str, str]] = []  # (fence, directive)
    skip_options = False
    for line in text.splitlines():
        if stack and line.strip() and set(line.strip()) == {stack[-1][0][0]} and len(line.strip()) >= len(stack[-1][0]):
            fence, name = stack.pop()
            out.append("$$" if name == "math" else "```" if name in ("code", "code-block", "literalinclude") else "")
            skip_options = False
            continue
        opened = _FENCE_OPEN.match(line)
        if opened:
            fence, name, arg = opened.group(2), opened.group(3), opened.group(4).strip()
            stack.append((fence, name))
            skip_options = True
            if name == "math":
                out.append("$$")
            elif name in ("code", "code-block", "literalinclude"):
                out.append(f"```{arg if name != 'literalinclude' else ''}")
            else:
                title = _TITLES.get(name, name.split(":")[-1].capitalize())
                if name == "solution":
                    arg = ""  # its argument is the label of the exercise
                out.append(f"**{title}{' (' + _ROLE.sub(_role_text, arg) + ')' if arg else ''}.**")
            continue
        if skip_options and _OPTION.match(line):
            continue
        skip_options = False
        if _TARGET.match(line):
            continue
        line = _EQ_LABEL.sub(r"\1", line)
        out.append(_ROLE.sub(_role_text, line))
    return "\n".join(out)


def directive_blocks(text: str, names: tuple[str, ...]) -> list[str]:
    """The top-level MyST directive blocks of `text` whose directive is one of `names`, each with its fences."""
    blocks, lines, k = [], text.splitlines(), 0
    while k < len(lines):
        opened = _FENCE_OPEN.match(lines[k])
        if not opened:
            k += 1
            continue
        fence, name = opened.group(2), opened.group(3)
        end = k + 1
        while end < len(lines) and not (
            set(lines[end].strip()) == {fence[0]}
            and len(lines[end].strip()) >= len(fence)
            and not lines[end].strip()[len(fence) :]
        ):
            end += 1
        if name in names:
            blocks.append("\n".join(lines[k : end + 1]))
        k = end + 1
    return blocks


def main() -> int:
    """`python -m nearinit_book.course.student`: put the current macro cell first in every notebook of book/."""
    for path in sorted(BOOK.glob("*.ipynb")):
        nb = read(path)
        text = nbformat.writes(nb)
        if nbformat.writes(with_macro_cell(nb)) != text:
            nbformat.write(nb, str(path))
            print(f"==> {path.relative_to(ROOT)}: macro cell updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
