"""Tests of nearinit.worst_case: the exact supremum of the ReLU gap over a Frobenius ball (Theorem thm-worst-case)."""

from __future__ import annotations

import math
import sys
import warnings
from itertools import combinations

import contract
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from scipy.optimize import minimize
from worst_case_helpers import from_projections, sup_from_sorted

from nearinit import (
    ball_points,
    concavity_certificate,
    forward,
    general_base_pair,
    get_activation,
    init_params,
    linearization_gap,
    linearize,
    loglog_slope,
    sample_projections,
    worst_case_asymptotic,
    worst_case_constant,
    worst_case_gap,
)
from nearinit.worst_case import WorstCase


def _instance(m, d, seed):
    rng = np.random.default_rng(seed)
    W0, a = init_params(m, d, rng=rng)
    x = rng.standard_normal(d)
    x *= rng.uniform(0.3, 2.0) / np.linalg.norm(x)
    return W0, a, x


def _full_sort_reference(z, a, B, x_norm, sign):
    """Plain reference: sort every eligible |z_i|, try every k."""
    zs = np.sort(np.abs(z[a == sign]))
    k = np.arange(zs.size + 1)
    vals = B * x_norm * np.sqrt(k) - np.concatenate([[0.0], np.cumsum(zs)])
    return sign * vals.max(), int(np.argmax(vals))


# --- attainment: the returned W reaches the value --------------------------------------------------


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("seed", range(8))
def test_value_is_attained_at_the_returned_W(seed, sign):
    W0, a, x = _instance(60, 4, seed)
    B = [0.1, 0.5, 1.0, 3.0, 10.0, 40.0, 0.01, 2.0][seed]
    res = worst_case_gap(W0, a, x, B, sign=sign)
    assert np.linalg.norm(res.W - W0) <= B * (1 + 1e-12)
    assert_allclose(linearization_gap(res.W, W0, a, x), res.value, rtol=1e-10, atol=1e-12)
    assert sign * res.value >= 0
    changed = np.flatnonzero(np.any(res.W != W0, axis=1))
    assert changed.tolist() == sorted(res.moved.tolist()) and res.k == changed.size
    assert np.all(a[res.moved] == sign)


def test_the_other_relu_convention_is_attained_too():
    """With projections exactly 0, the moves depend on sigma'(0); each convention reaches the same value."""
    W0 = np.array([[0.0, 1.0], [0.0, -2.0], [0.3, 0.0], [-0.1, 5.0]])
    a = np.ones(4)
    x = np.array([1.0, 0.0])  # projections 0, 0, 0.3, -0.1
    for prime0 in (0.0, 1.0):
        res = worst_case_gap(W0, a, x, 1.0, relu_prime_at_zero=prime0)
        act = get_activation("relu", relu_prime_at_zero=prime0)
        assert_allclose(linearization_gap(res.W, W0, a, x, activation=act), res.value, rtol=1e-12)
    # by hand: k = 3 (0, 0, 0.1): sqrt(3) - 0.1 = 1.6321 beats k = 2 (sqrt 2) and k = 4 (2 - 0.4)
    assert res.k == 3 and math.isclose(res.value, math.sqrt(3) - 0.1, rel_tol=1e-12)


def test_small_example_by_hand():
    z = np.array([0.5, -0.1, 0.2, 3.0])
    a = np.array([1.0, 1.0, -1.0, 1.0])
    sup = from_projections(z, a, 1.0)
    assert sup.k == 1 and sup.moved.tolist() == [1] and math.isclose(sup.value, 0.9)
    # k = 2 would give sqrt(2) - 0.6 = 0.814 < 0.9
    inf = from_projections(z, a, 1.0, sign=-1)
    assert inf.k == 1 and inf.moved.tolist() == [2] and math.isclose(inf.value, -0.8)
    assert inf.moves.tolist() == [-1.0]  # z = 0.2 > 0: moves down, across zero
    assert from_projections(z, a, 0.0).value == 0.0


# --- optimality: no feasible W does better ---------------------------------------------------------


def _project_to_ball(W, W0, B):
    D = W - W0
    n = np.linalg.norm(D)
    return W0 + (D * (B / n) if n > B else D)


