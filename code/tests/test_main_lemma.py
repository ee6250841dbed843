"""Tests of nearinit.main_lemma: Lemma 4.1, the general-base-point theorem, the choice of tau, the bad sets."""

from __future__ import annotations

import math
import re

import contract
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import nearinit._validation as validation
from nearinit import (
    bad_set,
    ball_points,
    clopper_pearson,
    general_base_bound,
    general_base_pair,
    general_base_pair_constant,
    init_params,
    linearization_gap,
    linearize,
    main_lemma_bad_set_bound,
    main_lemma_bound,
    main_lemma_failure_rate,
    main_lemma_leading_constants,
    main_lemma_tau,
    near_zero_count,
    worst_case_gap,
)

C_DENSITY = math.sqrt(2 / math.pi)
widths = st.integers(1, 10**9)
radii = st.floats(1e-3, 1e3)
deltas = st.floats(1e-12, 0.999)

# --- tau ------------------------------------------------------------------------------------------------


def test_main_lemma_tau_optimal_against_sympy():
    tau, m, B, c = sp.symbols("tau m B c", positive=True)
    total = c * m * tau + B**2 / tau**2
    (tau_star,) = sp.solve(sp.diff(total, tau), tau)
    assert sp.simplify(tau_star - (2 * B**2 / (c * m)) ** sp.Rational(1, 3)) == 0
    assert sp.simplify(sp.diff(total, tau, 2).subs(tau, tau_star)).is_positive
    minimum = sp.simplify(total.subs(tau, tau_star))
    expected = 3 * 2 ** sp.Rational(-2, 3) * c ** sp.Rational(2, 3) * (B * m) ** sp.Rational(2, 3)
    assert sp.simplify(minimum / expected) == 1
    f = sp.lambdify((m, B, c), tau_star)
    for mv, Bv, cv in [(1000, 8.0, 1.0), (10**6, 0.3, C_DENSITY), (17, 2.5, 0.5)]:
        assert math.isclose(main_lemma_tau(mv, Bv, c=cv, method="optimal"), float(f(mv, Bv, cv)), rel_tol=1e-13)


@settings(max_examples=60, deadline=None)
@given(widths, radii, st.sampled_from([1.0, C_DENSITY]))
def test_main_lemma_tau_optimal_minimizes_numerically(m, B, c):
    def total(log_tau):
        return c * m * math.exp(log_tau) + B**2 * math.exp(-2 * log_tau)

    t = math.log(main_lemma_tau(m, B, c=c, method="optimal"))
    res = minimize_scalar(total, bracket=(t - 1, t + 1), tol=1e-12)
    assert math.isclose(math.exp(res.x), math.exp(t), rel_tol=1e-4)
    # and the slides' tau balances the two terms instead, at a larger total
    ts = main_lemma_tau(m, B)
    assert math.isclose(m * ts, B**2 / ts**2, rel_tol=1e-9)
    assert total(math.log(ts)) >= total(t) * (1 - 1e-12)


def test_leading_constants_by_hand_and_as_limits():
    slides, optimal = main_lemma_leading_constants()
    assert math.isclose(slides, math.sqrt(2)) and round(optimal, 4) == 1.3747
    assert round(main_lemma_leading_constants(c=C_DENSITY).optimal, 4) == 1.2751
    # the constants are the large-m limits of B sqrt(|S| bound) / (B^{4/3} m^{1/3}) with ln(1/delta) -> 0
    m, B, delta = 10**15, 2.0, 1 - 1e-15
    for c in (1.0, C_DENSITY):
        consts = main_lemma_leading_constants(c=c)
        scale = B ** (4 / 3) * m ** (1 / 3)
        at_slides = main_lemma_bound(m, B, delta, c=c) / scale
        at_opt = main_lemma_bound(m, B, delta, tau=main_lemma_tau(m, B, c=c, method="optimal"), c=c) / scale
        assert math.isclose(at_slides, consts.slides, rel_tol=1e-6)
        assert math.isclose(at_opt, consts.optimal, rel_tol=1e-6)


