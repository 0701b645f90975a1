"""Joining phrases into a corpus, as word2phrase does: one compiled pass over the token stream,
greedy, left to right, written as text (`write_text`) or spooled as a new corpus (`join_corpus`).

The rules (word2phrase's): a token joins the one before it when that pair is a phrase
(`fastw2v.phrases.choose_phrases`: both words and the pair seen at least min_count times, the
score above the threshold), both are on one line, and the one before has not itself joined the
token before it; so ``a b c`` gives ``a_b c`` when both pairs are phrases, and a line's first
token never joins. The stream crosses the corpus's parts (a line may go on from one part to the
next). With connector words the rules are gensim's: a connector is written as itself and
never joins on its own, but the word before it that is not one, the connectors after it and
the next word that is not one join into one token when they are a phrase (``bank_of_america``);
otherwise that next word opens the next candidate.

The pass works a block of ids at a time, in one compiled loop that looks a pair up in the
phrases' `fastw2v.pairtable` where its bit filter lets the pair through, and writes the
joined stream: word indices, phrase ids (``len(words) + k`` for phrase k) and `LINE_END` marks.
The open candidate's tokens are held back until the next block's tokens are known, since
they may join them.
"""

import contextlib
import itertools
import os

import numpy as np

from fastw2v.jit import njit
from fastw2v import pairtable
from fastw2v.atomic import atomic_write
from fastw2v.errors import ConfigError
from fastw2v.intrinsics import load_u64, prefetch_element, store_u64
from fastw2v.pairstrings import COPY_BYTES, token_bytes, words_holding
from fastw2v.phrases import BLOCK_TOKENS, line_ends
from fastw2v.rawcorpus import id_blocks
from fastw2v.rawcorpus import RawCorpus
from fastw2v.threadpool import in_order

LINE_END = -1
IN_LINE, FILL, LEFT, START, OWNED = range(5)  # the join's state: see `_join`
TEXT_BUFFER_BYTES = 1 << 20
SEGMENT_TOKENS = 1 << 20  # tokens a thread joins and formats at a time when several write text
CUT_SEARCH_TOKENS = 1 << 14  # how far past a wanted cut a safe one is looked for
PREFETCH_AHEAD = 16


def write_text(raw, phrases, path, threads=1, segment_tokens=SEGMENT_TOKENS):
    """Write the corpus with its phrases joined: one line for every line that has tokens, the
    tokens separated by one space, a phrase's words by the delimiter (the file is replaced only
    once it is complete).

    With several threads the stream is cut into segments of about `segment_tokens` tokens where
    no phrase can cross the cut (`_segments`), which threads join and format at once while this
    one writes them in order.

    Args:
        raw: RawCorpus. phrases: `fastw2v.phrases.Phrases` of the same words. path: str.
        threads: int >= 1. segment_tokens: int >= 1.
    Returns:
        int, the tokens written.
    Raises:
        OutputError: the file cannot be written.
    """
    arena, spans = token_bytes(phrases.words + phrases.strings())
    text_bytes = max(TEXT_BUFFER_BYTES, int(spans[:, 1].max(initial=0)) + COPY_BYTES + 1)
    lookup = _lookup(phrases)
    bounds = _segments(raw, phrases, lookup, threads, segment_tokens)
    segments = [_TextSegment(raw, phrases, lookup, start, stop, arena, spans, text_bytes)
                for start, stop in zip(bounds[:-1], bounds[1:])]
    with atomic_write(path, "wb") as handle:
        if threads <= 1 or len(segments) == 1:
            for segment in segments:
                for chunk in segment.chunks():
                    handle.write(chunk)
        else:
            for chunks in in_order(segments, threads, lambda segment: [bytes(c) for c in segment.chunks()]):
                handle.writelines(chunks)
        if segments and segments[-1].spaced:
            handle.write(b"\n")
    return sum(segment.tokens for segment in segments)


