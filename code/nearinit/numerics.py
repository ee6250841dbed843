"""Numerical tools of the chapters' experiments: power-law slopes, central finite differences, the Frobenius norm.

None of them is a result of the book; they are how the chapters check results: a rate is a log-log slope
(:prf:ref:`lem-main` predicts m^{1/3}), a gradient formula is checked against finite differences
(:prf:ref:`def-linearization` and :prf:ref:`def-tangent-kernel` use the gradient in W).
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import MEMORY_BUDGET, as_array, check_callable, check_positive

__all__ = ["MEMORY_BUDGET", "finite_difference_gradient", "frobenius_norm", "loglog_slope"]

# MEMORY_BUDGET (from _validation, the one place it is set): documented in nearinit/__init__.py for the API page.

_MAX_FD_ENTRIES = 10**5  # finite_difference_gradient calls the function 2 * size times


def loglog_slope(x, y) -> tuple[float, float]:
    """Least-squares fit of log y = slope * log x + log c.

    Parameters
    ----------
    x, y : (k,) array_like
        Positive values, ``k >= 2``, with at least two distinct ``x``.

    Returns
    -------
    slope : float
    c : float
        The prefactor, so that y is approximately ``c * x**slope``.

    Raises
    ------
    ValueError
        If the arrays differ in length, have fewer than two distinct x, or a non-positive entry.

    Examples
    --------
    >>> slope, c = loglog_slope([1, 10, 100], [3, 30, 300])
    >>> round(slope, 6), round(c, 6)
    (1.0, 3.0)
    """
    x = as_array("x", x, ndim=(1,))
    y = as_array("y", y, ndim=(1,))
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"The 'x' and 'y' parameters must have the same length >= 2. Got {x.size} and {y.size}.")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("The 'x' and 'y' parameters must be positive for a log-log fit. Got a value <= 0.")
    lx = np.log(x)
    if lx.max() == lx.min():
        raise ValueError(
            f"The 'x' parameter must hold at least two distinct values for a slope. Got only {float(x.min())!r}."
        )
    slope, intercept = np.polyfit(lx, np.log(y), 1)
    return float(slope), float(np.exp(intercept))


def frobenius_norm(D) -> float:
    """Return ||D||_F = sqrt(sum of D_ij^2), with numpy's pairwise sum (the same bits with any BLAS).

    Parameters
    ----------
    D : ndarray
        Finite entries, 0-D to 3-D (a number, a vector, a matrix or a stack of matrices).

    Returns
    -------
    float

    Examples
    --------
    >>> frobenius_norm(np.array([[3.0, 0.0], [0.0, 4.0]]))
    5.0
    """
    D = as_array("D", D, ndim=(0, 1, 2, 3))
    return math.sqrt(np.sum(D * D))


def finite_difference_gradient(fun, W, *, h=1e-6) -> np.ndarray:
    """Central finite differences (fun(W + h E) - fun(W - h E)) / (2h) over the unit matrices E.

    The error is O(h^2) times the third derivative, plus rounding of order eps abs(fun) / h: about 1e-9 for
    h = 1e-6 and smooth functions of size 1. A ReLU network is smooth wherever no pre-activation is within h
    of zero.

    Parameters
    ----------
    fun : callable
        ``fun(W)`` returns a float.
    W : ndarray
        The point, 0-D to 3-D, at most 10**5 entries (fun is called twice per entry).
    h : float, default 1e-6
        Step, ``> 0``.

    Returns
    -------
    ndarray of the shape of ``W``

    Examples
    --------
    >>> finite_difference_gradient(lambda W: float(np.sum(W**2)), np.array([[1.0, -2.0]])).round(6)
    array([[ 2., -4.]])
    """
    fun = check_callable("fun", fun)
    W = as_array("W", W, ndim=(0, 1, 2, 3))
    if W.size > _MAX_FD_ENTRIES:
        raise ValueError(f"The 'W' parameter must have at most {_MAX_FD_ENTRIES} entries. Got {W.size}.")
    h = check_positive("h", h)
    G = np.zeros_like(W)
    for idx in np.ndindex(*W.shape):
        E = np.zeros_like(W)
        E[idx] = h
        G[idx] = (fun(W + E) - fun(W - E)) / (2 * h)
    return G
