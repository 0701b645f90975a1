"""`fastw2v train` through the installed console script."""

import gzip
import io
import subprocess

import numpy as np
import pytest

from fastw2v.train import Word2Vec
from fastw2v.vectors import KeyedVectors
from tests.test_cs224n import fastw2v_command, run_cli
from tests.test_train import topic_sentences


def write_corpus(path, sentences):
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    return str(path)


def read_word2vec_text(source):
    """(words, float32 vectors) of a word2vec text file (a path or a binary file object)."""
    raw = source.read() if hasattr(source, "read") else open(source, "rb").read()
    lines = raw.decode("utf-8").splitlines()
    n_words, dim = map(int, lines[0].split())
    words = [line.split(" ", 1)[0] for line in lines[1:]]
    vectors = np.array([line.split(" ")[1:] for line in lines[1:]], dtype=np.float32)
    assert len(words) == n_words and vectors.shape == (n_words, dim)
    return words, vectors


def test_train_writes_word2vec_text_that_learned_the_topics(tmp_path):
    corpus = write_corpus(tmp_path / "c.txt", topic_sentences(3000))
    out = tmp_path / "v.txt"
    done = run_cli("train", corpus, "-o", str(out), "--dim", "24", "--window", "3", "--min-count", "1",
                   "--sample", "0", "--epochs", "3", "--threads", "2")
    assert done.returncode == 0, done.stderr
    assert "words/s" in done.stderr and str(out) in done.stderr
    words, vectors = read_word2vec_text(out)
    assert sorted(words) == sorted([f"a{i}" for i in range(20)] + [f"b{i}" for i in range(20)])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    topic = np.array([w[0] for w in words])
    same = unit @ unit.T
    assert same[np.equal.outer(topic, topic)].mean() - same[~np.equal.outer(topic, topic)].mean() > 0.3


def test_one_thread_and_a_seed_write_identical_files(tmp_path):
    corpus = write_corpus(tmp_path / "c.txt", topic_sentences(300))
    outputs = []
    for name in ("one.txt", "two.txt"):
        done = run_cli("train", corpus, "-o", str(tmp_path / name), "--min-count", "1", "--threads", "1",
                       "--seed", "3", "--epochs", "1", "--quiet")
        assert done.returncode == 0 and done.stderr == ""
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_missing_input_and_bad_settings_fail_cleanly(tmp_path):
    missing = run_cli("train", str(tmp_path / "none.txt"), "-o", str(tmp_path / "v.txt"))
    assert missing.returncode == 1 and "none.txt" in missing.stderr and "Traceback" not in missing.stderr
    corpus = write_corpus(tmp_path / "c.txt", topic_sentences(10))
    for bad in (["--dim", "0"], ["--epochs", "x"], ["--mode", "turbo"]):
        done = run_cli("train", corpus, "-o", str(tmp_path / "v.txt"), *bad)
        assert done.returncode == 2 and "Traceback" not in done.stderr
    rare = run_cli("train", corpus, "-o", str(tmp_path / "v.txt"), "--min-count", "100000")
    assert rare.returncode == 1 and "min_count" in rare.stderr
    negative_alpha = run_cli("train", corpus, "-o", str(tmp_path / "v.txt"), "--alpha", "-1")
    assert negative_alpha.returncode == 1 and "alpha" in negative_alpha.stderr
    assert not (tmp_path / "v.txt").exists()


def train_bytes(tmp_path, name, inputs, stdin=None, fmt=None):
    out = tmp_path / name
    args = ["train", *inputs, "-o", str(out), "--min-count", "1", "--threads", "1", "--seed", "3",
            "--epochs", "1", "--quiet"] + (["--format", fmt] if fmt else [])
    done = subprocess.run(fastw2v_command() + args, input=stdin, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def test_stdin_a_directory_and_gzip_read_like_the_plain_file(tmp_path):
    sentences = topic_sentences(400)
    corpus = write_corpus(tmp_path / "c.txt", sentences)
    expected = train_bytes(tmp_path, "plain.txt", [corpus])
    parts = tmp_path / "parts"
    parts.mkdir()
    write_corpus(parts / "a.txt", sentences[:150])
    write_corpus(parts / "b.txt", sentences[150:])
    (parts / ".hidden").write_text("zzz " * 50)
    with gzip.open(tmp_path / "c.txt.gz", "wb") as handle:
        handle.write(open(corpus, "rb").read())
    assert train_bytes(tmp_path, "stdin.txt", ["-"], stdin=open(corpus, "rb").read()) == expected
    assert train_bytes(tmp_path, "dir.txt", [str(parts)]) == expected
    assert train_bytes(tmp_path, "gz.txt", [str(tmp_path / "c.txt.gz")]) == expected


def test_binary_and_npz_outputs_hold_the_same_vectors(tmp_path):
    corpus = write_corpus(tmp_path / "c.txt", topic_sentences(200))
    train_bytes(tmp_path, "v.txt", [corpus])
    train_bytes(tmp_path, "v.bin", [corpus], fmt="binary")
    train_bytes(tmp_path, "m.npz", [corpus])  # the format follows the extension
    text, binary = KeyedVectors.load(str(tmp_path / "v.txt")), KeyedVectors.load(str(tmp_path / "v.bin"))
    model = Word2Vec.load(str(tmp_path / "m.npz"))
    assert text.index_to_key == binary.index_to_key == list(model.vocab.words)
    assert np.array_equal(text.vectors, binary.vectors) and np.array_equal(binary.vectors, model.wv.vectors)


def test_a_corpus_without_newlines_trains(tmp_path):
    corpus = tmp_path / "one-line.txt"
    corpus.write_text(" ".join(" ".join(s) for s in topic_sentences(2500)))  # 25,000 words, no newline
    words, _ = read_word2vec_text(io.BytesIO(train_bytes(tmp_path, "v.txt", [str(corpus)])))
    assert len(words) == 40


@pytest.mark.parametrize("flags, settings", [
    (["--cbow"], dict(sg=0)),
    (["--hs", "--negative", "0"], dict(hs=1, negative=0)),
    (["--model", "cbow", "--loss", "hs"], dict(sg=0, loss="hs")),
    (["--cbow", "--cbow-sum", "--loss", "hs+neg", "--alpha", "0.01"],
     dict(sg=0, cbow_mean=0, loss="hs+neg", alpha=0.01)),
])
def test_every_architecture_trains_from_the_cli_as_from_the_api(tmp_path, flags, settings):
    sentences = topic_sentences(300)
    corpus = write_corpus(tmp_path / "c.txt", sentences)
    out = tmp_path / "v.txt"
    done = run_cli("train", corpus, "-o", str(out), "--dim", "16", "--min-count", "1", "--threads", "1",
                   "--seed", "3", "--epochs", "2", "--quiet", *flags)
    assert done.returncode == 0, done.stderr
    words, vectors = read_word2vec_text(out)
    cli_defaults = dict(sg=1, alpha=None, min_alpha=None)  # the command line's: TrainConfig's
    model = Word2Vec(corpus_file=corpus, vector_size=16, min_count=1, workers=1, seed=3, epochs=2,
                     **{**cli_defaults, **settings})
    np.testing.assert_array_equal(vectors, model.wv.vectors[[model.wv.get_index(w) for w in words]])


def test_no_negatives_without_hierarchical_softmax_is_refused(tmp_path):
    corpus = write_corpus(tmp_path / "c.txt", topic_sentences(10))
    done = run_cli("train", corpus, "-o", str(tmp_path / "v.txt"), "--negative", "0")
    assert done.returncode == 1 and "negative=0" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "v.txt").exists()
