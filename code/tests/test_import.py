"""``import nearinit`` is light: the heavy dependencies load only when a function that needs them is used."""

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
