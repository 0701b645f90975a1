"""The reference path: the textbook word2vec math in plain float64 numpy, clear over fast.

One function per formula of docs/design.md §1. Notation: ``v_c`` is the center word's vector (a
row of the center matrix V), ``u_w`` is row ``w`` of the outside matrix U, ``σ`` the logistic
sigmoid. The center word's row is the *input* and the outside word the *output* target (the
CS224N orientation).

The functions keep the call contract of the CS224N word2vec assignment: the center vector, the
outside word's index, the outside-vector matrix and a dataset object (negatives come from its
``sampleTokenIdx()``, in the assignment's order), parameters under the assignment's names. So the
compiled kernels' diff can hand its recorded draws over through that dataset object, and the
assignment's own harness (`fastw2v.cs224n.assignment`: its camelCase names, batch wrapper, SGD
and gradient check) is built on these functions.
"""

import numpy as np


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


def subword_input(V, rows):
    """A word's input vector in fastText's model: the mean of V's rows `rows` (its own row, then
    its character n-grams' rows; a row that occurs twice counts twice).

    Args:
        V: float64 (R, D). rows: int array (m,), m >= 1.
    Returns:
        float64 (D,).
    """
    return V[np.asarray(rows)].mean(axis=0)


def subword_loss_and_gradient(V, rows, outsideWordIdx, outsideVectors, dataset, loss_and_gradient, **kwargs):
    """The loss of a subword input (`subword_input`) and its exact gradients: dJ/dV, where each
    occurrence of a row in `rows` gets dJ/dh / m (m = len(rows): the mean's derivative), and dJ/dU.

    Args:
        V: float64 (R, D). rows: int array (m,). outsideWordIdx, outsideVectors, dataset,
            kwargs: as the loss function's. loss_and_gradient: one of this module's pair losses
            (`neg_sampling_loss_and_gradient`, ...).
    Returns:
        (loss: float, grad_V: float64 (R, D), grad_U: float64 like outsideVectors).

    fastText's update (`subword_input_step`) gives each occurrence -lr · dJ/dh: m times this
    gradient's step, as word2vec's CBOW with the mean does.
    """
    rows = np.asarray(rows)
    loss, grad_h, grad_U = loss_and_gradient(subword_input(V, rows), outsideWordIdx, outsideVectors, dataset,
                                             **kwargs)
    grad_V = np.zeros_like(V)
    np.add.at(grad_V, rows, grad_h / rows.size)
    return loss, grad_V, grad_U


def subword_input_step(V, rows, step):
    """fastText's update of the input rows: each occurrence of a row in `rows` gets the whole
    `step` (-lr · dJ/dh), where the exact gradient of the mean would give each one dJ/dh / m (as
    word2vec's CBOW with the mean does). V (float64 (R, D)) is updated in place."""
    np.add.at(V, np.asarray(rows), step)

