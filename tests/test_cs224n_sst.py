"""The CS224N SST loader on small generated files with known counts, and the toy corpus."""

import random
from collections import Counter

import numpy as np
import pytest

from fastw2v.cs224n.sst import StanfordSentiment, write_toy_sst
from fastw2v.errors import DatasetError

SENTENCES = [
    "The cat sat on the mat .",
    "A DOG\u00a0sat .",            # a non-breaking space splits words, as str.split() does
    "the cat",
    "Dog",
]


def write_sst(directory, sentences=SENTENCES):
    lines = ["sentence_index\tsentence\n"] + [f"{i}\t{s}\n" for i, s in enumerate(sentences, 1)]
    (directory / "datasetSentences.txt").write_text("".join(lines), encoding="utf-8")
    return StanfordSentiment(str(directory))


def test_sentences_skip_header_and_index_and_are_lowercased(tmp_path):
    dataset = write_sst(tmp_path)
    assert dataset.sentences() == [
        ["the", "cat", "sat", "on", "the", "mat", "."], ["a", "dog", "sat", "."], ["the", "cat"], ["dog"]]


def test_tokens_in_first_appearance_order_with_unk_last(tmp_path):
    dataset = write_sst(tmp_path)
    tokens = dataset.tokens()
    assert list(tokens) == ["the", "cat", "sat", "on", "mat", ".", "a", "dog", "UNK"]
    assert [tokens[w] for w in tokens] == list(range(9))
    counts = Counter(w for s in dataset.sentences() for w in s)
    assert dataset.token_counts().tolist() == [counts[w] for w in list(tokens)[:-1]] + [1]
    assert dataset.word_count() == sum(counts.values()) + 1 == 15


def test_reject_probabilities_follow_the_formula(tmp_path):
    dataset = write_sst(tmp_path)
    counts = dataset.token_counts()
    expected = np.maximum(0.0, 1 - np.sqrt(1e-5 * 15 / counts))
    np.testing.assert_array_equal(dataset.rejectProb(), expected)


def frequent_word_corpus(tmp_path):
    """N = 102,001 words: 'x' 100,000 times (often rejected), and 2,000 words seen once, whose
    count ≤ 1e-5·N gives them reject probability 0."""
    return write_sst(tmp_path, ["x " * 50 + f"once{i}" for i in range(2000)])


def test_subsampling_draws_only_for_words_with_positive_reject_probability(tmp_path):
    dataset = frequent_word_corpus(tmp_path)
    reject = dataset.rejectProb()
    tokens = dataset.tokens()
    assert reject[tokens["x"]] > 0 and reject[tokens["once7"]] == 0
    random.seed(1)
    all_sentences = dataset.allSentences()
    draws = 30 * 2000 * 50  # one draw per 'x' and none for the words seen once
    state_after_build = random.getstate()
    random.seed(1)
    for _ in range(draws):
        random.random()
    assert random.getstate() == state_after_build
    kept_x = sum(s.count(tokens["x"]) for s in all_sentences)
    assert kept_x / draws == pytest.approx(1 - reject[tokens["x"]], rel=0.05)
    assert all(len(s) > 1 and s[-1] != tokens["x"] for s in all_sentences)


def test_random_context_excludes_the_center_and_stays_in_the_window(tmp_path):
    dataset = write_sst(tmp_path, ["a b c d e f g h", "a b a c"])
    ids = dataset.tokens()
    dataset._all_sentences = [[ids[w] for w in "abcdefgh"], [ids[w] for w in "abac"]]
    random.seed(7)
    seen_centers = set()
    for _ in range(300):
        center, context = dataset.getRandomContext(2)
        seen_centers.add(center)
        assert center not in context
        assert 1 <= len(context) <= 4
    assert seen_centers == set("abcdefgh")
    random.seed(7)
    assert dataset.getRandomContext(2) in [
        (c, [w for w in s[max(0, i - 2):i] + s[i + 1:i + 3] if w != c])
        for s in ("abcdefgh", "abac") for i, c in enumerate(s)]


def test_a_corpus_that_subsampling_empties_is_a_dataset_error(tmp_path):
    dataset = write_sst(tmp_path, ["a b"] * 3)
    random.seed(0)
    with pytest.raises(DatasetError, match="sub-sampling"):
        dataset.getRandomContext(2)


def test_sample_table_follows_count_to_the_three_quarters(tmp_path):
    dataset = frequent_word_corpus(tmp_path)
    random.seed(3)
    table = dataset.sampleTable()
    assert table.shape == (1000000,)
    weights = dataset.token_counts() ** 0.75
    share = np.bincount(table, minlength=len(weights)) / len(table)
    np.testing.assert_allclose(share, weights / weights.sum(), atol=2e-6)
    assert 0 <= dataset.sampleTokenIdx() < len(weights)


def test_missing_sentences_file_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="datasetSentences.txt"):
        StanfordSentiment(str(tmp_path)).tokens()


def test_toy_corpus_is_deterministic_and_holds_the_figure_words(tmp_path):
    first = (tmp_path / "a").as_posix()
    second = (tmp_path / "b").as_posix()
    write_toy_sst(first, n_sentences=200, seed=4)
    write_toy_sst(second, n_sentences=200, seed=4)
    text = (tmp_path / "a" / "datasetSentences.txt").read_text()
    assert text == (tmp_path / "b" / "datasetSentences.txt").read_text()
    tokens = StanfordSentiment(first).tokens()
    assert {"king", "queen", "coffee", "tea", "rain", "great", "boring"} <= set(tokens)
