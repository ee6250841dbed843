"""The first-order Taylor expansion f_V of the network at a base point V, and the gap f - f_V (:ref:`ch-taylor`).

:prf:ref:`def-linearization` defines f_V; :prf:ref:`lem-two-forms` gives its per-neuron form and
:prf:ref:`prop-affine` says it is affine in W. For ReLU the gap is the flip sum of :prf:ref:`lem-relu-identity`,
evaluated exactly by a private kernel.
"""

from __future__ import annotations

import numpy as np

from ._relu_kernel import relu_gap
from ._validation import check_inputs, check_positive, check_same_shape, check_weights, scale_factor
from .activations import Activation, resolve_activation

__all__ = ["Linearization", "linearization_gap", "linearize"]

_CHUNK = 1 << 22  # entries of the (n, m) pre-activation block processed at once (smooth sigma)


class Linearization:
    """The map W -> f_V(x; W) of :prf:ref:`def-linearization`, returned by :func:`linearize`.

    f_V(x; W) = c * sum_i a_i [sigma(v_i^T x) + sigma'(v_i^T x) (w_i - v_i)^T x].

    Call it as ``f_lin(W, X)`` with ``W`` (m, d) and ``X`` (n, d) or (d,); it returns (n,) or a float.

    Attributes
    ----------
    V : (m, d) ndarray
        The base point.
    a : (m,) ndarray
        Outer weights.
    activation : Activation
    c : float
        The output scaling (1, or 1/sqrt(m) for ``scale="ntk"``), > 0.

    Built directly, it checks its arguments as :func:`linearize` does (``activation`` must be an
    :class:`~nearinit.Activation`, or a name of one).
    """

    def __init__(self, V, a, activation, c):
        V, a = check_weights(V, a, W_name="V")
        if not isinstance(activation, (Activation, str)):
            raise TypeError(f"The 'activation' parameter must be an Activation or a name. Got {activation!r}.")
        self.V, self.a, self.activation = V, a, resolve_activation(activation)
        self.c = check_positive("c", c)

    def base_derivatives(self, X2) -> np.ndarray:
        """sigma'(v_i^T x_j) as an (n, m) array for checked inputs ``X2`` (n, d): the slopes of f_V in W."""
        return self.activation.sigma_prime(X2 @ self.V.T)

    def _outputs(self, W, X2) -> np.ndarray:
        Zv = X2 @ self.V.T
        act = self.activation
        return self.c * ((act.sigma(Zv) + act.sigma_prime(Zv) * (X2 @ (W - self.V).T)) @ self.a)

    def __call__(self, W, X):
        W, _ = check_weights(W, self.a)
        check_same_shape("W", W, "V", self.V)
        X2, single = check_inputs(X, self.V.shape[1])
        out = self._outputs(W, X2)
        return float(out[0]) if single else out


def linearize(V, a, *, activation="relu", scale=None) -> Linearization:
    """Return the first-order Taylor expansion of the network at the base point ``V`` (:prf:ref:`def-linearization`).

    f_V(x; W) = f(x; V) + <grad_W f(x; V), W - V>
              = c * sum_i a_i [sigma(v_i^T x) + sigma'(v_i^T x) (w_i - v_i)^T x],

    affine in W and nonlinear in x (:prf:ref:`lem-two-forms`, :prf:ref:`prop-affine`); f_0 is
    ``linearize(W0, a)``.

    Parameters
    ----------
    V : (m, d) ndarray
        Base point (rows ``v_i``); ``V = W0`` gives the lecture's f_0.
    a : (m,) ndarray
        Outer weights.
    activation : str or Activation, default "relu"
        For ReLU, sigma'(0) follows the activation's convention (0 by default).
    scale : {None, "ntk"}, default None
        Output scaling, as in :func:`nearinit.forward`.

    Returns
    -------
    f_lin : Linearization
        ``f_lin(W, X)`` with ``W`` (m, d) and ``X`` (n, d) or (d,), returning (n,) or a float.

    Examples
    --------
    >>> V = np.array([[1.0, -1.0]]); a = np.array([1.0])
    >>> f_lin = linearize(V, a, activation="quadratic")
    >>> f_lin(np.array([[2.0, -1.0]]), np.array([1.0, 0.0]))
    1.5
    """
    V, a = check_weights(V, a, W_name="V")
    return Linearization(V, a, resolve_activation(activation), scale_factor(scale, V.shape[0]))


def linearization_gap(W, V, a, X, *, activation="relu", scale=None):
    """Return f(x; W) - f_V(x; W) for every row x of ``X`` (:prf:ref:`def-linearization`).

    For ReLU the gap is the flip sum sum_{i flipped} a_i abs(w_i^T x) (:prf:ref:`lem-relu-identity`),
    evaluated term by term so that no digits are lost to the subtraction of two large numbers. For another
    sigma it is sum_i a_i [sigma(r_i) - sigma(s_i) - sigma'(s_i)(r_i - s_i)] with r_i = w_i^T x,
    s_i = v_i^T x (:prf:ref:`prop-smooth`). The ReLU path is chosen by the activation's
    ``relu_prime_at_zero`` field, never by its name. Neurons are processed in blocks, so memory stays
    bounded for large n * m.

    Parameters
    ----------
    W : (m, d) ndarray
        Evaluation point.
    V : (m, d) ndarray
        Base point (``W0`` for the lecture's f_0).
    a : (m,) ndarray
        Outer weights.
    X : (n, d) or (d,) ndarray
        Inputs.
    activation : str or Activation, default "relu"
    scale : {None, "ntk"}, default None

    Returns
    -------
    (n,) ndarray, or float for a single input.

    Examples
    --------
    >>> W0 = np.array([[1.0, 0.0], [0.0, 1.0]]); a = np.array([1.0, 1.0])
    >>> W = np.array([[-1.0, 0.0], [0.0, 2.0]])
    >>> linearization_gap(W, W0, a, np.array([1.0, 1.0]))
    1.0
    """
    W, a = check_weights(W, a)
    V, _ = check_weights(V, a, W_name="V")
    check_same_shape("W", W, "V", V)
    X2, single = check_inputs(X, V.shape[1])
    act = resolve_activation(activation)
    c = scale_factor(scale, V.shape[0])
    if act.is_relu:
        out = relu_gap(W, V, a, X2, act.relu_prime_at_zero)
    else:
        out = _generic_gap(W, V, a, X2, act)
    out *= c
    return float(out[0]) if single else out


def _generic_gap(W, V, a, X2, act) -> np.ndarray:
    """The gap term by term for any sigma with a sigma', in chunks of neurons."""
    out = np.zeros(X2.shape[0])
    step = _CHUNK // min(X2.shape[0], _CHUNK)  # neurons per block, >= 1 (n >= 1: check_inputs)
    for lo in range(0, V.shape[0], step):
        Zw = X2 @ W[lo : lo + step].T
        Zv = X2 @ V[lo : lo + step].T
        terms = act.sigma(Zw) - act.sigma(Zv) - act.sigma_prime(Zv) * (Zw - Zv)
        out += terms @ a[lo : lo + step]
    return out