# --- the right-hand sides -----------------------------------------------------------------------------


def test_main_lemma_by_hand():
    # m = 1000, B = 8, tau = 0.4: m tau = 400 = B^2 / tau^2, Hoeffding sqrt(500 ln 20)
    hoeff = math.sqrt(500 * math.log(20))
    assert math.isclose(main_lemma_bad_set_bound(1000, 8.0, 0.05), 800 + hoeff)
    assert math.isclose(main_lemma_bound(1000, 8.0, 0.05), 8 * math.sqrt(800 + hoeff))
    assert math.isclose(main_lemma_bound(1000, 8.0, 0.05, tau=0.5), 8 * math.sqrt(500 + 256 + hoeff))
    assert math.isclose(general_base_bound(1000, 8.0, 0.05), 16 * math.sqrt(1200 + hoeff))
    assert math.isclose(general_base_bound(1000, 8.0, 0.05, a_inf=0.5), 8 * math.sqrt(1200 + hoeff))
    assert main_lemma_bound(1000, 0.0, 0.05) == 0.0 and general_base_bound(1000, 0.0, 0.05) == 0.0


@settings(max_examples=200, deadline=None)
@given(widths, radii, deltas)
def test_the_chains_of_inequalities(m, B, delta):
    log_term = math.log(1 / delta) ** 0.25
    lem = main_lemma_bound(m, B, delta)
    split = math.sqrt(2) * B ** (4 / 3) * m ** (1 / 3) + B * (m / 2) ** 0.25 * log_term
    assert lem <= split * (1 + 1e-12) and split <= main_lemma_bound(m, B, delta, method="slides") * (1 + 1e-12)
    assert main_lemma_bound(m, B, delta, tau=main_lemma_tau(m, B, method="optimal")) <= lem * (1 + 1e-12)
    assert main_lemma_bound(m, B, delta, c=C_DENSITY) <= lem
    gen = general_base_bound(m, B, delta)
    split3 = 2 * math.sqrt(3) * B ** (4 / 3) * m ** (1 / 3) + 2**0.75 * B * m**0.25 * log_term
    assert gen <= split3 * (1 + 1e-12) and split3 <= general_base_bound(m, B, delta, method="slides") * (1 + 1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: main_lemma_bound(0, 1.0, 0.1), "'m' parameter"),
        (lambda: main_lemma_bound(100, -1.0, 0.1), "'B' parameter"),
        (lambda: main_lemma_bound(100, 1.0, 1.0), "'delta' parameter must be in the range \\(0.0, 1.0\\)"),
        (lambda: main_lemma_bound(100, 1.0, 0.1, tau=0.0), "'tau' parameter"),
        (lambda: main_lemma_bound(100, 1.0, 0.1, c=1.5), "'c' parameter"),
        (lambda: main_lemma_tau(100, 0.0, method="optimal"), "'B' parameter"),
        (lambda: main_lemma_tau(0, 1.0), "'m' parameter"),
        (lambda: general_base_bound(100, 1.0, 0.1, a_inf=-1), "'a_inf' parameter"),
        (lambda: general_base_bound(100, 1.0, 0.0, method="slides"), "'delta' parameter"),
    ],
)
def test_bounds_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- the bad sets ---------------------------------------------------------------------------------------


def test_bad_set_by_hand_with_boundaries():
    x = np.array([2.0, 0.0])  # ||x|| = 2, tau ||x|| = 1 for tau = 0.5
    W0 = np.array([[0.5, 0.0], [0.1, 3.0], [4.0, 0.0], [-2.0, 1.0], [0.6, 0.0]])
    D = np.array([[0.0, 0.0], [0.0, 0.0], [0.5, 0.0], [0.0, 0.25], [-5.0, 0.0]])
    bs = bad_set(W0 + D, W0, x, 0.5)
    assert bs.S1.tolist() == [0, 1]  # |z| = 1 <= 1 counts, 0.2 counts, 1.2 does not
    assert bs.S2.tolist() == [2, 4]  # ||d|| = 0.5 >= 0.5 counts
    assert bs.S.tolist() == [0, 1, 2, 4] and bs.S3.size == 0
    # S_1 is built from W0, not W: moving neuron 4 across zero does not put it in S_1
    assert near_zero_count(W0, x, 0.5) == bs.S1.size
    V = W0 + np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.7], [0.0, 0.0]])
    bs3 = bad_set(W0 + D, W0, x, 0.5, V=V)
    assert bs3.S3.tolist() == [3] and bs3.S.tolist() == [0, 1, 2, 3, 4]


