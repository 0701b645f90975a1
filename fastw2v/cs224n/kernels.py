"""The CS224N assignment's SGD in compiled code: `assignment.sgd` steps over
``assignment.word2vec_sgd_wrapper(skipgram, ..., neg_sampling_loss_and_gradient)``, replayed.

Orientation (CS224N's, as in `fastw2v.reference`): the parameters are one float64 (2V, D) matrix
whose rows [0, V) are the center vectors (the *input* rows) and rows [V, 2V) the outside vectors
(the *output* targets, row V + w for word w).

Replay, not imitation: the random numbers come from a CPython Mersenne Twister state
(`fastw2v.cs224n.mt19937`) in the reference's order (per batch item: the window, the context,
then for each outside word its K negatives), and every sum is formed in the reference's order
and grouping (within a pair, then over the window's pairs, then over the batch of 50 divided by
50 item by item), so the results differ from the reference's only in last bits: numpy's exp and
log1p (its own SIMD code on AVX-512 CPUs) sometimes differ from libm's, and its 10-term dot
(OpenBLAS, fused multiply-adds) from a plain sum, by an ulp or so. Only the rows with a gradient
are accumulated and updated: ``x - step * 0.0 == x``, so that changes nothing.
"""

import itertools
import math

import numpy as np

from fastw2v.jit import njit
from fastw2v.cs224n import mt19937

_NO_SLOT = -1


@njit(nogil=True, cache=True, inline="always")
def _sigmoid(x, e):
    """σ(x) = 1 / (1 + exp(-x)) given e = exp(-|x|): `reference.sigmoid`'s stable formula."""
    if x >= 0.0:
        return 1.0 / (1.0 + e)
    return e / (1.0 + e)


@njit(nogil=True, cache=True, inline="always")
def _neg_log_sigmoid(x, e):
    """-log σ(x) given e = exp(-|x|): `reference.neg_log_sigmoid`'s max(-x, 0) + log1p(e)."""
    return max(-x, 0.0) + math.log1p(e)


@njit(nogil=True, cache=True, inline="always")
def _dot(x, row_a, row_b):
    """x[row_a] · x[row_b], summed left to right."""
    total = 0.0
    for j in range(x.shape[1]):
        total += x[row_a, j] * x[row_b, j]
    return total


@njit(nogil=True, cache=True, inline="always")
def _open_slot(row, slot_of, rows, values, n_used):
    """The slot of `row` in a sparse row accumulator, a zeroed new one if the row has none yet.

    An accumulator is (slot_of: int64 (n_rows,), -1 where unused; rows: int64 (capacity,);
    values: float64 (capacity, D)). Returns (slot, slots now in use).
    """
    slot = slot_of[row]
    if slot == _NO_SLOT:
        slot = n_used
        slot_of[row] = slot
        rows[slot] = row
        values[slot, :] = 0.0
        n_used += 1
    return slot, n_used


@njit(nogil=True, cache=True, inline="always")
def _close_slots(slot_of, rows, n_used):
    """Mark the accumulator's rows unused again (their values are zeroed when reopened)."""
    for slot in range(n_used):
        slot_of[rows[slot]] = _NO_SLOT


@njit(nogil=True, cache=True)
def random_context(state, window, sentences, offsets, context):
    """``dataset.getRandomContext(window)`` over the flattened sub-sampled corpus.

    randint over sentences, randint over positions, then up to `window` words each side in order,
    those equal to the center dropped; when none is left, both draws are made again.

    Args:
        state: int64 (625,) Mersenne Twister state, advanced in place.
        window: int ≥ 1. sentences, offsets: see `flatten_sentences`.
        context: int64 scratch of at least 2·window entries; receives the context word ids.
    Returns:
        (center word id, number of context words written).
    """
    n_sentences = offsets.size - 1
    while True:
        sentence = mt19937.randint(state, 0, n_sentences - 1)
        start = offsets[sentence]
        length = offsets[sentence + 1] - start
        position = mt19937.randint(state, 0, length - 1)
        center = sentences[start + position]
        n_context = 0
        for p in range(max(0, position - window), min(length, position + window + 1)):
            word = sentences[start + p]
            if p != position and word != center:
                context[n_context] = word
                n_context += 1
        if n_context > 0:
            return center, n_context


