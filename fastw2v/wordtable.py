"""A compiled hash table of byte strings: the corpus reader's word counts, without a Python object
per word.

A table is a `WordTable` of flat arrays. Word w's bytes are ``arena[starts[w]:starts[w] +
lengths[w]]``; words get ids 0, 1, 2, ... in order of first insertion, and their bytes lie in
the arena in that order, back to back; `counts_of` gives their counts.

A word's **key** is its bytes packed into a uint64 when it has at most 8 (a token holds no NUL
byte, so the packing is one to one), else a 64-bit hash of its bytes; its **slot hash** is the
key mixed (splitmix64's finaliser). ``slots`` is an open-addressing index (linear probing, a
power-of-two number of rows, kept at most half full) whose row (`KEY`, `INFO`, `COUNT`,
`START`) holds a word's key, ``id | length << 32`` (-1: an empty row), its count and the start
of its bytes: a lookup reads one row (one cache line) and compares one number, and a longer
word's bytes only when its key and length match. This matters because a lookup per token is most
of the reader's time, most tokens are short, and a rare word's row is not in the cache.

The compiled functions never allocate: one that would overflow an array reports it, and the
caller grows the table (`reserve`) and calls again.
"""

from collections import namedtuple

import numpy as np

from fastw2v.jit import njit

WordTable = namedtuple("WordTable", "slots keys hashes starts lengths arena sizes")
WordTable.__doc__ = """Arrays of a word table.

slots: int64 (S, 4), S a power of two: rows (key bits, id | length << 32 or -1, count, start).
keys, hashes: uint64 (W,), each word's key and slot hash. starts, lengths: int64 (W,).
arena: uint8 (A,). sizes: int64 (2,): the words and the arena bytes in use. W and A are
capacities: only the first sizes[0] words and sizes[1] arena bytes mean anything."""

WORDS, ARENA = 0, 1  # indices into WordTable.sizes
KEY, INFO, COUNT, START = 0, 1, 2, 3  # the columns of WordTable.slots
ROW = 4
EMPTY = -1
SHORT_BYTES = 8  # a word this long or shorter is its own key
ID_BITS = np.int64(0xFFFFFFFF)
_LONG_SEED = np.uint64(0x9E3779B97F4A7C15)
_LONG_PRIME = np.uint64(0xFF51AFD7ED558CCD)
# A table's word capacity grows up to four times at once until it reaches this many: one growth
# where doubling takes two (a growth is fresh memory, each page faulted in, and a rehash), at
# the cost of up to twice the room a vocabulary under it needs.
FAST_GROWTH_WORDS = 1 << 17


def new_table(words=1 << 12, arena_bytes=1 << 16):
    """An empty table with room for `words` words and `arena_bytes` bytes of them."""
    words = max(16, int(words))
    return WordTable(slots=_empty_slots(_slot_count(words)),
                     keys=np.zeros(words, dtype=np.uint64), hashes=np.zeros(words, dtype=np.uint64),
                     starts=np.zeros(words, dtype=np.int64), lengths=np.zeros(words, dtype=np.int64),
                     arena=np.zeros(max(64, int(arena_bytes)), dtype=np.uint8),
                     sizes=np.zeros(2, dtype=np.int64))


def _empty_slots(rows):
    slots = np.zeros((rows, ROW), dtype=np.int64)
    slots[:, INFO] = EMPTY
    return slots


def _grown_capacity(capacity, need, most=None):
    """`capacity` if it holds `need`, else at least double it, and up to `most` (when given) if
    four times `capacity` reaches it."""
    if need <= capacity:
        return capacity
    step = 2 * capacity if most is None else min(4 * capacity, max(2 * capacity, most))
    return max(need, step)


def _slot_count(words):
    """The power of two that keeps `words` words at most half the slots."""
    return 1 << max(4, int(2 * words - 1).bit_length())


def reserve(table, more_words, more_bytes):
    """`table`, or a copy with larger arrays, with room for `more_words` further words holding
    `more_bytes` further bytes. Capacities at least double when they grow (the word capacity
    quadruples below FAST_GROWTH_WORDS)."""
    n_words, used = int(table.sizes[WORDS]), int(table.sizes[ARENA])
    words = _grown_capacity(table.keys.size, n_words + int(more_words), FAST_GROWTH_WORDS)
    arena_bytes = _grown_capacity(table.arena.size, used + int(more_bytes))
    if words == table.keys.size and arena_bytes == table.arena.size:
        return table

    def grown(array, size):
        if array.size == size:
            return array
        bigger = np.zeros(size, dtype=array.dtype)
        bigger[:array.size] = array
        return bigger

    slots = table.slots
    if _slot_count(words) != slots.shape[0]:
        slots = _empty_slots(_slot_count(words))
        _rehash(table.slots, slots, table.hashes)
    return WordTable(slots=slots, keys=grown(table.keys, words), hashes=grown(table.hashes, words),
                     starts=grown(table.starts, words), lengths=grown(table.lengths, words),
                     arena=grown(table.arena, arena_bytes), sizes=table.sizes)


