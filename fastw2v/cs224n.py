"""The CS224N word2vec assignment's training run on the Stanford Sentiment Treebank, replayed.

Seeds, initialisation, window, negatives, batch and SGD schedule are the assignment's, so the
printed ``iter N: L`` lines reproduce its published values (``iter 10: 19.061546`` first).
"""

import os
import random
import sys
import time

import numpy as np

from fastw2v import reference
from fastw2v.datasets import StanfordSentiment
from fastw2v.formats import save_word2vec_text
from fastw2v.plot import plot_word_projection

PYTHON_SEED = 31415
NUMPY_SEED = 9265
DIM = 10
WINDOW = 5
NEGATIVES = 10
STEP = 0.3
FULL_ITERATIONS = 40000
ENGINES = ("reference",)
FIGURE_WORDS = ("great", "cool", "brilliant", "wonderful", "well", "amazing", "worth", "sweet",
                "enjoyable", "boring", "bad", "dumb", "annoying", "female", "male", "queen",
                "king", "man", "woman", "rain", "snow", "hail", "coffee", "tea")


def initial_word_vectors(n_words):
    """The assignment's start point: float64 (2V, 10), center rows (rand - 0.5)/10 over zero outside rows.

    Draws from numpy's global generator, which the caller seeds.
    """
    centers = (np.random.rand(n_words, DIM) - 0.5) / DIM
    return np.concatenate((centers, np.zeros((n_words, DIM))), axis=0)


def run(sst_dir, out_dir, iterations=FULL_ITERATIONS, engine="reference", plot_path=None,
        print_every=10):
    """Train the assignment's skip-gram negative-sampling model and write its outputs.

    Checkpoints (every 5,000 iterations) go to `out_dir`, and a run resumes from the latest one
    there. Writes ``word_vectors.txt`` (the center vectors, word2vec text format) to `out_dir`
    and the 2D figure of the assignment's 24 words to `plot_path` (default
    ``out_dir/word_vectors.png``; words the corpus lacks are left out).

    Args:
        sst_dir: folder with ``datasetSentences.txt``.
        out_dir: output folder (created if missing).
        iterations: last SGD iteration (40,000 in the assignment).
        engine: "reference" (plain numpy).
        print_every: iterations between ``iter N: L`` lines.
    Returns:
        dict with the final float64 (2V, D) vectors, the words, the seconds taken and the paths.
    Raises:
        DatasetError: the SST folder is missing or malformed.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    os.makedirs(out_dir, exist_ok=True)
    dataset = StanfordSentiment(sst_dir)
    tokens = dataset.tokens()
    random.seed(PYTHON_SEED)
    np.random.seed(NUMPY_SEED)
    start = time.perf_counter()
    vectors = reference.sgd(
        lambda params: reference.word2vec_sgd_wrapper(
            reference.skipgram, tokens, params, dataset, WINDOW,
            reference.neg_sampling_loss_and_gradient),
        initial_word_vectors(len(tokens)), STEP, iterations, None, True, PRINT_EVERY=print_every,
        save_dir=out_dir)
    seconds = time.perf_counter() - start
    words = dataset.revtokens()
    vectors_path = os.path.join(out_dir, "word_vectors.txt")
    save_word2vec_text(vectors_path, words, vectors[:len(words)])
    plot_path = plot_path or os.path.join(out_dir, "word_vectors.png")
    shown = [word for word in FIGURE_WORDS if word in tokens]
    if len(shown) >= 3:
        plot_word_projection(vectors[[tokens[w] for w in shown]], shown, plot_path,
                             title=f"CS224N skip-gram, {iterations} iterations")
    else:
        print(f"fastw2v: the corpus has fewer than 3 of the figure's words; no plot written",
              file=sys.stderr)
        plot_path = None
    return {"vectors": vectors, "words": words, "seconds": seconds,
            "vectors_path": vectors_path, "plot_path": plot_path}
