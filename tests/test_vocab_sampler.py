"""Vocabulary order, sub-sampling and noise weights, and the alias sampler."""

import collections
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastw2v import radix
from fastw2v import vocab as vocab_module
from fastw2v.errors import DatasetError
from fastw2v.rng import seed_state
from fastw2v.sampler import build_alias_table, draw_many
from fastw2v.vocab import (build_vocabulary, by_descending_count, keep_probabilities, keep_thresholds,
                           noise_weights)


def test_ids_by_descending_count_then_word():
    counts = collections.Counter({"b": 5, "a": 5, "c": 9, "d": 1, "e": 5})
    vocab = build_vocabulary(counts, total_words=25, min_count=2)
    assert vocab.words == ("c", "a", "b", "e")
    assert vocab.counts.tolist() == [9, 5, 5, 5]
    assert vocab.train_words == 24 and vocab.total_words == 25
    assert vocab.index["e"] == 3


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(alphabet=st.sampled_from("ab\x00\u00e9\u65e5\U0001f600"), max_size=12),
                       st.integers(1, 3), max_size=40))
def test_the_order_is_pythons_on_words_that_share_long_prefixes(counts):
    words = list(counts)
    chosen = np.arange(len(words), dtype=np.int64)
    order = by_descending_count(words, np.array(list(counts.values()), dtype=np.int64), chosen)
    assert [words[i] for i in order.tolist()] == sorted(words, key=lambda word: (-counts[word], word))


def test_a_very_long_word_sorts_in_little_memory():
    words = [f"w{i}" for i in range(1000)] + ["x" * 1_000_000]  # as one str array: 4 GB
    tracemalloc.start()
    try:
        order = by_descending_count(words, np.full(len(words), 5), np.arange(len(words)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [words[i] for i in order.tolist()] == sorted(words)
    assert peak < 10 << 20


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3000), st.lists(st.sampled_from(["few", "bits", "spread", "high"]), min_size=1,
                                       max_size=4), st.integers(0, 2**32))
def test_the_radix_sort_is_numpys_lexsort(n, kinds, seed):
    # Keys with many ties, with digits that every key shares, and spread over all 64 bits.
    rng = np.random.default_rng(seed)
    made = {"few": lambda: rng.integers(0, 3, n).astype(np.uint64),
            "bits": lambda: rng.integers(0, 2**20, n).astype(np.uint64) << np.uint64(22),
            "spread": lambda: rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True),
            "high": lambda: np.uint64(2**64 - 1) - rng.integers(0, 5, n).astype(np.uint64)}
    keys = [made[kind]() for kind in kinds]
    assert np.array_equal(radix.lexsort(keys), np.lexsort(keys))


def test_max_vocab_size_keeps_the_most_frequent():
    vocab = build_vocabulary({"x": 3, "y": 7, "z": 5}, 15, min_count=1, max_vocab_size=2)
    assert vocab.words == ("y", "z")


def test_no_word_reaching_min_count_is_a_dataset_error():
    with pytest.raises(DatasetError, match="min_count=5"):
        build_vocabulary({"a": 1, "b": 4}, 5, min_count=5)


def test_keep_probability_follows_the_word2vec_formula():
    counts = np.array([10000, 1000, 100, 10, 1])
    sample = 1e-3
    n = counts.sum()
    expected = [min(1.0, (np.sqrt(f / (sample * n)) + 1) * (sample * n) / f) for f in counts]
    np.testing.assert_allclose(keep_probabilities(counts, sample), expected, rtol=1e-12)
    assert np.all(keep_probabilities(counts, 0) == 1)
    thresholds = keep_thresholds(keep_probabilities(counts, sample))
    assert thresholds[-1] == 2 ** 32 and 0 < thresholds[0] < 2 ** 32


def test_noise_weights_are_counts_to_the_power():
    np.testing.assert_allclose(noise_weights([16, 1], 0.75), [8.0, 1.0])


def implied_distribution(prob, alias):
    """The exact distribution an alias table draws from."""
    n = prob.size
    mass = prob.astype(np.float64).copy()
    np.add.at(mass, alias, 1.0 - prob.astype(np.float64))
    return mass / n


@pytest.mark.parametrize("weights", [
    np.arange(1, 50) ** 0.75, np.array([1.0]), np.array([0.0, 3.0, 0.0, 1.0]),
    np.random.default_rng(0).pareto(1.0, 5000) + 1e-3])
def test_alias_table_encodes_the_distribution_exactly(weights):
    prob, alias = build_alias_table(weights)
    assert prob.dtype == np.float32 and alias.dtype == np.int32
    np.testing.assert_allclose(implied_distribution(prob, alias), weights / weights.sum(), atol=1e-7)


def test_alias_draws_match_the_distribution_chi_square():
    weights = noise_weights(np.random.default_rng(1).zipf(1.3, 200).clip(1, 10 ** 6))
    prob, alias = build_alias_table(weights)
    draws, _ = draw_many(prob, alias, 10 ** 6, seed_state(1))
    observed = np.bincount(draws, minlength=weights.size)
    expected = 10 ** 6 * weights / weights.sum()
    chi2 = np.sum((observed - expected) ** 2 / expected)
    dof = weights.size - 1
    assert chi2 < dof + 5 * np.sqrt(2 * dof), f"chi-square {chi2:.0f} for {dof} degrees of freedom"


def test_alias_draws_are_reproducible_from_the_state():
    prob, alias = build_alias_table(np.arange(1, 10.0))
    first, state_after = draw_many(prob, alias, 1000, seed_state(5))
    again, _ = draw_many(prob, alias, 1000, seed_state(5))
    np.testing.assert_array_equal(first, again)
    assert state_after != seed_state(5)


def test_bad_weights_are_rejected():
    for bad in ([], [0.0, 0.0], [1.0, -1.0], [np.nan]):
        with pytest.raises(ValueError):
            build_alias_table(np.array(bad))


@pytest.mark.parametrize("picked", [0, 1, 3, 49, 51, 100])
def test_picked_words_are_those_indexed_whichever_way_they_are_gathered(picked):
    """Less than half of the list by itemgetter, more through an object array: the same words."""
    words = [f"w{i}" for i in range(100)]
    indices = np.random.default_rng(picked).permutation(100)[:picked].astype(np.int64)
    assert vocab_module._picked(words, indices) == tuple(words[i] for i in indices)
