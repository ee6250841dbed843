"""Every chapter notebook is committed executed, top to bottom, in one fresh run.

nbval compares stored outputs with a fresh run; a cell stored without outputs
would let it compare nothing. So every non-empty code cell must carry an
execution count, and the counts must be 1, 2, ..., n in order.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import BOOK, CHAPTERS


def _code_cells(path):
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


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


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_error_outputs(path):
    for cell in _code_cells(path):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: a stored output is an error"
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", f"{path.name}: a cell writes to stderr: {''.join(out['text'])[:200]}"
