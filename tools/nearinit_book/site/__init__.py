"""The website's Sphinx extensions, loaded by ``_config.yml`` as one extension (``nearinit_book.site``).

One module per concern, each saying why it exists (docs/architecture.md has the map):

- ``accessibility``: fixes of the themes' and extensions' markup (ARIA roles, labels, duplicate scripts);
- ``references``: numbering and references ("Chapter 3", math in references to headings, errata after proofs,
  author-year citations);
- ``results``: the index of results (``{nearinit-results}``), with a hook for per-result links;
- ``text``: TeX read as plain text where MathJax does not reach (page titles, the search index and summaries);
- ``prerender``: the math typeset at build time (MathJax 3 in Node.js);
- ``assets``: only the assets a page uses (stylesheets purged, icon fonts subset, per-page scripts, lighter SVG);
- ``repository``: the repository and launch buttons follow ``repository: url:``;
- ``bundle``: the PDF's macros, numbering and figures; the PDFs and slide decks served with the site.
Not extensions: ``server`` (the built site served as a host serves it, for the tests and the bench) and
``worst_case_data`` (the data of chapter 6's interactive figure, ``make interactive-data``).
"""

from __future__ import annotations

EXTENSIONS = [
    "nearinit_book.site.accessibility",
    "nearinit_book.site.references",
    "nearinit_book.site.results",
    "nearinit_book.site.text",
    "nearinit_book.site.prerender",
    "nearinit_book.site.assets",
    "nearinit_book.site.repository",
    "nearinit_book.site.bundle",
]


def setup(app):
    for name in EXTENSIONS:
        app.setup_extension(name)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
