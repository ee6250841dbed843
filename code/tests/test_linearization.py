"""Tests of nearinit.linearization: f_V, the gap f - f_V and the ReLU flip sum (eq-flip-sum)."""

from __future__ import annotations

import contract
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from nearinit import forward, get_activation, init_params, linearization_gap, linearize, relu_flip_terms

CONVENTIONS = [0.0, 0.25, 0.5, 1.0]
SMOOTH = ["softplus", "tanh", "sigmoid", "quadratic"]


def _setup(seed, m=60, d=5, n=8, step=0.7):
    W0, a = init_params(m, d, rng=seed)
    rng = np.random.default_rng(1000 + seed)
    W = W0 + step * rng.standard_normal((m, d))
    X = rng.standard_normal((n, d))
    return W, W0, a, X


def _flip_sum_by_definition(W, V, a, X):
    """sum over strictly sign-flipped neurons of a_i |w_i^T x| (eq-flip-sum, ties excluded)."""
    Zw, Zv = X @ W.T, X @ V.T
    return ((np.sign(Zw) * np.sign(Zv) < 0) * np.abs(Zw)) @ a


# --- ReLU: the flip sum against the general formula -------------------------------------------------


@pytest.mark.parametrize("c", CONVENTIONS)
@pytest.mark.parametrize("seed", range(25))
def test_relu_gap_equals_forward_minus_linearize(seed, c):
    W, W0, a, X = _setup(seed)
    act = get_activation("relu", relu_prime_at_zero=c)
    general = forward(W, a, X, activation=act) - linearize(W0, a, activation=act)(W, X)
    gap = linearization_gap(W, W0, a, X, activation=act)
    assert_allclose(gap, general, atol=1e-10)
    assert_allclose(gap, _flip_sum_by_definition(W, W0, a, X), atol=1e-12)
    assert np.any(gap != 0)  # the perturbation is large enough to flip neurons


@pytest.mark.parametrize("c", CONVENTIONS)
def test_relu_gap_at_ties_follows_the_convention(c):
    """With v_i^T x = 0 the neuron's term is sigma(w_i^T x) - c w_i^T x: it depends on sigma'(0)."""
    x = np.array([1.0, 0.0])
    V = np.array([[0.0, 1.0], [0.0, -2.0], [3.0, 1.0], [-1.0, 0.0]])  # projections 0, 0, 3, -1
    W = np.array([[2.0, 0.0], [-1.5, 0.0], [0.0, 5.0], [0.5, 0.0]])  # projections 2, -1.5, 0, 0.5
    a = np.array([1.0, 1.0, 1.0, 1.0])
    act = get_activation("relu", relu_prime_at_zero=c)
    general = forward(W, a, x, activation=act) - linearize(V, a, activation=act)(W, x)
    expected = (2.0 - c * 2.0) + (0.0 + c * 1.5) + 0.0 + 0.5  # tie, tie, lands on 0, flip
    assert_allclose(linearization_gap(W, V, a, x, activation=act), general, atol=1e-14)
    assert_allclose(general, expected, atol=1e-14)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=20),
    st.sampled_from(CONVENTIONS),
)
def test_relu_flip_terms_identity(pairs, c):
    """relu_flip_terms = w^T x (sigma'(w^T x) - sigma'(v^T x)), and |term| <= |(w - v)^T x|."""
    Zw, Zv = np.array(pairs).T
    rp = get_activation("relu", relu_prime_at_zero=c).sigma_prime
    terms = relu_flip_terms(Zw, Zv, relu_prime_at_zero=c)
    assert_allclose(terms, Zw * (rp(Zw) - rp(Zv)), atol=1e-9)
    assert np.all(np.abs(terms) <= np.abs(Zw - Zv) + 1e-9)
    strict = Zv != 0
    assert_allclose(terms[strict], (np.abs(Zw) * (np.sign(Zw) * np.sign(Zv) < 0))[strict], atol=0)


