"""`fastw2v.FastText`: fastText's model (character n-grams, `fastw2v.subwords`) with gensim 4's
``FastText`` names, trained by the compiled subword kernels (`fastw2v.subword_kernels`) on every
thread; its ``wv`` (`FastTextKeyedVectors`) gives a vector to words never seen in training.

The model saves, loads and resumes as `Word2Vec` does (its n-grams' rows beside the words' in
the native file), and reads and writes fastText's ``.bin`` files with gensim's function names
(`load_facebook_model`, `load_facebook_vectors`, `save_facebook_model`), and grows its vocabulary
as gensim's does (``build_vocab(update=True)``). What it does not do yet, and says so (a
`ConfigError`): train on a cluster.
"""

import numpy as np

from fastw2v import fasttext_bin
from fastw2v.checkpoint import ModelState
from fastw2v.config import TrainConfig
from fastw2v.errors import ConfigError, FastW2VError, FormatError
from fastw2v.fasttext_vectors import FastTextKeyedVectors
from fastw2v.train import Word2Vec
from fastw2v.vocab import Vocabulary
from fastw2v.weights import OutputRows, grown_vectors, initial_vectors

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
        """New input rows for the words and the n-grams, or (update, gensim's online update) the
        old words' and the n-grams' rows kept and new words' rows drawn as `Word2Vec`'s are."""
        if not self.config.subwords:
            return super()._adopt_vocabulary(vocab, update)
        n, dim, bucket = len(vocab), self.config.vector_size, self.config.bucket
        if update:
            rows = self._grown_rows(n)
            self.outputs = self.outputs.grown(n)
        else:
            rows = np.empty((n + bucket, dim), dtype=np.float32)
            rows[:n] = initial_vectors(n, dim, self.config.seed)
            for lo in range(0, bucket, INIT_CHUNK_ROWS):
                hi = min(bucket, lo + INIT_CHUNK_ROWS)
                rows[n + lo:n + hi] = initial_vectors(hi - lo, dim, [self.config.seed, 1, lo])
            self.outputs = OutputRows(self.config, n)
            self._untrainable = None
        self.vocab = vocab
        self.wv = FastTextKeyedVectors(vocab.words, rows, self.config.minn, self.config.maxn, bucket)
        self.wv.expandos["count"] = np.array(vocab.counts, dtype=np.int64)
        self.progress = None

    def _grown_rows(self, n_words):
        """The input rows for n_words words (the old ones first): float32 (n_words + bucket, D), a
        new array (the old one is let go after: for a moment both are held)."""
        old_rows = self._input_rows()
        old = len(self.vocab)
        if n_words == old:
            return old_rows
        rows = np.empty((n_words + self.config.bucket, old_rows.shape[1]), dtype=np.float32)
        rows[:old] = old_rows[:old]
        rows[old:n_words] = grown_vectors(old_rows[:old], n_words, self.config.seed)
        rows[n_words:] = old_rows[old:]
        return rows

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
        if state.input_rows is None:
            return super()._loaded_vectors(state)
        config = self.config
        wv = FastTextKeyedVectors(state.vocab.words, state.input_rows, config.minn, config.maxn,
                                  config.bucket)
        wv.expandos["count"] = np.array(state.vocab.counts, dtype=np.int64)
        return wv

    def _backend_for(self, on_cluster):
        if on_cluster and self.config.subwords:
            raise ConfigError("a FastText model with n-grams trains on this machine only (cluster=None)")
        return super()._backend_for(on_cluster)


def load_model(path):
    """A model file (or checkpoint) as the model it holds: a `FastText` where it has n-grams or
    is a fastText ``.bin`` (`load_facebook_model`), else a `Word2Vec` (`Word2Vec.load`)."""
    from fastw2v import checkpoint as checkpoint_io

    if fasttext_bin.is_fasttext_bin(path):
        return load_facebook_model(path)
    state = checkpoint_io.load_model(path)
    return (FastText if state.config.get("maxn", 0) else Word2Vec).from_state(state, path)


