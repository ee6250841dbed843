"""From "almost linear" to kernel training: kernel stability in the ball, the radius of gradient descent on the
linear model, the failure probability of the main lemma, and a sharp pair for the general-base theorem.

Chapter ``ch-toward-ntk`` (Corollary ``cor-kernel-stability``, Proposition ``prop-gd-radius``) and chapter
``ch-main-lemma`` (the failure-probability estimate of Lemma ``lem-main``, Exercise ``ex-general-base-sharp``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_inputs, check_int, check_real, check_weights

__all__ = [
    "FailureEstimate",
    "GeneralBasePair",
    "KernelChange",
    "PathGap",
    "activation_changes",
    "clopper_pearson",
    "gap_along_training",
    "gd_radius",
    "general_base_pair",
    "general_base_pair_constant",
    "kernel_change_extremes",
    "kernel_stability_bound",
    "kernel_stability_constant",
    "linear_gd_distance",
    "main_lemma_failure_rate",
]


def activation_changes(W, W0, X) -> np.ndarray:
    """Return, for each input, how many neurons change their ReLU activation between ``W0`` and ``W``.

    The count of i with 1{w_i^T x > 0} != 1{w_{0,i}^T x > 0} (the minimum-norm convention sigma'(0) = 0). By the
    proof of Lemma ``lem-main`` every such i lies in the bad set S(x) = S_1(x) cup S_2, which is what
    Corollary ``cor-kernel-stability`` counts.

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
    changes = np.count_nonzero((X2 @ W.T > 0) != (X2 @ W0.T > 0), axis=1)
    return int(changes[0]) if single else changes


def kernel_stability_bound(m, B, delta, *, tau=None, c=1.0) -> float:
    """Return the bound of Corollary ``cor-kernel-stability`` on abs(K_W - K_{W0})(x, x') / abs(x^T x').

    With probability >= 1 - delta over W0, simultaneously for all W with ||W - W0||_F <= B, for the two fixed
    inputs x, x' (scaled model, abs(a_i) <= 1):
    abs(K_W(x, x') - K_{W0}(x, x')) <= abs(x^T x') (abs(S_1(x)) + abs(S_1(x')) + abs(S_2)) / m
    <= abs(x^T x') (2 (c m tau + sqrt((m/2) ln(2/delta))) + B^2/tau^2) / m.
    The default tau = (B^2/(c m))^{1/3} minimizes the right side, which is then
    3 c^{2/3} B^{2/3} m^{-1/3} + 2 sqrt(ln(2/delta)/(2m)).

    Parameters
    ----------
    m : int
        Width, ``m >= 1``.
    B : float
        Radius, ``B >= 0`` (``B > 0`` unless ``tau`` is given; at B = 0 the kernel does not move and the
        bound is 0).
    delta : float
        Failure probability, in (0, 1) (split as delta/2 per input).
    tau : float, optional
        Threshold, ``> 0``, fixed before W0 is drawn.
    c : float, default 1.0
        The constant rho of p <= rho tau: 1 or sqrt(2/pi).

    Returns
    -------
    float

    Examples
    --------
    >>> round(kernel_stability_bound(10**6, 1.0, 0.05), 4)
    0.0327
    >>> kernel_stability_bound(100, 0.0, 0.05)
    0.0
    """
    m = check_int("m", m)
    B = check_real("B", B, low=0.0)
    delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
    c = check_real("c", c, low=0.0, low_open=True)
    if tau is None:
        if B == 0:
            return 0.0
        tau = (B**2 / (c * m)) ** (1.0 / 3.0)
    tau = check_real("tau", tau, low=0.0, low_open=True)
    deviation = math.sqrt(0.5 * m * math.log(2.0 / delta))
    return (2.0 * (c * m * tau + deviation) + B**2 / tau**2) / m


def kernel_stability_constant(*, c=1.0) -> float:
    """Return 3 c^{2/3}, the leading constant of :func:`kernel_stability_bound` (times B^{2/3} m^{-1/3}).

    Examples
    --------
    >>> kernel_stability_constant()
    3.0
    """
    c = check_real("c", c, low=0.0, low_open=True)
    return 3.0 * c ** (2.0 / 3.0)


class KernelChange(NamedTuple):
    """Exact extremes of K_W(x, x) - K_{W0}(x, x) over the ball (see :func:`kernel_change_extremes`).

    Attributes
    ----------
    up : float
        Supremum of the increase; approached by ``W_up`` (attained when no projection is 0).
    down : float
        Largest decrease (a nonnegative number), attained by ``W_down``.
    n_up, n_down : int
        Numbers of neurons switched on by ``W_up`` and off by ``W_down``.
    W_up, W_down : (m, d) ndarray
        The maximizers, within the ball.
    """

    up: float
    down: float
    n_up: int
    n_down: int
    W_up: np.ndarray
    W_down: np.ndarray


def _cheapest(cost: np.ndarray, B: float, strict: bool) -> np.ndarray:
    """Indices of the most neurons whose summed costs fit in B^2 (strictly below it if ``strict``)."""
    order = np.argsort(cost, kind="stable")
    total = np.cumsum(cost[order])
    k = np.count_nonzero(total < B**2) if strict else np.count_nonzero(total <= B**2)
    return order[:k]


def _moved(W0, u, idx, cost, B, direction) -> np.ndarray:
    """W0 with rows ``idx`` moved along ``direction * u`` by sqrt(cost + slack), the slack using up B."""
    W = W0.copy()
    if idx.size:
        slack = max(B**2 - float(np.sum(cost[idx])), 0.0) / idx.size
        W[idx] += direction * np.sqrt(cost[idx] + slack)[:, None] * u
    return W


def kernel_change_extremes(W0, a, x, B) -> KernelChange:
    """Return the exact extremes of K_W(x, x) - K_{W0}(x, x) over ||W - W0||_F <= B (scaled model).

    K_W(x, x) = ||x||^2 (1/m) sum_i a_i^2 1{w_i^T x > 0}. Switching neuron i on (off) needs
    ||w_i - w_{0,i}|| > z_i (>= z_i) with z_i = abs(w_{0,i}^T x)/||x||, and moving along x achieves it, so the
    largest increase switches on the off neurons with the smallest z_i while sum z_i^2 < B^2, and the largest
    decrease switches off the cheapest on neurons while sum z_i^2 <= B^2 (Corollary ``cor-kernel-stability``
    bounds both). Requires a_i^2 = 1.

    Parameters
    ----------
    W0 : (m, d) ndarray
    a : (m,) ndarray
        Outer weights in {-1, +1}.
    x : (d,) ndarray
        Nonzero input.
    B : float
        Radius, ``>= 0``.

    Returns
    -------
    KernelChange

    Examples
    --------
    >>> W0 = np.array([[0.3], [-0.4], [2.0]])
    >>> res = kernel_change_extremes(W0, np.ones(3), np.array([1.0]), 0.5)
    >>> res.n_up, res.n_down, round(res.up, 4), round(res.down, 4)
    (1, 1, 0.3333, 0.3333)
    """
    W0, a = check_weights(W0, a, W_name="W0")
    if not np.all(np.abs(a) == 1):
        raise ValueError("The 'a' parameter must have entries in {-1, +1}. Got other values.")
    x = as_array("x", x, ndim=(1,))
    if x.shape[0] != W0.shape[1] or not np.any(x):
        raise ValueError(f"The 'x' parameter must be a nonzero vector of length {W0.shape[1]}. Got {x!r}.")
    B = check_real("B", B, low=0.0)
    norm = float(np.linalg.norm(x))
    u = x / norm
    z = W0 @ x / norm
    on = z > 0
    cost = z**2
    up_idx = _cheapest(np.where(on, np.inf, cost), B, strict=True)
    down_idx = _cheapest(np.where(on, cost, np.inf), B, strict=False)
    m = W0.shape[0]
    return KernelChange(
        norm**2 * up_idx.size / m,
        norm**2 * down_idx.size / m,
        int(up_idx.size),
        int(down_idx.size),
        _moved(W0, u, up_idx, cost, B, 1.0),
        _moved(W0, u, down_idx, cost, B, -1.0),
    )


def _check_kernel(K, r0) -> tuple[np.ndarray, np.ndarray]:
    K = as_array("K", K, ndim=(2,))
    r0 = as_array("r0", r0, ndim=(1,))
    n = r0.shape[0]
    if K.shape != (n, n):
        raise ValueError(f"The 'K' parameter must be a square matrix of size len(r0) = {n}. Got shape {K.shape}.")
    if not np.allclose(K, K.T, rtol=1e-12, atol=1e-12):
        raise ValueError("The 'K' parameter must be symmetric. Got a matrix with K != K^T.")
    return K, r0


def gd_radius(K, r0) -> float:
    """Return sqrt(r0^T K^{-1} r0), the radius of gradient descent on the linear model (Prop. ``prop-gd-radius``).

    For the linearization f~_0 trained by gradient descent on (1/2n) sum_j r_j^2 with step size lr and
    lr lambda_max(K)/n <= 1, every iterate satisfies ||W_t - W_0||_F <= sqrt(r0^T K^{-1} r0), and the distance
    tends to it as t -> infinity; K is the tangent kernel matrix of the training inputs, r0 the residuals at W0.

    Parameters
    ----------
    K : (n, n) ndarray
        Symmetric positive definite kernel matrix.
    r0 : (n,) ndarray
        Initial residuals f~(x_j; W0) - y_j.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``K`` is not symmetric positive definite, or the shapes do not match.

    Examples
    --------
    >>> round(gd_radius(np.array([[2.0, 0.0], [0.0, 0.5]]), np.array([1.0, 1.0])), 4)
    1.5811
    """
    K, r0 = _check_kernel(K, r0)
    lam, U = np.linalg.eigh(K)
    if lam[0] <= 1e-12 * max(lam[-1], 1e-300):
        raise ValueError(
            f"The 'K' parameter must be positive definite. Got smallest eigenvalue {lam[0]:.3g} "
            f"(largest {lam[-1]:.3g})."
        )
    coef = U.T @ r0
    return float(math.sqrt(np.sum(coef**2 / lam)))


def linear_gd_distance(K, r0, *, lr, steps) -> np.ndarray:
    """Return ||W_t - W_0||_F for t = 0..steps of gradient descent on the linear model, from K and r0 only.

    W_t - W_0 = -J^T K^+ (I - (I - lr K/n)^t) r0 with J the Jacobian (J J^T = K), so
    ||W_t - W_0||_F^2 = sum_j (1 - (1 - lr lambda_j/n)^t)^2 (u_j^T r0)^2 / lambda_j over the eigenpairs of K
    (terms with lambda_j = 0 vanish). Proposition ``prop-gd-radius``.

    Parameters
    ----------
    K : (n, n) ndarray
        Symmetric positive semidefinite kernel matrix of the training inputs.
    r0 : (n,) ndarray
        Initial residuals.
    lr : float
        Step size, ``> 0``.
    steps : int
        Number of steps, ``>= 0``.

    Returns
    -------
    (steps + 1,) ndarray

    Examples
    --------
    >>> d = linear_gd_distance(np.array([[2.0, 0.0], [0.0, 0.5]]), np.array([1.0, 1.0]), lr=1.0, steps=200)
    >>> round(float(d[-1]), 4), bool(np.all(np.diff(d) >= 0))
    (1.5811, True)
    """
    K, r0 = _check_kernel(K, r0)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    steps = check_int("steps", steps, low=0)
    lam, U = np.linalg.eigh(K)
    coef = U.T @ r0
    keep = lam > 1e-12 * max(lam[-1], 1e-300)
    q = 1.0 - lr * lam[keep] / r0.shape[0]
    t = np.arange(steps + 1)[:, None]
    shrink = (1.0 - q[None, :] ** t) ** 2
    return np.sqrt(shrink @ (coef[keep] ** 2 / lam[keep]))


def clopper_pearson(k, n, *, confidence=0.95) -> tuple[float, float]:
    """Return the exact (Clopper-Pearson) confidence interval for a binomial proportion k/n.

    Examples
    --------
    >>> lo, hi = clopper_pearson(0, 10)
    >>> lo, round(hi, 4)
    (0.0, 0.3085)
    """
    from scipy import stats

    n = check_int("n", n)
    k = check_int("k", k, low=0)
    if k > n:
        raise ValueError(f"The 'k' parameter must be at most n = {n}. Got {k} instead.")
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    alpha = 1.0 - confidence
    lo = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


class FailureEstimate(NamedTuple):
    """Monte Carlo estimate of the failure probability of Lemma ``lem-main`` (:func:`main_lemma_failure_rate`).

    Attributes
    ----------
    failures : int
        Initializations where the exact worst case over the ball exceeds the bound.
    count_failures : int
        Initializations where the proof's only random event fails: abs(S_1) > c m tau + sqrt((m/2) ln(1/delta)).
    trials : int
    interval : tuple of float
        Clopper-Pearson interval for the failure probability (``failures``).
    count_interval : tuple of float
        The same for ``count_failures``.
    largest_ratio : float
        Largest (worst case)/(bound) over the trials.
    """

    failures: int
    count_failures: int
    trials: int
    interval: tuple[float, float]
    count_interval: tuple[float, float]
    largest_ratio: float


def main_lemma_failure_rate(m, B, delta, trials, *, tau=None, c=1.0, bound_factor=1.0, confidence=0.95, rng=None):
    """Estimate P(sup over the ball of abs(f - f_0) > bound of Lemma ``lem-main``) over random initializations.

    Each trial draws the projections z = W0 x (||x|| = 1) and the signs a (rotational invariance,
    :func:`nearinit.sample_projections`), computes the exact supremum of abs(f - f_0) over ||W - W0||_F <= B
    (Theorem ``thm-worst-case``, both signs) and compares it with ``bound_factor`` times
    :func:`nearinit.main_lemma_bound`. It also records the proof's random event, the count of S_1 against
    c m tau + sqrt((m/2) ln(1/delta)), which contains the lemma's failure event. ``bound_factor < 1`` tests a
    deliberately false, smaller bound: the estimate must then exceed delta.

    Parameters
    ----------
    m : int
        Width, ``m >= 1``.
    B : float
        Radius, ``> 0``.
    delta : float
        In (0, 1).
    trials : int
        Number of initializations, ``>= 1``.
    tau : float, optional
        Threshold (default the slides' B^{2/3} m^{-1/3}).
    c : float, default 1.0
        1 or sqrt(2/pi), as in :func:`nearinit.main_lemma_bound`.
    bound_factor : float, default 1.0
        Multiplies the bound (``> 0``).
    confidence : float, default 0.95
        Level of the Clopper-Pearson intervals.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    FailureEstimate

    Examples
    --------
    >>> est = main_lemma_failure_rate(200, 1.0, 0.1, 50, rng=0)
    >>> est.failures, est.trials, bool(est.interval[1] < 0.1)
    (0, 50, True)
    """
    from .main_lemma import main_lemma_bound, slides_tau
    from .worst_case import sample_projections, worst_case_gap_from_projections

    m = check_int("m", m)
    B = check_real("B", B, low=0.0, low_open=True)
    trials = check_int("trials", trials)
    bound_factor = check_real("bound_factor", bound_factor, low=0.0, low_open=True)
    tau = slides_tau(m, B) if tau is None else check_real("tau", tau, low=0.0, low_open=True)
    bound = bound_factor * main_lemma_bound(m, B, delta, tau=tau, c=c)
    count_bound = c * m * tau + math.sqrt(0.5 * m * math.log(1.0 / delta))
    rng = np.random.default_rng(rng)
    failures = count_failures = 0
    largest = 0.0
    for _ in range(trials):
        z, a = sample_projections(m, rng=rng)
        sup = worst_case_gap_from_projections(z, a, B).value
        inf = worst_case_gap_from_projections(z, a, B, sign=-1).value
        worst = max(sup, -inf)
        largest = max(largest, worst / bound)
        failures += worst > bound
        count_failures += np.count_nonzero(np.abs(z) <= tau) > count_bound
    return FailureEstimate(
        int(failures),
        int(count_failures),
        trials,
        clopper_pearson(int(failures), trials, confidence=confidence),
        clopper_pearson(int(count_failures), trials, confidence=confidence),
        float(largest),
    )


class GeneralBasePair(NamedTuple):
    """A pair (V, W) in the ball around V0 with a large gap f(x; W) - f_V(x; W) (:func:`general_base_pair`)."""

    V: np.ndarray
    W: np.ndarray
    value: float
    k: int


def general_base_pair(W0, a, x, B) -> GeneralBasePair:
    """Return the pair of Exercise ``ex-general-base-sharp`` for Theorem ``thm-general-base``.

    Among the neurons with a_i = +1 take the k cheapest, k the largest with sum_{i <= k} z_(i)^2 < B^2
    (z_i = abs(w_{0,i}^T x)/||x||). V moves them along x just across zero (using up the budget B), W moves them
    by B/sqrt(k) each, away from zero on W0's side. Then ||V - V0||_F = ||W - V0||_F = B and
    f(x; W) - f_V(x; W) = ||x|| (B sqrt(k) + sum_{i <= k} z_(i)), which for a Gaussian V0 = W0 grows like
    :func:`general_base_pair_constant` times ||x|| B^{4/3} m^{1/3}.

    Parameters
    ----------
    W0 : (m, d) ndarray
    a : (m,) ndarray
        Outer weights in {-1, +1}.
    x : (d,) ndarray
        Nonzero input.
    B : float
        Radius, ``> 0``.

    Returns
    -------
    GeneralBasePair

    Examples
    --------
    >>> W0 = np.array([[0.3], [-0.4], [2.0]])
    >>> pair = general_base_pair(W0, np.ones(3), np.array([1.0]), 0.51)
    >>> pair.k, round(pair.value, 4)
    (2, 1.4212)
    """
    W0, a = check_weights(W0, a, W_name="W0")
    if not np.all(np.abs(a) == 1):
        raise ValueError("The 'a' parameter must have entries in {-1, +1}. Got other values.")
    x = as_array("x", x, ndim=(1,))
    if x.shape[0] != W0.shape[1] or not np.any(x):
        raise ValueError(f"The 'x' parameter must be a nonzero vector of length {W0.shape[1]}. Got {x!r}.")
    B = check_real("B", B, low=0.0, low_open=True)
    norm = float(np.linalg.norm(x))
    u = x / norm
    zs = W0 @ x / norm
    cost = np.where((a == 1) & (zs != 0), zs**2, np.inf)
    idx = _cheapest(cost, B, strict=True)
    k = int(idx.size)
    side = np.sign(zs[idx])[:, None]
    V = _moved(W0, u, idx, cost, B, 1.0)
    V[idx] = W0[idx] - side * (V[idx] - W0[idx])  # across zero, against W0's side
    W = W0.copy()
    if k:
        W[idx] += side * (B / math.sqrt(k)) * u
    value = norm * (B * math.sqrt(k) + float(np.sum(np.abs(zs[idx]))))
    return GeneralBasePair(V, W, value, k)


def general_base_pair_constant() -> float:
    """Return (3/(2 pi))^{1/6} + (sqrt(2 pi)/2) (3/(2 pi))^{2/3} ~ 1.6497, the growth constant of the pair.

    With z_(i) ~ i sqrt(2 pi)/m for the a_i = +1 neurons, sum_{i <= k} z_(i)^2 ~ 2 pi k^3/(3 m^2) = B^2 gives
    k ~ (3 B^2 m^2/(2 pi))^{1/3}, and B sqrt(k) + sum z_(i) ~ this constant times B^{4/3} m^{1/3}.

    Examples
    --------
    >>> round(general_base_pair_constant(), 4)
    1.6497
    """
    r = 3.0 / (2.0 * math.pi)
    return r ** (1.0 / 6.0) + 0.5 * math.sqrt(2.0 * math.pi) * r ** (2.0 / 3.0)


class PathGap(NamedTuple):
    """The lemma's quantity along a gradient-descent path (:func:`gap_along_training`).

    Attributes
    ----------
    gaps : (steps + 1, n_check) ndarray
        f~(x; W_t) - f~_0(x; W_t) at each checked input, for t = 0..steps (scaled model).
    distances : (steps + 1,) ndarray
        ||W_t - W_0||_F.
    W : (m, d) ndarray
        The last iterate.
    """

    gaps: np.ndarray
    distances: np.ndarray
    W: np.ndarray


def gap_along_training(W0, a, X, y, X_check, *, lr, steps) -> PathGap:
    """Train the scaled ReLU network by gradient descent and record f~ - f~_0 at ``X_check`` after every step.

    The quantity of Lemma ``lem-main`` (network against its own linearization at W_0, at the same weights W_t),
    not the distance between two trajectories. The steps are those of :func:`nearinit.train_first_layer`.

    Parameters
    ----------
    W0 : (m, d) ndarray
    a : (m,) ndarray
    X : (n, d) ndarray
        Training inputs.
    y : (n,) ndarray
        Targets.
    X_check : (k, d) ndarray
        Inputs at which the gap is recorded.
    lr : float
        Step size, ``> 0``.
    steps : int
        Number of steps, ``>= 0``.

    Returns
    -------
    PathGap

    Examples
    --------
    >>> from nearinit import init_params
    >>> W0, a = init_params(200, 2, rng=0)
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> path = gap_along_training(W0, a, X, np.array([1.0, -1.0]), X, lr=1.0, steps=5)
    >>> path.gaps.shape, float(path.gaps[0, 0])
    ((6, 2), 0.0)
    """
    from .linearization import linearization_gap
    from .training import train_first_layer

    W0, a = check_weights(W0, a, W_name="W0")
    Xc, _ = check_inputs(X_check, W0.shape[1], name="X_check")
    steps = check_int("steps", steps, low=0)
    W = W0.copy()
    gaps = [linearization_gap(W, W0, a, Xc, scale="ntk")]
    distances = [0.0]
    for _ in range(steps):
        W = train_first_layer(W, a, X, y, lr=lr, steps=1, scale="ntk").W
        gaps.append(linearization_gap(W, W0, a, Xc, scale="ntk"))
        distances.append(float(np.linalg.norm(W - W0)))
    return PathGap(np.array(gaps), np.array(distances), W)
