"""Tests of nearinit.activations: sigma' by finite differences and sympy, beta by sympy, stability, errors."""

from __future__ import annotations

from fractions import Fraction
from functools import partial

import contract
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from worst_case_helpers import relu_prime

from nearinit import ACTIVATIONS, Activation, get_activation

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


def _functions(act):
    return [fn for fn in (act.sigma, act.sigma_prime, act.sigma_second) if fn is not None]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_functions_evaluate_in_float64_for_any_real_input(name):
    """A float32 array, ints, Fractions: the same float64 values as at the float64 points (no float32 arithmetic)."""
    z32 = np.array([-1.7, -0.3, 0.0, 0.3, 2.2], dtype=np.float32)
    for fn in _functions(get_activation(name)):
        for z, ref in [
            (z32, z32.astype(float)),
            ([-2, 0, 3], [-2.0, 0.0, 3.0]),
            ([Fraction(-3, 2), Fraction(0), Fraction(1, 4)], [-1.5, 0.0, 0.25]),
        ]:
            out = fn(z)
            assert out.dtype == np.float64
            np.testing.assert_array_equal(out, fn(np.asarray(ref, dtype=float)))
    # not vacuous: float32 arithmetic gives other values at these points
    assert not np.array_equal(np.tanh(z32).astype(float), np.tanh(z32.astype(float)))


def test_quadratic_of_a_large_int_does_not_overflow():
    """sigma(z) = z**2 / 2 at z = 2**40 (an int64 square would wrap around): 2**79, exactly."""
    act = get_activation("quadratic")
    assert float(act.sigma(2**40)) == 2.0**79
    assert act.sigma([2**40, -(2**40)]).tolist() == [2.0**79, 2.0**79]
    assert float(act.sigma_prime(2**40)) == 2.0**40


def test_sigma_prime_of_quadratic_is_a_new_array():
    z = np.array([1.0, -2.0])
    out = get_activation("quadratic").sigma_prime(z)
    out[0] = 5.0
    assert z[0] == 1.0


def test_sigmoid_at_both_zeros_and_tiny_arguments():
    act = get_activation("sigmoid")
    z = np.array([-0.0, 0.0, -1e-300, 1e-300, -745.0, 745.0])
    # at z = -745, 1 + e^z rounds to 1: sigma(z) = e^z (the smallest subnormal), not 0
    np.testing.assert_array_equal(act.sigma(z), [0.5, 0.5, 0.5, 0.5, np.exp(-745.0), 1.0])
    assert float(act.sigma(-745.0)) > 0.0


def _relu_sigma(z):
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def test_activation_record_normalizes_its_constants():
    """beta, peak and relu_prime_at_zero are stored as floats (a 0-d array, an int64 or an int is a number)."""
    act = Activation(
        "tanh2",
        np.tanh,
        lambda z: 1 - np.tanh(z) ** 2,
        lambda z: -2 * np.tanh(z) * (1 - np.tanh(z) ** 2),
        beta=np.array(0.75),
        peak=np.int64(-1),
        sympy_formula="tanh(z)",
    )
    assert (act.beta, act.peak) == (0.75, -1.0)
    assert type(act.beta) is float and type(act.peak) is float
    assert not act.is_relu
    relu = Activation("relu2", _relu_sigma, partial(relu_prime, c=0.5), relu_prime_at_zero=np.array(0.5))
    assert relu.relu_prime_at_zero == 0.5 and type(relu.relu_prime_at_zero) is float
    assert relu.is_relu
    one = Activation("relu1", _relu_sigma, partial(relu_prime, c=1.0), relu_prime_at_zero=1)
    assert one.relu_prime_at_zero == 1.0 and type(one.relu_prime_at_zero) is float


def test_activation_record_refusals():
    d = lambda z: 1 - np.tanh(z) ** 2  # noqa: E731
    with contract.refuses("name", match="Got 3 instead"):
        Activation(3, np.tanh, d)
    with contract.refuses("sigma", match="callable. Got 'tanh' instead"):
        Activation("t", "tanh", d)
    with contract.refuses("sigma_prime", match="callable. Got 1.5 instead"):
        Activation("t", np.tanh, 1.5)
    with contract.refuses("sigma_second", match="callable or None. Got 2."):
        Activation("t", np.tanh, d, 2)
    with contract.refuses("sympy_formula", match="str or None. Got 5."):
        Activation("t", np.tanh, d, sympy_formula=5)
    with contract.refuses("beta", match=r"\[0.0, inf\)\. Got -1.0"):
        Activation("t", np.tanh, d, beta=-1.0)
    with contract.refuses("peak", match="'beta'. Got beta=None"):
        Activation("t", np.tanh, d, peak=0.0)
    with contract.refuses("peak", match="real number. Got '0'"):
        Activation("t", np.tanh, d, beta=1.0, peak="0")
    with contract.refuses("peak", match="range .* Got nan"):
        Activation("t", np.tanh, d, beta=1.0, peak=float("nan"))


@pytest.mark.parametrize("c", [-0.5, 1.5, float("inf")])
def test_relu_record_refuses_a_convention_outside_the_clarke_interval(c):
    """sigma'(0) = c must lie in the Clarke subdifferential [0, 1], even with a sigma' that matches it."""
    with contract.refuses("relu_prime_at_zero", match=r"\[0.0, 1.0\]\. Got"):
        Activation("relu2", _relu_sigma, partial(relu_prime, c=c), relu_prime_at_zero=c)


def test_relu_record_refuses_another_sigma_or_sigma_prime():
    other_sigmas = [
        np.tanh,  # with the ReLU's sigma'
        lambda z: _relu_sigma(z) + 1j,  # an imaginary part that a float cast would drop
        lambda z: np.maximum(np.asarray(z, dtype=np.float32), 0.0),  # loses 1e-300
    ]
    for sigma in other_sigmas:
        with contract.refuses("relu_prime_at_zero", match="Leave it None"):
            Activation("r", sigma, partial(relu_prime, c=0.0), relu_prime_at_zero=0.0)
    for prime in [partial(relu_prime, c=1.0), lambda z: relu_prime(z, 0.0) + 1j, np.sign]:
        with contract.refuses("relu_prime_at_zero", match="activation 'r' has another sigma"):
            Activation("r", _relu_sigma, prime, relu_prime_at_zero=0.0)


def test_get_activation_refuses_a_non_name():
    with contract.refuses("name", match=r"a name in \('relu', .*\) or an Activation\. Got 3 instead"):
        get_activation(3)
    with contract.refuses("name", match="Got None instead"):
        get_activation(None)
    with contract.refuses("name", match="one of .* Got 'gelu' instead"):
        get_activation("gelu")


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n != "relu"])
def test_relu_convention_refused_for_other_activations(name):
    with contract.refuses("relu_prime_at_zero", match=f"only to the ReLU. Got it for activation '{name}'"):
        get_activation(name, relu_prime_at_zero=0.5)


def test_replaced_relu_convention_is_recorded():
    act = get_activation("relu", relu_prime_at_zero=0.3)
    assert act.relu_prime_at_zero == 0.3 and act.is_relu
    assert float(act.sigma_prime(0.0)) == 0.3
    again = get_activation(act, relu_prime_at_zero=0.3)
    assert again is act
    back = get_activation(act, relu_prime_at_zero=0.0)
    assert back.relu_prime_at_zero == 0.0 and float(back.sigma_prime(0.0)) == 0.0
