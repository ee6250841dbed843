"""The student edition of the website (`make student-site`): the book with every chapter replaced by its student
version (`course.student.student_notebook`), built by the same Jupyter Book configuration into its own folder.

Its source tree is ``_build/student-src/`` (`_config.yml`, `_toc.yml`, `book/` with the student notebooks, and the
package's source for the chapter that includes it); the site is ``_build/student/_build/html``. Because the
download button serves the page's source notebook, it delivers the student notebook. The instructor / reader
edition is `make book` (`_build/html`), unchanged.

Usage::

    python -m course.site [--src _build/student-src]   # writes the source tree; the Makefile then builds it
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from course import student  # noqa: E402

DEFAULT_SRC = ROOT / "_build" / "student-src"


def student_tree(dest: pathlib.Path = DEFAULT_SRC, root: pathlib.Path = ROOT) -> pathlib.Path:
    """Write the student edition's source tree into `dest` (replacing it) and return `dest`."""
    dest = pathlib.Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, dest / name)
    shutil.copytree(root / "book", dest / "book", ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", ".ipynb_*"))
    # the package's public source (a chapter includes a file of it); students install the package anyway
    shutil.copytree(
        root / "code" / "nearinit", dest / "code" / "nearinit", ignore=shutil.ignore_patterns("__pycache__")
    )
    for path in sorted((root / "book").glob("*.ipynb")):
        nbformat.write(student.student_notebook(path), str(dest / "book" / path.name))
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=pathlib.Path, default=DEFAULT_SRC)
    args = parser.parse_args(argv)
    print(f"==> student edition source: {student_tree(args.src)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
