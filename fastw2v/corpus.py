"""The corpus: text streamed from files, split on whitespace, encoded once to a flat id array.

Text is read in chunks of bytes (a file with no newline at all streams like any other), decoded as
UTF-8 with replacement characters, and split with ``str.split()``. A line is a sentence; a longer
one is cut into sentences of at most `MAX_SENTENCE_WORDS` in-vocabulary words (the C tool cuts at
1,000; gensim at 10,000 — we follow gensim so long lines keep their long contexts). The encoded
corpus is a memory-mapped ``int32`` .npy of word ids (out-of-vocabulary words dropped) plus an
``int64`` .npy of sentence offsets; no epoch holds the corpus as Python objects.
"""

import bz2
import gzip
import os
from dataclasses import dataclass

import numpy as np

from fastw2v.errors import DatasetError

MAX_SENTENCE_WORDS = 10000
CHUNK_BYTES = 1 << 22
_ASCII_WHITESPACE = (b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")


def _open_binary(path):
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(os.path.splitext(path)[1], open)
    try:
        return opener(path, "rb")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror or exc})") from exc


def iter_text_chunks(path, chunk_bytes=CHUNK_BYTES):
    """Yield the decoded text of a file in pieces that never split a token.

    Each piece ends at an ASCII whitespace byte (the bytes after the last one are carried into
    the next piece), so no token and no UTF-8 character is cut in two.
    """
    carry = b""
    with _open_binary(path) as handle:
        while True:
            try:
                block = handle.read(chunk_bytes)
            except (OSError, EOFError) as exc:
                raise DatasetError(f"{path}: read failed ({exc})") from exc
            if not block:
                break
            block = carry + block
            cut = max(block.rfind(byte) for byte in _ASCII_WHITESPACE)
            if cut < 0:
                carry = block
                continue
            carry = block[cut + 1:]
            yield block[:cut + 1].decode("utf-8", errors="replace")
    if carry:
        yield carry.decode("utf-8", errors="replace")


def iter_token_batches(paths, chunk_bytes=CHUNK_BYTES):
    """Yield (tokens, line_ends) per chunk of the files: a list of str, and the token counts at
    which a line ended (sentence boundaries), ascending. A file's end ends a line."""
    for path in paths:
        for text in iter_text_chunks(path, chunk_bytes):
            tokens, line_ends = [], []
            lines = text.split("\n")
            for number, line in enumerate(lines):
                tokens.extend(line.split())
                if number < len(lines) - 1:
                    line_ends.append(len(tokens))
            yield tokens, line_ends
        yield [], [0]


def iter_sentence_batches(sentences, batch_words=1 << 20):
    """Yield (tokens, line_ends) batches from an iterable of sentences (lists of str)."""
    tokens, line_ends = [], []
    for sentence in sentences:
        tokens.extend(sentence)
        line_ends.append(len(tokens))
        if len(tokens) >= batch_words:
            yield tokens, line_ends
            tokens, line_ends = [], []
    if tokens or line_ends:
        yield tokens, line_ends


@dataclass(frozen=True, eq=False)
class RawCorpus:
    """A corpus read once: every token as a provisional id (ids in order of first appearance).

    Attributes:
        words: list of str, the provisional id's word.
        counts: int64 array (len(words),), each word's count.
        ids_path: file of int32 provisional ids, one per token (raw bytes, native order).
        line_ends: int64 array, token positions where a line ended, ascending.
    """

    words: list
    counts: np.ndarray
    ids_path: str
    line_ends: np.ndarray

    @property
    def n_tokens(self):
        return int(self.counts.sum())

    def word_counts(self):
        """dict str -> int."""
        return dict(zip(self.words, self.counts.tolist()))

    def ids(self):
        """The provisional ids, memory-mapped: int32 (n_tokens,)."""
        if self.n_tokens == 0:
            return np.zeros(0, dtype=np.int32)
        return np.memmap(self.ids_path, dtype=np.int32, mode="r")