@njit(cache=True, nogil=True)
def _rehash(old, slots, hashes):
    """Move every row of `old` to its place in the larger, empty `slots`."""
    mask = slots.shape[0] - 1
    for row in range(old.shape[0]):
        info = old[row, INFO]
        if info == EMPTY:
            continue
        slot = np.int64(hashes[info & ID_BITS] & np.uint64(mask))
        while slots[slot, INFO] != EMPTY:
            slot = (slot + 1) & mask
        slots[slot, :] = old[row, :]


def counts_of(table):
    """int64 (words,): each word's count, in id order."""
    counts = np.zeros(int(table.sizes[WORDS]), dtype=np.int64)
    _gather_counts(table.slots, counts)
    return counts


@njit(cache=True, nogil=True)
def _gather_counts(slots, counts):
    for row in range(slots.shape[0]):
        if slots[row, INFO] != EMPTY:
            counts[slots[row, INFO] & ID_BITS] = slots[row, COUNT]


def counts_since(table, seen, dtype=np.int32):
    """Each word's count gained since `seen` was taken, and the counts now.

    Args:
        table: WordTable. seen: int64 (≤ words,), the counts an earlier call returned (a word
            added since: 0). dtype: of the gains (int32 holds a piece's when it has fewer than
            2**31 tokens).
    Returns:
        (gains: `dtype` (words,), now: int64 (words,)).
    """
    now = counts_of(table)
    gains = now.copy()  # in int64: the counts since the start may pass 2**31, the gains do not
    gains[:seen.size] -= seen
    return gains.astype(dtype), now


@njit(cache=True, nogil=True)
def mix(x):
    """splitmix64's finaliser: every bit of x reaches every bit of the result."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True)
def long_step(h, packed):
    """Eight more bytes (packed) into a long word's hash."""
    return (h ^ packed) * _LONG_PRIME + _LONG_SEED


@njit(cache=True, nogil=True)
def finish_key(h, packed, length):
    """(key, slot hash) of a word from its hash over all but its last bytes (`h`, started at 0:
    untouched for a short word) and those last 1-8 bytes packed."""
    if length <= SHORT_BYTES:
        return packed, mix(packed)
    h = mix(long_step(h, packed) ^ np.uint64(length))
    return h, h


@njit(cache=True, nogil=True)
def key_of(data, lo, hi):
    """(key, slot hash) of the word data[lo:hi] (uint8, no NUL byte), as the scanner computes them."""
    h = packed = np.uint64(0)
    shift = 0
    for i in range(lo, hi):
        if shift == 64:
            h = long_step(h, packed)
            packed, shift = np.uint64(0), 0
        packed |= np.uint64(data[i]) << np.uint64(shift)
        shift += 8
    return finish_key(h, packed, hi - lo)


def merge(into, other):
    """Add every word of `other` to `into` with its count. `other`'s words are taken in the order
    of its slot rows, which is nearly the order of their rows in `into` (the same low bits of the
    slot hash pick both), so the lookups walk `into` front to back instead of at random; its new
    words get the next ids in that order.

    Returns:
        (table, remap): the merged table (`into`, or a grown copy), and int64 (other's words,)
        the id in it of each of `other`'s words.
    """
    n_other = int(other.sizes[WORDS])
    into = reserve(into, n_other, int(other.sizes[ARENA]))
    remap, new = np.empty(n_other, dtype=np.int64), np.empty(0, dtype=np.int64)
    _merge(*into, other.slots, other.arena, remap, new, True)
    return into, remap


def absorb(into, other, with_keys=True):
    """Add to `into`'s words their counts in `other`, and list `other`'s words that `into` lacks,
    without adding them (`merge` for the last table, whose merged index is never looked up); then
    the union's counts and sort keys. One compiled call: another thread decoding words (which
    holds the interpreter's lock for milliseconds) delays none of its steps.

    Returns:
        (remap, new, counts, keys): remap: int64 (other's words,), the id of each of `other`'s
        words in the union (`into`'s words keep theirs; the missing ones follow, numbered in the
        order of `new`); new: int64, `other`'s ids of the words `into` lacks, in slot-row order
        (as `merge` adds them); counts: int64, the union's counts in id order; keys:
        `prefix_keys` of the union's words in id order, or None unless `with_keys`.
    """
    remap, new, counts, high, low = _absorb(*into, other.slots, other.starts, other.lengths, other.arena,
                                            other.sizes, with_keys)
    return remap, new, counts, ((high, low) if with_keys else None)


@njit(cache=True, nogil=True)
def _absorb(slots, keys, hashes, starts, lengths, arena, sizes, o_slots, o_starts, o_lengths, o_arena,
            o_sizes, with_keys):
    n_other = o_sizes[WORDS]
    remap, new = np.empty(n_other, dtype=np.int64), np.empty(n_other, dtype=np.int64)
    n_new = _merge(slots, keys, hashes, starts, lengths, arena, sizes, o_slots, o_arena, remap, new, False)
    new = new[:n_new]
    n_words = sizes[WORDS]
    counts, other_counts = np.zeros(n_words + n_new, dtype=np.int64), np.zeros(n_other, dtype=np.int64)
    _gather_counts(slots, counts)
    _gather_counts(o_slots, other_counts)
    for i in range(n_new):
        counts[n_words + i] = other_counts[new[i]]
    n_keys = n_words + n_new if with_keys else 0
    high, low = np.empty(n_keys, dtype=np.uint64), np.empty(n_keys, dtype=np.uint64)
    if with_keys:
        _byte_keys(starts, lengths, arena, np.arange(n_words), high[:n_words], low[:n_words])
        _byte_keys(o_starts, o_lengths, o_arena, new, high[n_words:], low[n_words:])
    return remap, new, counts, high, low


