"""Joining phrases into a corpus, as word2phrase does: one compiled pass over the token stream,
greedy, left to right, written as text (`write_text`) or spooled as a new corpus (`join_corpus`).

The rules (word2phrase's): a token joins the one before it when that pair is a phrase
(`fastw2v.phrases.choose_phrases`: both words and the pair seen at least min_count times, the
score above the threshold), both are on one line, and the one before has not itself joined the
token before it; so ``a b c`` gives ``a_b c`` when both pairs are phrases, and a line's first
token never joins. The stream crosses the corpus's parts (a line may go on from one part to the
next).

The pass works a block of ids at a time, in one compiled loop that looks a pair up in the
phrases' `fastw2v.pairtable` where its bit filter lets the pair through, and writes the
joined stream: word indices, phrase ids (``len(words) + k`` for phrase k) and `LINE_END` marks.
The stream's last token is held back until the next block's first one is known, since that one
may join it.
"""

import contextlib
import itertools
import os

import numpy as np
from numba import njit

from fastw2v import pairtable
from fastw2v.atomic import atomic_write
from fastw2v.errors import ConfigError
from fastw2v.intrinsics import load_u64, prefetch_element, store_u64
from fastw2v.pairstrings import COPY_BYTES, token_bytes, words_holding
from fastw2v.phrases import BLOCK_TOKENS, line_ends
from fastw2v.rawcorpus import id_blocks
from fastw2v.rawcorpus import RawCorpus

LINE_END = -1
IN_LINE, FREE, FILL, LAST = 0, 1, 2, 3  # the join's state: see `_join`
TEXT_BUFFER_BYTES = 1 << 20
PREFETCH_AHEAD = 16


def write_text(raw, phrases, path):
    """Write the corpus with its phrases joined: one line for every line that has tokens, the
    tokens separated by one space, a phrase's words by the delimiter (the file is replaced only
    once it is complete).

    Args:
        raw: RawCorpus. phrases: `fastw2v.phrases.Phrases` of the same words. path: str.
    Raises:
        OutputError: the file cannot be written.
    """
    arena, spans = token_bytes(phrases.words + phrases.strings())
    longest = int(spans[:, 1].max(initial=0))
    buffer = np.empty(max(TEXT_BUFFER_BYTES, longest + COPY_BYTES + 1), dtype=np.uint8)
    state = np.zeros(2, dtype=np.int64)  # a token is on the current line; the bytes in buffer
    with atomic_write(path, "wb") as handle:
        for _, items in _joined(raw, phrases):
            done = 0
            while done < items.size:
                done = _format(items, done, arena, spans, buffer, state)
                handle.write(buffer[:state[1]])
        if state[0]:
            handle.write(b"\n")


def join_corpus(raw, phrases, directory):
    """The corpus with its phrases joined, as a new RawCorpus whose words are the joined
    stream's tokens (a phrase equal to a word of the corpus is that word), with the same tokens,
    counts and lines as `write_text`'s file read back.

    Its parts are the corpus's, one to one (a phrase that joins the last token of a part and the
    first of the next belongs to the first); `lines` counts each part's lines with tokens.

    Args:
        raw: RawCorpus. phrases: Phrases of its words. directory: an existing folder other than
            raw's, for the new spool files.
    Returns:
        RawCorpus (one map for every part).
    Raises:
        ConfigError: directory is raw's own (its spool files would be overwritten).
    """
    if os.path.realpath(directory) == os.path.realpath(raw.directory):
        raise ConfigError(f"{directory}: the joined corpus needs a folder other than the corpus's own")
    strings = phrases.words + phrases.strings()
    counts = np.zeros(len(strings), dtype=np.int64)
    spools = _Spools(directory, len(raw.parts), counts)
    try:
        for index, items in _joined(raw, phrases):
            spools.take(index, items)
        parts = spools.close()
    except BaseException:
        spools.discard()
        raise
    # A phrase's string may be a word of the corpus, or another phrase's: one word each.
    first = {phrases.words[w]: w for w in
             np.flatnonzero(words_holding(phrases.words, phrases.delimiter)).tolist()}
    target = np.arange(len(strings), dtype=np.int64)
    for k, text in enumerate(strings[len(phrases.words):]):
        target[len(phrases.words) + k] = first.setdefault(text, len(phrases.words) + k)
    totals = np.zeros(len(strings), dtype=np.int64)
    np.add.at(totals, target, counts)
    kept = np.flatnonzero(totals > 0)
    new_index = np.full(len(strings), -1, dtype=np.int64)  # -1: an id the spool never holds
    new_index[kept] = np.arange(kept.size)
    return RawCorpus(directory, [strings[i] for i in kept.tolist()], totals[kept], parts,
                     [new_index[target]])


