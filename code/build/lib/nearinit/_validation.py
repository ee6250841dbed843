"""Argument checks shared by the public entry points (private)."""

from __future__ import annotations

import numbers

import numpy as np


def _got(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"{value!r}"


def as_array(name: str, value, *, ndim: tuple[int, ...], dtype=float, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a float array with one of the allowed ``ndim``, finite unless ``finite=False``."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"The '{name}' parameter must be a numeric array. Got {_got(value)} instead.") from err
    if arr.ndim not in ndim:
        want = " or ".join(f"{k}-D" for k in ndim)
        raise ValueError(f"The '{name}' parameter must be a {want} array. Got an array of shape {arr.shape} instead.")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"The '{name}' parameter must contain only finite values. Got NaN or inf.")
    return arr


def check_int(name: str, value, *, low: int = 1) -> int:
    """Return ``value`` as an int, requiring ``value >= low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"The '{name}' parameter must be an int in the range [{low}, inf). Got {_got(value)} instead.")
    if value < low:
        raise ValueError(f"The '{name}' parameter must be an int in the range [{low}, inf). Got {value} instead.")
    return int(value)


def check_real(name: str, value, *, low=-np.inf, high=np.inf, low_open=False, high_open=False) -> float:
    """Return ``value`` as a float in the interval given by ``low``, ``high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"The '{name}' parameter must be a real number. Got {_got(value)} instead.")
    v = float(value)
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if not np.isfinite(v) or too_low or too_high:
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        raise ValueError(f"The '{name}' parameter must be in the range {lb}{low}, {high}{rb}. Got {value!r} instead.")
    return v


def check_weights(W, a, *, W_name: str = "W") -> tuple[np.ndarray, np.ndarray]:
    """Check a first layer ``W`` (m, d) and an outer layer ``a`` (m,) of matching width."""
    W = as_array(W_name, W, ndim=(2,))
    a = as_array("a", a, ndim=(1,))
    if W.shape[0] < 1:
        raise ValueError(f"The '{W_name}' parameter must have at least one row (m >= 1). Got shape {W.shape}.")
    if a.shape[0] != W.shape[0]:
        raise ValueError(
            f"The 'a' parameter must have one entry per row of '{W_name}' ({W.shape[0]}). Got {a.shape[0]} entries."
        )
    return W, a


def check_inputs(X, d: int, *, name: str = "X") -> tuple[np.ndarray, bool]:
    """Return ``X`` as (n, d) and whether a single input of shape (d,) was given."""
    X = as_array(name, X, ndim=(1, 2))
    single = X.ndim == 1
    X2 = X[None, :] if single else X
    if X2.shape[1] != d:
        raise ValueError(f"The '{name}' parameter must have d = {d} columns to match the weights. Got shape {X.shape}.")
    return X2, single


def check_same_shape(name: str, value: np.ndarray, ref_name: str, ref: np.ndarray) -> None:
    """Require ``value`` to have the shape of ``ref``."""
    if value.shape != ref.shape:
        raise ValueError(
            f"The '{name}' parameter must have the shape of '{ref_name}' {ref.shape}. Got shape {value.shape}."
        )


def scale_factor(scale, m: int) -> float:
    """The output scaling: 1 for ``None``, 1/sqrt(m) for ``"ntk"``."""
    if scale is None:
        return 1.0
    if scale == "ntk":
        return 1.0 / np.sqrt(m)
    raise ValueError(f"The 'scale' parameter must be None or 'ntk'. Got {scale!r} instead.")
