"""The sample stream of a kernel run, recorded for replay through the reference path.

A kernel called with ``record=None`` (the normal path) compiles `note_draw` and `note_pair` to
nothing: the choice is made by the argument's type when the kernel is compiled, so the training
loop carries no branch for it. Called with a record tuple (`Recorder.buffers`), the same kernel
source writes down, for every (input, output) pair it trains, the context word (input row of V),
the center word (output row of U), the K negatives exactly as drawn (before a draw equal to the
center is skipped and before repeats are merged), the learning rate, and which SGD step the pair
belongs to (one pair per step in the default mode; a center's whole window in the shared mode).
"""

from dataclasses import dataclass

import numpy as np
from numba import types
from numba.extending import overload

PAIR_COLUMNS = 2  # context, center; the K draws follow


def note_draw(record, buf, slot, k, word):
    """Remember draw k of the negatives drawn into targets buffer (buf, slot)."""


def note_pair(record, new_step, context, center, lr, buf, slot):
    """Append one trained pair, with the draws of buffer (buf, slot); new_step starts a step."""


def _recording(record):
    return not isinstance(record, (types.NoneType, types.Omitted))


@overload(note_draw, inline="always")
def _note_draw(record, buf, slot, k, word):
    if not _recording(record):
        return lambda record, buf, slot, k, word: None

    def write(record, buf, slot, k, word):
        record[0][buf, slot, k] = word
    return write


@overload(note_pair, inline="always")
def _note_pair(record, new_step, context, center, lr, buf, slot):
    if not _recording(record):
        return lambda record, new_step, context, center, lr, buf, slot: None

    def write(record, new_step, context, center, lr, buf, slot):
        drawn, pairs, step_of, rates, counters = record
        p = counters[0]
        if p >= pairs.shape[0]:
            raise IndexError("recording buffer full: allocate it for more pairs")
        pairs[p, 0] = context
        pairs[p, 1] = center
        for k in range(pairs.shape[1] - PAIR_COLUMNS):
            pairs[p, PAIR_COLUMNS + k] = drawn[buf, slot, k]
        if new_step:
            counters[1] += 1
        step_of[p] = counters[1] - 1
        rates[p] = lr
        counters[0] = p + 1
    return write


@dataclass(frozen=True)
class Recording:
    """Pairs trained, in order.

    Attributes:
        context: int64 (P,), the input row (of V) of each pair.
        center: int64 (P,), the output target (row of U) of each pair.
        draws: int64 (P, K), the negatives as drawn (a draw equal to the center was skipped).
        step: int64 (P,), pairs with the same step number were one SGD step, scored together.
        lr: float64 (P,), the learning rate of the pair's step (as the kernel's dtype held it).
    """

    context: np.ndarray
    center: np.ndarray
    draws: np.ndarray
    step: np.ndarray
    lr: np.ndarray

    def __len__(self):
        return int(self.context.shape[0])

    def steps(self):
        """Yield (lo, hi): pairs [lo, hi) form one SGD step."""
        if len(self) == 0:
            return
        bounds = np.flatnonzero(np.diff(self.step)) + 1
        edges = np.concatenate([[0], bounds, [len(self)]])
        for lo, hi in zip(edges[:-1], edges[1:]):
            yield int(lo), int(hi)


class Recorder:
    """Buffers a kernel writes its sample stream into, for at most `capacity` pairs.

    Args:
        capacity: the most pairs one kernel call may train (tokens × 2·window bounds it).
        window: the kernel's window; negative: its K (0 for the softmax loss).
    """

    def __init__(self, capacity, window, negative):
        self.buffers = (
            np.full((2, 2 * window, max(negative, 1)), -1, dtype=np.int64),
            np.empty((capacity, PAIR_COLUMNS + negative), dtype=np.int64),
            np.empty(capacity, dtype=np.int64),
            np.empty(capacity, dtype=np.float64),
            np.zeros(2, dtype=np.int64))

    def recording(self):
        """The pairs recorded so far (copies)."""
        _, pairs, step_of, rates, counters = self.buffers
        n = int(counters[0])
        return Recording(context=pairs[:n, 0].copy(), center=pairs[:n, 1].copy(),
                         draws=pairs[:n, PAIR_COLUMNS:].copy(), step=step_of[:n].copy(),
                         lr=rates[:n].copy())
