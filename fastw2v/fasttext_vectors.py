"""Word vectors with subwords, as gensim's ``FastTextKeyedVectors``: a vocabulary word's vector is
the mean of its own input row and its character n-grams' rows (`fastw2v.subwords`), and any
other word that has n-grams gets the mean of theirs, so that every query also takes words never
seen in training.

The input rows are one array, (Vocab + bucket, D), that training updates in place:
``vectors_vocab`` (the words' own rows) and ``vectors_ngrams`` (the n-grams') are views of it, and
``vectors`` (the words' means, what the queries search) is recomputed by `invalidate`, which the
model calls after training.
"""

import warnings

import numpy as np

from fastw2v.errors import ConfigError, InputWarning
from fastw2v.queries import KEY_TYPES
from fastw2v.subwords import SubwordIndex, ngram_rows, word_means
from fastw2v.vectors import KeyedVectors


class FastTextKeyedVectors(KeyedVectors):
    """The vectors of a model with subwords.

    Args:
        words: list of W str. input_rows: float32 (W + bucket, D), the model's input rows (kept,
            not copied). minn, maxn, bucket: the n-grams' settings (`subwords.SubwordIndex`).

    Attributes:
        vectors: float32 (W, D), each word's mean. vectors_vocab, vectors_ngrams: views of
            input_rows, (W, D) and (bucket, D). min_n, max_n, bucket: the settings (gensim's names).
    """

    def __init__(self, words, input_rows, minn, maxn, bucket):
        words = list(words)
        self.input_rows = input_rows
        self.min_n, self.max_n, self.bucket = int(minn), int(maxn), int(bucket)
        self.index = SubwordIndex.build(words, minn, maxn, bucket)
        if input_rows.shape[0] != len(words) + bucket:
            raise ConfigError(f"{len(words)} words and {bucket} buckets, but {input_rows.shape[0]} input "
                              "rows")
        super().__init__(words, np.empty((len(words), input_rows.shape[1]), dtype=np.float32))
        self.invalidate()

    @property
    def vectors_vocab(self):
        return self.input_rows[:len(self.index_to_key)]

    @property
    def vectors_ngrams(self):
        return self.input_rows[len(self.index_to_key):]

    def invalidate(self):
        """Recompute every word's mean from the input rows, and forget the cached norms."""
        means = getattr(self, "_vectors", None)
        if getattr(self, "index", None) is not None and means is not None:
            word_means(self.input_rows, self.index, means)
        super().invalidate()

    def __contains__(self, key):
        """True for any str key when there are n-grams (gensim's rule: its vector is then their
        mean, or an error for a word with none), else whether it is a vocabulary word."""
        return (self.bucket > 0 and self.max_n > 0 and isinstance(key, str)) or self.has_index_for(key)

    def get_vector(self, key, norm=False):
        """A vocabulary word's mean, or another word's n-grams' mean: (D,) read-only; zeros, with
        a warning, for an unseen word without an n-gram (gensim's answer)."""
        if self.has_index_for(key) or not isinstance(key, str):
            return super().get_vector(key, norm)
        vector = self._oov_vector(key)
        if norm:
            with np.errstate(divide="ignore", invalid="ignore"):
                vector = vector / np.linalg.norm(vector)
        vector.setflags(write=False)
        return vector

    def _oov_vector(self, word):
        rows = ngram_rows(word, self.min_n, self.max_n, self.bucket)
        if not rows.size:
            warnings.warn(f"no character n-gram of {word!r} ({self.min_n} to {self.max_n} characters): "
                          "its vector is zero", InputWarning, stacklevel=3)
            return np.zeros(self.vector_size, dtype=self.vectors.dtype)
        return self.vectors_ngrams[rows].mean(axis=0).astype(self.vectors.dtype)

    def __getitem__(self, key_or_keys):
        if isinstance(key_or_keys, KEY_TYPES):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(key) for key in key_or_keys])

    def _unit_row(self, key, row_only=False):
        """A query key's unit vector: a vocabulary word's row, or an unseen word's n-grams'
        mean (its row, for `row_only`, only for a vocabulary word)."""
        if self.has_index_for(key) or not isinstance(key, str):
            return super()._unit_row(key, row_only)
        if row_only:
            raise KeyError(f"Key '{key}' not present in vocabulary: an unseen word has no row (ask "
                           "most_similar for it, one query at a time)")
        vector = self._oov_vector(key)
        norm = np.linalg.norm(vector)
        if norm == 0:
            raise ConfigError(f"key {key!r} has a zero vector: no cosine similarity is defined for it")
        return vector / norm

    def similarity(self, w1, w2):
        """Cosine similarity of two words, either of them unseen (their n-grams' means)."""
        a, b = self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)
        return float(np.dot(a.astype(np.float64), b.astype(np.float64)))

    def n_similarity(self, ws1, ws2):
        """The cosine similarity of the means of two lists of words, unseen ones too."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        means = [np.mean([self.get_vector(word) for word in words], axis=0) for words in (ws1, ws2)]
        norms = [np.linalg.norm(mean) for mean in means]
        return float(np.dot(means[0], means[1]) / (norms[0] * norms[1]))

    def vectors_for_all(self, keys, allow_inference=True, copy_vecattrs=False):
        """A plain KeyedVectors of `keys` (each once, in order): the vocabulary's words, and with
        `allow_inference` unseen words that have an n-gram, their n-grams' mean (gensim's)."""
        chosen, seen = [], set()
        for key in keys:
            if key in seen:
                continue
            seen.add(key)
            if self.has_index_for(key) or (allow_inference and isinstance(key, str) and self.max_n
                                           and ngram_rows(key, self.min_n, self.max_n, self.bucket).size):
                chosen.append(key)
        vectors = np.array([self.get_vector(key) for key in chosen], dtype=np.float32).reshape(
            len(chosen), self.vector_size)
        made = KeyedVectors(chosen, vectors)
        if copy_vecattrs:
            for name, values in self.expandos.items():
                made.expandos[name] = np.array([values[self.get_index(key)] if self.has_index_for(key)
                                                else np.zeros((), values.dtype) for key in chosen])
        return made

    def sort_by_descending_frequency(self):
        """Reorder the words by descending "count" (equal counts: the later first, as gensim), their
        rows of the input matrix with them (the n-grams' rows stay)."""
        if not len(self):
            return
        counts = np.asarray(self.expandos["count"], dtype=np.int64)
        order = np.lexsort((-np.arange(len(counts)), -counts))
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key)}
        self.expandos = {name: values[order] for name, values in self.expandos.items()}
        self.input_rows[:len(order)] = self.input_rows[order]
        self.index = SubwordIndex.build(self.index_to_key, self.min_n, self.max_n, self.bucket)
        self.invalidate()

    @classmethod
    def _assembled(cls, keys, vectors, expandos=None, next_index=None):
        """Vectors read from a file are plain KeyedVectors: no file here holds n-grams."""
        return KeyedVectors._assembled(keys, vectors, expandos, next_index)

    def save(self, path, metadata=None, **gensim_options):
        raise ConfigError("wv.save would keep the words' vectors without their n-grams: save the model "
                          "(model.save) to keep them, or wv.save_word2vec_format for the words' vectors")

    def add_vectors(self, keys, weights, extras=None, replace=False):
        raise ConfigError("vectors with subwords cannot take keys: their rows come from training "
                          "(save the words' vectors with save_word2vec_format for plain vectors)")
