"""Compiled skip-gram kernels: one span of the corpus per call, in-place SGD on rows of two matrices.

Orientation (the C tool's and gensim's): for a (center, context) pair the **context word's row of
V is the input** and the **center word's row of U is the output target**, with K negatives drawn
as further output targets. V is the C tool's syn0 (these are the word vectors users get); U is
syn1neg. The reference replay (`fastw2v.reference`) uses the same orientation.

Every kernel takes only arrays and scalars, allocates nothing per token (scratch is passed in),
releases the GIL, and draws its randomness from a splitmix64 state passed in and returned. The
kernels are generic over float32 and float64: every constant is a float32, which promotes to the
matrices' own precision, so the same source compiles to both.

This module owns what every loss shares: sub-sampling, the window draw, the negatives' draw
(a negative equal to the center word is skipped, a negative drawn twice counts twice), the
learning-rate clock and the span loop. What one center's window does to the weights is the loss's
step, in `fastw2v.losses`; each public kernel is the span loop compiled with one step
(skip-gram pairs, skip-gram shared windows, CBOW windows). A step's targets are drawn here:
hierarchical softmax's Huffman path (rows of U after the vocabulary's) and/or the center and its
negatives, with signed counts, so one binary-logistic output layer trains both. For negative
sampling the update is the exact SGD step on the pair's loss
J = -log σ(u_oᵀv) - Σ_k log σ(-u_kᵀv), with an exact, stable sigmoid.
"""

from dataclasses import dataclass

import numpy as np
from numba import njit

from fastw2v import rng
from fastw2v.intrinsics import prefer_256_bit_vectors, prefetch_row
from fastw2v.losses import (cbow_mean_step, cbow_softmax_step, cbow_sum_step, neg_pairs_step,
                            neg_shared_step, softmax_step)
from fastw2v.recording import note_draw
from fastw2v.sampler import draw

FASTMATH = {"reassoc", "contract", "nsz", "arcp"}  # vectorised dots; no assumption of finite values
ALWAYS_KEEP = 1 << 32


@njit(nogil=True, cache=True, inline="always")
def _subsample(ids, start, stop, keep_threshold, sentence, state):
    """Copy the kept words of ids[start:stop] into `sentence`; returns (count kept, state)."""
    n = 0
    for p in range(start, stop):
        word = ids[p]
        threshold = keep_threshold[word]
        if threshold < ALWAYS_KEEP:
            state = rng.next_state(state)
            if np.int64(rng.output(state) >> np.uint64(32)) >= threshold:
                continue
        sentence[n] = word
        n += 1
    return n, state


@njit(nogil=True, cache=True, inline="always")
def _output_row(word, hot_rows, hot_offset):
    """The row of U that holds a word's output vector for this thread: words below hot_rows
    (the most frequent) live in the thread's private block at word + hot_offset."""
    return word + hot_offset if word < hot_rows else word


@njit(nogil=True, cache=True, inline="always")
def _draw_targets(center, negative, noise_prob, noise_alias, tree, hot_rows, hot_offset, targets,
                  counts, buf, slot, state, record):
    """The output rows one input is trained against, for predicting `center`, with signed counts:
    a count c > 0 is a target of label 1 taken c times, c < 0 one of label 0 taken -c times.

    Hierarchical softmax (hs_row0 ≥ 0) first: the inner nodes on the center's Huffman path, at
    rows hs_row0 + node (nodes from hot_node_first on, the ones nearest the root, at this thread's
    private copy: hot_node_offset + node - hot_node_first), label 1 where the path turns to
    child 0. Negative sampling (negative > 0) then: the center's own row (label 1), and the
    distinct negatives of K draws (label 0); a draw equal to the center is skipped, a repeated one
    counts twice. Returns (number of targets, state).
    """
    tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset = tree
    n_targets = 0
    if hs_row0 >= 0:
        for p in range(tree_offsets[center], tree_offsets[center + 1]):
            node = tree_nodes[p]
            targets[buf, slot, n_targets] = (hot_node_offset + node - hot_node_first
                                             if node >= hot_node_first else hs_row0 + node)
            counts[buf, slot, n_targets] = 1 - 2 * np.int64(tree_codes[p])
            n_targets += 1
    if negative == 0:
        if hs_row0 < 0:  # the full softmax: the center alone, scored against every row
            targets[buf, slot, 0] = center
            counts[buf, slot, 0] = 1
            n_targets = 1
        return n_targets, state
    targets[buf, slot, n_targets] = _output_row(center, hot_rows, hot_offset)
    counts[buf, slot, n_targets] = 1
    n_targets += 1
    first_negative = n_targets
    for k in range(negative):
        state = rng.next_state(state)
        word = draw(noise_prob, noise_alias, rng.output(state))
        note_draw(record, buf, slot, k, word)
        if word == center:
            continue
        word = _output_row(word, hot_rows, hot_offset)
        slot_of_word = n_targets
        for t in range(first_negative, n_targets):
            if targets[buf, slot, t] == word:
                slot_of_word = t
                break
        if slot_of_word == n_targets:
            targets[buf, slot, n_targets] = word
            counts[buf, slot, n_targets] = -1
            n_targets += 1
        else:
            counts[buf, slot, slot_of_word] -= 1
    return n_targets, state


