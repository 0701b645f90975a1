"""Start-up time (cold: kernels compiled; warm: kernels from the cache) and peak memory against
corpus size.

Each measurement runs `fastw2v` in a fresh Python process, the only honest way to see start-up
and peak RSS: import, `Word2Vec(corpus_file=..., workers=1, epochs=1, min_count=1)`, report. The
figures go into extra_info: seconds_to_first_epoch (in the process, from before the import to the
end of the first epoch; the median over rounds), peak_rss_mib (VmHWM: getrusage's ru_maxrss would
carry the pytest parent's peak across exec), rss_anon_mib (heap: what must stay flat as the corpus
grows) and rss_file_mib (mapped files: the corpus, libraries) at the end.

- Warm start: a tiny corpus (2,000 tokens) after one run has filled Numba's cache; 3 rounds, and
  3 more with scipy hidden (seconds_to_first_epoch_without_scipy: fastw2v's own install).
- Cold start: the same, with NUMBA_CACHE_DIR pointing at a fresh empty folder each round, so
  every kernel the run needs is compiled; 3 rounds (2 when quick).
- The train command's start (warm): `fastw2v train` on the tiny corpus through the command line's
  own `main`, in a fresh process; seconds_to_first_read is from just before the process is
  started to the moment the corpus file is first opened (an audit hook on "open"): the
  interpreter, the imports and the argument parsing, all that comes before the corpus's first
  byte; seconds_to_end the same to the end of `main`. Beside them, help_seconds: the whole
  `fastw2v train --help` process, and help_imports_numba, whether that imported Numba (it need
  not); 3 rounds each, medians.
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
import time

import pytest

from bench.conftest import QUICK, zipf_corpus

PROBE = r"""
import json, os, sys, time
start = time.perf_counter()
if os.environ.get("FASTW2V_PROBE_NO_SCIPY"):  # as where scipy is not installed (fastw2v does not need it)
    sys.modules["scipy"] = None
from fastw2v.train import Word2Vec
model = Word2Vec(corpus_file=sys.argv[1], workers=1, epochs=1, min_count=1, sg=1)
seconds = time.perf_counter() - start
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
mib = lambda key: int(status.get(key, "0 kB").split()[0]) / 1024
print(json.dumps({"seconds_to_first_epoch": seconds, "train_seconds": model.stats["seconds"],
                  "peak_rss_mib": mib("VmHWM"), "rss_anon_mib": mib("RssAnon"),
                  "rss_file_mib": mib("RssFile"), "words": model.vocab.total_words,
                  "vocab": len(model.vocab)}))
"""
# Runs `fastw2v train` as the console script does; FASTW2V_PROBE_T0 is the parent's time.time()
# just before it started the process.
TRAIN_PROBE = r"""
import json, os, sys, time
started = float(os.environ["FASTW2V_PROBE_T0"])
corpus, output = sys.argv[1], sys.argv[2]
opened = []
def on_open(event, args):
    if event == "open" and not opened and args and args[0] == corpus:
        opened.append(time.time())
sys.addaudithook(on_open)
from fastw2v.cli import main
code = main(["train", corpus, "-o", output, "--threads", "1", "--epochs", "1", "--min-count", "1",
             "--quiet"])
print(json.dumps({"code": code, "seconds_to_first_read": opened[0] - started,
                  "seconds_to_end": time.time() - started}))
"""
HELP_PROBE = r"""
import json, sys
from fastw2v.cli import main
try:
    main(["train", "--help"])
except SystemExit:
    pass
print(json.dumps({"help_imports_numba": "numba" in sys.modules}), file=sys.stderr)
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
    """Warm start; beside it, the same without scipy (gensim installs it; where it is installed
    Numba imports scipy.linalg for its BLAS when it loads the first cached kernel, ~0.1 s)."""
    run_probe(tiny_corpus())  # fills the compilation cache
    bench_probe(benchmark, rounds=3)
    benchmark.extra_info["start"] = "warm"
    benchmark.extra_info["seconds_to_first_epoch_without_scipy"] = statistics.median(
        run_probe(tiny_corpus(), {"FASTW2V_PROBE_NO_SCIPY": "1"})["seconds_to_first_epoch"] for _ in range(3))


