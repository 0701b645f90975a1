"""A compiled stable sort on unsigned 64-bit keys, several keys at once (`lexsort`), for the
vocabulary's order: by count, then by the words' byte prefixes.

Least significant digit first, 16 bits a digit (4 digits a key): each pass counts the digits,
then moves every index once, in order, to its digit's next place, so equal keys keep their order
and several keys chain as np.lexsort's do. One read of a key counts all its digits; a digit that
every key shares (the high bits of counts, the zero tail of short words' prefixes) costs no move.
"""

import numpy as np

from fastw2v.jit import njit

DIGIT_BITS = 16
BUCKETS = 1 << DIGIT_BITS
DIGITS = -(-64 // DIGIT_BITS)


def lexsort(keys):
    """The stable order that sorts by the last key, ties by the one before, and so on
    (np.lexsort's convention and result).

    Args:
        keys: sequence of uint64 arrays (N,), at least one.
    Returns:
        int64 (N,), a permutation of range(N).
    """
    keys = [np.ascontiguousarray(key, dtype=np.uint64) for key in keys]
    order = np.arange(keys[0].size, dtype=np.int64)
    scratch = np.empty_like(order)
    for key in keys:
        if key.size != order.size:
            raise ValueError(f"keys of {key.size} and {order.size} items")
        _sort_by(key, order, scratch)
    return order


@njit(cache=True, nogil=True)
def _sort_by(key, order, scratch):
    """Reorder `order` (int64 indices into `key`), in place, stably by key[order]; `scratch`:
    int64, as long."""
    n = order.size
    tally = np.zeros((DIGITS, BUCKETS), dtype=np.int64)
    mask = np.uint64(BUCKETS - 1)
    for i in range(n):
        k = key[i]
        for d in range(DIGITS):
            tally[d, np.int64((k >> np.uint64(d * DIGIT_BITS)) & mask)] += 1
    source, target = order, scratch
    for d in range(DIGITS):
        shared = False
        for b in range(BUCKETS):
            if tally[d, b] == n:
                shared = True
                break
        if shared:
            continue
        place = np.empty(BUCKETS, dtype=np.int64)
        at = 0
        for b in range(BUCKETS):
            place[b] = at
            at += tally[d, b]
        shift = np.uint64(d * DIGIT_BITS)
        for i in range(n):
            index = source[i]
            b = np.int64((key[index] >> shift) & mask)
            target[place[b]] = index
            place[b] += 1
        source, target = target, source
    if source is not order:
        order[:] = source
