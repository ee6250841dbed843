"""Reading claim declarations from the notebooks, applying a variant, fingerprinting a check (no kernel here)."""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

#: The report ``make claims`` writes, relative to the repository root.
REPORT = Path("book") / "claims_report.json"
#: The kinds of numbered result that need a check (or a proof-only reason); definitions and exercises do not.
RESULT_KINDS = ("theorem", "lemma", "proposition", "corollary")

_PRF = re.compile(r"^(`{3,}|:{3,})\{prf:(\w+)\}[^\n]*\n((?::[\w-]+:[^\n]*\n)*)", re.M)


class DeclarationError(ValueError):
    """A malformed claim declaration: the message names the notebook, the cell and what is wrong."""


@dataclass(frozen=True)
class Variant:
    result: str  #: the prf label of the result the check cell checks
    name: str  #: a reader's name for the mistake ("dropped square root")
    substitutions: dict  #: NAME -> replacement right-hand side


@dataclass
class Check:
    notebook: str  #: path relative to the repository root, e.g. book/05_anticoncentration.ipynb
    index: int  #: the cell's index in the notebook
    cell_id: str
    source: str
    results: list = field(default_factory=list)  #: prf labels, in declaration order
    variants: list = field(default_factory=list)  #: Variant, in declaration order
    fingerprint: str = ""

    @property
    def anchor(self) -> str:
        """The HTML id the chapter page gives the cell (the claim ledger links to it)."""
        return f"check-{self.cell_id}"


def is_graded(cell: dict) -> bool:
    """A graded exercise's cell (nbgrader): it checks a student's answer, not a numbered result."""
    nbg = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbg.get("grade") or nbg.get("solution") or nbg.get("locked"))


def has_assert(source: str) -> bool:
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Assert) for node in ast.walk(tree))


def _strip_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def check_cells(nb: dict) -> list[int]:
    """Indices of the cells that need a declaration: non-graded code cells with an ``assert``.

    Each needs ``"claims"`` in its metadata, or ``"claims_none"``: a reason why its assertion checks no numbered
    result (a fact about floating point, a caveat of the prose).
    """
    return [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and not is_graded(cell) and has_assert(_src(cell))
    ]


def _src(cell: dict) -> str:
    s = cell["source"]
    return s if isinstance(s, str) else "".join(s)


def fingerprint(nb: dict, index: int) -> str:
    """What a variant's run depends on: the code of every cell up to ``index`` and that cell's declaration.

    Markdown is left out (a prose edit does not change what runs); the package's code is left out too (the
    notebooks' stored outputs, verified by nbval, already fail when it changes what the cells compute).
    """
    h = hashlib.sha256()
    for cell in nb["cells"][: index + 1]:
        if cell["cell_type"] == "code":
            h.update(_src(cell).encode())
            h.update(b"\0")
    claims = nb["cells"][index].get("metadata", {}).get("claims", [])
    h.update(json.dumps(claims, sort_keys=True).encode())
    return h.hexdigest()[:16]


def _assignment(tree: ast.Module, name: str):
    hits = [
        node
        for node in tree.body
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
        )
        or (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        )
    ]
    return hits


def substitute(source: str, substitutions: dict, where: str = "") -> str:
    """``source`` with the right-hand side of the unique top-level ``NAME = ...`` replaced, for each NAME.

    Raises :class:`DeclarationError` when a NAME has no or several top-level assignments, when a replacement is not a
    Python expression, or when it equals the original expression (a variant must change the claim).
    """
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError as exc:
        raise DeclarationError(f"{where}: the cell does not parse: {exc}") from None
    lines = source.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode()) + 1)
    edits = []
    for name, expr in substitutions.items():
        if not isinstance(expr, str):
            raise DeclarationError(f"{where}: the replacement of {name!r} must be a string, not {expr!r}")
        hits = _assignment(tree, name)
        if len(hits) != 1:
            raise DeclarationError(
                f"{where}: {name!r} needs exactly one top-level assignment `{name} = ...` in the cell, found "
                f"{len(hits)}"
            )
        try:
            new = ast.parse(expr.strip(), mode="eval")
        except SyntaxError as exc:
            raise DeclarationError(f"{where}: the replacement of {name!r} is not an expression: {exc}") from None
        value = hits[0].value
        if ast.dump(new.body) == ast.dump(value):
            raise DeclarationError(f"{where}: the variant leaves {name!r} unchanged")
        start = offsets[value.lineno - 1] + value.col_offset
        end = offsets[value.end_lineno - 1] + value.end_col_offset
        edits.append((start, end, f"({expr.strip()})"))
    raw = source.encode()
    for start, end, text in sorted(edits, reverse=True):
        raw = raw[:start] + text.encode() + raw[end:]
    return raw.decode()


