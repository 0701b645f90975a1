"""The CUDA kernels (`fastw2v.cuda_kernels`, `fastw2v.gpu`), on numba's CUDA simulator (set by
tests/conftest.py; FASTW2V_TEST_GPU=1 runs them on the machine's GPU instead)."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from numba import cuda

from fastw2v import cuda_kernels, diff, gpu
from fastw2v.errors import ConfigError, DeviceError
from fastw2v.synthetic import write_zipf_corpus
from fastw2v.train import Word2Vec
from tests.test_cs224n import run_cli
from tests.test_train import topic_sentences

try:
    gpu.current_device()
except DeviceError as exc:  # FASTW2V_TEST_GPU=1 on a machine without one
    pytest.skip(f"no CUDA device or simulator: {exc}", allow_module_level=True)

SMALL = dict(vector_size=8, window=3, negative=4, min_count=1, sample=1e-2, epochs=1, alpha=0.05, seed=3)
KINDS = {"sg-shared": dict(sg=1, mode="shared"), "sg-pairs": dict(sg=1, mode="default"),
         "cbow-mean": dict(sg=0, cbow_mean=1), "cbow-sum": dict(sg=0, cbow_mean=0)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("cuda") / "zipf.txt")
    write_zipf_corpus(path, 300, 60, seed=1)
    return path


@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_cuda_kernel_replays_through_the_reference(corpus, kind, precision):
    """Every update the device kernel makes, recorded and replayed through the float64 textbook
    functions from the same weights, ends at the same matrices: to float64 rounding for the
    float64 kernel, to float32 rounding for the users' float32 one."""
    result = diff.run(corpus, precision=precision, device="cuda", threads=4, **{**SMALL, **KINDS[kind]})
    assert result.device == "cuda" and result.updates > 100
    assert result.passed, diff.format_report([result])
    assert result.max_abs_diff < (1e-12 if precision == "float64" else 1e-5)
    assert abs(result.kernel_loss - result.reference_loss) < 1e-6 * result.reference_loss
    assert cuda_kernels.kernel_kind(diff.TrainConfig(**SMALL, **KINDS[kind], device="cuda")) == kind


def test_a_whole_warp_replays_too(corpus):
    """32 threads a block (the device's width), dimensions striding over them."""
    result = diff.run(corpus, precision="float64", device="cuda", threads=32,
                      **{**SMALL, "vector_size": 40, **KINDS["sg-shared"]})
    assert result.passed and result.max_abs_diff < 1e-12, diff.format_report([result])


@cuda.jit(device=True)
def _step_counting_repeats_once(score, count, lr):
    """The logistic step with a bug: a negative drawn twice is stepped once."""
    signed = score if count > 0 else -score
    unlikely = 1.0 - 1.0 / (1.0 + math.exp(-signed))
    return unlikely * lr * (1.0 if count > 0 else -1.0), 0.0


def test_a_planted_device_bug_is_caught(corpus):
    """The replay is a real check: a kernel that steps a repeated negative once fails it."""
    wrong = cuda_kernels.compile_train_kernel("sg-shared", np.float64, _step_counting_repeats_once)
    result = diff.run(corpus, precision="float64", device="cuda", threads=4, kernel=wrong,
                      **{**SMALL, **KINDS["sg-shared"]})
    assert not result.passed and result.max_abs_diff > 1e-6, diff.format_report([result])


def _topic_model(**settings):
    sentences = topic_sentences(120, words_per_topic=10, length=8, seed=2)
    return Word2Vec(sentences, **{**dict(vector_size=12, window=3, negative=4, min_count=1, sample=0,
                                         epochs=3, alpha=0.05, seed=4, device="cuda"), **settings})


