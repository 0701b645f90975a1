"""Benchmark fixtures: generated corpora (cached between runs), the quick switch, shared helpers.

FASTW2V_BENCH_QUICK=1 shrinks every workload so the whole suite runs in a few minutes on 2 cores.
Generated corpora are kept in $FASTW2V_BENCH_DATA (default bench/.data, git-ignored).
FASTW2V_BENCH_CORPUS=FILE trains the speed benchmarks on a real text file instead of the generated
Zipfian corpus (`train_corpus`: test_peers.py, test_kernel.py's largest point, test_cluster.py);
FASTW2V_BENCH_CORPUS_TOKENS=N takes its first whole lines up to N tokens (written once to the data
folder). The word2vec C tool and fastText are found from FASTW2V_BENCH_WORD2VEC_C and
FASTW2V_BENCH_FASTTEXT, else as `word2vec` and `fasttext` on PATH (`external_tool`).
The saved JSON's machine_info gets a ``fastw2v_bench`` entry (quick or full, library versions),
which `python -m bench.report` prints with the results.
"""

import os
import shutil
import tempfile

import pytest

from bench.machine import core_scaling
from fastw2v.synthetic import write_zipf_corpus

QUICK = os.environ.get("FASTW2V_BENCH_QUICK", "") not in ("", "0")
DATA_DIR = os.environ.get("FASTW2V_BENCH_DATA", os.path.join(os.path.dirname(__file__), ".data"))
# A real training corpus, and a prefix of it in tokens (0: the whole file).
REAL_CORPUS = os.environ.get("FASTW2V_BENCH_CORPUS") or None
REAL_CORPUS_TOKENS = int(os.environ.get("FASTW2V_BENCH_CORPUS_TOKENS") or 0)

# (tokens, distinct words): text8-sized by default (17M tokens, ~80k words), 1M when quick.
TRAIN_CORPUS = (1_000_000, 30_000) if QUICK else (17_000_000, 80_000)
# The corpus-size axis (test_kernel.py): smaller corpora from the same generator; its largest
# point is TRAIN_CORPUS, measured by test_peers.py.
SIZE_AXIS = (100_000, 300_000) if QUICK else (1_000_000, 10_000_000)
END_TO_END_CORPUS = (500_000, 20_000) if QUICK else (3_000_000, 30_000)
STANDARD = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=1, sg=1)
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


def corpus_prefix(path, tokens):
    """Path of a file holding `path`'s first whole lines up to `tokens` whitespace-separated
    tokens (the line that crosses the limit is left out), written on first use and rewritten when
    `path` is newer; `path` itself when `tokens` is 0. A line is read whole, so a one-line corpus
    (text8) needs a file cut into lines first.
    """
    if not tokens:
        return path
    os.makedirs(DATA_DIR, exist_ok=True)
    stem = os.path.splitext(os.path.basename(path))[0]
    prefix = os.path.join(DATA_DIR, f"prefix-{stem}-{tokens}.txt")
    if os.path.exists(prefix) and os.path.getmtime(prefix) >= os.path.getmtime(path):
        return prefix
    taken = 0
    partial = prefix + ".part"
    with open(path, "rb") as source, open(partial, "wb") as out:
        for line in source:
            taken += len(line.split())
            if taken > tokens:
                break
            out.write(line)
    os.replace(partial, prefix)
    return prefix


def count_tokens(path):
    """Whitespace-separated tokens in a text file, read as fastw2v reads it."""
    from fastw2v import reader

    with tempfile.TemporaryDirectory(prefix="fastw2v-count-") as spool:
        raw = reader.read_text(reader.plan_pieces([path], 1), spool)
        return raw.n_tokens


def external_tool(variable, name):
    """Path of an external trainer: $variable if set (a path or a command name), else `name` on
    PATH; skips the test with the reason when neither names an executable file."""
    given = os.environ.get(variable)
    found = shutil.which(given or name)
    if found is None:
        where = f"${variable}={given!r} is not an executable" if given else \
            f"no `{name}` on PATH and ${variable} is not set"
        pytest.skip(f"{name} not found: {where}")
    return found


@pytest.fixture(scope="session")
def train_corpus():
    if REAL_CORPUS:
        if not os.path.isfile(REAL_CORPUS):
            pytest.skip(f"$FASTW2V_BENCH_CORPUS={REAL_CORPUS!r} is not a file")
        return corpus_prefix(REAL_CORPUS, REAL_CORPUS_TOKENS)
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
    if REAL_CORPUS:
        machine_info["fastw2v_bench"]["corpus"] = {"path": REAL_CORPUS, "tokens": REAL_CORPUS_TOKENS or None}
