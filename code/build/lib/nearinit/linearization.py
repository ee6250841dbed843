"""First-order Taylor expansion f_V of the network at a base point V, and the gap f - f_V."""

from __future__ import annotations

import numpy as np

from ._validation import check_inputs, check_same_shape, check_weights, scale_factor
from .activations import get_activation

__all__ = ["linearization_gap", "linearize", "relu_flip_terms"]

_CHUNK = 1 << 22  # entries of the (n, m) pre-activation block processed at once (smooth sigma)
_BLOCK = 1 << 22  # pre-activations per ReLU block: few, large BLAS calls (two float64 blocks of 32 MiB)
_SLICE = 1 << 15  # pre-activations per slice of the flip terms: two float64 slices of 256 KiB stay in cache


def linearize(V, a, *, activation="relu", scale=None):
    """Return the first-order Taylor expansion of the network at the base point ``V``.

    f_V(x; W) = f(x; V) + <grad_W f(x; V), W - V>
              = c * sum_i a_i [sigma(v_i^T x) + sigma'(v_i^T x) (w_i - v_i)^T x],

    affine in W and nonlinear in x (chapter ``ch-taylor``); f_0 is ``linearize(W0, a)``.

    Parameters
    ----------
    V : (m, d) ndarray
        Base point (rows ``v_i``); ``V = W0`` gives the lecture's f_0.
    a : (m,) ndarray
        Outer weights.
    activation : str or Activation, default "relu"
        For ReLU, sigma'(0) follows the activation's convention (0 by default).
    scale : {None, "ntk"}
        Output scaling, as in :func:`nearinit.forward`.

    Returns
    -------
    f_lin : callable
        ``f_lin(W, X)`` with ``W`` (m, d) and ``X`` (n, d) or (d,), returning
        (n,) or a float.

    Examples
    --------
    >>> V = np.array([[1.0, -1.0]]); a = np.array([1.0])
    >>> f_lin = linearize(V, a, activation="quadratic")
    >>> f_lin(np.array([[2.0, -1.0]]), np.array([1.0, 0.0]))
    1.5
    """
    V, a = check_weights(V, a, W_name="V")
    act = get_activation(activation)
    c = scale_factor(scale, V.shape[0])

    def f_lin(W, X):
        W, _ = check_weights(W, a)
        check_same_shape("W", W, "V", V)
        X2, single = check_inputs(X, V.shape[1])
        Zv = X2 @ V.T
        out = c * ((act.sigma(Zv) + act.sigma_prime(Zv) * (X2 @ (W - V).T)) @ a)
        return float(out[0]) if single else out

    return f_lin


def relu_flip_terms(Zw, Zv, *, relu_prime_at_zero: float = 0.0) -> np.ndarray:
    """Per-neuron terms of the ReLU gap, computed without cancellation.

    By the ReLU identity sigma(z) = z sigma'(z), neuron i contributes
    ``w_i^T x (sigma'(w_i^T x) - sigma'(v_i^T x))``, which is ``abs(w_i^T x)`` when
    the two pre-activations have strictly opposite signs (a *flip*) and 0
    otherwise (equation ``eq-flip-sum`` of chapter ``ch-relu-identity``).

    Parameters
    ----------
    Zw, Zv : ndarray of the same shape
        Pre-activations ``w_i^T x`` and ``v_i^T x``.
    relu_prime_at_zero : float, default 0.0
        sigma'(0); only matters where ``Zv == 0``.

    Returns
    -------
    ndarray of the shape of ``Zw``; multiply by ``a`` and sum over neurons.

    Examples
    --------
    >>> relu_flip_terms(np.array([2.0, -3.0, 1.0]), np.array([-1.0, 0.5, 4.0]))
    array([2., 3., 0.])
    """
    pos = np.maximum(Zw, 0.0)
    neg = np.maximum(-Zw, 0.0)
    terms = np.where(Zv > 0, neg, pos)
    if relu_prime_at_zero != 0.0:
        terms = np.where(Zv == 0, pos - relu_prime_at_zero * Zw, terms)
    return terms


def _relu_at_zero(act) -> float:
    return float(act.sigma_prime(np.zeros(1))[0])


