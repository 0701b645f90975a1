"""A compiled hash table int64 key -> int64 value: the phrase detector's counts of adjacent word
pairs, and its lookup from a pair to a phrase.

A table is a `PairTable` of two arrays. ``slots`` is an open-addressing index (linear probing, a
power-of-two number of rows, grown by rehashing before it is more than `MAX_FILL` full) whose row
(`KEY`, `VALUE`) holds a key plus one (0: an empty row, so that a new table is zeroed memory,
which the OS hands out without a pass to fill it) and its value, so one probe reads one cache
line; ``sizes[ENTRIES]`` is the number of rows in use. Keys are non-negative: a pair of word
indices (a, b) is the key ``a << 32 | b`` (`pair_key`, `keys_of`, `pair_entries`).

The compiled functions work on whole arrays of keys, so a caller pays a call (and numba's
reference counting of its array arguments) once per block of keys, not once per key; they never
allocate, and stop where the table would pass its fill limit so that the caller can grow it.
`add_counts` also prunes as the word2vec C tools' ``ReduceVocab`` does when a table holds more
than a budget of entries: every entry with a count of at most ``min_reduce`` is removed, then
``min_reduce`` goes up by one.
"""

import mmap
from collections import namedtuple

import numpy as np

from fastw2v.jit import njit
from fastw2v.intrinsics import prefetch_element
from fastw2v.wordtable import mix

PairTable = namedtuple("PairTable", "slots sizes")
PairTable.__doc__ = """Arrays of a pair table.

slots: int64 (S, 2), S a power of two: rows (key + 1 or EMPTY, value). sizes: int64 (1,): the
rows in use (sizes[ENTRIES])."""

KEY, VALUE = 0, 1  # the columns of PairTable.slots
ENTRIES = 0  # index into PairTable.sizes
EMPTY = 0
MAX_FILL = 0.7  # the word2vec C tools grow (or prune) their tables at this fill too
PREFETCH_AHEAD = 64  # keys between a row's prefetch and its probe: the fastest of 8 to 256 here
PAIR_BITS = 32
HUGE_PAGE_BYTES = 2 << 20
FILTER_BITS_PER_KEY = 32
LOW_BITS = (1 << PAIR_BITS) - 1


def new_table(entries=1 << 12):
    """An empty table with room for `entries` entries."""
    return PairTable(slots=_empty_slots(_slot_count(entries)), sizes=np.zeros(1, dtype=np.int64))


