"""Tests of nearinit.network: the initialization's law, the forward pass against a loop, errors."""

from __future__ import annotations

import contract
import numpy as np
import pytest
from scipy import stats

from nearinit import forward, get_activation, init_params, preactivations


def test_init_shapes_and_support():
    W0, a = init_params(7, 3, rng=1)
    assert W0.shape == (7, 3) and a.shape == (7,)
    assert set(np.unique(a)) <= {-1.0, 1.0}


def test_init_is_reproducible_and_seed_dependent():
    W1, a1 = init_params(5, 2, rng=3)
    W2, a2 = init_params(5, 2, rng=3)
    W3, _ = init_params(5, 2, rng=4)
    np.testing.assert_array_equal(W1, W2)
    np.testing.assert_array_equal(a1, a2)
    assert not np.allclose(W1, W3)


def test_init_law():
    """W0 entries are N(0, 1) (KS test, p > 1e-3) and a is balanced (binomial, 5 sigma)."""
    W0, a = init_params(20_000, 5, rng=2024)
    assert stats.kstest(W0.ravel(), "norm").pvalue > 1e-3
    assert abs(W0.mean()) < 5 / np.sqrt(W0.size)
    plus = np.sum(a == 1)
    assert abs(plus - 10_000) < 5 * np.sqrt(20_000 / 4)


def _loop_forward(W, a, x, sigma):
    return sum(a[i] * sigma(W[i] @ x) for i in range(len(a)))


@pytest.mark.parametrize("name", ["relu", "softplus", "tanh", "sigmoid", "quadratic"])
def test_forward_matches_loop(name):
    rng = np.random.default_rng(0)
    W, a = init_params(13, 4, rng=rng)
    X = rng.standard_normal((6, 4))
    sigma = get_activation(name).sigma
    expected = np.array([_loop_forward(W, a, x, sigma) for x in X])
    np.testing.assert_allclose(forward(W, a, X, activation=name), expected, rtol=1e-12)
    np.testing.assert_allclose(forward(W, a, X, activation=name, scale="ntk"), expected / np.sqrt(13), rtol=1e-12)


def test_forward_single_input_is_float():
    W, a = init_params(4, 3, rng=0)
    x = np.array([0.1, -0.2, 0.3])
    out = forward(W, a, x)
    assert isinstance(out, float)
    assert out == pytest.approx(forward(W, a, x[None, :])[0])


def test_preactivations():
    W, _ = init_params(4, 3, rng=0)
    X = np.arange(6.0).reshape(2, 3)
    W = np.array([[1.0, 0.0, -1.0], [2.0, 0.5, 0.0], [0.0, 0.0, 3.0], [-1.0, 1.0, 1.0]])
    # by hand: entry (j, i) is w_i^T x_j with x_0 = (0, 1, 2), x_1 = (3, 4, 5)
    expected = np.array([[-2.0, 0.5, 6.0, 3.0], [-2.0, 8.0, 15.0, 6.0]])
    np.testing.assert_array_equal(preactivations(W, X), expected)
    np.testing.assert_array_equal(preactivations(W, X[1]), expected[1])


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (
            lambda: init_params(0, 3, rng=0),
            ValueError,
            r"'m' parameter must be an int in the range \[1, 1000000000000000\]\. Got 0",
        ),
        (lambda: init_params(2.5, 3, rng=0), TypeError, r"'m' parameter must be an int"),
        (lambda: init_params(3, 0, rng=0), ValueError, r"'d' parameter"),
        (lambda: forward(np.ones((3, 2)), np.ones(2), np.ones(2)), ValueError, r"'a' parameter must have one entry"),
        (lambda: forward(np.ones((3, 2)), np.ones(3), np.ones(4)), ValueError, r"'X' parameter must have d = 2"),
        (lambda: forward(np.ones(3), np.ones(3), np.ones(3)), ValueError, r"'W' parameter must be a 2-D array"),
        (lambda: forward(np.ones((3, 2)), np.ones(3), [np.nan, 1.0]), ValueError, r"'X' parameter must contain only"),
        (lambda: forward(np.ones((3, 2)), np.ones(3), np.ones(2), scale="mf"), ValueError, r"'scale' parameter"),
        (lambda: forward(np.ones((3, 2)), np.ones(3), np.ones(2), activation="elu"), ValueError, r"'activation'"),
        (lambda: forward(np.ones((3, 2)), np.ones(3), "ab"), TypeError, r"'X' parameter must be a numeric array"),
    ],
)
def test_errors_name_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


@pytest.mark.parametrize(("m", "d", "name", "value"), [(4, 3, "m", 4), (3, 3, "m", 3), (2, 5, "d", 5)])
def test_init_params_budget_at_its_boundary_names_the_larger_size(monkeypatch, m, d, name, value):
    """W0 and a take 8 m (d + 1) bytes: accepted at exactly that budget, refused one byte below, naming the larger
    of m and d (m on a tie) with its value."""
    W0, a = contract.at_budget(
        monkeypatch,
        8 * m * (d + 1),
        lambda: init_params(m, d, rng=0),
        name,
        match=rf"'{name}' parameter is too large: an \({m}, {d}\) matrix .* Got {name} = {value}\.",
    )
    assert W0.shape == (m, d) and a.shape == (m,)


def test_forward_works_in_blocks_within_the_budget(monkeypatch):
    """With a 1 MiB budget, forward's (rows, m) temporaries for m = 2000 and n = 1000 (16 MB unchunked) stay within
    it, and the blocks give the unchunked values."""
    W, a = init_params(2000, 1, rng=3)
    X = np.linspace(-1.0, 1.0, 1000)[:, None]
    full = forward(W, a, X)
    out = contract.within_budget(monkeypatch, 1 << 20, forward, W, a, X)
    np.testing.assert_allclose(out, full, rtol=1e-12, atol=1e-12)
