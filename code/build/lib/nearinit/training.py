"""Gradient descent on the first layer, for the true network or its linearization f_0."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_inputs, check_int, check_real, check_weights, scale_factor
from .activations import get_activation

__all__ = ["TrainResult", "train_first_layer"]


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


def _outputs(W, W0, a, X, act, c, linearized):
    """Model outputs and the (n, m) matrix of sigma' used by the gradient."""
    if linearized:
        Z0 = X @ W0.T
        D = act.sigma_prime(Z0)
        return c * ((act.sigma(Z0) + D * (X @ (W - W0).T)) @ a), D
    Z = X @ W.T
    return c * (act.sigma(Z) @ a), act.sigma_prime(Z)


def train_first_layer(
    W0, a, X, y, *, lr, steps, activation="relu", scale="ntk", linearized=False, X_eval=None
) -> TrainResult:
    """Full-batch gradient descent on W for the squared loss, with ``a`` frozen.

    The loss is L(W) = (1/2n) sum_j (f(x_j; W) - y_j)^2 and its gradient
    grad_{w_i} L = (c/n) sum_j r_j a_i sigma'(w_i^T x_j) x_j, r_j the residual.
    With ``linearized=True`` the model is f_0 (chapter ``ch-taylor``), whose
    gradient uses sigma'(w_{0,i}^T x_j) throughout.

    Parameters
    ----------
    W0 : (m, d) ndarray
        Initialization (the starting point and, for ``linearized``, the base point).
    a : (m,) ndarray
        Frozen outer weights.
    X : (n, d) ndarray
        Training inputs.
    y : (n,) ndarray
        Training targets.
    lr : float
        Step size, > 0.
    steps : int
        Number of gradient steps, >= 0.
    activation : str or Activation, default "relu"
    scale : {None, "ntk"}, default "ntk"
        Output scaling; with ``"ntk"`` a step size of order 1 works at every width.
    linearized : bool, default False
        Train f_0 instead of f.
    X_eval : (k, d) ndarray, optional
        Inputs on which to record the model's outputs after every step.

    Returns
    -------
    TrainResult

    Examples
    --------
    >>> from nearinit import init_params
    >>> W0, a = init_params(50, 2, rng=0)
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, -1.0])
    >>> res = train_first_layer(W0, a, X, y, lr=1.0, steps=200)
    >>> bool(res.losses[-1] < 1e-3 * res.losses[0])
    True
    """
    W0, a = check_weights(W0, a, W_name="W0")
    X, _ = check_inputs(X, W0.shape[1])
    y = as_array("y", y, ndim=(1,))
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"The 'y' parameter must have one entry per row of 'X' ({X.shape[0]}). Got {y.shape[0]}.")
    lr = check_real("lr", lr, low=0.0, low_open=True)
    steps = check_int("steps", steps, low=0)
    Xe = None if X_eval is None else check_inputs(X_eval, W0.shape[1], name="X_eval")[0]
    act = get_activation(activation)
    c = scale_factor(scale, W0.shape[0])
    n = X.shape[0]
    W = W0.copy()
    losses, dists, preds = [], [], []
    for t in range(steps + 1):
        out, D = _outputs(W, W0, a, X, act, c, linearized)
        r = out - y
        losses.append(0.5 * np.mean(r**2))
        dists.append(np.linalg.norm(W - W0))
        if Xe is not None:
            preds.append(_outputs(W, W0, a, Xe, act, c, linearized)[0])
        if t < steps:
            W -= lr * (c / n) * ((r[:, None] * D) * a).T @ X
    P = np.array(preds) if Xe is not None else None
    return TrainResult(W, np.array(losses), np.array(dists), P)
