"""The CS224N word2vec assignment's call contract, over the textbook math of `fastw2v.reference`.

What the assignment's harness calls, under its names: the camelCase aliases of the reference's
snake_case functions (re-exported with `skipgram` and `sigmoid`, so one module serves a harness
unchanged), ``normalizeRows``, the batch wrapper `word2vec_sgd_wrapper`, `sgd` with step
annealing and resumable saves, and the numerical gradient check `gradcheck_naive`. Randomness
comes only from Python's ``random`` module, drawn in the assignment's order: published values
depend on the exact stream.
"""

import glob
import json
import os
import random

import numpy as np

from fastw2v.atomic import atomic_write
from fastw2v.reference import (get_negative_samples, hierarchical_softmax_loss_and_gradient,
                               naive_softmax_loss_and_gradient, neg_sampling_loss_and_gradient,
                               sigmoid, skipgram)

__all__ = [
    "ANNEAL_EVERY", "BATCH_SIZE", "SAVE_PARAMS_EVERY", "getNegativeSamples", "gradcheck_naive",
    "hierarchicalSoftmaxLossAndGradient", "load_saved_params", "naiveSoftmaxLossAndGradient",
    "negSamplingLossAndGradient", "normalizeRows", "normalize_rows", "save_params", "sgd",
    "sigmoid", "skipgram", "word2vec_sgd_wrapper",
]

ANNEAL_EVERY = 20000
SAVE_PARAMS_EVERY = 5000
BATCH_SIZE = 50


def normalize_rows(x):
    """Scale every row of `x` to unit Euclidean length.

    Args:
        x: float array, shape (N, D), rows not all zero.
    Returns:
        float64 array, shape (N, D).
    """
    x = np.asarray(x, dtype=np.float64)
    return x / np.sqrt(np.sum(x * x, axis=1, keepdims=True))


def word2vec_sgd_wrapper(word2vecModel, word2Ind, wordVectors, dataset, windowSize,
                         word2vecLossAndGradient=naive_softmax_loss_and_gradient):
    """Average loss and gradient of a batch of 50 random windows, in the assignment's draw order.

    For each batch item: ``random.randint(1, windowSize)`` for the window, then
    ``dataset.getRandomContext(window)``, then the model. The first half of `wordVectors`'
    rows are the center vectors, the second half the outside vectors.

    Args:
        wordVectors: float64 array, shape (2V, D).
    Returns:
        (loss: float, grad: float64 (2V, D)).
    """
    loss = 0.0
    grad = np.zeros(wordVectors.shape, dtype=np.float64)
    half = wordVectors.shape[0] // 2
    centerWordVectors = wordVectors[:half, :]
    outsideVectors = wordVectors[half:, :]
    for _ in range(BATCH_SIZE):
        window = random.randint(1, windowSize)
        centerWord, context = dataset.getRandomContext(window)
        item_loss, grad_center, grad_outside = word2vecModel(
            centerWord, window, context, word2Ind, centerWordVectors, outsideVectors, dataset,
            word2vecLossAndGradient)
        loss += item_loss / BATCH_SIZE
        grad[:half, :] += grad_center / BATCH_SIZE
        grad[half:, :] += grad_outside / BATCH_SIZE
    return loss, grad


