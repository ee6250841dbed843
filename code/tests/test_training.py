"""Tests of nearinit.training.

Oracles: the gradient step against central finite differences of the loss (true network and f_0), the
linearized trajectory against the closed form of kernel gradient descent r_t = (I - eta K / n)^t r_0 with the
tangent kernel K (exact: f_0 is linear in W and the loss is quadratic), bookkeeping (losses, distances,
predictions), errors.
"""

from __future__ import annotations

import re

import contract
import numpy as np
import pytest

from nearinit import (
    Activation,
    finite_difference_gradient,
    forward,
    gap_along_training,
    gd_radius,
    init_params,
    linear_gd_distance,
    linearize,
    tangent_kernel,
    train_first_layer,
)


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


# ------------------------------------------------------------------ a hand-written gradient-descent loop (oracle)
def _relu(z):
    return z if z > 0 else 0.0


def _hand_gd(W0, a, X, y, lr, steps, c, linearized, X_eval):
    """Plain loops over neurons and inputs: f(x) = c sum_i a_i relu(w_i.x) (or its linearization at W0), the step
    w_i -= lr (c/n) sum_j r_j a_i 1{u_i.x_j > 0} x_j with u = w (network) or u = w_0 (linearization)."""
    m, n = len(a), len(y)
    W = [list(map(float, row)) for row in W0]
    base = [list(map(float, row)) for row in W0]

    def dot(u, x):
        return sum(ui * xi for ui, xi in zip(u, x, strict=True))

    def f(W, x):
        if not linearized:
            return c * sum(a[i] * _relu(dot(W[i], x)) for i in range(m))
        return c * sum(
            a[i] * (_relu(dot(base[i], x)) + (dot(base[i], x) > 0) * (dot(W[i], x) - dot(base[i], x))) for i in range(m)
        )

    losses, dists, preds = [], [], []
    for t in range(steps + 1):
        r = [f(W, X[j]) - y[j] for j in range(n)]
        losses.append(sum(rj * rj for rj in r) / (2 * n))
        dists.append(sum((W[i][k] - base[i][k]) ** 2 for i in range(m) for k in range(len(W[i]))) ** 0.5)
        preds.append([f(W, x) for x in X_eval])
        if t < steps:
            U = base if linearized else W
            grad = [
                [
                    (c / n) * sum(r[j] * a[i] * (dot(U[i], X[j]) > 0) * X[j][k] for j in range(n))
                    for k in range(len(W[i]))
                ]
                for i in range(m)
            ]
            W = [[W[i][k] - lr * grad[i][k] for k in range(len(W[i]))] for i in range(m)]
    return np.array(W), np.array(losses), np.array(dists), np.array(preds)


