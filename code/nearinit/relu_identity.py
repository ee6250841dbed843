"""The ReLU identity sigma(z) = z sigma'(z) and what it says about the gap (:ref:`ch-relu-identity`).

By :prf:ref:`lem-relu-identity` the ReLU gap is a sum over the neurons whose pre-activation changes sign
(the *flips*, :prf:ref:`prop-relu-forms`); :prf:ref:`prop-max-flips` counts how many a perturbation of
Frobenius norm B can flip; :func:`~nearinit.activation_changes` counts the flips between two first layers.
"""

from __future__ import annotations

import math

import numpy as np

from ._relu_kernel import flip_terms
from ._validation import (
    as_array,
    by_rows,
    check_inputs,
    check_nonnegative,
    check_positive,
    check_real,
    check_same_shape,
)

__all__ = [
    "activation_changes",
    "max_flips",
    "relu_flip_terms",
]


def relu_flip_terms(Zw, Zv, *, relu_prime_at_zero: float = 0.0) -> np.ndarray:
    """Per-neuron terms of the ReLU gap, computed without cancellation (:prf:ref:`lem-relu-identity`).

    By the ReLU identity sigma(z) = z sigma'(z), neuron i contributes
    ``w_i^T x (sigma'(w_i^T x) - sigma'(v_i^T x))``, which is ``abs(w_i^T x)`` when
    the two pre-activations have strictly opposite signs (a *flip*) and 0
    otherwise (:prf:ref:`prop-relu-forms`).

    Parameters
    ----------
    Zw, Zv : ndarray of the same shape, 0-D to 3-D
        Finite pre-activations ``w_i^T x`` and ``v_i^T x``.
    relu_prime_at_zero : float, default 0.0
        sigma'(0), in [0, 1] (:prf:ref:`def-clarke`); only matters where ``Zv == 0``.

    Returns
    -------
    ndarray of the shape of ``Zw``; multiply by ``a`` and sum over neurons.

    Raises
    ------
    ValueError, TypeError
        On shapes that differ, NaN or inf entries, or ``relu_prime_at_zero`` outside [0, 1].

    Examples
    --------
    >>> relu_flip_terms(np.array([2.0, -3.0, 1.0]), np.array([-1.0, 0.5, 4.0]))
    array([2., 3., 0.])
    """
    Zw = as_array("Zw", Zw, ndim=(0, 1, 2, 3))
    Zv = as_array("Zv", Zv, ndim=(0, 1, 2, 3))
    check_same_shape("Zv", Zv, "Zw", Zw)
    c = check_real("relu_prime_at_zero", relu_prime_at_zero, low=0.0, high=1.0)
    return flip_terms(Zw, Zv, c)


def max_flips(z, B, *, x_norm=1.0) -> int:
    """Return the largest number of neurons a perturbation with ||W - W0||_F <= B can flip (:prf:ref:`prop-max-flips`).

    Flipping neuron i (moving w_i^T x to the strictly opposite sign of z_i = w_{0,i}^T x) needs
    ||w_i - w_{0,i}|| ||x|| >= abs((w_i - w_{0,i})^T x) > abs(z_i), and moving w_i along x by just over
    abs(z_i) / ||x|| achieves it. So the maximum is the largest k with
    sum_{i <= k} (z_(i) / ||x||)^2 < B^2, over the sorted abs(z_(1)) <= abs(z_(2)) <= ....
    Entries with z_i = 0 cannot be strictly flipped and are skipped
    (with Gaussian W0 they have probability zero).

    Parameters
    ----------
    z : (m,) ndarray
        Finite projections w_{0,i}^T x (signs are ignored).
    B : float
        Frobenius budget, ``B >= 0``.
    x_norm : float, default 1.0
        ||x||, ``> 0``.

    Returns
    -------
    int

    Examples
    --------
    >>> max_flips(np.array([0.3, -0.4, 2.0]), 0.5)
    1
    >>> max_flips(np.array([0.3, -0.4, 2.0]), 0.51)
    2
    """
    z = as_array("z", z, ndim=(1,))
    if z.size == 0:
        raise ValueError("The 'z' parameter must hold at least one projection (m >= 1). Got an empty array.")
    B = check_nonnegative("B", B)
    x_norm = check_positive("x_norm", x_norm)
    # Costs in units of 2**e, with B = mantissa * 2**e: a power of two scales exactly, so the squares neither
    # overflow nor vanish where B**2 would (B = 2e200 or 2e-200); a cost beyond float64 is inf and is never paid.
    _, e = math.frexp(B)
    b = math.ldexp(B, -e)  # in [0.5, 1), or 0
    with np.errstate(over="ignore", under="ignore"):
        zs = np.ldexp(np.sort(np.abs(z[z != 0])) / x_norm, -e)
        return int(np.count_nonzero(np.cumsum(zs * zs) < b * b))


def activation_changes(W, W0, X) -> np.ndarray:
    """Return, for each input, how many neurons change their ReLU activation between ``W0`` and ``W``.

    The count of i with 1{w_i^T x > 0} != 1{w_{0,i}^T x > 0} (the minimum-norm convention sigma'(0) = 0). By the
    proof of :prf:ref:`lem-main` every such i lies in the bad set S(x) = S_1(x) cup S_2, which is what
    :prf:ref:`cor-kernel-stability` counts.

    Parameters
    ----------
    W, W0 : (m, d) ndarray
    X : (n, d) or (d,) ndarray

    Returns
    -------
    (n,) int ndarray, or int for a single input

    Examples
    --------
    >>> W0 = np.array([[1.0, 0.0], [-0.2, 0.0]])
    >>> int(activation_changes(W0 + [[0.0, 0.0], [0.5, 0.0]], W0, np.array([1.0, 0.0])))
    1
    """
    W0 = as_array("W0", W0, ndim=(2,))
    W = as_array("W", W, ndim=(2,))
    if W.shape != W0.shape:
        raise ValueError(f"The 'W' parameter must have the shape of 'W0' {W0.shape}. Got shape {W.shape}.")
    X2, single = check_inputs(X, W0.shape[1])
    changes = by_rows(lambda rows: np.count_nonzero((rows @ W.T > 0) != (rows @ W0.T > 0), axis=1), X2, W.shape[0])
    return int(changes[0]) if single else changes
