"""Compiled skip-gram and CBOW with subwords. Skip-gram, in fastText's orientation: the **center
word's input vector is the mean of its rows of V** (its own row, then its character n-grams'
rows, `fastw2v.subwords`) and each **context word's row of U is the output target**, with K
negatives drawn for it.

For every (center, context) pair, one exact step as fastText's ``Model::update`` takes it: the
input is the mean of the rows as they are, the binary-logistic output layer
(`losses.logistic_output`: negative sampling, hierarchical softmax, both) updates the targets'
rows of U, and every row in the mean then gets the step on the input, -lr·dJ/dh, whole (not
divided by the number of rows: fastText divides only for its supervised model); a row that occurs
twice in the list gets it twice. fastText recomputes the mean before each pair and adds each
pair's step to the rows at once; here the mean is computed once per center and moved by each
pair's step times the word's `gain` (Σ multiplicity² / rows: 1 when no row repeats), which is
the mean of the moved rows, and the rows get the sum of the window's steps at its end. Within a
center's window nothing else reads those rows (the output layer reads only the mean), so the
steps are fastText's, to rounding. The rest is the span loop's (`fastw2v.kernels`): sub-sampling,
the window draw, the targets' draw, the learning-rate schedule, the bundles, and the return
value ``(state, words, kept, pairs, loss)``.

CBOW (`cbow_subword_span`), as fastText's: the mean of every row of the window's context words
(their own rows and their n-grams', in one list) predicts the center, and every row in the list
gets the step on the input whole.

The recording (`fastw2v.recording`) holds, for each skip-gram pair, the center as the input word
(its ``context`` column: the input row) and the context as the output word (``center``: the
output target); for CBOW, a center's contexts and the center, one step; so that `fastw2v.diff`
replays them through the reference.
"""

from collections import namedtuple

import numpy as np

from fastw2v.jit import njit
from fastw2v import rng
from fastw2v.intrinsics import prefer_256_bit_vectors, prefetch_row
from fastw2v.kernels import FASTMATH, _draw_center, _draw_targets, _subsample, learning_rate
from fastw2v.losses import logistic_output
from fastw2v.recording import note_pair

Subwords = namedtuple("Subwords", "offsets rows first_row gain")
Subwords.__doc__ = """Every word's n-gram rows (`subwords.SubwordIndex`): word w's are
rows[offsets[w]:offsets[w + 1]] (int32, rows of the n-gram matrix), at row first_row + r of V
(first_row: the vocabulary's size, V being (Vocab + bucket, D)); gain: float64 (Vocab,), how far
the mean of a word's rows moves when each occurrence of a row moves by 1 (Σ over its distinct
rows of multiplicity², over the number of rows, its own included)."""


def subword_arguments(index, n_words):
    """The kernels' `Subwords` bundle of a `subwords.SubwordIndex` for a vocabulary of n_words."""
    gain = np.empty(n_words, dtype=np.float64)
    _gains(index.offsets, index.rows, gain)
    return Subwords(index.offsets, index.rows, n_words, gain)


@njit(cache=True, nogil=True)
def _gains(offsets, rows, gain):
    for w in range(gain.size):
        ngrams = np.sort(rows[offsets[w]:offsets[w + 1]])
        squares, run = 1, 1  # the word's own row occurs once
        for k in range(1, ngrams.size + 1):
            if k < ngrams.size and ngrams[k] == ngrams[k - 1]:
                run += 1
            else:
                squares += run * run
                run = 1
        gain[w] = squares / (1 + ngrams.size)


@njit(nogil=True, cache=True, inline="always")
def _input_mean(V, word, sub_offsets, sub_rows, first_row, hidden, share):
    """hidden[:] = the mean of word's row of V and its n-grams' rows (share: 1 / their number)."""
    dim = V.shape[1]
    for d in range(dim):
        hidden[d] = V[word, d]
    for r in range(sub_offsets[word], sub_offsets[word + 1]):
        row = first_row + sub_rows[r]
        for d in range(dim):
            hidden[d] += V[row, d]
    for d in range(dim):
        hidden[d] *= share


@njit(nogil=True, cache=True, inline="always")
def _add_to_inputs(V, word, sub_offsets, sub_rows, first_row, step):
    """Add `step` to word's row of V and to each of its n-grams' rows (once per occurrence)."""
    dim = V.shape[1]
    for d in range(dim):
        V[word, d] += step[d]
    for r in range(sub_offsets[word], sub_offsets[word + 1]):
        row = first_row + sub_rows[r]
        for d in range(dim):
            V[row, d] += step[d]


