"""The contract catalogue: bad and extreme calls of every public callable of nearinit, generated from ``__all__``.

For every parameter of every name in ``nearinit.__all__`` (functions, and the classes users construct), the bad
values of its kind are tried with every other argument valid: NaN, +-inf, wrong shape, empty, wrong dtype, negative
or zero sizes, probabilities outside (0, 1), x = 0 where x != 0 is required, sizes far past the caps. Each must raise
``ValueError`` or ``TypeError`` naming *that* parameter (``'name'`` in the message), within a second of CPU time and
without allocating more than ``MEMORY_BUDGET`` (its peak resident memory, VmHWM, reset before each call; an address-
space limit stops anything larger). Sizes far past the memory budget but below the package's hard caps may also
succeed, within ten seconds of CPU time (chunked work) and the budget. Valid 0-d NumPy scalars (``np.float64(0.5)``,
``np.int64(3)``, ``np.array(0.5)``) must be accepted where a number is.

A parameter is classified by its name (``KINDS``), or per callable (``OVERRIDES``). A new public function whose
parameters all have known names is covered the day it is added; a parameter with an unknown name and no default fails
the test until it is given a kind. A class is covered unless it is a result type (``RESULTS``: returned by a function
that validated its arguments, never built by users).

Each callable's cases run in a child process (``fork``) under an address-space limit, so that a hang or a crash fails
that callable only. ``python code/tests/contract.py`` prints the catalogue's size and the failures by category.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import multiprocessing
import os
import pickle
import re
import resource
import signal
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pytest

BUDGET = 1 << 30  # the package's memory budget (nearinit.MEMORY_BUDGET), read from the package when it has one
CPU_LIMIT = 1.0  # seconds of CPU time a refused call may take
SUCCESS_LIMIT = 10.0  # seconds of CPU time an accepted size past the memory budget may take (chunked work)
WALL_LIMIT = 5.0  # a refused call still running after this (wall clock) is stopped and counted as a hang (12x for
# accepted values, whose work may be chunked: the CPU limits above judge them)
HUGE = 10**12  # a size far past the memory budget, below the package's hard caps: refuse, or succeed cheaply
OVER_BUDGET = 2 * 10**8  # a size whose arrays would pass the memory budget (an (m, 3) float array is 4.8 GB)
ABSURD = 10**30  # a size past every cap: refuse

M, D, N = 6, 3, 4  # the catalogue's network: width, input dimension, number of inputs


def _budget() -> int:
    import nearinit

    return int(getattr(nearinit, "MEMORY_BUDGET", BUDGET))


# ------------------------------------------------------------------------------------------------ valid values
def _rng():
    return np.random.default_rng(2026)


def _W():
    return _rng().standard_normal((M, D))


def _a():
    return np.array([1.0, -1.0, 1.0, 1.0, -1.0, 1.0])


def _X():
    return np.random.default_rng(7).standard_normal((N, D))


def _x():
    return np.array([1.0, 0.5, -0.25])


def _K():
    X = _X()
    return X @ X.T + np.eye(N)


# Parameter name -> (kind, valid value or a function making one). The kinds' bad values are in BAD below.
KINDS = {
    "W": ("matrix", _W),
    "W0": ("matrix", _W),
    "V": ("matrix", _W),
    "D": ("matrix", _W),
    "a": ("signs", _a),
    "X": ("inputs", _X),
    "X2": ("inputs", lambda: _X()[:2]),
    "X_check": ("inputs", _X),
    "X_eval": ("inputs", _X),
    "x": ("input", _x),
    "y": ("targets", lambda: np.array([0.5, -0.5, 1.0, 0.0])),
    "r0": ("targets", lambda: np.array([0.5, -0.5, 1.0, 0.0])),
    "K": ("kernel", _K),
    "z": ("vector", lambda: np.array([0.1, -0.3, 0.7, 1.2, -0.05, 2.0])),
    "Zw": ("preacts", lambda: _X() @ _W().T),
    "Zv": ("preacts", lambda: _X() @ _W().T + 0.1),
    "counts": ("counts", lambda: np.random.default_rng(3).binomial(M, 0.3, size=300)),
    "m": ("width", M),
    "d": ("width", D),
    "n": ("width", 5),
    "trials": ("width", 3),
    "n_draws": ("width", 4),
    "order": ("width", 4),
    "chunk": ("width", 1024),
    "steps": ("count0", 3),
    "k": ("count0", 2),
    "K_": ("count0", 3),
    "B": ("nonneg", 1.0),
    "R": ("nonneg", 1.0),
    "a_inf": ("nonneg", 1.0),
    "tau": ("positive", 0.5),
    "lr": ("positive", 0.1),
    "h": ("positive", 1e-6),
    "tol": ("positive", 1e-10),
    "x_norm": ("nonneg", 1.0),  # ||x|| = 0 is a valid (degenerate) input where a function accepts it
    "c": ("unit", 1.0),
    "bound_factor": ("positive", 1.0),
    "margin": ("positive", 1.2),
    "min_expected": ("positive", 5.0),
    "jitter": ("nonneg", 0.15),
    "lower": ("real", 0.2),
    "delta": ("prob", 0.1),
    "p": ("prob", 0.3),
    "confidence": ("prob", 0.95),
    "rng": ("rng", 0),
    "activation": ("activation", "relu"),
    "scale": ("scale", None),
    "sign": ("sign", 1),
    "method": ("choice", None),  # the callable's default
    "relu_prime_at_zero": ("zero_one", 0.0),
    "linearized": ("bool", False),
    "fit": ("bool", True),
    "name": ("activation_name", "softplus"),
    "fun": ("callable", lambda: lambda W: float(np.sum(W**2))),
    "beta": ("optional_nonneg", None),
    "ax": ("free", None),
    "label": ("free", None),
    "marker": ("free", "o"),
    "ylabel": ("free", "gap / bound"),
    "bounds": ("free", None),
    "kwargs": ("free", None),
}

_TRIANGLE = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])

# Callable -> parameter -> (kind, valid value): where the name alone does not say it.
OVERRIDES = {
    "loglog_slope": {
        "x": ("positive_vector", lambda: np.array([1.0, 2.0, 4.0, 8.0])),
        "y": ("positive_vector", lambda: np.array([3.0, 5.0, 9.0, 17.0])),
    },
    "plot_loglog": {
        "x": ("positive_vector", lambda: np.array([1.0, 2.0, 4.0, 8.0])),
        "y": ("positive_vector", lambda: np.array([3.0, 5.0, 9.0, 17.0])),
    },
    "concavity_certificate": {"K": ("count0_formula", 3)},
    "circle_max_near_zero": {"W0": ("matrix", lambda: _W()[:, :2])},  # a first layer in the plane
    "binomial_tail": {"k": ("real", 2), "p": ("prob_closed", 0.3)},  # P(X >= k) for any real k, or an array
    "binomial_quantile": {"p": ("prob_closed", 0.3)},
    "hoeffding_upper": {"p": ("prob_closed", 0.3)},
    "binomial_chi2_pvalue": {
        "m": ("width", M),
        "counts": ("counts", lambda: np.random.default_rng(3).binomial(M, 0.3, 300)),
    },
    "finite_difference_gradient": {"W": ("array", _W)},
    "frobenius_norm": {"D": ("array", _W)},
    "max_flips": {"z": ("free_vector", lambda: np.array([0.1, -0.3, 0.7, 1.2, -0.05, 2.0]))},
    "near_zero_count": {"x": ("inputs", _X)},
    "sample_projections": {"x_norm": ("nonneg", 1.0)},
    "worst_case_asymptotic": {"x_norm": ("nonneg", 1.0)},
    "clopper_pearson": {"k": ("count0", 2), "n": ("width", 5)},
    "near_tight_instance": {"k": ("optional_width", None), "activation": ("smooth_activation", "softplus")},
    "smooth_gap_bound": {"activation": ("smooth_activation", "softplus")},
    "smooth_frobenius_bound": {"activation": ("smooth_activation", "softplus")},
    "taylor_forms": {"m": ("symbolic_width", 2), "d": ("symbolic_width", 2), "sigma": ("free", None)},
    "peak_gain_series": {"name": ("smooth_name", "softplus"), "order": ("symbolic_width", 4)},
    "smoothness_constant": {"name": ("smooth_name", "softplus")},
    "sympy_activation": {"name": ("activation_name", "softplus")},
    "get_activation": {"name": ("activation", "relu"), "relu_prime_at_zero": ("optional_zero_one", None)},
    "remainder_forms": {"sigma": ("sympy_expr", None), "var": ("free", None)},
    "plot_ratio_strip": {"ratios": ("ratios", lambda: {"relu": np.array([0.2, 0.5]), "tanh": np.array([0.1])})},
    "plot_count_distribution": {"m": ("width", M), "p": ("prob_closed", 0.3)},
    "tangent_kernel_std": {"m": ("width", 1000)},
    "householder_first_row": {"x": ("free_vector", _x)},
    "sup_from_sorted": {"z_sorted": ("free_vector", lambda: np.array([0.0, 0.1, 0.5, 2.0]))},  # old name
    "kernel_stability_bound": {"B": ("nonneg", 1.0)},
    "main_lemma_tau": {"B": ("positive", 1.0)},
    "Activation": {
        "name": ("label", "mine"),
        "sigma": ("callable", lambda: np.tanh),
        "sigma_prime": ("callable", lambda: lambda z: 1.0 - np.tanh(z) ** 2),
        "sigma_second": ("optional_callable", None),
        "beta": ("optional_nonneg", None),
        "peak": ("optional_real", None),
        "relu_prime_at_zero": ("free", None),
        "sympy_formula": ("free", None),
    },
    "Linearization": {"activation": ("activation_object", None), "c": ("positive", 1.0)},
    "WorstCase": {
        "value": ("real", 0.5),
        "k": ("count0", 1),
        "moved": ("index_vector", lambda: np.array([2])),
        "moves": ("vector", lambda: np.array([0.5])),
        "K": ("count0", 3),
        "W0": ("matrix", _W),
        "x": ("input", _x),
    },
}

# Callables whose input x must not be 0 (the near-zero set and the bad sets count |w^T x| <= tau ||x||, all of them
# at x = 0; a reflection needs a direction).
# Callables whose outer weights must be signs +-1 (the exact worst case and its relatives, Theorem thm-worst-case).
SIGNS_REQUIRED = {"worst_case_gap", "kernel_change_extremes", "general_base_pair", "WorstCase"}
SIGNS_REQUIRED |= {"worst_case_gap_from_projections"}  # an old name (runs on old code)

# Bad-looking values that may also succeed (a right, finite answer), if within a second and the budget.
_MAY_SUCCEED = {"huge", "absurd formula"}
_MUST_ACCEPT = {"the baseline call", "a NumPy scalar", "a 0-d array"}  # valid values
DEFINES_D = {
    ("ntk_limit", "X"),
    ("tangent_kernel_std", "X"),
    ("ntk_limit_singular", "X"),
}  # X sets d there: X2 must match it

NONZERO_X = {"near_zero_set", "near_zero_count", "bad_set", "householder_first_row", "ball_points", "general_base_pair"}

# Result types: returned by a function that validated its arguments; users read them and never build them.
RESULTS = {
    "BadSet",
    "FailureEstimate",
    "GeneralBasePair",
    "KernelChange",
    "LeadingConstants",
    "NearZeroBounds",
    "PathGap",
    "RandomWorstCase",
    "SmoothInstance",
    "TaylorForms",
    "TrainResult",
    "GradientChange",
    "PerNeuronWorstCase",
}


def _nan_like(v):
    out = np.array(v, dtype=float)
    out.flat[0] = np.nan
    return out


def _inf_like(v, sign=1.0):
    out = np.array(v, dtype=float)
    out.flat[-1] = sign * np.inf
    return out


def _array_bad(v, *, vector: bool, tied: bool = True, optional: bool = False, one_d_ok: bool = False):
    """Bad values of an array parameter whose valid value is ``v``.

    ``tied``: its length or width must match another argument; ``optional``: None is allowed; ``one_d_ok``: a single
    row (an input of shape (d,) for a batch (n, d)) is allowed.
    """
    v = np.asarray(v, dtype=float)
    bad = {
        "NaN entry": _nan_like(v),
        "inf entry": _inf_like(v),
        "-inf entry": _inf_like(v, -1.0),
        "string dtype": v.astype(str),
        "object dtype": np.array([*v.tolist(), None], dtype=object) if v.ndim == 1 else v.astype(object),
        "complex dtype": v + 1j,
        "a scalar": 1.0,
        "a string": "W",
        "None": None,
        "3-D": v.reshape((1, *v.shape, 1)) if v.ndim else np.ones((2, 2, 2)),
    }
    if optional:
        del bad["None"]
    if v.ndim >= 1:
        bad["empty"] = v[:0]
    if v.ndim == 2 and tied:
        bad["one column too many"] = np.hstack([v, v[:, :1]])
    if v.ndim == 2 and not one_d_ok:
        bad["1-D"] = v[0]
    if vector and v.ndim == 1:
        if tied:
            bad["one entry too many"] = np.append(v, v[0])
        bad["2-D"] = v[None, :]
    return bad


def _scalar_bad(kind: str, func: str = ""):
    common = {"NaN": math.nan, "inf": math.inf, "-inf": -math.inf, "a string": "1", "a list": [1.0], "complex": 1j}
    if kind == "positive":
        return {**common, "zero": 0.0, "negative": -1.0}
    if kind == "nonneg":
        return {**common, "negative": -1.0, "huge": 1e308}  # huge: a right finite answer or a clear error
    if kind == "unit":
        return {**common, "zero": 0.0, "negative": -1.0, "above 1": 1.5}
    if kind == "prob":
        return {**common, "zero": 0.0, "one": 1.0, "negative": -0.1, "above 1": 1.5}
    if kind == "prob_closed":
        return {**common, "negative": -0.1, "above 1": 1.5}
    if kind == "real":
        return {k: v for k, v in common.items() if not (func == "binomial_tail" and k == "a list")}
    if kind in ("width", "symbolic_width", "optional_width"):
        return {
            "zero": 0,
            "negative": -1,
            "a float": 2.5,
            "a string": "3",
            "NaN": math.nan,
            "a bool": True,
            "absurd": ABSURD,
        }
    if kind == "count0":
        return {"negative": -1, "a float": 2.5, "a string": "3", "NaN": math.nan, "absurd": ABSURD}
    if kind == "count0_formula":
        return {"negative": -1, "a float": 2.5, "a string": "3", "NaN": math.nan, "absurd formula": ABSURD}
    if kind == "zero_one":
        return {"NaN": math.nan, "negative": -0.5, "above 1": 1.5, "a string": "0"}
    if kind == "optional_zero_one":
        return {"NaN": math.nan, "negative": -0.5, "above 1": 1.5, "a string": "0"}
    if kind == "optional_nonneg":
        return {"NaN": math.nan, "negative": -1.0, "a string": "1", "inf": math.inf}
    if kind == "optional_real":
        return {"NaN": math.nan, "a string": "1", "inf": math.inf}
    return {}


BAD = {
    "rng": {"a string": "seed", "negative": -1, "a float": 1.5},
    "activation": {"unknown name": "nope", "a number": 3, "a list": ["relu"]},
    "smooth_activation": {"unknown name": "nope", "a number": 3, "ReLU (not smooth)": "relu"},
    "activation_name": {"unknown name": "nope", "a number": 3},
    "smooth_name": {"unknown name": "nope", "a number": 3, "ReLU (not smooth)": "relu"},
    "activation_object": {"an unknown name": "nope", "a number": 3},
    "scale": {"unknown": "mean", "a number": 1.0},
    "sign": {"zero": 0, "two": 2, "a string": "+", "a float": 0.5},
    "choice": {"unknown": "nope", "a number": 3},
    "bool": {"a string": "no", "a number": 1},
    "callable": {"a number": 3, "a string": "tanh"},
    "optional_callable": {"a number": 3},
    "label": {"a number": 3},
    "sympy_expr": {"a number string": "1 + ", "a list": [1]},
    "ratios": {"a list": [1.0], "empty": {}, "NaN ratio": {"relu": np.array([np.nan])}},
}


@dataclass
class Case:
    func: str
    param: str
    what: str
    kwargs: dict = field(repr=False)
    must_raise: bool = True  # False: the value is valid, or huge (refuse or succeed cheaply)


def _signature(obj):
    return inspect.signature(obj)


def _valid_value(func: str, pname: str, param: inspect.Parameter):
    """(kind, value) of a valid argument, or None if the parameter may keep its default."""
    spec = OVERRIDES.get(func, {}).get(pname) or KINDS.get(pname)
    if spec is None:
        if param.default is not inspect.Parameter.empty or param.kind is inspect.Parameter.VAR_KEYWORD:
            return None
        raise KeyError(f"{func}: parameter {pname!r} has no kind; add it to KINDS or OVERRIDES in contract.py")
    kind, value = spec
    if kind == "choice":
        value = param.default
    if callable(value) and kind not in ("activation_object",) and not isinstance(value, np.ufunc):
        value = value()
    if kind == "activation_object":
        from nearinit import get_activation

        value = get_activation("relu")
    if kind == "sympy_expr":
        import sympy as sp

        from nearinit import Z

        value = sp.log(1 + sp.exp(Z))
    return kind, value


def baseline(func: str, obj) -> dict:
    """Valid keyword arguments for ``func`` (parameters with unknown names must have defaults)."""
    kwargs = {}
    for pname, param in _signature(obj).parameters.items():
        if pname == "self" or param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        spec = _valid_value(func, pname, param)
        if spec is None:
            continue
        kind, value = spec
        if kind == "free" and param.default is not inspect.Parameter.empty:
            continue
        if kind in ("optional_width", "optional_nonneg", "optional_real", "optional_callable", "optional_zero_one"):
            if value is None:
                continue
        kwargs[pname] = value
    return kwargs


def _bad_values(func: str, pname: str, kind: str, value, optional: bool) -> dict:
    if kind == "matrix":  # the first layer defines m and d: a mismatch is blamed on the argument that must match it
        return _array_bad(value, vector=False, tied=False, optional=optional)
    if kind == "array":  # any shape
        bad = _array_bad(value, vector=False, tied=False, optional=optional, one_d_ok=True)
        del bad["a scalar"], bad["3-D"], bad["empty"]  # any shape, even empty
        return bad
    if kind in ("inputs", "kernel", "preacts"):
        tied = (func, pname) not in DEFINES_D
        bad = _array_bad(value, vector=False, tied=tied, optional=optional, one_d_ok=kind == "inputs")
        if pname == "x" and func in NONZERO_X:
            bad["x = 0"] = np.zeros_like(value)
        return bad
    if kind in ("signs", "input", "targets", "vector", "counts", "positive_vector", "index_vector", "free_vector"):
        tied = kind in ("signs", "input", "targets", "index_vector") or (kind == "positive_vector" and pname == "y")
        bad = _array_bad(value, vector=True, tied=tied, optional=optional)
        if pname == "x" and func in NONZERO_X:
            bad["x = 0"] = np.zeros_like(value)
        if kind == "signs" and func in SIGNS_REQUIRED:
            bad["a sign 0.5"] = np.where(np.arange(value.size) == 0, 0.5, value)
        if kind == "positive_vector":
            bad["a zero"] = np.where(np.arange(value.size) == 0, 0.0, value)
        return bad
    if kind in BAD:
        return dict(BAD[kind])
    return _scalar_bad(kind, func)


def cases(func: str, obj) -> list[Case]:
    """Every bad call of ``func``, then the valid 0-d NumPy scalars and the huge sizes."""
    base = baseline(func, obj)
    out = [Case(func, "(valid)", "the baseline call", dict(base), must_raise=False)]
    for pname, param in _signature(obj).parameters.items():
        if pname == "self" or param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        spec = _valid_value(func, pname, param)
        if spec is None:
            continue
        kind, value = spec
        if func == "remainder_forms" and pname == "var":
            continue
        for what, bad in _bad_values(func, pname, kind, value, param.default is None).items():
            out.append(Case(func, pname, what, {**base, pname: bad}, must_raise=what not in _MAY_SUCCEED))
        if kind in ("width", "symbolic_width"):
            out.append(Case(func, pname, "huge size", {**base, pname: HUGE}, must_raise=False))
            out.append(Case(func, pname, "over the memory budget", {**base, pname: OVER_BUDGET}, must_raise=False))
        if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, str):
            continue
        if isinstance(value, (int, float)) and kind not in ("free", "label"):
            np_scalar = np.int64(value) if isinstance(value, int) else np.float64(value)
            out.append(Case(func, pname, "a NumPy scalar", {**base, pname: np_scalar}, must_raise=False))
            out.append(Case(func, pname, "a 0-d array", {**base, pname: np.array(value)}, must_raise=False))
    return out


# ------------------------------------------------------------------------------------------------ running
class _Timeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Timeout


def _reset_peak() -> None:
    """Reset the process's peak resident memory (Linux: VmHWM), so that it measures the next call alone."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _rss(field: str) -> int:
    """A memory figure of /proc/self/status, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def _names_param(message: str, pname: str) -> bool:
    """Whether the message names the parameter (``'pname'``) and is a sentence a user reads (see ``well_formed``)."""
    named = re.search(rf"['`\"]{re.escape(pname)}['`\"(\[]", message) is not None or f"'len({pname})'" in message
    return named and well_formed(message)


def well_formed(message: str) -> bool:
    """A refusal is one or more sentences: it begins with a capital letter and a lower-case one ("The 'x' ...", not
    "XX...", "the ..." or "None") and ends with a full stop or a closing parenthesis after one."""
    return re.match(r"[A-Z][a-z]", message) is not None and re.search(r"[.!?][)\]'\"]?$", message.rstrip()) is not None


@contextlib.contextmanager
def refuses(param: str, match: str | None = None, exc=(ValueError, TypeError)):
    """``with refuses("x"): f(x=bad)``: the call raises ``exc`` with a well-formed message naming ``'x'`` (and
    matching the regex ``match``), as the contract test demands of its catalogue's calls."""
    with pytest.raises(exc) as info:
        yield
    message = str(info.value)
    assert _names_param(message, param), f"the refusal does not name {param!r} in a sentence: {message!r}"
    assert match is None or re.search(match, message), f"{match!r} not in {message!r}"


