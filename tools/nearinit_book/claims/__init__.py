"""Claims: every check cell of the book proven to catch a false version of the result it checks.

A *check cell* is a code cell of a chapter whose ``assert`` checks a numbered result. It names the claimed quantity
as a plain top-level assignment a reader sees (``bound = ...`` under a ``# Claim (Lemma 5.1): ...`` comment) and
declares in its cell metadata, under ``"claims"``, which result it checks (the ``prf`` label) and *false variants*:
named substitutions of the right-hand side of that assignment, each a plausible mistake (the slides' constant, a
dropped square root, half the deviation, the wrong tail)::

    "claims": [{"result": "lem-anticoncentration",
                "variants": {"half the deviation": {"bound": "m * tau + 0.5 * s"}}}]

``python -m nearinit_book.claims`` (``make claims``) runs every variant in a fresh kernel, the notebook executed up
to the check cell with the substitution applied, and requires an ``AssertionError`` in exactly that cell, every
earlier cell fine (:mod:`.run`). Results only a proof can establish are listed in the notebook metadata under
``"claims_proof_only"`` (label: reason). The report it writes (``book/claims_report.json``) feeds the claim ledger
of the results page (:mod:`.ledger`); ``tests/test_claims.py`` checks coverage and that the report is current.
"""

from .declarations import (
    REPORT,
    Check,
    DeclarationError,
    Variant,
    book_results,
    check_cells,
    fingerprint,
    load_report,
    notebook_checks,
    substitute,
)

__all__ = [
    "REPORT",
    "Check",
    "DeclarationError",
    "Variant",
    "book_results",
    "check_cells",
    "fingerprint",
    "load_report",
    "notebook_checks",
    "substitute",
]
