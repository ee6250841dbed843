"""The plotting helpers draw the right data: the pmf at the given p, the fitted slope, the ratios and the line at 1."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import stats

from nearinit import BOOK_COLORS, plot_count_distribution, plot_loglog, plot_ratio_strip


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_count_distribution_draws_the_binomial_pmf_and_the_bounds():
    counts = np.random.default_rng(0).binomial(40, 0.2, size=500)
    ax = plot_count_distribution(counts, 40, 0.2, bounds={"Hoeffding": 15.5, "exact": 13.0})
    pmf_line = ax.lines[0]
    k = np.arange(counts.min(), counts.max() + 1)
    np.testing.assert_array_equal(pmf_line.get_xdata(), k)
    np.testing.assert_allclose(pmf_line.get_ydata(), stats.binom.pmf(k, 40, 0.2), rtol=1e-14)  # not 1.1 p
    assert [line.get_xdata()[0] for line in ax.lines[1:]] == [15.5, 13.0]
    heights = np.array([patch.get_height() for patch in ax.patches])
    np.testing.assert_allclose(heights, np.bincount(counts - counts.min()) / counts.size)  # density histogram


def test_loglog_labels_the_fitted_slope_and_draws_the_points():
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    ax = plot_loglog(x, 3 * x ** (1 / 3), label="worst case")
    line = ax.lines[0]
    np.testing.assert_array_equal(line.get_xdata(), x)
    np.testing.assert_allclose(line.get_ydata(), 3 * x ** (1 / 3))
    assert line.get_label() == "worst case (slope 0.33)"
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert plot_loglog(x, x**2, fit=False).lines[0].get_label() == "_child0"


def test_ratio_strip_places_each_group_and_the_line_at_one():
    ratios = {"softplus": [0.2, 0.5, 0.9], "tanh": [0.1, 0.99]}
    ax = plot_ratio_strip(ratios, rng=0, jitter=0.1)
    groups = ax.lines[:2]
    for k, (line, values) in enumerate(zip(groups, ratios.values(), strict=True)):
        np.testing.assert_array_equal(line.get_ydata(), values)
        assert np.all(np.abs(np.asarray(line.get_xdata()) - k) <= 0.1)
        assert line.get_color() == BOOK_COLORS[k]
    assert list(ax.lines[2].get_ydata()) == [1.0, 1.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["softplus", "tanh"]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="'x' parameter must contain only finite values"):
        plot_loglog([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"'p' parameter must be in the range \[0.0, 1.0\]"):
        plot_count_distribution([1, 2, 3], 10, 1.5)
    with pytest.raises(TypeError, match="'ratios' parameter must be a non-empty dict"):
        plot_ratio_strip([0.5, 0.7])
