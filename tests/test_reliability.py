"""Bad input at `fastw2v train`: one clear error line naming the file or argument, a non-zero exit
code, no traceback, and no output file (a previous one survives untouched). Settings and the
output path are checked before the corpus is read, so a long run never fails at its end."""

import errno
import os
import re
import threading

import numpy as np
import pytest

from fastw2v import atomic
from fastw2v.cli import main
from fastw2v.train import Word2Vec
from tests.test_cs224n import run_cli

GOOD_TEXT = " ".join(f"w{i % 40}" for i in range(4000)) + "\n"
QUICK = ["--dim", "8", "--epochs", "1", "--threads", "1", "--quiet"]


def write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


def assert_clean_failure(done, *expected, code=1):
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, done.stderr
    for text in expected:
        assert text in errors[0], errors[0]


CORPORA = {
    "empty file": (b"", ["empty.txt", "0 tokens"]),
    "every word below min_count": (b"a b c d e f g\n", ["rare.txt", "min_count=5"]),
    "binary garbage": (bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8)),
                       ["garbage.bin:", "NUL byte"]),
    "NUL bytes in text": (b"some words\nmore words here\nbad \x00 line\n", ["nul.txt:3:", "NUL byte"]),
    "a token of 3 MiB": (b"a b\nc d\n" + b"x" * (3 << 20) + b"\n", ["long.txt:3:", "without whitespace"]),
}
FILE_NAMES = {"empty file": "empty.txt", "every word below min_count": "rare.txt",
              "binary garbage": "garbage.bin", "NUL bytes in text": "nul.txt",
              "a token of 3 MiB": "long.txt"}


@pytest.mark.parametrize("case", sorted(CORPORA))
def test_bad_corpora_fail_cleanly_and_write_nothing(tmp_path, case):
    data, expected = CORPORA[case]
    corpus = write(tmp_path / FILE_NAMES[case], data)
    out = tmp_path / "out.txt"
    assert_clean_failure(run_cli("train", corpus, "-o", str(out), *QUICK), *expected)
    assert not out.exists()
    assert os.listdir(tmp_path) == [FILE_NAMES[case]]  # no temporary file left behind


def test_missing_and_empty_inputs_name_the_path(tmp_path):
    (tmp_path / "empty-dir").mkdir()
    out = str(tmp_path / "out.txt")
    assert_clean_failure(run_cli("train", str(tmp_path / "nope.txt"), "-o", out, *QUICK),
                         "nope.txt", "no such file")
    assert_clean_failure(run_cli("train", str(tmp_path / "empty-dir"), "-o", out, *QUICK),
                         "empty-dir", "no files")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_corpus_names_the_file(tmp_path):
    corpus = write(tmp_path / "secret.txt", GOOD_TEXT)
    os.chmod(corpus, 0)
    assert_clean_failure(run_cli("train", corpus, "-o", str(tmp_path / "o.txt"), *QUICK),
                         "secret.txt", "cannot open")


def test_text_that_is_not_utf8_trains_and_says_so_once(tmp_path):
    latin1 = ((GOOD_TEXT + "caf\xe9 na\xefve\n") * 3 + "caf\xe9 " * 10 + "\n").encode("latin-1")
    corpus = write(tmp_path / "latin1.txt", latin1)
    out = tmp_path / "v.txt"
    done = run_cli("train", corpus, "-o", str(out), "--min-count", "1", *QUICK)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert warnings == [f"fastw2v: warning: {corpus}:2: bytes that are not UTF-8; they are read "
                        "as U+FFFD (said once per corpus)"]
    assert "caf\ufffd" in out.read_text(encoding="utf-8")


