"""One figure style for the whole book, and the ``plot_*`` helpers the chapters share."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .rates import loglog_slope

__all__ = ["BOOK_COLORS", "plot_loglog", "use_book_style"]

#: Colour cycle (colour-blind safe, Okabe-Ito), in the order the chapters use it.
BOOK_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def use_book_style() -> None:
    """Set the book's figure style: sizes, fonts, colours and an opaque white background.

    The white background keeps figures readable in the website's dark theme. Call it once
    in each chapter's setup cell.
    """
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": mpl.cycler(color=BOOK_COLORS),
            "font.size": 11,
            "axes.titlesize": 12,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "lines.linewidth": 1.8,
            "figure.constrained_layout.use": True,
        }
    )


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
    ax = _axes(ax)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if fit:
        slope, _ = loglog_slope(x, y)
        label = f"{label} (slope {slope:.2f})" if label else f"slope {slope:.2f}"
    ax.loglog(x, y, marker=marker, label=label, **kwargs)
    return ax
