"""gensim 4's `Word2Vec` arguments that fastw2v checks as gensim does, or refuses because it
cannot honour them: never ignored in silence.

Each refusal is a `ConfigError` (a `ValueError`) whose message says what fastw2v does instead;
the training sanity errors are gensim's own types and words (`TypeError`, `ValueError`,
`RuntimeError`), so code written against gensim catches them as before.
"""

import logging
import numbers
import os

from fastw2v.errors import ConfigError

LOGGER = logging.getLogger("fastw2v")

# argument -> (the value fastw2v honours, why another is refused)
_FIXED = {
    "sorted_vocab": (1, "fastw2v always sorts the vocabulary by descending count (its threads keep "
                        "private rows for the most frequent words)"),
    "null_word": (0, "fastw2v's CBOW does not pad short windows, so it has no use for a padding word"),
    "shrink_windows": (True, "fastw2v's kernels always draw each center's window in [1, window], "
                             "the C tool's rule"),
    "progress_per": (10000, "fastw2v's compiled reader does not log its progress sentence by sentence"),
    "word_count": (0, "fastw2v counts the words trained itself"),
    "queue_factor": (2, "fastw2v has no job queue: its threads take the next span in order"),
    "report_delay": (1.0, "fastw2v shows progress with progress=True (a tqdm bar), not in the log"),
}


def refuse_unsupported(**given):
    """Raise ConfigError for the first argument in `given` (names of `_FIXED`, or ``hashfxn``)
    whose value fastw2v cannot honour."""
    for name, value in given.items():
        if name == "hashfxn":
            if value is not hash:
                raise ConfigError("hashfxn: fastw2v draws the initial vectors from a generator "
                                  "seeded by seed (as gensim 4 does, which no longer uses hashfxn); "
                                  "leave hashfxn out")
            continue
        honoured, why = _FIXED[name]
        if value != honoured:
            raise ConfigError(f"{name}={value!r} is not supported: {why}; leave {name} out "
                              f"(or give {honoured!r})")


def check_optional_count(name, value):
    """None, or an int ≥ 1 (`max_final_vocab`); ConfigError otherwise."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                              or value < 1):
        raise ConfigError(f"{name} must be None or an integer ≥ 1, got {value!r}")
    return value


def check_trim_rule(trim_rule):
    """None or a callable (word, count, min_count) -> gensim's RULE_*; ConfigError otherwise."""
    if trim_rule is not None and not callable(trim_rule):
        raise ConfigError(f"trim_rule must be None or a function (word, count, min_count), got {trim_rule!r}")
    return trim_rule


def check_corpus(corpus_iterable, corpus_file):
    """gensim's corpus checks for `train`: exactly one corpus, an iterable or existing paths.

    Unlike gensim, a generator is fine for any number of epochs (fastw2v reads a corpus once),
    and corpus_file may be compressed, a directory, a list of paths or ``-``.

    Raises:
        TypeError: as gensim's, for none, both, a non-iterable corpus or a missing file.
    """
    if corpus_file is None and corpus_iterable is None:
        raise TypeError("Either one of corpus_file or corpus_iterable value must be provided")
    if corpus_file is not None and corpus_iterable is not None:
        raise TypeError("Both corpus_file and corpus_iterable must not be provided at the same time")
    if corpus_iterable is not None and (isinstance(corpus_iterable, (str, bytes))
                                        or not hasattr(corpus_iterable, "__iter__")):
        raise TypeError(f"The corpus_iterable must be an iterable of lists of strings, got "
                        f"{corpus_iterable!r:.80} instead")
    if corpus_file is not None:
        paths = [corpus_file] if isinstance(corpus_file, (str, os.PathLike)) else list(corpus_file)
        for path in paths:
            if os.fspath(path) != "-" and not os.path.exists(path):
                raise TypeError(f"Parameter corpus_file must be a valid path to a file, got {path!r} instead")


def check_training(has_objective, total_examples, total_words, epochs):
    """gensim's training checks (`Word2Vec.train` with a corpus).

    Raises:
        ValueError: neither total given, or epochs missing or not positive (gensim's messages).
    """
    if not has_objective:
        raise ValueError("You must set either 'hs' or 'negative' to be positive for proper training. "
                         "When both 'hs=0' and 'negative=0', there will be no training.")
    if total_words is None and total_examples is None:
        raise ValueError("You must specify either total_examples or total_words, for proper learning-rate "
                         "and progress calculations. If you've just built the vocabulary using the same "
                         "corpus, using the count cached in the model is sufficient: "
                         "total_examples=model.corpus_count.")
    check_epochs(epochs)


def check_epochs(epochs):
    """ValueError (gensim's message) unless epochs is a positive int."""
    if epochs is None or isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs <= 0:
        raise ValueError("You must specify an explicit epochs count. The usual value is epochs=model.epochs.")


def warn_on_wrong_totals(total_examples, total_words, sentences, tokens):
    """Log a warning, as gensim does, when a given total differs from what the corpus held (the
    run still decays the learning rate over the exact count)."""
    for name, given, found in (("example", total_examples, sentences), ("raw word", total_words, tokens)):
        if given is not None and int(given) != found:
            LOGGER.warning("supplied %s count (%d) did not equal expected count (%d); fastw2v uses "
                           "the count it read", name, int(given), found)
