"""Tests of nearinit.ntk.

Oracles: finite differences of ``forward`` (the kernel is the inner product of gradients), a loop over
neurons, exact values (theta = 0, theta = pi, orthogonal inputs), seeded Monte Carlo against the
infinite-width limit with the exact standard deviation, hypothesis for homogeneity and symmetry, errors.
"""

from __future__ import annotations

import dataclasses

import contract
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nearinit import (
    finite_difference_gradient,
    forward,
    get_activation,
    init_params,
    kernel_change_extremes,
    kernel_stability_bound,
    kernel_stability_constant,
    ntk_limit,
    tangent_kernel,
    tangent_kernel_std,
)


def _grad_fd(W, a, x, activation, scale):
    """Central finite differences of W -> forward(W, a, x), shape (m, d)."""
    return finite_difference_gradient(lambda V: forward(V, a, x, activation=activation, scale=scale), W)


@pytest.mark.parametrize("activation", ["relu", "softplus", "tanh"])
@pytest.mark.parametrize("scale", ["ntk", None])
def test_matches_inner_product_of_finite_difference_gradients(activation, scale):
    rng = np.random.default_rng(7)
    W0, a = init_params(9, 3, rng=rng)
    a = a * rng.uniform(0.5, 1.5, size=9)  # general outer weights: the kernel weighs neurons by a_i^2
    X = rng.standard_normal((4, 3))
    X2 = rng.standard_normal((2, 3))
    G = [_grad_fd(W0, a, x, activation, scale) for x in X]
    G2 = [_grad_fd(W0, a, x, activation, scale) for x in X2]
    expected = np.array([[np.sum(g * g2) for g2 in G2] for g in G])
    K = tangent_kernel(W0, a, X, X2, scale=scale, activation=activation)
    assert K.shape == (4, 2)
    np.testing.assert_allclose(K, expected, rtol=1e-6, atol=1e-8)


def test_relu_kernel_matches_loop_and_counts():
    rng = np.random.default_rng(3)
    m = 40
    W0, a = init_params(m, 5, rng=rng)
    X = rng.standard_normal((3, 5))
    K = tangent_kernel(W0, a, X, scale="ntk")
    for j, x in enumerate(X):
        for k, x2 in enumerate(X):
            both = sum((W0[i] @ x > 0) and (W0[i] @ x2 > 0) for i in range(m))
            assert K[j, k] == pytest.approx((x @ x2) * both / m, rel=1e-12, abs=1e-14)


def test_scale_none_is_m_times_ntk_and_symmetric_psd():
    rng = np.random.default_rng(4)
    W0, a = init_params(30, 4, rng=rng)
    X = rng.standard_normal((6, 4))
    K = tangent_kernel(W0, a, X, scale="ntk")
    np.testing.assert_allclose(tangent_kernel(W0, a, X, scale=None), 30 * K, rtol=1e-12)
    np.testing.assert_allclose(K, K.T, atol=1e-15)
    assert np.linalg.eigvalsh(K).min() > -1e-12
    # the cross kernel K(X, X2) against the definition, neuron by neuron, on a second set of inputs
    X2 = rng.standard_normal((3, 4))
    loop = np.zeros((6, 3))
    for i in range(30):
        loop += a[i] ** 2 * np.outer(X @ W0[i] > 0, X2 @ W0[i] > 0) / 30
    np.testing.assert_allclose(tangent_kernel(W0, a, X, X2, scale="ntk"), (X @ X2.T) * loop, rtol=1e-12)


def test_single_input_counts_as_one_row():
    W0, a = init_params(8, 2, rng=0)
    x = np.array([0.3, -1.2])
    assert tangent_kernel(W0, a, x, scale="ntk").shape == (1, 1)
    assert ntk_limit(x).shape == (1, 1)
    assert tangent_kernel_std(x, m=3).shape == (1, 1)