def _random_feasible(W0, x, B, rng, n):
    """Random points of the ball: isotropic directions, moves along +-x of random subsets, mixtures."""
    m, d = W0.shape
    u = x / np.linalg.norm(x)
    for j in range(n):
        kind = j % 3
        if kind == 0:
            D = rng.standard_normal((m, d))
        else:
            D = np.zeros((m, d))
            subset = rng.random(m) < rng.uniform(0.05, 0.6)
            D[subset] = np.outer(rng.choice([-1.0, 1.0], subset.sum()) * rng.exponential(1.0, subset.sum()), u)
            if kind == 2:
                D += 0.1 * rng.standard_normal((m, d))
        nrm = np.linalg.norm(D)
        if nrm > 0:
            yield W0 + D * (B * rng.uniform(0.5, 1.0) ** (1 / (m * d)) / nrm)


def _gradient_ascent(W0, a, x, B, W, steps=150, lr=0.05):
    """Projected (sub)gradient ascent on the gap; its gradient in w_i is a_i (sigma'(w_i.x) - sigma'(w0_i.x)) x."""
    z0 = W0 @ x
    best = linearization_gap(W, W0, a, x)
    for _ in range(steps):
        g = a * ((W @ x > 0).astype(float) - (z0 > 0))
        # push every neuron of the right sign towards zero crossing too, so that ascent can start flips
        g = g + 0.2 * a * np.where(a > 0, -np.sign(z0), 0.0)
        W = _project_to_ball(W + lr * B * np.outer(g, x), W0, B)
        best = max(best, linearization_gap(W, W0, a, x))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_no_feasible_point_beats_the_supremum(seed):
    rng = np.random.default_rng(1000 + seed)
    m, d = 12, 3
    W0, a, x = _instance(m, d, seed)
    B = rng.uniform(0.2, 3.0)
    sup = worst_case_gap(W0, a, x, B).value
    inf = worst_case_gap(W0, a, x, B, sign=-1).value
    values = [linearization_gap(W, W0, a, x) for W in _random_feasible(W0, x, B, rng, 3000)]
    assert max(values) <= sup + 1e-12 and min(values) >= inf - 1e-12
    ascents = [_gradient_ascent(W0, a, x, B, W) for W in _random_feasible(W0, x, B, rng, 30)]
    assert max(ascents) <= sup + 1e-12
    # the search is not toothless: it gets within a factor 2 of the supremum (so a wrong, too small
    # "supremum" would be caught by the first assertion)
    assert max(ascents) >= 0.5 * sup


def test_scipy_optimizer_from_many_starts_does_not_beat_it():
    W0, a, x = _instance(6, 2, 7)
    B = 1.5
    sup = worst_case_gap(W0, a, x, B)
    cons = {"type": "ineq", "fun": lambda w: B**2 - np.sum((w - W0.ravel()) ** 2)}
    rng = np.random.default_rng(3)
    best = -np.inf
    for W in _random_feasible(W0, x, B, rng, 40):
        out = minimize(lambda w: -linearization_gap(w.reshape(W0.shape), W0, a, x), W.ravel(), constraints=[cons])
        Wopt = _project_to_ball(out.x.reshape(W0.shape), W0, B)
        best = max(best, linearization_gap(Wopt, W0, a, x))
    assert best <= sup.value + 1e-9


def _brute_force_subsets(z, a, B, x_norm, sign):
    """The best B ||x|| sqrt|S| - sum_S abs(z_i) over every set S of a_i = sign neurons (S empty: 0)."""
    zs = np.abs(z[a == sign])
    best = 0.0
    for k in range(1, zs.size + 1):
        for S in combinations(range(zs.size), k):
            best = max(best, B * x_norm * math.sqrt(k) - zs[list(S)].sum())
    return sign * best


def test_brute_force_over_subsets_on_tiny_instances():
    """For m <= 8 enumerate every set K of a_i = +1 neurons to flip: the best B||x||sqrt|K| - sum_K z_i."""
    for seed in range(20):
        W0, a, x = _instance(8, 2, seed)
        B = 0.2 + seed / 5
        best = _brute_force_subsets(W0 @ x, a, B, np.linalg.norm(x), 1)
        assert math.isclose(worst_case_gap(W0, a, x, B).value, best, rel_tol=1e-12, abs_tol=1e-14)


