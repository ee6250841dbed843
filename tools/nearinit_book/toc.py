"""The book's files as the tests and tools see them: paths, the table of contents, the chapters, the API page.

One walker of ``_toc.yml`` (root, ``parts``, ``chapters`` and nested ``sections``), one list of chapter
notebooks, one reader of their code cells. ``python -m nearinit_book.toc api`` prints the API reference page
``book/api.md``, generated from the package's ``__all__`` (autodoc directives, one section per module) and the
chapters' code (the *Used in* lines); ``tests/test_api_page.py`` fails when the committed page differs.
"""

from __future__ import annotations

import importlib
import json
import os
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
TOC = pathlib.Path(os.environ.get("NEARINIT_TOC", ROOT / "_toc.yml"))
API = BOOK / "api.md"
CHAPTER_RE = re.compile(r"^\d\d_[a-z0-9_]+$|^appendix_[a-z0-9_]+$")


def toc_pages(toc_path: pathlib.Path = TOC) -> list[str]:
    """Every document of the table of contents in reading order, as ``book/name`` without suffix."""
    toc = yaml.safe_load(toc_path.read_text())
    pages = [str(pathlib.PurePosixPath(toc["root"]).with_suffix(""))]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(str(pathlib.PurePosixPath(entry["file"]).with_suffix("")))
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    walk(toc.get("sections"))
    return pages


def toc_files(root: pathlib.Path = ROOT) -> list[str]:
    """Every `file:` of `_toc.yml`, in reading order (the root page excepted), as written there (no suffix)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc)
    return files


def chapter_notebooks(toc_path: pathlib.Path = TOC) -> list[pathlib.Path]:
    """The notebooks of the table of contents (chapters and appendix), in reading order."""
    out = []
    for page in toc_pages(toc_path):
        path = ROOT / f"{page}.ipynb"
        if path.exists():
            out.append(path)
    return out


#: The chapter notebooks, in reading order.
CHAPTERS = chapter_notebooks()


def code_cells(path: pathlib.Path) -> list[dict]:
    """The non-empty code cells of a notebook."""
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def chapter_label(path: pathlib.Path) -> str:
    """The MyST target ``(label)=`` that opens a chapter (``ch-setup``)."""
    nb = json.loads(path.read_text())
    # the first markdown cell the website shows (the macro cell for JupyterLab, tagged remove-cell, comes before it)
    shown = (
        c for c in nb["cells"] if c["cell_type"] == "markdown" and "remove-cell" not in c["metadata"].get("tags", [])
    )
    first = "".join(next(shown)["source"])
    match = re.match(r"\s*\((?P<label>[A-Za-z0-9_-]+)\)=", first)
    if not match:
        raise ValueError(f"{path.name}: the first markdown cell does not start with a (label)= target")
    return match["label"]


_IMPORT = re.compile(r"from nearinit import (\([^)]*\)|[^\n]*)")


def package_names(path: pathlib.Path) -> set[str]:
    """The names a chapter's code takes from the package: ``from nearinit import ...`` and ``nearinit.NAME``."""
    code = "\n".join("".join(c["source"]) for c in code_cells(path))
    names = {n for group in _IMPORT.findall(code) for n in re.findall(r"\b\w+\b", group)}
    return (names | set(re.findall(r"\bnearinit\.(\w+)", code))) - {"as"}


def used_in(name: str) -> list[str]:
    """Labels of the chapters whose code uses ``name`` from the package (ruff keeps unused imports out)."""
    return [chapter_label(p) for p in CHAPTERS if name in package_names(p)]


# ------------------------------------------------------------------------------------------------ API page
_SECTIONS = {  # module -> section title (every module of nearinit._MODULES needs one)
    "network": "The network and its initialization",
    "activations": "Activations",
    "training": "Training",
    "linearization": "Linearization",
    "symbolic": "Symbolic derivations",
    "smooth": "The smooth case",
    "relu_identity": "The ReLU identity",
    "anticoncentration": "Anti-concentration",
    "main_lemma": "The main lemma and the general base point",
    "worst_case": "The exact worst case",
    "ntk": "Toward the NTK",
    "large_width": "Very large widths",
    "per_neuron": "The per-neuron ball of gradient descent",
    "uniform": "Uniform versions of the near-zero count",
    "tangent": "The features along the path and the limiting kernel",
    "numerics": "Numerical tools",
    "plotting": "Plotting",
}

_INTRO = """(api)=
# API reference: the `nearinit` package

The chapters compute everything with the helper package `nearinit` (in `code/nearinit/`, installed
editable). This page is generated from the package (`python -m nearinit_book.toc api > book/api.md`): every
public name, that is every name in `nearinit.__all__`, with its docstring, grouped by module in the order of the
book. Import them from the package itself, for example `from nearinit import forward, init_params`; the module
names below only say where the code lives. Docstrings cite the results they implement.

Conventions shared by every function: inputs are the rows of an `(n, d)` array `X`, the first layer is an
`(m, d)` array `W` whose rows are the $w_i^\\top$, the outer weights an `(m,)` array `a`; randomness comes
only through a keyword `rng` (normalized by `numpy.random.default_rng`); `scale=None`, the default everywhere, is
the lecture's unscaled network and `scale="ntk"` multiplies its output by $1/\\sqrt m$; bad arguments raise
`ValueError` or `TypeError` naming the argument, the requirement and the value received, and work beyond a
documented size is refused before it starts. The notation page ({ref}`notation`) maps every symbol to its code
name. Under each entry, *Used in* links the chapters whose code calls it (found in the chapters' code cells).
"""


def _entry(module, name: str) -> str:
    obj = getattr(module, name)
    if isinstance(obj, type):
        directive = f".. autoclass:: nearinit.{name}\n   :members:\n"
        if getattr(obj, "_fields", None):  # a NamedTuple: its fields are the documented attributes
            directive = f".. autoclass:: nearinit.{name}\n"
    elif callable(obj):
        directive = f".. autofunction:: nearinit.{name}\n"
    else:  # a constant: autodoc reads its value, and its '#:' comment in nearinit/__init__.py
        directive = f".. py:currentmodule:: None\n\n.. autodata:: nearinit.{name}\n"
    text = f"```{{eval-rst}}\n{directive}```\n"
    chapters = used_in(name)
    if chapters:
        text += "\n*Used in* " + ", ".join(f"{{ref}}`{label}`" for label in chapters) + ".\n"
    return text


def api_page() -> str:
    """The text of ``book/api.md``."""
    import nearinit

    missing = sorted(set(nearinit._MODULES) - set(_SECTIONS))
    if missing:
        raise KeyError(f"give these modules a section title in nearinit_book/toc.py: {missing}")
    parts = [_INTRO]
    for mod_name, names in nearinit._MODULES.items():
        module = importlib.import_module(f"nearinit.{mod_name}")
        title = f"## {_SECTIONS[mod_name]}: `nearinit.{mod_name}`\n\n"
        parts.append(title + f"```{{eval-rst}}\n.. automodule:: nearinit.{mod_name}\n```\n")
        parts += [_entry(module, name) for name in names]
    return "\n".join(parts)


if __name__ == "__main__":
    if sys.argv[1:] != ["api"]:
        sys.exit("usage: python -m nearinit_book.toc api > book/api.md")
    sys.stdout.write(api_page())
