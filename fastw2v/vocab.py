"""The vocabulary: word counts, ids by descending count, sub-sampling and noise weights."""

import operator
from dataclasses import dataclass

import numpy as np

from fastw2v import radix
from fastw2v.errors import DatasetError

RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2  # what a trim rule returns (gensim.utils' values)
PREFIX_CHARS = 6  # the code points (< 2**21, three to a uint64) the vocabulary is sorted on first


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Words with their counts, ids ordered by descending count (ties: by word, ascending); a
    vocabulary grown by a further corpus (`grown_vocabulary`) keeps its old ids and appends the
    new words.

    Attributes:
        words: tuple of V str; ``words[i]`` is the word of id i.
        counts: int64 array (V,), non-increasing unless grown.
        total_words: int, every token of the corpus counted, in vocabulary or not.
    """

    words: tuple
    counts: np.ndarray
    total_words: int

    def __len__(self):
        return len(self.words)

    @property
    def index(self):
        """dict word -> id (built on first use)."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {word: i for i, word in enumerate(self.words)}
            object.__setattr__(self, "_index", cached)
        return cached

    def ids_of(self, words):
        """int32 (len(words),): each word's id, -1 for one not in the vocabulary."""
        index = self.index
        return np.fromiter((index.get(word, -1) for word in words), dtype=np.int32, count=len(words))

    @property
    def train_words(self):
        """int, the number of corpus tokens that are in the vocabulary."""
        return int(self.counts.sum())


def build_vocabulary(word_counts, total_words, min_count=5, max_vocab_size=None):
    """Keep words seen at least `min_count` times, at most `max_vocab_size` of the most frequent.

    Args:
        word_counts: mapping str -> int.
        total_words: int, all tokens counted.
        min_count: int ≥ 1.
        max_vocab_size: None or int ≥ 1; when set, only that many most frequent words are kept
            (after `min_count`).
    Returns:
        Vocabulary.
    Raises:
        DatasetError: no word reaches `min_count`.
    """
    counts = np.fromiter(word_counts.values(), dtype=np.int64, count=len(word_counts))
    return vocabulary_of(list(word_counts), counts, total_words, min_count, max_vocab_size)[0]


def vocabulary_of(words, counts, total_words, min_count=5, max_vocab_size=None, trim_rule=None,
                  max_final_vocab=None, sort_keys=None):
    """`build_vocabulary` of distinct words and their counts given as a list and an array.

    Args:
        words: list of N distinct str. counts: int array (N,).
        trim_rule: None, or gensim's trim rule (`kept_by_rule`).
        max_final_vocab: None, or int ≥ 1: min_count is raised as gensim raises it (`final_min_count`).
        sort_keys: None, or keys of the words for `by_descending_count`.
    Returns:
        (Vocabulary, kept): kept is int64 (V,), the index in `words` of each vocabulary id.
    Raises:
        DatasetError: no word is kept.
    """
    counts = np.asarray(counts, dtype=np.int64)
    min_count = final_min_count(counts, min_count, max_final_vocab)
    kept = kept_by_rule(words, counts, min_count, trim_rule)
    if not kept.size:
        raise DatasetError(f"no word occurs {min_count} or more times (min_count={min_count}); "
                           f"the corpus has {total_words} tokens, {len(words)} distinct")
    kept = by_descending_count(words, counts, kept, sort_keys)
    if max_vocab_size is not None:
        kept = kept[:max_vocab_size]
    vocab = Vocabulary(words=_picked(words, kept), counts=counts[kept].copy(),
                       total_words=int(total_words))
    return vocab, kept


def grown_vocabulary(vocab, words, counts, total_words, min_count=5, trim_rule=None,
                     max_final_vocab=None):
    """`vocab` grown by a further corpus, as gensim's ``build_vocab(update=True)``: the old words
    keep their ids and add the new counts to theirs; the new corpus's words that are kept (by
    min_count, trim_rule and max_final_vocab, over the new counts alone) and are not in `vocab`
    follow, by descending count (ties by word).

    Args:
        vocab: Vocabulary. words: list of N distinct str, the new corpus's; counts: int array (N,).
        total_words: int, the new corpus's tokens.
    Returns:
        (Vocabulary, added): added is int64, the index in `words` of each new word, in id order.
        The counts are no longer non-increasing when words were added.
    """
    counts = np.asarray(counts, dtype=np.int64)
    old_ids = np.fromiter((vocab.index.get(word, -1) for word in words), dtype=np.int64,
                          count=len(words))
    grown = vocab.counts.copy()
    seen = old_ids >= 0
    np.add.at(grown, old_ids[seen], counts[seen])
    kept = kept_by_rule(words, counts, final_min_count(counts, min_count, max_final_vocab), trim_rule)
    added = by_descending_count(words, counts, kept[~seen[kept]])
    return Vocabulary(words=vocab.words + _picked(words, added),
                      counts=np.concatenate([grown, counts[added]]),
                      total_words=int(vocab.total_words) + int(total_words)), added


def _picked(words, indices):
    """tuple of words[i] for i in indices (int array). Each word gathered is a cache miss where
    the indices jump about the list, as a vocabulary's order does, so: through an object array
    (~2× a gather in Python) when they pick most of the list, and by `operator.itemgetter`,
    which touches only the words picked, when they pick less than half of it (a vocabulary that
    drops most words: 3.6 against 10–12 ms, 46,744 of 133,517)."""
    if indices.size < 2:
        return tuple(words[int(i)] for i in indices)
    if 2 * indices.size < len(words):
        return operator.itemgetter(*indices.tolist())(words)
    table = np.empty(len(words), dtype=object)
    table[:] = words
    return tuple(table[indices].tolist())