def test_relu_gap_is_zero_at_base_point_and_linear_f0():
    W, W0, a, X = _setup(3)
    # no sign changes (W = 1.5 W0): no flips, the gap is exactly 0; all signs change (W = -W0): every neuron
    # flips and the gap is sum_i a_i |w_i^T x| (the flip sum, from the projections alone)
    assert np.all(linearization_gap(1.5 * W0, W0, a, X) == 0)
    assert_allclose(linearization_gap(-W0, W0, a, X), np.abs(X @ W0.T) @ a, rtol=1e-12)
    assert_allclose(forward(-W0, a, X) - linearize(W0, a)(-W0, X), np.abs(X @ W0.T) @ a, rtol=1e-9, atol=1e-9)
    f0 = linearize(W0, a)
    # f_0 is linear (not only affine) in W for ReLU: f_0(s W) = s f_0(W)
    assert_allclose(f0(2.5 * W, X), 2.5 * f0(W, X), rtol=1e-12, atol=1e-12)
    assert_allclose(f0(W0, X), forward(W0, a, X), rtol=1e-12)


# --- smooth activations: the gap against its definition ------------------------------------------------


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("seed", range(5))
def test_smooth_gap_matches_definition(name, seed):
    W, W0, a, X = _setup(seed, step=0.3)
    general = forward(W, a, X, activation=name) - linearize(W0, a, activation=name)(W, X)
    assert_allclose(linearization_gap(W, W0, a, X, activation=name), general, rtol=1e-9, atol=1e-10)


def test_quadratic_gap_closed_form():
    """For sigma(z) = z^2/2 the gap is exactly sum_i a_i ((w_i - v_i)^T x)^2 / 2."""
    W, W0, a, X = _setup(7)
    expected = ((X @ (W - W0).T) ** 2 / 2) @ a
    assert_allclose(linearization_gap(W, W0, a, X, activation="quadratic"), expected, rtol=1e-12)


@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_gap_is_second_order(name):
    """gap(V + h D) / h^2 -> (1/2) sum_i a_i sigma''(v_i^T x) (d_i^T x)^2 (second-order Taylor), error O(h)."""
    _, V, a, X = _setup(2)
    D = np.random.default_rng(9).standard_normal(V.shape)
    act = get_activation(name)
    limit = 0.5 * (act.sigma_second(X @ V.T) * (X @ D.T) ** 2) @ a
    scale = 0.5 * np.abs(X @ D.T) ** 2 @ np.ones_like(a)  # sum of the terms' sizes, for the tolerance
    for h in [1e-3, 1e-4]:
        err = np.abs(linearization_gap(V + h * D, V, a, X, activation=name) / h**2 - limit)
        assert np.all(err <= 10 * h * scale + 1e-6 * scale)


# --- f_V against finite differences of forward ---------------------------------------------------------


@pytest.mark.parametrize("name", ["relu", *SMOOTH])
def test_linearize_matches_central_differences(name):
    _, V, a, X = _setup(4)
    D = np.random.default_rng(5).standard_normal(V.shape)
    h = 1e-5
    f_lin = linearize(V, a, activation=name)
    fd = (forward(V + h * D, a, X, activation=name) - forward(V - h * D, a, X, activation=name)) / (2 * h)
    directional = f_lin(V + D, X) - f_lin(V, X)  # <grad f(x; V), D>, exactly, since f_lin is affine
    assert_allclose(directional, fd, rtol=1e-6, atol=1e-6)
    assert_allclose(f_lin(V, X), forward(V, a, X, activation=name), rtol=1e-12)


# --- scaling, shapes, errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["relu", "tanh"])
def test_ntk_scale_divides_by_sqrt_m(name):
    W, W0, a, X = _setup(6, m=49)
    assert_allclose(
        linearization_gap(W, W0, a, X, activation=name, scale="ntk"),
        linearization_gap(W, W0, a, X, activation=name) / 7.0,
        rtol=1e-12,
    )
    assert_allclose(
        linearize(W0, a, activation=name, scale="ntk")(W, X), linearize(W0, a, activation=name)(W, X) / 7.0, rtol=1e-12
    )


