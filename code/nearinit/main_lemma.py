"""The main lemma and the general base point (:ref:`ch-main-lemma`): bounds, the choice of tau, the bad sets.

- :prf:ref:`lem-main` (Lemma 4.1 of the lecture, base point W0): with probability >= 1 - delta over W0, for all W
  with ||W - W0||_F <= B, abs(f(x; W) - f_0(x; W)) <= B sqrt(#S) and
  #S <= c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2 (:func:`~nearinit.main_lemma_bound`);
- :prf:ref:`thm-general-base` (any base point V with ||V - V0||_F <= B):
  abs(f - f_V) <= ||a||_inf 2B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + 2 B^2 / tau^2)
  (:func:`~nearinit.general_base_bound`);
- tau (:prf:ref:`prop-tau`, :func:`~nearinit.main_lemma_tau`): the slides' balancing choice B^{2/3} m^{-1/3} and
  the minimizer (2 B^2 / (c m))^{1/3} of c m tau + B^2 / tau^2 (:ref:`erratum-tau`);
- the bad sets S_1, S_2, S_3 of the proofs for a given W (and V) (:func:`~nearinit.bad_set`), and points of the
  Frobenius ball to test the bounds on (:func:`~nearinit.ball_points`).

c = 1 uses P(abs(g) <= tau) <= tau, c = sqrt(2/pi) the Gaussian density bound (:prf:ref:`lem-density`). The
deviation term sqrt((m/2) ln(1/delta)) is :func:`~nearinit.hoeffding_deviation`. The lemma's failure probability is
estimated with the exact worst case (:func:`~nearinit.main_lemma_failure_rate`, Clopper-Pearson intervals from
:func:`~nearinit.clopper_pearson`), and :func:`~nearinit.general_base_pair` builds the sharp pair of
:ref:`ex-general-base-sharp`.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from ._validation import (
    _B_MAX,
    as_array,
    check_budget,
    check_choice,
    check_delta,
    check_layer,
    check_nonnegative,
    check_one_input,
    check_positive,
    check_real,
    check_rng,
    check_same_shape,
    check_steps,
    check_weights,
    check_width,
    finite_result,
    safe_pow,
)
from ._validation import check_int as _check_int
from .anticoncentration import _near_zero_mask, clopper_pearson, hoeffding_deviation
from .numerics import frobenius_norm
from .worst_case import _cheapest, _from_projections, _moved, sample_projections

__all__ = [
    "BadSet",
    "FailureEstimate",
    "GeneralBasePair",
    "LeadingConstants",
    "bad_set",
    "ball_points",
    "general_base_bound",
    "general_base_pair",
    "general_base_pair_constant",
    "main_lemma_bad_set_bound",
    "main_lemma_bound",
    "main_lemma_failure_rate",
    "main_lemma_leading_constants",
    "main_lemma_tau",
]

_TAUS = ("slides", "optimal")  # main_lemma_tau's methods
_BOUNDS = ("book", "slides")  # the bounds' methods: the book's sharper statement, or the lecture's


def _check_m(m) -> int:
    return check_width("m", m)


def _check_B(B) -> float:
    return check_nonnegative("B", B)


_check_delta = check_delta


def _check_c(c) -> float:
    return check_real("c", c, low=0.0, high=1.0, low_open=True)


def _tau_or_default(tau, m: float, B: float) -> float:
    if tau is None:
        return _slides_tau(m, B)
    return check_positive("tau", tau)


def _slides_tau(m: float, B: float) -> float:
    return B ** (2.0 / 3.0) * m ** (-1.0 / 3.0)


def _bound_method(method, tau, c) -> str:
    """The ``method`` of a bound; the slides' statement has no ``tau`` or ``c`` to choose."""
    method = check_choice("method", method, _BOUNDS)
    if method == "slides" and tau is not None:
        raise ValueError(f"The 'tau' parameter must be None with method='slides' (the slides fix tau). Got {tau!r}.")
    if method == "slides" and not (isinstance(c, numbers.Real) and c == 1.0):
        raise ValueError(f"The 'c' parameter must be 1 with method='slides' (the slides' constant). Got {c!r}.")
    return method


