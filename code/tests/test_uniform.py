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
