"""The grading prelude: the first lines of every graded test cell, identical in all of them.

A submission runs in the same kernel as the tests, before them. The prelude gives the test cell what it judges
with, taken so that nothing the submission defines can stand in for it:

- references come from fresh imports under private names (`_genuine("nearinit", "forward")`), and are checked to
  be defined in their package's own files (a submission that assigned ``nearinit.forward = ...`` fails);
- `_exact(value, kind)` requires the exact type (an `int` subclass whose ``__eq__`` is always True, or an ndarray
  subclass, fails), `_array(value, shape)` a real float ndarray of that shape;
- `_watched(forbidden, fn, *args)` calls the submission under a profiler hook and reports every call of a
  forbidden package function, however it was reached (an alias, ``getattr``, a copy of the function object);
- a global name that shadows a built-in (``range = lambda *a: ()`` would empty the tests' loops) is removed.

What it does not defend against: a submission that deliberately patches the interpreter (attributes of ``sys``
or ``builtins``, numpy's internals) or copies the package's source. That is visible in the submitted code, for
the instructor to see.

`tests/test_assignments.py` checks that every graded test cell starts with `PRELUDE`;
`python -m nearinit_book.course.prelude` rewrites the test cells of the chapters after a change here.
"""

from __future__ import annotations

import sys

PRELUDE = '''\
# Grading prelude (the same in every graded test cell, see course/prelude.py): the tests
# judge with fresh imports
# under private names, never with names the notebook defines.
import builtins as _builtins
import importlib as _importlib
import inspect as _inspect
import os as _os
import sys as _sys

import numpy as _np

# a name the notebook bound over a built-in (`range = ...`, `abs = ...`) is removed: the
# tests get the built-ins
for _name in [n for n in vars(_builtins) if not n.startswith("_") and n in globals()]:
    if _name not in ("exit", "quit", "open", "get_ipython", "display"):
        del globals()[_name]


def _genuine(module, name):
    """`module.name`, checked to be defined in the package's own files.

    (Not replaced by the notebook.)
    """
    obj = getattr(_importlib.import_module(module), name)
    top = _os.path.dirname(
        _inspect.getfile(_importlib.import_module(module.split(".")[0]))
    )
    assert _inspect.getfile(_inspect.unwrap(obj)).startswith(top), (
        f"{module}.{name} was replaced in the notebook"
    )
    return obj


def _exact(value, kind, what="the result"):
    """`value` if its type is exactly `kind` (a subclass could redefine ==)."""
    assert _builtins.type(value) is kind, (
        f"{what} must be a {kind.__name__}, not a {_builtins.type(value).__name__}"
    )
    return value


def _array(value, shape, what="the result"):
    """`value` if it is a float numpy array of this shape."""
    _exact(value, _np.ndarray, what)
    assert value.dtype.kind == "f", f"{what} must hold floats, not {value.dtype}"
    assert value.shape == shape, f"{what} must have shape {shape}, not {value.shape}"
    return value


def _watched(forbidden, fn, *args):
    """`fn(*args)`, after checking it called none of the `forbidden` package functions.

    (However reached.)
    """
    codes = {_inspect.unwrap(f).__code__: f.__name__ for f in forbidden}
    called = []

    def hook(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            called.append(codes[frame.f_code])

    previous = _sys.getprofile()
    _sys.setprofile(hook)
    try:
        out = fn(*args)
        assert _sys.getprofile() is hook, (
            "your function must not change the profiler (sys.setprofile)"
        )
    finally:
        _sys.setprofile(previous)
    assert not called, (
        f"write it yourself: your function calls the package's {sorted(set(called))}"
    )
    return out


_assert_allclose = _genuine("numpy.testing", "assert_allclose")
# --- end of the grading prelude
'''

END = "# --- end of the grading prelude"


def body(source: str) -> str:
    """A test cell's own tests: what follows the prelude."""
    if END not in source:
        return source
    return source.split(END, 1)[1].lstrip("\n")


def with_prelude(source: str) -> str:
    return PRELUDE + "\n" + body(source)


def main() -> int:

    import nbformat

    from nearinit_book.course import student
    from nearinit_book.toc import ROOT as root

    for path in sorted((root / "book").glob("*.ipynb")):
        nb = student.read(path)
        changed = False
        for cell in nb.cells:
            if student.is_test_cell(cell) and cell.source != with_prelude(cell.source):
                cell.source = with_prelude(cell.source)
                changed = True
        if changed:
            nbformat.write(nb, str(path))
            print(f"==> {path.relative_to(root)}: prelude updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
