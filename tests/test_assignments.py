"""The graded assignments (`make course`, CONTRIBUTING.md "Graded exercise"), graded as nbgrader grades them.

Format checks need no nbgrader run. Then one session-scoped course (a temporary directory) is built from the
chapters, a catalogue of fake submissions (`tests/fake_submissions.py`) is submitted to it, every assignment is
autograded once (all its submissions in one `nbgrader autograde` run) and its feedback generated once, and:

- every submission gets the score the catalogue expects (full marks for the instructor's solution, 0 for the stub,
  a plausible wrong answer, an alias of the package function, an object whose == is always True, edited / deleted /
  re-weighted test cells, a patched numpy, an exception, an infinite loop), and a dead kernel is reported as a
  dead kernel, not as a 0;
- no line of a solution, a hidden test or a website-only cell reaches a release (outputs and metadata included);
- the feedback says which test failed with its public message, never shows a hidden test, typesets math offline;
- grading with another `nearinit` than the release's fails loudly;
- `make course` keeps its gradebook and grades across rebuilds, and refreshes the releases.
"""

from __future__ import annotations

import html as htmllib
import pathlib
import re

import fake_submissions as fake
import nbformat
import pytest

from nearinit_book.course import assignments as asg
from nearinit_book.course import student as stu
from nearinit_book.grading import execute as grading_execute
from nearinit_book.grading import sandbox as grading_sandbox
from nearinit_book.grading import wire

from conftest import ROOT

# nbgrader's autograder trips SQLAlchemy's autoflush warnings inside its own gradebook code: noise, not ours.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

GRADED = asg.graded_chapters(ROOT)
REQUIRED = asg.toc_chapters(ROOT)
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


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


def _public_and_secret(chapter: nbformat.NotebookNode) -> tuple[set[str], set[str]]:
    """(lines shown to students, lines of solution regions, hidden-test regions and website-only cells); a line is
    public where it stands outside the regions, even if the same line also stands inside one."""
    public, secret = set(), set()
    for cell in chapter.cells:
        lines = cell.source.splitlines()
        if stu.WEBSITE_ONLY in stu.tags(cell):
            secret.update(line.strip() for line in lines)
            continue
        inside = False
        for line in lines:
            text = line.strip()
            if text in (stu.SOLUTION_BEGIN, stu.HIDDEN_BEGIN):
                inside = True
            elif text in (stu.SOLUTION_END, stu.HIDDEN_END):
                inside = False
            else:
                (secret if inside else public).add(text)
    return public, secret


PUBLIC = set().union(*(_public_and_secret(stu.read(p))[0] for p in NOTEBOOKS))


def secret_lines(chapter: nbformat.NotebookNode) -> set[str]:
    """Lines of solution regions, hidden-test regions and website-only cells that students see nowhere in the book
    (a line such as `_assert_allclose(` that a public test also shows is no secret)."""
    _, secret = _public_and_secret(chapter)
    return {
        line
        for line in secret
        if len(line) > 12
        and line not in stu.MARKERS
        and not line.startswith("#")
        and not any(line in shown for shown in PUBLIC)
    }


# --------------------------------------------------------------------------- format (no nbgrader run needed)
def test_some_chapter_has_graded_cells():
    assert GRADED, f"no chapter notebook in {ROOT / 'book'} has a graded test cell"