FASTTEXT_ALPHA = 0.05  # fastText's default learning rate: its files do not keep the one they trained with
FASTTEXT_NS_EXPONENT = 0.5  # fastText draws negatives by count ** 0.5


def load_facebook_model(path):
    """A fastText ``.bin`` model (fastText's or gensim's ``save_facebook_model``) as a `FastText`
    that queries (unseen words too), saves and trains further (`train` given a corpus), as
    gensim's ``load_facebook_model``. Settings not in the file take fastText's defaults (learning
    rate 0.05, ``ns_exponent`` 0.5: its noise distribution).

    Raises:
        FormatError: what `fasttext_bin.read_bin` refuses, and models fastw2v cannot train: the
            softmax or one-vs-all losses with n-grams, hierarchical softmax on a dictionary not
            in descending count (its tree would not be fastText's).
    """
    contents = fasttext_bin.read_bin(path)
    state = _model_state(path, contents)
    return FastText.from_state(state, path)


def load_facebook_vectors(path):
    """The word vectors of a fastText ``.bin`` model (any loss), as gensim's
    ``load_facebook_vectors``: a `FastTextKeyedVectors` that gives unseen words their n-grams' mean.

    Raises:
        FormatError: what `fasttext_bin.read_bin` refuses.
    """
    contents = fasttext_bin.read_bin(path)
    minn, maxn = fasttext_bin.ngram_lengths(contents.args)
    wv = FastTextKeyedVectors(contents.words, contents.input_rows, minn, maxn, contents.args["bucket"])
    wv.expandos["count"] = contents.counts
    return wv


def save_facebook_model(model, path, encoding="utf-8", lr_update_rate=100, word_ngrams=1):
    """Write `model` (a `FastText`, or a `Word2Vec`: then no n-grams) as a fastText ``.bin`` file
    that the ``fasttext`` package and gensim's ``load_facebook_model`` read, atomically (gensim's
    function and arguments). The file keeps the model, not how it was trained (learning rate,
    seed, fastw2v's shared mode).

    Raises:
        ConfigError: what the format cannot hold: hierarchical softmax and negatives at once,
            CBOW with the sum, a count threshold for sub-sampling (``sample`` ≥ 1), an encoding
            other than UTF-8, an untrained model.
    """
    fasttext_bin.write_bin(path, _bin_contents(model, encoding, lr_update_rate, word_ngrams))


_FASTTEXT_LOSS = {"neg": "ns", "hs": "hs", "softmax": "softmax"}


def check_facebook_settings(config):
    """Raises ConfigError unless a model of `config` (TrainConfig) can be written as a fastText
    ``.bin`` (`save_facebook_model`): the command line asks before it trains."""
    if config.loss not in _FASTTEXT_LOSS:
        raise ConfigError(f"loss {config.loss!r}: fastText's files hold one loss (negatives, hierarchical "
                          "softmax or the softmax), not both at once")
    if not config.cbow_mean:
        raise ConfigError("CBOW with the sum of the context (cbow_mean=0): fastText's CBOW is the mean")
    if config.sample >= 1:
        raise ConfigError(f"sample {config.sample}: a count threshold (gensim's reading of sample >= 1); "
                          "fastText's t is a frequency")


