"""fastText's subwords: a word's character n-grams and the rows of the n-gram matrix they hash to.

A word ``w`` is written ``<w>``; its n-grams are every run of n UTF-8 characters of that, for n
from `minn` to `maxn` (a character is a byte that is not a continuation byte, with the
continuation bytes after it), but for the single characters ``<`` and ``>``. They come in
fastText's order: by the character they start at, then by length; a run that occurs twice is
there twice. The word ``</s>`` (fastText's end of line) has none.

An n-gram's row is its 32-bit FNV-1a hash modulo `bucket`. As in fastText's
``Dictionary::hash``, each byte is read as a signed char, so that a byte from 0x80 on is
sign-extended to 32 bits before the xor (``0xE9`` is xored as ``0xFFFFFFE9``): the rows then mean
what they mean in fastText's and gensim's files.

`ngram_hash` and `word_ngrams` are the plain-Python definitions; `SubwordIndex` holds every
vocabulary word's rows, computed once by compiled code, as flat arrays the kernels read.
"""

from dataclasses import dataclass

import numpy as np

from fastw2v.jit import njit
from fastw2v.errors import ConfigError
from fastw2v.pairstrings import token_bytes

BOW, EOW, EOS = "<", ">", "</s>"
MINN, MAXN, BUCKET = 3, 6, 2_000_000  # fastText's and gensim's defaults
FNV_OFFSET, FNV_PRIME = 2166136261, 16777619
_MASK32 = 0xFFFFFFFF


