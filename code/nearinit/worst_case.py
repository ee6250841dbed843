"""The exact supremum of the ReLU linearization gap over a Frobenius ball (:ref:`ch-main-lemma`).

For a fixed input x and base point W0, only the projections z_i = abs(w_{0,i}^T x) of the
neurons with a_i = +1 matter for the supremum (a_i = -1 for the infimum):

    sup_{||W - W0||_F <= B} (f - f_0)(x; W) = max_{k >= 0} [ B ||x|| sqrt(k) - sum_{i <= k} z_(i) ],

with z_(1) <= z_(2) <= ... sorted (:prf:ref:`thm-worst-case`). The objective is concave in k, so the maximum
over the K smallest values is the maximum over all of them as soon as the next increment cannot be positive
(:func:`~nearinit.concavity_certificate`, the one certificate the exact paths share): a selection (``np.partition``) of
about (B m)^{2/3} values replaces the full sort, exactly (:prf:ref:`prop-selection`). For W0 with iid N(0, I_d)
rows the supremum grows like c B^{4/3} ||x|| m^{1/3} with c = (3/4) (2 sqrt(2 pi))^{-1/3}
(:prf:ref:`prop-worst-rate`).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ._validation import (
    as_array,
    check_budget,
    check_choice,
    check_int,
    check_layer,
    check_nonnegative,
    check_one_input,
    check_prime_at_zero,
    check_projections,
    check_real,
    check_rng,
    check_sign,
    check_width,
    finite_result,
    safe_pow,
)

__all__ = [
    "WorstCase",
    "concavity_certificate",
    "sample_projections",
    "worst_case_asymptotic",
    "worst_case_constant",
    "worst_case_gap",
]

# The methods of worst_case_gap, both exact: a selection of about (B m)^{2/3} values, or a full sort.
_METHODS = ("select", "sort")
_STABLE = "stable"

_K_FACTOR = 2.0  # initial selection K = 2 (B n)^{2/3} + 32, about 4 times the typical maximizer
_K_EXTRA = 32
_K_GROWTH = 4  # the selection grows by this factor when the certificate fails


def concavity_certificate(K, B, lower) -> bool:
    """Whether no k > K can increase B sqrt(k) - sum_{i <= k} z_(i), given z_(K+1) >= ``lower``.

    The increments B (sqrt(k) - sqrt(k - 1)) - z_(k) of the objective of :prf:ref:`thm-worst-case` decrease
    in k (concavity). If B (sqrt(K+1) - sqrt(K)) <= ``lower`` <= z_(K+1) <= z_(K+2) <= ..., every increment
    after K is <= 0, and the maximum over k <= K is the maximum over all k. The selection of
    :func:`worst_case_gap`, the streaming path and the order-statistics path of the appendix
    (:prf:ref:`lem-streaming-certificate`) all stop on this test.

    Parameters
    ----------
    K : int
        Number of smallest values examined, ``K >= 0``.
    B : float
        The coefficient of sqrt(k), ``B >= 0`` (B ||x|| for an input of norm ||x||).
    lower : float
        A lower bound on every value not examined.

    Returns
    -------
    bool

    Examples
    --------
    >>> concavity_certificate(3, 1.0, 0.27), concavity_certificate(3, 1.0, 0.26)
    (True, False)
    """
    K = check_int("K", K, low=0)
    B = check_nonnegative("B", B)
    lower = check_real("lower", lower)
    return B / (math.sqrt(K + 1.0) + math.sqrt(K)) <= lower  # = B (sqrt(K+1) - sqrt(K)), without cancellation


def _check_scaled_radius(B: float, x_norm: float, K: int, norm_name: str = "x_norm") -> float:
    """B ||x||, refused when B ||x|| sqrt(K) overflows float64 (the objective would be inf - inf), or when a step
    B ||x|| / (2 sqrt(K)) of the objective falls below float64's smallest normal number (the steps would lose their
    relative precision: at B = 5e-324 the objective rounds to the same number at k = 1 and k = 3). The messages name
    'B' and the caller's parameter for ||x|| (``norm_name``: 'x_norm', or 'x' for worst_case_gap)."""
    radius = B * x_norm
    if not math.isfinite(radius * math.sqrt(max(K, 1))):
        raise ValueError(
            f"The 'B' and '{norm_name}' parameters are too large together: B ||x|| sqrt(m) overflows float64. "
            f"Got B = {B!r}, ||x|| = {x_norm!r}."
        )
    if radius != 0 and radius < 2 * math.sqrt(max(K, 1)) * sys.float_info.min:
        raise ValueError(
            f"The 'B' and '{norm_name}' parameters are too small together: B ||x|| / (2 sqrt(m)) is below float64's "
            f"smallest normal number ({sys.float_info.min:.3g}), so the worst case would be rounded. "
            f"Got B = {B!r}, ||x|| = {x_norm!r}; rescale B, x and W0 by a common factor."
        )
    return radius