def test_bad_set_rejects_bad_arguments():
    W0, _ = init_params(4, 3, rng=0)
    with pytest.raises(ValueError, match="'x' parameter must be nonzero"):
        bad_set(W0, W0, np.zeros(3), 0.1)
    with pytest.raises(ValueError, match="'x' parameter must be one input"):
        bad_set(W0, W0, np.ones((2, 3)), 0.1)
    with pytest.raises(ValueError, match="'tau' parameter"):
        bad_set(W0, W0, np.ones(3), 0.0)
    with pytest.raises(ValueError, match="'W' parameter must have the shape of 'W0'"):
        bad_set(W0[:3], W0, np.ones(3), 0.1)
    with pytest.raises(ValueError, match="'V' parameter must have the shape of 'W0'"):
        bad_set(W0, W0, np.ones(3), 0.1, V=W0[:, :2])


@pytest.mark.parametrize("seed", range(6))
def test_the_lemma_holds_on_random_instances(seed):
    """|f - f_0| <= ||W - W0||_F sqrt|S| always, |S| <= |S_1| + B^2/tau^2, and the lemma's bound at delta = 0.05."""
    rng = np.random.default_rng(seed)
    m, d, B, delta = 2000, 5, [0.5, 2.0, 8.0][seed % 3], 0.05
    W0, a = init_params(m, d, rng=rng)
    x = rng.standard_normal(d)
    x /= np.linalg.norm(x) * rng.uniform(1, 2)
    tau = main_lemma_tau(m, B)
    points = ball_points(W0, x, B, 20, rng=rng)[0] + [worst_case_gap(W0, a, x, B, sign=s).W for s in (1, -1)]
    for W in points:
        gap = abs(linearization_gap(W, W0, a, x))
        bs = bad_set(W, W0, x, tau)
        assert gap <= np.linalg.norm(W - W0) * math.sqrt(bs.S.size) + 1e-9
        assert bs.S.size <= bs.S1.size + B**2 / tau**2
        assert gap <= main_lemma_bound(m, B, delta) and gap <= main_lemma_bound(
            m, B, delta, tau=main_lemma_tau(m, B, method="optimal")
        )


@pytest.mark.parametrize("seed", range(4))
def test_the_general_base_theorem_holds_on_random_instances(seed):
    rng = np.random.default_rng(100 + seed)
    m, d, B, delta = 1500, 4, [0.5, 3.0][seed % 2], 0.05
    W0, a = init_params(m, d, rng=rng)
    x = rng.standard_normal(d)
    x /= np.linalg.norm(x)
    tau = main_lemma_tau(m, B)
    for _ in range(15):
        V = ball_points(W0, x, B, 1, rng=rng)[0][0]
        for W in (ball_points(W0, x, B, 1, rng=rng)[0][0], worst_case_gap(W0, a, x, B).W):
            gap = abs(linearization_gap(W, V, a, x))
            assert math.isclose(gap, abs(linearize(V, a)(W, x) - linearize(W, a)(W, x)), abs_tol=1e-8)
            bs = bad_set(W, W0, x, tau, V=V)
            assert gap <= np.linalg.norm(W - V) * math.sqrt(bs.S.size) + 1e-9
            assert gap <= general_base_bound(m, B, delta)


