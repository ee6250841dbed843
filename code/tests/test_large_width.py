"""Tests of nearinit.large_width: every fast path against the plain sort, and the law of the order statistics."""

import contract
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import special, stats
from worst_case_helpers import from_projections, sup_from_sorted

import nearinit.large_width as lw
from nearinit import random_worst_case
from nearinit.large_width import (
    _half_normal_quantile,
    _next_order_statistics,
    _scan,
    eligible_projections,
)
from nearinit.large_width import (
    _worst_case_order_statistics as worst_case_order_statistics,
)
from nearinit.large_width import (
    _worst_case_sort as worst_case_sort,
)
from nearinit.large_width import (
    _worst_case_streaming as worst_case_streaming,
)
from nearinit.worst_case import concavity_certificate, worst_case_constant

CASES = [(m, B) for m in (1, 2, 17, 1000, 30_000) for B in (0.0, 0.05, 1.0, 7.0, 300.0)]


@pytest.mark.parametrize(("m", "B"), CASES)
def test_streaming_equals_sort_on_the_same_realization(m, B):
    for seed in range(4):
        ref = worst_case_sort(m, B, rng=seed, chunk=4096)
        got = worst_case_streaming(m, B, rng=seed, chunk=4096)
        assert got.value == ref.value and got.k == ref.k and got.eligible == ref.eligible


def test_streaming_certifies_after_extra_passes():
    # A far too small first threshold fails the certificate: the pass is redrawn, result unchanged.
    ref = worst_case_sort(200_000, 1.0, rng=5, chunk=10_000)
    got = worst_case_streaming(200_000, 1.0, rng=5, chunk=10_000, margin=0.05)
    assert got.passes > 1
    assert got.drawn == got.passes * got.eligible
    assert (got.value, got.k) == (ref.value, ref.k)


def test_streaming_keeps_few_values_and_the_certificate_is_sharp():
    got = worst_case_streaming(2_000_000, 1.0, rng=3, chunk=1 << 16)
    assert got.passes == 1 and got.k < got.kept < got.eligible / 50
    # the kept values are exactly those below t: the k-th smallest is kept, the (kept+1)-th is not
    z = np.sort(np.abs(eligible_projections(2_000_000, rng=3, chunk=1 << 16)))
    assert z[got.kept - 1] < z[got.kept]


def test_sort_path_matches_sup_from_sorted_and_x_norm_scales():
    z = np.sort(np.abs(eligible_projections(5000, rng=9)))
    value, k = sup_from_sorted(2.5 * z, 0.7, x_norm=2.5)
    w = worst_case_sort(5000, 0.7, x_norm=2.5, rng=9)
    assert (w.value, w.k) == (value, k)
    assert_allclose(w.value, 2.5 * worst_case_sort(5000, 0.7, rng=9).value, rtol=1e-14)
    assert_allclose(worst_case_streaming(5000, 0.7, x_norm=2.5, rng=9).value, w.value, rtol=0)


def test_realization_depends_on_seed_not_on_generator_state():
    a = eligible_projections(50, rng=np.random.default_rng(4))
    b = eligible_projections(50, rng=4)
    assert_allclose(a, b, rtol=0)
    assert not np.array_equal(a, eligible_projections(50, rng=5))


def test_eligible_count_is_binomial():
    counts = np.array([eligible_projections(400, rng=s).size for s in range(300)])
    # Binomial(400, 1/2): mean 200, sd 10; 300 draws: the mean is within 4 standard errors
    assert abs(counts.mean() - 200) < 4 * 10 / np.sqrt(300)
    assert 8.0 < counts.std() < 12.0


def test_half_normal_quantile_series_matches_erfinv():
    u = np.sort(np.concatenate([np.geomspace(1e-300, 0.02, 5000), np.linspace(0, 0.02, 5000)[1:]]))
    ref = np.sqrt(2.0) * special.erfinv(u)
    assert_allclose(_half_normal_quantile(u), ref, rtol=2e-15, atol=0)
    big = np.sort(np.random.default_rng(0).random(1000))
    assert_allclose(_half_normal_quantile(big), stats.halfnorm.ppf(big), rtol=1e-13)


