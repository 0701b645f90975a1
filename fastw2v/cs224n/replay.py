"""The CS224N word2vec assignment's training run on the Stanford Sentiment Treebank, replayed.

Seeds, initialisation, window, negatives, batch and SGD schedule are the assignment's, so the
printed ``iter N: L`` lines reproduce its published values (``iter 10: 19.061546`` first).
Two engines run it: "reference" (`assignment.sgd` over `fastw2v.reference`'s math in plain
numpy, as the assignment does) and "fast" (`kernels`, compiled, the same random stream), which
print the same lines and share checkpoints, so a run started with one can be resumed with the
other.
"""

import os
import random
import sys
import time

import numpy as np

from fastw2v import reference
from fastw2v.cs224n import assignment, kernels, mt19937
from fastw2v.cs224n.sst import StanfordSentiment
from fastw2v.errors import FastW2VError
from fastw2v.formats import save_word2vec_text
from fastw2v.plot import plot_word_projection

PYTHON_SEED = 31415
NUMPY_SEED = 9265
DIM = 10
WINDOW = 5
NEGATIVES = 10
STEP = 0.3
FULL_ITERATIONS = 40000
ENGINES = ("reference", "fast")
FIGURE_WORDS = ("great", "cool", "brilliant", "wonderful", "well", "amazing", "worth", "sweet",
                "enjoyable", "boring", "bad", "dumb", "annoying", "female", "male", "queen",
                "king", "man", "woman", "rain", "snow", "hail", "coffee", "tea")


def initial_word_vectors(n_words):
    """The assignment's start point, float64 (2V, 10): center rows (rand - 0.5)/10, outside rows 0.

    Draws from numpy's global generator, which the caller seeds.
    """
    centers = (np.random.rand(n_words, DIM) - 0.5) / DIM
    return np.concatenate((centers, np.zeros((n_words, DIM))), axis=0)