def sgd(f, x0, step, iterations, postprocessing=None, useSaved=False, PRINT_EVERY=10,
        save_dir="."):
    """Stochastic gradient descent with step annealing, progress lines and resumable saves.

    Every PRINT_EVERY iterations prints ``iter N: L`` (L to 6 decimals: the raw loss the first
    time, then the exponential average 0.95·old + 0.05·new). The step halves every 20,000
    iterations. With useSaved, the parameters and Python's random state are saved to `save_dir`
    every 5,000 iterations (``saved_params_N.npy`` + ``saved_state_N.json``, never pickle) and a
    run resumes from the latest save there, with the step annealed as an uninterrupted run's.

    Args:
        f: callable x -> (loss: float, grad: array shaped like x).
        x0: float64 array, the start point (updated in place).
        step: float, the learning rate.
        iterations: int, the last iteration number.
        postprocessing: optional callable x -> x applied after each step.
    Returns:
        the final x.
    """
    start_iter = 0
    if useSaved:
        start_iter, saved_x, saved_state = load_saved_params(save_dir)
        if start_iter > 0:
            x0 = saved_x
            step *= 0.5 ** (start_iter // ANNEAL_EVERY)
            random.setstate(saved_state)
    x = x0
    postprocessing = postprocessing or (lambda params: params)
    exploss = None
    for iteration in range(start_iter + 1, iterations + 1):
        loss, grad = f(x)
        x -= step * grad
        x = postprocessing(x)
        if iteration % PRINT_EVERY == 0:
            exploss = loss if exploss is None else 0.95 * exploss + 0.05 * loss
            print("iter %d: %f" % (iteration, exploss), flush=True)
        if useSaved and iteration % SAVE_PARAMS_EVERY == 0:
            save_params(save_dir, iteration, x)
        if iteration % ANNEAL_EVERY == 0:
            step *= 0.5
    return x


def save_params(save_dir, iteration, params):
    """Save `params` (float64 array) and Python's random state as iteration `iteration`'s checkpoint."""
    state_version, internal, gauss_next = random.getstate()
    state = {"version": state_version, "internal": list(internal), "gauss_next": gauss_next}
    with atomic_write(os.path.join(save_dir, "saved_params_%d.npy" % iteration)) as handle:
        np.save(handle, params, allow_pickle=False)
    with atomic_write(os.path.join(save_dir, "saved_state_%d.json" % iteration), "w") as handle:
        json.dump(state, handle)


def load_saved_params(save_dir):
    """Find the latest complete checkpoint in `save_dir`.

    Returns:
        (iteration, params float64 array, random state tuple), or (0, None, None) when none.
    """
    latest = 0
    for path in glob.glob(os.path.join(save_dir, "saved_params_*.npy")):
        suffix = os.path.basename(path)[len("saved_params_"):-len(".npy")]
        if suffix.isdigit() and os.path.exists(os.path.join(save_dir, "saved_state_%s.json" % suffix)):
            latest = max(latest, int(suffix))
    if latest == 0:
        return 0, None, None
    params = np.load(os.path.join(save_dir, "saved_params_%d.npy" % latest), allow_pickle=False)
    with open(os.path.join(save_dir, "saved_state_%d.json" % latest), encoding="utf-8") as handle:
        state = json.load(handle)
    random_state = (state["version"], tuple(state["internal"]), state["gauss_next"])
    return latest, params, random_state


def gradcheck_naive(f, x, gradientText=""):
    """Check f's analytic gradient against central differences (h = 1e-4, relative error 1e-5).

    Python's random state is restored before every evaluation, so stochastic losses (negative
    sampling) see the same draws each time. `x` is perturbed in place and restored exactly.

    Args:
        f: callable x -> (loss: float, grad: array shaped like x).
        x: float64 array of any shape.
        gradientText: a label for the printed message.
    Returns:
        True when every coordinate agrees, else False (after printing the first mismatch).
    """
    state = random.getstate()
    random.setstate(state)
    _, grad = f(x)
    h = 1e-4
    for ix in np.ndindex(x.shape):
        original = x[ix]
        x[ix] = original + h
        random.setstate(state)
        loss_plus, _ = f(x)
        x[ix] = original - h
        random.setstate(state)
        loss_minus, _ = f(x)
        x[ix] = original
        numeric = (loss_plus - loss_minus) / (2 * h)
        rel_error = abs(numeric - grad[ix]) / max(1.0, abs(numeric), abs(grad[ix]))
        if rel_error > 1e-5:
            print("Gradient check failed for %s at index %s: analytic %f, numerical %f"
                  % (gradientText, ix, grad[ix], numeric))
            return False
    print("Gradient check passed for %s." % gradientText)
    return True


# The assignment's names, so its harness can import them unchanged.
naiveSoftmaxLossAndGradient = naive_softmax_loss_and_gradient
getNegativeSamples = get_negative_samples
negSamplingLossAndGradient = neg_sampling_loss_and_gradient
hierarchicalSoftmaxLossAndGradient = hierarchical_softmax_loss_and_gradient
normalizeRows = normalize_rows