def at_budget(monkeypatch, need: int, call, param: str, match: str | None = None):
    """``call()`` is accepted with ``nearinit.MEMORY_BUDGET`` = ``need`` bytes, and refused one byte below, naming
    ``param`` with a ``ValueError`` (see ``refuses``; ``match`` as there); returns the accepted result."""
    import nearinit._validation as validation

    monkeypatch.setattr(validation, "MEMORY_BUDGET", need)
    result = call()
    monkeypatch.setattr(validation, "MEMORY_BUDGET", need - 1)
    with refuses(param, match=match, exc=ValueError):
        call()
    return result


def within_budget(monkeypatch, budget: int, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with ``nearinit.MEMORY_BUDGET`` = ``budget`` bytes, its peak (``traced``) at most
    ``budget``; returns the result."""
    import nearinit._validation as validation

    monkeypatch.setattr(validation, "MEMORY_BUDGET", budget)
    result, peak = traced(fn, *args, **kwargs)
    assert peak <= budget, f"peak {peak} bytes over the budget {budget}"
    return result


def traced(fn, *args, **kwargs):
    """``(fn(*args, **kwargs), peak)``: the result and the peak of Python-allocated memory (tracemalloc, numpy's
    arrays included) during the call, in bytes; for the module tests that hold a function to its memory budget."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = fn(*args, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def run_case(obj, case: Case, params: list[str]) -> tuple[str, str]:
    """(verdict, detail): "ok", "silent", "hang", "memory", "obscure", "wrong argument", "refused a valid value"."""
    import warnings

    budget = _budget()
    _reset_peak()
    before = _rss("VmRSS")
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, WALL_LIMIT if case.must_raise else 12 * WALL_LIMIT)  # busy cores: wall >> CPU
    t0 = time.process_time()
    error = result = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = obj(**case.kwargs)
    except _Timeout:
        error = "timeout"
    except MemoryError as err:
        error = err
    except Exception as err:
        error = err
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        cpu = time.process_time() - t0
        peak = _rss("VmHWM") - before
        import matplotlib.pyplot as plt

        plt.close("all")
    allowed = CPU_LIMIT if case.must_raise or error is not None else SUCCESS_LIMIT
    if error == "timeout" or (cpu > allowed and case.param != "(valid)"):
        return "hang", f"{cpu:.1f} s of CPU" if error != "timeout" else f"over {WALL_LIMIT:.0f} s"
    if isinstance(error, MemoryError) or peak > budget:
        return "memory", f"peak {peak / 2**20:.0f} MiB, {type(error).__name__ if error else 'no error'}"
    if not case.must_raise:
        if error is None:
            return ("ok", "") if _finite(result) else ("silent", "a NaN or infinite result")
        if case.what not in _MUST_ACCEPT and isinstance(error, (ValueError, TypeError)):  # a size or value refused
            return ("ok", "") if _names_param(str(error), case.param) else ("wrong argument", str(error)[:200])
        return "refused a valid value", f"{type(error).__name__}: {str(error)[:200]}"
    if error is None:
        return "silent", "no error"
    message = f"{type(error).__name__}: {str(error)[:200]}"
    if not isinstance(error, (ValueError, TypeError)):
        return "obscure", message
    if _names_param(str(error), case.param):
        return "ok", ""
    if any(_names_param(str(error), other) for other in params if other != case.param):
        return "wrong argument", message
    return "obscure", message