def _empty_slots(rows):
    """int64 (rows, 2) of zeros (EMPTY). A large table is asked for in huge pages, where the OS
    offers them: a probe per token into a table larger than the cache otherwise misses the TLB
    too, and the OS maps and zeroes 2 MB at a time (probes 1.3-1.5x faster, measured here)."""
    if rows * 16 < HUGE_PAGE_BYTES or not hasattr(mmap, "MADV_HUGEPAGE"):
        return np.zeros((rows, 2), dtype=np.int64)
    memory = mmap.mmap(-1, rows * 16, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    memory.madvise(mmap.MADV_HUGEPAGE)
    return np.frombuffer(memory, dtype=np.int64).reshape(rows, 2)


def _slot_count(entries):
    """The power of two whose MAX_FILL share holds at least `entries` entries (16 or more)."""
    rows = 16
    while fill_limit(rows) < entries:
        rows *= 2
    return rows


def fill_limit(rows):
    """The most entries a table of `rows` rows holds before it is grown."""
    return int(rows * MAX_FILL)


def room(table):
    """Entries the table takes before it must grow."""
    return fill_limit(table.slots.shape[0]) - int(table.sizes[ENTRIES])


def grown(table, more):
    """`table`, or a copy with at least twice the rows, with room for `more` further entries."""
    need = int(table.sizes[ENTRIES]) + int(more)
    if need <= fill_limit(table.slots.shape[0]):
        return table
    slots = _empty_slots(max(_slot_count(need), 2 * table.slots.shape[0]))
    _rehash(table.slots, slots)
    return PairTable(slots=slots, sizes=table.sizes)


@njit(cache=True, nogil=True)
def pair_key(a, b):
    """The key of the word pair (a, b), word indices in [0, 2**31)."""
    return (np.int64(a) << PAIR_BITS) | np.int64(b)


def keys_of(left, right):
    """int64 keys of the pairs (left[i], right[i]) (int arrays or ints)."""
    return (np.asarray(left, dtype=np.int64) << PAIR_BITS) | np.asarray(right, dtype=np.int64)


def pair_entries(table):
    """(left, right, values): a table of pair keys' entries, int32, int32 and int64 (entries,),
    in row order (as `entries`)."""
    left = np.empty(int(table.sizes[ENTRIES]), dtype=np.int32)
    right, values = np.empty_like(left), np.empty(left.size, dtype=np.int64)
    _gather_pairs(table.slots, left, right, values)
    return left, right, values


@njit(cache=True, nogil=True)
def _gather_pairs(slots, left, right, values):
    n = 0
    for row in range(slots.shape[0]):
        if slots[row, KEY] != EMPTY:
            key = slots[row, KEY] - 1
            left[n], right[n], values[n] = key >> PAIR_BITS, key & LOW_BITS, slots[row, VALUE]
            n += 1


@njit(cache=True, nogil=True)
def _home(stored, mask):
    """The row where the probe for a stored key (key + 1) starts."""
    return np.int64(mix(np.uint64(stored)) & np.uint64(mask))


@njit(cache=True, nogil=True)
def _rehash(old, slots):
    """Move every row of `old` to its place in `slots` (empty, with room for them all)."""
    mask = slots.shape[0] - 1
    for row in range(old.shape[0]):
        ahead = row + PREFETCH_AHEAD
        if ahead < old.shape[0] and old[ahead, KEY] != EMPTY:
            prefetch_element(slots, _home(old[ahead, KEY], mask), 0)
        stored = old[row, KEY]
        if stored == EMPTY:
            continue
        slot = _home(stored, mask)
        while slots[slot, KEY] != EMPTY:
            slot = (slot + 1) & mask
        slots[slot, KEY], slots[slot, VALUE] = stored, old[row, VALUE]


@njit(cache=True, nogil=True)
def _add(slots, sizes, keys, counts, lo, stop_at):
    """Add counts[i] to the value of keys[i] (a new key starts at 0) for i from `lo` on, until
    every key is in or the entries reach `stop_at` (checked after each key). Returns the index of
    the first key not added."""
    mask = slots.shape[0] - 1
    n = keys.size
    for i in range(lo, n):
        if i + PREFETCH_AHEAD < n:
            prefetch_element(slots, _home(keys[i + PREFETCH_AHEAD] + 1, mask), 0)
        stored = keys[i] + 1
        slot = _home(stored, mask)
        while True:
            here = slots[slot, KEY]
            if here == stored:
                slots[slot, VALUE] += counts[i]
                break
            if here == EMPTY:
                slots[slot, KEY], slots[slot, VALUE] = stored, counts[i]
                sizes[ENTRIES] += 1
                break
            slot = (slot + 1) & mask
        if sizes[ENTRIES] >= stop_at:
            return i + 1
    return n


def add_counts(table, keys, counts, budget=None, min_reduce=1):
    """Add each key's count, growing the table as it fills.

    Args:
        table: PairTable. keys: int64 (n,), each >= 0. counts: int64 (n,).
        budget: None, or the most entries the table may hold: as soon as an added key leaves it
            holding more, it is pruned (entries with a value <= min_reduce removed, then
            min_reduce + 1), before the next key is added.
        min_reduce: int, the pruning level the next prune uses.
    Returns:
        (table: this one or a grown copy, prunes: how many prunes happened, min_reduce: the
        level the next prune would use).
    """
    at, prunes = 0, 0
    while at < keys.size:
        if room(table) <= 0:
            table = grown(table, keys.size - at)
        stop_at = fill_limit(table.slots.shape[0])
        if budget is not None:
            stop_at = min(stop_at, budget + 1)
        at = _add(table.slots, table.sizes, keys, counts, at, stop_at)
        if budget is not None and table.sizes[ENTRIES] > budget:
            table = pruned(table, min_reduce)
            prunes, min_reduce = prunes + 1, min_reduce + 1
    return table, prunes, min_reduce


def pruned(table, min_reduce):
    """The table without the entries whose value is <= min_reduce (same number of rows)."""
    slots = _empty_slots(table.slots.shape[0])
    kept = _rehash_above(table.slots, slots, min_reduce)
    return PairTable(slots=slots, sizes=np.array([kept], dtype=np.int64))


@njit(cache=True, nogil=True)
def _rehash_above(old, slots, floor):
    """`_rehash` of the rows whose value is > floor. Returns how many moved."""
    mask = slots.shape[0] - 1
    kept = 0
    for row in range(old.shape[0]):
        stored = old[row, KEY]
        if stored == EMPTY or old[row, VALUE] <= floor:
            continue
        slot = _home(stored, mask)
        while slots[slot, KEY] != EMPTY:
            slot = (slot + 1) & mask
        slots[slot, KEY], slots[slot, VALUE] = stored, old[row, VALUE]
        kept += 1
    return kept


@njit(cache=True, nogil=True, inline="always")
def _slot_of(slots, stored):
    """The row of `slots` that holds `stored` (a key + 1), or the empty row where it would go."""
    mask = slots.shape[0] - 1
    slot = _home(stored, mask)
    while slots[slot, KEY] != stored and slots[slot, KEY] != EMPTY:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True, nogil=True, inline="always")
