"""Compiled encoders and decoders for the rows of word2vec files, used by `fastw2v.formats`
(each number through `fastw2v.numtext`).

- `format_text_rows` writes text lines ``word n1 ... nD``, the numbers as Python's ``%.9g``
  (float32 values) or ``%.17g`` (float64) gives them; a row with a number too close to a
  rounding tie, or out of the compiled range, is left to Python.
- `scan_text_rows` reads such lines, the numbers to the float32 numpy gives. A number in
  another syntax or out of the exact parsing's range (``inf``, ``1_0``, ``1e-30``), or a wrong
  count, stops the scan at that line, for Python to read it and give its error.
- `scan_binary_rows` and `pack_binary_rows` read and write the C tool's binary rows.
- `write_text_rows`, `write_binary_rows`, `python_line` and `scan` are their Python side:
  chunking, threads, the rows Python writes, and views of memory-mapped files.

Words travel as UTF-8 bytes, each followed by a space (a word never holds one): the readers
copy them into such a buffer, the writers take one with the start of each word.
"""

import collections
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from fastw2v.jit import njit
from fastw2v.intrinsics import get_unchecked, put_unchecked
from fastw2v.numtext import IS_SPACE, POWERS, format_number, parse_number

# Why a scan returned: the rows are done or the data ended; the word buffers are full (call
# again); the line or row at the returned position needs Python.
DONE, FULL, STOPPED = 0, 1, 2
_OUT_BYTES = 1 << 20  # the writers' buffer (each of the text writer's three); more is no faster


@njit(cache=True, nogil=True)
def format_text_rows(vectors, digits, words, word_starts, first, out, line_starts, margin, powers):
    """Write text lines ``word n1 ... nD\\n`` for the rows of a chunk.

    Args:
        vectors: float64 (R, D), the chunk's rows (float32 ones converted: exactly, and one
            compiled version for both). digits: 9 or 17.
        margin: extra relative margin around ties (0.0; tests raise it).
        words: uint8, every word followed by a space; word i starts at word_starts[i] and
            ends a byte before word_starts[i + 1] (int64, V + 1). first: word index of row 0.
        out: uint8, at least sum of word bytes + R * (D * (digits + 8) + 1) long.
        line_starts: int64 (R + 1), filled with where each line starts in out, and the end.
    Returns:
        The bytes written. A row left to Python is written as nothing (line_starts[r] ==
        line_starts[r + 1]).
    """
    pos = 0
    for r in range(vectors.shape[0]):
        line_starts[r] = pos
        for i in range(word_starts[first + r], word_starts[first + r + 1] - 1):
            put_unchecked(out, pos, words[i])
            pos += 1
        for j in range(vectors.shape[1]):
            put_unchecked(out, pos, 32)
            pos = format_number(out, pos + 1, vectors[r, j], digits, margin, powers)
            if pos < 0:
                break
        if pos < 0:
            pos = line_starts[r]
        else:
            put_unchecked(out, pos, 10)
            pos += 1
    line_starts[vectors.shape[0]] = pos
    return pos



@njit(cache=True, nogil=True)
def _skip_blanks(data, i):
    """The first index from i that is not whitespace other than a newline."""
    while i < data.size and get_unchecked(data, i) != 10 and IS_SPACE[get_unchecked(data, i)]:
        i += 1
    return i


