"""The corpus reader fastw2v had before its compiled one, kept only as the yardstick that
bench/test_reader.py measures the compiled reader against: chunks of bytes decoded with
replacement and split with ``str.split()`` (a Python str per token), a dict of words, ids
spooled with numpy, encoded with numpy block by block. Its tokens, vocabulary, ids and sentence
cuts are the compiled reader's; the benchmark checks that too.
"""

import bz2
import gzip
import math
import os
import sys
import contextlib
from dataclasses import dataclass

import numpy as np

from fastw2v.corpus import EncodedCorpus, _write_npy_header
from fastw2v.errors import DatasetError
from fastw2v.reader import MAX_TOKEN_BYTES, STDIN

MAX_SENTENCE_WORDS = 10000
CHUNK_BYTES = 1 << 20
NEWLINE, NUL = b"\n", b"\0"
_ASCII_WHITESPACE = (b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")


def _open_binary(path):
    if path == STDIN:
        return os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(os.path.splitext(path)[1], open)
    try:
        return opener(path, "rb")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror or exc})") from exc


def iter_text_chunks(path, chunk_bytes=CHUNK_BYTES, on_bad_utf8=None, byte_range=None, label=None):
    """Yield the decoded text of a file in pieces that never split a token.

    Each piece ends at an ASCII whitespace byte (the bytes after the last one are carried into
    the next piece), so no token and no UTF-8 character is cut in two. Bytes that are not UTF-8
    become U+FFFD, and each piece that holds some calls ``on_bad_utf8(label, line)`` (or None).

    Args:
        byte_range: None (the whole file; ``.gz``, ``.bz2`` and ``-`` too), or (start, stop):
            bytes [start, stop) of a plain file, its lines counted from `start`.
        label: how messages name the input (default: the path).
    Raises:
        DatasetError: a NUL byte (binary data, or UTF-16 text), more than `MAX_TOKEN_BYTES`
            without whitespace, or a failed read; the message names the input and line.
    """
    label = path if label is None else label
    carry, line = b"", 1
    with _open_range(path, byte_range, label) as (handle, remaining):
        while remaining > 0:
            block = _read_block(handle, label, min(chunk_bytes, remaining))
            if not block:
                break
            remaining -= len(block)
            _refuse_binary(block, label, line)  # the carry holds no newline
            block = carry + block
            cut = max(block.rfind(byte) for byte in _ASCII_WHITESPACE)
            carry = block[cut + 1:]
            if len(carry) > MAX_TOKEN_BYTES:
                where = line + block.count(NEWLINE, 0, cut + 1)
                raise DatasetError(f"{label}:{where}: more than {MAX_TOKEN_BYTES:,} bytes without "
                                   "whitespace: not a text corpus")
            if cut >= 0:
                yield _decode(block[:cut + 1], label, line, on_bad_utf8)
                line += block.count(NEWLINE, 0, cut + 1)
    if carry:
        yield _decode(carry, label, line, on_bad_utf8)


@contextlib.contextmanager
def _open_range(path, byte_range, label):
    """(binary handle at the range's start, bytes to read: unbounded for a whole file)."""
    if byte_range is None:
        with _open_binary(path) as handle:
            yield handle, math.inf
        return
    start, stop = byte_range
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise DatasetError(f"{label}: cannot open ({exc.strerror or exc})") from exc
    with handle:
        handle.seek(start)
        yield handle, stop - start


def _read_block(handle, path, size):
    try:
        return handle.read(size)
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path}: read failed ({exc})") from exc


def _refuse_binary(block, path, line):
    nul = block.find(NUL)
    if nul >= 0:
        where = line + block.count(NEWLINE, 0, nul)
        raise DatasetError(f"{path}:{where}: a NUL byte: binary data (or UTF-16 text), not the "
                           "UTF-8 text fastw2v reads")


