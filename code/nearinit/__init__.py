"""nearinit: the helper package of the book *Nets near initialization are almost linear*.

The chapters import everything from here; see the book's API reference page. The public names and their
submodules are listed once, in the type stub ``__init__.pyi``, which type checkers read too (each submodule also
lists its own names in its ``__all__``, and a test keeps the two equal). The submodules are imported lazily (SPEC 1,
``lazy_loader``): ``import nearinit`` costs little more than ``import numpy``, and sympy, scipy and matplotlib are
loaded only by the first function that needs them.
"""

import ast as _ast
import pathlib as _pathlib
import typing as _typing

import lazy_loader as _lazy


def _stub_modules() -> dict[str, tuple[str, ...]]:
    """Submodule -> its public names, in the book's order, as ``__init__.pyi`` lists them."""
    tree = _ast.parse(_pathlib.Path(__file__).with_suffix(".pyi").read_bytes())  # bytes: decoded as UTF-8 (PEP 263)
    modules: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, _ast.ImportFrom) and node.level == 1 and node.module:
            modules[node.module] = modules.get(node.module, ()) + tuple(alias.name for alias in node.names)
    return modules


_MODULES = _stub_modules()  # read by the API page's generator (nearinit_book.toc)
__getattr__, __dir__, __all__ = _lazy.attach(__name__, submod_attrs=_MODULES)

if _typing.TYPE_CHECKING:  # never run: the constants' documentation, read here by Sphinx's autodoc (book/api.md)
    #: Names accepted by :func:`nearinit.get_activation`, ``"relu"`` and the smooth activations.
    ACTIVATIONS: tuple[str, ...]
    #: The smooth activations (finite beta), in the book's order.
    SMOOTH_ACTIVATIONS: tuple[str, ...]
    #: The real variable z of every activation expression.
    Z: object  # a sympy.Symbol
    #: Colour cycle (colour-blind safe, Okabe-Ito), in the order the chapters use it.
    BOOK_COLORS: tuple[str, ...]
    #: The package's one memory budget in bytes, 1 GiB (well under a laptop's RAM). Every function whose memory grows
    #: with its arguments works in chunks within it or refuses, before it allocates, with this limit in the message.
    MEMORY_BUDGET: int
