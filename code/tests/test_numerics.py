"""The chapters' numerical tools: log-log slopes, the Frobenius norm, central finite differences, and their refusals."""

from __future__ import annotations

import math

import contract
import numpy as np
import pytest

from nearinit import finite_difference_gradient, frobenius_norm, loglog_slope


def test_loglog_slope_through_two_points_is_exact():
    """Two points fit exactly: slope log(y2/y1) / log(x2/x1) = log 16 / log 4 = 2, and c = 3 / 2**2."""
    slope, c = loglog_slope([2.0, 8.0], [3.0, 48.0])
    assert slope == pytest.approx(2.0, rel=1e-12)
    assert c == pytest.approx(0.75, rel=1e-12)


def test_loglog_slope_refusals():
    with contract.refuses("x", match=r"same length >= 2\. Got 1 and 1\.$"):
        loglog_slope([1.0], [2.0])
    with contract.refuses("y", match=r"same length >= 2\. Got 3 and 2\.$"):
        loglog_slope([1.0, 2.0, 3.0], [2.0, 3.0])
    with contract.refuses("x", match=r"positive for a log-log fit\. Got a value <= 0\.$"):
        loglog_slope([0.0, 2.0], [1.0, 2.0])
    with contract.refuses("y", match=r"positive for a log-log fit\. Got a value <= 0\.$"):
        loglog_slope([1.0, 2.0], [1.0, -2.0])
    with contract.refuses("x", match=r"at least two distinct values for a slope\. Got only 3\.0\.$"):
        loglog_slope([3.0, 3.0, 3.0], [1.0, 2.0, 4.0])


@pytest.mark.parametrize(
    ("D", "norm"),
    [(-3.0, 3.0), ([3.0, -4.0], 5.0), ([[1.0, 2.0], [2.0, 4.0]], 5.0), (np.full((2, 2, 2), 0.5), math.sqrt(2.0))],
)
def test_frobenius_norm_of_0d_to_3d(D, norm):
    assert frobenius_norm(D) == pytest.approx(norm, rel=1e-15)


def test_frobenius_norm_refuses_4d():
    with contract.refuses("D", match=r"a 0-D or 1-D or 2-D or 3-D array\. Got an array of shape \(1, 1, 1, 1\)"):
        frobenius_norm(np.ones((1, 1, 1, 1)))


@pytest.mark.parametrize("shape", [(), (3,), (2, 2), (2, 1, 2)])
def test_finite_differences_of_a_cubic_are_3_W_squared_plus_h_squared_in_every_shape(shape):
    """For sum(W**3) the central difference is 3 W**2 + h**2 (the h**2 term is the third derivative's)."""
    W = np.arange(1.0, 1.0 + math.prod(shape)).reshape(shape) / 4
    G = finite_difference_gradient(lambda V: float(np.sum(V**3)), W, h=1e-3)
    assert G.shape == W.shape
    np.testing.assert_allclose(G, 3 * W**2 + 1e-6, rtol=1e-8)


def test_finite_differences_refusals():
    with contract.refuses("fun", match=r"must be callable\. Got 3 instead\.$", exc=TypeError):
        finite_difference_gradient(3, np.ones(2))
    with contract.refuses("W", match=r"must be a 0-D or 1-D or 2-D or 3-D array"):
        finite_difference_gradient(np.sum, np.ones((1, 1, 1, 1)))
    with contract.refuses("W", match=r"at most 100000 entries\. Got 100001\.$"):
        finite_difference_gradient(np.sum, np.ones(10**5 + 1))
    with contract.refuses("h", match=r"\(0\.0, inf\)"):
        finite_difference_gradient(np.sum, np.ones(2), h=0.0)


class _Called(Exception):
    pass


def test_finite_differences_accept_exactly_the_entry_limit():
    """10**5 entries are accepted: the first evaluation of fun is reached (and stops the run here)."""

    def fun(W):
        raise _Called

    with pytest.raises(_Called):
        finite_difference_gradient(fun, np.ones(10**5))
