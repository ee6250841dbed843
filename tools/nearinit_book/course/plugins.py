"""nbgrader preprocessors of the course, configured in `assignments/nbgrader_config.py` (`configure`).

- `RecordPackage` (generate_assignment): writes the installed `nearinit`'s version and a hash of its source files
  into the release's notebook metadata (``metadata.nearinit``).
- `CheckPackage` (autograde, first step): refuses to grade, loudly (nbgrader exits non-zero), when the installed
  `nearinit` differs from the one the release was made with: after a package change a correct submission can fail,
  and a grade would silently be wrong. ``--CheckPackage.allow_mismatch=True`` grades anyway, with a warning.
- `FeedbackFilter` (generate_feedback): the feedback shows each test cell's public tests and, for a failure, which
  part failed (public or hidden) and the assertion's message; never the hidden tests' source or the traceback lines
  that would quote it. MyST markup is turned into plain Markdown (nbconvert has no MyST renderer), the macro cell is
  dropped, and a dead kernel or a timeout is named as such.
- Offline math in the feedback: `configure` points nbconvert at a `mathjax.html.j2` that inlines MathJax 3 (from
  the `sphinx-mathjax-offline` package the book already uses) with the book's macros, instead of nbconvert's MathJax 2
  from a CDN. A feedback file is self-contained (about 2 MB): a student opens it offline. MathJax's menu is off and
  the addresses of its accessibility extension's downloads (speech-rule-engine, from cdn.jsdelivr.net) are taken
  out of the inlined script: the page loads nothing remote.
- Autograding (`configure`): nbgrader's Execute step is `nearinit_book.grading.execute.SandboxedExecute`, the
  submission's cells in a bubblewrap sandbox and the test cells in a kernel of their own (README, "How grading is
  isolated").
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import pathlib
import re

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from nearinit_book.course import student

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_LINE = re.compile(r"Cell In\[\d*\], line (\d+)")
CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/[^\"'`]*")
PACKAGE = "nearinit"


class PackageMismatch(RuntimeError):
    pass


# --------------------------------------------------------------------------- the package's fingerprint
def package_fingerprint() -> dict:
    """{"version", "sha256"} of the installed `nearinit`: the hash covers every .py file of the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PackageMismatch(f"the package {PACKAGE!r} is not installed in {__import__('sys').executable}")
    root = pathlib.Path(next(iter(spec.submodule_search_locations)))
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return {"version": importlib.metadata.version(PACKAGE), "sha256": digest.hexdigest()}


class RecordPackage(NbGraderPreprocessor):
    """Record the package the release is made with (generate_assignment)."""

    def preprocess(self, nb, resources):
        nb.metadata[PACKAGE] = package_fingerprint()
        return nb, resources


class CheckPackage(NbGraderPreprocessor):
    """Grade only with the package the release was made with (autograde); see the module docstring."""

    allow_mismatch = Bool(False, help="Grade even if nearinit differs from the release's (warns).").tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        info = resources["nbgrader"]
        coursedir = CourseDirectory(parent=self) if self.parent is not None else CourseDirectory(config=self.config)
        release = (
            pathlib.Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"]))
            / f"{info['notebook']}.ipynb"
        )
        if not release.is_file():
            raise PackageMismatch(
                f"no release {release} to read the package version from: run `nbgrader generate_assignment "
                f"{info['assignment']} --force` with the package you grade with"
            )
        recorded = nbformat.read(str(release), as_version=4).metadata.get(PACKAGE)
        installed = package_fingerprint()
        if recorded != installed:
            message = (
                f"PACKAGE MISMATCH: {info['assignment']} was released with nearinit {recorded} but nearinit "
                f"{installed} is installed. Grading now could fail correct submissions. Install the release's "
                f"package, or re-release with `nbgrader generate_assignment {info['assignment']} --force` (students "
                "then need the new package), or grade anyway with --CheckPackage.allow_mismatch=True."
            )
            if not self.allow_mismatch:
                self.log.error(message)
                raise PackageMismatch(message)
            self.log.warning(message)
        return nb, resources


