"""The book's machinery, one subpackage per job (see docs/architecture.md).

The mathematics lives in the other package, ``nearinit`` (``code/``); this one builds and checks the book around it.
"""