@njit(cache=True, nogil=True)
def scan_text_rows(data, pos, limit, vectors, row, words, word_ends):
    """Parse text lines ``word n1 ... nD`` from data[pos:] into vectors[row:].

    Args:
        data: uint8, the file. limit: the longest line accepted, newline included (bytes).
        vectors: float32 (V, D), filled from row `row` on.
        words: uint8 buffer receiving each line's word and a space; word_ends: int64, where each
            word ends in it. The scan stops when either is full.
    Returns:
        (pos, count, why): where the scan stopped, the lines (= rows) read, and DONE, FULL or
        STOPPED (the line at pos is not in the fast path's syntax: Python reads it).
    """
    n, dim = data.size, vectors.shape[1]
    count, filled = 0, 0
    while row < vectors.shape[0]:
        if pos >= n:
            return pos, count, DONE
        i = _skip_blanks(data, pos)
        word = i
        while i < n and not IS_SPACE[get_unchecked(data, i)]:
            i += 1
        word_bytes = i - word
        if word_bytes == 0:
            return pos, count, STOPPED
        for j in range(dim):
            i = _skip_blanks(data, i)
            if i >= n or get_unchecked(data, i) == 10:
                return pos, count, STOPPED
            value, i, ok = parse_number(data, i)
            if not ok:
                return pos, count, STOPPED
            vectors[row, j] = value
        i = _skip_blanks(data, i)
        if i < n and get_unchecked(data, i) != 10:
            return pos, count, STOPPED
        end = min(i + 1, n)
        if end - pos > limit or (end - pos == limit and get_unchecked(data, end - 1) != 10):
            return pos, count, STOPPED
        if filled + word_bytes + 1 > words.size or count == word_ends.size:
            return pos, count, FULL
        for i in range(word, word + word_bytes):
            put_unchecked(words, filled, get_unchecked(data, i))
            filled += 1
        word_ends[count] = filled
        put_unchecked(words, filled, 32)
        filled += 1
        count += 1
        row += 1
        pos = end
    return pos, count, DONE


@njit(cache=True, nogil=True)
def scan_binary_rows(data, pos, max_word, rows, row, words, word_ends, row_starts):
    """Read binary rows (newlines, a word, a space, D float32) from data[pos:] into rows[row:].

    Args:
        data: uint8, the file. max_word: the longest word accepted (bytes).
        rows: uint8 (V, 4 D), the float32 bytes of each row as stored.
        words, word_ends: as in `scan_text_rows`; row_starts: int64 (like word_ends), where
            each row's word starts in data.
    Returns:
        (pos, count, why) as `scan_text_rows`; STOPPED: the row at pos is damaged.
    """
    n, width = data.size, rows.shape[1]
    count, filled = 0, 0
    while row < rows.shape[0]:
        while pos < n and get_unchecked(data, pos) == 10:  # the C tool's row end
            pos += 1
        space, last = pos, min(n, pos + max_word + 1)
        while space < last and get_unchecked(data, space) != 32:
            space += 1
        if space == pos or space == last or space + 1 + width > n:
            return pos, count, STOPPED
        word_bytes = space - pos
        if filled + word_bytes + 1 > words.size or count == word_ends.size:
            return pos, count, FULL
        words[filled:filled + word_bytes + 1] = data[pos:space + 1]
        filled += word_bytes
        word_ends[count] = filled
        filled += 1
        row_starts[count] = pos
        rows[row] = data[space + 1:space + 1 + width]
        count += 1
        row += 1
        pos = space + 1 + width
    return pos, count, DONE


@njit(cache=True, nogil=True)
def pack_binary_rows(rows, words, word_starts, first, out):
    """Write binary rows (a word, a space, the row's bytes, a newline) into out (uint8).

    rows: uint8 (R, 4 D), little-endian float32 bytes; words, word_starts, first: as in
    `format_text_rows`. Returns the bytes written.
    """
    pos = 0
    for r in range(rows.shape[0]):
        start, end = word_starts[first + r], word_starts[first + r + 1]
        out[pos:pos + end - start] = words[start:end]  # the word and the space after it
        pos += end - start
        out[pos:pos + rows.shape[1]] = rows[r]
        pos += rows.shape[1]
        out[pos] = 10
        pos += 1
    return pos