# --- the two entry points, the selection path, the full sort ---------------------------------------


def _ball_perturbations(W0, x, B, n, seed):
    points, _ = ball_points(W0, x, B, n, rng=seed)
    return points


@pytest.mark.parametrize("seed", range(5))
def test_optimal_point_attains_the_value_and_beats_the_ball(seed):
    W0, a, x = _instance(500, 6, seed)
    for sign in (1, -1):
        full = worst_case_gap(W0, a, x, 2.0, sign=sign)
        # the optimal W is a point of the ball, and the gap there (computed from f and f_0) is the value
        assert np.linalg.norm(full.W - W0) <= 2.0 * (1 + 1e-12)
        gap = forward(full.W, a, x) - linearize(W0, a)(full.W, x)
        assert math.isclose(gap, full.value, rel_tol=1e-9)
        # no point of the ball does better: the moved rows re-spread over a neighbouring k, and random points
        for W in _ball_perturbations(W0, x, 2.0, 50, seed):
            assert sign * linearization_gap(W, W0, a, x) <= sign * full.value + 1e-9


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=60),
    st.integers(0, 2**32 - 1),
    st.floats(0, 20, allow_nan=False),
    st.integers(1, 70),
    st.sampled_from([1, -1]),
)
def test_selection_equals_full_sort_for_any_start(values, seed, B, k_start, sign):
    z = np.round(np.asarray(values), 1)  # rounding makes ties and exact zeros common
    a = np.random.default_rng(seed).choice([-1.0, 1.0], z.size)
    if 0 < B * 1.3 < 2 * math.sqrt(z.size) * sys.float_info.min:  # the steps would be subnormal: refused, not rounded
        with contract.refuses("B", match="too small together"):
            from_projections(z, a, B, x_norm=1.3, sign=sign, k_start=k_start)
        return
    ref_value, ref_k = _full_sort_reference(z, a, B, 1.3, sign)
    res = from_projections(z, a, B, x_norm=1.3, sign=sign, k_start=k_start)
    assert math.isclose(res.value, ref_value, rel_tol=1e-12, abs_tol=1e-12)
    assert res.k == ref_k and res.moved.size == res.k
    n = np.count_nonzero(a == sign)
    assert res.k <= res.K <= n
    if res.K < n:  # stopped early: the certificate holds for the K-th smallest eligible value
        kth = np.sort(np.abs(z[a == sign]))[res.K - 1]
        assert concavity_certificate(res.K, B * 1.3, kth)
    assert_allclose(np.abs(res.moves), B * 1.3 / math.sqrt(res.k) if res.k else 0.0)


def test_subnormal_steps_are_refused_not_rounded():
    """At B = 5e-324 the objective B ||x|| sqrt(k) - sum z rounds to 5e-324 at k = 1 and to 1e-323 at k = 3 (three
    zero projections): the selection stopped at k = 1, half the true value, in silence. Now refused, naming B; the
    smallest radius with normal steps is still computed exactly."""
    z, a = np.zeros(3), np.ones(3)
    for B in (5e-324, 1e-310, 2.2e-308):
        with contract.refuses("B", match="smallest normal number"):
            from_projections(z, a, B, x_norm=1.0)
    B = 2 * math.sqrt(3) * sys.float_info.min  # the threshold grows with sqrt(m): the last step is B / (2 sqrt(m))
    res = from_projections(z, a, B, x_norm=1.0)
    assert res.k == 3 and res.value == B * math.sqrt(3)
    with contract.refuses("B", match="'B' and 'x_norm' parameters are too small together"):
        from_projections(z, a, 0.99 * B, x_norm=1.0)
    # one neuron: the threshold is 2 tiny (sqrt(1)), so 2.5 tiny is computed, exactly
    res = from_projections(np.zeros(1), np.ones(1), 2.5 * sys.float_info.min, x_norm=1.0)
    assert res.k == 1 and res.value == 2.5 * sys.float_info.min
    assert from_projections(z, a, 0.0).value == 0.0


