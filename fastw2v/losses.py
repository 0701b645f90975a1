"""The per-center SGD steps of each loss: what one center's window does to the rows of V and U.

Each step has the same arguments and return value, so the span loop (`fastw2v.kernels`) calls
whichever one a kernel was compiled with and never asks which loss runs (fastText's ``Loss``
interface, resolved at compile time):

    step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
         likelihood, record) -> (likelihood, loss folded out, pairs trained)

center ``sentence[i]``, its contexts ``sentence[lo:hi]`` except i; targets/counts/n_targets[buf]
hold the center and its negatives as `kernels` drew them (per context slot, or slot 0 when
shared); coefs and grad_rows are scratch; ``likelihood`` is a running float64 product of pair
likelihoods (one log per many pairs); ``record`` is None or a `recording.Recorder`'s buffers.

Orientation as in `fastw2v.kernels`: the context's row of V is the input, the center's row of U
the output target. Every score of a step comes from the weights before the step; the input
gradient is applied after the output updates. Constants are float32, so one source compiles for
float32 and float64 weights.
"""

import numpy as np
from numba import njit

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
    small = e / (_ONE + e)
    if score >= _ZERO:
        return big, small
    return small, big


@njit(nogil=True, cache=True, inline="always")
def score_pair(V, U, context, targets, counts, buf, slot, n_targets, lr, coefs, row, likelihood):
    """Gradient coefficients of one input row against its targets, into coefs[row, :n_targets].

    coefs[row, t] = count_t · (label_t - σ(u_tᵀv)) · lr, label 1 for t = 0 (the center), else 0;
    every score from the weights as they are now. The pair's likelihood Π σ(±score) is multiplied
    into `likelihood` (float64), so the loss costs one log per many pairs, not one per target.

    Returns (likelihood, loss): loss is what was folded out of the product (float64).
    """
    dim = V.shape[1]
    for t in range(n_targets):
        target = targets[buf, slot, t]
        score = V[context, 0] * _ZERO
        for d in range(dim):
            score += V[context, d] * U[target, d]
        coefs[row, t] = score
    # The sigmoids in a loop of their own: the exps pipeline instead of waiting on each dot.
    loss = 0.0
    for t in range(n_targets):
        score = coefs[row, t]
        sig_pos, sig_neg = sigmoid_pair(score)
        count = counts[buf, slot, t]
        if t == 0:
            coefs[row, t] = (_ONE - sig_pos) * lr
            likely = sig_pos
        else:
            coefs[row, t] = -sig_pos * lr * np.float32(count)
            likely = sig_neg
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
def neg_pairs_step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                        grad_rows, likelihood, record):
    """Default mode: one exact SGD step per (context, center) pair, each with its own negatives.

    Returns (likelihood, loss folded out of it, pairs trained).
    """
    dim = V.shape[1]
    loss = 0.0
    slot = 0
    for j in range(lo, hi):
        if j == i:
            continue
        context = sentence[j]
        note_pair(record, True, context, sentence[i], lr, buf, slot)
        center = targets[buf, slot, 0]
        count = n_targets[buf, slot]
        likelihood, folded = score_pair(V, U, context, targets, counts, buf, slot, count, lr, coefs, 0,
                                         likelihood)
        loss += folded
        g = coefs[0, 0]
        for d in range(dim):
            u = U[center, d]
            grad_rows[0, d] = g * u
            U[center, d] = u + g * V[context, d]
        for t in range(1, count):
            g = coefs[0, t]
            target = targets[buf, slot, t]
            for d in range(dim):
                u = U[target, d]
                grad_rows[0, d] += g * u
                U[target, d] = u + g * V[context, d]
        for d in range(dim):
            V[context, d] += grad_rows[0, d]
        slot += 1
    return likelihood, loss, slot


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
                                             coefs, m, likelihood)
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
    """Full softmax: one exact SGD step per (context, center) pair over the whole vocabulary.

    J = -log softmax(U v)[center] with v the context's row: coefs[0, w] = lr · (y_w - ŷ_w), every
    score from the weights before the pair; the input gradient Σ_w coefs[0, w] u_w is taken
    before the rows of U move. The normaliser is summed in float64. No negatives are drawn.

    Returns (likelihood unchanged, the pairs' loss, pairs trained).
    """
    dim, n_words = V.shape[1], U.shape[0]
    center = sentence[i]
    loss = 0.0
    pairs = 0
    for j in range(lo, hi):
        if j == i:
            continue
        context = sentence[j]
        note_pair(record, True, context, center, lr, buf, 0)
        for w in range(n_words):
            score = V[context, 0] * _ZERO
            for d in range(dim):
                score += V[context, d] * U[w, d]
            coefs[0, w] = score
        top = coefs[0, 0]
        for w in range(1, n_words):
            top = max(top, coefs[0, w])
        center_score = coefs[0, center]
        total = 0.0
        for w in range(n_words):
            e = np.exp(coefs[0, w] - top)
            coefs[0, w] = e
            total += np.float64(e)
        loss += np.log(total) - np.float64(center_score - top)
        for w in range(n_words):
            coefs[0, w] = -lr * (coefs[0, w] / total)
        coefs[0, center] += lr
        for d in range(dim):
            grad_rows[0, d] = _ZERO
        for w in range(n_words):
            g = coefs[0, w]
            for d in range(dim):
                grad_rows[0, d] += g * U[w, d]
        for w in range(n_words):
            g = coefs[0, w]
            for d in range(dim):
                U[w, d] += g * V[context, d]
        for d in range(dim):
            V[context, d] += grad_rows[0, d]
        pairs += 1
    return likelihood, loss, pairs