def run(sst_dir, out_dir, iterations=FULL_ITERATIONS, engine="reference", plot_path=None,
        print_every=10):
    """Train the assignment's skip-gram negative-sampling model and write its outputs.

    Checkpoints (every 5,000 iterations) go to `out_dir`, and a run resumes from the latest one
    there, whichever engine wrote it. Writes ``word_vectors.txt`` (the center vectors, word2vec
    text format) to `out_dir` and the 2D figure of the assignment's 24 words to `plot_path`
    (default ``out_dir/word_vectors.png``; words the corpus lacks are left out). Python's
    ``random`` is left where the reference run leaves it, with either engine.

    Args:
        sst_dir: folder with ``datasetSentences.txt``.
        out_dir: output folder (created if missing).
        iterations: last SGD iteration (40,000 in the assignment).
        engine: "reference" (plain numpy) or "fast" (compiled; prints the same lines).
        print_every: iterations between ``iter N: L`` lines.
    Returns:
        dict with the final float64 (2V, D) vectors, the words, the seconds taken and the paths.
    Raises:
        DatasetError: the SST folder is missing or malformed.
        FastW2VError: the checkpoint in `out_dir` is for a corpus of another vocabulary size.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    os.makedirs(out_dir, exist_ok=True)
    dataset = StanfordSentiment(sst_dir)
    tokens = dataset.tokens()
    random.seed(PYTHON_SEED)
    np.random.seed(NUMPY_SEED)
    x0 = initial_word_vectors(len(tokens))
    checkpoint = _load_checkpoint(out_dir, x0.shape)
    start = time.perf_counter()
    if engine == "fast":
        vectors = _train_fast(dataset, x0, checkpoint, iterations, out_dir, print_every)
    else:
        if checkpoint[0] > 0:
            _first_window_and_corpus(dataset)
        vectors = assignment.sgd(
            lambda params: assignment.word2vec_sgd_wrapper(
                reference.skipgram, tokens, params, dataset, WINDOW,
                reference.neg_sampling_loss_and_gradient),
            x0, STEP, iterations, None, True, PRINT_EVERY=print_every, save_dir=out_dir)
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
        print("fastw2v: the corpus has fewer than 3 of the figure's words; no plot written",
              file=sys.stderr)
        plot_path = None
    return {"vectors": vectors, "words": words, "seconds": seconds,
            "vectors_path": vectors_path, "plot_path": plot_path}


def _load_checkpoint(out_dir, shape):
    """The latest checkpoint in `out_dir` (`assignment.load_saved_params`), checked to fit `shape`.

    Returns:
        (iteration, float64 params of `shape`, random state tuple), or (0, None, None) when none.
    Raises:
        FastW2VError: the saved parameters are not a float64 array of `shape`.
    """
    saved_iteration, saved, saved_state = assignment.load_saved_params(out_dir)
    if saved_iteration and (saved.shape != shape or saved.dtype != np.float64):
        raise FastW2VError(
            f"{out_dir}: the checkpoint of iteration {saved_iteration} holds {saved.dtype} "
            f"{saved.shape} parameters, this corpus needs float64 {shape}; pass another --out "
            "or remove saved_params_*.npy there")
    return saved_iteration, saved, saved_state


def _first_window_and_corpus(dataset):
    """Draw iteration 1's first window, then build the sub-sampled corpus: the assignment's order.

    The assignment builds the corpus lazily, in its first ``getRandomContext``, right after that
    first ``randint(1, WINDOW)``, so the corpus depends on the seed only. The fast engine always
    builds it here. The reference engine does so only when it resumes, before `assignment.sgd`
    restores the saved random state: built after the restore, as the assignment's own code
    would, it would be another corpus, and the resumed run another run.

    Returns:
        int, the window drawn.
    """
    window = random.randint(1, WINDOW)
    dataset.allSentences()
    return window


def _train_fast(dataset, x, checkpoint, iterations, out_dir, print_every):
    """`assignment.sgd`'s loop (printing, saves, annealing, resuming) around compiled iterations.

    Python's ``random`` stream is carried by a compiled Mersenne Twister between the corpus
    build and the end of the run; it is handed back to ``random`` at every save and at the end.

    Args:
        x: float64 (2V, D), the start point (updated in place unless a checkpoint replaces it).
        checkpoint: `_load_checkpoint`'s (iteration, params, random state) to resume from.
    Returns:
        float64 (2V, D), the final parameters.
    """
    first_window = _first_window_and_corpus(dataset)
    start_iter, saved_x, saved_state = checkpoint
    if start_iter > 0:
        x, first_window = saved_x, 0
        random.setstate(saved_state)
    step = STEP * 0.5 ** (start_iter // assignment.ANNEAL_EVERY)
    sentences, offsets = kernels.flatten_sentences(dataset.allSentences())
    table = dataset.sampleTable()
    gauss_next = random.getstate()[2]
    state = mt19937.from_python_state(random.getstate())
    work = kernels.make_workspace(len(x) // 2, x.shape[1], WINDOW, NEGATIVES, assignment.BATCH_SIZE)
    stops = (print_every, assignment.SAVE_PARAMS_EVERY, assignment.ANNEAL_EVERY)
    exploss = None
    iteration = start_iter
    while iteration < iterations:
        stop = min([iterations] + [(iteration // every + 1) * every for every in stops])
        loss = kernels.sgd_iterations(
            x, stop - iteration, step, first_window, state, sentences, offsets, table, WINDOW,
            NEGATIVES, assignment.BATCH_SIZE, work)
        first_window, iteration = 0, stop
        if iteration % print_every == 0:
            exploss = loss if exploss is None else 0.95 * exploss + 0.05 * loss
            print("iter %d: %f" % (iteration, exploss), flush=True)
        if iteration % assignment.SAVE_PARAMS_EVERY == 0:
            random.setstate(mt19937.to_python_state(state, gauss_next))
            assignment.save_params(out_dir, iteration, x)
        if iteration % assignment.ANNEAL_EVERY == 0:
            step *= 0.5
    random.setstate(mt19937.to_python_state(state, gauss_next))
    return x
