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
learning-rate schedule and the span loop. What one center's window does to the weights is the
loss's step, in `fastw2v.losses`; each public kernel is the span loop compiled with one step
(skip-gram pairs, skip-gram shared windows, CBOW windows).

Arguments come in named bundles (namedtuples of arrays and scalars, built by `fastw2v.plan`),
so that an argument is added in one place: `Corpus`, `Sampling`, `Tree`, `PrivateRows`,
`Schedule`, `Scratch`; every kernel is called as

    kernel(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
           record=None) -> (state, words, kept, pairs, loss)

(words: the span's tokens; kept: those sub-sampling kept). A step's targets are drawn here:
hierarchical softmax's Huffman path (rows of U after the vocabulary's) and/or the center and its
negatives, with signed counts, so one binary-logistic output layer trains both. For negative
sampling the update is the exact SGD step on the pair's loss
J = -log σ(u_oᵀv) - Σ_k log σ(-u_kᵀv), with an exact, stable sigmoid.
"""

from collections import namedtuple

import numpy as np

from fastw2v.jit import njit
from fastw2v import rng
from fastw2v.intrinsics import prefer_256_bit_vectors, prefetch_row
from fastw2v.losses import (cbow_mean_step, cbow_softmax_step, cbow_sum_step, neg_pairs_step,
                            neg_shared_step, softmax_step)
from fastw2v.recording import note_draw
from fastw2v.sampler import draw

FASTMATH = {"reassoc", "contract", "nsz", "arcp"}  # vectorised dots; no assumption of finite values
ALWAYS_KEEP = 1 << 32
NO_HOT_NODE = np.iinfo(np.int32).max  # PrivateRows.nodes_from when no inner node is private

Corpus = namedtuple("Corpus", "ids offsets")
Corpus.__doc__ = """The encoded corpus. ids: int32 (T,) word ids; offsets: int64 (S + 1,) sentence
offsets into ids."""

Sampling = namedtuple("Sampling", "keep_threshold noise_prob noise_alias window negative")
Sampling.__doc__ = """What a span draws. keep_threshold: int64 (Vocab,), keep a word when 32 random
bits < threshold (2**32: always); noise_prob float32 (Vocab,), noise_alias int32 (Vocab,): the
noise alias table; window: int ≥ 1, the largest window (each center draws its reach in
[1, window]); negative: int ≥ 0, negatives K per input (0 for the losses that draw none)."""

Tree = namedtuple("Tree", "nodes codes offsets first_row")
Tree.__doc__ = """Hierarchical softmax's Huffman paths (`fastw2v.huffman`): nodes int32, codes uint8,
offsets int64 (Vocab + 1,); first_row: int, the row of U of inner node 0 (-1: no hierarchical
softmax)."""

PrivateRows = namedtuple("PrivateRows", "words word_offset nodes_from node_offset")
PrivateRows.__doc__ = """A thread's private copies of the hottest output rows (`plan.HotRows`):
the output vectors of words below `words` are read and written at row word + word_offset of U;
inner nodes from `nodes_from` on at row node_offset + node - nodes_from. (0, 0, NO_HOT_NODE, 0):
every row at its own place (one thread, `plan.NO_PRIVATE_ROWS`)."""

Schedule = namedtuple("Schedule", "alpha min_alpha words_before total_words")
Schedule.__doc__ = """The learning-rate clock (`learning_rate`): alpha, min_alpha: float, its ends;
words_before: float, words of all epochs trained before this span; total_words: float, words of
all epochs (epochs × T)."""

Scratch = namedtuple("Scratch", "sentence targets counts n_targets coefs grad_rows")
Scratch.__doc__ = """Per-thread buffers, allocated once (`allocate_scratch`): sentence int32 (≥
longest sentence); targets and counts int64 (2, 2·window, columns); n_targets int64 (2,
2·window); coefs V.dtype (2·window, columns); grad_rows V.dtype (max(2·window, 3), D), where
columns is `Objective.target_columns`."""

def allocate_scratch(window, columns, dim, longest_sentence, dtype, isolate=None):
    """A thread's `Scratch` for `window`, `columns` targets per input, `dim` dimensions.

    isolate: None (plain np.empty), or a function (shape, dtype) -> array that keeps each buffer
    off the cache lines of other allocations (`plan` passes one: threads write scratch on every
    pair).
    """
    empty = isolate or (lambda shape, kind: np.empty(shape, dtype=kind))
    slots = (2, 2 * window, columns)
    return Scratch(empty(max(1, longest_sentence), np.int32), empty(slots, np.int64),
                   empty(slots, np.int64), empty(slots[:2], np.int64), empty((2 * window, columns), dtype),
                   empty((max(2 * window, 3), dim), dtype))


@njit(nogil=True, cache=True, inline="always")
def learning_rate(alpha, min_alpha, words_done, total_words):
    """The learning rate (float) after words_done of total_words (floats): linear from alpha to
    min_alpha, as the C tool and gensim decay it. Inlined into the kernels; callable from Python
    (the progress bar, a cluster's rounds)."""
    return max(alpha - (alpha - min_alpha) * (words_done / total_words), min_alpha)


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
def span_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
              center_step, per_pair, record):
    """The span loop every loss and mode shares (the public kernels' arguments, then:)

    center_step: the compiled step that trains one center's window (`losses.neg_pairs_step`,
    ...); per_pair: whether each context gets its own targets. Both are constants of each
    public kernel, resolved when it compiles (the step is inlined: no call through a pointer).

    The bundles are unpacked here, once per span, and the helpers and steps take their fields
    one by one: an array taken out of a tuple in per-pair code costs a reference count each time.
    """
    prefer_256_bit_vectors()
    ids, offsets = corpus
    keep_threshold, noise_prob, noise_alias, window, negative = sampling
    hot_rows, hot_offset = private.words, private.word_offset
    paths = (tree.nodes, tree.codes, tree.offsets, tree.first_row, private.nodes_from, private.node_offset)
    alpha, min_alpha, words_before, total_words = schedule
    sentence, targets, counts, n_targets, coefs, grad_rows = scratch
    words = 0
    kept = 0
    pairs = 0
    loss = 0.0
    likelihood = 1.0
    for s in range(sent_lo, sent_hi):
        start, stop = offsets[s], offsets[s + 1]
        # The rate in the weights' precision, through the scratch: every constant of the step
        # stays in that precision.
        coefs[0, 0] = learning_rate(alpha, min_alpha, words_before + words, total_words)
        lr = coefs[0, 0]
        words += stop - start
        n, state = _subsample(ids, start, stop, keep_threshold, sentence, state)
        kept += n
        if n == 0:
            continue
        # Pipelined: the next center's negatives are drawn (and their rows prefetched) before
        # the current center trains, so the memory loads overlap the arithmetic.
        reach, state = _draw_center(sentence, n, 0, window, negative, per_pair, noise_prob,
                                    noise_alias, paths, hot_rows, hot_offset, V, U, targets,
                                    counts, n_targets, 0, state, record)
        for i in range(n):
            buf = i & 1
            next_reach = 0
            if i + 1 < n:
                next_reach, state = _draw_center(sentence, n, i + 1, window, negative, per_pair,
                                                 noise_prob, noise_alias, paths, hot_rows,
                                                 hot_offset, V, U, targets, counts, n_targets,
                                                 1 - buf, state, record)
            lo, hi = max(0, i - reach), min(n, i + reach + 1)
            likelihood, folded, trained = center_step(
                V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs, grad_rows,
                likelihood, record)
            loss += folded
            pairs += trained
            reach = next_reach
    return state, words, kept, pairs, loss - np.log(likelihood)


