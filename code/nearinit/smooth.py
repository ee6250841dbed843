"""The smooth case (:ref:`ch-smooth`): the bound of :prf:ref:`prop-smooth` and instances that reach it.

For a beta-smooth sigma (sigma' beta-Lipschitz), ``abs(a_i) <= 1`` and ``norm(x) <= 1``, for every pair W, V::

    abs(f(x; W) - f_V(x; W)) <= (beta / 2) sum_i ((w_i - v_i)^T x)**2 <= (beta / 2) ||W - V||_F**2

``near_tight_instance`` builds the pairs of :prf:ref:`prop-smooth-tight` for which the bound is
attained (quadratic sigma) or approached as the width grows (every other smooth activation). beta and the
peak z* of sigma'' come from the activation table (:mod:`nearinit.activations`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import (
    by_rows,
    check_budget,
    check_inputs,
    check_layer,
    check_nonnegative,
    check_rng,
    check_same_shape,
    check_width,
    scale_factor,
)
from .activations import SMOOTH_ACTIVATIONS, resolve_activation

__all__ = ["SmoothInstance", "near_tight_instance", "smooth_frobenius_bound", "smooth_gap_bound"]


def _smooth_beta(activation, beta) -> float:
    if beta is not None:
        return check_nonnegative("beta", beta)
    act = resolve_activation(activation)
    if act.beta is None:
        raise ValueError(
            f"The 'activation' parameter must be a smooth activation (finite beta) or 'beta' must be given. "
            f"Got {act.name!r}, which is not smooth."
        )
    return act.beta


def smooth_gap_bound(W, V, X, *, activation="softplus", beta=None, scale=None):
    """Per-input bound (beta / 2) sum_i ((w_i - v_i)^T x)**2 of :prf:ref:`prop-smooth`.

    Parameters
    ----------
    W : (m, d) ndarray
        Evaluation point.
    V : (m, d) ndarray
        Base point of the linearization (``W0`` for the lecture's f_0).
    X : (n, d) or (d,) ndarray
        Inputs. The per-input bound needs no norm condition; it is at most the Frobenius form
        :func:`smooth_frobenius_bound` when ``||x|| <= 1``.
    activation : str or Activation, default "softplus"
        Supplies beta = sup abs(sigma'') when ``beta`` is not given.
    beta : float, optional
        The smoothness constant, overriding the activation's.
    scale : {None, "ntk"}
        ``"ntk"`` multiplies by 1/sqrt(m), the bound for the scaled model f / sqrt(m).

    Returns
    -------
    (n,) ndarray, or float for a single input.

    Raises
    ------
    ValueError
        If the shapes do not match, the activation is not smooth and no ``beta`` is given, or ``beta < 0``.

    Notes
    -----
    The bound holds for every W, V and outer layer with ``abs(a_i) <= 1``: neuron i contributes at most
    (beta / 2) (r_i - s_i)**2 with r_i = w_i^T x and s_i = v_i^T x (:prf:ref:`lem-smooth-1d`).

    Examples
    --------
    >>> V = np.zeros((2, 2)); W = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> smooth_gap_bound(W, V, np.array([1.0, 1.0]), activation="quadratic")
    2.5
    """
    W = check_layer("W", W)
    V = check_layer("V", V)
    check_same_shape("W", W, "V", V)
    X2, single = check_inputs(X, V.shape[1])
    b = _smooth_beta(activation, beta)
    c = scale_factor(scale, V.shape[0])
    dW = W - V
    out = by_rows(lambda rows: c * 0.5 * b * np.sum((rows @ dW.T) ** 2, axis=1), X2, V.shape[0])
    return float(out[0]) if single else out


def smooth_frobenius_bound(W, V, *, activation="softplus", beta=None, scale=None) -> float:
    """Frobenius form (beta / 2) ||W - V||_F**2 of :prf:ref:`prop-smooth`, valid for every ``||x|| <= 1``.

    Parameters
    ----------
    W, V : (m, d) ndarray
        Evaluation and base points.
    activation : str or Activation, default "softplus"
    beta : float, optional
    scale : {None, "ntk"}
        ``"ntk"`` gives beta ||W - V||_F**2 / (2 sqrt(m)).

    Returns
    -------
    float

    Notes
    -----
    By Cauchy-Schwarz, ((w_i - v_i)^T x)**2 <= ||w_i - v_i||**2 ||x||**2, so this dominates
    :func:`smooth_gap_bound` for ``||x|| <= 1``, with equality when every moved row is parallel to x and
    ``||x|| = 1``.

    Examples
    --------
    >>> smooth_frobenius_bound(np.ones((4, 1)), np.zeros((4, 1)), activation="softplus", scale="ntk")
    0.25
    """
    W = check_layer("W", W)
    V = check_layer("V", V)
    check_same_shape("W", W, "V", V)
    b = _smooth_beta(activation, beta)
    return float(scale_factor(scale, V.shape[0]) * 0.5 * b * np.sum((W - V) ** 2))


class SmoothInstance(NamedTuple):
    """A base point, outer layer, evaluation point and input of :prf:ref:`prop-smooth-tight`.

    Attributes
    ----------
    V : (m, d) ndarray
        Base point; every pre-activation v_i^T x equals the peak z_star of sigma''.
    a : (m,) ndarray
        Outer weights, all +1 (the sign of sigma''(z_star) = beta > 0).
    W : (m, d) ndarray
        ``V + (B / sqrt(k)) * (indicator of the k moved rows) x^T``, so ``||W - V||_F = B``.
    x : (d,) ndarray
        A unit input.
    """

    V: np.ndarray
    a: np.ndarray
    W: np.ndarray
    x: np.ndarray


def near_tight_instance(m, d, B, *, activation="softplus", k=None, rng=None) -> SmoothInstance:
    """Build a pair (V, W) at Frobenius distance ``B`` whose gap nearly reaches beta B**2 / 2.

    The construction of :prf:ref:`prop-smooth-tight`.

    Parameters
    ----------
    m : int
        Width, ``m >= 1``.
    d : int
        Input dimension, ``d >= 1``.
    B : float
        Frobenius distance ``||W - V||_F``, ``B >= 0``.
    activation : str or Activation, default "softplus"
        A smooth activation with a known peak (every name of :data:`nearinit.SMOOTH_ACTIVATIONS`).
    k : int, optional
        Number of moved neurons, ``1 <= k <= m``; all ``m`` by default. The budget B is spread evenly:
        each moved row moves by ``B / sqrt(k)`` along x.
    rng : None, int or numpy.random.Generator
        Draws x and the components of V orthogonal to x (which do not affect the gap).

    Returns
    -------
    SmoothInstance

    Raises
    ------
    ValueError, TypeError
        On a non-positive ``m``, ``d`` or ``k``, ``k > m``, a negative ``B`` or an unknown activation. On sizes
        whose three (m, d) float64 matrices (24 m d bytes) would exceed :data:`nearinit.MEMORY_BUDGET`: the
        refusal names the larger of ``m`` and ``d`` (``m`` when they are equal).

    Notes
    -----
    :prf:ref:`prop-smooth-tight`. With t = B / sqrt(k) each moved neuron contributes
    g(t) = sigma(z_star + t) - sigma(z_star) - sigma'(z_star) t = beta t**2 / 2 + O(t**4), so the gap
    k g(B / sqrt(k)) tends to beta B**2 / 2 as k grows; for the quadratic sigma it equals it. For softplus
    g(t) >= t**2 / 8 - t**4 / 192, so the ratio gap / (beta B**2 / 2) is at least 1 - B**2 / (24 k).

    Examples
    --------
    >>> from nearinit import linearization_gap
    >>> inst = near_tight_instance(100, 3, 1.0, rng=0)
    >>> round(linearization_gap(inst.W, inst.V, inst.a, inst.x, activation="softplus") / (0.25 / 2), 5)
    0.99958
    """
    m = check_width("m", m)
    d = check_width("d", d)
    B = check_nonnegative("B", B)
    k = m if k is None else check_width("k", k)
    if k > m:
        raise ValueError(f"The 'k' parameter must be at most m = {m}. Got {k} instead.")
    act = resolve_activation(activation)
    if act.peak is None:
        raise ValueError(
            f"The 'activation' parameter must be a smooth activation with a known peak of sigma'' "
            f"(for example one of {SMOOTH_ACTIVATIONS}). Got {act.name!r}."
        )
    check_budget("m" if m >= d else "d", max(m, d), 24.0 * m * d, f"three ({m}, {d}) matrices")
    rng = check_rng(rng)
    x = rng.standard_normal(d)
    x /= np.linalg.norm(x)
    V = rng.standard_normal((m, d))  # in place from here: at most two (m, d) matrices at a time
    V -= np.outer(V @ x, x)
    V += act.peak * x  # v_i^T x = z_star for every i
    W = V.copy()
    W[:k] += (B / np.sqrt(k)) * x
    return SmoothInstance(V, np.ones(m), W, x)
