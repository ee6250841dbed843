"""The claim ledger: for each result of the book, the checks that would have caught it being false.

:func:`collect` joins the declarations in the notebooks with the report ``make claims`` wrote: per result, its check
cells, the false variants each was *seen* to reject (a report entry whose fingerprint matches the notebook), or the
reason only a proof can establish it. ``tests/test_claims.py`` holds the book to it; the results page shows it
(:func:`ledger_nodes`, added to each entry of ``nearinit_book.site.results`` through its event
``nearinit-results-entry``), and :func:`setup` gives every check cell its anchor ``#check-<cell id>`` on the chapter
page.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .declarations import (
    REPORT,
    _strip_magics,
    book_results,
    claim_comment,
    load_report,
    notebook_checks,
)

#: Chapters whose statements carry a constant, a rate or a probability: three caught variants per result.
STRICT = ("03_", "05_", "06_", "07_", "appendix")
CAUGHT = "caught"


def needed(notebook: str) -> int:
    """How many caught false variants a result of ``notebook`` needs (unless it is proof only)."""
    return 3 if Path(notebook).name.startswith(STRICT) else 1


@dataclass
class CheckRef:
    notebook: str
    cell_id: str
    index: int
    summary: str  #: the cell's ``# Claim`` comment, without its "Claim (Lemma 5.1):" prefix
    variants: list  #: (name, verdict or None when the report is stale or missing)
    fresh: bool  #: the report's fingerprint matches the notebook

    @property
    def anchor(self) -> str:
        return f"check-{self.cell_id}"

    @property
    def caught(self) -> int:
        return sum(v == CAUGHT for _, v in self.variants) if self.fresh else 0


@dataclass
class Entry:
    label: str
    kind: str | None  #: theorem, lemma, proposition, corollary; None for a definition or exercise with checks
    notebook: str | None
    checks: list = field(default_factory=list)
    proof_only: str | None = None

    @property
    def caught(self) -> int:
        return sum(c.caught for c in self.checks)

    @property
    def needed(self) -> int:
        return needed(self.notebook) if self.notebook else 0

    @property
    def covered(self) -> bool:
        return bool(self.proof_only) or self.caught >= self.needed


_PREFIX = re.compile(r"^Claim\s*\((?:[^()]|\([^()]*\))*\)\s*:?\s*")


def _first_assigned(source: str, names: set) -> str:
    """Of ``names``, the one assigned first in the cell: its ``# Claim`` comment states what the check checks."""
    lines = {}
    for node in ast.parse(_strip_magics(source)).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for t in targets:
            if isinstance(t, ast.Name) and t.id in names:
                lines.setdefault(t.id, node.lineno)
    return min(lines, key=lines.get) if lines else ""


def collect(root: Path) -> dict[str, Entry]:
    """Every result of the book (and every other label a check names) with its checks and proof-only reason."""
    root = Path(root).resolve()
    notebooks = sorted((root / "book").glob("*.ipynb"))
    report = load_report(root).get("notebooks", {})
    entries: dict[str, Entry] = {}
    for path in notebooks:
        rel = path.relative_to(root).as_posix()
        for label, kind in book_results(path).items():
            entries[label] = Entry(label, kind, rel)
    for path in notebooks:
        rel = path.relative_to(root).as_posix()
        meta = json.loads(path.read_text())["metadata"]
        for label, reason in meta.get("claims_proof_only", {}).items():
            entries.setdefault(label, Entry(label, None, rel)).proof_only = reason
        reported = {c["cell"]: c for c in report.get(rel, {}).get("checks", [])}
        for check in notebook_checks(path, root):
            rc = reported.get(check.cell_id)
            fresh = bool(rc) and rc.get("fingerprint") == check.fingerprint
            verdicts = {(v["result"], v["name"]): v["verdict"] for v in (rc or {}).get("variants", [])}
            for result in dict.fromkeys(check.results):
                mine = [v for v in check.variants if v.result == result]
                name = _first_assigned(check.source, {n for v in mine for n in v.substitutions})
                summary = _PREFIX.sub("", claim_comment(check.source, name)).replace("`", "") if name else ""
                ref = CheckRef(
                    rel,
                    check.cell_id,
                    check.index,
                    summary,
                    [(v.name, verdicts.get((result, v.name)) if fresh else None) for v in mine],
                    fresh,
                )
                entries.setdefault(result, Entry(result, None, None)).checks.append(ref)
    return entries


# ---------------------------------------------------------------------------------------------- on the website


def _anchor_check_cells(app, doctree):
    """Give every declared check cell of a chapter page the id ``check-<cell id>`` (the ledger links to it)."""
    from docutils import nodes

    path = Path(app.env.doc2path(app.env.docname))
    if path.suffix != ".ipynb":
        return
    cells = json.loads(path.read_text())["cells"]
    for node in doctree.findall(nodes.container):
        index = node.get("cell_index")
        if node.get("nb_element") != "cell_code" or index is None or index >= len(cells):
            continue
        cell = cells[index]
        if cell.get("metadata", {}).get("claims") is not None:
            node["ids"].append(f"check-{cell['id']}")
            node["classes"].append("nearinit-check")


