"""The gensim face of `fastw2v.train.Word2Vec`: its settings as attributes (``model.window``,
settable, validated), the attributes and methods gensim's model has beside training, and a clear
answer for the gensim names fastw2v has not."""

import dataclasses

import numpy as np

from fastw2v import gensim_args
from fastw2v.config import TrainConfig, loss_from_gensim
from fastw2v.errors import ConfigError, FormatError
from fastw2v.weights import inner_node_rows, word_output_rows

# TrainConfig's settings, which are also the model's attributes (gensim's names).
_SETTINGS = frozenset(field.name for field in dataclasses.fields(TrainConfig))
_ONE_PASS = "build_vocab and train do gensim's steps in one compiled pass each"
# gensim's Word2Vec names that fastw2v has not, and why (asking for one says so).
_GENSIM_ONLY = {
    "score": "scoring sentences by their log-probability (gensim's, for skip-gram with hierarchical "
             "softmax) is not implemented",
    "init_sims": "unit vectors are computed and cached by KeyedVectors (wv.get_normed_vectors())",
    "cum_table": "the noise distribution is an alias table built for each run, not a cumulative table",
    "random": "every draw comes from seeded compiled generators, not a numpy RandomState",
    "lifecycle_events": "fastw2v keeps no event log; the model file keeps its settings and progress",
    "add_lifecycle_event": "fastw2v keeps no event log; the model file keeps its settings and progress",
    **{name: _ONE_PASS for name in ("scan_vocab", "prepare_vocab", "prepare_weights", "init_weights",
                                    "update_weights", "make_cum_table", "create_binary_tree",
                                    "seeded_vector", "add_null_word")},
}


