"""Reading a corpus end to end (read, count, vocabulary, encode) in MB/s: the compiled reader on one
thread and on two, the Python reader it replaced (bench/python_reader.py), and gensim's
`build_vocab(corpus_file=...)` (its scan and vocabulary; gensim encodes nothing, it reads the text
again each epoch).

Corpus: $FASTW2V_BENCH_CORPUS when set (a real text: what the figures in the docs use), else the
text8-sized generated corpus of test_peers.py (1M tokens when quick). Each run reads into an
emptied folder. One benchmark round (3 rounds) runs the compiled readers, a tenth of the others'
time, PAIRS times in pairs (A B A B ...), then the Python reader and gensim, so a drifting machine
moves them all. MB/s = the file's bytes (10^6 per MB) / median seconds, in extra_info with the
ratios; the compiled readers' vocabulary, ids and sentence offsets are checked equal to the Python
reader's.
"""

import os
import shutil
import tempfile
import time

import numpy as np
import pytest

from bench import python_reader
from bench.conftest import STANDARD
from fastw2v import corpus, reader
from fastw2v.vocab import build_vocabulary, vocabulary_of

ROUNDS = 3
PAIRS = 3


def compiled(path, folder, threads):
    raw = reader.read_text(reader.plan_pieces([path], threads), folder, threads)
    vocab, kept = vocabulary_of(raw.words, raw.counts, raw.n_tokens, STANDARD["min_count"],
                                sort_keys=raw.sort_keys)
    vocab_ids = np.full(len(raw.words), -1, dtype=np.int32)
    vocab_ids[kept] = np.arange(kept.size, dtype=np.int32)
    encoded = corpus.encode(raw, vocab_ids, folder, threads=threads, consume=True)  # as training does
    return vocab, encoded


def python(path, folder):
    raw = python_reader.read(python_reader.iter_token_batches([path]), folder)
    vocab = build_vocabulary(raw.word_counts(), raw.n_tokens, STANDARD["min_count"])
    return vocab, python_reader.encode(raw, vocab.index, folder)


def gensim(path, folder):
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=STANDARD["vector_size"], min_count=STANDARD["min_count"], workers=1, sg=1)
    model.build_vocab(corpus_file=path)
    return model.wv.index_to_key, None


READERS = {"compiled-1": lambda p, f: compiled(p, f, 1), "compiled-2": lambda p, f: compiled(p, f, 2),
           "python": python, "gensim": gensim}


def test_readers_side_by_side(benchmark, train_corpus):
    """One benchmark round reads the corpus with every reader in turn; extra_info has each
    reader's median seconds and MB/s and the compiled readers' ratios to the others."""
    pytest.importorskip("gensim")
    times = {name: [] for name in READERS}
    results = {}
    top = tempfile.mkdtemp(prefix="fastw2v-bench-reader-")

    def timed(name):
        folder = os.path.join(top, name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        start = time.perf_counter()
        found = READERS[name](train_corpus, folder)
        times[name].append(time.perf_counter() - start)
        if name != "gensim":
            vocab, encoded = found
            results[name] = (vocab.words, np.array(encoded.ids), np.array(encoded.offsets))

    def one_round():
        for _ in range(PAIRS):
            timed("compiled-1")
            timed("compiled-2")
        timed("python")
        timed("gensim")

    try:
        compiled(train_corpus, top, 1)  # compiles, or loads the cache, outside the rounds
        benchmark.group = "reading"
        benchmark.pedantic(one_round, rounds=ROUNDS)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    size = os.path.getsize(train_corpus)
    medians = {name: float(np.median(seconds)) for name, seconds in times.items()}
    benchmark.extra_info.update(
        bytes=size, seconds=times, median_seconds=medians,
        mb_per_second={name: size / 1e6 / median for name, median in medians.items()},
        ratios={f"{a} / {b}": medians[b] / medians[a] for a in ("compiled-1", "compiled-2")
                for b in ("python", "gensim", "compiled-1") if a != b})
    for name in ("compiled-1", "compiled-2"):
        words, ids, offsets = results[name]
        python_words, python_ids, python_offsets = results["python"]
        assert words == python_words
        assert np.array_equal(ids, python_ids) and np.array_equal(offsets, python_offsets)
