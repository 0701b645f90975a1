"""`fastw2v.Word2Vec` as gensim 4's: its keywords (honoured, or refused with a message), its
vocabulary rules, `train`'s corpus arguments and sanity errors, continued training with a
growing vocabulary, callbacks and the training loss."""

import numpy as np
import pytest

from fastw2v import Word2Vec
from fastw2v.errors import ConfigError, DatasetError, FormatError
from fastw2v.local import LocalBackend
from fastw2v.plan import TrainingPlan
from fastw2v.vocab import RULE_DISCARD, RULE_KEEP
from fastw2v.weights import initial_vectors

SMALL = dict(vector_size=16, window=3, negative=5, min_count=1, sample=0, epochs=3, workers=1, seed=3, sg=1)


def topic_sentences(topics, n_sentences, words_per_topic=15, length=8, seed=0):
    """Sentences that each draw their words from one topic: topic t's words are f"{t}{i}"."""
    rng = np.random.default_rng(seed)
    return [[f"{topic}{i}" for i in rng.integers(words_per_topic, size=length)]
            for topic in rng.choice(list(topics), size=n_sentences)]


def share_of_own_topic(wv, word, topn=5):
    """The share of `word`'s topn neighbours that come from its own topic (its first letter)."""
    return np.mean([other[0] == word[0] for other, _ in wv.most_similar(word, topn=topn)])


@pytest.mark.parametrize("keyword, value", [("hashfxn", lambda text: 0), ("null_word", 1),
                                            ("sorted_vocab", 0), ("shrink_windows", False)])
def test_a_keyword_that_cannot_be_honoured_is_refused_by_name(keyword, value):
    with pytest.raises(ConfigError, match=keyword):
        Word2Vec(**{keyword: value})


@pytest.mark.parametrize("keyword, value", [("word_count", 10), ("queue_factor", 4), ("report_delay", 5.0)])
def test_a_train_keyword_that_cannot_be_honoured_is_refused_by_name(keyword, value):
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus_iterable=topic_sentences("ab", 50))
    with pytest.raises(ConfigError, match=keyword):
        model.train(**{keyword: value})


def test_settings_read_and_set_as_attributes_stay_validated():
    model = Word2Vec(**SMALL)
    assert (model.window, model.sg, model.hs, model.negative, model.epochs) == (3, 1, 0, 5, 3)
    model.alpha, model.epochs = 0.05, 7
    assert (model.config.alpha, model.config.epochs) == (0.05, 7)
    with pytest.raises(ConfigError, match="window"):
        model.window = 0
    model.build_vocab(corpus_iterable=topic_sentences("ab", 50))
    with pytest.raises(ConfigError, match="before build_vocab"):
        model.vector_size = 8
    with pytest.raises(ConfigError, match="before build_vocab"):
        model.hs = 1


def test_gensims_defaults_make_a_cbow_model():
    model = Word2Vec()
    assert (model.sg, model.alpha, model.min_alpha, model.hs, model.negative) == (0, 0.025, 0.0001, 0, 5)


@pytest.mark.parametrize("max_final_vocab", [1, 7, 12, 40])
def test_max_final_vocab_keeps_the_words_gensim_keeps(max_final_vocab):
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(5)
    sentences = [[f"w{int(i)}" for i in rng.zipf(1.6, size=12) if i < 60] for _ in range(200)]
    ours = Word2Vec(**dict(SMALL, min_count=2), max_final_vocab=max_final_vocab)
    ours.build_vocab(corpus_iterable=sentences)
    theirs = gensim_models.Word2Vec(vector_size=16, min_count=2, max_final_vocab=max_final_vocab)
    theirs.build_vocab(sentences)
    assert set(ours.wv.index_to_key) == set(theirs.wv.index_to_key)
    assert len(ours.wv) <= max_final_vocab


