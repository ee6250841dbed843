"""Gradient descent on the first layer, for the network or its linearization f_0.

Chapters :ref:`ch-setup` and :ref:`ch-toward-ntk`.

The loss and its gradient are those of :prf:ref:`def-network`; training f_0 (:prf:ref:`def-linearization`) is
kernel gradient descent with the tangent kernel at initialization (:prf:ref:`prop-kernel-gd`). Gradient descent on
the linear model stays within sqrt(r0^T K^{-1} r0) of its start (:prf:ref:`prop-gd-radius`,
:func:`~nearinit.gd_radius`, :func:`~nearinit.linear_gd_distance`), and :func:`~nearinit.gap_along_training`
follows the gap f - f_0 along a training run.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._validation import (
    as_array,
    check_bool,
    check_budget,
    check_inputs,
    check_positive,
    check_real,
    check_steps,
    check_weights,
    scale_factor,
)
from .activations import resolve_activation
from .linearization import linearize
from .network import forward

__all__ = [
    "PathGap",
    "TrainResult",
    "gap_along_training",
    "gd_radius",
    "linear_gd_distance",
    "squared_loss",
    "train_first_layer",
]

_MAX_WORK = 10**11  # steps * (n + n_eval) * m * d multiply-adds refused beyond this (tens of minutes)


class TrainResult(NamedTuple):
    """Trajectory of :func:`train_first_layer`.

    Attributes
    ----------
    W : (m, d) ndarray
        First layer after the last step.
    losses : (steps + 1,) ndarray
        Training loss (1/2n) sum_j (f(x_j) - y_j)^2 before each step and after the last.
    distances : (steps + 1,) ndarray
        ||W_t - W_0||_F along the trajectory.
    predictions : (steps + 1, n_eval) ndarray or None
        Model outputs on ``X_eval`` along the trajectory, when ``X_eval`` is given.
    """

    W: np.ndarray
    losses: np.ndarray
    distances: np.ndarray
    predictions: np.ndarray | None


def _targets(y, n: int) -> np.ndarray:
    y = as_array("y", y, ndim=(1,))
    if y.shape[0] != n:
        raise ValueError(f"The 'y' parameter must have one entry per row of 'X' ({n}). Got {y.shape[0]}.")
    return y


def _half_mean_square(r) -> float:
    return 0.5 * np.mean(r**2)


def squared_loss(W, a, X, y, *, activation="relu", scale=None) -> float:
    """Return the training loss L(W) = (1/2n) sum_j (f(x_j; W) - y_j)^2 of :func:`train_first_layer`.

    Parameters
    ----------
    W : (m, d) ndarray
    a : (m,) ndarray
    X : (n, d) ndarray
    y : (n,) ndarray
    activation : str or Activation, default "relu"
    scale : {None, "ntk"}, default None

    Returns
    -------
    float

    Examples
    --------
    >>> squared_loss(np.eye(2), np.ones(2), np.eye(2), np.array([0.0, 3.0]))
    1.25
    """
    W, a = check_weights(W, a)
    X, _ = check_inputs(X, W.shape[1])
    y = _targets(y, X.shape[0])
    return float(_half_mean_square(forward(W, a, X, activation=activation, scale=scale) - y))


def train_first_layer(
    W0, a, X, y, *, lr, steps, activation="relu", scale=None, linearized=False, X_eval=None
) -> TrainResult:
    """Full-batch gradient descent on W for the squared loss, with ``a`` frozen.

    The loss is L(W) = (1/2n) sum_j (f(x_j; W) - y_j)^2 (:func:`squared_loss`) and its gradient
    grad_{w_i} L = (c/n) sum_j r_j a_i sigma'(w_i^T x_j) x_j, r_j the residual. With ``linearized=True`` the
    model is f_0 = ``linearize(W0, a)`` (:prf:ref:`def-linearization`), whose gradient uses
    sigma'(w_{0,i}^T x_j) throughout (:prf:ref:`prop-kernel-gd`).

    Parameters
    ----------
    W0 : (m, d) ndarray
        Initialization (the starting point and, for ``linearized``, the base point).
    a : (m,) ndarray
        Frozen outer weights.
    X : (n, d) ndarray
        Training inputs, ``n >= 1``.
    y : (n,) ndarray
        Training targets.
    lr : float
        Step size, > 0.
    steps : int
        Number of gradient steps, >= 0.
    activation : str or Activation, default "relu"
    scale : {None, "ntk"}, default None
        Output scaling, as in :func:`nearinit.forward`; with ``"ntk"`` a step size of order 1 works at every
        width.
    linearized : bool, default False
        Train f_0 instead of f.
    X_eval : (k, d) ndarray, optional
        Inputs on which to record the model's outputs after every step.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError, TypeError
        On bad shapes or values, a ``linearized`` that is not a bool, more than 10**11 multiply-adds of work
        ((steps + 1)(n + k) m d), or arrays past :data:`nearinit.MEMORY_BUDGET` (32 (n + k) m + 8 steps (k + 3)
        bytes, k the rows of ``X_eval`` or 0).

    Examples
    --------
    >>> from nearinit import init_params
    >>> W0, a = init_params(50, 2, rng=0)
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, -1.0])
    >>> res = train_first_layer(W0, a, X, y, lr=1.0, steps=200, scale="ntk")
    >>> bool(res.losses[-1] < 1e-3 * res.losses[0])
    True
    """
    W0, a = check_weights(W0, a, W_name="W0")
    X, _ = check_inputs(X, W0.shape[1])
    y = _targets(y, X.shape[0])
    lr = check_positive("lr", lr)
    steps = check_steps("steps", steps)
    linearized = check_bool("linearized", linearized)
    Xe = None if X_eval is None else check_inputs(X_eval, W0.shape[1], name="X_eval")[0]
    act = resolve_activation(activation)
    c = scale_factor(scale, W0.shape[0])
    n_eval = 0 if Xe is None else Xe.shape[0]
    check_budget(
        "X",
        X.shape[0],
        32.0 * (X.shape[0] + n_eval) * W0.shape[0] + 8.0 * steps * (n_eval + 3),
        "the (n, m) arrays of a step",
    )
    work = (steps + 1) * (X.shape[0] + n_eval) * W0.size
    if work > _MAX_WORK:
        raise ValueError(f"The 'steps' parameter asks for about {work:.2e} multiply-adds, over {_MAX_WORK:.0e}.")
    if linearized:
        f0 = linearize(W0, a, activation=act, scale=scale)
        D0 = f0.base_derivatives(X)

        def outputs(W, Xs):
            return f0._outputs(W, Xs), D0

    else:

        def outputs(W, Xs):
            Z = Xs @ W.T
            return c * (act.sigma(Z) @ a), act.sigma_prime(Z)

    n = X.shape[0]
    W = W0.copy()
    losses, dists, preds = [], [], []
    for t in range(steps + 1):
        out, D = outputs(W, X)
        r = out - y
        losses.append(_half_mean_square(r))
        dists.append(np.linalg.norm(W - W0))
        if Xe is not None:
            preds.append(outputs(W, Xe)[0])
        if t < steps:
            W -= lr * (c / n) * ((r[:, None] * D) * a).T @ X
    P = np.array(preds) if Xe is not None else None
    return TrainResult(W, np.array(losses), np.array(dists), P)


def _check_kernel(K, r0) -> tuple[np.ndarray, np.ndarray]:
    K = as_array("K", K, ndim=(2,))
    n = len(K)
    if K.shape != (n, n) or n == 0:
        raise ValueError(f"The 'K' parameter must be a nonempty square matrix. Got shape {K.shape}.")
    r0 = as_array("r0", r0, ndim=(1,))
    if r0.shape[0] != n:
        raise ValueError(f"The 'r0' parameter must have one entry per row of 'K' ({n}). Got {r0.shape[0]} entries.")
    if not np.allclose(K, K.T, rtol=1e-12, atol=1e-12):
        raise ValueError("The 'K' parameter must be symmetric. Got a matrix with K != K^T.")
    return K, r0


def gd_radius(K, r0) -> float:
    """Return sqrt(r0^T K^{-1} r0), the radius of gradient descent on the linear model (:prf:ref:`prop-gd-radius`).

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
        If ``K`` is not symmetric (to a relative 1e-12) or not positive definite (its smallest eigenvalue at most
        1e-12 times its largest), or the shapes do not match.

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
    (terms with lambda_j = 0 vanish: eigenvalues at most 1e-12 lambda_max count as 0). :prf:ref:`prop-gd-radius`.
    The (steps + 1, n) arrays of the sum (16 bytes an entry) are refused past :data:`nearinit.MEMORY_BUDGET`.

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
    steps = check_steps("steps", steps)
    check_budget("steps", steps, 16.0 * (steps + 1) * r0.shape[0], f"{steps + 1} steps of {r0.shape[0]} modes")
    lam, U = np.linalg.eigh(K)
    coef = U.T @ r0
    keep = lam > 1e-12 * max(lam[-1], 1e-300)
    q = 1.0 - lr * lam[keep] / r0.shape[0]
    t = np.arange(steps + 1)[:, None]
    shrink = (1.0 - q[None, :] ** t) ** 2
    return np.sqrt(shrink @ (coef[keep] ** 2 / lam[keep]))


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

    The quantity of :prf:ref:`lem-main` (network against its own linearization at W_0, at the same weights W_t),
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
        Number of steps, ``>= 0``. The gaps and distances (8 (steps + 1)(k + 1) bytes) are refused past
        :data:`nearinit.MEMORY_BUDGET`.

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

    W0, a = check_weights(W0, a, W_name="W0")
    X, _ = check_inputs(X, W0.shape[1])
    y = _targets(y, X.shape[0])
    Xc, _ = check_inputs(X_check, W0.shape[1], name="X_check")
    lr = check_positive("lr", lr)
    steps = check_steps("steps", steps)
    check_budget("steps", steps, 8.0 * (steps + 1) * (Xc.shape[0] + 1), f"the gaps at {steps + 1} steps")
    W = W0.copy()
    gaps, distances = [], []
    for t in range(steps + 1):
        if t > 0:
            W = train_first_layer(W, a, X, y, lr=lr, steps=1, scale="ntk").W
        gaps.append(linearization_gap(W, W0, a, Xc, scale="ntk"))
        distances.append(float(np.linalg.norm(W - W0)))
    return PathGap(np.array(gaps), np.array(distances), W)
