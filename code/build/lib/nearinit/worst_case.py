"""The exact supremum of the ReLU linearization gap over a Frobenius ball (Theorem ``thm-worst-case``).

For a fixed input x and base point W0, only the projections z_i = abs(w_{0,i}^T x) of the
neurons with a_i = +1 matter for the supremum (a_i = -1 for the infimum):

    sup_{||W - W0||_F <= B} (f - f_0)(x; W) = max_{k >= 0} [ B ||x|| sqrt(k) - sum_{i <= k} z_(i) ],

with z_(1) <= z_(2) <= ... sorted. The objective is concave in k, so the maximum over the K
smallest values is the maximum over all of them as soon as it is reached at some k < K: a
selection (``np.partition``) of about (B m)^{2/3} values replaces the full sort, exactly.
For W0 with iid N(0, I_d) rows the supremum grows like c B^{4/3} ||x|| m^{1/3} with
c = (3/4) (2 sqrt(2 pi))^{-1/3} (chapter ``ch-main-lemma``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_inputs, check_int, check_real

__all__ = [
    "ProjectedWorstCase",
    "WorstCase",
    "sample_projections",
    "sup_from_sorted",
    "worst_case_asymptotic",
    "worst_case_constant",
    "worst_case_gap",
    "worst_case_gap_from_projections",
]

_K_FACTOR = 2.0  # initial selection K = 2 (B n)^{2/3} + 32, about 4 times the typical maximizer
_K_EXTRA = 32
_K_GROWTH = 4  # the selection grows by this factor when the certificate fails


def sup_from_sorted(z_sorted, B, *, x_norm=1.0) -> tuple[float, int]:
    """Return ``(value, k)`` maximizing ``B x_norm sqrt(k) - sum_{i <= k} z_sorted[i-1]`` over k >= 0.

    Parameters
    ----------
    z_sorted : (K,) ndarray
        The K smallest projections abs(w_{0,i}^T x) of the eligible neurons, in increasing
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


class ProjectedWorstCase(NamedTuple):
    """The worst case computed from the projections z = W0 x alone.

    Attributes
    ----------
    value : float
        The supremum of f - f_0 over the ball (``sign=+1``), or the infimum (``sign=-1``, a value <= 0).
    k : int
        How many neurons a maximizer moves (the smallest maximizing k).
    moved : (k,) int ndarray
        Their indices into ``z``, in increasing order of abs(z_i).
    moves : (k,) ndarray
        The change t_i = (w_i - w_{0,i})^T x of each moved pre-activation: +-B ||x|| / sqrt(k),
        of the sign that takes w_i^T x across zero.
    K : int
        The number of smallest eligible abs(z_i) selected when the answer was certified
        (the maximizing k is below K, or K is every eligible neuron).
    """

    value: float
    k: int
    moved: np.ndarray
    moves: np.ndarray
    K: int


@dataclass(frozen=True, eq=False)
class WorstCase:
    """A maximizer (or minimizer) of the linearization gap over the Frobenius ball.

    Attributes
    ----------
    value : float
        sup (``sign=+1``) or inf (``sign=-1``) of (f - f_0)(x; W) over ||W - W0||_F <= B;
        ``linearization_gap(W, W0, a, x)`` equals it up to rounding.
    k : int
        How many neurons the optimal ``W`` moves.
    moved : (k,) int ndarray
        Their indices.
    moves : (k,) ndarray
        The change (w_i - w_{0,i})^T x of each moved pre-activation, +-B ||x|| / sqrt(k).
    W : (m, d) ndarray
        An optimal point, ``||W - W0||_F <= B``: the k rows ``moved`` shifted along x, the others
        at W0. It is built on first access (one copy of W0), so that computing ``value`` costs
        only the product W0 x.
    """

    value: float
    k: int
    moved: np.ndarray
    moves: np.ndarray
    W0: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)

    @cached_property
    def W(self) -> np.ndarray:
        W = self.W0.copy()
        if self.k:
            W[self.moved] += np.outer(self.moves / float(self.x @ self.x), self.x)
        return W


def _check_sign(sign) -> int:
    if isinstance(sign, bool) or sign not in (1, -1):
        raise ValueError(f"The 'sign' parameter must be +1 (supremum) or -1 (infimum). Got {sign!r} instead.")
    return int(sign)


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


def _check_prime_at_zero(value) -> float:
    c = check_real("relu_prime_at_zero", value, low=0.0, high=1.0)
    if c not in (0.0, 1.0):
        raise ValueError(
            f"The 'relu_prime_at_zero' parameter must be 0 or 1 (for values strictly between, the supremum "
            f"is not attained when some projection is exactly 0). Got {value!r} instead."
        )
    return c