def test_trim_rule_keeps_and_discards_as_gensims():
    gensim_models = pytest.importorskip("gensim.models")
    sentences = topic_sentences("ab", 40) + [["rare", "a1"], ["b2", "gone", "gone", "gone"]]

    def rule(word, count, min_count):
        return RULE_KEEP if word == "rare" else RULE_DISCARD if word.startswith("g") or word == "a3" else 0

    ours = Word2Vec(**dict(SMALL, min_count=3))
    ours.build_vocab(corpus_iterable=sentences, trim_rule=rule)
    theirs = gensim_models.Word2Vec(vector_size=16, min_count=3)
    theirs.build_vocab(sentences, trim_rule=rule)
    assert set(ours.wv.index_to_key) == set(theirs.wv.index_to_key)
    assert "rare" in ours.wv and "gone" not in ours.wv and "a3" not in ours.wv


def test_corpus_count_and_total_words_are_gensims():
    gensim_models = pytest.importorskip("gensim.models")
    sentences = topic_sentences("ab", 30) + [[], ["only-once"]]
    ours = Word2Vec(**dict(SMALL, min_count=2))
    ours.build_vocab(corpus_iterable=sentences)
    theirs = gensim_models.Word2Vec(vector_size=16, min_count=2)
    theirs.build_vocab(sentences)
    assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count, theirs.corpus_total_words)


def test_corpus_count_of_a_file_counts_its_lines(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c\n\nb c\na b")  # the last line has no newline; the empty one counts
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus_file=str(path))
    assert (model.corpus_count, model.corpus_total_words) == (4, 7)


def test_train_needs_gensims_totals_and_epochs_and_one_corpus():
    sentences = topic_sentences("ab", 50)
    model = Word2Vec(**SMALL)
    with pytest.raises(RuntimeError, match="build vocabulary"):
        model.train(sentences, total_examples=50, epochs=1)
    model.build_vocab(corpus_iterable=sentences)
    with pytest.raises(ValueError, match="total_examples or total_words"):
        model.train(sentences, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        model.train(sentences, total_examples=50)
    with pytest.raises(ValueError, match="epochs"):
        model.train(sentences, total_examples=50, epochs=0)
    with pytest.raises(TypeError, match="Both"):
        model.train(sentences, corpus_file="x.txt", total_examples=50, epochs=1)
    with pytest.raises(TypeError, match="valid path"):
        model.train(corpus_file="no/such/file.txt", total_words=10, epochs=1)
    with pytest.raises(TypeError, match="iterable of lists"):
        model.train("a sentence as one str", total_examples=1, epochs=1)


def test_train_returns_gensims_word_counts_and_takes_a_generator_for_every_epoch():
    sentences = topic_sentences("ab", 60) + [["unseen", "a1"]]
    model = Word2Vec(**dict(SMALL, min_count=2))
    model.build_vocab(corpus_iterable=sentences)
    trained, raw = model.train((s for s in sentences), total_examples=len(sentences), epochs=4)
    assert trained == 4 * model.corpus.n_words == 4 * (60 * 8 + 1)
    assert raw == 4 * (60 * 8 + 2)
    assert model.epochs == 4 and len(model.epoch_losses) == 4


def test_start_and_end_alpha_become_the_models_as_in_gensim():
    sentences = topic_sentences("ab", 50)
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus_iterable=sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1, start_alpha=0.01, end_alpha=0.001)
    assert (model.alpha, model.min_alpha, model.epochs) == (0.01, 0.001, 1)


def test_a_corpus_with_no_word_of_the_vocabulary_is_refused():
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus_iterable=topic_sentences("ab", 50))
    with pytest.raises(DatasetError, match="update=True"):
        model.train([["x1", "y2"]], total_examples=1, epochs=1)