def write_text_rows(handle, words, vectors, joined, starts, margin=0.0):
    """Write the text lines of `vectors` (V, D) to the binary file `handle`, chunk by chunk:
    up to two threads format the next chunks while this one writes (the kernel holds no GIL).

    Args:
        words: the V str (for the rows Python writes). joined, starts: the words' bytes, as
            `format_text_rows` takes them.
        vectors: float32 -> ``%.9g``; float16 or float64 -> ``%.17g`` of the float64 value;
            any other dtype -> written by Python as ``%.17g``.
        margin: see `format_text_rows`.
    """
    if vectors.dtype.kind != "f" or vectors.dtype.itemsize > 8:
        per_chunk = max(1, _OUT_BYTES // (18 * vectors.shape[1]))
        for first in range(0, len(vectors), per_chunk):
            rows = vectors[first:first + per_chunk]
            handle.write(b"".join(python_line(word, row, 17) for word, row in zip(words[first:], rows)))
        return
    digits = 9 if vectors.dtype == np.float32 else 17
    per_chunk = max(1, _OUT_BYTES // (vectors.shape[1] * (digits + 8)))
    firsts = range(0, len(vectors), per_chunk)
    workers = min(2, os.cpu_count() or 1, len(firsts))
    # Chunk i goes to buffer i % (workers + 1): the one written is never one being formatted.
    buffers = [[np.empty(0, dtype=np.uint8), np.empty(per_chunk + 1, dtype=np.int64)]
               for _ in range(workers + 1)]

    def format_chunk(index):
        first, buffer = firsts[index], buffers[index % len(buffers)]
        chunk = np.ascontiguousarray(vectors[first:first + per_chunk], dtype=np.float64)
        buffer[0] = _big_enough(buffer[0], starts[first + len(chunk)] - starts[first]
                                + chunk.size * (digits + 8) + len(chunk))
        return format_text_rows(chunk, digits, joined, starts, first, buffer[0], buffer[1], margin, POWERS)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = collections.deque(pool.submit(format_chunk, index) for index in range(workers))
        for index, first in enumerate(firsts):
            end = pending.popleft().result()
            if index + workers < len(firsts):
                pending.append(pool.submit(format_chunk, index + workers))
            out, line_starts = buffers[index % len(buffers)]
            rows = vectors[first:first + per_chunk]
            written = 0
            for r in np.flatnonzero(line_starts[1:len(rows) + 1] == line_starts[:len(rows)]):
                handle.write(out[written:line_starts[r]])
                handle.write(python_line(words[first + r], rows[r], digits))
                written = line_starts[r]
            handle.write(out[written:end])


def python_line(word, row, digits):
    """One text line as Python's ``%`` writes it (``%.{digits}g`` numbers): UTF-8 bytes."""
    return (("%s " + " ".join([f"%.{digits}g"] * len(row)) + "\n") % (word, *row.tolist())).encode("utf-8")


def write_binary_rows(handle, rows, joined, starts):
    """Write binary rows to the binary file `handle`, chunk by chunk.

    rows: little-endian float32 (V, D), C-contiguous; joined, starts: as `format_text_rows`.
    """
    row_bytes = rows.view(np.uint8)
    per_chunk = max(1, _OUT_BYTES // row_bytes.shape[1])
    out = np.empty(0, dtype=np.uint8)
    for first in range(0, len(rows), per_chunk):
        chunk = row_bytes[first:first + per_chunk]
        out = _big_enough(out, starts[first + len(chunk)] - starts[first] + chunk.size + len(chunk))
        handle.write(out[:pack_binary_rows(chunk, joined, starts, first, out)])


def scan(kernel, data, *args):
    """Call `kernel` (a scanner above) on the bytes of the mmap `data`, keeping no view of them:
    an mmap cannot close while one lives, and a traceback would keep one alive."""
    view = np.frombuffer(data, dtype=np.uint8)
    try:
        return kernel(view, *args)
    finally:
        del view


def _big_enough(buffer, size):
    """`buffer` (uint8) if it holds `size` bytes, else a new one that does."""
    return buffer if buffer.size >= size else np.empty(int(size), dtype=np.uint8)