class GensimFace:
    """Mixed into Word2Vec: what gensim's users reach for besides build_vocab and train.

    Expects the model's ``config``, ``vocab``, ``wv``, ``outputs`` (``syn1neg``), ``corpus``,
    ``progress`` and the attributes its constructor sets (`saved_attributes`).
    """

    def __getattr__(self, name):
        """A setting of `config` read as the model's attribute (``model.window``), as gensim's."""
        config = self.__dict__.get("config")
        if config is not None and name in _SETTINGS:
            return getattr(config, name)
        if config is not None and name == "hs":
            return int(config.objective.hierarchical)
        if name in _GENSIM_ONLY:
            raise AttributeError(f"fastw2v's Word2Vec has no {name}: {_GENSIM_ONLY[name]}")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # gensim's attributes for the arguments accepted at one value only (`gensim_args`).
    hashfxn, null_word, sorted_vocab, shrink_windows = hash, 0, 1, True
    layer1_size = property(lambda self: self.config.vector_size)

    @property
    def running_training_loss(self):
        """gensim's running loss total: `get_latest_training_loss`."""
        return self.get_latest_training_loss()

    @running_training_loss.setter
    def running_training_loss(self, value):
        """Restart the running total at `value` (gensim's callbacks reset it to 0.0 each epoch);
        without compute_loss it stays at `value`, as gensim's attribute does, until train()."""
        object.__setattr__(self, "_loss_base", (self.progress, self._summed_loss() - float(value)))
        object.__setattr__(self, "_loss_set", float(value))

    def _summed_loss(self):
        """The summed loss of `progress` (float), 0.0 without one."""
        if self.progress is None:
            return 0.0
        with self.progress.lock:
            return float(self.progress.loss.sum())

    @property
    def min_alpha_yet_reached(self):
        """The learning rate where the last run stopped (alpha before any training)."""
        config, progress, words = self.config, self.progress, self._run_corpus_words
        if words is None and self.corpus is not None:
            words = self.corpus.n_words
        if progress is None or not words or not config.epochs:
            return config.alpha
        done = progress.words / float(config.epochs * words)
        return max(config.alpha - (config.alpha - config.min_alpha) * done, config.min_alpha)

    def __setattr__(self, name, value):
        """Setting a setting (``model.alpha = 0.01``) makes a new, validated `config`."""
        if name in _SETTINGS and "config" in self.__dict__:
            self._reconfigure(**{name: value})
        elif name == "hs" and "config" in self.__dict__:
            self._reconfigure(loss=loss_from_gensim(value, None, self.config.negative))
        else:
            object.__setattr__(self, name, value)

    def _reconfigure(self, **changes):
        """Replace `config` by one with `changes` (validated); refuse changing the shape of the
        matrices once they exist."""
        config = dataclasses.replace(self.config, **changes)
        shape = ("vector_size", "loss", "minn", "maxn", "bucket")
        if self.wv is not None and any(getattr(config, name) != getattr(self.config, name) for name in shape):
            raise ConfigError(f"{', '.join(changes)} cannot change the model's matrices once the "
                              "vocabulary is built: set it before build_vocab")
        object.__setattr__(self, "config", config)
        # A callback's new rates are the live run's, and the device changes where the run's jobs
        # train, not what they are; any other change makes other jobs of the old run.
        if not self.__dict__.get("_in_callback") and set(changes) - {"device"}:
            object.__setattr__(self, "progress", None)

    def get_latest_training_loss(self):
        """The summed loss (float64, nats) of the last or current `train` call so far — every
        (center, context) pair's, as gensim's running total, since the call began or
        `running_training_loss` was last set — when it was called with compute_loss=True;
        otherwise, as gensim, the value last set (0.0 from each train() on)."""
        if not self.compute_loss:
            return self.__dict__.get("_loss_set", 0.0)
        if self.progress is None:
            return 0.0
        base_progress, offset = self._loss_base
        # A new run has a new Progress: the offset belongs to the run it was taken on.
        return self._summed_loss() - (offset if self.progress is base_progress else 0.0)

    def predict_output_word(self, context_words_list, topn=10):
        """The `topn` most probable center words given context words, by the full softmax of the
        negative-sampling output vectors over the context rows' sum (mean with cbow_mean), as
        gensim's: list of (word, probability), or None when no context word is known.

        Raises:
            RuntimeError: the model has no negative-sampling output vectors (gensim's error).
        """
        if self.syn1neg is None:
            raise RuntimeError("We have currently only implemented predict_output_word for the negative "
                               "sampling scheme, so you need to have run word2vec with negative > 0 for "
                               "this to work.")
        known = [self.wv.get_index(w) for w in context_words_list if w in self.wv]
        if not known:
            return None
        hidden = self.wv.vectors[known].sum(axis=0)
        if self.config.cbow_mean:
            hidden /= len(known)
        scores = self.syn1neg @ hidden
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = np.argsort(-probabilities, kind="stable")[:topn]
        return [(self.wv.index_to_key[i], float(probabilities[i])) for i in best]

    def estimate_memory(self, vocab_size=None, report=None):
        """Bytes the model's arrays take for `vocab_size` words (default: its vocabulary), as
        gensim's dict: vectors, syn1neg and syn1 (those the loss has), vocab (the word table, about
        500 bytes a word, gensim's figure) and total. `report`: a dict to update, or None."""
        n = len(self.vocab) if vocab_size is None and self.vocab is not None else int(vocab_size or 0)
        row = self.config.vector_size * np.dtype(np.float32).itemsize
        report = {} if report is None else report
        report["vocab"] = 500 * n
        report["vectors"] = n * row
        if word_output_rows(self.config, n):
            report["syn1neg"] = n * row
        if inner_node_rows(self.config, n):
            report["syn1"] = inner_node_rows(self.config, n) * row
        report["total"] = sum(value for key, value in report.items() if key != "total")
        return report

    def saved_attributes(self):
        """The model's attributes besides its settings and matrices, as a JSON dict for its file."""
        return {"corpus_count": self.corpus_count, "corpus_total_words": self.corpus_total_words,
                "compute_loss": self.compute_loss, "comment": self.comment,
                "max_final_vocab": self.max_final_vocab, "train_count": self.train_count,
                "total_train_time": self.total_train_time}

    def _restore_attributes(self, path, saved):
        """Set what `saved_attributes` wrote (older files have none)."""
        try:
            self.corpus_count = int(saved.get("corpus_count", 0))
            self.corpus_total_words = int(saved.get("corpus_total_words", 0))
            self.compute_loss = bool(saved.get("compute_loss", False))
            self.comment = saved.get("comment")
            self.max_final_vocab = gensim_args.check_optional_count("max_final_vocab",
                                                                    saved.get("max_final_vocab"))
            self.train_count = int(saved.get("train_count", 0))
            self.total_train_time = float(saved.get("total_train_time", 0.0))
        except (TypeError, ValueError, AttributeError) as exc:
            raise FormatError(f"{path}: bad model attributes in the file ({exc})") from None
