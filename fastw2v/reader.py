"""Reading a corpus once: files -> pieces -> compiled tokenizer on every thread -> word counts and
provisional ids spooled to disk (`RawCorpus`).

A plain file larger than a piece is cut into byte ranges at whitespace (a range's end is not a
line's end); compressed files and standard input are read whole, as streams. Each thread takes
the next piece, reads it buffer by buffer into one preallocated buffer and tokenizes it into its
own word table (`fastw2v.textscan`), spooling the piece's ids (int32, ids of the thread's table)
and line ends (int64 token counts) to two files. The tables are then merged and their words
decoded once; the result, up to the order of the provisional ids, does not depend on the number
of threads, and neither does anything built from it. Memory: one buffer and one table per thread,
O(vocabulary + buffers) whatever the corpus size.

Each piece also keeps its words' counts (what its thread's table gained while reading it), within
PIECE_COUNTS_BYTES split evenly among the threads: the encoder then knows how many of a piece's
tokens it keeps, so where each piece's ids go in the encoded corpus, without reading the spool an
extra time.

Python sentences (lists of str) take another road into the same `RawCorpus`
(`fastw2v.rawcorpus.read_sentences`).
"""

import bz2
import contextlib
import gzip
import os
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from fastw2v import textscan, wordtable
from fastw2v.rawcorpus import RawCorpus
from fastw2v.threadpool import on_threads
from fastw2v.errors import DatasetError, InputWarning

STDIN = "-"
CHUNK_BYTES = 1 << 20
MAX_TOKEN_BYTES = 1 << 20  # longer runs without whitespace are refused: not text
FIRST_LOOK_BYTES = 1 << 16  # read past a cut mark to find whitespace; more only for a long run
MIN_PIECE_BYTES = 4 << 20
MAX_PIECE_BYTES = 64 << 20
# Each piece is the bytes still to plan over SHARE_DIVISOR·threads: pieces shrink towards the
# end, so that a thread slowed for a while (a shared host) leaves the others a short wait at the end.
SHARE_DIVISOR = 2
PIECE_COUNTS_BYTES = 64 << 20  # for the pieces' word counts, split evenly among the threads
FIRST_TABLE_WORDS, FIRST_TABLE_BYTES = 1 << 15, 1 << 18  # a thread's table at first; it grows
COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open}
NUL_MESSAGE = "a NUL byte: binary data (or UTF-16 text), not the UTF-8 text fastw2v reads"


def input_files(inputs):
    """The files a list of inputs names: a file as given, a directory as every file directly in
    it (sorted by name, hidden files skipped), ``-`` as standard input.

    Raises:
        DatasetError: a path that does not exist, or a directory with no file in it.
    """
    files = []
    for path in map(os.fspath, inputs):
        if path == STDIN or os.path.isfile(path):
            files.append(path)
        elif os.path.isdir(path):
            inside = sorted(os.path.join(path, name) for name in os.listdir(path) if not name.startswith("."))
            inside = [name for name in inside if os.path.isfile(name)]
            if not inside:
                raise DatasetError(f"{path}: directory has no files to read")
            files.extend(inside)
        else:
            raise DatasetError(f"{path}: no such file or directory")
    return files


@dataclass(frozen=True)
class Piece:
    """A part of the input read by one thread in one go.

    Attributes:
        path: a file, or ``-``. start, stop: bytes [start, stop) of a plain file (stop: its size
            when the reading was planned), or 0 and None for a stream (compressed, standard input).
        ends_line: whether the piece's end ends a line (a file's end; not a cut inside a file).
        label: how messages name it; consecutive pieces with one label count lines on from each other.
    """

    path: str
    start: int = 0
    stop: int = None
    ends_line: bool = True
    label: str = None

    @property
    def name(self):
        return self.label if self.label is not None else self.path


def plan_pieces(files, threads, piece_bytes=None):
    """Cut the input files into pieces for `threads` threads.

    Args:
        files: paths (`input_files`' list). threads: int ≥ 1.
        piece_bytes: bytes per piece of a plain file, or None: on one thread one piece a file; on
            more, each piece the plain bytes not yet planned (this file's and the later files')
            over SHARE_DIVISOR·threads, within [MIN_PIECE_BYTES, MAX_PIECE_BYTES], so that the
            pieces shrink towards the input's end.
    Returns:
        list of Piece, in input order.
    Raises:
        DatasetError: a file that cannot be opened.
    """
    sizes = {path: _plain_size(path) for path in files}
    left = sum(size for size in sizes.values() if size is not None)
    pieces = []
    for path in files:
        size = sizes[path]
        if size is None:
            pieces.append(Piece(path))
            continue
        if piece_bytes is not None:
            marks = range(piece_bytes, size, piece_bytes)
        elif threads > 1:
            marks = _shrinking_marks(size, left, threads)
        else:
            marks = ()
        left -= size
        bounds = [0] + _cut_points(path, size, marks) + [size]
        pieces.extend(Piece(path, lo, hi, ends_line=(hi == size)) for lo, hi in zip(bounds, bounds[1:]))
    return pieces