def _initial_selection(n: int, B: float, k_start) -> int:
    if k_start is None:
        k_start = math.ceil(_K_FACTOR * (B * n) ** (2.0 / 3.0)) + _K_EXTRA
    else:
        k_start = check_int("k_start", k_start)
    return min(n, k_start)


def _certified_max(zabs, n, B, x_norm, K) -> tuple[float, int, int, float]:
    """Select the K smallest of ``zabs`` (n finite, the rest inf), maximize over k <= K, widen K until k < K."""
    while True:
        smallest = np.sort(np.partition(zabs, K - 1)[:K] if K < zabs.size else zabs)[:K]
        value, k = sup_from_sorted(smallest, B, x_norm=x_norm)
        if k < K or K == n:
            return value, k, K, float(smallest[k - 1]) if k else 0.0
        K = min(n, _K_GROWTH * K)


def _smallest_indices(zabs, k: int, kth: float) -> np.ndarray:
    """Indices of the k smallest entries of ``zabs`` (the k-th smallest is ``kth``), increasing, ties by index."""
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.flatnonzero(zabs <= kth)  # k of them, or more when the k-th value is tied
    return candidates[np.argsort(zabs[candidates], kind="stable")][:k]


def worst_case_gap_from_projections(z, a, B, *, x_norm=1.0, sign=1, relu_prime_at_zero=0.0, k_start=None):
    """Return the exact sup (or inf) of f - f_0 over ||W - W0||_F <= B from the projections z = W0 x.

    Theorem ``thm-worst-case``: with z_(1) <= z_(2) <= ... the sorted abs(z_i) over the neurons with
    a_i = ``sign``, the supremum (``sign=+1``) is max_{k >= 0} [B ||x|| sqrt(k) - sum_{i <= k} z_(i)],
    and the infimum (``sign=-1``) is minus the same maximum over the a_i = -1 neurons. Nothing else
    about W0 matters, so for Gaussian W0 the projections can be sampled directly (rotational
    invariance, :func:`sample_projections`) and W0 never stored.

    Parameters
    ----------
    z : (m,) ndarray
        Projections w_{0,i}^T x (signed: the sign says which way each neuron must move).
    a : (m,) ndarray
        Outer weights, entries in {-1, +1}.
    B : float
        Radius of the Frobenius ball, ``B >= 0``.
    x_norm : float, default 1.0
        ||x||, ``>= 0``.
    sign : {+1, -1}, default +1
        +1 for the supremum, -1 for the infimum.
    relu_prime_at_zero : {0.0, 1.0}, default 0.0
        The convention sigma'(0); it only decides which way a neuron with z_i = 0 exactly moves.
    k_start : int, optional
        Initial selection size K (default 2 (B n)^{2/3} + 32 for n eligible neurons). The answer
        does not depend on it: K grows (times 4) until the maximizing k is below K.

    Returns
    -------
    ProjectedWorstCase
        ``value``, ``k``, ``moved`` (indices), ``moves`` (the changes of w_i^T x), ``K``.

    Raises
    ------
    ValueError, TypeError
        On shapes that differ, entries of ``a`` outside {-1, +1}, ``B < 0``, a bad ``sign``.

    Notes
    -----
    Cost: one pass over z and a selection of O((B m)^{2/3}) values, O(m) in all (a full sort
    would be O(m log m)). The answer is exact: the objective is concave in k (its increments
    B ||x|| (sqrt(k) - sqrt(k - 1)) - z_(k) decrease), so a maximum reached at k < K is global.

    Examples
    --------
    >>> res = worst_case_gap_from_projections(np.array([0.5, -0.1, 0.2, 3.0]), np.array([1, 1, -1, 1]), 1.0)
    >>> round(res.value, 4), res.k, res.moved.tolist(), res.moves.round(4).tolist()
    (0.9, 1, [1], [1.0])
    """
    z = as_array("z", z, ndim=(1,))
    a = _check_outer(a, z.shape[0])
    B = check_real("B", B, low=0.0)
    x_norm = check_real("x_norm", x_norm, low=0.0)
    sign = _check_sign(sign)
    prime0 = _check_prime_at_zero(relu_prime_at_zero)
    eligible = a == sign
    n = int(np.count_nonzero(eligible))
    if n == 0:
        return ProjectedWorstCase(0.0, 0, np.zeros(0, dtype=np.int64), np.zeros(0), 0)
    zabs = np.abs(z)
    zabs[~eligible] = np.inf  # ineligible neurons are never selected; no copy of the eligible subset
    K = _initial_selection(n, B, k_start)
    value, k, K, kth = _certified_max(zabs, n, B, x_norm, K)
    moved = _smallest_indices(zabs, k, kth)
    z_moved = z[moved]
    up = (z_moved < 0) | ((z_moved == 0) & (prime0 == 0.0))  # off neurons move up, on neurons down
    step = B * x_norm / math.sqrt(k) if k else 0.0
    moves = np.where(up, step, -step)
    return ProjectedWorstCase(sign * value, k, moved, moves, K)