def _decode(raw, path, line, on_bad_utf8):
    """raw as text, bytes that are not UTF-8 as U+FFFD; calls on_bad_utf8(path, line of the first
    such byte) when there are some."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if on_bad_utf8 is not None:
            on_bad_utf8(path, line + raw.count(NEWLINE, 0, exc.start))
        return raw.decode("utf-8", errors="replace")


def iter_token_batches(paths, chunk_bytes=CHUNK_BYTES, on_bad_utf8=None):
    """Yield (tokens, line_ends) per chunk of the files: a list of str, and the token counts at
    which a line ended (sentence boundaries), ascending. A file's end ends a line.

    on_bad_utf8: called as ``on_bad_utf8(path, line)`` once, for the first bytes of the whole
    input that are not UTF-8 (they are read as U+FFFD), or None.
    """
    reported = []

    def report_once(path, line):
        if not reported and on_bad_utf8 is not None:
            reported.append(path)
            on_bad_utf8(path, line)

    for path in paths:
        yield from iter_chunk_batches(iter_text_chunks(path, chunk_bytes, report_once))


def iter_chunk_batches(chunks):
    """(tokens, line_ends) of each text piece of one input (`iter_text_chunks`), then the
    input's end, which ends a line: ([], [0])."""
    for text in chunks:
        tokens, line_ends = [], []
        lines = text.split("\n")
        for number, line in enumerate(lines):
            tokens.extend(line.split())
            if number < len(lines) - 1:
                line_ends.append(len(tokens))
        yield tokens, line_ends
    yield [], [0]


@dataclass(frozen=True, eq=False)
class RawCorpus:
    """A corpus read once: every token as a provisional id (ids in order of first appearance).

    Attributes:
        words: list of str, the provisional id's word.
        counts: int64 array (len(words),), each word's count.
        ids_path: file of int32 provisional ids, one per token (raw bytes, native order).
        ends_path: file of int64 token positions where a line ended, ascending, no repeats.
    """

    words: list
    counts: np.ndarray
    ids_path: str
    ends_path: str

    @property
    def n_tokens(self):
        return int(self.counts.sum())

    def word_counts(self):
        """dict str -> int."""
        return dict(zip(self.words, self.counts.tolist()))

    def ids(self):
        """The provisional ids, memory-mapped: int32 (n_tokens,)."""
        return _map_raw(self.ids_path, np.int32)

    def line_ends(self):
        """The line ends, memory-mapped: int64, ascending."""
        return _map_raw(self.ends_path, np.int64)


def _map_raw(path, dtype):
    if os.path.getsize(path) == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def _detached(word):
    """A fresh copy of `word`. A kept word that still lived among the batch's strings would pin
    their memory pools after the batch is gone: the heap would grow with the corpus."""
    return (word + " ")[:-1]


def read(batches, directory):
    """Read a batch stream once: count the words and spool provisional ids and line ends to
    ``directory``; the memory held stays O(vocabulary) whatever the corpus size.

    Only words never seen before cost Python work; the rest is C-level set, dict and numpy
    operations, so this runs at the speed of splitting the text.

    Returns:
        RawCorpus.
    """
    index, words = {}, []
    counts = np.zeros(0, dtype=np.int64)
    position, last_end = 0, 0
    ids_path = os.path.join(directory, "raw-ids.bin")
    ends_path = os.path.join(directory, "raw-ends.bin")
    with open(ids_path, "wb") as id_spool, open(ends_path, "wb") as end_spool:
        for tokens, line_ends in batches:
            for word in set(tokens).difference(index):
                word = _detached(word)
                index[word] = len(words)
                words.append(word)
            ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
            id_spool.write(ids.tobytes())
            batch_counts = np.bincount(ids, minlength=len(words))
            counts = np.concatenate([counts, np.zeros(len(words) - counts.size, dtype=np.int64)])
            counts += batch_counts
            ends = np.unique(position + np.asarray(line_ends, dtype=np.int64))
            ends = ends[ends > last_end]  # empty lines end nothing new
            end_spool.write(ends.tobytes())
            last_end = int(ends[-1]) if ends.size else last_end
            position += len(tokens)
    return RawCorpus(words=words, counts=counts, ids_path=ids_path, ends_path=ends_path)