def _shrinking_marks(size, left, threads):
    """Where a file of `size` bytes is cut (ascending offsets in (0, size)) when `left` bytes,
    this file's included, remain to be planned: each piece `left` over SHARE_DIVISOR·threads."""
    marks, at = [], 0
    while True:
        share = -(-(left - at) // (SHARE_DIVISOR * threads))
        at += min(MAX_PIECE_BYTES, max(MIN_PIECE_BYTES, share))
        if at >= size:
            return marks
        marks.append(at)


def file_piece(path, label=None):
    """A whole file as one piece (a plain file's size read now)."""
    size = _plain_size(path)
    return Piece(path, 0, size, True, label)


def _plain_size(path):
    """The size of a plain file, None for a stream (standard input, .gz, .bz2)."""
    if path == STDIN or os.path.splitext(path)[1] in COMPRESSED:
        return None
    try:
        return os.path.getsize(path)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror or exc})") from exc


def _cut_points(path, size, marks):
    """Offsets in (0, size), ascending, each just after the first cut byte (whitespace) at or after
    one of `marks` (ascending offsets); none where no whitespace comes within MAX_TOKEN_BYTES (the
    read reports that run)."""
    cuts = []
    window = np.empty(MAX_TOKEN_BYTES, dtype=np.uint8)
    try:
        with open(path, "rb", buffering=0) as handle:
            for mark in marks:
                mark = max(mark, cuts[-1] if cuts else 0)
                handle.seek(mark)
                got = handle.readinto(memoryview(window)[:FIRST_LOOK_BYTES]) or 0
                at = textscan.first_cut(window, 0, got)
                if at < 0 and got == min(FIRST_LOOK_BYTES, window.size):  # a long run: look further
                    got += handle.readinto(memoryview(window)[got:]) or 0
                    at = textscan.first_cut(window, 0, got)
                if at >= 0 and mark + at + 1 < size and (not cuts or mark + at + 1 > cuts[-1]):
                    cuts.append(mark + at + 1)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror or exc})") from exc
    return cuts


