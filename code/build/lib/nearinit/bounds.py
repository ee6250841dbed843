"""Right-hand sides of the ReLU bounds of chapter ``ch-main-lemma``, the choice of tau, and the bad sets.

- Lemma ``lem-main`` (Lemma 4.1, base point W0): with probability >= 1 - delta over W0, for all W with
  ||W - W0||_F <= B, abs(f(x; W) - f_0(x; W)) <= B sqrt(#S) and
  #S <= c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2 (:func:`~nearinit.lemma41_bound`);
- Theorem ``thm-general-base`` (any base point V with ||V - V0||_F <= B):
  abs(f - f_V) <= ||a||_inf 2B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + 2 B^2 / tau^2)
  (:func:`~nearinit.general_base_bound`);
- tau: the slides' balancing choice B^{2/3} m^{-1/3} (:func:`~nearinit.slides_tau`) and the minimizer
  (2 B^2 / (c m))^{1/3} of c m tau + B^2 / tau^2 (:func:`~nearinit.optimal_tau`, erratum ``erratum-tau``);
- the bad sets S_1, S_2, S_3 of the proofs for a given W (and V) (:func:`~nearinit.bad_set`).

c = 1 uses P(abs(g) <= tau) <= tau, c = sqrt(2/pi) the Gaussian density bound (Lemma ``lem-anticoncentration``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_inputs, check_real, check_same_shape

__all__ = [
    "BadSet",
    "LeadingConstants",
    "bad_set",
    "general_base_bound",
    "general_base_slides_bound",
    "lemma41_bad_set_bound",
    "lemma41_bound",
    "lemma41_leading_constants",
    "lemma41_slides_bound",
    "optimal_tau",
    "slides_tau",
]


def _check_m(m) -> float:
    return check_real("m", m, low=1.0)


def _check_B(B) -> float:
    return check_real("B", B, low=0.0)


def _check_delta(delta) -> float:
    return check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)


def _check_c(c) -> float:
    return check_real("c", c, low=0.0, high=1.0, low_open=True)


def _tau_or_default(tau, m: float, B: float) -> float:
    if tau is None:
        return slides_tau(m, B)
    return check_real("tau", tau, low=0.0, low_open=True)


def slides_tau(m, B) -> float:
    """Return the slides' choice tau = B^{2/3} m^{-1/3}, which makes m tau = B^2 / tau^2.

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
    B = check_real("B", B, low=0.0, low_open=True)
    return B ** (2.0 / 3.0) * m ** (-1.0 / 3.0)