def test_single_input_returns_float():
    W, W0, a, X = _setup(8)
    g = linearization_gap(W, W0, a, X[0])
    v = linearize(W0, a)(W, X[0])
    assert type(g) is float and type(v) is float
    assert g == pytest.approx(linearization_gap(W, W0, a, X[:1])[0], abs=1e-14)
    assert v == pytest.approx(linearize(W0, a)(W, X[:1])[0], abs=1e-14)


@pytest.mark.parametrize("c", [0.0, 0.5])
def test_relu_gap_across_many_blocks_with_ties(c):
    """Wide m and many inputs (several neuron blocks), some blocks with exact ties v_i^T x = 0 (and -0.0)."""
    m, d, n = 1000, 3, 600
    W0, a = init_params(m, d, rng=21)
    rng = np.random.default_rng(22)
    X = rng.standard_normal((n, d))
    X[:, 0] = np.where(np.arange(n) % 7 == 0, 1.0, X[:, 0])
    V = W0.copy()
    V[130:140, 1:] = 0.0  # v_i^T x = v_i0 x_0 ...
    V[130:140, 0] = 0.0  # ... = 0 exactly for these neurons and every x
    V[700:705] = -0.0
    W = V + 0.9 * rng.standard_normal((m, d))
    act = get_activation("relu", relu_prime_at_zero=c)
    general = forward(W, a, X, activation=act) - linearize(V, a, activation=act)(W, X)
    assert_allclose(linearization_gap(W, V, a, X, activation=act), general, atol=1e-9)
    Zw, Zv = X @ W.T, X @ V.T
    by_terms = relu_flip_terms(Zw, Zv, relu_prime_at_zero=c) @ a
    assert_allclose(linearization_gap(W, V, a, X, activation=act), by_terms, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("name", "c"), [("tanh", 0.0), ("relu", 0.5), ("relu", 0.0)])
def test_chunking_does_not_change_the_gap(monkeypatch, name, c):
    import nearinit._relu_kernel as kernel
    import nearinit.linearization as lin

    W, W0, a, X = _setup(10, m=300)
    act = get_activation(name, relu_prime_at_zero=c) if name == "relu" else name
    full = linearization_gap(W, W0, a, X, activation=act)
    monkeypatch.setattr(lin, "_CHUNK", 16)  # 2 neurons per chunk with n = 8 (smooth, or ReLU with c != 0)
    monkeypatch.setattr(kernel, "_BLOCK", 1)  # one neuron per block (ReLU with c = 0): 300 blocks for m = 300
    assert_allclose(linearization_gap(W, W0, a, X, activation=act), full, rtol=1e-12, atol=1e-12)


