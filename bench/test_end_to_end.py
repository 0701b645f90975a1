"""End to end, one thread, one epoch: read, count, encode, train and write text vectors.

fastw2v's `Word2Vec(corpus_file=...)` + `save_word2vec_text` against gensim's
`Word2Vec(corpus_file=...)` + `save_word2vec_format(binary=False)`, same settings, same file.
"""

from bench.conftest import STANDARD
from fastw2v.formats import save_word2vec_text
from fastw2v.train import Word2Vec


def test_fastw2v_end_to_end(benchmark, end_to_end_corpus, tmp_path):
    def run():
        model = Word2Vec(corpus_file=end_to_end_corpus, workers=1, **STANDARD)
        save_word2vec_text(tmp_path / "fastw2v.txt", model.wv.index_to_key, model.wv.vectors)
        return model

    benchmark.group = "end-to-end"
    model = benchmark.pedantic(run, rounds=3, warmup_rounds=1)
    benchmark.extra_info.update(trainer="fastw2v", mode="default", threads=1, words=model.vocab.total_words)


def test_gensim_end_to_end(benchmark, gensim_word2vec, end_to_end_corpus, tmp_path):
    def run():
        model = gensim_word2vec(corpus_file=end_to_end_corpus, hs=0, workers=1, **STANDARD)
        model.wv.save_word2vec_format(str(tmp_path / "gensim.txt"), binary=False)
        return model

    benchmark.group = "end-to-end"
    model = benchmark.pedantic(run, rounds=3, warmup_rounds=0)
    benchmark.extra_info.update(trainer="gensim", mode="corpus_file", threads=1,
                                words=model.corpus_total_words)
