"""The compiled tokenizer: UTF-8 bytes -> word ids in a `fastw2v.wordtable`, line ends, and what
is wrong with the text.

It splits exactly where Python's ``bytes.decode("utf-8", "replace").split("\\n")`` then
``line.split()`` would: a token is a maximal run of bytes that are not whitespace, whitespace
being every code point for which ``str.isspace()`` holds (the ASCII ones, and U+0085, U+00A0,
U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and U+3000 in their UTF-8 form); only
``\\n`` ends a line. Bytes that are not UTF-8 stay in their token (the vocabulary decodes a
token's bytes with U+FFFD for them); the line of the first one is reported. A whitespace
sequence always starts at a lead byte, which no earlier sequence can claim, so matching them
byte by byte gives the decoder's answer even next to bytes that are not UTF-8.

`scan` keeps its progress in a state array (the indices below), so one piece of text can be
scanned buffer by buffer and a scan stopped by a full table goes on where it stopped.
"""

import numpy as np

from fastw2v.jit import njit
from fastw2v.intrinsics import load_u64, prefetch_element
from fastw2v.wordtable import (ARENA, COUNT, EMPTY, ID_BITS, INFO, KEY, SHORT_BYTES, START, WORDS,
                               finish_key, long_step)

# Byte classes.
TOKEN_BYTE, SPACE, NEWLINE, NUL, HIGH = 0, 1, 2, 3, 4
BYTE_CLASS = np.zeros(256, dtype=np.uint8)
BYTE_CLASS[list(b" \t\r\x0b\x0c\x1c\x1d\x1e\x1f")] = SPACE
BYTE_CLASS[ord("\n")] = NEWLINE
BYTE_CLASS[0] = NUL
BYTE_CLASS[0x80:] = HIGH
# LOW_BYTES[n]: the mask of a uint64's n low bytes (n = 1..8).
LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
# Where a buffer may be cut: ASCII whitespace that ends a token whatever follows it.
CUT_BYTES = b" \t\n\r\x0b\x0c"

# Indices into the state array (int64, STATE_SIZE): counts over the piece so far, and results.
TOKENS = 0       # tokens scanned
LINES = 1        # newlines scanned
LAST_END = 2     # token count at the last line end written (-1: none yet)
BAD_LINE = 3     # LINES when the first byte that is not UTF-8 was met (-1: none)
N_IDS = 4        # ids written into the ids buffer by this call (the caller empties it)
N_ENDS = 5       # line ends written into the ends buffer by this call
STOP = 6         # why the last call stopped: DONE, TABLE_FULL or FOUND_NUL
STATE_SIZE = 7
DONE, TABLE_FULL, FOUND_NUL = 0, 1, 2
# Tokens read before their lookups: a rare word's index row is a cache miss, as long as reading
# several tokens, so its line is asked for that long before it is needed.
LOOKUP_BATCH = 32


def new_state():
    """A state array for a piece not yet scanned."""
    state = np.zeros(STATE_SIZE, dtype=np.int64)
    state[LAST_END] = state[BAD_LINE] = -1
    return state


def buffer_capacity(nbytes):
    """The ids (and ends) buffer length that one call over `nbytes` bytes can fill."""
    return nbytes // 2 + 2


@njit(cache=True, nogil=True)
def _space_length(data, i, hi):
    """Bytes of the multi-byte whitespace character at data[i] (a byte >= 0x80), or 0."""
    b = data[i]
    if b == 0xC2:
        if i + 1 < hi and (data[i + 1] == 0x85 or data[i + 1] == 0xA0):
            return 2
    elif b == 0xE2:
        if i + 2 < hi:
            b1, b2 = data[i + 1], data[i + 2]
            if b1 == 0x80 and ((0x80 <= b2 <= 0x8A) or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF):
                return 3
            if b1 == 0x81 and b2 == 0x9F:
                return 3
    elif b == 0xE1:
        if i + 2 < hi and data[i + 1] == 0x9A and data[i + 2] == 0x80:
            return 3
    elif b == 0xE3:
        if i + 2 < hi and data[i + 1] == 0x80 and data[i + 2] == 0x80:
            return 3
    return 0


@njit(cache=True, nogil=True)
def _continues(data, i, hi, low, high):
    return i < hi and low <= data[i] <= high