def test_the_corpus_build_vocab_read_is_not_read_again_unless_it_changed(tmp_path, monkeypatch):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in topic_sentences("ab", 80)))
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus_file=str(path))
    encoded, reads, read = model.corpus, [], LocalBackend.build_vocab
    monkeypatch.setattr(LocalBackend, "build_vocab", lambda *args: reads.append(args) or read(*args))
    model.train(corpus_file=str(path), total_words=model.corpus_total_words, epochs=1)
    assert not reads and model.stats["words"] == model.corpus_total_words
    path.write_text("a1 a2 a3 b1\n" * 5)
    model.train(corpus_file=str(path), total_words=20, epochs=1)
    assert len(reads) == 1 and model.stats["words"] == 20
    assert model.corpus is encoded  # build_vocab's corpus stays the model's


def test_an_update_keeps_old_rows_and_starts_new_ones_as_new_rows_start():
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus_iterable=topic_sentences("ab", 200))
    model.train()
    old_words, old_vectors = list(model.wv.index_to_key), model.wv.vectors.copy()
    old_outputs = model.syn1neg.copy()
    old_counts = model.vocab.counts.copy()
    second = topic_sentences("an", 100, seed=1)
    model.build_vocab(corpus_iterable=second, update=True)
    n_old = len(old_words)
    assert model.wv.index_to_key[:n_old] == old_words
    added = model.wv.index_to_key[n_old:]
    assert sorted(added) == sorted({w for s in second for w in s} - set(old_words))
    np.testing.assert_array_equal(model.wv.vectors[:n_old], old_vectors)
    np.testing.assert_array_equal(model.syn1neg[:n_old], old_outputs)
    assert not model.syn1neg[n_old:].any()
    np.testing.assert_array_equal(model.wv.vectors[n_old:],
                                  initial_vectors(len(model.wv), SMALL["vector_size"], SMALL["seed"])[n_old:])
    seen_again = {w: sum(s.count(w) for s in second) for w in old_words}
    np.testing.assert_array_equal(model.vocab.counts[:n_old], old_counts + [seen_again[w] for w in old_words])
    assert all(model.wv.get_index(w) == i for i, w in enumerate(model.wv.index_to_key))


@pytest.mark.parametrize("loss", ["neg", "hs"])
def test_continued_training_learns_new_words_and_keeps_the_old_ones(loss):
    """A second corpus brings a new topic ('n' words) that co-occurs with nothing old; after the
    update and training on it (with some of the old text), the new words have found each other and
    the old topics are still apart."""
    settings = dict(SMALL, epochs=5, loss=loss, negative=5 if loss == "neg" else 0)
    model = Word2Vec(sentences=topic_sentences("ab", 1500), **settings)
    assert share_of_own_topic(model.wv, "a3") == 1.0 and share_of_own_topic(model.wv, "b3") == 1.0
    second = topic_sentences("nb", 1500, seed=2)
    model.build_vocab(corpus_iterable=second, update=True)
    assert share_of_own_topic(model.wv, "n3") < 1.0  # new rows: random, not yet trained
    model.train(second, total_examples=model.corpus_count, epochs=model.epochs)
    for word in ("n3", "n7"):
        assert share_of_own_topic(model.wv, word) == 1.0, model.wv.most_similar(word)
    for word in ("a3", "b3"):
        assert share_of_own_topic(model.wv, word) >= 0.8, model.wv.most_similar(word)


def test_update_without_a_vocabulary_is_gensims_runtime_error():
    with pytest.raises(RuntimeError, match="online vocabulary-update"):
        Word2Vec(**SMALL).build_vocab(corpus_iterable=[["a"]], update=True)


def test_build_vocab_from_freq_then_train_on_a_corpus():
    sentences = topic_sentences("ab", 300)
    counts = {}
    for sentence in sentences:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    model = Word2Vec(**SMALL)
    model.build_vocab_from_freq(counts, corpus_count=len(sentences))
    assert sorted(model.wv.index_to_key) == sorted(counts) and model.corpus is None
    model.train(sentences, total_examples=len(sentences), epochs=3)
    assert share_of_own_topic(model.wv, "a3") == 1.0
    with pytest.raises(ConfigError, match="word_freq"):
        Word2Vec(**SMALL).build_vocab_from_freq({"a": -1})


