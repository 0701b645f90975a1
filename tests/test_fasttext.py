"""`fastw2v.FastText`: gensim's names, trained by the subword kernels; its word vectors are the
means of their rows, and gensim's own FastTextKeyedVectors, given fastw2v's rows, gives the same
vectors to vocabulary words and to unseen ones."""

import numpy as np
import pytest

import fastw2v
from fastw2v.errors import ConfigError, FormatError, InputWarning
from fastw2v.fasttext_vectors import FastTextKeyedVectors
from fastw2v.subwords import ngram_rows

STEMS = ("walk", "talk", "jump", "play", "cook")
SUFFIXES = ("", "s", "ed", "ing", "er")
SMALL = dict(vector_size=16, min_count=1, min_n=2, max_n=4, bucket=5000, epochs=3, workers=1, seed=2)


def sentences(n=400, seed=0):
    """Sentences of inflected words: a stem's forms come together, so they share n-grams and
    contexts."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        stem = STEMS[rng.integers(len(STEMS))]
        out.append([stem + SUFFIXES[k] for k in rng.integers(0, len(SUFFIXES), 8)])
    return out


@pytest.fixture(scope="module", params=[1, 0], ids=["skip-gram", "cbow"])
def model(request):
    return fastw2v.FastText(sentences(), sg=request.param, **SMALL)


def test_a_words_vector_is_the_mean_of_its_row_and_its_ngrams_rows(model):
    for word in model.wv.index_to_key:
        rows = ngram_rows(word, 2, 4, 5000)
        own = model.wv.vectors_vocab[model.wv.get_index(word)]
        expected = (own + model.wv.vectors_ngrams[rows].sum(axis=0)) / (1 + rows.size)
        np.testing.assert_allclose(model.wv[word], expected, rtol=1e-5, atol=1e-7)
    assert model.wv.input_rows.shape == (len(model.wv) + 5000, 16)


def test_gensims_vectors_from_the_same_rows_are_the_same(model):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.FastText(vector_size=16, min_count=1, min_n=2, max_n=4, bucket=5000)
    theirs.build_vocab(sentences())
    assert set(theirs.wv.index_to_key) == set(model.wv.index_to_key)
    for word in model.wv.index_to_key:
        theirs.wv.vectors_vocab[theirs.wv.get_index(word)] = model.wv.vectors_vocab[model.wv.get_index(word)]
    theirs.wv.vectors_ngrams[:] = model.wv.vectors_ngrams
    theirs.wv.adjust_vectors()
    for word in model.wv.index_to_key + ["walkers", "cooking-pot", "zzz", "né"]:
        np.testing.assert_allclose(model.wv[word], theirs.wv[word], rtol=1e-5, atol=1e-6)


def test_unseen_words_get_vectors_and_answer_queries(model):
    assert "talkings" in model.wv and not model.wv.has_index_for("talkings")
    near = [word for word, _ in model.wv.most_similar("talkings", topn=5)]
    assert "talkings" not in near and len(near) == 5
    assert model.wv.similarity("talkings", "talking") > 0.5
    with pytest.warns(InputWarning, match="no character n-gram"):  # "<a>": too short for 5-grams
        assert not fastw2v.FastText(sentences(50), **{**SMALL, "min_n": 5, "max_n": 6}).wv["a"].any()
    assert model.wv.n_similarity(["walked", "talkings"], ["walking"]) > 0.5
    with pytest.raises(KeyError, match="unseen word"):
        model.wv.most_similar_batch(["talkings"])


def test_the_vectors_sort_and_copy_with_their_rows(model, tmp_path):
    import copy

    wv = copy.deepcopy(model.wv)
    before = {word: wv[word].copy() for word in wv.index_to_key}
    wv.expandos["count"] = np.arange(len(wv), dtype=np.int64)  # the reverse order
    wv.sort_by_descending_frequency()
    assert wv.index_to_key == list(reversed(model.wv.index_to_key))
    for word, vector in before.items():
        np.testing.assert_allclose(wv[word], vector, rtol=1e-6)
    chosen = model.wv.vectors_for_all(["walked", "talkings", "walked"])
    assert chosen.index_to_key == ["walked", "talkings"]
    np.testing.assert_array_equal(chosen["talkings"], model.wv["talkings"])
    with pytest.raises(ConfigError, match="model.save"):
        model.wv.save(str(tmp_path / "wv.npz"))


def test_training_moves_the_ngram_rows_and_trains_on_threads():
    model = fastw2v.FastText(sentences(), sg=1, **{**SMALL, "workers": 2})
    start = fastw2v.FastText(sentences(), sg=1, **{**SMALL, "epochs": 1})
    used = np.unique(np.concatenate([ngram_rows(w, 2, 4, 5000) for w in model.wv.index_to_key]))
    assert not np.allclose(model.wv.vectors_ngrams[used], start.wv.vectors_ngrams[used])
    # Forms of one stem end nearer one another than forms of two stems.
    same = model.wv.similarity("walked", "walking")
    other = model.wv.similarity("walked", "cooking")
    assert same > other


def test_no_ngrams_is_word2vec(tmp_path):
    plain = fastw2v.FastText(sentences(100), **{**SMALL, "max_n": 1})  # max_n < min_n: no n-grams
    assert plain.config.maxn == 0 and not isinstance(plain.wv, FastTextKeyedVectors)
    plain.save(str(tmp_path / "plain.npz"))


def test_a_model_saves_loads_and_goes_on_training(model, tmp_path):
    path = str(tmp_path / "model.npz")
    model.save(path)
    loaded = fastw2v.FastText.load(path)
    assert isinstance(loaded.wv, FastTextKeyedVectors)
    assert (loaded.min_n, loaded.max_n, loaded.bucket) == (2, 4, 5000)
    np.testing.assert_array_equal(loaded.wv.input_rows, model.wv.input_rows)
    np.testing.assert_array_equal(loaded.wv["walkings"], model.wv["walkings"])
    with pytest.raises(FormatError, match="FastText.load"):
        fastw2v.Word2Vec.load(path)
    loaded.train(sentences(50, seed=4), total_examples=50, epochs=1)
    assert not np.array_equal(loaded.wv.input_rows, model.wv.input_rows)


def test_an_interrupted_run_resumes_to_the_same_rows(tmp_path):
    settings = {**SMALL, "epochs": 2, "batch_words": 300}
    whole = fastw2v.FastText(sg=1, **settings)
    whole.build_vocab(sentences(), corpus_dir=str(tmp_path / "whole"))
    whole.train()
    cut = fastw2v.FastText(sg=1, **settings)
    cut.build_vocab(sentences(), corpus_dir=str(tmp_path / "cut"))

    class StopAfterFirstEpoch:
        def on_epoch_end(self, model):
            model.save_checkpoint(str(tmp_path / "run.ckpt"), {})
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cut.train(callbacks=[StopAfterFirstEpoch()])
    resumed = fastw2v.FastText.load(str(tmp_path / "run.ckpt"))
    resumed.train()
    np.testing.assert_array_equal(resumed.wv.input_rows, whole.wv.input_rows)


def test_what_is_not_built_yet_is_refused(model):
    with pytest.raises(ConfigError, match="word_ngrams"):
        fastw2v.FastText(word_ngrams=2)
    with pytest.raises(ConfigError, match="mean"):
        fastw2v.FastText(sg=0, cbow_mean=0)
    with pytest.raises(ConfigError, match="this machine"):
        fastw2v.FastText(cluster="local:2")
    with pytest.raises(ConfigError, match="FastText"):
        fastw2v.Word2Vec(maxn=6)


def test_the_command_line_trains_what_the_api_trains_and_prints_unseen_words_vectors(tmp_path):
    from tests.test_cs224n import run_cli

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(line) for line in sentences()) + "\n", encoding="utf-8")
    flags = ["--subwords", "--minn", "2", "--maxn", "4", "--bucket", "5000", "--dim", "16", "--min-count",
             "1", "--epochs", "3", "--threads", "1", "--seed", "2", "--min-alpha", "0.0001", "--quiet"]
    done = run_cli("train", str(corpus), "-o", str(tmp_path / "model.npz"), *flags)
    assert done.returncode == 0, done.stderr
    api = fastw2v.FastText(corpus_file=str(corpus), sg=1, **SMALL)
    model = fastw2v.FastText.load(str(tmp_path / "model.npz"))
    np.testing.assert_array_equal(model.wv.input_rows, api.wv.input_rows)
    printed = run_cli("vectors", str(tmp_path / "model.npz"), "walked", "walkingly")
    assert printed.returncode == 0, printed.stderr
    for line, word in zip(printed.stdout.splitlines(), ["walked", "walkingly"]):
        fields = line.split()
        assert fields[0] == word
        np.testing.assert_allclose(np.array(fields[1:], dtype=np.float32), api.wv[word], rtol=1e-6)
    refused = run_cli("train", str(corpus), "-o", str(tmp_path / "v.txt"), "--minn", "2")
    assert refused.returncode == 1 and "--subwords" in refused.stderr



def test_the_vocabulary_grows_as_gensims_does():
    """build_vocab(update=True): the old words keep their rows and the n-grams theirs, new words
    get rows and, after training on the new text, vectors near their kin's."""
    model = fastw2v.FastText(sentences(), sg=1, **SMALL)
    old_rows, old_words = model.wv.input_rows.copy(), list(model.wv.index_to_key)
    more = [["walkings", "talkings", "walk", "talk"] * 4] * 200
    model.build_vocab(more, update=True)
    assert model.wv.index_to_key[:len(old_words)] == old_words and "walkings" in model.wv.key_to_index
    n_old, n_new = len(old_words), len(model.wv)
    np.testing.assert_array_equal(model.wv.vectors_vocab[:n_old], old_rows[:n_old])
    np.testing.assert_array_equal(model.wv.vectors_ngrams, old_rows[n_old:])
    assert model.wv.input_rows.shape == (n_new + 5000, 16) and model.syn1neg.shape[0] == n_new
    model.train(more, total_examples=len(more), epochs=2)
    assert np.isfinite(model.wv.vectors).all()
    assert model.wv.similarity("walkings", "walking") > model.wv.similarity("walkings", "cook")