class _TextSegment:
    """The joined text of the stream's tokens start..stop (`_segments`' cuts).

    `chunks()` yields it as views of one buffer (each overwritten by the next); after it,
    `tokens` is the tokens written and `spaced` whether a token is on the last line.
    """

    def __init__(self, raw, phrases, lookup, start, stop, arena, spans, text_bytes):
        self.raw, self.phrases, self.lookup = raw, phrases, lookup
        self.start, self.stop = start, stop
        self.arena, self.spans, self.text_bytes = arena, spans, text_bytes
        self.tokens, self.spaced = 0, False

    def chunks(self):
        buffer = np.empty(self.text_bytes, dtype=np.uint8)
        in_line = _in_line_at(self.raw, self.start)
        state = np.array([in_line, 0], dtype=np.int64)  # a token is on the current line; bytes in buffer
        for _, items in _joined(self.raw, self.phrases, self.lookup, self.start, self.stop):
            self.tokens += int(np.count_nonzero(items != LINE_END))
            done = 0
            while done < items.size:
                done = _format(items, done, self.arena, self.spans, buffer, state)
                yield buffer[:state[1]]
        self.spaced = bool(state[0])


def _segments(raw, phrases, lookup, threads, segment_tokens):
    """Cuts of the stream for `threads` threads: [0, c1, ..., total], each cut a position no
    phrase can cross (`_cut_from`), about `segment_tokens` apart ([0, total] for one thread)."""
    total = raw.n_tokens
    cuts = [0]
    if threads > 1:
        starts = np.cumsum([0] + [int(part["tokens"]) for part in raw.parts])
        for wanted in range(segment_tokens, total, segment_tokens):
            index = int(np.searchsorted(starts, wanted, side="right")) - 1
            found = _cut_from(raw, phrases, lookup, index, wanted - int(starts[index]))
            if found >= 0 and starts[index] + found > cuts[-1]:
                cuts.append(int(starts[index] + found))
    return cuts + [total]


def _cut_from(raw, phrases, lookup, index, offset):
    """The first position >= offset in part `index`, within CUT_SEARCH_TOKENS, where a line ends
    or two words that are not connectors and are no phrase meet (the joined stream after it then
    does not depend on what came before, nor the one before on what follows); -1 if none."""
    part = raw.parts[index]
    lo = max(1, offset) - 1
    hi = min(int(part["tokens"]), lo + CUT_SEARCH_TOKENS)
    if hi - lo < 2:
        return -1
    ids = next(id_blocks(raw.path(part["ids"]), hi - lo, lo, hi))
    ends = line_ends(raw, part)
    table, bits, _ = lookup
    k = _first_cut(ids, raw.maps[part["map"]].astype(np.int32), _connector_of(phrases),
                   ends[np.searchsorted(ends, lo + 1):np.searchsorted(ends, hi, side="right")], lo,
                   table.slots, bits)
    return lo + k if k >= 0 else -1


@njit(cache=True, nogil=True)
def _first_cut(ids, word_of, connector, ends, read, slots, bits):
    """The first k >= 1 where a line end is at token read + k (`ends`: those in the block, after
    its first token), or ids[k - 1] and ids[k] are words that are not connectors and whose pair
    is no phrase; -1 where there is none."""
    top, e = connector.size - 1, 0
    for k in range(1, ids.size):
        while e < ends.size and ends[e] < read + k:
            e += 1
        if e < ends.size and ends[e] == read + k:
            return k
        before, word = word_of[ids[k - 1]], word_of[ids[k]]
        if connector[min(before, top)] or connector[min(word, top)]:
            continue
        key = pairtable.pair_key(before, word)
        if not pairtable.may_hold(bits, key) or pairtable.lookup(slots, key) < 0:
            return k
    return -1


def _in_line_at(raw, position):
    """Whether a token of the stream comes before `position` on its line (no line end at it)."""
    if position == 0:
        return 0
    start = 0
    for part in raw.parts:
        stop = start + int(part["tokens"])
        if start <= position <= stop:
            ends = line_ends(raw, part)
            at = int(np.searchsorted(ends, position - start))
            if at < ends.size and ends[at] == position - start:
                return 0
        start = stop
    return 1


def _connector_of(phrases):
    """The connector mask as `_join` reads it: (1,) False when there are no connector words."""
    connector = phrases.connector
    if connector is None or not connector.any():
        return np.zeros(1, dtype=bool)  # one entry that stays in the cache, never a connector
    return connector