def _finite(result) -> bool:
    """Whether no float in the result (a number, an array, a tuple of them) is NaN or infinite."""
    if isinstance(result, (float, np.floating)):
        return bool(np.isfinite(result))
    if isinstance(result, np.ndarray) and result.dtype.kind in "fc":
        return bool(np.all(np.isfinite(result)))
    if isinstance(result, (tuple, list)) and len(result) < 100:
        return all(_finite(r) for r in result)
    return True


def preload() -> None:
    """Import every submodule and what the functions import lazily, once, before the children are forked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot
    import scipy.optimize
    import scipy.stats  # noqa: F401
    import sympy  # noqa: F401

    public_callables()


def public_callables() -> dict:
    import nearinit

    out = {}
    for name in nearinit.__all__:
        obj = getattr(nearinit, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            out[name] = obj
    return out


def _address_limit() -> None:
    """Limit the child's address space to what it maps now plus the budget plus 512 MiB of headroom: a call that
    tries to allocate more than that gets a MemoryError (counted as a memory failure) instead of the machine's RAM."""
    limit = _rss("VmSize") + _budget() + (1 << 29)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _results(name: str, *, limit: bool) -> list[tuple]:
    """The verdicts of every case of ``name``, run here (under an address-space limit if ``limit``)."""
    import matplotlib

    matplotlib.use("Agg")
    obj = public_callables()[name]
    if name in RESULTS:
        return []
    try:
        catalogue = cases(name, obj)
    except KeyError as err:
        return [(name, "(catalogue)", "", "unknown parameter", str(err))]
    params = [p for p in _signature(obj).parameters if p != "self"]
    if limit:
        _address_limit()
    return [(name, case.param, case.what, *run_case(obj, case, params)) for case in catalogue]


