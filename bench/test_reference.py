"""How long the reference engine takes per CS224N SGD iteration on the SST data."""

import os
import random

import numpy as np
import pytest

from fastw2v import cs224n, reference
from fastw2v.datasets import StanfordSentiment, default_sst_dir

SST_DIR = os.environ.get("FASTW2V_SST_DIR") or default_sst_dir() or os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data", "stanfordSentimentTreebank")


@pytest.fixture(scope="module")
def sst():
    if not os.path.isfile(os.path.join(SST_DIR, "datasetSentences.txt")):
        pytest.skip(f"SST data not found at {SST_DIR} (set FASTW2V_SST_DIR)")
    dataset = StanfordSentiment(SST_DIR)
    random.seed(cs224n.PYTHON_SEED)
    dataset.sampleTable()  # build the sub-sampled corpus and table outside the timing
    return dataset


def test_reference_sgd_iteration(benchmark, sst):
    tokens = sst.tokens()
    np.random.seed(cs224n.NUMPY_SEED)
    vectors = cs224n.initial_word_vectors(len(tokens))

    def one_iteration():
        loss, grad = reference.word2vec_sgd_wrapper(
            reference.skipgram, tokens, vectors, sst, cs224n.WINDOW,
            reference.neg_sampling_loss_and_gradient)
        vectors[:] -= cs224n.STEP * grad
        return loss

    benchmark.pedantic(one_iteration, rounds=20, iterations=1, warmup_rounds=1)