def test_exact_cases_of_the_limit():
    x = np.array([[3.0, 4.0]])  # norm 5
    assert ntk_limit(x)[0, 0] == 12.5  # theta = 0: |x|^2 / 2 exactly
    assert ntk_limit(x, -2 * x)[0, 0] == 0.0  # theta = pi: p = 0
    assert ntk_limit(x, [[-4.0, 3.0]])[0, 0] == 0.0  # orthogonal: x^T x' = 0
    assert ntk_limit(x, [[0.0, 0.0]])[0, 0] == 0.0  # a zero input
    # theta = pi/3 for unit vectors: cos = 1/2 and p = (pi - pi/3)/(2 pi) = 1/3
    e1, u = np.array([1.0, 0.0]), np.array([0.5, np.sqrt(3) / 2])
    assert ntk_limit(e1, u)[0, 0] == pytest.approx(0.5 / 3, rel=1e-14)
    assert tangent_kernel_std(e1, u, m=10)[0, 0] == pytest.approx(0.5 * np.sqrt(2 / 9 / 10), rel=1e-14)
    # close to theta = 0 the angle keeps full accuracy (arccos of the cosine would lose half the digits)
    eps = 1e-9
    v = np.array([np.cos(eps), np.sin(eps)])
    assert ntk_limit(e1, v)[0, 0] == pytest.approx(np.cos(eps) * (np.pi - eps) / (2 * np.pi), rel=1e-15)


def test_exact_cases_of_the_empirical_kernel():
    W0, a = init_params(1000, 3, rng=5)
    x = np.array([[1.0, -2.0, 0.5]])
    K = tangent_kernel(W0, a, np.vstack([x, -x, [[2.0, 1.0, 0.0]]]), scale="ntk")
    active = np.mean(W0 @ x[0] > 0)
    assert K[0, 0] == pytest.approx(x[0] @ x[0] * active, rel=1e-12)  # theta = 0: |x|^2 times the active fraction
    assert K[0, 1] == 0.0  # theta = pi: no neuron is active on both x and -x
    assert K[0, 2] == 0.0  # orthogonal inputs


def test_monte_carlo_against_the_limit():
    """At m = 200_000 every entry is within 5 exact standard deviations of the limit (seeded)."""
    rng = np.random.default_rng(2024)
    m = 200_000
    X = rng.standard_normal((5, 3))
    W0, a = init_params(m, 3, rng=rng)
    K = tangent_kernel(W0, a, X, scale="ntk")
    std = tangent_kernel_std(X, m=m)
    assert np.all(np.abs(K - ntk_limit(X)) <= 5 * std + 1e-12)


def test_monte_carlo_mean_and_exact_std():
    """Over R = 4000 draws at m = 50: mean within 5 standard errors, std within 10% (about 6 standard errors)."""
    rng = np.random.default_rng(11)
    m, R = 50, 4000
    theta = 2.0
    x = np.array([1.5, 0.0])
    x2 = 0.8 * np.array([np.cos(theta), np.sin(theta)])
    W = rng.standard_normal((R, m, 2))
    draws = np.array([tangent_kernel(W[r], np.ones(m), x, x2, scale="ntk")[0, 0] for r in range(R)])
    limit = ntk_limit(x, x2)[0, 0]
    std = tangent_kernel_std(x, x2, m=m)[0, 0]
    assert limit == pytest.approx(1.2 * np.cos(theta) * (np.pi - theta) / (2 * np.pi), rel=1e-12)
    assert abs(draws.mean() - limit) <= 5 * std / np.sqrt(R)
    assert draws.std(ddof=1) == pytest.approx(std, rel=0.10)


def test_relu_prime_at_zero_convention():
    """A neuron with w_0^T x = 0 counts only under sigma'(0) = 1, not under the default 0."""
    W0 = np.array([[0.0, 1.0], [1.0, 0.0]])
    a = np.ones(2)
    x = np.array([[1.0, 0.0]])
    assert tangent_kernel(W0, a, x, scale="ntk")[0, 0] == 0.5
    assert tangent_kernel(W0, a, x, activation=get_activation("relu", relu_prime_at_zero=1.0), scale="ntk")[0, 0] == 1.0


finite_rows = arrays(np.float64, (3, 2), elements=st.floats(-10, 10, allow_nan=False, width=64))


