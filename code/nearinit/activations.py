"""Activation functions: the one table of sigma, sigma', sigma'', beta, the peak of sigma'' and the ReLU convention.

Every activation is an :class:`~nearinit.Activation` record. The table :data:`~nearinit.ACTIVATIONS` names them; the
symbolic derivations (:mod:`nearinit.symbolic`), the smooth case (:mod:`nearinit.smooth`) and the tests read their facts
from here. The conventions are on the book's notation page; the choice of sigma'(0) for ReLU is
:prf:ref:`def-clarke` and :prf:ref:`prop-clarke-choice`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from ._validation import _got, check_real

__all__ = ["ACTIVATIONS", "SMOOTH_ACTIVATIONS", "Activation", "get_activation"]

_PROBE = np.array([-2.0, -0.5, -1e-300, 0.0, 1e-300, 0.5, 3.0])


@dataclasses.dataclass(frozen=True)
class Activation:
    """An activation sigma with its derivatives and the constants the book's results use.

    Attributes
    ----------
    name : str
        The activation's name (only a label: no function dispatches on it).
    sigma, sigma_prime : callable
        Vectorized sigma and sigma'. Those of the table (and their sigma'') evaluate in float64: a float64
        array for any real array-like input (a float32 array, ints, Python ints of any size, fractions).
        For ReLU, sigma' is the Clarke choice ``1{z > 0} + relu_prime_at_zero * 1{z = 0}``
        (:prf:ref:`def-clarke`).
    sigma_second : callable or None
        Vectorized sigma'' (``None`` when sigma is not twice differentiable).
    beta : float or None
        The smoothness constant ``sup_z |sigma''(z)|``, the Lipschitz constant of sigma' in
        :prf:ref:`prop-smooth`; ``None`` when sigma is not smooth. Must be >= 0.
    peak : float or None
        A point z* with sigma''(z*) = +beta, used by the near-tight instances of :prf:ref:`prop-smooth-tight`.
    relu_prime_at_zero : float or None
        Set exactly when sigma is the ReLU max(z, 0): the value sigma'(0) in [0, 1]. The ReLU code paths
        (the flip sum of :prf:ref:`lem-relu-identity`) are chosen by this field, never by the name; a record
        that sets it with another sigma is refused.
    sympy_formula : str or None
        sigma as a sympy expression in ``z``, for :func:`nearinit.sympy_activation`.

    Raises
    ------
    ValueError
        On ``beta < 0``, a ``peak`` without ``beta``, ``relu_prime_at_zero`` outside [0, 1], or a
        ``relu_prime_at_zero`` whose sigma or sigma' is not the ReLU's.
    """

    name: str
    sigma: Callable[[np.ndarray], np.ndarray]
    sigma_prime: Callable[[np.ndarray], np.ndarray]
    sigma_second: Callable[[np.ndarray], np.ndarray] | None = None
    beta: float | None = None
    peak: float | None = None
    relu_prime_at_zero: float | None = None
    sympy_formula: str | None = None

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"The 'name' parameter must be a str. Got {_got(self.name)} instead.")
        for field in ("sigma", "sigma_prime"):
            if not callable(getattr(self, field)):
                raise TypeError(f"The '{field}' parameter must be callable. Got {_got(getattr(self, field))} instead.")
        if self.sigma_second is not None and not callable(self.sigma_second):
            raise TypeError(f"The 'sigma_second' parameter must be callable or None. Got {_got(self.sigma_second)}.")
        if self.sympy_formula is not None and not isinstance(self.sympy_formula, str):
            raise TypeError(f"The 'sympy_formula' parameter must be a str or None. Got {_got(self.sympy_formula)}.")
        if self.beta is not None:
            object.__setattr__(self, "beta", check_real("beta", self.beta, low=0.0))
        if self.peak is not None:
            if self.beta is None:
                raise ValueError("The 'peak' parameter needs a smoothness constant 'beta'. Got beta=None.")
            object.__setattr__(self, "peak", check_real("peak", self.peak))
        if self.relu_prime_at_zero is not None:
            c = check_real("relu_prime_at_zero", self.relu_prime_at_zero, low=0.0, high=1.0)
            object.__setattr__(self, "relu_prime_at_zero", c)
            relu_prime = np.where(_PROBE > 0, 1.0, np.where(_PROBE == 0, c, 0.0))
            # No dtype=float: a complex sigma (or sigma') must not pass by dropping its imaginary part.
            same = np.array_equal(np.asarray(self.sigma(_PROBE)), np.maximum(_PROBE, 0.0))
            if not (same and np.array_equal(np.asarray(self.sigma_prime(_PROBE)), relu_prime)):
                raise ValueError(
                    f"The 'relu_prime_at_zero' parameter may be set only for the ReLU max(z, 0) with the matching "
                    f"sigma'; activation {self.name!r} has another sigma or sigma'. Leave it None."
                )

    @property
    def is_relu(self) -> bool:
        """Whether this is the ReLU (``relu_prime_at_zero`` is set)."""
        return self.relu_prime_at_zero is not None


def _relu(z):
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def _relu_prime(c: float):
    def relu_prime(z):
        z = np.asarray(z)  # only compared with 0; np.where makes the result float64
        return np.where(z > 0, 1.0, np.where(z == 0, c, 0.0))

    return relu_prime


def _softplus(z):
    return np.logaddexp(0.0, np.asarray(z, dtype=float))


def _sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    # Both branches give exactly 0.5 at z = +-0, so the branch is chosen by the sign bit (no tie to decide).
    return np.where(np.signbit(z), e / (1.0 + e), 1.0 / (1.0 + e))


def _sigmoid_prime(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _sigmoid_second(z):
    s = _sigmoid(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _tanh(z):
    return np.tanh(np.asarray(z, dtype=float))


def _tanh_prime(z):
    return 1.0 - _tanh(z) ** 2


def _tanh_second(z):
    t = _tanh(z)
    return -2.0 * t * (1.0 - t**2)


def _quad(z):
    return 0.5 * np.asarray(z, dtype=float) ** 2


def _identity(z):
    return np.array(z, dtype=float)  # a new array, as every other sigma' returns


def _ones(z):
    return np.ones_like(np.asarray(z, dtype=float))


# The table. beta and peak are derived with sympy by nearinit.symbolic.smoothness_constant (the tests compare).
_TABLE = {
    "relu": Activation("relu", _relu, _relu_prime(0.0), relu_prime_at_zero=0.0),
    "softplus": Activation("softplus", _softplus, _sigmoid, _sigmoid_prime, 0.25, 0.0, sympy_formula="log(1 + exp(z))"),
    "tanh": Activation(
        "tanh",
        _tanh,
        _tanh_prime,
        _tanh_second,
        4.0 / (3.0 * math.sqrt(3.0)),
        0.5 * math.log(2.0 - math.sqrt(3.0)),  # tanh(z*) = -1/sqrt(3)
        sympy_formula="tanh(z)",
    ),
    "sigmoid": Activation(
        "sigmoid",
        _sigmoid,
        _sigmoid_prime,
        _sigmoid_second,
        1.0 / (6.0 * math.sqrt(3.0)),
        math.log(2.0 - math.sqrt(3.0)),  # sigmoid(z*) = (3 - sqrt(3)) / 6
        sympy_formula="1 / (1 + exp(-z))",
    ),
    "quadratic": Activation("quadratic", _quad, _identity, _ones, 1.0, 0.0, sympy_formula="z**2 / 2"),
}

# ACTIVATIONS: documented in nearinit/__init__.py (the API page reads it there).
ACTIVATIONS = tuple(_TABLE)

# SMOOTH_ACTIVATIONS: documented in nearinit/__init__.py (the API page reads it there).
SMOOTH_ACTIVATIONS = tuple(name for name, act in _TABLE.items() if act.beta is not None)


def get_activation(name, *, relu_prime_at_zero=None) -> Activation:
    """Return the :class:`Activation` called ``name``, or ``name`` itself with its ReLU convention replaced.

    Parameters
    ----------
    name : str or Activation
        One of :data:`~nearinit.ACTIVATIONS`: ``"relu"``, ``"softplus"``, ``"tanh"``, ``"sigmoid"``, ``"quadratic"``
        (sigma(z) = z**2 / 2). An :class:`Activation` is returned as it is, or with ``relu_prime_at_zero``
        replaced when that is given.
    relu_prime_at_zero : float, optional
        For ReLU, the element of the Clarke subdifferential [0, 1] used as sigma'(0) (:prf:ref:`def-clarke`).
        Default 0, the minimum-norm choice (:prf:ref:`prop-clarke-choice`). Only ReLU has this convention.

    Returns
    -------
    Activation

    Raises
    ------
    TypeError
        If ``name`` is neither a str nor an Activation.
    ValueError
        If ``name`` is unknown, ``relu_prime_at_zero`` is outside [0, 1], or it is given for an activation that
        is not the ReLU.

    Examples
    --------
    >>> act = get_activation("softplus")
    >>> float(act.sigma(1e6)), act.beta
    (1000000.0, 0.25)
    >>> get_activation("relu").sigma_prime([-1.0, 0.0, 2.0])
    array([0., 0., 1.])
    >>> get_activation(get_activation("relu"), relu_prime_at_zero=1.0).sigma_prime([0.0])
    array([1.])
    """
    return resolve_activation(name, relu_prime_at_zero=relu_prime_at_zero, param="name")


def resolve_activation(name, *, relu_prime_at_zero=None, param="activation") -> Activation:
    """The :class:`Activation` ``name`` (see :func:`get_activation`); errors name the parameter ``param``."""
    if isinstance(name, Activation):
        act = name
    elif isinstance(name, str):
        if name not in _TABLE:
            raise ValueError(f"The '{param}' parameter must be one of {ACTIVATIONS}. Got {name!r} instead.")
        act = _TABLE[name]
    else:
        raise TypeError(
            f"The '{param}' parameter must be a name in {ACTIVATIONS} or an Activation. Got {_got(name)} instead."
        )
    if relu_prime_at_zero is None:
        return act
    c = check_real("relu_prime_at_zero", relu_prime_at_zero, low=0.0, high=1.0)
    if not act.is_relu:
        raise ValueError(
            f"The 'relu_prime_at_zero' parameter applies only to the ReLU. Got it for activation {act.name!r}."
        )
    if c == act.relu_prime_at_zero:
        return act
    return dataclasses.replace(act, sigma_prime=_relu_prime(c), relu_prime_at_zero=c)
