"""Near-zero pre-activations at initialization: counts, anti-concentration bounds, sign flips.

The objects of Lemma ``lem-anticoncentration`` (chapter ``ch-anticoncentration``) and of the
flip counting of chapter ``ch-relu-identity``:

- N = #{i : abs(w_{0,i}^T x) <= tau ||x||}, the size of the bad set S_1 (:func:`~nearinit.near_zero_count`);
- p = P(abs(g) <= tau) = erf(tau / sqrt 2) for g ~ N(0, 1) (:func:`~nearinit.anticoncentration_prob`), so that
  N ~ Binomial(m, p) by rotational invariance (:func:`~nearinit.householder_first_row`);
- the chain of upper bounds on N holding with probability >= 1 - delta (:func:`~nearinit.near_zero_bounds`) and
  the exact binomial quantile and tail (:func:`~nearinit.binomial_quantile`, :func:`~nearinit.binomial_tail`);
- the largest number of neurons a perturbation of Frobenius norm B can flip (:func:`~nearinit.max_flips`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import special, stats

from ._validation import as_array, check_inputs, check_int, check_real

__all__ = [
    "NearZeroBounds",
    "anticoncentration_prob",
    "binomial_chi2_pvalue",
    "binomial_quantile",
    "binomial_tail",
    "hoeffding_upper",
    "householder_first_row",
    "max_flips",
    "near_zero_bounds",
    "near_zero_count",
    "sample_near_zero_counts",
]

_CHUNK = 1 << 22  # Gaussian draws generated at once by sample_near_zero_counts


def _check_delta(delta) -> float:
    return check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)


def _check_tau(tau) -> float:
    return check_real("tau", tau, low=0.0, low_open=True)


def near_zero_count(W0, x, tau):
    """Return N = #{i : abs(w_{0,i}^T x) <= tau ||x||}, the size of the bad set S_1.

    Parameters
    ----------
    W0 : (m, d) ndarray
        Initial first layer, rows ``w_{0,i}``.
    x : (d,) or (n, d) ndarray
        One nonzero input, or nonzero inputs as rows.
    tau : float
        Threshold, ``tau > 0`` (in units of ``||x||``).

    Returns
    -------
    int, or (n,) int ndarray for several inputs.

    Raises
    ------
    ValueError
        If ``tau <= 0``, an input is zero (every neuron would be counted, erratum
        ``erratum-gaussian``) or the shapes do not match.

    Notes
    -----
    Lemma ``lem-anticoncentration``: for W0 with iid N(0, I_d) rows, N ~ Binomial(m, p) with
    p = :func:`~nearinit.anticoncentration_prob` ``(tau)``, whatever the direction of x.

    Examples
    --------
    >>> W0 = np.array([[1.0, 0.0], [0.1, 5.0], [-0.2, 1.0]])
    >>> near_zero_count(W0, np.array([2.0, 0.0]), 0.5)
    2
    """
    W0 = as_array("W0", W0, ndim=(2,))
    X2, single = check_inputs(x, W0.shape[1], name="x")
    tau = _check_tau(tau)
    norms = np.linalg.norm(X2, axis=1)
    if np.any(norms == 0):
        raise ValueError("The 'x' parameter must be nonzero (for x = 0 every neuron is counted). Got a zero input.")
    counts = np.count_nonzero(np.abs(X2 @ W0.T) <= tau * norms[:, None], axis=1)
    return int(counts[0]) if single else counts


def anticoncentration_prob(tau) -> float:
    """Return p = P(abs(g) <= tau) = erf(tau / sqrt 2) for g ~ N(0, 1).

    Parameters
    ----------
    tau : float
        ``tau > 0``.

    Returns
    -------
    float
        The exact probability; it satisfies p <= tau sqrt(2/pi) <= tau (Lemma
        ``lem-anticoncentration``: the Gaussian density is at most 1/sqrt(2 pi)).

    Examples
    --------
    >>> round(anticoncentration_prob(1.0), 6)
    0.682689
    """
    tau = _check_tau(tau)
    return float(special.erf(tau / math.sqrt(2.0)))


def hoeffding_upper(m, p, delta) -> float:
    """Return m p + sqrt((m / 2) ln(1 / delta)), Hoeffding's one-sided upper bound.

    For N a sum of m independent indicators with mean p each, P(N > m p + t) <= exp(-2 t^2 / m)
    (:cite:`hoeffding1963`); t = sqrt((m / 2) ln(1 / delta)) makes the right side delta.

    Parameters
    ----------
    m : int
        Number of indicators, ``m >= 1``.
    p : float
        Their mean (or an upper bound on it), in [0, 1].
    delta : float
        Failure probability, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> round(hoeffding_upper(100, 0.1, np.exp(-2.0)), 6)
    20.0
    """
    m = check_int("m", m)
    p = check_real("p", p, low=0.0, high=1.0)
    delta = _check_delta(delta)
    return m * p + math.sqrt(0.5 * m * math.log(1.0 / delta))


class NearZeroBounds(NamedTuple):
    """The chain of upper bounds on N of Lemma ``lem-anticoncentration``, tightest first.

    Attributes
    ----------
    exact_p : float
        m p + sqrt((m/2) ln(1/delta)) with p = erf(tau / sqrt 2).
    density : float
        m tau sqrt(2/pi) + sqrt((m/2) ln(1/delta)) (the density bound p <= tau sqrt(2/pi)).
    unit : float
        m tau + sqrt((m/2) ln(1/delta)) (the lemma as the handwritten notes state it).
    slides : float
        m tau + sqrt(m ln(1/delta)) (the slides' form, erratum ``erratum-hoeffding``).
    """

    exact_p: float
    density: float
    unit: float
    slides: float


def near_zero_bounds(m, tau, delta) -> NearZeroBounds:
    """Return the four upper bounds on N that each hold with probability >= 1 - delta.

    Parameters
    ----------
    m : int
        Width, ``m >= 1``.
    tau : float
        Threshold, ``tau > 0``.
    delta : float
        Failure probability, in (0, 1).

    Returns
    -------
    NearZeroBounds
        ``exact_p <= density <= unit <= slides``.

    Examples
    --------
    >>> b = near_zero_bounds(1000, 0.05, 0.05)
    >>> [round(v, 2) for v in b]
    [78.58, 78.6, 88.7, 104.73]

    Notes
    -----
    ``exact_p <= density`` because erf(t / sqrt 2) <= t sqrt(2/pi) for t >= 0; the gap is of
    order m tau^3, tiny for small tau (above: 0.02). The large steps are tau sqrt(2/pi) -> tau
    (a factor 1.25 on the mean term) and the slides' sqrt 2 on the deviation term.
    """
    m = check_int("m", m)
    tau = _check_tau(tau)
    delta = _check_delta(delta)
    log_term = math.log(1.0 / delta)
    half = math.sqrt(0.5 * m * log_term)
    p = anticoncentration_prob(tau)
    return NearZeroBounds(
        exact_p=m * p + half,
        density=m * tau * math.sqrt(2.0 / math.pi) + half,
        unit=m * tau + half,
        slides=m * tau + math.sqrt(m * log_term),
    )


def binomial_tail(m, p, k):
    """Return P(N > k) for N ~ Binomial(m, p), the exact failure probability of the bound k.

    Parameters
    ----------
    m : int
        ``m >= 1``.
    p : float
        In [0, 1].
    k : float or ndarray
        Thresholds (non-integers are floored: N > k iff N > floor(k)).

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> float(binomial_tail(2, 0.5, 0))
    0.75
    """
    m = check_int("m", m)
    p = check_real("p", p, low=0.0, high=1.0)
    k = as_array("k", k, ndim=(0, 1))
    out = stats.binom.sf(np.floor(k), m, p)
    return float(out) if out.ndim == 0 else out


def binomial_quantile(m, p, delta) -> int:
    """Return the smallest integer k with P(N > k) <= delta, N ~ Binomial(m, p).

    This is the tightest bound on N holding with probability >= 1 - delta; Hoeffding's bound
    (:func:`~nearinit.hoeffding_upper`) is always at least as large.

    Parameters
    ----------
    m : int
        ``m >= 1``.
    p : float
        In [0, 1].
    delta : float
        In (0, 1).

    Returns
    -------
    int

    Examples
    --------
    >>> binomial_quantile(2, 0.5, 0.2)
    2
    >>> binomial_quantile(2, 0.5, 0.25)
    1
    """
    m = check_int("m", m)
    p = check_real("p", p, low=0.0, high=1.0)
    delta = _check_delta(delta)
    k = int(stats.binom.ppf(1.0 - delta, m, p))
    # ppf works in floating point; step to the exact smallest k with sf(k) <= delta.
    while k > 0 and stats.binom.sf(k - 1, m, p) <= delta:
        k -= 1
    while stats.binom.sf(k, m, p) > delta:
        k += 1
    return k


def householder_first_row(x) -> np.ndarray:
    """Return an orthogonal (d, d) matrix M whose first row is x / ||x||.

    Then (M w)_1 = w^T x / ||x|| and M x = ||x|| e_1: the rotation step of Lemma
    ``lem-anticoncentration`` (erratum ``erratum-rotation``). M is a Householder reflection
    with its first row's sign fixed, built from the numerically stable reflector.

    Parameters
    ----------
    x : (d,) ndarray
        Nonzero vector.

    Returns
    -------
    M : (d, d) ndarray
        ``M @ M.T == I`` and ``M[0] == x / ||x||`` up to rounding.

    Raises
    ------
    ValueError
        If ``x`` is zero.

    Examples
    --------
    >>> M = householder_first_row(np.array([3.0, 4.0]))
    >>> M[0], np.allclose(M @ M.T, np.eye(2))
    (array([0.6, 0.8]), True)
    """
    x = as_array("x", x, ndim=(1,))
    nrm = float(np.linalg.norm(x))
    if nrm == 0:
        raise ValueError("The 'x' parameter must be a nonzero vector. Got the zero vector.")
    u = x / nrm
    s = 1.0 if u[0] >= 0 else -1.0
    v = u.copy()
    v[0] += s  # abs(v_1) >= 1: no cancellation
    M = np.eye(x.size) - np.outer(v, v) / (1.0 + s * u[0])  # 2 / v^T v = 1 / (1 + s u_1)
    M[0] *= -s  # the reflection maps e_1 to -s u; flip the first row to get u
    return M


def sample_near_zero_counts(m, tau, n_draws, *, rng=None) -> np.ndarray:
    """Draw ``n_draws`` independent copies of N for W0 with iid N(0, I_d) rows.

    By rotational invariance w_{0,i}^T x / ||x|| are iid N(0, 1) whatever x != 0 and d are
    (Lemma ``lem-anticoncentration``), so the projections are sampled directly, in chunks,
    without forming W0.

    Parameters
    ----------
    m : int
        Width, ``m >= 1``.
    tau : float
        Threshold, ``tau > 0``.
    n_draws : int
        Number of initializations, ``>= 1``.
    rng : None, int or numpy.random.Generator
        Normalized by ``np.random.default_rng``.

    Returns
    -------
    (n_draws,) int ndarray

    Examples
    --------
    >>> sample_near_zero_counts(50, 0.1, 4, rng=0).shape
    (4,)
    """
    m = check_int("m", m)
    tau = _check_tau(tau)
    n_draws = check_int("n_draws", n_draws)
    rng = np.random.default_rng(rng)
    out = np.empty(n_draws, dtype=np.int64)
    step = max(1, _CHUNK // m)
    for lo in range(0, n_draws, step):
        hi = min(n_draws, lo + step)
        g = rng.standard_normal((hi - lo, m))
        out[lo:hi] = np.count_nonzero(np.abs(g) <= tau, axis=1)
    return out


def max_flips(z, B, *, x_norm=1.0) -> int:
    """Return the largest number of neurons a perturbation with ||W - W0||_F <= B can flip.

    Flipping neuron i (moving w_i^T x to the strictly opposite sign of z_i = w_{0,i}^T x) needs
    ||w_i - w_{0,i}|| ||x|| >= abs((w_i - w_{0,i})^T x) > abs(z_i), and moving w_i along x by just over
    abs(z_i) / ||x|| achieves it. So the maximum is the largest k with
    sum_{i <= k} (z_(i) / ||x||)^2 < B^2, over the sorted abs(z_(1)) <= abs(z_(2)) <= ... (chapter
    ``ch-relu-identity``). Entries with z_i = 0 cannot be strictly flipped and are skipped
    (with Gaussian W0 they have probability zero).

    Parameters
    ----------
    z : (m,) ndarray
        Projections w_{0,i}^T x (signs are ignored).
    B : float
        Frobenius budget, ``B >= 0``.
    x_norm : float, default 1.0
        ||x||, ``> 0``.

    Returns
    -------
    int

    Examples
    --------
    >>> max_flips(np.array([0.3, -0.4, 2.0]), 0.5)
    1
    >>> max_flips(np.array([0.3, -0.4, 2.0]), 0.51)
    2
    """
    z = as_array("z", z, ndim=(1,))
    B = check_real("B", B, low=0.0)
    x_norm = check_real("x_norm", x_norm, low=0.0, low_open=True)
    zs = np.sort(np.abs(z[z != 0])) / x_norm
    return int(np.count_nonzero(np.cumsum(zs**2) < B**2))


def binomial_chi2_pvalue(counts, m, p, *, min_expected=5.0) -> float:
    """Pearson chi-square goodness-of-fit p-value of integer ``counts`` against Binomial(m, p).

    The two tails are pooled into one bin each, so that every bin expects at least
    ``min_expected`` observations (the usual validity rule of the chi-square approximation);
    the bins in between are single values of k.

    Parameters
    ----------
    counts : (n,) int ndarray
        Observed counts in {0, ..., m}.
    m : int
        ``m >= 1``.
    p : float
        In (0, 1).
    min_expected : float, default 5.0
        Expected observations in each tail bin, ``> 0``.

    Returns
    -------
    float
        Uniform on (0, 1) (approximately) when the counts are Binomial(m, p); small otherwise.

    Examples
    --------
    >>> counts = np.random.default_rng(0).binomial(50, 0.3, size=2000)
    >>> binomial_chi2_pvalue(counts, 50, 0.3) > 0.01, binomial_chi2_pvalue(counts, 50, 0.33) < 1e-6
    (True, True)
    """
    counts = as_array("counts", counts, ndim=(1,))
    m = check_int("m", m)
    p = check_real("p", p, low=0.0, high=1.0, low_open=True, high_open=True)
    min_expected = check_real("min_expected", min_expected, low=0.0, low_open=True)
    n = counts.size
    k = np.arange(m + 1)
    left = n * stats.binom.cdf(k, m, p) >= min_expected  # the bin {0, ..., k} is large enough
    right = n * stats.binom.sf(k - 1, m, p) >= min_expected  # the bin {k, ..., m} is large enough
    lo = int(np.argmax(left))
    hi = int(m - np.argmax(right[::-1]))
    if not (left.any() and right.any()) or hi <= lo + 1:
        raise ValueError(f"The 'counts' parameter is too short for a chi-square test (n = {n}); draw more counts.")
    edges = np.concatenate([[-0.5], np.arange(lo, hi) + 0.5, [m + 0.5]])
    observed = np.histogram(counts, bins=edges)[0]
    expected = n * np.diff(stats.binom.cdf(edges, m, p))
    return float(stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue)