def join_corpus(raw, phrases, directory, block=BLOCK_TOKENS):
    """The corpus with its phrases joined, as a new RawCorpus whose words are the joined
    stream's tokens (a phrase equal to a word of the corpus is that word), with the same tokens,
    counts and lines as `write_text`'s file read back.

    Its parts are the corpus's, one to one (a phrase that joins the last token of a part and the
    first of the next belongs to the first); `lines` counts each part's lines with tokens.

    Args:
        raw: RawCorpus. phrases: Phrases of its words. directory: an existing folder other than
            raw's, for the new spool files. block: ids joined at a time.
    Returns:
        RawCorpus (one map for every part).
    Raises:
        ConfigError: directory is raw's own (its spool files would be overwritten).
    """
    if os.path.realpath(directory) == os.path.realpath(raw.directory):
        raise ConfigError(f"{directory}: the joined corpus needs a folder other than the corpus's own")
    strings = phrases.words + phrases.strings()
    counts = np.zeros(len(strings), dtype=np.int64)
    spools = _Spools(directory, len(raw.parts), counts, block)
    try:
        for index, items in _joined(raw, phrases, _lookup(phrases), block=block):
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
    """(the phrases' pairtable: key (left item, end word) -> phrase id, its
    `pairtable.key_filter`, the prefix table: key (left item, connector) -> the left item they
    make, for the left parts of the phrases only)."""
    keys = pairtable.keys_of(phrases.left, phrases.right)
    table = pairtable.from_entries(keys, len(phrases.words) + np.arange(keys.size, dtype=np.int64))
    n_words, prefixes = len(phrases.words), phrases.prefixes
    needed, frontier = set(), {int(a) for a in phrases.left.tolist() if a >= n_words}
    while frontier:  # each phrase's left part, and the parts it grew from
        needed |= frontier
        frontier = {int(prefixes.parent[a - n_words]) for a in frontier} - needed
        frontier = {a for a in frontier if a >= n_words}
    nodes = np.array(sorted(needed), dtype=np.int64)
    parts = pairtable.from_entries(pairtable.keys_of(prefixes.parent[nodes - n_words],
                                                     prefixes.word[nodes - n_words]), nodes)
    return table, pairtable.key_filter(keys), parts


def _joined(raw, phrases, lookup, start=0, stop=None, block=BLOCK_TOKENS):
    """The joined stream of tokens start..stop (positions in the whole stream; a start other than
    0 is one of `_segments`' cuts, where the join begins afresh), as (part index, items): int32
    arrays of word indices, phrase ids and LINE_END, in stream order, each belonging to that part
    (views of one buffer, overwritten by the next). The open candidate's tokens (a word, and
    connectors after it) are held back until the tokens after them are known, since those may
    join them; they belong to the part of their first. The line ends at start..stop are those of
    the stream (one at `start` is the segment before's)."""
    table, bits, parts = lookup
    connector = _connector_of(phrases)
    stop = raw.n_tokens if stop is None else stop
    out = np.empty(2 * block + 2, dtype=np.int32)  # the held tokens, and each token and line end
    state = np.array([_in_line_at(raw, start), 0, -1, 0, 0], dtype=np.int64)
    owner, part_start = 0, 0  # the part of the held tokens; where the part begins in the stream
    maps = [mapping.astype(np.int32) for mapping in raw.maps]  # half the cache lines of int64
    for index, part in enumerate(raw.parts):
        part_start, begins = part_start + int(part["tokens"]), part_start
        if part_start < start or begins > stop:
            continue
        lo, hi = max(start - begins, 0), min(stop - begins, int(part["tokens"]))
        word_of, ends = maps[part["map"]], line_ends(raw, part)
        ends = ends[np.searchsorted(ends, lo):np.searchsorted(ends, hi, side="right")]
        read, ends_done = lo, 0
        blocks = id_blocks(raw.path(part["ids"]), block, lo, hi) if hi > lo else iter(())
        for ids in itertools.chain(blocks, [np.zeros(0, dtype=np.int32)]):  # the last: its line ends
            if out.size < state[FILL] + 2 * ids.size + 2:
                out = np.concatenate([out[:state[FILL]], np.empty(2 * ids.size + 2, dtype=np.int32)])
            ends_here = int(np.searchsorted(ends, read + ids.size, side="right"))
            held = int(state[FILL])
            _join(ids, word_of, connector, ends[ends_done:ends_here], read, table.slots, bits, parts.slots,
                  out, state)
            n = int(state[FILL])
            keep = n - int(state[START]) if state[LEFT] >= 0 else 0
            owned = min(int(state[OWNED]), n - keep)
            if owned:
                yield owner, out[:owned]
            if n - keep > owned:
                yield index, out[owned:n - keep]
            if keep:
                owner = owner if held and n - keep == 0 else index
                out[:keep] = out[n - keep:n]
            state[FILL], state[START], state[OWNED] = keep, 0, keep
            read, ends_done = read + ids.size, ends_here
    if state[FILL]:
        yield owner, out[:state[FILL]]


