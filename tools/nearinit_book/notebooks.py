"""Remove per-run machine state from executed notebooks, in place.

`make execute` runs this after nbconvert: a committed notebook must depend only on its cells and the seed, not on
the machine or the moment that executed it. It removes

* each cell's ``metadata.execution`` (the kernel's timestamps; nbconvert's ``record_timing=False`` stops new ones but
  does not delete those already stored) and the older ``metadata.ExecuteTime``;
* the notebook's ``metadata.language_info.version`` (the executing Python's patch version) and ``metadata.widgets``.

Usage: ``python -m nearinit_book.notebooks book/*.ipynb`` (``--check`` lists offenders and exits 1 instead).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

CELL_KEYS = ("execution", "ExecuteTime")
NOTEBOOK_KEYS = ("widgets",)
LANGUAGE_INFO_KEYS = ("version",)


def machine_state(nb: dict) -> list[str]:
    """Where ``nb`` (a notebook as JSON) carries per-run metadata, as ``"cell 3: execution"`` strings."""
    found = [f"notebook: {k}" for k in NOTEBOOK_KEYS if k in nb.get("metadata", {})]
    lang = nb.get("metadata", {}).get("language_info", {})
    found += [f"notebook: language_info.{k}" for k in LANGUAGE_INFO_KEYS if k in lang]
    for i, cell in enumerate(nb.get("cells", [])):
        found += [f"cell {i}: {k}" for k in CELL_KEYS if k in cell.get("metadata", {})]
    return found


def strip(nb: dict) -> dict:
    """Return ``nb`` without the keys :func:`machine_state` reports (modifies and returns the same dict)."""
    for k in NOTEBOOK_KEYS:
        nb.get("metadata", {}).pop(k, None)
    for k in LANGUAGE_INFO_KEYS:
        nb.get("metadata", {}).get("language_info", {}).pop(k, None)
    for cell in nb.get("cells", []):
        for k in CELL_KEYS:
            cell.get("metadata", {}).pop(k, None)
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if any notebook has machine state")
    args = parser.parse_args(argv)
    bad = 0
    for path in args.notebooks:
        text = path.read_text()
        nb = json.loads(text)
        found = machine_state(nb)
        if args.check:
            for f in found:
                print(f"{path}: {f}")
            bad += bool(found)
        elif found:
            # nbformat's own layout (indent 1, keys sorted, trailing newline), so diffs stay small
            path.write_text(json.dumps(strip(nb), indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
