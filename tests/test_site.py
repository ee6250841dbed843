"""The built website: every page of the table of contents is there, with no leftover error text."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT

HTML = ROOT / "_build" / "html"


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.mark.parametrize("page", _toc_files())
def test_page_built(page):
    html = HTML / f"{page}.html"
    assert html.exists(), f"{html} missing: run `make book`"
    text = html.read_text()
    assert "Traceback (most recent call last)" not in text
    assert not re.search(r"\?\?\s*</", text), f"{page}: an unresolved reference shows as ??"


def test_index_redirects_to_intro():
    assert (HTML / "index.html").exists()