class Recorder:
    """A callback that records what it saw."""

    def __init__(self):
        self.events, self.losses, self.neighbours = [], [], []

    def on_train_begin(self, model):
        self.events.append("train_begin")

    def on_epoch_begin(self, model):
        self.events.append("epoch_begin")

    def on_epoch_end(self, model):
        self.events.append("epoch_end")
        self.losses.append(model.get_latest_training_loss())
        self.neighbours.append(model.wv.most_similar("a3", topn=3))

    def on_train_end(self, model):
        self.events.append("train_end")


def test_callbacks_see_every_epoch_with_its_loss_and_vectors():
    recorder = Recorder()
    model = Word2Vec(sentences=topic_sentences("ab", 400), compute_loss=True, callbacks=[recorder],
                     **dict(SMALL, workers=2, epochs=4))
    assert recorder.events == ["train_begin"] + ["epoch_begin", "epoch_end"] * 4 + ["train_end"]
    assert all(b > a > 0 for a, b in zip(recorder.losses, recorder.losses[1:]))
    # the running total is the float64 sum of the epochs' tallies, as the model keeps them
    assert recorder.losses[-1] == pytest.approx(float(model.progress.loss.sum()), rel=1e-12)
    assert recorder.neighbours[0] != recorder.neighbours[-1]  # queries saw each epoch's vectors


def test_the_loss_is_reported_only_when_asked_for_and_restarts_with_each_train():
    sentences = topic_sentences("ab", 200)
    model = Word2Vec(sentences=sentences, **SMALL)
    assert model.get_latest_training_loss() == 0.0
    model.train(sentences, total_examples=len(sentences), epochs=1, compute_loss=True)
    one_epoch = model.get_latest_training_loss()
    assert one_epoch == pytest.approx(float(model.progress.loss[0]))
    model.train(sentences, total_examples=len(sentences), epochs=2, compute_loss=True)
    assert model.get_latest_training_loss() == pytest.approx(float(model.progress.loss.sum()))
    assert model.get_latest_training_loss() > one_epoch


def test_gensims_own_callback_objects_are_accepted():
    callback_module = pytest.importorskip("gensim.models.callbacks")

    class EpochCounter(callback_module.CallbackAny2Vec):
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, model):
            self.epochs += 1

    counter = EpochCounter()
    Word2Vec(sentences=topic_sentences("ab", 50), callbacks=[counter], **SMALL)
    assert counter.epochs == SMALL["epochs"]


def test_a_callback_without_any_callback_method_is_refused():
    with pytest.raises(ConfigError, match=r"callbacks\[1\]"):
        Word2Vec(callbacks=[Recorder(), object()])


def test_predict_output_word_is_the_softmax_of_the_output_vectors():
    model = Word2Vec(sentences=topic_sentences("ab", 300), **SMALL)
    got = model.predict_output_word(["a1", "a2", "nowhere"], topn=4)
    hidden = model.wv.vectors[[model.wv.get_index("a1"), model.wv.get_index("a2")]].mean(axis=0)
    scores = np.exp(model.syn1neg.astype(np.float64) @ hidden)
    scores /= scores.sum()
    best = np.argsort(-scores)[:4]
    assert [w for w, _ in got] == [model.wv.index_to_key[i] for i in best]
    np.testing.assert_allclose([p for _, p in got], scores[best], rtol=1e-5)
    assert model.predict_output_word(["nowhere"]) is None


def test_the_models_own_attributes_survive_save_and_load(tmp_path):
    model = Word2Vec(sentences=topic_sentences("ab", 50), comment="first try", compute_loss=True,
                     max_final_vocab=25, **SMALL)
    model.save(str(tmp_path / "m.npz"))
    loaded = Word2Vec.load(str(tmp_path / "m.npz"))
    for name in ("corpus_count", "corpus_total_words", "comment", "compute_loss", "max_final_vocab",
                 "train_count"):
        assert getattr(loaded, name) == getattr(model, name), name


