"""The bias-free two-layer network f(x; W) = sum_i a_i sigma(w_i^T x) and its initialization (:ref:`ch-setup`).

:prf:ref:`def-network` defines the network, :prf:ref:`def-init` the initialization (W_0, a).
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    by_rows,
    check_budget,
    check_inputs,
    check_layer,
    check_rng,
    check_weights,
    check_width,
    scale_factor,
)
from .activations import resolve_activation

__all__ = ["forward", "init_params", "preactivations"]


def init_params(m, d, *, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Draw the initialization (W_0, a) of the lecture (:prf:ref:`def-init`).

    Parameters
    ----------
    m : int
        Width (number of neurons), ``m >= 1``.
    d : int
        Input dimension, ``d >= 1``.
    rng : None, int or numpy.random.Generator
        Source of randomness, normalized by ``np.random.default_rng``.

    Returns
    -------
    W0 : (m, d) ndarray
        Rows ``w_{0,i}`` iid N(0, I_d).
    a : (m,) ndarray
        Outer weights iid uniform on {-1, +1} (frozen during training).

    Examples
    --------
    >>> W0, a = init_params(4, 3, rng=0)
    >>> W0.shape, a.shape, sorted(set(a.tolist())) <= [-1.0, 1.0]
    ((4, 3), (4,), True)
    """
    m = check_width("m", m)
    d = check_width("d", d)
    check_budget("m" if m >= d else "d", max(m, d), 8.0 * m * (d + 1), f"an ({m}, {d}) matrix")
    rng = check_rng(rng)
    W0 = rng.standard_normal((m, d))
    a = 2.0 * rng.integers(2, size=m) - 1.0
    return W0, a


def preactivations(W, X) -> np.ndarray:
    """Return the pre-activations ``X @ W.T``, shape (n, m): entry (j, i) is w_i^T x_j.

    Parameters
    ----------
    W : (m, d) ndarray
    X : (n, d) or (d,) ndarray

    Returns
    -------
    (n, m) ndarray, or (m,) for a single input.
    """
    W = check_layer("W", W)
    X2, single = check_inputs(X, W.shape[1])
    Z = X2 @ W.T
    return Z[0] if single else Z


def forward(W, a, X, *, activation="relu", scale=None):
    """Evaluate f(x; W) = c * sum_i a_i sigma(w_i^T x) for every row x of ``X`` (:prf:ref:`def-network`).

    Parameters
    ----------
    W : (m, d) ndarray
        First layer, rows ``w_i``.
    a : (m,) ndarray
        Outer weights.
    X : (n, d) or (d,) ndarray
        Inputs as rows, or one input.
    activation : str or Activation, default "relu"
        See :func:`nearinit.get_activation`.
    scale : {None, "ntk"}, default None
        ``None``: c = 1 (the lecture's unscaled model, the default of every function); ``"ntk"``: c = 1/sqrt(m).

    Returns
    -------
    (n,) ndarray, or float for a single input of shape (d,).

    Raises
    ------
    ValueError, TypeError
        On shapes that do not match, non-finite values, unknown activation or scale.

    Examples
    --------
    >>> W = np.array([[1.0, 0.0], [0.0, 1.0]]); a = np.array([1.0, -1.0])
    >>> forward(W, a, np.array([2.0, 3.0]))
    -1.0
    >>> forward(W, a, [[2.0, 3.0], [-1.0, -1.0]], scale="ntk").round(4)
    array([-0.7071,  0.    ])
    """
    W, a = check_weights(W, a)
    X2, single = check_inputs(X, W.shape[1])
    act = resolve_activation(activation)
    c = scale_factor(scale, W.shape[0])
    out = by_rows(lambda rows: c * (act.sigma(rows @ W.T) @ a), X2, W.shape[0])
    return float(out[0]) if single else out
