"""Tests of the results beyond the lecture (kernel stability, GD radius, failure rate, sharp pair) against oracles."""

import math
from itertools import combinations

import numpy as np
import pytest
from scipy import stats
from worst_case_helpers import from_projections

from nearinit import (
    activation_changes,
    bad_set,
    clopper_pearson,
    gd_radius,
    general_base_bound,
    general_base_pair,
    general_base_pair_constant,
    init_params,
    kernel_change_extremes,
    kernel_stability_bound,
    linear_gd_distance,
    linearization_gap,
    main_lemma_bound,
    main_lemma_failure_rate,
    main_lemma_tau,
    sample_projections,
    tangent_kernel,
    train_first_layer,
    worst_case_gap,
)


def _unit(rng, d):
    x = rng.standard_normal(d)
    return x / np.linalg.norm(x)


def test_activation_changes_matches_a_loop():
    rng = np.random.default_rng(1)
    W0, _ = init_params(40, 3, rng=rng)
    W = W0 + 0.5 * rng.standard_normal(W0.shape)
    X = rng.standard_normal((6, 3))
    expected = [sum((W[i] @ x > 0) != (W0[i] @ x > 0) for i in range(40)) for x in X]
    np.testing.assert_array_equal(activation_changes(W, W0, X), expected)
    assert activation_changes(W0, W0, X[0]) == 0


def test_activation_changes_lie_in_the_bad_set():
    # the proof of the main lemma: a neuron outside S_1 cup S_2 keeps its activation
    rng = np.random.default_rng(2)
    for _ in range(20):
        W0, _ = init_params(300, 4, rng=rng)
        x = _unit(rng, 4)
        D = rng.standard_normal(W0.shape) * rng.exponential(1.0, (300, 1)) ** 3
        W = W0 + D * (rng.uniform(0.1, 3.0) / np.linalg.norm(D))
        tau = rng.uniform(0.01, 0.5)
        changed = np.flatnonzero((W @ x > 0) != (W0 @ x > 0))
        assert set(changed) <= set(bad_set(W, W0, x, tau).S)


def test_kernel_change_extremes_attained_and_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(10):
        m, B = 9, rng.uniform(0.2, 1.5)
        W0, a = init_params(m, 2, rng=rng)
        x = 0.7 * _unit(rng, 2)
        res = kernel_change_extremes(W0, a, x, B)
        K0 = tangent_kernel(W0, a, x, scale="ntk")[0, 0]
        assert np.linalg.norm(res.W_up - W0) <= B * (1 + 1e-12)
        assert np.linalg.norm(res.W_down - W0) <= B * (1 + 1e-12)
        np.testing.assert_allclose(tangent_kernel(res.W_up, a, x, scale="ntk")[0, 0] - K0, res.up, atol=1e-14)
        np.testing.assert_allclose(K0 - tangent_kernel(res.W_down, a, x, scale="ntk")[0, 0], res.down, atol=1e-14)
        # brute force: the largest set of off (on) neurons whose squared distances to zero fit in the budget
        z = W0 @ x / np.linalg.norm(x)
        best_up = max(
            len(S)
            for k in range(m + 1)
            for S in combinations(np.flatnonzero(z <= 0), k)
            if np.sum(z[list(S)] ** 2) < B**2
        )
        best_down = max(
            len(S)
            for k in range(m + 1)
            for S in combinations(np.flatnonzero(z > 0), k)
            if np.sum(z[list(S)] ** 2) <= B**2
        )
        assert (res.n_up, res.n_down) == (best_up, best_down)


def test_kernel_change_no_random_point_beats_the_extremes():
    rng = np.random.default_rng(4)
    W0, a = init_params(200, 3, rng=rng)
    x = _unit(rng, 3)
    B = 1.0
    res = kernel_change_extremes(W0, a, x, B)
    K0 = tangent_kernel(W0, a, x, scale="ntk")[0, 0]
    for _ in range(300):
        D = rng.standard_normal(W0.shape) * (rng.random((200, 1)) < 0.05)
        if not D.any():
            continue
        W = W0 + D * (B * rng.uniform() / np.linalg.norm(D))
        change = tangent_kernel(W, a, x, scale="ntk")[0, 0] - K0
        assert -res.down - 1e-14 <= change <= res.up + 1e-14