@njit(cache=True, nogil=True)
def _merge(slots, keys, hashes, starts, lengths, arena, sizes, o_slots, o_arena, remap, new, insert):
    """Each word of the other table looked up in this one, its count added to the word found; a
    word not found is inserted (`insert`: room reserved) or listed in `new` (its id: the table's
    words, then its place in `new`). Returns how many were listed. The lookup is `textscan.scan`'s,
    with the word's count for its one; it is written out in both because a call with array
    arguments per word costs reference counting that made a loop 3-4x slower."""
    mask = slots.shape[0] - 1
    n_words, n_new = sizes[WORDS], 0
    for row in range(o_slots.shape[0]):
        o_info = o_slots[row, INFO]
        if o_info == EMPTY:
            continue
        skey, length, lo, count = o_slots[row, KEY], o_info >> 32, o_slots[row, START], o_slots[row, COUNT]
        key = np.uint64(skey)
        slot_hash = mix(key) if length <= SHORT_BYTES else key  # as `finish_key` made it
        slot, w = np.int64(slot_hash & np.uint64(mask)), -1
        while True:
            info = slots[slot, INFO]
            if info == EMPTY:
                break
            if slots[slot, KEY] == skey and (info >> 32) == length:
                same = True
                if length > SHORT_BYTES:
                    at = slots[slot, START]
                    for k in range(length):
                        if arena[at + k] != o_arena[lo + k]:
                            same = False
                            break
                if same:
                    w = info & ID_BITS
                    slots[slot, COUNT] += count
                    break
            slot = (slot + 1) & mask
        if w < 0 and not insert:
            w = n_words + n_new
            new[n_new] = o_info & ID_BITS
            n_new += 1
        elif w < 0:
            w, used = sizes[WORDS], sizes[ARENA]
            keys[w], hashes[w], starts[w], lengths[w] = key, slot_hash, used, length
            for k in range(length):
                arena[used + k] = o_arena[lo + k]
            sizes[WORDS], sizes[ARENA] = w + 1, used + length
            slots[slot, KEY], slots[slot, INFO] = skey, w | (length << 32)
            slots[slot, COUNT], slots[slot, START] = count, used
        remap[o_info & ID_BITS] = w
    return n_new


def prefix_keys(table, ids=None):
    """(high, low): uint64 (len(ids),) each, the first 8 and the next 8 bytes of each word (of
    `ids`, int64; None: every word, in id order), big-endian, zero-padded: ordered as the words'
    bytes are, up to ties between words that share their first 16 bytes. For UTF-8 that is the
    order of the decoded str (UTF-8 keeps code-point order)."""
    ids = np.arange(int(table.sizes[WORDS]), dtype=np.int64) if ids is None else ids
    high, low = np.empty(ids.size, dtype=np.uint64), np.empty(ids.size, dtype=np.uint64)
    _byte_keys(table.starts, table.lengths, table.arena, ids, high, low)
    return high, low


@njit(cache=True, nogil=True)
def _byte_keys(starts, lengths, arena, ids, high, low):
    for i in range(ids.size):
        at, length = starts[ids[i]], lengths[ids[i]]
        h = l_ = np.uint64(0)
        for k in range(8):
            h = (h << np.uint64(8)) | np.uint64(arena[at + k] if k < length else 0)
        for k in range(8, 16):
            l_ = (l_ << np.uint64(8)) | np.uint64(arena[at + k] if k < length else 0)
        high[i], low[i] = h, l_


def words_of(table, ids=None, errors="replace"):
    """The table's words as str, in id order (or those of `ids`, int64, in their order), decoded
    from UTF-8 with `errors` (bytes that are not UTF-8 become U+FFFD by default: two words can
    decode to the same str). One decode for all: the words joined by newlines, which no word
    holds and no decoder error swallows."""
    ids = np.arange(int(table.sizes[WORDS]), dtype=np.int64) if ids is None else ids
    if ids.size == 0:
        return []
    joined = np.empty(int(table.lengths[ids].sum()) + ids.size - 1, dtype=np.uint8)
    _join_words(table.starts, table.lengths, table.arena, ids, joined)
    return joined.tobytes().decode("utf-8", errors=errors).split("\n")


@njit(cache=True, nogil=True)
def _join_words(starts, lengths, arena, ids, out):
    at = 0
    for i in range(ids.size):
        w = ids[i]
        if i:
            out[at] = 10
            at += 1
        for k in range(lengths[w]):
            out[at + k] = arena[starts[w] + k]
        at += lengths[w]