def _negated_flip_terms(Zw, Zv) -> None:
    """Overwrite ``Zw`` with minus the flip terms of ``relu_flip_terms`` (sigma'(0) = 0); ``Zv`` is clobbered.

    ``Zw``, ``Zv`` are (k, n) slices, neurons as rows, in float32 or float64. When no entry of ``Zv``
    is zero the flip term is max(-Zw sgn(Zv), 0) = -min(Zw sgn(Zv), 0), and the product by sgn(Zv)
    is an exact XOR of sign bits: three in-place passes, each term exact. A slice with an exact zero
    in ``Zv`` (where +0.0 must count as "off") takes the plain formula.
    """
    if not Zv.all():
        np.negative(relu_flip_terms(Zw, Zv), out=Zw)
        return
    ints = np.int64 if Zv.dtype == np.float64 else np.int32
    sign = ints(np.iinfo(ints).min)
    zv_bits, zw_bits = Zv.view(ints), Zw.view(ints)
    np.bitwise_and(zv_bits, sign, out=zv_bits)
    np.bitwise_xor(zw_bits, zv_bits, out=zw_bits)
    np.minimum(Zw, 0.0, out=Zw)


def _relu_gap(W, V, a, X2, block) -> np.ndarray:
    """Flip sum of ``linearization_gap`` for ReLU with sigma'(0) = 0, in the dtype of the inputs.

    Per block of ``block`` neurons: two matrix products and one matrix-vector product (few, large
    BLAS calls), and in between the flip terms on cache-sized slices of the block.
    """
    n = X2.shape[0]
    block = min(block, V.shape[0])
    sub = max(8, _SLICE // max(1, n))
    XT = X2.T
    out = np.zeros(n, dtype=X2.dtype)
    buf_w = np.empty((block, n), dtype=X2.dtype)
    buf_v = np.empty((block, n), dtype=X2.dtype)
    for lo in range(0, V.shape[0], block):
        k = min(block, V.shape[0] - lo)
        Zw, Zv = buf_w[:k], buf_v[:k]
        np.matmul(W[lo : lo + k], XT, out=Zw)
        np.matmul(V[lo : lo + k], XT, out=Zv)
        for j in range(0, k, sub):
            _negated_flip_terms(Zw[j : j + sub], Zv[j : j + sub])
        out -= a[lo : lo + k] @ Zw
    return out


def _block_rows(n: int) -> int:
    """Neurons per block: about ``_BLOCK`` pre-activations, so memory stays bounded whatever n and m."""
    return max(1, _BLOCK // max(1, n))


def linearization_gap(W, V, a, X, *, activation="relu", scale=None):
    """Return f(x; W) - f_V(x; W) for every row x of ``X``.

    For ReLU the gap is the flip sum sum_{i flipped} a_i abs(w_i^T x) (equation
    ``eq-flip-sum``), evaluated term by term so that no digits are lost to the
    subtraction of two large numbers. For a smooth sigma it is
    sum_i a_i [sigma(r_i) - sigma(s_i) - sigma'(s_i)(r_i - s_i)] with
    r_i = w_i^T x, s_i = v_i^T x (Prop. ``prop-smooth``). Blocks of neurons
    are processed in chunks so memory stays bounded for large n * m.

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
    scale : {None, "ntk"}

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
    act = get_activation(activation)
    c = scale_factor(scale, V.shape[0])
    if act.name == "relu" and _relu_at_zero(act) == 0.0:
        out = _relu_gap(W, V, a, X2, _block_rows(X2.shape[0]))
    else:
        out = _generic_gap(W, V, a, X2, act)
    out *= c
    return float(out[0]) if single else out


def _generic_gap(W, V, a, X2, act) -> np.ndarray:
    """Gap term by term for a smooth sigma, or ReLU with sigma'(0) != 0, in chunks of neurons."""
    out = np.zeros(X2.shape[0])
    step = max(1, _CHUNK // max(1, X2.shape[0]))
    for lo in range(0, V.shape[0], step):
        Zw = X2 @ W[lo : lo + step].T
        Zv = X2 @ V[lo : lo + step].T
        if act.name == "relu":
            terms = relu_flip_terms(Zw, Zv, relu_prime_at_zero=_relu_at_zero(act))
        else:
            terms = act.sigma(Zw) - act.sigma(Zv) - act.sigma_prime(Zv) * (Zw - Zv)
        out += terms @ a[lo : lo + step]
    return out
