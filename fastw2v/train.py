"""The model a user holds — settings, vocabulary, weights, the run's progress — and its
training, on this machine (`fastw2v.local`) or a Dask cluster (`fastw2v.cluster`), through the
`fastw2v.backend.Backend` interface. Files are `fastw2v.checkpoint`'s.
"""

import dataclasses
import numbers
import os
import shutil
from collections import defaultdict

import numpy as np

from fastw2v import corpus as corpus_mod
from fastw2v import gensim_args
from fastw2v.backend import Checkpointing, TrainingState, VocabularyRule
from fastw2v.callbacks import checked_callbacks, fire
from fastw2v.config import TrainConfig, loss_from_gensim
from fastw2v.corpus_source import source_of
from fastw2v.errors import ConfigError, DatasetError, FormatError
from fastw2v.gensim_face import GensimFace
from fastw2v.local import LocalBackend
from fastw2v.vectors import KeyedVectors
from fastw2v.vocab import grown_vocabulary, vocabulary_of
from fastw2v.weights import OutputRows, grown_vectors, initial_vectors

__all__ = ["Checkpointing", "Word2Vec"]


class Word2Vec(GensimFace):
    """Word vectors (skip-gram or CBOW; negative sampling, hierarchical softmax or the full
    softmax), trained by compiled kernels, with gensim 4's names, defaults and habits.

    ``Word2Vec(sentences=LISTS, ...)`` or ``Word2Vec(corpus_file=PATH, ...)`` builds the
    vocabulary and trains at once (gensim's habit); without a corpus, call `build_vocab` and
    `train` yourself. The settings are `TrainConfig`'s (validated there; see its attributes), with
    gensim's ``hs=1`` spelling hierarchical softmax (`loss` "hs" with ``negative=0``, else
    "hs+neg"); docs/gensim.md lists every gensim argument and what fastw2v does with it. An
    argument fastw2v cannot honour is refused (`ConfigError`), never ignored.

    Args:
        sentences: iterable of lists of str (read once: a generator is fine), or None.
        corpus_file: path(s) of whitespace-separated text (a directory stands for its files, ``-``
            for standard input, .gz/.bz2 are read), or None.
        trim_rule, max_final_vocab: gensim's vocabulary rules (`vocab.vocabulary_of`).
        compute_loss: whether `get_latest_training_loss` reports the loss (it is always tallied:
            `epoch_losses`, `loss_curve`). callbacks: gensim-style callback objects
            (`fastw2v.callbacks`). comment: any str, kept with the model.
        hashfxn, null_word, sorted_vocab, shrink_windows: accepted at gensim's defaults only.
        mode, loss: fastw2v's own settings (`TrainConfig`). progress: show a progress bar while
            the constructor trains.
        cluster: None (train on this machine), or a Dask cluster to train on: "local:N",
            "tcp://HOST:PORT", a `fastw2v.cluster.ClusterSettings` or a ``distributed.Client``.
        device: "cpu" (this machine's threads) or "cuda" (this machine's GPU, `fastw2v.gpu`).

    Attributes:
        config: TrainConfig; its settings are also the model's attributes (``model.window``),
            which may be set (validated; those that shape the matrices only before build_vocab).
        vocab: Vocabulary (after build_vocab).
        corpus: the encoded corpus (memory-mapped), or None.
        corpus_count, corpus_total_words: sentences and tokens of the corpus build_vocab read
            (`train` on another corpus does not change them, as in gensim).
        wv: KeyedVectors, the input vectors V (float32 (Vocab, D)), updated in place by training;
            its ``"count"`` attribute holds the vocabulary's counts (``wv.get_vecattr(w, "count")``).
        syn1neg: float32 (Vocab, D), the output vectors U of negative sampling (and softmax);
            None for hierarchical softmax alone, which has no use for them (as in gensim).
        syn1: float32 (Vocab - 1, D), hierarchical softmax's inner-node vectors, or None.
        progress: Progress of the current or last run (None before any).
        epoch_losses: list of float, the mean loss per (center, context) pair of each epoch.
        loss_curve: (words, mean_loss) arrays of the current or last run, job by job (see below).
        stats: dict with words, seconds and words_per_second of the last `train`.
        train_count, total_train_time: `train` calls finished, and their seconds in all.
        phrases_found: list of int, the phrases each of build_vocab's phrase passes found, or None.
        raw_vocab: dict word -> count of the last corpus read when build_vocab kept it (else
            empty, as gensim's; None before build_vocab).
        corpus_dir: the folder that keeps the encoded corpus, or None (a temporary one).
        saved_run: the ``run`` dict of the file `load` read ({} otherwise).
        outputs: `weights.OutputRows`, the output matrix U whose views syn1neg and syn1 are.
        backend: the `backend.Backend` the model trains through (None before build_vocab or
            train): this machine's threads, its GPU, or a cluster's, which holds the cluster run.
    """

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, alpha=0.025, window=5,
                 min_count=5, max_vocab_size=None, sample=1e-3, seed=1, workers=None, min_alpha=0.0001,
                 sg=0, hs=0, negative=5, ns_exponent=0.75, cbow_mean=1, hashfxn=hash, epochs=5,
                 null_word=0, trim_rule=None, sorted_vocab=1, batch_words=None, compute_loss=False,
                 callbacks=(), comment=None, max_final_vocab=None, shrink_windows=True, mode="default",
                 loss=None, progress=False, cluster=None, minn=3, maxn=0, bucket=2_000_000, device="cpu"):
        gensim_args.refuse_unsupported(hashfxn=hashfxn, null_word=null_word, sorted_vocab=sorted_vocab,
                                       shrink_windows=shrink_windows)
        if maxn and not self.TAKES_NGRAMS:
            raise ConfigError("character n-grams (maxn > 0) train with fastw2v.FastText, whose vectors "
                              "hold them")
        self.config = TrainConfig(
            vector_size=vector_size, alpha=alpha, window=window, min_count=min_count,
            max_vocab_size=max_vocab_size, sample=sample, seed=seed, workers=workers,
            min_alpha=min_alpha, sg=sg, negative=negative, ns_exponent=ns_exponent,
            cbow_mean=cbow_mean, epochs=epochs, mode=mode, loss=loss_from_gensim(hs, loss, negative),
            batch_words=batch_words, minn=minn, maxn=maxn, bucket=bucket, device=device)
        self.max_final_vocab = gensim_args.check_optional_count("max_final_vocab", max_final_vocab)
        self.compute_loss = bool(compute_loss)
        self.callbacks = checked_callbacks(callbacks)
        self.comment = comment
        self.cluster = cluster
        self.vocab = None
        self.corpus = None
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.raw_vocab = None
        self.phrases_found = None
        self.wv = None
        self.progress = None
        self.epoch_losses = []
        self.stats = {}
        self.train_count = 0
        self.total_train_time = 0.0
        self.corpus_dir = None
        self.saved_run = {}
        self.outputs = None
        self.backend = None
        self._workdir = None
        self._source = None
        self._loss_base = (None, 0.0)  # (the Progress, its summed loss) the running total starts at
        self._run_corpus_words = None  # tokens of the corpus the last run trained on
        self._progress_elsewhere = False  # the progress is a run on another corpus than build_vocab's
        self._untrainable = None  # why a loaded model must not train on (`checkpoint.ModelState`)
        if sentences is not None or corpus_file is not None:
            self.build_vocab(corpus_iterable=sentences, corpus_file=corpus_file,
                             trim_rule=gensim_args.check_trim_rule(trim_rule))
            self._train(progress, None, self.callbacks, self.compute_loss)

    def _input_rows(self):
        """The input matrix training updates in place: V, the vectors of `wv` (None before
        build_vocab)."""
        return None if self.wv is None else self.wv.vectors

    TAKES_NGRAMS = False  # a subclass whose vectors hold character n-grams (`fasttext.FastText`)

    @classmethod
    def from_settings(cls, settings, cluster=None):
        """A model with `settings` (a dict of TrainConfig's names, as a saved file holds them)."""
        return cls(**settings, cluster=cluster)

    def _loaded_vectors(self, state):
        """The `wv` of a loaded `checkpoint.ModelState`."""
        return _word_vectors(state.vocab, state.vectors)

    syn1neg = property(lambda self: None if self.outputs is None else self.outputs.syn1neg)
    syn1 = property(lambda self: None if self.outputs is None else self.outputs.syn1)

    def build_vocab(self, corpus_iterable=None, corpus_file=None, update=False, progress_per=10000,
                    keep_raw_vocab=False, trim_rule=None, corpus_dir=None, phrases=None):
        """Count the corpus, build the vocabulary, encode the corpus to a memory-mapped id array,
        and initialise the weights: V uniform in [-1, 1)/D (gensim's range, twice the C tool's;
        `weights.initial_vectors`), U zeros.

        Args:
            corpus_iterable: iterable of lists of str (read once), or None.
            corpus_file: a path or a list of paths of whitespace-separated text (a directory
                stands for its files, ``-`` for standard input), or None. A cluster reads files
                that every worker can read: corpus_file only.
            update: keep the vocabulary and weights and add the corpus's new words (gensim's
                online update): old words keep their ids and rows and add the new counts to
                theirs; new words that pass min_count (and trim_rule, max_final_vocab), counted in
                this corpus alone, get new rows; the noise table, sub-sampling and the Huffman
                tree follow the new counts. Then `train` on this corpus (or another).
            keep_raw_vocab: keep every word's count in this corpus as `raw_vocab`.
            trim_rule: gensim's ``trim_rule(word, count, min_count)`` (`vocab.kept_by_rule`).
            corpus_dir: a folder to keep the encoded corpus in (a checkpoint's run resumes from
                it), not the one of the corpus the model holds; None: a temporary folder removed
                with the model.
            phrases: None, an int N, or a `fastw2v.phrasing.PhrasePasses`: join phrases first
                (N passes at `fastw2v phrases`' defaults), as ``fastw2v phrases`` would, without
                writing the joined text; the vocabulary, counts and corpus are then the joined
                corpus's, and `phrases_found` says how many phrases each pass found.
        Raises:
            ConfigError: neither or both corpus arguments given, or a bad argument.
            RuntimeError: update without a vocabulary (gensim's error).
            DatasetError: unreadable files, or no word reaches min_count.
            ClusterError: the cluster is unreachable, or a worker cannot see the input.
        """
        gensim_args.refuse_unsupported(progress_per=progress_per)
        trim_rule = gensim_args.check_trim_rule(trim_rule)
        self._refuse_live_corpus_dir(corpus_dir)
        if update and self.vocab is None:
            raise RuntimeError("You cannot do an online vocabulary-update of a model which has no prior "
                               "vocabulary. First build the vocabulary of your model with a corpus before "
                               "doing an online update.")
        choose = None
        if update:
            self._refuse_on_cluster("build_vocab(update=True)")
            self._check_words_match("update")

            def choose(words, counts, tokens):
                vocab, _ = grown_vocabulary(self.vocab, words, counts, tokens, self.config.min_count,
                                            trim_rule, self.max_final_vocab)
                return vocab, vocab.ids_of(words)

        rule = VocabularyRule(choose, trim_rule, self.max_final_vocab, bool(keep_raw_vocab),
                              _phrase_passes(phrases))
        backend = self._backend_for(self.cluster is not None)
        prepared = backend.build_vocab(self.config, corpus_iterable, corpus_file, corpus_dir, self.cluster,
                                       rule)
        self.phrases_found = prepared.phrases_found
        self._use_corpus(prepared, corpus_iterable, corpus_file)
        self.raw_vocab = defaultdict(int, prepared.raw_counts or {})
        self._adopt_vocabulary(prepared.vocab, update)

    def _refuse_live_corpus_dir(self, corpus_dir):
        """Refuse to encode into the folder of the corpus the model holds (mapped, and what a
        checkpoint resumes from): a failure there would lose it."""
        if corpus_dir is None or self.corpus is None or self.corpus_dir is None:
            return
        if os.path.realpath(os.fspath(corpus_dir)) == os.path.realpath(self.corpus_dir):
            raise ConfigError(f"corpus_dir={os.fspath(corpus_dir)!r} holds the encoded corpus this model "
                              "trains on; give another folder (or model.release_corpus() first)")

    def build_vocab_from_freq(self, word_freq, keep_raw_vocab=False, corpus_count=None, trim_rule=None,
                              update=False):
        """The vocabulary from a dict word -> count instead of a corpus (gensim's), with the same
        rules and `update` as `build_vocab`; `train` then needs a corpus.

        Raises:
            ConfigError: a count that is not an int ≥ 0. DatasetError: no word kept.
        """
        trim_rule = gensim_args.check_trim_rule(trim_rule)
        if update and self.vocab is None:
            raise RuntimeError("You cannot do an online vocabulary-update of a model which has no prior "
                               "vocabulary. First build the vocabulary of your model with a corpus before "
                               "doing an online update.")
        words = list(word_freq)
        counts = np.fromiter((_count(word_freq[w], w) for w in words), dtype=np.int64, count=len(words))
        total = int(counts.sum())
        if update:
            self._check_words_match("update")
            vocab, _ = grown_vocabulary(self.vocab, words, counts, total, self.config.min_count, trim_rule,
                                        self.max_final_vocab)
        else:
            vocab, _ = vocabulary_of(words, counts, total, self.config.min_count, self.config.max_vocab_size,
                                     trim_rule, self.max_final_vocab)
        self.corpus, self._source = None, None
        self.corpus_count, self.corpus_total_words = int(corpus_count or 0), total
        self.raw_vocab = defaultdict(int, zip(words, counts.tolist()) if keep_raw_vocab else ())
        self._adopt_vocabulary(vocab, update)

    def _use_corpus(self, prepared, corpus_iterable, corpus_file):
        """Keep the corpus a backend encoded, and what it was read from (`_same_source`)."""
        self.corpus = prepared.corpus
        self.corpus_dir, self._workdir = prepared.corpus_dir, prepared.workdir
        self.corpus_count, self.corpus_total_words = prepared.sentences, prepared.tokens
        self._source = source_of(corpus_iterable, corpus_file)
        self.progress = None
        self._progress_elsewhere = False

    def _adopt_vocabulary(self, vocab, update):
        """Make `vocab` the model's, with new weights, or (update) the old rows and new ones."""
        old = 0 if not update else len(self.vocab)
        self.vocab = vocab
        n, dim = len(vocab), self.config.vector_size
        if not update:
            self.wv = _word_vectors(vocab, initial_vectors(n, dim, self.config.seed))
            self.outputs = OutputRows(self.config, n)
            self._untrainable = None
        else:
            if n > old:
                grown = grown_vectors(self.wv.vectors, n, self.config.seed)
                self.wv.add_vectors(list(vocab.words[old:]), grown)
                self.outputs = self.outputs.grown(n)
            self.wv.expandos["count"] = np.array(vocab.counts, dtype=np.int64)  # old words' counts grow too
        self.progress = None

    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None,
              epochs=None, start_alpha=None, end_alpha=None, word_count=0, queue_factor=2,
              report_delay=1.0, compute_loss=False, callbacks=(), progress=False, checkpoint=None):
        """Train, with gensim's arguments and checks.

        Given a corpus, train `epochs` epochs on it (it is read once and encoded with the model's
        vocabulary, for this call only; the corpus `build_vocab` just read is not read again),
        the learning rate decaying from `start_alpha` (or ``alpha``) to `end_alpha` (or
        ``min_alpha``), which become the model's settings, as in gensim. Without one (fastw2v's
        habit), finish an unfinished run (a model loaded from a checkpoint), else run `epochs`
        (or ``epochs``) epochs on the corpus `build_vocab` read.

        A callback may change ``alpha`` and ``min_alpha`` (they apply from the next epoch); any
        other setting changed during the run is refused.

        Args:
            corpus_iterable, corpus_file: the corpus, as `build_vocab` takes it (one of them).
            total_examples, total_words: gensim's totals; with a corpus one is required. The
                learning rate decays over the words actually read; a total that differs is
                logged as a warning, as gensim does.
            epochs: required with a corpus (gensim's rule).
            compute_loss: whether `get_latest_training_loss` reports this call's loss.
            callbacks: gensim-style callback objects for this call.
            word_count, queue_factor, report_delay: accepted at gensim's defaults only.
            progress: show a tqdm bar on stderr (words/s, ETA, learning rate, smoothed loss).
            checkpoint: None, or Checkpointing: save a resumable checkpoint every so often, and
                on Ctrl-C before the KeyboardInterrupt goes on. Only for a run on the corpus
                build_vocab encoded (the one a checkpoint resumes from).
        Returns:
            (trained_word_count, raw_word_count), as gensim: the in-vocabulary words trained
            (those sub-sampling kept), and the words read, out-of-vocabulary ones included.
        Raises:
            TypeError, ValueError, RuntimeError: gensim's sanity errors (no or two corpora, no
            totals, no epochs, no vocabulary). ConfigError: an argument fastw2v cannot honour.
        """
        gensim_args.refuse_unsupported(word_count=word_count, queue_factor=queue_factor,
                                       report_delay=report_delay)
        given = corpus_iterable is not None or corpus_file is not None
        if given:
            gensim_args.check_corpus(corpus_iterable, corpus_file)
            gensim_args.check_training(True, total_examples, total_words, epochs)
        elif epochs is not None:
            gensim_args.check_epochs(epochs)
        if self.vocab is None:
            raise RuntimeError("you must first build vocabulary before training the model")
        changes = {name: value for name, value in (("alpha", start_alpha), ("min_alpha", end_alpha),
                                                   ("epochs", epochs)) if value}
        if any(getattr(self.config, name) != value for name, value in changes.items()):
            self._reconfigure(**changes)  # a run with other settings starts anew
        other = None
        if given:
            self._refuse_on_cluster("train() on a corpus")
            if not self._same_source(corpus_iterable, corpus_file):
                if checkpoint is not None:
                    raise ConfigError("a checkpoint resumes from the corpus build_vocab encoded; train() on "
                                      "another corpus cannot be checkpointed: build_vocab(that corpus, "
                                      "corpus_dir=...) first")
                other = self._encode_for_training(corpus_iterable, corpus_file)
            sentences, tokens = (self.corpus_count, self.corpus_total_words) if other is None \
                else (other.sentences, other.tokens)
            gensim_args.warn_on_wrong_totals(total_examples, total_words, sentences, tokens)
            self.progress = None
        try:
            return self._train(progress, checkpoint, checked_callbacks(callbacks), compute_loss, other)
        finally:
            if other is not None and other.workdir is not None:
                other.workdir.cleanup()

    def _train(self, progress, checkpoint, callbacks, compute_loss, other=None):
        """Train on the corpus build_vocab encoded, or on `other` (a `backend.Prepared` of another
        corpus, this call's only); returns gensim's (trained, raw) word counts."""
        if self._untrainable:
            raise ConfigError(self._untrainable)
        if callbacks:
            self._refuse_on_cluster("callbacks")
        if not self.config.epochs:
            raise ValueError("You must specify an explicit epochs count. The usual value is "
                             "epochs=model.epochs.")
        self._check_words_match("train")
        if self._progress_elsewhere or other is not None:
            self.progress = None  # a run on one corpus is not resumed on another
        self._progress_elsewhere = other is not None
        corpus = self.corpus if other is None else other.corpus
        self.compute_loss = bool(compute_loss)
        backend = self._backend_for(self.cluster is not None or "cluster" in self.saved_run)
        state = TrainingState(self.config, self.vocab, corpus, self._input_rows(), self.outputs,
                              self.progress, self.saved_run, self.cluster, self._save_state)
        if callbacks:
            state.epoch_events = _EpochCallbacks(self, state, callbacks)
        self._loss_base = (self.progress, self._summed_loss())
        self._loss_set = 0.0  # gensim's train() starts the running total at 0.0
        fire(callbacks, "on_train_begin", self)
        try:
            trained = backend.train(state, progress, checkpoint)
        finally:
            self.progress = state.progress
            object.__setattr__(self, "config", state.config)  # with a callback's learning rates
            self.wv.invalidate()
        if trained.corpus is not None:
            self.corpus, self.corpus_dir = trained.corpus, trained.corpus_dir
            corpus = trained.corpus
        self._run_corpus_words = corpus.n_words if corpus is not None else None
        self.epoch_losses = self.progress.epoch_mean_losses()
        self.stats = trained.stats
        self.train_count += 1
        self.total_train_time += trained.stats["seconds"]
        fire(callbacks, "on_train_end", self)
        tokens = self.corpus_total_words if other is None else other.tokens
        return self._word_counts(trained.stats, corpus, tokens)

    @staticmethod
    def _word_counts(stats, corpus, tokens):
        """gensim's (trained_word_count, raw_word_count) of a call: the words sub-sampling kept,
        and the words read (those out of the vocabulary too, in the proportion of the corpus)."""
        kept, words = int(stats.get("kept", stats["words"])), int(stats["words"])
        in_vocabulary = corpus.n_words if corpus is not None else 0
        raw = round(words * tokens / in_vocabulary) if in_vocabulary else words
        return kept, max(raw, words)

    def _same_source(self, corpus_iterable, corpus_file):
        """Whether the corpus given is the one encoded now: the same files, unchanged, or the
        same single-pass iterator (a list may have changed since, so it is read again)."""
        return self.corpus is not None and self._source is not None \
            and self._source == source_of(corpus_iterable, corpus_file)

    def _encode_for_training(self, corpus_iterable, corpus_file):
        """Read and encode a corpus with the model's vocabulary (its other words are dropped),
        into a temporary folder: returns its `backend.Prepared`, whose ``workdir`` the caller
        cleans up.

        Raises:
            DatasetError: no word of the corpus is in the vocabulary.
        """
        vocab = self.vocab

        def choose(words, counts, tokens):
            ids = vocab.ids_of(words)
            if not np.any(ids >= 0):
                raise DatasetError(f"none of its {len(words):,} distinct words is in the model's vocabulary; "
                                   "build_vocab(..., update=True) adds new words")
            return vocab, ids

        return self._backend_for(False).build_vocab(self.config, corpus_iterable, corpus_file, None, None,
                                                    VocabularyRule(choose))

    def reset_from(self, other_model):
        """Take another model's vocabulary (words and counts) and start fresh weights for it, as
        gensim's; the corpus is not taken: `train` on one."""
        self.vocab = other_model.vocab
        self.corpus_count, self.corpus_total_words = other_model.corpus_count, other_model.corpus_total_words
        self.corpus, self._source = None, None
        self._adopt_vocabulary(other_model.vocab, update=False)

    def _refuse_on_cluster(self, what):
        if self.cluster is not None or "cluster" in self.saved_run:
            raise ConfigError(f"{what} is not available for a model trained on a Dask cluster yet; "
                              "train on this machine (cluster=None)")

    def _backend_for(self, on_cluster):
        """The model's backend, kept across calls (a cluster's holds its session and rounds): this
        machine's, or a cluster's when `on_cluster` (a model built on a cluster stays on one);
        on this machine, its threads or its GPU as `config.device` says now."""
        from_here = self.backend is None or isinstance(self.backend, LocalBackend)
        if (on_cluster or not from_here) and self.config.device != "cpu":
            raise ConfigError(f"a Dask cluster trains on its workers' CPUs: device "
                              f"{self.config.device!r} trains on this machine (cluster=None)")
        if from_here and on_cluster:
            from fastw2v.cluster import ClusterBackend

            self.backend = ClusterBackend()
        elif from_here:
            wanted = LocalBackend
            if self.config.device == "cuda":
                from fastw2v.gpu import CudaBackend

                wanted = CudaBackend
            if type(self.backend) is not wanted:
                self.backend = wanted()
        return self.backend

    def _save_state(self, path, run, with_corpus, progress):
        """Write the model with a run's progress as it is now (a checkpoint during `train`)."""
        self.progress = progress
        self._save(path, run, with_corpus)

    def _save(self, path, run, with_corpus):
        self._check_words_match("save")
        from fastw2v import checkpoint  # imported when first used, as the file formats are

        checkpoint.save_model(path, self, run, with_corpus=with_corpus)

    def _check_words_match(self, what):
        """Refuse `what` when `wv` no longer holds the vocabulary's words in its order (keys added
        or re-sorted through wv itself), since the model's file and its training pair row i
        of wv with word i of the vocabulary.

        Raises:
            ConfigError: saying how to save such vectors, or grow the model.
        """
        if self.wv is None or self.vocab is None:
            return
        if len(self.wv) != len(self.vocab) or self.wv.index_to_key != list(self.vocab.words):
            raise ConfigError(f"cannot {what} the model: its wv no longer holds the vocabulary's "
                              f"{len(self.vocab):,} words in order ({len(self.wv):,} keys; changed "
                              "through wv, e.g. wv.add_vectors or wv.sort_by_descending_frequency). "
                              "Save the vectors alone (model.wv.save or save_word2vec_format), or "
                              "add words to the model with build_vocab(..., update=True)")

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
        self._save(path, run or {}, with_corpus=False)

    def save_checkpoint(self, path, run):
        """Like `save`, and the file also points to the kept encoded corpus
        (`build_vocab(corpus_dir=...)`), so that `load` + `train` can finish the run.

        Raises:
            ConfigError: the last run trained on another corpus than build_vocab's (`train`
                given one), which the kept corpus cannot resume.
        """
        if self._progress_elsewhere:
            raise ConfigError("cannot checkpoint: the last train() ran on another corpus than build_vocab's, "
                              "and a checkpoint resumes on build_vocab's; save() the model instead")
        self._save(path, run, with_corpus=True)

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
        from fastw2v import checkpoint

        return cls.from_state(checkpoint.load_model(path), path)

    @classmethod
    def from_state(cls, state, path):
        """The model of a `checkpoint.ModelState` read from `path` (`load`)."""
        if state.config.get("maxn", 0) and not cls.TAKES_NGRAMS:
            raise FormatError(f"{path}: a model with character n-grams: load it with fastw2v.FastText.load")
        model = cls.from_settings(state.config)
        model.vocab = state.vocab
        model.wv = model._loaded_vectors(state)
        model.outputs = OutputRows(model.config, len(state.vocab), state.syn1neg, state.syn1)
        model.progress = state.progress
        if state.corpus_dir is not None:
            model.corpus_dir = state.corpus_dir
            model.corpus = corpus_mod.EncodedCorpus.load(state.corpus_dir)
        model.saved_run = state.run
        model._untrainable = state.untrainable
        model._restore_attributes(path, state.attributes)
        return model

