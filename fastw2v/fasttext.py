"""`fastw2v.FastText`: fastText's model (character n-grams, `fastw2v.subwords`) with gensim 4's
``FastText`` names, trained by the compiled subword kernels (`fastw2v.subword_kernels`) on every
thread; its ``wv`` (`FastTextKeyedVectors`) gives a vector to words never seen in training.

The model saves, loads and resumes as `Word2Vec` does (its n-grams' rows beside the words' in
the native file). What it does not do yet, and says so (a `ConfigError`): grow its vocabulary
(``build_vocab(update=True)``), train on a cluster.
"""

import numpy as np

from fastw2v.config import TrainConfig
from fastw2v.errors import ConfigError
from fastw2v.fasttext_vectors import FastTextKeyedVectors
from fastw2v.train import Word2Vec
from fastw2v.weights import OutputRows, initial_vectors

INIT_CHUNK_ROWS = 1 << 16  # n-gram rows drawn at a time: no second (bucket, D) array


class FastText(Word2Vec):
    """Word vectors from words and their character n-grams, as gensim's ``FastText``.

    Takes `Word2Vec`'s arguments (gensim's defaults: CBOW, ``sg=0``), and ``min_n=3``,
    ``max_n=6`` (a ``max_n`` below ``min_n``, or ``bucket=0``, trains no n-grams, as gensim),
    ``bucket=2_000_000`` rows for the n-grams (float32: 800 MB at 100 dimensions, as fastText's),
    ``word_ngrams=1`` (the only value gensim takes). CBOW uses the mean of the window
    (``cbow_mean=1``, as fastText).

    Raises:
        ConfigError: a setting out of range or not supported (``word_ngrams``, ``cbow_mean=0``).
    """

    def __init__(self, sentences=None, corpus_file=None, sg=0, hs=0, vector_size=100, alpha=0.025, window=5,
                 min_count=5, max_vocab_size=None, word_ngrams=1, sample=1e-3, seed=1, workers=None,
                 min_alpha=0.0001, negative=5, ns_exponent=0.75, cbow_mean=1, hashfxn=hash, epochs=5,
                 null_word=0, min_n=3, max_n=6, sorted_vocab=1, bucket=2_000_000, trim_rule=None,
                 batch_words=None, callbacks=(), max_final_vocab=None, shrink_windows=True, **options):
        if word_ngrams != 1:
            raise ConfigError(f"word_ngrams={word_ngrams!r}: only 1 is supported (gensim's FastText takes "
                              "no other value either)")
        no_ngrams = (isinstance(max_n, int) and isinstance(min_n, int) and max_n < min_n) or bucket == 0
        super().__init__(vector_size=vector_size, alpha=alpha, window=window, min_count=min_count,
                         max_vocab_size=max_vocab_size, sample=sample, seed=seed, workers=workers,
                         min_alpha=min_alpha, sg=sg, hs=hs, negative=negative, ns_exponent=ns_exponent,
                         cbow_mean=cbow_mean, hashfxn=hashfxn, epochs=epochs, null_word=null_word,
                         sorted_vocab=sorted_vocab, batch_words=batch_words, callbacks=callbacks,
                         max_final_vocab=max_final_vocab, shrink_windows=shrink_windows, minn=min_n,
                         maxn=0 if no_ngrams else max_n, bucket=2_000_000 if no_ngrams else bucket, **options)
        if self.config.subwords and self.cluster is not None:
            raise ConfigError("a FastText model with n-grams trains on this machine only (cluster=None)")
        if sentences is not None or corpus_file is not None:
            self.build_vocab(corpus_iterable=sentences, corpus_file=corpus_file, trim_rule=trim_rule)
            self._train(options.get("progress", False), None, self.callbacks, self.compute_loss)

    TAKES_NGRAMS = True
    min_n = property(lambda self: self.config.minn)
    max_n = property(lambda self: self.config.maxn)

    def _adopt_vocabulary(self, vocab, update):
        """New input rows for the words and the n-grams, or (update) a refusal."""
        if not self.config.subwords:
            return super()._adopt_vocabulary(vocab, update)
        if update:
            raise ConfigError("a FastText model's vocabulary cannot grow yet (build_vocab(update=True)): "
                              "build a new model on the whole corpus")
        self.vocab = vocab
        n, dim, bucket = len(vocab), self.config.vector_size, self.config.bucket
        rows = np.empty((n + bucket, dim), dtype=np.float32)
        rows[:n] = initial_vectors(n, dim, self.config.seed)
        for lo in range(0, bucket, INIT_CHUNK_ROWS):
            hi = min(bucket, lo + INIT_CHUNK_ROWS)
            rows[n + lo:n + hi] = initial_vectors(hi - lo, dim, [self.config.seed, 1, lo])
        self.wv = FastTextKeyedVectors(vocab.words, rows, self.config.minn, self.config.maxn, bucket)
        self.wv.expandos["count"] = np.array(vocab.counts, dtype=np.int64)
        self.outputs = OutputRows(self.config, n)
        self.progress = None

    def _input_rows(self):
        if isinstance(self.wv, FastTextKeyedVectors):
            return self.wv.input_rows
        return super()._input_rows()

    @classmethod
    def from_settings(cls, settings, cluster=None):
        names = {"minn": "min_n", "maxn": "max_n"}
        model = cls(**{names.get(name, name): value for name, value in settings.items()
                       if name not in ("mode", "loss")}, mode=settings["mode"], loss=settings["loss"],
                    cluster=cluster)
        if not settings.get("maxn"):  # saved without n-grams: FastText's max_n < min_n
            object.__setattr__(model, "config", TrainConfig(**settings))
        return model

    def _loaded_vectors(self, state):
        if state.ngram_vectors is None:
            return super()._loaded_vectors(state)
        rows = np.concatenate([state.vocab_rows, state.ngram_vectors])
        config = self.config
        wv = FastTextKeyedVectors(state.vocab.words, rows, config.minn, config.maxn, config.bucket)
        wv.expandos["count"] = np.array(state.vocab.counts, dtype=np.int64)
        return wv

    def _backend_for(self, on_cluster):
        if on_cluster and self.config.subwords:
            raise ConfigError("a FastText model with n-grams trains on this machine only (cluster=None)")
        return super()._backend_for(on_cluster)


def load_model(path):
    """A model file (or checkpoint) as the model it holds: a `FastText` where it has n-grams,
    else a `Word2Vec` (`Word2Vec.load`)."""
    from fastw2v import checkpoint as checkpoint_io

    state = checkpoint_io.load_model(path)
    return (FastText if state.config.get("maxn", 0) else Word2Vec).from_state(state, path)