def test_initial_and_grown_rows_are_the_ones_gensim_draws():
    """With no ties in the counts both vocabularies have one order, and gensim 4 draws the same
    rows from the same seeded generator: before training, and for the words an update adds."""
    gensim_models = pytest.importorskip("gensim.models")
    first = [[f"w{i}"] * (30 - i) for i in range(12)]  # distinct counts, first seen most frequent first
    second = [["w1"] * 3 + [f"n{i}"] * (8 - i) for i in range(4)]
    ours = Word2Vec(**dict(SMALL, seed=11, hs=1))
    theirs = gensim_models.Word2Vec(vector_size=SMALL["vector_size"], min_count=1, seed=11, hs=1)
    for update, sentences in ((False, first), (True, second)):
        ours.build_vocab(corpus_iterable=sentences, update=update)
        theirs.build_vocab(sentences, update=update)
        assert ours.wv.index_to_key == theirs.wv.index_to_key
        np.testing.assert_array_equal(ours.wv.vectors, theirs.wv.vectors)
        assert [int(c) for c in ours.vocab.counts] == [theirs.wv.get_vecattr(w, "count")
                                                      for w in theirs.wv.index_to_key]


def test_a_saved_model_goes_on_training_on_a_new_corpus_after_loading(tmp_path):
    model = Word2Vec(sentences=topic_sentences("ab", 600), **SMALL)
    model.save(str(tmp_path / "m.npz"))
    loaded = Word2Vec.load(str(tmp_path / "m.npz"))
    assert loaded.corpus is None
    more = topic_sentences("nb", 800, seed=4)
    loaded.build_vocab(more, update=True)
    loaded.train(more, total_examples=loaded.corpus_count, epochs=loaded.epochs)
    assert share_of_own_topic(loaded.wv, "n2") == 1.0 and share_of_own_topic(loaded.wv, "a2") >= 0.8
    np.testing.assert_array_equal(loaded.wv["a5"], model.wv["a5"])  # no 'a' word in the new corpus...
    assert not np.array_equal(loaded.wv["b5"], model.wv["b5"])  # ...every 'b' word trained again


def _sentences_then(error):
    yield from topic_sentences("nb", 60)
    raise error


@pytest.mark.parametrize("failing", ["missing file", "bad sentence", "raising iterator"])
def test_an_update_that_fails_leaves_the_model_as_it_was(tmp_path, failing):
    model = Word2Vec(sentences=topic_sentences("ab", 100), **SMALL)
    words, vectors, counts = list(model.wv.index_to_key), model.wv.vectors.copy(), model.vocab.counts.copy()
    corpus_count, total_words = model.corpus_count, model.corpus_total_words
    if failing == "missing file":
        with pytest.raises(DatasetError, match="no such file"):
            model.build_vocab(corpus_file=str(tmp_path / "missing.txt"), update=True)
    elif failing == "bad sentence":
        with pytest.raises(DatasetError, match="sentence 60"):
            model.build_vocab(topic_sentences("nb", 60) + ["a whole string"], update=True)
    else:
        with pytest.raises(OSError, match="disk gone"):
            model.build_vocab(_sentences_then(OSError("disk gone")), update=True)
    assert model.wv.index_to_key == words and np.array_equal(model.wv.vectors, vectors)
    assert np.array_equal(model.vocab.counts, counts)
    assert (model.corpus_count, model.corpus_total_words) == (corpus_count, total_words)
    model.train()  # still trains on its own corpus
    assert model.stats["words"] == SMALL["epochs"] * total_words


def test_training_twice_without_a_corpus_reports_each_runs_own_loss():
    model = Word2Vec(**SMALL)
    model.build_vocab(topic_sentences("ab", 200))
    losses = []
    for _ in range(3):
        model.train(compute_loss=True)
        losses.append(model.get_latest_training_loss())
        assert losses[-1] == pytest.approx(float(model.progress.loss.sum()), rel=1e-12)
    assert all(loss > 0 for loss in losses)
    assert losses[1] < losses[0]  # the second run starts from trained vectors


