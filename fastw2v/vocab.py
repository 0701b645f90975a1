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
    kept = [(word, count) for word, count in word_counts.items() if count >= min_count]
    if not kept:
        raise DatasetError(f"no word occurs {min_count} or more times (min_count={min_count}); "
                           f"the corpus has {total_words} tokens, {len(word_counts)} distinct")
    kept.sort(key=lambda item: (-item[1], item[0]))
    if max_vocab_size is not None:
        kept = kept[:max_vocab_size]
    words = tuple(word for word, _ in kept)
    counts = np.fromiter((count for _, count in kept), dtype=np.int64, count=len(kept))
    return Vocabulary(words=words, counts=counts, total_words=int(total_words))


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