class _EpochCallbacks:
    """`backend.TrainingState.epoch_events` that call gensim-style callbacks with the model, which
    sees the run's progress so far (`Word2Vec.get_latest_training_loss`). A callback may set the
    learning rates (``model.alpha``, ``model.min_alpha``): the run's `state.config` follows them."""

    FOLLOWED = frozenset({"alpha", "min_alpha"})

    def __init__(self, model, state, callbacks):
        self.model, self.state, self.callbacks = model, state, callbacks

    def begin(self, epoch):
        self._fire("on_epoch_begin")

    def end(self, epoch):
        self.model.wv.invalidate()  # a callback's queries see the epoch's vectors
        self._fire("on_epoch_end")

    def _fire(self, event):
        self.model.progress = self.state.progress
        object.__setattr__(self.model, "_in_callback", True)  # setting alpha keeps the run's progress
        try:
            fire(self.callbacks, event, self.model)
        finally:
            object.__setattr__(self.model, "_in_callback", False)
        self._follow_settings()

    def _follow_settings(self):
        """Take the learning rates a callback set into the run; refuse any other change.

        Raises:
            ConfigError: a callback changed a setting the run cannot follow (the model keeps the
                run's settings).
        """
        running, config = self.state.config, self.model.config
        if config is running:
            return
        changed = [field.name for field in dataclasses.fields(config)
                   if getattr(config, field.name) != getattr(running, field.name)]
        refused = [name for name in changed if name not in self.FOLLOWED]
        if refused:
            object.__setattr__(self.model, "config", running)
            raise ConfigError(f"a callback set {', '.join(refused)} while train() runs; only alpha and "
                              "min_alpha can change during a run: set the others between train() calls")
        self.state.config = config


def _phrase_passes(phrases):
    """build_vocab's `phrases` as `PhrasePasses` (None stays None).

    Raises:
        ConfigError: neither None, an int >= 1 nor a PhrasePasses.
    """
    if phrases is None:
        return None
    from fastw2v.phrasing import PhrasePasses  # its kernels load only where phrases are asked for

    if isinstance(phrases, PhrasePasses):
        return phrases
    if isinstance(phrases, numbers.Integral) and not isinstance(phrases, bool):
        return PhrasePasses(passes=int(phrases))
    raise ConfigError(f"phrases must be None, a number of passes or a fastw2v.phrasing.PhrasePasses, "
                      f"not {phrases!r}")


def _word_vectors(vocab, vectors):
    """A model's `KeyedVectors`: the vocabulary's words and `vectors` (float32 (Vocab, D)), with
    gensim's ``"count"`` attribute (int64 (Vocab,)) from the vocabulary's counts."""
    wv = KeyedVectors(vocab.words, vectors)
    wv.expandos["count"] = np.array(vocab.counts, dtype=np.int64)
    return wv


def _count(value, word):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ConfigError(f"word_freq[{word!r}] must be a count (an int ≥ 0), got {value!r}")
    return int(value)