def test_a_callback_that_resets_the_running_loss_reads_each_epochs_loss():
    class PerEpoch:
        def __init__(self):
            self.losses = []

        def on_epoch_end(self, model):
            self.losses.append(model.get_latest_training_loss())
            model.running_training_loss = 0.0  # gensim's idiom

    callback = PerEpoch()
    model = Word2Vec(topic_sentences("ab", 300), compute_loss=True, callbacks=[callback], **SMALL)
    np.testing.assert_allclose(callback.losses, model.progress.loss, rtol=1e-9)
    assert model.running_training_loss == pytest.approx(0.0, abs=1e-6)
    model.running_training_loss = 5.0
    assert model.get_latest_training_loss() == pytest.approx(5.0)


def test_without_compute_loss_the_running_loss_keeps_what_was_set_until_training():
    model = Word2Vec(topic_sentences("ab", 100), **SMALL)
    assert model.get_latest_training_loss() == 0.0
    model.running_training_loss = 7.0
    assert model.running_training_loss == 7.0 == model.get_latest_training_loss()
    model.train()
    assert model.running_training_loss == 0.0


def test_settings_set_after_a_run_make_the_next_run_theirs():
    model = Word2Vec(topic_sentences("ab", 300), **SMALL)
    model.epochs, model.batch_words = 2, 400
    model.train()
    assert len(model.epoch_losses) == 2 and model.stats["words"] == 2 * model.corpus_total_words
    jobs = TrainingPlan(model.config, model.vocab, model.corpus).jobs
    assert model.progress.next_job == len(jobs) >= 2 * 5  # 2,400 words an epoch in jobs of ~400


def test_a_callback_may_lower_the_learning_rate_between_epochs_and_nothing_else():
    class Halve:
        def on_epoch_end(self, model):
            model.alpha, model.min_alpha = model.alpha / 2, model.alpha / 2

    sentences = topic_sentences("ab", 300)
    halved = Word2Vec(sentences, callbacks=[Halve()], **SMALL)
    plain = Word2Vec(sentences, **SMALL)
    assert halved.alpha == pytest.approx(0.025 / 2 ** SMALL["epochs"])
    assert not np.array_equal(halved.wv.vectors, plain.wv.vectors)

    class Widen:
        def on_epoch_end(self, model):
            model.window = 5

    model = Word2Vec(**SMALL)
    model.build_vocab(sentences)
    with pytest.raises(ConfigError, match="window"):
        model.train(callbacks=[Widen()])
    assert model.window == SMALL["window"]


def test_a_callback_after_one_that_lowers_the_learning_rate_still_sees_the_run():
    class Halve:
        def on_epoch_end(self, model):
            model.alpha = model.alpha / 2

    class LossLog:
        def __init__(self):
            self.losses = []

        def on_epoch_end(self, model):
            self.losses.append(model.get_latest_training_loss())
            model.running_training_loss = 0.0

    sentences = topic_sentences("ab", 300)
    before, after = LossLog(), LossLog()
    Word2Vec(sentences, compute_loss=True, callbacks=[after, Halve()], **SMALL)
    model = Word2Vec(sentences, compute_loss=True, callbacks=[Halve(), before], **SMALL)
    assert min(before.losses) > 0 and before.losses == pytest.approx(after.losses, rel=1e-9)
    assert model.get_latest_training_loss() == pytest.approx(0.0, abs=1e-6)