@njit(nogil=True, cache=True, inline="always")
def _draw_window(sentence, n, i, window, negative, noise_prob, noise_alias, paths, hot_rows, hot_offset,
                 V, U, targets, counts, n_targets, buf, state, record, sub_offsets, sub_rows, first_row):
    """Draw center i's window reach and, for each of its contexts in turn (slot 0, 1, ...), the
    targets that predict that context, into buffer `buf`; prefetch the rows they and the center
    will touch. Returns (reach, state)."""
    state = rng.next_state(state)
    reach = window - rng.below(rng.output(state), window)
    slot = 0
    for j in range(max(0, i - reach), min(n, i + reach + 1)):
        if j == i:
            continue
        count, state = _draw_targets(sentence[j], negative, noise_prob, noise_alias, paths, hot_rows,
                                     hot_offset, targets, counts, buf, slot, state, record)
        n_targets[buf, slot] = count
        for t in range(count):
            prefetch_row(U, targets[buf, slot, t])
        slot += 1
    center = sentence[i]
    prefetch_row(V, center)
    for r in range(sub_offsets[center], sub_offsets[center + 1]):
        prefetch_row(V, first_row + sub_rows[r])
    return reach, state


@njit(nogil=True, cache=True, inline="always")
def _sg_center(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows, likelihood,
               record, sub_offsets, sub_rows, first_row, gains):
    """Skip-gram, center i: its rows' mean predicts each context (targets of slot 0, 1, ...), the
    mean moved by each pair's step times the word's gain, the rows given the window's steps at
    its end. Returns (likelihood, loss, pairs)."""
    dim = V.shape[1]
    center = sentence[i]
    one = V[0, 0] * np.float32(0.0) + np.float32(1.0)  # 1 in the weights' precision
    share = one / np.float32(1 + sub_offsets[center + 1] - sub_offsets[center])
    gain = one * gains[center]
    _input_mean(V, center, sub_offsets, sub_rows, first_row, grad_rows[1], share)
    for d in range(dim):
        grad_rows[2, d] = np.float32(0.0)
    loss = 0.0
    slot = 0
    for j in range(lo, hi):
        if j == i:
            continue
        note_pair(record, True, center, sentence[j], lr, buf, slot)
        likelihood, folded = logistic_output(grad_rows, 1, U, targets, counts, n_targets[buf, slot], buf,
                                             slot, lr, coefs, grad_rows, likelihood)
        loss += folded
        for d in range(dim):  # the window's steps, and the mean of the moved rows
            grad_rows[2, d] += grad_rows[0, d]
            grad_rows[1, d] += gain * grad_rows[0, d]
        slot += 1
    _add_to_inputs(V, center, sub_offsets, sub_rows, first_row, grad_rows[2])
    return likelihood, loss, slot


@njit(nogil=True, cache=True, inline="always")
def _cbow_center(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
                 likelihood, record, sub_offsets, sub_rows, first_row):
    """CBOW, center i: the mean of every row of its contexts predicts it (targets of slot 0), and
    each of those rows gets the step. Returns (likelihood, loss, 1)."""
    dim = V.shape[1]
    rows = 0
    for d in range(dim):
        grad_rows[1, d] = np.float32(0.0)
    for j in range(lo, hi):
        if j == i:
            continue
        context = sentence[j]
        note_pair(record, rows == 0, context, sentence[i], lr, buf, 0)
        rows += 1 + sub_offsets[context + 1] - sub_offsets[context]
        for d in range(dim):
            grad_rows[1, d] += V[context, d]
        for r in range(sub_offsets[context], sub_offsets[context + 1]):
            row = first_row + sub_rows[r]
            for d in range(dim):
                grad_rows[1, d] += V[row, d]
    one = V[0, 0] * np.float32(0.0) + np.float32(1.0)  # 1 in the weights' precision
    share = one / np.float32(rows)
    for d in range(dim):
        grad_rows[1, d] *= share
    likelihood, loss = logistic_output(grad_rows, 1, U, targets, counts, n_targets[buf, 0], buf, 0, lr, coefs,
                                       grad_rows, likelihood)
    for j in range(lo, hi):
        if j != i:
            _add_to_inputs(V, sentence[j], sub_offsets, sub_rows, first_row, grad_rows[0])
    return likelihood, loss, 1


