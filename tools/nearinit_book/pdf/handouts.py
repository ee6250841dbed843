"""Student handouts: each chapter as its own PDF, without the graded solutions (`make pdf`).

The handouts are cut from a PDF of the *student version* of the whole book, so that every number (chapters,
results, figures, equations) and every cross-reference is the one of the website and of the full PDF.

1. ``stage``: a copy of the book (``_config.yml``, ``_toc.yml``, ``book/``, the package sources that chapters
   ``literalinclude``) in which every chapter with graded cells is replaced by its student version
   (``nearinit_book.course.student.student_notebook``, the student site's), made by nbgrader's own
   preprocessors, as ``nbgrader generate_assignment`` makes the release (CONTRIBUTING.md, "Graded
   exercise"): ``TagRemovePreprocessor`` drops the ``website-only`` cells (the ``{solution}`` dropdowns of the
   graded exercises), ``ClearSolutions`` replaces every solution region by nbgrader's stub, ``ClearHiddenTests``
   deletes the hidden tests. Unlike the release, the outputs of the other cells stay (the handout is for reading:
   its figures and printed checks are the website's); the stub cells are shown (not collapsed) with no output.
2. ``jupyter-book build --builder pdflatex`` on that copy (``make pdf`` runs it).
3. ``cut``: one PDF per chapter, the pages from the chapter's named destination ``nearinit-doc-<chapter>`` (set by
   ``tools/nearinit_book/site/bundle.py``) to the page before the next document's, with poppler's ``pdfseparate`` and
   ``pdfunite``.

Usage::

    python -m nearinit_book.pdf.handouts stage --out _build/pdf-handouts-src
    python -m nearinit_book.pdf.handouts cut --pdf BOOK.pdf --out _build/pdf/handouts
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import nbformat

from nearinit_book.course import student
from nearinit_book.toc import ROOT, toc_files


def chapters(root: pathlib.Path = ROOT) -> list[pathlib.Path]:
    """The notebooks of the table of contents, in its order (each one gets a handout)."""
    return [root / f"{f}.ipynb" for f in toc_files(root) if (root / f"{f}.ipynb").is_file()]


def is_graded(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of a chapter (``nearinit_book.course.student``), its graded cells shown on paper."""
    nb = student.student_notebook(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and is_graded(cell):
            meta_tags = [t for t in cell.metadata.get("tags", []) if t != "hide-input"]
            if meta_tags:
                cell.metadata["tags"] = meta_tags
            else:
                cell.metadata.pop("tags", None)
    return nb


def stage(out: pathlib.Path, root: pathlib.Path = ROOT) -> list[str]:
    """A copy of the book with the student version of every chapter; returns the chapters it changed."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, out / name)
    shutil.copytree(root / "book", out / "book", ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    # Chapters `literalinclude` the package's sources (paths relative to book/).
    shutil.copytree(root / "code" / "nearinit", out / "code" / "nearinit", ignore=shutil.ignore_patterns("__pycache__"))
    changed = []
    for path in chapters(root):
        nb = nbformat.read(str(path), as_version=4)
        if not any(is_graded(c) for c in nb.cells):
            continue
        nbformat.write(student_notebook(nb), str(out / path.relative_to(root)))
        changed.append(path.stem)
    return changed


def destinations(pdf: pathlib.Path) -> dict[str, int]:
    """{document stem: first page} from the named destinations ``nearinit-doc-<stem>`` (``pdfinfo -dests``)."""
    text = subprocess.run(["pdfinfo", "-dests", str(pdf)], check=True, capture_output=True, text=True).stdout
    found = {}
    for line in text.splitlines():
        match = re.match(r'\s*(\d+)\s.*"nearinit-doc-([^"]+)"', line)
        if match:
            found[match.group(2)] = int(match.group(1))
    return found


def page_count(pdf: pathlib.Path) -> int:
    text = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", text, re.M).group(1))


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({result.returncode}): {result.stderr[-2000:]}")


def cut(pdf: pathlib.Path, out: pathlib.Path, stems: list[str]) -> dict[str, tuple[int, int]]:
    """One PDF per chapter in ``stems``: its pages of ``pdf``. Returns {stem: (first page, last page)}."""
    starts = destinations(pdf)
    missing = [s for s in stems if s not in starts]
    if missing:
        raise SystemExit(f"{pdf}: no named destination for {missing} (is tools/nearinit_book/site/bundle.py loaded?)")
    ordered = sorted(starts.values())
    last_page = page_count(pdf)
    out.mkdir(parents=True, exist_ok=True)
    ranges = {}
    for stem in stems:
        first = starts[stem]
        later = [p for p in ordered if p > first]
        last = (later[0] - 1) if later else last_page
        with tempfile.TemporaryDirectory() as tmp:
            # poppler warns about hyperref's link dictionaries on every page ("Found recursive dicts"): harmless,
            # shown only if the command fails.
            _run(["pdfseparate", "-f", str(first), "-l", str(last), str(pdf), f"{tmp}/p-%04d.pdf"])
            pages = sorted(pathlib.Path(tmp).glob("p-*.pdf"))
            target = out / f"{stem}.pdf"
            if len(pages) == 1:
                shutil.copy2(pages[0], target)
            else:
                _run(["pdfunite", *map(str, pages), str(target)])
        ranges[stem] = (first, last)
    return ranges


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_stage = sub.add_parser("stage", help="a copy of the book with the student version of every chapter")
    p_stage.add_argument("--out", type=pathlib.Path, required=True)
    p_cut = sub.add_parser("cut", help="one PDF per chapter, cut from the PDF of the staged book")
    p_cut.add_argument("--pdf", type=pathlib.Path, required=True)
    p_cut.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "stage":
        changed = stage(args.out)
        print(f"==> student version of {len(changed)} chapter(s) staged in {args.out}: {' '.join(changed)}")
        return 0
    stems = [p.stem for p in chapters()]
    for stem, (first, last) in cut(args.pdf, args.out, stems).items():
        print(f"==> handout {args.out / (stem + '.pdf')}: pages {first}-{last} of {args.pdf.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