def test_scan_matches_sup_from_sorted():
    g = np.sort(np.abs(np.random.default_rng(1).standard_normal(3000)))
    value, k = sup_from_sorted(g, 1.3)
    assert _scan(g, 0, 0.0, 1.3) == (value, k)
    best = (0.0, 0)
    for lo in range(0, g.size, 700):  # the chunked scan sees the same objective, k0 included
        val, arg = _scan(g[lo : lo + 700], lo, float(np.sum(g[:lo])), 1.3)
        assert arg >= lo
        best = max(best, (val, -arg))
    assert_allclose(best[0], value, rtol=1e-13)
    assert -best[1] == k
    # the smallest argmax: when nothing after k0 pays off, k0 itself (B = 0: every later value is lower)
    assert _scan(g[:5], 7, 2.0, 0.0) == (-2.0, 7)


def test_next_order_statistics_are_uniform_order_statistics():
    # The smallest 3 of 50 uniforms, and the next 3 given U_(3): Monte Carlo against the Beta laws
    # U_(i) ~ Beta(i, 51 - i), with a KS test at level 1e-3 (2000 seeded draws).
    gen = np.random.default_rng(2)
    first = np.array([_next_order_statistics(gen, 0.0, 50, 3) for _ in range(2000)])
    nxt = np.array([_next_order_statistics(gen, row[-1], 47, 3) for row in first])
    assert np.all(np.diff(first, axis=1) > 0) and np.all(nxt[:, 0] > first[:, -1])
    for i, col in enumerate([*first.T, *nxt.T], start=1):
        assert stats.kstest(col, stats.beta(i, 51 - i).cdf).pvalue > 1e-3


def test_order_statistics_value_and_k_are_consistent():
    w = worst_case_order_statistics(10**6, 1.0, rng=0)
    assert w.k <= w.kept and w.drawn < w.eligible / 100
    assert w.value > 0 and w.k > 0
    zero = worst_case_order_statistics(10**6, 0.0, rng=0)
    assert zero.value == 0.0 and zero.k == 0  # B = 0: nothing moves
    # B huge: every eligible neuron flips and the value is B sqrt(M) minus the M projections (each < 6 here)
    for seed in range(5):
        tiny = worst_case_order_statistics(3, 1e6, rng=seed)
        assert tiny.k == tiny.eligible
        assert 1e6 * np.sqrt(tiny.eligible) - 6 * tiny.eligible <= tiny.value <= 1e6 * np.sqrt(tiny.eligible)


def _two_sample(m, B, n_seeds, fast):
    ss = np.random.SeedSequence(20261124 + m)
    exact = np.array([worst_case_streaming(m, B, rng=s).value for s in ss.spawn(n_seeds)])
    drawn = np.array([fast(m, B, rng=s).value for s in ss.spawn(n_seeds)])
    return exact, drawn


@pytest.mark.parametrize("m", [300, 20_000])
def test_order_statistics_have_the_law_of_the_exact_worst_case(m):
    # 400 seeds per path; thresholds: means within 4 standard errors of their difference, standard
    # deviations within 20 percent, two-sample KS p-value > 1e-3.
    exact, drawn = _two_sample(m, 1.0, 400, worst_case_order_statistics)
    se = np.sqrt(exact.var(ddof=1) / exact.size + drawn.var(ddof=1) / drawn.size)
    assert abs(exact.mean() - drawn.mean()) < 4 * se
    assert 0.8 < drawn.std() / exact.std() < 1.25
    assert stats.ks_2samp(exact, drawn).pvalue > 1e-3


def test_two_sample_test_has_power():
    # The same test rejects a law that is off by a factor 1.3 in width (~9 percent in the mean).
    exact, wrong = _two_sample(
        20_000, 1.0, 400, lambda m, B, rng: worst_case_order_statistics(int(1.3 * m), B, rng=rng)
    )
    assert stats.ks_2samp(exact, wrong).pvalue < 1e-6


