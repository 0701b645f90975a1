"""The driver: the model a user holds — vocabulary, weights, the run's progress — and its training
loop with checkpoints. What a run does job by job lives in `fastw2v.plan`; files in
`fastw2v.checkpoint`.
"""

import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from fastw2v import checkpoint as checkpoint_io
from fastw2v import corpus as corpus_mod
from fastw2v.config import TrainConfig, with_gensim_hs
from fastw2v.errors import ConfigError, DatasetError, InputWarning
from fastw2v.kernels import LOSSES
from fastw2v.plan import Progress, TrainingPlan, output_rows, run_threads, word_output_rows
from fastw2v.vectors import KeyedVectors
from fastw2v.vocab import build_vocabulary


@dataclass(frozen=True)
class Checkpointing:
    """Where and how often `Word2Vec.train` saves a resumable checkpoint.

    Attributes:
        path: the checkpoint file (native .npz), replaced atomically each time.
        every: seconds of training between checkpoints.
        run: JSON-serialisable dict saved with it (the CLI keeps its output settings there).
    """

    path: str
    every: float
    run: dict = field(default_factory=dict)


class Word2Vec:
    """Word vectors (skip-gram or CBOW; negative sampling, hierarchical softmax or the full
    softmax), trained by compiled kernels.

    ``Word2Vec(corpus_file=PATH, vector_size=100, ...)`` or ``Word2Vec(sentences=LISTS, ...)``
    builds the vocabulary and trains at once (gensim's habit); without a corpus, call
    `build_vocab` and `train` yourself. Settings are those of `TrainConfig`, and gensim's
    ``hs=1`` (with ``negative=0``: hierarchical softmax alone) is understood as its `loss`.

    Attributes:
        config: TrainConfig.
        vocab: Vocabulary (after build_vocab).
        corpus: EncodedCorpus (memory-mapped), or None.
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
        cluster: None (train on this machine), or a Dask cluster to train on: "local:N",
            "tcp://HOST:PORT", a `fastw2v.cluster.ClusterSettings` or a ``distributed.Client``.
    """

    def __init__(self, sentences=None, corpus_file=None, progress=False, cluster=None, **settings):
        self.config = TrainConfig(**with_gensim_hs(settings))
        self.cluster = cluster  # None: this machine; else where `fastw2v.cluster` trains
        self.vocab = None
        self.corpus = None
        self.wv = None
        self.syn1neg = None
        self.syn1 = None
        self.progress = None
        self.epoch_losses = []
        self.stats = {}
        self.corpus_dir = None
        self.saved_run = {}
        self._workdir = None
        self._output_buffer = None
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences=sentences, corpus_file=corpus_file)
            self.train(progress=progress)

    def build_vocab(self, sentences=None, corpus_file=None, corpus_dir=None):
        """Count the corpus, build the vocabulary, encode the corpus to a memory-mapped id array,
        and initialise the weights: V uniform in [-1, 1)/D (gensim's range, twice the C tool's; see
        `initial_vectors`), U zeros.

        Args:
            sentences: iterable of lists of str (read once), or None.
            corpus_file: a path or a list of paths of whitespace-separated text (a directory
                stands for its files, ``-`` for standard input), or None.
            corpus_dir: a folder to keep the encoded corpus in (a checkpoint's run resumes from
                it); None: a temporary folder removed with the model.
        Raises:
            ConfigError: neither or both corpus arguments given.
            DatasetError: unreadable files, or no word reaches min_count.
        """
        if self.cluster is not None:
            from fastw2v.cluster import build_vocab_on_cluster
            return build_vocab_on_cluster(self, sentences, corpus_file, corpus_dir)
        if (sentences is None) == (corpus_file is None):
            raise ConfigError("give exactly one of sentences= or corpus_file=")
        if corpus_file is not None:
            paths = [corpus_file] if isinstance(corpus_file, (str, os.PathLike)) else list(corpus_file)
            batches = corpus_mod.iter_token_batches(corpus_mod.input_files(paths),
                                                    on_bad_utf8=_warn_bad_utf8)
        else:
            batches = corpus_mod.iter_sentence_batches(sentences)
        cfg = self.config
        directory = self._corpus_directory(corpus_dir)
        raw = corpus_mod.read(batches, directory)
        try:
            self.vocab = build_vocabulary(raw.word_counts(), raw.n_tokens, cfg.min_count,
                                          cfg.max_vocab_size)
        except DatasetError as exc:
            raise DatasetError(f"{_describe_source(corpus_file)}: {exc}") from None
        self.corpus = corpus_mod.encode(raw, self.vocab.index, directory)
        os.remove(raw.ids_path)
        os.remove(raw.ends_path)
        n, dim = len(self.vocab), cfg.vector_size
        self.wv = KeyedVectors(self.vocab.words, initial_vectors(n, dim, cfg.seed))
        self._use_output_buffer(np.zeros((output_rows(cfg, n), dim), dtype=np.float32))
        self.progress = None

    def _corpus_directory(self, corpus_dir):
        if corpus_dir is None:
            self._workdir = tempfile.TemporaryDirectory(prefix="fastw2v-corpus-")
            self.corpus_dir = None
            return self._workdir.name
        os.makedirs(corpus_dir, exist_ok=True)
        self.corpus_dir = os.path.abspath(corpus_dir)
        return self.corpus_dir

    def train(self, progress=False, checkpoint=None):
        """Train: the rest of an unfinished run (one loaded from a checkpoint), else a new run of
        `config.epochs` epochs, on `config.workers` threads.

        Args:
            progress: show a tqdm bar on stderr (words/s, ETA, learning rate, smoothed loss).
            checkpoint: None, or Checkpointing: save a resumable checkpoint every so often, and
                on Ctrl-C before the KeyboardInterrupt goes on.
        Returns:
            self.
        """
        if self.cluster is not None or "cluster" in self.saved_run:
            from fastw2v.cluster import train_on_cluster
            return train_on_cluster(self, progress, checkpoint)
        if self.corpus is None:
            raise ConfigError("this model has no corpus to train on: build_vocab() first, or load "
                              "a checkpoint whose encoded corpus is still there")
        plan = TrainingPlan(self.config, self.vocab, self.corpus)
        if self.progress is None or self.progress.next_job >= len(plan.jobs):
            self.progress = Progress(self.config.epochs)
        state = self.progress
        V, U = self.wv.vectors, self._output_matrix(output_rows(self.config, len(self.vocab)))
        start, words_before = time.perf_counter(), state.words
        with tqdm(total=plan.total_words, initial=state.words, unit="word", unit_scale=True,
                  disable=not progress, smoothing=0.1, dynamic_ncols=True) as bar:
            while state.next_job < len(plan.jobs):
                deadline = time.monotonic() + checkpoint.every if checkpoint else None
                try:
                    run_threads(plan, V, U, state, bar, deadline)
                except KeyboardInterrupt:
                    if checkpoint:
                        self.save_checkpoint(checkpoint.path, checkpoint.run)
                    raise
                if checkpoint and state.next_job < len(plan.jobs):
                    self.save_checkpoint(checkpoint.path, checkpoint.run)
        seconds = time.perf_counter() - start
        self.wv.invalidate()
        self.epoch_losses = state.epoch_mean_losses()
        words = state.words - words_before
        self.stats = {"words": words, "seconds": seconds,
                      "words_per_second": words / max(seconds, 1e-9), "pairs": int(state.pairs.sum())}
        return self

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

    def _output_matrix(self, rows):
        """The buffer whose first rows are `syn1neg` then `syn1` (those the loss has), with `rows`
        rows in all (the threads' private rows follow; see `plan.HotRows`). Reallocated only when
        short."""
        buffer = self._output_buffer
        parts = [part for part in (self.syn1neg, self.syn1) if part is not None]
        if buffer is None or buffer.shape[0] < rows or any(part.base is not buffer for part in parts):
            buffer = np.zeros((rows, self.wv.vectors.shape[1]), dtype=np.float32)
            start = 0
            for part in parts:
                buffer[start:start + len(part)] = part
                start += len(part)
            self._use_output_buffer(buffer)
        return buffer

    def _use_output_buffer(self, buffer):
        """Make `buffer` (float32 (≥ `plan.output_rows`, D)) the output rows: syn1neg and syn1
        become views of its first rows."""
        n = len(self.vocab)
        words = word_output_rows(self.config, n)
        self._output_buffer = buffer
        self.syn1neg = buffer[:n] if words else None
        hierarchical = LOSSES[self.config.loss].hierarchical
        self.syn1 = buffer[words:words + max(n - 1, 0)] if hierarchical else None

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
        model.syn1neg = state.syn1neg
        model.syn1 = state.syn1
        model.progress = state.progress
        if state.corpus_dir is not None:
            model.corpus_dir = state.corpus_dir
            model.corpus = corpus_mod.EncodedCorpus.load(state.corpus_dir)
        model.saved_run = state.run
        return model


def _describe_source(corpus_file, most=3):
    """The corpus as an error message names it: its first paths, or 'sentences'."""
    if corpus_file is None:
        return "sentences"
    paths = [corpus_file] if isinstance(corpus_file, (str, os.PathLike)) else list(corpus_file)
    shown = ", ".join(os.fspath(p) for p in paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")


def _warn_bad_utf8(path, line):
    warnings.warn(f"{path}:{line}: bytes that are not UTF-8; they are read as U+FFFD (said once "
                  "per corpus)", InputWarning, stacklevel=2)


def initial_vectors(n_words, dim, seed):
    """The input vectors' start: float32 (n_words, dim), uniform in [-1, 1)/dim, seeded.

    gensim 4's range, twice the C tool's [-0.5, 0.5)/dim. U starts at zero, so the first updates
    of both matrices scale with V's size; with the C tool's smaller start, one epoch of a 1M-token
    corpus recovers ~0.48 of the planted analogies against ~0.83 with this one (6 seeds each,
    gensim 0.85): the smaller start spends the short run escaping the all-zero saddle.
    """
    rng = np.random.default_rng(seed)
    return (rng.random((n_words, dim), dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(dim)
