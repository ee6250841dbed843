"""The tangent kernel of the network at initialization, and its infinite-width limit (:ref:`ch-toward-ntk`).

With the 1/sqrt(m) scaling, the gradient of f~(x; W) = (1/sqrt(m)) sum_i a_i sigma(w_i^T x) with respect to the
row w_i at W0 is a_i sigma'(w_{0,i}^T x) x / sqrt(m), so the empirical tangent kernel is

    K_m(x, x') = <grad_W f~(x; W0), grad_W f~(x'; W0)>
               = (x^T x') (1/m) sum_i a_i^2 sigma'(w_{0,i}^T x) sigma'(w_{0,i}^T x').

For ReLU and a_i = +-1 it is (x^T x') times the fraction of neurons active on both inputs, an average of m iid
Bernoulli(p) variables with p = (pi - theta) / (2 pi), theta the angle between x and x' (:prf:ref:`thm-ntk-limit`).
The kernel is :prf:ref:`def-tangent-kernel`.

In the ball ||W - W0||_F <= B the ReLU kernel stays close to K_{W0} (:prf:ref:`cor-kernel-stability`): the bound
(:func:`~nearinit.kernel_stability_bound`, with Hoeffding's term of :func:`~nearinit.hoeffding_deviation`) and the
exact extremes of the change over the ball (:func:`~nearinit.kernel_change_extremes`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import (
    _B_MAX,
    as_array,
    check_budget,
    check_inputs,
    check_real,
    check_weights,
    check_width,
    finite_result,
    safe_pow,
    scale_factor,
)
from .activations import resolve_activation
from .worst_case import _cheapest, _moved

__all__ = [
    "KernelChange",
    "kernel_change_extremes",
    "kernel_stability_bound",
    "kernel_stability_constant",
    "ntk_limit",
    "tangent_kernel",
    "tangent_kernel_std",
]

_CHUNK = 1 << 22  # entries of an (n, m) block of sigma' processed at once


def _pair(X, X2, d=None):
    """Validate ``X`` and ``X2`` (default: ``X``) as 2-D arrays with the same number of columns."""
    if d is None:
        d = as_array("X", X, ndim=(1, 2)).shape[-1]
    X = check_inputs(X, d)[0]
    X2 = X if X2 is None else check_inputs(X2, X.shape[1], name="X2")[0]
    n, n2 = X.shape[0], X2.shape[0]
    check_budget("X" if X2 is X or n >= n2 else "X2", max(n, n2), 32.0 * n * n2, f"({n}, {n2}) kernel matrices")
    return X, X2


def tangent_kernel(W0, a, X, X2=None, *, scale=None, activation="relu") -> np.ndarray:
    """Return the empirical tangent kernel K_m(x, x') of the first layer at ``W0``.

    K_m(x, x') = c^2 (x^T x') sum_i a_i^2 sigma'(w_{0,i}^T x) sigma'(w_{0,i}^T x'), the inner product of the
    gradients of the network with respect to W at W0 (:prf:ref:`def-tangent-kernel`), with c = 1/sqrt(m)
    for ``scale="ntk"`` (the kernel of the chapter) and c = 1 for ``scale=None``.

    Parameters
    ----------
    W0 : (m, d) ndarray
        The point where the gradients are taken (the initialization).
    a : (m,) ndarray
        Outer weights (frozen).
    X : (n, d) ndarray
        First set of inputs, as rows; a single input of shape (d,) counts as one row.
    X2 : (n2, d) ndarray, optional
        Second set of inputs; ``X`` when omitted.
    scale : {None, "ntk"}, default None
        Output scaling c of the network, as in :func:`nearinit.forward` (the default everywhere is the
        unscaled model; :ref:`ch-toward-ntk` passes ``"ntk"``).
    activation : str or Activation, default "relu"
        For ReLU, sigma'(0) follows the activation's convention (0 by default, the minimum-norm choice).

    Returns
    -------
    K : (n, n2) ndarray
        ``K[j, k] = K_m(X[j], X2[k])``.

    Raises
    ------
    ValueError, TypeError
        On shapes that do not match, non-finite values, an unknown activation or scale.

    Notes
    -----
    For ReLU with a_i = +-1 and ``scale="ntk"``, ``K[j, k]`` is (x_j^T x'_k) times the fraction of neurons
    active on both inputs; its mean over W0 is :func:`nearinit.ntk_limit` and its standard deviation
    :func:`nearinit.tangent_kernel_std` (:prf:ref:`thm-ntk-limit`). Neurons are processed in chunks, so the
    memory stays bounded for large n * m.

    Examples
    --------
    >>> W0 = np.array([[1.0, 0.0], [-1.0, 1.0]]); a = np.array([1.0, -1.0])
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> tangent_kernel(W0, a, X, scale="ntk")
    array([[0.5, 0. ],
           [0. , 2. ]])
    """
    W0, a = check_weights(W0, a, W_name="W0")
    X, X2 = _pair(X, X2, W0.shape[1])
    act = resolve_activation(activation)
    c2 = 1.0 if scale_factor(scale, W0.shape[0]) == 1.0 else 1.0 / W0.shape[0]  # c^2, exactly
    counts = np.zeros((X.shape[0], X2.shape[0]))
    step = max(1, _CHUNK // (X.shape[0] + X2.shape[0]))  # n, n2 >= 1 (check_inputs)
    for lo in range(0, W0.shape[0], step):
        Wc = W0[lo : lo + step]
        D = act.sigma_prime(X @ Wc.T) * a[lo : lo + step] ** 2
        counts += D @ act.sigma_prime(X2 @ Wc.T).T
    return c2 * (X @ X2.T) * counts


def _unit_rows(X):
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    U = np.zeros_like(X)  # a zero row stays zero
    np.divide(X, norms, out=U, where=norms > 0)
    return U


def _angle_and_gram(X, X2):
    """Angles theta[j, k] in [0, pi] between rows (pi/2 where an input is zero) and the Gram matrix.

    theta = 2 atan2(|u - u'|, |u + u'|) for the unit vectors u, u' keeps full relative accuracy near
    theta = 0 and theta = pi, where arccos of the cosine loses half the digits.
    """
    U, U2 = _unit_rows(X), _unit_rows(X2)
    theta = np.empty((X.shape[0], X2.shape[0]))
    for j, u in enumerate(U):
        theta[j] = 2.0 * np.arctan2(np.linalg.norm(u - U2, axis=1), np.linalg.norm(u + U2, axis=1))
    return theta, X @ X2.T


def ntk_limit(X, X2=None) -> np.ndarray:
    """Return the infinite-width tangent kernel K(x, x') = (x^T x') (pi - theta) / (2 pi) of the ReLU network.

    theta in [0, pi] is the angle between x and x' (:prf:ref:`thm-ntk-limit`); the value is 0 when an input
    is zero. It is the limit of :func:`nearinit.tangent_kernel` (``scale="ntk"``, ReLU, a_i = +-1) as m grows,
    and its mean at every width.

    Parameters
    ----------
    X : (n, d) ndarray
        First set of inputs, as rows; a single input of shape (d,) counts as one row.
    X2 : (n2, d) ndarray, optional
        Second set of inputs; ``X`` when omitted.

    Returns
    -------
    K : (n, n2) ndarray

    Raises
    ------
    ValueError, TypeError
        On non-numeric or non-finite inputs, or column counts that differ.

    Notes
    -----
    For w ~ N(0, I_d), P(w^T x > 0 and w^T x' > 0) = (pi - theta) / (2 pi): the projection of w on the plane
    of x and x' has a uniformly distributed direction, and the two half-planes meet in a wedge of angle
    pi - theta. This is (x^T x') times the arc-cosine kernel of degree 0 of Cho and Saul (2009), divided by 2.

    Examples
    --------
    >>> ntk_limit(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    array([[0.5  , 0.   , 0.375],
           [0.   , 0.5  , 0.375],
           [0.375, 0.375, 1.   ]])
    """
    X, X2 = _pair(X, X2)
    theta, G = _angle_and_gram(X, X2)
    return G * (np.pi - theta) / (2.0 * np.pi)


def tangent_kernel_std(X, X2=None, *, m) -> np.ndarray:
    """Return the exact standard deviation of the ReLU tangent kernel K_m(x, x') over W0.

    K_m(x, x') is (x^T x') times a mean of m iid Bernoulli(p) variables, p = (pi - theta) / (2 pi), so its
    standard deviation is abs(x^T x') sqrt(p (1 - p) / m) (:prf:ref:`thm-ntk-limit`; ReLU, ``scale="ntk"``,
    a_i = +-1).

    Parameters
    ----------
    X : (n, d) ndarray
        First set of inputs, as rows; a single input of shape (d,) counts as one row.
    X2 : (n2, d) ndarray, optional
        Second set of inputs; ``X`` when omitted.
    m : int
        Width, ``m >= 1``.

    Returns
    -------
    std : (n, n2) ndarray

    Raises
    ------
    ValueError, TypeError
        On invalid inputs or ``m`` not a positive int.

    Examples
    --------
    >>> float(tangent_kernel_std(np.array([[1.0, 0.0]]), np.array([[0.0, 3.0]]), m=100)[0, 0])
    0.0
    >>> float(tangent_kernel_std(np.array([1.0, 0.0]), m=4)[0, 0])
    0.25
    """
    m = check_width("m", m)
    X, X2 = _pair(X, X2)
    theta, G = _angle_and_gram(X, X2)
    # p (1 - p) with p = (pi - theta) / (2 pi), as (pi - theta) (pi + theta) / (4 pi^2)
    return np.abs(G) * np.sqrt((np.pi - theta) * (np.pi + theta) / (4.0 * np.pi**2 * m))


def kernel_stability_bound(m, B, delta, *, tau=None, c=1.0) -> float:
    """Return the bound of :prf:ref:`cor-kernel-stability` on abs(K_W - K_{W0})(x, x') / abs(x^T x').

    With probability >= 1 - delta over W0, simultaneously for all W with ||W - W0||_F <= B, for the two fixed
    inputs x, x' (scaled model, abs(a_i) <= 1):
    abs(K_W(x, x') - K_{W0}(x, x')) <= abs(x^T x') (abs(S_1(x)) + abs(S_1(x')) + abs(S_2)) / m
    <= abs(x^T x') (2 (c m tau + sqrt((m/2) ln(2/delta))) + B^2/tau^2) / m.
    The default tau = (B^2/(c m))^{1/3} minimizes the right side, which is then
    3 c^{2/3} B^{2/3} m^{-1/3} + 2 sqrt(ln(2/delta)/(2m)).

    Parameters
    ----------
    m : int
        Width, ``m >= 1``.
    B : float
        Radius, ``B >= 0`` (``B > 0`` unless ``tau`` is given; at B = 0 the kernel does not move and the
        bound is 0).
    delta : float
        Failure probability, in (0, 1) (split as delta/2 per input).
    tau : float, optional
        Threshold, ``> 0``, fixed before W0 is drawn.
    c : float, default 1.0
        The constant rho of p <= rho tau: 1 or sqrt(2/pi).

    Returns
    -------
    float

    Examples
    --------
    >>> round(kernel_stability_bound(10**6, 1.0, 0.05), 4)
    0.0327
    >>> kernel_stability_bound(100, 0.0, 0.05)
    0.0
    """
    m = check_width("m", m)
    B = check_real("B", B, low=0.0)
    delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
    c = check_real("c", c, low=0.0, high=1.0, low_open=True)
    if tau is None:
        if B == 0:
            return 0.0
        tau = safe_pow(B, 2.0 / 3.0) * (c * m) ** (-1.0 / 3.0)  # (B^2 / (c m))^{1/3}, without B^2
    tau = check_real("tau", tau, low=0.0, low_open=True)
    from .anticoncentration import hoeffding_deviation  # scipy-free, but its module loads scipy.special

    deviation = hoeffding_deviation(m, delta / 2.0)  # delta/2 per input
    value = (2.0 * (c * m * tau + deviation) + safe_pow(B / tau, 2.0)) / m
    return finite_result(value, m=m, B=B, tau=tau)


def kernel_stability_constant(*, c=1.0) -> float:
    """Return 3 c^{2/3}, the leading constant of :func:`kernel_stability_bound` (times B^{2/3} m^{-1/3}).

    Examples
    --------
    >>> kernel_stability_constant()
    3.0
    """
    c = check_real("c", c, low=0.0, high=1.0, low_open=True)
    return 3.0 * c ** (2.0 / 3.0)


class KernelChange(NamedTuple):
    """Exact extremes of K_W(x, x) - K_{W0}(x, x) over the ball (see :func:`kernel_change_extremes`).

    Attributes
    ----------
    up : float
        Supremum of the increase; approached by ``W_up`` (attained when no projection is 0).
    down : float
        Largest decrease (a nonnegative number), attained by ``W_down``.
    n_up, n_down : int
        Numbers of neurons switched on by ``W_up`` and off by ``W_down``.
    W_up, W_down : (m, d) ndarray
        The maximizers, within the ball.
    """

    up: float
    down: float
    n_up: int
    n_down: int
    W_up: np.ndarray
    W_down: np.ndarray


def kernel_change_extremes(W0, a, x, B) -> KernelChange:
    """Return the exact extremes of K_W(x, x) - K_{W0}(x, x) over ||W - W0||_F <= B (scaled model).

    K_W(x, x) = ||x||^2 (1/m) sum_i a_i^2 1{w_i^T x > 0}. Switching neuron i on (off) needs
    ||w_i - w_{0,i}|| > z_i (>= z_i) with z_i = abs(w_{0,i}^T x)/||x||, and moving along x achieves it, so the
    largest increase switches on the off neurons with the smallest z_i while sum z_i^2 < B^2, and the largest
    decrease switches off the cheapest on neurons while sum z_i^2 <= B^2 (:prf:ref:`cor-kernel-stability`
    bounds both). Requires a_i^2 = 1.

    Parameters
    ----------
    W0 : (m, d) ndarray
    a : (m,) ndarray
        Outer weights in {-1, +1}.
    x : (d,) ndarray
        Nonzero input.
    B : float
        Radius, ``>= 0``.

    Returns
    -------
    KernelChange

    Examples
    --------
    >>> W0 = np.array([[0.3], [-0.4], [2.0]])
    >>> res = kernel_change_extremes(W0, np.ones(3), np.array([1.0]), 0.5)
    >>> res.n_up, res.n_down, round(res.up, 4), round(res.down, 4)
    (1, 1, 0.3333, 0.3333)
    """
    W0, a = check_weights(W0, a, W_name="W0")
    if not np.all(np.abs(a) == 1):
        raise ValueError("The 'a' parameter must have entries in {-1, +1}. Got other values.")
    x = as_array("x", x, ndim=(1,))
    if x.shape[0] != W0.shape[1] or not np.any(x):
        raise ValueError(f"The 'x' parameter must be a nonzero vector of length {W0.shape[1]}. Got {x!r}.")
    B = check_real("B", B, low=0.0, high=_B_MAX)
    norm = float(np.linalg.norm(x))
    u = x / norm
    z = W0 @ x / norm
    on = z > 0
    cost = z**2
    up_idx = _cheapest(np.where(on, np.inf, cost), B, strict=True)
    down_idx = _cheapest(np.where(on, cost, np.inf), B, strict=False)
    m = W0.shape[0]
    return KernelChange(
        norm**2 * up_idx.size / m,
        norm**2 * down_idx.size / m,
        int(up_idx.size),
        int(down_idx.size),
        _moved(W0, u, up_idx, cost, B, 1.0),
        _moved(W0, u, down_idx, cost, B, -1.0),
    )