def test_converges_to_the_worst_case_constant():
    # m = 10^12: k* ~ 3.4e7, fluctuations ~ 1/sqrt(k*) and the curvature correction O(m^(-2/3)) are tiny.
    vals = [worst_case_order_statistics(10**12, 2.0, rng=s).value for s in range(2)]
    ratio = np.array(vals) / (2.0 ** (4 / 3) * 1e4)
    assert_allclose(ratio, worst_case_constant(), rtol=2e-3)
    assert_allclose(worst_case_constant(), 0.75 * (8 * np.pi) ** (-1 / 6), rtol=1e-15)


def test_limit_constant_from_the_continuum_objective():
    # max_k B sqrt(k) - k^2 / (2 M rho) with M = m/2, rho = sqrt(2/pi), by brute force on a fine grid
    B, m = 1.0, 1e9
    k = np.linspace(1, 4e6, 400_001)
    vals = B * np.sqrt(k) - k**2 / (2 * (m / 2) * np.sqrt(2 / np.pi))
    assert_allclose(vals.max() / m ** (1 / 3), worst_case_constant(), rtol=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"m": 0, "B": 1.0}, ValueError, "'m' parameter must be an int"),
        ({"m": 2.5, "B": 1.0}, TypeError, "'m' parameter must be an int"),
        ({"m": 10, "B": -1.0}, ValueError, "'B' parameter must be in the range"),
        ({"m": 10, "B": 1.0, "x_norm": 0.0}, ValueError, "'x_norm' parameter must be in the range"),
        ({"m": 10, "B": 1.0, "chunk": 0}, ValueError, "'chunk' parameter must be an int"),
    ],
)
@pytest.mark.parametrize("fn", [worst_case_sort, worst_case_streaming, worst_case_order_statistics])
def test_validation(fn, kwargs, err, match):
    with pytest.raises(err, match=match):
        fn(**kwargs)


def test_streaming_margin_validation():
    with pytest.raises(ValueError, match="'margin' parameter"):
        worst_case_streaming(10, 1.0, margin=0.0)


@pytest.mark.parametrize(("m", "B"), [(1000, 1.0), (200_000, 0.3), (50_000, 40.0)])
def test_selection_path_of_chapter_6_equals_sort(m, B):
    # "exact from projections": np.argpartition on the smallest ~(B M)^(2/3) values, same realization
    z = eligible_projections(m, rng=11)
    res = from_projections(1.7 * z, np.ones(z.size), B, x_norm=1.7)
    ref = worst_case_sort(m, B, x_norm=1.7, rng=11)
    assert res.k == ref.k
    assert_allclose(res.value, ref.value, rtol=1e-14)


@pytest.mark.parametrize("top", [0.0199, 0.02, 0.0201, 0.05, 0.3, 0.9])
def test_half_normal_quantile_switches_from_series_to_erfinv_where_the_series_stops_being_exact(top):
    """Below u = 0.02 the series is exact to rounding; above, erfinv: both sides of the switch are exact."""
    u = np.linspace(top / 10, top, 50)
    assert_allclose(_half_normal_quantile(u), np.sqrt(2.0) * special.erfinv(u), rtol=3e-15, atol=0)


# ---------------------------------------------------------------------------------------- limits, refusals, fields
def test_width_caps_are_inclusive_and_stated():
    # B = 0: nothing moves, so even the largest width the order-statistics path accepts costs one chunk
    w = random_worst_case(10**14, 0.0, rng=0, method="order_statistics")
    assert (w.value, w.k, w.passes) == (0.0, 0, 1)
    for method, cap, text in [("order_statistics", 10**14, "1e\\+14"), ("streaming", 10**10, "1e\\+10")]:
        with contract.refuses("m", match=f"at most {text}"):
            random_worst_case(cap + 1, 1.0, rng=0, method=method)
    # the sort path holds all M <= m projections: its cap is the memory budget over 8 bytes, stated as it is
    with contract.refuses("m", match="at most 1.34e\\+08"):
        random_worst_case(2**27 + 1, 1.0, rng=0, method="sort")
    with contract.refuses("m", match="at most 1.34e\\+08"):
        eligible_projections(2**27 + 1, rng=0)


