"""Tests of nearinit.symbolic: sympy expressions against the numpy activations, finite differences and linearize."""

from __future__ import annotations

import contract
import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from nearinit import (
    forward,
    get_activation,
    init_params,
    linearize,
    peak_gain_series,
    remainder_forms,
    smoothness_constant,
    sympy_activation,
    taylor_forms,
)
from nearinit.symbolic import Z

SMOOTH = ("softplus", "tanh", "sigmoid", "quadratic")
GRID = np.linspace(-8.0, 8.0, 321)
CLOSED_FORMS = {
    "softplus": sp.Rational(1, 4),
    "tanh": 4 / (3 * sp.sqrt(3)),
    "sigmoid": 1 / (6 * sp.sqrt(3)),
    "quadratic": sp.Integer(1),
}


@pytest.mark.parametrize("name", SMOOTH)
def test_sympy_activation_and_derivatives_match_numpy(name):
    act = get_activation(name)
    expr = sympy_activation(name)
    for k, fn in enumerate([act.sigma, act.sigma_prime, act.sigma_second]):
        exact = np.broadcast_to(sp.lambdify(Z, sp.diff(expr, Z, k), "numpy")(GRID), GRID.shape)
        np.testing.assert_allclose(fn(GRID), exact, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("name", SMOOTH)
def test_sympy_derivative_matches_finite_differences(name):
    sigma = sp.lambdify(Z, sympy_activation(name), "numpy")
    prime = sp.lambdify(Z, sp.diff(sympy_activation(name), Z), "numpy")
    h = 1e-5
    fd = (sigma(GRID + h) - sigma(GRID - h)) / (2 * h)
    np.testing.assert_allclose(np.broadcast_to(prime(GRID), GRID.shape), fd, atol=1e-8)


@pytest.mark.parametrize("name", SMOOTH)
def test_smoothness_constant_closed_form_and_package(name):
    beta, z_star = smoothness_constant(name)
    assert sp.simplify(beta - CLOSED_FORMS[name]) == 0
    assert get_activation(name).beta == pytest.approx(float(beta), rel=1e-12)
    second = get_activation(name).sigma_second
    # attained at z_star with the + sign, and never exceeded (a factor-2 error in beta fails one of these)
    assert float(second(np.array([float(z_star)]))[0]) == pytest.approx(float(beta), rel=1e-12)
    dense = np.linspace(-30.0, 30.0, 600_001)
    assert np.max(np.abs(second(dense))) <= float(beta) * (1 + 1e-12)
    assert np.max(np.abs(second(dense))) >= float(beta) * (1 - 1e-9)


def test_smoothness_constant_rejects_unknown_name():
    with pytest.raises(ValueError, match=r"'name' parameter must be a smooth activation.*Got 'relu'"):
        smoothness_constant("relu")
    with contract.refuses("name", match="Got 3 instead"):
        smoothness_constant(3)


def test_taylor_forms_agree_for_a_generic_sigma():
    forms = taylor_forms(2, 3)
    assert sp.simplify((forms.inner_product - forms.per_neuron).doit()) == 0
    # and they are not trivially equal to f: the difference f - f_V is not zero
    assert sp.simplify((forms.network - forms.per_neuron).doit()) != 0


@pytest.mark.parametrize("name", ["softplus", "tanh"])
def test_taylor_forms_lambdified_match_linearize_and_forward(name):
    m, d = 3, 2
    lam = sp.Lambda(Z, sympy_activation(name))
    forms = taylor_forms(m, d, sigma=lam)
    symbols = [*forms.W, *forms.V, *forms.a, *forms.x]
    f_inner = sp.lambdify(symbols, forms.inner_product.doit(), "numpy")
    f_per = sp.lambdify(symbols, forms.per_neuron.doit(), "numpy")
    f_net = sp.lambdify(symbols, forms.network.doit(), "numpy")
    rng = np.random.default_rng(7)
    V, a = init_params(m, d, rng=rng)
    W = V + 0.3 * rng.standard_normal((m, d))
    x = rng.standard_normal(d)
    args = [*W.ravel(), *V.ravel(), *a, *x]
    expected = linearize(V, a, activation=name)(W, x)
    assert f_inner(*args) == pytest.approx(expected, rel=1e-12)
    assert f_per(*args) == pytest.approx(expected, rel=1e-12)
    assert f_net(*args) == pytest.approx(forward(W, a, x, activation=name), rel=1e-12)


def test_taylor_forms_default_shapes_real_symbols_and_sigma():
    """The documented fields: (m, d) = (2, 2) by default, real symbols w_i_j, v_i_j, a_i, x_j, sigma undefined."""
    forms = taylor_forms()
    assert (forms.W.shape, forms.V.shape, forms.a.shape, forms.x.shape) == ((2, 2), (2, 2), (2, 1), (2, 1))
    m, d = 2, 3
    forms = taylor_forms(m, d)
    rows, cols = range(1, m + 1), range(1, d + 1)
    assert [str(e) for e in forms.W] == [f"w_{i}_{j}" for i in rows for j in cols]  # row-major (m, d)
    assert [str(e) for e in forms.V] == [f"v_{i}_{j}" for i in rows for j in cols]
    assert [str(e) for e in forms.a] == [f"a_{i}" for i in rows]
    assert [str(e) for e in forms.x] == [f"x_{j}" for j in cols]
    assert (forms.W.shape, forms.V.shape, forms.a.shape, forms.x.shape) == ((m, d), (m, d), (m, 1), (d, 1))
    symbols = [*forms.W, *forms.V, *forms.a, *forms.x]
    assert len(set(symbols)) == 2 * m * d + m + d
    assert all(e.is_Symbol and e.is_real is True for e in symbols)
    # sigma is the undefined function named sigma, and the one the network is built from
    assert isinstance(forms.sigma, sp.core.function.UndefinedFunction) and forms.sigma.__name__ == "sigma"
    network = sum(forms.a[i] * forms.sigma(sum(forms.W[i, j] * forms.x[j] for j in range(d))) for i in range(m))
    assert sp.expand(forms.network - network) == 0


def test_taylor_forms_typesets_sigma_prime_as_a_derivative_in_u():
    """m = d = 1: sigma'(s) is d/du sigma(u) at u = s (the chapter typesets it), with the bound u real. sympy's cache
    is cleared first, as in the chapter's fresh kernel: a cached derivative from an earlier call would otherwise keep
    its bound variable's name, whatever this call names it."""
    sp.core.cache.clear_cache()
    forms = taylor_forms(1, 1)
    subs = forms.per_neuron.atoms(sp.Subs)
    assert len(subs) == 1
    (sub,) = subs
    (u,) = sub.variables
    assert u.is_real is True and sub.point == (forms.V[0, 0] * forms.x[0],)
    assert sub.expr == sp.Derivative(forms.sigma(u), u)
    assert r"\frac{d}{d u} \sigma{\left(u \right)}" in sp.latex(forms.per_neuron)


def test_taylor_forms_with_a_parametric_non_smooth_sigma_match_closed_forms():
    """sigma(z) = c z abs(z), a C^1 activation with a parameter c: sigma'(z) = 2 c abs(z). Both forms equal
    f(x; V) + sum_i a_i sigma'(s_i) (r_i - s_i) numerically (real symbols let sympy differentiate abs)."""
    c = sp.Symbol("c", positive=True)
    lam = sp.Lambda(Z, c * Z * sp.Abs(Z))
    forms = taylor_forms(sigma=lam)
    assert forms.sigma is lam
    symbols = [c, *forms.W, *forms.V, *forms.a, *forms.x]
    rng = np.random.default_rng(3)
    W, V = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    a, x, cv = rng.standard_normal(2), rng.standard_normal(2), 0.7
    args = [cv, *W.ravel(), *V.ravel(), *a, *x]
    r, s = W @ x, V @ x
    f_lin = np.sum(a * (cv * s * np.abs(s) + 2 * cv * np.abs(s) * (r - s)))
    for expr in (forms.inner_product, forms.per_neuron):
        assert float(sp.lambdify(symbols, expr, "numpy")(*args)) == pytest.approx(f_lin, rel=1e-12)
    f_net = np.sum(a * cv * r * np.abs(r))
    assert float(sp.lambdify(symbols, forms.network, "numpy")(*args)) == pytest.approx(f_net, rel=1e-12)


def test_taylor_forms_rejects_bad_width():
    with pytest.raises(ValueError, match=r"'m' parameter must be an int in the range \[1, 8\]\. Got 0"):
        taylor_forms(0, 2)


@pytest.mark.parametrize("sigma", [Z**2 / 2, Z**3, sp.exp(Z), sp.sin(Z)])
def test_book_remainder_is_exact_and_slides_remainder_is_not(sigma):
    residual, book, slides, _ = remainder_forms(sigma)
    assert sp.simplify(book - residual) == 0
    assert sp.simplify(slides - residual) != 0


def test_remainder_forms_with_a_parameter_and_real_symbols():
    """sigma = c z**3 (a parameter c besides z): residual = book = c (r - s)**2 (r + 2 s); s, r real symbols."""
    c = sp.Symbol("c")
    residual, book, _, (s, r) = remainder_forms(c * Z**3)
    assert s.is_real is True and r.is_real is True and (str(s), str(r)) == ("s", "r")
    assert sp.expand(residual - c * (r - s) ** 2 * (r + 2 * s)) == 0
    assert sp.expand(book - residual) == 0


def test_remainder_forms_refusals_name_the_argument_and_the_value():
    with contract.refuses("var", match="Got 'z' instead"):
        remainder_forms(Z**2, var="z")
    with contract.refuses("sigma", match=r"Got 'z\*\*2' instead"):
        remainder_forms("z**2")
    with contract.refuses("sigma", match=r"symbols are \['r'\]"):
        remainder_forms(sp.Symbol("r") ** 2)


def test_slides_remainder_wrong_by_closed_form_for_the_quadratic():
    residual, _, slides, (s, r) = remainder_forms(Z**2 / 2)
    assert sp.expand(residual - (r - s) ** 2 / 2) == 0
    assert sp.expand(slides - (r - s) ** 3 / 6) == 0


@pytest.mark.parametrize("name", ["softplus", "tanh", "sigmoid"])
@pytest.mark.parametrize(("s", "r"), [(-1.0, 2.0), (0.5, -3.0), (0.2, 0.25)])
def test_book_remainder_by_quadrature(name, s, r):
    """Numerical integration of sigma''(t)(r - t) equals the first-order residual; (r - t)**2 / 2 does not."""
    act = get_activation(name)
    residual = float(act.sigma(r) - act.sigma(s) - act.sigma_prime(s) * (r - s))
    book, _ = integrate.quad(lambda t: float(act.sigma_second(t)) * (r - t), s, r, epsabs=1e-13)
    slides, _ = integrate.quad(lambda t: float(act.sigma_second(t)) * (r - t) ** 2 / 2, s, r, epsabs=1e-13)
    assert book == pytest.approx(residual, rel=1e-9, abs=1e-13)
    assert abs(slides - residual) > 1e-4 * abs(residual)


@pytest.mark.parametrize("name", SMOOTH)
def test_peak_gain_series(name):
    beta, z_star = smoothness_constant(name)
    poly = peak_gain_series(name, order=6)
    t = sp.Symbol("t", real=True)
    coeffs = sp.Poly(poly, t).all_coeffs()[::-1] + [0] * 6
    assert coeffs[0] == 0 and coeffs[1] == 0
    assert sp.simplify(coeffs[2] - beta / 2) == 0
    assert sp.simplify(coeffs[3]) == 0  # sigma'''(z_star) = 0 at the peak of sigma''
    act = get_activation(name)
    zs = float(z_star)
    ts = np.array([1e-2, 3e-2, 1e-1])
    gain = act.sigma(zs + ts) - act.sigma(zs) - act.sigma_prime(zs) * ts
    approx = sp.lambdify(t, poly, "numpy")(ts)
    assert np.all(np.abs(gain - approx) <= 2 * ts**6 + 1e-15)


def test_peak_gain_series_rejects_low_order():
    with pytest.raises(ValueError, match=r"'order' parameter must be an int in the range \[3, 16\]"):
        peak_gain_series("softplus", order=2)