def test_smooth_gap_works_in_neuron_blocks_of_bounded_size(monkeypatch):
    """The smooth gap's (n, block) temporaries hold about _CHUNK entries: with _CHUNK = 1000, n = 100 and m = 5000
    (500 000 entries unchunked), a few blocks of 1000 entries at a time, and the same gap."""

    import nearinit.linearization as lin

    W, W0, a, X = _setup(4, m=5000, d=1, n=100)
    full = linearization_gap(W, W0, a, X, activation="tanh")
    monkeypatch.setattr(lin, "_CHUNK", 1000)
    gap, peak = contract.traced(linearization_gap, W, W0, a, X, activation="tanh")
    assert peak <= 16 * 8 * 1000  # a handful of (100, 10) float64 blocks, not (100, 5000) ones
    assert_allclose(gap, full, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda W, V, a, X: linearization_gap(W[:, :2], V, a, X), ValueError, "'W'.*shape of 'V'"),
        (lambda W, V, a, X: linearization_gap(W, V[:5], a, X), ValueError, "'a'.*one entry per row of 'V'"),
        (lambda W, V, a, X: linearization_gap(W, V, a[:3], X), ValueError, "'a'.*one entry per row of 'W'"),
        (lambda W, V, a, X: linearization_gap(W, V, a, X[:, :2]), ValueError, "'X'.*d = 5"),
        (lambda W, V, a, X: linearization_gap(W, V, a, X, scale="mf"), ValueError, "'scale'.*'mf'"),
        (lambda W, V, a, X: linearization_gap(W, V, a, X, activation="gelu"), ValueError, "'activation'.*'gelu'"),
        (lambda W, V, a, X: linearization_gap(W, V, a, "x"), TypeError, "'X'.*numeric"),
        (lambda W, V, a, X: linearization_gap(W * np.nan, V, a, X), ValueError, "'W'.*finite"),
        (lambda W, V, a, X: linearize(V, a)(W[:, :2], X), ValueError, "'W'.*shape of 'V'"),
        (lambda W, V, a, X: linearize(V[0], a), ValueError, "'V'.*2-D"),
        (lambda W, V, a, X: linearize(V, a)(W, X[:, :3]), ValueError, "'X'.*d = 5"),
        (lambda W, V, a, X: linearize(V, a, scale=2)(W, X), ValueError, "'scale'"),
        (
            lambda W, V, a, X: linearize(V, a, activation=get_activation("relu", relu_prime_at_zero=2.0)),
            ValueError,
            "'relu_prime_at_zero'.*\\[0.0, 1.0\\]",
        ),
    ],
)
def test_errors_name_the_argument(call, exc, match):
    W, W0, a, X = _setup(0)
    with pytest.raises(exc, match=match):
        call(W, W0, a, X)


# The fast ReLU kernel of linearization_gap (sign-bit XOR, blocks of neurons) against the plain formula.
def _plain_gap(W, V, a, X):
    return relu_flip_terms(X @ W.T, X @ V.T) @ a


@pytest.mark.parametrize(("m", "n", "d"), [(1, 1, 1), (7, 3, 2), (300, 1, 5), (1000, 700, 4), (5000, 2, 3)])
def test_fast_relu_gap_equals_plain_flip_sum(m, n, d):
    rng = np.random.default_rng(m + n + d)
    X = rng.standard_normal((n, d))
    V = rng.standard_normal((m, d))
    W = V + 0.3 * rng.standard_normal((m, d))
    a = rng.choice([-1.0, 1.0], size=m) * rng.uniform(0.5, 1.0, size=m)
    got = linearization_gap(W, V, a, X)
    scale = np.abs(X @ W.T) @ np.abs(a)
    assert_allclose(got, _plain_gap(W, V, a, X), rtol=0, atol=1e-13 * scale.max())


def test_fast_relu_gap_handles_exact_zeros():
    # Zv = +0.0 and -0.0 count as "off" (sigma'(0) = 0); Zw = 0 contributes nothing.
    V = np.array([[1.0, -1.0], [0.0, 0.0], [-0.0, 0.0], [2.0, 1.0], [1.0, 1.0]])
    W = np.array([[2.0, 0.0], [1.0, 1.0], [-1.0, 0.0], [-1.0, 1.0], [0.0, 0.0]])
    a = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    X = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 0.0], [-1.0, 2.0]])
    assert_allclose(linearization_gap(W, V, a, X), _plain_gap(W, V, a, X), rtol=0, atol=0)
    # a block of many neurons in which a single pre-activation is exactly zero
    rng = np.random.default_rng(0)
    V2 = rng.standard_normal((2000, 3))
    V2[1234] = 0.0
    W2 = V2 + rng.standard_normal((2000, 3))
    a2 = rng.choice([-1.0, 1.0], size=2000)
    X2 = rng.standard_normal((5, 3))
    assert_allclose(linearization_gap(W2, V2, a2, X2), _plain_gap(W2, V2, a2, X2), rtol=1e-12)