def _ledger(app) -> dict[str, Entry]:
    if getattr(app, "_nearinit_ledger", None) is None:
        app._nearinit_ledger = collect(Path(app.srcdir))
    return app._nearinit_ledger


def _results_page_outdated(app, env, added, changed, removed):
    """The results page shows the report and every chapter's declarations: rebuilt on every build (it is small)."""
    app._nearinit_ledger = None
    return [doc for doc in env.found_docs if doc.endswith("results")]


def ledger_nodes(app, fromdocname: str, label: str) -> list:
    """The ledger of one result for its entry on the results page: its checks as links, or "proof only".

    Inline nodes (the entry is a paragraph); the stylesheet sets each check on a line of its own.
    """
    from docutils import nodes

    entry = _ledger(app).get(label)
    if entry is None or (not entry.checks and not entry.proof_only):
        if entry is not None and entry.kind:
            return [nodes.inline("", "Not yet checked.", classes=["nearinit-ledger"])]
        return []
    box = nodes.inline(classes=["nearinit-ledger"])
    if entry.proof_only:
        line = nodes.inline(classes=["nearinit-ledger-line"])
        line += nodes.strong("", "Proof only: ")
        line += nodes.Text(entry.proof_only)
        box += line
    for check in entry.checks:
        line = nodes.inline(classes=["nearinit-ledger-line"])
        line += nodes.Text("Checked: ")
        if app.builder.format == "html":
            docname = check.notebook.removesuffix(".ipynb")
            uri = app.builder.get_relative_uri(fromdocname, docname) + "#" + check.anchor
            link = nodes.reference("", "", internal=True, refuri=uri)
        else:  # the PDF labels no code cell: the check named, not linked
            link = nodes.inline()
        link += nodes.Text(check.summary or "the check")
        line += link
        if check.fresh:
            names = [name for name, verdict in check.variants if verdict == CAUGHT]
            n = len(names)
            line += nodes.Text(f"; rejects {n} false version{'s' if n != 1 else ''}")
            if names:
                line += nodes.Text(" (")
                line += nodes.emphasis("", "; ".join(names))
                line += nodes.Text(")")
        else:
            line += nodes.Text("; not run on this version of the cell (make claims)")
        box += line
    return [box]


def _on_results_entry(app, paragraph, result_docname, label, index_docname):
    paragraph += ledger_nodes(app, index_docname, label)


def _unnumbered_results(app, doctree, docname):
    """After the results index: the appendix's results (numbered "A.1" in their titles, ``:nonumber:`` for
    Sphinx, so not in the index), in the same form, each with its ledger."""
    from docutils import nodes

    from nearinit_book.site.results import ENTRY_EVENT, _result_title

    sections = [s for s in doctree.findall(nodes.section) if any(i.startswith("results-") for i in s["ids"])]
    if not sections:
        return
    by_doc: dict[str, list] = {}
    for label, info in getattr(app.env, "proof_list", {}).items():
        if info.get("nonumber") and info.get("realtype") in ("theorem", "lemma", "proposition", "corollary"):
            by_doc.setdefault(info["docname"], []).append((label, info))
    anchor = sections[-1]
    for doc, results in by_doc.items():
        section = nodes.section(ids=[f"results-{doc.replace('/', '-')}"])
        heading = nodes.paragraph(classes=["nearinit-results-chapter"])
        ref = nodes.reference("", "", internal=True, refuri=app.builder.get_relative_uri(docname, doc))
        ref += [child.deepcopy() for child in app.env.titles[doc].children]
        heading += nodes.strong("", "", ref)
        section += heading
        items = nodes.bullet_list(classes=["nearinit-results"])
        for label, info in results:
            para = nodes.paragraph()
            uri = app.builder.get_relative_uri(docname, doc) + "#" + label
            link = nodes.reference("", "", internal=True, refuri=uri)
            title = _result_title(app.env, doc, label)
            first = title[0].astext() if title and isinstance(title[0], nodes.Text) else ""
            m = re.match(r"\s*(\(?)([A-Z]\.\d+)\s+", first)  # "(A.1 The worst case ...)": number, then title
            link += nodes.strong("", f"{info['realtype'].title()} {m.group(2)}" if m else info["realtype"].title())
            para += link
            if title:
                para += nodes.Text(" ")
                para += [nodes.Text(m.group(1) + first[m.end() :]), *title[1:]] if m else title
            app.emit(ENTRY_EVENT, para, doc, label, docname)
            item = nodes.list_item()
            item += para
            items += item
        section += items
        anchor.parent.insert(anchor.parent.index(anchor) + 1, section)
        anchor = section


def setup(app):
    # The results index (nearinit_book.site.results) declares the event its entries are passed to.
    app.setup_extension("nearinit_book.site.results")
    app.connect("nearinit-results-entry", _on_results_entry)
    app.connect("doctree-resolved", _unnumbered_results, priority=600)
    app.connect("doctree-read", _anchor_check_cells)
    app.connect("env-get-outdated", _results_page_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["REPORT", "CheckRef", "Entry", "collect", "ledger_nodes", "needed", "setup"]