def _sup_sorted(z, radius: float) -> tuple[float, int]:
    """Max over k of radius sqrt(k) - cumsum(z)[k-1] (0 at k = 0) for checked, sorted z; smallest argmax."""
    k = np.arange(z.size + 1)
    vals = radius * np.sqrt(k)
    vals[1:] -= np.cumsum(z)
    best = int(np.argmax(vals))
    return float(vals[best]), best


@dataclass(frozen=True, eq=False)
class WorstCase:
    """The sup (or inf) of the linearization gap over the Frobenius ball and an optimal point.

    The result of :prf:ref:`thm-worst-case`.

    Attributes
    ----------
    value : float
        sup (``sign=+1``) or inf (``sign=-1``, a value <= 0) of (f - f_0)(x; W) over ||W - W0||_F <= B;
        ``linearization_gap(W, W0, a, x)`` equals it up to rounding.
    k : int
        How many neurons the optimal ``W`` moves (the smallest maximizing k).
    moved : (k,) int ndarray
        Their indices, in increasing order of abs(w_{0,i}^T x) (ties by index).
    moves : (k,) ndarray
        The change t_i = (w_i - w_{0,i})^T x of each moved pre-activation: +-B ||x|| / sqrt(k), of the
        sign that takes w_i^T x across zero.
    K : int
        The number of smallest eligible abs(w_{0,i}^T x) selected when the answer was certified
        (:func:`concavity_certificate`), or every eligible neuron.
    W : (m, d) ndarray
        An optimal point, ``||W - W0||_F <= B``: the k rows ``moved`` shifted along x, the others at W0.
        Built on first access (one copy of W0), so that computing ``value`` costs only the product W0 x.
        Built from the W0 and x given to :func:`worst_case_gap`.
    """

    value: float
    k: int
    moved: np.ndarray
    moves: np.ndarray
    K: int
    W0: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)

    def __post_init__(self):
        """Check the fields when a WorstCase is built by hand (worst_case_gap builds consistent ones)."""
        W0 = check_layer("W0", self.W0)
        x = check_one_input(self.x, W0.shape[1])
        object.__setattr__(self, "W0", W0)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "value", check_real("value", self.value))
        m = W0.shape[0]
        k = check_int("k", self.k, low=0, high=m)
        if k and not float(x @ x) > 0:
            raise ValueError("The 'x' parameter must be a nonzero input when k > 0 rows move along it. Got zero.")
        object.__setattr__(self, "K", check_int("K", self.K, low=k, high=m))
        moved = as_array("moved", self.moved, ndim=(1,))
        if moved.shape != (k,) or np.any(moved != np.round(moved)) or np.any((moved < 0) | (moved >= m)):
            raise ValueError(f"The 'moved' parameter must hold k = {k} row indices in [0, {m}). Got {self.moved!r}.")
        if np.unique(moved).size != k:
            raise ValueError(f"The 'moved' parameter must hold distinct row indices. Got {self.moved!r}.")
        moves = as_array("moves", self.moves, ndim=(1,))
        if moves.shape != (k,):
            raise ValueError(f"The 'moves' parameter must hold k = {k} changes. Got shape {moves.shape}.")
        object.__setattr__(self, "moved", moved.astype(np.int64))
        object.__setattr__(self, "moves", moves)

    @classmethod
    def _unchecked(cls, *fields) -> WorstCase:
        """Built by worst_case_gap from checked arguments: no second pass over W0."""
        out = object.__new__(cls)
        names = ("value", "k", "moved", "moves", "K", "W0", "x")
        for name, value in zip(names, fields, strict=True):  # pragma: no mutate (internal: always 7 fields)
            object.__setattr__(out, name, value)
        return out

    @cached_property
    def W(self) -> np.ndarray:
        W = self.W0.copy()
        if self.k:
            W[self.moved] += np.outer(self.moves / float(self.x @ self.x), self.x)
        return W


