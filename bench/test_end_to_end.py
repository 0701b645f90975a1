"""End to end, one thread, one epoch: read, count, encode, train and write text vectors.

fastw2v's `Word2Vec(corpus_file=...)` + `save_word2vec_text` against gensim's
`Word2Vec(corpus_file=...)` + `save_word2vec_format(binary=False)`, same settings, same file.
Each trainer has its own benchmark (the report's end-to-end rows), and
`test_end_to_end_side_by_side` runs them in turn, PAIRS times (A B A B ...), so that a machine
whose speed drifts still gives a fair ratio: extra_info has each pair's seconds and gensim's time
over fastw2v's, pair by pair, with their median.
"""

import statistics
import time

from bench.conftest import STANDARD
from fastw2v.formats import save_word2vec_text
from fastw2v.train import Word2Vec

PAIRS = 3


def fastw2v_run(corpus, folder):
    model = Word2Vec(corpus_file=corpus, workers=1, **STANDARD)
    save_word2vec_text(folder / "fastw2v.txt", model.wv.index_to_key, model.wv.vectors)
    return model


def gensim_run(gensim_word2vec, corpus, folder):
    model = gensim_word2vec(corpus_file=corpus, hs=0, workers=1, **STANDARD)
    model.wv.save_word2vec_format(str(folder / "gensim.txt"), binary=False)
    return model


def test_fastw2v_end_to_end(benchmark, end_to_end_corpus, tmp_path):
    benchmark.group = "end-to-end"
    model = benchmark.pedantic(fastw2v_run, args=(end_to_end_corpus, tmp_path), rounds=3, warmup_rounds=1)
    benchmark.extra_info.update(trainer="fastw2v", mode="default", threads=1, words=model.vocab.total_words)


def test_gensim_end_to_end(benchmark, gensim_word2vec, end_to_end_corpus, tmp_path):
    benchmark.group = "end-to-end"
    model = benchmark.pedantic(gensim_run, args=(gensim_word2vec, end_to_end_corpus, tmp_path), rounds=3,
                               warmup_rounds=0)
    benchmark.extra_info.update(trainer="gensim", mode="corpus_file", threads=1,
                                words=model.corpus_total_words)


def test_end_to_end_side_by_side(benchmark, gensim_word2vec, end_to_end_corpus, tmp_path):
    seconds = {"fastw2v": [], "gensim": []}
    runs = {"fastw2v": lambda: fastw2v_run(end_to_end_corpus, tmp_path),
            "gensim": lambda: gensim_run(gensim_word2vec, end_to_end_corpus, tmp_path)}

    def one_pair():
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)

    runs["fastw2v"]()  # loads the kernels from the cache (or compiles them) outside the pairs
    benchmark.group = "end-to-end pairs"
    benchmark.pedantic(one_pair, rounds=PAIRS)
    ratios = [g / f for f, g in zip(seconds["fastw2v"], seconds["gensim"], strict=True)]
    benchmark.extra_info.update(seconds=seconds, gensim_over_fastw2v=ratios,
                                median_gensim_over_fastw2v=statistics.median(ratios),
                                median_seconds={name: statistics.median(s) for name, s in seconds.items()})
