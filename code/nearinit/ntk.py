"""The tangent kernel of the network at initialization, and its infinite-width limit (chapter ``ch-toward-ntk``).

With the 1/sqrt(m) scaling, the gradient of f~(x; W) = (1/sqrt(m)) sum_i a_i sigma(w_i^T x) with respect to the
row w_i at W0 is a_i sigma'(w_{0,i}^T x) x / sqrt(m), so the empirical tangent kernel is

    K_m(x, x') = <grad_W f~(x; W0), grad_W f~(x'; W0)>
               = (x^T x') (1/m) sum_i a_i^2 sigma'(w_{0,i}^T x) sigma'(w_{0,i}^T x').

For ReLU and a_i = +-1 it is (x^T x') times the fraction of neurons active on both inputs, an average of m iid
Bernoulli(p) variables with p = (pi - theta) / (2 pi), theta the angle between x and x' (:prf:ref:`thm-ntk-limit`).
The kernel is :prf:ref:`def-tangent-kernel`.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, check_inputs, check_weights, check_width, scale_factor
from .activations import get_activation

__all__ = ["ntk_limit", "tangent_kernel", "tangent_kernel_std"]

_CHUNK = 1 << 22  # entries of an (n, m) block of sigma' processed at once


def _pair(X, X2, d=None):
    """Validate ``X`` and ``X2`` (default: ``X``) as 2-D arrays with the same number of columns."""
    if d is None:
        d = as_array("X", X, ndim=(1, 2)).shape[-1]
    X = check_inputs(X, d)[0]
    if X2 is None:
        return X, X
    X2 = check_inputs(X2, X.shape[1], name="X2")[0]
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
        unscaled model; chapter ``ch-toward-ntk`` passes ``"ntk"``).
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
    act = get_activation(activation)
    c2 = 1.0 if scale_factor(scale, W0.shape[0]) == 1.0 else 1.0 / W0.shape[0]  # c^2, exactly
    counts = np.zeros((X.shape[0], X2.shape[0]))
    step = max(1, _CHUNK // max(1, X.shape[0] + X2.shape[0]))
    for lo in range(0, W0.shape[0], step):
        Wc = W0[lo : lo + step]
        D = act.sigma_prime(X @ Wc.T) * a[lo : lo + step] ** 2
        counts += D @ act.sigma_prime(X2 @ Wc.T).T
    return c2 * (X @ X2.T) * counts


def _unit_rows(X):
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)


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
    p = (np.pi - theta) / (2.0 * np.pi)
    return np.abs(G) * np.sqrt(p * (1.0 - p) / m)
