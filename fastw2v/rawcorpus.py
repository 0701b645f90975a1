"""A corpus read once and not yet encoded: its distinct words, their counts, and every token's
provisional id spooled to disk in parts (`fastw2v.reader` reads text into one; `read_sentences`
reads Python sentences into one; `fastw2v.corpus.encode` maps it to vocabulary ids)."""

import contextlib
import json
import os
from dataclasses import dataclass

import numpy as np

from fastw2v.errors import DatasetError

MANIFEST = "raw.json"


@dataclass(frozen=True, eq=False)
class RawCorpus:
    """A corpus read once: its distinct words, their counts, and every token's provisional id
    spooled in parts.

    Attributes:
        directory: the folder of the spool files (part files are named relative to it).
        words: list of distinct str; counts: int64 (len(words),), each word's count.
        parts: list of dicts, in corpus order: ``ids`` (file of int32 provisional ids, raw, native
            order), ``ends`` (file of int64 token counts, within the part, at which a line ended;
            ascending, a repeat possible only at 0), ``tokens`` (int), ``lines`` (int, the lines
            or sentences it ended, empty ones too) and ``map`` (index into `maps`).
        maps: list of int64 arrays: maps[k][i] is the index in `words` of provisional id i.
        part_counts: None, or per part None or an int array: part_counts[p][i] is how often
            provisional id i (of the part's map; ids past its end: 0) occurs in part p. Not saved.
        sort_keys: None, or (high, low), uint64 (len(words),) each, keys that sort the words as
            Python sorts them up to ties (`fastw2v.wordtable.prefix_keys`). Not saved.
    """

    directory: str
    words: list
    counts: np.ndarray
    parts: list
    maps: list
    part_counts: list = None
    sort_keys: tuple = None

    @property
    def n_tokens(self):
        return int(self.counts.sum())

    @property
    def n_lines(self):
        """Lines (sentences) read, empty ones included: gensim's ``corpus_count``."""
        return sum(int(part.get("lines", 0)) for part in self.parts)

    def word_counts(self):
        """dict str -> int."""
        return dict(zip(self.words, self.counts.tolist()))

    def vocab_ids(self, vocab_index):
        """int32 (len(words),): each word's id in `vocab_index` (dict str -> id), -1 if none."""
        return np.fromiter((vocab_index.get(word, -1) for word in self.words), dtype=np.int32,
                           count=len(self.words))

    def path(self, name):
        return os.path.join(self.directory, name)

    def remove(self):
        """Delete the spool files (the words and counts stay in memory)."""
        for part in self.parts:
            for key in ("ids", "ends"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.path(part[key]))

    def save(self, directory=None):
        """Write words, counts and maps beside the spool (`load` reads them back)."""
        directory = self.directory if directory is None else directory
        with open(os.path.join(directory, "words.txt"), "wb") as handle:
            handle.write("\n".join(self.words).encode("utf-8"))
        np.save(os.path.join(directory, "counts.npy"), self.counts)
        for k, mapping in enumerate(self.maps):
            np.save(os.path.join(directory, f"map-{k}.npy"), mapping)
        with open(os.path.join(directory, MANIFEST), "w", encoding="utf-8") as handle:
            json.dump({"parts": self.parts, "maps": len(self.maps)}, handle)

    @classmethod
    def load(cls, directory):
        """The RawCorpus `save` wrote into `directory`."""
        with open(os.path.join(directory, MANIFEST), encoding="utf-8") as handle:
            manifest = json.load(handle)
        with open(os.path.join(directory, "words.txt"), "rb") as handle:
            text = handle.read().decode("utf-8")
        maps = [np.load(os.path.join(directory, f"map-{k}.npy")) for k in range(manifest["maps"])]
        counts = np.load(os.path.join(directory, "counts.npy"))
        return cls(directory, text.split("\n") if text else [], counts, manifest["parts"], maps)


def id_blocks(path, block, start=0, stop=None):
    """The int32 ids of a spool file, `block` at a time, into one reused buffer: ids
    start..stop (None: to the end)."""
    buffer = np.empty(block, dtype=np.int32)
    view = memoryview(buffer).cast("B")
    left = None if stop is None else 4 * max(0, stop - start)
    with open(path, "rb", buffering=0) as handle:
        handle.seek(4 * start)
        while left is None or left > 0:
            got = handle.readinto(view if left is None or left >= view.nbytes else view[:left])
            if not got:
                return
            left = None if left is None else left - got
            yield buffer[:got // 4]


def read_sentences(sentences, directory, batch_words=1 << 20):
    """Read an iterable of sentences (lists of str, each token a word as it is) once, as
    `read_text` reads text: counts and spooled ids. Empty sentences end nothing.

    Returns:
        RawCorpus (one part).
    """
    index, words = {}, []
    counts = np.zeros(0, dtype=np.int64)
    position, last_end, n_sentences = 0, 0, 0
    names = ("part-000000.ids", "part-000000.ends")
    with open(os.path.join(directory, names[0]), "wb") as id_spool, \
            open(os.path.join(directory, names[1]), "wb") as end_spool:
        for tokens, line_ends in _sentence_batches(sentences, batch_words):
            for word in set(tokens).difference(index):
                word = (word + " ")[:-1]  # a copy: a kept word must not pin the batch's memory
                index[word] = len(words)
                words.append(word)
            ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
            id_spool.write(ids.tobytes())
            counts = np.concatenate([counts, np.zeros(len(words) - counts.size, dtype=np.int64)])
            counts += np.bincount(ids, minlength=len(words))
            ends = np.unique(position + np.asarray(line_ends, dtype=np.int64))
            ends = ends[ends > last_end]
            end_spool.write(ends.tobytes())
            last_end = int(ends[-1]) if ends.size else last_end
            position += len(tokens)
            n_sentences += len(line_ends)
    parts = [{"ids": names[0], "ends": names[1], "tokens": position, "lines": n_sentences, "map": 0}]
    return RawCorpus(directory, words, counts, parts, [np.arange(len(words), dtype=np.int64)])


def _sentence_batches(sentences, batch_words):
    """(tokens, line_ends) batches: a list of str, and the token counts at which a sentence ended.

    Raises:
        DatasetError: a sentence that is a str (its characters would be its words) or not iterable.
    """
    tokens, line_ends = [], []
    for number, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)) or not hasattr(sentence, "__iter__"):
            raise DatasetError(f"sentence {number} is {type(sentence).__name__} {sentence!r:.40}, not a "
                               "list of words: give each sentence as a list of str")
        tokens.extend(sentence)
        line_ends.append(len(tokens))
        if len(tokens) >= batch_words:
            yield tokens, line_ends
            tokens, line_ends = [], []
    if tokens or line_ends:
        yield tokens, line_ends