def test_slides_bounds_have_their_exact_values():
    """Two-sided: at m = 8, B = 1, ln(1/delta) = 16, m^(1/3) = 2 and ln(1/delta)^(1/4) = 2, so the slides' forms are
    2 (sqrt 2 + 2) (Lemma, slides) and 2 (5 + 4) (general base point, notes): a wrong constant is caught."""
    delta = math.exp(-16.0)
    assert math.isclose(main_lemma_bound(8, 1.0, delta, method="slides"), 2 * (math.sqrt(2) + 2), rel_tol=1e-13)
    assert math.isclose(general_base_bound(8, 1.0, delta, method="slides"), 2 * (5 + 4), rel_tol=1e-13)
    # the powers of B: B = 8 gives B^(4/3) = 16 and B = 8
    assert math.isclose(main_lemma_bound(8, 8.0, delta, method="slides"), 2 * (16 * math.sqrt(2) + 16), rel_tol=1e-13)
    assert math.isclose(
        general_base_bound(8, 8.0, delta, a_inf=0.5, method="slides"), 0.5 * 2 * (80 + 32), rel_tol=1e-13
    )


@pytest.mark.parametrize("m", [1, 2, 3, 5, 40])
def test_ball_points_keep_their_promise_at_every_width(m):
    """Every point is at Frobenius distance in [B/2, B], also at widths where no row is drawn to move (m = 3)."""
    rng = np.random.default_rng(m)
    W0 = rng.standard_normal((m, 4))
    x = np.array([1.0, -2.0, 0.5, 0.0])
    points, kinds = ball_points(W0, x, 2.0, 40, rng=m)
    dist = np.array([np.linalg.norm(W - W0) for W in points])
    assert np.all((dist >= 1.0 - 1e-12) & (dist <= 2.0 + 1e-12)), dist.min()
    assert kinds == ["isotropic", "along x"] * 20


def test_tau_and_bounds_neither_underflow_nor_overflow():
    # (2 B^2 / m)^{1/3} at B = 1e-200: B^2 underflows to 0, the answer is 2^{1/3} 1e-400/3
    assert math.isclose(main_lemma_tau(1, 1e-200, method="optimal"), 2 ** (1 / 3) * 10 ** (-400 / 3), rel_tol=1e-12)
    assert math.isclose(main_lemma_tau(1, 1e-200), 10 ** (-400 / 3), rel_tol=1e-12)
    assert math.isclose(main_lemma_tau(1, 1e300, method="optimal"), 2 ** (1 / 3) * 1e200, rel_tol=1e-12)
    with pytest.raises(ValueError, match="'B' = 1e"):
        main_lemma_bound(10, 1e300, 0.1, method="slides")


# --- the contract's details, each a test that a mutant of the code fails (make mutation) -----------------


@pytest.mark.parametrize("bound", [main_lemma_bound, general_base_bound])
def test_the_slides_statement_has_no_tau_and_no_c_to_choose(bound):
    with contract.refuses("tau", match=r"^The 'tau' parameter must be None with method='slides'", exc=ValueError):
        bound(1000, 8.0, 0.05, method="slides", tau=0.5)
    for c in (0.5, np.float64(0.5)):
        with contract.refuses("c", match=r"^The 'c' parameter must be 1 with method='slides'", exc=ValueError):
            bound(1000, 8.0, 0.05, method="slides", c=c)
    assert bound(1000, 8.0, 0.05, method="slides", c=np.float64(1.0)) == bound(1000, 8.0, 0.05, method="slides")


