"""The main lemma and the general base point (chapter ``ch-main-lemma``): bounds, the choice of tau, the bad sets.

- :prf:ref:`lem-main` (Lemma 4.1 of the lecture, base point W0): with probability >= 1 - delta over W0, for all W
  with ||W - W0||_F <= B, abs(f(x; W) - f_0(x; W)) <= B sqrt(#S) and
  #S <= c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2 (:func:`~nearinit.main_lemma_bound`);
- :prf:ref:`thm-general-base` (any base point V with ||V - V0||_F <= B):
  abs(f - f_V) <= ||a||_inf 2B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + 2 B^2 / tau^2)
  (:func:`~nearinit.general_base_bound`);
- tau (:prf:ref:`prop-tau`): the slides' balancing choice B^{2/3} m^{-1/3} (:func:`~nearinit.slides_tau`) and
  the minimizer (2 B^2 / (c m))^{1/3} of c m tau + B^2 / tau^2 (:func:`~nearinit.optimal_tau`, erratum
  ``erratum-tau``);
- the bad sets S_1, S_2, S_3 of the proofs for a given W (and V) (:func:`~nearinit.bad_set`), and points of the
  Frobenius ball to test the bounds on (:func:`~nearinit.ball_points`).

c = 1 uses P(abs(g) <= tau) <= tau, c = sqrt(2/pi) the Gaussian density bound (:prf:ref:`lem-density`). The
deviation term sqrt((m/2) ln(1/delta)) is :func:`~nearinit.hoeffding_deviation`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._validation import (
    check_delta,
    check_layer,
    check_nonnegative,
    check_one_input,
    check_positive,
    check_real,
    check_rng,
    check_same_shape,
    finite_result,
)
from ._validation import check_int as _check_int
from .anticoncentration import _near_zero_mask, hoeffding_deviation
from .numerics import frobenius_norm

__all__ = [
    "BadSet",
    "LeadingConstants",
    "bad_set",
    "ball_points",
    "general_base_bound",
    "general_base_slides_bound",
    "main_lemma_bad_set_bound",
    "main_lemma_bound",
    "main_lemma_leading_constants",
    "main_lemma_slides_bound",
    "optimal_tau",
    "slides_tau",
]


def _check_m(m) -> float:
    return check_real("m", m, low=1.0)


def _check_B(B) -> float:
    return check_nonnegative("B", B)


_check_delta = check_delta


def _check_c(c) -> float:
    return check_real("c", c, low=0.0, high=1.0, low_open=True)


def _tau_or_default(tau, m: float, B: float) -> float:
    if tau is None:
        return slides_tau(m, B)
    return check_positive("tau", tau)


def slides_tau(m, B) -> float:
    """Return the slides' choice tau = B^{2/3} m^{-1/3}, which makes m tau = B^2 / tau^2 (:prf:ref:`prop-tau`).

    Parameters
    ----------
    m : float
        Width, ``m >= 1`` (a float, so that curves can be drawn).
    B : float
        Radius, ``B > 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(slides_tau(1000, 8.0), 12)
    0.4
    """
    m = _check_m(m)
    B = check_positive("B", B)
    return B ** (2.0 / 3.0) * m ** (-1.0 / 3.0)


def optimal_tau(m, B, *, c=1.0) -> float:
    """Return tau* = (2 B^2 / (c m))^{1/3}, the minimizer of c m tau + B^2 / tau^2 over tau > 0 (:prf:ref:`prop-tau`).

    The slides' tau (:func:`slides_tau`) balances the two terms; this one minimizes their sum
    (erratum ``erratum-tau``): the minimum is 3 2^{-2/3} c^{2/3} (B m)^{2/3}.

    Parameters
    ----------
    m : float
        Width, ``m >= 1``.
    B : float
        Radius, ``B > 0``.
    c : float, default 1.0
        Slope of the bound P(abs(g) <= tau) <= c tau, in (0, 1]: 1 or sqrt(2/pi).

    Returns
    -------
    float

    Examples
    --------
    >>> round(optimal_tau(1000, 8.0), 6)
    0.503968
    """
    m = _check_m(m)
    B = check_positive("B", B)
    c = _check_c(c)
    return (2.0 * B**2 / (c * m)) ** (1.0 / 3.0) if B < 1e150 else (2.0 * (B / c) * (B / m)) ** (1.0 / 3.0)


def main_lemma_bad_set_bound(m, B, delta, *, tau=None, c=1.0) -> float:
    """Return c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2, the bound on #S = #(S_1 cup S_2) in :prf:ref:`lem-main`.

    The first two terms bound #S_1 with probability >= 1 - delta (:prf:ref:`lem-anticoncentration`),
    the last bounds #S_2 for every W in the ball.

    Parameters
    ----------
    m : float
        Width, ``m >= 1``.
    B : float
        Radius, ``B > 0`` (``B >= 0`` when ``tau`` is given).
    delta : float
        Failure probability, in (0, 1).
    tau : float, optional
        Threshold, ``> 0``; default :func:`slides_tau`.
    c : float, default 1.0
        1 or sqrt(2/pi), see :func:`optimal_tau`.

    Returns
    -------
    float

    Examples
    --------
    >>> round(main_lemma_bad_set_bound(1000, 8.0, 0.05), 4)
    838.7023
    """
    m, B, delta, c = _check_m(m), _check_B(B), _check_delta(delta), _check_c(c)
    tau = _tau_or_default(tau, m, B)
    return _count_bound(m, B, delta, tau, c, moved_sets=1)


def _count_bound(m, B, delta, tau, c, *, moved_sets: int) -> float:
    """c m tau + sqrt((m/2) ln(1/delta)) + moved_sets B^2 / tau^2 for checked arguments, refused if it overflows."""
    value = c * m * tau + hoeffding_deviation(m, delta) + moved_sets * (B / tau) ** 2 if B / tau < 1e150 else math.inf
    return finite_result(value, m=m, B=B, delta=delta, tau=tau)


def main_lemma_bound(m, B, delta, *, tau=None, c=1.0) -> float:
    """Return B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2), the right side of :prf:ref:`lem-main`.

    With probability >= 1 - delta over W0, abs(f(x; W) - f_0(x; W)) is at most this for every W with
    ||W - W0||_F <= B, for the fixed x with ||x|| <= 1 (and abs(a_i) <= 1). With the slides' tau and
    c = 1 it is at most :func:`main_lemma_slides_bound`.

    Parameters
    ----------
    m : float
        Width, ``m >= 1``.
    B : float
        Radius, ``B >= 0`` (the bound is 0 at B = 0).
    delta : float
        Failure probability, in (0, 1).
    tau : float, optional
        Threshold, ``> 0``, fixed before W0 is drawn; default :func:`slides_tau`.
    c : float, default 1.0
        1 or sqrt(2/pi).

    Returns
    -------
    float

    Examples
    --------
    >>> round(main_lemma_bound(1000, 8.0, 0.05), 4)
    231.6829
    >>> main_lemma_bound(1000, 0.0, 0.05)
    0.0
    """
    m, B, delta = _check_m(m), _check_B(B), _check_delta(delta)
    if B == 0 and tau is None:
        return 0.0
    return finite_result(B * math.sqrt(main_lemma_bad_set_bound(m, B, delta, tau=tau, c=c)), m=m, B=B, tau=tau)


def main_lemma_slides_bound(m, B, delta) -> float:
    """Return m^{1/3} (sqrt 2 B^{4/3} + B ln(1/delta)^{1/4}), Lemma 4.1 as the slides state it.

    It is at least ``main_lemma_bound(m, B, delta)``: sqrt(u + v) <= sqrt(u) + sqrt(v) and
    (m/2)^{1/4} <= m^{1/3} (:prf:ref:`lem-main`).

    Parameters
    ----------
    m : float
        ``m >= 1``.
    B : float
        ``B >= 0``.
    delta : float
        In (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> round(main_lemma_slides_bound(1000, 8.0, 0.05), 4)
    331.5226
    """
    m, B, delta = _check_m(m), _check_B(B), _check_delta(delta)
    value = m ** (1.0 / 3.0) * (math.sqrt(2.0) * B ** (4.0 / 3.0) + B * math.log(1.0 / delta) ** 0.25)
    return finite_result(value, m=m, B=B)


class LeadingConstants(NamedTuple):
    """Leading constants K in the bound K B^{4/3} m^{1/3} + O(B m^{1/4}) of :prf:ref:`lem-main`.

    Attributes
    ----------
    slides : float
        With the slides' tau: sqrt(1 + c) (sqrt 2 for c = 1).
    optimal : float
        With tau*: sqrt(3) 2^{-1/3} c^{1/3} (1.3747 for c = 1, 1.2751 for c = sqrt(2/pi)).
    """

    slides: float
    optimal: float


def main_lemma_leading_constants(*, c=1.0) -> LeadingConstants:
    """Return the leading constants of :prf:ref:`lem-main` for the slides' tau and for tau* (:prf:ref:`prop-tau`).

    B sqrt(c m tau + B^2 / tau^2) = K B^{4/3} m^{1/3} with K^2 = c + 1 at tau = B^{2/3} m^{-1/3}
    and K^2 = 3 2^{-2/3} c^{2/3} at tau* = (2 B^2 / (c m))^{1/3} (erratum ``erratum-tau``).

    Parameters
    ----------
    c : float, default 1.0
        In (0, 1].

    Returns
    -------
    LeadingConstants

    Examples
    --------
    >>> [round(v, 4) for v in main_lemma_leading_constants()]
    [1.4142, 1.3747]
    >>> round(main_lemma_leading_constants(c=math.sqrt(2 / math.pi)).optimal, 4)
    1.2751
    """
    c = _check_c(c)
    return LeadingConstants(math.sqrt(1.0 + c), math.sqrt(3.0) * 2.0 ** (-1.0 / 3.0) * c ** (1.0 / 3.0))


def general_base_bound(m, B, delta, *, tau=None, c=1.0, a_inf=1.0) -> float:
    """Return ||a||_inf 2B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + 2 B^2 / tau^2), :prf:ref:`thm-general-base`.

    With probability >= 1 - delta over V0 = W0, for all V, W with ||V - V0||_F <= B and
    ||W - V0||_F <= B, abs(f(x; W) - f_V(x; W)) is at most this (fixed x, ||x|| <= 1). The bad set
    is S_1 cup S_2 cup S_3 (erratum ``erratum-s3``) and ||W - V||_F <= 2B (erratum
    ``erratum-cauchy-schwarz``).

    Parameters
    ----------
    m : float
        Width, ``m >= 1``.
    B : float
        Radius, ``B >= 0``.
    delta : float
        In (0, 1).
    tau : float, optional
        ``> 0``; default :func:`slides_tau`.
    c : float, default 1.0
        1 or sqrt(2/pi).
    a_inf : float, default 1.0
        ||a||_inf, ``>= 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(general_base_bound(1000, 8.0, 0.05), 4)
    563.1232
    """
    m, B, delta, c = _check_m(m), _check_B(B), _check_delta(delta), _check_c(c)
    a_inf = check_nonnegative("a_inf", a_inf)
    if B == 0 and tau is None:
        return 0.0
    tau = _tau_or_default(tau, m, B)
    count = _count_bound(m, B, delta, tau, c, moved_sets=2)
    return finite_result(a_inf * 2.0 * B * math.sqrt(count), m=m, B=B, tau=tau, a_inf=a_inf)


def general_base_slides_bound(m, B, delta, *, a_inf=1.0) -> float:
    """Return ||a||_inf m^{1/3} (5 B^{4/3} + 2B ln(1/delta)^{1/4}), :prf:ref:`thm-general-base` as the notes state it.

    It is at least ``general_base_bound(m, B, delta, a_inf=a_inf)``: 2 sqrt 3 <= 5 and
    2^{3/4} m^{1/4} <= 2 m^{1/3} (erratum ``erratum-theorem``).

    Parameters
    ----------
    m : float
        ``m >= 1``.
    B : float
        ``B >= 0``.
    delta : float
        In (0, 1).
    a_inf : float, default 1.0
        ``>= 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(general_base_slides_bound(1000, 8.0, 0.05), 4)
    1010.4969
    """
    m, B, delta = _check_m(m), _check_B(B), _check_delta(delta)
    a_inf = check_nonnegative("a_inf", a_inf)
    value = a_inf * m ** (1.0 / 3.0) * (5.0 * B ** (4.0 / 3.0) + 2.0 * B * math.log(1.0 / delta) ** 0.25)
    return finite_result(value, m=m, B=B, a_inf=a_inf)


class BadSet(NamedTuple):
    """The bad sets of the proofs of :prf:ref:`lem-main` and :prf:ref:`thm-general-base`, as sorted indices.

    Attributes
    ----------
    S1 : ndarray of int
        {i : abs(w_{0,i}^T x) <= tau ||x||}: built from the initialization W0 (erratum ``erratum-telgarsky``).
    S2 : ndarray of int
        {i : ||w_i - w_{0,i}|| >= tau}.
    S3 : ndarray of int
        {i : ||v_i - w_{0,i}|| >= tau} (empty when no V is given; erratum ``erratum-s3``).
    S : ndarray of int
        The union.
    """

    S1: np.ndarray
    S2: np.ndarray
    S3: np.ndarray
    S: np.ndarray


def bad_set(W, W0, x, tau, *, V=None) -> BadSet:
    """Return the bad sets S_1, S_2 (and S_3 for a base point V) and their union S.

    Outside S the i-th summand of the flip sum (:prf:ref:`prop-relu-forms`) vanishes, so
    abs(f(x; W) - f_0(x; W)) <= ||W - W0||_F sqrt(#S) (:prf:ref:`lem-main`), and with V,
    abs(f(x; W) - f_V(x; W)) <= ||W - V||_F sqrt(#S) (:prf:ref:`thm-general-base`), for abs(a_i) <= 1.
    S_1 is :func:`~nearinit.near_zero_set`.

    Parameters
    ----------
    W : (m, d) ndarray
        The evaluation point.
    W0 : (m, d) ndarray
        The initialization (V_0 in the notes).
    x : (d,) ndarray
        A nonzero input.
    tau : float
        Threshold, ``> 0``.
    V : (m, d) ndarray, optional
        A base point near W0; adds S_3.

    Returns
    -------
    BadSet

    Raises
    ------
    ValueError
        If shapes differ, ``x`` is zero or ``tau <= 0``.

    Examples
    --------
    >>> W0 = np.array([[0.1, 0.0], [2.0, 0.0], [-3.0, 1.0]])
    >>> W = W0 + np.array([[0.0, 0.0], [0.0, 0.6], [0.0, 0.0]])
    >>> bs = bad_set(W, W0, np.array([1.0, 0.0]), 0.5)
    >>> bs.S1.tolist(), bs.S2.tolist(), bs.S.tolist()
    ([0], [1], [0, 1])
    """
    W0 = check_layer("W0", W0)
    W = check_layer("W", W)
    check_same_shape("W", W, "W0", W0)
    x = check_one_input(x, W0.shape[1])
    tau = check_positive("tau", tau)
    S1 = np.flatnonzero(_near_zero_mask(W0, x[None, :], tau)[0])
    S2 = np.flatnonzero(np.linalg.norm(W - W0, axis=1) >= tau)
    S3 = np.zeros(0, dtype=S1.dtype)
    if V is not None:
        V = check_layer("V", V)
        check_same_shape("V", V, "W0", W0)
        S3 = np.flatnonzero(np.linalg.norm(V - W0, axis=1) >= tau)
    return BadSet(S1, S2, S3, np.union1d(np.union1d(S1, S2), S3))


def ball_points(W0, x, B, n, *, rng=None) -> tuple[list[np.ndarray], list[str]]:
    """Draw ``n`` points W of the Frobenius ball ||W - W0||_F <= B, of two kinds, to test the bounds on.

    Even draws are "isotropic": a Gaussian direction with heavy-tailed row scales (exponential cubed), so
    that a few rows carry most of the norm. Odd draws are "along x": a random fraction (0.1% to 5%) of the
    rows moves along x, each towards the opposite sign of its pre-activation, the moves that flip neurons
    (:prf:ref:`lem-main`). Every point has ||W - W0||_F uniform in [B/2, B].

    Parameters
    ----------
    W0 : (m, d) ndarray
        Centre of the ball (the initialization).
    x : (d,) ndarray
        A nonzero input.
    B : float
        Radius, ``B >= 0``.
    n : int
        Number of points, ``n >= 1``.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    points : list of (m, d) ndarray
    kinds : list of str
        ``"isotropic"`` or ``"along x"`` for each point.

    Examples
    --------
    >>> W0 = np.eye(3); points, kinds = ball_points(W0, np.array([1.0, 0.0, 0.0]), 0.5, 4, rng=0)
    >>> kinds[:2], all(frobenius_norm(W - W0) <= 0.5 for W in points)
    (['isotropic', 'along x'], True)
    """
    W0 = check_layer("W0", W0)
    x = check_one_input(x, W0.shape[1])
    x_norm = float(np.linalg.norm(x))
    if x_norm == 0:
        raise ValueError("The 'x' parameter must be a nonzero input. Got zero.")
    B = check_nonnegative("B", B)
    n = _check_int("n", n)
    rng = check_rng(rng)
    m, d = W0.shape
    u = x / x_norm
    points, kinds = [], []
    for j in range(n):
        if j % 2 == 0:
            D = rng.standard_normal((m, d)) * rng.exponential(1.0, (m, 1)) ** 3
            kinds.append("isotropic")
        else:
            chosen = rng.random(m) < rng.uniform(0.001, 0.05)
            D = np.zeros((m, d))
            D[chosen] = np.outer(-np.sign(W0[chosen] @ u) * rng.exponential(1.0, chosen.sum()), u)
            kinds.append("along x")
        radius, norm = B * rng.uniform(0.5, 1.0), frobenius_norm(D)
        points.append(W0 + D * (radius / norm) if norm > 0 else W0.copy())
    return points, kinds
