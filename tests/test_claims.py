"""The claims of the book: declared, covered, and proven by a current `make claims` report (nothing executed here).

Every check cell of a chapter (a code cell whose ``assert`` checks a result) declares in its metadata which result it
checks and how the claim would look if it were false (``"claims"``), or why it checks no numbered result
(``"claims_none"``). Every theorem, lemma, proposition and corollary needs checks whose false variants
``make claims`` saw fail (three in the chapters whose statements carry a constant, a rate or a probability: 3, 5, 6,
7 and the appendix), or a reason in the notebook's ``"claims_proof_only"``. The report ``book/claims_report.json``
must be current: each check cell's fingerprint (its code, the code before it, its declaration) must match.
"""

from __future__ import annotations

import json

import pytest

from nearinit_book.claims import REPORT, check_cells, notebook_checks
from nearinit_book.claims.declarations import claim_comment, prf_labels
from nearinit_book.claims.ledger import collect
from nearinit_book.toc import BOOK, ROOT

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]


@pytest.fixture(scope="module")
def ledger():
    return collect(ROOT)


@pytest.fixture(scope="module")
def report():
    path = ROOT / REPORT
    assert path.exists(), f"{REPORT} is missing: run `make claims`"
    return json.loads(path.read_text())["notebooks"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_check_cell_is_declared(path):
    nb = json.loads(path.read_text())
    missing = [
        f"cell {i} ({nb['cells'][i].get('id')})"
        for i in check_cells(nb)
        if "claims" not in nb["cells"][i]["metadata"] and not nb["cells"][i]["metadata"].get("claims_none")
    ]
    assert not missing, (
        f"{path.name}: these cells assert something but declare neither the result they check and its false "
        f"variants ('claims') nor why they check no numbered result ('claims_none'): {', '.join(missing)} "
        "(CONTRIBUTING.md, 'Declaring a claim')"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_declarations_are_well_formed(path):
    labels = set().union(*(prf_labels(p) for p in NOTEBOOKS))
    checks = notebook_checks(path, ROOT)  # raises on a substitution that does not apply
    nb = json.loads(path.read_text())
    for check in checks:
        where = f"{path.name} cell {check.index} ({check.cell_id})"
        unknown = set(check.results) - labels
        assert not unknown, f"{where}: no prf label {sorted(unknown)} in the book"
        assert check.variants, f"{where}: a check needs at least one false variant"
        for variant in check.variants:
            for name in variant.substitutions:
                assert claim_comment(check.source, name), (
                    f"{where}: the claimed quantity `{name}` needs a `# Claim (Lemma x.y): ...` comment above it"
                )
    for label, reason in nb["metadata"].get("claims_proof_only", {}).items():
        assert label in prf_labels(path), f"{path.name}: claims_proof_only names {label!r}, not a label here"
        assert isinstance(reason, str) and reason.strip(), f"{path.name}: {label} is proof only without a reason"


def test_every_result_is_checked_or_proof_only(ledger):
    gaps = [
        f"{e.label} ({e.notebook}): {e.caught} caught false variant(s), {e.needed} needed"
        for e in ledger.values()
        if e.kind and not e.covered
    ]
    assert not gaps, (
        "results with too few false variants seen to fail their checks, and no 'claims_proof_only' reason:\n  "
        + "\n  ".join(gaps)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_report_is_current(path, report):
    rel = path.relative_to(ROOT).as_posix()
    entry = report.get(rel, {"checks": []})
    reported = {c["cell"]: c for c in entry["checks"]}
    stale = []
    for check in notebook_checks(path, ROOT):
        rc = reported.pop(check.cell_id, None)
        declared = [(v.result, v.name, v.substitutions) for v in check.variants]
        if rc is None or rc["fingerprint"] != check.fingerprint:
            stale.append(f"cell {check.index} ({check.cell_id}): changed since the last `make claims`")
        elif [(v["result"], v["name"], v["substitutions"]) for v in rc["variants"]] != declared:
            stale.append(f"cell {check.index} ({check.cell_id}): its variants changed since the last `make claims`")
        else:
            stale += [
                f"cell {check.index} ({check.cell_id}): variant {v['name']!r} of {v['result']}: {v['verdict']}"
                for v in rc["variants"]
                if v["verdict"] != "caught"
            ]
    stale += [f"cell {c['index']} ({cell}): in the report, no longer declared" for cell, c in reported.items()]
    assert not stale, f"{REPORT} is stale or failing for {rel} (run `make claims NB={rel}`):\n  " + "\n  ".join(stale)
