"""Word-vector file formats."""

import numpy as np

from fastw2v.atomic import atomic_write


def save_word2vec_text(path, words, vectors):
    """Write vectors in the word2vec text format: a ``V D`` header, then a word and D numbers a line.

    Args:
        path: output file; written atomically.
        words: sequence of V str (no whitespace inside a word).
        vectors: float array, shape (V, D).
    """
    vectors = np.asarray(vectors)
    if len(words) != len(vectors):
        raise ValueError(f"{len(words)} words but {len(vectors)} vectors")
    with atomic_write(path, "w") as handle:
        handle.write(f"{vectors.shape[0]} {vectors.shape[1]}\n")
        for word, row in zip(words, vectors):
            handle.write(word + " " + " ".join(repr(float(value)) for value in row) + "\n")