@njit(cache=True, nogil=True)
def _utf8_length(data, i, hi):
    """Bytes of the well-formed UTF-8 sequence that starts at data[i] (a byte >= 0x80), or 0
    when none does (a stray continuation byte, an overlong form, a surrogate, a code point past
    U+10FFFF, or a sequence cut short), as Python's strict decoder decides."""
    b = data[i]
    if b < 0xC2 or b > 0xF4:
        return 0
    if b < 0xE0:
        return 2 if _continues(data, i + 1, hi, 0x80, 0xBF) else 0
    if b < 0xF0:
        low = 0xA0 if b == 0xE0 else 0x80
        high = 0x9F if b == 0xED else 0xBF
        if _continues(data, i + 1, hi, low, high) and _continues(data, i + 2, hi, 0x80, 0xBF):
            return 3
        return 0
    low = 0x90 if b == 0xF0 else 0x80
    high = 0x8F if b == 0xF4 else 0xBF
    if (_continues(data, i + 1, hi, low, high) and _continues(data, i + 2, hi, 0x80, 0xBF)
            and _continues(data, i + 3, hi, 0x80, 0xBF)):
        return 4
    return 0


@njit(cache=True, nogil=True)
def scan(data, lo, hi, table, ids, ends, state):
    """Tokenize data[lo:hi] into `table` (each token counted once), writing the tokens' ids.

    The caller cuts buffers only at `CUT_BYTES`, so no token or character crosses `hi`.

    Args:
        data: uint8 array. table: WordTable (grown in place, never reallocated here).
        ids: int32 (at least buffer_capacity(hi - lo),): gets the tokens' word ids.
        ends: int64, as long: gets the piece's token counts at which a line ended (a newline
            after at least one token since the last one written).
        state: int64 (STATE_SIZE,), see the module's indices; N_IDS and N_ENDS restart at 0.
    Returns:
        int, where the scan stopped: `hi`; or, when the table has no room for a batch's worst
        case (every token new: `_scan`), the end of the last token counted or the start of the
        token whose bytes do not fit (state[STOP] = TABLE_FULL: reserve room, then scan from
        there; a table exactly full of words grows then, even if no new word follows); or a NUL
        byte (FOUND_NUL; state[LINES] is its line).
    """
    slots, keys, hashes, starts, lengths, arena, sizes = table
    return _scan(data, lo, hi, slots, keys, hashes, starts, lengths, arena, sizes, ids, ends, state)


@njit(cache=True, nogil=True)
def _scan(data, lo, hi, slots, keys, hashes, starts, lengths, arena, sizes, ids, ends, state):
    """`scan`, on the table's arrays, a batch of up to LOOKUP_BATCH tokens at a time: the batch
    is read (each token's index row prefetched as soon as its hash is known), then looked up in
    token order, so that a rare word's row, a cache miss, arrives while the tokens after it are
    read, and ids are given in order of first occurrence as one token at a time would. A batch
    holds no more tokens and bytes than the table has room for, so its lookups never fill it; a
    table with no room at all stops the scan (TABLE_FULL) where the next batch would start."""
    tokens, lines, last_end, bad_line = state[TOKENS], state[LINES], state[LAST_END], state[BAD_LINE]
    mask = slots.shape[0] - 1
    n_ids = n_ends = 0
    stop = DONE
    batch_start = np.empty(LOOKUP_BATCH, dtype=np.int64)
    batch_length = np.empty(LOOKUP_BATCH, dtype=np.int64)
    batch_slot = np.empty(LOOKUP_BATCH, dtype=np.int64)
    batch_key = np.empty(LOOKUP_BATCH, dtype=np.uint64)
    batch_hash = np.empty(LOOKUP_BATCH, dtype=np.uint64)
    i = lo
    more = True
    while more:
        room_words = min(LOOKUP_BATCH, keys.size - sizes[WORDS])
        room_bytes = arena.size - sizes[ARENA]
        n = 0
        while n < room_words:
            # To the next token's start, through whitespace and line ends.
            while i < hi:
                kind = BYTE_CLASS[data[i]]
                if kind == SPACE:
                    i += 1
                elif kind == NEWLINE:
                    if tokens != last_end:
                        ends[n_ends] = tokens
                        n_ends += 1
                        last_end = tokens
                    lines += 1
                    i += 1
                elif kind == HIGH:
                    width = _space_length(data, i, hi)
                    if width == 0:
                        break
                    i += width
                else:
                    break
            # The token's bytes: to its end, then its key.
            start = i
            before_bad = bad_line
            while i < hi:
                b = data[i]
                if 32 < b < 128:  # most bytes: ASCII letters, digits and punctuation
                    i += 1
                    continue
                kind = BYTE_CLASS[b]
                if kind == TOKEN_BYTE:
                    i += 1
                elif kind == HIGH:
                    if _space_length(data, i, hi):
                        break
                    width = _utf8_length(data, i, hi)
                    if width == 0:
                        width = 1
                        if bad_line < 0:
                            bad_line = lines
                    i += width
                else:
                    break
            if i < hi and BYTE_CLASS[data[i]] == NUL:
                stop, more = FOUND_NUL, False
                break
            if i == start:  # the end of the text
                more = False
                break
            if i - start > room_bytes:  # read again once the table has grown
                i, bad_line = start, before_bad
                break
            room_bytes -= i - start
            # The key, as `wordtable.key_of` packs it, 8 bytes a load where the array allows.
            h = np.uint64(0)
            j = start
            if i + 8 <= data.size:
                while i - j > 8:
                    h = long_step(h, load_u64(data, j))
                    j += 8
                packed = load_u64(data, j) & LOW_BYTES[i - j]
            else:
                packed, shift = np.uint64(0), 0
                for k in range(start, i):
                    if shift == 64:
                        h = long_step(h, packed)
                        packed, shift = np.uint64(0), 0
                    packed |= np.uint64(data[k]) << np.uint64(shift)
                    shift += 8
            key, h = finish_key(h, packed, i - start)
            slot = np.int64(h & np.uint64(mask))
            prefetch_element(slots, slot, 0)
            batch_start[n], batch_length[n], batch_slot[n] = start, i - start, slot
            batch_key[n], batch_hash[n] = key, h
            n += 1
            tokens += 1
        if n == 0 and more and stop == DONE:  # no room for the next token
            stop = TABLE_FULL
            break
        _look_up_batch(data, batch_start, batch_length, batch_slot, batch_key, batch_hash, n, slots,
                       keys, hashes, starts, lengths, arena, sizes, ids, n_ids)
        n_ids += n
    state[TOKENS], state[LINES], state[LAST_END], state[BAD_LINE] = tokens, lines, last_end, bad_line
    state[N_IDS], state[N_ENDS], state[STOP] = n_ids, n_ends, stop
    return i