@pytest.mark.parametrize("architecture", [dict(sg=1, mode="shared"), dict(sg=0)])
def test_the_device_learns_the_topics(architecture):
    """Two vocabularies that never share a sentence end up apart, and the run's tallies are a
    CPU run's: every word of every epoch, the loss falling epoch by epoch."""
    model = _topic_model(**architecture)
    words = list(model.vocab.words)
    unit = model.wv.vectors / np.linalg.norm(model.wv.vectors, axis=1, keepdims=True)
    same = np.array([[w[0] == v[0] for v in words] for w in words])
    cosines = unit @ unit.T
    np.fill_diagonal(same, False)
    assert cosines[same].mean() > cosines[~same].mean() + 0.3
    assert model.stats["words"] == 3 * 120 * 8 and "GPU" in model.stats["device"]
    losses = model.epoch_losses
    assert len(losses) == 3 and losses[0] > losses[1] > losses[2]
    assert np.any(model.syn1neg)


@pytest.mark.skipif(not gpu.simulating(), reason="on a GPU the blocks race (Hogwild)")
def test_the_draws_do_not_depend_on_how_the_chunk_is_cut_into_blocks(monkeypatch):
    """Counter-based draws: the words kept, the pairs trained and, since the simulator runs the
    blocks' runs of slots one after the other, in corpus order, the weights too are the same
    with 1 or 3 blocks (a generator per block would draw other numbers)."""
    runs = []
    for blocks in (1, 3):
        monkeypatch.setattr(gpu, "SIMULATED_BLOCKS", blocks)
        model = _topic_model(sample=1e-2, epochs=1)
        runs.append((model.progress.kept, model.progress.pairs.tolist(), model.wv.vectors.tobytes()))
    assert runs[0] == runs[1] and runs[0][0] < 120 * 8


@pytest.mark.skipif(not gpu.simulating(), reason="on a GPU the blocks race (Hogwild)")
def test_a_device_run_resumed_from_its_checkpoint_is_byte_identical(tmp_path, corpus, monkeypatch):
    """Checkpoints at chunk ends; the simulator runs the blocks in a fixed order, so a resumed run
    replays the rest exactly (on a GPU, blocks race: Hogwild, as several CPU threads)."""
    from fastw2v.backend import Checkpointing

    monkeypatch.setattr(gpu, "CHUNK_WORDS", 100)
    settings = dict(SMALL, epochs=2, batch_words=50, device="cuda")
    whole = Word2Vec(corpus_file=corpus, **settings)
    interrupted = Word2Vec(**settings)
    interrupted.build_vocab(corpus_file=corpus, corpus_dir=str(tmp_path / "ck.corpus"))
    interrupted.train(checkpoint=Checkpointing(str(tmp_path / "ck.npz"), every=0.0))
    resumed = Word2Vec.load(str(tmp_path / "ck.npz"))
    assert resumed.config.device == "cuda" and 0 < resumed.progress.next_job < interrupted.progress.next_job
    resumed.train()
    assert resumed.wv.vectors.tobytes() == whole.wv.vectors.tobytes()
    assert resumed.syn1neg.tobytes() == whole.syn1neg.tobytes()
    assert resumed.epoch_losses == whole.epoch_losses


@pytest.mark.parametrize("settings, message", [
    (dict(loss="hs"), "negative sampling"), (dict(loss="hs+neg"), "negative sampling"),
    (dict(window=17), "window ≤ 16"), (dict(negative=32), "negative ≤ 31"),
    (dict(device="tpu"), "device must be one of cpu, cuda")])
def test_settings_the_device_cannot_train_are_refused(settings, message):
    with pytest.raises(ConfigError, match=message):
        Word2Vec(**{"device": "cuda", "negative": 5, **settings})


def test_n_grams_and_a_cluster_are_refused_on_the_device():
    from fastw2v.fasttext import FastText

    with pytest.raises(ConfigError, match="n-grams"):
        FastText(device="cuda")
    model = Word2Vec(device="cuda", cluster="local:2", min_count=1)
    with pytest.raises(ConfigError, match="cluster trains on its workers' CPUs"):
        model.build_vocab([["a", "b", "c"]])


def test_the_train_command_trains_on_the_device(tmp_path, corpus):
    out = tmp_path / "v.txt"
    done = run_cli("train", corpus, "-o", str(out), "--device", "cuda", "--dim", "8", "--window", "2",
                   "--min-count", "1", "--epochs", "1")
    assert done.returncode == 0, done.stderr
    assert f"on the GPU ({gpu.current_device().name})" in done.stderr
    assert out.read_text().splitlines()[0].split()[1] == "8"


