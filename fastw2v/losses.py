"""The per-center SGD steps of each loss: what one center's window does to the rows of V and U.

Each step has the same arguments and return value, so the span loop (`fastw2v.kernels`) calls
whichever one a kernel was compiled with and never asks which loss runs (fastText's ``Loss``
interface, resolved at compile time):

    step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
         likelihood, record) -> (likelihood, loss folded out, pairs trained)

center ``sentence[i]``, its contexts ``sentence[lo:hi]`` except i; targets/counts/n_targets[buf]
hold the output rows to train and their signed counts as `kernels` drew them (per context slot,
or slot 0 when shared): hierarchical softmax's path nodes, the center's row, the negatives; coefs
and grad_rows are work space (all of them the fields of the kernels' `Scratch` bundle, unpacked
once per span: an array taken out of a tuple in the per-pair code costs a reference count);
``likelihood`` is a running float64 product of pair likelihoods (one log per many pairs);
``record`` is None or a `recording.Recorder`'s buffers.

Orientation as in `fastw2v.kernels`: the context's row of V is the input, the center's row of U
the output target. Every score of a step comes from the weights before the step; the input
gradient is applied after the output updates. Constants are float32, so one source compiles for
float32 and float64 weights.
"""

import numpy as np

from fastw2v.jit import njit
from fastw2v.recording import note_pair

_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)
# The running likelihood is folded into the loss below _TINY; factors below _SMALL go straight
# to the loss, so the product never underflows (1e-250 · 1e-30 > 1e-308).
_TINY = 1e-250
_SMALL = np.float32(1e-30)


@njit(nogil=True, cache=True, inline="always")
def sigmoid_pair(score):
    """(σ(score), σ(-score)) from one exp(-|score|): exact and stable, no overflow."""
    e = np.exp(-abs(score))
    big = _ONE / (_ONE + e)
    small = e * big  # e / (1 + e), one division fewer
    if score >= _ZERO:
        return big, small
    return small, big


@njit(nogil=True, cache=True, inline="always")
def score_pair(V, U, context, targets, counts, buf, slot, n_targets, lr, coefs, row, ready,
               likelihood):
    """Gradient coefficients of one input row against its targets, into coefs[row, :n_targets].

    coefs[row, t] = |c_t| · (label_t - σ(u_tᵀv)) · lr with the signed count c_t of
    `kernels._draw_targets` (label 1 when c_t > 0, else 0): the binary-logistic step that
    negative sampling and hierarchical softmax share; every score from the weights as they are
    now. The scores of the first `ready` targets are already in coefs[row, :ready] (taken during
    the previous pair's update, `chained_logistic_output`); the rest are computed here. The
    pair's likelihood Π σ(±score) is multiplied into `likelihood` (float64), so the loss costs
    one log per many pairs, not one per target.

    Returns (likelihood, loss): loss is what was folded out of the product (float64).
    """
    dim = V.shape[1]
    for t in range(ready, n_targets):
        target = targets[buf, slot, t]
        score = V[context, 0] * _ZERO
        for d in range(dim):
            score += V[context, d] * U[target, d]
        coefs[row, t] = score
    # The sigmoids in a loop of their own: the exps pipeline instead of waiting on each dot.
    # With z the score signed by the label (+ for label 1), the target's likelihood is σ(z) and
    # its coefficient c_t · σ(-z) · lr: one sigmoid, no branch on the label.
    loss = 0.0
    for t in range(n_targets):
        count = counts[buf, slot, t]
        score = coefs[row, t] if count > 0 else -coefs[row, t]
        likely, unlikely = sigmoid_pair(score)
        coefs[row, t] = unlikely * lr * np.float32(count)
        count = abs(count)
        if count == 1 and likely >= _SMALL:
            likelihood *= np.float64(likely)
            if likelihood < _TINY:
                loss -= np.log(likelihood)
                likelihood = 1.0
        elif likely > _ZERO:
            loss -= count * np.log(np.float64(likely))
        else:
            loss += count * abs(np.float64(score))  # -log σ(-|s|) → |s| where σ underflows
    return likelihood, loss


@njit(nogil=True, cache=True, inline="always")
def logistic_output(X, x, U, targets, counts, n_targets, buf, slot, lr, coefs, grad_rows, likelihood):
    """The binary-logistic output layer (negative sampling, hierarchical softmax, both): input row
    X[x] against the targets of (buf, slot). Updates the targets' rows of U in place (every score
    and every gradient from the rows before), and leaves dJ/dx · (-lr), to be added to the input,
    in grad_rows[0] (X[x] itself is not changed).

    Returns (likelihood, loss folded out of it).
    """
    return chained_logistic_output(X, x, U, targets, counts, n_targets, buf, slot, lr, coefs, 0, 0,
                                   X, x, 0, grad_rows, likelihood)