def worst_case_gap(W0, a, x, B, *, sign=1, relu_prime_at_zero=0.0):
    """Return the exact sup (or inf) of (f - f_0)(x; W) over ||W - W0||_F <= B, with an optimal W.

    Theorem ``thm-worst-case`` (chapter ``ch-main-lemma``). The optimal W moves the k neurons
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

    Returns
    -------
    WorstCase
        ``value``, ``k``, ``moved``, ``moves`` and the maximizer ``W``.

    Notes
    -----
    The work is one matrix-vector product W0 x and a selection among m numbers: nothing of size
    (m, m) or (n, m). The maximizer ``W`` (a copy of W0 with k rows moved) is built only when read.

    Examples
    --------
    >>> W0 = np.array([[0.1, 1.0], [-0.2, 0.0], [2.0, 0.0]]); a = np.array([1.0, 1.0, 1.0])
    >>> res = worst_case_gap(W0, a, np.array([1.0, 0.0]), 1.0)
    >>> round(res.value, 4), res.k, res.W.round(4).tolist()
    (1.1142, 2, [[-0.6071, 1.0], [0.5071, 0.0], [2.0, 0.0]])
    """
    W0 = as_array("W0", W0, ndim=(2,), finite=False)  # finiteness is checked on W0 x below, in one pass
    a = as_array("a", a, ndim=(1,))
    if a.shape[0] != W0.shape[0]:
        raise ValueError(
            f"The 'a' parameter must have one entry per row of 'W0' ({W0.shape[0]}). Got {a.shape[0]} entries."
        )
    X2, single = check_inputs(x, W0.shape[1], name="x")
    if not single:
        raise ValueError(f"The 'x' parameter must be one input of shape ({W0.shape[1]},). Got shape {X2.shape}.")
    x = X2[0]
    z = W0 @ x
    if not np.all(np.isfinite(z)):
        raise ValueError("The 'W0' parameter must contain only finite values. Got NaN or inf.")
    x_norm = float(np.linalg.norm(x))
    res = worst_case_gap_from_projections(z, a, B, x_norm=x_norm, sign=sign, relu_prime_at_zero=relu_prime_at_zero)
    return WorstCase(res.value, res.k, res.moved, res.moves, W0, x)


def sample_projections(m, *, x_norm=1.0, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Draw (z, a) with z = W0 x for W0 with iid N(0, I_d) rows, without forming W0.

    By rotational invariance the w_{0,i}^T x are iid N(0, ||x||^2) whatever d and the
    direction of x (Lemma ``lem-anticoncentration``); a_i are iid uniform on {-1, +1}.
    Together with :func:`worst_case_gap_from_projections` this gives the exact worst case
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
    m = check_int("m", m)
    x_norm = check_real("x_norm", x_norm, low=0.0)
    rng = np.random.default_rng(rng)
    z = rng.standard_normal(m)
    if x_norm != 1.0:
        z *= x_norm
    a = 2.0 * rng.integers(0, 2, size=m) - 1.0
    return z, a


def worst_case_constant() -> float:
    """Return c = (3/4) (2 sqrt(2 pi))^{-1/3} ~ 0.4382, the constant of the worst case's growth.

    For W0 with iid N(0, I_d) rows and a_i uniform on {-1, +1}, about m/2 neurons are eligible and
    their abs(w_{0,i}^T x) / ||x|| have density (m/2) 2 phi(0) = m / sqrt(2 pi) near 0, so
    sum_{i <= k} z_(i) ~ ||x|| k^2 sqrt(2 pi) / (2 m). Maximizing B ||x|| sqrt(k) minus that over k
    gives k* = (B m / (2 sqrt(2 pi)))^{2/3} and the value c ||x|| B^{4/3} m^{1/3}
    (chapter ``ch-main-lemma``, where sympy derives it).

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
    """Return c ||x|| B^{4/3} m^{1/3}, the large-m value of the exact worst case (c = :func:`worst_case_constant`).

    Parameters
    ----------
    m : float
        Width, ``> 0`` (a float, so that curves can be drawn).
    B : float
        Radius, ``>= 0``.
    x_norm : float, default 1.0
        ||x||, ``>= 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(worst_case_asymptotic(1e6, 1.0), 4)
    43.8216
    """
    m = check_real("m", m, low=0.0, low_open=True)
    B = check_real("B", B, low=0.0)
    x_norm = check_real("x_norm", x_norm, low=0.0)
    return worst_case_constant() * x_norm * B ** (4.0 / 3.0) * m ** (1.0 / 3.0)
