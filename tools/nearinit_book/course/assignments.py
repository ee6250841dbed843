"""The nbgrader course of the book: the driver of `make course`, `make assignments` and the course tests.

The chapter notebook `book/NN_name.ipynb` is the only source (CONTRIBUTING.md, "Graded exercise"). For every chapter
with graded cells, `student.assignment_notebook` makes the lean assignment (the book's macros, a title, a
locked set-up cell, the graded exercises: nothing else of the chapter runs), which goes to
``<course>/source/<chapter>/<chapter>.ipynb``; nbgrader's own `generate_assignment` (configured by
`assignments/nbgrader_config.py`, see `tools/nearinit_book/course/plugins.py`) then writes the student release
``<course>/release/<chapter>/<chapter>.ipynb`` (solutions replaced by stubs, hidden tests removed, the installed
`nearinit` recorded) and records the autograder's version in ``<course>/gradebook.db``.

Usage::

    python -m nearinit_book.course.assignments course [--root assignments]
        # `make course`: the course folder, kept across runs
    python -m nearinit_book.course.assignments build [--out _build/assignments]
        # `make assignments`: a fresh throw-away course
    python -m nearinit_book.course.assignments solution-key --out FILE.html
    python -m nearinit_book.course.assignments validate --course DIR --json OUT NB...  # used by the tests
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterable

import nbformat

from nearinit_book.course import student as stu
from nearinit_book.course.student import (  # noqa: F401 (re-exported for the tests)
    HIDDEN_BEGIN,
    HIDDEN_END,
    SOLUTION_BEGIN,
    SOLUTION_END,
    WEBSITE_ONLY,
    is_solution_cell,
    is_test_cell,
    nbgrader_meta,
    read,
    regions,
    tags,
    without_markers,
)
from nearinit_book.toc import ROOT, toc_files

BOOK = ROOT / "book"
CONFIG = ROOT / "assignments" / "nbgrader_config.py"
COURSE = ROOT / "assignments"
DEFAULT_OUT = ROOT / "_build" / "assignments"
CHAPTER_RE = re.compile(r"^\d\d_[A-Za-z0-9_]+$")


# --------------------------------------------------------------------------- reading chapters


def has_graded_cells(path: pathlib.Path) -> bool:
    return any(is_test_cell(c) for c in read(path).cells)


def graded_chapters(root: pathlib.Path = ROOT) -> list[pathlib.Path]:
    """The notebooks of `book/` that hold at least one graded test cell (discovered, never listed by hand)."""
    return [p for p in sorted((root / "book").glob("*.ipynb")) if has_graded_cells(p)]


def toc_chapters(root: pathlib.Path = ROOT) -> list[pathlib.Path]:
    """The numbered chapters `book/NN_name` listed in `_toc.yml`, in toc order (each must have a graded exercise)."""
    return [
        root / pathlib.Path(name).with_suffix(".ipynb")
        for name in toc_files(root)
        if CHAPTER_RE.match(pathlib.PurePosixPath(name).with_suffix("").name)
    ]


# --------------------------------------------------------------------------- the nbgrader course
def _venv_on_path() -> None:
    """nbgrader's database step runs `alembic` from PATH: put this interpreter's bin directory first."""
    bindir = str(pathlib.Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def _one_blas_thread_per_kernel() -> None:
    """The tests run two kernels side by side (validation beside autograding) on 2 cores. With OpenBLAS's default
    threads in both, one autograde of chapter 1 (matrix products at width 12800) took about 75 s here; with one
    thread each, 6 s. The kernels inherit this environment; a value already set is kept."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _retry_once(what: str, step):
    """Run a step that starts a kernel; after a failure, warn and run it once more (a second failure propagates).

    Once, with two kernels starting side by side, an autograde failed and the same submission then graded fine:
    a failure of the machinery must not read as a wrong chapter, and a real failure fails twice.
    """
    try:
        return step()
    except Exception as exc:
        warnings.warn(f"{what} failed, retrying once: {type(exc).__name__}: {str(exc)[-2000:]}", stacklevel=2)
        return step()


def failed_submissions(log: str) -> dict[str, str]:
    """{student: reason} for every submission an nbgrader log says it could not grade (nbgrader only logs them).

    nbgrader logs "There was an error processing assignment: <path>" and then the traceback: the reason is read from
    that traceback, up to the next such line.
    """
    failed: dict[str, str] = {}
    student = None
    for line in log.splitlines():
        found = re.search(r"There was an error processing assignment: .*/submitted/([^/]+)/", line)
        if found:
            student = found.group(1)
            failed[student] = "nbgrader could not grade it (see its log)"
            continue
        if student is None or not failed[student].startswith("nbgrader could not"):
            continue
        if "Kernel died" in line or "DeadKernelError" in line:
            failed[student] = "the kernel died: no test ran (a crash, os._exit, or out of memory)"
        else:
            for key in ("PACKAGE MISMATCH", "SANDBOX UNAVAILABLE"):
                if key in line:
                    failed[student] = key + line.split(key, 1)[1]
    return failed


