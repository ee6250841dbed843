"""Record in each chapter cell's metadata which of its parts go on which slide (the rules of `rules.py`).

Re-run it after editing a notebook; `make bundle-test` fails while a notebook's recorded slide metadata is not
what the rules give for its current cells. Only the ``slideshow`` metadata of the cells changes (the notebooks'
sources, outputs and other metadata are left byte for byte as they were, apart from that key).

Usage::

    python -m nearinit_book.slides.mark [NOTEBOOK ...]          # default: every notebook of the table of contents
    python -m nearinit_book.slides.mark --check [NOTEBOOK ...]  # exit 1 and name the cells whose metadata is stale
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from nearinit_book.slides.rules import metadata_for, notebook_types
from nearinit_book.toc import ROOT


def toc_notebooks(root: pathlib.Path = ROOT) -> list[pathlib.Path]:
    from nearinit_book.pdf.handouts import chapters

    return chapters(root)


def stale_cells(nb: dict) -> list[int]:
    """Indices of the cells whose recorded ``slideshow`` metadata differs from the rules'."""
    return [
        i
        for i, (cell, types) in enumerate(zip(nb["cells"], notebook_types(nb), strict=True))
        if not cell.get("metadata", {}).get("slideshow", {}).get("manual")
        and cell.get("metadata", {}).get("slideshow") != metadata_for(types)
    ]


def mark(nb: dict) -> int:
    """Write the rules' slide metadata into every cell; returns how many cells changed."""
    changed = 0
    for cell, types in zip(nb["cells"], notebook_types(nb), strict=True):
        meta = cell.setdefault("metadata", {})
        if meta.get("slideshow", {}).get("manual"):
            continue
        new = metadata_for(types)
        if meta.get("slideshow") != new:
            meta["slideshow"] = new
            changed += 1
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if any metadata is stale")
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or toc_notebooks()
    status = 0
    for path in paths:
        text = path.read_text()
        nb = json.loads(text)
        if args.check:
            stale = stale_cells(nb)
            if stale:
                status = 1
                print(
                    f"{path}: slide metadata of cells {stale} is not current: "
                    f"run python -m nearinit_book.slides.mark {path}"
                )
            continue
        if mark(nb):
            # nbformat's layout (what Jupyter and `make execute` write): sorted keys, 1-space indent, final newline.
            path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
            print(f"==> {path}: slide metadata updated")
    return status


if __name__ == "__main__":
    sys.exit(main())
