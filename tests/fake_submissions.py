"""A catalogue of fake submissions, each with the score it must get from `nbgrader autograde`.

Every submission is the student release with its solution cells (and, for some, its locked cells) rewritten the
way a student could. Exercise-specific kinds (a plausible wrong answer, an alias of the package function, an object
that lies about equality) are written for every graded exercise of the book below: a new graded exercise must add
its entries here (`tests/test_assignments.py` fails until it does). Kinds that test a mechanism of the grader
rather than an exercise (an exception, an infinite loop, a dying kernel, a patched numpy, the attacks on the grader
below) are graded on one assignment each, to keep `make test` short; the input transformer is graded on
every assignment.

The attacks on the grader. When the tests ran in the submission's own kernel (the old "grading prelude"),
"input-transformer", "event-hook", "patched-sys" and "reads-grader-files" got full marks (checked on 03_smooth and
05_anticoncentration against that grader; "patched-builtins" hung that kernel, 0), and the last three would write
into the grader's files or leave processes and output behind. With the submission sandboxed and the tests in a
kernel of their own (`nearinit_book.grading`) each scores 0:
- "input-transformer": an IPython input transformer that blanks every later cell holding an `assert` (the tests);
- "event-hook": a `pre_run_cell` event hook that, before a cell holding tests, makes IPython compile it as `pass`;
- "patched-sys": `sys.setprofile`/`sys.getprofile` faked (the prelude's watch on package calls), then the package's
  own function called (an alias);
- "patched-builtins": `builtins.type` lying about an object whose == is always True (graded on an exercise that
  returns an int, where the old grader's exact-type check was all that stood in the way);
- "reads-grader-files": looks for the autograder's source notebook (the instructor's solution, the hidden tests) and
  the gradebook from its working directory up and in the usual places, and runs the solution it finds;
- "writes-grader-files": the same search, then appends to the gradebook, empties the source notebooks and writes a
  `.pth` file into the grader's site-packages (a comment only: harmless if it ever got through);
- "fork-busy-loop": forks a child that spins forever (and tries a shell through subprocess);
- "prints-100mb": prints 100 MB.
"""

from __future__ import annotations

import copy

import nbformat

from nearinit_book.course import student as stu

# --------------------------------------------------------------------------- exercise-specific answers
# A plausible wrong answer that passes the public tests (and only fails hidden ones).
WRONG = {
    # the tie convention: sigma'(0) = 1 instead of 0 (differs only where w_i^T x = 0)
    "ch1-loss-gradient-solution": """def loss_gradient(W, a, X, y):
    m = W.shape[0]
    Z = X @ W.T
    residuals = forward(W, a, X, scale="ntk") - y
    return ((residuals[:, None] * (Z >= 0)) * a).T @ X / (X.shape[0] * np.sqrt(m))""",
    # copied from the public test's case: softplus whatever `activation` is
    "ch2-per-neuron-f0-solution": """def f0_per_neuron(W, W0, a, X, activation):
    act = get_activation("softplus")
    S, R = X @ W0.T, X @ W.T
    return (act.sigma(S) - act.sigma_prime(S) * S + act.sigma_prime(S) * R) @ a""",
    # the constant of the public test (softplus, beta = 1/4) instead of the argument
    "ch3-bound-per-input-solution": """def bound_per_input(W, V, X, beta):
    T = X @ (W - V).T
    return 0.125 * np.sum(T**2, axis=1)""",
    # forgets the outer weight a_i (right whenever every flipped neuron has a_i = +1)
    "ch4-flip-sum-solution": """def flip_sum(W, W0, a, x):
    z, z0 = W @ x, W0 @ x
    flipped = np.sign(z) * np.sign(z0) < 0
    return float(np.sum(np.abs(z[flipped])))""",
    # a strict inequality (differs only on the boundary)
    "ch5-bad-set-solution": """def bad_set_size(W0, x, tau):
    return int(np.count_nonzero(np.abs(W0 @ x) < tau * np.linalg.norm(x)))""",
    # strict inequalities for both sets
    "ch6-bad-set-union-solution": """def bad_set_union_size(W, W0, x, tau):
    near_zero = np.abs(W0 @ x) < tau * np.linalg.norm(x)
    moved_far = np.linalg.norm(W - W0, axis=1) > tau
    return int(np.count_nonzero(near_zero | moved_far))""",
    # forgets a_i^2 (harmless when a_i = +-1, as at the book's initialization)
    "ch7-empirical-ntk-solution": """def empirical_ntk(W0, a, X, X2):
    m = W0.shape[0]
    D1 = (X @ W0.T > 0).astype(float)
    D2 = (X2 @ W0.T > 0).astype(float)
    return (X @ X2.T) * (D1 @ D2.T) / m""",
    # a strict inequality in the certificate
    "app-certificate-solution": """def certificate_holds(t, K, M, B):
    return K == M or t > B * (np.sqrt(K + 1.0) - np.sqrt(K))""",
}