def _lookup(phrases):
    """(the phrases' pairtable: pair key -> phrase id, its `pairtable.key_filter`)."""
    keys = pairtable.keys_of(phrases.left, phrases.right)
    table = pairtable.from_entries(keys, len(phrases.words) + np.arange(keys.size, dtype=np.int64))
    return table, pairtable.key_filter(keys)


def _joined(raw, phrases, block=BLOCK_TOKENS):
    """The joined stream, as (part index, items): int32 arrays of word indices, phrase ids and
    LINE_END, in stream order, each belonging to that part (views of one buffer, overwritten by
    the next)."""
    table, bits = _lookup(phrases)
    out = np.empty(2 * block + 2, dtype=np.int32)  # the held token, and each token and line end
    state = np.array([0, 0, 0, -1], dtype=np.int64)
    owner = 0  # the part of the held token
    maps = [mapping.astype(np.int32) for mapping in raw.maps]  # half the cache lines of int64
    for index, part in enumerate(raw.parts):
        word_of, ends = maps[part["map"]], line_ends(raw, part)
        read = ends_done = 0
        blocks = id_blocks(raw.path(part["ids"]), block)
        for ids in itertools.chain(blocks, [np.zeros(0, dtype=np.int32)]):  # the last: its line ends
            ends_here = int(np.searchsorted(ends, read + ids.size, side="right"))
            held = int(state[FILL])
            _join(ids, word_of, ends[ends_done:ends_here], read, table.slots, bits, out, state)
            n = int(state[FILL])
            keep = 1 if n and out[n - 1] != LINE_END else 0
            start = 0
            if held and n - keep >= 1:
                yield owner, out[:1]
                start = 1
            if n - keep > start:
                yield index, out[start:n - keep]
            if keep:
                owner = owner if held and n == 1 else index
                out[0] = out[n - 1]
            state[FILL] = keep
            read, ends_done = read + ids.size, ends_here
    if state[FILL]:
        yield owner, out[:1]


@njit(cache=True, nogil=True)
def _join(ids, word_of, ends, read, slots, bits, out, state):
    """Append a block's tokens to the joined stream `out`.

    Args:
        ids: int32 (n,), provisional ids of tokens read..read + n of the part. word_of: int32,
            provisional id -> word index. ends: int64, the part's line ends in [read, read + n]
            not yet passed. slots, bits: the phrase table's rows and key filter; a pair is
            looked up only where the filter lets it through (most lookups in a table larger
            than the cache would miss it; the filter stays in it).
            out: int32 (>= state[FILL] + 2n + 1,).
        state: int64 (4,): IN_LINE (the current line has a token), FREE (the stream's last token
            has not joined the one before it), FILL (items in out), LAST (the last token's word).
    """
    in_line, free, n, last = state[IN_LINE], state[FREE], state[FILL], state[LAST]
    e = 0
    for k in range(ids.size):
        while e < ends.size and ends[e] <= read + k:
            if in_line:
                out[n] = LINE_END
                n += 1
            in_line = 0
            e += 1
        word = word_of[ids[k]]
        phrase, key = -1, pairtable.pair_key(last, word)
        if in_line and free and pairtable.may_hold(bits, key):
            phrase = pairtable.lookup(slots, key)
        if phrase >= 0:
            out[n - 1] = phrase
            free = 0
        else:
            out[n] = word
            n += 1
            free = 1
        in_line, last = 1, word
    while e < ends.size:
        if in_line:
            out[n] = LINE_END
            n += 1
        in_line = 0
        e += 1
    state[IN_LINE], state[FREE], state[FILL], state[LAST] = in_line, free, n, last


