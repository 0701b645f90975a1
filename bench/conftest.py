"""Benchmark fixtures: generated corpora (cached between runs), the quick switch, shared helpers.

FASTW2V_BENCH_QUICK=1 shrinks every workload so the whole suite runs in a few minutes on 2 cores.
Generated corpora are kept in $FASTW2V_BENCH_DATA (default bench/.data, git-ignored).
The saved JSON's machine_info gets a ``fastw2v_bench`` entry (quick or full, library versions),
which `python -m bench.report` prints with the results.
"""

import os

import pytest

from bench.machine import core_scaling
from fastw2v.synthetic import write_zipf_corpus

QUICK = os.environ.get("FASTW2V_BENCH_QUICK", "") not in ("", "0")
DATA_DIR = os.environ.get("FASTW2V_BENCH_DATA", os.path.join(os.path.dirname(__file__), ".data"))

# (tokens, distinct words): text8-sized by default (17M tokens, ~80k words), 1M when quick.
TRAIN_CORPUS = (1_000_000, 30_000) if QUICK else (17_000_000, 80_000)
# The corpus-size axis (test_kernel.py): smaller corpora from the same generator; its largest
# point is TRAIN_CORPUS, measured by test_peers.py.
SIZE_AXIS = (100_000, 300_000) if QUICK else (1_000_000, 10_000_000)
END_TO_END_CORPUS = (500_000, 20_000) if QUICK else (3_000_000, 30_000)
STANDARD = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=1)
# The four architectures, in the keywords fastw2v's Word2Vec and gensim's both take: skip-gram or
# CBOW (mean), negative sampling or hierarchical softmax. CBOW learns at the C tool's 0.05 in
# both (gensim's default is 0.025 for every architecture).
ARCHITECTURES = {
    "sg-neg": dict(sg=1, hs=0, negative=5),
    "sg-hs": dict(sg=1, hs=1, negative=0),
    "cbow-neg": dict(sg=0, hs=0, negative=5, alpha=0.05),
    "cbow-hs": dict(sg=0, hs=1, negative=0, alpha=0.05),
}
# test_architectures.py: skip-gram with negative sampling is test_peers.py's, on a larger corpus.
ARCHITECTURE_CORPUS = (500_000, 20_000) if QUICK else (3_000_000, 80_000)
_CPUS = os.cpu_count() or 1
# One thread, two (the scaling goal is stated for two) and every core.
THREADS = sorted({1, min(2, _CPUS), _CPUS})


def zipf_corpus(tokens, vocab, seed=0):
    """Path of a generated Zipfian corpus, written on first use."""
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, f"zipf-{tokens}-{vocab}-{seed}.txt")
    if not os.path.exists(path):
        write_zipf_corpus(path, tokens, vocab, seed=seed)
    return path


def bench_training(benchmark, model, initial, mode, threads, rounds, warmup_rounds):
    """Time `model.train()` (one epoch) with the given mode and threads, from the same initial
    weights every round; extra_info gets trainer, mode, threads, words (corpus tokens), vocab
    and the last round's mean pair loss.

    Args:
        model: a fastw2v Word2Vec after build_vocab. initial: a copy of its initial input vectors.
    """
    model.config = model.config.__class__(**dict(model.config.to_dict(), mode=mode, workers=threads))

    probe = probe_cores(benchmark, threads)

    def reset():
        model.wv.vectors[:] = initial
        for output in (model.syn1neg, model.syn1):
            if output is not None:
                output[:] = 0
        probe()

    benchmark.extra_info.update(trainer="fastw2v", mode=mode, threads=threads,
                                words=model.vocab.total_words, vocab=len(model.vocab))
    benchmark.pedantic(model.train, setup=reset, rounds=rounds, warmup_rounds=warmup_rounds)
    benchmark.extra_info["loss"] = model.epoch_losses[-1]
    return model


def probe_cores(benchmark, threads):
    """A setup step for multi-thread rounds: measures `machine.core_scaling(threads)` right before
    each round and appends it to extra_info["core_scaling"] (the warm-up round's too), so the
    report can show how many cores the machine gave while those rounds ran. Nothing for one thread.
    """
    def probe():
        if threads > 1:
            benchmark.extra_info.setdefault("core_scaling", []).append(round(core_scaling(threads), 3))
    return probe


@pytest.fixture(scope="session")
def train_corpus():
    return zipf_corpus(*TRAIN_CORPUS)


@pytest.fixture(scope="session")
def architecture_corpus():
    return zipf_corpus(*ARCHITECTURE_CORPUS, seed=2)


def settings_of(architecture):
    """STANDARD with `architecture`'s keywords (see ARCHITECTURES), for either trainer."""
    return dict(STANDARD, **ARCHITECTURES[architecture])


@pytest.fixture(scope="session")
def end_to_end_corpus():
    return zipf_corpus(*END_TO_END_CORPUS, seed=1)


@pytest.fixture(scope="session")
def gensim_word2vec():
    gensim_models = pytest.importorskip("gensim.models", reason="gensim is not installed")
    return gensim_models.Word2Vec


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record the run's kind and the versions that its figures depend on."""
    import numba
    import numpy

    try:
        import gensim
        gensim_version = gensim.__version__
    except ImportError:
        gensim_version = None
    machine_info["fastw2v_bench"] = {"quick": QUICK, "numba": numba.__version__,
                                     "numpy": numpy.__version__, "gensim": gensim_version}
