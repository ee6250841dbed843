"""Every computed number in a chapter's prose comes from a cell through myst-nb's glue.

A decimal in a markdown cell is accepted only if it is
* inside a ``{glue:text}`` role (the value is then the stored output of a cell),
* the lecture's or the book's numbering ("Lemma 4.1", "Prop. 4.1", "§4.2"),
* an input: a literal in one of the notebook's code cells (``B = 0.3``), or a parameter written as a literal in the
  package source (the streaming path's growth factor ``1.5``).
Anything else, such as "the integral is about 0.394", is a number typed by hand that can drift from the outputs.
The test also requires every glue key used in the prose to be stored by a cell of the same notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
PACKAGE = sorted((ROOT / "code" / "nearinit").glob("*.py"))

DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
GLUE = re.compile(r"\{glue(?::\w+)?\}`([^`:]+)(?::[^`]*)?`")
NUMBERING = re.compile(r"(Lemma|Lemmas|Proposition|Propositions|Prop\.|Theorem|Corollary|Definition|Section|§)\s*$")
LITERALINCLUDE = re.compile(r"```\{literalinclude\}.*?```", re.S)


def _literals(text: str) -> set[str]:
    return set(DECIMAL.findall(text))


def unexplained_decimals(markdown: str, allowed: set[str]) -> list[str]:
    """The decimals of ``markdown`` that are neither glued, numbering, nor in ``allowed``."""
    text = LITERALINCLUDE.sub("", GLUE.sub("", markdown))
    bad = []
    for match in DECIMAL.finditer(text):
        if match.group(0) in allowed or NUMBERING.search(text[max(0, match.start() - 16) : match.start()]):
            continue
        bad.append(text[max(0, match.start() - 50) : match.end() + 10].replace("\n", " "))
    return bad


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _glued(cells: list[dict]) -> dict[str, str]:
    """Glue key -> the stored text/plain of its value."""
    values = {}
    for cell in cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = "".join(out.get("data", {}).get("application/papermill.record/text/plain", ""))
    return values


PACKAGE_LITERALS = set().union(*(_literals(p.read_text(encoding="utf-8")) for p in PACKAGE))


def test_checker_flags_a_hand_typed_number_and_accepts_the_rest():
    allowed = {"0.3"}
    text = (
        "the integral is about $0.394$; the gap {glue:text}`gap:.3f` for $B = 0.3$, as in the lecture's Lemma 4.1 and "
        "Prop. 4.1\n```{literalinclude} ../x.py\n:lines: 1.5\n```"
    )
    assert [s.strip() for s in unexplained_decimals(text, allowed)] == ["the integral is about $0.394$; the gap"]
    assert unexplained_decimals("about {glue:text}`c_worst:.4f` and {glue}`k`", set()) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_decimals_come_from_glue(path):
    cells = _cells(path)
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    allowed = _literals(code) | PACKAGE_LITERALS
    problems = [
        f"cell {i}: ...{snippet}..."
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "markdown"
        for snippet in unexplained_decimals(_source(cell), allowed)
    ]
    assert not problems, f"{path.name}: decimals in the prose that no glue provides:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glue_keys_used_in_prose_are_stored(path):
    cells = _cells(path)
    used = {key for c in cells if c["cell_type"] == "markdown" for key in GLUE.findall(_source(c))}
    missing = used - set(_glued(cells))
    assert not missing, (
        f"{path.name}: glue keys used in the prose but stored by no cell (re-execute?): {sorted(missing)}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glued_numbers_are_plain_numbers(path):
    """A glued numpy scalar is stored as 'np.float64(...)', which the glue role cannot format."""
    bad = {}
    for key, text in _glued(_cells(path)).items():
        try:
            float(text)
        except ValueError:
            bad[key] = text
    assert not bad, f"{path.name}: glue a Python float (float(round(x, k))), not {bad}"
