"""`fastw2v train` and `fastw2v resume`: train, checkpoint, write the vectors."""

import argparse
import os
import sys
import time

from fastw2v.cli.options import add_model_options, model_settings, positive_float, positive_int
from fastw2v.errors import ConfigError, FastW2VError

COMMANDS = {"train": "train skip-gram word vectors on text files",
            "resume": "finish a training run from its checkpoint"}
# fastw2v.cluster.connect's COMBINE_RULES, DEFAULT_CONNECT_SECONDS and REPLICA_ROUND_WORDS, kept
# here so that the train command's options need no NumPy or Numba (importing fastw2v.cluster
# imports the training modules).
COMBINE_RULES = ("tiered-mean", "tiered-sum", "tiered-clipped-sum", "replica-mean", "align", "align-epochs")
DEFAULT_CONNECT_SECONDS = 10.0
REPLICA_ROUND_WORDS = 200_000


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    {"train": _add_train, "resume": _add_resume}[name](commands)


TRAIN_EXAMPLES = """examples:
  fastw2v train corpus.txt -o vectors.txt
  fastw2v train corpus/ more.txt.gz -o vectors.bin --dim 300 --window 8 --epochs 10 --threads 2
  zcat corpus.gz | fastw2v train - -o vectors.txt               # standard input
  fastw2v train corpus.txt -o model.npz --checkpoint run.ckpt   # resumable: fastw2v resume run.ckpt
  fastw2v train corpus.txt -o vectors.txt --mode shared         # shared negatives: faster
  fastw2v train corpus.txt -o vectors.txt --threads 1 --seed 7  # bit-identical run after run
  fastw2v train corpus.txt -o vectors.txt --loss-plot loss.png  # and the training loss curve
  fastw2v train corpus.txt -o vectors.txt --phrases 2           # vectors for new_york, new_york_times
  fastw2v train corpus.txt -o vectors.txt --dask local:2        # 2 Dask worker processes
  fastw2v train /shared/corpus/ -o /shared/v.txt --dask tcp://scheduler:8786   # a running cluster
"""
OUTPUT_FORMATS = ("text", "binary", "npz", "fasttext")
SUBWORD_DEFAULTS = (3, 6, 2_000_000)  # fastText's and gensim's minn, maxn, bucket
DEFAULT_CHECKPOINT_SECONDS = 300.0


