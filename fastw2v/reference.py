"""The reference path: the textbook word2vec math in plain float64 numpy, clear over fast.

One function per formula of DESIGN.md §1. Notation: ``v_c`` is the center word's vector (a row of
the center matrix V), ``u_w`` is row ``w`` of the outside matrix U, ``σ`` the logistic sigmoid.
The center word's row is the *input* and the outside word the *output* target (the CS224N
orientation).

The functions keep the call contract and the names of the CS224N word2vec assignment (the
camelCase names are aliases of the snake_case ones, and parameters keep the assignment's names),
so an assignment test harness can drive them unchanged. Randomness comes only from Python's
``random`` module, drawn in the assignment's order: published values depend on the exact stream.
"""

import glob
import json
import os
import random

import numpy as np

from fastw2v.atomic import atomic_write

ANNEAL_EVERY = 20000
SAVE_PARAMS_EVERY = 5000
BATCH_SIZE = 50


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), stable for any magnitude.

    Args:
        x: a scalar or an array of any shape.
    Returns:
        float for a scalar input, else a float64 array of x's shape. Exactly 0.5 at 0; no
        overflow warning or NaN at ±1000 (exp is only taken of -|x|).
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(s) if s.ndim == 0 else s


def neg_log_sigmoid(x):
    """-log σ(x) = log(1 + exp(-x)), computed without overflow or log(0) at large |x|.

    Args:
        x: a scalar or an array.
    Returns:
        float for a scalar, else a float64 array; ≥ 0 everywhere.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.maximum(-x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    return float(out) if out.ndim == 0 else out


def softmax(scores):
    """Softmax of a 1-D score vector, shifted by its maximum so exp never overflows.

    Args:
        scores: float array, shape (V,).
    Returns:
        float64 array, shape (V,), non-negative, summing to 1.
    """
    shifted = np.asarray(scores, dtype=np.float64) - np.max(scores)
    e = np.exp(shifted)
    return e / np.sum(e)


def normalize_rows(x):
    """Scale every row of `x` to unit Euclidean length.

    Args:
        x: float array, shape (N, D), rows not all zero.
    Returns:
        float64 array, shape (N, D).
    """
    x = np.asarray(x, dtype=np.float64)
    return x / np.sqrt(np.sum(x * x, axis=1, keepdims=True))


def naive_softmax_loss_and_gradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    """Naive-softmax loss of one (center, outside) pair and its gradients.

    J = -log softmax(U v_c)[o];  dJ/dv_c = Uᵀ(ŷ - y);  dJ/dU = (ŷ - y) v_cᵀ.

    Args:
        centerWordVec: float array, shape (D,), v_c.
        outsideWordIdx: int, o.
        outsideVectors: float array, shape (V, D), U.
        dataset: unused (kept for the common loss signature).
    Returns:
        (loss: float, gradCenterVec: float64 (D,), gradOutsideVecs: float64 (V, D)).
    """
    scores = outsideVectors @ centerWordVec
    y_hat = softmax(scores)
    # log-sum-exp form of -log ŷ_o: finite even when ŷ_o underflows to 0.
    top = np.max(scores)
    loss = float(top + np.log(np.sum(np.exp(scores - top))) - scores[outsideWordIdx])
    delta = y_hat.copy()
    delta[outsideWordIdx] -= 1.0
    gradCenterVec = outsideVectors.T @ delta
    gradOutsideVecs = np.outer(delta, centerWordVec)
    return loss, gradCenterVec, gradOutsideVecs


def get_negative_samples(outsideWordIdx, dataset, K):
    """Draw K negative word indices with ``dataset.sampleTokenIdx()``, redrawing the outside word.

    Returns:
        list of K ints; the same index may appear several times.
    """
    negatives = []
    for _ in range(K):
        idx = dataset.sampleTokenIdx()
        while idx == outsideWordIdx:
            idx = dataset.sampleTokenIdx()
        negatives.append(idx)
    return negatives


def neg_sampling_loss_and_gradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K=10):
    """Negative-sampling loss of one (center, outside) pair and its gradients.

    J = -log σ(u_oᵀv_c) - Σ_k log σ(-u_kᵀv_c);
    dJ/dv_c = (σ(u_oᵀv_c) - 1) u_o + Σ_k σ(u_kᵀv_c) u_k;
    dJ/du_o = (σ(u_oᵀv_c) - 1) v_c;  dJ/du_k = σ(u_kᵀv_c) v_c, summed over repeats.
    (σ(s) = 1 - σ(-s); the left form is the accurate one in floating point.)

    The K negatives are drawn with `get_negative_samples` once, first thing; a negative drawn
    twice contributes twice.

    Args:
        centerWordVec: float array, shape (D,).
        outsideWordIdx: int.
        outsideVectors: float array, shape (V, D).
        dataset: object with ``sampleTokenIdx() -> int``.
        K: number of negatives.
    Returns:
        (loss: float, gradCenterVec: float64 (D,), gradOutsideVecs: float64 (V, D)).
    """
    negatives = get_negative_samples(outsideWordIdx, dataset, K)
    u_o = outsideVectors[outsideWordIdx]
    score_o = float(u_o @ centerWordVec)
    loss = neg_log_sigmoid(score_o)
    g_o = sigmoid(score_o) - 1.0
    gradCenterVec = g_o * u_o
    gradOutsideVecs = np.zeros(outsideVectors.shape, dtype=np.float64)
    gradOutsideVecs[outsideWordIdx] += g_o * centerWordVec
    for k in negatives:
        u_k = outsideVectors[k]
        score_k = float(u_k @ centerWordVec)
        loss += neg_log_sigmoid(-score_k)
        g_k = sigmoid(score_k)
        gradCenterVec = gradCenterVec + g_k * u_k
        gradOutsideVecs[k] += g_k * centerWordVec
    return loss, gradCenterVec, gradOutsideVecs


def hierarchical_softmax_loss_and_gradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    """Hierarchical-softmax loss of one (input, output word) pair and its gradients.

    The output word's probability is a product of binary decisions along its Huffman path
    (`fastw2v.huffman`): with inner-node vectors u_n and the turn's sign s_n = +1 for code 0,
    -1 for code 1,
    J = -Σ_n log σ(s_n u_nᵀv);  dJ/dv = -Σ_n s_n σ(-s_n u_nᵀv) u_n;  dJ/du_n = -s_n σ(-s_n u_nᵀv) v.

    Args:
        centerWordVec: float array (D,), the input vector v.
        outsideWordIdx: int, the output word.
        outsideVectors: float array (V - 1, D), one row per inner node of the tree.
        dataset: the tree: an object with ``path(word) -> (nodes, codes)`` (`HuffmanTree`).
    Returns:
        (loss: float, gradCenterVec: float64 (D,), gradOutsideVecs: float64 (V - 1, D)).
    """
    nodes, codes = dataset.path(outsideWordIdx)
    loss = 0.0
    gradCenterVec = np.zeros(centerWordVec.shape, dtype=np.float64)
    gradOutsideVecs = np.zeros(outsideVectors.shape, dtype=np.float64)
    for node, code in zip(nodes, codes):
        sign = 1.0 - 2.0 * float(code)
        score = float(outsideVectors[node] @ centerWordVec)
        loss += neg_log_sigmoid(sign * score)
        g = -sign * sigmoid(-sign * score)
        gradCenterVec = gradCenterVec + g * outsideVectors[node]
        gradOutsideVecs[node] += g * centerWordVec
    return loss, gradCenterVec, gradOutsideVecs


def skipgram(currentCenterWord, windowSize, outsideWords, word2Ind, centerWordVectors,
             outsideVectors, dataset, word2vecLossAndGradient=naive_softmax_loss_and_gradient):
    """Skip-gram loss and gradients for one center word and its window of outside words.

    The pair loss function is called once per outside word, in order; the losses and gradients
    are summed. Rows of the center matrix other than the center word's get zero gradient.

    Args:
        currentCenterWord: str. windowSize: int (unused by the math; part of the contract).
        outsideWords: list of str. word2Ind: dict str -> int.
        centerWordVectors: float array (V, D). outsideVectors: float array (V, D).
        dataset: passed to the loss function. word2vecLossAndGradient: a pair loss function.
    Returns:
        (loss: float, gradCenterVecs: float64 (V, D), gradOutsideVectors: float64 (V, D)).
    """
    loss = 0.0
    gradCenterVecs = np.zeros(centerWordVectors.shape, dtype=np.float64)
    gradOutsideVectors = np.zeros(outsideVectors.shape, dtype=np.float64)
    center = word2Ind[currentCenterWord]
    centerWordVec = centerWordVectors[center]
    for word in outsideWords:
        pair_loss, grad_center, grad_outside = word2vecLossAndGradient(
            centerWordVec, word2Ind[word], outsideVectors, dataset)
        loss += pair_loss
        gradCenterVecs[center] += grad_center
        gradOutsideVectors += grad_outside
    return loss, gradCenterVecs, gradOutsideVectors


def cbow(currentCenterWord, windowSize, outsideWords, word2Ind, centerWordVectors,
         outsideVectors, dataset, word2vecLossAndGradient=naive_softmax_loss_and_gradient, mean=True):
    """CBOW loss and gradients for one center word: its window predicts it.

    The input is h = the mean (mean=True, gensim's default) or the sum (the C tool's
    ``cbow_mean=0``) of the outside words' rows of the input matrix; the pair loss function scores
    h against the center word; every outside word's row gets dJ/dh, divided by the window's size
    for the mean (the exact gradient; the C tool adds dJ/dh undivided). An outside word present
    twice gets its share twice. The skip-gram contract of the older CS224N editions, with the
    roles of the words swapped.

    Args:
        currentCenterWord: str, the word predicted. windowSize: int (part of the contract).
        outsideWords: list of str, the window. word2Ind: dict str -> int.
        centerWordVectors: float array (V, D), the input matrix (rows of the window's words).
        outsideVectors: the output matrix the loss function reads.
        dataset: passed to the loss function. mean: average (True) or sum (False) the inputs.
    Returns:
        (loss: float, gradInputVecs: float64 (V, D), gradOutsideVectors: float64, as the output
        matrix); zero for an empty window.
    """
    gradInputVecs = np.zeros(centerWordVectors.shape, dtype=np.float64)
    gradOutsideVectors = np.zeros(outsideVectors.shape, dtype=np.float64)
    rows = [word2Ind[word] for word in outsideWords]
    if not rows:
        return 0.0, gradInputVecs, gradOutsideVectors
    share = 1.0 / len(rows) if mean else 1.0
    h = np.asarray(centerWordVectors, dtype=np.float64)[rows].sum(axis=0) * share
    loss, grad_h, gradOutsideVectors = word2vecLossAndGradient(
        h, word2Ind[currentCenterWord], outsideVectors, dataset)
    for row in rows:
        gradInputVecs[row] += share * grad_h
    return loss, gradInputVecs, gradOutsideVectors


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


# CS224N names, so an assignment harness can import them unchanged.
naiveSoftmaxLossAndGradient = naive_softmax_loss_and_gradient
getNegativeSamples = get_negative_samples
negSamplingLossAndGradient = neg_sampling_loss_and_gradient
hierarchicalSoftmaxLossAndGradient = hierarchical_softmax_loss_and_gradient
normalizeRows = normalize_rows