@njit(nogil=True, cache=True, inline="always")
def chained_logistic_output(X, x, U, targets, counts, n_targets, buf, slot, lr, coefs, row, ready,
                            next_X, next_x, share, grad_rows, likelihood):
    """`logistic_output` for one of a chain of pairs: the scores of targets [0, ready) are already
    in coefs[row] (`score_pair`), and while it updates targets [0, share) it also scores them
    against the next pair's input next_X[next_x], into coefs[1 - row, :share]: one pass over each
    shared target row instead of two (skip-gram's contexts of one center share its Huffman path
    and its own row). The caller makes sure the next pair's first `share` targets are these rows
    and its input is not X[x], which moves after this call.

    Returns (likelihood, loss folded out of it).
    """
    dim = X.shape[1]
    for d in range(dim):
        grad_rows[0, d] = _ZERO
    if n_targets == 0:  # hierarchical softmax over a one-word vocabulary: nothing to predict
        return likelihood, 0.0
    likelihood, loss = score_pair(X, U, x, targets, counts, buf, slot, n_targets, lr, coefs, row,
                                  ready, likelihood)
    for t in range(n_targets):
        g = coefs[row, t]
        target = targets[buf, slot, t]
        if t < share:
            score = X[x, 0] * _ZERO
            for d in range(dim):
                u = U[target, d]
                grad_rows[0, d] += g * u
                u = u + g * X[x, d]
                U[target, d] = u
                score += u * next_X[next_x, d]
            coefs[1 - row, t] = score
        else:
            for d in range(dim):
                u = U[target, d]
                grad_rows[0, d] += g * u
                U[target, d] = u + g * X[x, d]
    return likelihood, loss


@njit(nogil=True, cache=True, inline="always")
def softmax_output(X, x, U, targets, counts, n_targets, buf, slot, lr, coefs, grad_rows, likelihood):
    """The full-softmax output layer, with `logistic_output`'s arguments and contract: input row
    X[x] predicts the word `targets[buf, slot, 0]` among all rows of U (O(Vocab · D)).

    J = -log softmax(U x)[w]: coefs[0, v] = lr · (y_v - ŷ_v), every score from the rows before;
    the normaliser is summed in float64. Returns (likelihood unchanged, the loss).
    """
    dim, n_words = X.shape[1], U.shape[0]
    word = targets[buf, slot, 0]
    for v in range(n_words):
        score = X[x, 0] * _ZERO
        for d in range(dim):
            score += X[x, d] * U[v, d]
        coefs[0, v] = score
    top = coefs[0, 0]
    for v in range(1, n_words):
        top = max(top, coefs[0, v])
    word_score = coefs[0, word]
    total = 0.0
    for v in range(n_words):
        e = np.exp(coefs[0, v] - top)
        coefs[0, v] = e
        total += np.float64(e)
    loss = np.log(total) - np.float64(word_score - top)
    for v in range(n_words):
        coefs[0, v] = -lr * (coefs[0, v] / total)
    coefs[0, word] += lr
    for d in range(dim):
        grad_rows[0, d] = _ZERO
    for v in range(n_words):
        g = coefs[0, v]
        for d in range(dim):
            grad_rows[0, d] += g * U[v, d]
    for v in range(n_words):
        g = coefs[0, v]
        for d in range(dim):
            U[v, d] += g * X[x, d]
    return likelihood, loss


@njit(nogil=True, cache=True, inline="always")
def _skip_gram_pairs(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                     grad_rows, likelihood, record, output):
    """Skip-gram, one exact SGD step per (context, center) pair: the context's row of V against
    the center's targets of its own slot, through `output`. Returns (likelihood, loss, pairs)."""
    dim = V.shape[1]
    loss = 0.0
    slot = 0
    for j in range(lo, hi):
        if j == i:
            continue
        context = sentence[j]
        note_pair(record, True, context, sentence[i], lr, buf, slot)
        likelihood, folded = output(V, context, U, targets, counts, n_targets[buf, slot], buf, slot,
                                    lr, coefs, grad_rows, likelihood)
        loss += folded
        for d in range(dim):
            V[context, d] += grad_rows[0, d]
        slot += 1
    return likelihood, loss, slot


@njit(nogil=True, cache=True, inline="always")
def neg_pairs_step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                   grad_rows, likelihood, record):
    """Skip-gram, default mode: one exact SGD step per (context, center) pair, each with its own
    targets (negatives and/or hierarchical-softmax path). Returns (likelihood, loss, pairs).

    The pairs of a center are a chain (`chained_logistic_output`): the leading targets a context
    shares with the next one (the center's path, its row) are scored for the next context while
    this one updates them; the scores are the same ones a separate pass would compute. A context
    equal to the next one breaks the chain (its row moves in between)."""
    dim = V.shape[1]
    loss = 0.0
    slot = 0
    ready = 0
    j = lo + 1 if lo == i else lo
    while j < hi:
        context = sentence[j]
        following = j + 2 if j + 1 == i else j + 1
        count = n_targets[buf, slot]
        share = 0
        next_context = context
        if following < hi and sentence[following] != context:
            next_context = sentence[following]
            most = min(count, n_targets[buf, slot + 1])
            while share < most and targets[buf, slot + 1, share] == targets[buf, slot, share]:
                share += 1
        note_pair(record, True, context, sentence[i], lr, buf, slot)
        likelihood, folded = chained_logistic_output(V, context, U, targets, counts, count, buf, slot,
                                                     lr, coefs, slot & 1, ready, V, next_context,
                                                     share, grad_rows, likelihood)
        loss += folded
        for d in range(dim):
            V[context, d] += grad_rows[0, d]
        ready = share
        slot += 1
        j = following
    return likelihood, loss, slot


