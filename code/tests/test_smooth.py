"""Tests of nearinit.smooth: the bound of Prop. prop-smooth on random instances, equality and near-tightness."""

from __future__ import annotations

import contract
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nearinit import (
    get_activation,
    init_params,
    linearization_gap,
    near_tight_instance,
    smooth_frobenius_bound,
    smooth_gap_bound,
)

SMOOTH = ("softplus", "tanh", "sigmoid", "quadratic")


def _random_instance(rng, m, d, n, radius):
    V, a = init_params(m, d, rng=rng)
    a = a * rng.uniform(0.0, 1.0, m)  # |a_i| <= 1 is all the bound needs
    D = rng.standard_normal((m, d))
    W = V + radius * D / np.linalg.norm(D)
    X = rng.standard_normal((n, d))
    X *= rng.uniform(0.0, 1.0, (n, 1)) / np.linalg.norm(X, axis=1, keepdims=True)
    return V, a, W, X


def test_bound_formula_by_loop():
    rng = np.random.default_rng(0)
    V, _, W, X = _random_instance(rng, 5, 3, 4, 2.0)
    expected = [0.5 * 0.25 * sum(((W[i] - V[i]) @ x) ** 2 for i in range(5)) for x in X]
    np.testing.assert_allclose(smooth_gap_bound(W, V, X), expected, rtol=1e-13)
    assert smooth_gap_bound(W, V, X[0]) == pytest.approx(expected[0], rel=1e-13)
    assert smooth_frobenius_bound(W, V) == pytest.approx(0.125 * np.sum((W - V) ** 2), rel=1e-13)


@pytest.mark.parametrize("name", SMOOTH)
def test_bound_holds_on_random_instances(name):
    rng = np.random.default_rng(2024)
    worst = 0.0
    for radius in [1e-3, 1e-1, 1.0, 5.0, 30.0]:
        V, a, W, X = _random_instance(rng, 50, 4, 200, radius)
        gap = np.abs(linearization_gap(W, V, a, X, activation=name))
        bound = smooth_gap_bound(W, V, X, activation=name)
        assert np.all(gap <= bound * (1 + 1e-9) + 1e-15)
        assert np.all(bound <= smooth_frobenius_bound(W, V, activation=name) * (1 + 1e-12))
        worst = max(worst, float(np.max(gap / bound)))
    assert worst > 0.05  # the check is not vacuous: some instance uses a fair part of the bound


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    radius=st.floats(1e-4, 50.0),
    name=st.sampled_from(SMOOTH),
    m=st.integers(1, 30),
)
def test_bound_property(seed, radius, name, m):
    rng = np.random.default_rng(seed)
    V, a, W, X = _random_instance(rng, m, 3, 8, radius)
    gap = np.abs(linearization_gap(W, V, a, X, activation=name))
    assert np.all(gap <= smooth_gap_bound(W, V, X, activation=name) * (1 + 1e-9) + 1e-14)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_quadratic_equality_with_rows_parallel_to_x_and_shared_sign(sign):
    """sigma = z**2 / 2 (beta = 1): moving only neurons with a_i = sign, along a unit x, gives |gap| = bound."""
    rng = np.random.default_rng(5)
    V, a = init_params(40, 6, rng=rng)
    x = rng.standard_normal(6)
    x /= np.linalg.norm(x)
    idx = np.flatnonzero(a == sign)
    W = V.copy()
    W[idx] += rng.standard_normal(idx.size)[:, None] * x
    gap = linearization_gap(W, V, a, x, activation="quadratic")
    bound = smooth_gap_bound(W, V, x, activation="quadratic")
    assert np.sign(gap) == sign
    assert abs(gap) == pytest.approx(bound, rel=1e-12)
    assert bound == pytest.approx(smooth_frobenius_bound(W, V, activation="quadratic"), rel=1e-12)
    # with beta halved the bound would fail on this instance; doubled, the equality would be lost
    assert abs(gap) > smooth_gap_bound(W, V, x, beta=0.5)
    assert abs(gap) < 0.51 * smooth_gap_bound(W, V, x, beta=2.0)


