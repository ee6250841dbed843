"""The plotting helpers draw what their docstrings promise: the data, the pmf at the given p, the fitted slope, the
bounds and the line at 1, the labels, on the Axes given; and the book's style.

What no promise pins down, the style (colours, line widths, alpha, marker sizes, fonts, the layout), is checked by
golden figures: each helper is drawn in the book's style on a small fixed input, rendered to SVG and compared with
the reference in ``code/tests/figures/`` by the book's own figure comparator
(:func:`nearinit_book.claims.figures.svg_difference`: matplotlib's hashed ids renumbered, numbers equal within 0.01
pt, every text and attribute equal). After an intended change of the style (or a matplotlib upgrade that moves the
figures), regenerate the references and review them (``git diff``) before committing::

    NEARINIT_REGENERATE_FIGURES=1 .venv/bin/python -m pytest code/tests/test_plotting.py
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import contract
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import same_color
from scipy import stats

from nearinit import BOOK_COLORS, plot_count_distribution, plot_loglog, plot_ratio_strip, use_book_style
from nearinit_book.claims.figures import svg_difference

FIGURES = Path(__file__).parent / "figures"
REGENERATE = os.environ.get("NEARINIT_REGENERATE_FIGURES") == "1"


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def book_style():
    """The book's style over matplotlib's defaults (whatever the machine's matplotlibrc or earlier tests set), for
    one test: the rcParams are restored afterwards."""
    with mpl.rc_context():
        mpl.rcdefaults()
        use_book_style()
        yield


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ plot_loglog
def test_loglog_labels_the_fitted_slope_and_draws_the_points():
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    ax = plot_loglog(x, 3 * x ** (1 / 3), label="worst case")
    line = ax.lines[0]
    np.testing.assert_array_equal(line.get_xdata(), x)
    np.testing.assert_allclose(line.get_ydata(), 3 * x ** (1 / 3))
    assert line.get_label() == "worst case (slope 0.33)"
    assert line.get_marker() == "o"  # the default marker
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert plot_loglog(x, x**2, fit=False).lines[0].get_label() == "_child0"
    assert plot_loglog(x, x**2, fit=False, label="square").lines[0].get_label() == "square"


def test_loglog_without_a_label_is_labelled_by_the_slope_alone():
    x = np.array([1.0, 2.0, 4.0])
    assert plot_loglog(x, 5 / x).lines[0].get_label() == "slope -1.00"


def test_loglog_draws_on_the_given_axes_with_the_given_marker_and_style():
    fig, (top, bottom) = plt.subplots(2)
    x = np.array([1.0, 10.0, 100.0])
    assert plot_loglog(x, x, ax=bottom, marker="s", color="red", ls=":") is bottom
    assert len(top.lines) == 0 and len(bottom.lines) == 1 and len(fig.axes) == 2
    line = bottom.lines[0]
    assert line.get_marker() == "s" and same_color(line.get_color(), "red") and line.get_linestyle() == ":"


# ---------------------------------------------------------------------------------------------- plot_count_distribution
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
    assert ax.get_xlabel() == "count $N$" and ax.get_ylabel() == "frequency"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted(
        ["500 initializations", "Binomial($m$=40, $p$=0.2000) pmf", "Hoeffding: 15.5", "exact: 13.0"]
    )


def test_count_distribution_draws_each_bound_dashed_in_the_book_colours():
    bounds = {f"b{j}": float(j) for j in range(6)}  # more bounds than colours: the colours repeat
    ax = plot_count_distribution([0, 1, 1, 2, 5], 5, 0.3, bounds=bounds)
    lines = ax.lines[1:]
    assert [line.get_xdata()[0] for line in lines] == list(bounds.values())
    assert [line.get_label() for line in lines] == ["b0: 0.0", "b1: 1.0", "b2: 2.0", "b3: 3.0", "b4: 4.0", "b5: 5.0"]
    assert all(line.get_linestyle() == "--" for line in lines)
    colours = [BOOK_COLORS[1 + j % 5] for j in range(6)]  # the pmf's colour, BOOK_COLORS[0], is left out
    assert all(same_color(line.get_color(), c) for line, c in zip(lines, colours, strict=True))
    assert same_color(ax.lines[0].get_color(), BOOK_COLORS[0])


def test_count_distribution_draws_on_the_given_axes_in_its_own_colours():
    fig, (top, bottom) = plt.subplots(2)
    top.plot([0, 1], [0, 1])  # already drawn on: the colour cycle has moved on, the pmf's colour has not
    assert plot_count_distribution([1, 2, 2], 4, 0.5, ax=top) is top
    assert len(top.lines) == 2 and len(bottom.lines) == 0 and len(fig.axes) == 2
    assert same_color(top.lines[1].get_color(), BOOK_COLORS[0])


def test_count_distribution_refuses_no_counts():
    with contract.refuses("counts", match="at least one count"):
        plot_count_distribution([], 10, 0.5)


# ------------------------------------------------------------------------------------------------ plot_ratio_strip
def test_ratio_strip_places_each_group_and_the_line_at_one():
    ratios = {"softplus": [0.2, 0.5, 0.9], "tanh": [0.1, 0.99]}
    ax = plot_ratio_strip(ratios, rng=0, jitter=0.1)
    groups = ax.lines[:2]
    for k, (line, values) in enumerate(zip(groups, ratios.values(), strict=True)):
        np.testing.assert_array_equal(line.get_ydata(), values)
        assert np.all(np.abs(np.asarray(line.get_xdata()) - k) <= 0.1)
        assert line.get_color() == BOOK_COLORS[k]
        assert line.get_marker() == "o" and line.get_linestyle() == "None"  # points, not a line through them
    bound = ax.lines[2]
    assert list(bound.get_ydata()) == [1.0, 1.0]
    assert bound.get_linestyle() == "--" and bound.get_label() == "bound"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["softplus", "tanh"]
    assert ax.get_ylabel() == "gap / bound"  # the default


def test_ratio_strip_defaults_are_a_seeded_jitter_of_0_15():
    ratios = {"a": np.linspace(0, 1, 200), "b": [0.5]}
    xs = plot_ratio_strip(ratios).lines[0].get_xdata()
    again = plot_ratio_strip(ratios, rng=0, jitter=0.15).lines[0].get_xdata()
    np.testing.assert_array_equal(xs, again)  # rng=0 and jitter=0.15 are the defaults
    assert np.all(np.abs(xs) <= 0.15) and np.ptp(xs) > 0.25  # jittered over nearly all of [-0.15, 0.15]
    other = plot_ratio_strip(ratios, rng=1).lines[0].get_xdata()
    assert not np.array_equal(xs, other)


def test_ratio_strip_draws_on_the_given_axes_with_the_given_label_and_group_colours():
    fig, (top, bottom) = plt.subplots(2)
    bottom.plot([0, 1], [0, 1])  # already drawn on: the colour cycle has moved on, the groups' colours have not
    ratios = {str(k): [0.5] for k in range(9)}  # more groups than colours: the colours repeat
    assert plot_ratio_strip(ratios, ax=bottom, ylabel="ratio") is bottom
    assert len(top.lines) == 0 and len(bottom.lines) == 11 and len(fig.axes) == 2
    colours = [BOOK_COLORS[k % len(BOOK_COLORS)] for k in range(9)]
    assert all(same_color(line.get_color(), c) for line, c in zip(bottom.lines[1:10], colours, strict=True))
    assert bottom.get_ylabel() == "ratio"


def test_ratio_strip_refusals_name_the_argument():
    with contract.refuses("ratios", match=r"must be a non-empty dict .*Got \[0\.5, 0\.7\] instead", exc=TypeError):
        plot_ratio_strip([0.5, 0.7])
    with contract.refuses("ratios", match="Got {} instead"):
        plot_ratio_strip({})
    with contract.refuses("jitter", match=r"0\.5"):
        plot_ratio_strip({"a": [0.5]}, jitter=0.6)
    plot_ratio_strip({"a": [0.5]}, jitter=0.5)  # the largest jitter allowed


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="'x' parameter must contain only finite values"):
        plot_loglog([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"'p' parameter must be in the range \[0.0, 1.0\]"):
        plot_count_distribution([1, 2, 3], 10, 1.5)


# ------------------------------------------------------------------------------------------------ use_book_style
def test_book_style_figures_are_5_by_3_3_inches_at_100_dpi_on_screen_and_200_dpi_in_png(book_style):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert tuple(fig.get_size_inches()) == (5.0, 3.3)
    assert fig.canvas.get_width_height() == (500, 330)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert struct.unpack(">II", buf.getvalue()[16:24]) == (1000, 660)  # the PNG header's width and height


def test_book_style_svg_is_reproducible_with_text_as_text(book_style):
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [3, 1, 2], "o-", label="data")
    ax.legend()
    first = _svg(fig)
    assert _svg(fig) == first  # the same bytes again: the hashed ids are salted, not random
    assert mpl.rcParams["svg.hashsalt"] == "nearinit"  # the salt of the stored figures' ids
    assert "<text" in first and ">data</text>" in first  # text stays text


class _Shell:
    """Just enough of an IPython shell for the inline backend's figure formatters."""

    def __init__(self):
        from IPython.core.formatters import DisplayFormatter

        self.display_formatter = DisplayFormatter()


def test_book_style_in_ipython_shows_figures_as_svg_without_date_or_creator(monkeypatch):
    import IPython
    from matplotlib_inline import backend_inline

    shell = _Shell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(backend_inline.InteractiveShell, "instance", classmethod(lambda cls, *a, **k: shell))
    with mpl.rc_context():
        use_book_style()
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        data, _ = shell.display_formatter.format(fig)
    assert set(data) == {"text/plain", "image/svg+xml"}  # SVG only, no PNG
    svg = data["image/svg+xml"]
    assert svg.startswith("<?xml") and "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_book_style_outside_ipython_leaves_the_shell_alone(monkeypatch):
    import IPython
    from matplotlib_inline import backend_inline

    def no_shell(*args, **kwargs):
        raise AssertionError("use_book_style made an IPython shell outside IPython")

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    monkeypatch.setattr(backend_inline.InteractiveShell, "instance", classmethod(no_shell))
    with mpl.rc_context():
        use_book_style()


def _loglog_figure():
    fig, ax = plt.subplots()
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    plot_loglog(x, 3 * x ** (1 / 3), ax=ax, label="worst case")
    ax.set_title("a title")
    ax.text(10, 10, "a note")  # in the base font size
    ax.legend()
    return fig


def _count_figure():
    counts = [3, 4, 4, 5, 5, 5, 6, 6, 7, 9]
    return plot_count_distribution(counts, 20, 0.25, bounds={"mean": 5.0, "Hoeffding": 8.5}).figure


def _ratio_figure():
    return plot_ratio_strip({"softplus": [0.2, 0.5, 0.9], "tanh": [0.1, 0.99, 0.6, 1.1]}).figure


@pytest.mark.parametrize(
    "name, draw", [("loglog", _loglog_figure), ("count_distribution", _count_figure), ("ratio_strip", _ratio_figure)]
)
def test_book_style_golden_figure(book_style, name, draw):
    path = FIGURES / f"{name}.svg"
    fresh = _svg(draw())
    if REGENERATE:
        path.write_text(fresh)
        pytest.skip(f"regenerated {path.name}")
    difference = svg_difference(fresh, path.read_text())
    assert difference is None, f"{path.name}: {difference} (NEARINIT_REGENERATE_FIGURES=1 to accept the change)"