def _add_train(commands):
    from fastw2v.config import LOSSES, MODES, TrainConfig

    defaults = dict(TrainConfig(workers=1).to_dict(), alpha=None)  # alpha: by architecture
    sub = commands.add_parser(
        "train", help=COMMANDS["train"],
        description="Train word vectors on whitespace-separated text (one sentence a line; "
                    "lines longer than 10,000 words are cut) and write them in the word2vec "
                    "text or binary format, or as a native model (.npz).",
        epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="text files (.gz and .bz2 too), directories (every file in them), - for stdin")
    sub.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
    sub.add_argument("--format", choices=OUTPUT_FORMATS, default=None,
                     help="output format: word2vec text or binary, the native model (npz), fastText's .bin "
                          "model (fasttext: n-grams kept, as `fasttext save_model`); default: npz for .npz, "
                          "for .bin fasttext with --subwords and binary without, else text")
    add_model_options(sub, defaults)
    sub.add_argument("--max-vocab-size", type=positive_int, default=None, help="keep at most this many words")
    sub.add_argument("--min-alpha", type=float, default=None, help="end learning rate (default alpha·1e-4)")
    sub.add_argument("--threads", type=positive_int, default=None, help="threads (default: every core)")
    sub.add_argument("--mode", choices=MODES, default=defaults["mode"],
                     help="default: fresh negatives per pair; shared: one set per center "
                          "(default %(default)s)")
    sub.add_argument("--loss", choices=LOSSES, default=defaults["loss"],
                     help="neg: negative sampling; hs: hierarchical softmax (a Huffman tree of the "
                          "counts); hs+neg: both, summed; softmax: the full softmax, O(vocabulary) "
                          "per pair, for small vocabularies (default %(default)s)")
    sub.add_argument("--hs", dest="loss", action="store_const", const="hs",
                     help="hierarchical softmax alone: the same as --loss hs")
    sub.add_argument("--subwords", action="store_true",
                     help="fastText's model: a word's input is the mean of its row and its character "
                          "n-grams' (skip-gram, or CBOW with the mean); the output's vectors are the "
                          "words' means, a .npz model also gives vectors to unseen words")
    sub.add_argument("--minn", type=positive_int, default=SUBWORD_DEFAULTS[0],
                     help="shortest n-gram, with --subwords (default %(default)s)")
    sub.add_argument("--maxn", type=positive_int, default=SUBWORD_DEFAULTS[1],
                     help="longest n-gram, with --subwords (default %(default)s)")
    sub.add_argument("--bucket", type=positive_int, default=SUBWORD_DEFAULTS[2],
                     help="n-gram rows, with --subwords (default %(default)s; float32 rows: "
                          "bucket x dim x 4 bytes)")
    sub.add_argument("--checkpoint", metavar="PATH",
                     help="save a resumable checkpoint there (and the encoded corpus in PATH.corpus/)")
    sub.add_argument("--checkpoint-every", type=positive_float, default=DEFAULT_CHECKPOINT_SECONDS,
                     metavar="SECONDS", help="seconds between checkpoints (default %(default)s)")
    sub.add_argument("--loss-plot", metavar="FILE.png",
                     help="also write the training loss curve (mean loss per pair against words "
                          "trained, epochs marked) to this PNG")
    sub.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    _add_phrase_options(sub)
    _add_cluster_options(sub, resume=False)
    sub.set_defaults(handler=_run_train)


def _add_phrase_options(sub):
    """--phrases N and the settings of its passes (`fastw2v phrases`' options, prefixed)."""
    from fastw2v.cli import phrases as cli_phrases

    group = sub.add_argument_group("phrases: join frequent pairs first (new_york), as `fastw2v phrases` "
                                   "does, without writing the joined text")
    group.add_argument("--phrases", type=positive_int, default=None, metavar="N",
                       help="phrase passes before training; N passes build phrases of up to 2^N words, "
                            "with thresholds as `fastw2v phrases --passes N` (default: none)")
    group.add_argument("--phrase-min-count", type=positive_int, default=cli_phrases.DEFAULT_MIN_COUNT,
                       metavar="N", help="a word or pair seen fewer times never joins (default %(default)s)")
    group.add_argument("--phrase-threshold", type=float, default=cli_phrases.DEFAULT_THRESHOLD, metavar="T",
                       help="the last pass's threshold (default %(default)s)")
    group.add_argument("--phrase-scoring", choices=cli_phrases.SCORINGS, default=cli_phrases.SCORINGS[0],
                       help="default: the C tool's; npmi: gensim's (default %(default)s)")
    group.add_argument("--phrase-delimiter", default=cli_phrases.DEFAULT_DELIMITER, metavar="D",
                       help="joins a phrase's words (default %(default)s)")
    group.add_argument("--phrase-connector-words", default=None, metavar="FILE",
                       help="words that may sit inside a phrase but never start or end one (default: none)")
    group.add_argument("--phrase-max-vocab", type=positive_int, default=None, metavar="N",
                       help="the most distinct words + pairs a pass's counting holds (default: no limit)")