def main_lemma_tau(m, B, *, method="slides", c=1.0) -> float:
    """Return the threshold tau of :prf:ref:`lem-main`: the slides' choice or the optimal one (:prf:ref:`prop-tau`).

    ``method="slides"``: tau = B^{2/3} m^{-1/3}, which makes m tau = B^2 / tau^2 (it balances the two terms).
    ``method="optimal"``: tau* = (2 B^2 / (c m))^{1/3}, the minimizer of c m tau + B^2 / tau^2 over tau > 0
    (:ref:`erratum-tau`), where the minimum is 3 2^{-2/3} c^{2/3} (B m)^{2/3}.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**15``.
    B : float
        Radius, ``B > 0``.
    method : {"slides", "optimal"}, default "slides"
        Which tau; the default is the one of the bounds' default ``tau``.
    c : float, default 1.0
        Slope of the bound P(abs(g) <= tau) <= c tau, in (0, 1]: 1 or sqrt(2/pi) (``"optimal"`` only).

    Returns
    -------
    float

    Examples
    --------
    >>> round(main_lemma_tau(1000, 8.0), 12)
    0.4
    >>> round(main_lemma_tau(1000, 8.0, method="optimal"), 6)
    0.503968
    >>> round(main_lemma_tau(1, 1e-200, method="optimal") / 1e-134, 4)  # no underflow: B^2 = 1e-400
    5.848
    """
    m = _check_m(m)
    B = check_positive("B", B)
    c = _check_c(c)
    if check_choice("method", method, _TAUS) == "slides":
        return _slides_tau(m, B)
    return 2.0 ** (1.0 / 3.0) * B ** (2.0 / 3.0) * (c * m) ** (-1.0 / 3.0)


