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


def test_gradient_change_clarke_derivative_at_zero():
    """sigma'(0) = relu_prime_at_zero, sigma'(z < 0) = 0, sigma'(z > 0) = 1; x = (2, 0) and w_i = (z_i / 2, 0.7) put
    the pre-activations exactly at z_i. Rows of the difference: a_i (s_i - s0_i) x."""
    x = np.array([2.0, 0.0])
    z0 = np.array([0.0, -1.0, -3.0, 0.0, -2.0])
    z = np.array([1.0, 0.0, -1.0, 0.0, 3.0])
    W0 = np.c_[z0 / 2, np.full(5, 0.7)]
    W = np.c_[z / 2, np.full(5, 0.7)]
    a = np.array([1.0, -2.0, 3.0, 0.5, 1.5])
    res = gradient_change(W, W0, a, x, relu_prime_at_zero=0.25)
    # s0 = (0.25, 0, 0, 0.25, 0), s = (1, 0.25, 0, 0.25, 1): differences 0.75, -0.5, 0, 0, 1.5 (times |x| = 2)
    assert res.norm == pytest.approx(2 * np.sqrt(0.75**2 + 0.5**2 + 1.5**2), rel=1e-15)
    assert res.norm == pytest.approx(3.5, rel=1e-15)
    assert res.changed.tolist() == [0, 1, 4]
    default = gradient_change(W, W0, a, x)  # sigma'(0) = 0: neuron 1 (0 -> 0) does not change
    assert default.changed.tolist() == [0, 4] and default.norm == pytest.approx(2 * np.sqrt(1 + 1.5**2), rel=1e-15)


def test_gradient_change_refusal_names_the_rows_of_W0():
    import contract

    with contract.refuses("a", match=r"one entry per row of 'W0' \(3\)\. Got 2 entries\."):
        gradient_change(np.ones((3, 2)), np.ones((3, 2)), np.ones(2), np.ones(2))


def test_ntk_limit_singular_sizes_and_tol_range():
    import contract

    X = np.random.default_rng(3).standard_normal((2000, 3))
    assert not ntk_limit_singular(X)  # 2000 generic inputs: the largest size accepted
    with contract.refuses("X", match=r"between 1 and 2000 rows\. Got 2001\."):
        ntk_limit_singular(np.ones((2001, 3)))
    with contract.refuses("X", match=r"between 1 and 2000 rows\. Got 0\."):
        ntk_limit_singular(np.ones((0, 3)))
    for tol in [0.0, 1.0, 2.0]:
        with contract.refuses("tol", match=r"\(0\.0, 1\.0\)"):
            ntk_limit_singular(np.eye(2), tol=tol)


def test_parallel_within_tol_is_inclusive():
    """e_1 and (1, 1, 1, 1)/2 have cosine exactly 0.5 (dyadic): the same direction for tol = 0.5, not when 1 - tol
    is one step above 0.5."""
    X = np.array([[1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]])
    assert ntk_limit_singular(X, tol=0.5)
    assert not ntk_limit_singular(X, tol=1.0 - np.nextafter(0.5, 1.0))  # 1 - tol one step above 0.5


def _cosines(X):
    U = X / np.linalg.norm(X, axis=1)[:, None]
    return U, U @ U.T


def test_antiparallel_within_tol_is_inclusive():
    """Two exact antiparallel pairs (directions 0 and 60 degrees) and a third pair (120, 280 degrees) whose cosine c
    is -1 + tol exactly: three pair directions in the plane are dependent (singular); with tol one step smaller the
    third pair does not count, and two directions are independent."""
    ang = np.deg2rad([0.0, 180.0, 60.0, 240.0, 120.0, 280.0])
    X = np.c_[np.cos(ang), np.sin(ang)]
    c = _cosines(X)[1][4, 5]
    tol = 1.0 + c  # exact (Sterbenz), and -1 + tol == c
    assert -1.0 + tol == c
    assert ntk_limit_singular(X, tol=tol)
    assert not ntk_limit_singular(X, tol=1.0 + np.nextafter(c, -2.0))


def test_rank_tolerance_is_relative_and_inclusive():
    """Three antiparallel pairs in R^3, nearly coplanar: the directions' smallest singular value is about 0.014 times
    the largest (about 1.22). Singular exactly when tol * s_max >= s_min."""
    dirs = np.array([[np.cos(t), np.sin(t), 0.01 * k] for k, t in enumerate(np.deg2rad([0.0, 120.0, 240.0]))])
    X = np.vstack([dirs, -2.0 * dirs])
    sv = np.linalg.svd(_cosines(X)[0][:3], compute_uv=False)
    assert 1.2 < sv[0] < 1.25
    tol = sv[-1] / sv[0]
    near = [tol + k * np.spacing(tol) for k in range(-4, 5)]  # a tol with tol * s_max == s_min exactly, in floats
    assert ntk_limit_singular(X, tol=1.1 * tol) and not ntk_limit_singular(X, tol=0.9 * tol)
    exact = [t for t in sorted(near, key=lambda t: abs(t - tol)) if t * sv[0] == sv[-1]]
    if not exact:  # another LAPACK's last bits: no float product lands on s_min here (found on the reference machine)
        pytest.skip("no float tol with tol * s_max == s_min exactly for this LAPACK's singular values")
    assert ntk_limit_singular(X, tol=exact[0])
    assert not ntk_limit_singular(X, tol=np.nextafter(exact[0], 0.0))
