"""Bounds on the near-zero count that hold uniformly: over all thresholds, over n inputs, over the sphere.

The main lemma (:prf:ref:`lem-main`) bounds abs(S_1(tau)) = #{i : abs(w_{0,i}^T x) <= tau ||x||} for one tau
and one input x fixed before W0 is drawn. This module computes the three uniform versions of chapter
``ch-main-lemma`` (:prf:ref:`prop-dkw-uniform-tau`, :prf:ref:`cor-uniform-inputs`) and the exact quantities the
chapter checks them against:

- all tau at once: abs(S_1(tau)) / m is an empirical distribution function, and Massart's one-sided
  Dvoretzky-Kiefer-Wolfowitz inequality gives abs(S_1(tau)) <= m p(tau) + sqrt((m/2) ln(1/delta)) for every
  tau >= 0 simultaneously (delta <= 1/2): :func:`~nearinit.dkw_excess` is the exact sup over tau of the left side
  minus m p(tau);
- n inputs at once: a union bound, delta / n (:func:`~nearinit.inputs_near_zero_bound`);
- every unit input at once: a net of the sphere and the largest row norm
  (:func:`~nearinit.sphere_near_zero_bound`); :func:`~nearinit.circle_max_near_zero` is the exact largest count
  over the unit circle (d = 2), by a sweep over the 4 m arc endpoints.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_array, check_int, check_positive, check_real, check_width, finite_result

__all__ = [
    "circle_max_near_zero",
    "dkw_deviation",
    "dkw_excess",
    "inputs_near_zero_bound",
    "sphere_near_zero_bound",
]

#: Largest number of projections or rows these functions take (8 bytes each, a few copies): 10**8.
MAX_ROWS = 10**8


def _check_half_delta(delta) -> float:
    return check_real("delta", delta, low=0.0, high=0.5, low_open=True)


def dkw_deviation(m, delta) -> float:
    """Return sqrt((m / 2) ln(1 / delta)), the deviation of Massart's one-sided DKW inequality for a count.

    :prf:ref:`prop-dkw-uniform-tau`: with probability at least 1 - delta over W0, abs(S_1(tau)) is at most
    m p(tau) plus this, for every tau >= 0 at once. Massart's inequality needs delta <= 1/2.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**15``.
    delta : float
        ``0 < delta <= 1/2``.

    Examples
    --------
    >>> round(dkw_deviation(1000, 0.05), 4)
    38.7023
    """
    m = check_width("m", m)
    delta = _check_half_delta(delta)
    return math.sqrt(m / 2.0 * math.log(1.0 / delta))


def dkw_excess(z, *, x_norm=1.0) -> float:
    """Return sup over tau >= 0 of abs(S_1(tau)) - m p(tau), exactly, from the projections z = W0 x.

    abs(S_1(tau)) = #{i : abs(z_i) <= tau ||x||} and p(tau) = erf(tau / sqrt 2). The count is a right-continuous
    step function and p increases, so the supremum is attained at a jump, tau = abs(z)_(i) / ||x||, where the
    count is i: the answer is max(0, max_i [i - m p(abs(z)_(i) / ||x||)]) (the 0 is the limit tau -> 0).

    Parameters
    ----------
    z : (m,) ndarray
        Projections w_{0,i}^T x, at most 10**8 of them.
    x_norm : float, default 1.0
        ||x||, ``> 0``.

    Returns
    -------
    float

    Notes
    -----
    One sort: O(m log m) time, two arrays of m floats.

    Examples
    --------
    >>> round(dkw_excess(np.array([0.0, 0.1, -0.2, 2.0])), 4)
    2.3659
    """
    from scipy import special

    z = as_array("z", z, ndim=(1,))
    if z.size == 0:
        raise ValueError("The 'z' parameter must hold at least one projection. Got an empty array.")
    if z.size > MAX_ROWS:
        raise ValueError(f"The 'z' parameter must hold at most {MAX_ROWS} projections. Got {z.size}.")
    x_norm = check_positive("x_norm", x_norm)
    u = np.sort(np.abs(z)) / x_norm
    excess = np.arange(1, u.size + 1) - u.size * special.erf(u / math.sqrt(2.0))
    return float(excess.max())  # >= 0 without a max(0, .): the last jump gives m (1 - p) >= 0 (erf <= 1, exactly)


def inputs_near_zero_bound(m, n, tau, delta) -> float:
    """Return m p(tau) + sqrt((m / 2) ln(n / delta)): a bound on abs(S_1(x_j)) for n fixed inputs at once.

    :prf:ref:`cor-uniform-inputs` (i): Hoeffding for each input at level delta / n and a union bound.

    Parameters
    ----------
    m : int
        Width.
    n : int
        Number of inputs, ``n >= 1``.
    tau : float
        ``tau > 0``.
    delta : float
        ``0 < delta < 1``.

    Examples
    --------
    >>> round(inputs_near_zero_bound(1000, 1, 0.1, 0.05), 4), round(inputs_near_zero_bound(1000, 100, 0.1, 0.05), 4)
    (118.358, 141.3035)
    """
    m = check_width("m", m)
    n = check_int("n", n, high=10**15)
    tau = check_positive("tau", tau)
    delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
    p = math.erf(tau / math.sqrt(2.0))
    return finite_result(m * p + math.sqrt(m / 2.0 * math.log(n / delta)), m=m, n=n, tau=tau, delta=delta)


def sphere_near_zero_bound(m, d, tau, delta, *, eta=None) -> float:
    """Return a bound on max over unit x of abs(S_1(x)) that holds with probability >= 1 - delta.

    :prf:ref:`cor-uniform-inputs` (ii): with M = sqrt(d) + sqrt(2 ln(2 m / delta)) (all row norms are at most M
    with probability >= 1 - delta / 2) and an eta-net of the sphere with at most (1 + 2 / eta)^d points,

        max_x abs(S_1(x)) <= m p(tau + eta M) + sqrt((m / 2) (d ln(1 + 2 / eta) + ln(2 / delta))).

    Parameters
    ----------
    m, d : int
        Width and input dimension.
    tau : float
        ``tau > 0``.
    delta : float
        ``0 < delta < 1``.
    eta : float, optional
        Mesh of the net, ``eta > 0``; default 1 / m.

    Examples
    --------
    >>> round(sphere_near_zero_bound(1000, 2, 0.1, 0.05), 2)
    181.62
    """
    m = check_width("m", m)
    d = check_int("d", d, high=10**9)
    tau = check_positive("tau", tau)
    delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
    eta = 1.0 / m if eta is None else check_positive("eta", eta)
    big = math.sqrt(d) + math.sqrt(2.0 * math.log(2.0 * m / delta))
    p = math.erf((tau + eta * big) / math.sqrt(2.0))
    dev = math.sqrt(m / 2.0 * (d * math.log1p(2.0 / eta) + math.log(2.0 / delta)))
    return finite_result(m * p + dev, m=m, d=d, tau=tau, delta=delta, eta=eta)


def circle_max_near_zero(W0, tau) -> int:
    """Return max over unit x in R^2 of #{i : abs(w_{0,i}^T x) <= tau}, exactly.

    With w_i = r_i (cos a_i, sin a_i) and x = (cos t, sin t), abs(w_i^T x) <= tau on two closed arcs of half-width
    arcsin(tau / r_i) centred at a_i +- pi/2 (the whole circle if r_i <= tau). The count is the coverage of
    these arcs; a sweep over their endpoints (starts before ends at equal angles) gives its maximum.

    Parameters
    ----------
    W0 : (m, 2) ndarray
        Rows w_{0,i} (any finite reals), at most 10**8 rows.
    tau : float
        ``tau > 0``.

    Returns
    -------
    int

    Notes
    -----
    O(m log m) time and O(m) memory (one sort of at most 8 m endpoints).

    Examples
    --------
    >>> circle_max_near_zero(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), 0.1)
    1
    >>> circle_max_near_zero(np.array([[1.0, 0.0], [-1.0, 0.0], [0.05, 0.0]]), 0.1)
    3
    """
    W0 = as_array("W0", W0, ndim=(2,))
    if W0.shape[1] != 2 or W0.shape[0] < 1:
        raise ValueError(f"The 'W0' parameter must have shape (m, 2) with m >= 1. Got shape {W0.shape}.")
    if W0.shape[0] > MAX_ROWS:
        raise ValueError(f"The 'W0' parameter must have at most {MAX_ROWS} rows. Got {W0.shape[0]}.")
    tau = check_positive("tau", tau)
    r = np.hypot(W0[:, 0], W0[:, 1])
    full = r <= tau
    base = int(np.count_nonzero(full))
    r, ang = r[~full], np.arctan2(W0[~full, 1], W0[~full, 0])
    if r.size == 0:
        return base
    half = np.arcsin(tau / r)
    two_pi = 2.0 * math.pi
    starts, ends = [], []
    for centre in (ang + math.pi / 2.0, ang - math.pi / 2.0):
        s = np.mod(centre - half, two_pi)
        e = s + 2.0 * half
        wrap = e >= two_pi
        starts += [s, np.zeros(int(wrap.sum()))]
        # a wrapped arc is [s, e] and [0, e - 2 pi]: past 2 pi the sweep counts only wrapped arcs, each also counted
        # at the angle e - 2 pi, so its maximum is the same as with [s, e] cut at 2 pi
        ends += [e, e[wrap] - two_pi]
    s, e = np.concatenate(starts), np.concatenate(ends)
    pos = np.concatenate([s, e])
    kind = np.concatenate([np.zeros(s.size), np.ones(e.size)])  # 0 = start, sorted before an end at a tie
    order = np.lexsort((kind, pos))
    steps = np.where(kind[order] == 0, 1, -1)
    return base + int(np.cumsum(steps).max())
