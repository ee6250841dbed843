"""Argument checks shared by the public entry points (private).

Every message names the argument, the requirement and what was received.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: Largest width any function accepts: beyond it neither the work nor float64 counts are meaningful.
MAX_WIDTH = 10**15

#: The package's one memory budget, in bytes (1 GiB, well under a laptop's RAM): every function whose memory grows
#: with its arguments works in chunks within it, or refuses before it allocates, with this limit in the message.
MEMORY_BUDGET = 1 << 30

#: The most passes of a loop whose length an argument sets (gradient-descent steps, Monte Carlo trials): beyond it,
#: refused before the first pass (the work would take hours).
MAX_STEPS = 10**6

# The largest radius B where a bound uses B^2, which must stay finite.
_B_MAX = 1e150

_FLOAT_BYTES = 8  # one float64 entry


def _scalar(value):
    """A 0-d NumPy array as its scalar (``np.array(0.5)`` is a number); anything else unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def _bytes(n: float) -> str:
    """A size in GiB (every size it prints, the budget and what exceeds it, is at least 1 GiB)."""
    return f"{n / 2**30:.3g} GiB"


def check_budget(name: str, value, n_bytes: float, what: str) -> None:
    """Refuse, before allocating, a call whose arrays (``n_bytes`` in all) would exceed :data:`MEMORY_BUDGET`."""
    if n_bytes > MEMORY_BUDGET:
        raise ValueError(
            f"The '{name}' parameter is too large: {what} would take {_bytes(n_bytes)}, over the memory budget "
            f"nearinit.MEMORY_BUDGET = {_bytes(MEMORY_BUDGET)}. Got {name} = {value!r}."
        )


def by_rows(fn, X2, m: int, *, parts: int = 4):  # pragma: no mutate (the default only sizes the blocks)
    """``fn`` (a map from rows of inputs to one value per row) on the largest row blocks of ``X2`` whose (rows, m)
    float64 temporaries (``parts`` of them) fit in the memory budget (one row at least), concatenated: the same
    answer as ``fn(X2)``, in bounded memory."""
    row_bytes = parts * _FLOAT_BYTES * m
    step = MEMORY_BUDGET // min(row_bytes, MEMORY_BUDGET)  # >= 1: a row whose temporaries exceed the budget alone
    return np.concatenate([fn(X2[lo : lo + step]) for lo in range(0, X2.shape[0], step)])


def safe_pow(x: float, p: float) -> float:
    """``x ** p`` for floats, inf where it overflows (a clear error then comes from :func:`finite_result`)."""
    try:
        return x**p
    except OverflowError:
        return math.inf


def check_steps(name: str, value, *, low: int = 0) -> int:
    """A loop length (steps, trials): an int in [low, MAX_STEPS]."""
    return check_int(name, value, low=low, high=MAX_STEPS)


def _got(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else f"a {type(value).__name__}"


def _interval(low, high, low_open, high_open) -> str:
    lb = "(" if low_open or low == -math.inf else "["
    rb = ")" if high_open or high == math.inf else "]"
    return f"{lb}{low}, {high}{rb}"


def as_array(name: str, value, *, ndim: tuple[int, ...], finite: bool = True) -> np.ndarray:
    """Return ``value`` as a float64 array with one of the allowed ``ndim``, finite unless ``finite=False``.

    Real numeric input only: complex, string, object and ragged input is a TypeError (a complex array would
    otherwise lose its imaginary part silently).
    """
    want = f"The '{name}' parameter must be a numeric array of real numbers."
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as err:  # ragged nested sequences
        raise TypeError(f"{want} Got {_got(value)} instead.") from err
    if raw.dtype.kind not in ("b", "i", "u", "f"):  # bool, int, unsigned, float
        raise TypeError(f"{want} Got {_got(raw)} instead.")
    arr = np.asarray(raw, dtype=float)
    if arr.ndim not in ndim:
        want = " or ".join(f"{k}-D" for k in ndim)
        raise ValueError(f"The '{name}' parameter must be a {want} array. Got an array of shape {arr.shape} instead.")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"The '{name}' parameter must contain only finite values. Got NaN or inf.")
    return arr


def check_int(name: str, value, *, low: int = 1, high: int | None = None) -> int:
    """Return ``value`` as an int in [low, high] (``high=None``: no upper limit)."""
    value = _scalar(value)
    rng = f"[{low}, {'inf)' if high is None else f'{high}]'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"The '{name}' parameter must be an int in the range {rng}. Got {_got(value)} instead.")
    if value < low or (high is not None and value > high):
        raise ValueError(f"The '{name}' parameter must be an int in the range {rng}. Got {value} instead.")
    return int(value)


def check_width(name: str, value) -> int:
    """A width or count m: an int in [1, MAX_WIDTH]."""
    return check_int(name, value, high=MAX_WIDTH)


def check_choice(name: str, value, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of the strings ``choices`` (a ``method=`` or a ``kind=``)."""
    if not isinstance(value, str) or value not in choices:
        error = ValueError if isinstance(value, str) else TypeError
        raise error(
            f"The '{name}' parameter must be one of {', '.join(map(repr, choices))}. Got {_got(value)} instead."
        )
    return value


def check_callable(name: str, value):
    """Return ``value`` if it is callable."""
    if callable(value):
        return value
    raise TypeError(f"The '{name}' parameter must be callable. Got {_got(value)} instead.")


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is a bool (``"no"`` or ``1`` are not)."""
    value = _scalar(value)
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The '{name}' parameter must be True or False. Got {_got(value)} instead.")
    return bool(value)


def check_real(name: str, value, *, low=-math.inf, high=math.inf, low_open=False, high_open=False) -> float:
    """Return ``value`` as a finite float in the interval given by ``low``, ``high``."""
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"The '{name}' parameter must be a real number. Got {_got(value)} instead.")
    v = float(value)
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if not math.isfinite(v) or too_low or too_high:
        raise ValueError(
            f"The '{name}' parameter must be in the range {_interval(low, high, low_open, high_open)}. "
            f"Got {value!r} instead."
        )
    return v


