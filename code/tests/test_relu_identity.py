"""Tests of nearinit.relu_identity and of its private kernel nearinit._relu_kernel: the shapes relu_flip_terms
accepts, max_flips at the ends of float64, the tie convention of activation_changes, and the memory bounds."""

from __future__ import annotations

import itertools

import contract
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from worst_case_helpers import relu_prime

import nearinit._relu_kernel as kernel
from nearinit import activation_changes, get_activation, init_params, linearization_gap, max_flips, relu_flip_terms

# --- relu_flip_terms ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (5,), (2, 5), (2, 3, 5)])
def test_relu_flip_terms_takes_0d_to_3d_and_is_the_identity(shape):
    """w^T x (sigma'(w^T x) - sigma'(v^T x)) entry by entry, exactly (abs(w^T x) on a flip), in the input's shape."""
    rng = np.random.default_rng(len(shape))
    Zw, Zv = rng.standard_normal(shape), rng.standard_normal(shape)
    Zv.flat[0] = 0.0  # a tie, where sigma'(0) = c decides
    for c in (0.0, 0.5):
        terms = relu_flip_terms(Zw, Zv, relu_prime_at_zero=c)
        assert terms.shape == shape
        assert_array_equal(terms, Zw * (relu_prime(Zw, c) - relu_prime(Zv, c)))
    assert float(relu_flip_terms(2.0, -1.0)) == 2.0 and float(relu_flip_terms(-2.0, 1.0)) == 2.0


def test_relu_flip_terms_refuses_4d():
    with contract.refuses("Zw", match="0-D or 1-D or 2-D or 3-D array"):
        relu_flip_terms(np.ones((1, 1, 1, 2)), np.ones((1, 1, 1, 2)))
    with contract.refuses("Zv", match="0-D or 1-D or 2-D or 3-D array"):
        relu_flip_terms(np.ones((1, 1, 2)), np.ones((1, 1, 1, 2)))


# --- max_flips --------------------------------------------------------------------------------------


def test_max_flips_refuses_no_projection():
    with contract.refuses("z", match=r"at least one projection \(m >= 1\)"):
        max_flips(np.array([]), 1.0)


@pytest.mark.parametrize("k", [-1000, -600, -300, 0, 300, 600, 900])
def test_max_flips_depends_only_on_ratios_at_every_scale(k):
    """Scaling z and B by 2**k changes no cost ratio: the same count, from 2**-1000 to 2**900 (where z**2 and B**2
    underflow or overflow), whatever the caller's floating-point error settings."""
    z = np.array([0.3, -0.4, 2.0, 0.05, -1.5])
    cases = [(0.0, 0), (0.05, 0), (0.06, 1), (0.5, 2), (0.51, 3), (1.58, 3), (1.59, 4), (2.6, 5)]  # by hand
    s = 2.0**k
    with np.errstate(all="raise"):
        for B, expected in cases:
            assert max_flips(z * s, B * s) == expected, (B, k)
            assert max_flips(z * s, B, x_norm=s) == expected, (B, k)


def test_max_flips_costs_beyond_float64():
    """A projection whose cost overflows float64 is never flipped; a budget just above it flips it."""
    with np.errstate(all="raise"):
        assert max_flips(np.array([1e200]), 2e200) == 1
        assert max_flips(np.array([1e200]), 1e200) == 0  # flipping needs strictly more than abs(z)
        assert max_flips(np.array([1e-200]), 2e-200) == 1
        assert max_flips(np.array([1e300, 1.0]), 1e308, x_norm=1e-10) == 1  # 1e310 is beyond float64
        assert max_flips(np.array([1e-320, 3e-320]), 1e-300) == 2  # subnormal projections


# --- activation_changes -----------------------------------------------------------------------------


@pytest.mark.parametrize(("z", "z0"), list(itertools.product([-1.0, -0.0, 0.0, 2.0], repeat=2)))
def test_activation_changes_at_ties_uses_indicator_of_strictly_positive(z, z0):
    """1{w^T x > 0} != 1{w_0^T x > 0}: a pre-activation of exactly 0 (or -0.0) counts as inactive."""
    x = np.array([1.0, 0.0])
    expected = int((z > 0) != (z0 > 0))
    assert activation_changes(np.array([[z, 3.0]]), np.array([[z0, -5.0]]), x) == expected


def test_activation_changes_stays_in_the_memory_budget(monkeypatch):
    """The (n, m) temporaries are made a few rows at a time: peak memory within nearinit.MEMORY_BUDGET."""
    m, d, n = 256, 2, 512
    W0, _ = init_params(m, d, rng=5)
    rng = np.random.default_rng(6)
    W = W0 + rng.standard_normal((m, d))
    X = rng.standard_normal((n, d))
    expected = np.count_nonzero((X @ W.T > 0) != (X @ W0.T > 0), axis=1)
    # a 64 KiB budget; the full (n, m) float64 product alone is 1 MiB
    assert_array_equal(contract.within_budget(monkeypatch, 1 << 16, activation_changes, W, W0, X), expected)


# --- the kernel: blocks of neurons ------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 1000, (1 << 21) - 1, 1 << 21, (1 << 21) + 1, 1 << 22, (1 << 22) + 1, 10**8])
def test_block_rows_is_the_most_that_fit(n):
    """The most neurons whose (block, n) pre-activations fit in _BLOCK, and at least 1."""
    b = kernel.block_rows(n)
    assert type(b) is int and b >= 1
    assert b * n <= max(n, kernel._BLOCK)
    assert (b + 1) * n > kernel._BLOCK


@pytest.mark.parametrize("c", [0.0, 0.5])
def test_relu_gap_with_a_partial_last_block_and_slices(monkeypatch, c):
    """13 neurons in blocks of 5, 5, 3 and slices of 2 (some slices with exact ties v_i^T x = 0): the flip sum
    equals the identity sum_i a_i w_i^T x (sigma'(w_i^T x) - sigma'(v_i^T x)) computed in one piece."""
    m, d, n = 13, 3, 8
    V, a = init_params(m, d, rng=8)
    rng = np.random.default_rng(9)
    X = rng.standard_normal((n, d))
    V[[1, 7, 11], :] = 0.0  # v_i^T x = 0 for every x: the convention c decides
    W = V + rng.standard_normal((m, d))
    Zw, Zv = X @ W.T, X @ V.T
    expected = (Zw * (relu_prime(Zw, c) - relu_prime(Zv, c))) @ a
    act = get_activation("relu", relu_prime_at_zero=c)
    monkeypatch.setattr(kernel, "_BLOCK", 5 * n + 3)
    monkeypatch.setattr(kernel, "_SLICE", 2 * n)
    monkeypatch.setattr(kernel, "_MIN_SLICE", 2)
    assert kernel.block_rows(n) == 5
    assert_allclose(linearization_gap(W, V, a, X, activation=act), expected, rtol=1e-12, atol=1e-14)
    assert_allclose(linearization_gap(W, V, a, X[2], activation=act), expected[2], rtol=1e-12, atol=1e-14)
