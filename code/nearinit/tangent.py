"""The features along the path and the limiting kernel's invertibility (chapter ``ch-toward-ntk``).

- :func:`~nearinit.gradient_change`: ||grad_W f(x; W) - grad_W f(x; W0)||_F and the neurons whose activation changed,
  for :prf:ref:`prop-gradient-closeness` (the gradients stay close: at most ||a||_inf ||x|| sqrt(abs(S))).
- :func:`~nearinit.ntk_limit_singular`: whether the bias-free limiting kernel K(x, x') = x^T x' (pi - theta) / (2 pi) is
  singular on given inputs, by the exact criterion of :prf:ref:`prop-ntk-pd`: singular if and only if an input
  is 0, two inputs point the same way, or the directions of the antiparallel pairs are linearly dependent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_array, check_one_input, check_real, check_same_shape

__all__ = ["GradientChange", "gradient_change", "ntk_limit_singular"]

#: Largest number of inputs :func:`~nearinit.ntk_limit_singular` takes (it forms the n x n matrix of cosines).
MAX_INPUTS = 2000


@dataclass(frozen=True)
class GradientChange:
    """The change of the ReLU network's gradient in W at one input.

    Attributes
    ----------
    norm : float
        ||grad_W f(x; W) - grad_W f(x; W0)||_F (unscaled network).
    changed : (k,) int ndarray
        The neurons i with sigma'(w_i^T x) != sigma'(w_{0,i}^T x), increasing.
    """

    norm: float
    changed: np.ndarray


def gradient_change(W, W0, a, x, *, relu_prime_at_zero=0.0) -> GradientChange:
    """Return ||grad_W f(x; W) - grad_W f(x; W0)||_F for the ReLU network, and the neurons that changed.

    Row i of grad_W f(x; W) is a_i sigma'(w_i^T x) x, so the difference is a_i (sigma'(w_i^T x) -
    sigma'(w_{0,i}^T x)) x, nonzero only on the changed neurons (:prf:ref:`prop-gradient-closeness`). The two
    gradients are formed explicitly (two (m, d) arrays, the size of the input).

    Parameters
    ----------
    W, W0 : (m, d) ndarray
        The two points.
    a : (m,) ndarray
        Outer weights.
    x : (d,) ndarray
        The input.
    relu_prime_at_zero : float in [0, 1], default 0.0
        sigma'(0).

    Examples
    --------
    >>> W0 = np.array([[0.1, 0.0], [-1.0, 0.0]]); W = np.array([[-0.1, 0.0], [-1.0, 0.0]])
    >>> res = gradient_change(W, W0, np.array([1.0, -1.0]), np.array([2.0, 0.0]))
    >>> res.norm, res.changed.tolist()
    (2.0, [0])
    """
    W0 = as_array("W0", W0, ndim=(2,))
    W = as_array("W", W, ndim=(2,))
    check_same_shape("W", W, "W0", W0)
    a = as_array("a", a, ndim=(1,))
    if a.shape[0] != W0.shape[0]:
        raise ValueError(
            f"The 'a' parameter must have one entry per row of 'W0' ({W0.shape[0]}). Got {a.shape[0]} entries."
        )
    x = check_one_input(x, W0.shape[1])
    gamma = check_real("relu_prime_at_zero", relu_prime_at_zero, low=0.0, high=1.0)

    def prime(z):
        return np.where(z > 0, 1.0, np.where(z < 0, 0.0, gamma))

    s, s0 = prime(W @ x), prime(W0 @ x)
    G = (a * s)[:, None] * x[None, :]
    G0 = (a * s0)[:, None] * x[None, :]
    return GradientChange(float(np.linalg.norm(G - G0)), np.flatnonzero(s != s0))


def ntk_limit_singular(X, *, tol=1e-10) -> bool:
    """Whether the limiting kernel matrix (K(x_j, x_k))_{j,k} of :func:`nearinit.ntk_limit` is singular.

    The exact criterion of :prf:ref:`prop-ntk-pd`: singular if and only if (a) some input is 0, or (b) two
    inputs are positive multiples of each other, or (c) the directions of the lines that carry an
    antiparallel pair (x_j, x_k = -c x_j, c > 0) are linearly dependent. Directions are compared up to
    ``tol`` (cosines within ``tol`` of +-1, inclusive) and the rank is taken with the same relative tolerance
    (singular values at most ``tol`` times the largest count as 0).

    Parameters
    ----------
    X : (n, d) ndarray
        The inputs, ``1 <= n <= 2000``.
    tol : float, default 1e-10
        ``0 < tol < 1``.

    Examples
    --------
    >>> pairs = lambda angles: np.array([[s * np.cos(t), s * np.sin(t)] for t in angles for s in (1, -1)])
    >>> ntk_limit_singular(pairs([0.0, 1.0])), ntk_limit_singular(pairs([0.0, 1.0, 2.0]))
    (False, True)
    """
    X = as_array("X", X, ndim=(2,))
    if X.shape[0] < 1 or X.shape[0] > MAX_INPUTS:
        raise ValueError(f"The 'X' parameter must have between 1 and {MAX_INPUTS} rows. Got {X.shape[0]}.")
    tol = check_real("tol", tol, low=0.0, high=1.0, low_open=True, high_open=True)
    norms = np.linalg.norm(X, axis=1)
    if np.any(norms == 0):
        return True
    U = X / norms[:, None]
    C = U @ U.T  # the pairs j < k are its strict upper triangle
    if np.any(np.triu(C >= 1.0 - tol, 1)):
        return True
    j, _ = np.nonzero(np.triu(C <= -1.0 + tol))  # the diagonal (cosine 1) never passes: tol < 1
    if j.size == 0:
        return False
    D = U[j]  # one direction per antiparallel pair; with (b) excluded each line carries at most one pair
    sv = np.linalg.svdvals(D)
    return bool(np.sum(sv > tol * sv[0]) < D.shape[0])