def test_large_random_instance_selection_equals_full_sort():
    z, a = sample_projections(300_000, rng=5)
    for B in (0.05, 1.0, 30.0):
        res = from_projections(z, a, B)
        ref_value, ref_k = _full_sort_reference(z, a, B, 1.0, 1)
        assert math.isclose(res.value, ref_value, rel_tol=1e-12) and res.k == ref_k
        assert res.K < 0.2 * z.size  # a selection, not a sort of everything


def test_adversarial_zero_projections_widen_the_selection():
    """All projections 0: every a_i = +1 neuron moves, the value is B sqrt(#{a_i = +1})."""
    rng = np.random.default_rng(9)
    m = 5000
    W0 = rng.standard_normal((m, 3))
    W0[:, 0] = 0.0
    a = rng.choice([-1.0, 1.0], m)
    x = np.array([1.0, 0.0, 0.0])
    res = worst_case_gap(W0, a, x, 2.0)
    n_plus = int(np.sum(a == 1))
    assert res.k == n_plus and math.isclose(res.value, 2.0 * math.sqrt(n_plus), rel_tol=1e-12)
    assert_allclose(linearization_gap(res.W, W0, a, x), res.value, rtol=1e-10)
    proj = from_projections(W0 @ x, a, 2.0, k_start=3)
    assert proj.K == n_plus and proj.value == res.value


# --- the infimum mirrors the supremum --------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_infimum_is_minus_the_supremum_with_a_flipped(seed):
    W0, a, x = _instance(200, 3, seed)
    inf = worst_case_gap(W0, a, x, 1.7, sign=-1)
    sup_flipped = worst_case_gap(W0, -a, x, 1.7)
    assert inf.value == -sup_flipped.value and inf.k == sup_flipped.k
    assert_allclose(inf.W, sup_flipped.W)


# --- asymptotics ------------------------------------------------------------------------------------


def test_constant_matches_sympy():
    B, m, k = sp.symbols("B m k", positive=True)
    h = B * sp.sqrt(k) - k**2 * sp.sqrt(2 * sp.pi) / (2 * m)
    k_star = sp.solve(sp.diff(h, k), k)[0]
    value = sp.simplify(h.subs(k, k_star) / (B ** sp.Rational(4, 3) * m ** sp.Rational(1, 3)))
    assert value.free_symbols == set()
    assert math.isclose(float(value), worst_case_constant(), rel_tol=1e-14)
    assert sp.simplify(sp.diff(h, k, 2).subs(k, k_star)).is_negative


def test_constant_at_large_width():
    """Seeded: at m = 10^6 the exact worst case is within 2.5% of c B^{4/3} m^{1/3} (4 draws, B = 1 and 4)."""
    ratios = []
    for seed in range(4):
        z, a = sample_projections(1_000_000, x_norm=0.7, rng=seed)
        for B in (1.0, 4.0):
            res = from_projections(z, a, B, x_norm=0.7)
            ratios.append(res.value / worst_case_asymptotic(1_000_000, B, x_norm=0.7))
    assert abs(np.mean(ratios) - 1) < 0.025 and max(abs(r - 1) for r in ratios) < 0.05


def test_exponents_in_m_and_B():
    ms = np.array([10**4, 10**5, 10**6])
    vals = [from_projections(*sample_projections(int(m), rng=int(m)), 1.0).value for m in ms]
    assert abs(loglog_slope(ms, vals)[0] - 1 / 3) < 0.03
    z, a = sample_projections(10**6, rng=1)
    Bs = np.array([0.1, 1.0, 10.0])
    vals = [from_projections(z, a, B).value for B in Bs]
    assert abs(loglog_slope(Bs, vals)[0] - 4 / 3) < 0.03


def test_sample_projections_law():
    z, a = sample_projections(20_000, x_norm=2.5, rng=4)
    assert stats.kstest(z / 2.5, "norm").pvalue > 1e-3
    assert set(np.unique(a)) == {-1.0, 1.0} and abs(np.mean(a == 1) - 0.5) < 0.02


