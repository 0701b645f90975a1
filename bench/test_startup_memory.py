"""Warm start (compiled kernels from the cache) and peak memory against corpus size.

Both run `fastw2v` in a fresh Python process, the only honest way to see start-up and peak RSS.
The figures go into extra_info: seconds_to_first_epoch, peak_rss_mib (VmHWM: getrusage's
ru_maxrss would carry the pytest parent's peak across exec), rss_anon_mib (heap: what must stay
flat as the corpus grows) and rss_file_mib (mapped files: the corpus, libraries) at the end.
"""

import json
import subprocess
import sys

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
                  "peak_rss_mib": mib("VmHWM"), "rss_anon_mib": mib("RssAnon"), "rss_file_mib": mib("RssFile"),
                  "words": model.vocab.total_words, "vocab": len(model.vocab)}))
"""


def run_probe(corpus):
    done = subprocess.run([sys.executable, "-c", PROBE, corpus], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_warm_start(benchmark):
    tiny = zipf_corpus(2000, 200, seed=2)
    run_probe(tiny)  # fills the compilation cache
    benchmark.group = "start-up"
    result = benchmark.pedantic(run_probe, args=(tiny,), rounds=3)
    benchmark.extra_info.update(result)


@pytest.mark.parametrize("scale", [1, 4])
def test_peak_memory_against_corpus_size(benchmark, scale):
    tokens = (250_000 if QUICK else 2_000_000) * scale
    corpus = zipf_corpus(tokens, 20_000, seed=3)
    benchmark.group = "memory"
    result = benchmark.pedantic(run_probe, args=(corpus,), rounds=1)
    benchmark.extra_info.update(result, scale=scale)