@njit(cache=True, nogil=True)
def _format(items, lo, arena, spans, buffer, state):
    """Format items[lo:] as text into `buffer` until it is full: a token's bytes, after a space
    when a token came before it on its line; a newline for LINE_END.

    Args:
        items: int32 (n,). arena, spans: as `pairstrings.token_bytes`. buffer: uint8, longer
            than any token + COPY_BYTES. state: int64 (2,): a token is on the current line (kept between
            calls), and the bytes written into buffer by this call.
    Returns:
        int, the index of the first item not formatted.
    """
    at, spaced = 0, state[0]
    room = buffer.size - COPY_BYTES  # a copy may write up to COPY_BYTES - 1 bytes past a token
    i = lo
    while i < items.size:
        ahead = i + PREFETCH_AHEAD
        if ahead < items.size and items[ahead] != LINE_END:  # a rare token's span is a miss
            prefetch_element(spans, items[ahead], 0)
        t = items[i]
        if t == LINE_END:
            if at + 1 > room:
                break
            buffer[at] = 10
            at += 1
            spaced = 0
        else:
            start, length = spans[t, 0], spans[t, 1]
            if at + spaced + length > room:
                break
            if spaced:
                buffer[at] = 32
                at += 1
            for k in range(0, length, COPY_BYTES):
                store_u64(buffer, at + k, load_u64(arena, start + k))
            at += length
            spaced = 1
        i += 1
    state[0], state[1] = spaced, at
    return i


class _Spools:
    """The joined corpus's part files, written part after part, and its items' counts."""

    def __init__(self, directory, n_parts, counts):
        self.directory, self.n_parts, self.counts = directory, n_parts, counts
        self.parts, self.files, self.tokens = [], None, 0  # tokens: those of the last part so far
        self.ids = np.empty(2 * BLOCK_TOKENS + 2, dtype=np.int32)
        self.ends = np.empty(2 * BLOCK_TOKENS + 2, dtype=np.int64)

    def take(self, index, items):
        """Spool items of part `index` (this part or a later one)."""
        while len(self.parts) <= index:
            self._next_part()
        n_ids, n_ends = _spool(items, self.ids, self.ends, self.counts, self.tokens)
        self.files[0].write(self.ids[:n_ids])
        self.files[1].write(self.ends[:n_ends])
        self.tokens += n_ids
        self.parts[-1]["lines"] += n_ends

    def _next_part(self):
        self._finish_part()
        names = (f"part-{len(self.parts):06d}.ids", f"part-{len(self.parts):06d}.ends")
        self.files = [open(os.path.join(self.directory, name), "wb") for name in names]
        self.parts.append({"ids": names[0], "ends": names[1], "tokens": 0, "lines": 0, "map": 0})
        self.tokens = 0

    def _finish_part(self):
        if self.files is not None:
            for handle in self.files:
                handle.close()
            self.parts[-1]["tokens"] = self.tokens

    def discard(self):
        """Close and remove every part file written so far."""
        self._finish_part()
        self.files = None
        for part in self.parts:
            for key in ("ids", "ends"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(self.directory, part[key]))

    def close(self):
        """Finish every part (those with no items empty). Returns the list of part dicts."""
        while len(self.parts) < self.n_parts:
            self._next_part()
        self._finish_part()
        self.files = None
        return self.parts


@njit(cache=True, nogil=True)
def _spool(items, ids, ends, counts, tokens):
    """Split items into ids and line ends (token counts within the part, `tokens` before them),
    counting each id. Returns (ids written, ends written)."""
    n = e = 0
    for t in items:
        if t == LINE_END:
            ends[e] = tokens + n
            e += 1
        else:
            ids[n] = t
            counts[t] += 1
            n += 1
    return n, e