@njit(nogil=True, cache=True, inline="always")
def _subword_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch, subwords,
                  record, cbow):
    """The span loop of both subword kernels (`cbow`: a constant of each, resolved when it
    compiles): sub-sampling, the learning rate, and the next center's draws (`_draw_window` for
    skip-gram, `kernels._draw_center` for CBOW) before the current center trains."""
    prefer_256_bit_vectors()
    ids, offsets = corpus
    keep_threshold, noise_prob, noise_alias, window, negative = sampling
    hot_rows, hot_offset = private.words, private.word_offset
    paths = (tree.nodes, tree.codes, tree.offsets, tree.first_row, private.nodes_from, private.node_offset)
    alpha, min_alpha, words_before, total_words = schedule
    sentence, targets, counts, n_targets, coefs, grad_rows = scratch
    sub_offsets, sub_rows, first_row, gains = subwords
    words = 0
    kept = 0
    pairs = 0
    loss = 0.0
    likelihood = 1.0
    for s in range(sent_lo, sent_hi):
        start, stop = offsets[s], offsets[s + 1]
        coefs[0, 0] = learning_rate(alpha, min_alpha, words_before + words, total_words)
        lr = coefs[0, 0]  # in the weights' precision (see kernels.span_loop)
        words += stop - start
        n, state = _subsample(ids, start, stop, keep_threshold, sentence, state)
        kept += n
        reach = 0
        for i in range(n + 1):  # i = 0 only draws; center i - 1 trains after the draws of i
            buf = i & 1
            next_reach = 0
            if i < n:
                if cbow:
                    next_reach, state = _draw_center(sentence, n, i, window, negative, False, noise_prob,
                                                     noise_alias, paths, hot_rows, hot_offset, V, U, targets,
                                                     counts, n_targets, buf, state, record)
                else:
                    next_reach, state = _draw_window(sentence, n, i, window, negative, noise_prob,
                                                     noise_alias, paths, hot_rows, hot_offset, V, U, targets,
                                                     counts, n_targets, buf, state, record, sub_offsets,
                                                     sub_rows, first_row)
            if i > 0:
                c = i - 1
                lo, hi = max(0, c - reach), min(n, c + reach + 1)
                if hi - lo >= 2:
                    if cbow:
                        likelihood, folded, trained = _cbow_center(
                            V, U, sentence, c, lo, hi, targets, counts, n_targets, 1 - buf, lr, coefs,
                            grad_rows, likelihood, record, sub_offsets, sub_rows, first_row)
                    else:
                        likelihood, folded, trained = _sg_center(
                            V, U, sentence, c, lo, hi, targets, counts, n_targets, 1 - buf, lr, coefs,
                            grad_rows, likelihood, record, sub_offsets, sub_rows, first_row, gains)
                    loss += folded
                    pairs += trained
            reach = next_reach
    return state, words, kept, pairs, loss - np.log(likelihood)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def sg_subword_span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                    subwords, record=None):
    """Train sentences [sent_lo, sent_hi) with fastText's skip-gram, one pair at a time.

    Pipelined as `kernels.span_loop`: the next center's window and targets are drawn (and their
    rows prefetched) before the current center trains.

    Args:
        corpus, sent_lo, sent_hi, sampling, tree, private, schedule, state, scratch, record: as
            `kernels.sgns_span`'s.
        V: float32 or float64 (Vocab + bucket, D), the words' rows then the n-grams' rows (the
            input rows), updated in place. U: the output rows, as `kernels.sgns_span`'s.
        subwords: Subwords.
    Returns:
        (state uint64, words int: the span's tokens, kept int: those sub-sampling kept, pairs
        int, loss float64: the summed pair losses).
    """
    return _subword_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                         subwords, record, False)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_subword_span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                      subwords, record=None):
    """Train sentences [sent_lo, sent_hi) with fastText's CBOW: per center, the mean of every row of
    its window's context words (each one's own row, then its n-grams' rows, all in one list)
    predicts it, against one set of targets; every row in that list then gets the step on the
    input, -lr·dJ/dh, whole (once per occurrence). Arguments and return value as
    `sg_subword_span`'s (pairs: centers predicted)."""
    return _subword_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                         subwords, record, True)
