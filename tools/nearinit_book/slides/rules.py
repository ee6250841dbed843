"""Which part of which cell goes on which slide: the deterministic rules behind the decks (`make slides`).

A chapter cell is cut into *parts*: a markdown cell into its top-level MyST blocks (a heading, a paragraph or
list, a directive such as ``{prf:lemma}``, a display equation), a code cell into its input and its output. Each
part gets one of reveal.js's slide types, as Jupyter records them (``slide``, ``subslide``, ``fragment``, ``-`` =
same slide, ``notes`` = speaker notes, ``skip``):

===============================================  ==================================================================
part                                             slide type
===============================================  ==================================================================
chapter title (``#``)                            ``slide`` (the title slide)
section heading (``##``, ``###``)                ``slide`` (a new column of the deck)
statement (``{prf:theorem}``, lemma, ...,        ``subslide`` (one statement per slide)
definition), ``{exercise}``
``{prf:proof}``, ``{solution}``                  ``notes`` (under the statement they follow)
numbered display equation (``$$ ... $$ (label)``)  ``subslide``
list right under a "Takeaways" heading            ``-`` (on the heading's slide)
interactive figure (HTML that loads a script,    ``subslide`` (``build.py`` ships its scripts with the deck)
``<script src=...>``)
prose, lists, unnumbered display math            ``notes``
figure (a code cell with an image output)        output ``subslide`` (with its numbered caption), code ``notes``
code cell of at most ``SHORT_CODE`` lines         input ``subslide``, printed output ``fragment``
longer code cell                                 input ``notes``, printed output ``subslide``
code cell without output, or the setup cell      ``notes`` (the setup cell: ``skip``)
graded solution / test cells, ``remove-cell``,   ``skip`` (they are not lecture material, and the students' version
``website-only`` cells                           of the solutions must not be projected)
===============================================  ==================================================================

``mark.py`` writes the result into each cell's metadata, ``slideshow.slide_type`` (the type of the
cell's first part that is not skipped, which Jupyter's slide view and RISE read) and ``slideshow.parts`` (the type
of every part), and checks that the recorded metadata is current. A cell whose ``slideshow`` has
``"manual": true`` keeps the types an author wrote by hand.
"""

from __future__ import annotations

import dataclasses
import re

SHORT_CODE = 10  # lines of code that still fit on a slide next to their output
STATEMENTS = {
    "prf:theorem",
    "prf:lemma",
    "prf:proposition",
    "prf:corollary",
    "prf:definition",
    "prf:conjecture",
    "prf:remark",
    "prf:example",
    "prf:assumption",
    "prf:axiom",
    "prf:criterion",
    "prf:notation",
    "prf:observation",
    "prf:property",
    "prf:algorithm",
    "exercise",
}
NOTES_DIRECTIVES = {"prf:proof", "solution", "literalinclude"}
SKIP_TAGS = {"remove-cell", "website-only"}
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "notes", "skip"}
_FENCE = re.compile(r"^(`{3,}|:{3,})\s*\{([^}]+)\}(.*)$")
_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=")  # an interactive figure: HTML that loads its script


@dataclasses.dataclass
class Part:
    """One top-level block of a markdown cell, or the input / output of a code cell."""

    kind: str  # heading | directive | math | text | target | input | output
    source: str = ""
    level: int = 0  # heading level
    name: str = ""  # directive name
    argument: str = ""  # directive argument (title)
    label: str = ""  # math / directive label


