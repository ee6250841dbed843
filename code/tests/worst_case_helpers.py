"""The exact worst case from projections alone, for the tests (one copy, shared by the worst-case test files)."""

from __future__ import annotations

import numpy as np

from nearinit.worst_case import WorstCase, _from_projections


def from_projections(z, a, B, **kwargs):
    """The worst case of the network given by its projections z = W0 x (the package's private core)."""
    return WorstCase._unchecked(*_from_projections(z, a, B, **kwargs), None, None)


def sup_from_sorted(z_sorted, B, *, x_norm=1.0):
    """(value, k) of the formula of thm-worst-case on sorted projections (0, 0 for none)."""
    z = np.asarray(z_sorted, dtype=float)
    if not z.size:
        return 0.0, 0
    res = from_projections(z, np.ones(z.size), B, x_norm=x_norm, method="sort")
    return res.value, res.k