def check_delta(delta) -> float:
    """A failure probability delta in (0, 1)."""
    return check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)


def check_positive(name: str, value) -> float:
    """A finite real > 0 (thresholds tau, step sizes, norms)."""
    return check_real(name, value, low=0.0, low_open=True)


def check_nonnegative(name: str, value) -> float:
    """A finite real >= 0 (radii B, norms)."""
    return check_real(name, value, low=0.0)


def finite_result(value: float, **arguments) -> float:
    """Return ``value`` if finite; otherwise a ValueError naming the arguments that made it overflow."""
    if not math.isfinite(value):
        args = ", ".join(f"'{k}' = {v!r}" for k, v in arguments.items())
        raise ValueError(f"The result overflows float64 for these arguments ({args}); use smaller values.")
    return float(value)


def check_rng(rng) -> np.random.Generator:
    """``np.random.default_rng(rng)`` for None, an int >= 0, a SeedSequence, a BitGenerator or a Generator."""
    rng = _scalar(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    ok = rng is None or isinstance(rng, (np.random.SeedSequence, np.random.BitGenerator))
    ok = ok or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0)
    if not ok:
        raise TypeError(
            "The 'rng' parameter must be None, an int >= 0, a numpy SeedSequence, BitGenerator or Generator. "
            f"Got {_got(rng)} instead."
        )
    return np.random.default_rng(rng)


def check_weights(W, a, *, W_name: str = "W") -> tuple[np.ndarray, np.ndarray]:
    """Check a first layer ``W`` (m, d) and an outer layer ``a`` (m,) of matching width."""
    W = as_array(W_name, W, ndim=(2,))
    a = as_array("a", a, ndim=(1,))
    if W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"The '{W_name}' parameter must have m >= 1 rows and d >= 1 columns. Got shape {W.shape}.")
    if a.shape[0] != W.shape[0]:
        raise ValueError(
            f"The 'a' parameter must have one entry per row of '{W_name}' ({W.shape[0]}). Got {a.shape[0]} entries."
        )
    return W, a


def check_projections(W0, a, x) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A network's ``W0`` (m, d) and ``a`` (m,), one input ``x`` (d,), and the projections z = W0 x (refused when
    they overflow float64)."""
    W0, a = check_weights(W0, a, W_name="W0")
    x = check_one_input(x, W0.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below, not warned about
        z = W0 @ x
    if not np.all(np.isfinite(z)):
        raise ValueError("The 'W0' parameter times 'x' overflows float64 (W0 @ x is not finite); use smaller values.")
    return W0, a, x, z


def check_sign(sign) -> int:
    """+1 (a supremum) or -1 (an infimum)."""
    if isinstance(sign, bool) or sign not in (1, -1):
        raise ValueError(f"The 'sign' parameter must be +1 (supremum) or -1 (infimum). Got {sign!r} instead.")
    return int(sign)


def check_prime_at_zero(value, theorem: str) -> float:
    """The value 0 or 1 taken for ReLU'(0); between them ``theorem``'s formula is only an upper bound."""
    v = _scalar(value)
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"The 'relu_prime_at_zero' parameter must be a real number. Got {_got(v)} instead.")
    if float(v) not in (0.0, 1.0):  # NaN and inf included
        raise ValueError(
            f"The 'relu_prime_at_zero' parameter must be 0 or 1 (for values strictly between, the formula of "
            f"Theorem {theorem} is only an upper bound when some projection is exactly 0). Got {value!r} instead."
        )
    return float(v)


def check_layer(name: str, W) -> np.ndarray:
    """A first layer (m, d) with m >= 1 and d >= 1."""
    W = as_array(name, W, ndim=(2,))
    if W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"The '{name}' parameter must have m >= 1 rows and d >= 1 columns. Got shape {W.shape}.")
    return W


def check_inputs(X, d: int, *, name: str = "X") -> tuple[np.ndarray, bool]:
    """Return ``X`` as (n, d) with n >= 1 and whether a single input of shape (d,) was given."""
    X = as_array(name, X, ndim=(1, 2))
    single = X.ndim == 1
    X2 = X[None, :] if single else X
    if X2.shape[1] != d:
        raise ValueError(f"The '{name}' parameter must have d = {d} columns to match the weights. Got shape {X.shape}.")
    if X2.shape[0] < 1:
        raise ValueError(f"The '{name}' parameter must hold at least one input (n >= 1). Got shape {X.shape}.")
    return X2, single


def check_one_input(x, d: int, *, name: str = "x") -> np.ndarray:
    """A single input of shape (d,)."""
    X2, single = check_inputs(x, d, name=name)
    if not single:
        raise ValueError(f"The '{name}' parameter must be one input of shape ({d},). Got shape {X2.shape}.")
    return X2[0]


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
    if isinstance(scale, str) and scale == "ntk":
        return 1.0 / np.sqrt(m)
    raise ValueError(f"The 'scale' parameter must be None or 'ntk'. Got {_got(scale)} instead.")
