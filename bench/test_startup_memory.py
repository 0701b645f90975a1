"""Start-up time (cold: kernels compiled; warm: kernels from the cache) and peak memory against
corpus size.

Each measurement runs `fastw2v` in a fresh Python process, the only honest way to see start-up
and peak RSS: import, `Word2Vec(corpus_file=..., workers=1, epochs=1, min_count=1)`, report. The
figures go into extra_info: seconds_to_first_epoch (in the process, from before the import to the
end of the first epoch; the median over rounds), peak_rss_mib (VmHWM: getrusage's ru_maxrss would
carry the pytest parent's peak across exec), rss_anon_mib (heap: what must stay flat as the corpus
grows) and rss_file_mib (mapped files: the corpus, libraries) at the end.

- Warm start: a tiny corpus (2,000 tokens) after one run has filled Numba's cache; 3 rounds.
- Cold start: the same, with NUMBA_CACHE_DIR pointing at a fresh empty folder each round, so
  every kernel the run needs is compiled; 3 rounds (2 when quick).
- Memory: corpora of 1×, 4× and 16× a base size (1M tokens, so 1M-16M; 125k-2M when quick) from
  the same 20,000 words (5,000 when quick, so that the smallest corpus already holds nearly all
  of them: the weights scale with the vocabulary, and this measures the corpus); one round each
  (memory does not vary between rounds as time does).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

import pytest

from bench.conftest import QUICK, zipf_corpus

PROBE = r"""
import json, sys, time
start = time.perf_counter()
from fastw2v.train import Word2Vec
model = Word2Vec(corpus_file=sys.argv[1], workers=1, epochs=1, min_count=1)
seconds = time.perf_counter() - start
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
mib = lambda key: int(status.get(key, "0 kB").split()[0]) / 1024
print(json.dumps({"seconds_to_first_epoch": seconds, "train_seconds": model.stats["seconds"],
                  "peak_rss_mib": mib("VmHWM"), "rss_anon_mib": mib("RssAnon"),
                  "rss_file_mib": mib("RssFile"), "words": model.vocab.total_words,
                  "vocab": len(model.vocab)}))
"""
MEMORY_BASE_TOKENS = 125_000 if QUICK else 1_000_000
MEMORY_WORDS = 5_000 if QUICK else 20_000
MEMORY_SCALES = (1, 4, 16)


def run_probe(corpus, env=None):
    """The probe's figures (a dict) from a fresh process; its stderr in the error when it fails."""
    done = subprocess.run([sys.executable, "-c", PROBE, corpus], capture_output=True, text=True,
                          env=None if env is None else dict(os.environ, **env))
    if done.returncode != 0:
        raise RuntimeError(f"the probe failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def bench_probe(benchmark, rounds, setup=None):
    """Run the probe `rounds` times; extra_info gets the last run's figures, with
    seconds_to_first_epoch as the median over the rounds."""
    results = []

    def probe(**env):
        results.append(run_probe(tiny_corpus(), env or None))

    benchmark.group = "start-up"
    benchmark.pedantic(probe, setup=setup, rounds=rounds)
    benchmark.extra_info.update(results[-1])
    benchmark.extra_info["seconds_to_first_epoch"] = statistics.median(
        r["seconds_to_first_epoch"] for r in results)
    return results


def tiny_corpus():
    return zipf_corpus(2000, 200, seed=2)


def test_warm_start(benchmark):
    run_probe(tiny_corpus())  # fills the compilation cache
    bench_probe(benchmark, rounds=3)
    benchmark.extra_info["start"] = "warm"


def test_cold_start(benchmark, tmp_path):
    caches = []

    def fresh_cache():
        caches.append(tempfile.mkdtemp(prefix="numba-cache-", dir=tmp_path))
        return (), {"NUMBA_CACHE_DIR": caches[-1]}

    bench_probe(benchmark, rounds=2 if QUICK else 3, setup=fresh_cache)
    benchmark.extra_info["start"] = "cold"
    # Each round compiled into its own empty cache (else it was not a cold start).
    assert all(os.listdir(cache) for cache in caches)


@pytest.mark.parametrize("scale", MEMORY_SCALES)
def test_peak_memory_against_corpus_size(benchmark, scale):
    corpus = zipf_corpus(MEMORY_BASE_TOKENS * scale, MEMORY_WORDS, seed=3)
    benchmark.group = "memory"
    result = benchmark.pedantic(run_probe, args=(corpus,), rounds=1)
    benchmark.extra_info.update(result, scale=scale)
