"""Autograding cost of the lean assignments (`make bench-course`, part of `make bench`; not a test).

For each chapter with graded exercises: the wall time of `nbgrader autograde` on one submission (the instructor's
solution; median of --repeat runs, each its own nbgrader run, kernel start included), against
- the floor: a notebook whose one cell is `import numpy`, run in a fresh kernel (median of --repeat runs, measured
  between the autograde runs, so under the same load). Autograding starts two kernels (the sandboxed one of the
  submission and the tests' one, side by side) and a bubblewrap sandbox; the budget is 5x this floor;
- the whole chapter in a fresh kernel, which is what the autograder ran before the assignments were made lean
  (15 s per submission measured then, at low load).
Results go to _build/bench/assignments.json. Wall times depend on the machine's load: compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

from nearinit_book.course import assignments as asg
from nearinit_book.toc import ROOT

BEFORE = 15.0  # s per submission, the whole chapter (measured when the assignments were the whole chapters)


def whole_chapter(path: pathlib.Path) -> float:
    nb = nbformat.read(str(path), as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def solution_submission(source_nb, release_nb) -> nbformat.NotebookNode:
    """The release with the instructor's solutions filled in, as a student who solved everything submits it."""
    solutions = {asg.nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells if asg.is_solution_cell(c)}
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        if asg.is_solution_cell(cell):
            cell.source = asg.without_markers(solutions[asg.nbgrader_meta(cell)["grade_id"]])
    return nb


def import_numpy_floor() -> float:
    """A fresh kernel running one cell, `import numpy`: what any autograder pays at least."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy")])
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="chapter names (default: every graded chapter)")
    args = parser.parse_args(argv)
    chapters = [p for p in asg.graded_chapters() if not args.only or p.stem in args.only]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        course = asg.build(pathlib.Path(tmp), chapters)
        for chapter in chapters:
            a = chapter.stem
            times, floors = [], []
            for k in range(args.repeat):
                floors.append(import_numpy_floor())
                student = f"bench{k}"
                course.submit(student, a, solution_submission(*course.read_pair(a)))
                start = time.perf_counter()
                result = course.autograde(a, student)
                times.append(time.perf_counter() - start)
                if not result["success"]:
                    raise SystemExit(f"autograde failed on {a}: {result['log'][-2000:]}")
            lean, floor = statistics.median(times), statistics.median(floors)
            full = whole_chapter(chapter)
            rows.append(
                {
                    "chapter": a,
                    "autograde_one_submission_s": lean,
                    "fresh_kernel_import_numpy_s": floor,
                    "ratio_to_import_numpy": lean / floor,
                    "whole_chapter_fresh_kernel_s": full,
                }
            )
            print(
                f"{a:24s} autograde one submission {lean:5.2f} s = {lean / floor:4.1f}x a fresh kernel's import numpy "
                f"({floor:4.2f} s)   whole chapter {full:5.2f} s"
            )
    worst = max(rows, key=lambda r: r["ratio_to_import_numpy"])
    print(
        f"==> slowest assignment: {worst['chapter']}, {worst['ratio_to_import_numpy']:.1f}x a fresh kernel's "
        f"import numpy (budget: 5x); {worst['autograde_one_submission_s']:.2f} s per submission (before the lean "
        f"assignments: {BEFORE:.0f} s, the whole chapter)"
    )
    out = ROOT / "_build" / "bench" / "assignments.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "before_s": BEFORE}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
