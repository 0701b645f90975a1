"""Word-vector file formats."""

import numpy as np

from fastw2v.atomic import atomic_write


def save_word2vec_text(path, words, vectors):
    """Write vectors in the word2vec text format: a ``V D`` header, then a word and D numbers a line.

    Numbers are written with 9 significant digits for float32 input (enough to read back the
    exact float32) and 17 for float64.

    Args:
        path: output file; written atomically.
        words: sequence of V str (no whitespace inside a word).
        vectors: float32 or float64 array, shape (V, D).
    """
    vectors = np.asarray(vectors)
    if len(words) != len(vectors):
        raise ValueError(f"{len(words)} words but {len(vectors)} vectors")
    digits = 9 if vectors.dtype == np.float32 else 17
    row_format = "%s " + " ".join([f"%.{digits}g"] * vectors.shape[1]) + "\n"
    with atomic_write(path, "w") as handle:
        handle.write(f"{vectors.shape[0]} {vectors.shape[1]}\n")
        for word, row in zip(words, vectors.tolist()):
            handle.write(row_format % (word, *row))
