"""One figure style for the whole book, and the ``plot_*`` helpers the chapters share."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ._validation import _got, as_array, check_bool, check_real, check_rng, check_width
from .numerics import loglog_slope

__all__ = ["BOOK_COLORS", "plot_count_distribution", "plot_loglog", "plot_ratio_strip", "use_book_style"]

# BOOK_COLORS: documented in nearinit/__init__.py (the API page reads it there).
BOOK_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def use_book_style() -> None:
    """Set the book's figure style: SVG output, sizes and fonts for phones, colours, a white background.

    Figures are SVG with their text as text (sharp on any screen, small, searchable), 5 x 3.3 inches (100 dpi on
    screen, 200 dpi when saved as PNG) with 10-point text: shown in a 390 px phone's column (about 360 CSS px) the
    smallest text is about 9.5 CSS px, on a desktop 13 px. A figure with several panels stacks them (``nrows``, one
    column) rather than shrinking them. The white background keeps figures readable in the website's dark theme. In
    IPython the inline backend is switched to SVG without the run's date (so a re-run gives the same output). Call it
    once in each chapter's setup cell.
    """
    mpl.rcParams.update(
        {
            "figure.figsize": (5.0, 3.3),
            "figure.dpi": 100,
            "savefig.dpi": 200,
            # White spelled "w" (grey "#808080" below): a changed letter is then an error or another colour.
            "figure.facecolor": "w",
            "axes.facecolor": "w",
            "savefig.facecolor": "w",
            "savefig.transparent": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": mpl.cycler(color=BOOK_COLORS),
            "font.size": 10,
            "axes.titlesize": 10.5,
            "axes.labelsize": 10,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "legend.frameon": False,
            "lines.linewidth": 1.8,
            "figure.constrained_layout.use": True,
            # SVG: text stays text (the browser draws it; the website's tests measure its size), stable ids.
            "svg.fonttype": "none",
            "svg.hashsalt": "nearinit",
        }
    )
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg", metadata={"Date": None, "Creator": None})


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_loglog(x, y, *, ax=None, label=None, fit=True, marker="o", **kwargs):
    """Plot ``y`` against ``x`` on log-log axes, with the fitted slope in the legend.

    Parameters
    ----------
    x, y : (k,) array_like
        Positive values.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is made when omitted.
    label : str, optional
        Legend label; the fitted slope is appended when ``fit`` is true.
    fit : bool, default True
        Append "slope s" from :func:`nearinit.loglog_slope` to the label.
    marker : str, default "o"
    **kwargs
        Passed to ``ax.loglog``.

    Returns
    -------
    ax : matplotlib Axes
    """
    x = as_array("x", x, ndim=(1,))
    y = as_array("y", y, ndim=(1,))
    ax = _axes(ax)
    fit = check_bool("fit", fit)
    if fit:
        slope, _ = loglog_slope(x, y)
        label = f"{label} (slope {slope:.2f})" if label else f"slope {slope:.2f}"
    ax.loglog(x, y, marker=marker, label=label, **kwargs)
    return ax


def plot_count_distribution(counts, m, p, *, bounds=None, ax=None):
    """Histogram of near-zero counts N against the Binomial(m, p) pmf, with bounds as vertical lines.

    Used for :prf:ref:`lem-anticoncentration` (:ref:`ch-anticoncentration`).

    Parameters
    ----------
    counts : (n,) int array_like
        Observed counts, one per initialization.
    m : int
        Width.
    p : float
        Success probability of each indicator.
    bounds : dict of str to float, optional
        Label -> value, drawn as dashed vertical lines in the book's colours.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    from scipy import stats

    counts = as_array("counts", counts, ndim=(1,))
    if counts.size == 0:
        raise ValueError("The 'counts' parameter must hold at least one count. Got an empty array.")
    m = check_width("m", m)
    p = check_real("p", p, low=0.0, high=1.0)
    ax = _axes(ax)
    edges = np.arange(counts.min(), counts.max() + 2) - 0.5
    ax.hist(counts, bins=edges, density=True, color=BOOK_COLORS[5], alpha=0.6, label=f"{counts.size} initializations")
    k = np.arange(int(counts.min()), int(counts.max()) + 1)
    ax.plot(k, stats.binom.pmf(k, m, p), color=BOOK_COLORS[0], label=f"Binomial($m$={m}, $p$={p:.4f}) pmf")
    for j, (name, value) in enumerate((bounds or {}).items()):
        ax.axvline(value, ls="--", color=BOOK_COLORS[1 + j % 5], label=f"{name}: {value:.1f}")
    ax.set_xlabel("count $N$")
    ax.set_ylabel("frequency")
    ax.legend()
    return ax


def plot_ratio_strip(ratios, *, ax=None, rng=0, jitter=0.15, ylabel="gap / bound"):
    """Strip plot of ratios (one column per group) with a dashed line at 1, for bound checks.

    Parameters
    ----------
    ratios : dict of str to (k,) array_like
        Group name (the x tick label) to its ratios, e.g. ``abs(f - f_V)`` over the bound of :prf:ref:`prop-smooth`
        for each activation.
    ax : matplotlib Axes, optional
    rng : None, int or numpy.random.Generator, default 0
        Horizontal jitter of the points (seeded, so that figures are reproducible).
    jitter : float, default 0.15
        Half-width of the jitter.
    ylabel : str, default "gap / bound"

    Returns
    -------
    ax : matplotlib Axes
    """
    if not isinstance(ratios, dict) or not ratios:
        raise TypeError(f"The 'ratios' parameter must be a non-empty dict of values. Got {_got(ratios)} instead.")
    jitter = check_real("jitter", jitter, low=0.0, high=0.5)
    rng = check_rng(rng)
    ax = _axes(ax)
    for k, values in enumerate(ratios.values()):
        values = as_array(f"ratios[{list(ratios)[k]!r}]", values, ndim=(1,))
        xs = k + rng.uniform(-jitter, jitter, values.size)
        ax.plot(xs, values, "o", ms=3, alpha=0.5, color=BOOK_COLORS[k % len(BOOK_COLORS)])
    ax.axhline(1.0, ls="--", color="#808080", lw=1.2, label="bound")  # gray
    ax.set_xticks(range(len(ratios)), list(ratios))
    ax.set_ylabel(ylabel)
    return ax