class _PieceFailure(Exception):
    """A piece that is not text: `message` names no file or line; `line` is 0-based in the piece."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line, self.message = line, message


@dataclass
class _Scanned:
    """One piece's result: its spool files, tokens, newlines, the 0-based line of its first byte
    that is not UTF-8 (-1: none), the thread (table) that read it, whether it ended a last line
    that had no newline, and its words' counts (by id of the thread's table; None: over budget)."""

    ids: str
    ends: str
    tokens: int
    lines: int
    bad_line: int
    table: int
    unterminated: bool = False
    counts: np.ndarray = None


class _Worker:
    """One thread's table and buffers, reused for every piece it reads."""

    def __init__(self, number, directory, counts_budget=0):
        self.number, self.directory = number, directory
        self.seen, self.counts_budget = np.zeros(0, dtype=np.int64), counts_budget
        self.table = wordtable.new_table(FIRST_TABLE_WORDS, FIRST_TABLE_BYTES)
        self.buffer = np.empty(CHUNK_BYTES + MAX_TOKEN_BYTES, dtype=np.uint8)
        capacity = textscan.buffer_capacity(self.buffer.size)
        self.ids = np.empty(capacity, dtype=np.int32)
        self.ends = np.empty(capacity, dtype=np.int64)

    def read_piece(self, piece, index):
        """Tokenize a piece into this thread's table and spool it. Returns _Scanned.

        Raises:
            _PieceFailure: a NUL byte or a run without whitespace longer than MAX_TOKEN_BYTES.
            DatasetError: the file cannot be read, or changed while it was read.
        """
        names = (f"part-{index:06d}.ids", f"part-{index:06d}.ends")
        state, carry = textscan.new_state(), 0
        view = memoryview(self.buffer)
        with _open_piece(piece) as (read, remaining), \
                open(os.path.join(self.directory, names[0]), "wb") as ids_file, \
                open(os.path.join(self.directory, names[1]), "wb") as ends_file:
            while True:
                got = read(view[carry:carry + min(CHUNK_BYTES, remaining)]) if remaining > 0 else 0
                if not got:
                    break
                remaining -= got
                end = carry + got
                if carry:  # the run the carried bytes began may end in these bytes
                    first = textscan.first_cut(self.buffer, carry, end)
                    run_end = first if first >= 0 else end
                    if run_end > MAX_TOKEN_BYTES:
                        self._refuse_long_run(run_end, state)
                cut = textscan.last_cut(self.buffer, carry, end)
                if cut >= 0:
                    self._scan(0, cut + 1, state, ids_file, ends_file)
                    self.buffer[:end - cut - 1] = self.buffer[cut + 1:end]
                    carry = end - cut - 1
                else:
                    carry = end
                if carry > MAX_TOKEN_BYTES:
                    self._refuse_long_run(carry, state)
            if piece.stop is not None and remaining > 0:
                raise DatasetError(f"{piece.name}: the file ended {remaining:,} bytes short of the "
                                   f"{piece.stop:,} it had when reading began: it changed while being read")
            if carry:
                self._scan(0, carry, state, ids_file, ends_file)
            unterminated = piece.ends_line and textscan.end_line(self.ends, state)
            if unterminated:
                ends_file.write(self.ends[:1])
        tokens = int(state[textscan.TOKENS])
        return _Scanned(names[0], names[1], tokens, int(state[textscan.LINES]),
                        int(state[textscan.BAD_LINE]), self.number, bool(unterminated),
                        self._piece_counts(tokens))

    def _piece_counts(self, tokens):
        """What the table's counts gained since the last piece (None once over budget, for good:
        the counts seen before would be missing)."""
        if self.seen is None:
            return None
        dtype = np.int32 if tokens < 2 ** 31 else np.int64
        n_words = int(self.table.sizes[wordtable.WORDS])
        need = n_words * np.dtype(dtype).itemsize + (n_words - self.seen.size) * self.seen.itemsize
        if need > self.counts_budget:
            self.seen = None
            return None
        gains, self.seen = wordtable.counts_since(self.table, self.seen, dtype)
        self.counts_budget -= need
        return gains

    def _scan(self, lo, hi, state, ids_file, ends_file):
        """Tokenize buffer[lo:hi], growing the table as often as it fills, and spool the ids."""
        while True:
            at = textscan.scan(self.buffer, lo, hi, self.table, self.ids, self.ends, state)
            ids_file.write(self.ids[:state[textscan.N_IDS]])
            ends_file.write(self.ends[:state[textscan.N_ENDS]])
            stop = state[textscan.STOP]
            if stop == textscan.DONE:
                return
            if stop == textscan.FOUND_NUL:
                raise _PieceFailure(int(state[textscan.LINES]), NUL_MESSAGE)
            self.table = wordtable.reserve(self.table, self.table.hashes.size, hi - at)
            lo = at

    def _refuse_long_run(self, run_end, state):
        """buffer[:run_end] is one run without whitespace, too long."""
        line = int(state[textscan.LINES])  # the run holds no newline
        if textscan.find_nul(self.buffer, 0, run_end) >= 0:
            raise _PieceFailure(line, NUL_MESSAGE)
        raise _PieceFailure(line, f"more than {MAX_TOKEN_BYTES:,} bytes without whitespace: not a text "
                            "corpus")


@contextlib.contextmanager
def _open_piece(piece):
    """(read(memoryview) -> bytes read, the bytes to read: unbounded for a stream)."""
    try:
        if piece.path == STDIN:
            handle = os.fdopen(os.dup(sys.stdin.fileno()), "rb", buffering=0)
        elif piece.stop is None:
            handle = COMPRESSED[os.path.splitext(piece.path)[1]](piece.path, "rb")
        else:
            handle = open(piece.path, "rb", buffering=0)
            handle.seek(piece.start)
    except OSError as exc:
        raise DatasetError(f"{piece.name}: cannot open ({exc.strerror or exc})") from exc

    def read(view):
        try:
            return handle.readinto(view)
        except (OSError, EOFError, ValueError) as exc:  # gzip and bz2 raise these on damaged data
            raise DatasetError(f"{piece.name}: read failed ({exc})") from exc

    with handle:
        yield read, (float("inf") if piece.stop is None else piece.stop - piece.start)


def warn_bad_utf8(path, line):
    """`read_text`'s ``on_bad_utf8`` for the API and the commands: an `InputWarning`."""
    warnings.warn(f"{path}:{line}: bytes that are not UTF-8; they are read as U+FFFD (said once "
                  "per corpus)", InputWarning, stacklevel=2)


