"""The shared argument checks of ``nearinit._validation``: each refusal names its argument, states the requirement
and shows what was received; the chunked evaluation ``by_rows`` gives the unchunked answer in blocks that fit the
memory budget."""

from __future__ import annotations

import math

import contract
import numpy as np
import pytest

import nearinit._validation as validation
from nearinit._validation import (
    as_array,
    by_rows,
    check_budget,
    check_callable,
    check_choice,
    check_int,
    check_real,
    check_rng,
    check_weights,
    finite_result,
)


# ------------------------------------------------------------------------------------------------ the budget
def test_check_budget_accepts_the_budget_itself_and_states_both_sizes_in_gib():
    assert check_budget("m", 1, validation.MEMORY_BUDGET, "an array") is None
    with contract.refuses("m", match=r"an \(m, d\) matrix would take 3 GiB, over the memory budget "):
        check_budget("m", 7, 3 * 2**30, "an (m, d) matrix")
    with contract.refuses("n", match=r"would take 1\.5 GiB, .*nearinit\.MEMORY_BUDGET = 1 GiB\. Got n = 12\.$"):
        check_budget("n", 12, 1.5 * 2**30, "the inputs")


def _recording(calls):
    def fn(rows):
        calls.append(rows.shape[0])
        return 2.0 * rows[:, 0] - rows[:, -1]

    return fn


@pytest.mark.parametrize(("n", "m", "parts"), [(50, 8, 4), (16, 8, 4), (7, 8, 2), (33, 3, 1)])
def test_by_rows_is_fn_on_the_largest_blocks_that_fit(monkeypatch, n, m, parts):
    """Blocks of B // (8 m parts) rows (the last one shorter), concatenated in order: fn(X2) exactly."""
    budget = 4096
    monkeypatch.setattr(validation, "MEMORY_BUDGET", budget)
    X2 = np.random.default_rng(n).standard_normal((n, 3))
    calls = []
    out = by_rows(_recording(calls), X2, m, parts=parts)
    np.testing.assert_array_equal(out, 2.0 * X2[:, 0] - X2[:, -1])
    fits = budget // (8 * m * parts)
    assert sum(calls) == n
    assert all(rows <= fits for rows in calls)  # parts (rows, m) float64 temporaries fit in the budget
    assert calls[:-1] == [fits] * (len(calls) - 1)  # and no block smaller than it must be (but the last)


def test_by_rows_default_parts_fit_the_budget(monkeypatch):
    monkeypatch.setattr(validation, "MEMORY_BUDGET", 4096)
    X2 = np.arange(60.0).reshape(20, 3)
    calls = []
    np.testing.assert_array_equal(by_rows(_recording(calls), X2, 8), 2.0 * X2[:, 0] - X2[:, -1])
    assert sum(calls) == 20 and max(calls) * 4 * 8 * 8 <= 4096


def test_by_rows_goes_row_by_row_when_one_row_exceeds_the_budget(monkeypatch):
    monkeypatch.setattr(validation, "MEMORY_BUDGET", 4096)
    X2 = np.arange(15.0).reshape(5, 3)
    calls = []
    np.testing.assert_array_equal(by_rows(_recording(calls), X2, 1000), 2.0 * X2[:, 0] - X2[:, -1])
    assert calls == [1] * 5


# ------------------------------------------------------------------------------------------------ arrays
@pytest.mark.parametrize("dtype", [bool, np.int8, np.uint16, np.float32, np.float64])
def test_as_array_takes_every_real_dtype_as_float64(dtype):
    arr = as_array("x", np.array([1, 0, 1], dtype=dtype), ndim=(1,))
    assert arr.dtype == np.float64
    np.testing.assert_array_equal(arr, [1.0, 0.0, 1.0])


def test_as_array_refusals_show_what_was_received():
    with contract.refuses("X", match=r"numeric array of real numbers\. Got \[\[1\.0, 2\.0\], \[3\.0\]\] instead\.$"):
        as_array("X", [[1.0, 2.0], [3.0]], ndim=(2,))
    with contract.refuses("X", match=r"real numbers\. Got an array of shape \(2,\) and dtype <U1 instead\.$"):
        as_array("X", ["a", "b"], ndim=(1,))
    with contract.refuses("z", match=r"dtype complex128 instead\.$"):
        as_array("z", [1j, 2.0], ndim=(1,))
    with contract.refuses("X", match=r"must be a 1-D or 2-D array\. Got an array of shape \(\) instead\.$"):
        as_array("X", 3.0, ndim=(1, 2))
    with contract.refuses("X", match=r"only finite values"):
        as_array("X", [1.0, math.nan], ndim=(1,))
    assert as_array("X", [1.0, math.inf], ndim=(1,), finite=False)[1] == math.inf


