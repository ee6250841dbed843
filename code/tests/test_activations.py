"""Tests of nearinit.activations: sigma' by finite differences and sympy, beta by sympy, stability, errors."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from nearinit import ACTIVATIONS, get_activation

SMOOTH = [name for name in ACTIVATIONS if name != "relu"]
Z = np.linspace(-6.0, 6.0, 241)
t = sp.symbols("t", real=True)
SYMPY_SIGMA = {
    "softplus": sp.log(1 + sp.exp(t)),
    "tanh": sp.tanh(t),
    "sigmoid": 1 / (1 + sp.exp(-t)),
    "quadratic": t**2 / 2,
}


@pytest.mark.parametrize("name", SMOOTH)
def test_sigma_prime_matches_central_differences(name):
    act = get_activation(name)
    h = 1e-5
    fd = (act.sigma(Z + h) - act.sigma(Z - h)) / (2 * h)
    np.testing.assert_allclose(act.sigma_prime(Z), fd, atol=1e-8)


@pytest.mark.parametrize("name", SMOOTH)
def test_sigma_second_matches_central_differences(name):
    act = get_activation(name)
    h = 1e-5
    fd = (act.sigma_prime(Z + h) - act.sigma_prime(Z - h)) / (2 * h)
    np.testing.assert_allclose(act.sigma_second(Z), fd, atol=1e-8)


@pytest.mark.parametrize("name", SMOOTH)
def test_derivatives_match_sympy(name):
    act = get_activation(name)
    expr = SYMPY_SIGMA[name]
    for k, fn in enumerate([act.sigma, act.sigma_prime, act.sigma_second]):
        exact = sp.lambdify(t, sp.diff(expr, t, k), "numpy")(Z)
        np.testing.assert_allclose(fn(Z), np.broadcast_to(exact, Z.shape), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", SMOOTH)
def test_beta_is_sup_of_abs_second_derivative(name):
    """beta = max |sigma''|, located by sympy at a root of sigma''' (or constant sigma'')."""
    second = sp.diff(SYMPY_SIGMA[name], t, 2)
    third = sp.diff(second, t)
    candidates = [abs(second.subs(t, r)) for r in sp.solve(sp.simplify(third), t) if r.is_real]
    if not candidates:  # sigma'' constant
        candidates = [abs(second)]
    beta = max(float(c) for c in candidates)
    assert get_activation(name).beta == pytest.approx(beta, rel=1e-12)
    grid = np.linspace(-20, 20, 400001)
    assert np.max(np.abs(get_activation(name).sigma_second(grid))) <= beta + 1e-12


def test_beta_closed_forms():
    assert get_activation("softplus").beta == pytest.approx(0.25)
    assert get_activation("tanh").beta == pytest.approx(4 / (3 * np.sqrt(3)))
    assert get_activation("sigmoid").beta == pytest.approx(1 / (6 * np.sqrt(3)))
    assert get_activation("quadratic").beta == 1.0
    assert get_activation("relu").beta is None


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_stable_for_large_arguments(name):
    act = get_activation(name)
    big = np.array([-1e6, -1e3, 1e3, 1e6])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        values = [act.sigma(big), act.sigma_prime(big)]
        if act.sigma_second is not None:
            values.append(act.sigma_second(big))
    assert all(np.all(np.isfinite(v)) for v in values)


def test_softplus_of_large_z_is_z():
    assert float(get_activation("softplus").sigma(1e6)) == 1e6
    assert float(get_activation("softplus").sigma(-1e6)) == 0.0


def test_relu_prime_conventions():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(get_activation("relu").sigma_prime(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(get_activation("relu", relu_prime_at_zero=1.0).sigma_prime(z), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(get_activation("relu", relu_prime_at_zero=0.3).sigma_prime(z), [0.0, 0.3, 1.0])


@given(
    z=st.floats(min_value=-1e8, max_value=1e8, allow_nan=False),
    c=st.floats(min_value=0.0, max_value=1.0),
)
def test_relu_identity_sigma_equals_z_sigma_prime(z, c):
    act = get_activation("relu", relu_prime_at_zero=c)
    assert float(act.sigma(z)) == float(z * act.sigma_prime(z))


def test_activation_object_passes_through():
    act = get_activation("tanh")
    assert get_activation(act) is act


def test_unknown_activation_message():
    with pytest.raises(ValueError, match=r"'name' parameter must be one of .*Got 'gelu'"):
        get_activation("gelu")


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_relu_prime_at_zero_out_of_range(bad):
    with pytest.raises(ValueError, match=r"'relu_prime_at_zero' parameter must be in the range \[0.0, 1.0\]"):
        get_activation("relu", relu_prime_at_zero=bad)


def test_relu_prime_at_zero_wrong_type():
    with pytest.raises(TypeError, match="'relu_prime_at_zero' parameter must be a real number"):
        get_activation("relu", relu_prime_at_zero="0")
