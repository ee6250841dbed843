"""The package's doctests, one test each, as a unit test (so `make mutation` runs them against every mutant too).

pytest's ``--doctest-modules`` cannot run under mutmut 3: mutmut copies every function, docstring included, once per
mutant (``x_f__mutmut_1``, ...) and keeps the unmutated body as ``x_f__mutmut_orig``, so the collection would run
each mutated copy's example directly. Here each docstring is collected once, under its public name: from ``f`` itself
when it is found, else from the ``__mutmut_orig`` copy, never from a numbered mutant. Its examples call the public
name, which mutmut routes to the mutant under test. Outside mutmut this finds exactly what ``--doctest-modules`` finds
(``test_every_docstring_example_is_collected`` checks it against the source).
"""

from __future__ import annotations

import ast
import doctest
import importlib
import pathlib
import re

import pytest

PACKAGE = pathlib.Path(importlib.import_module("nearinit").__file__).parent
MODULES = sorted(f"nearinit.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__")
_COPY = re.compile(r"x(?:_|ǁ(\w+)ǁ)(\w+?)__mutmut_(\w+)$")


def _public_name(name: str) -> tuple[str, bool] | None:
    """(``nearinit.m.f``, whether it came from a copy) for ``f`` and for mutmut's ``x_f__mutmut_orig`` (``C.f`` for
    a method ``xǁCǁf__mutmut_orig``); None for a numbered mutant."""
    parts, copied = [], False
    for part in name.split("."):
        match = _COPY.fullmatch(part)
        if match is None:
            parts.append(part)
            continue
        if match[3] != "orig":
            return None
        parts.extend(p for p in match.groups()[:2] if p)
        copied = True
    return ".".join(parts), copied


def _doctests() -> dict[str, doctest.DocTest]:
    found: dict[str, doctest.DocTest] = {}
    finder = doctest.DocTestFinder(exclude_empty=True)
    for module_name in MODULES:
        for test in finder.find(importlib.import_module(module_name), module_name):
            named = _public_name(test.name)
            if named is None or not test.examples:
                continue
            public, copied = named
            if public in found and copied:
                continue  # the public function itself was found: its copy holds the same docstring
            test.name = public
            found[public] = test
    return found


DOCTESTS = _doctests()


@pytest.mark.parametrize("name", sorted(DOCTESTS))
def test_doctest(name):
    test = DOCTESTS[name]
    runner = doctest.DocTestRunner(verbose=False)
    globs = dict(test.globs)
    failures = []
    runner.run(
        doctest.DocTest(test.examples, globs, test.name, test.filename, test.lineno, test.docstring),
        out=failures.append,
        clear_globs=True,
    )
    assert runner.failures == 0, "".join(failures)


def _docstrings_with_examples() -> set[str]:
    """The public names of the docstrings holding a ``>>>`` example, read from the source files (not imported)."""
    names = set()

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if ">>>" in (ast.get_docstring(child) or ""):
                    names.add(f"{prefix}.{child.name}")
                visit(child, f"{prefix}.{child.name}")

    for module_name in MODULES:
        tree = ast.parse((PACKAGE / f"{module_name.split('.')[-1]}.py").read_text(encoding="utf-8"))
        if ">>>" in (ast.get_docstring(tree) or ""):
            names.add(module_name)
        visit(tree, module_name)
    # under mutmut the source holds the mangled copies: map them as the collection does
    return {named[0] for named in map(_public_name, names) if named is not None}


def test_every_docstring_example_is_collected():
    """Each docstring with an example in the source is one test here, under its public name (so a finder that finds
    nothing, or finds mutmut's copies, fails)."""
    assert set(DOCTESTS) == _docstrings_with_examples()
