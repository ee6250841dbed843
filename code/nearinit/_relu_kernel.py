"""The ReLU flip sum, fast and exact (private): blocked products and a sign-bit kernel.

``linearization_gap`` calls :func:`relu_gap` for the ReLU. The tuning constants live here and nowhere else.
"""

from __future__ import annotations

import numpy as np

_BLOCK = 1 << 22  # pre-activations per block: few, large BLAS calls (two float64 blocks of 32 MiB)
_SLICE = 1 << 15  # pre-activations per slice of the flip terms: two float64 slices of 256 KiB stay in cache
_MIN_SLICE = 8  # neurons per slice at least (many inputs: fewer, longer passes)
_SIGN = np.int64(np.iinfo(np.int64).min)  # the sign bit of a float64


def flip_terms(Zw, Zv, c: float) -> np.ndarray:
    """``w^T x (sigma'(w^T x) - sigma'(v^T x))`` per entry for ReLU with sigma'(0) = ``c`` (arguments checked)."""
    pos = np.maximum(Zw, 0.0)
    terms = np.where(Zv > 0, np.maximum(-Zw, 0.0), pos)
    if c != 0.0:
        terms = np.where(Zv == 0, pos - c * Zw, terms)
    return terms


def _negated_flip_terms(Zw, Zv, c: float) -> None:
    """Overwrite ``Zw`` with minus the flip terms; ``Zv`` is clobbered. Float64 (k, n) slices.

    When no entry of ``Zv`` is zero the flip term is max(-Zw sgn(Zv), 0) = -min(Zw sgn(Zv), 0), and the
    product by sgn(Zv) is an exact XOR of sign bits: three in-place passes, each term exact. A slice with an
    exact zero in ``Zv`` (where sigma'(0) decides) takes the plain formula.
    """
    if not Zv.all():
        np.negative(flip_terms(Zw, Zv, c), out=Zw)
        return
    zv_bits, zw_bits = Zv.view(np.int64), Zw.view(np.int64)
    np.bitwise_and(zv_bits, _SIGN, out=zv_bits)
    np.bitwise_xor(zw_bits, zv_bits, out=zw_bits)
    np.minimum(Zw, 0.0, out=Zw)


def block_rows(n: int) -> int:
    """Neurons per block for n >= 1 inputs: the most whose block holds at most ``_BLOCK`` pre-activations, and at
    least 1 (then n of them), so memory stays bounded whatever n and m."""
    return max(1, _BLOCK // n)


def relu_gap(W, V, a, X2, c: float) -> np.ndarray:
    """The flip sum sum_i a_i (flip term of neuron i) for every row of ``X2``; float64, arguments checked.

    Per block of neurons: two matrix products and one matrix-vector product, and in between the flip terms
    on cache-sized slices of the block.
    """
    n, m = X2.shape[0], V.shape[0]  # n >= 1 inputs
    block = min(block_rows(n), m)
    sub = max(_MIN_SLICE, _SLICE // n)
    XT = X2.T
    out = np.zeros(n)
    buf_w = np.empty((block, n))
    buf_v = np.empty((block, n))
    for lo in range(0, m, block):
        k = min(block, m - lo)
        Zw, Zv = buf_w[:k], buf_v[:k]
        np.matmul(W[lo : lo + k], XT, out=Zw)
        np.matmul(V[lo : lo + k], XT, out=Zv)
        for j in range(0, k, sub):
            _negated_flip_terms(Zw[j : j + sub], Zv[j : j + sub], c)
        out -= a[lo : lo + k] @ Zw
    return out