@pytest.mark.parametrize("scale", [None, "ntk"])
@pytest.mark.parametrize("linearized", [False, True])
def test_matches_a_hand_written_loop_with_outer_weights_not_one(scale, linearized):
    """Outer weights of several sizes and signs (|a_i| != 1, so a_i and 1/a_i differ), three steps, ReLU."""
    W0 = np.array([[0.6, -0.2], [-0.3, 0.8], [0.5, 0.4]])
    a = np.array([0.5, -2.0, 1.5])
    X = np.array([[1.0, 0.5], [-0.4, 1.0], [0.3, -1.2], [0.9, 0.9]])
    y = np.array([0.3, -0.7, 0.2, 1.1])
    Xe = np.array([[0.2, 0.1], [-1.0, 0.3]])
    c = 1.0 if scale is None else 1 / np.sqrt(3)
    res = train_first_layer(W0, a, X, y, lr=0.4, steps=3, scale=scale, linearized=linearized, X_eval=Xe)
    W, losses, dists, preds = _hand_gd(W0, a, X, y, 0.4, 3, c, linearized, Xe)
    np.testing.assert_allclose(res.W, W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.losses, losses, rtol=1e-12)
    np.testing.assert_allclose(res.distances, dists, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.predictions, preds, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ the memory budget and the work cap
def _train_args(n, d, m, k):
    """_problem's network and data, and k evaluation inputs (None for k = None)."""
    return *_problem(m=m, d=d, n=n), None if k is None else np.ones((k, d))


@pytest.mark.parametrize(("n", "d", "m", "k", "steps"), [(3, 2, 4, 3, 5), (3, 2, 4, None, 5), (5, 1, 2, 4, 7)])
def test_budget_at_its_boundary(monkeypatch, n, d, m, k, steps):
    """A run takes 32 (n + k) m + 8 steps (k + 3) bytes (k = 0 without X_eval): accepted at exactly that budget,
    refused one byte below, naming X with its number of rows and what would not fit."""
    W0, a, X, y, Xe = _train_args(n, d, m, k)
    kk = 0 if k is None else k
    need = 32 * (n + kk) * m + 8 * steps * (kk + 3)
    res = contract.at_budget(
        monkeypatch,
        need,
        lambda: train_first_layer(W0, a, X, y, lr=0.1, steps=steps, X_eval=Xe),
        "X",
        match=rf"the \(n, m\) arrays of a step would take .* Got X = {n}\.",
    )
    assert res.losses.shape == (steps + 1,)


class _Stopped(Exception):
    """Raised by the activation below: the run got past its checks and began to compute."""


def _stop(z):
    raise _Stopped


def _stopping_activation():
    return Activation("stop", _stop, _stop)


@pytest.mark.parametrize(("n", "k"), [(10, None), (5, 5), (1, 9)])
def test_work_cap_at_its_boundary(n, k):
    """(steps + 1)(n + k) m d multiply-adds: exactly 10**11 is accepted (the run starts), one more step is refused
    naming steps, with the work and the cap in the message."""
    W0, a, X, y, Xe = _train_args(n, 100, 100, k)
    stop = _stopping_activation()
    with pytest.raises(_Stopped):  # (999999 + 1) * 10 * 100 * 100 = 10**11
        train_first_layer(W0, a, X, y, lr=0.1, steps=999_999, X_eval=Xe, activation=stop)
    with contract.refuses("steps", match=r"about 1\.00e\+11 multiply-adds, over 1e\+11\."):
        train_first_layer(W0, a, X, y, lr=0.1, steps=1_000_000, X_eval=Xe, activation=stop)
    work = 10**6 * (2 * n + (0 if k is None else k)) * 100 * 100  # twice the training inputs
    with contract.refuses("steps", match=re.escape(f"about {work:.2e} multiply-adds")):
        train_first_layer(W0, a, np.vstack([X, X]), np.concatenate([y, y]), lr=0.1, steps=999_999, X_eval=Xe)


# ------------------------------------------------------------------ gd_radius and linear_gd_distance
def test_gd_radius_of_one_input_and_scale_invariance():
    """sqrt(r0^2 / K) for one input; r0^T (s K)^{-1} r0 = r0^T K^{-1} r0 / s, with the definiteness test relative to
    the largest eigenvalue, so a small kernel is not refused for being small."""
    assert gd_radius(np.array([[4.0]]), np.array([3.0])) == pytest.approx(1.5, rel=1e-15)
    K, r0 = np.diag([1.0, 1e-10]), np.array([1.0, 1e-5])
    for s in [1e-3, 1.0, 1e3]:
        assert gd_radius(s * K, r0) == pytest.approx(np.sqrt(2.0 / s), rel=1e-12)


@pytest.mark.parametrize(
    ("diagonal", "smallest", "largest"),
    [
        ([1.0, 1e-12], "1e-12", "1"),
        ([100.0, 1e-11], "1e-11", "100"),
        ([100.0, 1.0, 1e-11], "1e-11", "100"),
        ([4.0, 2.0, -1.0], "-1", "4"),
    ],
)
def test_gd_radius_refuses_eigenvalues_at_most_1e_12_of_the_largest(diagonal, smallest, largest):
    with contract.refuses("K", match=rf"positive definite\. Got smallest eigenvalue {smallest} \(largest {largest}\)"):
        gd_radius(np.diag(diagonal), np.ones(len(diagonal)))


@pytest.mark.parametrize(
    "K",
    [[[2.0, 1.0 + 1e-9], [1.0, 2.0]], [[1.0, 1e-10], [0.0, 1.0]], [[2.0, 1.0], [0.5, 2.0]]],
    ids=["relative-1e-9", "absolute-1e-10", "off-by-half"],
)
def test_kernel_must_be_symmetric_to_1e_12(K):
    with contract.refuses("K", match="symmetric"):
        gd_radius(np.array(K), np.ones(2))
    with contract.refuses("K", match="symmetric"):
        linear_gd_distance(np.array(K), np.ones(2), lr=0.1, steps=2)


def _closed_form_distance(lams, r0, lr, times):
    """sqrt(sum_j (1 - (1 - lr lam_j / n)^t)^2 r_j^2 / lam_j) for a diagonal kernel, term by term, at the given t."""
    n = len(r0)
    return np.array(
        [
            np.sqrt(
                sum((1 - (1 - lr * lam / n) ** t) ** 2 * r**2 / lam for lam, r in zip(lams, r0, strict=True) if lam)
            )
            for t in times
        ]
    )


@pytest.mark.parametrize(("diagonal", "lr"), [([1.0, 1e-12], 1.0), ([100.0, 1e-11], 0.01), ([100.0, 1.0, 1e-11], 0.01)])
def test_linear_gd_distance_drops_eigenvalues_at_most_1e_12_of_the_largest(diagonal, lr):
    """Such a mode counts as lambda = 0 (its term vanishes): the same distances as with that eigenvalue set to 0,
    although at 10**6 steps the dropped term would be visible (t lr lambda / n is of order 1e-6 .. 1e-5)."""
    r0 = np.ones(len(diagonal))
    got = linear_gd_distance(np.diag(diagonal), r0, lr=lr, steps=10**6)
    kept = [lam if lam > 1e-6 else 0.0 for lam in diagonal]
    np.testing.assert_allclose(got, linear_gd_distance(np.diag(kept), r0, lr=lr, steps=10**6), rtol=1e-14)
    np.testing.assert_allclose(
        got[:: 10**5], _closed_form_distance(kept, r0, lr, range(0, 10**6 + 1, 10**5)), rtol=1e-12
    )


def test_linear_gd_distance_scale_invariance():
    """(s K, lr / s) gives the distances of (K, lr) divided by sqrt(s): lr lambda is unchanged, r^2 / lambda scales
    by 1/s. The small mode (5e-10 of the largest) is kept at every s, and carries a visible share at 10**5 steps."""
    K, r0 = np.diag([1.0, 5e-10]), np.array([1.0, 1.0])
    base = linear_gd_distance(K, r0, lr=1.0, steps=10**5)
    assert base[-1] ** 2 == pytest.approx(1.0 + 1.25, rel=1e-4)  # the big mode's 1 and the small one's (t lam)^2/4/lam
    for s in [1e-3, 1e3]:
        np.testing.assert_allclose(linear_gd_distance(s * K, r0, lr=1.0 / s, steps=10**5), base / np.sqrt(s), rtol=1e-6)


@pytest.mark.parametrize(("n", "steps"), [(2, 4), (3, 6)])
def test_linear_gd_distance_budget_at_its_boundary(monkeypatch, n, steps):
    """16 bytes per entry of the (steps + 1, n) arrays: accepted at exactly that budget, refused one byte below."""
    distances = contract.at_budget(
        monkeypatch,
        16 * (steps + 1) * n,
        lambda: linear_gd_distance(np.eye(n), np.ones(n), lr=0.5, steps=steps),
        "steps",
        match=rf"{steps + 1} steps of {n} modes would take .* Got steps = {steps}\.",
    )
    assert distances.shape == (steps + 1,)


# ------------------------------------------------------------------ gap_along_training
def test_gap_along_training_follows_train_first_layer():
    """The path is train_first_layer's (scaled network); the gap is forward - linearize(W0) at the same W_t."""
    W0, a, X, y = _problem(m=9, d=2, n=4, seed=5)
    Xc = np.array([[0.3, -0.8], [1.0, 0.2], [-0.5, -0.5]])
    f0 = linearize(W0, a, scale="ntk")
    path = gap_along_training(W0, a, X, y, Xc, lr=3.0, steps=4)
    full = train_first_layer(W0, a, X, y, lr=3.0, steps=4, scale="ntk")
    np.testing.assert_allclose(path.distances, full.distances, rtol=1e-12, atol=0)
    np.testing.assert_allclose(path.W, full.W, rtol=1e-12)
    assert path.distances[0] == 0.0 and path.distances[-1] > 0
    for t in range(5):
        Wt = train_first_layer(W0, a, X, y, lr=3.0, steps=t, scale="ntk").W
        gap = forward(Wt, a, Xc, scale="ntk") - f0(Wt, Xc)
        np.testing.assert_allclose(path.gaps[t], gap, rtol=1e-9, atol=1e-14)
    assert np.abs(path.gaps[-1]).max() > 1e-6  # the network has moved away from its linearization


def test_gap_along_training_budget_at_its_boundary(monkeypatch):
    """The gaps and distances take 8 (steps + 1)(k + 1) bytes: accepted at exactly that budget, refused one below."""
    W0, a, X, y = _problem(m=4, d=2, n=3, seed=6)
    Xc = np.ones((9, 2))
    need = 8 * (5 + 1) * (9 + 1)  # more than the 32 n m + 24 bytes of each step of train_first_layer
    path = contract.at_budget(
        monkeypatch,
        need,
        lambda: gap_along_training(W0, a, X, y, Xc, lr=0.1, steps=5),
        "steps",
        match=r"the gaps at 6 steps would take .* Got steps = 5\.",
    )
    assert path.gaps.shape == (6, 9)


@pytest.mark.parametrize(
    ("name", "bad"), [("X", np.ones((3, 5))), ("y", np.ones(2)), ("lr", 0.0), ("X_check", np.ones((2, 3)))]
)
def test_gap_along_training_refuses_bad_training_arguments_even_without_steps(name, bad):
    """X, y and lr are checked before any step (with steps=0 they would otherwise never be looked at)."""
    W0, a, X, y = _problem(m=4, d=2, n=3, seed=6)
    args = {"X": X, "y": y, "X_check": X, "lr": 0.1} | {name: bad}
    with contract.refuses(name):
        gap_along_training(W0, a, args["X"], args["y"], args["X_check"], lr=args["lr"], steps=0)
