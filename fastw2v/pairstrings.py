"""Words and pairs as strings: the word2vec C tool keeps unigrams and pairs in one table keyed by
string, so that a literal token ``new_york`` and the pair (new, york) are one entry, and so are
the pairs (a, b_c) and (a_b, c); `share_strings` gives every pair and word the count of its
string. Also the words' bytes in one array (`token_bytes`), which the joined text is written from.

Only equal strings share a count, and equal strings have equal hashes: compiled code hashes the
strings that may be equal (`share_strings` says which), a `fastw2v.pairtable` counts the hashes,
and only the strings whose hash comes more than once are compared, as str, in Python.
"""

import re

import numpy as np

from fastw2v.jit import njit
from fastw2v import pairtable
from fastw2v.wordtable import mix

COPY_BYTES = 8  # spare bytes after the arena: a copy may read 8 bytes from a token's start
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_SIGN_BITS = np.int64(0x7FFFFFFFFFFFFFFF)  # a pair table's keys are >= 0


def words_holding(words, delimiter):
    """bool (W,): which words hold the delimiter. One search through all the words joined by
    newlines (which the delimiter, free of whitespace, never spans)."""
    joined = "\n".join(words)
    ends = np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 1)
    found = np.fromiter((m.start() for m in re.finditer(re.escape(delimiter), joined)), dtype=np.int64)
    holds = np.zeros(len(words), dtype=bool)
    holds[np.searchsorted(ends, found, side="right")] = True
    return holds


def token_bytes(strings):
    """(arena: uint8, spans: int64 (n, 2)): string i's UTF-8 bytes are arena[start:start + length]
    for (start, length) = spans[i]; the arena ends with COPY_BYTES spare bytes. One encode for
    all where no string holds a newline. A lone surrogate (``surrogateescape``: a byte of a file
    that is not UTF-8) is that byte again."""
    joined = "\n".join(strings).encode("utf-8", "surrogateescape")
    arena = np.frombuffer(joined + bytes(COPY_BYTES), dtype=np.uint8)
    cuts = np.flatnonzero(arena[:len(joined)] == 10)
    spans = np.empty((len(strings), 2), dtype=np.int64)
    if cuts.size != max(0, len(strings) - 1):
        encoded = [text.encode("utf-8", "surrogateescape") for text in strings]
        spans[:, 1] = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        spans[:, 0] = np.cumsum(spans[:, 1]) - spans[:, 1]
        return np.frombuffer(b"".join(encoded) + bytes(COPY_BYTES), dtype=np.uint8), spans
    if strings:
        spans[:, 0] = np.concatenate([[0], cuts + 1])
        spans[:, 1] = np.concatenate([cuts, [len(joined)]]) - spans[:, 0]
    return arena, spans


def share_strings(words, word_counts, table, delimiter, prefixes=None):
    """Give every pair and word the count of its string, as the C tool's one table of strings
    holds it: the sum of the counts of the words equal to it and of the pairs that join into it.

    A pair's string holds the delimiter, so it can equal only a word that holds it (a
    "holder") or another pair's string. Where the delimiter does not overlap itself, a pair of
    words that are not holders has one delimiter in its string, so it can equal only the holder
    that splits into it there; and two pairs join into one string only where both have a
    holder (a + "_" + b_c and a_b + "_" + c). So the strings compared are the holders', those of
    the pairs with a holder (of every pair, for a delimiter that overlaps itself), and the
    holders' splits.

    A pair whose left item is a left part with connector words (item W + i, node i of
    `prefixes`) holds the delimiter whatever its words, so it is always compared; the left
    parts are no entries of their own. Their strings are hashed from their parents' hashes, and
    built only for the pairs whose hash comes more than once (a run of k connectors would
    otherwise take O(k²) bytes).

    Args:
        words: list of str (W,). word_counts: int64 (W,), updated in place.
        table: `pairtable.Shards` of pair counts, updated in place. delimiter: str, non-empty.
        prefixes: None, or the `phrases.Prefixes` of the left items W, W + 1, ...
    """
    holds = words_holding(words, delimiter)
    overlaps = _overlaps(delimiter)
    n_nodes = 0 if prefixes is None else int(prefixes.parent.size)
    if not holds.any() and not overlaps and not n_nodes:
        return
    left, right, counts = table.pair_entries()
    n_words = len(words)
    if n_nodes:
        holds = np.concatenate([holds, np.zeros(n_nodes, dtype=bool)])
    near = (np.flatnonzero(holds[left] | holds[right] | (left >= n_words))
            if not overlaps else np.arange(left.size))
    left, right, counts = left[near], right[near], counts[near]
    holders = np.flatnonzero(holds)
    if not overlaps:
        split_left, split_right = _splits(words, holders, holds, delimiter)
        found = table.find(pairtable.keys_of(split_left, split_right))
        left = np.concatenate([left, split_left[found >= 0]])
        right = np.concatenate([right, split_right[found >= 0]])
        counts = np.concatenate([counts, found[found >= 0]])
    repeated = _repeated_strings(words, delimiter, left, right, holders, prefixes)
    pairs, holders = np.flatnonzero(repeated[:left.size]), holders[repeated[left.size:]]

    def item_string(item):
        return words[item] if item < n_words else delimiter.join(prefixes.tokens(item, words))

    texts = [item_string(a) + delimiter + words[b]
             for a, b in zip(left[pairs].tolist(), right[pairs].tolist())]
    totals = {}
    for text, count in zip(texts + [words[w] for w in holders.tolist()],
                           counts[pairs].tolist() + word_counts[holders].tolist()):
        totals[text] = totals.get(text, 0) + count
    table.assign(pairtable.keys_of(left[pairs], right[pairs]),
                 np.array([totals[text] for text in texts], dtype=np.int64))
    word_counts[holders] = [totals[words[w]] for w in holders.tolist()]