def _phrase_passes(args):
    """The PhrasePasses --phrases asks for (None without it); checked before the corpus is read."""
    if args.phrases is None:
        from fastw2v.cli import phrases as cli_phrases

        defaults = {"min_count": cli_phrases.DEFAULT_MIN_COUNT, "threshold": cli_phrases.DEFAULT_THRESHOLD,
                    "scoring": cli_phrases.SCORINGS[0], "delimiter": cli_phrases.DEFAULT_DELIMITER,
                    "max_vocab": None, "connector_words": None}
        for name, default in defaults.items():
            if getattr(args, "phrase_" + name) != default:
                option = "--phrase-" + name.replace("_", "-")
                raise ConfigError(f"{option} sets the phrase passes: give --phrases N too")
        return None
    from fastw2v.cli.phrases import read_connector_words
    from fastw2v.phrasing import PhrasePasses, pass_thresholds

    pass_thresholds(args.phrase_threshold, args.phrases, args.phrase_scoring, "--phrase-threshold")
    return PhrasePasses(passes=args.phrases, min_count=args.phrase_min_count, threshold=args.phrase_threshold,
                        scoring=args.phrase_scoring, delimiter=args.phrase_delimiter,
                        max_entries=args.phrase_max_vocab,
                        connector_words=read_connector_words(args.phrase_connector_words,
                                                             "--phrase-connector-words"))


def _add_cluster_options(sub, resume):
    """--dask and its companions (the cluster extra: pip install 'fastw2v[dask]')."""
    group = sub.add_argument_group("training on a Dask cluster (pip install 'fastw2v[dask]')")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--dask", metavar="local:N|tcp://HOST:PORT",
                       help="local:N starts N single-threaded worker processes on this machine; "
                            "tcp://HOST:PORT joins a running scheduler"
                            + (" (default: the checkpoint's)" if resume else ""))
    where.add_argument("--dask-scheduler-file", metavar="FILE", help="join the scheduler that wrote FILE")
    group.add_argument("--dask-timeout", type=positive_float, default=DEFAULT_CONNECT_SECONDS,
                       metavar="SECONDS",
                       help="seconds to wait for the scheduler and a worker (default %(default)s)")
    if not resume:
        group.add_argument("--sync-words", type=positive_int, default=None, metavar="N",
                           help=f"words each worker trains between synchronisations (default: "
                                f"150,000 each with 1-2 workers, {REPLICA_ROUND_WORDS:,} shared by more; "
                                "1,000,000 each for the align rules)")
        group.add_argument("--combine", choices=COMBINE_RULES, default=None,
                           help="how the workers' models are combined: tiered-mean (the default: each "
                                "worker keeps its replica, the most frequent words' rows are averaged "
                                "after each round, every row at each epoch's end), tiered-sum, "
                                "tiered-clipped-sum, replica-mean (every row each round); or the "
                                "workers train apart and are merged by alignment at the end (align) "
                                "or at each epoch's end (align-epochs); see docs/cluster.md")
        group.add_argument("--dask-work-dir", metavar="DIR",
                           help="a folder every worker shares, for the encoded corpus (default: "
                                "PATH.corpus/ with --checkpoint PATH, else the output's folder; "
                                "local:N: the temporary folder)")


def _cluster_settings(args, output=None):
    """The ClusterSettings the --dask options ask for (None without --dask); output: train's -o."""
    if not (args.dask or args.dask_scheduler_file):
        return None
    from fastw2v.cluster import ClusterSettings

    settings = dict(address=args.dask, scheduler_file=args.dask_scheduler_file,
                    connect_timeout=args.dask_timeout)
    if output is not None:
        work_dir = args.dask_work_dir
        if work_dir is None and not (args.dask or "").startswith("local"):
            work_dir = os.path.dirname(os.path.abspath(output))
        settings.update(sync_words=args.sync_words, combine=args.combine, work_dir=work_dir)
    return ClusterSettings(**settings)


def _run_train(args):
    from fastw2v.atomic import check_output_path
    from fastw2v.config import TrainConfig

    if not args.subwords and (args.minn, args.maxn, args.bucket) != SUBWORD_DEFAULTS:
        raise ConfigError("--minn, --maxn and --bucket set the n-grams: give --subwords too")
    config = TrainConfig(**model_settings(args), max_vocab_size=args.max_vocab_size,
                         min_alpha=args.min_alpha, workers=args.threads, mode=args.mode, loss=args.loss,
                         minn=args.minn, maxn=args.maxn if args.subwords else 0, bucket=args.bucket)
    if config.min_alpha > config.alpha:  # the API allows it (gensim trains at min_alpha then)
        raise ConfigError(f"--min-alpha {config.min_alpha:g} is above the start rate {config.alpha:g}: "
                          "the rate decays from --alpha down to --min-alpha")
    output_format = args.format or _format_from_name(args.output, config.subwords)
    if output_format == "fasttext":
        from fastw2v.fasttext import check_facebook_settings

        check_facebook_settings(config)
    phrases = _phrase_passes(args)
    for path in (args.output, args.checkpoint, args.loss_plot):
        if path:
            check_output_path(path)  # now, not after a long run
    cluster = _cluster_settings(args, args.output)
    if cluster is not None and phrases is not None:
        raise ConfigError("--phrases runs on this machine only, not with --dask: join the phrases with "
                          "`fastw2v phrases` first, then train on its output")
    if cluster is not None and config.subwords:
        raise ConfigError("--subwords trains on this machine only, not with --dask")
    if cluster is not None and args.threads is not None:
        raise ConfigError("--threads sets the threads of one machine; with --dask every worker "
                          "process trains one part of the corpus")
    if cluster is not None and config.device != "cpu":
        raise ConfigError("--device cuda trains on this machine's GPU, not with --dask")
    if config.device == "cuda":
        from fastw2v.gpu import current_device

        current_device()  # no usable GPU: say so now, before the corpus is read
    from fastw2v.fasttext import FastText  # Numba: only once the settings are checked
    from fastw2v.train import Checkpointing, Word2Vec

    start = time.perf_counter()
    model = (FastText if config.subwords else Word2Vec).from_settings(config.to_dict(), cluster=cluster)
    checkpoint = None
    if args.checkpoint:
        run = {"output": os.path.abspath(args.output), "format": output_format,
               "checkpoint_every": args.checkpoint_every,
               "loss_plot": args.loss_plot and os.path.abspath(args.loss_plot)}
        checkpoint = Checkpointing(args.checkpoint, args.checkpoint_every, run)
    model.build_vocab(corpus_file=args.inputs, corpus_dir=_corpus_dir(args.checkpoint), phrases=phrases)
    _train_and_write(model, checkpoint, args.output, output_format, args.quiet, start, args.loss_plot)
    return 0