def compile_span(center_step, per_pair):
    """A span kernel for any step, compiled without the on-disk cache: for tests that plant a
    bug in a step. The public kernels below are the same loop, each a module-level function of
    its own because Numba caches compiled code per module-level function, and an inlined step must
    be a constant of the function that inlines it."""

    @njit(nogil=True, fastmath=FASTMATH)
    def span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
             record=None):
        return span_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state,
                         scratch, center_step, per_pair, record)

    return span


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def sgns_span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
              record=None):
    """Train sentences [sent_lo, sent_hi) of an encoded corpus, one (context, center) pair at a time.

    Args:
        corpus: Corpus. sent_lo, sent_hi: the span's sentence range.
        V: float32 or float64 (Vocab, D), input rows (context words), updated in place.
        U: same dtype, (`weights.output_rows`, D), output rows (centers, negatives, inner nodes,
            the thread's private rows), updated in place.
        sampling: Sampling. tree: Tree. private: PrivateRows. schedule: Schedule.
        state: uint64 generator state. scratch: Scratch.
        record: None (training), or `recording.Recorder.buffers` to record the sample stream
            (a separate compiled variant: None compiles the recording away).
    Returns:
        (state uint64, words int: tokens of the span before sub-sampling, pairs int, loss float64:
        the summed pair losses).
    """
    return span_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                     neg_pairs_step, True, record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def sgns_shared_span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                     record=None):
    """`sgns_span`, but one set of targets is shared by all contexts of a center
    (`losses.neg_shared_step`: the exact SGD step on the window's summed loss)."""
    return span_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                     neg_shared_step, False, record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def softmax_span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                 record=None):
    """`sgns_span` with the full-softmax loss: every pair scores the whole vocabulary (O(Vocab · D)
    per pair: for small vocabularies, teaching and checking); sampling.negative must be 0 and
    scratch needs Vocab columns."""
    return span_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                     softmax_step, True, record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
              record=None):
    """CBOW: per center, the mean of its window's context rows of V is the input that predicts
    it, against one set of targets (`losses.cbow_mean_step`); grad_rows needs 2 rows at least.
    Returns pairs = centers predicted."""
    return span_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                     cbow_mean_step, False, record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_sum_span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                  record=None):
    """`cbow_span` with the sum of the context rows (the C tool's ``-cbow 1 -cbow_mean 0``)."""
    return span_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                     cbow_sum_step, False, record)


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_softmax_span(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                      record=None):
    """`cbow_span` (mean) with the full-softmax output: for small vocabularies and checking."""
    return span_loop(corpus, sent_lo, sent_hi, V, U, sampling, tree, private, schedule, state, scratch,
                     cbow_softmax_step, False, record)


# By `Objective.output`, then `objectives.kernel_key`.
SPAN_KERNELS = {
    "logistic": {"default": sgns_span, "shared": sgns_shared_span, "cbow": cbow_span,
                 "cbow-sum": cbow_sum_span},
    "softmax": {"default": softmax_span, "cbow": cbow_softmax_span},
}


def span_kernel(config):
    """The compiled kernel a run of `config` (TrainConfig) uses."""
    return SPAN_KERNELS[config.objective.output][config.kernel_key]