# ------------------------------------------------------------------------------------------------ scalars
def test_check_int_states_the_range_and_the_value():
    assert check_int("k", np.int64(3)) == 3
    with contract.refuses("k", match=r"an int in the range \[1, inf\)\. Got 0 instead\.$"):
        check_int("k", 0)
    with contract.refuses("k", match=r"an int in the range \[2, 10\]\. Got 11 instead\.$"):
        check_int("k", 11, low=2, high=10)
    with contract.refuses("k", match=r"\[1, inf\)\. Got 1\.5 instead\.$"):
        check_int("k", 1.5)
    with contract.refuses("k", match=r"Got True instead\.$"):
        check_int("k", True)


def test_a_long_value_is_shown_by_its_type():
    """What was received is its repr up to 80 characters, else its type."""
    with contract.refuses("k", match=r"Got '" + "a" * 78 + r"' instead\.$"):
        check_int("k", "a" * 78)  # repr: 80 characters
    with contract.refuses("k", match=r"Got a str instead\.$"):
        check_int("k", "a" * 79)  # repr: 81 characters
    with contract.refuses("k", match=r"Got a list instead\.$"):
        check_int("k", list(range(40)))


def test_check_real_states_the_interval_and_the_value():
    assert check_real("t", np.float32(0.5)) == 0.5
    with contract.refuses("t", match=r"in the range \(-inf, inf\)\. Got nan instead\.$"):
        check_real("t", math.nan)
    with contract.refuses("t", match=r"in the range \[0\.0, 1\.0\)\. Got 1\.0 instead\.$"):
        check_real("t", 1.0, low=0.0, high=1.0, high_open=True)
    with contract.refuses("t", match=r"in the range \(0\.0, 1\.0\]\. Got 0\.0 instead\.$"):
        check_real("t", 0.0, low=0.0, high=1.0, low_open=True)
    with contract.refuses("t", match=r"must be a real number\. Got 's' instead\.$"):
        check_real("t", "s")


def test_check_choice_refuses_an_unknown_string_and_a_non_string():
    assert check_choice("method", "scan", ("sort", "scan")) == "scan"
    with contract.refuses("method", match=r"one of 'sort', 'scan'\. Got 'heap' instead\.$", exc=ValueError):
        check_choice("method", "heap", ("sort", "scan"))
    with contract.refuses("method", match=r"one of 'sort', 'scan'\. Got 3 instead\.$", exc=TypeError):
        check_choice("method", 3, ("sort", "scan"))


def test_check_callable():
    assert check_callable("fun", len) is len
    with contract.refuses("fun", match=r"must be callable\. Got 3 instead\.$", exc=TypeError):
        check_callable("fun", 3)
    with contract.refuses("fun", match=r"must be callable\. Got None instead\.$", exc=TypeError):
        check_callable("fun", None)


def test_finite_result_names_every_argument():
    assert finite_result(np.float64(1.5)) == 1.5
    with contract.refuses("m", match=r"overflows float64 for these arguments \('m' = 2, 'beta' = 0\.5\); use"):
        finite_result(math.inf, m=2, beta=0.5)


def test_check_rng_refusals_show_what_was_received():
    assert isinstance(check_rng(np.int64(3)), np.random.Generator)
    with contract.refuses("rng", match=r"SeedSequence, BitGenerator or Generator\. Got -1 instead\.$", exc=TypeError):
        check_rng(-1)
    with contract.refuses("rng", match=r"Got 'seed' instead\.$", exc=TypeError):
        check_rng("seed")


# ------------------------------------------------------------------------------------------------ weights
@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_check_weights_refuses_an_empty_layer(shape):
    with contract.refuses("W", match=rf"m >= 1 rows and d >= 1 columns\. Got shape \({shape[0]}, {shape[1]}\)\.$"):
        check_weights(np.zeros(shape), np.zeros(shape[0]))


@pytest.mark.parametrize("W_name", ["W", "V"])
def test_check_weights_refuses_a_mismatched_outer_layer(W_name):
    with contract.refuses("a", match=rf"one entry per row of '{W_name}' \(2\)\. Got 5 entries\.$"):
        check_weights(np.ones((2, 3)), np.ones(5), W_name=W_name)
    W, a = check_weights(np.ones((2, 3)), [1, -1], W_name=W_name)
    assert W.shape == (2, 3) and a.dtype == np.float64
