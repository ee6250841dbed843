"""The student edition of the website (`make student-site`, built into _build/student/_build/html; another build:
``NEARINIT_STUDENT_HTML=/path/to/html``): it must give away no graded answer.

- No line of a graded solution, a hidden test or a website-only cell, in any file of the site (pages with their
  markup stripped, downloadable notebooks with their outputs and metadata, search index, scripts), and no nbgrader
  marker.
- No solution dropdown of a graded exercise: a chapter page has exactly the dropdowns of its ungraded exercises, and
  shows the stub where the book shows the solution code.
- The download button delivers the student notebook (`nearinit_book.course.student.student_notebook` of the chapter).
"""

from __future__ import annotations

import html as htmllib
import json
import os
import pathlib
import re

import pytest

from nearinit_book.course import student as stu

from conftest import ROOT

HTML = pathlib.Path(os.environ.get("NEARINIT_STUDENT_HTML", ROOT / "_build" / "student" / "_build" / "html"))
CHAPTERS = [
    p for p in sorted((ROOT / "book").glob("*.ipynb")) if any(stu.is_solution_cell(c) for c in stu.read(p).cells)
]
TEXT_SUFFIXES = {".html", ".ipynb", ".js", ".json", ".txt", ".md", ".py", ".css", ".xml"}
PIECE = re.compile(r"\$\$?[^$]*\$\$?|`[^`]*`|\{[^}]*\}|\([\w-]+\)=")


def _page_text(path: pathlib.Path) -> str:
    text = path.read_text(errors="replace")
    if path.suffix == ".html":
        text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S)
        text = htmllib.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"[ \t]+", " ", text)


@pytest.fixture(scope="module")
def site() -> dict[pathlib.Path, str]:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no student site at {HTML}: run `make student-site`")
    return {p: _page_text(p) for p in HTML.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES}


def _split(nb) -> tuple[set[str], set[str], set[str]]:
    """(lines shown to students, secret code lines, secret prose fragments) of one notebook."""
    shown, code, prose = set(), set(), set()
    for cell in nb.cells:
        if stu.WEBSITE_ONLY in stu.tags(cell):
            for line in cell.source.splitlines():
                prose.update(f.strip() for f in PIECE.split(line) if len(f.strip()) >= 25)
            continue
        inside = set()
        for begin, end in ((stu.SOLUTION_BEGIN, stu.SOLUTION_END), (stu.HIDDEN_BEGIN, stu.HIDDEN_END)):
            for region in stu.regions(cell.source, begin, end):
                inside.update(line.strip() for line in region if line.strip() and not line.strip().startswith("#"))
        code.update(inside)
        shown.update(line.strip() for line in cell.source.splitlines() if line.strip() not in inside)
    return shown, code, prose


def _public_lines() -> set[str]:
    """Every line a student sees anyway: the student version of each chapter (a public test may repeat a line of the
    hidden ones, `np.testing.assert_allclose(`), and the package's docstrings, which the API page shows."""
    import inspect

    import nearinit

    lines = set()
    for p in sorted((ROOT / "book").glob("*.ipynb")):
        lines.update(_split(stu.read(p))[0])
        for cell in stu.student_notebook(p).cells:
            lines.update(line.strip() for line in cell.source.splitlines() if line.strip())
    for name in nearinit.__all__:
        doc = inspect.getdoc(getattr(nearinit, name)) or ""
        lines.update(re.sub(r"^(>>>|\.\.\.) ", "", line.strip()) for line in doc.splitlines() if line.strip())
    return lines


SHOWN = _public_lines()


def secrets(chapter) -> tuple[set[str], set[str]]:
    """(code lines, prose fragments) that only a solution region, a hidden test or a website-only cell holds (a
    line also shown to students anywhere in the book, such as `_assert_allclose(`, is no secret)."""
    _, code, prose = _split(stu.read(chapter))
    prose = {f for f in prose if not any(f in line for line in SHOWN)}
    code = {line for line in code if len(line) > 12 and not any(line in shown for shown in SHOWN)}
    return code, prose


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_graded_answer_anywhere_in_the_student_site(site, chapter):
    code, prose = secrets(chapter)
    assert code, f"{chapter.name}: no secret line found: the check would test nothing"
    for path, text in site.items():
        where = path.relative_to(HTML)
        leaked = sorted(s for s in code | prose if s in text)
        assert not leaked, f"{where} shows {len(leaked)} line(s) of {chapter.name}'s answers, e.g. {leaked[:3]}"
        for marker in stu.MARKERS:
            assert marker not in text, f"{where} contains {marker!r}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_only_ungraded_exercises_have_solution_dropdowns(chapter):
    page = (HTML / "book" / f"{chapter.stem}.html").read_text()
    student = stu.student_notebook(chapter)
    expected = sum(
        len(stu.directive_blocks(c.source, ("solution",))) for c in student.cells if c.cell_type == "markdown"
    )
    graded = [c for c in stu.read(chapter).cells if stu.WEBSITE_ONLY in stu.tags(c)]
    assert graded, f"{chapter.name}: no website-only cell"
    dropdowns = len(re.findall(r'<div[^>]*class="[^"]*\bsolution\b[^"]*"', page))
    assert dropdowns == expected, f"{chapter.name}: {dropdowns} solution dropdowns, expected {expected} (ungraded)"
    for cell in graded:
        label = re.search(r"\{solution\}\s*(\S+)", cell.source).group(1)
        assert not re.search(rf'class="[^"]*solution[^"]*".{{0,400}}href="#{re.escape(label)}"', page, re.S), (
            f"{chapter.name}: a solution dropdown of the graded exercise {label}"
        )
    assert "NotImplementedError" in page, f"{chapter.name}: the page does not show the stub of the graded exercise"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_download_button_delivers_the_student_notebook(chapter):
    page = (HTML / "book" / f"{chapter.stem}.html").read_text()
    link = f"_sources/book/{chapter.name}"
    assert link in page, f"{chapter.name}: the page has no download link to {link}"
    served = json.loads((HTML / link).read_text())
    expected = stu.student_notebook(chapter)
    assert [("".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in served["cells"]] == [
        c.source for c in expected.cells
    ], f"{chapter.name}: the download is not the student notebook"