def _check_outer(a, m: int) -> np.ndarray:
    a = as_array("a", a, ndim=(1,))
    if a.shape[0] != m:
        raise ValueError(f"The 'a' parameter must have one entry per projection ({m}). Got {a.shape[0]} entries.")
    bad = np.flatnonzero(np.abs(a) != 1.0)
    if bad.size:
        raise ValueError(
            f"The 'a' parameter must have entries in {{-1, +1}} (Theorem thm-worst-case). "
            f"Got a[{bad[0]}] = {float(a[bad[0]])!r} instead."
        )
    return a


def _cheapest(cost: np.ndarray, B: float, strict: bool) -> np.ndarray:
    """Indices of the most neurons whose summed costs fit in B^2 (strictly below it if ``strict``)."""
    order = np.argsort(cost, kind=_STABLE)  # ties broken by the row index: the same answer on every platform
    total = np.cumsum(cost[order])
    B2 = safe_pow(B, 2.0)
    fits = {True: np.less, False: np.less_equal}[strict]  # a bool, nothing else (None is not "not strict")
    return order[: np.count_nonzero(fits(total, B2))]


def _moved(W0, u, idx, cost, B, direction) -> np.ndarray:
    """W0 with rows ``idx`` moved along ``direction * u`` by sqrt(cost + slack), the slack using up B."""
    W = W0.copy()
    if idx.size:
        slack = max(safe_pow(B, 2.0) - float(np.sum(cost[idx])), 0.0) / idx.size
        W[idx] += direction * np.sqrt(cost[idx] + slack)[:, None] * u
    return W


def _initial_selection(n: int, B: float, k_start) -> int:
    if k_start is None:
        # a first guess of K, widened until certified: any K >= 1 gives the exact answer (only its cost varies)
        scale = min(float(n), _K_FACTOR * (B * n) ** (2.0 / 3.0))  # pragma: no mutate (a guess, as said above)
        return min(n, math.ceil(scale) + _K_EXTRA)
    return min(n, check_int("k_start", k_start))


def _certified_max(zabs, n, radius, K) -> tuple[float, int, int, float]:
    """Select the K smallest of ``zabs`` (n finite, the rest inf), maximize over k <= K, widen K until certified."""
    while True:
        smallest = np.sort(np.partition(zabs, K - 1)[:K])  # K <= n <= zabs.size
        value, k = _sup_sorted(smallest, radius)
        if K == n or concavity_certificate(K, radius, float(smallest[-1])):
            return value, k, K, float(smallest[k - 1])  # (k = 0: any value, no index is selected)
        K = min(n, _K_GROWTH * K)


def _smallest_indices(zabs, k: int, kth: float) -> np.ndarray:
    """Indices of the k smallest entries of ``zabs`` (the k-th smallest is ``kth``), increasing, ties by index."""
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.flatnonzero(zabs <= kth)  # k of them, or more when the k-th value is tied
    return candidates[np.argsort(zabs[candidates], kind=_STABLE)][:k]


