"""The corpus: text streamed from files, split on whitespace, encoded once to a flat id array.

Text is read in chunks of bytes (a file with no newline at all streams like any other), decoded as
UTF-8 with replacement characters, and split with ``str.split()``. A line is a sentence; a longer
one is cut into sentences of at most `MAX_SENTENCE_WORDS` in-vocabulary words (the C tool cuts at
1,000; gensim at 10,000 — we follow gensim so long lines keep their long contexts). The encoded
corpus is a memory-mapped ``int32`` .npy of word ids (out-of-vocabulary words dropped) plus an
``int64`` .npy of sentence offsets; no epoch holds the corpus as Python objects.
"""

import bz2
import collections
import gzip
import itertools
import os
from dataclasses import dataclass

import numpy as np

from fastw2v.errors import DatasetError

MAX_SENTENCE_WORDS = 10000
CHUNK_BYTES = 1 << 22
_ASCII_WHITESPACE = b" \t\n\r\x0b\x0c"


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
            cut = max(block.rfind(byte) for byte in (b" ", b"\n", b"\t", b"\r", b"\x0b", b"\x0c"))
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


def count_words(batches):
    """Count every token of a batch stream.

    Returns:
        (collections.Counter str -> int, total tokens int).
    """
    counts = collections.Counter()
    total = 0
    for tokens, _ in batches:
        counts.update(tokens)
        total += len(tokens)
    return counts, total


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

    def save(self, directory):
        """Write ``ids.npy`` and ``offsets.npy`` into `directory`."""
        np.save(os.path.join(directory, "ids.npy"), np.asarray(self.ids), allow_pickle=False)
        np.save(os.path.join(directory, "offsets.npy"), self.offsets, allow_pickle=False)

    @classmethod
    def load(cls, directory):
        """Open an encoded corpus written by `encode`/`save`, ids memory-mapped read-only."""
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


def encode(batches, index, n_words, directory, max_sentence_words=MAX_SENTENCE_WORDS):
    """Encode a batch stream into ``directory/ids.npy`` (memory-mapped as it is filled) and
    ``directory/offsets.npy``, and open the result.

    Args:
        batches: iterable of (tokens, line_ends), as `iter_token_batches` yields.
        index: dict str -> id of the vocabulary.
        n_words: int, the number of in-vocabulary tokens the stream holds (from counting).
        directory: an existing folder.
    Returns:
        EncodedCorpus.
    Raises:
        DatasetError: the stream does not hold `n_words` in-vocabulary tokens (it changed).
    """
    ids_path = os.path.join(directory, "ids.npy")
    ids = np.lib.format.open_memmap(ids_path, mode="w+", dtype=np.int32, shape=(n_words,))
    filled = 0
    ends = [np.zeros(1, dtype=np.int64)]
    for tokens, line_ends in batches:
        batch = np.fromiter(map(index.get, tokens, itertools.repeat(-1)), dtype=np.int32, count=len(tokens))
        known = batch >= 0
        kept = batch[known]
        if filled + kept.size > n_words:
            raise DatasetError("the corpus changed while it was being read (more words than counted)")
        ids[filled:filled + kept.size] = kept
        kept_before = np.concatenate([[0], np.cumsum(known)])
        ends.append(filled + kept_before[np.asarray(line_ends, dtype=np.int64)])
        filled += kept.size
    if filled != n_words:
        raise DatasetError("the corpus changed while it was being read (fewer words than counted)")
    ids.flush()
    del ids
    offsets = _sentence_offsets(np.concatenate(ends + [np.array([n_words])]), max_sentence_words)
    np.save(os.path.join(directory, "offsets.npy"), offsets, allow_pickle=False)
    return EncodedCorpus.load(directory)


def _sentence_offsets(ends, max_len):
    """Sorted, de-duplicated sentence boundaries with every sentence cut to at most max_len words."""
    bounds = np.unique(ends)
    too_long = np.nonzero(np.diff(bounds) > max_len)[0]
    extra = [np.arange(bounds[i] + max_len, bounds[i + 1], max_len) for i in too_long]
    return np.unique(np.concatenate([bounds] + extra)).astype(np.int64)
