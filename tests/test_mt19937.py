"""The compiled Mersenne Twister against CPython's ``random.Random``: same numbers, same state."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastw2v.cs224n import mt19937

SEEDS = st.integers(min_value=0, max_value=2 ** 128)
# Enough draws to cross a regeneration of the 624-word key more than once.
DRAWS = st.integers(min_value=0, max_value=1500)
WIDTHS = st.one_of(st.integers(1, 64), st.integers(1, 2 ** 32 - 1), st.sampled_from(
    [1, 2, 3, 5, 1000000, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1]))
OPERATIONS = st.one_of(
    st.tuples(st.just("random")),
    st.tuples(st.just("getrandbits"), st.integers(0, 32)),
    st.tuples(st.just("randint"), st.integers(-2 ** 40, 2 ** 40), WIDTHS))


def generators(seed, python_draws_first=0):
    """A seeded ``random.Random`` (advanced by some draws) and a compiled state copied from it."""
    python = random.Random(seed)
    for _ in range(python_draws_first):
        python.random()
    return python, mt19937.from_python_state(python.getstate())


def apply(operation, python, state):
    """One draw from each generator: (CPython's number, the compiled one)."""
    name, *args = operation
    if name == "randint":
        low, width = args
        args = (low, low + width - 1)
    return getattr(python, name)(*args), getattr(mt19937, name)(state, *args)


@settings(max_examples=50, deadline=None)
@given(SEEDS, DRAWS)
def test_random_matches_cpython(seed, n):
    python, state = generators(seed)
    assert [mt19937.random(state) for _ in range(n)] == [python.random() for _ in range(n)]


@settings(max_examples=50, deadline=None)
@given(SEEDS, st.lists(st.integers(0, 32), max_size=800))
def test_getrandbits_matches_cpython(seed, bit_counts):
    python, state = generators(seed)
    assert [mt19937.getrandbits(state, k) for k in bit_counts] == [
        python.getrandbits(k) for k in bit_counts]


@settings(max_examples=50, deadline=None)
@given(SEEDS, st.lists(st.tuples(st.integers(-2 ** 40, 2 ** 40), WIDTHS), max_size=800))
def test_randint_matches_cpython(seed, ranges):
    python, state = generators(seed)
    for low, width in ranges:
        assert mt19937.randint(state, low, low + width - 1) == python.randint(low, low + width - 1)


@settings(max_examples=50, deadline=None)
@given(SEEDS, st.integers(0, 700), st.lists(OPERATIONS, max_size=400))
def test_interleaved_draws_match_cpython_from_any_position(seed, python_draws_first, operations):
    python, state = generators(seed, python_draws_first)
    for operation in operations:
        expected, got = apply(operation, python, state)
        assert got == expected, operation


@settings(max_examples=50, deadline=None)
@given(SEEDS, st.lists(OPERATIONS, max_size=400), DRAWS)
def test_state_round_trips_through_python(seed, operations, n_after):
    python, state = generators(seed)
    for operation in operations:
        apply(operation, python, state)
    python_state = mt19937.to_python_state(state)
    assert python_state == python.getstate()
    np.testing.assert_array_equal(mt19937.from_python_state(python_state), state)
    handed_back = random.Random()
    handed_back.setstate(python_state)
    assert [handed_back.random() for _ in range(n_after)] == [
        mt19937.random(state) for _ in range(n_after)]


def test_gauss_next_is_kept_as_given():
    python = random.Random(7)
    python.gauss(0.0, 1.0)
    state = mt19937.from_python_state(python.getstate())
    assert mt19937.to_python_state(state, python.getstate()[2]) == python.getstate()


@pytest.mark.parametrize("draw", [
    lambda state: mt19937.randint(state, 5, 4),
    lambda state: mt19937.randint(state, 0, 2 ** 32),
    lambda state: mt19937.randbelow(state, 0),
    lambda state: mt19937.getrandbits(state, 33),
    lambda state: mt19937.getrandbits(state, -1),
], ids=["empty-range", "range-of-2**32+1", "randbelow-0", "33-bits", "negative-bits"])
def test_draws_outside_the_replayed_domain_raise(draw):
    with pytest.raises(ValueError):
        draw(generators(1)[1])


@pytest.mark.parametrize("python_state", [
    (2, tuple(range(625)), None),
    (3, tuple(range(624)), None),
    (3, (2 ** 32,) + tuple(range(624)), None),
    (3, tuple(range(624)) + (625,), None),
], ids=["version-2", "short", "word-too-large", "position-too-large"])
def test_malformed_python_states_are_refused(python_state):
    with pytest.raises(ValueError):
        mt19937.from_python_state(python_state)
