"""Planted structure is recovered by training, and the evaluation measures it."""

import numpy as np
import pytest

from fastw2v.errors import DatasetError
from fastw2v.evaluate import (evaluate_analogies, evaluate_word_pairs, read_analogies, read_word_pairs,
                              spearman)
from fastw2v.synthetic import write_planted_corpus, write_planted_pairs
from fastw2v.train import Word2Vec
from fastw2v.vectors import KeyedVectors


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    directory = tmp_path_factory.mktemp("planted")
    corpus, questions = directory / "c.txt", directory / "q.txt"
    write_planted_corpus(str(corpus), 600_000, seed=0, questions_path=str(questions))
    return str(corpus), read_analogies(str(questions))


@pytest.mark.parametrize("mode", ["default", "shared"])
def test_training_recovers_the_planted_analogies(planted, mode):
    corpus, questions = planted
    model = Word2Vec(corpus_file=corpus, workers=2, epochs=2, mode=mode, seed=1, sg=1)
    result = evaluate_analogies(model.wv, questions)
    assert result.coverage == 1.0
    assert result.accuracy > 0.5, result.sections
    assert set(result.sections) == {"capital-country", "male-female", "singular-plural", "present-past"}


def test_untrained_vectors_do_not_answer_the_analogies(planted):
    corpus, questions = planted
    model = Word2Vec(workers=1, sg=1)
    model.build_vocab(corpus_file=corpus)
    assert evaluate_analogies(model.wv, questions).accuracy < 0.05


def test_planted_corpus_is_deterministic(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    write_planted_corpus(str(first), 20_000, seed=3)
    write_planted_corpus(str(second), 20_000, seed=3)
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_text().split()) >= 20_000


def test_analogy_answer_excludes_the_question_words():
    # b - a + c lands exactly on c itself; excluding a, b, c the answer must be d.
    words = ["a", "b", "c", "d", "e"]
    vectors = np.array([[1, 0, 0], [1, 0.01, 0], [0, 1, 0], [0.1, 1, 0.1], [0, 0, 1]], dtype=np.float32)
    result = evaluate_analogies(KeyedVectors(words, vectors), [("s", ("a", "b", "c", "d")),
                                                               ("s", ("a", "b", "c", "zzz"))])
    assert (result.correct, result.total, result.skipped) == (1, 1, 1)
    assert result.coverage == 0.5


def test_questions_file_errors_name_the_line(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": sec\na b c d\na b c\n")
    with pytest.raises(DatasetError, match=r"q.txt:3"):
        read_analogies(str(path))


def test_spearman_handles_ties_and_order():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # ranks with ties: x = [1, 2.5, 2.5, 4] against y ranks [1, 2, 3, 4]
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486832980505138)


def test_word_pairs_correlate_after_training(planted, tmp_path):
    corpus, _ = planted
    pairs_path = tmp_path / "pairs.txt"
    write_planted_pairs(str(pairs_path))
    pairs = read_word_pairs(str(pairs_path)) + [("unknown", "a", 1.0)]
    model = Word2Vec(corpus_file=corpus, workers=2, epochs=1, seed=1, sg=1)
    result = evaluate_word_pairs(model.wv, pairs)
    assert result.spearman > 0.3
    assert result.oov == pytest.approx(1 / len(pairs))