def test_a_resumed_run_begins_every_epoch_it_ends_and_checkpoints_only_when_due(tmp_path):
    from fastw2v import Checkpointing

    sentences = topic_sentences("ab", 400)
    model = Word2Vec(**dict(SMALL, epochs=2, batch_words=500))
    model.build_vocab(sentences, corpus_dir=str(tmp_path / "corpus"))
    path = str(tmp_path / "ck.npz")
    model.train(checkpoint=Checkpointing(path, every=0.0))  # one after every job but the last
    resumed = Word2Vec.load(path)
    per_epoch = TrainingPlan(resumed.config, resumed.vocab, resumed.corpus).jobs_per_epoch
    assert per_epoch >= 2 and resumed.progress.next_job == 2 * per_epoch - 1  # inside the last epoch
    recorder = Recorder()
    resumed.train(callbacks=[recorder])
    assert recorder.events == ["train_begin", "epoch_begin", "epoch_end", "train_end"]
    np.testing.assert_array_equal(resumed.wv.vectors, model.wv.vectors)

    quiet = str(tmp_path / "quiet.npz")
    again = Word2Vec(**dict(SMALL, epochs=3))
    again.build_vocab(sentences, corpus_dir=str(tmp_path / "corpus2"))
    again.train(callbacks=[Recorder()], checkpoint=Checkpointing(quiet, every=3600.0))
    assert not (tmp_path / "quiet.npz").exists()


