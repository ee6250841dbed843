"""The graded assignments nbgrader builds from the chapters (`make assignments`, CONTRIBUTING.md "Graded exercise").

The chapters with graded cells are discovered (`assignments.graded_chapters`); every numbered chapter of `_toc.yml`
must have one. One session-scoped course directory (in a temporary directory, so `make assignments` output is left
alone) is built with nbgrader and then checked:

- the instructor source passes its own tests, hidden ones included (nbgrader's Validator, which executes it);
- the student release leaks no line of a solution region, a hidden-test region or a website-only cell, and shows
  the exercise, a stub and the public tests, with no outputs;
- every graded test fails on the untouched student release (Validator on the release: the tests test something);
- `nbgrader autograde` gives full marks to the instructor's solutions pasted into the release, and restores the
  locked tests of a submission that replaced them by `pass` (so its stub solutions get no points).
"""

from __future__ import annotations

import re

import pytest

import assignments as asg

from conftest import ROOT

# nbgrader's autograder trips SQLAlchemy's autoflush warnings inside its own gradebook code: noise, not ours.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

GRADED = asg.graded_chapters(ROOT)
REQUIRED = asg.toc_chapters(ROOT)
STUDENTS = ("correct", "tampered")


def _name(path):
    return path.stem


def _strings(node):
    """Every string of a notebook's JSON tree (keys included) except the cells' sources."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            if not (key == "source" and "cell_type" in node):
                yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def _source_lines(cell) -> list[str]:
    return [line.strip() for line in cell.source.splitlines() if line.strip()]


# --------------------------------------------------------------------------- format (no nbgrader run needed)
def test_some_chapter_has_graded_cells():
    assert GRADED, f"no chapter notebook in {ROOT / 'book'} has a graded test cell"


@pytest.mark.parametrize("path", REQUIRED, ids=_name)
def test_every_chapter_in_toc_has_a_graded_exercise(path):
    assert path.is_file(), f"_toc.yml lists {path.relative_to(ROOT)}, which does not exist"
    assert asg.has_graded_cells(path), (
        f"{path.name} has no graded exercise: add one in the format of CONTRIBUTING.md ('Graded exercise')"
    )


@pytest.mark.parametrize("path", GRADED, ids=_name)
def test_graded_exercises_follow_the_four_cell_format(path):
    cells = asg.read(path).cells
    for k, cell in enumerate(cells):
        meta = asg.nbgrader_meta(cell)
        if not meta:
            continue
        where = f"{path.name}, cell {k} ({meta.get('grade_id')!r})"
        assert meta.get("schema_version") == 3, f"{where}: nbgrader metadata needs schema_version 3"
        if asg.is_solution_cell(cell):
            assert cell.cell_type == "code" and not meta.get("grade") and not meta.get("locked"), where
            assert "hide-input" in asg.tags(cell), f"{where}: a solution cell is tagged 'hide-input'"
            lines = [line.strip() for line in cell.source.splitlines()]
            assert asg.SOLUTION_BEGIN in lines and asg.SOLUTION_END in lines, f"{where}: solution markers missing"
            before = lines[: lines.index(asg.SOLUTION_BEGIN)]
            assert any(line.startswith("def ") for line in before), f"{where}: keep the def line above the markers"
            assert 0 < k and cells[k - 1].cell_type == "markdown" and "{exercise}" in cells[k - 1].source, (
                f"{where}: the cell before a solution cell is the {{exercise}} statement"
            )
            test = cells[k + 1] if k + 1 < len(cells) else None
            assert test is not None and asg.is_test_cell(test), f"{where}: the next cell is its graded test cell"
            dropdown = cells[k + 2] if k + 2 < len(cells) else None
            assert dropdown is not None and dropdown.cell_type == "markdown", f"{where}: {{solution}} cell missing"
            assert asg.WEBSITE_ONLY in asg.tags(dropdown) and "{solution}" in dropdown.source, (
                f"{where}: the cell after the test cell is the {{solution}} dropdown tagged 'website-only'"
            )
        elif asg.is_test_cell(cell):
            assert meta.get("locked") is True, f"{where}: a test cell is locked"
            assert meta.get("points", 0) > 0, f"{where}: a test cell is worth points > 0"
            assert "remove-cell" in asg.tags(cell), f"{where}: a test cell is tagged 'remove-cell'"
            assert asg.is_solution_cell(cells[k - 1]), f"{where}: a test cell follows its solution cell"
            hidden = asg.regions(cell.source, asg.HIDDEN_BEGIN, asg.HIDDEN_END)
            assert len(hidden) == 1 and any(line.strip() for line in hidden[0]), f"{where}: one hidden-test region"
            public = cell.source.split(asg.HIDDEN_BEGIN)[0]
            assert re.search(r"\bassert", public), f"{where}: public asserts come before the hidden tests"
            assert not cell.get("outputs"), f"{where}: a test cell prints nothing"
        else:
            pytest.fail(f"{where}: nbgrader metadata on a cell that is neither a solution nor a test cell")


def test_grade_ids_are_unique_across_the_book():
    ids = [asg.nbgrader_meta(c)["grade_id"] for p in GRADED for c in asg.read(p).cells if asg.nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {sorted({i for i in ids if ids.count(i) > 1})}"


# --------------------------------------------------------------------------- the nbgrader pipeline, once
@pytest.fixture(scope="session")
def course(tmp_path_factory):
    if not GRADED:
        pytest.fail("no chapter with graded cells")
    return asg.build(tmp_path_factory.mktemp("assignments"), GRADED)


@pytest.fixture(scope="session")
def graded(course):
    """Every notebook run, batched: nbgrader's Validator (it executes the notebook) on each instructor source and
    each untouched release, in a child process, while `nbgrader autograde` grades two submissions per assignment
    (the instructor's solutions pasted into the release; the release with its tests replaced by `pass`).

    Returns ({notebook path: Validator result}, {assignment: {student: gradebook scores}}); a step that fails for
    one assignment is recorded in ``course.errors`` and fails only that assignment's tests.
    """
    ready = [a for a in course.assignments if a not in course.errors]
    validation = course.start_validation([course.source(a) for a in ready] + [course.release(a) for a in ready])
    scores = {}
    try:
        for a in ready:
            try:
                course.submit("correct", a, asg.correct_submission(course, a))
                course.submit("tampered", a, asg.tampered_submission(course, a))
                course.autograde(a)
                scores[a] = {s: course.scores(a, s) for s in STUDENTS}
            except Exception as exc:  # keep grading the other chapters
                course.errors[a] = f"nbgrader autograde failed: {type(exc).__name__}: {exc}"
    finally:
        validated = course.finish_validation(validation)
    return validated, scores


def _ready(course, chapter) -> str:
    a = chapter.stem
    if a in course.errors:
        pytest.fail(f"{chapter.name}: {course.errors[a]}")
    return a


@pytest.fixture(scope="session")
def validated(course, graded):
    return {str(path): result for path, result in graded[0].items()}


@pytest.fixture(scope="session")
def autograded(graded):
    return graded[1]


def _validation(course, validated, chapter, kind):
    a = _ready(course, chapter)
    result = validated[str(getattr(course, kind)(a))]
    if "error" in result:
        pytest.fail(f"{chapter.name}: nbgrader's Validator failed to run on the {kind}: {result['error']}")
    return result


def test_one_assignment_per_graded_chapter(course):
    assert course.assignments == [p.stem for p in GRADED]
    assert not course.errors, f"nbgrader failed on: {course.errors}"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_instructor_source_passes_its_own_tests(course, validated, chapter):
    result = _validation(course, validated, chapter, "source")
    assert result == {}, f"{chapter.name}: the instructor version fails its tests (hidden ones included): {result}"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_every_graded_test_fails_on_the_untouched_release(course, validated, chapter):
    result = _validation(course, validated, chapter, "release")
    release = asg.read(course.release(chapter.stem))
    tests = [c.source.strip() for c in release.cells if asg.is_test_cell(c)]
    assert "changed" not in result and "type_changed" not in result, result
    failed = [f["source"] for f in result.get("failed", [])]
    passing = [t for t in tests if t not in failed]
    assert tests and not passing, f"{chapter.name}: public tests that pass on the stub: {passing}"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_release_holds_no_solution_hidden_test_or_website_only_line(course, chapter):
    _ready(course, chapter)
    source = asg.read(course.source(chapter.stem))
    public, secret = set(), set()
    for cell in source.cells:
        lines = cell.source.splitlines()
        if asg.WEBSITE_ONLY in asg.tags(cell):
            secret.update(line.strip() for line in lines)
            continue
        hidden = [
            asg.regions(cell.source, *m)
            for m in ((asg.SOLUTION_BEGIN, asg.SOLUTION_END), (asg.HIDDEN_BEGIN, asg.HIDDEN_END))
        ]
        inside = {line.strip() for group in hidden for region in group for line in region}
        secret.update(inside)
        public.update(line.strip() for line in lines if line.strip() not in inside)
    secret = {line for line in secret if line} - public  # a line also shown elsewhere in the chapter is no secret
    markers = {asg.SOLUTION_BEGIN, asg.SOLUTION_END, asg.HIDDEN_BEGIN, asg.HIDDEN_END}

    release = asg.read(course.release(chapter.stem))
    assert sum(asg.WEBSITE_ONLY in asg.tags(c) for c in source.cells) > 0, f"{chapter.name}: no website-only cell"
    elsewhere = "\n".join(_strings(release))  # outputs, metadata, attachments: all a student gets besides sources
    for k, cell in enumerate(release.cells):
        assert asg.WEBSITE_ONLY not in asg.tags(cell), f"{chapter.name}: release cell {k} is website-only"
        leaked = [line for line in _source_lines(cell) if line in secret or line in markers]
        assert not leaked, f"{chapter.name}: release cell {k} shows {leaked}"
    leaked = sorted(line for line in secret if len(line) > 20 and line in elsewhere)
    assert not leaked, f"{chapter.name}: the release's outputs or metadata contain {leaked}"
    kept = sum(asg.WEBSITE_ONLY not in asg.tags(c) for c in source.cells)
    assert len(release.cells) == kept, f"{chapter.name}: release has {len(release.cells)} cells, expected {kept}"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_release_shows_exercise_stub_and_public_tests(course, chapter):
    _ready(course, chapter)
    source = {
        asg.nbgrader_meta(c)["grade_id"]: c for c in asg.read(course.source(chapter.stem)).cells if asg.nbgrader_meta(c)
    }
    cells = asg.read(course.release(chapter.stem)).cells
    for k, cell in enumerate(cells):
        assert cell.cell_type != "code" or (not cell.outputs and cell.execution_count is None), (
            f"{chapter.name}: release cell {k} keeps outputs"
        )
        if asg.is_solution_cell(cell):
            src = source[asg.nbgrader_meta(cell)["grade_id"]].source
            signature = src.split(asg.SOLUTION_BEGIN)[0].rstrip()
            assert cell.source.startswith(signature) and "raise NotImplementedError" in cell.source, (
                f"{chapter.name}: release cell {k} is not the stub of {signature!r}: {cell.source!r}"
            )
            assert "{exercise}" in cells[k - 1].source, f"{chapter.name}: release cell {k} lost its statement"
            test = cells[k + 1]
            assert asg.is_test_cell(test) and test.metadata.get("editable") is False
            expected = source[asg.nbgrader_meta(test)["grade_id"]].source.split(asg.HIDDEN_BEGIN)[0].strip()
            assert test.source.strip() == expected, f"{chapter.name}: the public tests differ from the source"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_correct_submission_autogrades_to_full_marks(course, autograded, chapter):
    points = {
        asg.nbgrader_meta(c)["grade_id"]: float(asg.nbgrader_meta(c)["points"])
        for c in asg.read(course.source(chapter.stem)).cells
        if asg.is_test_cell(c)
    }
    scores = autograded[_ready(course, chapter)]["correct"]
    assert {g: m for g, (_, m) in scores.items()} == points
    assert {g: s for g, (s, _) in scores.items()} == points, f"{chapter.name}: correct submission scored {scores}"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_edited_locked_tests_are_restored_by_the_autograder(course, autograded, chapter):
    scores = autograded[_ready(course, chapter)]["tampered"]
    assert scores and all(s == 0 for s, _ in scores.values()), (
        f"{chapter.name}: a stub submission whose tests were replaced by `pass` scored {scores}"
    )
    source = asg.read(course.source(chapter.stem))
    tests = {asg.nbgrader_meta(c)["grade_id"]: c.source for c in source.cells if asg.is_test_cell(c)}
    graded = asg.read(course.autograded("tampered", chapter.stem))
    restored = {asg.nbgrader_meta(c)["grade_id"]: c.source for c in graded.cells if asg.is_test_cell(c)}
    assert restored == tests, f"{chapter.name}: the autograder did not run the instructor's tests (hidden included)"