def notebook_checks(path: Path, root: Path) -> list[Check]:
    """The declared checks of one notebook, validated (every substitution applies), with their fingerprints."""
    nb = json.loads(Path(path).read_text())
    rel = Path(path).resolve().relative_to(root.resolve()).as_posix()
    checks = []
    for i, cell in enumerate(nb["cells"]):
        claims = cell.get("metadata", {}).get("claims")
        if claims is None:
            continue
        where = f"{rel} cell {i} ({cell.get('id')})"
        if cell["cell_type"] != "code":
            raise DeclarationError(f"{where}: claims declared on a {cell['cell_type']} cell")
        source = _src(cell)
        check = Check(rel, i, cell.get("id", str(i)), source, fingerprint=fingerprint(nb, i))
        if not isinstance(claims, list) or not claims:
            raise DeclarationError(f"{where}: 'claims' must be a non-empty list of {{result, variants}}")
        for entry in claims:
            if not isinstance(entry, dict) or set(entry) - {"result", "variants"} or "result" not in entry:
                raise DeclarationError(f"{where}: each claim is {{'result': label, 'variants': {{...}}}}: {entry!r}")
            check.results.append(entry["result"])
            variants = entry.get("variants") or {}
            if not isinstance(variants, dict):
                raise DeclarationError(f"{where}: 'variants' must map a variant's name to its substitutions")
            for vname, subs in variants.items():
                if not isinstance(subs, dict) or not subs:
                    raise DeclarationError(f"{where}: variant {vname!r} must map NAME to a replacement expression")
                substitute(source, subs, f"{where}, variant {vname!r}")
                check.variants.append(Variant(entry["result"], vname, dict(subs)))
        checks.append(check)
    return checks


def book_results(path: Path) -> dict[str, str]:
    """The results of one notebook that need a check: prf label -> kind (theorem, lemma, proposition, corollary)."""
    nb = json.loads(Path(path).read_text())
    found = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for m in _PRF.finditer(_src(cell)):
            kind, options = m.group(2), m.group(3)
            label = re.search(r"^:label:\s*(\S+)", options, re.M)
            # the appendix numbers its results in their titles (A.1, ...) and marks them :nonumber:
            if kind in RESULT_KINDS and label:
                found[label.group(1)] = kind
    return found


def load_report(root: Path) -> dict:
    path = Path(root) / REPORT
    return json.loads(path.read_text()) if path.exists() else {"notebooks": {}}


def prf_labels(path: Path) -> set[str]:
    """Every prf label of one notebook (definitions and exercises included): what a claim may name."""
    nb = json.loads(Path(path).read_text())
    labels = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for m in _PRF.finditer(_src(cell)):
                label = re.search(r"^:label:\s*(\S+)", m.group(3), re.M)
                if label:
                    labels.add(label.group(1))
    return labels


def claim_comment(source: str, name: str) -> str:
    """The ``# Claim (...): ...`` comment a reader sees above the assignment of ``name`` (continuation lines joined)."""
    tree = ast.parse(_strip_magics(source))
    hits = _assignment(tree, name)
    lines = source.split("\n")
    end = hits[0].lineno - 1 if hits else len(lines)
    start = max((i for i in range(end) if lines[i].lstrip().startswith("# Claim")), default=None)
    if start is None:
        return ""
    text = [lines[start].strip()[2:]]
    for line in lines[start + 1 : end]:
        if not line.lstrip().startswith("#") or line.lstrip().startswith("# Claim"):
            break
        text.append(line.strip()[1:].strip())
    return " ".join(text)
