"""Activation functions sigma, their derivatives and smoothness constants.

Every activation is an :class:`Activation` record: ``sigma``, ``sigma_prime``,
``sigma_second`` (``None`` for ReLU) and ``beta = sup |sigma''|`` (``None`` for
ReLU, which is not smooth). All functions are vectorized and stable for large
``|z|``; the conventions are on the book's notation page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validation import check_real

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]


class Activation(NamedTuple):
    """An activation sigma with its first two derivatives and smoothness constant.

    Attributes
    ----------
    name : str
        The activation's name.
    sigma, sigma_prime : callable
        Vectorized sigma and sigma'. For ReLU, sigma' is the Clarke choice
        ``1{z > 0} + relu_prime_at_zero * 1{z = 0}``.
    sigma_second : callable or None
        Vectorized sigma'' (``None`` for ReLU).
    beta : float or None
        The smoothness constant ``sup_z |sigma''(z)|``, the Lipschitz constant of
        sigma' used in Prop. ``prop-smooth``; ``None`` for ReLU.
    """

    name: str
    sigma: Callable[[np.ndarray], np.ndarray]
    sigma_prime: Callable[[np.ndarray], np.ndarray]
    sigma_second: Callable[[np.ndarray], np.ndarray] | None
    beta: float | None


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_prime(c: float):
    def relu_prime(z):
        z = np.asarray(z, dtype=float)
        return np.where(z > 0, 1.0, np.where(z == 0, c, 0.0))

    return relu_prime


def _softplus(z):
    z = np.asarray(z, dtype=float)
    return np.logaddexp(0.0, z)


def _sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_prime(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _sigmoid_second(z):
    s = _sigmoid(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _tanh_prime(z):
    return 1.0 - np.tanh(z) ** 2


def _tanh_second(z):
    t = np.tanh(z)
    return -2.0 * t * (1.0 - t**2)


def _quad(z):
    return 0.5 * np.asarray(z, dtype=float) ** 2


def _identity(z):
    return np.asarray(z, dtype=float) * 1.0


def _ones(z):
    return np.ones_like(np.asarray(z, dtype=float))


_SMOOTH = {
    # name: (sigma, sigma', sigma'', beta); beta = sup|sigma''| is derived with sympy in nearinit.symbolic
    "softplus": (_softplus, _sigmoid, _sigmoid_prime, 0.25),
    "tanh": (np.tanh, _tanh_prime, _tanh_second, 4.0 / (3.0 * np.sqrt(3.0))),
    "sigmoid": (_sigmoid, _sigmoid_prime, _sigmoid_second, 1.0 / (6.0 * np.sqrt(3.0))),
    "quadratic": (_quad, _identity, _ones, 1.0),
}

#: Names accepted by :func:`get_activation`: ``"relu"`` and the smooth activations.
ACTIVATIONS = ("relu", *_SMOOTH)


def get_activation(name, *, relu_prime_at_zero: float = 0.0) -> Activation:
    """Return the :class:`Activation` called ``name``.

    Parameters
    ----------
    name : str or Activation
        One of ``"relu"``, ``"softplus"``, ``"tanh"``, ``"sigmoid"``,
        ``"quadratic"`` (sigma(z) = z**2 / 2). An :class:`Activation` is returned
        unchanged.
    relu_prime_at_zero : float, default 0.0
        For ReLU, the element of the Clarke subdifferential [0, 1] used as
        sigma'(0). The default 0 is the minimum-norm choice (book's notation page).

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If ``name`` is unknown or ``relu_prime_at_zero`` is outside [0, 1].

    Examples
    --------
    >>> act = get_activation("softplus")
    >>> float(act.sigma(1e6)), act.beta
    (1000000.0, 0.25)
    >>> get_activation("relu").sigma_prime([-1.0, 0.0, 2.0])
    array([0., 0., 1.])
    """
    if isinstance(name, Activation):
        return name
    c = check_real("relu_prime_at_zero", relu_prime_at_zero, low=0.0, high=1.0)
    if name == "relu":
        return Activation("relu", _relu, _relu_prime(c), None, None)
    if name in _SMOOTH:
        sigma, prime, second, beta = _SMOOTH[name]
        return Activation(name, sigma, prime, second, float(beta))
    raise ValueError(f"The 'activation' parameter must be one of {ACTIVATIONS}. Got {name!r} instead.")