# --------------------------------------------------------------------------- feedback
def _failure_line(traceback: list[str]) -> int | None:
    for line in traceback:
        found = CELL_LINE.search(ANSI.sub("", line))
        if found:
            return int(found.group(1))
    return None


def _hidden_span(source: str) -> tuple[int, int] | None:
    lines = [line.strip() for line in source.splitlines()]
    if student.HIDDEN_BEGIN not in lines:
        return None
    start = lines.index(student.HIDDEN_BEGIN) + 1
    end = lines.index(student.HIDDEN_END) + 1 if student.HIDDEN_END in lines else len(lines)
    return start, end


def _public_message(evalue: str) -> str:
    """An assertion's message without numpy's dump of the compared arrays (hidden inputs or references)."""
    kept = []
    for line in evalue.splitlines():
        if re.match(r"\s*(x|y|ACTUAL|DESIRED|Mismatched elements|Max absolute|Max relative|First)\b", line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def feedback_error(cell, output) -> dict:
    """A test cell's error output as the student may see it."""
    ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
    if ename in ("DeadKernelError", "CellTimeoutError", "KeyboardInterrupt"):
        text = {
            "DeadKernelError": "the kernel died while running this cell (memory, a crash or os._exit in the code)",
            "CellTimeoutError": "the cell ran longer than the time limit and was stopped",
            "KeyboardInterrupt": "the cell ran longer than the time limit and was interrupted",
        }[ename]
        where = f"No test result: {text}."
    else:
        line, span = _failure_line(output.get("traceback", [])), _hidden_span(cell.source)
        if span is not None and line is not None and span[0] < line <= span[1]:
            where = "A hidden test failed."
        elif line is not None:
            where = "A public test failed (it is in the test cell: run it in your notebook to see it)."
        else:
            where = "A test failed."
        message = _public_message(evalue)
        where += f"\n{ename}: {message}" if message else f"\n{ename}"
    return nbformat.v4.new_output(
        "error", ename=ename, evalue=evalue.splitlines()[0] if evalue else "", traceback=[where]
    )


class FeedbackFilter(NbGraderPreprocessor):
    """Feedback that teaches and does not leak (generate_feedback); see the module docstring."""

    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            if student.is_macro_cell(cell):
                continue
            if cell.cell_type == "markdown":
                cell.source = student.myst_to_commonmark(cell.source)
            elif student.is_test_cell(cell):
                public = student.public_tests(cell.source)
                if _hidden_span(cell.source) is not None:
                    public += "\n# (hidden tests, run by the autograder, not shown)"
                outputs = []
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        outputs.append(feedback_error(cell, output))
                    elif output.get("output_type") != "stream":
                        outputs.append(output)
                cell.source, cell.outputs = public, outputs
            cells.append(cell)
        nb.cells = cells
        return nb, resources


# --------------------------------------------------------------------------- offline MathJax for nbconvert
def _mathjax_js() -> pathlib.Path:
    """MathJax 3's tex-svg.js (fonts included) from the installed `sphinx-mathjax-offline` (its folder is named
    with hyphens, so it is found through its distribution's file list, not imported)."""
    try:
        files = importlib.metadata.files("sphinx-mathjax-offline") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == "tex-svg.js":
            return pathlib.Path(file.locate()).resolve()
    raise RuntimeError("sphinx-mathjax-offline (requirements.txt) is not installed: no offline MathJax")


def mathjax_templates(basedir: pathlib.Path) -> pathlib.Path:
    """nbconvert templates `nearinit_feedback` (on nbgrader's `feedback`) and `nearinit_key` (on `classic`) under
    `basedir`, whose `mathjax()` macro inlines MathJax 3 with the book's macros; returns `basedir`.

    nbconvert looks a name up in the template's own folder first, so this `mathjax.html.j2` replaces the one of
    nbconvert's base template (MathJax 2 from a CDN) wherever a parent template imports it.
    """
    js = _mathjax_js().read_text(encoding="utf-8")
    if "{% endraw %}" in js or "</script" in js.lower():
        raise RuntimeError("MathJax cannot be inlined verbatim")
    # The accessibility extension (explorer, speech) would fetch speech-rule-engine and its maps from a CDN; with
    # the menu off it is never loaded, and its addresses are removed so that nothing could be fetched.
    js = CDN.sub("data:,", js)
    if "jsdelivr" in js:
        raise RuntimeError("MathJax still names a CDN after the addresses were removed")
    macros = student.mathjax_macros()
    config = {
        "tex": {
            "inlineMath": [["$", "$"], ["\\(", "\\)"]],
            "displayMath": [["$$", "$$"], ["\\[", "\\]"]],
            "processEscapes": True,
            "processEnvironments": True,
            "macros": macros,
        },
        "svg": {"fontCache": "global"},
        "options": {"enableMenu": False},
    }
    text = (
        "{%- macro mathjax(url=None) -%}\n{% raw %}"
        f"<script>window.MathJax = {json.dumps(config)};</script>\n"
        f"<script>{js}</script>\n"
        "{% endraw %}{%- endmacro %}\n"
    )
    for name, base in (("nearinit_feedback", "feedback"), ("nearinit_key", "classic")):
        folder = pathlib.Path(basedir) / name
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "conf.json": json.dumps({"base_template": base, "mimetypes": {"text/html": True}}),
            "mathjax.html.j2": text,
        }
        for filename, content in files.items():
            path = folder / filename
            if not path.is_file() or path.read_text(encoding="utf-8") != content:
                path.write_text(content, encoding="utf-8")
    return pathlib.Path(basedir)


