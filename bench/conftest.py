"""Benchmark fixtures: generated corpora (cached between runs) and the quick switch.

FASTW2V_BENCH_QUICK=1 shrinks every workload so the suite runs in a few minutes on 2 cores.
Generated corpora are kept in $FASTW2V_BENCH_DATA (default bench/.data, git-ignored).
"""

import os

import pytest

from fastw2v.synthetic import write_zipf_corpus

QUICK = os.environ.get("FASTW2V_BENCH_QUICK", "") not in ("", "0")
DATA_DIR = os.environ.get("FASTW2V_BENCH_DATA", os.path.join(os.path.dirname(__file__), ".data"))

# (tokens, distinct words): text8-sized by default (17M tokens, ~80k words), 1M when quick.
TRAIN_CORPUS = (1_000_000, 30_000) if QUICK else (17_000_000, 80_000)
END_TO_END_CORPUS = (500_000, 20_000) if QUICK else (3_000_000, 30_000)
STANDARD = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=1)


def zipf_corpus(tokens, vocab, seed=0):
    """Path of a generated Zipfian corpus, written on first use."""
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, f"zipf-{tokens}-{vocab}-{seed}.txt")
    if not os.path.exists(path):
        write_zipf_corpus(path, tokens, vocab, seed=seed)
    return path


@pytest.fixture(scope="session")
def train_corpus():
    return zipf_corpus(*TRAIN_CORPUS)


@pytest.fixture(scope="session")
def end_to_end_corpus():
    return zipf_corpus(*END_TO_END_CORPUS, seed=1)


@pytest.fixture(scope="session")
def gensim_word2vec():
    gensim_models = pytest.importorskip("gensim.models", reason="gensim is not installed")
    return gensim_models.Word2Vec