# --- sup_from_sorted and argument checks ------------------------------------------------------------


def test_sup_from_sorted_breaks_ties_towards_small_k():
    # B = 1, z = (1, 1): k = 0 and k = 1 both give 0 (k = 2 gives sqrt 2 - 2 < 0); nothing needs to move
    assert sup_from_sorted(np.array([1.0, 1.0]), 1.0) == (0.0, 0)
    # z = (0, 0.25): k = 1 gives 1, k = 2 gives sqrt 2 - 0.25 = 1.164: the larger wins
    value, k = sup_from_sorted(np.array([0.0, 0.25]), 1.0)
    assert k == 2 and math.isclose(value, math.sqrt(2) - 0.25)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"a": np.array([1.0, 0.5, -1.0])}, r"'a' parameter must have entries in .* Got a\[1\] = 0.5"),
        ({"a": np.array([1.0, -1.0])}, "'a' parameter must have one entry per projection"),
        ({"B": -1.0}, "'B' parameter"),
        ({"sign": 0}, "'sign' parameter"),
        ({"sign": True}, "'sign' parameter"),
        ({"x_norm": -1.0}, "'x_norm' parameter"),
        ({"relu_prime_at_zero": 0.5}, "'relu_prime_at_zero' parameter must be 0 or 1"),
        ({"k_start": 0}, "'k_start' parameter"),
        ({"z": np.array([1.0, np.nan, 0.0])}, "'z' parameter must contain only finite"),
    ],
)
def test_projection_path_rejects_bad_arguments(kwargs, match):
    args = {"z": np.array([0.1, -0.2, 0.3]), "a": np.array([1.0, 1.0, -1.0]), "B": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        from_projections(**args)


def test_matrix_path_rejects_bad_arguments():
    W0, a, x = _instance(5, 3, 0)
    with pytest.raises(ValueError, match="'x' parameter must be one input"):
        worst_case_gap(W0, a, np.stack([x, x]), 1.0)
    with pytest.raises(ValueError, match="'x' parameter must have d = 3"):
        worst_case_gap(W0, a, x[:2], 1.0)
    with pytest.raises(ValueError, match="'a' parameter must have one entry per row"):
        worst_case_gap(W0, a[:4], x, 1.0)
    with pytest.raises(TypeError, match="'B' parameter must be a real number"):
        worst_case_gap(W0, a, x, "1")


def test_zero_input_and_zero_radius():
    W0, a, _ = _instance(5, 3, 0)
    for x, B in ((np.zeros(3), 1.0), (np.ones(3), 0.0)):
        res = worst_case_gap(W0, a, x, B)
        assert res.value == 0.0 and res.k == 0 and np.array_equal(res.W, W0)


def test_no_eligible_neuron_gives_zero():
    z = np.array([0.0, 0.1, -0.2])
    res = from_projections(z, -np.ones(3), 5.0)
    assert res.value == 0.0 and res.k == 0 and res.moved.size == 0 and res.K == 0
    inf = from_projections(z, -np.ones(3), 5.0, sign=-1)
    assert inf.k == 3 and math.isclose(inf.value, -(5.0 * math.sqrt(3) - 0.3))


# --- WorstCase built by hand: it stores what it checked, and refuses exactly at its boundaries (make mutation) ---


def test_a_worst_case_built_by_hand_stores_its_checked_fields():
    rng = np.random.default_rng(5)
    W0, a, x = rng.standard_normal((6, 2)), np.array([1.0, -1, 1, -1, 1, 1]), np.array([0.5, -0.25])
    wc = worst_case_gap(W0, a, x, 0.4)
    assert wc.k >= 1
    by_hand = WorstCase(
        np.float32(0.5), wc.k, [float(i) for i in wc.moved], list(wc.moves), np.int64(wc.K), W0.tolist(), x.tolist()
    )
    assert type(by_hand.value) is float and by_hand.value == 0.5  # stored as checked: a Python float
    assert type(by_hand.K) is int and type(by_hand.k) is int and by_hand.k == wc.k
    assert by_hand.moved.dtype == np.int64 and by_hand.moved.tolist() == wc.moved.tolist()
    assert isinstance(by_hand.moves, np.ndarray) and by_hand.moves.tolist() == wc.moves.tolist()
    assert isinstance(by_hand.W0, np.ndarray) and isinstance(by_hand.x, np.ndarray) and by_hand.K == wc.K
    assert np.array_equal(by_hand.W, wc.W)
    assert math.isclose(linearization_gap(by_hand.W, W0, a, x), wc.value, rel_tol=1e-12)


def test_a_worst_case_built_by_hand_refuses_exactly_at_its_boundaries():
    W0, x = np.zeros((3, 2)), np.array([0.5, 0.0])  # m = 3 rows, d = 2: not square; x @ x = 0.25 < 1

    def build(k=1, moved=(0,), moves=(1.0,), K=None, x=x):
        return WorstCase(0.0, k, list(moved), list(moves), k if K is None else K, W0, x)

    assert build(k=0, moved=(), moves=(), x=np.zeros(2)).k == 0  # nothing moves: x may be zero
    assert build(k=3, moved=(0, 1, 2), moves=(1.0, 1.0, 1.0)).k == 3  # k up to m = 3 rows
    assert build(moved=(2,)).moved.tolist() == [2] and build(moved=(0,)).moved.tolist() == [0]
    assert build(k=2, moved=(1, 0), moves=(1.0, -1.0), K=3).K == 3
    refused = [
        (dict(x=np.zeros(2)), "x", r"^The 'x' parameter must be a nonzero input when k > 0"),
        (dict(k=-1, moved=(), moves=()), "k", None),
        (dict(k=4, moved=(0, 1, 2, 0), moves=(1.0,) * 4), "k", None),
        (dict(k=2, moved=(0, 1), moves=(1.0, 1.0), K=1), "K", None),
        (dict(moved=(0.5,)), "moved", r"^The 'moved' parameter must hold k = 1 row indices in \[0, 3\)"),
        (dict(moved=(-1,)), "moved", r"^The 'moved' parameter must hold k = 1 row indices"),
        (dict(moved=(3,)), "moved", r"^The 'moved' parameter must hold k = 1 row indices"),
        (dict(k=2, moved=(1, 1), moves=(1.0, 1.0)), "moved", r"^The 'moved' parameter must hold distinct row indices"),
        (dict(moves=(1.0, 2.0)), "moves", r"^The 'moves' parameter must hold k = 1 changes"),
    ]
    for kwargs, name, match in refused:
        with contract.refuses(name, match=match, exc=ValueError):
            build(**kwargs)


def test_worst_case_gap_edges_width_one_messages_and_method():
    one = worst_case_gap(np.array([[0.5]]), np.array([1.0]), np.array([1.0]), 1.0)  # m = 1 row
    assert one.k == 1 and math.isclose(one.value, 1.0 - 0.5)  # B ||x|| - z: across zero at cost z
    W0 = np.ones((3, 2))
    with contract.refuses("a", match=r"one entry per row of 'W0' \(3\)\. Got 2 entries", exc=ValueError):
        worst_case_gap(W0, np.ones(2), np.ones(2), 1.0)
    with contract.refuses("W0", match=r"^The 'W0' parameter must contain only finite values", exc=ValueError):
        worst_case_gap(np.array([[np.inf, 1.0]] * 3), np.ones(3), np.array([0.0, 1.0]), 1.0)
    with contract.refuses("method", exc=ValueError):
        worst_case_gap(W0, np.ones(3), np.ones(2), 1.0, method="bogus")
    # method="sort" looks at every eligible neuron (K = all of them); "select" certifies with fewer, same answer
    rng = np.random.default_rng(0)
    W0, a = rng.standard_normal((5000, 1)), rng.choice([-1.0, 1.0], 5000)
    by_sort = worst_case_gap(W0, a, np.ones(1), 1.0, method="sort")
    by_select = worst_case_gap(W0, a, np.ones(1), 1.0)
    assert by_sort.K == np.count_nonzero(a == 1) > by_select.K and by_sort.value == by_select.value


def test_concavity_certificate_at_its_boundary():
    """The certificate is B (sqrt(K+1) - sqrt(K)) <= lower: at K = 0 it reads B <= lower; at K = 3, B (2 - sqrt 3)."""
    assert concavity_certificate(0, 1.0, 1.0) and not concavity_certificate(0, 1.0, 0.8)
    step = 2.0 - math.sqrt(3.0)
    assert concavity_certificate(3, 2.0, 2.0 * step * (1 + 1e-12))
    assert not concavity_certificate(3, 2.0, 2.0 * step * (1 - 1e-9))


def test_sample_projections_scale_budget_and_overflow_names(monkeypatch):
    z1, a1 = sample_projections(50, rng=7)
    z2, a2 = sample_projections(50, x_norm=2.0, rng=7)
    assert np.array_equal(z2, 2.0 * z1) and np.array_equal(a1, a2)  # iid N(0, ||x||^2): the same draws, scaled
    # z and a: 16 m bytes, accepted at the budget, refused one byte below
    z, _ = contract.at_budget(
        monkeypatch,
        16 * 50,
        lambda: sample_projections(50, rng=0),
        "m",
        match=r"'m' parameter is too large: 50 projections and signs .* Got m = 50\.",
    )
    assert z.shape == (50,)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="overflows") as info:
        worst_case_asymptotic(10**6, 1e300)
    assert "'m' = 1000000" in str(info.value) and "'B' = 1e+300" in str(info.value)


