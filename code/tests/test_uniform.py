"""Tests of nearinit.uniform: near-zero counts uniform over tau, over n inputs and over the sphere."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from nearinit import (
    circle_max_near_zero,
    dkw_deviation,
    dkw_excess,
    hoeffding_deviation,
    inputs_near_zero_bound,
    sphere_near_zero_bound,
)


@pytest.mark.parametrize("seed", range(5))
def test_dkw_excess_brute_force(seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(50) * 1.7
    exact = dkw_excess(z, x_norm=1.7)
    u = np.abs(z) / 1.7
    # brute force: every tau on a fine grid and at every data point (count with <=)
    taus = np.concatenate([np.linspace(1e-9, u.max() + 1, 20001), u])
    counts = (u[None, :] <= taus[:, None]).sum(axis=1)
    brute = max(0.0, float(np.max(counts - 50 * special.erf(taus / math.sqrt(2)))))
    assert exact == pytest.approx(brute, abs=1e-12)
    assert exact >= 0.0


def test_dkw_excess_ties_and_zero():
    assert dkw_excess(np.array([0.0, 0.0, 5.0])) == pytest.approx(2.0)
    assert dkw_excess(np.array([0.3, -0.3])) == pytest.approx(2 - 2 * special.erf(0.3 / math.sqrt(2)))


def test_dkw_deviation_is_hoeffding_term_and_needs_half():
    assert dkw_deviation(1000, 0.05) == pytest.approx(hoeffding_deviation(1000, 0.05))
    with pytest.raises(ValueError, match="'delta'"):
        dkw_deviation(10, 0.6)
    with pytest.raises(ValueError, match="'delta'"):
        dkw_deviation(10, 0.0)
    with pytest.raises(TypeError, match="'m'"):
        dkw_deviation(1.5, 0.1)


def test_dkw_failure_rate_below_delta():
    # the uniform statement: P(sup_tau excess > sqrt(m/2 ln 1/delta)) <= delta; half the deviation fails often
    rng = np.random.default_rng(3)
    m, delta, reps = 500, 0.1, 3000
    ex = np.array([dkw_excess(rng.standard_normal(m)) for _ in range(reps)])
    fails = int(np.sum(ex > dkw_deviation(m, delta)))
    assert stats.binomtest(fails, reps, delta, alternative="greater").pvalue > 1e-3
    assert np.mean(ex > dkw_deviation(m, delta) / 2) > 3 * delta


def test_inputs_bound():
    p = special.erf(0.1 / math.sqrt(2))
    assert inputs_near_zero_bound(1000, 7, 0.1, 0.05) == pytest.approx(1000 * p + math.sqrt(500 * math.log(140)))
    with pytest.raises(ValueError, match="'n'"):
        inputs_near_zero_bound(10, 0, 0.1, 0.05)
    with pytest.raises(ValueError, match="'tau'"):
        inputs_near_zero_bound(10, 1, 0.0, 0.05)


def _circle_brute(W, tau):
    """Max count over the angles where some abs(w_i^T x) = tau exactly (coverage of closed arcs peaks at a start)."""
    r = np.hypot(W[:, 0], W[:, 1])
    ang = np.arctan2(W[:, 1], W[:, 0])
    cand = [0.0]
    for ri, ai in zip(r, ang, strict=True):
        if ri > tau:
            for s in (1, -1):
                c = math.acos(s * tau / ri)
                cand += [ai + c, ai - c]
    th = np.array(cand)
    X = np.stack([np.cos(th), np.sin(th)], axis=1)
    return int(((np.abs(X @ W.T) <= tau + 1e-9).sum(axis=1)).max())


@pytest.mark.parametrize("seed", range(8))
def test_circle_max_brute_force(seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((30, 2)) * rng.uniform(0.2, 3, size=(30, 1))
    tau = [0.05, 0.3, 1.0, 2.5][seed % 4]
    exact = circle_max_near_zero(W, tau)
    assert exact == _circle_brute(W, tau)
    grid = np.linspace(0, 2 * np.pi, 20000, endpoint=False)
    X = np.stack([np.cos(grid), np.sin(grid)], axis=1)
    assert exact >= int((np.abs(X @ W.T) <= tau).sum(axis=1).max())


def test_circle_small_cases():
    assert circle_max_near_zero(np.array([[1.0, 0.0]]), 2.0) == 1
    assert circle_max_near_zero(np.array([[1.0, 0.0], [0.0, 1.0]]), 0.1) == 1
    assert circle_max_near_zero(np.array([[1.0, 0.0], [0.0, 1.0]]), 1 / math.sqrt(2)) == 2  # closed arcs touch
    with pytest.raises(ValueError, match="'W0'"):
        circle_max_near_zero(np.ones((3, 3)), 0.1)
    with pytest.raises(ValueError, match="'tau'"):
        circle_max_near_zero(np.ones((3, 2)), -0.1)


def test_sphere_bound_holds_on_the_circle():
    rng = np.random.default_rng(9)
    m, tau, delta = 400, 0.2, 0.1
    bound = sphere_near_zero_bound(m, 2, tau, delta)
    worst = max(circle_max_near_zero(rng.standard_normal((m, 2)), tau) for _ in range(200))
    assert worst <= bound
    # and the bound is above the fixed-input one
    assert bound > inputs_near_zero_bound(m, 1, tau, delta)
    with pytest.raises(ValueError, match="'eta'"):
        sphere_near_zero_bound(m, 2, tau, delta, eta=0.0)
    with pytest.raises(ValueError, match="'d'"):
        sphere_near_zero_bound(m, 0, tau, delta)


# --- mutation testing: limits at their boundaries, exact small cases, overflow messages ----------------------------
import contract  # noqa: E402

from nearinit import uniform as uniform_module  # noqa: E402


def test_dkw_excess_small_exact_and_limits(monkeypatch):
    # one projection far out: the only jump is at tau = 5, where the excess is 1 - erf(5 / sqrt 2) (tiny, not 0)
    assert dkw_excess(np.array([5.0])) == pytest.approx(1 - special.erf(5 / math.sqrt(2)), rel=1e-12)
    assert dkw_excess(np.array([-10.0, 10.0]), x_norm=2.0) == pytest.approx(2 - 2 * special.erf(5 / math.sqrt(2)))
    with contract.refuses("z", match="at least one"):
        dkw_excess(np.ones(0))
    monkeypatch.setattr(uniform_module, "MAX_ROWS", 3)  # the limit, exactly: 3 projections accepted, 4 refused
    assert dkw_excess(np.ones(3)) >= 0.0
    with contract.refuses("z", match="at most 3 projections. Got 4"):
        dkw_excess(np.ones(4))


def test_circle_max_limits_and_boundaries(monkeypatch):
    # a row of norm exactly tau counts on the whole circle, once (m = 1: never more than 1)
    assert circle_max_near_zero(np.array([[0.1, 0.0]]), 0.1) == 1
    assert circle_max_near_zero(np.array([[0.0, 0.1], [3.0, 4.0]]), 0.1) == 2  # plus an arc elsewhere
    # x = (1, 0) gives abs(w_i^T x) = 1 = tau for both rows: 2 (the arcs meet exactly at angle 0, i.e. 2 pi)
    for b in (2.625, 3.125):
        W0 = np.array([[1.0, b], [1.0, -b]])
        assert (W0 @ np.array([1.0, 0.0])).tolist() == [1.0, 1.0]  # exactly tau, for both rows
        assert circle_max_near_zero(W0, 1.0) == 2
    monkeypatch.setattr(uniform_module, "MAX_ROWS", 3)
    assert circle_max_near_zero(np.ones((3, 2)), 0.1) == 3
    with contract.refuses("W0", match="at most 3 rows. Got 4"):
        circle_max_near_zero(np.ones((4, 2)), 0.1)


def test_bounds_accept_their_limits_and_name_every_argument_on_overflow():
    assert math.isfinite(inputs_near_zero_bound(10, 10**15, 0.1, 0.05))
    with contract.refuses("n", match="1000000000000000"):
        inputs_near_zero_bound(10, 10**15 + 1, 0.1, 0.05)
    assert math.isfinite(sphere_near_zero_bound(10, 10**9, 0.1, 0.05))
    with contract.refuses("d", match="1000000000"):
        sphere_near_zero_bound(10, 10**9 + 1, 0.1, 0.05)
    # n / delta overflows float64: refused with every argument and its value
    with contract.refuses("delta", match=r"'m' = 10, 'n' = 1000000000000000, 'tau' = 0\.1, 'delta' = 1e-300"):
        inputs_near_zero_bound(10, 10**15, 0.1, 1e-300)
    with contract.refuses("eta", match=r"'m' = 10, 'd' = 3, 'tau' = 0\.1, 'delta' = 0\.05, 'eta' = 1e-320"):
        sphere_near_zero_bound(10, 3, 0.1, 0.05, eta=1e-320)
