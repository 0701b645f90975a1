"""Training words/s of the other architectures, fastw2v against gensim's same architecture.

Skip-gram with hierarchical softmax, CBOW (mean) with negative sampling and CBOW with
hierarchical softmax (`conftest.ARCHITECTURES`: the same keywords for both trainers), one thread,
one epoch, otherwise the standard settings, on one Zipfian corpus (3M tokens, ~80k distinct words
generated; 500k when quick). Words/s = corpus tokens / median training seconds, vocabulary and
encoding excluded for both. Skip-gram with hierarchical softmax is also timed in fastw2v's shared
mode, and both hierarchical-softmax architectures on two threads (against fastw2v's one thread;
the machine's core probe before each round). Skip-gram with negative sampling is
`test_peers.py`'s.
"""

import numpy as np
import pytest

from bench.conftest import THREADS, bench_training, settings_of
from fastw2v.train import Word2Vec

OTHER_ARCHITECTURES = ("sg-hs", "cbow-neg", "cbow-hs")
SEVERAL = [threads for threads in THREADS if threads > 1][:1]  # two threads, where there are two cores
# fastw2v's runs: each architecture in the default mode on one thread, skip-gram's shared mode
# too, and hierarchical softmax on two threads (its private top-of-tree rows at work).
FASTW2V_RUNS = ([(architecture, "default", 1) for architecture in OTHER_ARCHITECTURES]
                + [("sg-hs", "shared", 1)]
                + [(architecture, "default", threads) for threads in SEVERAL
                   for architecture in ("sg-hs", "cbow-hs")])


@pytest.mark.parametrize("architecture,mode,threads", FASTW2V_RUNS)
def test_fastw2v_architecture(benchmark, architecture_corpus, architecture, mode, threads):
    model = Word2Vec(workers=1, **settings_of(architecture))
    model.build_vocab(corpus_file=architecture_corpus)
    benchmark.group = "architectures"
    bench_training(benchmark, model, model.wv.vectors.copy(), mode, threads,
                   rounds=3 if threads == 1 else 5, warmup_rounds=1)
    benchmark.extra_info["mode"] = architecture + ("" if mode == "default" else f" ({mode})")
    assert np.isfinite(model.epoch_losses[-1])


@pytest.mark.parametrize("architecture", OTHER_ARCHITECTURES)
def test_gensim_architecture(benchmark, gensim_word2vec, architecture_corpus, architecture):
    model = gensim_word2vec(workers=1, **settings_of(architecture))
    model.build_vocab(corpus_file=architecture_corpus)

    def train():
        model.train(corpus_file=architecture_corpus, total_words=model.corpus_total_words, epochs=1)

    benchmark.group = "architectures"
    benchmark.extra_info.update(trainer="gensim", mode=architecture, threads=1,
                                words=model.corpus_total_words, vocab=len(model.wv))
    benchmark.pedantic(train, rounds=3, warmup_rounds=0)
