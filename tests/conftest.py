"""Shared fixtures of the book-level tests; paths, the table of contents and the chapters are in nearinit_book.toc."""

from __future__ import annotations

import pathlib

import pytest

from nearinit_book.toc import BOOK, CHAPTERS, ROOT

__all__ = ["BOOK", "CHAPTERS", "ROOT"]


def pytest_collection_modifyitems(items):
    """A per-test time limit (pytest-timeout): a hang fails instead of blocking `make test`."""
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(600))


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


# --------------------------------------------------------------------------- the course (tests/test_assignments.py,
# tests/test_jupyterlab.py): one nbgrader course built from the chapters, shared by the session.
# A cell is stopped after 15 s here (30 s in the real course): the lean assignments run in about a second, and the
# catalogue's infinite loop should not cost more.
TEST_TIMEOUT = 15


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    from nearinit_book.course import assignments as asg

    chapters = asg.graded_chapters(ROOT)
    if not chapters:
        pytest.fail("no chapter with graded cells")
    return asg.build(tmp_path_factory.mktemp("assignments"), chapters, timeout=TEST_TIMEOUT)