def _from_projections(
    z, a, B, *, x_norm=1.0, sign=1, relu_prime_at_zero=0.0, k_start=None, method="select", norm_name="x_norm"
):
    """(value, k, moved, moves, K) of :func:`worst_case_gap` from the projections z = W0 x and x_norm = ||x||.

    With z_(1) <= z_(2) <= ... the sorted abs(z_i) over the neurons with a_i = ``sign``, the supremum is
    max_{k >= 0} [B ||x|| sqrt(k) - sum_{i <= k} z_(i)] (:prf:ref:`thm-worst-case`); ``k_start`` is the initial
    selection size K of ``method="select"`` (default 2 (B n)^{2/3} + 32 for n eligible neurons), which grows
    (times 4) until :func:`concavity_certificate` holds: the answer does not depend on it.
    """
    z = as_array("z", z, ndim=(1,))
    if z.size == 0:
        raise ValueError("The 'z' parameter must hold at least one projection (m >= 1). Got an empty array.")
    a = _check_outer(a, z.shape[0])
    B = check_nonnegative("B", B)
    x_norm = check_nonnegative("x_norm", x_norm)
    radius = _check_scaled_radius(B, x_norm, z.size, norm_name)
    sign = check_sign(sign)
    prime0 = check_prime_at_zero(relu_prime_at_zero, "thm-worst-case")
    method = check_choice("method", method, _METHODS)
    eligible = a == sign
    n = int(np.count_nonzero(eligible))
    if n == 0:
        return 0.0, 0, np.zeros(0, dtype=np.int64), np.zeros(0), 0
    zabs = np.where(eligible, np.abs(z), np.inf)  # ineligible neurons are never selected; no copy of the subset
    K = _initial_selection(n, B, k_start) if method == "select" else n
    value, k, K, kth = _certified_max(zabs, n, radius, K)
    moved = _smallest_indices(zabs, k, kth)
    z_moved = z[moved]
    up = (z_moved < 0) | ((z_moved == 0) & (prime0 == 0.0))  # off neurons move up, on neurons down
    step = B * x_norm / math.sqrt(max(k, 1))  # (k = 0: no move)
    moves = np.where(up, step, -step)
    return sign * value, k, moved, moves, K


def worst_case_gap(W0, a, x, B, *, sign=1, relu_prime_at_zero=0.0, method="select"):
    """Return the exact sup (or inf) of (f - f_0)(x; W) over ||W - W0||_F <= B, with an optimal W.

    :prf:ref:`thm-worst-case` (:ref:`ch-main-lemma`). The optimal W moves the k neurons
    with a_i = ``sign`` and the smallest abs(w_{0,i}^T x) along x, across zero, each by B / sqrt(k)
    (in units of ||x||); the other rows stay at W0.

    Parameters
    ----------
    W0 : (m, d) ndarray
        Base point (the initialization).
    a : (m,) ndarray
        Outer weights, entries in {-1, +1}.
    x : (d,) ndarray
        The input.
    B : float
        Radius, ``B >= 0``.
    sign : {+1, -1}, default +1
        +1 for the supremum, -1 for the infimum.
    relu_prime_at_zero : {0.0, 1.0}, default 0.0
        sigma'(0), as in :func:`nearinit.get_activation`; matters only for projections exactly 0.
    method : {"select", "sort"}, default "select"
        How the smallest projections are found; both are exact and give the same answer.
        ``"select"``: a selection (``np.partition``) of about (B m)^{2/3} values, widened until
        :func:`concavity_certificate` holds, O(m) (:prf:ref:`prop-selection`). ``"sort"``: sort all the
        eligible projections, O(m log m), the plain formula of :prf:ref:`thm-worst-case`.

    Returns
    -------
    WorstCase
        ``value``, ``k``, ``moved``, ``moves``, ``K`` and the maximizer ``W``.

    Notes
    -----
    The work is one matrix-vector product W0 x and a selection among m numbers: nothing of size
    (m, m) or (n, m). The maximizer ``W`` (a copy of W0 with k rows moved) is built only when read.

    Only the projections z = W0 x matter, so a network given by its projections alone (for Gaussian W0 they
    can be drawn directly, :func:`sample_projections`) is the one-column network ``W0 = z[:, None]``,
    ``x = np.ones(1)``; the worst case of a random network of a width too large to store is
    :func:`~nearinit.random_worst_case`.

    Examples
    --------
    >>> W0 = np.array([[0.1, 1.0], [-0.2, 0.0], [2.0, 0.0]]); a = np.array([1.0, 1.0, 1.0])
    >>> res = worst_case_gap(W0, a, np.array([1.0, 0.0]), 1.0)
    >>> round(res.value, 4), res.k, res.W.round(4).tolist()
    (1.1142, 2, [[-0.6071, 1.0], [0.5071, 0.0], [2.0, 0.0]])
    >>> worst_case_gap(W0, a, np.array([1.0, 0.0]), 1.0, method="sort").value == res.value
    True
    >>> res = worst_case_gap(np.array([[0.5], [-0.1], [0.2], [3.0]]), np.array([1, 1, -1, 1]), np.ones(1), 1.0)
    >>> round(res.value, 4), res.k, res.moved.tolist(), res.moves.round(4).tolist()
    (0.9, 1, [1], [1.0])
    """
    method = check_choice("method", method, _METHODS)
    W0, a, x, z = check_projections(W0, a, x)
    x_norm = float(np.linalg.norm(x))
    res = _from_projections(
        z, a, B, x_norm=x_norm, sign=sign, relu_prime_at_zero=relu_prime_at_zero, method=method, norm_name="x"
    )
    return WorstCase._unchecked(*res, W0, x)