# The package function the exercise asks to write, reached without naming it in a `def` (None: the package has none).
ALIAS = {
    # finite differences of the package's loss instead of the formula
    "ch1-loss-gradient-solution": """from nearinit import finite_difference_gradient as _fd, squared_loss as _loss


def loss_gradient(W, a, X, y):
    return _fd(lambda V: _loss(V, a, X, y, scale="ntk"), W)""",
    "ch2-per-neuron-f0-solution": """from nearinit import linearize as _lin


def f0_per_neuron(W, W0, a, X, activation):
    return _lin(W0, a, activation=activation)(W, X)""",
    "ch3-bound-per-input-solution": """import nearinit as _pkg

bound_per_input = lambda W, V, X, beta: getattr(_pkg, "smooth_gap_bound")(W, V, X, beta=beta)  # noqa: E731""",
    "ch4-flip-sum-solution": """from nearinit import linearization_gap as _g


def flip_sum(W, W0, a, x):
    return float(_g(W, W0, a, x))""",
    "ch5-bad-set-solution": """from nearinit import near_zero_count as _count


def bad_set_size(W0, x, tau):
    return int(_count(W0, x, tau))""",
    "ch6-bad-set-union-solution": """from nearinit import bad_set as _bad


def bad_set_union_size(W, W0, x, tau):
    return int(_bad(W, W0, x, tau).S.size)""",
    "ch7-empirical-ntk-solution": """from nearinit import tangent_kernel as _tk


def empirical_ntk(W0, a, X, X2):
    return _tk(W0, a, X, X2, scale="ntk")""",
    "app-certificate-solution": """from nearinit import concavity_certificate as _cc


def certificate_holds(t, K, M, B):
    return K == M or _cc(K, B, t)""",
}

# An object whose == is always True, of the shape the exercise returns.
_LIAR_CLASS = """class _AlwaysEqual({base}):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


"""
LIAR = {
    "ch1-loss-gradient-solution": ("np.ndarray", "np.zeros_like(W).view(_AlwaysEqual)"),
    "ch2-per-neuron-f0-solution": ("np.ndarray", "np.zeros(len(X)).view(_AlwaysEqual)"),
    "ch3-bound-per-input-solution": ("np.ndarray", "np.zeros(len(X)).view(_AlwaysEqual)"),
    "ch4-flip-sum-solution": ("float", "_AlwaysEqual(0.0)"),
    "ch5-bad-set-solution": ("int", "_AlwaysEqual(0)"),
    "ch6-bad-set-union-solution": ("int", "_AlwaysEqual(0)"),
    "ch7-empirical-ntk-solution": ("np.ndarray", "np.zeros((len(X), len(X2))).view(_AlwaysEqual)"),
    "app-certificate-solution": ("object", "_AlwaysEqual()"),
}


def _signature(source: str) -> str:
    return source.split(stu.SOLUTION_BEGIN)[0].rstrip()


def liar(solution_source: str, grade_id: str) -> str:
    base, value = LIAR[grade_id]
    head = _LIAR_CLASS.format(base=base)
    if base == "object":
        head = head.replace("    __hash__", "    def __bool__(self):\n        return True\n\n    __hash__")
    return head + _signature(solution_source) + f"\n    return {value}"


