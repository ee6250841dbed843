"""The exact supremum of the ReLU linearization gap over a Frobenius ball (Theorem ``thm-worst-case``).

For a fixed input x and base point W0, only the projections z_i = |w_{0,i}^T x| of the
neurons with a_i = +1 matter for the supremum (a_i = -1 for the infimum):

    sup_{||W - W0||_F <= B} (f - f_0)(x; W) = max_{k >= 0} [ B ||x|| sqrt(k) - sum_{i <= k} z_(i) ],

with z_(1) <= z_(2) <= ... sorted.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sup_from_sorted"]


def sup_from_sorted(z_sorted, B, *, x_norm=1.0) -> tuple[float, int]:
    """Return ``(value, k)`` maximizing ``B x_norm sqrt(k) - sum_{i <= k} z_sorted[i-1]`` over k >= 0.

    Parameters
    ----------
    z_sorted : (K,) ndarray
        The K smallest projections |w_{0,i}^T x| of the eligible neurons, in increasing
        order. The maximum over k <= K is exact for the full problem whenever the
        maximizing k is below K (the objective is concave in k, see the book).
    B : float
        Radius of the Frobenius ball, >= 0.
    x_norm : float, default 1.0
        ||x||.

    Returns
    -------
    value : float
        The maximum (0 at k = 0 when nothing pays off).
    k : int
        The smallest maximizing k.

    Examples
    --------
    >>> sup_from_sorted(np.array([0.0, 0.0, 5.0]), 1.0)
    (1.4142135623730951, 2)
    """
    z = np.asarray(z_sorted, dtype=float)
    k = np.arange(z.size + 1)
    vals = B * x_norm * np.sqrt(k)
    vals[1:] -= np.cumsum(z)
    best = int(np.argmax(vals))
    return float(vals[best]), best