# classic's other scripts come from CDNs too (jQuery, require.js, mermaid): none is needed for a static page
OFFLINE_SCRIPTS = {
    "jquery_url": "data:text/javascript,",
    "require_js_url": "data:text/javascript,",
    "mermaid_js_url": "data:text/javascript,export%20default%20%7Binitialize()%7B%7D%7D",
}


def configure(c, course_root: pathlib.Path) -> None:
    """The course's nbgrader configuration (called by `assignments/nbgrader_config.py`)."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import Autograde, GenerateAssignment
    from nbgrader.preprocessors import Execute, GetGrades

    from nearinit_book.grading.execute import SandboxedExecute

    c.CourseDirectory.course_id = "nearinit"
    # The release records the package; nbgrader's own chain follows, unchanged and in order.
    c.GenerateAssignment.preprocessors = [RecordPackage, *GenerateAssignment.preprocessors.default()]
    # Grading refuses another package before anything runs.
    c.Autograde.sanitize_preprocessors = [CheckPackage, *Autograde.sanitize_preprocessors.default()]
    # The submission runs sandboxed, the tests in a kernel of their own (nearinit_book.grading): nbgrader's
    # Execute step is replaced, the rest of its chain (scores, late penalties, ...) is unchanged.
    c.Autograde.autograde_preprocessors = [
        SandboxedExecute if step is Execute else step for step in Autograde.autograde_preprocessors.default()
    ]
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, FeedbackFilter]
    import nbgrader.server_extensions.formgrader as formgrader

    templates = mathjax_templates(pathlib.Path(course_root) / ".templates")
    c.HTMLExporter.template_name = "nearinit_feedback"
    c.HTMLExporter.extra_template_basedirs = [
        str(pathlib.Path(formgrader.__file__).parent / "templates"),
        str(templates),
    ]
    # A lean assignment runs in seconds; a cell still running after 30 s (an infinite loop) is stopped and graded 0.
    c.Execute.timeout = 30
    # A submission that deleted a graded or locked cell gets it back from the gradebook (and is graded on it).
    c.OverwriteCells.add_missing_cells = True