# --------------------------------------------------------------------------- kinds of submissions
# student id -> (what it does, expected score: "full" or 0)
EXPECTED = {
    "solution": "full",
    "stub": 0,
    "wrong": 0,
    "alias": 0,
    "liar": 0,
    "tests-edited": 0,
    "tests-deleted": 0,
    "tests-reweighted": 0,
    "patched-numpy": 0,
    "exception": 0,
    "infinite-loop": 0,
    "dead-kernel": 0,
    "input-transformer": 0,
    "event-hook": 0,
    "patched-sys": 0,
    "patched-builtins": 0,
    "reads-grader-files": 0,
    "writes-grader-files": 0,
    "fork-busy-loop": 0,
    "prints-100mb": 0,
}
# Kinds that exercise a mechanism of the grader: graded on one assignment each (index into the sorted assignments).
MECHANISMS = {
    "patched-numpy": 1,
    "exception": 2,
    "infinite-loop": 3,
    "dead-kernel": 4,
    "event-hook": 0,
    "writes-grader-files": 1,
    "fork-busy-loop": 2,
    "prints-100mb": 3,
    "patched-sys": 5,
    "patched-builtins": 4,
    "reads-grader-files": 7,
}
EVERYWHERE = ("input-transformer",)

# The input transformer that defeated the old grader (03_smooth): `{signature}` is the exercise's def line.
INPUT_TRANSFORMER = (
    'get_ipython().input_transformers_post.append(lambda lines: [] if any("assert" in l for l in lines) else lines)'
    "\n{signature}\n    return 0.0"
)

EVENT_HOOK = """import ast


class _NoTests(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.Module(body=[ast.Pass()], type_ignores=[])


def _before(info):
    if "assert" in (info.raw_cell or ""):
        get_ipython().ast_transformers.append(_NoTests())


get_ipython().events.register("pre_run_cell", _before)


"""

PATCHED_SYS = """import sys

_profiler = [None]
sys.setprofile = lambda f: _profiler.__setitem__(0, f)
sys.getprofile = lambda: _profiler[0]


"""

PATCHED_BUILTINS = """import builtins

_real_type = builtins.type


def _type(*args):
    if len(args) == 1 and _real_type(args[0]) is _AlwaysEqual:
        return {base}
    return _real_type(*args)


builtins.type = _type


"""

# Where a submission would look for the grader's files: up from its working directory (at autograde, a folder of
# the course directory when the tests share the submission's kernel) and in the usual top folders.
FIND_GRADER_FILES = """import json
import os
import pathlib
import sys
import time


def _grader_files():
    found, deadline = {"source": [], "gradebook": []}, time.monotonic() + 5
    here = pathlib.Path.cwd().resolve()
    folders = [*here.parents][:6]
    for folder in folders:
        found["source"] += sorted(folder.glob("source/*/*.ipynb"))
        found["gradebook"] += sorted(folder.glob("gradebook.db"))
    for top in ("/tmp", "/work", "/home", "/root", "/srv"):
        for dirpath, dirnames, filenames in os.walk(top):
            if time.monotonic() > deadline or dirpath.count(os.sep) > 7:
                dirnames[:] = []
                continue
            if "gradebook.db" in filenames:
                found["gradebook"].append(pathlib.Path(dirpath, "gradebook.db"))
            if pathlib.Path(dirpath).parent.name == "source":
                found["source"] += [pathlib.Path(dirpath, f) for f in filenames if f.endswith(".ipynb")]
    return found


_found = _grader_files()
"""

READ_GRADER_FILES = (
    FIND_GRADER_FILES
    + """for _path in _found["gradebook"]:
    _path.read_bytes()
for _path in _found["source"]:
    for _cell in json.loads(_path.read_text())["cells"]:
        if "BEGIN SOLUTION" in "".join(_cell["source"]):
            exec("".join(_cell["source"]))  # the instructor's solution
if not _found["source"]:
{stub}
"""
)

PTH_NAME = "nearinit_fake_submission_was_here.pth"
WRITE_GRADER_FILES = (
    FIND_GRADER_FILES
    + f"""for _path in _found["gradebook"]:
    try:
        with open(_path, "ab") as _f:
            _f.write(b"a submission was here")
    except OSError as _exc:
        print("gradebook:", _exc)
for _path in _found["source"]:
    try:
        _path.write_text("{{}}")
    except OSError as _exc:
        print("source:", _exc)
try:
    import site

    pathlib.Path(site.getsitepackages()[0], "{PTH_NAME}").write_text("# a submission was here")
except OSError as _exc:
    print("site-packages:", _exc)


"""
)