def lookup(slots, key):
    """The value of `key` (>= 0) in a table's rows `slots`, or -1 where it is absent. Inlined
    where it is called (measured: no slower than the probe written out in a per-token loop)."""
    slot = _slot_of(slots, key + 1)
    return slots[slot, VALUE] if slots[slot, KEY] != EMPTY else -1


@njit(cache=True, nogil=True, inline="always")
def find_or_add(slots, sizes, key, new_value):
    """The value of `key` (>= 0); where it is absent, it is added with `new_value`, which is
    returned. The caller leaves room for it (`grown`): this never grows the table."""
    slot = _slot_of(slots, key + 1)
    if slots[slot, KEY] == EMPTY:
        slots[slot, KEY], slots[slot, VALUE] = key + 1, new_value
        sizes[ENTRIES] += 1
    return slots[slot, VALUE]


@njit(cache=True, nogil=True)
def find(slots, keys, found):
    """found[i] = the value of keys[i], or -1 where the key is absent or keys[i] < 0.

    Args:
        slots: int64 (S, 2), a table's rows. keys: int64 (n,). found: int64 (n,), written.
    """
    mask = slots.shape[0] - 1
    n = keys.size
    for i in range(n):
        if i + PREFETCH_AHEAD < n and keys[i + PREFETCH_AHEAD] >= 0:
            prefetch_element(slots, _home(keys[i + PREFETCH_AHEAD] + 1, mask), 0)
        found[i] = lookup(slots, keys[i]) if keys[i] >= 0 else -1


@njit(cache=True, nogil=True)
def assign(slots, keys, values):
    """The value of each key that is in the table becomes values[i]; absent keys are skipped.

    Args:
        slots: int64 (S, 2). keys, values: int64 (n,).
    """
    mask = slots.shape[0] - 1
    for i in range(keys.size):
        stored = keys[i] + 1
        slot = _home(stored, mask)
        while slots[slot, KEY] != EMPTY:
            if slots[slot, KEY] == stored:
                slots[slot, VALUE] = values[i]
                break
            slot = (slot + 1) & mask


def entries(table):
    """(keys, values): int64 (entries,) each, in row order (which depends on the order the keys
    came in: sort them where an order matters)."""
    keys = np.empty(int(table.sizes[ENTRIES]), dtype=np.int64)
    values = np.empty_like(keys)
    _gather(table.slots, keys, values)
    return keys, values


@njit(cache=True, nogil=True)
def _gather(slots, keys, values):
    n = 0
    for row in range(slots.shape[0]):
        if slots[row, KEY] != EMPTY:
            keys[n], values[n] = slots[row, KEY] - 1, slots[row, VALUE]
            n += 1