def test_chunk_cap_is_inclusive():
    assert np.array_equal(eligible_projections(10, rng=0, chunk=2**27), eligible_projections(10, rng=0))
    for method in ("sort", "streaming", "order_statistics"):
        largest = random_worst_case(10, 1.0, rng=0, method=method, chunk=2**27)
        assert largest == random_worst_case(10, 1.0, rng=0, method=method)
        with contract.refuses("chunk", match="134217728"):
            random_worst_case(10, 1.0, rng=0, method=method, chunk=2**27 + 1)
    with contract.refuses("chunk", match="134217728"):
        eligible_projections(10, rng=0, chunk=2**27 + 1)


def test_stream_seed_has_128_random_bits():
    """The seed of a realization packs four 32-bit words of the rng: below 2**128, every word used."""
    seeds = [lw._stream_entropy(s) for s in range(200)]
    assert all(0 <= e < 2**128 for e in seeds)
    words = np.array([[(e >> (32 * j)) & (2**32 - 1) for j in range(4)] for e in seeds], dtype=float)
    assert np.all(words.max(axis=0) >= 2**31)  # each word reaches its top bit (prob 1 - 2**-200 per word)
    assert len(set(seeds)) == 200


def test_realization_does_not_depend_on_chunk():
    z = eligible_projections(3000, rng=4)
    assert_allclose(eligible_projections(3000, rng=4, chunk=7), z, rtol=0)
    ref = worst_case_sort(3000, 1.0, rng=4)
    default = random_worst_case(3000, 1.0, rng=4)  # the streaming path at its default chunk
    assert default.kept < default.eligible  # not the sort's
    for chunk in (1, 7, 1000, 1 << 20):
        got = worst_case_streaming(3000, 1.0, rng=4, chunk=chunk)
        assert got == default  # kept, drawn and passes as well
        assert (got.value, got.k, got.eligible) == (ref.value, ref.k, z.size)
        assert worst_case_sort(3000, 1.0, rng=4, chunk=chunk) == ref


def test_sort_reports_what_it_touched():
    w = worst_case_sort(2000, 1.0, rng=1)
    assert w.drawn == w.kept == w.eligible == eligible_projections(2000, rng=1).size
    assert w.passes == 1


def _first_threshold(M, B, margin):
    """The documented first threshold of the streaming path: t = margin (B^2 / (4 M rho))^(1/3) (M >= 1)."""
    return margin * (B * B / (4.0 * max(M, 1) * np.sqrt(2 / np.pi))) ** (1 / 3)


def _expected_streaming(z, B, margin):
    """kept and passes of the documented loop: keep abs(g) < t, t = the first threshold at first, times 1.5 until
    all are kept or the certificate holds."""
    zabs, M = np.abs(z), z.size
    t, passes = _first_threshold(M, B, margin), 1
    while True:
        kept = int(np.count_nonzero(zabs < t))
        if kept == M or concavity_certificate(kept, B, t):
            return kept, passes
        t, passes = 1.5 * t, passes + 1


@pytest.mark.parametrize(("m", "B"), [(1, 0.3), (2, 1.0), (3, 2.5), (40, 0.2), (5000, 1.0), (200_000, 0.5)])
def test_streaming_keeps_what_its_threshold_says(m, B):
    for seed in range(6):
        z = eligible_projections(m, rng=seed)
        for margin in [None, 0.05, 0.5] if m > 3 else [None, 0.05, 0.8, 1.2, 2.0]:
            kw = {} if margin is None else {"margin": margin}
            got = worst_case_streaming(m, B, rng=seed, chunk=1 << 12, **kw)
            kept, passes = _expected_streaming(z, B, 1.2 if margin is None else margin)
            assert (got.kept, got.passes, got.drawn) == (kept, passes, passes * z.size)