def read(batches, directory):
    """Read a batch stream once: count the words and spool provisional ids to ``directory``.

    Only words never seen before cost Python work; the rest is C-level set, dict and numpy
    operations, so this runs at the speed of splitting the text.

    Returns:
        RawCorpus.
    """
    index, words = {}, []
    counts = np.zeros(0, dtype=np.int64)
    ends = []
    position = 0
    ids_path = os.path.join(directory, "raw-ids.bin")
    with open(ids_path, "wb") as spool:
        for tokens, line_ends in batches:
            for word in set(tokens).difference(index):
                index[word] = len(words)
                words.append(word)
            ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
            spool.write(ids.tobytes())
            batch_counts = np.bincount(ids, minlength=len(words))
            counts = np.concatenate([counts, np.zeros(len(words) - counts.size, dtype=np.int64)])
            counts += batch_counts
            ends.append(position + np.asarray(line_ends, dtype=np.int64))
            position += len(tokens)
    return RawCorpus(words=words, counts=counts, ids_path=ids_path,
                     line_ends=np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64))


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
        """Open an encoded corpus written by `encode`, ids memory-mapped read-only."""
        ids = np.load(os.path.join(directory, "ids.npy"), mmap_mode="r", allow_pickle=False)
        offsets = np.load(os.path.join(directory, "offsets.npy"), allow_pickle=False)
        return cls(ids=ids, offsets=offsets)

    def span_bounds(self, target_words):
        """Cut the sentences into spans of about `target_words` words (at least one sentence each).

        Returns:
            int64 array (P + 1,) of sentence indices; span p is sentences [b[p], b[p + 1]).
        """
        marks = np.arange(0, self.n_words, max(1, int(target_words)))
        starts = np.searchsorted(self.offsets[:-1], marks, side="left")
        return np.unique(np.concatenate([starts, [self.n_sentences]])).astype(np.int64)


def encode(raw, index, directory, max_sentence_words=MAX_SENTENCE_WORDS, block=1 << 22):
    """Map a raw corpus to vocabulary ids into ``directory/ids.npy`` and ``offsets.npy``, and open it.

    Tokens whose word is not in `index` are dropped; line ends become sentence boundaries, and
    longer sentences are cut at `max_sentence_words`.

    Args:
        raw: RawCorpus. index: dict str -> vocabulary id. directory: an existing folder.
    Returns:
        EncodedCorpus (ids memory-mapped).
    """
    table = np.fromiter((index.get(word, -1) for word in raw.words), dtype=np.int32, count=len(raw.words))
    kept_total = int(raw.counts[table >= 0].sum())
    line_ends = raw.line_ends
    ends = []
    kept = 0
    # Plain reads and writes, block by block (no memory map), so the resident memory of this
    # pass stays one block whatever the corpus size.
    with open(raw.ids_path, "rb") as source, open(os.path.join(directory, "ids.npy"), "wb") as target:
        np.lib.format.write_array_header_1_0(
            target, {"descr": np.dtype(np.int32).str, "fortran_order": False, "shape": (kept_total,)})
        start = 0
        while True:
            raw_block = np.fromfile(source, dtype=np.int32, count=block)
            if raw_block.size == 0:
                break
            mapped = table[raw_block]
            known = mapped >= 0
            kept_here = np.cumsum(known)
            target.write(mapped[known].tobytes())
            # A line that ends after raw token p (p in this block) ends after the kept tokens before it.
            lo = np.searchsorted(line_ends, start + 1, side="left")
            hi = np.searchsorted(line_ends, start + raw_block.size, side="right")
            ends.append(kept + kept_here[line_ends[lo:hi] - start - 1])
            kept += int(kept_here[-1])
            start += raw_block.size
    ends = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    offsets = _sentence_offsets(np.concatenate([[0], ends, [kept_total]]), max_sentence_words)
    np.save(os.path.join(directory, "offsets.npy"), offsets, allow_pickle=False)
    return EncodedCorpus.load(directory)


def _sentence_offsets(ends, max_len):
    """Sorted, de-duplicated sentence boundaries with every sentence cut to at most max_len words."""
    bounds = np.unique(ends)
    too_long = np.nonzero(np.diff(bounds) > max_len)[0]
    extra = [np.arange(bounds[i] + max_len, bounds[i + 1], max_len) for i in too_long]
    return np.unique(np.concatenate([bounds] + extra)).astype(np.int64)