def test_the_cheapest_rows_break_ties_by_index():
    """general_base_pair moves the cheapest a = +1 rows; among equal costs, the first rows (stable order)."""
    W0 = np.array([[1.0]] * 40 + [[0.5]] * 40)
    pair = general_base_pair(W0, np.ones(80), np.array([1.0]), math.sqrt(0.8))  # room for 3 rows of cost 0.25
    assert pair.k == 3 and np.flatnonzero(np.any(pair.W != W0, axis=1)).tolist() == [40, 41, 42]


def test_worst_case_names_a_and_relu_prime_at_zero_and_breaks_ties_by_index():
    W0 = np.array([[1.0]] * 20 + [[0.5]] * 40)
    with contract.refuses("a", match=r"^The 'a' parameter must contain only finite values", exc=ValueError):
        worst_case_gap(W0, np.full(60, np.nan), np.ones(1), 1.0)
    for c in (-0.1, 1.5):
        with contract.refuses("relu_prime_at_zero", exc=ValueError):
            worst_case_gap(W0, np.ones(60), np.ones(1), 1.0, relu_prime_at_zero=c)
    # a projection exactly 0 is off with relu'(0) = 0 and moves up, on with relu'(0) = 1 and moves down (thm-worst-case)
    zero = np.array([[0.0], [5.0]])
    for c, move in ((0.0, 1.0), (1.0, -1.0)):
        res = worst_case_gap(zero, np.ones(2), np.ones(1), 1.0, relu_prime_at_zero=c)
        assert (res.k, res.value, res.moved.tolist(), res.moves.tolist()) == (1, 1.0, [0], [move])
        assert res.W.tolist() == [[move], [5.0]]
    res = worst_case_gap(W0, np.ones(60), np.ones(1), 2.0)  # B sqrt(k) - 0.5 k is largest at k = 4
    assert res.k == 4 and res.moved.tolist() == [20, 21, 22, 23]  # among equal costs, the first rows