@njit(nogil=True, cache=True)
def sgd_iterations(x, n_iterations, step, first_window, state, sentences, offsets, table,
                   window_size, n_negatives, batch_size, work):
    """Run `n_iterations` SGD steps of the assignment's batch loss on `x`, in place.

    Per iteration, `batch_size` items, each: ``randint(1, window_size)``, `random_context`, then per
    outside word o, ``table[randint(0, table.size - 1)]`` K times (redrawn while equal to o) and
    the pair loss -log σ(u_oᵀv_c) - Σ_k log σ(-u_kᵀv_c) with its gradients. Then
    x -= step · (batch gradient).

    Args:
        x: float64 (2V, D), C-contiguous, updated in place.
        n_iterations: int ≥ 1. step: float, the learning rate for all of them.
        first_window: the first item's window when it was drawn already (the assignment draws it
            before building the corpus), else 0 to draw it here.
        state: int64 (625,) Mersenne Twister state, advanced in place.
        sentences, offsets: the flattened corpus (`flatten_sentences`).
        table: int64 (tablesize,) negative-sampling table (`dataset.sampleTable()`).
        window_size, n_negatives, batch_size: ints (5, 10, 50 in the assignment).
        work: scratch from `make_workspace` for these sizes.
    Returns:
        float, the last iteration's batch loss.
    """
    (context, negatives, center_grad, item_center_grad,
     pair_slot_of, pair_rows, pair_grad,
     item_slot_of, item_rows, item_grad,
     batch_slot_of, batch_rows, batch_grad) = work
    n_words = x.shape[0] // 2
    dim = x.shape[1]
    loss = 0.0
    for iteration in range(n_iterations):
        loss = 0.0
        n_batch = 0
        for item in range(batch_size):
            if iteration == 0 and item == 0 and first_window > 0:
                window = first_window
            else:
                window = mt19937.randint(state, 1, window_size)
            center, n_context = random_context(state, window, sentences, offsets, context)
            item_loss = 0.0
            item_center_grad[:] = 0.0
            n_item = 0
            for c in range(n_context):
                outside = context[c]
                for k in range(n_negatives):
                    negative = table[mt19937.randint(state, 0, table.size - 1)]
                    while negative == outside:
                        negative = table[mt19937.randint(state, 0, table.size - 1)]
                    negatives[k] = negative
                # One (center, outside) pair: neg_sampling_loss_and_gradient.
                n_pair = 0
                u_row = n_words + outside
                score = _dot(x, u_row, center)
                e = math.exp(-abs(score))
                pair_loss = _neg_log_sigmoid(score, e)
                g = _sigmoid(score, e) - 1.0
                for j in range(dim):
                    center_grad[j] = g * x[u_row, j]
                slot, n_pair = _open_slot(outside, pair_slot_of, pair_rows, pair_grad, n_pair)
                for j in range(dim):
                    pair_grad[slot, j] += g * x[center, j]
                for k in range(n_negatives):
                    u_row = n_words + negatives[k]
                    score = _dot(x, u_row, center)
                    e = math.exp(-abs(score))
                    pair_loss += _neg_log_sigmoid(-score, e)
                    g = _sigmoid(score, e)
                    for j in range(dim):
                        center_grad[j] = center_grad[j] + g * x[u_row, j]
                    slot, n_pair = _open_slot(negatives[k], pair_slot_of, pair_rows, pair_grad,
                                              n_pair)
                    for j in range(dim):
                        pair_grad[slot, j] += g * x[center, j]
                # skipgram: sum the pairs of the window.
                item_loss += pair_loss
                for j in range(dim):
                    item_center_grad[j] += center_grad[j]
                for p in range(n_pair):
                    slot, n_item = _open_slot(pair_rows[p], item_slot_of, item_rows, item_grad,
                                              n_item)
                    for j in range(dim):
                        item_grad[slot, j] += pair_grad[p, j]
                _close_slots(pair_slot_of, pair_rows, n_pair)
            # word2vec_sgd_wrapper: add the item / batch_size to the batch.
            loss += item_loss / batch_size
            slot, n_batch = _open_slot(center, batch_slot_of, batch_rows, batch_grad, n_batch)
            for j in range(dim):
                batch_grad[slot, j] += item_center_grad[j] / batch_size
            for p in range(n_item):
                slot, n_batch = _open_slot(n_words + item_rows[p], batch_slot_of, batch_rows,
                                           batch_grad, n_batch)
                for j in range(dim):
                    batch_grad[slot, j] += item_grad[p, j] / batch_size
            _close_slots(item_slot_of, item_rows, n_item)
        for p in range(n_batch):
            row = batch_rows[p]
            for j in range(dim):
                x[row, j] -= step * batch_grad[p, j]
        _close_slots(batch_slot_of, batch_rows, n_batch)
    return loss


def make_workspace(n_words, dim, window_size, n_negatives, batch_size):
    """Scratch arrays for `sgd_iterations`, allocated once per run.

    Returns:
        tuple: context int64 (2·window,), negatives int64 (K,), two center gradients float64
        (D,), then three sparse row accumulators (pair over V rows, item over V rows, batch over
        2V rows), each (slot_of int64 (rows,) all -1, rows int64 (capacity,), values float64
        (capacity, D)).
    """
    pair_rows = n_negatives + 1
    item_rows = 2 * window_size * pair_rows
    batch_rows = batch_size * (item_rows + 1)

    def accumulator(n_rows, capacity):
        return (np.full(n_rows, _NO_SLOT, dtype=np.int64), np.zeros(capacity, dtype=np.int64),
                np.zeros((capacity, dim), dtype=np.float64))

    return ((np.zeros(2 * window_size, dtype=np.int64), np.zeros(n_negatives, dtype=np.int64),
             np.zeros(dim, dtype=np.float64), np.zeros(dim, dtype=np.float64))
            + accumulator(n_words, pair_rows) + accumulator(n_words, item_rows)
            + accumulator(2 * n_words, batch_rows))


def flatten_sentences(sentences):
    """The corpus as one array: sentence i is ``sentences_flat[offsets[i]:offsets[i + 1]]``.

    Args:
        sentences: list of lists of word ids (``dataset.allSentences()``), each of length ≥ 1.
    Returns:
        (sentences_flat int64 (total words,), offsets int64 (len(sentences) + 1,)).
    """
    lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.fromiter(itertools.chain.from_iterable(sentences), dtype=np.int64,
                       count=int(offsets[-1]))
    return flat, offsets
