"""nbgrader configuration of the nearinit course: this directory is the course directory (`make course`).

The course's behaviour is in `nearinit_book.course.plugins` (`configure`), so that this file stays the one an
instructor reads:
- the release records the installed `nearinit` (version and source hash) and grading refuses another one, loudly
  (``--CheckPackage.allow_mismatch=True`` grades anyway);
- feedback shows the public tests and which test failed with its message, never the hidden tests, with math
  typeset offline (MathJax 3 inlined, the book's macros);
- a cell running over 30 s is stopped (the assignments run in seconds); deleted locked cells are restored;
- autograding runs the submission's cells in a bubblewrap sandbox and the test cells in a kernel of their own, which
  calls the graded functions through proxies (`nearinit_book.grading`; README, "How grading is isolated"). Without
  `bwrap` nothing is graded (SANDBOX UNAVAILABLE). Limits: `c.SandboxedExecute.memory_limit`, `cpu_limit`,
  `file_size_limit`, `call_timeout`, `max_output_bytes`.

A course directory built elsewhere (the tests' temporary courses) loads this file with `load_subconfig`.
"""

import pathlib

from nearinit_book.course.plugins import configure

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)
configure(c, pathlib.Path(__file__).resolve().parent)