def optimal_tau(m, B, *, c=1.0) -> float:
    """Return tau* = (2 B^2 / (c m))^{1/3}, the minimizer of c m tau + B^2 / tau^2 over tau > 0.

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
    B = check_real("B", B, low=0.0, low_open=True)
    c = _check_c(c)
    return (2.0 * B**2 / (c * m)) ** (1.0 / 3.0)


def lemma41_bad_set_bound(m, B, delta, *, tau=None, c=1.0) -> float:
    """Return c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2, the bound on #S = #(S_1 cup S_2) in Lemma ``lem-main``.

    The first two terms bound #S_1 with probability >= 1 - delta (Lemma ``lem-anticoncentration``),
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
    >>> round(lemma41_bad_set_bound(1000, 8.0, 0.05), 4)
    838.7023
    """
    m, B, delta, c = _check_m(m), _check_B(B), _check_delta(delta), _check_c(c)
    tau = _tau_or_default(tau, m, B)
    return c * m * tau + math.sqrt(0.5 * m * math.log(1.0 / delta)) + B**2 / tau**2


def lemma41_bound(m, B, delta, *, tau=None, c=1.0) -> float:
    """Return B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + B^2 / tau^2), the right side of Lemma ``lem-main``.

    With probability >= 1 - delta over W0, abs(f(x; W) - f_0(x; W)) is at most this for every W with
    ||W - W0||_F <= B, for the fixed x with ||x|| <= 1 (and abs(a_i) <= 1). With the slides' tau and
    c = 1 it is at most :func:`lemma41_slides_bound`.

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
    >>> round(lemma41_bound(1000, 8.0, 0.05), 4)
    231.6829
    >>> lemma41_bound(1000, 0.0, 0.05)
    0.0
    """
    m, B, delta = _check_m(m), _check_B(B), _check_delta(delta)
    if B == 0 and tau is None:
        return 0.0
    return B * math.sqrt(lemma41_bad_set_bound(m, B, delta, tau=tau, c=c))


def lemma41_slides_bound(m, B, delta) -> float:
    """Return m^{1/3} (sqrt 2 B^{4/3} + B ln(1/delta)^{1/4}), Lemma 4.1 as the slides state it.

    It is at least ``lemma41_bound(m, B, delta)``: sqrt(u + v) <= sqrt(u) + sqrt(v) and
    (m/2)^{1/4} <= m^{1/3} (Lemma ``lem-main``).

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
    >>> round(lemma41_slides_bound(1000, 8.0, 0.05), 4)
    331.5226
    """
    m, B, delta = _check_m(m), _check_B(B), _check_delta(delta)
    return m ** (1.0 / 3.0) * (math.sqrt(2.0) * B ** (4.0 / 3.0) + B * math.log(1.0 / delta) ** 0.25)


class LeadingConstants(NamedTuple):
    """Leading constants K in the bound K B^{4/3} m^{1/3} + O(B m^{1/4}) of Lemma ``lem-main``.

    Attributes
    ----------
    slides : float
        With the slides' tau: sqrt(1 + c) (sqrt 2 for c = 1).
    optimal : float
        With tau*: sqrt(3) 2^{-1/3} c^{1/3} (1.3747 for c = 1, 1.2751 for c = sqrt(2/pi)).
    """

    slides: float
    optimal: float


def lemma41_leading_constants(*, c=1.0) -> LeadingConstants:
    """Return the leading constants of Lemma ``lem-main`` for the slides' tau and for tau*.

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
    >>> [round(v, 4) for v in lemma41_leading_constants()]
    [1.4142, 1.3747]
    >>> round(lemma41_leading_constants(c=math.sqrt(2 / math.pi)).optimal, 4)
    1.2751
    """
    c = _check_c(c)
    return LeadingConstants(math.sqrt(1.0 + c), math.sqrt(3.0) * 2.0 ** (-1.0 / 3.0) * c ** (1.0 / 3.0))


def general_base_bound(m, B, delta, *, tau=None, c=1.0, a_inf=1.0) -> float:
    """Return ||a||_inf 2B sqrt(c m tau + sqrt((m/2) ln(1/delta)) + 2 B^2 / tau^2), Theorem ``thm-general-base``.

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
    a_inf = check_real("a_inf", a_inf, low=0.0)
    if B == 0 and tau is None:
        return 0.0
    tau = _tau_or_default(tau, m, B)
    count = c * m * tau + math.sqrt(0.5 * m * math.log(1.0 / delta)) + 2.0 * B**2 / tau**2
    return a_inf * 2.0 * B * math.sqrt(count)


def general_base_slides_bound(m, B, delta, *, a_inf=1.0) -> float:
    """Return ||a||_inf m^{1/3} (5 B^{4/3} + 2B ln(1/delta)^{1/4}), Theorem ``thm-general-base`` as the notes state it.

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
    a_inf = check_real("a_inf", a_inf, low=0.0)
    return a_inf * m ** (1.0 / 3.0) * (5.0 * B ** (4.0 / 3.0) + 2.0 * B * math.log(1.0 / delta) ** 0.25)


class BadSet(NamedTuple):
    """The bad sets of the proofs of Lemma ``lem-main`` and Theorem ``thm-general-base``, as sorted indices.

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

    Outside S the i-th summand of the flip sum (equation ``eq-flip-sum``) vanishes, so
    abs(f(x; W) - f_0(x; W)) <= ||W - W0||_F sqrt(#S) (Lemma ``lem-main``), and with V,
    abs(f(x; W) - f_V(x; W)) <= ||W - V||_F sqrt(#S) (Theorem ``thm-general-base``), for abs(a_i) <= 1.

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
    W0 = as_array("W0", W0, ndim=(2,))
    W = as_array("W", W, ndim=(2,))
    check_same_shape("W", W, "W0", W0)
    X2, single = check_inputs(x, W0.shape[1], name="x")
    x_norm = float(np.linalg.norm(X2))
    if not single:
        raise ValueError(f"The 'x' parameter must be one input of shape ({W0.shape[1]},). Got shape {X2.shape}.")
    if x_norm == 0:
        raise ValueError("The 'x' parameter must be a nonzero input (for x = 0 every neuron is in S_1). Got zero.")
    tau = check_real("tau", tau, low=0.0, low_open=True)
    S1 = np.flatnonzero(np.abs(W0 @ X2[0]) <= tau * x_norm)
    S2 = np.flatnonzero(np.linalg.norm(W - W0, axis=1) >= tau)
    S3 = np.zeros(0, dtype=S1.dtype)
    if V is not None:
        V = as_array("V", V, ndim=(2,))
        check_same_shape("V", V, "W0", W0)
        S3 = np.flatnonzero(np.linalg.norm(V - W0, axis=1) >= tau)
    return BadSet(S1, S2, S3, np.union1d(np.union1d(S1, S2), S3))
