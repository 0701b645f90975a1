"""Training throughput of fastw2v, gensim, the word2vec C tool and fastText on the same corpus and
settings, in one run.

Settings: skip-gram, 5 negatives, 100 dimensions, window 5, sample 1e-3, min_count 5, 1 epoch.
Words/s = corpus tokens / median training seconds (vocabulary and encoding excluded for both:
fastw2v encodes once, gensim's corpus_file mode reads the file inside training). Each result
stores `words` in extra_info; `python -m bench.report` turns the JSON into a table with ratios.
Threads: 1, 2 and every core (`conftest.THREADS`). Rounds: 3 on one thread, 5 on several (+1
warm-up for fastw2v, which loads its compiled kernels from the cache on the first call). Before
every multi-thread round, `bench.machine.core_scaling` measures how many cores the machine gives
at that moment (extra_info["core_scaling"]); the report prints it beside the scaling figures.
FASTW2V_BENCH_ROUNDS=N runs N rounds at every thread count instead (N=1 and a shell loop pair the
trainers' rounds: A B C A B C ...; each run's ratios stay within its own file).
FASTW2V_BENCH_VECTORS=DIR keeps every benchmark's last-round vectors there, in word2vec text
format, as `<trainer>-<mode>-<threads>.txt`, for `fastw2v evaluate`. gensim's rounds go on
training one model (its weights are not reset between rounds), so its file holds one epoch only
when it ran one round; fastw2v's rounds restart from the same weights, the peers from scratch.
These fastw2v figures are also the largest point of the corpus-size axis (test_kernel.py).

The C tool (word2vec.c, $FASTW2V_BENCH_WORD2VEC_C or `word2vec` on PATH) and fastText (the
`fasttext` CLI, $FASTW2V_BENCH_FASTTEXT or PATH) run as a subprocess per round, with the same
settings (`PEER_COMMANDS`), and skip with the reason when absent. They read the file, count the
vocabulary, train and write their vectors inside the process, so their time is end to end (mode
"end to end"): a fairer figure is in extra_info, per round, `train_seconds`: from the line they
print once the vocabulary is counted ("Words in train file", "Number of labels") to their last
progress line (the C tool's within 10,000 words of the end; fastText's after its threads join),
and `reported_words_per_s`: their own last progress figure × threads (fastText: its tokens / wall
seconds; the C tool: its words / CPU seconds, `clock()`; both count an end-of-line token per
line). fastText learns at its own default rate (0.05), and draws negatives from count^0.5.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time

import numpy as np
import pytest

from bench.conftest import STANDARD, THREADS, bench_training, count_tokens, external_tool, probe_cores
from fastw2v.train import Word2Vec

# The standard settings in each tool's words; {input}, {output} and {threads} are filled per round.
PEER_COMMANDS = {
    "word2vec.c": ["-train", "{input}", "-output", "{output}.txt", "-cbow", "0",
                   "-size", str(STANDARD["vector_size"]), "-window", str(STANDARD["window"]),
                   "-negative", str(STANDARD["negative"]), "-hs", "0", "-sample", str(STANDARD["sample"]),
                   "-threads", "{threads}", "-iter", str(STANDARD["epochs"]),
                   "-min-count", str(STANDARD["min_count"]), "-binary", "0"],
    "fastText": ["skipgram", "-input", "{input}", "-output", "{output}",
                 "-dim", str(STANDARD["vector_size"]), "-ws", str(STANDARD["window"]),
                 "-neg", str(STANDARD["negative"]), "-minCount", str(STANDARD["min_count"]),
                 "-epoch", str(STANDARD["epochs"]), "-thread", "{threads}", "-t", str(STANDARD["sample"])],
}
# fastText without character n-grams is plain word2vec; with its defaults (3 to 6) it is fastText.
SUBWORDS = {"no subwords": ["-minn", "0", "-maxn", "0"], "subwords 3-6": ["-minn", "3", "-maxn", "6"]}
# What each tool prints once its vocabulary is counted, and how its progress figure reads.
VOCABULARY_DONE = {"word2vec.c": b"Words in train file:", "fastText": b"Number of labels:"}
PROGRESS = {"word2vec.c": re.compile(rb"Words/thread/sec: ([0-9.]+)k"),
            "fastText": re.compile(rb"words/sec/thread: *([0-9.]+)")}
PROGRESS_UNIT = {"word2vec.c": 1000.0, "fastText": 1.0}


@pytest.fixture(scope="module")
def fastw2v_model(train_corpus):
    model = Word2Vec(workers=1, **STANDARD)
    model.build_vocab(corpus_file=train_corpus)
    return model, model.wv.vectors.copy()


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("mode", ["default", "shared"])
def test_fastw2v_training(benchmark, fastw2v_model, mode, threads):
    model, initial = fastw2v_model
    benchmark.group = "training"
    bench_training(benchmark, model, initial, mode, threads, rounds=rounds_for(threads),
                   warmup_rounds=1)
    assert np.isfinite(model.epoch_losses[-1])
    keep_vectors(benchmark, model.wv.save_word2vec_format)


@pytest.mark.parametrize("threads", THREADS)
def test_gensim_training(benchmark, gensim_word2vec, train_corpus, threads):
    model = gensim_word2vec(sg=1, hs=0, workers=threads, **{
        "vector_size": STANDARD["vector_size"], "window": STANDARD["window"],
        "negative": STANDARD["negative"], "sample": STANDARD["sample"],
        "min_count": STANDARD["min_count"], "epochs": STANDARD["epochs"]})
    model.build_vocab(corpus_file=train_corpus)

    def train():
        model.train(corpus_file=train_corpus, total_words=model.corpus_total_words, epochs=1)

    benchmark.group = "training"
    benchmark.extra_info.update(trainer="gensim", mode="corpus_file", threads=threads,
                                words=model.corpus_total_words, vocab=len(model.wv))
    benchmark.pedantic(train, setup=probe_cores(benchmark, threads), rounds=rounds_for(threads),
                       warmup_rounds=0)
    keep_vectors(benchmark, model.wv.save_word2vec_format)


@pytest.fixture(scope="module")
def corpus_tokens(train_corpus):
    return count_tokens(train_corpus)


@pytest.mark.parametrize("threads", THREADS)
def test_word2vec_c_training(benchmark, train_corpus, corpus_tokens, threads):
    tool = external_tool("FASTW2V_BENCH_WORD2VEC_C", "word2vec")
    bench_peer(benchmark, "word2vec.c", [tool] + PEER_COMMANDS["word2vec.c"], "end to end",
               train_corpus, corpus_tokens, threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("subwords", list(SUBWORDS))
def test_fasttext_training(benchmark, train_corpus, corpus_tokens, subwords, threads):
    tool = external_tool("FASTW2V_BENCH_FASTTEXT", "fasttext")
    mode = "end to end" if subwords == "no subwords" else f"end to end, {subwords}"
    bench_peer(benchmark, "fastText", [tool] + PEER_COMMANDS["fastText"] + SUBWORDS[subwords], mode,
               train_corpus, corpus_tokens, threads)


def bench_peer(benchmark, trainer, command, mode, corpus, tokens, threads):
    """Time an external trainer's whole run, `rounds_for(threads)` rounds, each writing its
    vectors to a fresh temporary folder; extra_info as the other speed benchmarks' (words: the
    corpus tokens) plus, per round, train_seconds and reported_words_per_s (module docstring)."""
    info = benchmark.extra_info
    info.update(trainer=trainer, mode=mode, threads=threads, words=tokens, command=" ".join(command),
                train_seconds=[], reported_words_per_s=[])
    probe = probe_cores(benchmark, threads)
    folders = []

    def setup():
        probe()
        folders.append(tempfile.TemporaryDirectory(prefix="fastw2v-peer-"))
        output = os.path.join(folders[-1].name, "vectors")
        filled = [part.format(input=corpus, output=output, threads=threads) for part in command]
        return (filled,), {}

    def run(filled):
        train_seconds, reported = run_peer(trainer, filled)
        info["train_seconds"].append(train_seconds)
        info["reported_words_per_s"].append(reported and reported * threads)
        folder = folders.pop()
        written = os.path.join(folder.name, "vectors." + ("txt" if trainer == "word2vec.c" else "vec"))
        keep_vectors(benchmark, lambda path: shutil.copyfile(written, path))
        folder.cleanup()

    benchmark.group = "training"
    benchmark.pedantic(run, setup=setup, rounds=rounds_for(threads), warmup_rounds=0)


def run_peer(trainer, command):
    """Run one training process to its end, reading its output as it comes (stdout and stderr
    together; the C tool's stdout unbuffered through `stdbuf` where there is one).

    Returns (seconds from "vocabulary counted" to the last progress line, or None when either
    was not seen; the last progress figure in words/s per thread, or None).
    Raises:
        AssertionError: the process failed (its output's tail in the message).
    """
    if trainer == "word2vec.c" and shutil.which("stdbuf"):
        command = ["stdbuf", "-o0"] + command
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen, vocabulary_done, last_progress = b"", None, None
    while True:
        chunk = os.read(process.stdout.fileno(), 1 << 16)
        if not chunk:
            break
        now = time.perf_counter()
        seen = seen[-4096:] + chunk
        if vocabulary_done is None and VOCABULARY_DONE[trainer] in seen:
            vocabulary_done = now
        # fastText writes a line in pieces (one per `<<`), so a figure can span two reads.
        window = seen[-(len(chunk) + 64):]
        if any(match.end() > len(window) - len(chunk) for match in PROGRESS[trainer].finditer(window)):
            last_progress = now
    process.stdout.close()
    assert process.wait() == 0, f"{command[0]} failed: {seen[-2000:].decode(errors='replace')}"
    figures = PROGRESS[trainer].findall(seen)
    reported = float(figures[-1]) * PROGRESS_UNIT[trainer] if figures else None
    seconds = last_progress - vocabulary_done if vocabulary_done and last_progress else None
    return seconds, reported


def keep_vectors(benchmark, save):
    """With $FASTW2V_BENCH_VECTORS set, `save(path)` writes this benchmark's vectors (word2vec text)
    to <that folder>/<trainer>-<mode>-<threads>.txt; nothing otherwise."""
    folder = os.environ.get("FASTW2V_BENCH_VECTORS")
    if not folder:
        return
    info = benchmark.extra_info
    os.makedirs(folder, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9.]+", "_", f"{info['trainer']}-{info['mode']}-{info['threads']}")
    save(os.path.join(folder, name + ".txt"))


def rounds_for(threads):
    """3 rounds on one thread; 5 on several, whose rounds a busy host can slow (see bench/machine.py);
    $FASTW2V_BENCH_ROUNDS at every thread count when set."""
    if os.environ.get("FASTW2V_BENCH_ROUNDS"):
        return int(os.environ["FASTW2V_BENCH_ROUNDS"])
    return 3 if threads == 1 else 5