FORK_BUSY_LOOP = """

import os
import subprocess

try:
    if os.fork() == 0:
        while True:
            pass
finally:
    subprocess.Popen(["sh", "-c", "while :; do :; done"])
"""

PRINTS_100MB = """print("x" * 100_000_000)


"""
TAMPERING = ("tests-edited", "tests-deleted", "tests-reweighted")  # one per assignment, in turn


def kinds_for(assignments: list[str]) -> dict[str, list[str]]:
    """{assignment: [student ids graded on it]}."""
    out = {}
    for k, a in enumerate(assignments):
        kinds = ["solution", "stub", "wrong", "alias", "liar", TAMPERING[k % len(TAMPERING)]]
        kinds += [kind for kind, j in MECHANISMS.items() if j == k % len(assignments)]
        out[a] = kinds + list(EVERYWHERE)
    return out


def submission(kind: str, source_nb, release_nb) -> nbformat.NotebookNode | None:
    """The release rewritten as a student of this kind would (None: the kind does not apply to this assignment)."""
    solutions = {stu.nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells if stu.is_solution_cell(c)}
    nb = copy.deepcopy(release_nb)
    solution_cells = [c for c in nb.cells if stu.is_solution_cell(c)]
    for cell in solution_cells:
        gid = stu.nbgrader_meta(cell)["grade_id"]
        right, wrong = stu.without_markers(solutions[gid]), WRONG[gid]
        if kind == "solution":
            cell.source = right
        elif kind == "stub":
            pass
        elif kind in ("wrong", *TAMPERING):
            cell.source = wrong
        elif kind == "alias":
            if ALIAS[gid] is None:
                return None
            cell.source = ALIAS[gid]
        elif kind == "liar":
            cell.source = liar(solutions[gid], gid)
        elif kind == "patched-numpy":
            cell.source = wrong + (
                "\n\n\nnp.testing.assert_allclose = lambda *args, **kwargs: None"
                "\nimport nearinit\n\nnearinit.init_params = lambda *args, **kwargs: (None, None)"
            )
        elif kind == "exception":
            cell.source = _signature(solutions[gid]) + '\n    raise ValueError("not done yet")'
        elif kind == "infinite-loop":
            cell.source = _signature(solutions[gid]) + "\n    while True:\n        pass"
        elif kind == "dead-kernel":
            cell.source = "import os\n\nos._exit(1)\n\n" + right
        elif kind == "input-transformer":
            cell.source = INPUT_TRANSFORMER.format(signature=_signature(solutions[gid]))
        elif kind == "event-hook":
            cell.source = EVENT_HOOK + wrong
        elif kind == "patched-sys":
            cell.source = PATCHED_SYS + ALIAS[gid]
        elif kind == "patched-builtins":
            base = LIAR[gid][0]
            base = {"object": "bool", "np.ndarray": "np.ndarray"}.get(base, base)
            cell.source = liar(solutions[gid], gid) + "\n\n\n" + PATCHED_BUILTINS.format(base=base)
        elif kind == "reads-grader-files":
            stub = "\n".join("    " + line for line in wrong.splitlines())
            cell.source = READ_GRADER_FILES.replace("{stub}", stub)
        elif kind == "writes-grader-files":
            cell.source = WRITE_GRADER_FILES + wrong
        elif kind == "fork-busy-loop":
            cell.source = wrong + FORK_BUSY_LOOP
        elif kind == "prints-100mb":
            cell.source = PRINTS_100MB + wrong
        else:
            raise ValueError(f"unknown kind {kind!r}")
    if kind == "tests-edited":
        for cell in nb.cells:
            if stu.is_test_cell(cell):
                cell.source = "pass"
    elif kind == "tests-deleted":
        nb.cells = [c for c in nb.cells if not stu.is_test_cell(c)]
    elif kind == "tests-reweighted":
        for cell in nb.cells:
            if stu.is_test_cell(cell):
                cell.metadata["nbgrader"]["points"] = 1000
                cell.source = "pass"
            if cell.metadata.get("nbgrader", {}).get("locked") and not stu.is_test_cell(cell):
                cell.source += "\nnp.testing.assert_allclose = lambda *args, **kwargs: None"
    return nb
