"""Grading that a submission cannot touch (README, "How grading is isolated").

- `execute.SandboxedExecute`: nbgrader's Execute step of `nbgrader autograde`, with the submission's cells in a
  sandboxed kernel and the test cells in a separate kernel of their own;
- `sandbox`: the bubblewrap sandbox and its kernel manager; `launch`: the limits set inside it before any student
  code runs;
- `proxy`: the graded functions as the tests see them (calls into the sandbox, results as plain data);
- `wire`: the JSON format of arguments and results (never pickle).
"""
