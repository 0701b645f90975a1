"""A model's two matrices: how they start, and which rows of the output matrix hold what.

V (the input vectors, the C tool's syn0: the word vectors users get) is float32 (Vocab, D),
uniform in [-1, 1)/D, seeded. U, the output matrix the kernels train, is one float32 buffer:

    rows [0, word_rows)                      syn1neg: the words' output vectors (negative
                                             sampling, the full softmax); none for
                                             hierarchical softmax alone
    rows [word_rows, word_rows + Vocab - 1)  syn1: hierarchical softmax's inner nodes
    then, with several threads               each thread's private copies of the hottest rows
                                             (`fastw2v.plan.HotRows`)

all starting at zero. This machine's threads and a cluster's lanes both start from here.
"""

import numpy as np

HOT_ROWS = 1024  # with several threads, each keeps private output rows for this many top words
# (and inner nodes nearest the root)


def initial_vectors(n_words, dim, seed):
    """The input vectors' start: float32 (n_words, dim), uniform in [-1, 1)/dim, seeded.

    gensim 4's range, twice the C tool's [-0.5, 0.5)/dim: U starts at zero, so the first updates of
    both matrices scale with V's size, and the smaller start spends a short run escaping the
    all-zero saddle (docs/performance.md has the measurement).
    """
    rng = np.random.default_rng(seed)
    return ((rng.random((n_words, dim), dtype=np.float32) * np.float32(2.0) - np.float32(1.0))
            / np.float32(dim))


def grown_vectors(vectors, n_words, seed):
    """The input vectors of a vocabulary grown to n_words: the old rows kept, the new ones as a
    new model of n_words would start them (`initial_vectors`, rows past the old ones), as gensim
    grows its vectors.

    Args:
        vectors: float32 (V_old, D). n_words: int ≥ V_old.
    Returns:
        float32 (n_words - V_old, D): the new rows only.
    """
    old, dim = vectors.shape
    return initial_vectors(n_words, dim, seed)[old:]


def word_output_rows(config, n_words):
    """Rows of U that hold the words' output vectors (syn1neg, first): the vocabulary's for the
    losses that score words (negative sampling, the full softmax), none for hierarchical softmax
    alone (its outputs are the tree's inner nodes)."""
    return n_words if config.objective.scores_words else 0


def inner_node_rows(config, n_words):
    """Rows of U that hold hierarchical softmax's inner nodes (syn1): Vocab - 1 for the losses
    that use the tree, else none."""
    return max(n_words - 1, 0) if config.objective.hierarchical else 0


def hot_rows(config, n_words):
    """How many top words each thread keeps private output rows for (`plan.HotRows`): none with
    one thread or a loss that draws no negatives."""
    several = config.objective.draws_negatives and config.workers > 1
    return min(HOT_ROWS, n_words) if several else 0


def hot_nodes(config, n_words):
    """How many inner nodes nearest the root each thread keeps private rows for (`plan.HotRows`):
    none with one thread or a loss without the tree."""
    several = config.objective.hierarchical and config.workers > 1
    return min(HOT_ROWS, max(n_words - 1, 0)) if several else 0


def output_rows(config, n_words):
    """Rows U must have for a run: syn1neg's, syn1's, then each thread's block of hot rows."""
    return (word_output_rows(config, n_words) + inner_node_rows(config, n_words)
            + config.workers * (hot_rows(config, n_words) + hot_nodes(config, n_words)))


class OutputRows:
    """The output matrix U of a model: syn1neg and syn1 as views of the first rows of one buffer
    that the kernels train whole (the threads' private rows follow them).

    Attributes:
        syn1neg: float32 (Vocab, D) view, or None when the loss scores no word.
        syn1: float32 (Vocab - 1, D) view for hierarchical softmax, else None.
    """

    def __init__(self, config, n_words, syn1neg=None, syn1=None):
        """Zeros for a new model (syn1neg and syn1 None), or the given matrices (a loaded one)."""
        self._config, self._n_words = config, n_words
        self._buffer = None
        self.syn1neg, self.syn1 = syn1neg, syn1
        if syn1neg is None and syn1 is None:
            self._use(np.zeros((output_rows(config, n_words), config.vector_size), dtype=np.float32))

    def grown(self, n_words):
        """An OutputRows for a vocabulary grown to n_words words: the old rows of syn1neg and syn1
        kept, new ones zero (the Huffman tree is rebuilt from the new counts, so syn1's rows
        start from the old inner nodes' vectors, as gensim's do)."""
        parts = []
        for part, rows in ((self.syn1neg, word_output_rows(self._config, n_words)),
                           (self.syn1, inner_node_rows(self._config, n_words))):
            if part is None:
                parts.append(None)
                continue
            grown = np.zeros((rows, self._config.vector_size), dtype=np.float32)
            grown[:len(part)] = part
            parts.append(grown)
        return OutputRows(self._config, n_words, *parts)

    def matrix(self, rows):
        """The buffer, float32 (≥ rows, D), whose first rows are syn1neg then syn1 (those the loss
        has). Reallocated (the parts copied in) only when short or when the parts are not its views."""
        buffer = self._buffer
        parts = [part for part in (self.syn1neg, self.syn1) if part is not None]
        if buffer is None or buffer.shape[0] < rows or any(part.base is not buffer for part in parts):
            buffer = np.zeros((rows, self._config.vector_size), dtype=np.float32)
            start = 0
            for part in parts:
                buffer[start:start + len(part)] = part
                start += len(part)
            self._use(buffer)
        return buffer

    def trained_rows(self):
        """U without the threads' private rows: syn1neg's then syn1's, float32 (rows, D), a view."""
        rows = word_output_rows(self._config, self._n_words) + inner_node_rows(self._config, self._n_words)
        return self.matrix(rows)[:rows]

    def _use(self, buffer):
        words = word_output_rows(self._config, self._n_words)
        self._buffer = buffer
        self.syn1neg = buffer[:words] if words else None
        self.syn1 = (buffer[words:words + inner_node_rows(self._config, self._n_words)]
                     if self._config.objective.hierarchical else None)
