"""Training throughput against corpus size: does words/s hold as the corpus grows?

Corpora from the same Zipfian generator as test_peers.py (~80,000 distinct words; 30,000 when
quick) at `conftest.SIZE_AXIS` tokens: 1M and 10M (100k and 300k when quick). The axis's largest
point is test_peers.py's text8-sized 17M-token run (1M when quick), which the report joins to
these. Standard settings, both modes, 1, 2 and every thread. Words/s = corpus tokens / median
training seconds; vocabulary and encoding are excluded (`build_vocab` runs once, outside the
timing). Rounds: 5 at the small size (+1 warm-up), 3 at the large one (no warm-up: the kernels
are loaded by then), to keep the full suite's time reasonable.
"""

import numpy as np
import pytest

from bench.conftest import SIZE_AXIS, STANDARD, THREADS, TRAIN_CORPUS, bench_training, zipf_corpus
from fastw2v.train import Word2Vec


def size_id(tokens):
    return f"{tokens / 1e6:g}M" if tokens >= 1_000_000 else f"{tokens // 1000}k"


@pytest.fixture(scope="module", params=SIZE_AXIS, ids=size_id)
def sized_model(request):
    corpus = zipf_corpus(request.param, TRAIN_CORPUS[1])
    model = Word2Vec(workers=1, **STANDARD)
    model.build_vocab(corpus_file=corpus)
    return request.param, model, model.wv.vectors.copy()


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("mode", ["default", "shared"])
def test_training_against_corpus_size(benchmark, sized_model, mode, threads):
    tokens, model, initial = sized_model
    smallest = tokens == SIZE_AXIS[0]
    benchmark.group = "corpus-size"
    bench_training(benchmark, model, initial, mode, threads,
                   rounds=5 if smallest else 3, warmup_rounds=1 if smallest else 0)
    assert model.vocab.total_words == tokens
    assert np.isfinite(model.epoch_losses[-1])
