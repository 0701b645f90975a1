"""The native model file, checkpoints, and runs resumed from them — through the API and for real
(a training process killed with SIGKILL, then `fastw2v resume`)."""

import os
import signal
import subprocess
import time

import numpy as np
import pytest

from fastw2v.errors import FastW2VError
from fastw2v.synthetic import write_zipf_corpus
from fastw2v.train import Checkpointing, Word2Vec
from tests.test_cs224n import fastw2v_command, run_cli

SETTINGS = dict(vector_size=16, window=3, negative=3, min_count=2, epochs=2, workers=1, seed=5, sg=1)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "zipf.txt"
    write_zipf_corpus(str(path), 45_000, 800, seed=4)  # 5 spans an epoch
    return str(path)


def test_saved_model_loads_with_everything_it_needs(tmp_path, corpus):
    model = Word2Vec(corpus_file=corpus, **SETTINGS)
    model.save(str(tmp_path / "m.npz"), run={"note": "kept"})
    loaded = Word2Vec.load(str(tmp_path / "m.npz"))
    assert loaded.config == model.config
    assert loaded.vocab.words == model.vocab.words and np.array_equal(loaded.vocab.counts, model.vocab.counts)
    assert loaded.wv.vectors.tobytes() == model.wv.vectors.tobytes()
    assert loaded.syn1neg.tobytes() == model.syn1neg.tobytes()
    assert loaded.saved_run == {"note": "kept"}
    assert loaded.corpus is None  # a temporary corpus is not part of the file
    assert (loaded.wv.most_similar(model.vocab.words[3], topn=3)
            == model.wv.most_similar(model.vocab.words[3], topn=3))


def _as_version_1(path):
    from fastw2v import native

    words, arrays, metadata = native.load_native(path)
    native.save_native(path, words, arrays, dict(metadata, version=1))


def test_files_of_the_earlier_version_load_but_for_hierarchical_softmax_whose_tree_changed(tmp_path, corpus):
    """Version 1 built the Huffman tree with other ties: its syn1 rows would be read against the
    wrong nodes, so such a model answers queries but refuses to train on; the other losses load
    and train on as before."""
    from fastw2v.errors import ConfigError

    for loss in ("hs", "neg"):
        model = Word2Vec(corpus_file=corpus, **dict(SETTINGS, loss=loss))
        path = str(tmp_path / f"{loss}.npz")
        model.save(path)
        _as_version_1(path)
        loaded = Word2Vec.load(path)
        assert loaded.wv.vectors.tobytes() == model.wv.vectors.tobytes()
        assert loaded.wv.most_similar(model.vocab.words[2], topn=3) == model.wv.most_similar(
            model.vocab.words[2], topn=3)
        if loss == "hs":
            with pytest.raises(ConfigError, match="earlier fastw2v.*Huffman"):
                loaded.train(corpus_file=corpus, total_words=45_000, epochs=1)
            again = str(tmp_path / "again.npz")
            loaded.save(again)  # saved again, by this version: still refused, and not exported
            with pytest.raises(ConfigError, match="earlier fastw2v"):
                Word2Vec.load(again).train(corpus_file=corpus, total_words=45_000, epochs=1)
            from fastw2v.fasttext import save_facebook_model

            with pytest.raises(ConfigError, match="earlier fastw2v"):
                save_facebook_model(loaded, str(tmp_path / "hs.bin"))
        else:
            loaded.train(corpus_file=corpus, total_words=45_000, epochs=1)
            assert loaded.wv.vectors.tobytes() != model.wv.vectors.tobytes()


@pytest.mark.parametrize("architecture", [dict(loss="neg"), dict(loss="hs+neg"), dict(loss="hs"),
                                          dict(sg=0, loss="neg"), dict(sg=0, loss="hs"),
                                          dict(sg=0, cbow_mean=0, loss="hs+neg")])
