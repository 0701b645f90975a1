"""fastText's .bin files: fastw2v writes what the `fasttext` package and gensim's
`load_facebook_model` read (the same vectors for vocabulary words and unseen ones), reads what
they write, round-trips its own models exactly, and refuses damaged or foreign files with one
error naming the file, before allocating what a lying header promises."""

import os
import struct
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import fastw2v
from fastw2v import fasttext_bin
from fastw2v.errors import ConfigError, FormatError

STEMS = ("walk", "talk", "jump", "play", "cook", "look", "work", "paint")
SUFFIXES = ("", "s", "ed", "ing", "er", "ers")
SMALL = dict(vector_size=12, min_count=2, min_n=2, max_n=5, bucket=3000, epochs=2, workers=1, seed=3)
UNSEEN = ["walkingly", "paintering", "zq", "né", "x"]


def write_corpus(path, n=600, seed=0):
    """Sentences of inflected words (stems share n-grams and contexts), one a line."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(n):
            stem = STEMS[rng.integers(len(STEMS))]
            handle.write(" ".join(stem + SUFFIXES[k] for k in rng.integers(0, len(SUFFIXES), 8)) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("bin") / "corpus.txt")


@pytest.fixture(scope="module", params=["sg-neg", "cbow-neg", "sg-hs"])
def saved(request, corpus, tmp_path_factory):
    """(fastw2v model, the .bin it wrote)."""
    sg, loss = request.param.split("-")
    model = fastw2v.FastText(corpus_file=corpus, sg=int(sg == "sg"), hs=int(loss == "hs"),
                             negative=0 if loss == "hs" else 5, **SMALL)
    path = str(tmp_path_factory.mktemp("saved") / "model.bin")
    fastw2v.save_facebook_model(model, path)
    return model, path


def vectors_of(get, words):
    return np.array([get(word) for word in words], dtype=np.float64)


def test_the_fasttext_package_reads_fastw2vs_file(saved):
    fasttext = pytest.importorskip("fasttext")
    model, path = saved
    theirs = fasttext.load_model(path)
    words, counts = theirs.get_words(include_freq=True)
    assert list(words) == list(model.wv.index_to_key)
    assert list(counts) == list(model.vocab.counts)
    assert theirs.get_dimension() == 12
    every = list(model.wv.index_to_key) + UNSEEN[:-1]  # "x": no n-gram of 2 to 5 but "<x>"
    np.testing.assert_allclose(vectors_of(theirs.get_word_vector, every),
                               vectors_of(model.wv.get_vector, every), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(theirs.get_input_matrix(), model.wv.input_rows)


def test_gensim_reads_fastw2vs_file(saved):
    gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
    model, path = saved
    theirs = gensim_fasttext.load_facebook_model(path)
    assert theirs.wv.index_to_key == list(model.wv.index_to_key)
    assert (theirs.sg, theirs.hs, theirs.wv.min_n, theirs.wv.max_n, theirs.wv.bucket) == (
        model.sg, model.hs, 2, 5, 3000)
    every = list(model.wv.index_to_key) + UNSEEN[:-1]
    np.testing.assert_allclose(vectors_of(theirs.wv.get_vector, every),
                               vectors_of(model.wv.get_vector, every), rtol=1e-5, atol=1e-6)
    output = theirs.syn1 if model.hs else theirs.syn1neg
    expected = -model.syn1 if model.hs else model.syn1neg  # gensim copies fastText's rows as they are
    np.testing.assert_array_equal(output[:len(expected)], expected)


def test_fastw2v_reads_its_own_file_back_exactly(saved):
    model, path = saved
    loaded = fastw2v.load_facebook_model(path)
    assert isinstance(loaded, fastw2v.FastText)
    for name in ("sg", "window", "negative", "min_count", "epochs", "sample", "vector_size", "min_n", "max_n",
                 "bucket"):
        assert getattr(loaded.config, {"min_n": "minn", "max_n": "maxn"}.get(name, name)) == getattr(
            model.config, {"min_n": "minn", "max_n": "maxn"}.get(name, name)), name
    assert loaded.config.loss == model.config.loss
    np.testing.assert_array_equal(loaded.wv.input_rows, model.wv.input_rows)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    for name in ("syn1neg", "syn1"):
        mine = getattr(model, name)
        assert (mine is None) == (getattr(loaded, name) is None)
        if mine is not None:
            np.testing.assert_array_equal(getattr(loaded, name), mine)
    assert loaded.vocab.words == model.vocab.words and loaded.vocab.total_words == model.vocab.total_words
    kv = fastw2v.load_facebook_vectors(path)
    np.testing.assert_array_equal(kv["walkingly"], model.wv["walkingly"])


def test_a_model_read_from_fasttexts_file_gives_its_vectors_and_trains_on(corpus, tmp_path):
    fasttext = pytest.importorskip("fasttext")
    path = str(tmp_path / "theirs.bin")
    for loss in ("ns", "hs"):
        theirs = fasttext.train_unsupervised(corpus, model="skipgram", dim=10, minCount=2, minn=2, maxn=4,
                                             bucket=2000, epoch=1, thread=1, loss=loss, verbose=0)
        theirs.save_model(path)
        model = fastw2v.load_facebook_model(path)
        assert model.config.loss == {"ns": "neg", "hs": "hs"}[loss] and model.config.sg == 1
        assert list(model.wv.index_to_key) == list(theirs.get_words())  # `</s>` too
        every = list(model.wv.index_to_key) + UNSEEN
        np.testing.assert_allclose(vectors_of(model.wv.get_vector, every),
                                   vectors_of(theirs.get_word_vector, every), rtol=1e-5, atol=1e-6)
        output = np.asarray(theirs.get_output_matrix())
        if loss == "hs":  # fastText's code 1 is the positive label, fastw2v's (the C tool's) 0
            np.testing.assert_array_equal(model.syn1, -output[:-1])
            likely = hs_log_likelihood(model, model.syn1, corpus)
            assert likely > hs_log_likelihood(model, -model.syn1, corpus)
        else:
            np.testing.assert_array_equal(model.syn1neg, output)
        before = model.wv["walkingly"].copy()
        model.train(corpus_file=corpus, total_words=600 * 8, epochs=1)
        assert np.isfinite(model.wv.vectors).all() and not np.allclose(model.wv["walkingly"], before)


def hs_log_likelihood(model, syn1, corpus, limit=300):
    """Σ log P(context | center) under hierarchical softmax with inner-node rows `syn1` (fastw2v's
    codes: 0 the positive label), over the first `limit` neighbouring pairs of the corpus."""
    from fastw2v.huffman import build_huffman_tree

    tree = build_huffman_tree(model.vocab.counts)
    index, total, pairs = model.vocab.index, 0.0, 0
    for line in open(corpus, encoding="utf-8"):
        words = [word for word in line.split() if word in index]
        for center, context in zip(words, words[1:]):
            nodes, codes = tree.path(index[context])
            scores = (1.0 - 2.0 * codes) * (syn1[nodes] @ model.wv[center])
            total += float(-np.logaddexp(0.0, -scores).sum())
            pairs += 1
            if pairs == limit:
                return total
    return total


def test_hierarchical_softmax_rows_are_written_with_fasttexts_sign(tmp_path, corpus):
    """fastText reads the file's output rows with its codes as the labels: the trained model's
    pairs must be likely under that reading, not under the opposite sign."""
    fasttext = pytest.importorskip("fasttext")
    model = fastw2v.FastText(corpus_file=corpus, sg=1, hs=1, negative=0, **dict(SMALL, epochs=5))
    path = str(tmp_path / "hs.bin")
    fastw2v.save_facebook_model(model, path)
    output = np.asarray(fasttext.load_model(path).get_output_matrix())[:-1]
    theirs_read = -output  # fastText's label is its code: as fastw2v's rows, the negation
    assert hs_log_likelihood(model, theirs_read, corpus) > hs_log_likelihood(model, -theirs_read, corpus) + 10


def test_a_grown_vocabulary_is_written_in_count_order(tmp_path, corpus):
    """fastText's dictionary must be by descending count (its tree reads it so): the words, their
    rows and counts are reordered together, and every word keeps its vectors."""
    fasttext = pytest.importorskip("fasttext")
    rng = np.random.default_rng(5)
    for loss in ("hs", "neg"):
        model = fastw2v.Word2Vec(corpus_file=corpus, vector_size=8, min_count=2, epochs=1, workers=1,
                                 loss=loss)
        more = [["zebra", "yak"] * 30 + list(rng.choice(STEMS, 4))] * 20  # new words, frequent
        model.build_vocab(more, update=True)
        model.train(more, total_examples=len(more), epochs=1)
        assert np.any(np.diff(model.vocab.counts) > 0)
        path = str(tmp_path / f"grown-{loss}.bin")
        fastw2v.save_facebook_model(model, path)
        theirs = fasttext.load_model(path)
        words, counts = theirs.get_words(include_freq=True)
        assert np.all(np.diff(counts) <= 0) and sorted(words) == sorted(model.wv.index_to_key)
        for word in ("zebra", "walks", model.wv.index_to_key[0]):
            np.testing.assert_allclose(theirs.get_word_vector(word), model.wv[word], rtol=1e-6)
        loaded = fastw2v.load_facebook_model(path)
        output = np.asarray(theirs.get_output_matrix())
        if loss == "hs":
            np.testing.assert_array_equal(loaded.syn1, model.syn1)  # the same tree, the same rows
        else:
            for word in ("zebra", "walks"):
                np.testing.assert_array_equal(output[loaded.vocab.index[word]],
                                              model.syn1neg[model.vocab.index[word]])


def test_fasttext_settings_it_reads_as_it_uses_them(saved, tmp_path):
    """minn 0 makes the n-grams of minn 1; minn above maxn makes none (fastText's reading)."""
    fasttext = pytest.importorskip("fasttext")
    model, path = saved
    bad = str(tmp_path / "settings.bin")
    minn_at = 8 + fasttext_bin.ARG_NAMES.index("minn") * 4
    for minn in (0, 9):
        _patched(path, bad, minn_at, "<i", minn)
        theirs, mine = fasttext.load_model(bad), fastw2v.load_facebook_vectors(bad)
        every = list(model.wv.index_to_key[:20]) + (UNSEEN[:-1] if minn == 0 else [])
        np.testing.assert_allclose(vectors_of(mine.get_vector, every),
                                   vectors_of(theirs.get_word_vector, every), rtol=1e-5, atol=1e-6)
        assert ("walkingly" in mine) == (minn == 0)
        assert fastw2v.load_facebook_model(bad).config.maxn == (5 if minn == 0 else 0)
        np.testing.assert_array_equal(fastw2v.KeyedVectors.load(bad).vectors, mine.vectors)


def test_words_of_any_bytes_and_length_keep_fasttexts_ngrams(tmp_path):
    """A word that is not UTF-8 keeps its bytes (and so its n-grams' rows: fastText hashes bytes),
    and a word longer than any buffer is read whole."""
    fasttext = pytest.importorskip("fasttext")
    corpus = tmp_path / "latin1.txt"
    corpus.write_bytes(b"caf\xe9 na\xefve cafe naive " * 50 + b"\n" + b"w" * 12_000 + b" end\n")
    theirs = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=6, minCount=1, minn=2, maxn=4,
                                         bucket=500, epoch=1, thread=1, verbose=0)
    path = str(tmp_path / "latin1.bin")
    theirs.save_model(path)
    mine = fastw2v.load_facebook_vectors(path)
    assert len(mine.index_to_key) == len(theirs.get_words(on_unicode_error="replace"))
    for raw in (b"caf\xe9", b"na\xefve", b"cafe", b"w" * 12_000):
        word = raw.decode("utf-8", "surrogateescape")
        np.testing.assert_allclose(mine[word], theirs.get_word_vector(raw), rtol=1e-5, atol=1e-6)
    again = str(tmp_path / "again.bin")
    model = fastw2v.load_facebook_model(path)
    fastw2v.save_facebook_model(model, again)
    assert open(again, "rb").read().count(b"caf\xe9\0") == 1
    with pytest.raises(FormatError, match="cannot be encoded as UTF-8"):  # word2vec and native files
        model.wv.save_word2vec_format(str(tmp_path / "latin1.txt"))  # hold UTF-8 only
    long = fastw2v.KeyedVectors(["w" * 12_000, "end"], np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(FormatError, match="12,000 bytes long"):  # the word2vec readers take 10,000
        long.save_word2vec_format(str(tmp_path / "long.txt"))
    done = subprocess.run([sys.executable, "-m", "fastw2v", "vectors", path], input=b"caf\xe9\n",
                          capture_output=True, env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert done.returncode == 0, done.stderr  # the word's bytes in and out, as fastText prints them
    assert done.stdout.startswith(b"caf\xe9 ") and len(done.stdout.split()) == 7


def test_a_file_gensim_writes_reads_the_same(corpus, tmp_path):
    gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
    theirs = gensim_fasttext.FastText(corpus_file=corpus, vector_size=10, min_count=2, min_n=2, max_n=4,
                                      bucket=2000, epochs=1, workers=1, sg=1)
    path = str(tmp_path / "gensim.bin")
    gensim_fasttext.save_facebook_model(theirs, path)
    model = fastw2v.load_facebook_model(path)
    every = theirs.wv.index_to_key + UNSEEN[:-1]
    np.testing.assert_allclose(vectors_of(model.wv.get_vector, every),
                               vectors_of(theirs.wv.get_vector, every), rtol=1e-5, atol=1e-6)


def test_a_plain_word2vec_model_is_a_fasttext_file_without_ngrams(corpus, tmp_path):
    fasttext = pytest.importorskip("fasttext")
    model = fastw2v.Word2Vec(corpus_file=corpus, vector_size=8, min_count=2, epochs=1, workers=1)
    path = str(tmp_path / "plain.bin")
    fastw2v.save_facebook_model(model, path)
    theirs = fasttext.load_model(path)
    np.testing.assert_allclose(vectors_of(theirs.get_word_vector, model.wv.index_to_key), model.wv.vectors,
                               rtol=1e-6)
    loaded = fastw2v.load_facebook_model(path)
    assert loaded.config.maxn == 0 and "walkingly" not in loaded.wv
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)


@pytest.mark.parametrize("settings,message", [
    (dict(hs=1, negative=5), "one loss"),
    (dict(sg=0, cbow_mean=0), "mean"),
    (dict(sample=5), "count threshold"),
])
def test_what_the_format_cannot_hold_is_refused_before_writing(corpus, tmp_path, settings, message):
    options = dict(SMALL, **settings)
    if options.get("cbow_mean") == 0:
        options.update(max_n=0)  # CBOW with the sum trains no n-grams
        model = fastw2v.Word2Vec(corpus_file=corpus, vector_size=8, min_count=2, epochs=1, workers=1, sg=0,
                                 cbow_mean=0)
    else:
        model = fastw2v.FastText(corpus_file=corpus, **options)
    path = tmp_path / "refused.bin"
    with pytest.raises(ConfigError, match=message):
        fastw2v.save_facebook_model(model, str(path))
    assert not path.exists()


def _sections(path):
    """The byte offsets where the dictionary, the input matrix and the output matrix start."""
    contents = fasttext_bin.read_bin(path)
    dictionary = 8 + struct.calcsize("<12id")
    entries = sum(len(word.encode()) + 10 for word in contents.words)
    input_at = dictionary + struct.calcsize("<3i2q") + entries
    output_at = input_at + 17 + contents.input_rows.nbytes
    return dictionary, input_at, output_at


def _patched(source, target, offset, fmt, *values):
    data = bytearray(open(source, "rb").read())
    struct.pack_into(fmt, data, offset, *values)
    open(target, "wb").write(bytes(data))


def test_damaged_files_are_refused_with_the_file_named(saved, tmp_path):
    _, path = saved
    data = open(path, "rb").read()
    dictionary, input_at, output_at = _sections(path)
    bad = str(tmp_path / "bad.bin")
    cuts = [0, 3, 20, dictionary + 10, input_at + 5, input_at + 100, output_at + 9, len(data) - 1]
    for cut in cuts:
        open(bad, "wb").write(data[:cut])
        with pytest.raises(FormatError, match="bad.bin"):
            fasttext_bin.read_bin(bad)
    open(bad, "wb").write(data + b"\0\0")
    with pytest.raises(FormatError, match="after the output matrix"):
        fasttext_bin.read_bin(bad)
    cases = [
        (0, "<i", 12345, "magic"),
        (4, "<i", 13, "version 13"),
        (8 + 7 * 4, "<i", 3, "supervised"),  # model
        (dictionary + 8, "<i", 2, "labels"),
        (dictionary + 20, "<q", 0, "pruned"),
        (input_at, "<?", True, "quantised"),
        (input_at + 1, "<q", 99, "input matrix is 99"),
    ]
    for offset, fmt, value, message in cases:
        _patched(path, bad, offset, fmt, value)
        with pytest.raises(FormatError, match=message):
            fasttext_bin.read_bin(bad)


def test_a_lying_size_is_an_error_not_an_allocation(saved, tmp_path):
    _, path = saved
    dictionary, input_at, _ = _sections(path)
    bad = str(tmp_path / "lying.bin")
    for offset, fmt, values in [(dictionary, "<3i", (2_000_000_000, 2_000_000_000, 0)),
                                (8 + 8 * 4, "<i", (2_000_000_000,)),  # bucket: input rows of 2e9
                                (8, "<i", (60_000,))]:  # dim
        _patched(path, bad, offset, fmt, *values)
        tracemalloc.start()
        with pytest.raises(FormatError):
            fasttext_bin.read_bin(bad)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 50_000_000


def test_the_command_line_writes_and_reads_fasttext_files(corpus, tmp_path):
    out = tmp_path / "cli.bin"
    run = [sys.executable, "-m", "fastw2v"]
    done = subprocess.run(run + ["train", corpus, "-o", str(out), "--subwords", "--minn", "2", "--maxn", "4",
                                 "--bucket", "2000", "--dim", "8", "--min-count", "2", "--epochs", "1",
                                 "--quiet"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert fasttext_bin.is_fasttext_bin(str(out))  # .bin with --subwords: fastText's format
    model = fastw2v.load_facebook_model(str(out))
    done = subprocess.run(run + ["vectors", str(out), "walks", "walkingly"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["walks", "walkingly"]
    np.testing.assert_allclose(np.array(lines[1].split()[1:], dtype=np.float64), model.wv["walkingly"],
                               rtol=1e-6)
    done = subprocess.run(run + ["similar", str(out), "walkingly"], capture_output=True, text=True)
    assert done.returncode == 0 and len(done.stdout.splitlines()) >= 5, done.stderr
    plot = tmp_path / "words.png"
    done = subprocess.run(run + ["plot", str(out), "--words", "walks", "talks", "walkingly", "-o", str(plot)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and plot.stat().st_size > 1000, done.stderr
    (tmp_path / "cut.bin").write_bytes(out.read_bytes()[:500])
    done = subprocess.run(run + ["vectors", str(tmp_path / "cut.bin"), "walks"], capture_output=True,
                          text=True)
    assert done.returncode == 1 and "cut.bin" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = subprocess.run(run + ["train", corpus, "-o", str(tmp_path / "x.bin"), "--format", "fasttext",
                                 "--loss", "hs+neg", "--quiet"], capture_output=True, text=True)
    assert done.returncode != 0 and "one loss" in done.stderr and not (tmp_path / "x.bin").exists()