def test_an_overflow_names_every_argument_with_its_value():
    """finite_result's message: each argument that made the result overflow, with the value the caller gave."""
    cases = [  # (call, the arguments the message must show)
        (lambda: main_lemma_bad_set_bound(1000, 1e160, 0.05, tau=1.0), dict(m=1000, B=1e160, delta=0.05, tau=1.0)),
        (lambda: main_lemma_bad_set_bound(1000, 1e200, 0.05, tau=1e-200), dict(m=1000, B=1e200, tau=1e-200)),
        (lambda: main_lemma_bound(1000, 1e300, 0.05, method="slides"), dict(m=1000, B=1e300)),
        (lambda: main_lemma_bound(1000, 1e300, 0.05, tau=1e300), dict(m=1000, B=1e300, tau=1e300)),
        (lambda: general_base_bound(1000, 1e300, 0.05, method="slides", a_inf=2.0), dict(m=1000, B=1e300, a_inf=2.0)),
        (
            lambda: general_base_bound(1000, 1e300, 0.05, tau=1e300, a_inf=2.0),
            dict(m=1000, B=1e300, tau=1e300, a_inf=2.0),
        ),
    ]
    for call, shown in cases:
        # "overflows float64" and each "'name' = value", in any order
        every = "".join(f"(?=.*{re.escape(f'{name!r} = {value!r}')})" for name, value in shown.items())
        with contract.refuses("m", match=rf"(?s)^(?=.*overflows float64){every}", exc=ValueError):
            call()


def test_bad_set_indices_are_integers_and_S3_includes_its_boundary():
    W0 = np.array([[0.1, 0.0], [2.0, 0.0], [-3.0, 1.0]])
    x = np.array([1.0, 0.0])
    bs = bad_set(W0, W0, x, 0.5)
    assert bs.S3.size == 0 and bs.S3.dtype.kind == bs.S.dtype.kind == "i"
    assert W0[bs.S].shape == (1, 2)  # indices index the rows
    V = W0 + np.array([[0.0, 0.0], [0.0, 0.5], [0.0, 0.25]])  # row 1 exactly at distance tau = 0.5
    assert bad_set(W0, W0, x, 0.5, V=V).S3.tolist() == [1]


def test_ball_points_refuse_a_zero_input_and_a_size_past_the_budget(monkeypatch):
    W0 = np.zeros((4, 3))
    with contract.refuses("x", match=r"^The 'x' parameter must be a nonzero input", exc=ValueError):
        ball_points(W0, np.zeros(3), 1.0, 2)
    # 5 points of shape (4, 3) take 5 * 4 * 3 * 8 = 480 bytes: accepted at that budget, refused one byte below
    points, _ = contract.at_budget(
        monkeypatch,
        480,
        lambda: ball_points(W0, np.ones(3), 1.0, 5, rng=0),
        "n",
        match=r"'n' parameter is too large: 5 points of shape \(4, 3\).* Got n = 5\.",
    )
    assert len(points) == 5


def test_ball_points_along_x_move_each_row_against_its_sign():
    """The "along x" rows move along x, towards the other side of zero; a row at exactly zero (inactive) moves up."""
    W0 = np.array([[1.0, 0.0, 0.0], [-2.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]] * 50)  # rows 2, 3: zero
    x = np.array([2.0, 0.0, 0.0])
    points, kinds = ball_points(W0, x, 3.0, 200, rng=1)
    signs = np.sign(W0 @ x)
    for W, kind in zip(points, kinds, strict=True):
        assert 1.5 - 1e-12 <= np.linalg.norm(W - W0) <= 3.0 + 1e-12
        if kind == "along x":
            D = W - W0
            moved = np.flatnonzero(np.any(D != 0, axis=1))
            assert moved.size >= 1 and np.all(D[:, 1:] == 0)  # along x only
            assert np.all(np.sign(D[moved, 0]) == np.where(signs[moved] > 0, -1.0, 1.0))


def test_the_radius_is_uniform_between_B_over_2_and_B():
    W0 = np.random.default_rng(0).standard_normal((30, 3))
    points, _ = ball_points(W0, np.array([1.0, 1.0, 0.0]), 3.0, 400, rng=2)
    dist = np.array([np.linalg.norm(W - W0) for W in points])
    assert dist.min() >= 1.5 - 1e-12 and dist.max() <= 3.0 + 1e-12
    # uniform on [1.5, 3]: mean 2.25, sd 0.433 / sqrt(400) = 0.022; 6 sd
    assert abs(dist.mean() - 2.25) < 0.13 and dist.max() > 2.9 and dist.min() < 1.6