@njit(cache=True, nogil=True)
def _join(ids, word_of, connector, ends, read, slots, bits, parts, out, state):
    """Append a block's tokens to the joined stream `out`.

    A word that is not a connector joins the open candidate into its phrase when the pair
    (left item, word) is one; otherwise it opens the next candidate. A connector extends the
    open candidate while its left part is a phrase's (else the candidate can no longer join),
    and is written as itself. A line end closes the candidate.

    Args:
        ids: int32 (n,), provisional ids of tokens read..read + n of the part. word_of: int32,
            provisional id -> word index. connector: bool (W,), or (1,) False without connector
            words (the word is clamped to its one entry, which stays in the cache).
            ends: int64, the part's line ends in [read, read + n] not yet passed.
            slots, bits: the phrase table's rows and key filter; a pair is looked up only where
            the filter lets it through (most lookups in a table larger than the cache would
            miss it; the filter stays in it). parts: the prefix table's rows.
            out: int32 (>= state[FILL] + 2n + 1,).
        state: int64 (5,): IN_LINE (the current line has a token), FILL (items in out), LEFT
            (the open candidate's left item, -1: none), START (where in out its first token is),
            OWNED (the items, from out's start, that came from the held tokens).
    """
    in_line, n, left, start, owned = state[IN_LINE], state[FILL], state[LEFT], state[START], state[OWNED]
    e, top = 0, connector.size - 1
    for k in range(ids.size):
        while e < ends.size and ends[e] <= read + k:
            if in_line:
                out[n] = LINE_END
                n += 1
            in_line, left = 0, -1
            e += 1
        word = word_of[ids[k]]
        in_line = 1
        if connector[min(word, top)]:
            if left >= 0:
                left = pairtable.lookup(parts, pairtable.pair_key(left, word))
            out[n] = word
            n += 1
            continue
        phrase = -1
        if left >= 0:
            key = pairtable.pair_key(left, word)
            if pairtable.may_hold(bits, key):
                phrase = pairtable.lookup(slots, key)
        if phrase >= 0:
            out[start] = phrase
            n = start + 1
            owned = min(owned, n)
            left = -1
        else:
            out[n] = word
            start = n
            n += 1
            left = word
    while e < ends.size:
        if in_line:
            out[n] = LINE_END
            n += 1
        in_line, left = 0, -1
        e += 1
    state[IN_LINE], state[FILL], state[LEFT], state[START], state[OWNED] = in_line, n, left, start, owned


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

    def __init__(self, directory, n_parts, counts, block=BLOCK_TOKENS):
        self.directory, self.n_parts, self.counts = directory, n_parts, counts
        self.parts, self.files, self.tokens = [], None, 0  # tokens: those of the last part so far
        self.ids = np.empty(2 * block + 2, dtype=np.int32)
        self.ends = np.empty(2 * block + 2, dtype=np.int64)

    def take(self, index, items):
        """Spool items of part `index` (this part or a later one)."""
        while len(self.parts) <= index:
            self._next_part()
        if items.size > self.ids.size:  # held tokens flushed at once can outgrow a block's items
            self.ids = np.empty(items.size, dtype=np.int32)
            self.ends = np.empty(items.size, dtype=np.int64)
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
