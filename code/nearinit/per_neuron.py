"""The exact supremum of the ReLU linearization gap over the per-neuron ball (chapter ``ch-toward-ntk``).

Gradient descent in the analyses of Du et al. (2019) moves every neuron by at most R / sqrt(m); the set it
explores is the per-neuron ball {W : ||w_i - w_{0,i}|| <= R / sqrt(m) for every i}, which lies inside the
Frobenius ball of radius R. Over it the supremum of f - f_0 at a fixed input x is a plain sum
(:prf:ref:`thm-per-neuron-ball`):

    sup (f - f_0)(x; W) = sum_i (a_i)_+ (R ||x|| / sqrt(m) - abs(w_{0,i}^T x))_+ ,

with no optimization over which neurons to move: every neuron has its own budget. At a Gaussian W0 with
a_i uniform on {-1, +1} its mean is exactly (m ||x|| / 2) psi(R / sqrt(m)) with
psi(r) = r erf(r / sqrt 2) - 2 (phi(0) - phi(r)), and it tends to R^2 ||x|| / (2 sqrt(2 pi)) as m grows:
O(m^{-1/2}) in the scaled model, the rate of a smooth activation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ._validation import (
    as_array,
    check_nonnegative,
    check_prime_at_zero,
    check_projections,
    check_sign,
    check_width,
    finite_result,
)

__all__ = [
    "PerNeuronWorstCase",
    "per_neuron_limit",
    "per_neuron_mean",
    "per_neuron_worst_case",
]

_CHUNK = 1 << 20  # projections processed per block: the extra memory is O(_CHUNK), whatever m is


@dataclass(frozen=True)
class PerNeuronWorstCase:
    """The sup (or inf) of the linearization gap over the per-neuron ball and an optimal point.

    The result of :prf:ref:`thm-per-neuron-ball`.

    Attributes
    ----------
    value : float
        sup (``sign=+1``) or inf (``sign=-1``, a value <= 0) of (f - f_0)(x; W) over
        ||w_i - w_{0,i}|| <= R / sqrt(m) for every i.
    moved : (k,) int ndarray
        The neurons an optimal W moves (increasing index): those with sign * a_i > 0 and
        abs(w_{0,i}^T x) < R ||x|| / sqrt(m).
    moves : (k,) ndarray
        The change t_i = (w_i - w_{0,i})^T x of each moved pre-activation, +-R ||x|| / sqrt(m), of the sign
        that takes w_i^T x across zero.
    radius : float
        The per-neuron radius r = R / sqrt(m).
    W : (m, d) ndarray
        An optimal point (only for :func:`~nearinit.per_neuron_worst_case`; built on first access).
    """

    value: float
    moved: np.ndarray
    moves: np.ndarray
    radius: float
    W0: np.ndarray | None = field(default=None, repr=False)
    x: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def W(self) -> np.ndarray:
        if self.W0 is None:
            raise ValueError(
                "This PerNeuronWorstCase was computed from projections alone; use per_neuron_worst_case for W."
            )
        W = self.W0.copy()
        if self.moved.size:
            W[self.moved] += np.outer(self.moves / float(self.x @ self.x), self.x)
        return W


def _from_projections(z, a, R, *, x_norm=1.0, sign=1, relu_prime_at_zero=0.0):
    """Return the exact sup (or inf) of f - f_0 over the per-neuron ball from the projections z = W0 x.

    The one public entry is `per_neuron_worst_case`; pass it a column of projections (``W0 = z[:, None]``,
    ``x = np.ones(1)``) to start from projections, as with `~nearinit.worst_case_gap`.

    :prf:ref:`thm-per-neuron-ball`: with r = R / sqrt(m), the supremum (``sign=+1``) is
    sum_i (a_i)_+ (r ||x|| - abs(z_i))_+ and the infimum (``sign=-1``) is -sum_i (a_i)_- (r ||x|| - abs(z_i))_+.

    Parameters
    ----------
    z : (m,) ndarray
        Projections w_{0,i}^T x (signed: the sign says which way a neuron must move).
    a : (m,) ndarray
        Outer weights, any finite reals (the theorem needs no bound on them).
    R : float
        The per-neuron ball has radius R / sqrt(m); ``R >= 0``.
    x_norm : float, default 1.0
        ||x||, ``>= 0``.
    sign : {+1, -1}, default +1
        +1 for the supremum, -1 for the infimum.
    relu_prime_at_zero : {0.0, 1.0}, default 0.0
        The convention sigma'(0); it only decides which way a neuron with z_i = 0 exactly moves.

    Returns
    -------
    PerNeuronWorstCase
        ``value``, ``moved``, ``moves``, ``radius``; no ``W``.

    Raises
    ------
    ValueError, TypeError
        On shapes that differ, non-finite entries, ``R < 0``, a bad ``sign`` or ``relu_prime_at_zero``.

    Notes
    -----
    Cost: one pass over z in blocks of 2**20 entries, O(m) time and O(2**20 + k) extra memory (k moved
    neurons). No selection and no sort: each neuron has its own budget.

    Examples
    --------
    >>> res = _from_projections(np.array([0.5, -0.1, 0.2, 3.0]), np.array([1, 1, -1, 1]), 1.0)
    >>> round(res.value, 4), res.moved.tolist(), res.moves.round(4).tolist()
    (0.4, [1], [0.5])
    """
    z = as_array("z", z, ndim=(1,))
    if z.size == 0:
        raise ValueError("The 'z' parameter must hold at least one projection (m >= 1). Got an empty array.")
    a = as_array("a", a, ndim=(1,))
    if a.shape[0] != z.shape[0]:
        raise ValueError(f"The 'a' parameter must have one entry per projection ({z.size}). Got {a.shape[0]} entries.")
    R = check_nonnegative("R", R)
    x_norm = check_nonnegative("x_norm", x_norm)
    sign = check_sign(sign)
    prime0 = check_prime_at_zero(relu_prime_at_zero, "thm-per-neuron-ball")
    m = z.size
    radius = R / math.sqrt(m)
    reach = finite_result(radius * x_norm, R=R, x_norm=x_norm)
    total = 0.0
    moved_parts, move_parts = [], []
    for start in range(0, m, _CHUNK):
        zc, ac = z[start : start + _CHUNK], sign * a[start : start + _CHUNK]
        gain = reach - np.abs(zc)
        hit = (ac > 0) & (gain > 0)
        with np.errstate(over="ignore"):  # an overflow is refused below (finite_result), not warned about
            total += float(np.dot(ac[hit], gain[hit]))
        idx = np.flatnonzero(hit)
        moved_parts.append(idx + start)
        zm = zc[idx]
        up = (zm < 0) | ((zm == 0) & (prime0 == 0.0))
        move_parts.append(np.where(up, reach, -reach))
    moved = np.concatenate(moved_parts)
    moves = np.concatenate(move_parts)
    value = finite_result(sign * total, R=R, x_norm=x_norm)
    return PerNeuronWorstCase(value + 0.0, moved, moves, radius)


def per_neuron_worst_case(W0, a, x, R, *, sign=1, relu_prime_at_zero=0.0):
    """Return the exact sup (or inf) of (f - f_0)(x; W) over the per-neuron ball, with an optimal W.

    :prf:ref:`thm-per-neuron-ball` (chapter ``ch-toward-ntk``). The ball is
    {W : ||w_i - w_{0,i}|| <= R / sqrt(m) for every i}; the optimal W moves every neuron with
    sign * a_i > 0 and abs(w_{0,i}^T x) < R ||x|| / sqrt(m) along x, across zero, by R / sqrt(m).

    Parameters
    ----------
    W0 : (m, d) ndarray
        Base point (the initialization). From projections z = W0 x alone (as for large m), pass the column
        ``z[:, None] / r`` with ``x = np.array([r])``, r = ||x|| (``r = 1``: ``z[:, None]`` and ``np.ones(1)``).
    a : (m,) ndarray
        Outer weights (finite reals).
    x : (d,) ndarray
        The input.
    R : float
        ``R >= 0``; the per-neuron radius is R / sqrt(m).
    sign : {+1, -1}, default +1
        +1 for the supremum, -1 for the infimum.
    relu_prime_at_zero : {0.0, 1.0}, default 0.0
        sigma'(0); matters only for projections exactly 0.

    Returns
    -------
    PerNeuronWorstCase
        ``value``, ``moved``, ``moves``, ``radius`` and the maximizer ``W``.

    Notes
    -----
    One matrix-vector product W0 x and one pass over its m entries; the maximizer (a copy of W0) is built
    only when read.

    Examples
    --------
    >>> W0 = np.array([[0.1, 1.0], [-0.2, 0.0], [2.0, 0.0], [0.0, 3.0]]); a = np.array([1.0, 1.0, 1.0, -1.0])
    >>> res = per_neuron_worst_case(W0, a, np.array([1.0, 0.0]), 1.0)
    >>> round(res.value, 4), res.moved.tolist(), res.W.round(4).tolist()
    (0.7, [0, 1], [[-0.4, 1.0], [0.3, 0.0], [2.0, 0.0], [0.0, 3.0]])
    """
    W0, a, x, z = check_projections(W0, a, x)
    res = _from_projections(z, a, R, x_norm=float(np.linalg.norm(x)), sign=sign, relu_prime_at_zero=relu_prime_at_zero)
    return PerNeuronWorstCase(res.value, res.moved, res.moves, res.radius, W0, x)


def _check_width_real(m) -> int:
    return check_width("m", m)  # the package's one width check (an int, 0-d arrays included)


def per_neuron_mean(m, R, *, x_norm=1.0) -> float:
    """Return the exact mean of the per-neuron supremum at a Gaussian W0 with a_i uniform on {-1, +1}.

    :prf:ref:`thm-per-neuron-ball` (ii): E sup = (m ||x|| / 2) psi(R / sqrt(m)) with
    psi(r) = E (r - abs(g))_+ = r erf(r / sqrt 2) - 2 (phi(0) - phi(r)), g ~ N(0, 1), phi its density.
    It lies between R^2 ||x|| / (2 sqrt(2 pi)) (1 - R^2 / (12 m)) and R^2 ||x|| / (2 sqrt(2 pi)).

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**15``.
    R : float
        ``R >= 0``.
    x_norm : float, default 1.0
        ||x||, ``>= 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(per_neuron_mean(10**6, 1.0), 6), round(per_neuron_limit(1.0), 6)
    (0.199471, 0.199471)
    """
    m = _check_width_real(m)
    R = check_nonnegative("R", R)
    x_norm = check_nonnegative("x_norm", x_norm)
    r = R / math.sqrt(m)
    # psi(r) = r erf(r / sqrt 2) + 2 phi(0) expm1(-r^2 / 2): for small r the two terms are 2 phi(0) r^2 and
    # -phi(0) r^2, so they cancel by a factor 2 only (within 1e-15 relative of the exact psi for every r)
    psi = r * math.erf(r / math.sqrt(2.0)) + 2.0 / math.sqrt(2.0 * math.pi) * math.expm1(-r * r / 2.0)
    return finite_result(m * x_norm / 2.0 * psi, m=m, R=R, x_norm=x_norm)


def per_neuron_limit(R, *, x_norm=1.0) -> float:
    """Return the large-width limit R^2 ||x|| / (2 sqrt(2 pi)) of the per-neuron supremum (unscaled network).

    :prf:ref:`thm-per-neuron-ball` (iii); divided by sqrt(m) it is the m^{-1/2} rate of the scaled model.

    Examples
    --------
    >>> round(per_neuron_limit(2.0, x_norm=0.5), 6)
    0.398942
    """
    R = check_nonnegative("R", R)
    x_norm = check_nonnegative("x_norm", x_norm)
    return finite_result(R * R * x_norm / (2.0 * math.sqrt(2.0 * math.pi)), R=R, x_norm=x_norm)
