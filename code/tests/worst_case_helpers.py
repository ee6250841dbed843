"""Oracles shared by the test files (one copy each): the exact worst case from projections alone, and the ReLU
derivative under a convention at zero."""

from __future__ import annotations

import numpy as np

from nearinit.worst_case import WorstCase, _from_projections


def from_projections(z, a, B, **kwargs):
    """The worst case of the network given by its projections z = W0 x (the package's private core)."""
    return WorstCase._unchecked(*_from_projections(z, a, B, **kwargs), None, None)


def relu_prime(z, c):
    """relu'(z) with relu'(0) = c (a point of the Clarke subdifferential [0, 1]): 1 above zero, 0 below, c at zero."""
    z = np.asarray(z)
    return np.where(z > 0, 1.0, np.where(z < 0, 0.0, c))


def sup_from_sorted(z_sorted, B, *, x_norm=1.0):
    """(value, k) of the formula of thm-worst-case on sorted projections (0, 0 for none)."""
    z = np.asarray(z_sorted, dtype=float)
    if not z.size:
        return 0.0, 0
    res = from_projections(z, np.ones(z.size), B, x_norm=x_norm, method="sort")
    return res.value, res.k
