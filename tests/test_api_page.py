"""The API reference page documents every public name of the package, and nothing that is not public.

``book/api.md`` documents each name of ``nearinit.__all__`` with an autodoc directive
(``.. autofunction:: nearinit.NAME``, ``.. autoclass::``, ``.. autodata::``, or ``.. py:data::`` for
constants, possibly under their module, ``nearinit.MODULE.NAME``). A name added to ``__all__``
without an entry on the page, or an entry left behind after a name was removed, fails here.
"""

from __future__ import annotations

import re

import pytest
import yaml

import nearinit
from nearinit_book.toc import API, ROOT, api_page

DIRECTIVE = re.compile(
    r"^\.\. (?:autofunction|autoclass|autodata|py:data|py:function|py:class):: nearinit\.(?:\w+\.)?(\w+)\s*$",
    re.MULTILINE,
)


def _documented() -> list[str]:
    return DIRECTIVE.findall(API.read_text())


@pytest.mark.parametrize("name", nearinit.__all__)
def test_public_name_is_documented(name):
    assert name in _documented(), f"{name} is in nearinit.__all__ but has no autodoc entry in book/api.md"


def test_no_stale_or_duplicate_entries():
    documented = _documented()
    stale = sorted(set(documented) - set(nearinit.__all__))
    assert not stale, f"book/api.md documents names that are not in nearinit.__all__: {stale}"
    dupes = sorted({n for n in documented if documented.count(n) > 1})
    assert not dupes, f"book/api.md documents these names twice: {dupes}"


def test_every_module_is_introduced():
    """Each module that owns a public name has its ``.. automodule::`` section (its docstring is the overview)."""
    text = API.read_text()
    modules = {f"nearinit.{m}" for m in nearinit._MODULES}  # every submodule that owns a public name
    for mod in sorted(modules):
        assert f".. automodule:: {mod}\n" in text, f"book/api.md has no '.. automodule:: {mod}' section"


def test_api_page_is_in_the_back_matter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    back = next(p for p in toc["parts"] if p["caption"] == "Back matter")
    files = [c["file"] for c in back["chapters"]]
    assert "book/api" in files, "book/api is missing from the back matter of _toc.yml"
    if "book/errata" in files:
        assert files.index("book/api") > files.index("book/errata"), "book/api comes after book/errata"


def test_the_page_is_generated_from_the_package_and_the_chapters():
    """``book/api.md`` is what ``python -m nearinit_book.toc api`` writes: no hand-kept entry or *Used in* list."""
    assert API.read_text() == api_page(), "book/api.md is stale: run `python -m nearinit_book.toc api > book/api.md`"