def markdown_parts(source: str) -> list[Part]:
    """The top-level MyST blocks of a markdown cell, in order (empty lines dropped)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.amsmath import amsmath_plugin
    from mdit_py_plugins.colon_fence import colon_fence_plugin
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.myst_blocks import myst_block_plugin

    md = (
        MarkdownIt("commonmark")
        .use(dollarmath_plugin, allow_labels=True, allow_space=True, allow_digits=True, double_inline=True)
        .use(amsmath_plugin)
        .use(colon_fence_plugin)
        .use(deflist_plugin)
        .use(myst_block_plugin)
        .enable("table")
    )
    lines = source.splitlines()
    parts: list[Part] = []
    for token in md.parse(source):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        text = "\n".join(lines[token.map[0] : token.map[1]]).strip("\n")
        if token.type == "heading_open":
            parts.append(Part("heading", text, level=int(token.tag[1])))
        elif token.type in ("fence", "colon_fence") and token.info.strip().startswith("{"):
            match = _FENCE.match(text.splitlines()[0].strip())
            name = match.group(2).strip() if match else token.info.strip()[1:].split("}")[0]
            argument = match.group(3).strip() if match else ""
            label = next(
                (ln.split(":label:", 1)[1].strip() for ln in text.splitlines() if ln.strip().startswith(":label:")), ""
            )
            parts.append(Part("directive", text, name=name, argument=argument, label=label))
        elif token.type in ("math_block", "math_block_label", "amsmath"):
            parts.append(Part("math", text, label=token.info if token.type == "math_block_label" else ""))
        elif token.type == "myst_target":
            parts.append(Part("target", text, label=token.content))
        else:
            parts.append(Part("text", text))
    return parts


def code_parts(cell) -> list[Part]:
    parts = [Part("input", cell.get("source", "") if isinstance(cell.get("source"), str) else "".join(cell["source"]))]
    if cell.get("outputs"):
        parts.append(Part("output"))
    return parts


def cell_parts(cell) -> list[Part]:
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    if cell["cell_type"] == "markdown":
        return markdown_parts(source)
    if cell["cell_type"] == "code":
        return code_parts(cell)
    return [Part("text", source)]


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def is_graded(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


def has_image(cell) -> bool:
    return any(
        "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in cell.get("outputs", [])
    )


def part_types(cell, index: int, first_code: int | None) -> list[str]:
    """The slide type of every part of cell number ``index`` of its notebook (``first_code``: the setup cell)."""
    parts = cell_parts(cell)
    if _tags(cell) & SKIP_TAGS or is_graded(cell) or cell["cell_type"] == "raw":
        return ["skip"] * len(parts)
    if cell["cell_type"] == "code":
        if index == first_code:
            return ["skip"] * len(parts)
        lines = len(parts[0].source.strip().splitlines())
        hidden_input = "hide-input" in _tags(cell) or "remove-input" in _tags(cell)
        if len(parts) == 1:  # no output
            return ["skip" if hidden_input else "notes"]
        if has_image(cell):
            return ["skip" if hidden_input else "notes", "subslide"]
        if lines <= SHORT_CODE and not hidden_input:
            return ["subslide", "fragment"]
        return ["skip" if hidden_input else "notes", "subslide"]
    types = []
    heading = ""
    for part in parts:
        if part.kind == "heading":
            heading = part.source.lstrip("#").strip().lower()
            types.append("slide")
        elif part.kind == "text" and heading == "takeaways" and part.source.lstrip().startswith(("* ", "- ", "1. ")):
            types.append("-")
        elif part.kind == "target":
            types.append("skip")
        elif part.kind == "directive" and part.name in STATEMENTS:
            types.append("subslide")
        elif part.kind == "directive" and part.name in NOTES_DIRECTIVES:
            types.append("notes")
        elif part.kind == "directive":
            types.append("notes")
        elif part.kind == "math" and part.label:
            types.append("subslide")
        elif part.kind == "text" and _SCRIPT.search(part.source):
            types.append("subslide")
        else:
            types.append("notes")
    return types


def notebook_types(nb) -> list[list[str]]:
    """``part_types`` of every cell of a notebook (a ``manual`` cell keeps its recorded parts)."""
    first_code = next((i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"), None)
    out = []
    for i, cell in enumerate(nb["cells"]):
        recorded = cell.get("metadata", {}).get("slideshow", {})
        if recorded.get("manual") and recorded.get("parts"):
            out.append(list(recorded["parts"]))
        else:
            out.append(part_types(cell, i, first_code))
    return out


def metadata_for(types: list[str]) -> dict:
    """The ``slideshow`` metadata recording a cell's part types."""
    shown = [t for t in types if t != "skip"]
    return {"slide_type": shown[0] if shown else "skip", "parts": list(types)}
