"""Training throughput of fastw2v and gensim on the same corpus and settings, in one run.

Settings: skip-gram, 5 negatives, 100 dimensions, window 5, sample 1e-3, min_count 5, 1 epoch.
Words/s = corpus tokens / median training seconds (vocabulary and encoding excluded for both:
fastw2v encodes once, gensim's corpus_file mode reads the file inside training). Each result
stores `words` in extra_info; `python -m bench.report` turns the JSON into a table with ratios.
Threads: 1, 2 and every core (`conftest.THREADS`). Rounds: 3 on one thread, 5 on several (+1
warm-up for fastw2v, which loads its compiled kernels from the cache on the first call). Before
every multi-thread round, `bench.machine.core_scaling` measures how many cores the machine gives
at that moment (extra_info["core_scaling"]); the report prints it beside the scaling figures.
These fastw2v figures are also the largest point of the corpus-size axis (test_kernel.py).
"""

import numpy as np
import pytest

from bench.conftest import STANDARD, THREADS, bench_training, probe_cores
from fastw2v.train import Word2Vec


@pytest.fixture(scope="module")
def fastw2v_model(train_corpus):
    model = Word2Vec(workers=1, **STANDARD)
    model.build_vocab(corpus_file=train_corpus)
    return model, model.wv.vectors.copy()


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("mode", ["default", "shared"])
def test_fastw2v_training(benchmark, fastw2v_model, mode, threads):
    model, initial = fastw2v_model
    benchmark.group = "training"
    bench_training(benchmark, model, initial, mode, threads, rounds=rounds_for(threads),
                   warmup_rounds=1)
    assert np.isfinite(model.epoch_losses[-1])


@pytest.mark.parametrize("threads", THREADS)
def test_gensim_training(benchmark, gensim_word2vec, train_corpus, threads):
    model = gensim_word2vec(sg=1, hs=0, workers=threads, **{
        "vector_size": STANDARD["vector_size"], "window": STANDARD["window"],
        "negative": STANDARD["negative"], "sample": STANDARD["sample"],
        "min_count": STANDARD["min_count"], "epochs": STANDARD["epochs"]})
    model.build_vocab(corpus_file=train_corpus)

    def train():
        model.train(corpus_file=train_corpus, total_words=model.corpus_total_words, epochs=1)

    benchmark.group = "training"
    benchmark.extra_info.update(trainer="gensim", mode="corpus_file", threads=threads,
                                words=model.corpus_total_words, vocab=len(model.wv))
    benchmark.pedantic(train, setup=probe_cores(benchmark, threads), rounds=rounds_for(threads),
                       warmup_rounds=0)


def rounds_for(threads):
    """3 rounds on one thread; 5 on several, whose rounds a busy host can slow (see bench/machine.py)."""
    return 3 if threads == 1 else 5
