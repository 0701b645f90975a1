"""The vocabulary: word counts, ids by descending count, sub-sampling and noise weights."""

from dataclasses import dataclass

import numpy as np

from fastw2v.errors import DatasetError


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Words with their counts, ids ordered by descending count (ties: by word, ascending).

    Attributes:
        words: tuple of V str; ``words[i]`` is the word of id i.
        counts: int64 array (V,), non-increasing.
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


def vocabulary_of(words, counts, total_words, min_count=5, max_vocab_size=None):
    """`build_vocabulary` of distinct words and their counts given as a list and an array.

    Args:
        words: list of N distinct str. counts: int array (N,).
    Returns:
        (Vocabulary, kept): kept is int64 (V,), the index in `words` of each vocabulary id.
    Raises:
        DatasetError: no word reaches `min_count`.
    """
    counts = np.asarray(counts, dtype=np.int64)
    kept = np.flatnonzero(counts >= min_count)
    if not kept.size:
        raise DatasetError(f"no word occurs {min_count} or more times (min_count={min_count}); "
                           f"the corpus has {total_words} tokens, {len(words)} distinct")
    kept_words = np.array([words[i] for i in kept.tolist()], dtype=str)
    kept = kept[np.lexsort((kept_words, -counts[kept]))]  # by count, descending; ties by word
    if max_vocab_size is not None:
        kept = kept[:max_vocab_size]
    vocab = Vocabulary(words=tuple(words[i] for i in kept.tolist()), counts=counts[kept].copy(),
                       total_words=int(total_words))
    return vocab, kept


def keep_probabilities(counts, sample):
    """word2vec's sub-sampling keep-probability of each word, capped at 1.

    p_keep(w) = (sqrt(f(w) / (s·N)) + 1) · (s·N) / f(w), with f(w) the word's count, N the
    number of in-vocabulary tokens and s = `sample`; `sample` = 0 keeps everything.

    Args:
        counts: int array (V,), all ≥ 1.
        sample: float ≥ 0.
    Returns:
        float64 array (V,) in (0, 1].
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()
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