def read_text(pieces, directory, threads=1, on_bad_utf8=None):
    """Read the pieces once on `threads` threads: count the words and spool the ids to `directory`.

    Args:
        pieces: list of Piece (`plan_pieces`). directory: an existing folder for the spool.
        on_bad_utf8: called as ``on_bad_utf8(name, line)`` once, for the first bytes of the whole
            input that are not UTF-8 (their tokens hold U+FFFD for them), or None.
    Returns:
        RawCorpus.
    Raises:
        DatasetError: the first problem in input order (a file that cannot be read, a NUL byte, a
            run without whitespace longer than MAX_TOKEN_BYTES), naming the file and line.
    """
    n_workers = max(1, min(threads, len(pieces)))
    # One piece needs no counts of its own: they are the corpus's.
    budget = PIECE_COUNTS_BYTES // n_workers if len(pieces) > 1 else 0
    workers = [_Worker(k, directory, budget) for k in range(n_workers)]
    try:
        scanned, failures = _run_workers(workers, pieces)
        lines_before = _lines_before(pieces, scanned)
        if failures:
            index = min(failures)
            failure = failures[index]
            if isinstance(failure, _PieceFailure):
                raise DatasetError(f"{pieces[index].name}:{lines_before[index] + failure.line + 1}: "
                                   f"{failure.message}")
            raise failure
        if on_bad_utf8 is not None:  # a warning, which may be made an error
            bad = next((i for i, s in enumerate(scanned) if s.bad_line >= 0), None)
            if bad is not None:
                on_bad_utf8(pieces[bad].name, lines_before[bad] + scanned[bad].bad_line + 1)
        any_bad = any(s.bad_line >= 0 for s in scanned)
        words, counts, maps, sort_keys = _merged_words([w.table for w in workers], any_bad)
    except BaseException:
        _remove_spools(directory, len(pieces))
        raise
    parts = [{"ids": s.ids, "ends": s.ends, "tokens": s.tokens, "lines": s.lines + s.unterminated,
              "map": s.table} for s in scanned]
    return RawCorpus(directory, words, counts, parts, maps, [s.counts for s in scanned], sort_keys)


def _remove_spools(directory, n_pieces):
    for index in range(n_pieces):
        for suffix in ("ids", "ends"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(directory, f"part-{index:06d}.{suffix}"))


def _run_workers(workers, pieces):
    """Every piece read by the next free worker, each worker on its own thread
    (`threadpool.on_threads`: the first failure in piece order is among those found).

    Returns:
        (list of _Scanned by piece, dict piece index -> exception for the pieces that failed).
    """
    textscan.scan(np.zeros(1, dtype=np.uint8), 0, 0, workers[0].table, workers[0].ids,
                  workers[0].ends, textscan.new_state())  # loads the compiled code before the threads race to
    indexed = list(enumerate(pieces))
    return on_threads(indexed, workers, lambda worker, item: worker.read_piece(item[1], item[0]))


def _lines_before(pieces, scanned):
    """For each piece, the newlines in the earlier pieces with its label (0 past a failure)."""
    before, count, label = [], 0, object()
    for piece, result in zip(pieces, scanned):
        if piece.name != label:
            count, label = 0, piece.name
        before.append(count)
        count += result.lines if result is not None else 0
    return before


def _merged_words(tables, any_bad_utf8=True):
    """The threads' tables merged and decoded: (words: list of distinct str, counts: int64,
    maps: per table, int64 provisional id -> index in words, sort keys: `wordtable.prefix_keys`
    of the words, None where bytes that are not UTF-8 were read). Two byte strings that decode to
    the same str (bytes that are not UTF-8 become U+FFFD: only when `any_bad_utf8`) are one word.
    The last table is only looked up in the others' union (`wordtable.absorb`): nothing looks
    words up after it."""
    first_words = int(tables[0].sizes[wordtable.WORDS])  # before the others are merged into it
    merged, remaps = tables[0], [np.arange(first_words, dtype=np.int64)]
    for table in tables[1:-1]:
        merged, remap = wordtable.merge(merged, table)
        remaps.append(remap)
    if len(tables) > 1:
        with ThreadPoolExecutor(1) as pool:  # compiled, it runs while this thread decodes
            absorbed = pool.submit(wordtable.absorb, merged, tables[-1], not any_bad_utf8)
            decoded = wordtable.words_of(merged)
            remap, new, counts, keys = absorbed.result()
        remaps.append(remap)
        decoded += wordtable.words_of(tables[-1], new)
    else:
        decoded, counts = wordtable.words_of(merged), wordtable.counts_of(merged)
        keys = None if any_bad_utf8 else wordtable.prefix_keys(merged)
    # Distinct byte strings decode to distinct str unless U+FFFD stands in for some bytes.
    if any_bad_utf8 and any("\ufffd" in word for word in decoded) and len(set(decoded)) != len(decoded):
        decoded, counts, to_word = _united(decoded, counts)
        remaps = [to_word[remap] for remap in remaps]
    return decoded, counts, remaps, keys


def _united(words, counts):
    """Words that repeat after decoding made one: (distinct words, their counts, old -> new index)."""
    index, kept, to_word = {}, [], np.empty(len(words), dtype=np.int64)
    for i, word in enumerate(words):
        to_word[i] = index.setdefault(word, len(kept))
        if to_word[i] == len(kept):
            kept.append(word)
    united = np.zeros(len(kept), dtype=np.int64)
    np.add.at(united, to_word, counts)
    return kept, united, to_word
