"""The fast path against the reference path on the same small workloads.

- One update: one (center, context) pair's SGD step with K = 5 negatives, dimension 100, on a
  tiny generated corpus (200,000 tokens, 1,000 words). Reference: `reference.neg_sampling_loss_and_gradient`
  (float64 numpy; negatives handed over through its `sampleTokenIdx()` contract from a list drawn
  beforehand) and the SGD step it implies (`v -= lr·dv`, `U -= lr·dU`: its output gradient is a
  dense (V, D) matrix, so its cost grows with the vocabulary), on 2,000 pairs of neighbouring
  words per round. Fast: the compiled kernel training that corpus for one epoch on one thread
  (`Word2Vec.train`, standard settings), divided by the pairs it trained. Seconds per pair;
  the report gives the ratio.
- CS224N SST iteration: one SGD iteration of the assignment (a batch of 50 windows, 10
  negatives, dimension 10) on the Stanford Sentiment Treebank, with the sub-sampled corpus and
  the sampling table built beforehand: `cs224n.assignment.word2vec_sgd_wrapper` + the step
  (20 rounds) against `cs224n.kernels.sgd_iterations` (100 iterations per round, 5 rounds).
- CS224N SST run: `cs224n.run(..., engine="reference")` against `engine="fast"` for the first
  300 iterations (50 when quick), 3 rounds each, each into a fresh folder. The figure is the
  run's own timer (building the sub-sampled corpus, which both engines do in Python, and the
  iterations); the benchmark's time also holds reading the data and writing vectors and figure.
The SST benchmarks skip with a reason when the data is absent.
"""

import os
import random
import statistics

import numpy as np
import pytest

from bench.conftest import QUICK, STANDARD, zipf_corpus
from fastw2v import cs224n, reference
from fastw2v.cs224n import StanfordSentiment, assignment, default_sst_dir, mt19937
from fastw2v.cs224n import kernels as cs224n_kernels
from fastw2v.rng import seed_state
from fastw2v.sampler import build_alias_table, draw_many
from fastw2v.train import Word2Vec
from fastw2v.vocab import noise_weights

SST_DIR = os.environ.get("FASTW2V_SST_DIR") or default_sst_dir() or os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data", "stanfordSentimentTreebank")
PAIR_CORPUS = (200_000, 1_000)
REFERENCE_PAIRS = 2000
FAST_ITERATIONS = 100
RUN_ITERATIONS = 50 if QUICK else 300


@pytest.fixture(scope="module")
def sst():
    if not os.path.isfile(os.path.join(SST_DIR, "datasetSentences.txt")):
        pytest.skip(f"SST data not found at {SST_DIR} (set FASTW2V_SST_DIR)")
    dataset = StanfordSentiment(SST_DIR)
    random.seed(cs224n.PYTHON_SEED)
    dataset.sampleTable()  # build the sub-sampled corpus and table outside the timing
    return dataset


@pytest.fixture(scope="module")
def pair_model():
    model = Word2Vec(workers=1, **STANDARD)
    model.build_vocab(corpus_file=zipf_corpus(*PAIR_CORPUS, seed=4))
    return model


class _Draws:
    """The reference's dataset contract, answering with draws made beforehand."""

    def __init__(self, words):
        self._words = iter(words)

    def sampleTokenIdx(self):
        return next(self._words)


