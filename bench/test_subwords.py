"""Skip-gram with subwords (character n-grams 3 to 6, 2,000,000 buckets): training words/s of
fastw2v's subword kernel (`TrainingPlan(..., subwords=...)` on its threads), the `fasttext`
package and gensim's `FastText`, on one thread and two, same corpus and settings.

Settings: 100 dimensions, window 5, 5 negatives, sample 1e-4, min_count 5, learning rate 0.05
(fastText's defaults for skip-gram), 1 epoch. Corpus: the training corpus's first SUBWORD_TOKENS
tokens ($FASTW2V_BENCH_CORPUS when set: real text, whose n-grams are what this measures; the
generated corpus's words, w0 w1 ..., have few). Rounds: 3, the trainers in turn.

Each figure is training only: fastw2v's `run_threads` (the vocabulary, the n-gram index and the
weights are made before); gensim's `train` after its `build_vocab`; fastText's own last progress
figure (words/sec/thread × threads, from a subprocess: the package trains in one call that also
reads the file twice and allocates its matrix), its wall time beside it. fastText counts an
end-of-line token per line, which its figure includes. Beside them, each one's peak RSS training
in a fresh process (`test_subword_training_peak_memory`).
"""

import json
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from bench.conftest import QUICK, corpus_prefix, count_tokens

SUBWORD_TOKENS = 300_000 if QUICK else 3_000_000
THREADS = (1, 2)
ROUNDS = 3
SETTINGS = dict(vector_size=100, window=5, negative=5, sample=1e-4, min_count=5, alpha=0.05, epochs=1)
MINN, MAXN, BUCKET = 3, 6, 2_000_000
FASTTEXT_PROBE = r"""
import sys, fasttext
fasttext.train_unsupervised(sys.argv[1], model="skipgram", dim=100, ws=5, neg=5, minn=3, maxn=6,
                            bucket=2000000, minCount=5, t=1e-4, lr=0.05, epoch=1, thread=int(sys.argv[2]),
                            verbose=2)
"""


@pytest.fixture(scope="module")
def subword_corpus(train_corpus):
    path = corpus_prefix(train_corpus, SUBWORD_TOKENS)
    return path, count_tokens(path)


class _Bar:
    n = 0

    def update(self, k):
        self.n += k

    def set_postfix(self, **_):
        pass


def fastw2v_round(path, threads):
    """Seconds of one epoch of fastw2v's subword training on `threads` threads."""
    from fastw2v.config import TrainConfig
    from fastw2v.local import LocalBackend
    from fastw2v.plan import Progress, TrainingPlan, run_threads
    from fastw2v.subwords import SubwordIndex
    from fastw2v.weights import OutputRows, initial_vectors, output_rows

    config = TrainConfig(**SETTINGS, workers=threads)
    prepared = LocalBackend().build_vocab(config, None, path, None)
    try:
        n_words = len(prepared.vocab)
        plan = TrainingPlan(config, prepared.vocab, prepared.corpus,
                            SubwordIndex.build(prepared.vocab.words, MINN, MAXN, BUCKET))
        V = np.vstack([initial_vectors(n_words, config.vector_size, 1),
                       initial_vectors(BUCKET, config.vector_size, 2)])
        U = OutputRows(config, n_words).matrix(output_rows(config, n_words))
        start = time.perf_counter()
        run_threads(plan, V, U, Progress(config.epochs), _Bar())
        return time.perf_counter() - start
    finally:
        prepared.workdir.cleanup()


def gensim_round(path, threads):
    """Seconds of gensim's FastText.train, one epoch, after its build_vocab."""
    from gensim.models import FastText

    model = FastText(vector_size=100, window=5, negative=5, sample=1e-4, min_count=5, alpha=0.05, sg=1,
                     min_n=MINN, max_n=MAXN, bucket=BUCKET, workers=threads, epochs=1)
    model.build_vocab(corpus_file=path)
    start = time.perf_counter()
    model.train(corpus_file=path, total_words=model.corpus_total_words, epochs=1)
    return time.perf_counter() - start


