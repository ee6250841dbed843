"""``import nearinit`` is light: the heavy dependencies load only when a function that needs them is used."""

import pathlib
import re
import subprocess
import sys

import pytest

import nearinit

HEAVY = ("sympy", "scipy", "matplotlib")


def _modules_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {m.split(".")[0] for m in out.split()}


def test_import_loads_no_heavy_dependency():
    assert _modules_after("import nearinit") == set()


def test_first_use_loads_what_it_needs():
    assert "sympy" in _modules_after("import nearinit; nearinit.smoothness_constant('tanh')")
    assert _modules_after("import nearinit; nearinit.forward") == set()


def test_every_public_name_resolves_and_lists():
    for name in nearinit.__all__:
        assert getattr(nearinit, name) is not None
    assert set(nearinit.__all__) <= set(dir(nearinit))


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="No nearinit attribute nope"):
        nearinit.nope  # noqa: B018


def test_the_lazy_table_matches_every_submodule():
    """The stub ``__init__.pyi`` (read without importing) names exactly what each submodule lists in its ``__all__``,
    and every public submodule is in it."""
    import importlib
    import pathlib

    files = {p.stem for p in pathlib.Path(nearinit.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    assert files == set(nearinit._MODULES)

    for module, names in nearinit._MODULES.items():
        assert sorted(importlib.import_module(f"nearinit.{module}").__all__) == sorted(names), module
        for name in names:
            obj = getattr(nearinit, name)
            if callable(obj) and not isinstance(obj, tuple):
                assert obj.__module__ == f"nearinit.{module}", name


def _stub_table() -> dict[str, tuple[str, ...]]:
    """Submodule -> names, read from the stub's text independently of the package: each ``from .module import (a as
    a, ...)`` block, in order (a module listed twice gets both lists)."""
    text = (pathlib.Path(nearinit.__file__).parent / "__init__.pyi").read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for module, block, line in re.findall(r"^from \.(\w+) import (?:\(([^)]*)\)|(.*)$)", text, flags=re.M):
        table[module] = table.get(module, ()) + tuple(re.findall(r"\b(\w+) as \1\b", block or line))
    return table


def test_stub_modules_reads_the_stub_in_process():
    """``_stub_modules`` (run here, where mutants reach it, not only at import) gives the stub's table, read here from
    the stub's text (with a few entries spelled out), and it is the table ``__getattr__`` uses."""
    table = _stub_table()
    assert table["network"] == ("forward", "init_params", "preactivations")
    assert table["activations"] == ("ACTIVATIONS", "Activation", "SMOOTH_ACTIVATIONS", "get_activation")
    assert sum(map(len, table.values())) == len(nearinit.__all__) >= 70
    files = {p.stem for p in pathlib.Path(nearinit.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    assert set(table) == files
    assert nearinit._stub_modules() == table
    assert nearinit._MODULES == table


def test_stub_modules_keeps_relative_imports_in_order(monkeypatch, tmp_path):
    """Only ``from .module import names`` counts; a module imported twice gets both lists, in the stub's order."""
    stub = '''"""A stub (Größe: the file is UTF-8)."""
from __future__ import annotations
import numpy as np
from typing import Any as Any
from . import network as network
from .alpha import (
    f as f,
    g as g,
)
from .beta import h as h
from ..gamma import z as z
from .alpha import k as k
'''
    (tmp_path / "__init__.pyi").write_text(stub, encoding="utf-8")
    monkeypatch.setattr(nearinit, "__file__", str(tmp_path / "__init__.py"))
    assert nearinit._stub_modules() == {"alpha": ("f", "g", "k"), "beta": ("h",)}
