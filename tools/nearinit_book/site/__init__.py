"""The website's Sphinx extensions, loaded by ``_config.yml`` as one extension (``nearinit_book.site``).

Each module is one concern; ``setup`` loads them all. See docs/architecture.md.
"""

from __future__ import annotations

EXTENSIONS = [
    "nearinit_book.site.fixes",
    "nearinit_book.site.repository",
    "nearinit_book.site.bundle",
]


def setup(app):
    for name in EXTENSIONS:
        app.setup_extension(name)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