def test_kernel_stability_bound_formula_and_default_tau_minimizes():
    m, B, delta = 5000, 2.0, 0.1
    tau = 0.05
    expected = (2 * (m * tau + np.sqrt(0.5 * m * np.log(2 / delta))) + B**2 / tau**2) / m
    assert kernel_stability_bound(m, B, delta, tau=tau) == pytest.approx(expected, rel=1e-14)
    best = kernel_stability_bound(m, B, delta)
    grid = np.geomspace(1e-4, 1.0, 2001)
    assert best <= min(kernel_stability_bound(m, B, delta, tau=t) for t in grid) * (1 + 1e-12)
    # leading term 3 B^{2/3} m^{-1/3}
    dev = 2 * np.sqrt(np.log(2 / delta) / (2 * m))
    assert best - dev == pytest.approx(3 * B ** (2 / 3) * m ** (-1 / 3), rel=1e-12)


def test_kernel_stability_bound_holds_at_the_exact_worst_case():
    rng = np.random.default_rng(5)
    m, B, delta = 2000, 1.0, 0.05
    for _ in range(20):
        W0, a = init_params(m, 3, rng=rng)
        x = _unit(rng, 3)
        res = kernel_change_extremes(W0, a, x, B)
        assert max(res.up, res.down) <= kernel_stability_bound(m, B, delta)


def test_gd_distance_matches_the_simulated_linear_model():
    rng = np.random.default_rng(6)
    W0, a = init_params(400, 2, rng=rng)
    t = np.sort(rng.uniform(0, 2 * np.pi, 6))
    X = np.stack([np.cos(t), np.sin(t)], axis=1)
    y = np.sin(2 * t)
    lr, steps = 2.0, 150
    run = train_first_layer(W0, a, X, y, lr=lr, steps=steps, linearized=True, X_eval=X, scale="ntk")
    K = tangent_kernel(W0, a, X, scale="ntk")
    r0 = run.predictions[0] - y
    np.testing.assert_allclose(linear_gd_distance(K, r0, lr=lr, steps=steps), run.distances, rtol=1e-9, atol=1e-12)
    assert lr * np.linalg.eigvalsh(K).max() / len(y) <= 1
    radius = gd_radius(K, r0)
    assert run.distances.max() <= radius * (1 + 1e-12)
    assert linear_gd_distance(K, r0, lr=lr, steps=200_000)[-1] == pytest.approx(radius, rel=1e-9)


def test_gd_radius_closed_form_and_errors():
    K = np.array([[2.0, 1.0], [1.0, 2.0]])
    r0 = np.array([1.0, -2.0])
    assert gd_radius(K, r0) == pytest.approx(np.sqrt(r0 @ np.linalg.solve(K, r0)), rel=1e-14)
    with pytest.raises(ValueError, match="'K' parameter must be positive definite"):
        gd_radius(np.array([[1.0, 1.0], [1.0, 1.0]]), r0)
    with pytest.raises(ValueError, match="'K' parameter must be symmetric"):
        gd_radius(np.array([[1.0, 0.5], [0.0, 1.0]]), r0)
    with pytest.raises(ValueError, match="'r0' parameter must have one entry per row of 'K'"):
        gd_radius(np.eye(3), r0)


def test_clopper_pearson_against_scipy_binomtest():
    for k, n in [(0, 10), (3, 10), (10, 10), (17, 400)]:
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        assert clopper_pearson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12)
    with pytest.raises(ValueError, match="'k' parameter must be at most n"):
        clopper_pearson(5, 4)


def test_failure_rate_counts_the_exact_worst_case():
    rng = 7
    m, B, delta = 300, 1.0, 0.2
    est = main_lemma_failure_rate(m, B, delta, 40, rng=rng)
    # recompute by hand with the same stream
    gen = np.random.default_rng(rng)
    bound = main_lemma_bound(m, B, delta)
    worst = []
    for _ in range(40):
        z, a = sample_projections(m, rng=gen)
        worst.append(max(from_projections(z, a, B).value, -from_projections(z, a, B, sign=-1).value))
    assert est.largest_ratio == pytest.approx(max(worst) / bound, rel=1e-12)
    assert est.failures == 0 and est.interval[1] < delta
    # a false bound (a quarter of the lemma's) fails in most initializations: the estimate can fail
    false = main_lemma_failure_rate(m, B, delta, 40, rng=rng, bound_factor=0.25)
    assert false.failures == sum(w > 0.25 * bound for w in worst) and false.interval[0] > delta