def test_worst_case_gap_refuses_a_non_finite_W0_without_a_warning_and_an_overflowing_radius():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with contract.refuses("W0", exc=ValueError):
            worst_case_gap(np.array([[np.inf, 1.0], [1e308, 1e308]]), np.ones(2), np.array([0.0, 1.0]), 1.0)
        with contract.refuses("W0", exc=ValueError):
            worst_case_gap(np.array([[1e308, 1e308]]), np.ones(1), np.array([1.0, 1.0]), 1.0)
    # one eligible neuron: B ||x|| = 1.5e308 is finite, and so is the answer; with 4 of them, sqrt(4) B ||x|| is not
    assert math.isfinite(worst_case_gap(np.array([[1.0]]), np.ones(1), np.ones(1), 1.5e308).value)
    with contract.refuses("B", match="'B' and 'x' parameters are too large together", exc=ValueError):
        worst_case_gap(np.ones((4, 1)), np.ones(4), np.ones(1), 1.5e308)


# --- mutation testing: the selection's boundary element, ties, defaults, refusals ---------------------------------


def test_selection_from_every_start_keeps_the_kth_smallest():
    """The K smallest are selected exactly, the K-th one included, whatever K starts at: with a few tiny projections
    among many large ones, a large value in the K-th place would certify a K below the optimal k = 4 (the
    certificate B (sqrt(K+1) - sqrt(K)) <= K-th value) and answer too little. Sizes past numpy's small-array path."""
    rng = np.random.default_rng(3)
    for m in (40, 700, 3000):
        z = rng.uniform(1.0, 2.0, m) * rng.choice([-1.0, 1.0], m)
        z[rng.choice(m, 4, replace=False)] = [0.004, -0.001, 0.003, -0.002]
        expected = 0.5 * math.sqrt(4) - 0.01  # k = 4 beats k = 3 (0.860) and k = 5 (below 0.118)
        for k_start in range(1, 6):
            res = from_projections(z, np.ones(m), 0.5, k_start=k_start)
            assert math.isclose(res.value, expected, rel_tol=1e-12) and res.k == 4, (m, k_start)
            assert sorted(res.moved.tolist()) == np.flatnonzero(np.abs(z) < 0.01).tolist()


