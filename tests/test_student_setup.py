"""The student set-up, as README.md ("Students") tells it, in a fresh virtual environment (`make student-setup-test`;
not part of `make test`: it installs JupyterLab, about a minute from pip's cache, and needs no network when the
cache or the local index has the pins).

The student kit is what `make course` writes to assignments/student-kit/: `requirements-student.txt` and the
`nearinit` wheel. Checked: the pins are the book's; it installs with `pip install -r requirements-student.txt
nearinit-*.whl`; the environment has no Jupyter Book, Playwright, ruff, Sphinx or nbgrader (students never get the
instructor tools), but has jupyterlab-myst enabled; an assignment (instructor version: solutions and hidden tests)
and a whole chapter execute in it without error.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from nearinit_book.course import student as stu

from conftest import ROOT

KIT = ROOT / "assignments" / "student-kit"
REQUIREMENTS = ROOT / "tools" / "nearinit_book" / "course" / "requirements-student.txt"
# The book's build and test tools stay out. Sphinx itself comes in as a library of myst-nb, whose `glue` the
# chapters' setup cells import (the numbers quoted in the prose); the site builder, jupyter-book, does not.
FORBIDDEN = ("jupyter-book", "playwright", "ruff", "nbgrader", "nbval", "pytest")


def _pins(path: pathlib.Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if found:
            pins[found.group(1).lower()] = found.group(2)
    return pins


def test_student_pins_are_the_books():
    book, student = _pins(ROOT / "requirements.txt"), _pins(REQUIREMENTS)
    assert student and all(book.get(name) == version for name, version in student.items()), (
        f"tools/nearinit_book/course/requirements-student.txt differs from requirements.txt: {student} vs {book}"
    )
    assert not set(student) & set(FORBIDDEN)


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    wheels = sorted(KIT.glob("nearinit-*.whl"))
    if not wheels or not (KIT / "requirements-student.txt").is_file():
        pytest.fail(f"no student kit in {KIT}: run `make course` first")
    env_dir = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "-r", str(KIT / "requirements-student.txt"), str(wheels[-1])],
        check=True,
    )
    return env_dir


def test_the_student_environment_is_small_and_renders_myst(venv):
    py = venv / "bin" / "python"
    listed = json.loads(
        subprocess.run(
            [str(py), "-m", "pip", "list", "--format=json"], check=True, capture_output=True, text=True
        ).stdout
    )
    names = {p["name"].lower().replace("_", "-") for p in listed}
    assert "nearinit" in names and "jupyterlab-myst" in names
    assert not names & set(FORBIDDEN), f"the student environment has instructor tools: {names & set(FORBIDDEN)}"
    out = subprocess.run([str(venv / "bin" / "jupyter"), "labextension", "list"], capture_output=True, text=True)
    assert re.search(r"jupyterlab-myst .*enabled", out.stdout + out.stderr), out.stdout + out.stderr


def _execute(venv, nb: nbformat.NotebookNode, where: pathlib.Path) -> nbformat.NotebookNode:
    path = where / "run.ipynb"
    nbformat.write(nb, str(path))
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "OMP_NUM_THREADS": "1"}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(
        [str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--inplace", str(path)],
        check=True,
        env=env,
        cwd=where,
        capture_output=True,
    )
    return nbformat.read(str(path), as_version=4)


def test_an_assignment_and_a_chapter_run_in_the_student_environment(venv, tmp_path):
    chapter = ROOT / "book" / "03_smooth.ipynb"
    done = _execute(venv, stu.assignment_notebook(chapter), tmp_path)
    errors = [o for c in done.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors and any(stu.is_test_cell(c) for c in done.cells)
    done = _execute(venv, stu.read(chapter), tmp_path)
    assert all(c.execution_count for c in done.cells if c.cell_type == "code")