@njit(nogil=True, cache=True, inline="always")
def _cbow(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
          likelihood, record, output, mean):
    """CBOW: the mean (or sum) of the window's context rows of V predicts the center through
    `output` (targets of slot 0); every context row then gets the step on the input, -lr·dJ/dh,
    whole, as the C tool and gensim do: for the sum that is each row's exact gradient step, for
    the mean the window's size times it (the exact step, divided by the size, learns several
    times slower: see docs/design.md). The input h lives in grad_rows[1]. Returns (likelihood, loss,
    1 prediction or 0)."""
    dim = V.shape[1]
    m = hi - lo - 1
    if m < 1:
        return likelihood, 0.0, 0
    for d in range(dim):
        grad_rows[1, d] = _ZERO
    first = True
    for j in range(lo, hi):
        if j != i:
            context = sentence[j]
            note_pair(record, first, context, sentence[i], lr, buf, 0)
            first = False
            for d in range(dim):
                grad_rows[1, d] += V[context, d]
    one = grad_rows[1, 0] * _ZERO + _ONE  # 1 in the weights' precision
    share = one / m if mean else one
    for d in range(dim):
        grad_rows[1, d] *= share
    likelihood, loss = output(grad_rows, 1, U, targets, counts, n_targets[buf, 0], buf, 0, lr, coefs,
                              grad_rows, likelihood)
    for j in range(lo, hi):
        if j != i:
            context = sentence[j]
            for d in range(dim):
                V[context, d] += grad_rows[0, d]
    return likelihood, loss, 1


@njit(nogil=True, cache=True, inline="always")
def cbow_mean_step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                   grad_rows, likelihood, record):
    """CBOW with the mean of the context rows (gensim's default), binary-logistic outputs."""
    return _cbow(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
                 likelihood, record, logistic_output, True)


@njit(nogil=True, cache=True, inline="always")
def cbow_sum_step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                  grad_rows, likelihood, record):
    """CBOW with the sum of the context rows (the C tool's cbow_mean=0), binary-logistic outputs."""
    return _cbow(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
                 likelihood, record, logistic_output, False)


@njit(nogil=True, cache=True, inline="always")
def cbow_softmax_step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                      grad_rows, likelihood, record):
    """CBOW (mean) with the full-softmax output."""
    return _cbow(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
                 likelihood, record, softmax_output, True)


@njit(nogil=True, cache=True, inline="always")
def neg_shared_step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                    grad_rows, likelihood, record):
    """Shared mode: one exact SGD step on the summed loss of the center's window, one set of
    negatives for all its contexts, every score from the weights before the step.

    Returns (likelihood, loss folded out of it, pairs trained).
    """
    dim = V.shape[1]
    loss = 0.0
    if hi - lo < 2:
        return likelihood, loss, 0
    count = n_targets[buf, 0]
    m = 0
    for j in range(lo, hi):
        if j != i:
            note_pair(record, m == 0, sentence[j], sentence[i], lr, buf, 0)
            likelihood, folded = score_pair(V, U, sentence[j], targets, counts, buf, 0, count, lr,
                                            coefs, m, 0, likelihood)
            loss += folded
            m += 1
    # Input gradients first (they read U before its update) ...
    for row in range(m):
        for d in range(dim):
            grad_rows[row, d] = _ZERO
        for t in range(count):
            g = coefs[row, t]
            target = targets[buf, 0, t]
            for d in range(dim):
                grad_rows[row, d] += g * U[target, d]
    # ... then the output updates (they read V before its update) ...
    for t in range(count):
        target = targets[buf, 0, t]
        row = 0
        for j in range(lo, hi):
            if j != i:
                g = coefs[row, t]
                context = sentence[j]
                for d in range(dim):
                    U[target, d] += g * V[context, d]
                row += 1
    # ... then the inputs.
    row = 0
    for j in range(lo, hi):
        if j != i:
            context = sentence[j]
            for d in range(dim):
                V[context, d] += grad_rows[row, d]
            row += 1
    return likelihood, loss, m


@njit(nogil=True, cache=True, inline="always")
def softmax_step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                 grad_rows, likelihood, record):
    """Skip-gram with the full softmax: one exact SGD step per (context, center) pair over the
    whole vocabulary (`softmax_output`); no negatives are drawn. Returns (likelihood, loss, pairs)."""
    return _skip_gram_pairs(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                            grad_rows, likelihood, record, softmax_output)
