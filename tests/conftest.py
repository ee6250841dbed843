"""Shared fixtures of the book-level tests; paths, the table of contents and the chapters are in bookfiles.py."""

from __future__ import annotations

import pathlib

import pytest
from bookfiles import BOOK, CHAPTERS, ROOT

__all__ = ["BOOK", "CHAPTERS", "ROOT"]


def pytest_collection_modifyitems(items):
    """A per-test time limit (pytest-timeout): a hang fails instead of blocking `make test`."""
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(600))


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT
