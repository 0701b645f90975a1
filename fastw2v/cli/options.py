"""What several commands share: argument types, the model options, loading vectors for a query."""

import argparse

from fastw2v.errors import FastW2VError

VECTORS_HELP = ("vector file: word2vec text or binary, native .npz, or fastText .bin (told apart by "
                "content)")


def load_query_vectors(path):
    """The vectors of `path` for queries: those of a model with n-grams (a native model of
    ``train --subwords``, a fastText .bin) answer for unseen words too; else the file's
    KeyedVectors."""
    from fastw2v import formats
    from fastw2v.errors import FormatError
    from fastw2v.vectors import KeyedVectors

    found = formats.detect_format(path)
    if found == formats.FASTTEXT:
        from fastw2v.fasttext import load_facebook_vectors

        return load_facebook_vectors(path)
    if found == formats.NATIVE and _holds_ngrams(path):
        from fastw2v.fasttext import load_model

        try:
            return load_model(path).wv
        except FormatError:  # vectors saved alone, no model: read as vectors (its error, if any)
            pass
    return KeyedVectors.load(path)


def _holds_ngrams(path):
    """Whether a native file holds n-gram rows (a model of ``train --subwords``), from its
    members' names alone (the vectors of any other native file are read as they are)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return "ngram_vectors.npy" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def load_knowing(path, words):
    """`load_query_vectors` of `path`; a FastW2VError names the first of `words` it lacks."""
    vectors = load_query_vectors(path)
    for word in words:
        if word not in vectors:
            raise FastW2VError(f"{word!r} is not in the vocabulary of {path} ({len(vectors)} words; "
                               "words are case-sensitive)")
    return vectors


def print_scores(pairs):
    for word, score in pairs:
        print(f"{word}\t{score:.4f}")


def add_model_options(sub, defaults):
    """The settings `train` and `diff` share, with defaults from a dict of TrainConfig names."""
    sub.add_argument("--dim", type=positive_int, default=defaults["vector_size"],
                     help="vector dimensions (default %(default)s)")
    sub.add_argument("--window", type=positive_int, default=defaults["window"],
                     help="largest window (default %(default)s)")
    sub.add_argument("--negative", type=non_negative_int, default=defaults["negative"],
                     help="negatives per pair; 0 only with --hs (default %(default)s)")
    sub.add_argument("--sample", type=float, default=defaults["sample"],
                     help="sub-sampling threshold, 0 for none; 1 or more is gensim's count threshold "
                          "(default %(default)s)")
    sub.add_argument("--min-count", type=positive_int, default=defaults["min_count"],
                     help="drop rarer words (default %(default)s)")
    sub.add_argument("--epochs", type=positive_int, default=defaults["epochs"],
                     help="passes over the corpus (default %(default)s)")
    sub.add_argument("--alpha", type=float, default=defaults.get("alpha"),
                     help="start learning rate (default: %s)" % (
                         defaults["alpha"] if defaults.get("alpha") else "0.025 skip-gram, 0.05 CBOW"))
    sub.add_argument("--seed", type=int, default=defaults["seed"], help="random seed (default %(default)s)")
    sub.add_argument("--model", choices=("sg", "cbow"), default="sg",
                     help="sg: skip-gram, each context word predicts the center; cbow: the mean of "
                          "the window predicts it (default %(default)s)")
    sub.add_argument("--cbow", dest="model", action="store_const", const="cbow",
                     help="the same as --model cbow")
    sub.add_argument("--cbow-sum", action="store_true",
                     help="CBOW's input is the sum of the context rows, not their mean "
                          "(the C tool's -cbow_mean 0)")
    sub.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                     help="cpu: this machine's threads; cuda: its NVIDIA GPU, through numba.cuda "
                          "(negative sampling; `fastw2v info --devices` says what it sees) "
                          "(default %(default)s)")


def model_settings(args):
    """The `add_model_options` values as TrainConfig settings."""
    return dict(vector_size=args.dim, window=args.window, negative=args.negative, sample=args.sample,
                min_count=args.min_count, epochs=args.epochs, alpha=args.alpha, seed=args.seed,
                sg=int(args.model == "sg"), cbow_mean=int(not args.cbow_sum), device=args.device)


def positive_int(text):
    return _integer_at_least(text, 1, "a positive integer")


def non_negative_int(text):
    return _integer_at_least(text, 0, "0 or a positive integer")


def _integer_at_least(text, minimum, what):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{text!r} must be {what}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value