def test_failure_rate_refuses_bad_arguments_before_it_draws():
    cases = [
        dict(B=0.0),
        dict(tau=0.0),
        dict(confidence=0.0),
        dict(confidence=1.0),
        dict(confidence=1.5),
        dict(confidence=-0.5),
    ]
    for kwargs in cases:
        rng = np.random.default_rng(0)
        state = rng.bit_generator.state
        args = dict(m=50, B=1.0, delta=0.1, trials=2, rng=rng) | kwargs
        (name,) = kwargs
        with contract.refuses(name, exc=ValueError):
            main_lemma_failure_rate(**args)
        assert rng.bit_generator.state == state, kwargs  # refused before any draw


def test_failure_rate_budget_trials_tau_and_confidence(monkeypatch):
    est = main_lemma_failure_rate(50, 1.0, 0.1, 1, rng=0)  # one trial is allowed
    assert est.trials == 1
    # the worst case does not depend on tau: largest_ratio * bound is the same for every tau (same draws)
    worst = [
        main_lemma_failure_rate(200, 1.0, 0.1, 5, tau=tau, rng=3).largest_ratio
        * main_lemma_bound(200, 1.0, 0.1, tau=tau)
        for tau in (0.05, 0.3)
    ]
    assert math.isclose(worst[0], worst[1], rel_tol=1e-12)
    est = main_lemma_failure_rate(50, 1.0, 0.1, 7, bound_factor=0.01, confidence=0.5, rng=0)
    assert est.trials == 7 and est.failures == 7  # a hundredth of the bound always fails
    assert est.interval == clopper_pearson(7, 7, confidence=0.5)
    assert est.count_interval == clopper_pearson(est.count_failures, 7, confidence=0.5)
    monkeypatch.setattr(validation, "MEMORY_BUDGET", 40 * 1000)  # the projections: 40 m bytes, accepted
    assert main_lemma_failure_rate(1000, 1.0, 0.1, 1, rng=0).trials == 1
    monkeypatch.setattr(validation, "MEMORY_BUDGET", 40 * 10**6 - 1)  # refused one byte below
    too_wide = r"'m' parameter is too large: the projections of a width-1000000 .* Got m = 1000000\."
    with contract.refuses("m", match=too_wide, exc=ValueError):
        main_lemma_failure_rate(10**6, 1.0, 0.1, 1)


def test_general_base_pair_refuses_bad_a_and_B_and_counts_a_projection_of_one():
    W0 = np.array([[1.0], [0.0], [0.5]])
    with contract.refuses("a", match=r"^The 'a' parameter must have entries in \{-1, \+1\}", exc=ValueError):
        general_base_pair(W0, np.array([1.0, 0.5, 1.0]), np.array([1.0]), 1.0)
    for B in (0.0, 2e150):
        with contract.refuses("B", exc=ValueError):
            general_base_pair(W0, np.ones(3), np.array([1.0]), B)
    assert general_base_pair(W0, np.ones(3), np.array([1.0]), 1e150).k == 2  # the largest B accepted
    # the cheapest nonzero a = +1 projections with sum of squares < B^2 = 2: 0.5 and 1.0 (the zero one is free
    # and does not count), both moved
    pair = general_base_pair(W0, np.ones(3), np.array([1.0]), math.sqrt(2.0))
    assert pair.k == 2 and math.isclose(pair.value, math.sqrt(2.0) * math.sqrt(2.0) + 0.5 + 1.0, rel_tol=1e-14)
    # the constant, from its derivation: k = (3 B^2 m^2 / (2 pi))^{1/3}, B sqrt(k) + sum_{i<=k} i sqrt(2 pi)/m
    m, B = 10**9, 1.0
    k = (3 * B**2 * m**2 / (2 * math.pi)) ** (1 / 3)
    value = B * math.sqrt(k) + math.sqrt(2 * math.pi) / m * k * (k + 1) / 2
    assert math.isclose(general_base_pair_constant(), value / (B ** (4 / 3) * m ** (1 / 3)), rel_tol=1e-5)