def test_selection_equals_brute_force_on_small_instances_from_every_start():
    rng = np.random.default_rng(4)
    for _ in range(30):
        z = np.round(rng.standard_normal(7), 1)  # ties and zeros
        a = rng.choice([-1.0, 1.0], 7)
        for sign in (1, -1):
            expected = _brute_force_subsets(z, a, 0.9, 1.3, sign)
            for k_start in range(1, 8):
                res = from_projections(z, a, 0.9, x_norm=1.3, sign=sign, k_start=k_start)
                assert math.isclose(res.value, expected, rel_tol=1e-12, abs_tol=1e-15)


def test_moved_in_increasing_order_with_ties_by_index():
    """30 projections 0.1 and 30 of 0.2, interleaved: k = 40 moves every 0.1 (by index) and the first ten 0.2."""
    z = np.array([0.1, -0.2] * 30)
    B = math.sqrt(40) / 2.5  # B sqrt(k) - 3 - 0.2 (k - 30) is largest at k = 40 (11.0; k = 39, 41: 10.999, 10.998)
    expected = np.r_[np.arange(0, 60, 2), np.arange(1, 21, 2)].tolist()
    for method in ("select", "sort"):
        res = worst_case_gap(z[:, None], np.ones(60), np.ones(1), B, method=method)
        assert res.k == 40 and res.moved.tolist() == expected


def test_projection_core_defaults_dtypes_and_refusals():
    # relu'(0) = 0 by default: a projection exactly 0 is off, and moves up
    res = from_projections(np.array([0.0, 5.0]), np.ones(2), 1.0)
    assert res.k == 1 and res.moves.tolist() == [1.0]
    assert from_projections(np.array([0.0]), np.ones(1), 1.0, relu_prime_at_zero=1.0).moves.tolist() == [-1.0]
    none = from_projections(np.array([0.3, -0.2]), -np.ones(2), 1.0)  # no eligible neuron
    assert none.moved.dtype == np.int64 and none.moved.shape == (0,) and none.moves.shape == (0,)
    with contract.refuses("z", match="at least one"):
        from_projections(np.ones(0), np.ones(0), 1.0)
    with contract.refuses("a", match="finite"):
        from_projections(np.ones(2), np.array([1.0, np.nan]), 1.0)
    for bad in (-1.0, 0.5, 2.0):
        with contract.refuses("relu_prime_at_zero", match="0 or 1"):
            from_projections(np.ones(2), np.ones(2), 1.0, relu_prime_at_zero=bad)
    with contract.refuses("method", match="'select', 'sort'"):
        from_projections(np.ones(2), np.ones(2), 1.0, method="quick")
