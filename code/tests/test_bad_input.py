"""Silent wrong answers, hangs and obscure errors of bad input: each gets the package's clear error or the right value.

Every test here names the argument it breaks; the messages say the argument, the requirement and what was received.
"""

from __future__ import annotations

import math

import contract
import numpy as np
import pytest
import sympy as sp
from scipy import stats

from nearinit import (
    Activation,
    bad_set,
    binomial_chi2_pvalue,
    binomial_quantile,
    forward,
    get_activation,
    householder_first_row,
    init_params,
    linearization_gap,
    linearize,
    loglog_slope,
    main_lemma_bound,
    near_zero_count,
    per_neuron_worst_case,
    random_worst_case,
    relu_flip_terms,
    remainder_forms,
    sample_near_zero_counts,
    smooth_gap_bound,
    tangent_kernel,
    train_first_layer,
    worst_case_gap,
)


def _leaky(z):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.1 * z)


def _leaky_prime(z):
    return np.where(np.asarray(z, dtype=float) > 0, 1.0, 0.1)


# --- silent wrong answers ------------------------------------------------------------------------------


def test_an_activation_named_relu_is_not_taken_for_the_relu():
    """The ReLU path is chosen by the activation's fields, not its name: a leaky ReLU called "relu" is exact."""
    rng = np.random.default_rng(0)
    W0, a = init_params(40, 3, rng=rng)
    W, X = W0 + 0.7 * rng.standard_normal((40, 3)), rng.standard_normal((6, 3))
    leaky = Activation("relu", _leaky, _leaky_prime, None, None)
    direct = forward(W, a, X, activation=leaky) - linearize(W0, a, activation=leaky)(W, X)
    np.testing.assert_allclose(linearization_gap(W, W0, a, X, activation=leaky), direct, rtol=1e-10, atol=1e-10)


def test_the_relu_convention_is_not_dropped_for_an_activation():
    relu = get_activation("relu")
    assert get_activation(relu, relu_prime_at_zero=1.0).sigma_prime(np.zeros(1))[0] == 1.0


def test_relu_flip_terms_checks_shapes_nan_and_the_convention():
    with pytest.raises(ValueError, match="'Zv' parameter must have the shape of 'Zw'"):
        relu_flip_terms(np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match="'Zv' parameter must contain only finite values"):
        relu_flip_terms(np.ones(2), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"'relu_prime_at_zero' parameter must be in the range \[0.0, 1.0\]"):
        relu_flip_terms(np.ones(2), np.zeros(2), relu_prime_at_zero=2.0)


def test_half_open_ranges_are_reported_as_half_open():
    with pytest.raises(ValueError, match=r"'B' parameter must be in the range \[0.0, inf\)\. Got -1"):
        main_lemma_bound(100, -1.0, 0.1)


def test_one_default_scale_everywhere_the_unscaled_model():
    rng = np.random.default_rng(1)
    W0, a = init_params(20, 3, rng=rng)
    X, y = rng.standard_normal((4, 3)), rng.standard_normal(4)
    np.testing.assert_array_equal(tangent_kernel(W0, a, X), tangent_kernel(W0, a, X, scale=None))
    default = train_first_layer(W0, a, X, y, lr=0.01, steps=3)
    unscaled = train_first_layer(W0, a, X, y, lr=0.01, steps=3, scale=None)
    np.testing.assert_array_equal(default.W, unscaled.W)
    assert default.losses[0] == pytest.approx(0.5 * np.mean((forward(W0, a, X) - y) ** 2), rel=1e-12)


def test_chi2_refuses_counts_outside_the_support():
    counts = np.random.default_rng(2).binomial(50, 0.3, size=400)
    counts[::2] = 999  # half the counts cannot come from Binomial(50, p)
    with pytest.raises(ValueError, match=r"'counts' parameter must hold integers in \{0, ..., 50\}"):
        binomial_chi2_pvalue(counts, 50, 0.3)
    with pytest.raises(ValueError, match="'counts' parameter must hold integers"):
        binomial_chi2_pvalue(np.full(400, 2.5), 50, 0.3)


def test_complex_input_is_refused_not_truncated():
    W0, a = init_params(5, 2, rng=0)
    with pytest.raises(TypeError, match="'W' parameter must be a numeric array of real numbers"):
        forward(W0 + 1j, a, np.ones((3, 2)))
    with pytest.raises(TypeError, match="'X' parameter must be a numeric array of real numbers"):
        linearization_gap(W0, W0, a, np.ones((3, 2)) * 1j)


def test_remainder_forms_refuses_an_expression_without_the_variable():
    with pytest.raises(ValueError, match="'sigma' parameter must be an expression in the variable z"):
        remainder_forms(sp.Symbol("x", real=True))


def test_empty_widths_and_input_sets_are_refused():
    empty, x = np.zeros((0, 2)), np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="'W' parameter must have m >= 1 rows"):
        smooth_gap_bound(empty, empty, x)
    with pytest.raises(ValueError, match="'W0' parameter must have m >= 1 rows"):
        near_zero_count(empty, x, 0.1)
    with pytest.raises(ValueError, match="'W0' parameter must have m >= 1 rows"):
        bad_set(empty, empty, x, 0.1)
    with pytest.raises(ValueError, match="'W0' parameter must have m >= 1 rows"):
        worst_case_gap(empty, np.zeros(0), x, 1.0)
    W0, a = init_params(4, 2, rng=0)
    with pytest.raises(ValueError, match=r"'X' parameter must hold at least one input \(n >= 1\)"):
        train_first_layer(W0, a, np.zeros((0, 2)), np.zeros(0), lr=0.1, steps=1)


