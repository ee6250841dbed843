"""Every chapter notebook is committed executed, top to bottom, in one fresh run.

nbval compares stored outputs with a fresh run; a cell stored without outputs
would let it compare nothing. So every non-empty code cell must carry an
execution count, and the counts must be 1, 2, ..., n in order.
"""

from __future__ import annotations

import json
import re

import pytest

from nearinit_book.toc import BOOK, CHAPTERS
from nearinit_book.toc import code_cells as _code_cells


def test_there_are_chapters():
    assert CHAPTERS, f"no chapter notebooks found in {BOOK}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_executed_top_to_bottom(path):
    counts = [c.get("execution_count") for c in _code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts}; re-run it with `make execute NB={path.relative_to(BOOK.parent)}`"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_outputs_have_no_addresses_or_paths(path):
    text = json.dumps([c.get("outputs", []) for c in _code_cells(path)])
    assert not re.search(r"0x[0-9a-f]{6,}", text), f"{path.name}: an output holds a memory address"
    assert not re.search(r"/(work|tmp|root|home)/", text), f"{path.name}: an output holds a machine path"


# TeX's Computer Modern fonts of matplotlib's mathtext (cmsy10 and the rest) use their own encoding: in a browser,
# which has no such font, their characters show as others (the prime of $W'_t$ as a "0").
_BAKOMA = re.compile(r"font-family: ?'?(cmsy10|cmmi10|cmr10|cmex10|cmb10|cmtt10|cmss10)")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_figures_use_no_tex_encoded_fonts(path):
    """A figure's text must read right in any browser: no text in a Computer Modern font of mathtext (write a
    prime as U+2032, ′, which mathtext takes from the figure's font, not as ' or \\prime, which it takes from
    cmsy10)."""
    for cell in _code_cells(path):
        for out in cell.get("outputs", []):
            svg = out.get("data", {}).get("image/svg+xml", "")
            svg = "".join(svg) if isinstance(svg, list) else svg
            m = _BAKOMA.search(svg)
            assert not m, f"{path.name}: a figure's text is in {m.group(1)}, which browsers do not have"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_error_outputs(path):
    for cell in _code_cells(path):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: a stored output is an error"
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", f"{path.name}: a cell writes to stderr: {''.join(out['text'])[:200]}"


def _clean_notebooks():
    from nearinit_book import notebooks

    return notebooks


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_no_machine_state_in_metadata(path):
    found = _clean_notebooks().machine_state(json.loads(path.read_text()))
    assert not found, (
        f"{path.name}: per-run metadata {found[:3]}; `make execute` strips it (tools/nearinit_book/notebooks.py)"
    )


def test_the_stripper_finds_and_removes_timestamps():
    clean = _clean_notebooks()
    nb = {
        "metadata": {"language_info": {"name": "python", "version": "3.11.7"}},
        "cells": [{"cell_type": "code", "metadata": {"execution": {"iopub.status.busy": "2026-11-24T17:04:30Z"}}}],
    }
    assert clean.machine_state(nb) == ["notebook: language_info.version", "cell 0: execution"]
    assert clean.machine_state(clean.strip(nb)) == [] and nb["metadata"]["language_info"] == {"name": "python"}