SETTINGS = [
    (["--dim", "0"], "--dim", 2), (["--window", "-1"], "--window", 2),
    (["--negative", "-1"], "--negative", 2), (["--negative", "0"], "negative=0", 1),
    (["--epochs", "0"], "--epochs", 2),
    (["--threads", "0"], "--threads", 2), (["--min-count", "0"], "--min-count", 2),
    (["--loss", "hinge"], "--loss", 2), (["--format", "csv"], "--format", 2),
    (["--mode", "fast"], "--mode", 2), (["--checkpoint-every", "-5"], "--checkpoint-every", 2),
    (["--sample", "-1"], "sample", 1), (["--alpha", "-0.1"], "alpha", 1),
    (["--alpha", "0"], "alpha", 1), (["--min-alpha", "0.5"], "--min-alpha", 1),
    (["--max-vocab-size", "0"], "--max-vocab-size", 2),
]


@pytest.mark.parametrize("extra,named,code", SETTINGS, ids=[" ".join(s[0]) for s in SETTINGS])
def test_bad_settings_are_refused_before_the_corpus_is_read(tmp_path, extra, named, code):
    # The corpus does not exist: an error about the setting proves it was checked first.
    done = run_cli("train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "o.txt"), *extra)
    assert_clean_failure(done, named, code=code)
    assert "missing.txt" not in done.stderr


def test_output_problems_are_found_before_the_corpus_is_read(tmp_path):
    missing = str(tmp_path / "missing.txt")
    for output, expected in [(tmp_path / "no-such-dir" / "v.txt", "cannot write there"),
                             (tmp_path, "is a directory")]:
        done = run_cli("train", missing, "-o", str(output), *QUICK)
        assert_clean_failure(done, str(output), expected)
        assert "missing.txt" not in done.stderr


def test_a_pipe_or_device_as_output_is_refused_and_left_alone(tmp_path):
    corpus = write(tmp_path / "c.txt", GOOD_TEXT)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for flag in ("-o", "--checkpoint", "--loss-plot"):
        args = ["-o", str(tmp_path / "v.txt")] if flag != "-o" else []
        done = run_cli("train", corpus, flag, str(fifo), *args, *QUICK)
        assert_clean_failure(done, str(fifo), "not a regular file")
        assert os.path.exists(fifo) and not os.path.isfile(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_refused_before_training(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    done = run_cli("train", str(tmp_path / "missing.txt"), "-o", str(locked / "v.txt"), *QUICK)
    assert_clean_failure(done, "not writable")


def test_disk_full_while_writing_keeps_the_previous_output(tmp_path, monkeypatch, capsys):
    corpus = write(tmp_path / "c.txt", GOOD_TEXT)
    out = tmp_path / "v.txt"
    out.write_text("the previous vectors\n")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    assert main(["train", corpus, "-o", str(out), *QUICK]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "the previous vectors\n"
    assert sorted(os.listdir(tmp_path)) == ["c.txt", "v.txt"]


def test_queries_while_training_neither_crash_nor_corrupt(tmp_path):
    """Two threads train while this one asks for neighbours of the partly trained vectors."""
    sentences = [[f"w{(i * 7 + j) % 300}" for j in range(12)] for i in range(20_000)]
    model = Word2Vec(vector_size=32, min_count=1, epochs=3, workers=2, seed=3, sg=1)
    model.build_vocab(corpus_iterable=sentences)
    failures = []
    trainer = threading.Thread(target=lambda: _capture(failures, model.train))
    trainer.start()
    answers = 0
    while trainer.is_alive():
        for word, score in model.wv.most_similar("w1", topn=5):
            assert word in model.wv and np.isfinite(score)
        model.wv.invalidate()  # see the vectors as they are now
        answers += 1
    trainer.join()
    assert not failures and answers > 0
    assert np.all(np.isfinite(model.wv.vectors))
    assert model.progress.words == 3 * 20_000 * 12
    assert re.fullmatch(r"w\d+", model.wv.most_similar("w1", topn=1)[0][0])


def _capture(failures, call):
    try:
        call()
    except BaseException as exc:  # noqa: B902  (reported by the test)
        failures.append(exc)