def test_scaled_bounds_divide_by_sqrt_m():
    rng = np.random.default_rng(3)
    V, a, W, X = _random_instance(rng, 64, 3, 5, 2.0)
    np.testing.assert_allclose(smooth_gap_bound(W, V, X, scale="ntk"), smooth_gap_bound(W, V, X) / 8, rtol=1e-13)
    assert smooth_frobenius_bound(W, V, scale="ntk") == pytest.approx(smooth_frobenius_bound(W, V) / 8, rel=1e-13)
    gap = np.abs(linearization_gap(W, V, a, X, activation="softplus", scale="ntk"))
    assert np.all(gap <= smooth_gap_bound(W, V, X, scale="ntk") * (1 + 1e-9))


def test_beta_override():
    W, V = np.ones((2, 2)), np.zeros((2, 2))
    x = np.array([1.0, 0.0])
    assert smooth_gap_bound(W, V, x, beta=3.0) == pytest.approx(3.0)
    assert smooth_gap_bound(W, V, x, activation="relu", beta=1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("B", [0.5, 1.0, 2.0])
def test_softplus_construction_reaches_the_bound(B):
    m = 100
    inst = near_tight_instance(m, 5, B, rng=11)
    assert np.linalg.norm(inst.W - inst.V) == pytest.approx(B, rel=1e-12)
    assert np.linalg.norm(inst.x) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(inst.V @ inst.x, 0.0, atol=1e-12)
    gap = linearization_gap(inst.W, inst.V, inst.a, inst.x, activation="softplus")
    ratio = gap / (0.25 * B**2 / 2)
    assert 1 - B**2 / (24 * m) <= ratio <= 1.0
    if B <= 1.0:
        assert ratio >= 0.999
    # the exact per-neuron value m * g(B / sqrt(m)), g(t) = softplus(t) - log 2 - t / 2
    t = B / np.sqrt(m)
    assert gap == pytest.approx(m * (np.logaddexp(0.0, t) - np.log(2.0) - t / 2), rel=1e-9)


@pytest.mark.parametrize("name", SMOOTH)
def test_construction_ratio_tends_to_one(name):
    beta = get_activation(name).beta
    ratios = []
    for m in [1, 10, 100, 1000]:
        inst = near_tight_instance(m, 3, 1.0, activation=name, rng=m)
        gap = linearization_gap(inst.W, inst.V, inst.a, inst.x, activation=name)
        ratios.append(gap / (beta / 2))
    assert all(r <= 1 + 1e-12 for r in ratios)
    assert np.all(np.diff(ratios) >= -1e-12)
    assert ratios[-1] >= 0.999
    if name == "quadratic":
        np.testing.assert_allclose(ratios, 1.0, rtol=1e-12)


def test_construction_with_fewer_moved_neurons():
    inst = near_tight_instance(50, 2, 1.0, k=1, rng=0)
    assert np.count_nonzero(np.linalg.norm(inst.W - inst.V, axis=1)) == 1
    gap = linearization_gap(inst.W, inst.V, inst.a, inst.x, activation="softplus")
    assert gap == pytest.approx(np.logaddexp(0.0, 1.0) - np.log(2.0) - 0.5, rel=1e-12)


def test_errors():
    W = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"'activation' parameter must be a smooth activation .*Got 'relu'"):
        smooth_gap_bound(W, W, np.ones(2), activation="relu")
    with pytest.raises(ValueError, match=r"'beta' parameter must be in the range \[0.0, inf\)\. Got -1"):
        smooth_frobenius_bound(W, W, beta=-1.0)
    with pytest.raises(ValueError, match=r"'W' parameter must have the shape of 'V' \(3, 2\)"):
        smooth_gap_bound(np.zeros((2, 2)), W, np.ones(2))
    with pytest.raises(ValueError, match=r"'X' parameter must have d = 2 columns"):
        smooth_gap_bound(W, W, np.ones(3))
    with pytest.raises(ValueError, match=r"'k' parameter must be at most m = 3\. Got 4"):
        near_tight_instance(3, 2, 1.0, k=4)
    with pytest.raises(ValueError, match=r"'B' parameter must be in the range \[0.0, inf\)\. Got -1"):
        near_tight_instance(3, 2, -1.0)
    with pytest.raises(
        ValueError, match=r"'activation' parameter must be a smooth activation with a known peak.*Got 'relu'"
    ):
        near_tight_instance(3, 2, 1.0, activation="relu")
    with pytest.raises(TypeError, match=r"'m' parameter must be an int"):
        near_tight_instance(2.5, 2, 1.0)


