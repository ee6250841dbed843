"""Power-law rates: fitting the slope of a log-log relation."""

from __future__ import annotations

import numpy as np

from ._validation import as_array

__all__ = ["loglog_slope"]


def loglog_slope(x, y) -> tuple[float, float]:
    """Least-squares fit of log y = slope * log x + log c.

    Parameters
    ----------
    x, y : (k,) array_like
        Positive values, ``k >= 2``.

    Returns
    -------
    slope : float
    c : float
        The prefactor, so that y is approximately ``c * x**slope``.

    Raises
    ------
    ValueError
        If the arrays differ in length, have fewer than two points or a non-positive entry.

    Examples
    --------
    >>> slope, c = loglog_slope([1, 10, 100], [3, 30, 300])
    >>> round(slope, 6), round(c, 6)
    (1.0, 3.0)
    """
    x = as_array("x", x, ndim=(1,))
    y = as_array("y", y, ndim=(1,))
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"The 'x' and 'y' parameters must have the same length >= 2. Got {x.size} and {y.size}.")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("The 'x' and 'y' parameters must be positive for a log-log fit. Got a value <= 0.")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(np.exp(intercept))