def test_linearized_must_be_a_bool():
    W0, a = init_params(4, 2, rng=0)
    with pytest.raises(TypeError, match=r"'linearized' parameter must be True or False. Got 'no'"):
        train_first_layer(W0, a, np.eye(2), np.ones(2), lr=0.1, steps=1, linearized="no")


def test_a_negative_smoothness_constant_is_refused():
    with pytest.raises(ValueError, match=r"'beta' parameter must be in the range \[0.0, inf\)"):
        act = Activation("tanh2", np.tanh, lambda z: 1 - np.tanh(z) ** 2, None, -1.0)
        smooth_gap_bound(np.ones((2, 2)), np.zeros((2, 2)), np.ones(2), activation=act)


# --- obscure errors ------------------------------------------------------------------------------------


def test_an_activation_list_is_named():
    with pytest.raises(TypeError, match="'activation' parameter must be a name in"):
        forward(np.ones((2, 2)), np.ones(2), np.ones(2), activation=["relu"])


def test_a_huge_radius_is_a_clear_value_error():
    with pytest.raises(ValueError, match="overflows float64"):
        main_lemma_bound(1000, 1e308, 0.05)
    z, a = np.array([0.5, 1.0, 2.0]), np.ones(3)
    with contract.refuses("B", match=r"'B' and 'x' parameters are too large together: B \|\|x\|\| sqrt"):
        worst_case_gap(z[:, None] / 10.0, a, np.array([10.0]), 1e308)


def test_a_slope_needs_two_distinct_x():
    with pytest.raises(ValueError, match="'x' parameter must hold at least two distinct values"):
        loglog_slope([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])


# --- hangs and unbounded work: refused before any work, or bounded --------------------------------------


@pytest.mark.timeout(10)
def test_binomial_quantile_at_tiny_delta_is_fast_and_exact():
    m, p, delta = 10**6, 0.5, 1e-18  # 1 - delta == 1.0 in float64
    k = binomial_quantile(m, p, delta)
    assert stats.binom.sf(k, m, p) <= delta < stats.binom.sf(k - 1, m, p)


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: random_worst_case(10**12, 1.0, rng=0), "'m' parameter must be at most 1e\\+10"),
        (
            lambda: random_worst_case(10**15, 1.0, rng=0, method="order_statistics"),
            "'m' parameter must be at most 1e\\+14",
        ),
        (lambda: sample_near_zero_counts(10**9, 0.1, 100, rng=0), "m \\* n_draws"),
        (lambda: householder_first_row(np.ones(25_000)), "'len\\(x\\)' parameter must be an int in the range"),
    ],
)
def test_unbounded_work_is_refused_before_it_starts(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.timeout(30)
def test_sample_near_zero_counts_draws_wide_rows_in_chunks(monkeypatch):
    """A row wider than a chunk is drawn in pieces of the same stream: same counts, bounded memory."""
    import nearinit.anticoncentration as anti

    whole = sample_near_zero_counts(1000, 0.3, 7, rng=5)
    monkeypatch.setattr(anti, "_CHUNK", 64)  # 1000 columns in chunks of 64
    assert np.array_equal(sample_near_zero_counts(1000, 0.3, 7, rng=5), whole)
    expected = np.count_nonzero(np.abs(np.random.default_rng(5).standard_normal((7, 1000))) <= 0.3, axis=1)
    assert np.array_equal(whole, expected)
    assert math.isclose(np.mean(whole) / 1000, stats.norm.cdf(0.3) - stats.norm.cdf(-0.3), rel_tol=0.2)


def test_an_overflowing_projection_is_blamed_on_w0_times_x():
    """A finite W0 whose W0 @ x overflows is refused as an overflow, not as a NaN in W0, by both worst cases (they
    share the check); a NaN in W0 is still refused as such."""
    a, x = np.ones(1), np.array([10.0, 10.0])
    for worst_case in (worst_case_gap, per_neuron_worst_case):
        with contract.refuses("W0", match=r"'x' overflows float64 \(W0 @ x is not finite\)"):
            worst_case(np.array([[1e308, 1e308]]), a, x, 1.0)
        with contract.refuses("W0", match="must contain only finite values"):
            worst_case(np.array([[np.nan, 0.0]]), a, x, 1.0)


def test_relu_prime_at_zero_other_than_0_or_1_gets_the_theorems_message():
    """NaN and inf get the same message as 0.5 (they used to get "must be in the range (-inf, inf)"), naming the
    theorem of each worst case; a string or a bool is a TypeError; 0 and 1 in any real type are accepted (one neuron
    at projection 0, B = 1: moving it by 1 either way gives the gap 1 whatever ReLU'(0) is)."""
    W0, a, x = np.array([[0.0, 1.0]]), np.ones(1), np.array([1.0, 0.0])
    for worst_case, theorem in ((worst_case_gap, "thm-worst-case"), (per_neuron_worst_case, "thm-per-neuron-ball")):
        for c in (np.nan, np.inf, -np.inf, 0.5, np.float64(2.0)):
            with contract.refuses("relu_prime_at_zero", match=f"must be 0 or 1 .* Theorem {theorem} "):
                worst_case(W0, a, x, 1.0, relu_prime_at_zero=c)
        for c, got in (("0", "'0'"), (True, "True")):
            with pytest.raises(TypeError, match=f"'relu_prime_at_zero' parameter must be a real number. Got {got} "):
                worst_case(W0, a, x, 1.0, relu_prime_at_zero=c)
        for c in (0, 1.0, np.float32(1.0), np.array(0.0)):
            assert worst_case(W0, a, x, 1.0, relu_prime_at_zero=c).value == 1.0