def test_a_gensim_pickle_is_refused_with_a_way_to_convert_it(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    path = str(tmp_path / "gensim.model")
    gensim_models.Word2Vec(topic_sentences("ab", 30), vector_size=8, min_count=1).save(path)
    with pytest.raises(FormatError, match="pickle.*save_word2vec_format"):
        Word2Vec.load(path)


def test_the_vectors_carry_gensims_count_attribute_through_updates_and_files(tmp_path):
    sentences = topic_sentences("ab", 200)
    model = Word2Vec(sentences, **SMALL)
    words = model.wv.index_to_key
    expected = {w: sum(s.count(w) for s in sentences) for w in words}
    assert [model.wv.get_vecattr(w, "count") for w in words] == [expected[w] for w in words]
    more = topic_sentences("an", 100, seed=5)
    model.build_vocab(more, update=True)
    for word in ("a3", "n3"):
        assert model.wv.get_vecattr(word, "count") == expected.get(word, 0) + sum(s.count(word) for s in more)
    model.wv.save_word2vec_format(str(tmp_path / "v.txt"), fvocab=str(tmp_path / "vocab.txt"))
    saved = dict(line.split() for line in (tmp_path / "vocab.txt").read_text().splitlines())
    assert int(saved["n3"]) == model.wv.get_vecattr("n3", "count")
    model.save(str(tmp_path / "m.npz"))
    loaded = Word2Vec.load(str(tmp_path / "m.npz"))
    assert loaded.wv.get_vecattr("n3", "count") == model.wv.get_vecattr("n3", "count")


@pytest.mark.parametrize("sample", [1e-3, 1e-2, 1.0, 5, 40])
def test_sub_sampling_keeps_words_with_gensims_probabilities(sample):
    gensim_models = pytest.importorskip("gensim.models")
    ids = np.random.default_rng(0).zipf(1.3, size=20_000) % 500  # a few frequent words, many rare
    sentences = [[f"w{i}" for i in ids[start:start + 10]] for start in range(0, ids.size, 10)]
    ours = Word2Vec(**dict(SMALL, sample=sample))
    ours.build_vocab(sentences)
    theirs = gensim_models.Word2Vec(vector_size=8, min_count=1, sample=sample)
    theirs.build_vocab(sentences)
    keep = TrainingPlan(ours.config, ours.vocab, ours.corpus).sampling.keep_threshold / 2.0 ** 32
    gensims = np.array([theirs.wv.get_vecattr(w, "sample_int") for w in ours.wv.index_to_key])
    gensims = gensims / (2.0 ** 32 - 1)
    np.testing.assert_allclose(keep, gensims, atol=1e-8)
    assert keep.min() < 1.0  # every threshold here sub-samples some words


def test_trained_word_count_is_the_words_sub_sampling_kept():
    sentences = topic_sentences("ab", 500)
    model = Word2Vec(**dict(SMALL, sample=1e-2))
    model.build_vocab(sentences)
    trained, raw = model.train(sentences, total_examples=model.corpus_count, epochs=4)
    assert raw == 4 * model.corpus_total_words
    thresholds = TrainingPlan(model.config, model.vocab, model.corpus).sampling.keep_threshold
    keep = np.minimum(1.0, thresholds / 2.0 ** 32)
    expected = 4 * float(np.sum(model.vocab.counts * keep))
    assert trained == model.progress.kept and abs(trained - expected) < 0.03 * expected
    assert trained < 0.9 * raw


def test_raw_vocab_is_gensims_before_and_after_build_vocab():
    model = Word2Vec(**SMALL)
    assert model.raw_vocab is None
    model.build_vocab(topic_sentences("ab", 50))
    assert model.raw_vocab == {}
    model.build_vocab(topic_sentences("ab", 50), keep_raw_vocab=True)
    assert sum(model.raw_vocab.values()) == model.corpus_total_words
    assert model.raw_vocab["a word never seen"] == 0


def test_training_on_another_corpus_keeps_build_vocabs_corpus_for_later_runs(tmp_path):
    from fastw2v import Checkpointing

    model = Word2Vec(**SMALL)
    model.build_vocab(topic_sentences("ab", 300), corpus_dir=str(tmp_path / "corpus"))
    kept = model.corpus_count, model.corpus_total_words, model.corpus_dir
    other = topic_sentences("ab", 40, seed=9)
    trained, raw = model.train(other, total_examples=len(other), epochs=1)
    assert raw == 40 * 8 and (model.corpus_count, model.corpus_total_words, model.corpus_dir) == kept
    with pytest.raises(ConfigError, match="another corpus"):  # its progress is not build_vocab's corpus's
        model.save_checkpoint(str(tmp_path / "after-other.npz"), {})
    assert not (tmp_path / "after-other.npz").exists()
    model.train()
    assert model.stats["words"] == model.epochs * kept[1]  # epochs=1 became the model's, as in gensim
    model.save_checkpoint(str(tmp_path / "after-own.npz"), {})
    with pytest.raises(ConfigError, match="checkpoint"):
        model.train(other, total_examples=len(other), epochs=1,
                    checkpoint=Checkpointing(str(tmp_path / "c.npz"), 1))
    with pytest.raises(ConfigError, match="corpus_dir"):
        model.build_vocab(other, update=True, corpus_dir=str(tmp_path / "corpus"))
    assert model.corpus.n_words == kept[1]


def test_vectors_changed_through_wv_cannot_be_saved_or_trained_as_the_model(tmp_path):
    model = Word2Vec(topic_sentences("ab", 100), **SMALL)
    model.wv.add_vectors(["extra"], np.ones((1, SMALL["vector_size"]), np.float32))
    for attempt in (lambda: model.save(str(tmp_path / "m.npz")), model.train):
        with pytest.raises(ConfigError, match="wv.add_vectors"):
            attempt()
    assert not (tmp_path / "m.npz").exists()
    model.wv.save(str(tmp_path / "wv.npz"))  # the vectors alone still save


def test_settings_gensim_accepts_are_accepted():
    sentences = topic_sentences("ab", 100)
    assert len(Word2Vec(sentences, **dict(SMALL, min_count=0)).wv) == len(Word2Vec(sentences, **SMALL).wv)
    model = Word2Vec(**dict(SMALL, epochs=0))
    model.build_vocab(sentences)
    with pytest.raises(ValueError, match="epochs"):
        model.train()
    with pytest.raises(ValueError, match="epochs"):
        Word2Vec(sentences, **dict(SMALL, epochs=0))
    slow = Word2Vec(sentences, **dict(SMALL, alpha=0.00005))  # below the default min_alpha, as gensim
    assert slow.min_alpha_yet_reached == pytest.approx(0.0001)  # the rate never goes below min_alpha
