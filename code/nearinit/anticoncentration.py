"""Near-zero pre-activations at initialization: the anti-concentration lemma (:ref:`ch-anticoncentration`).

The objects of :prf:ref:`lem-anticoncentration`:

- N = #{i : abs(w_{0,i}^T x) <= tau ||x||}, the size of the bad set S_1 (:func:`~nearinit.near_zero_count`; the
  set itself is built by :func:`~nearinit.near_zero_set`, which :func:`~nearinit.bad_set` uses too);
- p = P(abs(g) <= tau) = erf(tau / sqrt 2) for g ~ N(0, 1) (:func:`~nearinit.anticoncentration_prob`,
  :prf:ref:`lem-density`), so that N ~ Binomial(m, p) by rotational invariance
  (:func:`~nearinit.householder_first_row`, :prf:ref:`lem-rotation`);
- Hoeffding's deviation term sqrt((m/2) ln(1/delta)) (:func:`~nearinit.hoeffding_deviation`,
  :prf:ref:`lem-hoeffding`), the one place it is computed; the chain of upper bounds on N holding with probability
  >= 1 - delta (:func:`~nearinit.near_zero_bounds`) and the exact binomial quantile and tail
  (:func:`~nearinit.binomial_quantile`, :func:`~nearinit.binomial_tail`), and the exact (Clopper-Pearson)
  confidence interval of a binomial proportion (:func:`~nearinit.clopper_pearson`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import special

from ._validation import (
    as_array,
    by_rows,
    check_delta,
    check_inputs,
    check_int,
    check_layer,
    check_positive,
    check_real,
    check_rng,
    check_width,
)

__all__ = [
    "NearZeroBounds",
    "anticoncentration_prob",
    "binomial_chi2_pvalue",
    "binomial_quantile",
    "binomial_tail",
    "clopper_pearson",
    "hoeffding_deviation",
    "hoeffding_upper",
    "householder_first_row",
    "near_zero_bounds",
    "near_zero_count",
    "near_zero_set",
    "sample_near_zero_counts",
]

_CHUNK = 1 << 22  # Gaussian draws generated at once by sample_near_zero_counts
_MAX_DRAWS = 2 * 10**8  # sample_near_zero_counts refuses more Gaussian draws than this (seconds of work; chunked)
_MAX_DIM = 8192  # householder_first_row refuses a (d, d) matrix beyond this (512 MiB)
_MAX_CHI2_WIDTH = 10**7  # binomial_chi2_pvalue bins single values of k: m + 1 of them at most


def _check_tau(tau) -> float:
    return check_positive("tau", tau)


def _near_zero_mask(W0, X2, tau: float) -> np.ndarray:
    """(n, m) booleans abs(w_{0,i}^T x_j) <= tau ||x_j|| for checked arguments; a zero input is refused."""
    norms = np.linalg.norm(X2, axis=1)
    if np.any(norms == 0):
        raise ValueError("The 'x' parameter must be nonzero (for x = 0 every neuron is near zero). Got a zero input.")
    return np.abs(X2 @ W0.T) <= tau * norms[:, None]


def near_zero_set(W0, x, tau) -> np.ndarray:
    """Return S_1 = {i : abs(w_{0,i}^T x) <= tau ||x||}, the near-zero neurons, as sorted indices.

    The first bad set of the proofs of :prf:ref:`lem-main` and :prf:ref:`thm-general-base`, built from the
    initialization W0 (:ref:`erratum-telgarsky`); its size is :func:`near_zero_count`.

    Parameters
    ----------
    W0 : (m, d) ndarray
        Initial first layer, rows ``w_{0,i}``.
    x : (d,) ndarray
        One nonzero input.
    tau : float
        Threshold, ``tau > 0`` (in units of ``||x||``).

    Returns
    -------
    ndarray of int

    Raises
    ------
    ValueError
        If ``tau <= 0``, ``x`` is zero or the shapes do not match.

    Examples
    --------
    >>> near_zero_set(np.array([[1.0, 0.0], [0.1, 5.0], [-0.2, 1.0]]), np.array([2.0, 0.0]), 0.5).tolist()
    [1, 2]
    """
    W0 = check_layer("W0", W0)
    X2, single = check_inputs(x, W0.shape[1], name="x")
    if not single:
        raise ValueError(f"The 'x' parameter must be one input of shape ({W0.shape[1]},). Got shape {X2.shape}.")
    return np.flatnonzero(_near_zero_mask(W0, X2, _check_tau(tau))[0])


def near_zero_count(W0, x, tau):
    """Return N = #{i : abs(w_{0,i}^T x) <= tau ||x||}, the size of the bad set S_1 (:prf:ref:`lem-anticoncentration`).

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
        :ref:`erratum-gaussian`) or the shapes do not match.

    Notes
    -----
    :prf:ref:`lem-anticoncentration`: for W0 with iid N(0, I_d) rows, N ~ Binomial(m, p) with
    p = :func:`~nearinit.anticoncentration_prob` ``(tau)``, whatever the direction of x.

    Examples
    --------
    >>> W0 = np.array([[1.0, 0.0], [0.1, 5.0], [-0.2, 1.0]])
    >>> near_zero_count(W0, np.array([2.0, 0.0]), 0.5)
    2
    """
    W0 = check_layer("W0", W0)
    X2, single = check_inputs(x, W0.shape[1], name="x")
    tau = _check_tau(tau)
    count = lambda rows: np.count_nonzero(_near_zero_mask(W0, rows, tau), axis=1)  # noqa: E731
    counts = by_rows(count, X2, W0.shape[0], parts=2)  # pragma: no mutate (equivalent: the chunking, not the counts)
    return int(counts[0]) if single else counts


def anticoncentration_prob(tau) -> float:
    """Return p = P(abs(g) <= tau) = erf(tau / sqrt 2) for g ~ N(0, 1) (:prf:ref:`lem-density`).

    Parameters
    ----------
    tau : float
        ``tau > 0``.

    Returns
    -------
    float
        The exact probability; it satisfies p <= tau sqrt(2/pi) <= tau (:prf:ref:`lem-density`: the
        Gaussian density is at most 1/sqrt(2 pi)).

    Examples
    --------
    >>> round(anticoncentration_prob(1.0), 6)
    0.682689
    """
    tau = _check_tau(tau)
    return float(special.erf(tau / math.sqrt(2.0)))


def hoeffding_deviation(m, delta) -> float:
    """Return sqrt((m / 2) ln(1 / delta)), the deviation term of Hoeffding's bound (:prf:ref:`lem-hoeffding`).

    The one place this term is computed: :func:`hoeffding_upper`, :func:`near_zero_bounds` and the bounds of
    :prf:ref:`lem-main` and :prf:ref:`thm-general-base` call it.

    Parameters
    ----------
    m : int
        Number of indicators, ``1 <= m <= 10**15``.
    delta : float
        Failure probability, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> hoeffding_deviation(8, math.exp(-1.0))
    2.0
    """
    m = check_width("m", m)
    return math.sqrt(0.5 * m * math.log(1.0 / check_delta(delta)))


def _stats():
    """scipy.stats, imported on first use: it costs about 0.5 s, which every kernel and autograded submission that
    uses only the counts and bounds of this module would otherwise pay."""
    from scipy import stats

    return stats


def hoeffding_upper(m, p, delta) -> float:
    """Return m p + sqrt((m / 2) ln(1 / delta)), Hoeffding's one-sided upper bound (:prf:ref:`lem-hoeffding`).

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
    m = check_width("m", m)
    p = check_real("p", p, low=0.0, high=1.0)
    return m * p + hoeffding_deviation(m, delta)