def from_entries(keys, values):
    """A new table holding keys[i] -> values[i] (keys distinct, >= 0)."""
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    table = new_table(keys.size)
    _add(table.slots, table.sizes, keys, np.ascontiguousarray(values, dtype=np.int64), 0, keys.size + 1)
    return table


def key_filter(keys):
    """A bit filter of `keys` (int64, >= 0): uint64 words (a power of two of them, about
    FILTER_BITS_PER_KEY bits a key, at most 2**32 bits) where each key's bit is set, for
    `may_hold`. A key not among them passes with a chance of about 1/FILTER_BITS_PER_KEY."""
    need = max(64, min(1 << 32, keys.size * FILTER_BITS_PER_KEY))
    bits = np.zeros(1 << max(0, (need - 1).bit_length() - 6), dtype=np.uint64)
    _set_bits(bits, np.ascontiguousarray(keys, dtype=np.int64))
    return bits


@njit(cache=True, nogil=True, inline="always")
def _filter_bit(bits, key):
    """The bit of a key in a filter of len(bits) words: from the high half of the key's hash,
    which the table's rows (the low bits) do not use."""
    return np.int64((mix(np.uint64(key + 1)) >> np.uint64(32)) & np.uint64(bits.size * 64 - 1))


@njit(cache=True, nogil=True)
def _set_bits(bits, keys):
    for key in keys:
        bit = _filter_bit(bits, key)
        bits[bit >> 6] |= np.uint64(1) << np.uint64(bit & 63)


@njit(cache=True, nogil=True, inline="always")
def may_hold(bits, key):
    """False when `key` is surely not among the filter's keys (`key_filter`): one load from an
    array small enough to stay in the cache, where a table lookup would often miss it."""
    bit = _filter_bit(bits, key)
    return (bits[bit >> 6] >> np.uint64(bit & 63)) & np.uint64(1) != 0


@njit(cache=True, nogil=True, inline="always")
def shard_of(key, shards):
    """Which of `shards` disjoint tables holds `key` (>= 0) (`Shards`): from the top byte of its
    hash, which a table's rows (its low bits) do not use."""
    return np.int64((mix(np.uint64(key + 1)) >> np.uint64(56)) % np.uint64(shards))


@njit(cache=True, nogil=True)
def _shards_of(keys, shards, out):
    for i in range(keys.size):
        out[i] = shard_of(keys[i], shards)


class Shards:
    """Disjoint tables that hold one table's entries together: key k is in
    ``tables[shard_of(k, len(tables))]``, so that threads fill them at once, without a merge.

    Attributes:
        tables: list of PairTable.
    """

    def __init__(self, tables):
        self.tables = list(tables)

    def _split(self, keys):
        """(each key's shard: int64 (n,), the keys as a contiguous int64 array)."""
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        shard = np.zeros(keys.size, dtype=np.int64)
        if len(self.tables) > 1:
            _shards_of(keys, len(self.tables), shard)
        return shard, keys

    def find(self, keys):
        """int64 (n,): the value of each key, -1 where it is absent."""
        shard, keys = self._split(keys)
        found = np.full(keys.size, -1, dtype=np.int64)
        for index, table in enumerate(self.tables):
            mine = np.flatnonzero(shard == index)
            values = np.empty(mine.size, dtype=np.int64)
            find(table.slots, keys[mine], values)
            found[mine] = values
        return found

    def assign(self, keys, values):
        """The value of each key present becomes values[i] (`assign`)."""
        shard, keys = self._split(keys)
        values = np.ascontiguousarray(values, dtype=np.int64)
        for index, table in enumerate(self.tables):
            mine = shard == index
            assign(table.slots, keys[mine], values[mine])

    def pair_entries(self):
        """(left, right, values) of every table's pair keys (`pair_entries`), table after table."""
        parts = [pair_entries(table) for table in self.tables]
        return tuple(np.concatenate([part[k] for part in parts]) for k in range(3))
