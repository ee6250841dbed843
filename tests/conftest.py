"""Shared fixtures of the book-level tests."""

from __future__ import annotations

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the course tools (`course/`) are imported by the course tests
    sys.path.insert(0, str(ROOT))
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


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
    from course import assignments as asg

    chapters = asg.graded_chapters(ROOT)
    if not chapters:
        pytest.fail("no chapter with graded cells")
    return asg.build(tmp_path_factory.mktemp("assignments"), chapters, timeout=TEST_TIMEOUT)
