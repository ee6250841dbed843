"""Tests of nearinit.tangent: the gradient change (prop-gradient-closeness) and K_inf's singularity (prop-ntk-pd)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nearinit import (
    finite_difference_gradient,
    forward,
    gradient_change,
    init_params,
    ntk_limit,
    ntk_limit_singular,
)


@pytest.mark.parametrize("seed", range(4))
def test_gradient_change_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    W0, a = init_params(8, 3, rng=rng)
    a = a * rng.uniform(0.2, 1.5, size=8)
    x = rng.standard_normal(3)
    W = W0 + 0.8 * rng.standard_normal((8, 3))
    # keep pre-activations away from 0 so that finite differences are exact for the piecewise-linear net
    assert np.abs(W @ x).min() > 1e-3 and np.abs(W0 @ x).min() > 1e-3
    G = finite_difference_gradient(lambda V: float(forward(V, a, x)), W, h=1e-7)
    G0 = finite_difference_gradient(lambda V: float(forward(V, a, x)), W0, h=1e-7)
    res = gradient_change(W, W0, a, x)
    assert res.norm == pytest.approx(np.linalg.norm(G - G0), abs=1e-6)
    changed = np.flatnonzero((W @ x > 0) != (W0 @ x > 0))
    assert res.changed.tolist() == changed.tolist()
    assert res.norm == pytest.approx(np.linalg.norm(x) * np.sqrt(np.sum(a[changed] ** 2)), rel=1e-12)


def test_gradient_change_bad_input():
    with pytest.raises(ValueError, match="'W'"):
        gradient_change(np.ones((2, 3)), np.ones((3, 3)), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="'relu_prime_at_zero'"):
        gradient_change(np.ones((3, 3)), np.ones((3, 3)), np.ones(3), np.ones(3), relu_prime_at_zero=2)


def _singular(X):
    lam = np.linalg.eigvalsh(ntk_limit(X))
    return lam.min() < 1e-9 * max(1.0, lam.max())


def _pairs(angles):
    return np.array([[s * np.cos(t), s * np.sin(t)] for t in angles for s in (1, -1)])


def test_three_antipodal_pairs_singular_two_not():
    assert ntk_limit_singular(_pairs([0.1, 1.0, 2.0])) and _singular(_pairs([0.1, 1.0, 2.0]))
    assert not ntk_limit_singular(_pairs([0.1, 1.0])) and not _singular(_pairs([0.1, 1.0]))
    # the null vector of Proposition prop-ntk-pd: (A_l, -A_l) on the pair (u_l, -u_l), with sum_l A_l u_l = 0
    U = np.array([[np.cos(t), np.sin(t)] for t in [0.1, 1.0, 2.0]])
    A = np.linalg.svd(U.T)[2][-1]
    v = np.ravel(np.stack([A, -A], axis=1))
    assert np.linalg.norm(ntk_limit(_pairs([0.1, 1.0, 2.0])) @ v) < 1e-12


@pytest.mark.parametrize("seed", range(40))
def test_criterion_matches_eigenvalues(seed):
    rng = np.random.default_rng(seed)
    d = [2, 3][seed % 2]
    pts = []
    for _ in range(rng.integers(1, 6)):
        u = rng.standard_normal(d)
        kind = rng.integers(0, 3)
        pts.append(u * rng.uniform(0.5, 2))
        if kind == 1:
            pts.append(-u * rng.uniform(0.5, 2))  # antiparallel partner
        elif kind == 2 and rng.uniform() < 0.3:
            pts.append(u * rng.uniform(0.5, 2))  # same direction
    X = np.array(pts)
    assert ntk_limit_singular(X) == _singular(X)


def test_zero_input_and_bad_input():
    assert ntk_limit_singular(np.array([[1.0, 0.0], [0.0, 0.0]]))
    assert not ntk_limit_singular(np.array([[1.0, 0.0]]))
    with pytest.raises(ValueError, match="'X'"):
        ntk_limit_singular(np.ones((2001, 2)))
    with pytest.raises(ValueError, match="'tol'"):
        ntk_limit_singular(np.ones((2, 2)), tol=0.0)


def test_generic_points_positive_definite():
    rng = np.random.default_rng(1)
    for n, d in itertools.product([3, 10, 30], [2, 3]):
        X = rng.standard_normal((n, d))
        assert not ntk_limit_singular(X)
        assert not _singular(X)