def check_settings(minn, maxn, bucket):
    """Raises ConfigError unless minn, maxn and bucket are integers with 1 <= minn <= maxn and
    bucket >= 1, or maxn is 0 (no n-grams: plain word2vec, whatever minn and bucket)."""
    for name, value in (("minn", minn), ("maxn", maxn), ("bucket", bucket)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ConfigError(f"{name} must be an integer >= 0, not {value!r}")
    if maxn == 0:
        return
    if minn < 1 or minn > maxn:
        raise ConfigError(f"minn {minn} and maxn {maxn}: n-grams need 1 <= minn <= maxn (maxn 0: none)")
    if bucket < 1:
        raise ConfigError(f"bucket {bucket}: n-grams need at least one row (maxn 0: none)")


def ngram_hash(data):
    """fastText's hash of `data` (bytes): int in [0, 2**32)."""
    h = FNV_OFFSET
    for byte in data:
        h = ((h ^ (byte | 0xFFFFFF00 if byte >= 0x80 else byte)) * FNV_PRIME) & _MASK32
    return h


def word_ngrams(word, minn=MINN, maxn=MAXN):
    """The n-grams of `word` (str) as bytes, in fastText's order (list)."""
    if word == EOS or maxn == 0:
        return []
    data = (BOW + word + EOW).encode("utf-8", "surrogateescape")
    found = []
    for start in range(len(data)):
        if data[start] & 0xC0 == 0x80:
            continue
        end, n = start, 0
        while end < len(data) and n < maxn:
            end, n = end + 1, n + 1
            while end < len(data) and data[end] & 0xC0 == 0x80:
                end += 1
            if n >= minn and not (n == 1 and (start == 0 or end == len(data))):
                found.append(data[start:end])
    return found


def ngram_rows(word, minn=MINN, maxn=MAXN, bucket=BUCKET):
    """The n-gram rows of `word`: int64 (k,), in fastText's order."""
    return np.array([ngram_hash(gram) % bucket for gram in word_ngrams(word, minn, maxn)], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class SubwordIndex:
    """Every vocabulary word's n-gram rows, for the kernels: word i's rows are
    ``rows[offsets[i]:offsets[i + 1]]`` (rows of the n-gram matrix, in [0, bucket)), in
    fastText's order. A word's input vector is the mean of its own row and these.

    Attributes:
        minn, maxn, bucket: int, the settings. offsets: int64 (W + 1,). rows: int32 (offsets[-1],).
    """

    minn: int
    maxn: int
    bucket: int
    offsets: np.ndarray
    rows: np.ndarray

    @classmethod
    def build(cls, words, minn=MINN, maxn=MAXN, bucket=BUCKET):
        """The index of `words` (list of str).

        Raises:
            ConfigError: settings that `check_settings` refuses.
        """
        check_settings(minn, maxn, bucket)
        counts = np.zeros(len(words), dtype=np.int64)
        arena, spans = token_bytes([BOW + word + EOW for word in words])
        if maxn:
            _count_ngrams(arena, spans, minn, maxn, counts)
            counts[[i for i, word in enumerate(words) if word == EOS]] = 0
        offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        rows = np.empty(int(offsets[-1]), dtype=np.int32)
        if maxn:
            _fill_rows(arena, spans, minn, maxn, bucket, offsets, counts, rows)
        return cls(minn=int(minn), maxn=int(maxn), bucket=int(bucket), offsets=offsets, rows=rows)

    def of(self, index):
        """Word `index`'s n-gram rows: int32 view."""
        return self.rows[self.offsets[index]:self.offsets[index + 1]]


@njit(cache=True, nogil=True, inline="always")
def _continues(byte):
    """Whether a UTF-8 byte continues the character before it."""
    return byte & 0xC0 == 0x80


@njit(cache=True, nogil=True)
def _count_ngrams(arena, spans, minn, maxn, counts):
    """counts[i] = the n-grams of string i (``<word>``), by `word_ngrams`' rule."""
    for i in range(spans.shape[0]):
        lo, hi = spans[i, 0], spans[i, 0] + spans[i, 1]
        found = 0
        for start in range(lo, hi):
            if _continues(arena[start]):
                continue
            end, n = start, 0
            while end < hi and n < maxn:
                end, n = end + 1, n + 1
                while end < hi and _continues(arena[end]):
                    end += 1
                if n >= minn and not (n == 1 and (start == lo or end == hi)):
                    found += 1
        counts[i] = found


@njit(cache=True, nogil=True)
def _fill_rows(arena, spans, minn, maxn, bucket, offsets, counts, rows):
    """rows[offsets[i]:...] = string i's n-gram rows (`ngram_hash` mod bucket), in order; a
    string whose count is 0 gets none."""
    for i in range(spans.shape[0]):
        if counts[i] == 0:
            continue
        lo, hi = spans[i, 0], spans[i, 0] + spans[i, 1]
        at = offsets[i]
        for start in range(lo, hi):
            if _continues(arena[start]):
                continue
            end, n = start, 0
            h = np.uint64(FNV_OFFSET)
            while end < hi and n < maxn:
                end, n = end + 1, n + 1
                h = _hash_step(h, arena[end - 1])
                while end < hi and _continues(arena[end]):
                    h = _hash_step(h, arena[end])
                    end += 1
                if n >= minn and not (n == 1 and (start == lo or end == hi)):
                    rows[at] = np.int32(h % np.uint64(bucket))
                    at += 1


@njit(cache=True, nogil=True, inline="always")
def _hash_step(h, byte):
    """One byte into a 32-bit FNV-1a hash (held in a uint64), read as a signed char."""
    value = np.uint64(byte)
    if byte >= 0x80:
        value |= np.uint64(0xFFFFFF00)
    return ((h ^ value) * np.uint64(FNV_PRIME)) & np.uint64(_MASK32)


def word_means(input_rows, index, out=None):
    """Every vocabulary word's input vector: the mean of its own row and its n-grams' rows.

    Args:
        input_rows: float32 (W + bucket, D), the words' rows then the n-grams'. index:
            SubwordIndex of the W words. out: float32 (W, D) to write into, or None.
    Returns:
        float32 (W, D): `out`, or a new array.
    """
    n_words = index.offsets.shape[0] - 1
    if out is None:
        out = np.empty((n_words, input_rows.shape[1]), dtype=np.float32)
    _word_means(input_rows, index.offsets, index.rows, n_words, out)
    return out


@njit(cache=True, nogil=True)
def _word_means(input_rows, offsets, rows, n_words, means):
    """means[w] = the mean of input_rows[w] and input_rows[n_words + r] for w's n-gram rows r."""
    dim = input_rows.shape[1]
    for w in range(n_words):
        for d in range(dim):
            means[w, d] = input_rows[w, d]
        for k in range(offsets[w], offsets[w + 1]):
            row = n_words + rows[k]
            for d in range(dim):
                means[w, d] += input_rows[row, d]
        share = np.float32(1.0) / np.float32(1 + offsets[w + 1] - offsets[w])
        for d in range(dim):
            means[w, d] *= share