def main_lemma_bad_set_bound(m, B, delta, *, tau=None, c=1.0) -> float:
    """Return c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2, the bound on #S = #(S_1 cup S_2) in :prf:ref:`lem-main`.

    The first two terms bound #S_1 with probability >= 1 - delta (:prf:ref:`lem-anticoncentration`),
    the last bounds #S_2 for every W in the ball.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**15``.
    B : float
        Radius, ``B > 0`` (``B >= 0`` when ``tau`` is given).
    delta : float
        Failure probability, in (0, 1).
    tau : float, optional
        Threshold, ``> 0``; default ``main_lemma_tau(m, B)`` (the slides' tau).
    c : float, default 1.0
        1 or sqrt(2/pi), see :func:`main_lemma_tau`.

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
    value = c * m * tau + hoeffding_deviation(m, delta) + moved_sets * safe_pow(B / tau, 2.0)
    return finite_result(value, m=m, B=B, delta=delta, tau=tau)


def main_lemma_bound(m, B, delta, *, method="book", tau=None, c=1.0) -> float:
    """Return the right side of :prf:ref:`lem-main`: B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2).

    With probability >= 1 - delta over W0, abs(f(x; W) - f_0(x; W)) is at most this for every W with
    ||W - W0||_F <= B, for the fixed x with ||x|| <= 1 (and abs(a_i) <= 1). ``method="slides"`` gives
    Lemma 4.1 as the slides state it, m^{1/3} (sqrt 2 B^{4/3} + B ln(1/delta)^{1/4}), which is at least the
    book's with the slides' tau and c = 1: sqrt(u + v) <= sqrt(u) + sqrt(v) and (m/2)^{1/4} <= m^{1/3}.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**15``.
    B : float
        Radius, ``B >= 0`` (the bound is 0 at B = 0).
    delta : float
        Failure probability, in (0, 1).
    method : {"book", "slides"}, default "book"
        The book's statement, or the slides' (which has no ``tau`` or ``c`` to choose).
    tau : float, optional
        Threshold, ``> 0``, fixed before W0 is drawn; default ``main_lemma_tau(m, B)``.
    c : float, default 1.0
        1 or sqrt(2/pi).

    Returns
    -------
    float

    Examples
    --------
    >>> round(main_lemma_bound(1000, 8.0, 0.05), 4)
    231.6829
    >>> round(main_lemma_bound(1000, 8.0, 0.05, method="slides"), 4)
    331.5226
    >>> main_lemma_bound(1000, 0.0, 0.05)
    0.0
    """
    m, B, delta = _check_m(m), _check_B(B), _check_delta(delta)
    if _bound_method(method, tau, c) == "slides":
        value = m ** (1.0 / 3.0) * (math.sqrt(2.0) * safe_pow(B, 4.0 / 3.0) + B * math.log(1.0 / delta) ** 0.25)
        return finite_result(value, m=m, B=B)
    if B == 0 and tau is None:
        return 0.0
    return finite_result(B * math.sqrt(main_lemma_bad_set_bound(m, B, delta, tau=tau, c=c)), m=m, B=B, tau=tau)


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
    and K^2 = 3 2^{-2/3} c^{2/3} at tau* = (2 B^2 / (c m))^{1/3} (:ref:`erratum-tau`).

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


def general_base_bound(m, B, delta, *, method="book", tau=None, c=1.0, a_inf=1.0) -> float:
    """Return ||a||_inf 2B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + 2 B^2 / tau^2), :prf:ref:`thm-general-base`.

    With probability >= 1 - delta over V0 = W0, for all V, W with ||V - V0||_F <= B and
    ||W - V0||_F <= B, abs(f(x; W) - f_V(x; W)) is at most this (fixed x, ||x|| <= 1). The bad set
    is S_1 cup S_2 cup S_3 ({ref}`erratum-s3`) and ||W - V||_F <= 2B (:ref:`erratum-cauchy-schwarz`).
    ``method="slides"`` gives the theorem as the notes state it, ||a||_inf m^{1/3} (5 B^{4/3} + 2B ln(1/delta)^{1/4}),
    which is at least the book's with the default tau: 2 sqrt 3 <= 5 and 2^{3/4} m^{1/4} <= 2 m^{1/3}
    (:ref:`erratum-theorem`).

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**15``.
    B : float
        Radius, ``B >= 0``.
    delta : float
        In (0, 1).
    method : {"book", "slides"}, default "book"
        The book's statement, or the notes' (which has no ``tau`` or ``c`` to choose).
    tau : float, optional
        ``> 0``; default ``main_lemma_tau(m, B)``.
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
    >>> round(general_base_bound(1000, 8.0, 0.05, method="slides"), 4)
    1010.4969
    """
    m, B, delta, c = _check_m(m), _check_B(B), _check_delta(delta), _check_c(c)
    a_inf = check_nonnegative("a_inf", a_inf)
    if _bound_method(method, tau, c) == "slides":
        value = a_inf * m ** (1.0 / 3.0) * (5.0 * safe_pow(B, 4.0 / 3.0) + 2.0 * B * math.log(1.0 / delta) ** 0.25)
        return finite_result(value, m=m, B=B, a_inf=a_inf)
    if B == 0 and tau is None:
        return 0.0
    tau = _tau_or_default(tau, m, B)
    count = _count_bound(m, B, delta, tau, c, moved_sets=2)
    return finite_result(a_inf * 2.0 * B * math.sqrt(count), m=m, B=B, tau=tau, a_inf=a_inf)


class BadSet(NamedTuple):
    """The bad sets of the proofs of :prf:ref:`lem-main` and :prf:ref:`thm-general-base`, as sorted indices.

    Attributes
    ----------
    S1 : ndarray of int
        {i : abs(w_{0,i}^T x) <= tau ||x||}: built from the initialization W0 (:ref:`erratum-telgarsky`).
    S2 : ndarray of int
        {i : ||w_i - w_{0,i}|| >= tau}.
    S3 : ndarray of int
        {i : ||v_i - w_{0,i}|| >= tau} (empty when no V is given; :ref:`erratum-s3`).
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
    rows moves along x (at least one row), each towards the opposite sign of its pre-activation, the moves that
    flip neurons (:prf:ref:`lem-main`). Every point has ||W - W0||_F uniform in [B/2, B], at any width m >= 1.
    The n points take n m d 8 bytes, refused beyond :data:`nearinit.MEMORY_BUDGET`.

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
    m, d = W0.shape
    check_budget("n", n, 8.0 * n * m * d, f"{n} points of shape ({m}, {d})")
    rng = check_rng(rng)
    u = x / x_norm  # pragma: no mutate (u only fixes a direction: every D is rescaled to its radius)
    points, kinds = [], []
    for j in range(n):
        if j % 2 == 0:
            D = rng.standard_normal((m, d)) * rng.exponential(1.0, (m, 1)) ** 3  # pragma: no mutate (law: a choice)
            kinds.append("isotropic")
        else:
            chosen = rng.random(m) < rng.uniform(0.001, 0.05)  # pragma: no mutate (< or <=: ties have prob. 0)
            if not chosen.any():  # at least one row moves: never a point at distance 0 (small m)
                chosen[rng.integers(m)] = True
            side = W0[chosen] @ u
            lengths = rng.exponential(1.0, chosen.sum())  # pragma: no mutate (their law is a choice; D is rescaled)
            D = np.zeros((m, d))
            D[chosen] = np.outer(np.where(side > 0, -lengths, lengths), u)  # against the sign; 0 counts as inactive
            kinds.append("along x")
        radius, norm = rng.uniform(0.5 * B, B), frobenius_norm(D)
        points.append(W0 + D * (radius / norm))  # norm > 0: a Gaussian draw, or at least one row along x != 0
    return points, kinds