@settings(max_examples=60, deadline=None)
@given(finite_rows, finite_rows, st.floats(0.01, 100.0))
def test_limit_is_symmetric_homogeneous_and_bounded(X, X2, c):
    K = ntk_limit(X, X2)
    np.testing.assert_allclose(ntk_limit(X2, X), K.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ntk_limit(c * X, X2), c * K, rtol=1e-9, atol=1e-9)
    bound = np.outer(np.linalg.norm(X, axis=1), np.linalg.norm(X2, axis=1)) / 2
    assert np.all(np.abs(K) <= bound * (1 + 1e-12) + 1e-12)
    # the kernel is positive semidefinite (a limit of Gram matrices)
    assert np.linalg.eigvalsh(ntk_limit(np.vstack([X, X2]))).min() >= -1e-9 * (1 + np.abs(K).max())


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (
            lambda: tangent_kernel(np.ones(3), np.ones(3), np.ones(3), scale="ntk"),
            ValueError,
            r"'W0' parameter must be a 2-D",
        ),
        (
            lambda: tangent_kernel(np.ones((3, 2)), np.ones(2), np.ones(2), scale="ntk"),
            ValueError,
            r"'a' parameter must have one",
        ),
        (
            lambda: tangent_kernel(np.ones((3, 2)), np.ones(3), np.ones((1, 3)), scale="ntk"),
            ValueError,
            r"'X' parameter must have",
        ),
        (
            lambda: tangent_kernel(np.ones((3, 2)), np.ones(3), np.ones(2), np.ones(3), scale="ntk"),
            ValueError,
            r"'X2' parameter",
        ),
        (
            lambda: tangent_kernel(np.ones((3, 2)), np.ones(3), [np.inf, 1.0], scale="ntk"),
            ValueError,
            r"'X' parameter must contain",
        ),
        (lambda: tangent_kernel(np.ones((3, 2)), np.ones(3), np.ones(2), scale="mf"), ValueError, r"'scale'"),
        (
            lambda: tangent_kernel(np.ones((3, 2)), np.ones(3), np.ones(2), activation="elu", scale="ntk"),
            ValueError,
            r"'activation'",
        ),
        (lambda: ntk_limit(np.ones((2, 3)), np.ones((2, 2))), ValueError, r"'X2' parameter must have d = 3"),
        (lambda: ntk_limit(np.ones((2, 2, 2))), ValueError, r"'X' parameter must be a 1-D or 2-D array"),
        (lambda: ntk_limit("ab"), TypeError, r"'X' parameter must be a numeric array"),
        (lambda: tangent_kernel_std(np.ones((2, 2)), m=0), ValueError, r"'m' parameter must be an int in the range"),
        (lambda: tangent_kernel_std(np.ones((2, 2)), m=2.0), TypeError, r"'m' parameter must be an int"),
    ],
)
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_chunked_sum_over_neurons_matches_one_block(monkeypatch):
    """Processing the neurons in blocks (bounded memory) gives the same matrix as one block."""
    import nearinit.ntk as kernels

    rng = np.random.default_rng(9)
    W0, a = init_params(257, 3, rng=rng)
    X, X2 = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    whole = tangent_kernel(W0, a, X, X2, activation="tanh", scale="ntk")
    monkeypatch.setattr(kernels, "_CHUNK", 40)  # blocks of 40 // 9 = 4 neurons
    np.testing.assert_allclose(tangent_kernel(W0, a, X, X2, activation="tanh", scale="ntk"), whole, rtol=1e-12)


# ------------------------------------------------------------------------------------------- budget and chunking
def test_budget_is_32_bytes_per_kernel_entry_and_names_the_larger_input(monkeypatch):
    """The (n, n2) kernel matrices are refused past nearinit.MEMORY_BUDGET at 32 n n2 bytes, naming the input
    with more rows (``X`` on a tie or when ``X2`` is omitted), with its row count."""
    import nearinit._validation as validation

    monkeypatch.setattr(validation, "MEMORY_BUDGET", 32 * 100)
    assert ntk_limit(np.ones((10, 2))).shape == (10, 10)  # exactly at the budget
    assert ntk_limit(np.ones((4, 2)), np.ones((25, 2))).shape == (4, 25)
    with contract.refuses("X", match=r"\(11, 11\) kernel matrices .*MEMORY_BUDGET.* Got X = 11\."):
        ntk_limit(np.ones((11, 2)))
    with contract.refuses("X2", match=r"\(4, 26\) kernel matrices .* Got X2 = 26\."):
        ntk_limit(np.ones((4, 2)), np.ones((26, 2)))
    with contract.refuses("X", match=r"\(26, 4\) kernel matrices .* Got X = 26\."):
        tangent_kernel_std(np.ones((26, 2)), np.ones((4, 2)), m=3)
    with contract.refuses("X", match=r"\(11, 11\) kernel matrices .* Got X = 11\."):
        ntk_limit(np.ones((11, 2)), np.ones((11, 2)))


