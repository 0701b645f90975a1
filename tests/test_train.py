"""The fast path end to end: determinism, learned structure, the loss tally, settings."""

import threading

import numpy as np
import pytest

from fastw2v.config import TrainConfig
from fastw2v.errors import ConfigError
from fastw2v.plan import HotRows
from fastw2v.weights import hot_nodes, hot_rows, output_rows
from fastw2v.train import Word2Vec


def topic_sentences(n_sentences=3000, words_per_topic=20, length=10, seed=0):
    """Sentences that each use one of two disjoint vocabularies ('a*' or 'b*')."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        topic = "ab"[rng.integers(2)]
        sentences.append([f"{topic}{i}" for i in rng.integers(words_per_topic, size=length)])
    return sentences


SMALL = dict(vector_size=24, window=3, negative=5, min_count=1, sample=0, epochs=3, sg=1)


@pytest.mark.parametrize("mode", ["default", "shared"])
def test_one_thread_and_a_seed_give_bit_identical_vectors(mode):
    sentences = topic_sentences(500)
    first = Word2Vec(sentences=sentences, workers=1, seed=7, mode=mode, **SMALL)
    second = Word2Vec(sentences=sentences, workers=1, seed=7, mode=mode, **SMALL)
    other_seed = Word2Vec(sentences=sentences, workers=1, seed=8, mode=mode, **SMALL)
    assert first.wv.vectors.tobytes() == second.wv.vectors.tobytes()
    assert first.syn1neg.tobytes() == second.syn1neg.tobytes()
    assert first.epoch_losses == second.epoch_losses
    assert not np.array_equal(first.wv.vectors, other_seed.wv.vectors)


def within_minus_across(model, words_per_topic=20):
    unit = model.wv.unit_vectors()
    a = unit[[model.wv.get_index(f"a{i}") for i in range(words_per_topic)]]
    b = unit[[model.wv.get_index(f"b{i}") for i in range(words_per_topic)]]
    within = (np.mean(a @ a.T) + np.mean(b @ b.T)) / 2
    return within - np.mean(a @ b.T)


@pytest.mark.parametrize("mode,workers,loss", [("default", 1, "neg"), ("default", 2, "neg"),
                                               ("shared", 1, "neg"), ("default", 1, "hs"),
                                               ("shared", 2, "hs+neg"), ("cbow", 1, "neg"), ("cbow", 2, "hs"),
                                               ("cbow-sum", 1, "neg"), ("shared", 2, "neg"),
                                               ("default", 2, "softmax")])
def test_two_disjoint_topics_end_up_separated(mode, workers, loss):
    architecture = (dict(mode=mode) if not mode.startswith("cbow")
                    else dict(sg=0, cbow_mean=int(mode == "cbow")))
    model = Word2Vec(sentences=topic_sentences(), workers=workers, seed=1, loss=loss,
                     **{**SMALL, **architecture})
    assert within_minus_across(model) > 0.3
    nearest = [word for word, _ in model.wv.most_similar("a3", topn=10)]
    assert all(word.startswith("a") for word in nearest)
    assert model.epoch_losses[-1] < model.epoch_losses[0]


def test_untrained_vectors_are_not_separated():
    model = Word2Vec(**SMALL, workers=1)
    model.build_vocab(corpus_iterable=topic_sentences())
    assert abs(within_minus_across(model)) < 0.1


def test_loss_at_zero_output_weights_is_log2_per_target():
    # U starts at zero, so every score is 0 and each of the 1+K targets costs log 2 while the
    # learning rate is negligible; with 2,000 equally likely words a negative rarely hits the center.
    rng = np.random.default_rng(3)
    sentences = [[f"w{i}" for i in rng.integers(2000, size=12)] for _ in range(3000)]
    settings = dict(SMALL, epochs=1, alpha=1e-12, min_alpha=1e-12, negative=5)
    one = Word2Vec(sentences=sentences, workers=1, **settings)
    two = Word2Vec(sentences=sentences, workers=2, **settings)
    assert one.epoch_losses[0] == pytest.approx(6 * np.log(2), rel=2e-3)
    assert two.epoch_losses[0] == pytest.approx(one.epoch_losses[0], rel=1e-9)
    assert one.stats["pairs"] == two.stats["pairs"] > 0


def test_words_processed_count_every_token_each_epoch():
    sentences = topic_sentences(200)
    model = Word2Vec(sentences=sentences, workers=2, **SMALL)
    assert model.stats["words"] == SMALL["epochs"] * sum(map(len, sentences))


def test_initial_vectors_fill_gensims_range():
    model = Word2Vec(vector_size=50, min_count=1, workers=1)
    model.build_vocab(corpus_iterable=topic_sentences(100))
    vectors = model.wv.vectors
    assert vectors.dtype == np.float32
    assert np.all(np.abs(vectors) <= 1 / 50)
    # Uniform over the whole range, not half of it: both halves of [-1, 1)/D are well filled.
    assert np.mean(np.abs(vectors) > 0.5 / 50) == pytest.approx(0.5, abs=0.05)
    assert abs(float(vectors.mean())) < 0.05 / 50
    assert not np.any(model.syn1neg)


@pytest.mark.parametrize("bad", [
    dict(vector_size=0), dict(window=-1), dict(negative=0), dict(negative=0, loss="hs+neg"),
    dict(negative=-1, loss="hs"), dict(epochs=-1), dict(workers=0),
    dict(sample=-1e-3), dict(alpha=0), dict(min_alpha=-0.01), dict(mode="fast"),
    dict(loss="hinge"), dict(loss="softmax", mode="shared"), dict(sg=0, mode="shared"), dict(sg=2),
    dict(sg=0, cbow_mean=0, loss="softmax"),
    dict(min_count=1.5), dict(seed=-1)])
def test_bad_settings_are_config_errors(bad):
    with pytest.raises(ConfigError):
        TrainConfig(**bad)


def test_exactly_one_corpus_argument():
    with pytest.raises(ConfigError):
        Word2Vec(**SMALL).build_vocab()
    with pytest.raises(RuntimeError, match="build vocabulary"):  # gensim's error
        Word2Vec(**SMALL).train()


def test_hot_rows_merge_every_threads_changes_into_the_shared_rows():
    count, n_words, dim = 3, 5, 4
    U = np.zeros((n_words + 2 * count, dim))
    U[:n_words] = np.arange(n_words * dim).reshape(n_words, dim)
    start = U[:count].copy()
    lock = threading.Lock()
    first, second = HotRows(U, count, n_words), HotRows(U, count, n_words + count)
    np.testing.assert_array_equal(U[n_words:n_words + count], start)
    U[n_words:n_words + count] += 1.0          # what the first thread's job changed
    U[n_words + count:] -= 0.25                # ... and the second's, from the same start
    first.merge(U, lock)
    second.merge(U, lock)
    np.testing.assert_array_equal(U[:count], start + 0.75)
    np.testing.assert_array_equal(U[n_words + count:], start + 0.75)  # the next job starts there
    U[n_words + count:] += 2.0
    second.merge(U, lock)                      # only the new change is added again
    np.testing.assert_array_equal(U[:count], start + 2.75)


def test_hot_rows_can_copy_rows_past_the_first():
    U = np.arange(40.0).reshape(10, 4)
    rows = HotRows(U, 2, 8, source=5)
    np.testing.assert_array_equal(U[8:10], U[5:7])
    start = U[5:7].copy()
    U[8:10] += 1.0
    rows.merge(U, threading.Lock())
    np.testing.assert_array_equal(U[5:7], start + 1.0)
    np.testing.assert_array_equal(U[:5], np.arange(20.0).reshape(5, 4))  # nothing else moved


def test_several_threads_keep_the_nodes_nearest_the_root_private():
    vocab_words = 5000
    assert hot_nodes(TrainConfig(workers=1, loss="hs"), vocab_words) == 0
    assert hot_nodes(TrainConfig(workers=2, loss="neg"), vocab_words) == 0
    both = TrainConfig(workers=2, loss="hs+neg")
    assert 0 < hot_nodes(both, vocab_words) < vocab_words - 1
    assert hot_nodes(TrainConfig(workers=2, loss="hs"), 10) == 9
    assert output_rows(both, vocab_words) == (vocab_words + vocab_words - 1
                                              + 2 * (hot_rows(both, vocab_words)
                                                     + hot_nodes(both, vocab_words)))


def test_only_several_threads_drawing_negatives_use_hot_rows():
    vocab_words = 5000
    assert hot_rows(TrainConfig(workers=1), vocab_words) == 0
    assert hot_rows(TrainConfig(workers=2, loss="softmax"), vocab_words) == 0
    assert 0 < hot_rows(TrainConfig(workers=2), vocab_words) < vocab_words
    assert hot_rows(TrainConfig(workers=2), 10) == 10
    three = TrainConfig(workers=3)
    assert output_rows(three, vocab_words) == vocab_words + 3 * hot_rows(three, vocab_words)


def test_cbow_learns_at_the_c_tools_rate_unless_told():
    assert TrainConfig(sg=0).alpha == 0.05 and TrainConfig().alpha == 0.025
    assert TrainConfig(sg=0, alpha=0.01).alpha == 0.01
    assert TrainConfig(sg=0).min_alpha == pytest.approx(0.05e-4)


@pytest.mark.parametrize("gensim_style,loss,negative", [
    (dict(hs=1, negative=0), "hs", 0), (dict(hs=1), "hs+neg", 5), (dict(hs=1, negative=3), "hs+neg", 3),
    (dict(hs=0), "neg", 5), (dict(hs=0, negative=2), "neg", 2), (dict(), "neg", 5)])
def test_gensims_hs_spelling_names_the_loss(gensim_style, loss, negative):
    model = Word2Vec(**gensim_style)
    assert (model.config.loss, model.config.negative) == (loss, negative)


@pytest.mark.parametrize("bad", [dict(hs=0, negative=0), dict(hs=1, loss="neg"), dict(hs=2)])
def test_gensims_hs_spelling_refuses_what_it_cannot_mean(bad):
    with pytest.raises(ConfigError):
        Word2Vec(**bad)


def test_hierarchical_softmax_alone_trains_without_negatives():
    model = Word2Vec(sentences=topic_sentences(), workers=1, hs=1, **dict(SMALL, negative=0))
    assert model.syn1neg is None  # no word's output row: none allocated (as in gensim)
    assert model.syn1.shape == (len(model.vocab) - 1, SMALL["vector_size"]) and np.any(model.syn1)
    assert model.outputs.matrix(0).shape[0] == len(model.vocab) - 1


def test_hierarchical_softmax_alone_on_two_threads_keeps_its_private_nodes_after_the_tree():
    hs = TrainConfig(workers=2, loss="hs")
    assert output_rows(hs, 5000) == 4999 + 2 * hot_nodes(hs, 5000)  # no row for the words
    model = Word2Vec(sentences=topic_sentences(), workers=2, hs=1, **dict(SMALL, negative=0))
    assert model.syn1neg is None and np.any(model.syn1)
    assert within_minus_across(model) > 0.3
    assert within_minus_across(model) > 0.3