def _child(name: str, conn) -> None:
    try:
        conn.send(_results(name, limit=True))
    except BaseException as err:
        conn.send([(name, "(child)", "", "obscure", repr(err)[:300])])
    finally:
        conn.close()


def run_callable(name: str, timeout: float = 120.0) -> list[tuple]:
    """The verdicts of every case of one public callable, computed in a forked child.

    Under mutation testing (mutmut sets MUTANT_UNDER_TEST), in this process instead: mutmut must see which functions
    a test calls, and it stops a hanging mutant itself.
    """
    mutant = os.environ.get("MUTANT_UNDER_TEST")
    if mutant is not None:  # a mutant's run is a child of mutmut's: limit its address space as ours
        return _results(name, limit=mutant not in ("", "stats", "list_all_tests", "fail", "mutant_generation"))
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(name, child))
    proc.start()
    child.close()
    if parent.poll(timeout):
        try:
            results = parent.recv()
        except (EOFError, pickle.UnpicklingError):
            results = [(name, "(child)", "", "memory", f"the child died (exit code {proc.exitcode})")]
    else:
        results = [(name, "(child)", "", "hang", f"no answer in {timeout:.0f} s")]
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join()
    return results


def main() -> None:
    preload()
    names = sys.argv[1:] or sorted(public_callables())
    t0 = time.perf_counter()
    total, failures = 0, {}
    for name in names:
        for row in run_callable(name):
            total += 1
            if row[3] != "ok":
                failures.setdefault(row[3], []).append(row)
    print(f"{len(names)} public callables, {total} calls in {time.perf_counter() - t0:.0f} s")
    for verdict, rows in sorted(failures.items()):
        print(f"== {verdict}: {len(rows)}")
        for name, param, what, _, detail in rows:
            print(f"   {name}({param}={what}): {detail}")


if __name__ == "__main__":
    main()