def test_streaming_discards_a_value_equal_to_the_threshold():
    # margin chosen so that the first threshold is exactly one of the projections: "below t" is strict
    m, B = 5000, 1.0
    zabs = np.sort(np.abs(eligible_projections(m, rng=2)))
    base = _first_threshold(zabs.size, B, 1.0)
    for j in range(200, 400):
        margin = float(zabs[j] / base)
        if margin * base == zabs[j] and zabs[j - 1] < zabs[j]:
            break
    else:
        pytest.fail("no exact threshold found")
    got = worst_case_streaming(m, B, rng=2, margin=margin)
    assert got.passes == 1 and got.kept == j


# ------------------------------------------------------------------------------------------------ order statistics
def _recorded_order_statistics(monkeypatch, m, B, **kw):
    """Run the order-statistics path and return its result and the g_(1) <= g_(2) <= ... it drew."""
    drawn = []

    def record(u):
        g = np.sqrt(2.0) * special.erfinv(u)  # the half-normal quantile, independently
        drawn.append(g)
        return g

    monkeypatch.setattr(lw, "_half_normal_quantile", record)
    w = worst_case_order_statistics(m, B, **kw)
    return w, drawn


@pytest.mark.parametrize(("m", "B", "chunk"), [(3000, 1.0, 1), (3000, 0.3, 5), (20_000, 1.0, 64), (4000, 50.0, 97)])
def test_order_statistics_stop_where_the_certificate_says(monkeypatch, m, B, chunk):
    """The value is the max over the drawn order statistics, and the scan stops at the first chunk whose last
    increment B (sqrt(k) - sqrt(k-1)) - g_(k) is <= 0, or at M (the docstring's promise)."""
    for seed in range(5):
        w, chunks = _recorded_order_statistics(monkeypatch, m, B, rng=seed, chunk=chunk)
        g = np.concatenate(chunks)
        assert np.all(np.diff(g) > 0) and w.kept == max(c.size for c in chunks) <= chunk
        assert w.drawn == 1 + sum(c.size + 1 for c in chunks) and w.passes == 1
        value, k = sup_from_sorted(g, B)
        assert w.k == k and w.value == pytest.approx(value, rel=1e-12, abs=1e-12)
        ends = np.cumsum([c.size for c in chunks])
        increments = B * (np.sqrt(ends) - np.sqrt(ends - 1)) - g[ends - 1]
        assert np.all(increments[:-1] > 0)
        assert g.size == w.eligible or increments[-1] <= 0


def test_order_statistics_huge_radius_scans_every_value_with_the_right_law():
    # B large: every eligible neuron flips, value = B sqrt(M) - sum of all M g_(i); over 30 seeds the sums have
    # the law of sums of M iid abs(N(0, 1)): mean M rho, variance M (1 - rho^2); chunks of 16 (about 125 of them)
    rho, B = np.sqrt(2 / np.pi), 1e3
    dev, var = 0.0, 0.0
    for seed in range(30):
        w = worst_case_order_statistics(4000, B, rng=seed, chunk=16)
        assert w.k == w.eligible
        dev += B * np.sqrt(w.eligible) - w.value - w.eligible * rho
        var += w.eligible * (1 - rho**2)
    assert abs(dev) < 5 * np.sqrt(var)


def test_order_statistics_small_cases():
    for seed in range(40):  # m = 1: M = 0 about half the time, then nothing is drawn but M
        w = worst_case_order_statistics(1, 1.0, rng=seed)
        if w.eligible == 0:
            assert (w.value, w.k, w.drawn, w.kept, w.passes) == (0.0, 0, 1, 0, 1)
            break
    else:
        raise AssertionError("no seed gave M = 0")
    w = worst_case_order_statistics(500, 1.0, rng=3)  # M < 1024: one chunk of M, then one Gamma variate
    assert (w.kept, w.drawn, w.passes) == (w.eligible, w.eligible + 2, 1)
    # the same seed, the same draw
    assert worst_case_order_statistics(20_000, 1.0, rng=5) == worst_case_order_statistics(20_000, 1.0, rng=5)
    # chunk = 1: one order statistic at a time
    assert worst_case_order_statistics(3000, 1.0, rng=5, chunk=1).kept == 1


