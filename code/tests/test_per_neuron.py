"""Tests of nearinit.per_neuron: the exact supremum over the per-neuron ball (Theorem thm-per-neuron-ball)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from worst_case_helpers import relu_prime

from nearinit import (
    get_activation,
    init_params,
    linearization_gap,
    per_neuron_limit,
    per_neuron_mean,
    per_neuron_worst_case,
    sample_projections,
    worst_case_gap,
)
from nearinit.per_neuron import _from_projections


def _instance(m, d, seed, real_a=False):
    rng = np.random.default_rng(seed)
    W0, a = init_params(m, d, rng=rng)
    if real_a:
        a = rng.uniform(-2, 2, size=m)
    x = rng.standard_normal(d)
    x *= rng.uniform(0.3, 2.0) / np.linalg.norm(x)
    return W0, a, x, rng


def _brute_force(z, a, reach, sign, gamma=0.0, grid=4001):
    """Separable problem: each neuron's own best move t in [-reach, reach] along x (reach = r ||x||, r = R / sqrt(m)),
    on a grid of the interval (its ends included) plus 0; grid = 2: not moving, or moving to either end."""
    t = np.concatenate([np.linspace(-reach, reach, grid), [0.0]])
    total = 0.0
    for zi, ai in zip(z, a, strict=True):
        r = zi + t
        phi = r * (relu_prime(r, gamma) - relu_prime(zi, gamma))
        total += (sign * ai * phi).max()
    return sign * total


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sign", [1, -1])
def test_matches_brute_force_and_is_attained(seed, sign):
    W0, a, x, _ = _instance(12, 3, seed, real_a=seed % 2 == 1)
    R = [0.5, 2.0, 8.0][seed % 3]
    res = per_neuron_worst_case(W0, a, x, R, sign=sign)
    brute = _brute_force(W0 @ x, a, R / math.sqrt(12) * np.linalg.norm(x), sign)
    # the grid is fine enough that the brute force is within reach / 2000 per neuron of the truth, from below
    assert sign * res.value >= sign * brute - 1e-12
    assert sign * res.value <= sign * brute + 12 * R / math.sqrt(12) * np.linalg.norm(x) / 1000
    at_W = linearization_gap(res.W, W0, a, x)
    assert_allclose(at_W, res.value, rtol=1e-10, atol=1e-12)
    rows = np.linalg.norm(res.W - W0, axis=1)
    assert np.all(rows <= R / math.sqrt(12) * (1 + 1e-12))


@pytest.mark.parametrize("seed", range(4))
def test_random_points_never_exceed(seed):
    W0, a, x, rng = _instance(40, 4, seed)
    R = 3.0
    r = R / math.sqrt(40)
    sup = per_neuron_worst_case(W0, a, x, R).value
    inf = per_neuron_worst_case(W0, a, x, R, sign=-1).value
    for _ in range(200):
        D = rng.standard_normal((40, 4))
        D *= (r * rng.uniform(0, 1, size=(40, 1)) ** 0.2) / np.linalg.norm(D, axis=1, keepdims=True)
        gap = linearization_gap(W0 + D, W0, a, x)
        assert inf - 1e-12 <= gap <= sup + 1e-12


def test_formula_closed_form_and_inside_frobenius_ball():
    W0, a, x, _ = _instance(500, 5, 3)
    R = 2.0
    z = W0 @ x
    expected = np.sum(np.where(a > 0, 1.0, 0.0) * np.maximum(R / math.sqrt(500) * np.linalg.norm(x) - np.abs(z), 0))
    res = per_neuron_worst_case(W0, a, x, R)
    assert_allclose(res.value, expected, rtol=1e-12)
    # the per-neuron ball is inside the Frobenius ball of radius R: never above the Frobenius worst case
    assert res.value <= worst_case_gap(W0, a, x, R).value + 1e-12
    proj = _from_projections(z, a, R, x_norm=float(np.linalg.norm(x)))
    assert proj.value == pytest.approx(res.value, rel=1e-12)
    assert proj.moved.tolist() == res.moved.tolist()
    # the one public entry from projections: a column W0 = z / ||x|| and x = [||x||]
    xn = float(np.linalg.norm(x))
    col = per_neuron_worst_case((z / xn)[:, None], a, np.array([xn]), R)
    assert col.value == pytest.approx(res.value, rel=1e-12)
    assert col.moved.tolist() == res.moved.tolist()


@pytest.mark.parametrize("gamma", [0.0, 1.0])
def test_tie_conventions(gamma):
    W0 = np.array([[0.0, 1.0], [0.0, -2.0]])
    a = np.array([1.0, 1.0])
    x = np.array([1.0, 0.0])
    res = per_neuron_worst_case(W0, a, x, math.sqrt(2), relu_prime_at_zero=gamma)
    assert res.value == pytest.approx(2.0)  # both neurons tied, each gains its whole move 1
    relu = get_activation("relu", relu_prime_at_zero=gamma)
    from nearinit import linearize

    f0 = linearize(W0, a, activation=relu)(res.W, x)
    from nearinit import forward

    assert float(forward(res.W, a, x, activation=relu) - f0) == pytest.approx(2.0)


def test_chunked_path_equals_one_block():
    from nearinit import per_neuron as mod

    z, a = sample_projections(3 * mod._CHUNK + 17, rng=5)
    res = _from_projections(z, a, 1.5)
    r = 1.5 / math.sqrt(z.size)
    direct = float(np.sum((a > 0) * np.maximum(r - np.abs(z), 0)))
    assert res.value == pytest.approx(direct, rel=1e-9)
    assert res.moved.size == int(np.count_nonzero((a > 0) & (np.abs(z) < r)))


def test_mean_formula_and_limit():
    # the closed form against numerical integration, and the sandwich of Theorem thm-per-neuron-ball (ii)
    from scipy import integrate

    for m, R in [(1, 1.0), (4, 3.0), (100, 2.0), (10**6, 1.0), (10**12, 5.0)]:
        r = R / math.sqrt(m)
        psi, _ = integrate.quad(lambda g, r=r: 2 * (r - g) * math.exp(-g * g / 2) / math.sqrt(2 * math.pi), 0, r)
        assert per_neuron_mean(m, R) == pytest.approx(m / 2 * psi, rel=1e-9)
        lim = per_neuron_limit(R)
        # (rel 1e-15: at m = 10**12 the lower bound is tight to rounding)
        assert lim * (1 - R**2 / (12 * m)) * (1 - 1e-15) <= per_neuron_mean(m, R) <= lim * (1 + 1e-15)
    assert per_neuron_limit(1.0) == pytest.approx(1 / (2 * math.sqrt(2 * math.pi)))


def test_mean_matches_monte_carlo():
    rng = np.random.default_rng(11)
    m, R = 400, 2.0
    vals = [_from_projections(*sample_projections(m, rng=rng), R).value for _ in range(4000)]
    mean, se = np.mean(vals), np.std(vals) / math.sqrt(len(vals))
    assert abs(mean - per_neuron_mean(m, R)) < 4 * se
    # a plausible wrong constant: the limit with sqrt(2 pi) in place of 2 sqrt(2 pi)
    assert abs(mean - 2 * per_neuron_limit(R)) > 10 * se


@pytest.mark.parametrize(
    ("kwargs", "err", "name"),
    [
        ({"R": -1.0}, ValueError, "'R'"),
        ({"R": float("nan")}, ValueError, "'R'"),
        ({"R": "1"}, TypeError, "'R'"),
        ({"R": 1.0, "sign": 0}, ValueError, "'sign'"),
        ({"R": 1.0, "relu_prime_at_zero": 0.5}, ValueError, "'relu_prime_at_zero'"),
        ({"R": 1.0, "x_norm": -1.0}, ValueError, "'x_norm'"),
    ],
)
def test_bad_input_projections(kwargs, err, name):
    with pytest.raises(err, match=name):
        _from_projections(np.ones(3), np.ones(3), **kwargs)


def test_bad_input_shapes():
    with pytest.raises(ValueError, match="'a'"):
        _from_projections(np.ones(3), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="'z'"):
        _from_projections(np.ones(0), np.ones(0), 1.0)
    with pytest.raises(TypeError, match="'z'"):
        _from_projections(np.array(["a"]), np.ones(1), 1.0)
    with pytest.raises(ValueError, match="'x'"):
        per_neuron_worst_case(np.ones((3, 2)), np.ones(3), np.ones(3), 1.0)
    with pytest.raises(ValueError, match="'W0'"):
        per_neuron_worst_case(np.full((3, 2), np.inf), np.ones(3), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="'m'"):
        per_neuron_mean(0, 1.0)
    with pytest.raises(TypeError, match="'m'"):
        per_neuron_mean(2.5, 1.0)
    with pytest.raises(ValueError, match="overflows"):
        per_neuron_limit(1e200)
    with pytest.raises(ValueError, match="computed from projections"):
        _ = _from_projections(np.ones(3), np.ones(3), 1.0).W


# ------------------------------------------------------------------ mutation-testing additions: promises at the edges
import contract  # noqa: E402


def test_width_one_and_defaults_at_a_zero_projection():
    # m = 1: the ball has radius R; a projection exactly 0 moves up by default (relu'(0) = 0 is the default)
    res = per_neuron_worst_case(np.array([[0.0, 2.0]]), np.array([1.0]), np.array([3.0, 0.0]), 0.5)
    assert res.radius == 0.5
    assert res.value == pytest.approx(1.5)
    assert res.moved.tolist() == [0] and res.moves.tolist() == [1.5]
    assert_allclose(res.W, [[0.5, 2.0]])
    proj = _from_projections(np.array([0.0, 0.0]), np.array([1.0, 1.0]), 2.0)
    assert proj.moves == pytest.approx([math.sqrt(2)] * 2, rel=1e-15)  # up, by R / sqrt(m) * ||x||
    assert proj.radius == pytest.approx(math.sqrt(2), rel=1e-15)
    down = _from_projections(np.array([0.0]), np.array([1.0]), 2.0, relu_prime_at_zero=1.0)
    assert down.moves.tolist() == [-2.0]


def test_zero_outer_weight_is_never_moved_and_no_negative_zero():
    z = np.array([0.1, -0.2, 0.05])
    a = np.array([0.0, 2.0, 0.0])
    sup = _from_projections(z, a, 1.0)
    assert sup.moved.tolist() == [1]  # a_i = 0 gains nothing: not among the moved neurons
    assert sup.value == pytest.approx(2 * (1 / math.sqrt(3) - 0.2))
    inf = _from_projections(z, a, 1.0, sign=-1)
    assert inf.moved.size == 0 and inf.value == 0.0
    assert str(inf.value) == "0.0"  # an inf of nothing is 0.0, not -0.0
    assert _from_projections(z, a, 0.0).moved.size == 0  # R = 0: nothing moves


@pytest.mark.parametrize("seed", range(3))
def test_projection_core_equals_per_neuron_oracle(seed):
    rng = np.random.default_rng(100 + seed)
    z = rng.choice([-0.4, -0.1, 0.0, 0.1, 0.3, 0.5], size=7)
    a = rng.choice([-1.5, 0.0, 1.0, 2.0], size=7)
    x_norm = 0.8
    for sign in (1, -1):
        res = _from_projections(z, a, 1.5, x_norm=x_norm, sign=sign)
        reach = 1.5 / math.sqrt(7) * x_norm
        assert res.value == pytest.approx(_brute_force(z, a, reach, sign, grid=2), abs=1e-12)
        assert res.moved.tolist() == np.flatnonzero((sign * a > 0) & (np.abs(z) < reach)).tolist()


def test_chunked_path_moves_the_right_neurons():
    from nearinit import per_neuron as mod

    m = mod._CHUNK + 5
    z = np.full(m, 1.0)
    z[[3, mod._CHUNK + 2]] = 0.0  # only these two are within reach (R / sqrt(m) is tiny)
    res = _from_projections(z, np.ones(m), 1.0)
    assert res.moved.tolist() == [3, mod._CHUNK + 2]


@pytest.mark.filterwarnings("error")  # refused, not warned about
def test_refusals_name_the_argument():
    with contract.refuses("z", match="at least one"):
        _from_projections(np.ones(0), np.ones(0), 1.0)
    with contract.refuses("a"):
        _from_projections(np.ones(2), np.array([1.0, np.nan]), 1.0)
    with contract.refuses("a", match=r"\(3\)"):
        per_neuron_worst_case(np.ones((3, 2)), np.ones(2), np.ones(2), 1.0)
    for shape in [(0, 2), (2, 0)]:
        with contract.refuses("W0", match="m >= 1"):
            per_neuron_worst_case(np.ones(shape), np.ones(shape[0]), np.ones(shape[1]), 1.0)
    with contract.refuses("W0", match="finite"):
        per_neuron_worst_case(np.array([[np.inf, 0.0]]), np.ones(1), np.array([0.0, 1.0]), 1.0)
    with contract.refuses("W0", match="overflows"):
        per_neuron_worst_case(np.array([[1e308, 1e308]]), np.ones(1), np.array([10.0, 10.0]), 1.0)
    with contract.refuses("W0", match="overflows"):  # inf - inf in the product: NaN, refused just as well
        per_neuron_worst_case(np.array([[1e308] * 8 + [-1e308] * 8]), np.ones(1), np.full(16, 10.0), 1.0)
    for bad in (-1.0, 0.5, 2.0):
        with contract.refuses("relu_prime_at_zero", match="0 or 1"):
            _from_projections(np.ones(2), np.ones(2), 1.0, relu_prime_at_zero=bad)


@pytest.mark.filterwarnings("error")
def test_overflow_names_every_argument_with_its_value():
    with contract.refuses("R", match=r"'R' = 1e\+200, 'x_norm' = 1e\+200"):
        _from_projections(np.ones(1), np.ones(1), 1e200, x_norm=1e200)
    with contract.refuses("R", match=r"'R' = 2\.0, 'x_norm' = 1\.0"):
        _from_projections(np.zeros(2), np.array([1e308, 1e308]), 2.0)
    with contract.refuses("m", match=r"'m' = 4, 'R' = 1e\+100, 'x_norm' = 1e\+300"):
        per_neuron_mean(4, 1e100, x_norm=1e300)
    with contract.refuses("R", match=r"'R' = 1e\+200, 'x_norm' = 3\.0"):
        per_neuron_limit(1e200, x_norm=3.0)


def test_mean_is_linear_in_x_norm_and_exact_for_small_radius():
    import mpmath

    assert per_neuron_mean(9, 1.5, x_norm=2.5) == pytest.approx(2.5 * per_neuron_mean(9, 1.5), rel=1e-15)
    assert per_neuron_limit(1.5, x_norm=2.5) == pytest.approx(2.5 * per_neuron_limit(1.5), rel=1e-15)
    with mpmath.workdps(80):
        for m, R in [(1, 1e-3), (4, 2e-3), (10**6, 0.9), (10**6, 2.0), (100, 0.05), (1, 3.0)]:
            r = mpmath.mpf(R) / mpmath.sqrt(m)
            psi = r * mpmath.erf(r / mpmath.sqrt(2)) - mpmath.sqrt(2 / mpmath.pi) * (1 - mpmath.exp(-r * r / 2))
            assert per_neuron_mean(m, R) == pytest.approx(float(m * psi / 2), rel=4e-15)
