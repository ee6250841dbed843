"""Tests of nearinit.training.

Oracles: the gradient step against central finite differences of the loss (true network and f_0), the
linearized trajectory against the closed form of kernel gradient descent r_t = (I - eta K / n)^t r_0 with the
tangent kernel K (exact: f_0 is linear in W and the loss is quadratic), bookkeeping (losses, distances,
predictions), errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from nearinit import finite_difference_gradient, forward, init_params, linearize, tangent_kernel, train_first_layer


def _loss(model, W, X, y):
    return 0.5 * np.mean((model(W, X) - y) ** 2)


def _fd_grad(model, W, X, y):
    return finite_difference_gradient(lambda V: _loss(model, V, X, y), W)


def _problem(m=7, d=3, n=5, seed=0):
    rng = np.random.default_rng(seed)
    W0, a = init_params(m, d, rng=rng)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    return W0, a, X, y


@pytest.mark.parametrize("activation", ["relu", "softplus", "tanh"])
@pytest.mark.parametrize("scale", ["ntk", None])
@pytest.mark.parametrize("linearized", [False, True])
def test_gradient_step_matches_finite_differences(activation, scale, linearized):
    W0, a, X, y = _problem()
    lr = 0.1
    res = train_first_layer(W0, a, X, y, lr=lr, steps=1, activation=activation, scale=scale, linearized=linearized)
    if linearized:
        f0 = linearize(W0, a, activation=activation, scale=scale)
        model = f0
    else:

        def model(W, X):
            return forward(W, a, X, activation=activation, scale=scale)

    grad = (W0 - res.W) / lr
    np.testing.assert_allclose(grad, _fd_grad(model, W0, X, y), rtol=1e-6, atol=1e-9)
    assert res.losses[0] == pytest.approx(_loss(model, W0, X, y), rel=1e-12)
    assert res.losses[1] == pytest.approx(_loss(model, res.W, X, y), rel=1e-12)


def test_gradient_at_a_later_point_of_the_true_network():
    """After some steps W moves; the step from there still matches finite differences at that W."""
    W0, a, X, y = _problem(seed=1)
    mid = train_first_layer(W0, a, X, y, lr=0.5, steps=5, activation="softplus", scale="ntk")
    res = train_first_layer(W0, a, X, y, lr=0.5, steps=6, activation="softplus", scale="ntk")

    def model(W, X):
        return forward(W, a, X, activation="softplus", scale="ntk")

    np.testing.assert_allclose((mid.W - res.W) / 0.5, _fd_grad(model, mid.W, X, y), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_linearized_trajectory_is_kernel_gradient_descent(activation):
    """For f_0, the residuals follow (I - eta K / n)^t r_0 and outputs elsewhere follow K(X_eval, X)."""
    rng = np.random.default_rng(2)
    m, d, n, lr, steps = 60, 2, 6, 0.7, 40
    W0, a = init_params(m, d, rng=rng)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    Xe = rng.standard_normal((4, d))
    XX = np.vstack([X, Xe])
    res = train_first_layer(
        W0, a, X, y, lr=lr, steps=steps, activation=activation, linearized=True, X_eval=XX, scale="ntk"
    )
    K = tangent_kernel(W0, a, X, activation=activation, scale="ntk")
    Ke = tangent_kernel(W0, a, Xe, X, activation=activation, scale="ntk")
    u0 = forward(W0, a, XX, activation=activation, scale="ntk")
    np.testing.assert_allclose(res.predictions[0], u0, rtol=1e-12, atol=1e-12)
    M = np.eye(n) - lr * K / n
    r = u0[:n] - y
    ue = u0[n:].copy()
    for t in range(1, steps + 1):
        ue -= lr / n * Ke @ r
        r = M @ r
        np.testing.assert_allclose(res.predictions[t, :n], y + r, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(res.predictions[t, n:], ue, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(res.losses, [0.5 * np.mean((p[:n] - y) ** 2) for p in res.predictions], rtol=1e-10)
    np.testing.assert_allclose(np.linalg.matrix_power(M, steps) @ (u0[:n] - y), res.predictions[-1, :n] - y, atol=1e-10)


def test_bookkeeping():
    W0, a, X, y = _problem(seed=3)
    res = train_first_layer(W0, a, X, y, lr=0.3, steps=4, X_eval=X[:2], scale="ntk")
    assert res.losses.shape == (5,) and res.distances.shape == (5,) and res.predictions.shape == (5, 2)
    assert res.distances[0] == 0.0
    step1 = train_first_layer(W0, a, X, y, lr=0.3, steps=1, scale="ntk")
    assert res.distances[1] == pytest.approx(np.linalg.norm(step1.W - W0), rel=1e-12)
    assert res.distances[-1] == pytest.approx(np.linalg.norm(res.W - W0), rel=1e-12)
    np.testing.assert_allclose(res.predictions[-1], forward(res.W, a, X[:2], scale="ntk"), rtol=1e-12)
    assert train_first_layer(W0, a, X, y, lr=0.3, steps=0, scale="ntk").predictions is None
    np.testing.assert_array_equal(train_first_layer(W0, a, X, y, lr=0.3, steps=0, scale="ntk").W, W0)
    np.testing.assert_array_equal(W0, _problem(seed=3)[0])  # the input is not modified in place


def test_descent_on_a_small_problem():
    """With a small step the loss decreases at every step (true ReLU network, NTK scaling)."""
    W0, a, X, y = _problem(m=200, seed=4)
    res = train_first_layer(W0, a, X, y, lr=0.5, steps=50, scale="ntk")
    assert np.all(np.diff(res.losses) < 0)


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"y": np.ones(4)}, ValueError, r"'y' parameter must have one entry per row of 'X' \(5\)\. Got 4"),
        ({"lr": 0.0}, ValueError, r"'lr' parameter must be in the range \(0\.0, inf\)"),
        ({"lr": "big"}, TypeError, r"'lr' parameter must be a real number"),
        ({"steps": -1}, ValueError, r"'steps' parameter must be an int in the range \[0, 1000000\]"),
        ({"steps": 2.0}, TypeError, r"'steps' parameter must be an int"),
        ({"X_eval": np.ones((2, 4))}, ValueError, r"'X_eval' parameter must have d = 3"),
        ({"scale": "mf"}, ValueError, r"'scale' parameter"),
        ({"activation": "elu"}, ValueError, r"'activation' parameter"),
        ({"a": np.ones(6)}, ValueError, r"'a' parameter must have one entry per row of 'W0'"),
    ],
)
def test_errors(kwargs, exc, pattern):
    W0, a, X, y = _problem()
    args = {"W0": W0, "a": a, "X": X, "y": y, "lr": 0.1, "steps": 2, "scale": "ntk"} | kwargs
    with pytest.raises(exc, match=pattern):
        train_first_layer(args.pop("W0"), args.pop("a"), args.pop("X"), args.pop("y"), **args)
