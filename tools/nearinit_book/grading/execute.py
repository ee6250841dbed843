"""`SandboxedExecute`: nbgrader's `Execute` step of autograding, with the submission and the tests apart.

nbgrader's autograde first restores the locked and graded cells from the gradebook (`OverwriteCells`), then runs
the notebook (`Execute`), then records the scores from the test cells' outputs (`SaveAutoGrades`). This
preprocessor takes `Execute`'s place and runs the notebook in two kernels:

- the *sandbox* (`sandbox.Sandbox`): every code cell except the test cells (the set-up cell, the solution cells,
  any cell the student added), in notebook order;
- the *tests' kernel*, an ordinary kernel started in an empty private folder: the locked set-up cell (restored from
  the gradebook) and then the test cells. Before the first test cell, the graded functions are bound there as
  proxies of the sandbox's (`proxy.install`).

The test cells' outputs (the errors nbgrader scores) come from the tests' kernel only, so nothing the submission
does in its kernel changes how a test runs or what it reports. Each test cell declares, in its first lines, the
function it grades and the package functions the exercise asks the student to write (`grading_spec`); the
sandbox's copy of `nearinit` has those functions' bodies replaced by `raise NotImplementedError`
(`sandbox.copy_without`).
"""

from __future__ import annotations

import copy
import re
import tempfile
from dataclasses import dataclass

import nbformat
from nbclient import NotebookClient
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer, Unicode

from nearinit_book.grading.sandbox import GradingError, Sandbox

GRADED = re.compile(r"^# Graded function: (\w+)\s*$")
ABSENT = "# Not available when graded:"


@dataclass(frozen=True)
class GradingSpec:
    functions: tuple[str, ...]
    forbidden: frozenset[str]


def cell_spec(source: str) -> tuple[str, list[str]]:
    """(graded function, forbidden package functions) declared by a test cell's first comment lines::

    # Graded function: flip_sum
    # Not available when graded: nearinit.linearization_gap, nearinit.linearize,
    #     nearinit.relu_flip_terms
    """
    lines = source.splitlines()
    # (nbgrader puts a comment line of its own first when it restores a deleted test cell)
    head = next(
        (k for k, line in enumerate(lines) if GRADED.match(line) or (line.strip() and not line.startswith("#"))),
        len(lines),
    )
    lines = lines[head:]
    found = GRADED.match(lines[0]) if lines else None
    if not found:
        raise GradingError(f"a test cell must start with '# Graded function: <name>', not {lines[:1]}")
    forbidden: list[str] = []
    if len(lines) > 1 and lines[1].startswith(ABSENT):
        text, k = lines[1][len(ABSENT) :], 2
        while text.rstrip().endswith(",") and k < len(lines) and lines[k].startswith("#   "):
            text, k = text + lines[k][1:], k + 1
        for item in (part.strip() for part in text.split(",")):
            if not re.fullmatch(r"nearinit\.\w+", item):
                raise GradingError(f"'{ABSENT}' lists package functions as nearinit.<name>, not {item!r}")
            forbidden.append(item.split(".", 1)[1])
    return found.group(1), forbidden


def grading_spec(nb) -> GradingSpec:
    functions, forbidden = [], set()
    for cell in nb.cells:
        if cell.cell_type == "code" and utils.is_grade(cell):
            name, absent = cell_spec(cell.source)
            if name not in functions:
                functions.append(name)
            forbidden.update(absent)
    return GradingSpec(tuple(functions), frozenset(forbidden))


class _SandboxClient(NotebookClient):
    """The notebook client of the sandboxed kernel: keeps at most `max_output_bytes` of output per cell."""

    max_output_bytes = 1_000_000

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        used = self._output_used.get(cell_index, 0) + size
        self._output_used[cell_index] = used
        if used > self.max_output_bytes:
            if cell_index not in self._output_cut:
                self._output_cut.add(cell_index)
                outs.append(
                    nbformat.v4.new_output(
                        "stream",
                        name="stderr",
                        text=f"[the grader kept the first {self.max_output_bytes:,} characters of output only]\n",
                    )
                )
            return None
        return super().output(outs, msg, display_id, cell_index)