def test_failure_rate_count_event_matches_binomial_tail():
    m, B, delta = 100, 0.5, 0.3
    tau = main_lemma_tau(m, B)
    est = main_lemma_failure_rate(m, B, delta, 3000, rng=8)
    p = 2 * stats.norm.cdf(tau) - 1
    k = m * tau + np.sqrt(0.5 * m * np.log(1 / delta))
    exact = stats.binom.sf(np.floor(k), m, p)
    assert est.count_interval[0] <= exact <= est.count_interval[1]
    assert est.failures <= est.count_failures  # the lemma fails only where the count event fails


def test_general_base_pair_value_and_norms():
    rng = np.random.default_rng(9)
    for _ in range(10):
        W0, a = init_params(500, 4, rng=rng)
        x = rng.uniform(0.3, 1.0) * _unit(rng, 4)
        B = rng.uniform(0.2, 3.0)
        pair = general_base_pair(W0, a, x, B)
        assert np.linalg.norm(pair.V - W0) <= B * (1 + 1e-12)
        assert np.linalg.norm(pair.W - W0) == pytest.approx(B, rel=1e-12)
        assert linearization_gap(pair.W, pair.V, a, x) == pytest.approx(pair.value, rel=1e-10)
        # larger than the worst case at the base point V0 itself
        assert pair.value > worst_case_gap(W0, a, x, B).value


def test_general_base_pair_growth_constant():
    rng = np.random.default_rng(10)
    m, B = 10**6, 1.0
    z, a = sample_projections(m, rng=rng)
    pair = general_base_pair(z[:, None], a, np.array([1.0]), B)
    ratio = pair.value / (B ** (4 / 3) * m ** (1 / 3))
    assert ratio == pytest.approx(general_base_pair_constant(), rel=0.03)
    assert pair.value <= general_base_bound(m, B, 0.05)


def test_formula_is_only_an_upper_bound_for_gamma_strictly_between_0_and_1():
    # m = 1, z = 0, B = ||x|| = 1, sigma'(0) = 1/2: the supremum over the ball is 1/2 (attained), the formula gives 1
    from nearinit import get_activation

    half = get_activation("relu", relu_prime_at_zero=0.5)
    moves = np.linspace(-1.0, 1.0, 4001)
    gaps = [
        linearization_gap(np.array([[t]]), np.zeros((1, 1)), np.ones(1), np.ones(1), activation=half) for t in moves
    ]
    assert max(gaps) == pytest.approx(0.5, abs=1e-12)
    assert from_projections(np.zeros(1), np.ones(1), 1.0).value == pytest.approx(1.0)
    with pytest.raises(ValueError, match="only an upper bound"):
        from_projections(np.zeros(1), np.ones(1), 1.0, relu_prime_at_zero=0.5)


def test_kernel_change_extremes_at_the_boundary_sum_of_costs_equal_to_B_squared():
    """Costs 1/4 each and B = 1: switching off needs >= z_i, so all four on neurons fit (1 <= 1); switching on needs
    > z_i, so three off neurons fit (the fourth would need a sum < 1). The same boundary for the sharp pair."""
    W0 = np.array([[0.5], [0.5], [0.5], [0.5], [-0.5], [-0.5], [-0.5], [-0.5]])
    res = kernel_change_extremes(W0, np.ones(8), np.ones(1), 1.0)
    assert (res.n_down, res.n_up) == (4, 3)
    assert res.down == pytest.approx(4 / 8) and res.up == pytest.approx(3 / 8)
    pair = general_base_pair(W0, np.ones(8), np.ones(1), 1.0)
    assert pair.k == 3  # the sharp pair moves V strictly across: costs summing strictly below B^2 = 1


def test_failure_rate_count_event_is_the_proofs_event_exactly():
    """The count event is #{|z_i| <= tau} > c m tau + sqrt((m/2) ln(1/delta)), recomputed on the same stream; at these
    parameters the slides' sqrt(m ln(1/delta)) would give another count, so the test tells the two apart."""
    m, B, delta, trials, seed, c = 100, 0.5, 0.9, 400, 12, math.sqrt(2 / math.pi)  # c m tau near the mean count
    est = main_lemma_failure_rate(m, B, delta, trials, c=c, rng=seed)
    tau = main_lemma_tau(m, B)
    gen = np.random.default_rng(seed)
    near = np.array([np.count_nonzero(np.abs(sample_projections(m, rng=gen)[0]) <= tau) for _ in range(trials)])
    book = int(np.sum(near > c * m * tau + np.sqrt(0.5 * m * np.log(1 / delta))))
    slides = int(np.sum(near > c * m * tau + np.sqrt(m * np.log(1 / delta))))
    assert est.count_failures == book and abs(book - slides) >= 10