def _add_resume(commands):
    sub = commands.add_parser(
        "resume", help=COMMANDS["resume"],
        description="Continue an interrupted `fastw2v train --checkpoint PATH` run to the end and "
                    "write the output it asked for. With one thread and a seed, the vectors are "
                    "byte-identical to an uninterrupted run's.",
        epilog="example:\n  fastw2v resume run.ckpt", formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("checkpoint", metavar="CHECKPOINT", help="the file given to --checkpoint")
    sub.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    sub.add_argument("--device", choices=("cpu", "cuda"), default=None,
                     help="train the rest on this device (default: the checkpoint's)")
    _add_cluster_options(sub, resume=True)
    sub.set_defaults(handler=_run_resume)


def _run_resume(args):
    from fastw2v.atomic import check_output_path
    from fastw2v.fasttext import load_model
    from fastw2v.train import Checkpointing

    start = time.perf_counter()
    model = load_model(args.checkpoint)
    run = model.saved_run
    model.cluster = _cluster_settings(args)
    if args.device is not None:
        model.device = args.device
    if model.config.device == "cuda":
        from fastw2v.gpu import current_device

        current_device()
    if "output" not in run or (model.corpus is None and "cluster" not in run):
        raise FastW2VError(f"{args.checkpoint}: not a resumable checkpoint (no run settings, or its "
                           f"encoded corpus {_corpus_dir(args.checkpoint)}/ is gone)")
    for path in (run["output"], args.checkpoint, run.get("loss_plot")):
        if path:
            check_output_path(path)
    checkpoint = Checkpointing(args.checkpoint, float(run["checkpoint_every"]), run)
    _train_and_write(model, checkpoint, run["output"], run["format"], args.quiet, start,
                     run.get("loss_plot"))
    return 0


def _corpus_dir(checkpoint_path):
    return None if checkpoint_path is None else checkpoint_path + ".corpus"


def _format_from_name(path, subwords):
    binary = "fasttext" if subwords else "binary"
    return {".npz": "npz", ".bin": binary}.get(os.path.splitext(path)[1].lower(), "text")


def _train_and_write(model, checkpoint, output, output_format, quiet, start, loss_plot=None):
    """Train (checkpointing if asked), write the output and the loss plot if asked (a path or
    None), then drop the run's checkpoint files."""
    try:
        model.train(progress=not quiet, checkpoint=checkpoint)
    except KeyboardInterrupt:
        if checkpoint:
            print(f"fastw2v: interrupted; checkpoint saved, continue with: fastw2v resume "
                  f"{checkpoint.path}", file=sys.stderr)
        raise
    if output_format == "npz":
        model.save(output)
    elif output_format == "fasttext":
        from fastw2v.fasttext import save_facebook_model

        save_facebook_model(model, output)
    else:
        model.wv.save_word2vec_format(output, binary=output_format == "binary")
    if loss_plot:
        _write_loss_plot(model, loss_plot, output)
    if checkpoint:  # only once the output is safely written
        model.release_corpus()
        if os.path.exists(checkpoint.path):
            os.remove(checkpoint.path)
    if not quiet:
        stats = model.stats
        found = model.phrases_found
        joined = f"phrases found per pass: {', '.join(f'{n:,}' for n in found)}; " if found else ""
        print(f"fastw2v: {joined}"
              + f"{len(model.vocab)} words in the vocabulary, {stats['words']} words trained "
              f"at {stats['words_per_second']:,.0f} words/s on {_trained_on(model)}; "
              f"loss per pair by epoch: {', '.join(f'{loss:.4f}' for loss in model.epoch_losses)}; "
              f"{time.perf_counter() - start:.1f} s in all; {output_format} output: {output}"
              + (f"; loss plot: {loss_plot}" if loss_plot else ""), file=sys.stderr)


def _trained_on(model):
    if "lanes" in model.stats:
        return f"a Dask cluster ({model.stats['lanes']} lanes, {model.stats['rounds']} rounds)"
    if "device" in model.stats:
        return model.stats["device"]
    return f"{model.config.workers} thread(s)"


def _write_loss_plot(model, path, output):
    """Draw the run's loss curve to `path`; a failure says that the vectors were written."""
    from fastw2v.errors import OutputError
    from fastw2v.plot import plot_loss_curve

    words, losses = model.loss_curve
    try:
        plot_loss_curve(words, losses, path, epoch_words=model.corpus.n_words, title=_run_title(model))
    except OutputError as exc:
        raise OutputError(f"{exc} (the vectors were written to {output})") from exc


def _run_title(model):
    cfg = model.config
    loss = {"neg": f"negative sampling (K={cfg.negative}, {cfg.mode})",
            "hs": f"hierarchical softmax ({cfg.mode})",
            "hs+neg": f"hierarchical softmax + negative sampling (K={cfg.negative}, {cfg.mode})",
            "softmax": "full softmax"}[cfg.loss]
    return (f"skip-gram, {loss}\ndim {cfg.vector_size}, window {cfg.window}, {cfg.epochs} epoch(s), "
            f"alpha {cfg.alpha:g}, sample {cfg.sample:g}, {len(model.vocab):,} words, "
            f"{cfg.workers} thread(s)")
