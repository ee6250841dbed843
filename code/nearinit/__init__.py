"""nearinit: the helper package of the book *Nets near initialization are almost linear*.

The chapters import everything from here; see the book's API reference page. The public names and their
submodules are listed once, in the type stub ``__init__.pyi``, which type checkers read too (each submodule also
lists its own names in its ``__all__``, and a test keeps the two equal). The submodules are imported lazily (SPEC 1,
``lazy_loader``): ``import nearinit`` costs little more than ``import numpy``, and sympy, scipy and matplotlib are
loaded only by the first function that needs them.
"""

import ast as _ast
import pathlib as _pathlib

import lazy_loader as _lazy


def _stub_modules() -> dict[str, tuple[str, ...]]:
    """Submodule -> its public names, in the book's order, as ``__init__.pyi`` lists them."""
    tree = _ast.parse(_pathlib.Path(__file__).with_suffix(".pyi").read_text(encoding="utf-8"))
    modules: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, _ast.ImportFrom) and node.level == 1 and node.module:
            modules[node.module] = modules.get(node.module, ()) + tuple(alias.name for alias in node.names)
    return modules


_MODULES = _stub_modules()  # read by the API page's generator (nearinit_book.toc)
__getattr__, __dir__, __all__ = _lazy.attach(__name__, submod_attrs=_MODULES)