def final_min_count(counts, min_count, max_final_vocab):
    """The min_count gensim applies with ``max_final_vocab``: raised just past the count of the
    (max_final_vocab + 1)-th most frequent word, so that at most max_final_vocab words (fewer
    where counts tie at the cut) reach it; `min_count` when that is higher or the limit is None.

    Args:
        counts: int64 (N,), every distinct word's count. min_count: int ≥ 1.
        max_final_vocab: None or int ≥ 1.
    """
    if max_final_vocab is None or max_final_vocab >= counts.size:
        return min_count
    first_dropped = -np.partition(-counts, max_final_vocab)[max_final_vocab]
    return max(min_count, int(first_dropped) + 1)


def kept_by_rule(words, counts, min_count, trim_rule=None):
    """Indices (int64, ascending) of the words kept: count ≥ min_count, unless `trim_rule` says
    otherwise.

    trim_rule: None, or gensim's rule, called as ``trim_rule(word, count, min_count)`` once per
    word: RULE_KEEP keeps it, RULE_DISCARD drops it, RULE_DEFAULT (or anything else) leaves it
    to min_count.
    """
    keep = counts >= min_count
    if trim_rule is not None:
        for i, (word, count) in enumerate(zip(words, counts.tolist())):
            verdict = trim_rule(word, count, min_count)
            if verdict == RULE_KEEP:
                keep[i] = True
            elif verdict == RULE_DISCARD:
                keep[i] = False
    return np.flatnonzero(keep)


def by_descending_count(words, counts, chosen, sort_keys=None):
    """`chosen` (int64 indices into words/counts) ordered by count, descending; ties by word (as
    Python compares str). Sorted on numbers (`radix.lexsort`): each word's prefix keys, then the
    few runs that tie on count and keys by the whole words, so a long word costs no more than a
    short one.

    sort_keys: None (keys from the words' first PREFIX_CHARS code points), or (high, low), uint64
        (len(words),) each, ordered as the words up to ties (`fastw2v.wordtable.prefix_keys`).
    """
    chosen = np.asarray(chosen)
    if sort_keys is None:
        high, low = _code_point_keys(_picked(words, chosen))
    elif len(sort_keys[0]) == len(sort_keys[1]) == len(words):
        high, low = sort_keys[0][chosen], sort_keys[1][chosen]
    else:
        raise ValueError(f"{len(sort_keys[0])} sort keys for {len(words)} words")
    negated = -np.asarray(counts, dtype=np.int64)[chosen]
    order = radix.lexsort((low, high, (negated - negated.min(initial=0)).astype(np.uint64)))
    tied = (np.diff(negated[order]) == 0) & (np.diff(high[order]) == 0) & (np.diff(low[order]) == 0)
    in_run = np.concatenate([[False], tied]) | np.concatenate([tied, [False]])
    if in_run.any():  # every run sorted by word at once: keys (run, word), runs numbered in order
        places = np.flatnonzero(in_run)
        runs = np.cumsum(~np.concatenate([[False], tied])[places])
        items = order[places]
        named = zip(runs.tolist(), _picked(words, chosen[items]), items.tolist())
        order[places] = [i for _, _, i in sorted(named)]
    return chosen[order]


def _code_point_keys(strings):
    """(high, low): uint64 (N,) each, ordered as the strings' first PREFIX_CHARS code points (a
    shorter string padded with 0, which also stands for U+0000: such ties are rare and the
    caller breaks them by whole words)."""
    points = np.array(strings, dtype=f"<U{PREFIX_CHARS}").view(np.uint32).reshape(-1, PREFIX_CHARS)

    def packed(first):  # three code points, column by column (no uint64 copy of the whole array)
        columns = [points[:, first + k].astype(np.uint64) for k in range(3)]
        return columns[0] << np.uint64(42) | columns[1] << np.uint64(21) | columns[2]

    return packed(0), packed(3)


def keep_probabilities(counts, sample):
    """word2vec's sub-sampling keep-probability of each word, capped at 1.

    p_keep(w) = (sqrt(f(w) / t) + 1) · t / f(w), with f(w) the word's count and t = s·N, N the
    number of in-vocabulary tokens and s = `sample`; `sample` = 0 keeps everything. A sample
    ≥ 1 is gensim's count threshold instead: t = int(s·(3 + √5)/2), gensim's formula.

    Args:
        counts: int array (V,), all ≥ 1.
        sample: float ≥ 0.
    Returns:
        float64 array (V,) in (0, 1].
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum() if sample < 1 else float(int(sample * (3 + np.sqrt(5)) / 2))
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1.0) * threshold / counts)


def keep_thresholds(keep_prob):
    """Keep-probabilities as int64 thresholds on 32 random bits: keep when bits < threshold.

    Returns:
        int64 array (V,), each in [0, 2**32]; probability 1 maps to 2**32 (always kept).
    """
    return np.minimum(np.round(np.asarray(keep_prob) * 2.0 ** 32), 2.0 ** 32).astype(np.int64)


def noise_weights(counts, exponent=0.75):
    """Unnormalised noise distribution for negative sampling: count ** exponent, float64 (V,)."""
    return np.asarray(counts, dtype=np.float64) ** exponent