class NearZeroBounds(NamedTuple):
    """The chain of upper bounds on N of :prf:ref:`lem-anticoncentration`, tightest first.

    Attributes
    ----------
    exact_p : float
        m p + sqrt((m/2) ln(1/delta)) with p = erf(tau / sqrt 2).
    density : float
        m tau sqrt(2/pi) + sqrt((m/2) ln(1/delta)) (the density bound p <= tau sqrt(2/pi)).
    unit : float
        m tau + sqrt((m/2) ln(1/delta)) (the lemma as the handwritten notes state it).
    slides : float
        m tau + sqrt(m ln(1/delta)) (the slides' form, :ref:`erratum-hoeffding`).
    """

    exact_p: float
    density: float
    unit: float
    slides: float


def near_zero_bounds(m, tau, delta) -> NearZeroBounds:
    """Return the four upper bounds on N that each hold with probability >= 1 - delta.

    The chain of :prf:ref:`lem-anticoncentration`.

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
    m = check_width("m", m)
    tau = _check_tau(tau)
    half = hoeffding_deviation(m, delta)
    p = anticoncentration_prob(tau)
    return NearZeroBounds(
        exact_p=m * p + half,
        density=m * tau * math.sqrt(2.0 / math.pi) + half,
        unit=m * tau + half,
        slides=m * tau + math.sqrt(2.0) * half,  # sqrt(m ln(1/delta))
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
    m = check_width("m", m)
    p = check_real("p", p, low=0.0, high=1.0)
    k = as_array("k", k, ndim=(0, 1))
    out = _stats().binom.sf(np.floor(k), m, p)
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
    m = check_width("m", m)
    p = check_real("p", p, low=0.0, high=1.0)
    delta = check_delta(delta)
    # Bisection on the decreasing k -> P(N > k): sf(hi) <= delta < sf(lo - 1) throughout, O(log m) steps for
    # every delta (starting from the ppf and stepping would walk from m when 1 - delta rounds to 1).
    lo, hi = 0, m  # P(N > m) = 0 <= delta
    while lo < hi:
        mid = (lo + hi) // 2
        if _stats().binom.sf(mid, m, p) <= delta:
            hi = mid
        else:
            lo = mid + 1
    return lo


def householder_first_row(x) -> np.ndarray:
    """Return an orthogonal (d, d) matrix M whose first row is x / ||x||.

    Then (M w)_1 = w^T x / ||x|| and M x = ||x|| e_1: the rotation step :prf:ref:`lem-rotation` of
    :prf:ref:`lem-anticoncentration` (:ref:`erratum-rotation`). M is a Householder reflection
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
        If ``x`` is zero, or d > 8192 (the matrix would take more than 512 MiB; refused before allocating).

    Examples
    --------
    >>> M = householder_first_row(np.array([3.0, 4.0]))
    >>> M[0], np.allclose(M @ M.T, np.eye(2))
    (array([0.6, 0.8]), True)
    """
    x = as_array("x", x, ndim=(1,))
    check_int("len(x)", x.size, high=_MAX_DIM)
    nrm = float(np.linalg.norm(x))
    if nrm == 0:
        raise ValueError("The 'x' parameter must be a nonzero vector. Got the zero vector.")
    u = x / nrm
    s = math.copysign(1.0, u[0])  # the sign of u_1 (either sign at u_1 = 0)
    v = u.copy()
    v[0] += s  # abs(v_1) >= 1: no cancellation
    M = np.eye(x.size) - np.outer(v, v) / (1.0 + s * u[0])  # 2 / v^T v = 1 / (1 + s u_1)
    M[0] = -s * M[0]  # the reflection maps e_1 to -s u; flip the first row to get u
    return M


def sample_near_zero_counts(m, tau, n_draws, *, rng=None) -> np.ndarray:
    """Draw ``n_draws`` independent copies of N for W0 with iid N(0, I_d) rows.

    By rotational invariance w_{0,i}^T x / ||x|| are iid N(0, 1) whatever x != 0 and d are
    (:prf:ref:`lem-rotation`), so the projections are sampled directly, in chunks,
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

    Raises
    ------
    ValueError
        If ``m * n_draws > 2 * 10**8`` (refused before drawing; memory is bounded by chunks of 2**22 draws).

    Examples
    --------
    >>> sample_near_zero_counts(50, 0.1, 4, rng=0).shape
    (4,)
    """
    m = check_width("m", m)
    tau = _check_tau(tau)
    n_draws = check_int("n_draws", n_draws)
    if m * n_draws > _MAX_DRAWS:
        raise ValueError(
            f"The 'm' and 'n_draws' parameters ask for m * n_draws = {m * n_draws:.3g} Gaussian draws, more than "
            f"{_MAX_DRAWS:.0e}; draw the counts from Binomial(m, anticoncentration_prob(tau)) instead."
        )
    rng = check_rng(rng)
    out = np.empty(n_draws, dtype=np.int64)
    rows = max(1, _CHUNK // m)  # whole rows per call when a row fits in a chunk
    cols = min(m, _CHUNK)  # otherwise each row is drawn in chunks of columns (the same stream)
    for lo in range(0, n_draws, rows):
        hi = min(n_draws, lo + rows)
        counts = np.zeros(hi - lo, dtype=np.int64)  # pragma: no mutate (equivalent: float64 holds these counts exactly)
        for c0 in range(0, m, cols):
            g = rng.standard_normal((hi - lo, min(cols, m - c0)))
            counts += np.count_nonzero(np.abs(g) <= tau, axis=1)  # pragma: no mutate (equivalent: P(|g| = tau) = 0)
        out[lo:hi] = counts
    return out


def binomial_chi2_pvalue(counts, m, p, *, min_expected=5.0) -> float:
    """Pearson chi-square goodness-of-fit p-value of integer ``counts`` against Binomial(m, p).

    The two tails are pooled into one bin each, so that every bin expects at least
    ``min_expected`` observations (the usual validity rule of the chi-square approximation);
    the bins in between are single values of k.

    Parameters
    ----------
    counts : (n,) int ndarray
        Observed counts, integers in {0, ..., m}.
    m : int
        ``1 <= m <= 10**7``.
    p : float
        In (0, 1).
    min_expected : float, default 5.0
        Expected observations in each tail bin, ``> 0``.

    Returns
    -------
    float
        Uniform on (0, 1) (approximately) when the counts are Binomial(m, p); small otherwise.

    Raises
    ------
    ValueError
        If a count is not an integer in {0, ..., m} (it would fall outside every bin), there are too few
        counts for the test, or the expected frequencies underflow (the p-value would be NaN).

    Examples
    --------
    >>> counts = np.random.default_rng(0).binomial(50, 0.3, size=2000)
    >>> binomial_chi2_pvalue(counts, 50, 0.3) > 0.01, binomial_chi2_pvalue(counts, 50, 0.33) < 1e-6
    (True, True)
    """
    counts = as_array("counts", counts, ndim=(1,))
    m = check_int("m", m, high=_MAX_CHI2_WIDTH)
    bad = np.flatnonzero((counts != np.round(counts)) | (counts < 0) | (counts > m))
    if bad.size:
        raise ValueError(
            f"The 'counts' parameter must hold integers in {{0, ..., {m}}}. Got counts[{bad[0]}] = "
            f"{float(counts[bad[0]])!r} ({bad.size} such entries)."
        )
    p = check_real("p", p, low=0.0, high=1.0, low_open=True, high_open=True)
    min_expected = check_real("min_expected", min_expected, low=0.0, low_open=True)
    n = counts.size
    stats = _stats()
    k = np.arange(m + 1)
    left = n * stats.binom.cdf(k, m, p) >= min_expected  # the bin {0, ..., k} is large enough
    right = n * stats.binom.sf(k - 1, m, p) >= min_expected  # the bin {k, ..., m} is large enough
    lo = int(np.argmax(left))
    hi = int(m - np.argmax(right[::-1]))
    if not left.any() or hi <= lo + 1:  # left.any() == right.any() == (n >= min_expected)
        raise ValueError(f"The 'counts' parameter is too short for a chi-square test (n = {n}); draw more counts.")
    inner = np.arange(lo, hi) + 0.5
    edges = np.concatenate([[-0.5], inner, [m + 0.5]])  # pragma: no mutate (equivalent: counts are in 0..m)
    observed = np.histogram(counts, bins=edges)[0]
    expected = n * np.diff(stats.binom.cdf(edges, m, p))
    if not np.all(expected > 0):  # pragma: no mutate (equivalent: defensive, every bin expects >= min_expected > 0)
        raise ValueError(
            f"The expected bin frequencies of Binomial({m}, {p!r}) underflow."
        )  # pragma: no mutate (unreachable guard)
    pvalue = float(stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue)
    if not math.isfinite(pvalue):
        raise ValueError(
            f"The chi-square p-value is not finite for Binomial({m}, {p!r})."
        )  # pragma: no mutate (unreachable guard)
    return pvalue


def clopper_pearson(k, n, *, confidence=0.95) -> tuple[float, float]:
    """Return the exact (Clopper-Pearson) confidence interval for a binomial proportion k/n.

    Examples
    --------
    >>> lo, hi = clopper_pearson(0, 10)
    >>> lo, round(hi, 4)
    (0.0, 0.3085)
    """
    from scipy import stats

    n = check_width("n", n)
    k = check_int("k", k, low=0)
    if k > n:
        raise ValueError(f"The 'k' parameter must be at most n = {n}. Got {k} instead.")
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    alpha = 1.0 - confidence
    lo = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi
