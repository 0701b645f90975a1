"""The model a user holds — settings, vocabulary, weights, the run's progress — and its
training, on this machine (`fastw2v.local`) or a Dask cluster (`fastw2v.cluster`), through the
`fastw2v.backend.Backend` interface. Files are `fastw2v.checkpoint`'s.
"""

import shutil

import numpy as np

from fastw2v import checkpoint as checkpoint_io
from fastw2v import corpus as corpus_mod
from fastw2v.backend import Checkpointing, TrainingState
from fastw2v.config import TrainConfig, loss_from_gensim
from fastw2v.local import LocalBackend
from fastw2v.vectors import KeyedVectors
from fastw2v.weights import OutputRows, initial_vectors

__all__ = ["Checkpointing", "Word2Vec"]


class Word2Vec:
    """Word vectors (skip-gram or CBOW; negative sampling, hierarchical softmax or the full
    softmax), trained by compiled kernels, with gensim 4's names.

    ``Word2Vec(corpus_file=PATH, vector_size=100, ...)`` or ``Word2Vec(sentences=LISTS, ...)``
    builds the vocabulary and trains at once (gensim's habit); without a corpus, call
    `build_vocab` and `train` yourself. The settings are `TrainConfig`'s (validated there; see
    its attributes), with gensim's ``hs=1`` spelling hierarchical softmax (`loss` "hs" with
    ``negative=0``, else "hs+neg"); docs/api.md lists the defaults that differ from gensim's.

    Args:
        sentences: iterable of lists of str (read once), or None. corpus_file: path(s) of
            whitespace-separated text (a directory stands for its files, ``-`` for standard
            input), or None.
        progress: show a progress bar while the constructor trains.
        cluster: None (train on this machine), or a Dask cluster to train on: "local:N",
            "tcp://HOST:PORT", a `fastw2v.cluster.ClusterSettings` or a ``distributed.Client``.

    Attributes:
        config: TrainConfig.
        vocab: Vocabulary (after build_vocab).
        corpus: the encoded corpus (memory-mapped), or None.
        wv: KeyedVectors, the input vectors V (float32 (Vocab, D)), updated in place by training.
        syn1neg: float32 (Vocab, D), the output vectors U of negative sampling (and softmax);
            None for hierarchical softmax alone, which has no use for them (as in gensim).
        syn1: float32 (Vocab - 1, D), hierarchical softmax's inner-node vectors, or None.
        progress: Progress of the current or last run (None before any).
        epoch_losses: list of float, the mean loss per (center, context) pair of each epoch.
        loss_curve: (words, mean_loss) arrays of the current or last run, job by job (see below).
        stats: dict with words, seconds and words_per_second of the last `train`.
        corpus_dir: the folder that keeps the encoded corpus, or None (a temporary one).
        saved_run: the ``run`` dict of the file `load` read ({} otherwise).
        outputs: `weights.OutputRows`, the output matrix U whose views syn1neg and syn1 are.
        backend: the `backend.Backend` the model trains through (None before build_vocab or
            train): this machine's, or a cluster's, which holds the cluster run.
    """

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, alpha=None, window=5,
                 min_count=5, max_vocab_size=None, sample=1e-3, seed=1, workers=None, min_alpha=None,
                 sg=1, hs=0, negative=5, ns_exponent=0.75, cbow_mean=1, epochs=5, mode="default",
                 loss=None, progress=False, cluster=None):
        self.config = TrainConfig(
            vector_size=vector_size, alpha=alpha, window=window, min_count=min_count,
            max_vocab_size=max_vocab_size, sample=sample, seed=seed, workers=workers,
            min_alpha=min_alpha, sg=sg, negative=negative, ns_exponent=ns_exponent,
            cbow_mean=cbow_mean, epochs=epochs, mode=mode, loss=loss_from_gensim(hs, loss, negative))
        self.cluster = cluster
        self.vocab = None
        self.corpus = None
        self.wv = None
        self.progress = None
        self.epoch_losses = []
        self.stats = {}
        self.corpus_dir = None
        self.saved_run = {}
        self.outputs = None
        self.backend = None
        self._workdir = None
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences=sentences, corpus_file=corpus_file)
            self.train(progress=progress)

    syn1neg = property(lambda self: None if self.outputs is None else self.outputs.syn1neg)
    syn1 = property(lambda self: None if self.outputs is None else self.outputs.syn1)

    def build_vocab(self, sentences=None, corpus_file=None, corpus_dir=None):
        """Count the corpus, build the vocabulary, encode the corpus to a memory-mapped id array,
        and initialise the weights: V uniform in [-1, 1)/D (gensim's range, twice the C tool's;
        `weights.initial_vectors`), U zeros.

        Args:
            sentences: iterable of lists of str (read once), or None.
            corpus_file: a path or a list of paths of whitespace-separated text (a directory
                stands for its files, ``-`` for standard input), or None. A cluster reads files
                that every worker can read: corpus_file only.
            corpus_dir: a folder to keep the encoded corpus in (a checkpoint's run resumes from
                it); None: a temporary folder removed with the model.
        Raises:
            ConfigError: neither or both corpus arguments given.
            DatasetError: unreadable files, or no word reaches min_count.
            ClusterError: the cluster is unreachable, or a worker cannot see the input.
        """
        backend = self._backend_for(self.cluster is not None)
        prepared = backend.build_vocab(self.config, sentences, corpus_file, corpus_dir, self.cluster)
        self.vocab, self.corpus = prepared.vocab, prepared.corpus
        self.corpus_dir, self._workdir = prepared.corpus_dir, prepared.workdir
        n = len(self.vocab)
        self.wv = KeyedVectors(self.vocab.words,
                               initial_vectors(n, self.config.vector_size, self.config.seed))
        self.outputs = OutputRows(self.config, n)
        self.progress = None

    def train(self, progress=False, checkpoint=None):
        """Train: the rest of an unfinished run (one loaded from a checkpoint), else a new run of
        `config.epochs` epochs, on `config.workers` threads (or on the cluster).

        Args:
            progress: show a tqdm bar on stderr (words/s, ETA, learning rate, smoothed loss).
            checkpoint: None, or Checkpointing: save a resumable checkpoint every so often, and
                on Ctrl-C before the KeyboardInterrupt goes on.
        Returns:
            self.
        """
        backend = self._backend_for(self.cluster is not None or "cluster" in self.saved_run)
        state = TrainingState(self.config, self.vocab, self.corpus,
                              None if self.wv is None else self.wv.vectors,
                              self.outputs, self.progress, self.saved_run, self.cluster, self._save_state)
        try:
            trained = backend.train(state, progress, checkpoint)
        finally:
            self.progress = state.progress
        if trained.corpus is not None:
            self.corpus, self.corpus_dir = trained.corpus, trained.corpus_dir
        self.wv.invalidate()
        self.epoch_losses = self.progress.epoch_mean_losses()
        self.stats = trained.stats
        return self

    def _backend_for(self, on_cluster):
        """The model's backend, kept across calls (a cluster's holds its session and rounds): this
        machine's, or a cluster's when `on_cluster` (a model built on a cluster stays on one)."""
        from_here = self.backend is None or isinstance(self.backend, LocalBackend)
        if from_here and on_cluster:
            from fastw2v.cluster import ClusterBackend

            self.backend = ClusterBackend()
        elif self.backend is None:
            self.backend = LocalBackend()
        return self.backend

    def _save_state(self, path, run, with_corpus, progress):
        """Write the model with a run's progress as it is now (a checkpoint during `train`)."""
        self.progress = progress
        checkpoint_io.save_model(path, self, run, with_corpus=with_corpus)

    @property
    def loss_curve(self):
        """The training loss of the current or last run, in the order jobs finished (`plan.LossCurve`).

        Returns:
            (words, mean_loss), both (P,) with P ≤ `plan.CURVE_POINTS` (neighbouring points are
            merged as a run grows), empty before any training; saved with the model and its
            checkpoints, so a resumed run's curve covers the whole run.
            words: int64, words of the run trained (every epoch, before sub-sampling) when each
                point ends: strictly increasing, the last one the words trained so far (an epoch
                is ``corpus.n_words`` words).
            mean_loss: float64, the mean loss per (center, context) pair over the jobs since the
                previous point (NaN where they trained no pair).
        """
        if self.progress is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        with self.progress.lock:
            curve = self.progress.curve
            return curve.words.copy(), curve.mean_losses()

    def save(self, path, run=None):
        """Save the model — settings, vocabulary with counts, both matrices and the run's progress —
        in the native format (.npz + JSON, no pickle), atomically.

        Args:
            path: the file to write. run: a JSON-serialisable dict kept with it (or None).
        """
        checkpoint_io.save_model(path, self, run or {}, with_corpus=False)

    def save_checkpoint(self, path, run):
        """Like `save`, and the file also points to the kept encoded corpus
        (`build_vocab(corpus_dir=...)`), so that `load` + `train` can finish the run."""
        checkpoint_io.save_model(path, self, run, with_corpus=True)

    def release_corpus(self):
        """Delete a kept encoded corpus (`build_vocab(corpus_dir=...)`); the model stays usable
        for queries and saving, not for training."""
        if self.corpus_dir is not None:
            self.corpus = None
            shutil.rmtree(self.corpus_dir, ignore_errors=True)
            self.corpus_dir = None

    @classmethod
    def load(cls, path):
        """A model saved by `save` (a checkpoint too), its encoded corpus reopened when it is still
        there, so that `train()` finishes an interrupted run.

        Returns:
            Word2Vec; its ``saved_run`` attribute holds the ``run`` dict saved with it.
        Raises:
            FastW2VError subclasses: a missing, damaged or foreign file.
        """
        state = checkpoint_io.load_model(path)
        model = cls(**state.config)
        model.vocab = state.vocab
        model.wv = KeyedVectors(state.vocab.words, state.vectors)
        model.outputs = OutputRows(model.config, len(state.vocab), state.syn1neg, state.syn1)
        model.progress = state.progress
        if state.corpus_dir is not None:
            model.corpus_dir = state.corpus_dir
            model.corpus = corpus_mod.EncodedCorpus.load(state.corpus_dir)
        model.saved_run = state.run
        return model