def _bin_contents(model, encoding, lr_update_rate, word_ngrams):
    """A fastw2v model as `fasttext_bin.FastTextBin`."""
    config = model.config
    if encoding.replace("-", "").replace("_", "").lower() != "utf8":
        raise ConfigError(f"encoding {encoding!r}: fastw2v writes fastText files in UTF-8 only")
    check_facebook_settings(config)
    if model._untrainable:  # its output rows do not fit its tree: fastText would train them wrongly
        raise ConfigError(model._untrainable)
    if model.outputs is None or model.vocab is None:
        raise ConfigError("the model has no vocabulary yet: build_vocab() and train() it first")
    n_words = len(model.vocab)
    if config.subwords:
        inputs, bucket, minn, maxn = model._input_rows(), config.bucket, config.minn, config.maxn
    else:
        inputs, bucket, minn, maxn = model.wv.vectors, 0, 0, 0
    if config.objective.hierarchical:  # inner node j is row j; fastText's matrix has a row per word
        outputs = np.zeros((n_words, config.vector_size), dtype=np.float32)
        outputs[:n_words - 1] = -model.syn1  # fastText's code 1 is the positive label, the C tool's 0
    else:
        outputs = model.syn1neg
    words, counts = list(model.vocab.words), model.vocab.counts
    order = np.argsort(-counts, kind="stable")
    if np.any(order != np.arange(n_words)):  # a grown vocabulary: fastText's must be by count
        words, counts = [words[i] for i in order], counts[order]
        inputs = np.concatenate([inputs[order], inputs[n_words:]])
        if not config.objective.hierarchical:  # the tree's rows stay: it is built from sorted counts
            outputs = outputs[order]
    args = dict(dim=config.vector_size, ws=config.window, epoch=config.epochs, minCount=config.min_count,
                neg=config.negative, wordNgrams=word_ngrams, loss=_FASTTEXT_LOSS[config.loss],
                model="skipgram" if config.sg else "cbow", bucket=bucket, minn=minn, maxn=maxn,
                lrUpdateRate=lr_update_rate, t=config.sample)
    return fasttext_bin.FastTextBin(args=args, words=words, counts=counts,
                                    ntokens=int(model.vocab.total_words), input_rows=inputs,
                                    output_rows=outputs)


def _model_state(path, contents):
    """The `checkpoint.ModelState` of a fastText file's contents (`fasttext_bin.FastTextBin`)."""
    args, n_words = contents.args, len(contents.words)
    loss = {"ns": "neg", "hs": "hs", "softmax": "softmax"}.get(args["loss"])
    minn, maxn = fasttext_bin.ngram_lengths(args)
    subwords = maxn > 0
    if loss is None or (subwords and loss == "softmax"):
        raise FormatError(f"{path}: a fastText model with the {args['loss']} loss, which fastw2v does not "
                          "train with n-grams; its vectors load with fastw2v.fasttext.load_facebook_vectors")
    if loss == "hs" and np.any(np.diff(contents.counts) > 0):
        raise FormatError(f"{path}: hierarchical softmax with a dictionary not in descending count, so "
                          "fastText's tree is not fastw2v's; its vectors load with load_facebook_vectors")
    settings = dict(vector_size=args["dim"], window=args["ws"], epochs=args["epoch"],
                    min_count=args["minCount"], negative=args["neg"], sample=args["t"],
                    sg=int(args["model"] == "skipgram"), loss=loss,
                    minn=minn if subwords else 3, maxn=maxn, bucket=args["bucket"] if subwords else 2_000_000,
                    alpha=FASTTEXT_ALPHA, ns_exponent=FASTTEXT_NS_EXPONENT, mode="default")
    try:
        config = TrainConfig(**settings)
    except FastW2VError as exc:
        raise FormatError(f"{path}: settings fastw2v cannot train ({exc})") from None
    outputs = contents.output_rows
    syn1neg = outputs if config.objective.scores_words else None
    syn1 = -outputs[:n_words - 1] if config.objective.hierarchical else None  # see `_bin_contents`
    vocab = Vocabulary(words=tuple(contents.words), counts=contents.counts, total_words=contents.ntokens)
    vectors = None if subwords else contents.input_rows[:n_words].copy()
    return ModelState(config=config.to_dict(), vocab=vocab, vectors=vectors, syn1neg=syn1neg, syn1=syn1,
                      progress=None, corpus_dir=None, run={}, attributes={},
                      input_rows=contents.input_rows if subwords else None)