@pytest.mark.parametrize(("n", "n2"), [(5, 4), (13, 12)])
def test_blocks_of_sigma_prime_stay_within_the_chunk(monkeypatch, n, n2):
    """Each block of neurons evaluates sigma' on (n + n2) * step <= _CHUNK entries, and the result is unchanged."""
    import nearinit.ntk as kernels

    rng = np.random.default_rng(12)
    W0, a = init_params(31, 3, rng=rng)
    X, X2 = rng.standard_normal((n, 3)), rng.standard_normal((n2, 3))
    whole = tangent_kernel(W0, a, X, X2, activation="tanh", scale="ntk")
    tanh, sizes = get_activation("tanh"), []

    def recorded(z):
        sizes.append(z.size)
        return tanh.sigma_prime(z)

    monkeypatch.setattr(kernels, "_CHUNK", 40)
    act = dataclasses.replace(tanh, sigma_prime=recorded)
    np.testing.assert_allclose(tangent_kernel(W0, a, X, X2, activation=act, scale="ntk"), whole, rtol=1e-12)
    blocks = np.array(sizes).reshape(-1, 2).sum(axis=1)  # sigma'(X W^T) and sigma'(X2 W^T) of one block
    assert blocks.max() <= 40 and blocks.sum() == (n + n2) * 31


def test_ntk_scale_with_a_single_input_dimension():
    # d = 1: c^2 = 1/m still (the width is the number of rows of W0, not of columns)
    W0 = np.array([[0.5], [-1.0], [2.0], [0.1], [-0.3]])
    K = tangent_kernel(W0, np.ones(5), np.array([[2.0]]), scale="ntk")
    assert K[0, 0] == pytest.approx(4.0 * 3 / 5, rel=1e-15)


# ------------------------------------------------------------------------------------------------ stability bound
@pytest.mark.parametrize("c", [1.0, 0.5, float(np.sqrt(2 / np.pi))])
def test_stability_bound_at_the_default_tau_is_its_leading_term_plus_hoeffding(c):
    """At tau = (B^2 / (c m))^(1/3) the bound is 3 c^(2/3) B^(2/3) m^(-1/3) + 2 sqrt(ln(2/delta) / (2m))."""
    for m, B, delta in [(10**6, 2.0, 0.05), (50, 0.3, 0.5), (10**9, 7.0, 1e-6)]:
        lead = kernel_stability_constant(c=c) * B ** (2 / 3) * m ** (-1 / 3)
        expected = lead + 2 * np.sqrt(np.log(2 / delta) / (2 * m))
        assert kernel_stability_bound(m, B, delta, c=c) == pytest.approx(expected, rel=1e-12)
    assert kernel_stability_constant(c=c) == pytest.approx(3.0 * c ** (2 / 3), rel=1e-15)


def test_stability_bound_refusals_name_the_argument():
    for delta in (0.0, 1.0):
        with contract.refuses("delta", match=r"\(0\.0, 1\.0\)"):
            kernel_stability_bound(100, 1.0, delta)
    with contract.refuses("B", match=r"'m' = 1, 'B' = 1e\+200, 'tau' = 1e-10"):
        kernel_stability_bound(1, 1e200, 0.5, tau=1e-10)


# ------------------------------------------------------------------------------------------ kernel change extremes
def test_kernel_change_extremes_refusals():
    with contract.refuses("a", match=r"\{-1, \+1\}"):
        kernel_change_extremes(np.ones((2, 1)), np.array([1.0, 0.5]), np.ones(1), 1.0)
    assert kernel_change_extremes(np.ones((2, 1)), np.ones(2), np.ones(1), 1e150).n_down == 2
    with contract.refuses("B", match=r"1e\+150"):
        kernel_change_extremes(np.ones((2, 1)), np.ones(2), np.ones(1), 2e150)


def test_kernel_change_extremes_a_neuron_at_zero_is_off():
    """w^T x = 0: the ReLU indicator 1{w^T x > 0} is 0, so any move along x switches it on, none switches it off."""
    res = kernel_change_extremes(np.array([[0.0], [1.0]]), np.ones(2), np.array([1.0]), 1e-3)
    assert (res.n_up, res.n_down) == (1, 0)
    assert res.up == 0.5 and res.down == 0.0
    assert res.W_up[0, 0] > 0 and np.array_equal(res.W_down, [[0.0], [1.0]])