def _repeated_strings(words, delimiter, left, right, holders, prefixes=None):
    """bool (P + H,): for each pair (left[i], right[i]) and then each holder word, whether its
    string's hash comes more than once among them all (equal strings always do). A left item
    from len(words) on is a node of `prefixes`."""
    arena, spans = token_bytes(words)
    glue = np.frombuffer(delimiter.encode("utf-8"), dtype=np.uint8)
    states = np.empty(0 if prefixes is None else prefixes.parent.size, dtype=np.uint64)
    if states.size:
        _node_states(arena, spans, glue, prefixes.parent, prefixes.word, states)
    hashes = np.empty(left.size + holders.size, dtype=np.int64)
    _string_hashes(arena, spans, glue, left, right, holders, states, hashes)
    seen = pairtable.add_counts(pairtable.new_table(hashes.size), hashes,
                                np.ones(hashes.size, dtype=np.int64))[0]
    times = np.empty(hashes.size, dtype=np.int64)
    pairtable.find(seen.slots, hashes, times)
    return times > 1


def _splits(words, holders, holds, delimiter):
    """(left, right): int32 arrays, the pairs of words that are not holders whose string is a
    holder's, split at one of its delimiters."""
    index = {word: w for w, word in enumerate(words)}
    found = []
    for text in [words[w] for w in holders.tolist()]:
        at = text.find(delimiter)
        while at >= 0:
            a, b = index.get(text[:at]), index.get(text[at + len(delimiter):])
            if a is not None and b is not None and not (holds[a] or holds[b]):
                found.append((a, b))
            at = text.find(delimiter, at + 1)
    pairs = np.array(found, dtype=np.int32).reshape(-1, 2)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def _overlaps(delimiter):
    """Whether the delimiter overlaps itself ("__", "aba"): then pairs of words that do not hold
    it can still join into one string ("x_" + "__" + "y" and "x" + "__" + "_y")."""
    return any(delimiter[:k] == delimiter[-k:] for k in range(1, len(delimiter)))


@njit(cache=True, nogil=True, inline="always")
def _fnv(h, arena, start, length):
    """FNV-1a of arena[start:start + length] continued from state h."""
    for k in range(start, start + length):
        h = (h ^ np.uint64(arena[k])) * _FNV_PRIME
    return h


@njit(cache=True, nogil=True, inline="always")
def _item_state(item, arena, spans, states):
    """The FNV state after a left item's string: a word's bytes, or a node's (`_node_states`)."""
    n_words = spans.shape[0]
    if item >= n_words:
        return states[item - n_words]
    return _fnv(_FNV_OFFSET, arena, spans[item, 0], spans[item, 1])


@njit(cache=True, nogil=True)
def _node_states(arena, spans, glue, parent, word, states):
    """states[i] = the FNV state after node i's string: its parent item's string, the glue, its
    connector word's bytes (parents come first)."""
    for i in range(parent.size):
        h = _item_state(parent[i], arena, spans, states)
        h = _fnv(h, glue, 0, glue.size)
        states[i] = _fnv(h, arena, spans[word[i], 0], spans[word[i], 1])


@njit(cache=True, nogil=True)
def _string_hashes(arena, spans, glue, left, right, holders, states, hashes):
    """hashes[i] = the hash of pair i's string (left item left[i], `glue`, word right[i]), then
    of each holder word's string (FNV-1a over the bytes, then mixed; >= 0)."""
    n_pairs = left.size
    for i in range(n_pairs + holders.size):
        if i < n_pairs:
            h = _item_state(left[i], arena, spans, states)
            h = _fnv(h, glue, 0, glue.size)
            h = _fnv(h, arena, spans[right[i], 0], spans[right[i], 1])
        else:
            w = holders[i - n_pairs]
            h = _fnv(_FNV_OFFSET, arena, spans[w, 0], spans[w, 1])
        hashes[i] = np.int64(mix(h)) & _SIGN_BITS