def test_a_run_resumed_from_its_checkpoint_is_byte_identical(tmp_path, corpus, architecture):
    loss = architecture["loss"]
    whole = Word2Vec(corpus_file=corpus, **{**SETTINGS, **architecture})
    interrupted = Word2Vec(**{**SETTINGS, **architecture})
    interrupted.build_vocab(corpus_file=corpus, corpus_dir=str(tmp_path / "ck.corpus"))
    # every=0: a checkpoint after each job; the file left holds the state one job before the end.
    interrupted.train(checkpoint=Checkpointing(str(tmp_path / "ck.npz"), every=0.0))
    resumed = Word2Vec.load(str(tmp_path / "ck.npz"))
    assert 0 < resumed.progress.next_job < 10
    resumed.train()
    assert resumed.wv.vectors.tobytes() == whole.wv.vectors.tobytes()
    if loss == "hs":  # no word's output row: none saved, none restored
        assert resumed.syn1neg is None and whole.syn1neg is None
    else:
        assert resumed.syn1neg.tobytes() == whole.syn1neg.tobytes()
    assert resumed.epoch_losses == whole.epoch_losses
    assert resumed.config == whole.config
    if loss != "neg":  # the inner-node vectors are saved, restored and trained on
        assert resumed.syn1.shape == (len(whole.vocab) - 1, SETTINGS["vector_size"])
        assert resumed.syn1.tobytes() == whole.syn1.tobytes() and np.any(whole.syn1)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_model_file_is_a_clear_error(tmp_path, corpus, damage):
    path = tmp_path / "m.npz"
    Word2Vec(corpus_file=corpus, **dict(SETTINGS, epochs=1)).save(str(path))
    data = path.read_bytes()
    path.write_bytes({"truncate": data[:len(data) // 2], "garbage": b"\x00" * 500, "empty": b""}[damage])
    with pytest.raises(FastW2VError, match="m.npz"):
        Word2Vec.load(str(path))


def start_training(corpus, out, checkpoint):
    # ~2M words at dim 100: a few seconds, long enough to be killed mid-run.
    args = ["train", corpus, "-o", str(out), "--dim", "100", "--window", "3", "--negative", "3",
            "--min-count", "2", "--epochs", "45", "--threads", "1", "--seed", "5", "--quiet"]
    if checkpoint:
        args += ["--checkpoint", str(checkpoint), "--checkpoint-every", "0.05"]
    return args


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, corpus):
    """The vectors file of the run the killed runs must reproduce."""
    out = tmp_path_factory.mktemp("whole") / "whole.txt"
    done = run_cli(*start_training(corpus, out, None))
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.mark.parametrize("seconds_after_first_checkpoint", [0.0, 0.1, 0.3])
def test_killed_run_resumed_writes_byte_identical_vectors(tmp_path, corpus, uninterrupted,
                                                          seconds_after_first_checkpoint):
    """SIGKILL at several points of a run (checkpoints every 0.05 s, so some kills land while
    one is being written), then `fastw2v resume`: the same bytes as a run never killed."""
    out, checkpoint = tmp_path / "resumed.txt", tmp_path / "ck.npz"
    process = subprocess.Popen(fastw2v_command() + start_training(corpus, out, checkpoint),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while not checkpoint.exists() and process.poll() is None:
            time.sleep(0.002)
        time.sleep(seconds_after_first_checkpoint)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.communicate()
    assert process.returncode == -signal.SIGKILL, "training ended before it could be killed"
    assert not out.exists()
    resumed = run_cli("resume", str(checkpoint), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == uninterrupted


def test_ctrl_c_saves_a_checkpoint_and_says_how_to_resume(tmp_path, corpus, uninterrupted):
    out, checkpoint = tmp_path / "v.txt", tmp_path / "ck.npz"
    args = start_training(corpus, out, checkpoint)
    args[args.index("--checkpoint-every") + 1] = "3600"  # only Ctrl-C writes one
    process = subprocess.Popen(fastw2v_command() + args, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not (tmp_path / "ck.npz.corpus" / "offsets.npy").exists() and process.poll() is None:
            time.sleep(0.005)
        time.sleep(0.5)  # training, past the corpus encoding
        process.send_signal(signal.SIGINT)
    finally:
        _, stderr = process.communicate()
    assert process.returncode == 130, stderr
    assert f"fastw2v resume {checkpoint}" in stderr and "Traceback" not in stderr
    assert checkpoint.exists() and not out.exists()
    resumed = run_cli("resume", str(checkpoint), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == uninterrupted


def test_resume_without_a_checkpoint_is_one_clear_error(tmp_path):
    done = run_cli("resume", str(tmp_path / "missing.npz"))
    assert done.returncode == 1
    assert "missing.npz" in done.stderr and "Traceback" not in done.stderr