class SandboxedExecute(Execute):
    """nbgrader's Execute, the submission sandboxed and the tests in their own kernel (see the module docstring)."""

    bwrap = Unicode("bwrap", help="The bubblewrap executable (a name on PATH or a path).").tag(config=True)
    memory_limit = Integer(3 * 2**30, help="Address space of the sandboxed kernel, in bytes.").tag(config=True)
    cpu_limit = Integer(300, help="CPU seconds of the sandboxed kernel (all its threads).").tag(config=True)
    file_size_limit = Integer(64 * 2**20, help="Largest file the sandbox may write, in bytes.").tag(config=True)
    open_files_limit = Integer(256, help="Open files of the sandboxed kernel.").tag(config=True)
    call_timeout = Float(
        0.0, help="Seconds a test's call of a graded function may run (0: a third of the cell timeout)."
    ).tag(config=True)
    max_output_bytes = Integer(1_000_000, help="Characters of output kept per cell of the submission.").tag(config=True)

    def limits(self) -> dict[str, int]:
        return {
            "RLIMIT_AS": self.memory_limit,
            "RLIMIT_CPU": self.cpu_limit,
            "RLIMIT_FSIZE": self.file_size_limit,
            "RLIMIT_NOFILE": self.open_files_limit,
            "RLIMIT_CORE": 0,
        }

    def _call_timeout(self) -> float:
        if self.call_timeout > 0:
            return self.call_timeout
        return max(1.0, (self.timeout or 30) / 3)

    def preprocess(self, nb, resources=None, km=None):
        spec = grading_spec(nb)
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        metadata = self.resources.setdefault("metadata", {})
        saved_path = metadata.get("path")
        with Sandbox(forbidden=spec.forbidden, limits=self.limits(), bwrap=self.bwrap) as box:
            student = _SandboxClient(
                nb,
                km=box.kernel_manager(),
                timeout=self.timeout,
                startup_timeout=self.startup_timeout,
                interrupt_on_timeout=True,
                allow_errors=True,
                raise_on_iopub_timeout=False,
                iopub_timeout=4,
                error_on_timeout=self.error_on_timeout,
                extra_arguments=["--HistoryManager.hist_file=:memory:"],
                resources={"metadata": {"path": str(box.root)}},
            )
            student.max_output_bytes = self.max_output_bytes
            student._output_used, student._output_cut = {}, set()
            # the sandbox starts while the tests' kernel starts
            from jupyter_core.utils import run_sync

            # the kernel's own stdout and stderr (not the cells' output, which comes as messages) go to a file of
            # the sandbox's folder, which the file size limit bounds: never to the grader's terminal
            with open(box.root / "kernel.log", "wb") as log:
                run_sync(box.km.start_kernel)(
                    extra_arguments=student.extra_arguments, cwd=str(box.root), stdout=log, stderr=log
                )
            with tempfile.TemporaryDirectory(prefix="nearinit-tests-") as tests_cwd:
                metadata["path"] = tests_cwd  # the tests' kernel starts in an empty folder: no submitted file
                try:
                    with self.setup_kernel(), student.setup_kernel():
                        info = self.wait_for_reply(self.kc.kernel_info())
                        self.nb.metadata["language_info"] = info["content"]["language_info"]
                        self._run_cells(student, box, spec, resources)
                finally:
                    if saved_path is None:
                        metadata.pop("path", None)
                    else:
                        metadata["path"] = saved_path
                    if student.kc is not None:
                        student.kc.stop_channels()
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _run_cells(self, student, box, spec, resources) -> None:
        installed = False
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            if utils.is_grade(cell):
                if not installed:
                    self._install_proxies(box, spec)
                    installed = True
                self.preprocess_cell(cell, resources, index)
            else:
                if utils.is_locked(cell):  # the set-up cell (restored from the gradebook): the tests need it too
                    trusted = copy.deepcopy(cell)
                    self.execute_cell(trusted, index, store_history=True)
                    errors = [o for o in trusted.outputs if o.get("output_type") == "error"]
                    if errors:
                        raise GradingError(
                            f"the locked cell {index} fails in the tests' kernel: {errors[0].get('ename')}: "
                            f"{errors[0].get('evalue')}"
                        )
                student.execute_cell(cell, index, store_history=True)
                self.nb.cells[index] = cell

    def _install_proxies(self, box, spec) -> None:
        info = box.km.get_connection_info(session=False)
        info = {k: v.decode() if isinstance(v, bytes) else v for k, v in info.items()}
        code = (
            "__import__('nearinit_book.grading.proxy', fromlist=['install']).install("
            f"{info!r}, {list(spec.functions)!r}, {self._call_timeout()!r})"
        )
        reply = self.wait_for_reply(self.kc.execute(code, silent=True, store_history=False))
        if reply is None or reply["content"].get("status") != "ok":
            content = reply["content"] if reply else {}
            raise GradingError(
                f"could not connect the tests to the sandbox: {content.get('ename')}: {content.get('evalue')}"
            )
