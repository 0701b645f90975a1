"""The noise distribution's sampler: a Walker/Vose alias table, built in O(V), drawn in O(1).

A table is two arrays: ``prob: float32[V]`` (the chance to keep bucket i) and ``alias: int32[V]``
(the word taken otherwise). A draw picks a bucket uniformly, then keeps it or takes its alias.
"""

import numpy as np

from fastw2v.jit import njit
from fastw2v import rng


def build_alias_table(weights):
    """Build the alias table of a discrete distribution (Vose's method, O(V)).

    Args:
        weights: non-negative float array, shape (V,), V ≥ 1, not all zero (need not sum to 1).
    Returns:
        (prob float32 (V,), alias int32 (V,)).
    Raises:
        ValueError: empty, negative, non-finite or all-zero weights.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 1 or weights.size == 0:
        raise ValueError("alias table weights must be a non-empty 1-D array")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("alias table weights must be finite, non-negative and not all zero")
    scaled = weights * (weights.size / weights.sum())
    prob, alias = _vose(scaled)
    return prob.astype(np.float32), alias


@njit(cache=True)
def _vose(scaled):
    n = scaled.size
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    n_small = 0
    n_large = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        g = large[n_large - 1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            n_large -= 1
            small[n_small] = g
            n_small += 1
    # Whatever is left holds probability 1 up to rounding: it keeps its own bucket.
    return prob, alias


@njit(nogil=True, cache=True, inline="always")
def draw(prob, alias, bits):
    """One word id (int64) from an alias table and 64 random bits."""
    bucket = rng.below(bits, prob.size)
    if rng.low_uniform(bits) < prob[bucket]:
        return bucket
    return np.int64(alias[bucket])


@njit(nogil=True, cache=True)
def draw_many(prob, alias, n, state):
    """n draws from the table, for tests and benchmarks.

    Returns:
        (int64 array (n,), the advanced uint64 generator state).
    """
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        state = rng.next_state(state)
        out[i] = draw(prob, alias, rng.output(state))
    return out, state