class FailureEstimate(NamedTuple):
    """Monte Carlo estimate of the failure probability of :prf:ref:`lem-main` (:func:`main_lemma_failure_rate`).

    Attributes
    ----------
    failures : int
        Initializations where the exact worst case over the ball exceeds the bound.
    count_failures : int
        Initializations where the proof's only random event fails: abs(S_1) > c m tau + sqrt((m/2) ln(1/delta)).
    trials : int
    interval : tuple of float
        Clopper-Pearson interval for the failure probability (``failures``).
    count_interval : tuple of float
        The same for ``count_failures``.
    largest_ratio : float
        Largest (worst case)/(bound) over the trials.
    """

    failures: int
    count_failures: int
    trials: int
    interval: tuple[float, float]
    count_interval: tuple[float, float]
    largest_ratio: float


def main_lemma_failure_rate(m, B, delta, trials, *, tau=None, c=1.0, bound_factor=1.0, confidence=0.95, rng=None):
    """Estimate P(sup over the ball of abs(f - f_0) > bound of :prf:ref:`lem-main`) over random initializations.

    Each trial draws the projections z = W0 x (||x|| = 1) and the signs a (rotational invariance,
    :func:`nearinit.sample_projections`), computes the exact supremum of abs(f - f_0) over ||W - W0||_F <= B
    (:prf:ref:`thm-worst-case`, both signs) and compares it with ``bound_factor`` times
    :func:`nearinit.main_lemma_bound`. It also records the proof's random event, the count of S_1 against
    c m tau + sqrt((m/2) ln(1/delta)), which contains the lemma's failure event. ``bound_factor < 1`` tests a
    deliberately false, smaller bound: the estimate must then exceed delta.

    Parameters
    ----------
    m : int
        Width, ``m >= 1``.
    B : float
        Radius, ``> 0``.
    delta : float
        In (0, 1).
    trials : int
        Number of initializations, ``>= 1``.
    tau : float, optional
        Threshold (default the slides' B^{2/3} m^{-1/3}).
    c : float, default 1.0
        1 or sqrt(2/pi), as in :func:`nearinit.main_lemma_bound`.
    bound_factor : float, default 1.0
        Multiplies the bound (``> 0``).
    confidence : float, default 0.95
        Level of the Clopper-Pearson intervals.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    FailureEstimate

    Examples
    --------
    >>> est = main_lemma_failure_rate(200, 1.0, 0.1, 50, rng=0)
    >>> est.failures, est.trials, bool(est.interval[1] < 0.1)
    (0, 50, True)
    """

    m = check_width("m", m)
    B = check_real("B", B, low=0.0, low_open=True)
    trials = check_steps("trials", trials, low=1)
    check_budget("m", m, 40.0 * m, f"the projections of a width-{m} network")
    bound_factor = check_real("bound_factor", bound_factor, low=0.0, low_open=True)
    tau = _tau_or_default(tau, m, B)
    bound = bound_factor * main_lemma_bound(m, B, delta, tau=tau, c=c)
    count_bound = c * m * tau + hoeffding_deviation(m, delta)  # the proof's event, as in main_lemma_bad_set_bound
    rng = check_rng(rng)
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    failures = count_failures = 0
    largest = 0.0
    for _ in range(trials):
        z, a = sample_projections(m, rng=rng)
        sup = _from_projections(z, a, B)[0]
        inf = _from_projections(z, a, B, sign=-1)[0]
        worst = max(sup, -inf)
        largest = max(largest, worst / bound)
        failures += worst > bound  # pragma: no mutate (> or >=: ties of continuous laws have probability 0)
        count_failures += np.count_nonzero(np.abs(z) <= tau) > count_bound  # pragma: no mutate (the same)
    return FailureEstimate(
        int(failures),
        int(count_failures),
        trials,
        clopper_pearson(int(failures), trials, confidence=confidence),
        clopper_pearson(int(count_failures), trials, confidence=confidence),
        float(largest),
    )