@njit(cache=True, nogil=True, inline="always")
def _look_up_batch(data, batch_start, batch_length, batch_slot, batch_key, batch_hash, n, slots, keys,
                   hashes, starts, lengths, arena, sizes, ids, at):
    """Each of a batch's n tokens counted in the table (a new word added: the caller saw to the
    room), its id written to ids[at + k], in token order. The lookup is `wordtable._merge`'s,
    written out in both: a call per token with array arguments costs reference counting (it made
    the scan 3-4x slower); this one is called once a batch."""
    mask = slots.shape[0] - 1
    for k in range(n):
        p_start, length, q = batch_start[k], batch_length[k], batch_slot[k]
        skey, w = np.int64(batch_key[k]), -1
        while True:
            info = slots[q, INFO]
            if info == EMPTY:
                break
            if slots[q, KEY] == skey and (info >> 32) == length:
                same = True
                if length > SHORT_BYTES:
                    word_at = slots[q, START]
                    for b in range(length):
                        if arena[word_at + b] != data[p_start + b]:
                            same = False
                            break
                if same:
                    w = info & ID_BITS
                    slots[q, COUNT] += 1
                    break
            q = (q + 1) & mask
        if w < 0:
            w, used = sizes[WORDS], sizes[ARENA]
            keys[w], hashes[w], starts[w], lengths[w] = batch_key[k], batch_hash[k], used, length
            for b in range(length):
                arena[used + b] = data[p_start + b]
            sizes[WORDS], sizes[ARENA] = w + 1, used + length
            slots[q, KEY], slots[q, INFO], slots[q, COUNT], slots[q, START] = \
                skey, w | (length << 32), 1, used
        ids[at + k] = w


@njit(cache=True, nogil=True)
def end_line(ends, state):
    """The end of the piece ends a line (a file's end): writes it as `scan` writes line ends.
    Returns the number of ends written into `ends` (0 or 1)."""
    if state[TOKENS] != state[LAST_END]:
        ends[0] = state[TOKENS]
        state[LAST_END] = state[TOKENS]
        return 1
    return 0


@njit(cache=True, nogil=True)
def _is_cut(b):
    """Whether byte b is one of `CUT_BYTES`."""
    return b == 32 or b == 10 or b == 9 or b == 13 or b == 11 or b == 12


@njit(cache=True, nogil=True)
def last_cut(data, lo, hi):
    """The index of the last byte in data[lo:hi] that is one of `CUT_BYTES`, or -1."""
    for i in range(hi - 1, lo - 1, -1):
        if _is_cut(data[i]):
            return i
    return -1


@njit(cache=True, nogil=True)
def first_cut(data, lo, hi):
    """The index of the first byte in data[lo:hi] that is one of `CUT_BYTES`, or -1."""
    for i in range(lo, hi):
        if _is_cut(data[i]):
            return i
    return -1


@njit(cache=True, nogil=True)
def find_nul(data, lo, hi):
    """The index of the first NUL byte in data[lo:hi], or -1."""
    for i in range(lo, hi):
        if data[i] == 0:
            return i
    return -1