class Course:
    """An nbgrader course directory configured by `assignments/nbgrader_config.py` (a copy of it at its root)."""

    def __init__(self, root: pathlib.Path, timeout: int | None = None):
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        _venv_on_path()
        _one_blas_thread_per_kernel()
        self.root = pathlib.Path(root).resolve()
        self.config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        self.config.CourseDirectory.root = str(self.root)
        self.config.Application.log_level = "WARN"
        if timeout is not None:  # seconds a cell may run before it is stopped (the course's is 30)
            self.config.Execute.timeout = timeout
        self.coursedir = CourseDirectory(config=self.config)
        self.errors: dict[str, str] = {}  # assignment -> why a step failed for it

    # paths of the standard nbgrader layout
    def source(self, assignment: str) -> pathlib.Path:
        return self.root / "source" / assignment / f"{assignment}.ipynb"

    def release(self, assignment: str) -> pathlib.Path:
        return self.root / "release" / assignment / f"{assignment}.ipynb"

    def submitted(self, student: str, assignment: str) -> pathlib.Path:
        return self.root / "submitted" / student / assignment / f"{assignment}.ipynb"

    def autograded(self, student: str, assignment: str) -> pathlib.Path:
        return self.root / "autograded" / student / assignment / f"{assignment}.ipynb"

    @property
    def assignments(self) -> list[str]:
        return sorted(p.name for p in (self.root / "source").iterdir() if p.is_dir())

    def _converter(self, converter_class, **coursedir_attrs) -> dict:
        """Run an nbgrader converter as its command line app does, with `--force`; nbgrader's result and log."""
        from nbgrader.utils import capture_log, temp_attrs

        with temp_attrs(self.coursedir, **coursedir_attrs):
            converter = converter_class(coursedir=self.coursedir, config=self.config)
            converter.force = True
            return capture_log(converter)

    def _run(self, converter_class, **coursedir_attrs) -> None:
        """`_converter`, raising with nbgrader's log if it fails."""
        result = self._converter(converter_class, **coursedir_attrs)
        if not result["success"]:
            log = [line for line in result.get("log", "").splitlines() if not line.startswith(("[INFO]", "[WARNING]"))]
            raise RuntimeError(("\n".join(log) or result.get("error", "unknown error"))[-4000:])

    def generate(self, assignment: str) -> None:
        """`nbgrader generate_assignment <assignment> --force`: student release + gradebook entries."""
        from nbgrader.converters import GenerateAssignment

        self._run(GenerateAssignment, assignment_id=assignment)

    def read_pair(self, assignment: str) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
        """(autograder source, student release) of an assignment."""
        return read(self.source(assignment)), read(self.release(assignment))

    def submit(self, student: str, assignment: str, nb: nbformat.NotebookNode) -> pathlib.Path:
        """Place a submission where `nbgrader collect` would put it."""
        path = self.submitted(student, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
        return path

    def autograde(self, assignment: str, student: str = "*") -> dict:
        """`nbgrader autograde <assignment> --student=<student> --force`: {"success", "log", "failed"}.

        Locked cells are restored from the gradebook; "failed" lists the students nbgrader could not grade, each
        with the reason found in the log (a dead kernel, a package mismatch, ...), which nbgrader itself only logs.
        """
        from nbgrader.converters import Autograde

        result = self._converter(Autograde, assignment_id=assignment, student_id=student)
        result["failed"] = failed_submissions(result.get("log", ""))
        return result

    def feedback(self, assignment: str, student: str = "*") -> None:
        """`nbgrader generate_feedback <assignment> --force`: feedback/<student>/<assignment>/<assignment>.html."""
        from nbgrader.converters import GenerateFeedback

        self._run(GenerateFeedback, assignment_id=assignment, student_id=student)

    def feedback_html(self, student: str, assignment: str) -> pathlib.Path:
        return self.root / "feedback" / student / assignment / f"{assignment}.html"

    def validate(self, path: pathlib.Path) -> dict:
        """nbgrader's Validator on one notebook: executes it, returns {} when every graded test passes."""
        from nbgrader.validator import Validator

        return _retry_once(f"validate {path.name}", lambda: Validator(config=self.config).validate(str(path)))

    def start_validation(self, paths: Iterable[pathlib.Path]) -> subprocess.Popen | None:
        """Run `validate` on each notebook in a child process, so its kernels run beside the autograder's.

        Collect the results with `finish_validation`.
        """
        out = self.root / "validation.json"
        out.write_text("{}")
        paths = list(paths)
        if not paths:
            return None
        cmd = [
            sys.executable,
            "-m",
            "nearinit_book.course.assignments",
            "validate",
            "--course",
            str(self.root),
            "--json",
            str(out),
        ]
        # Its log goes to a file: a pipe nobody reads while the autograder runs would fill up and stall the child.
        with open(self.root / "validation.log", "w") as log:
            return subprocess.Popen([*cmd, *map(str, paths)], stdout=log, stderr=subprocess.STDOUT)

    def finish_validation(self, proc: subprocess.Popen | None) -> dict[str, dict]:
        """{notebook path: Validator result} from `start_validation` (waits for the child process)."""
        if proc is not None and proc.wait() != 0:
            log = (self.root / "validation.log").read_text()[-3000:]
            raise RuntimeError(f"nbgrader validation failed to run (exit {proc.returncode}):\n{log}")
        return json.loads((self.root / "validation.json").read_text())

    def scores(self, assignment: str, student: str) -> dict[str, tuple[float, float]]:
        """From the gradebook: {grade_id: (auto score, max score)} of every graded cell of the submission."""
        from nbgrader.api import Gradebook

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            sub = gb.find_submission_notebook(assignment, assignment, student)
            return {g.name: (g.auto_score, g.max_score) for g in sub.grades}


def _copy_config(root: pathlib.Path) -> None:
    """A course directory outside `assignments/` loads the course's configuration from the repository."""
    (root / "nbgrader_config.py").write_text(
        f"# The nearinit course configuration (see that file).\nload_subconfig({str(CONFIG)!r})  # noqa: F821\n"
    )


def write_sources(root: pathlib.Path, chapters: Iterable[pathlib.Path]) -> list[str]:
    """``<root>/source/<chapter>/<chapter>.ipynb``: the lean assignment of each chapter (rewritten if changed)."""
    names = []
    for chapter in chapters:
        dest = root / "source" / chapter.stem / chapter.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        text = nbformat.writes(stu.assignment_notebook(chapter, chapter.stem)) + "\n"
        if not dest.is_file() or dest.read_text() != text:
            dest.write_text(text)
        names.append(chapter.stem)
    return names


def _generate_all(course: Course, names: Iterable[str]) -> None:
    for name in names:
        try:
            course.generate(name)
        except Exception as exc:  # nbgrader raises its own and plain errors alike; report them per chapter
            course.errors[name] = f"nbgrader generate_assignment failed: {type(exc).__name__}: {exc}"
            continue
        if not course.release(name).is_file():
            course.errors[name] = "nbgrader generate_assignment wrote no student release"


def build(
    out: pathlib.Path = DEFAULT_OUT, chapters: Iterable[pathlib.Path] | None = None, timeout: int | None = None
) -> Course:
    """Fresh, throw-away course directory `<out>/course` with one assignment per chapter that has graded cells.

    A chapter nbgrader rejects does not stop the others: its error is kept in ``course.errors[<chapter>]``.
    """
    chapters = graded_chapters() if chapters is None else list(chapters)
    if not chapters:
        raise SystemExit(f"no chapter notebook in {BOOK} has a graded exercise (CONTRIBUTING.md, 'Graded exercise')")
    root = pathlib.Path(out) / "course"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    _copy_config(root)
    names = write_sources(root, chapters)
    course = Course(root, timeout)
    _generate_all(course, names)
    return course


def make_course(root: pathlib.Path = COURSE, chapters: Iterable[pathlib.Path] | None = None) -> Course:
    """`make course`: every chapter's assignment in the course folder `root`, which keeps its gradebook,
    submissions and grades across runs (only sources and releases are rewritten, with `--force`)."""
    chapters = graded_chapters() if chapters is None else list(chapters)
    root = pathlib.Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "nbgrader_config.py").is_file():
        _copy_config(root)
    names = write_sources(root, chapters)
    course = Course(root)
    _generate_all(course, names)
    return course