def test_cold_start(benchmark, tmp_path):
    caches = []

    def fresh_cache():
        caches.append(tempfile.mkdtemp(prefix="numba-cache-", dir=tmp_path))
        return (), {"NUMBA_CACHE_DIR": caches[-1]}

    bench_probe(benchmark, rounds=2 if QUICK else 3, setup=fresh_cache)
    benchmark.extra_info["start"] = "cold"
    # Each round compiled into its own empty cache (else it was not a cold start).
    assert all(os.listdir(cache) for cache in caches)


def run_train_command(corpus, output):
    """The train probe's figures (a dict) from a fresh process."""
    env = dict(os.environ, FASTW2V_PROBE_T0=repr(time.time()))
    done = subprocess.run([sys.executable, "-c", TRAIN_PROBE, corpus, output], capture_output=True,
                          text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"the train probe failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def run_train_help():
    """(seconds of a whole `fastw2v train --help` process, whether it imported Numba)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", HELP_PROBE], capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(done.stderr.splitlines()[-1])["help_imports_numba"]


def test_train_command_start(benchmark, tmp_path):
    output = str(tmp_path / "vectors.txt")
    run_train_command(tiny_corpus(), output)  # fills the compilation cache
    results = []
    benchmark.group = "command start-up"
    benchmark.pedantic(lambda: results.append(run_train_command(tiny_corpus(), output)), rounds=3)
    helps = [run_train_help() for _ in range(3)]
    benchmark.extra_info.update(
        start="warm", seconds_to_first_read=statistics.median(r["seconds_to_first_read"] for r in results),
        seconds_to_end=statistics.median(r["seconds_to_end"] for r in results),
        help_seconds=statistics.median(seconds for seconds, _ in helps),
        help_imports_numba=any(numba for _, numba in helps))
    assert all(r["code"] == 0 for r in results)


@pytest.mark.parametrize("scale", MEMORY_SCALES)
def test_peak_memory_against_corpus_size(benchmark, scale):
    corpus = zipf_corpus(MEMORY_BASE_TOKENS * scale, MEMORY_WORDS, seed=3)
    benchmark.group = "memory"
    result = benchmark.pedantic(run_probe, args=(corpus,), rounds=1)
    benchmark.extra_info.update(result, scale=scale)


ONE_LINE_PROBES = {
    "fastw2v": r"""
import json, sys
from fastw2v.cli import main
code = main(["train", sys.argv[1], "-o", sys.argv[2], "--threads", "2", "--epochs", "1", "--quiet"])
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({"code": code, "peak_rss_mib": int(status["VmHWM"].split()[0]) / 1024}))
""",
    "gensim": r"""
import json, sys
from gensim.models import Word2Vec
model = Word2Vec(corpus_file=sys.argv[1], workers=2, epochs=1, sg=1)
model.wv.save_word2vec_format(sys.argv[2])
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({"code": 0, "peak_rss_mib": int(status["VmHWM"].split()[0]) / 1024}))
""",
}


@pytest.fixture(scope="module")
def one_line_corpus(train_corpus):
    """The training corpus on one line (text8's shape: its newlines made spaces), written once to
    the data folder."""
    from bench.conftest import DATA_DIR

    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, "one-line-" + os.path.basename(train_corpus))
    if not (os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(train_corpus)):
        with open(train_corpus, "rb") as source, open(path + ".part", "wb") as out:
            for block in iter(lambda: source.read(1 << 24), b""):
                out.write(block.replace(b"\n", b" "))
        os.replace(path + ".part", path)
    return path


@pytest.mark.parametrize("trainer", sorted(ONE_LINE_PROBES))
def test_one_line_corpus_peak_memory(benchmark, one_line_corpus, tmp_path, trainer):
    """Peak RSS (VmHWM) of a fresh process that trains one epoch on two threads on the corpus as
    one line and writes word2vec text: fastw2v's command line against gensim's corpus_file."""
    if trainer == "gensim":
        pytest.importorskip("gensim")
    figures = []

    def probe():
        done = subprocess.run([sys.executable, "-c", ONE_LINE_PROBES[trainer], one_line_corpus,
                               str(tmp_path / "vectors.txt")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        figures.append(json.loads(done.stdout.splitlines()[-1]))

    benchmark.group = "one-line memory"
    benchmark.pedantic(probe, rounds=1)
    benchmark.extra_info.update(figures[-1], trainer=trainer, bytes=os.path.getsize(one_line_corpus))