def test_reference_pair_update(benchmark, pair_model):
    n_words, dim, negative = len(pair_model.vocab), STANDARD["vector_size"], STANDARD["negative"]
    ids = np.asarray(pair_model.corpus.ids[:REFERENCE_PAIRS + 1]).tolist()
    prob, alias = build_alias_table(noise_weights(pair_model.vocab.counts))
    lr = pair_model.config.alpha

    def setup():
        # Each round: fresh weights (U not zero, so the sigmoids are not all 0.5) and draws.
        rng = np.random.default_rng(len(ids))
        V = (rng.random((n_words, dim)) - 0.5) / dim
        U = (rng.random((n_words, dim)) - 0.5) / dim
        draws, _ = draw_many(prob, alias, REFERENCE_PAIRS * negative * 2, seed_state(7))
        return (V, U, _Draws(draws.tolist())), {}

    def updates(V, U, dataset):
        loss = 0.0
        for p in range(REFERENCE_PAIRS):
            context, center = ids[p], ids[p + 1]
            pair_loss, grad_in, grad_out = reference.neg_sampling_loss_and_gradient(
                V[context], center, U, dataset, K=negative)
            V[context] -= lr * grad_in
            U -= lr * grad_out
            loss += pair_loss
        return loss

    benchmark.group = "reference"
    loss = benchmark.pedantic(updates, setup=setup, rounds=5)
    benchmark.extra_info.update(kind="pair-update", engine="reference", pairs=REFERENCE_PAIRS,
                                vocab=n_words, dim=dim, negative=negative)
    assert np.isfinite(loss)


def test_kernel_pair_update(benchmark, pair_model):
    initial = pair_model.wv.vectors.copy()

    def reset():
        pair_model.wv.vectors[:] = initial
        pair_model.syn1neg[:] = 0

    benchmark.group = "reference"
    benchmark.pedantic(pair_model.train, setup=reset, rounds=5, warmup_rounds=1)
    benchmark.extra_info.update(kind="pair-update", engine="fast", pairs=pair_model.stats["pairs"],
                                vocab=len(pair_model.vocab), dim=STANDARD["vector_size"],
                                negative=STANDARD["negative"])
    assert pair_model.stats["pairs"] > 0


def test_reference_sgd_iteration(benchmark, sst):
    tokens = sst.tokens()
    np.random.seed(cs224n.NUMPY_SEED)
    vectors = cs224n.initial_word_vectors(len(tokens))

    def one_iteration():
        loss, grad = assignment.word2vec_sgd_wrapper(
            reference.skipgram, tokens, vectors, sst, cs224n.WINDOW,
            reference.neg_sampling_loss_and_gradient)
        vectors[:] -= cs224n.STEP * grad
        return loss

    benchmark.group = "reference"
    benchmark.pedantic(one_iteration, rounds=20, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(kind="cs224n-iteration", engine="reference", iterations=1)


def test_fast_sgd_iteration(benchmark, sst):
    tokens = sst.tokens()
    np.random.seed(cs224n.NUMPY_SEED)
    vectors = cs224n.initial_word_vectors(len(tokens))
    sentences, offsets = cs224n_kernels.flatten_sentences(sst.allSentences())
    table = sst.sampleTable()
    state = mt19937.from_python_state(random.getstate())
    work = cs224n_kernels.make_workspace(len(tokens), cs224n.DIM, cs224n.WINDOW, cs224n.NEGATIVES,
                                         assignment.BATCH_SIZE)

    def iterations():
        return cs224n_kernels.sgd_iterations(
            vectors, FAST_ITERATIONS, cs224n.STEP, 0, state, sentences, offsets, table,
            cs224n.WINDOW, cs224n.NEGATIVES, assignment.BATCH_SIZE, work)

    benchmark.group = "reference"
    loss = benchmark.pedantic(iterations, rounds=5, warmup_rounds=1)
    benchmark.extra_info.update(kind="cs224n-iteration", engine="fast", iterations=FAST_ITERATIONS)
    assert np.isfinite(loss)


@pytest.mark.parametrize("engine", cs224n.ENGINES)
def test_cs224n_run(benchmark, sst, engine, tmp_path):
    rounds = []

    def fresh_folder():
        return (str(tmp_path / f"round-{len(rounds)}"),), {}

    def run(out_dir):
        rounds.append(cs224n.run(SST_DIR, out_dir, iterations=RUN_ITERATIONS, engine=engine))
        return rounds[-1]

    benchmark.group = "reference"
    result = benchmark.pedantic(run, setup=fresh_folder, rounds=3)
    benchmark.extra_info.update(kind="cs224n-run", engine=engine, iterations=RUN_ITERATIONS,
                                train_seconds=statistics.median(r["seconds"] for r in rounds))
    assert np.all(np.isfinite(result["vectors"]))
