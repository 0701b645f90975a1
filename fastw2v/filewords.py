"""The words of word2vec files, both ways: what writers check before anything is written (words
and values), giving the words' bytes as `fastw2v.rowcodec` takes them, and the list readers
fill, decoding each word and refusing repeats. Used by `fastw2v.formats`, whose callers say
where (file, line or word) for the messages.
"""

import re

import numpy as np

from fastw2v.errors import FormatError
from fastw2v.native import encode_words

MAX_WORD_BYTES = 10_000  # a longer "word" means a damaged file, not a word: the readers refuse it
_TOKEN = re.compile(r"[^ \t\n\r\x0b\x0c]+")  # what the readers split on: ASCII whitespace
_SPACE_BUT_BLANK = re.compile(r"[\t\n\r\x0b\x0c]")


class WordList:
    """The words read so far (`words`, a list of str) and the index of each, to refuse repeats.

    unicode_errors: the handler decoding words that are not UTF-8.
    """

    def __init__(self, unicode_errors):
        self.words, self.first, self.unicode_errors = [], {}, unicode_errors

    def __len__(self):
        return len(self.words)

    def add(self, raw, where, describe):
        """Decode `raw` (bytes) and append it, refusing a repeat; `where` is the location for
        messages and `describe(index)` names an earlier row."""
        try:
            word = raw.decode("utf-8", errors=self.unicode_errors)
        except UnicodeDecodeError:
            raise FormatError(f"{where}: word {raw[:40]!r} is not valid UTF-8") from None
        if word in self.first:
            replaced = " (after replacing bytes that are not UTF-8)" if "\ufffd" in word else ""
            raise FormatError(f"{where}: word {word!r} repeats {describe(self.first[word])}{replaced}")
        self.first[word] = len(self.words)
        self.words.append(word)

    def add_scanned(self, buffer, ends, count, where, describe):
        """Append the `count` words a scanner left in `buffer` (uint8, each word and a space;
        word j ends at ends[j]); `where(j)` locates word j for messages. All at once when they
        are UTF-8 and new, else word by word, for the message of the first that is not."""
        if not count:
            return
        joined = buffer[:ends[count - 1]].tobytes()
        try:
            batch = joined.decode("utf-8").split(" ")
        except UnicodeDecodeError:
            batch = None
        if batch is not None:
            self.first.update(zip(batch, range(len(self.words), len(self.words) + count)))
            if len(self.first) == len(self.words) + count:
                self.words.extend(batch)
                return
            self.first = {word: i for i, word in enumerate(self.words)}  # a repeat: as before the batch
        begins = [0, *(ends[:count - 1] + 1).tolist()]
        for j, (begin, end) in enumerate(zip(begins, ends[:count].tolist())):
            self.add(joined[begin:end], where(j), describe)


def first_non_finite_row(vectors, block_bytes=1 << 20):
    """The index of the first row of `vectors` (V, D) that holds a NaN or an infinity, or -1;
    checked a block of rows at a time, so that no mask as large as the matrix is made."""
    step = max(1, block_bytes // max(1, vectors.shape[1]))
    for first in range(0, len(vectors), step):
        bad = np.flatnonzero(~np.isfinite(vectors[first:first + step]).all(axis=1))
        if len(bad):
            return first + int(bad[0])
    return -1


def check_writable(path, words, vectors):
    """Refuse what the readers would refuse, before anything is written.

    Returns:
        (joined, starts): uint8, the words' UTF-8 bytes each followed by a space; int64
        (V + 1), where each word starts in it, and its length.
    """
    if vectors.ndim != 2 or len(words) != len(vectors):
        raise ValueError(f"{len(words)} words but vectors of shape {vectors.shape}")
    if not len(words) or not vectors.shape[1]:
        raise FormatError(f"{path}: no words or no dimensions to write; a vector file needs both")
    joined = _joined_if_valid(words)
    if joined is None:  # something is wrong: word by word, for the message
        for i, word in enumerate(words):
            if not isinstance(word, str) or not _TOKEN.fullmatch(word):
                raise FormatError(f"{path}: word {i} {word!r} is empty or holds whitespace; not written")
        joined = b"".join(word + b" " for word in encode_words(path, words))
    bad = first_non_finite_row(vectors)
    if bad >= 0:
        raise FormatError(f"{path}: word {bad} {words[bad]!r} has a value that is not a finite "
                          "number; not written")
    joined = np.frombuffer(joined, dtype=np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(joined == ord(" ")) + 1))
    long = np.flatnonzero(np.diff(starts) - 1 > MAX_WORD_BYTES)
    if len(long):
        length = starts[long[0] + 1] - starts[long[0]] - 1
        raise FormatError(f"{path}: word {long[0]} is {length:,} bytes long, more than the "
                          f"{MAX_WORD_BYTES:,} a vector file's reader takes; not written")
    return joined, starts


def _joined_if_valid(words):
    """The words' UTF-8 bytes each followed by a space, or None unless every word is a distinct
    non-empty str without ASCII whitespace that UTF-8 can encode (checked all at once)."""
    try:
        joined = " ".join(words) + " "
    except TypeError:
        return None
    if (not all(words) or joined.count(" ") != len(words) or _SPACE_BUT_BLANK.search(joined)
            or len(set(words)) != len(words)):
        return None
    try:
        return joined.encode("utf-8")
    except UnicodeEncodeError:
        return None
