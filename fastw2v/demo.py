"""The built-in demo: generate a corpus with planted relations, train on every core, and show
that the vectors learned them — words/s, nearest neighbours, analogy accuracy, vectors and a figure.

Needs no download: the corpus comes from `fastw2v.synthetic.write_planted_corpus`.
"""

import os
import time
from dataclasses import dataclass

import numpy as np

from fastw2v.errors import OutputError
from fastw2v.evaluate import evaluate_analogies, evaluate_word_pairs, read_analogies, read_word_pairs
from fastw2v.plot import plot_word_projection
from fastw2v.synthetic import PLANTED_FAMILIES, write_planted_corpus, write_planted_pairs
from fastw2v.train import Word2Vec

DEFAULT_TOKENS = 3_000_000
DEMO_SETTINGS = dict(sg=1, vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=3)
NEIGHBOUR_WORDS = ("country3", "female7", "many11")
FIGURE_ENTITIES = 6  # entities per side of the capital-country family drawn in the figure


@dataclass
class DemoResult:
    """What a demo run produced.

    Attributes:
        paths: dict name -> file written (corpus, questions, pairs, vectors, figure).
        tokens: int, words in the generated corpus.
        words_per_second: float, training speed (all epochs, vocabulary building excluded).
        threads: int.
        seconds: dict phase -> seconds (corpus, vocabulary, training, total).
        neighbours: dict word -> list of (word, cosine), nearest first.
        analogies: evaluate.AnalogyResult on the planted questions.
        pairs: evaluate.PairScores on the graded word pairs.
    """

    paths: dict
    tokens: int
    words_per_second: float
    threads: int
    seconds: dict
    neighbours: dict
    analogies: object
    pairs: object


def run_demo(out_dir, tokens=DEFAULT_TOKENS, workers=None, seed=1, progress=False, report=print):
    """Generate, train, evaluate and draw; every file goes into `out_dir` (created if needed).

    Args:
        out_dir: folder for corpus.txt, questions.txt, pairs.txt, vectors.txt and planted.png.
        tokens: int > 0, about how many words the generated corpus holds.
        workers: threads (None: every core).
        seed: seeds both the corpus and the training.
        progress: show the training progress bar.
        report: called with one str per step as the demo goes (print by default).
    Returns:
        DemoResult.
    Raises:
        OutputError: out_dir cannot be written.
    """
    start = time.perf_counter()
    _make_dir(out_dir)
    paths = {name: os.path.join(out_dir, file) for name, file in (
        ("corpus", "corpus.txt"), ("questions", "questions.txt"), ("pairs", "pairs.txt"),
        ("vectors", "vectors.txt"), ("figure", "planted.png"))}
    report(f"writing a corpus of {tokens:,} words with planted relations to {paths['corpus']}")
    write_planted_corpus(paths["corpus"], tokens, seed=seed, questions_path=paths["questions"])
    write_planted_pairs(paths["pairs"], seed=seed)
    corpus_done = time.perf_counter()

    model = Word2Vec(workers=workers, seed=seed, **DEMO_SETTINGS)
    model.build_vocab(corpus_file=paths["corpus"])
    vocab_done = time.perf_counter()
    report(f"training on {model.config.workers} thread(s): {len(model.vocab):,} words in the "
           f"vocabulary, {DEMO_SETTINGS['epochs']} epochs")
    model.train(progress=progress)
    train_done = time.perf_counter()

    result = DemoResult(
        paths=paths, tokens=model.vocab.total_words, threads=model.config.workers,
        words_per_second=model.stats["words_per_second"],
        seconds=None,
        neighbours={w: model.wv.most_similar(w, topn=5) for w in NEIGHBOUR_WORDS if w in model.wv},
        analogies=evaluate_analogies(model.wv, read_analogies(paths["questions"])),
        pairs=evaluate_word_pairs(model.wv, read_word_pairs(paths["pairs"])))
    model.wv.save_word2vec_format(paths["vectors"])
    figure_words = _figure_words(model.wv)
    plot_word_projection(np.stack([model.wv[w] for w in figure_words]), figure_words, paths["figure"],
                         title="capital_i - country_i: one offset for every i (PCA)")
    done = time.perf_counter()
    result.seconds = {"corpus": corpus_done - start, "vocabulary": vocab_done - corpus_done,
                      "training": train_done - vocab_done, "total": done - start}
    return result


def _make_dir(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output folder ({exc.strerror or exc})") from exc
    if not os.access(path, os.W_OK):
        raise OutputError(f"{path}: the output folder is not writable")


def _figure_words(vectors):
    """The figure's words: the first entities of the capital-country family, both sides."""
    _, left, right = PLANTED_FAMILIES[0]
    words = [f"{side}{i}" for i in range(FIGURE_ENTITIES) for side in (left, right)]
    return [w for w in words if w in vectors]


def format_summary(result):
    """The demo's closing lines: speed, neighbours, analogy accuracy per relation, files."""
    lines = [f"trained {result.tokens:,} words x {DEMO_SETTINGS['epochs']} epochs at "
             f"{result.words_per_second:,.0f} words/s on {result.threads} thread(s) "
             f"({result.seconds['training']:.1f} s; {result.seconds['total']:.1f} s in all)",
             "nearest neighbours (cosine):"]
    for word, pairs in result.neighbours.items():
        lines.append(f"  {word:>9}: " + ", ".join(f"{w} {s:.2f}" for w, s in pairs))
    analogies = result.analogies
    lines.append(f"planted analogies answered (3CosAdd): {analogies.correct}/{analogies.total} = "
                 f"{analogies.accuracy:.1%}")
    for section, (right, asked) in analogies.sections.items():
        lines.append(f"  {section:>16}: {right / asked:.1%}" if asked else f"  {section}: -")
    lines.append(f"graded word pairs: Spearman {result.pairs.spearman:.3f} "
                 f"({result.pairs.known} pairs)")
    lines.append(f"vectors: {result.paths['vectors']}  figure: {result.paths['figure']}  "
                 f"questions: {result.paths['questions']}  pairs: {result.paths['pairs']}")
    return "\n".join(lines)
