"""`fastw2v train` through the installed console script."""

import numpy as np

from tests.test_cs224n import run_cli
from tests.test_train import topic_sentences


def write_corpus(path, sentences):
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    return str(path)


def read_word2vec_text(path):
    lines = open(path, encoding="utf-8").read().splitlines()
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
