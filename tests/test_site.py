"""The built website: every page of the table of contents is there, with no leftover error text."""

from __future__ import annotations

import re

import pytest
import yaml

from nearinit_book.toc import ROOT, toc_pages

HTML = ROOT / "_build" / "html"


@pytest.mark.parametrize("page", toc_pages())
def test_page_built(page):
    html = HTML / f"{page}.html"
    assert html.exists(), f"{html} missing: run `make book`"
    text = html.read_text()
    assert "Traceback (most recent call last)" not in text
    assert not re.search(r"\?\?\s*</", text), f"{page}: an unresolved reference shows as ??"


def test_index_redirects_to_intro():
    assert (HTML / "index.html").exists()


@pytest.mark.parametrize("page", toc_pages())
def test_no_repository_or_launch_button_without_an_address(page):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    if (config.get("repository") or {}).get("url"):
        pytest.skip("repository: url: is set; the buttons are wanted")
    text = (HTML / f"{page}.html").read_text()
    for marker in ("repository-button", "launch-buttons", "binder-button", "jupyterhub-button", "colab-button"):
        assert marker not in text, f"{page}: shows {marker} although repository: url: is empty"
