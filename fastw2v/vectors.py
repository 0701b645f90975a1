"""Trained word vectors: words plus a float32 matrix, with cosine-similarity queries, analogies and
the file formats of `fastw2v.formats`."""

import numpy as np

from fastw2v import formats
from fastw2v.errors import FastW2VError, FormatError


class KeyedVectors:
    """Word vectors that outlive training, queried by word (gensim-like names).

    Args:
        words: sequence of V distinct str; id i is ``words[i]``.
        vectors: float array (V, D); stored as float32.
    """

    def __init__(self, words, vectors):
        self.index_to_key = list(words)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.index_to_key):
            raise FastW2VError(f"{len(self.index_to_key)} words but vectors of shape {self.vectors.shape}")
        self.key_to_index = {word: i for i, word in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise FastW2VError("duplicated words in the vocabulary")
        self._unit = None

    @classmethod
    def load(cls, path):
        """Read a vector file in any supported format, detected from its content: word2vec text
        or binary, or a native .npz (its "vectors" array).

        Raises:
            FormatError: naming the file (see `fastw2v.formats`).
        """
        found = formats.read_vectors(path)
        return cls(found.words, found.vectors)

    @classmethod
    def load_word2vec_format(cls, path, binary=None, unicode_errors="replace"):
        """Read the word2vec text (binary=False) or binary (binary=True) format; None detects it.

        Raises:
            FormatError: naming the file and line or word, or a native file given (use `load`).
        """
        if binary is None:
            found = formats.detect_format(path)
            if found == formats.NATIVE:
                raise FormatError(f"{path}: a fastw2v native file, not word2vec format; "
                                  f"use KeyedVectors.load")
            binary = found == formats.BINARY
        load = formats.load_word2vec_binary if binary else formats.load_word2vec_text
        return cls(*load(path, unicode_errors))

    def save_word2vec_format(self, path, binary=False):
        """Write the word2vec text format (9 significant digits, exact float32) or the C tool's
        binary format, atomically."""
        save = formats.save_word2vec_binary if binary else formats.save_word2vec_text
        save(path, self.index_to_key, self.vectors)

    def save(self, path, metadata=None):
        """Write the native format (.npz + JSON, no pickle): the "vectors" array and `metadata`
        (a JSON-serialisable dict), atomically."""
        formats.save_native(path, self.index_to_key, {"vectors": self.vectors}, metadata)

    @property
    def vector_size(self):
        return self.vectors.shape[1]

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, word):
        return word in self.key_to_index

    def __getitem__(self, word):
        """The vector of `word`: float32 (D,)."""
        return self.vectors[self.get_index(word)]

    def get_index(self, word):
        """The id of `word`; raises KeyError naming it when it is not in the vocabulary."""
        try:
            return self.key_to_index[word]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None

    def unit_vectors(self):
        """Rows scaled to unit length (zero rows stay zero): float32 (V, D), cached.

        The cache is the caller's to drop (`invalidate`) when the vectors change in place.
        """
        unit = self._unit  # one read: `invalidate` may run in another thread
        if unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            unit = self.vectors / np.maximum(norms, np.float32(1e-12))
            self._unit = unit
        return unit

    def invalidate(self):
        """Forget cached unit vectors after the vectors changed in place."""
        self._unit = None

    def similarity(self, word1, word2):
        """Cosine similarity of two words (float)."""
        unit = self.unit_vectors()
        return float(unit[self.get_index(word1)] @ unit[self.get_index(word2)])

    def most_similar(self, positive=(), negative=(), topn=10):
        """The `topn` words nearest (cosine) to the mean of the positive words' unit vectors
        minus the negative ones', excluding the query words.

        Args:
            positive, negative: a str or a list of str (a bare str counts as one word).
        Returns:
            list of (word, cosine similarity) pairs, most similar first.
        """
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise FastW2VError("most_similar needs at least one word")
        unit = self.unit_vectors()
        query = np.zeros(self.vector_size, dtype=np.float64)
        for sign, words in ((1.0, positive), (-1.0, negative)):
            for word in words:
                query += sign * unit[self.get_index(word)]
        query /= max(np.linalg.norm(query), 1e-12)
        scores = unit @ query.astype(np.float32)
        excluded = {self.key_to_index[w] for w in positive + negative}
        wanted = min(len(scores), topn + len(excluded))
        nearest = np.argpartition(-scores, wanted - 1)[:wanted]
        nearest = nearest[np.argsort(-scores[nearest], kind="stable")]
        return [(self.index_to_key[i], float(scores[i])) for i in nearest if i not in excluded][:topn]

    def analogy(self, a, b, c, topn=5):
        """a is to b as c is to ?: the `topn` words nearest (cosine) to b - a + c (unit vectors,
        3CosAdd), excluding a, b and c.

        Returns:
            list of (word, cosine similarity to b - a + c), best first.
        Raises:
            KeyError: naming a question word that is not in the vocabulary.
        """
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)