def encode(raw, index, directory, max_sentence_words=MAX_SENTENCE_WORDS, block=1 << 18):
    """Map a raw corpus to vocabulary ids into ``directory/ids.npy`` and ``offsets.npy``, and open it.

    Tokens whose word is not in `index` are dropped; line ends become sentence boundaries, and
    longer sentences are cut at `max_sentence_words`. Both files are written block by block with
    plain reads and writes, so the memory this pass holds is one block whatever the corpus size.

    Args:
        raw: RawCorpus. index: dict str -> vocabulary id. directory: an existing folder.
    Returns:
        EncodedCorpus (ids and offsets memory-mapped).
    """
    table = np.fromiter((index.get(word, -1) for word in raw.words), dtype=np.int32, count=len(raw.words))
    kept_total = int(raw.counts[table >= 0].sum())
    line_ends = raw.line_ends()
    bounds_path = os.path.join(directory, "bounds.bin")
    with open(raw.ids_path, "rb") as source, open(os.path.join(directory, "ids.npy"), "wb") as target, \
            open(bounds_path, "wb") as bounds_file:
        _write_npy_header(target, np.int32, kept_total)
        bounds = _BoundaryWriter(bounds_file, max_sentence_words)
        start = kept = 0
        while True:
            raw_block = np.fromfile(source, dtype=np.int32, count=block)
            if raw_block.size == 0:
                break
            mapped = table[raw_block]
            known = mapped >= 0
            kept_here = np.cumsum(known, dtype=np.int64)
            target.write(mapped[known].tobytes())
            # A line that ends after raw token p (p in this block) ends after the kept tokens before it.
            lo = np.searchsorted(line_ends, start + 1, side="left")
            hi = np.searchsorted(line_ends, start + raw_block.size, side="right")
            bounds.add(kept + kept_here[line_ends[lo:hi] - start - 1])
            kept += int(kept_here[-1])
            start += raw_block.size
        bounds.add(np.array([kept_total], dtype=np.int64))
        n_bounds = bounds.written
    _raw_to_npy(bounds_path, os.path.join(directory, "offsets.npy"), np.int64, n_bounds)
    return EncodedCorpus.load(directory)


class _BoundaryWriter:
    """Writes ascending sentence boundaries (int64) to a file as they come, starting with 0:
    repeats (empty sentences) dropped, sentences longer than `max_len` cut every `max_len` words."""

    def __init__(self, handle, max_len):
        self.handle, self.max_len = handle, max_len
        self.last = 0
        self.written = 1
        handle.write(np.zeros(1, dtype=np.int64).tobytes())

    def add(self, ends):
        """ends: int64 array, ascending, none below the last one added."""
        bounds = _sentence_offsets(np.concatenate([[self.last], ends]), self.max_len)[1:]
        if bounds.size:
            self.handle.write(bounds.tobytes())
            self.written += bounds.size
            self.last = int(bounds[-1])


def _sentence_offsets(ends, max_len):
    """Sorted, de-duplicated sentence boundaries with every sentence cut to at most max_len words."""
    bounds = np.unique(ends)
    too_long = np.nonzero(np.diff(bounds) > max_len)[0]
    extra = [np.arange(bounds[i] + max_len, bounds[i + 1], max_len) for i in too_long]
    return np.unique(np.concatenate([bounds] + extra)).astype(np.int64)


def _raw_to_npy(raw_path, npy_path, dtype, length, block=1 << 20):
    """Copy a raw array file of `length` items into a .npy file, block by block; remove the raw file."""
    itemsize = np.dtype(dtype).itemsize
    with open(raw_path, "rb") as source, open(npy_path, "wb") as target:
        _write_npy_header(target, dtype, length)
        while True:
            chunk = source.read(block * itemsize)
            if not chunk:
                break
            target.write(chunk)
    os.remove(raw_path)