@pytest.mark.parametrize("bound", [smooth_gap_bound, smooth_frobenius_bound])
def test_shape_mismatch_names_both_layers(bound):
    args = (np.ones(2),) if bound is smooth_gap_bound else ()
    with contract.refuses("W", match=r"the shape of 'V' \(3, 2\)\. Got shape \(2, 2\)\."):
        bound(np.zeros((2, 2)), np.zeros((3, 2)), *args)


@pytest.mark.parametrize("name", SMOOTH)
def test_instance_moves_the_first_k_rows_by_B_over_sqrt_k_along_x(name):
    """W - V = (B / sqrt(k)) 1_{i < k} x^T exactly as documented (the sign matters: sigma has no symmetry at z*)."""
    m, k, B = 9, 4, 1.5
    inst = near_tight_instance(m, 3, B, activation=name, k=k, rng=1)
    expected = np.zeros((m, 3))
    expected[:k] = (B / 2.0) * inst.x
    np.testing.assert_allclose(inst.W - inst.V, expected, rtol=0, atol=1e-14)
    np.testing.assert_allclose(inst.V @ inst.x, get_activation(name).peak, rtol=0, atol=1e-13)
    np.testing.assert_array_equal(inst.a, np.ones(m))


def test_instance_budget_is_three_matrices(monkeypatch):
    """Refused exactly when three (m, d) float64 matrices (24 m d bytes) pass MEMORY_BUDGET; named by the larger."""
    for m, d, name in [(40, 5, "m"), (5, 40, "d"), (10, 20, "d"), (14, 14, "m")]:
        inst = contract.at_budget(
            monkeypatch,
            24 * m * d,
            lambda m=m, d=d: near_tight_instance(m, d, 1.0, rng=0),
            name,
            match=rf"three \({m}, {d}\) matrices would take .* Got {name} = {max(m, d)}\.",
        )
        assert inst.W.shape == (m, d)


def test_instance_peak_memory_within_its_estimate():
    """The construction's peak allocation stays below the 24 m d bytes its budget check counts."""
    m, d = 2000, 50
    near_tight_instance(3, 2, 1.0, rng=0)  # warm up (imports, caches)
    _, peak = contract.traced(near_tight_instance, m, d, 1.0, activation="tanh", rng=0)
    assert 16 * m * d <= peak <= 24 * m * d  # V and W are returned: at least two matrices


def test_gap_bound_works_in_chunks_within_the_budget(monkeypatch):
    """With a 1 MiB budget, an (n, m) = (1000, 2000) problem (16 MB per temporary) runs in row blocks within it."""
    rng = np.random.default_rng(4)
    m, d, n = 2000, 2, 1000
    V, W, X = rng.standard_normal((m, d)), rng.standard_normal((m, d)), rng.standard_normal((n, d))
    expected = smooth_gap_bound(W, V, X, activation="tanh")
    out = contract.within_budget(monkeypatch, 1 << 20, smooth_gap_bound, W, V, X, activation="tanh")
    np.testing.assert_allclose(out, expected, rtol=1e-13)