def test_diff_command_checks_the_device_kernel(tmp_path, corpus):
    done = run_cli("diff", "--device", "cuda", "--mode", "shared", "--corpus", corpus, "--dim", "8",
                   "--precision", "float32")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("max_abs_diff=")


def _without_simulator():
    return dict(os.environ, NUMBA_ENABLE_CUDASIM="0")


def _has_gpu():
    probe = subprocess.run([sys.executable, "-c", "from numba import cuda; print(cuda.is_available())"],
                           capture_output=True, text=True, env=_without_simulator(), timeout=120)
    return probe.stdout.strip() == "True"


def test_without_a_gpu_training_on_it_is_one_clear_error(tmp_path, corpus):
    if _has_gpu():
        pytest.skip("this machine has a CUDA GPU")
    out = tmp_path / "v.txt"
    done = run_cli("train", corpus, "-o", str(out), "--device", "cuda", env=_without_simulator())
    assert done.returncode == 1 and not out.exists()
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no usable CUDA GPU" in lines[0] and "--device cpu" not in lines[0]
    assert "device 'cpu'" in lines[0] and "Traceback" not in done.stderr
    listed = run_cli("info", "--devices", env=_without_simulator())
    assert listed.returncode == 0 and "cuda: none (no usable CUDA GPU" in listed.stdout
    checked = run_cli("diff", "--device", "cuda", env=_without_simulator())
    assert checked.returncode == 1 and "no usable CUDA GPU" in checked.stderr
    assert len(checked.stderr.strip().splitlines()) == 1
    # From Python too, before any corpus is read (this one does not exist).
    api = subprocess.run([sys.executable, "-c", "from fastw2v import Word2Vec\n"
                          "Word2Vec(corpus_file='no-such-corpus.txt', device='cuda')"],
                         capture_output=True, text=True, env=_without_simulator(), timeout=120)
    assert "DeviceError: no usable CUDA GPU" in api.stderr and "no-such-corpus" not in api.stderr


def test_info_lists_the_devices():
    done = run_cli("info", "--devices")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cpu: ") and f"cuda:0: {gpu.current_device().name}" in done.stdout
    assert run_cli("info").returncode == 2  # neither a file nor --devices: a usage error


def test_a_device_checkpoint_resumes_on_the_cpu(tmp_path, corpus, monkeypatch):
    """`fastw2v resume --device cpu` finishes a GPU run's checkpoint on the CPU, from where it
    stopped (the device changes where the jobs train, not which ones are left)."""
    monkeypatch.setattr(gpu, "CHUNK_WORDS", 100)
    checkpoint = str(tmp_path / "ck.npz")
    model = Word2Vec(**dict(SMALL, epochs=2, batch_words=50, device="cuda"))
    model.build_vocab(corpus_file=corpus, corpus_dir=checkpoint + ".corpus")
    from fastw2v.backend import Checkpointing

    model.train(checkpoint=Checkpointing(checkpoint, every=0.0, run={
        "output": str(tmp_path / "v.txt"), "format": "text", "checkpoint_every": 0.0}))
    left = Word2Vec.load(checkpoint)
    done_before = left.progress.next_job
    assert 0 < done_before < model.progress.next_job
    left.device = "cpu"
    assert left.progress.next_job == done_before and left.config.device == "cpu"
    finished = run_cli("resume", checkpoint, "--device", "cpu", "--quiet")
    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / "v.txt").read_text().splitlines()[0].split()[1] == "8"


def test_a_ctrl_c_before_the_chunk_trains_counts_none_of_it(corpus, monkeypatch):
    """Interrupted before the chunk's training is launched (compiling, sub-sampling), the chunk
    is not counted as done: a checkpoint then would skip words never trained."""
    from fastw2v.gpu import DeviceRun

    def interrupted_launch(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(DeviceRun, "_launch", interrupted_launch)
    model = Word2Vec(**dict(SMALL, device="cuda"))
    model.build_vocab(corpus_file=corpus)
    with pytest.raises(KeyboardInterrupt):
        model.train()
    assert model.progress.next_job == 0 and model.progress.words == 0
