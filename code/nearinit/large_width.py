"""The exact worst case of the ReLU gap at a random initialization, at widths far beyond storing W0.

:ref:`app-large-width`. For a fixed input x and W0 with iid N(0, I_d) rows, rotational
invariance makes the projections w_{0,i}^T x iid N(0, ||x||^2), and only the neurons with
a_i = +1 enter the supremum of :prf:ref:`thm-worst-case` (:func:`~nearinit.worst_case_gap`,
:prf:ref:`prop-random-worst-case`):

    sup_{||W - W0||_F <= B} (f - f_0)(x; W) = ||x|| max_{k >= 0} [B sqrt(k) - sum_{i <= k} g_(i)],

with g_(1) <= g_(2) <= ... the sorted abs(N(0, 1)) values of the M ~ Binomial(m, 1/2) eligible
neurons. :func:`~nearinit.random_worst_case` computes it in three ways (its ``method``):

* ``"sort"`` (the plain path): materialize all M projections and sort them;
* ``"streaming"`` (exact, bounded memory; the default): draw the same projections chunk by chunk,
  keep those below a threshold, and certify that the kept ones reach past the optimal k
  (:prf:ref:`lem-streaming-certificate`);
* ``"order_statistics"`` (exact in law, O(m^{2/3}) time): draw only the smallest
  order statistics, through the uniform order statistics S_i / S_{M+1} (:prf:ref:`prop-order-statistics`).

Both exact paths stop on :func:`~nearinit.concavity_certificate`, the test of the selection of chapter
:ref:`ch-main-lemma`. Each path refuses, before any work, widths beyond what it can do in minutes.

The infimum is the mirror image over the a_i = -1 neurons, with the same law.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import special

from ._validation import (
    MEMORY_BUDGET,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_rng,
    check_width,
)
from .worst_case import _check_scaled_radius, _sup_sorted, concavity_certificate

__all__ = [
    "RandomWorstCase",
    "eligible_projections",
    "random_worst_case",
]

_CHUNK = 1 << 20  # Gaussians drawn per chunk (8 MiB of float64): the memory of the streaming path
_MAX_CHUNK = 1 << 27  # largest chunk accepted (1 GiB of float64, the memory budget)
_MAX_MATERIALIZED = MEMORY_BUDGET // 8  # eligible_projections and method='sort' hold all M <= m projections
_MAX_KEPT = MEMORY_BUDGET // 16  # method='streaming': kept values (and their concatenation) within the budget
_MAX_STREAMED = 10**10  # method='streaming' draws every projection: about 2.5 minutes at 10**10
_MAX_ORDER_STATISTICS = 10**14  # method='order_statistics': time ~ m^(2/3), about 20 s at 10**14
_MAX_SCANNED = 2 * 10**9  # method='order_statistics': order statistics scanned, about a minute
_RHO = float(np.sqrt(2.0 / np.pi))  # density of |N(0, 1)| at 0


class RandomWorstCase(NamedTuple):
    """The exact worst case of a random initialization and what computing it touched.

    Attributes
    ----------
    value : float
        sup over the ball of (f - f_0)(x; W), in the units of f (it includes ||x||).
    k : int
        Number of neurons the maximizer flips (the smallest maximizing k).
    eligible : int
        M, the number of neurons with a_i = +1.
    drawn : int
        Random variates drawn (over all passes).
    kept : int
        Projections stored at once at the end (M for the sort path).
    passes : int
        Passes over the random stream (the streaming path redraws when a certificate fails).
    """

    value: float
    k: int
    eligible: int
    drawn: int
    kept: int
    passes: int


def _check_m(m, max_m: int) -> int:
    m = check_width("m", m)
    if m > max_m:
        raise ValueError(
            f"The 'm' parameter must be at most {max_m:.3g} on this path (the work or memory grows with m). "
            f'Got {m:.3g}; method="order_statistics" goes to {_MAX_ORDER_STATISTICS:.0e}.'
        )
    return m


def _check_chunk(chunk) -> int:
    return check_int("chunk", chunk, high=_MAX_CHUNK)


def _check(m, B, x_norm, chunk, *, max_m: int) -> tuple[int, float, float, int]:
    m = _check_m(m, max_m)
    B = check_nonnegative("B", B)
    x_norm = check_positive("x_norm", x_norm)
    chunk = _check_chunk(chunk)
    _check_scaled_radius(B, x_norm, m)
    return m, B, x_norm, chunk


def _stream_entropy(rng) -> int:
    """A 128-bit seed for the projection stream, so that a pass can be replayed exactly."""
    words = check_rng(rng).integers(2**32, size=4)  # four 32-bit words in [0, 2**32)
    return int(sum(int(w) << (32 * j) for j, w in enumerate(words)))


def _stream(entropy: int, m: int):
    """Generator for one realization: M ~ Binomial(m, 1/2), then the M projections in order."""
    gen = np.random.default_rng(np.random.SeedSequence(entropy))
    return gen, int(gen.binomial(m, 0.5))


def _chunks(gen, M: int, chunk: int):
    """Yield the M standard Gaussians of the realization, ``chunk`` at a time, in one reused buffer."""
    buf = np.empty(min(chunk, M))
    for lo in range(0, M, chunk):
        out = buf[: min(chunk, M - lo)]
        gen.standard_normal(out=out)
        yield out


def eligible_projections(m, *, rng=None, chunk=_CHUNK) -> np.ndarray:
    """Return the projections w_{0,i}^T x / ||x|| of the a_i = +1 neurons of a random initialization.

    The realization of ``random_worst_case(method="sort")`` and ``random_worst_case(method="streaming")`` for the same
    ``rng``: M ~ Binomial(m, 1/2), then M iid N(0, 1) values (rotational invariance,
    :prf:ref:`lem-rotation`). Memory 8 M bytes.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 2**27`` (about 1.34e8; refused beyond: the projections would pass
        ``nearinit.MEMORY_BUDGET``).
    rng : None, int or numpy.random.Generator
        Seed of the realization.
    chunk : int, default 2**20
        Accepted for the paths that take it (``1 <= chunk <= 2**27``); the realization does not depend on it
        (the generator draws the same Gaussians in one block or in chunks).

    Returns
    -------
    (M,) ndarray

    Examples
    --------
    >>> z = eligible_projections(1000, rng=0)
    >>> z.shape[0] == _worst_case_sort(1000, 1.0, rng=0).eligible
    True
    """
    m = _check_m(m, _MAX_MATERIALIZED)
    _check_chunk(chunk)
    gen, M = _stream(_stream_entropy(rng), m)
    return gen.standard_normal(M)


def _worst_case_sort(m, B, *, x_norm=1.0, rng=None, chunk=_CHUNK) -> RandomWorstCase:
    """Exact worst case of a random width-m network by sorting all projections (the plain path).

    :prf:ref:`prop-random-worst-case`.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 2**27`` (about 1.34e8).
    B : float
        Radius of the Frobenius ball, ``B >= 0``.
    x_norm : float, default 1.0
        ||x|| > 0.
    rng : None, int or numpy.random.Generator
        Seed of the realization (see :func:`~nearinit.eligible_projections`).
    chunk : int, default 2**20
        Accepted as by the other paths (``1 <= chunk <= 2**27``); the projections are drawn in one block.

    Returns
    -------
    RandomWorstCase
        ``value`` is the formula of :prf:ref:`thm-worst-case` on the sorted ``x_norm * abs(g)``.

    Notes
    -----
    O(M log M) time and 8 M bytes; the reference for the two fast paths.

    Examples
    --------
    >>> w = _worst_case_sort(1000, 1.0, rng=0)
    >>> w.value > 0, w.k < w.eligible, w.kept == w.eligible
    (True, True, True)
    """
    m, B, x_norm, chunk = _check(m, B, x_norm, chunk, max_m=_MAX_MATERIALIZED)
    z = eligible_projections(m, rng=rng)  # the same realization whatever the chunk
    M = z.size
    np.abs(z, out=z)
    z.sort()
    z *= x_norm
    value, k = _sup_sorted(z, B * x_norm)
    return RandomWorstCase(value, k, M, M, M, 1)


def _threshold(M: int, B: float, margin: float) -> float:
    """``margin`` times the t with t = B / (2 sqrt(M rho t)), where the certificate starts to hold."""
    return margin * (B * B / (4.0 * max(M, 1) * _RHO)) ** (1.0 / 3.0)


def _streaming_pass(entropy: int, m: int, t: float, chunk: int, B: float) -> tuple[np.ndarray, int]:
    """Draw the realization once and keep the abs(g) < t, in a reused buffer; refuse past the memory budget."""
    gen, M = _stream(entropy, m)
    kept, n_kept = [], 0
    for block in _chunks(gen, M, chunk):
        np.abs(block, out=block)
        kept.append(block[block < t])
        n_kept += kept[-1].size
        if n_kept > _MAX_KEPT:
            raise ValueError(
                f"The 'B' parameter is too large for m = {m:.3g} on the streaming path: over {_MAX_KEPT:.3g} "
                f"projections fall below the threshold t = {t:.3g}, so keeping them would pass "
                f'nearinit.MEMORY_BUDGET (use method="order_statistics"). Got B = {B!r}.'
            )
    return (np.concatenate(kept) if kept else np.empty(0)), M


def _worst_case_streaming(m, B, *, x_norm=1.0, rng=None, chunk=_CHUNK, margin=1.2) -> RandomWorstCase:
    """Exact worst case of a random width-m network in bounded memory (same realization as the sort).

    Draws the projections of :func:`~nearinit.eligible_projections` chunk by chunk, keeps the abs(g) below a
    threshold t and maximizes over them. The result is certified exact (:prf:ref:`lem-streaming-certificate`):
    every discarded value is >= t, and if t >= B (sqrt(K+1) - sqrt(K)) for the K kept values
    (:func:`~nearinit.concavity_certificate`), the objective's increments B (sqrt(j) - sqrt(j-1)) - g_(j) are
    <= 0 for all j > K. Otherwise t grows by 1.5 and the pass is redrawn from the same seed.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**10`` (refused beyond: every projection is drawn, about 15 s per 10**9).
    B : float
        Radius of the Frobenius ball, ``B >= 0``.
    x_norm : float, default 1.0
        ||x|| > 0.
    rng : None, int or numpy.random.Generator
        Seed of the realization.
    chunk : int, default 2**20
        Gaussians per chunk; memory is about 16 ``chunk`` bytes plus the kept values (refused, naming ``B``, when
        more than 2**26 values are expected below the first threshold, before any draw, or fall below a threshold:
        a large B at a large m).
    margin : float, default 1.2
        First threshold over the value (B^2 / (4 M rho))^(1/3) at which the certificate starts to
        hold for large M; a smaller margin only costs extra passes.

    Returns
    -------
    RandomWorstCase
        Equal to ``random_worst_case(method="sort")`` on the same ``rng`` (whatever the ``chunk``).

    Notes
    -----
    About (1.2 rho)^(2/3) (B M / 2)^(2/3) values are kept, O(m^(2/3)); the time is that of drawing
    the M ~ m/2 Gaussians.
    """
    m, B, x_norm, chunk = _check(m, B, x_norm, chunk, max_m=_MAX_STREAMED)
    margin = check_positive("margin", margin)
    entropy = _stream_entropy(rng)
    M = _stream(entropy, m)[1]
    t, passes = _threshold(M, B, margin), 0
    expected = M * float(special.erf(t / np.sqrt(2.0)))  # E[kept] = M P(abs(g) < t), before any Gaussian is drawn
    if expected > _MAX_KEPT:
        raise ValueError(
            f"The 'B' parameter is too large for m = {m:.3g} on the streaming path: about {expected:.3g} projections "
            f"are expected below the threshold t = {t:.3g}, over {_MAX_KEPT:.3g} (nearinit.MEMORY_BUDGET); "
            f'use method="order_statistics". Got B = {B!r}.'
        )
    while True:
        kept, _ = _streaming_pass(entropy, m, t, chunk, B)
        passes += 1
        if kept.size == M or concavity_certificate(kept.size, B, t):
            break
        t *= 1.5
    kept.sort()
    kept *= x_norm
    value, k = _sup_sorted(kept, B * x_norm)
    return RandomWorstCase(value, k, M, passes * M, kept.size, passes)


def _scan(g, k0: int, s0: float, B: float) -> tuple[float, int]:
    """Max over k0 <= k <= k0 + len(g) of B sqrt(k) - s_k, s_k0 = s0 and s0 + cumsum(g) after; smallest argmax."""
    prefix = np.empty(g.size + 1)
    prefix[0] = 0.0
    np.cumsum(g, out=prefix[1:])
    prefix += s0
    vals = B * np.sqrt(np.arange(k0, k0 + g.size + 1)) - prefix
    j = int(np.argmax(vals))
    return float(vals[j]), k0 + j


# erfinv(y) = w (1 + w^2/3 + 7 w^4/30 + 127 w^6/630 + 4369 w^8/22680 + ...), w = sqrt(pi) y / 2
_ERFINV_SERIES = (4369.0 / 22680.0, 127.0 / 630.0, 7.0 / 30.0, 1.0 / 3.0, 1.0)
_SERIES_MAX_U = 0.02  # the first omitted term, 34807 w^10 / 178200 < 1e-18 relative, is below rounding


def _half_normal_quantile(u):
    """The inverse CDF of abs(N(0, 1)): q = sqrt(2) erfinv(u), so that P(abs(g) <= q) = erf(q / sqrt 2) = u.

    ``u`` is sorted; when its largest entry is below 0.02 (always, at large widths) the Maclaurin
    series of erfinv to w^9 is exact to rounding and four times faster than ``scipy.special.erfinv``.
    """
    top = u[-1]
    if top > _SERIES_MAX_U:  # pragma: no mutate (>= differs only at top == 0.02, where both branches are exact)
        return np.sqrt(2.0) * special.erfinv(u)
    v = u * u
    v *= np.pi / 4.0
    p = np.zeros_like(v)
    for coef in _ERFINV_SERIES:
        p *= v
        p += coef
    p *= u
    p *= np.sqrt(np.pi / 2.0)
    return p


def _next_order_statistics(gen, u0: float, remaining: int, c: int) -> np.ndarray:
    """The next c uniform order statistics after u0, given ``remaining`` uniforms above it.

    Given U_(k) = u0, the other ``remaining`` uniforms are iid on (u0, 1); their smallest c are
    u0 + (1 - u0) S_i / S_{remaining+1} with S_i sums of iid Exp(1), and
    S_{remaining+1} - S_c ~ Gamma(remaining + 1 - c) drawn in one variate.
    """
    S = gen.standard_exponential(c)
    np.cumsum(S, out=S)
    total = S[-1] + gen.standard_gamma(remaining + 1 - c)
    S *= (1.0 - u0) / total
    S += u0
    return S


def _worst_case_order_statistics(m, B, *, x_norm=1.0, rng=None, chunk=1 << 16) -> RandomWorstCase:
    """Draw the worst case of a random width-m network from its exact law in O(m^(2/3)) time.

    M ~ Binomial(m, 1/2); the smallest order statistics of M iid abs(N(0, 1)) are the half-normal
    quantiles of uniform order statistics, drawn in increasing order in chunks
    (:prf:ref:`prop-order-statistics`). The scan stops at the first chunk whose last increment
    B (sqrt(k) - sqrt(k-1)) - g_(k) is <= 0 (:func:`~nearinit.concavity_certificate`): no larger k pays off. Same law as
    ``random_worst_case(method="sort")``, not the same realization.

    Parameters
    ----------
    m : int
        Width, ``1 <= m <= 10**14``: the time grows like m^(2/3) (about a second at 10^12, 20 s at
        10^14); larger widths are refused before any work, and so is a ``B`` for which the scan would reach
        more than 2e9 order statistics (about min(m, (B m rho / 2)^(2/3))).
    B : float
        Radius of the Frobenius ball, ``B >= 0``.
    x_norm : float, default 1.0
        ||x|| > 0.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    chunk : int, default 2**16
        Largest number of order statistics drawn at a time (memory about 40 ``chunk`` bytes; small
        chunks stay in cache and stop closer to the maximizer).

    Returns
    -------
    RandomWorstCase
        ``drawn`` counts the exponential and Gamma variates, ``kept`` the largest chunk.
    """
    m, B, x_norm, chunk = _check(m, B, x_norm, chunk, max_m=_MAX_ORDER_STATISTICS)
    # the scan reaches about min(M, (B M rho / 2)^(2/3)) order statistics (M <= m), one pass: bound it before any draw
    scanned = min(float(m), (B * _RHO / 2.0) ** (2.0 / 3.0) * float(m) ** (2.0 / 3.0))
    if scanned > _MAX_SCANNED:
        raise ValueError(
            f"The 'B' parameter is too large for m = {m:.3g} on this path: the scan could reach {scanned:.3g} "
            f"order statistics, over {_MAX_SCANNED:.3g} (the work grows like (B m)^(2/3)). Got B = {B!r}."
        )
    gen = check_rng(rng)
    M = int(gen.binomial(m, 0.5))
    # a guess of the maximizer, capped at M (B M can overflow); it only sets the chunk sizes below
    k_star = min(float(M), (B * M * _RHO / 2.0) ** (2.0 / 3.0))  # pragma: no mutate (chunk sizes: the same law)
    k, s, u, drawn, biggest = 0, 0.0, 0.0, 1, 0
    best, k_best = 0.0, 0
    while k < M:
        c = max(1024, int(1.05 * k_star) - k, k >> 6)  # pragma: no mutate (a chunk size: the same law)
        c = min(chunk, M - k, c)
        U = _next_order_statistics(gen, u, M - k, c)
        g = _half_normal_quantile(U)
        drawn, biggest = drawn + c + 1, max(biggest, c)
        if k + c == M or concavity_certificate(k + c - 1, B, float(g[-1])):
            best, k_best = _scan(g, k, s, B)
            break
        # every increment so far was > 0 (they decrease with k), so the maximum is still ahead
        k, s, u = k + c, s + float(np.sum(g)), float(U[-1])
    return RandomWorstCase(x_norm * best, k_best, M, drawn, biggest, 1)


_PATHS = {
    "sort": _worst_case_sort,
    "streaming": _worst_case_streaming,
    "order_statistics": _worst_case_order_statistics,
}


def random_worst_case(m, B, *, x_norm=1.0, rng=None, method="streaming", chunk=None) -> RandomWorstCase:
    """The exact worst case sup_{||W - W0||_F <= B} (f - f_0)(x; W) of a random width-m network.

    :prf:ref:`prop-random-worst-case`: W0 with iid N(0, I_d) rows, random signs a, a fixed input of norm
    ``x_norm``; W0 is never stored (for a given network, see :func:`~nearinit.worst_case_gap`).

    Parameters
    ----------
    m : int
        Width, ``m >= 1``, at most 2**27 ~ 1.34e8 (``"sort"``), 10**10 (``"streaming"``) or 10**14
        (``"order_statistics"``): refused beyond, before any work.
    B : float
        Radius of the Frobenius ball, ``B >= 0``.
    x_norm : float, default 1.0
        ||x|| > 0.
    rng : None, int or numpy.random.Generator
        Seed of the realization.
    method : {"streaming", "sort", "order_statistics"}, default "streaming"
        ``"sort"`` draws the M ~ Binomial(m, 1/2) eligible projections (:func:`eligible_projections`) and
        sorts them: O(M log M) time, 8 M bytes (the reference). ``"streaming"`` draws the same realization
        chunk by chunk and keeps the values below a threshold, certified exact (:prf:ref:`lem-streaming-certificate`):
        the same value as ``"sort"`` for the same ``rng``, in O(m^{2/3}) memory. ``"order_statistics"``
        draws only the smallest order statistics from their exact law (:prf:ref:`prop-order-statistics`):
        O(m^{2/3}) time, the same law but not the same realization.
    chunk : int, optional
        Values drawn at a time (default 2**20, or 2**16 for ``"order_statistics"``); it sets the memory of
        ``"streaming"`` and ``"order_statistics"``, not the realization of ``"sort"`` and ``"streaming"``.

    Returns
    -------
    RandomWorstCase

    Examples
    --------
    >>> s = random_worst_case(10**5, 1.0, rng=1)
    >>> s.value == random_worst_case(10**5, 1.0, rng=1, method="sort").value, s.kept < s.eligible // 10
    (True, True)
    >>> w = random_worst_case(10**9, 1.0, rng=0, method="order_statistics")  # sup / (B^(4/3) m^(1/3)) ~ 0.4382
    >>> round(w.value / 10**3, 2), w.k <= w.drawn < w.eligible // 1000
    (0.44, True)
    """
    method = check_choice("method", method, tuple(_PATHS))
    chunk_arg = {} if chunk is None else {"chunk": chunk}  # None: the path's own default
    return _PATHS[method](m, B, x_norm=x_norm, rng=rng, **chunk_arg)
