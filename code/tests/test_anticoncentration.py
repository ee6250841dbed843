"""Tests of nearinit.anticoncentration: Lemma 4.2's count, its bounds, the rotation and the flip count."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate, stats

from nearinit import (
    anticoncentration_prob,
    binomial_chi2_pvalue,
    binomial_quantile,
    binomial_tail,
    hoeffding_upper,
    householder_first_row,
    init_params,
    linearization_gap,
    max_flips,
    near_zero_bounds,
    near_zero_count,
    sample_near_zero_counts,
)

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


# --- near_zero_count -------------------------------------------------------------------------------


def test_near_zero_count_by_hand():
    W0 = np.array([[1.0, 0.0], [0.1, 5.0], [-0.2, 1.0], [-3.0, 0.0]])
    x = np.array([2.0, 0.0])  # ||x|| = 2, projections 2, 0.2, -0.4, -6
    assert near_zero_count(W0, x, 0.5) == 2  # |z| <= 1
    assert near_zero_count(W0, x, 1.0) == 3  # the boundary |z| = tau ||x|| = 2 counts (<=)
    assert near_zero_count(W0, x, 0.09) == 0


def test_near_zero_count_batch_matches_single():
    W0, _ = init_params(200, 5, rng=1)
    X = np.random.default_rng(2).standard_normal((7, 5))
    batch = near_zero_count(W0, X, 0.3)
    assert batch.shape == (7,)
    assert batch.tolist() == [near_zero_count(W0, x, 0.3) for x in X]


@settings(max_examples=50, deadline=None)
@given(st.floats(0.1, 100), st.integers(0, 10_000))
def test_near_zero_count_is_scale_invariant_in_x(c, seed):
    W0, _ = init_params(50, 3, rng=seed)
    x = np.random.default_rng(seed + 1).standard_normal(3)
    # scaling by a power of two is exact in floating point; c is any positive scale in law
    assert near_zero_count(W0, 4.0 * x, 0.2) == near_zero_count(W0, x, 0.2)
    counts = near_zero_count(W0, np.stack([x, c * x]), 0.2)
    assert abs(int(counts[0]) - int(counts[1])) <= 1  # equal unless a projection sits on the boundary


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"tau": 0.0}, ValueError, "'tau'.*\\(0.0, inf\\).*Got 0.0"),
        ({"tau": -1.0}, ValueError, "'tau'"),
        ({"tau": "a"}, TypeError, "'tau'.*real number"),
        ({"x": np.zeros(3)}, ValueError, "'x'.*nonzero"),
        ({"x": np.ones(4)}, ValueError, "'x'.*d = 3"),
        ({"W0": np.ones(3)}, ValueError, "'W0'.*2-D"),
    ],
)
def test_near_zero_count_errors(kwargs, exc, match):
    args = {"W0": np.ones((2, 3)), "x": np.ones(3), "tau": 0.1} | kwargs
    with pytest.raises(exc, match=match):
        near_zero_count(**args)


# --- anticoncentration_prob and the bounds ----------------------------------------------------------


@pytest.mark.parametrize("tau", [1e-4, 0.05, 0.5, 1.0, 3.0])
def test_prob_is_the_gaussian_integral(tau):
    integral, _ = integrate.quad(lambda g: math.exp(-(g**2) / 2) / math.sqrt(2 * math.pi), -tau, tau)
    assert_allclose(anticoncentration_prob(tau), integral, rtol=1e-12)
    assert_allclose(anticoncentration_prob(tau), stats.norm.cdf(tau) - stats.norm.cdf(-tau), rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-6, 50))
def test_density_bound_chain(tau):
    p = anticoncentration_prob(tau)
    density = tau * math.sqrt(2 / math.pi)
    assert p <= density * (1 + 1e-12)
    if tau <= 1:  # alternating series erf(t/sqrt2) = sqrt(2/pi) (t - t^3/6 + t^5/40 - ...): a two-sided gap
        gap = density - p
        c = math.sqrt(2 / math.pi)
        slack = 4 * (np.spacing(p) + np.spacing(density))  # rounding of p and of the density bound
        assert c * (tau**3 / 6 - tau**5 / 40) * (1 - 1e-9) - slack <= gap <= c * tau**3 / 6 * (1 + 1e-9) + slack


def test_prob_small_tau_asymptotics():
    # erf(t/sqrt2) = sqrt(2/pi) (t - t^3/6 + ...): relative gap to the density bound ~ tau^2/6
    tau = 1e-3
    rel = 1 - anticoncentration_prob(tau) / (tau * math.sqrt(2 / math.pi))
    assert_allclose(rel, tau**2 / 6, rtol=1e-3)


def test_hoeffding_upper_closed_form():
    assert_allclose(hoeffding_upper(100, 0.1, math.exp(-2.0)), 10 + math.sqrt(50 * 2), rtol=1e-14)
    # the deviation t solves exp(-2 t^2 / m) = delta
    m, delta = 321, 0.037
    t = hoeffding_upper(m, 0.0, delta)
    assert_allclose(math.exp(-2 * t**2 / m), delta, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**6), st.floats(1e-4, 5), st.floats(1e-9, 1 - 1e-9))
def test_bounds_are_ordered(m, tau, delta):
    b = near_zero_bounds(m, tau, delta)
    assert b.exact_p <= b.density * (1 + 1e-12)
    assert b.density <= b.unit
    assert b.unit <= b.slides
    assert_allclose(b.exact_p, hoeffding_upper(m, anticoncentration_prob(tau), delta), rtol=1e-12)


def test_bounds_closed_form():
    b = near_zero_bounds(1000, 0.05, 0.05)
    half = math.sqrt(500 * math.log(20))
    assert_allclose(b.unit, 50 + half, rtol=1e-14)
    assert_allclose(b.slides, 50 + math.sqrt(1000 * math.log(20)), rtol=1e-14)
    assert_allclose(b.density, 50 * math.sqrt(2 / math.pi) + half, rtol=1e-14)


@pytest.mark.parametrize(("m", "tau"), [(50, 0.1), (1000, 0.05), (5000, 0.01), (200, 0.8)])
@pytest.mark.parametrize("delta", [0.5, 0.1, 0.01, 1e-4])
def test_hoeffding_holds_exactly(m, tau, delta):
    """The exact binomial failure probability of every bound in the chain is at most delta."""
    p = anticoncentration_prob(tau)
    for bound in near_zero_bounds(m, tau, delta):
        assert binomial_tail(m, p, bound) <= delta


@pytest.mark.parametrize("delta", [0.3, 0.05, 1e-3])
@pytest.mark.parametrize(("m", "p"), [(1, 0.5), (40, 0.1), (1000, 0.04), (777, 0.9)])
def test_binomial_quantile_is_the_smallest(m, p, delta):
    k = binomial_quantile(m, p, delta)
    assert stats.binom.sf(k, m, p) <= delta
    assert k == 0 or stats.binom.sf(k - 1, m, p) > delta
    assert k <= hoeffding_upper(m, p, delta)


def test_binomial_tail_matches_scipy_and_floors():
    assert_allclose(binomial_tail(30, 0.2, 7.9), stats.binom.sf(7, 30, 0.2), rtol=1e-14)
    assert_allclose(binomial_tail(30, 0.2, np.array([3, 7.5])), stats.binom.sf([3, 7], 30, 0.2), rtol=1e-14)
    assert binomial_tail(2, 0.5, 0) == 0.75


@pytest.mark.parametrize(
    ("func", "kwargs", "match"),
    [
        (near_zero_bounds, {"m": 10, "tau": 0.1, "delta": 0.0}, "'delta'.*\\(0.0, 1.0\\).*Got 0.0"),
        (near_zero_bounds, {"m": 10, "tau": 0.1, "delta": 1.0}, "'delta'.*Got 1.0"),
        (near_zero_bounds, {"m": 0, "tau": 0.1, "delta": 0.1}, "'m'.*\\[1, 1000000000000000\\].*Got 0"),
        (near_zero_bounds, {"m": 10, "tau": 0.0, "delta": 0.1}, "'tau'"),
        (hoeffding_upper, {"m": 10, "p": 1.5, "delta": 0.1}, "'p'.*\\[0.0, 1.0\\].*Got 1.5"),
        (hoeffding_upper, {"m": 10, "p": 0.5, "delta": -0.1}, "'delta'"),
        (binomial_quantile, {"m": 10, "p": 0.5, "delta": 2.0}, "'delta'"),
        (binomial_tail, {"m": 10, "p": -0.1, "k": 1}, "'p'"),
        (anticoncentration_prob, {"tau": -0.5}, "'tau'"),
    ],
)
def test_bound_errors(func, kwargs, match):
    with pytest.raises(ValueError, match=match):
        func(**kwargs)


def test_bound_type_errors():
    with pytest.raises(TypeError, match=r"'delta'.*real number"):
        near_zero_bounds(10, 0.1, "0.1")
    with pytest.raises(TypeError, match=r"'m'.*int"):
        hoeffding_upper(10.0, 0.1, 0.1)


# --- rotation -----------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(finite, min_size=1, max_size=8).filter(lambda v: np.linalg.norm(v) > 1e-3))
def test_householder_is_orthogonal_with_first_row_x(v):
    x = np.asarray(v)
    M = householder_first_row(x)
    d = x.size
    assert_allclose(M @ M.T, np.eye(d), atol=1e-12)
    assert_allclose(M[0], x / np.linalg.norm(x), atol=1e-12)
    assert_allclose(M @ x, np.linalg.norm(x) * np.eye(d)[0], atol=1e-11 * max(1, np.linalg.norm(x)))


@pytest.mark.parametrize("x", [np.array([1.0, 0, 0]), np.array([-1.0, 0, 0]), np.array([0.0, 0, 2]), np.array([5.0])])
def test_householder_edge_directions(x):
    M = householder_first_row(x)
    assert_allclose(M @ M.T, np.eye(x.size), atol=1e-15)
    assert_allclose(M[0], x / np.linalg.norm(x), atol=1e-15)


def test_householder_errors():
    with pytest.raises(ValueError, match=r"'x'.*nonzero"):
        householder_first_row(np.zeros(3))
    with pytest.raises(ValueError, match=r"'x'.*1-D"):
        householder_first_row(np.ones((2, 2)))


def test_rotation_preserves_counts_exactly():
    """w^T x = (M w)^T (M x) and M x = ||x|| e_1: the count under rotated weights and input."""
    W0, _ = init_params(500, 6, rng=3)
    x = np.random.default_rng(4).standard_normal(6)
    M = householder_first_row(x)
    e1 = np.eye(6)[0]
    assert_allclose((W0 @ M.T)[:, 0], W0 @ x / np.linalg.norm(x), atol=1e-12)
    for tau in [0.01, 0.1, 0.5]:
        got = near_zero_count(W0 @ M.T, np.linalg.norm(x) * e1, tau)
        assert got == near_zero_count(W0, x, tau)  # no projection lies within rounding of the boundary here


# --- Monte Carlo: N ~ Binomial(m, p) ---------------------------------------------------------------


def test_sampled_counts_follow_the_binomial():
    m, tau, n = 300, 0.1, 20_000
    p = anticoncentration_prob(tau)
    N = sample_near_zero_counts(m, tau, n, rng=5)
    # mean within 4 standard errors; variance within 5 %
    assert abs(N.mean() - m * p) < 4 * math.sqrt(m * p * (1 - p) / n)
    assert_allclose(N.var(), m * p * (1 - p), rtol=0.05)
    # chi-square goodness of fit on the central bins
    ks = np.arange(int(m * p) - 12, int(m * p) + 13)
    obs = np.array([(N == k).sum() for k in ks])
    exp = n * stats.binom.pmf(ks, m, p)
    chi2 = ((obs - exp) ** 2 / exp).sum()
    assert stats.chi2.sf(chi2, ks.size) > 1e-3


def test_explicit_W0_has_the_same_law():
    """Counts from explicit W0 (several directions of x) against the binomial: two-sample and pmf checks."""
    m, d, tau, n = 100, 4, 0.2, 3000
    p = anticoncentration_prob(tau)
    rng = np.random.default_rng(6)
    for x in [np.array([1.0, 0, 0, 0]), np.array([3.0, -1.0, 2.0, 0.5])]:
        N = np.array([near_zero_count(rng.standard_normal((m, d)), x, tau) for _ in range(n)])
        assert abs(N.mean() - m * p) < 4 * math.sqrt(m * p * (1 - p) / n)
        assert_allclose(N.var(), m * p * (1 - p), rtol=0.1)
        assert binomial_chi2_pvalue(N, m, p) > 1e-3
    # the same test rejects a slightly wrong p: it has the power to see a wrong count
    assert binomial_chi2_pvalue(N, m, 1.1 * p) < 1e-3


def test_sample_counts_errors_and_rng():
    assert np.array_equal(sample_near_zero_counts(20, 0.1, 5, rng=1), sample_near_zero_counts(20, 0.1, 5, rng=1))
    with pytest.raises(ValueError, match=r"'n_draws'"):
        sample_near_zero_counts(20, 0.1, 0)
    with pytest.raises(TypeError, match=r"'m'"):
        sample_near_zero_counts(2.5, 0.1, 3)


# --- max_flips ------------------------------------------------------------------------------------


def test_max_flips_by_hand():
    z = np.array([0.3, -0.4, 2.0])  # squared costs 0.09, 0.16, 4
    assert max_flips(z, 0.0) == 0
    assert max_flips(z, 0.3) == 0  # flipping needs strictly more than 0.3
    assert max_flips(z, 0.31) == 1
    assert max_flips(z, 0.5) == 1  # 0.09 + 0.16 = 0.25 = B^2: not strictly below
    assert max_flips(z, 0.51) == 2
    assert max_flips(z, 10.0) == 3
    assert max_flips(z, 1.0, x_norm=0.1) == 0  # costs scale by 1 / ||x||
    assert max_flips(np.array([0.0, 0.1]), 1.0) == 1  # a zero projection cannot be strictly flipped


def _adversarial_W(W0, x, k, B):
    """Move the k neurons of smallest |w_{0,i}^T x| along x, just across zero, sharing the budget."""
    z = W0 @ x
    nx = np.linalg.norm(x)
    idx = np.argsort(np.abs(z))[:k]
    cost = np.abs(z[idx]) / nx
    slack = math.sqrt(max(B**2 - (cost**2).sum(), 0.0) / max(k, 1))
    W = W0.copy()
    W[idx] -= np.outer(np.sign(z[idx]) * np.sqrt(cost**2 + slack**2), x / nx)
    return W


@pytest.mark.parametrize("seed", range(10))
def test_max_flips_is_attained_and_not_exceeded(seed):
    """Constructive: the adversary flips max_flips neurons; converse: any flip set of size k costs >= the k smallest."""
    m, d, B = 400, 5, 0.3
    W0, _ = init_params(m, d, rng=seed)
    x = np.random.default_rng(100 + seed).standard_normal(d)
    z = W0 @ x
    k = max_flips(z, B, x_norm=np.linalg.norm(x))
    assert k > 0
    W = _adversarial_W(W0, x, k, B)
    assert np.linalg.norm(W - W0) <= B * (1 + 1e-12)
    flipped = (W @ x) * z < 0
    assert flipped.sum() == k
    # converse: flipping a set F needs ||W - W0||_F^2 > sum_{i in F} (z_i / ||x||)^2 >= sum of the |F| smallest
    costs = np.sort((z / np.linalg.norm(x)) ** 2)
    assert costs[: k + 1].sum() >= B**2
    # random perturbations of the same norm flip far fewer
    D = np.random.default_rng(seed).standard_normal((m, d))
    W_rand = W0 + B * D / np.linalg.norm(D)
    assert ((W_rand @ x) * z < 0).sum() <= k


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=10), st.floats(0, 10))
def test_max_flips_matches_brute_force_over_all_sets(z, B):
    # The definition: the largest set S of neurons with sum_{i in S} z_i^2 < B^2, all z_i != 0 (each flip of
    # neuron i costs more than z_i^2 of the squared Frobenius budget), searched over every subset.
    # Exact rational arithmetic: float squares underflow (z = 3.7e-221, B = 3.5e-165 flips, both squares round to 0).
    q = [Fraction(v) for v in z]
    best = 0
    for k in range(1, len(q) + 1):
        for S in itertools.combinations(range(len(q)), k):
            if all(q[i] != 0 for i in S) and sum(q[i] ** 2 for i in S) < Fraction(B) ** 2:
                best = k
    assert max_flips(np.asarray(z), B) == best


def test_flip_gap_with_max_flips_stays_below_cauchy_schwarz():
    """A perturbation flipping k neurons has |f - f_0| <= B sqrt(k) (eq-flip-sum + Cauchy-Schwarz)."""
    m, d, B = 300, 4, 0.5
    W0, a = init_params(m, d, rng=11)
    x = np.array([0.6, 0.0, 0.8, 0.0])
    k = max_flips(W0 @ x, B)
    W = _adversarial_W(W0, x, k, B)
    gap = linearization_gap(W, W0, a, x)
    assert abs(gap) <= B * math.sqrt(k)
    assert abs(gap) > 0


def test_max_flips_errors():
    with pytest.raises(ValueError, match=r"'B'.*Got -1.0"):
        max_flips(np.ones(3), -1.0)
    with pytest.raises(ValueError, match=r"'x_norm'"):
        max_flips(np.ones(3), 1.0, x_norm=0.0)
    with pytest.raises(ValueError, match=r"'z'.*1-D"):
        max_flips(np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match=r"'z'.*finite"):
        max_flips(np.array([np.nan]), 1.0)


# --- binomial_chi2_pvalue ----------------------------------------------------------------------------


def test_chi2_pvalue_is_calibrated_and_has_power():
    rng = np.random.default_rng(12)
    pvals = np.array([binomial_chi2_pvalue(rng.binomial(100, 0.158, size=2000), 100, 0.158) for _ in range(200)])
    # under the null the p-values are about uniform: 5 % level rejects 10 of 200 on average (sd ~3.1)
    assert 1 <= np.sum(pvals < 0.05) <= 22
    assert abs(pvals.mean() - 0.5) < 0.08
    # a shift of p by 0.012 (less than a quarter standard deviation of N) is detected
    assert binomial_chi2_pvalue(rng.binomial(100, 0.158, size=4000), 100, 0.17) < 1e-6


def test_chi2_pvalue_pools_the_tails():
    counts = np.r_[np.zeros(5, int), np.full(5, 50)]  # extreme values land in the pooled tail bins
    assert binomial_chi2_pvalue(counts, 50, 0.5, min_expected=0.01) < 1e-6


def test_chi2_pvalue_errors():
    with pytest.raises(ValueError, match=r"'counts'.*too short"):
        binomial_chi2_pvalue(np.array([1, 2]), 3, 0.5)
    with pytest.raises(ValueError, match=r"'p'.*\(0.0, 1.0\)"):
        binomial_chi2_pvalue(np.array([1, 2]), 3, 1.0)


def test_binomial_quantile_at_a_tie_is_the_smaller_k():
    """P(N > k) = delta exactly: k itself is the quantile (the smallest k with P(N > k) <= delta), not k + 1."""
    assert binomial_quantile(1, 0.5, 0.5) == 0  # P(N > 0) = 1/2
    assert binomial_quantile(2, 0.5, 0.25) == 1  # P(N > 1) = 1/4
    assert binomial_quantile(3, 0.5, 0.125) == 2  # P(N > 2) = 1/8
    assert binomial_quantile(2, 0.5, 0.2499) == 2  # just below the tie: one more


@pytest.mark.parametrize(("m", "p", "delta"), [(200, 0.3, 0.01), (7, 0.5, 0.4), (1000, 0.01, 1e-9), (50, 0.9, 0.5)])
def test_binomial_quantile_is_the_smallest_k_with_tail_at_most_delta(m, p, delta):
    k = binomial_quantile(m, p, delta)
    assert stats.binom.sf(k, m, p) <= delta and (k == 0 or stats.binom.sf(k - 1, m, p) > delta)


def test_chi2_pvalue_pools_the_tails_as_documented():
    """The bins: {0..lo}, {lo+1}, ..., {hi-1}, {hi..m}, with lo the first k where n P(N <= k) >= min_expected and hi
    the last k where n P(N >= k) >= min_expected; recomputed here by a loop, then the chi-square of those bins."""
    rng = np.random.default_rng(11)
    for m, p, n, min_expected in [(12, 0.3, 400, 5.0), (30, 0.1, 1000, 5.0), (20, 0.5, 300, 20.0), (8, 0.7, 60, 1.0)]:
        counts = rng.binomial(m, p, size=n)
        lo = next(k for k in range(m + 1) if n * stats.binom.cdf(k, m, p) >= min_expected)
        hi = next(k for k in range(m, -1, -1) if n * stats.binom.sf(k - 1, m, p) >= min_expected)
        bins = [range(0, lo + 1), *[range(k, k + 1) for k in range(lo + 1, hi)], range(hi, m + 1)]
        observed = np.array([np.isin(counts, list(b)).sum() for b in bins])
        expected = np.array([n * stats.binom.pmf(list(b), m, p).sum() for b in bins])
        ref = stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue
        got = binomial_chi2_pvalue(counts, m, p, min_expected=min_expected)
        assert got == pytest.approx(ref, rel=1e-9), (m, p, n)


def test_householder_near_e1_and_exact_messages():
    """x close to e_1 is where the wrong sign cancels (1 - u_1): the first row and the orthogonality stay exact."""
    for x in (np.array([1.0, 1e-7, 0.0]), np.array([-1.0, 1e-7, 0.0]), np.array([0.0, 2.0, 0.0])):
        M = householder_first_row(x)
        np.testing.assert_allclose(M[0], x / np.linalg.norm(x), rtol=0, atol=1e-15)
        np.testing.assert_allclose(M @ M.T, np.eye(3), rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match=r"^The 'x' parameter must be a nonzero vector\. Got the zero vector\.$"):
        householder_first_row(np.zeros(3))


def test_binomial_tail_types_and_the_draw_cap_boundary(monkeypatch):
    import nearinit.anticoncentration as conc

    assert type(binomial_tail(10, 0.3, 2)) is float
    monkeypatch.setattr(conc, "_MAX_DRAWS", 100)
    counts = sample_near_zero_counts(10, 0.5, 10, rng=0)  # exactly the cap: allowed
    assert counts.dtype == np.int64 and counts.shape == (10,)
    with pytest.raises(
        ValueError, match=r"^The 'm' and 'n_draws' parameters ask for m \* n_draws = 110 Gaussian draws"
    ):
        sample_near_zero_counts(10, 0.5, 11, rng=0)


def test_chi2_names_the_first_bad_count():
    with pytest.raises(ValueError, match=r"Got counts\[2\] = 9\.0 \(1 such entries\)"):
        binomial_chi2_pvalue(np.array([1, 2, 9, 3]), 5, 0.5)


def test_chi2_pooling_at_its_boundaries():
    """n P = min_expected exactly still makes a bin (>=); two bins are refused, three are enough; default 5."""
    counts = np.array([0] * 5 + [1] * 10 + [2] * 5)  # m = 2, p = 1/2, n = 20: n P(N = 0) = n P(N = 2) = 5
    ref = stats.chisquare([5, 10, 5], [5.0, 10.0, 5.0]).pvalue
    assert binomial_chi2_pvalue(counts, 2, 0.5) == pytest.approx(ref, rel=1e-12)
    assert binomial_chi2_pvalue(counts, 2, 0.5, min_expected=5.0) == binomial_chi2_pvalue(counts, 2, 0.5)
    with pytest.raises(ValueError, match="too short"):
        binomial_chi2_pvalue(counts, 2, 0.5, min_expected=5.5)  # only two pooled bins would remain
    with pytest.raises(ValueError, match="too short"):
        binomial_chi2_pvalue(np.array([0] * 5 + [1] * 5), 1, 0.5)  # lo = 0, hi = 1: two bins


def test_a_zero_input_is_refused_with_the_exact_reason():
    message = r"^The 'x' parameter must be nonzero \(for x = 0 every neuron is near zero\)\. Got a zero input\.$"
    with pytest.raises(ValueError, match=message):
        near_zero_count(np.ones((3, 2)), np.zeros(2), 0.5)