@njit(nogil=True, cache=True, inline="always")
def _shared_targets(center, negative, tree):
    """How many leading targets every set of `center` has in common (`_draw_targets`): its
    Huffman path, then its own row when negatives are drawn (the full softmax's is the center)."""
    tree_offsets, hs_row0 = tree[2], tree[3]
    path = tree_offsets[center + 1] - tree_offsets[center] if hs_row0 >= 0 else 0
    return path + 1 if negative > 0 or hs_row0 < 0 else path


@njit(nogil=True, cache=True, inline="always")
def _draw_center(sentence, n, i, window, negative, per_pair, noise_prob, noise_alias, tree,
                 hot_rows, hot_offset, V, U, targets, counts, n_targets, buf, state, record):
    """Draw center i's window reach and its targets into buffer `buf`, and prefetch the rows
    it will touch. per_pair: one set of targets per context (else one shared set).

    Returns (reach, state).
    """
    state = rng.next_state(state)
    reach = window - rng.below(rng.output(state), window)
    contexts = min(n, i + reach + 1) - max(0, i - reach) - 1
    sets = contexts if per_pair else min(contexts, 1)
    # Every set starts with the same rows (the center's path, then its own row): fetched once.
    shared = _shared_targets(sentence[i], negative, tree)
    for slot in range(sets):
        count, state = _draw_targets(sentence[i], negative, noise_prob, noise_alias, tree,
                                     hot_rows, hot_offset, targets, counts, buf, slot, state,
                                     record)
        n_targets[buf, slot] = count
        for t in range(0 if slot == 0 else shared, count):
            prefetch_row(U, targets[buf, slot, t])
    if i + reach < n:
        prefetch_row(V, sentence[i + reach])
    return reach, state


@njit(nogil=True, cache=True, inline="always")
def _learning_rate(alpha, min_alpha, words_done, total_words, coefs):
    """Linear decay from alpha to min_alpha by global progress, as a scalar of coefs' dtype."""
    coefs[0, 0] = max(alpha - (alpha - min_alpha) * (words_done / total_words), min_alpha)
    return coefs[0, 0]


