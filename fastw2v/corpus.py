"""The encoded corpus: every in-vocabulary token as an int32 word id, in sentences.

`encode` maps a `fastw2v.rawcorpus.RawCorpus` (provisional ids spooled in parts) to vocabulary ids,
out-of-vocabulary tokens dropped, into a memory-mapped ``int32`` .npy of word ids plus an
``int64`` .npy of sentence offsets; no epoch holds the corpus as Python objects. A line is a
sentence; a longer one is cut into sentences of at most `MAX_SENTENCE_WORDS` in-vocabulary words
(the C tool cuts at 1,000; gensim at 10,000 — we follow gensim so long lines keep their long
contexts). The parts are encoded on every thread, each into its place in the one ids file.
"""

import contextlib
import io
import mmap
import os
from dataclasses import dataclass

import numpy as np

from fastw2v.jit import njit
from fastw2v.rawcorpus import id_blocks
from fastw2v.threadpool import on_threads

MAX_SENTENCE_WORDS = 10000
BLOCK_IDS = 1 << 18  # ids a thread encodes at a time: its buffers stay in its cache


@dataclass(frozen=True, eq=False)
class EncodedCorpus:
    """A corpus as word ids.

    Attributes:
        ids: int32 array (T,), the in-vocabulary tokens in order (usually memory-mapped).
        offsets: int64 array (S + 1,), sentence s is ``ids[offsets[s]:offsets[s + 1]]``; no
            sentence is empty or longer than MAX_SENTENCE_WORDS.
    """

    ids: np.ndarray
    offsets: np.ndarray

    @property
    def n_words(self):
        return int(self.ids.shape[0])

    @property
    def n_sentences(self):
        return int(self.offsets.shape[0] - 1)

    @classmethod
    def load(cls, directory):
        """Open an encoded corpus written by `encode`, memory-mapped read-only."""
        ids = np.load(os.path.join(directory, "ids.npy"), mmap_mode="r", allow_pickle=False)
        offsets = np.load(os.path.join(directory, "offsets.npy"), mmap_mode="r", allow_pickle=False)
        return cls(ids=ids, offsets=offsets)

    def release_pages(self, word_lo, word_hi):
        """Let this process's mapping of ids[word_lo:word_hi] go (the whole pages inside it): the
        data stays in the OS page cache and is mapped again when next read, so the process's
        resident memory holds the spans being trained rather than every span read so far."""
        mapped = getattr(self.ids, "_mmap", None)
        if mapped is None or not hasattr(mapped, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
            return
        into = self.ids.offset % mmap.ALLOCATIONGRANULARITY  # where the array starts in the mapping
        lo = -(-(into + 4 * int(word_lo)) // mmap.PAGESIZE) * mmap.PAGESIZE
        hi = (into + 4 * int(word_hi)) // mmap.PAGESIZE * mmap.PAGESIZE
        if hi > lo:
            mapped.madvise(mmap.MADV_DONTNEED, lo, hi - lo)

    def longest_sentence(self, block=1 << 16):
        """The most words in one sentence (0 for an empty corpus), read block by block (a block's
        differences are a temporary array: a small one, so that the heap does not keep a corpus-sized
        one after training's start)."""
        longest = 0
        for lo in range(0, self.n_sentences, block):
            chunk = np.asarray(self.offsets[lo:lo + block + 1])
            longest = max(longest, int(np.max(np.diff(chunk))))
        return longest

    def span_bounds(self, target_words):
        """Cut the sentences into spans of about `target_words` words (at least one sentence each),
        all of about the same size: no tiny last span, whose loss would be mostly noise.

        Returns:
            int64 array (P + 1,) of sentence indices; span p is sentences [b[p], b[p + 1]).
        """
        n_spans = max(1, round(self.n_words / max(1, int(target_words))))
        marks = np.arange(n_spans, dtype=np.int64) * self.n_words // n_spans
        starts = np.searchsorted(self.offsets[:-1], marks, side="left")
        return np.unique(np.concatenate([starts, [self.n_sentences]])).astype(np.int64)


def encode(raw, vocab_ids, directory, max_sentence_words=MAX_SENTENCE_WORDS, threads=1, block=BLOCK_IDS,
           consume=False):
    """Map a raw corpus to vocabulary ids into ``directory/ids.npy`` and ``offsets.npy``, and open it.

    Tokens whose word has no vocabulary id are dropped; line ends become sentence boundaries, and
    longer sentences are cut at `max_sentence_words`. The parts are read `block` ids at a time,
    so the memory this pass holds is a few blocks a thread whatever the corpus size.

    Args:
        raw: `fastw2v.rawcorpus.RawCorpus`. vocab_ids: int array (len(raw.words),), each raw
            word's vocabulary id or -1 (`RawCorpus.vocab_ids`). directory: an existing folder.
        threads: int ≥ 1, parts encoded at once.
        consume: delete each part's spool files once the part is encoded (on its thread; the disk
            then holds little more than one copy of the corpus at a time); `raw` is spent.
    Returns:
        EncodedCorpus (ids and offsets memory-mapped). An encoding that fails leaves neither file,
        nor the parts' bounds files, behind.
    """
    try:
        return _encode(raw, vocab_ids, directory, max_sentence_words, threads, block, consume)
    except BaseException:
        for name in ["ids.npy", "offsets.npy", "offsets.npy.part", *map(_bounds_name, range(len(raw.parts)))]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(directory, name))
        raise


def _bounds_name(part):
    return f"bounds-{part:06d}.bin"


def _encode(raw, vocab_ids, directory, max_sentence_words, threads, block, consume):
    vocab_ids = np.asarray(vocab_ids, dtype=np.int32)
    maps = [vocab_ids[mapping] for mapping in raw.maps]
    kept = _kept_tokens(raw, vocab_ids, maps, threads, block)
    starts = np.concatenate([[0], np.cumsum(kept, dtype=np.int64)])
    ids_path = os.path.join(directory, "ids.npy")
    with open(ids_path, "wb") as target:
        _write_npy_header(target, np.int32, int(starts[-1]))
        header = target.tell()
    fd = os.open(ids_path, os.O_WRONLY)
    try:
        jobs = list(zip(raw.parts, starts[:-1].tolist(), range(len(raw.parts))))
        written = _in_parallel(lambda job: _encode_part(raw, job[0], maps[job[0]["map"]], fd, header, job[1],
                                                        os.path.join(directory, _bounds_name(job[2])),
                                                        block, consume), jobs, threads)
    finally:
        os.close(fd)
    if written != list(kept):  # a part's ids overlap the next one's, or leave a gap
        raise AssertionError(f"parts encoded {written} ids where their counts said {list(kept)}")
    _write_offsets(directory, len(raw.parts), int(starts[-1]), max_sentence_words)
    return EncodedCorpus.load(directory)


def _in_parallel(function, items, threads):
    """[function(item) for item in items], on up to `threads` threads; the first failure in item
    order is raised once the threads are done."""
    workers = list(range(max(1, min(threads, len(items)))))
    results, failures = on_threads(items, workers, lambda _, item: function(item))
    if failures:
        raise failures[min(failures)]
    return results


def _kept_tokens(raw, vocab_ids, maps, threads, block):
    """How many of each part's tokens are kept: from the parts' counts where the reader kept them,
    else by a pass over the part's spool."""
    if len(raw.parts) == 1:  # its kept tokens are the kept words' counts
        return [int(np.asarray(raw.counts)[vocab_ids >= 0].sum())]
    counts = raw.part_counts or [None] * len(raw.parts)
    kept = [None if n is None else int(_kept_of_counts(n, maps[part["map"]]))
            for n, part in zip(counts, raw.parts, strict=True)]
    uncounted = [k for k, n in enumerate(kept) if n is None]
    counted = _in_parallel(lambda k: _count_kept(raw, raw.parts[k], maps[raw.parts[k]["map"]], block),
                           uncounted, threads) if uncounted else []
    for k, n in zip(uncounted, counted):
        kept[k] = n
    return kept


def _count_kept(raw, part, vocab_of, block):
    """How many of a part's tokens are in the vocabulary."""
    return sum(_kept_in(ids, vocab_of) for ids in id_blocks(raw.path(part["ids"]), block))


def _encode_part(raw, part, vocab_of, fd, header, start, bounds_path, block, consume=False):
    """Write a part's in-vocabulary ids at id `start` of the ids file, and its line ends, as
    positions in the encoded corpus, to `bounds_path` (int64, ascending); then delete the part's
    spool files if `consume`. Returns the ids written."""
    ends = np.asarray(_map_raw(raw.path(part["ends"]), np.int64))
    out = np.empty(block, dtype=np.int32)
    bounds = np.empty(ends.size, dtype=np.int64)
    read = kept = n_ends = 0
    for ids in id_blocks(raw.path(part["ids"]), block):
        n_ends_here = int(np.searchsorted(ends, read + ids.size, side="left"))
        n = _encode_block(ids, vocab_of, out, ends[n_ends:n_ends_here], read, kept,
                          bounds[n_ends:n_ends_here])
        _write_at(fd, out[:n], header + 4 * (start + kept))
        read, kept, n_ends = read + ids.size, kept + n, n_ends_here
    bounds[n_ends:] = start + kept  # ends after the part's last token (its end, for a file's end)
    bounds[:n_ends] += start
    bounds.tofile(bounds_path)
    del ends
    if consume:
        for key in ("ids", "ends"):
            os.remove(raw.path(part[key]))
    return kept


def _write_at(fd, array, offset):
    view = memoryview(array).cast("B")
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _map_raw(path, dtype):
    if os.path.getsize(path) == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")


@njit(cache=True, nogil=True)
def _kept_of_counts(counts, vocab_of):
    """How many tokens are kept, of a part where provisional id i occurs counts[i] times."""
    n = 0
    for i in range(counts.size):
        if vocab_of[i] >= 0:
            n += counts[i]
    return n


@njit(cache=True, nogil=True)
def _kept_in(ids, vocab_of):
    n = 0
    for i in ids:
        if vocab_of[i] >= 0:
            n += 1
    return n


@njit(cache=True, nogil=True)
def _encode_block(ids, vocab_of, out, ends, read, kept, bounds):
    """Map ids (tokens read..read + len(ids) of a part) to vocabulary ids, the kept ones into `out`
    (len(ids) or more); `ends`: the part's line ends before read + len(ids) (ascending, none
    before `read`), each set in `bounds` to the kept tokens before it, counted from the part's
    start (kept: those before this block). Returns the number kept."""
    n = k = 0
    for e in range(ends.size + 1):
        stop = ends[e] - read if e < ends.size else ids.size
        while k < stop:
            v = vocab_of[ids[k]]
            out[n] = v  # written whether kept or not: no branch a dropped token would mispredict
            n += v >= 0
            k += 1
        if e < ends.size:
            bounds[e] = kept + n
    return n


def _write_offsets(directory, n_parts, total, max_len):
    """offsets.npy from the parts' bounds files (removed): 0, the line ends with repeats dropped and
    every sentence longer than `max_len` cut every `max_len` words, and `total`. Written beside it
    and renamed once its header holds the length: an interrupted write leaves no offsets.npy."""
    written, last = 1, 0
    path = os.path.join(directory, "offsets.npy")
    with open(path + ".part", "wb") as out:
        header = _npy_header(np.int64, 0)
        out.write(header)
        out.write(np.zeros(1, dtype=np.int64).tobytes())
        for k in range(n_parts):
            bounds_path = os.path.join(directory, _bounds_name(k))
            ends = np.fromfile(bounds_path, dtype=np.int64)
            os.remove(bounds_path)
            written, last = _append_bounds(out, ends, last, max_len, written)
        written, last = _append_bounds(out, np.array([total], dtype=np.int64), last, max_len, written)
        out.seek(0)
        out.write(_npy_header(np.int64, written, len(header)))
    os.replace(path + ".part", path)


def _append_bounds(out, ends, last, max_len, written):
    extra = max(0, int(ends[-1]) - last) // max_len if ends.size else 0
    bounds = np.empty(ends.size + extra, dtype=np.int64)
    n, last = _cut_sentences(ends, last, max_len, bounds)
    out.write(memoryview(bounds[:n]).cast("B"))  # no copy of the bounds
    return written + n, last


@njit(cache=True, nogil=True)
def _cut_sentences(ends, last, max_len, bounds):
    """The sentence boundaries after `last` up to the ascending line ends `ends`: ends at or
    before the last boundary dropped, a gap longer than max_len cut every max_len. Returns
    (boundaries written into `bounds`, the last boundary)."""
    n = 0
    for end in ends:
        if end <= last:
            continue
        while end - last > max_len:
            last += max_len
            bounds[n] = last
            n += 1
        bounds[n] = end
        n += 1
        last = end
    return n, last


def _write_npy_header(handle, dtype, length):
    np.lib.format.write_array_header_1_0(
        handle, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": (int(length),)})


def _npy_header(dtype, length, size=None):
    """The .npy header of a 1-d array, as bytes; `size`: the length it must have (to be written over
    a header written before the array's length was known: numpy pads every 1-d header of an int64
    length to the same 128 bytes)."""
    buffer = io.BytesIO()
    _write_npy_header(buffer, dtype, length)
    header = buffer.getvalue()
    if size is not None and len(header) != size:
        raise AssertionError(f"a .npy header of {len(header)} bytes cannot replace one of {size}")
    return header