@pytest.mark.parametrize("path", REQUIRED, ids=_name)
def test_every_chapter_in_toc_has_a_graded_exercise(path):
    assert path.is_file(), f"_toc.yml lists {path.relative_to(ROOT)}, which does not exist"
    assert asg.has_graded_cells(path), (
        f"{path.name} has no graded exercise: add one in the format of CONTRIBUTING.md ('Graded exercise')"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_every_notebook_starts_with_the_book_macros(path):
    """jupyterlab-myst takes math macros from the first markdown cell's frontmatter: the website's macros."""
    first = stu.read(path).cells[0]
    assert stu.is_macro_cell(first) and first.source == stu.macro_source(), (
        f"{path.name}: the first cell is not the current macro cell; run `python -m nearinit_book.course.student` "
        "(macros are defined once, in _config.yml)"
    )
    assert "remove-cell" in stu.tags(first), f"{path.name}: the macro cell must be tagged remove-cell (website)"
    assert set(stu.book_macros()) >= {"\\fro", "\\ip", "\\norm"}


@pytest.mark.parametrize("path", GRADED, ids=_name)
def test_graded_exercises_follow_the_format(path):
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
            assert cells[k - 1].cell_type == "markdown" and "{exercise}" in cells[k - 1].source, (
                f"{where}: the cell before a solution cell is the {{exercise}} statement"
            )
            test = cells[k + 1] if k + 1 < len(cells) else None
            assert test is not None and asg.is_test_cell(test), f"{where}: the next cell is its graded test cell"
            dropdown = cells[k + 2] if k + 2 < len(cells) else None
            assert dropdown is not None and dropdown.cell_type == "markdown", f"{where}: {{solution}} cell missing"
            assert asg.WEBSITE_ONLY in asg.tags(dropdown) and "{solution}" in dropdown.source, (
                f"{where}: the cell after the test cell is the {{solution}} dropdown tagged 'website-only'"
            )
            gid = meta["grade_id"]
            assert gid in fake.WRONG and gid in fake.ALIAS and gid in fake.LIAR, (
                f"{where}: add its plausible wrong answer, alias and liar to tests/fake_submissions.py"
            )
        elif asg.is_test_cell(cell):
            assert meta.get("locked") is True, f"{where}: a test cell is locked"
            assert meta.get("points", 0) > 0, f"{where}: a test cell is worth points > 0"
            assert "remove-cell" in asg.tags(cell), f"{where}: a test cell is tagged 'remove-cell'"
            assert asg.is_solution_cell(cells[k - 1]), f"{where}: a test cell follows its solution cell"
            # plain tests, headed by what the grader needs: the graded function (a proxy of the submission's, in the
            # tests' kernel) and the package functions the sandbox's copy of nearinit lacks
            function, absent = grading_execute.cell_spec(cell.source)
            defined = re.findall(r"^def (\w+)\(", cells[k - 1].source, flags=re.M)
            assert function in defined, f"{where}: '# Graded function: {function}' is not defined by the solution cell"
            import nearinit

            for name in absent:
                assert callable(getattr(nearinit, name, None)), f"{where}: nearinit has no function {name!r}"
            assert "_genuine(" not in cell.source and "_watched(" not in cell.source, f"{where}: no grading prelude"
            hidden = asg.regions(cell.source, asg.HIDDEN_BEGIN, asg.HIDDEN_END)
            assert len(hidden) == 1 and any(line.strip() for line in hidden[0]), f"{where}: one hidden-test region"
            public = cell.source.split(asg.HIDDEN_BEGIN)[0]
            assert re.search(r"\bassert\b|\bassert_allclose\(", public), f"{where}: public asserts come first"
            assert not cell.get("outputs"), f"{where}: a test cell prints nothing"
        else:
            pytest.fail(f"{where}: nbgrader metadata on a cell that is neither a solution nor a test cell")


def test_grade_ids_are_unique_across_the_book():
    ids = [asg.nbgrader_meta(c)["grade_id"] for p in GRADED for c in asg.read(p).cells if asg.nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {sorted({i for i in ids if ids.count(i) > 1})}"


@pytest.mark.parametrize("path", GRADED, ids=_name)
def test_the_assignment_is_lean(path):
    """Only the macros, a title, one locked set-up cell and the graded exercises: nothing else of the chapter runs."""
    chapter, lean = stu.read(path), stu.assignment_notebook(path)
    n = sum(stu.is_solution_cell(c) for c in chapter.cells)
    assert len(lean.cells) == 3 + 3 * n
    setup = lean.cells[2]
    assert setup.cell_type == "code" and stu.nbgrader_meta(setup)["locked"] is True
    code = [c for c in lean.cells if c.cell_type == "code"]
    assert sum(stu.is_solution_cell(c) for c in code) == n and sum(stu.is_test_cell(c) for c in code) == n
    assert len(code) == 1 + 2 * n


# --------------------------------------------------------------------------- the nbgrader pipeline, once
@pytest.fixture(scope="session")
def plan(course):
    return fake.kinds_for(course.assignments)


@pytest.fixture(scope="session")
def graded(course, plan):
    """Every catalogue submission autograded (one nbgrader run per assignment), then its feedback generated.

    Returns {assignment: {"result": autograde result, "scores": {student: {grade_id: (score, max)}}}}.
    """
    out = {}
    grader_files_before = _grader_files(course)
    for a in course.assignments:
        if a in course.errors:
            continue
        source, release = asg.read(course.source(a)), asg.read(course.release(a))
        students = []
        for kind in plan[a]:
            nb = fake.submission(kind, source, release)
            if nb is not None:
                course.submit(kind, a, nb)
                students.append(kind)
        result = course.autograde(a)
        scores = {}
        for kind in students:
            if kind not in result["failed"]:
                scores[kind] = course.scores(a, kind)
        course.feedback(a)
        out[a] = {"result": result, "scores": scores, "students": students}
    out["grader files before"] = grader_files_before
    return out


def _grader_files(course) -> dict[str, bytes]:
    """The autograder sources and releases, byte for byte (what the attacks on the grader aim at)."""
    return {
        str(p.relative_to(course.root)): p.read_bytes()
        for folder in ("source", "release")
        for p in sorted((course.root / folder).rglob("*.ipynb"))
    }


def _ready(course, chapter) -> str:
    a = chapter.stem
    if a in course.errors:
        pytest.fail(f"{chapter.name}: {course.errors[a]}")
    return a


def test_one_assignment_per_graded_chapter(course):
    assert course.assignments == [p.stem for p in GRADED]
    assert not course.errors, f"nbgrader failed on: {course.errors}"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_the_catalogue_of_submissions_gets_the_expected_scores(course, graded, chapter):
    a = _ready(course, chapter)
    points = {
        asg.nbgrader_meta(c)["grade_id"]: float(asg.nbgrader_meta(c)["points"])
        for c in asg.read(course.source(a)).cells
        if asg.is_test_cell(c)
    }
    got = graded[a]
    wrong = {}
    for kind in got["students"]:
        if kind == "dead-kernel":
            continue
        assert kind not in got["result"]["failed"], f"{a}: nbgrader could not grade {kind!r}: {got['result']}"
        scores = got["scores"][kind]
        assert {g: m for g, (_, m) in scores.items()} == points, f"{a}, {kind}: max scores changed to {scores}"
        expected = points if fake.EXPECTED[kind] == "full" else {g: 0.0 for g in points}
        if {g: s for g, (s, _) in scores.items()} != expected:
            wrong[kind] = scores
    assert not wrong, f"{a}: submissions graded wrong (expected: {fake.EXPECTED}): {wrong}"
    assert {"solution", "stub", "wrong", "liar"} <= set(got["students"])


def test_a_dead_kernel_is_reported_as_such(course, graded, plan):
    [a] = [a for a, kinds in plan.items() if "dead-kernel" in kinds]
    result = graded[a]["result"]
    assert not result["success"], "nbgrader autograde succeeded although a kernel died"
    assert "kernel died" in result["failed"].get("dead-kernel", ""), result["failed"]
    assert set(result["failed"]) == {"dead-kernel"}, f"the other submissions of {a} were graded: {result['failed']}"


def test_an_infinite_loop_is_stopped_and_graded_zero(course, graded, plan):
    [a] = [a for a, kinds in plan.items() if "infinite-loop" in kinds]
    assert all(s == 0 for s, _ in graded[a]["scores"]["infinite-loop"].values())
    html = course.feedback_html("infinite-loop", a).read_text()
    assert "time limit" in html, "the feedback of a timed-out cell says so"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_release_holds_no_solution_hidden_test_or_website_only_line(course, chapter):
    a = _ready(course, chapter)
    source = asg.read(chapter)
    secret = secret_lines(source)
    release = asg.read(course.release(a))
    text = nbformat.writes(release)  # sources, outputs, metadata: everything a student gets
    leaked = sorted(line for line in secret if line in text)
    assert not leaked, f"{chapter.name}: the release contains {leaked}"
    for marker in (*stu.MARKERS, "{solution}", stu.WEBSITE_ONLY):
        assert marker not in text, f"{chapter.name}: the release contains {marker!r}"
    assert not any(c.get("outputs") for c in release.cells if c.cell_type == "code")


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_release_shows_exercise_stub_and_public_tests_and_records_the_package(course, chapter):
    from nearinit_book.course.plugins import package_fingerprint

    a = _ready(course, chapter)
    source = {asg.nbgrader_meta(c)["grade_id"]: c for c in asg.read(course.source(a)).cells if asg.nbgrader_meta(c)}
    release = asg.read(course.release(a))
    assert release.metadata["nearinit"] == package_fingerprint()
    cells = release.cells
    for k, cell in enumerate(cells):
        if asg.is_solution_cell(cell):
            src = source[asg.nbgrader_meta(cell)["grade_id"]].source
            signature = src.split(asg.SOLUTION_BEGIN)[0].rstrip()
            assert cell.source.startswith(signature) and "raise NotImplementedError" in cell.source
            assert "{exercise}" in cells[k - 1].source, f"{chapter.name}: release cell {k} lost its statement"
            test = cells[k + 1]
            assert asg.is_test_cell(test) and test.metadata.get("editable") is False
            expected = source[asg.nbgrader_meta(test)["grade_id"]].source.split(asg.HIDDEN_BEGIN)[0].strip()
            assert test.source.strip() == expected, f"{chapter.name}: the public tests differ from the source"


@pytest.mark.parametrize("chapter", GRADED, ids=_name)
def test_feedback_teaches_and_does_not_leak(course, graded, chapter):
    a = _ready(course, chapter)
    secret = secret_lines(asg.read(chapter))
    for student in graded[a]["students"]:
        if student == "dead-kernel":
            continue
        html = course.feedback_html(student, a).read_text()
        # the page's text (highlighted code is split by tags), less what the student wrote in the solution cells
        text = htmllib.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<script.*?</script>", "", html, flags=re.S)))
        own = {
            line.strip()
            for c in asg.read(course.submitted(student, a)).cells
            if asg.is_solution_cell(c)
            for line in c.source.splitlines()
        }
        leaked = sorted(line for line in secret - own if line in text)
        assert not leaked, f"{a}, feedback of {student!r} shows hidden or solution lines: {leaked[:5]}"
        assert "HIDDEN TESTS" not in text and "```{" not in text and "{prf:ref}" not in text
        assert not re.search(r"<script[^>]+src=[\"']https?://", html), f"{a}: the feedback loads a script online"
        assert "cdn.jsdelivr.net" not in html, f"{a}: the feedback names a CDN (MathJax's speech-rule-engine)"
        assert "window.MathJax" in html and "MathJax 2" not in html
    stub_html = course.feedback_html("stub", a).read_text()
    assert "A public test failed" in stub_html and "NotImplementedError" in stub_html
    wrong_html = course.feedback_html("wrong", a).read_text()
    assert "A hidden test failed" in wrong_html, f"{a}: the feedback of the wrong answer names no hidden failure"


def test_grading_with_another_package_fails_loudly(course, graded):
    a = course.assignments[0]
    path = course.release(a)
    original = path.read_text()
    nb = nbformat.reads(original, as_version=4)
    nb.metadata["nearinit"]["sha256"] = "0" * 64  # as if released with another nearinit
    nbformat.write(nb, str(path))
    try:
        result = course.autograde(a, "solution")
    finally:
        path.write_text(original)
    assert not result["success"], "autograde accepted a release made with another nearinit"
    assert result["failed"].get("solution", "").startswith("PACKAGE MISMATCH"), result["failed"]


def test_make_course_keeps_grades_across_rebuilds(tmp_path):
    chapter = GRADED[-1]
    root = tmp_path / "course"
    course = asg.make_course(root, [chapter])
    assert not course.errors, course.errors
    a = chapter.stem
    release = asg.read(course.release(a))
    course.submit("student1", a, fake.submission("solution", asg.read(course.source(a)), release))
    assert course.autograde(a)["success"]
    before = course.scores(a, "student1")
    # a rebuild after the chapter changed: new release, same gradebook and grades
    changed = tmp_path / chapter.name
    nb = asg.read(chapter)
    for cell in nb.cells:
        if asg.is_solution_cell(cell):
            cell.source = cell.source.replace("def ", "# revised statement\ndef ", 1)
    nbformat.write(nb, str(changed))
    again = asg.make_course(root, [changed])
    assert not again.errors, again.errors
    assert "# revised statement" in course.release(a).read_text(), "make course did not refresh the release"
    assert again.scores(a, "student1") == before, "make course lost the grades"


def test_the_solution_key_has_every_exercise_and_works_offline(tmp_path):
    key = asg.solution_key(tmp_path / "key.html").read_text()
    exercises = sum(
        len(stu.directive_blocks(c.source, ("exercise",)))
        for p in NOTEBOOKS
        for c in stu.read(p).cells
        if c.cell_type == "markdown"
    )
    assert key.count("<strong>Exercise") == exercises, "the key misses exercises"
    for chapter in GRADED:
        for cell in stu.read(chapter).cells:
            if stu.is_solution_cell(cell):
                last = [line for line in stu.without_markers(cell.source).splitlines() if line.strip()][-1].strip()
                text = htmllib.unescape(re.sub(r"<[^>]+>", "", key))
                assert last.split("(")[0] in text, f"{chapter.name}: solution code missing"
    assert not re.search(r"<script[^>]+src=[\"']https?://", key) and "cdnjs" not in key and "jsdelivr" not in key
    assert "window.MathJax" in key


# --------------------------------------------------------------------------- isolation
def test_the_issues_input_transformer_scores_zero(course, graded):
    """The input-transformer submission got 2/2 when the tests ran in the submission's kernel."""
    a = "03_smooth"
    [cell] = [c for c in asg.read(course.submitted("input-transformer", a)).cells if asg.is_solution_cell(c)]
    assert cell.source == (
        'get_ipython().input_transformers_post.append(lambda lines: [] if any("assert" in l for l in lines) '
        "else lines)\ndef bound_per_input(W, V, X, beta):\n    return 0.0"
    )
    assert graded[a]["scores"]["input-transformer"] == {"ch3-bound-per-input-tests": (0.0, 2.0)}


def test_the_attacks_on_the_grader_leave_it_intact(course, graded):
    """Sources and releases unchanged, the gradebook sound, nothing written into the grader's site-packages, no
    process of a sandbox left behind."""
    import site
    import sqlite3

    assert _grader_files(course) == graded["grader files before"], "a submission changed the autograder's files"
    for folder in site.getsitepackages():
        assert not (pathlib.Path(folder) / fake.PTH_NAME).exists(), "a submission wrote into site-packages"
    with sqlite3.connect(course.root / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    left = []
    for proc in pathlib.Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if proc.name.isdigit() and ("nearinit-sandbox-" in cmdline or "while :; do :; done" in cmdline):
            left.append(cmdline.replace("\0", " ")[:200])
    assert not left, f"processes of a sandbox outlived the grading: {left}"


def _solution_outputs(course, student, assignment) -> str:
    nb = asg.read(course.autograded(student, assignment))
    return "\n".join(
        str(o.get("text", "")) + str(o.get("evalue", ""))
        for c in nb.cells
        if asg.is_solution_cell(c)
        for o in c.outputs
    )


def test_a_fork_is_refused_with_a_reason(course, graded, plan):
    [a] = [a for a, kinds in plan.items() if "fork-busy-loop" in kinds]
    assert "Operation not permitted" in _solution_outputs(course, "fork-busy-loop", a)
    assert graded[a]["scores"]["solution"] == {g: (m, m) for g, (_, m) in graded[a]["scores"]["solution"].items()}


def test_the_reads_and_writes_found_nothing(course, graded, plan):
    [a] = [a for a, kinds in plan.items() if "writes-grader-files" in kinds]
    out = _solution_outputs(course, "writes-grader-files", a)
    assert "site-packages: [Errno 30] Read-only file system" in out, out[-2000:]
    assert "gradebook:" not in out and "source:" not in out, "the sandbox shows the course directory"


def test_printing_100_mb_costs_the_grader_nothing(course, graded, plan):
    [a] = [a for a, kinds in plan.items() if "prints-100mb" in kinds]
    assert course.autograded("prints-100mb", a).stat().st_size < 2 * 2**20


def test_grading_without_the_sandbox_tool_refuses_loudly(course, graded):
    a = course.assignments[0]
    course.submit("no-sandbox", a, fake.submission("solution", *course.read_pair(a)))
    course.config.SandboxedExecute.bwrap = "nearinit-no-such-bwrap"
    try:
        result = course.autograde(a, "no-sandbox")
    finally:
        course.config.SandboxedExecute.bwrap = "bwrap"
    assert not result["success"], "autograde ran without a sandbox"
    reason = result["failed"].get("no-sandbox", "")
    assert reason.startswith("SANDBOX UNAVAILABLE") and "bubblewrap" in reason, result["failed"]


def test_the_sandbox_sees_no_course_no_network_and_makes_no_process(tmp_path):
    """The sandboxed kernel on its own: what it can read, write, reach and start."""
    import json
    import socket
    import subprocess

    from jupyter_client import BlockingKernelClient
    from jupyter_core.utils import run_sync

    secret = ROOT / "book"
    listener = socket.socket()  # a server on the grader's loopback: the sandbox must not reach it
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    probe = f"""
import json, os, resource, socket, site
out = {{}}
out["repository"] = os.path.exists({str(secret)!r})
out["venv read-only"] = not os.access(site.getsitepackages()[0], os.W_OK)
for name, host in (("grader's loopback", "127.0.0.1"), ("internet", "1.1.1.1")):
    try:
        socket.create_connection((host, {port} if host == "127.0.0.1" else 80), timeout=2)
        out[name] = "connected"
    except OSError as exc:
        out[name] = exc.errno
try:
    os.fork()
    out["fork"] = "forked"
except OSError as exc:
    out["fork"] = exc.errno
try:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    out["raise limit"] = "raised"
except (ValueError, OSError):
    out["raise limit"] = "refused"
open("/tmp/scratch", "w").write("ok")
out["scratch"] = open("/tmp/scratch").read()
import nearinit
try:
    nearinit.smooth_gap_bound(None, None, None)
except NotImplementedError as exc:
    out["forbidden"] = str(exc)
print(json.dumps(out))
"""
    with grading_sandbox.Sandbox(forbidden={"smooth_gap_bound"}, limits={"RLIMIT_AS": 2**31}) as box:
        km = box.kernel_manager()
        run_sync(km.start_kernel)(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kc = BlockingKernelClient(connection_file=box.connection_file)
        kc.load_connection_file()
        kc.start_channels(hb=False)  # (a missed heartbeat under load is not a dead kernel)
        try:
            kc.wait_for_ready(timeout=60)
            lines = []
            reply = kc.execute_interactive(
                probe, timeout=60, output_hook=lambda m: lines.append(m["content"].get("text", ""))
            )
        finally:
            kc.stop_channels()
            listener.close()
    assert reply["content"]["status"] == "ok", lines
    out = json.loads("".join(lines))
    import errno

    assert out["repository"] is False, "the sandbox sees the repository (solutions, course)"
    assert out["venv read-only"] is True
    assert out["grader's loopback"] == errno.ECONNREFUSED and out["internet"] == errno.ENETUNREACH, out
    assert out["fork"] == errno.EPERM, out
    assert out["raise limit"] == "refused"
    assert out["scratch"] == "ok"
    assert "not available when this exercise is graded" in out["forbidden"]


def test_only_plain_data_crosses_the_wall():
    import numpy as np

    values = [None, True, 3, 2.5, float("nan"), "relu", np.float64(1.5), np.int64(7), np.bool_(False)]
    values += [np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int32), (1, [2.0, np.zeros(0)])]
    for value in values:
        back = wire.loads(wire.dumps(value))
        assert type(back) is type(value)
        if isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)

    class Liar(int):
        def __eq__(self, other):
            return True

    for bad in (Liar(0), np.zeros(2).view(type("Sub", (np.ndarray,), {})), np.array([object()]), {"a": 1}, lambda: 0):
        with pytest.raises(wire.WireError):
            wire.dumps(bad)
    for forged in (
        '{"t": "ndarray", "dtype": "object", "shape": [1], "v": ""}',
        '{"t": "int", "v": 1.5}',
        '{"t": "ndarray", "dtype": "float64", "shape": [3], "v": "AAAA"}',
        '{"t": "pickle", "v": ""}',
    ):
        with pytest.raises(wire.WireError):
            wire.loads(forged)


def test_the_forbidden_functions_are_stubbed_in_the_sandboxs_package(tmp_path):
    import ast

    absent = set()
    for path in GRADED:
        for cell in stu.read(path).cells:
            if stu.is_test_cell(cell):
                absent.update(grading_execute.cell_spec(cell.source)[1])
    package = grading_sandbox.copy_without(tmp_path, frozenset(absent))
    stubbed = set()
    for path in package.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name in absent:
                assert isinstance(node.body[-1], ast.Raise) and len(node.body) <= 2, f"{path.name}: {node.name}"
                stubbed.add(node.name)
    assert stubbed == absent
    with pytest.raises(grading_sandbox.GradingError):
        grading_sandbox.copy_without(tmp_path / "again", frozenset({"no_such_function"}))
