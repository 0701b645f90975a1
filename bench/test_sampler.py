"""Negative-sampling draws per second: the alias table against numpy's two usual ways.

Distribution: unigram^0.75 over 80,000 words whose counts follow Zipf's law (word i's count
∝ 1/(i+1), 17M tokens: the text8-sized corpus's shape). Each round draws n word ids into an array
(10M; 1M when quick):
- alias: `fastw2v.sampler.draw_many` (Walker/Vose table, O(1) per draw, compiled, one thread;
  splitmix64 bits);
- numpy-choice: `numpy.random.Generator.choice(V, n, p=p)` (PCG64; rebuilds its cumulative table
  on each call, O(V), then a binary search per draw);
- searchsorted: a cumulative table built once, `np.searchsorted(cdf, rng.random(n))` (a binary
  search per draw, O(log V)).
Draws/s = n / median seconds over 5 rounds; the report gives the alias table's ratio to each.
"""

import numpy as np
import pytest

from bench.conftest import QUICK
from fastw2v.rng import seed_state
from fastw2v.sampler import build_alias_table, draw_many
from fastw2v.vocab import noise_weights

WORDS = 80_000
TOKENS = 17_000_000
DRAWS = 1_000_000 if QUICK else 10_000_000


@pytest.fixture(scope="module")
def noise():
    ranks = np.arange(1, WORDS + 1, dtype=np.float64)
    counts = np.maximum(1, np.round(TOKENS / (ranks * np.sum(1.0 / ranks)))).astype(np.int64)
    weights = noise_weights(counts)
    return weights / weights.sum()


def record(benchmark, method, ids, noise):
    benchmark.extra_info.update(method=method, draws=DRAWS, vocab=WORDS)
    assert ids.shape == (DRAWS,) and 0 <= ids.min() and ids.max() < WORDS
    # The most frequent word's share of the draws against its probability: each method must
    # sample the same distribution for the speeds to compare.
    share = np.count_nonzero(ids == 0) / DRAWS
    benchmark.extra_info.update(top_word_share=float(share), top_word_p=float(noise[0]))
    assert abs(share - noise[0]) < 6 * np.sqrt(noise[0] / DRAWS)


def test_alias_draws(benchmark, noise):
    prob, alias = build_alias_table(noise)
    state = seed_state(1)
    benchmark.group = "sampler"
    ids, _ = benchmark.pedantic(draw_many, args=(prob, alias, DRAWS, state), rounds=5, warmup_rounds=1)
    record(benchmark, "alias", ids, noise)


def test_numpy_choice_draws(benchmark, noise):
    rng = np.random.default_rng(1)
    benchmark.group = "sampler"
    ids = benchmark.pedantic(rng.choice, args=(WORDS, DRAWS), kwargs=dict(p=noise), rounds=5)
    record(benchmark, "numpy-choice", ids, noise)


def test_searchsorted_draws(benchmark, noise):
    rng = np.random.default_rng(1)
    cdf = np.cumsum(noise)
    cdf /= cdf[-1]

    def draw():
        return np.searchsorted(cdf, rng.random(DRAWS), side="right")

    benchmark.group = "sampler"
    ids = benchmark.pedantic(draw, rounds=5)
    record(benchmark, "searchsorted", ids, noise)
