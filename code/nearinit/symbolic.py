"""Symbolic derivations with sympy: the two forms of f_V, Taylor's remainder, the smoothness constants.

Every function returns sympy expressions; the tests check their lambdified forms against the numpy
implementations of :mod:`nearinit.activations`, whose table also holds each activation's sympy formula.
Chapters :ref:`ch-taylor` (:prf:ref:`lem-two-forms`) and :ref:`ch-smooth` (:prf:ref:`lem-smooth-1d`,
:prf:ref:`prop-smooth`, :prf:ref:`prop-smooth-tight`) print them.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import sympy as sp

from ._validation import _got, check_int
from .activations import SMOOTH_ACTIVATIONS, resolve_activation

__all__ = [
    "TaylorForms",
    "Z",
    "peak_gain_series",
    "remainder_forms",
    "smoothness_constant",
    "sympy_activation",
    "taylor_forms",
]

_MAX_SYMBOLIC = 8  # taylor_forms: m and d at most 8 (the symbolic gradient has m d terms; sympy slows fast)
_MAX_ORDER = 16  # peak_gain_series: at most 16 orders (each is a symbolic derivative of growing size)

# Z: documented in nearinit/__init__.py (the API page reads it there).
Z = sp.Symbol("z", real=True)


def sympy_activation(name: str) -> sp.Expr:
    """Return the smooth activation ``name`` as a sympy expression in the real symbol ``z``.

    Parameters
    ----------
    name : str or Activation
        A smooth activation of :data:`nearinit.SMOOTH_ACTIVATIONS` (the quadratic is sigma(z) = z**2 / 2), or an
        Activation with a ``sympy_formula``.

    Returns
    -------
    sympy.Expr
        An expression in ``nearinit.symbolic.Z`` (the symbol ``z``).

    Raises
    ------
    ValueError
        If ``name`` is not a smooth activation with a sympy formula.

    Examples
    --------
    >>> sympy_activation("softplus")
    log(exp(z) + 1)
    """
    act = resolve_activation(name, param="name")
    if act.sympy_formula is None:
        raise ValueError(
            f"The 'name' parameter must be a smooth activation with a sympy formula, one of {SMOOTH_ACTIVATIONS}. "
            f"Got {act.name!r}."
        )
    return sp.sympify(act.sympy_formula, locals={"z": Z})


class TaylorForms(NamedTuple):
    """The two forms of the linearization f_V(x; W) of :ref:`ch-taylor`.

    Attributes
    ----------
    inner_product : sympy.Expr
        f(x; V) + <grad_W f(x; V), W - V>, with the gradient computed by sympy.
    per_neuron : sympy.Expr
        sum_i a_i [sigma(v_i^T x) - sigma'(v_i^T x) v_i^T x + sigma'(v_i^T x) w_i^T x].
    network : sympy.Expr
        f(x; W) = sum_i a_i sigma(w_i^T x) itself.
    W, V : sympy.Matrix
        The (m, d) matrices of real symbols ``w_i_j``, ``v_i_j`` (i = 1..m, j = 1..d).
    a, x : sympy.Matrix
        The outer weights (m, 1) and the input (d, 1): real symbols ``a_i``, ``x_j``.
    sigma : sympy.Function
        The activation: the one given, else the undefined function ``sigma``.

    Notes
    -----
    With an undefined ``sigma``, per_neuron writes sigma'(s) as the derivative of sigma(u) at u = s, with u a
    real dummy (typeset d/du sigma(u) at u = s).
    """

    inner_product: sp.Expr
    per_neuron: sp.Expr
    network: sp.Expr
    W: sp.Matrix
    V: sp.Matrix
    a: sp.Matrix
    x: sp.Matrix
    sigma: object


def _network(W, a, x, sigma):
    return sum(a[i] * sigma((W[i, :] * x)[0, 0]) for i in range(W.shape[0]))


def taylor_forms(m: int = 2, d: int = 2, *, sigma=None) -> TaylorForms:
    """Build f_V in the lecture's two forms for a symbolic network of width ``m`` and input dimension ``d``.

    Parameters
    ----------
    m, d : int, default 2
        Width and input dimension of the symbolic network (small: the expressions grow like m * d).
    sigma : sympy.Lambda or None
        The activation; ``None`` uses an undefined function ``sigma``, so that the equality of the two forms
        is shown for every differentiable activation at once.

    Returns
    -------
    TaylorForms

    Notes
    -----
    :prf:ref:`def-linearization`: f_V(x; W) = f(x; V) + <grad_W f(x; V), W - V>. The gradient with
    respect to the row w_i is a_i sigma'(w_i^T x) x, which turns the inner product into the per-neuron
    sum (:prf:ref:`lem-two-forms`).

    Examples
    --------
    >>> forms = taylor_forms(1, 1)
    >>> sp.simplify(forms.inner_product - forms.per_neuron)
    0
    """
    m = check_int("m", m, high=_MAX_SYMBOLIC)
    d = check_int("d", d, high=_MAX_SYMBOLIC)
    W = sp.Matrix(m, d, lambda i, j: sp.Symbol(f"w_{i + 1}_{j + 1}", real=True))
    V = sp.Matrix(m, d, lambda i, j: sp.Symbol(f"v_{i + 1}_{j + 1}", real=True))
    a = sp.Matrix(m, 1, lambda i, _: sp.Symbol(f"a_{i + 1}", real=True))
    x = sp.Matrix(d, 1, lambda j, _: sp.Symbol(f"x_{j + 1}", real=True))
    fn = sp.Function("sigma") if sigma is None else sigma
    f_W = _network(W, a, x, fn)
    at_V = {w: V[k] for k, w in enumerate(W)}  # W and V have the same shape: entry k of W goes to entry k of V
    grad = W.applyfunc(lambda w: sp.diff(f_W, w).subs(at_V))
    inner = f_W.subs(at_V) + sum(grad.multiply_elementwise(W - V))
    u = sp.Dummy("u", real=True)

    def dsigma(arg):
        return sp.diff(fn(u), u).subs(u, arg)

    per = 0
    for i in range(m):
        s = (V[i, :] * x)[0, 0]
        r = (W[i, :] * x)[0, 0]
        per += a[i] * (fn(s) - dsigma(s) * s + dsigma(s) * r)
    return TaylorForms(inner, per, f_W, W, V, a, x, fn)


def remainder_forms(sigma: sp.Expr, var: sp.Symbol = Z) -> tuple[sp.Expr, sp.Expr, sp.Expr, tuple[sp.Symbol, ...]]:
    """Taylor's first-order residual of ``sigma`` and the two candidate integral remainders.

    Parameters
    ----------
    sigma : sympy.Expr
        A twice differentiable function of ``var``.
    var : sympy.Symbol, default ``Z``

    Returns
    -------
    residual : sympy.Expr
        sigma(r) - sigma(s) - sigma'(s) (r - s).
    book : sympy.Expr
        The correct first-order remainder, the integral of sigma''(t) (r - t) over [s, r]
        (:ref:`erratum-remainder`).
    slides : sympy.Expr
        The slides' version, the integral of sigma''(t) (r - t)**2 / 2 over [s, r].
    symbols : tuple of sympy.Symbol
        ``(s, r)``, the base point and the evaluation point (real symbols).

    Raises
    ------
    TypeError
        If ``var`` is not a sympy Symbol or ``sigma`` is not a sympy expression.
    ValueError
        If ``sigma`` does not depend on ``var`` (a plain other symbol would give three zeros).

    Notes
    -----
    :prf:ref:`lem-smooth-1d`. ``book - residual`` simplifies to 0 for every sigma; ``slides - residual``
    does not (for sigma = z**2 / 2 it is (r - s)**3 / 6 - (r - s)**2 / 2).

    Examples
    --------
    >>> residual, book, slides, (s, r) = remainder_forms(Z**2 / 2)
    >>> sp.factor(residual), sp.factor(book), sp.factor(slides)
    ((r - s)**2/2, (r - s)**2/2, (r - s)**3/6)
    """
    if not isinstance(var, sp.Symbol):
        raise TypeError(f"The 'var' parameter must be a sympy Symbol. Got {_got(var)} instead.")
    if not isinstance(sigma, sp.Expr):
        raise TypeError(f"The 'sigma' parameter must be a sympy expression. Got {_got(sigma)} instead.")
    if var not in sigma.free_symbols:
        raise ValueError(
            f"The 'sigma' parameter must be an expression in the variable {var} (real={var.is_real}). "
            f"Got {sigma}, whose symbols are {sorted(map(str, sigma.free_symbols))}."
        )
    s, r, t = sp.symbols("s r t", real=True)
    second = sp.diff(sigma, var, 2).subs(var, t)
    residual = sigma.subs(var, r) - sigma.subs(var, s) - sp.diff(sigma, var).subs(var, s) * (r - s)
    book = sp.integrate(second * (r - t), (t, s, r))
    slides = sp.integrate(second * (r - t) ** 2 / 2, (t, s, r))
    return residual, book, slides, (s, r)


def smoothness_constant(name: str) -> tuple[sp.Expr, sp.Expr]:
    """Derive beta = sup_z abs(sigma''(z)) of a smooth activation, and a point where it is attained.

    Parameters
    ----------
    name : str
        A smooth activation of :data:`nearinit.SMOOTH_ACTIVATIONS`.

    Returns
    -------
    beta : sympy.Expr
        Exact value: softplus 1/4, tanh 4 sqrt(3)/9 = 4/(3 sqrt(3)), sigmoid sqrt(3)/18 = 1/(6 sqrt(3)),
        quadratic 1.
    z_star : sympy.Expr
        A point with sigma''(z_star) = +beta (a maximizer of sigma'', not only of its absolute value).

    Notes
    -----
    The critical points of sigma'' are the real roots of sigma'''; each of these activations has
    sigma''(z) -> 0 as abs(z) -> inf (or sigma'' constant), so the supremum is attained at a critical point.
    This is the beta of :prf:ref:`prop-smooth`; the table of :mod:`nearinit.activations` stores its float value.

    Examples
    --------
    >>> smoothness_constant("softplus")
    (1/4, 0)
    """
    if not isinstance(name, str):
        raise TypeError(f"The 'name' parameter must be the name of a smooth activation. Got {_got(name)} instead.")
    return _smoothness_constant(name)


@cache
def _smoothness_constant(name: str) -> tuple[sp.Expr, sp.Expr]:
    sigma = sympy_activation(name)
    second = sp.diff(sigma, Z, 2)
    if not second.has(Z):
        return sp.nsimplify(second), sp.Integer(0)
    for end in (sp.oo, -sp.oo):  # the supremum is not approached at infinity
        if sp.limit(second, Z, end) != 0:
            raise NotImplementedError(f"sigma'' of {name!r} does not vanish at {end}")
    roots = [r for r in sp.solve(sp.simplify(sp.diff(second, Z)), Z) if r.is_real]
    values = [sp.radsimp(sp.simplify(second.rewrite(sp.exp).subs(Z, r))) for r in roots]
    best = max(range(len(roots)), key=lambda k: float(values[k]))
    return values[best], sp.simplify(roots[best])


def peak_gain_series(name: str, order: int = 6) -> sp.Expr:
    """Series in t of the gain of one neuron moved by t from the peak z_star of sigma''.

    g(t) = sigma(z_star + t) - sigma(z_star) - sigma'(z_star) t = beta t**2 / 2 + O(t**4), the
    per-neuron gap of the near-tight construction of :prf:ref:`prop-smooth-tight` (the t**3 term
    vanishes because sigma''' (z_star) = 0).

    Parameters
    ----------
    name : str
        A smooth activation of :data:`nearinit.SMOOTH_ACTIVATIONS`.
    order : int, default 6
        The series is truncated before t**order.

    Returns
    -------
    sympy.Expr
        A polynomial in the real symbol ``t`` (the O-term removed).

    Examples
    --------
    >>> peak_gain_series("softplus")
    -t**4/192 + t**2/8
    """
    order = check_int("order", order, low=3, high=_MAX_ORDER)
    sigma = sympy_activation(name)
    _, z_star = smoothness_constant(name)
    t = sp.Symbol("t", real=True)
    poly = sp.Integer(0)
    for k in range(2, order):  # Taylor coefficients sigma^(k)(z_star) / k!, simplified one by one
        coef = sp.diff(sigma, Z, k).rewrite(sp.exp).subs(Z, z_star)
        poly += sp.radsimp(sp.simplify(coef)) / sp.factorial(k) * t**k
    return sp.expand(poly)
