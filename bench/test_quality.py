"""Vector quality of fastw2v against gensim, every architecture (skip-gram / CBOW × negative
sampling / hierarchical softmax, `conftest.ARCHITECTURES`) and fastw2v's shared mode, same corpus
and settings, several seeds.

Corpus: the planted-analogy corpus of `fastw2v.synthetic` (1M words; 250k when quick), one
epoch, one thread, standard settings. Measures: 3CosAdd accuracy on its planted analogies, and
the Spearman correlation of the vectors' cosines with the cosines of the words' PPMI
co-occurrence rows (window 5) over 1,000 random pairs of the 2,000 most frequent words — a graded
target that every seed and trainer is scored against. Mean and spread over seeds go into
extra_info; the benchmark's time is one training run.
"""

import numpy as np
import pytest

from bench.conftest import ARCHITECTURES, QUICK, settings_of
from fastw2v.evaluate import evaluate_analogies, evaluate_word_pairs, read_analogies
from fastw2v.synthetic import write_planted_corpus
from fastw2v.train import Word2Vec
from fastw2v.vectors import KeyedVectors

SEEDS = (1, 2, 3)
TOKENS = 250_000 if QUICK else 1_000_000


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    directory = tmp_path_factory.mktemp("planted")
    corpus = str(directory / "planted.txt")
    questions = str(directory / "questions.txt")
    write_planted_corpus(corpus, TOKENS, seed=0, questions_path=questions)
    return corpus, read_analogies(questions), ppmi_pairs(corpus)


def ppmi_pairs(corpus, top=2000, n_pairs=1000, window=5, seed=0):
    """Random word pairs scored by the cosine of their PPMI co-occurrence rows."""
    sentences = [line.split() for line in open(corpus, encoding="utf-8")]
    counts = {}
    for sentence in sentences:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))[:top]
    index = {w: i for i, w in enumerate(words)}
    cooc = np.zeros((len(words), len(words)))
    for sentence in sentences:
        ids = np.array([index.get(w, -1) for w in sentence])
        for k in range(1, window + 1):
            a, b = ids[:-k], ids[k:]
            keep = (a >= 0) & (b >= 0)
            np.add.at(cooc, (a[keep], b[keep]), 1.0)
            np.add.at(cooc, (b[keep], a[keep]), 1.0)
    total = cooc.sum()
    expected = np.outer(cooc.sum(1), cooc.sum(0)) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        ppmi = np.maximum(np.nan_to_num(np.log(cooc / expected), neginf=0.0), 0.0)
    unit = ppmi / np.maximum(np.linalg.norm(ppmi, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(seed)
    pairs = rng.choice(len(words), size=(n_pairs, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return [(words[a], words[b], float(unit[a] @ unit[b])) for a, b in pairs]


def score(vectors, questions, pairs):
    return evaluate_analogies(vectors, questions).accuracy, evaluate_word_pairs(vectors, pairs)[0]


def record(benchmark, trainer, mode, results):
    accuracy, rho = np.array(results).T
    benchmark.extra_info.update(
        trainer=trainer, mode=mode, seeds=len(results),
        analogy_mean=float(accuracy.mean()), analogy_std=float(accuracy.std(ddof=1)),
        pairs_spearman_mean=float(rho.mean()), pairs_spearman_std=float(rho.std(ddof=1)))


# fastw2v: every architecture, and skip-gram's shared mode too.
FASTW2V_RUNS = [("sg-neg", "default"), ("sg-neg", "shared"), ("sg-hs", "default"),
                ("sg-hs", "shared"), ("cbow-neg", "default"), ("cbow-hs", "default")]


@pytest.mark.parametrize("architecture,mode", FASTW2V_RUNS)
def test_fastw2v_quality(benchmark, planted, architecture, mode):
    corpus, questions, pairs = planted
    benchmark.group = "quality"  # before pedantic: pytest-benchmark reads it there
    settings = dict(settings_of(architecture), corpus_file=corpus, workers=1, mode=mode)
    results = [score(Word2Vec(seed=seed, **settings).wv, questions, pairs) for seed in SEEDS[1:]]
    model = benchmark.pedantic(Word2Vec, kwargs=dict(settings, seed=SEEDS[0]), rounds=1)
    results.append(score(model.wv, questions, pairs))
    record(benchmark, "fastw2v", architecture + ("" if mode == "default" else f" ({mode})"), results)


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_gensim_quality(benchmark, gensim_word2vec, planted, architecture):
    corpus, questions, pairs = planted
    benchmark.group = "quality"

    def train(seed):
        model = gensim_word2vec(corpus_file=corpus, workers=1, seed=seed, **settings_of(architecture))
        return KeyedVectors(model.wv.index_to_key, model.wv.vectors)

    results = [score(train(seed), questions, pairs) for seed in SEEDS[1:]]
    results.append(score(benchmark.pedantic(train, args=(SEEDS[0],), rounds=1), questions, pairs))
    record(benchmark, "gensim", architecture, results)
