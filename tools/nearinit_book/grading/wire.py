"""Plain data across the sandbox's wall: JSON, never pickle.

This file runs on both sides: the tests' kernel imports it as `nearinit_book.grading.wire`, and the sandbox gets a
copy of it as the module `nearinit_grading_wire` (it needs nothing but the standard library and numpy).

What crosses: None, bool, int, float, str, numpy's bool_/int32/int64/float32/float64 scalars, numpy arrays of
float64, float32, int64, int32 or bool (shape, dtype and the raw bytes, base64), and tuples and lists of those (4
levels deep at most). Each value keeps its exact type: a submission's `numpy.float64` arrives as a
`numpy.float64`, its `int` subclass is refused (`WireError`), never turned into something that compares equal.
Decoding checks every field (types, dtype names, sizes): it builds nothing but these values.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

SCALARS = {
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "numpy.bool_": np.bool_,
    "numpy.int32": np.int32,
    "numpy.int64": np.int64,
    "numpy.float32": np.float32,
    "numpy.float64": np.float64,
}
DTYPES = ("float64", "float32", "int64", "int32", "bool")
MAX_DEPTH = 4
MAX_BYTES = 4 * 2**20  # the largest array, in bytes (the exercises' are a few kB); its base64 fits in one message
ACCEPTED = "None, bool, int, float, str, numpy scalars and numpy arrays of floats, ints or bools, tuples, lists"


class WireError(TypeError):
    """A value that cannot cross (its type, or a malformed message)."""


def encode(value, depth: int = 0):
    kind = type(value)
    if value is None:
        return {"t": "none"}
    for name, cls in SCALARS.items():
        if kind is cls:
            return {"t": name, "v": value.item() if name.startswith("numpy.") else value}
    if kind is np.ndarray:
        if value.dtype.name not in DTYPES:
            raise WireError(f"an array of {value.dtype} cannot be graded (floats, ints or bools only)")
        data = np.ascontiguousarray(value).tobytes()
        if len(data) > MAX_BYTES:
            raise WireError(f"an array of {len(data)} bytes is too large to grade")
        return {
            "t": "ndarray",
            "dtype": value.dtype.name,
            "shape": list(value.shape),
            "v": base64.b64encode(data).decode(),
        }
    if kind in (tuple, list):
        if depth >= MAX_DEPTH:
            raise WireError("tuples or lists nested too deep to grade")
        return {"t": kind.__name__, "v": [encode(item, depth + 1) for item in value]}
    raise WireError(f"a {kind.__module__}.{kind.__qualname__} cannot be graded: only {ACCEPTED}")


def decode(obj, depth: int = 0):
    if type(obj) is not dict or type(obj.get("t")) is not str:
        raise WireError("malformed value")
    tag = obj["t"]
    if tag == "none":
        return None
    if tag in SCALARS:
        v = obj.get("v")
        if tag in ("bool", "numpy.bool_"):
            ok = type(v) is bool
        elif tag in ("int", "numpy.int32", "numpy.int64"):
            ok = type(v) is int
        elif tag == "str":
            ok = type(v) is str
        else:
            ok = type(v) is float or (type(v) is int and math.isfinite(float(v)))
        if not ok:
            raise WireError(f"malformed {tag}")
        return SCALARS[tag](v)
    if tag == "ndarray":
        dtype, shape, data = obj.get("dtype"), obj.get("shape"), obj.get("v")
        if dtype not in DTYPES or type(shape) is not list or type(data) is not str or len(shape) > 32:
            raise WireError("malformed array")
        if not all(type(n) is int and 0 <= n for n in shape):
            raise WireError("malformed array shape")
        if len(data) > 2 * MAX_BYTES:
            raise WireError("array too large")
        raw = base64.b64decode(data.encode(), validate=True)
        size = math.prod(shape) * np.dtype(dtype).itemsize
        if size != len(raw):
            raise WireError("array data and shape disagree")
        return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()
    if tag in ("tuple", "list"):
        items = obj.get("v")
        if type(items) is not list or depth >= MAX_DEPTH:
            raise WireError(f"malformed {tag}")
        out = [decode(item, depth + 1) for item in items]
        return tuple(out) if tag == "tuple" else out
    raise WireError(f"unknown type tag {tag[:40]!r}")


def dumps(value) -> str:
    return json.dumps(encode(value))


def loads(text: str):
    if type(text) is not str or len(text) > 3 * MAX_BYTES:
        raise WireError("message too large")
    return decode(json.loads(text))


def request(args: tuple, kwargs: dict) -> str:
    """A call's arguments as JSON (the tests' side)."""
    for key in kwargs:
        if type(key) is not str:
            raise WireError("keyword names must be strings")
    return json.dumps({"args": encode(tuple(args)), "kwargs": {k: encode(v) for k, v in kwargs.items()}})


# --------------------------------------------------------------------------- the sandbox's side of a call
last = ""  # the JSON answer of the last `call` (the tests' kernel reads it as a user expression)


def call(name: str, text: str) -> None:
    """Call the notebook's function `name` with the arguments in `text`; store the answer in `last`.

    Everything the submission's function does, raises or returns is reported as data: {"ok": value} or
    {"error": exception class name, "message": ...}.
    """
    global last
    last = ""
    try:
        import __main__

        message = json.loads(text)
        args = decode(message["args"])
        kwargs = {k: decode(v) for k, v in message["kwargs"].items()}
        try:
            fn = getattr(__main__, name)
        except AttributeError:
            raise NameError(f"name {name!r} is not defined (the graded function is missing)") from None
        value = fn(*args, **kwargs)
        last = json.dumps({"ok": encode(value)})
    except BaseException as exc:  # the submission's error, whatever it is, is the tests' business
        last = json.dumps({"error": type(exc).__name__, "message": str(exc)[:4000]})