def test_order_statistics_default_chunk_through_random_worst_case():
    # k* ~ (B M rho / 2)^(2/3) ~ 3e5 > 2**16: the first chunk is the default chunk 2**16, not more
    w = random_worst_case(10**9, 1.0, rng=0, method="order_statistics")
    assert w.kept == 1 << 16
    assert random_worst_case(10**9, 1.0, rng=0, method="order_statistics", chunk=5000).kept == 5000


def test_order_statistics_bound_their_work_before_drawing():
    # the scan reaches about min(M, (B M rho / 2)^(2/3)) order statistics: refused past 2e9, whatever B
    with contract.refuses("B", match="over 2e\\+09"):
        worst_case_order_statistics(10**14, 3.0, rng=0)
    with contract.refuses("B", match="over 2e\\+09"):
        worst_case_order_statistics(10**14, 1e300, rng=0)  # B M overflows float64: still a clear refusal
    w = worst_case_order_statistics(10**5, 1e300, rng=0)  # B huge at a moderate m: every neuron flips
    assert w.k == w.eligible and np.isfinite(w.value)


def test_streaming_budget_is_inclusive(monkeypatch):
    # margin 0.05: the first threshold keeps few values, the final pass the most; a budget of exactly that many is
    # enough, one less is refused during the pass that passes it
    ref = worst_case_streaming(3000, 2.0, rng=8, chunk=256, margin=0.05)
    assert ref.passes > 1
    monkeypatch.setattr(lw, "_MAX_KEPT", ref.kept)
    assert worst_case_streaming(3000, 2.0, rng=8, chunk=256, margin=0.05) == ref
    monkeypatch.setattr(lw, "_MAX_KEPT", ref.kept - 1)
    with contract.refuses("B", match=f"over {ref.kept - 1} projections fall .* Got B = 2.0\\."):
        worst_case_streaming(3000, 2.0, rng=8, chunk=256, margin=0.05)


def test_streaming_refuses_before_drawing_when_the_expected_count_passes_the_budget(monkeypatch):
    """Expected kept values M P(abs(g) < t) = M erf(t / sqrt 2) at the first threshold t, against the budget."""
    B, m = 5.0, 10_000
    for seed in range(20):
        z = eligible_projections(m, rng=seed)
        t = _first_threshold(z.size, B, 1.2)
        expected = z.size * float(special.erf(t / np.sqrt(2.0)))
        if np.count_nonzero(np.abs(z) < t) <= expected:  # the draw keeps no more than expected
            break
    else:
        pytest.fail("no seed keeps no more than expected")
    monkeypatch.setattr(lw, "_MAX_KEPT", expected)  # a budget of exactly the expected count is enough
    assert worst_case_streaming(m, B, rng=seed).passes == 1
    monkeypatch.setattr(lw, "_MAX_KEPT", int(np.floor(expected)))
    with contract.refuses("B", match=f"about {expected:.3g} projections are expected .* Got B = 5.0\\."):
        worst_case_streaming(m, B, rng=seed)


def test_order_statistics_work_bound_is_the_documented_estimate(monkeypatch):
    """Refused when min(m, (B rho / 2)^(2/3) m^(2/3)) passes the cap (here patched to 1000), not before."""
    monkeypatch.setattr(lw, "_MAX_SCANNED", 1000)
    assert worst_case_order_statistics(1000, 1e6, rng=0).k <= 1000  # min(m, ...) = m = the cap: accepted
    with contract.refuses("B", match="could reach 1e\\+03 order statistics, over 1e\\+03 .* Got B = 1000000.0\\."):
        worst_case_order_statistics(1001, 1e6, rng=0)
    m = 10**6
    B_cap = 2.0 / np.sqrt(2 / np.pi) * 1000**1.5 / m  # (B rho / 2)^(2/3) m^(2/3) = 1000
    assert worst_case_order_statistics(m, B_cap * (1 - 1e-9), rng=0).value > 0
    with contract.refuses("B", match="over 1e\\+03"):
        worst_case_order_statistics(m, B_cap * (1 + 1e-9), rng=0)
