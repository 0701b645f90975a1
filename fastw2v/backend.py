"""Where a model trains: the interface its backends implement (`fastw2v.local`: this machine's
threads; `fastw2v.cluster`: a Dask cluster), and what passes between them and the model.

A backend owns what it needs to run (a cluster's session and round layout); the model
(`fastw2v.train.Word2Vec`) owns its vocabulary, weights and progress, lends them to the backend
for one call, and sets its own attributes from what the call returns.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Checkpointing:
    """Where and how often training saves a resumable checkpoint.

    Attributes:
        path: the checkpoint file (native .npz), replaced atomically each time.
        every: seconds of training between checkpoints.
        run: JSON-serialisable dict saved with it (the CLI keeps its output settings there).
    """

    path: str
    every: float
    run: dict = field(default_factory=dict)


@dataclass
class Prepared:
    """What `Backend.build_vocab` gives the model.

    Attributes:
        vocab: Vocabulary. corpus: the encoded corpus the backend trains on (`corpus.EncodedCorpus`,
            or a cluster's `ShardedCorpus`). corpus_dir: the folder kept for it (a checkpoint's),
            or None when it lives in `workdir`. workdir: a `tempfile.TemporaryDirectory` that the
            model keeps alive (and removes with itself), or None.
        tokens, sentences: int, the tokens and the lines (sentences, empty ones too) read,
            before the vocabulary dropped any (gensim's ``corpus_total_words``, ``corpus_count``).
        raw_counts: dict word -> count of every word read, or None (kept when asked for).
        phrases_found: list of int, the phrases each phrase pass found (`VocabularyRule.phrases`),
            or None without passes.
    """

    vocab: object
    corpus: object
    corpus_dir: object = None
    workdir: object = None
    tokens: int = 0
    sentences: int = 0
    raw_counts: dict = None
    phrases_found: list = None


@dataclass(frozen=True)
class VocabularyRule:
    """How `Backend.build_vocab` turns the words read into the vocabulary.

    Attributes:
        choose: None (a new vocabulary from the settings), or a function
            ``(words, counts, tokens) -> (Vocabulary, vocab_ids)`` of the distinct words read (list
            of str), their counts (int64) and the tokens read, giving each word's vocabulary id
            (int32 array, -1 for a word left out).
        trim_rule, max_final_vocab: gensim's, for a new vocabulary (`vocab.vocabulary_of`).
        keep_raw_counts: whether `Prepared.raw_counts` is kept.
        phrases: None, or `phrasing.PhrasePasses` to run on the corpus read before its words
            are counted into the vocabulary (the vocabulary then holds the phrases).
    """

    choose: object = None
    trim_rule: object = None
    max_final_vocab: int = None
    keep_raw_counts: bool = False
    phrases: object = None


@dataclass
class TrainingState:
    """What a backend trains: the model's settings, data, weights and progress, for one call.

    Attributes:
        config: TrainConfig. vocab: Vocabulary. corpus: what `Prepared.corpus` was (None for a
            loaded model whose corpus is gone).
        vectors: float32 (Vocab, D), V, trained in place. outputs: `weights.OutputRows`, U.
        progress: `plan.Progress` of an unfinished run to go on with, or None; the backend sets
            it to the run's progress as it trains (where an interruption leaves it, too).
        saved_run: the ``run`` dict of the file the model was loaded from ({} otherwise).
        where: the model's ``cluster`` setting now (None: this machine).
        save: function (path, run, with_corpus, progress) that writes the model as it is now,
            with that progress (`checkpoint.save_model`).
        epoch_events: None, or an object whose ``begin(epoch)`` and ``end(epoch)`` the backend
            calls when an epoch starts (at its first job) and ends, with every job before that
            point done and none after (the training callbacks).
    """

    config: object
    vocab: object
    corpus: object
    vectors: object
    outputs: object
    progress: object
    saved_run: dict = field(default_factory=dict)
    where: object = None
    save: object = None
    epoch_events: object = None


@dataclass
class Trained:
    """What `Backend.train` returns (the run's progress is in `TrainingState.progress`).

    Attributes:
        stats: dict with at least words (before sub-sampling), kept (after), seconds,
            words_per_second and pairs of this call.
        corpus, corpus_dir: the corpus a resumed run found (the model keeps them), or None.
    """

    stats: dict
    corpus: object = None
    corpus_dir: object = None


class Backend:
    """The interface: build the vocabulary and encoded corpus, train, release what is held."""

    def build_vocab(self, config, sentences, corpus_file, corpus_dir, where=None, rule=None):
        """Count the corpus, build the vocabulary, encode the corpus. Returns Prepared.

        where: the model's ``cluster`` setting (None: this machine). rule: None (a new
        vocabulary from the settings), or `VocabularyRule`.

        Raises ConfigError / DatasetError / ClusterError with a message naming the input."""
        raise NotImplementedError

    def train(self, state, show_progress, checkpoint):
        """Train `state` (TrainingState) to the end of its run; checkpoint: None or
        `Checkpointing`. Returns Trained."""
        raise NotImplementedError

    def close(self):
        """Release what the backend holds (a cluster session); it may be used again after."""