@njit(nogil=True, cache=True, inline="always")
def span_loop(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
              tree, hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before,
              total_words, state, sentence, targets, counts, n_targets, coefs, grad_rows,
              center_step, per_pair, record):
    """The span loop every loss and mode shares.

    tree: (tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset), the
    public kernels' arguments in one tuple (an inlined call takes at most 30 arguments).

    center_step: the compiled step that trains one center's window (`neg_pairs_step`,
    `neg_shared_step`, `softmax_step`); per_pair: whether each context gets its own
    negatives. Both are constants of each public kernel, resolved when it compiles (the step is
    inlined: no call through a pointer). record: None, or `Recorder.buffers`.
    """
    prefer_256_bit_vectors()
    words = 0
    pairs = 0
    loss = 0.0
    likelihood = 1.0
    for s in range(sent_lo, sent_hi):
        start, stop = offsets[s], offsets[s + 1]
        lr = _learning_rate(alpha, min_alpha, words_before + words, total_words, coefs)
        words += stop - start
        n, state = _subsample(ids, start, stop, keep_threshold, sentence, state)
        if n == 0:
            continue
        # Pipelined: the next center's negatives are drawn (and their rows prefetched) before
        # the current center trains, so the memory loads overlap the arithmetic.
        reach, state = _draw_center(sentence, n, 0, window, negative, per_pair, noise_prob,
                                    noise_alias, tree, hot_rows, hot_offset, V, U, targets,
                                    counts, n_targets, 0, state, record)
        for i in range(n):
            buf = i & 1
            next_reach = 0
            if i + 1 < n:
                next_reach, state = _draw_center(sentence, n, i + 1, window, negative, per_pair,
                                                 noise_prob, noise_alias, tree, hot_rows,
                                                 hot_offset, V, U, targets, counts, n_targets,
                                                 1 - buf, state, record)
            lo, hi = max(0, i - reach), min(n, i + reach + 1)
            likelihood, folded, trained = center_step(
                V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
                likelihood, record)
            loss += folded
            pairs += trained
            reach = next_reach
    return state, words, pairs, loss - np.log(likelihood)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def sgns_span(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
              tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset,
              hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before,
              total_words, state, sentence, targets, counts, n_targets, coefs, grad_rows,
              record=None):
    """Train sentences [sent_lo, sent_hi) of an encoded corpus, one (context, center) pair at a time.

    Args:
        ids: int32 (T,) word ids. offsets: int64 (S + 1,) sentence offsets into ids.
        sent_lo, sent_hi: the span's sentence range.
        V: float32 or float64 (Vocab, D), input rows (context words), updated in place.
        U: same dtype, (≥ Vocab, D), output rows (centers and negatives), updated in place.
        keep_threshold: int64 (Vocab,), keep a word when 32 random bits < threshold (2**32: always).
        noise_prob: float32 (Vocab,), noise_alias: int32 (Vocab,): the noise alias table.
        tree_nodes int32, tree_codes uint8, tree_offsets int64: the Huffman paths
            (`fastw2v.huffman`); hs_row0: int, the row of U of inner node 0 (-1: no
            hierarchical softmax). hot_node_first, hot_node_offset: int; inner nodes from
            hot_node_first on are read and written at row hot_node_offset + node -
            hot_node_first (a thread's private copy of the nodes nearest the root); a
            hot_node_first past the last node: every node at its own row.
        hot_rows, hot_offset: int ≥ 0. The output vectors of words below hot_rows are read and
            written at row word + hot_offset of U (a thread's private copy of the hottest rows,
            see `fastw2v.plan`); 0, 0: every word at its own row.
        window: int ≥ 1, the largest window; each center draws its own reach in [1, window].
        negative: int ≥ 1, negatives K per pair.
        alpha, min_alpha: float, the learning-rate schedule's ends.
        words_before: float, words of all epochs trained before this span (the schedule's clock).
        total_words: float, words of all epochs (epochs × T).
        state: uint64 generator state.
        Scratch, allocated once per thread: sentence int32 (≥ longest sentence); targets and
        counts int64 (2, 2·window, K+1); n_targets int64 (2, 2·window); coefs V.dtype
        (2·window, `Loss.target_columns`); grad_rows V.dtype (2·window, D).
        record: None (training), or `recording.Recorder.buffers` to record the sample stream
            (a separate compiled variant: None compiles the recording away).
    Returns:
        (state uint64, words int: tokens of the span before sub-sampling, pairs int, loss float64:
        the summed pair losses).
    """
    return span_loop(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                     (tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset),
                     hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before, total_words,
                     state, sentence, targets, counts, n_targets, coefs, grad_rows, neg_pairs_step, True,
                     record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def sgns_shared_span(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                     tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset,
                     hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before,
                     total_words, state, sentence, targets, counts, n_targets, coefs, grad_rows,
                     record=None):
    """Like `sgns_span`, but one set of negatives is shared by all contexts of a center.

    Per center: its window's m context rows against the center and its K negatives form an
    m × (K+1) score matrix from the weights before the update; the update is the exact SGD step on
    the summed loss of the m pairs (the HogBatch scheme of Ji et al.), each row read and written
    once per center instead of once per pair. Same arguments and return value as `sgns_span`.
    """
    return span_loop(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                     (tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset),
                     hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before, total_words,
                     state, sentence, targets, counts, n_targets, coefs, grad_rows, neg_shared_step, False,
                     record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def softmax_span(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                 tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset,
                 hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before,
                 total_words, state, sentence, targets, counts, n_targets, coefs, grad_rows,
                 record=None):
    """Like `sgns_span` with the full-softmax loss: every pair scores the whole vocabulary
    (O(Vocab · D) per pair: for small vocabularies, teaching and checking). Same arguments;
    `negative` and the noise table are not used, and coefs needs Vocab columns."""
    return span_loop(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                     (tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset),
                     hot_rows, hot_offset, window, 0, alpha, min_alpha, words_before, total_words,
                     state, sentence, targets, counts, n_targets, coefs, grad_rows, softmax_step, True,
                     record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_span(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
              tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset,
              hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before,
              total_words, state, sentence, targets, counts, n_targets, coefs, grad_rows,
              record=None):
    """CBOW: per center, the mean of its window's context rows of V is the input that predicts
    it, against one set of targets (`losses.cbow_mean_step`). Same arguments as `sgns_span`;
    grad_rows needs 2 rows at least. Returns pairs = centers predicted."""
    return span_loop(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                     (tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset),
                     hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before, total_words,
                     state, sentence, targets, counts, n_targets, coefs, grad_rows, cbow_mean_step, False,
                     record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_sum_span(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                  tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset,
                  hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before,
                  total_words, state, sentence, targets, counts, n_targets, coefs, grad_rows,
                  record=None):
    """`cbow_span` with the sum of the context rows (the C tool's ``-cbow 1 -cbow_mean 0``)."""
    return span_loop(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                     (tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset),
                     hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before, total_words,
                     state, sentence, targets, counts, n_targets, coefs, grad_rows, cbow_sum_step, False,
                     record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_softmax_span(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                      tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset,
                      hot_rows, hot_offset, window, negative, alpha, min_alpha, words_before,
                      total_words, state, sentence, targets, counts, n_targets, coefs, grad_rows,
                      record=None):
    """`cbow_span` (mean) with the full-softmax output: for small vocabularies and checking."""
    return span_loop(ids, offsets, sent_lo, sent_hi, V, U, keep_threshold, noise_prob, noise_alias,
                     (tree_nodes, tree_codes, tree_offsets, hs_row0, hot_node_first, hot_node_offset),
                     hot_rows, hot_offset, window, 0, alpha, min_alpha, words_before, total_words,
                     state, sentence, targets, counts, n_targets, coefs, grad_rows, cbow_softmax_step, False,
                     record)


@dataclass(frozen=True)
class Loss:
    """What the driver needs to run one loss: its span kernel per mode and its scratch width.

    Attributes:
        kernels: dict mode name -> span kernel (all with `sgns_span`'s arguments).
        draws_negatives: whether the kernels use `negative` and the noise table.
        hierarchical: whether the kernels use the Huffman tree (rows of U past the vocabulary's).
        scores_vocabulary: whether a pair scores every word (coefs then needs Vocab columns).
    """

    kernels: dict
    draws_negatives: bool
    hierarchical: bool
    scores_vocabulary: bool

    def target_columns(self, negative, longest_path, n_words):
        """Targets (and coefficient columns) one input may be trained against."""
        if self.scores_vocabulary:
            return n_words
        return (negative + 1 if self.draws_negatives else 0) + (longest_path if self.hierarchical else 0)


# Kernels by architecture: skip-gram's "default" and "shared" modes, CBOW's mean and sum.
_LOGISTIC = {"default": sgns_span, "shared": sgns_shared_span, "cbow": cbow_span,
             "cbow-sum": cbow_sum_span}
LOSSES = {
    "neg": Loss(_LOGISTIC, draws_negatives=True, hierarchical=False, scores_vocabulary=False),
    "hs": Loss(_LOGISTIC, draws_negatives=False, hierarchical=True, scores_vocabulary=False),
    "hs+neg": Loss(_LOGISTIC, draws_negatives=True, hierarchical=True, scores_vocabulary=False),
    "softmax": Loss({"default": softmax_span, "cbow": cbow_softmax_span}, draws_negatives=False,
                    hierarchical=False, scores_vocabulary=True),
}