# --------------------------------------------------------------------------- the solution key
def solution_key(out: pathlib.Path, root: pathlib.Path = ROOT) -> pathlib.Path:
    """One HTML page with every exercise of every chapter and its solution (graded ones: the instructor's code and
    the explanation), math typeset offline. For instructors only: it is everything the student editions leave out."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from nearinit_book.course import plugins

    cells = [
        nbformat.v4.new_markdown_cell(
            "# Solution key (instructors only)\n\nEvery exercise of the book with its "
            "solution, chapter by chapter. Do not hand this out."
        )
    ]
    for path in sorted((root / "book").glob("*.ipynb")):
        nb = read(path)
        cells.append(nbformat.v4.new_markdown_cell(f"## {stu.chapter_title(nb)} (`{path.stem}`)"))
        for cell in nb.cells:
            if cell.cell_type == "markdown" and not stu.is_macro_cell(cell):
                for block in stu.directive_blocks(cell.source, ("exercise", "solution")):
                    cells.append(nbformat.v4.new_markdown_cell(stu.myst_to_commonmark(block)))
            elif is_solution_cell(cell):
                cells.append(nbformat.v4.new_markdown_cell("**Solution code (graded).**"))
                cells.append(nbformat.v4.new_code_cell(without_markers(cell.source)))
    key = nbformat.v4.new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    )
    config = Config()
    config.HTMLExporter.extra_template_basedirs = [str(plugins.mathjax_templates(COURSE / ".templates"))]
    exporter = HTMLExporter(config=config, template_name="nearinit_key", **plugins.OFFLINE_SCRIPTS)
    html, _ = exporter.from_notebook_node(key)
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


# --------------------------------------------------------------------------- command line
def _rel(path: pathlib.Path) -> str:
    return os.path.relpath(path, pathlib.Path.cwd())


def _report(course: Course) -> int:
    for assignment in course.assignments:
        if assignment in course.errors:
            continue
        cells = read(course.source(assignment)).cells
        points = sum(nbgrader_meta(c).get("points", 0) for c in cells if is_test_cell(c))
        n = sum(is_test_cell(c) for c in cells)
        print(f"==> {assignment}: {n} graded exercise(s), {points:g} point(s)")
        print(f"    student release:   {_rel(course.release(assignment))}")
        print(f"    autograder source: {_rel(course.source(assignment))}")
    print(f"==> gradebook: {_rel(course.root / 'gradebook.db')}")
    for assignment, error in course.errors.items():
        print(f"error: {assignment}: {error}", file=sys.stderr)
    return 1 if course.errors else 0


def grade(course: Course, assignment: str, student: str = "*") -> int:
    """Autograde (with --force) and report every submission: its score, or why nbgrader could not grade it."""
    from nbgrader.api import Gradebook

    result = course.autograde(assignment, student)
    with Gradebook(course.coursedir.db_url, course.coursedir.course_id) as gb:
        students = sorted(s.student.id for s in gb.find_assignment(assignment).submissions)
    for name in students:
        if student != "*" and name != student:
            continue
        if name in result["failed"]:
            print(f"NOT GRADED {name}: {result['failed'][name]}")
            continue
        scores = course.scores(assignment, name)
        got = sum(s or 0 for s, _ in scores.values())
        print(f"{name}: {got:g} / {sum(m for _, m in scores.values()):g}")
    if not result["success"]:
        print(f"error: nbgrader autograde {assignment} failed for {sorted(result['failed'])}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_course = sub.add_parser("course", help="every assignment into the course folder (kept across runs)")
    p_course.add_argument("--root", type=pathlib.Path, default=COURSE)
    p_build = sub.add_parser("build", help="student releases + autograder sources into a fresh <out>/course")
    p_build.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    p_key = sub.add_parser("solution-key", help="the instructors' solution key (HTML)")
    p_key.add_argument("--out", type=pathlib.Path, default=COURSE / "solution-key.html")
    p_grade = sub.add_parser("grade", help="nbgrader autograde --force, with a per-student report (dead kernels)")
    p_grade.add_argument("assignment")
    p_grade.add_argument("--root", type=pathlib.Path, default=COURSE)
    p_grade.add_argument("--student", default="*")
    p_val = sub.add_parser("validate", help="nbgrader's Validator on notebooks of a course; results as JSON")
    p_val.add_argument("--course", type=pathlib.Path, required=True)
    p_val.add_argument("--json", type=pathlib.Path, required=True)
    p_val.add_argument("notebooks", nargs="+", type=pathlib.Path)
    args = parser.parse_args(argv)

    if args.command == "validate":
        course = Course(args.course)
        results = {}
        for path in args.notebooks:
            try:
                results[str(path)] = course.validate(path)
            except Exception as exc:  # report it with the notebook, let the others run
                results[str(path)] = {"error": f"{type(exc).__name__}: {exc}"}
        args.json.write_text(json.dumps(results, indent=1))
        return 0
    if args.command == "solution-key":
        print(f"==> solution key: {_rel(solution_key(args.out))}")
        return 0
    if args.command == "grade":
        return grade(Course(args.root), args.assignment, args.student)
    if args.command == "build":
        return _report(build(args.out))
    course = make_course(args.root)
    status = _report(course)
    print(f"==> solution key (instructors only): {_rel(solution_key(args.root / 'solution-key.html'))}")
    return status


if __name__ == "__main__":
    sys.exit(main())
