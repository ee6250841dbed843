"""The data of chapter 6's interactive figure are what the nearinit package computes.

The data: ``book/_extra/interactive/worst-case-data.js``, written by ``nearinit_book.site.worst_case_data``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nearinit_book.site import worst_case_data as wcd


@pytest.fixture(scope="module")
def data():
    return wcd.read()


def test_data_match_the_package(data):
    """The first three widths recomputed from the seed (the draws come in order of m) give the stored values."""
    fresh = wcd.compute(widths=wcd.WIDTHS[:3])
    for key in ["worst", "lemma", "slides", "asymptote"]:
        np.testing.assert_allclose(np.array(data[key][:3]), np.array(fresh[key]), rtol=0, atol=2e-6, err_msg=key)
    assert data["widths"] == wcd.WIDTHS and data["radii"] == [round(B, 6) for B in wcd.RADII]


def test_data_are_the_chapters_claims(data):
    """Worst case <= lemma (best tau) <= slides at every point; the worst case tends to the asymptote."""
    worst, lemma, slides, asym = (np.array(data[k]) for k in ["worst", "lemma", "slides", "asymptote"])
    assert np.all(worst <= lemma) and np.all(lemma <= slides)
    assert np.all(np.abs(worst[-1] / asym[-1] - 1) < 0.05), worst[-1] / asym[-1]
    slope = np.polyfit(np.log(data["widths"][4:]), np.log(worst[4:, 4]), 1)[0]
    assert math.isclose(slope, 1 / 3, abs_tol=0.02), slope