class GeneralBasePair(NamedTuple):
    """A pair (V, W) in the ball around V0 with a large gap f(x; W) - f_V(x; W) (:func:`general_base_pair`)."""

    V: np.ndarray
    W: np.ndarray
    value: float
    k: int


def general_base_pair(W0, a, x, B) -> GeneralBasePair:
    """Return the pair of :ref:`ex-general-base-sharp` for :prf:ref:`thm-general-base`.

    Among the neurons with a_i = +1 take the k cheapest, k the largest with sum_{i <= k} z_(i)^2 < B^2
    (z_i = abs(w_{0,i}^T x)/||x||). V moves them along x just across zero (using up the budget B), W moves them
    by B/sqrt(k) each, away from zero on W0's side. Then ||V - V0||_F = ||W - V0||_F = B and
    f(x; W) - f_V(x; W) = ||x|| (B sqrt(k) + sum_{i <= k} z_(i)), which for a Gaussian V0 = W0 grows like
    :func:`general_base_pair_constant` times ||x|| B^{4/3} m^{1/3}.

    Parameters
    ----------
    W0 : (m, d) ndarray
    a : (m,) ndarray
        Outer weights in {-1, +1}.
    x : (d,) ndarray
        Nonzero input.
    B : float
        Radius, ``> 0``.

    Returns
    -------
    GeneralBasePair

    Examples
    --------
    >>> W0 = np.array([[0.3], [-0.4], [2.0]])
    >>> pair = general_base_pair(W0, np.ones(3), np.array([1.0]), 0.51)
    >>> pair.k, round(pair.value, 4)
    (2, 1.4212)
    """
    W0, a = check_weights(W0, a, W_name="W0")
    if not np.all(np.abs(a) == 1):
        raise ValueError("The 'a' parameter must have entries in {-1, +1}. Got other values.")
    x = as_array("x", x, ndim=(1,))
    if x.shape[0] != W0.shape[1] or not np.any(x):
        raise ValueError(f"The 'x' parameter must be a nonzero vector of length {W0.shape[1]}. Got {x!r}.")
    B = check_real("B", B, low=0.0, high=_B_MAX, low_open=True)  # B^2 must stay finite
    norm = float(np.linalg.norm(x))
    u = x / norm
    zs = W0 @ x / norm
    cost = np.where((a == 1) & (zs != 0), zs**2, np.inf)
    idx = _cheapest(cost, B, strict=True)
    k = int(idx.size)
    side = np.sign(zs[idx])[:, None]
    V = _moved(W0, u, idx, cost, B, 1.0)
    V[idx] = W0[idx] - side * (V[idx] - W0[idx])  # across zero, against W0's side
    W = W0.copy()
    if k:
        W[idx] += side * (B / math.sqrt(k)) * u
    value = norm * (B * math.sqrt(k) + float(np.sum(np.abs(zs[idx]))))
    return GeneralBasePair(V, W, value, k)


def general_base_pair_constant() -> float:
    """Return (3/(2 pi))^{1/6} + (sqrt(2 pi)/2) (3/(2 pi))^{2/3} ~ 1.6497, the growth constant of the pair.

    With z_(i) ~ i sqrt(2 pi)/m for the a_i = +1 neurons, sum_{i <= k} z_(i)^2 ~ 2 pi k^3/(3 m^2) = B^2 gives
    k ~ (3 B^2 m^2/(2 pi))^{1/3}, and B sqrt(k) + sum z_(i) ~ this constant times B^{4/3} m^{1/3}.

    Examples
    --------
    >>> round(general_base_pair_constant(), 4)
    1.6497
    """
    r = 3.0 / (2.0 * math.pi)
    return r ** (1.0 / 6.0) + 0.5 * math.sqrt(2.0 * math.pi) * r ** (2.0 / 3.0)