def sample_projections(m, *, x_norm=1.0, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Draw (z, a) with z = W0 x for W0 with iid N(0, I_d) rows, without forming W0.

    By rotational invariance the w_{0,i}^T x are iid N(0, ||x||^2) whatever d and the
    direction of x (:prf:ref:`lem-rotation`); a_i are iid uniform on {-1, +1}.
    Together with :func:`worst_case_gap` (on ``z[:, None]``) this gives the exact worst case
    of a random network at widths where W0 would not fit in memory.

    Parameters
    ----------
    m : int
        Width, ``m >= 1``.
    x_norm : float, default 1.0
        ||x||, ``>= 0``.
    rng : None, int or numpy.random.Generator
        Normalized by ``np.random.default_rng``.

    Returns
    -------
    z : (m,) ndarray
    a : (m,) ndarray

    Examples
    --------
    >>> z, a = sample_projections(5, rng=0)
    >>> z.shape, set(a.tolist()) <= {-1.0, 1.0}
    ((5,), True)
    """
    m = check_width("m", m)
    x_norm = check_nonnegative("x_norm", x_norm)
    rng = check_rng(rng)
    check_budget("m", m, 16.0 * m, f"{m} projections and signs")
    z = rng.standard_normal(m)
    z *= x_norm
    a = 2.0 * rng.integers(2, size=m) - 1.0
    return z, a


def worst_case_constant() -> float:
    """Return c = (3/4) (2 sqrt(2 pi))^{-1/3} ~ 0.4382, the constant of the worst case's growth.

    For W0 with iid N(0, I_d) rows and a_i uniform on {-1, +1}, about m/2 neurons are eligible and
    their abs(w_{0,i}^T x) / ||x|| have density (m/2) 2 phi(0) = m / sqrt(2 pi) near 0, so
    sum_{i <= k} z_(i) ~ ||x|| k^2 sqrt(2 pi) / (2 m). Maximizing B ||x|| sqrt(k) minus that over k
    gives k* = (B m / (2 sqrt(2 pi)))^{2/3} and the value c ||x|| B^{4/3} m^{1/3}
    (:prf:ref:`prop-worst-rate`; :ref:`ch-main-lemma` derives it with sympy).

    Returns
    -------
    float

    Examples
    --------
    >>> round(worst_case_constant(), 6)
    0.438216
    """
    return 0.75 * (2.0 * math.sqrt(2.0 * math.pi)) ** (-1.0 / 3.0)


def worst_case_asymptotic(m, B, *, x_norm=1.0) -> float:
    """Return c ||x|| B^{4/3} m^{1/3}, the large-m value of the worst case (:prf:ref:`prop-worst-rate`).

    c = :func:`worst_case_constant`.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**15``.
    B : float
        Radius, ``>= 0``.
    x_norm : float, default 1.0
        ||x||, ``>= 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(worst_case_asymptotic(10**6, 1.0), 4)
    43.8216
    """
    m = check_width("m", m)
    B = check_nonnegative("B", B)
    x_norm = check_nonnegative("x_norm", x_norm)
    return finite_result(worst_case_constant() * x_norm * safe_pow(B, 4.0 / 3.0) * m ** (1.0 / 3.0), m=m, B=B)