def fasttext_round(path, threads):
    """(words/s from fastText's own last progress figure, the process's wall seconds)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", FASTTEXT_PROBE, path, str(threads)], capture_output=True)
    wall = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-2000:]
    figures = re.findall(rb"words/sec/thread:\s*(\d+)", done.stderr + done.stdout)
    assert figures, "fastText printed no progress figure"
    return int(figures[-1]) * threads, wall


def test_subword_training_side_by_side(benchmark, subword_corpus):
    pytest.importorskip("gensim")
    pytest.importorskip("fasttext")
    path, tokens = subword_corpus
    fastw2v_round(path, 1)  # compiles, or loads the cache, outside the rounds
    speeds = {f"{name}-{t}": [] for name in ("fastw2v", "gensim", "fasttext") for t in THREADS}
    walls = {f"fasttext-{t}": [] for t in THREADS}

    def one_round():
        for threads in THREADS:
            speeds[f"fastw2v-{threads}"].append(tokens / fastw2v_round(path, threads))
            speeds[f"gensim-{threads}"].append(tokens / gensim_round(path, threads))
            reported, wall = fasttext_round(path, threads)
            speeds[f"fasttext-{threads}"].append(reported)
            walls[f"fasttext-{threads}"].append(wall)

    benchmark.group = "subwords"
    benchmark.pedantic(one_round, rounds=ROUNDS)
    medians = {name: float(np.median(values)) for name, values in speeds.items()}
    benchmark.extra_info.update(
        tokens=tokens, words_per_second=speeds, median_words_per_second=medians, fasttext_wall_seconds=walls,
        ratios={f"fastw2v / {peer}, {t} thread(s)": medians[f"fastw2v-{t}"] / medians[f"{peer}-{t}"]
                for peer in ("fasttext", "gensim") for t in THREADS})


MEMORY_PROBES = {
    "fastw2v": r"""
import json, sys
from fastw2v.cli import main
code = main(["train", sys.argv[1], "-o", sys.argv[2] + ".vec", "--subwords", "--threads", "2",
             "--epochs", "1", "--sample", "1e-4", "--alpha", "0.05", "--quiet"])
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({"code": code, "peak_rss_mib": int(status["VmHWM"].split()[0]) / 1024}))
""",
    "fasttext": r"""
import json, sys, fasttext
model = fasttext.train_unsupervised(sys.argv[1], model="skipgram", dim=100, ws=5, neg=5, minn=3, maxn=6,
                                    bucket=2000000, minCount=5, t=1e-4, lr=0.05, epoch=1, thread=2, verbose=0)
model.save_model(sys.argv[2] + ".bin")
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({"code": 0, "peak_rss_mib": int(status["VmHWM"].split()[0]) / 1024}))
""",
}


@pytest.mark.parametrize("trainer", sorted(MEMORY_PROBES))
def test_subword_training_peak_memory(benchmark, subword_corpus, tmp_path, trainer):
    """Peak RSS (VmHWM) of a fresh process that trains one epoch with subwords (2,000,000 buckets
    of 100 float32: 763 MiB for the n-grams alone) and writes its output: fastw2v's command line
    (text vectors) against the fasttext package (its .bin)."""
    if trainer == "fasttext":
        pytest.importorskip("fasttext")
    path, _ = subword_corpus
    figures = []

    def probe():
        done = subprocess.run([sys.executable, "-c", MEMORY_PROBES[trainer], path, str(tmp_path / "out")],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        figures.append(json.loads(done.stdout.splitlines()[-1]))

    benchmark.group = "subwords memory"
    benchmark.pedantic(probe, rounds=1)
    benchmark.extra_info.update(figures[-1], trainer=trainer)


def test_subword_quality_against_fasttext(benchmark, subword_corpus):
    """Analogies, WordSim353, SimLex-999 and pairs with an unseen word, fastw2v against the
    `fasttext` package, same settings (`bench.subword_quality`: the command that gives the docs'
    figures on the whole corpus, 3 epochs, 2 seeds); here on the benchmark's corpus prefix, one
    epoch (one seed when quick)."""
    pytest.importorskip("gensim")
    pytest.importorskip("fasttext")
    from bench.subword_quality import run

    path, _ = subword_corpus
    reports = []
    benchmark.group = "subwords quality"
    benchmark.pedantic(lambda: reports.append(run(path, (1,) if QUICK else (1, 2), 1, 2)), rounds=1)
    benchmark.extra_info.update(means=reports[-1]["means"], held_out_words=reports[-1]["held_out_words"],
                                settings=reports[-1]["settings"])
