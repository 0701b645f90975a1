"""One phrase pass (read, count the pairs, score, join, write the joined text) in MB/s, and its
peak memory.

- Threads: `fastw2v phrases`' pass in the process, one thread and two, in turn (A B A B, 3
  rounds), on the training corpus ($FASTW2V_BENCH_CORPUS when set: a real text, what the
  figures in the docs use; else the 17M-token generated corpus, 1M when quick). The goals: one
  thread >= 50 MB/s, two >= 1.8x one.
- Against gensim: the same pass on one thread against gensim's ``Phrases`` (learning) +
  ``FrozenPhrases`` (joining every sentence of a ``LineSentence``, written as text), same
  settings (min_count 5, npmi above 0.5: the one scoring both compute alike), in turn, on the
  corpus's first PEER_TOKENS tokens (gensim needs about a minute per 10 MB). Goal >= 20x.
- Memory: `fastw2v phrases` as a fresh process (VmHWM, the process's own peak) on the corpus
  rewritten as one line (no line ends: the reader's worst case), without and with --max-vocab.

MB/s = the input's bytes (10^6 per MB) / median seconds; extra_info has every round's seconds,
the medians, MB/s and the ratios.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

from bench.conftest import DATA_DIR, QUICK, corpus_prefix
from fastw2v import reader
from fastw2v.phrasing import PhrasePasses, write_passes

ROUNDS = 3
PEER_TOKENS = 300_000 if QUICK else 2_000_000
DEFAULT = PhrasePasses()
NPMI = PhrasePasses(min_count=5, threshold=0.5, scoring="npmi")
MAX_VOCAB = 200_000 if QUICK else 1_000_000  # words + pairs: a third of the real corpus's 3.2M
MEMORY_PROBE = r"""
import json, sys
from fastw2v.cli import main
code = main(["phrases", *sys.argv[1:], "--quiet"])
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({"code": code, "peak_rss_mib": int(status["VmHWM"].split()[0]) / 1024}))
"""


def fastw2v_pass(path, output, threads, passes=DEFAULT):
    """One pass as `fastw2v phrases` runs it, in this process; returns the phrases found (int)."""
    with tempfile.TemporaryDirectory(prefix="fastw2v-bench-phrases-") as spool:
        raw = reader.read_text(reader.plan_pieces(reader.input_files([path]), threads), spool, threads)
        _, found = write_passes(raw, passes, threads, spool, output)
    return found[-1]


def gensim_pass(path, output, passes=NPMI):
    """gensim's learning and joining of the same pass; returns the phrases found (int)."""
    from gensim.models.phrases import Phrases
    from gensim.models.word2vec import LineSentence

    learned = Phrases(LineSentence(path), min_count=passes.min_count, threshold=passes.threshold,
                      scoring=passes.scoring)
    frozen = learned.freeze()
    with open(output, "w", encoding="utf-8") as handle:
        for sentence in LineSentence(path):
            handle.write(" ".join(frozen[sentence]) + "\n")
    return len(frozen.phrasegrams)


def in_turn(benchmark, compared, runs, size):
    """Run `runs` (name -> callable) in turn for ROUNDS rounds under `benchmark`; extra_info gets
    what is `compared` ("threads" or "gensim": bench/report.py's key), each run's seconds,
    median, MB/s (of `size` bytes) and the phrases it found. Returns the medians."""
    times, found = {name: [] for name in runs}, {}

    def one_round():
        for name, run in runs.items():
            start = time.perf_counter()
            found[name] = run()
            times[name].append(time.perf_counter() - start)

    benchmark.group = "phrases"
    benchmark.pedantic(one_round, rounds=ROUNDS)
    medians = {name: float(np.median(seconds)) for name, seconds in times.items()}
    benchmark.extra_info.update(compared=compared, bytes=size, seconds=times, median_seconds=medians,
                                phrases=found,
                                mb_per_second={name: size / 1e6 / m for name, m in medians.items()})
    return medians


def test_phrase_pass_on_one_and_two_threads(benchmark, train_corpus, tmp_path):
    output = str(tmp_path / "joined.txt")
    fastw2v_pass(train_corpus, output, 1)  # compiles, or loads the cache, outside the rounds
    runs = {"1 thread": lambda: fastw2v_pass(train_corpus, output, 1),
            "2 threads": lambda: fastw2v_pass(train_corpus, output, 2)}
    medians = in_turn(benchmark, "threads", runs, os.path.getsize(train_corpus))
    benchmark.extra_info["ratios"] = {"2 threads / 1 thread": medians["1 thread"] / medians["2 threads"]}


def test_phrase_pass_against_gensim(benchmark, train_corpus, tmp_path):
    pytest.importorskip("gensim")
    corpus = corpus_prefix(train_corpus, PEER_TOKENS)
    ours, theirs = str(tmp_path / "fastw2v.txt"), str(tmp_path / "gensim.txt")
    fastw2v_pass(corpus, ours, 1, NPMI)
    runs = {"fastw2v": lambda: fastw2v_pass(corpus, ours, 1, NPMI),
            "gensim": lambda: gensim_pass(corpus, theirs)}
    medians = in_turn(benchmark, "gensim", runs, os.path.getsize(corpus))
    benchmark.extra_info["ratios"] = {"fastw2v / gensim": medians["gensim"] / medians["fastw2v"]}


def one_line_corpus(path):
    """`path` rewritten as one line (its line ends as spaces), written once beside the bench data."""
    os.makedirs(DATA_DIR, exist_ok=True)
    target = os.path.join(DATA_DIR, "one-line-" + os.path.basename(path))
    if not os.path.exists(target) or os.path.getmtime(target) < os.path.getmtime(path):
        with open(path, "rb") as source, open(target + ".part", "wb") as out:
            for block in iter(lambda: source.read(1 << 24), b""):
                out.write(block.replace(b"\n", b" "))
            out.write(b"\n")
        os.replace(target + ".part", target)
    return target


@pytest.mark.parametrize("limit", [None, MAX_VOCAB], ids=["no limit", "max-vocab"])
def test_phrase_peak_memory_on_a_one_line_corpus(benchmark, train_corpus, tmp_path, limit):
    corpus = one_line_corpus(train_corpus)
    flags = [corpus, "-o", str(tmp_path / "joined.txt"), "--threads", "2"]
    flags += [] if limit is None else ["--max-vocab", str(limit)]
    figures = []

    def probe():
        done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, *flags], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        figures.append(json.loads(done.stdout.splitlines()[-1]))

    benchmark.group = "phrases memory"
    benchmark.pedantic(probe, rounds=1)
    benchmark.extra_info.update(figures[-1], bytes=os.path.getsize(corpus), max_vocab=limit)
    assert figures[-1]["code"] == 0
