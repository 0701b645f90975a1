"""most_similar for many words: fastw2v's batch against gensim, side by side in one run.

80,000 random words of 100 dimensions (20,000 when quick), float32; each round asks the ten
nearest neighbours of the same 1,000 words (200 when quick):
- fastw2v-batch: `KeyedVectors.most_similar_batch(words)`, one matrix product per chunk of
  queries (the query whose nearest scores are too close for that product to order is scored
  again alone);
- fastw2v-loop: `KeyedVectors.most_similar(word)` per word, one matrix-vector product each;
- gensim-loop: gensim's `most_similar(word)` per word. gensim has no batch: a list of words
  given to its most_similar is one query (their mean), so 1,000 answers are 1,000 calls; that
  loop is the fair comparison, and fastw2v-loop shows how much of the gain is the batching.
Both libraries' cached norms (and fastw2v's unit vectors) are built in a warm-up round. Every
answer is checked against gensim's (same words, same order). The ratio to quote is gensim-loop's
median over fastw2v-batch's, from one run.
"""

import numpy as np
import pytest

from bench.conftest import QUICK
from fastw2v.vectors import KeyedVectors

WORDS = 20_000 if QUICK else 80_000
DIM = 100
QUERIES = 200 if QUICK else 1_000
TOPN = 10


@pytest.fixture(scope="module")
def vocabulary():
    """(words, vectors float32 (WORDS, DIM), the query words)."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(WORDS)]
    vectors = rng.normal(size=(WORDS, DIM)).astype(np.float32)
    return words, vectors, [words[i] for i in rng.choice(WORDS, QUERIES, replace=False)]


@pytest.fixture(scope="module")
def gensim_answers(vocabulary):
    gensim_models = pytest.importorskip("gensim.models", reason="gensim is not installed")
    words, vectors, queries = vocabulary
    theirs = gensim_models.KeyedVectors(DIM)
    theirs.add_vectors(words, vectors)
    return theirs, [[word for word, _ in theirs.most_similar(query, topn=TOPN)] for query in queries]


def record(benchmark, method, answers, expected):
    benchmark.extra_info.update(method=method, queries=QUERIES, vocab=WORDS, dim=DIM, topn=TOPN)
    assert [[word for word, _ in answer] for answer in answers] == expected


def test_fastw2v_batch(benchmark, vocabulary, gensim_answers):
    words, vectors, queries = vocabulary
    ours = KeyedVectors(words, vectors)
    benchmark.group = "queries"
    answers = benchmark.pedantic(ours.most_similar_batch, args=(queries,), kwargs=dict(topn=TOPN),
                                 rounds=7, warmup_rounds=1)
    record(benchmark, "fastw2v-batch", answers, gensim_answers[1])


def test_fastw2v_loop(benchmark, vocabulary, gensim_answers):
    words, vectors, queries = vocabulary
    ours = KeyedVectors(words, vectors)
    benchmark.group = "queries"
    answers = benchmark.pedantic(lambda: [ours.most_similar(query, topn=TOPN) for query in queries],
                                 rounds=3, warmup_rounds=1)
    record(benchmark, "fastw2v-loop", answers, gensim_answers[1])


def test_gensim_loop(benchmark, vocabulary, gensim_answers):
    theirs, expected = gensim_answers
    queries = vocabulary[2]
    benchmark.group = "queries"
    answers = benchmark.pedantic(lambda: [theirs.most_similar(query, topn=TOPN) for query in queries],
                                 rounds=3, warmup_rounds=1)
    record(benchmark, "gensim-loop", answers, expected)
