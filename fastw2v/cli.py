"""The ``fastw2v`` command line: a thin translation of arguments into library calls.

Exit codes: 0 success, 1 a fastw2v error (one line on stderr), 2 a usage error, 130 interrupted.
"""

import argparse
import os
import sys
import time

from fastw2v import __version__
from fastw2v.errors import FastW2VError

CS224N_EXAMPLES = """examples:
  fastw2v cs224n --sst-dir data/stanfordSentimentTreebank --out run   # the full 40,000 iterations
  fastw2v cs224n --engine fast --out run                              # the same lines, compiled
  fastw2v cs224n --iterations 300 --out run                           # SST from $FASTW2V_SST_DIR
  fastw2v cs224n --toy --iterations 1000 --out run                    # generated corpus, no download
"""


def build_parser():
    """The argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(prog="fastw2v", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"fastw2v {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    _add_train(commands)
    _add_resume(commands)
    _add_diff(commands)
    _add_cs224n(commands)
    _add_similar(commands)
    _add_analogy(commands)
    _add_info(commands)
    return parser


TRAIN_EXAMPLES = """examples:
  fastw2v train corpus.txt -o vectors.txt
  fastw2v train corpus/ more.txt.gz -o vectors.bin --dim 300 --window 8 --epochs 10 --threads 2
  zcat corpus.gz | fastw2v train - -o vectors.txt               # standard input
  fastw2v train corpus.txt -o model.npz --checkpoint run.ckpt   # resumable: fastw2v resume run.ckpt
  fastw2v train corpus.txt -o vectors.txt --mode shared         # shared negatives: faster
  fastw2v train corpus.txt -o vectors.txt --threads 1 --seed 7  # bit-identical run after run
"""
OUTPUT_FORMATS = ("text", "binary", "npz")
DEFAULT_CHECKPOINT_SECONDS = 300.0


def _add_train(commands):
    from fastw2v.config import LOSSES, MODES, TrainConfig

    defaults = TrainConfig(workers=1).to_dict()
    sub = commands.add_parser(
        "train", help="train skip-gram word vectors on text files",
        description="Train word vectors on whitespace-separated text (one sentence a line; "
                    "lines longer than 10,000 words are cut) and write them in the word2vec "
                    "text or binary format, or as a native model (.npz).",
        epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="text files (.gz and .bz2 too), directories (every file in them), - for stdin")
    sub.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
    sub.add_argument("--format", choices=OUTPUT_FORMATS, default=None,
                     help="output format (default: npz for .npz, binary for .bin, else text)")
    _add_model_options(sub, defaults)
    sub.add_argument("--max-vocab-size", type=_positive_int, default=None, help="keep at most this many words")
    sub.add_argument("--min-alpha", type=float, default=None, help="end learning rate (default alpha·1e-4)")
    sub.add_argument("--threads", type=_positive_int, default=None, help="threads (default: every core)")
    sub.add_argument("--mode", choices=MODES, default=defaults["mode"],
                     help="default: fresh negatives per pair; shared: one set per center (default %(default)s)")
    sub.add_argument("--loss", choices=LOSSES, default=defaults["loss"],
                     help="neg: negative sampling; softmax: the full softmax, O(vocabulary) per pair, "
                          "for small vocabularies (default %(default)s)")
    sub.add_argument("--checkpoint", metavar="PATH",
                     help="save a resumable checkpoint there (and the encoded corpus in PATH.corpus/)")
    sub.add_argument("--checkpoint-every", type=_positive_float, default=DEFAULT_CHECKPOINT_SECONDS,
                     metavar="SECONDS", help="seconds between checkpoints (default %(default)s)")
    sub.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    sub.set_defaults(handler=_run_train)


def _run_train(args):
    from fastw2v.config import TrainConfig
    from fastw2v.train import Checkpointing, Word2Vec

    config = TrainConfig(**_model_settings(args), max_vocab_size=args.max_vocab_size,
                         min_alpha=args.min_alpha, workers=args.threads, mode=args.mode, loss=args.loss)
    output_format = args.format or _format_from_name(args.output)
    start = time.perf_counter()
    model = Word2Vec(**config.to_dict())
    checkpoint = None
    if args.checkpoint:
        run = {"output": os.path.abspath(args.output), "format": output_format,
               "checkpoint_every": args.checkpoint_every}
        checkpoint = Checkpointing(args.checkpoint, args.checkpoint_every, run)
    model.build_vocab(corpus_file=args.inputs, corpus_dir=_corpus_dir(args.checkpoint))
    _train_and_write(model, checkpoint, args.output, output_format, args.quiet, start)
    return 0


def _add_resume(commands):
    sub = commands.add_parser(
        "resume", help="finish a training run from its checkpoint",
        description="Continue an interrupted `fastw2v train --checkpoint PATH` run to the end and "
                    "write the output it asked for. With one thread and a seed, the vectors are "
                    "byte-identical to an uninterrupted run's.",
        epilog="example:\n  fastw2v resume run.ckpt", formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("checkpoint", metavar="CHECKPOINT", help="the file given to --checkpoint")
    sub.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    sub.set_defaults(handler=_run_resume)


def _run_resume(args):
    from fastw2v.train import Checkpointing, Word2Vec

    start = time.perf_counter()
    model = Word2Vec.load(args.checkpoint)
    run = model.saved_run
    if "output" not in run or model.corpus is None:
        raise FastW2VError(f"{args.checkpoint}: not a resumable checkpoint (no run settings, or its "
                           f"encoded corpus {_corpus_dir(args.checkpoint)}/ is gone)")
    checkpoint = Checkpointing(args.checkpoint, float(run["checkpoint_every"]), run)
    _train_and_write(model, checkpoint, run["output"], run["format"], args.quiet, start)
    return 0


def _corpus_dir(checkpoint_path):
    return None if checkpoint_path is None else checkpoint_path + ".corpus"


def _format_from_name(path):
    return {".npz": "npz", ".bin": "binary"}.get(os.path.splitext(path)[1].lower(), "text")


def _train_and_write(model, checkpoint, output, output_format, quiet, start):
    """Train (checkpointing if asked), write the output, then drop the run's checkpoint files."""
    try:
        model.train(progress=not quiet, checkpoint=checkpoint)
    except KeyboardInterrupt:
        if checkpoint:
            print(f"fastw2v: interrupted; checkpoint saved, continue with: fastw2v resume "
                  f"{checkpoint.path}", file=sys.stderr)
        raise
    if output_format == "npz":
        model.save(output)
    else:
        model.wv.save_word2vec_format(output, binary=output_format == "binary")
    if checkpoint:  # only once the output is safely written
        model.release_corpus()
        if os.path.exists(checkpoint.path):
            os.remove(checkpoint.path)
    if not quiet:
        stats = model.stats
        print(f"fastw2v: {len(model.vocab)} words in the vocabulary, {stats['words']} words trained "
              f"at {stats['words_per_second']:,.0f} words/s on {model.config.workers} thread(s); "
              f"loss per pair by epoch: {', '.join(f'{l:.4f}' for l in model.epoch_losses)}; "
              f"{time.perf_counter() - start:.1f} s in all; {output_format} output: {output}",
              file=sys.stderr)


DIFF_EXAMPLES = """examples:
  fastw2v diff                                  # negative sampling, float64 and float32
  fastw2v diff --loss softmax --precision float64
  fastw2v diff --mode shared --corpus small.txt --epochs 2
"""


def _add_diff(commands):
    from fastw2v import diff
    from fastw2v.config import LOSSES, MODES

    defaults = diff.DIFF_DEFAULTS
    sub = commands.add_parser(
        "diff", help="replay the compiled kernel's updates through the reference math and compare",
        description="Train a small corpus with the compiled kernel while recording every update "
                    "(context, center, the negatives drawn, the learning rate), replay the "
                    "recording through the float64 reference functions from the same initial "
                    "weights, and compare the final matrices. Exits 1 when the largest absolute "
                    f"difference exceeds the tolerance (float64: {diff.TOLERANCE['float64']:g}, "
                    f"float32: {diff.TOLERANCE['float32']:g}). The last line is max_abs_diff=X "
                    "(of the first precision run).",
        epilog=DIFF_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("--loss", choices=LOSSES, default="neg", help="the loss to check (default %(default)s)")
    sub.add_argument("--mode", choices=MODES, default="default", help="the neg kernel's mode (default %(default)s)")
    sub.add_argument("--corpus", metavar="FILE",
                     help=f"text corpus (default: a generated one, {diff.DEFAULT_CORPUS_TOKENS} tokens)")
    sub.add_argument("--precision", choices=("both",) + tuple(diff.PRECISIONS), default="both",
                     help="the kernel's float type; the reference is float64 (default %(default)s)")
    sub.add_argument("--threads", type=_positive_int, default=1,
                     help="must be 1: the replay follows the recorded order (default %(default)s)")
    _add_model_options(sub, defaults)
    sub.set_defaults(handler=_run_diff)


def _run_diff(args):
    from fastw2v import diff

    if args.corpus is not None and not os.path.isfile(args.corpus):
        raise FastW2VError(f"{args.corpus}: no such file")
    precisions = ("float64", "float32") if args.precision == "both" else (args.precision,)
    settings = dict(_model_settings(args), loss=args.loss, mode=args.mode, workers=args.threads)
    results = [diff.run(corpus_file=args.corpus, precision=p, **settings) for p in precisions]
    print(diff.format_report(results))
    failed = [r.precision for r in results if not r.passed]
    if failed:
        print(f"fastw2v: error: the kernel and the reference disagree beyond the tolerance "
              f"({', '.join(failed)})", file=sys.stderr)
        return 1
    return 0


def _add_cs224n(commands):
    from fastw2v import cs224n

    sub = commands.add_parser(
        "cs224n", help="replay the CS224N word2vec assignment's SST training run",
        description="Replay the CS224N assignment's skip-gram negative-sampling run on the "
                    "Stanford Sentiment Treebank: same seeds, draws and schedule, so the printed "
                    "'iter N: L' lines reproduce the published ones. Resumes from checkpoints "
                    "in --out.",
        epilog=CS224N_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = sub.add_mutually_exclusive_group()
    source.add_argument("--sst-dir", metavar="DIR",
                        help="folder with datasetSentences.txt (default: $FASTW2V_SST_DIR, then "
                             "../shared/data/stanfordSentimentTreebank)")
    source.add_argument("--toy", action="store_true",
                        help="train on a generated SST-format corpus instead (no download)")
    sub.add_argument("--iterations", type=_positive_int, default=cs224n.FULL_ITERATIONS,
                     help="last SGD iteration (default %(default)s)")
    sub.add_argument("--engine", choices=cs224n.ENGINES, default="reference",
                     help="reference: plain numpy, as the assignment; fast: compiled, the same "
                          "random stream and printed lines, checkpoints shared (default %(default)s)")
    sub.add_argument("--out", metavar="DIR", default="cs224n-run",
                     help="folder for checkpoints, vectors and the figure (default %(default)s)")
    sub.add_argument("--plot", metavar="FILE.png",
                     help="where to draw the 2D word figure (default OUT/word_vectors.png)")
    sub.add_argument("--print-every", type=_positive_int, default=10, metavar="N",
                     help="iterations between progress lines (default %(default)s)")
    sub.set_defaults(handler=_run_cs224n)


def _run_cs224n(args):
    from fastw2v import cs224n
    from fastw2v.datasets import default_sst_dir
    from fastw2v.synthetic import write_toy_sst

    if args.toy:
        sst_dir = write_toy_sst(os.path.join(args.out, "toy-sst"))
        print(f"fastw2v: training on a generated SST-format corpus in {sst_dir}", file=sys.stderr)
    else:
        sst_dir = args.sst_dir or default_sst_dir()
        if sst_dir is None:
            raise FastW2VError("no SST data found: pass --sst-dir DIR, set $FASTW2V_SST_DIR, "
                               "or use --toy for a generated corpus")
    result = cs224n.run(sst_dir, args.out, iterations=args.iterations, engine=args.engine,
                        plot_path=args.plot, print_every=args.print_every)
    print(f"fastw2v: {args.iterations} iterations ({args.engine} engine) in "
          f"{result['seconds']:.1f} s; vectors: {result['vectors_path']}"
          + (f"; figure: {result['plot_path']}" if result["plot_path"] else ""), file=sys.stderr)
    return 0


VECTORS_HELP = "vector file: word2vec text or binary, or native .npz (told apart by content)"

SIMILAR_EXAMPLES = """examples:
  fastw2v similar vectors.txt king              # the 10 nearest words and their cosine
  fastw2v similar GoogleNews.bin king -n 3      # the C tool's binary format too
"""


def _add_similar(commands):
    sub = commands.add_parser(
        "similar", help="the words nearest to a word (cosine similarity)",
        description="Print the words nearest to WORD by cosine similarity, nearest first, one "
                    "'word<TAB>cosine' a line.",
        epilog=SIMILAR_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    sub.add_argument("word", metavar="WORD", help="the query word")
    sub.add_argument("-n", "--topn", type=_positive_int, default=10, help="how many words (default %(default)s)")
    sub.set_defaults(handler=_run_similar)


def _run_similar(args):
    vectors = _load_knowing(args.vectors, [args.word])
    _print_scores(vectors.most_similar(args.word, topn=args.topn))
    return 0


ANALOGY_EXAMPLES = """examples:
  fastw2v analogy vectors.txt man king woman    # man is to king as woman is to ? (queen)
  fastw2v analogy vectors.npz paris france rome -n 1
"""


def _add_analogy(commands):
    sub = commands.add_parser(
        "analogy", help="A is to B as C is to ? (3CosAdd)",
        description="Print the words nearest (cosine) to B - A + C, unit vectors (3CosAdd), "
                    "best first, one 'word<TAB>cosine' a line; A, B and C are left out.",
        epilog=ANALOGY_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    sub.add_argument("a", metavar="A")
    sub.add_argument("b", metavar="B")
    sub.add_argument("c", metavar="C")
    sub.add_argument("-n", "--topn", type=_positive_int, default=5, help="how many words (default %(default)s)")
    sub.set_defaults(handler=_run_analogy)


def _run_analogy(args):
    vectors = _load_knowing(args.vectors, [args.a, args.b, args.c])
    _print_scores(vectors.analogy(args.a, args.b, args.c, topn=args.topn))
    return 0


INFO_EXAMPLES = """examples:
  fastw2v info vectors.txt                      # words, dimensions, format
  fastw2v info model.npz                        # and the training settings it records
"""
FORMAT_NAMES = {"text": "word2vec text", "binary": "word2vec binary", "native": "fastw2v native (.npz)"}


def _add_info(commands):
    sub = commands.add_parser(
        "info", help="a vector file's size, format and training settings",
        description="Read and check a whole vector file, then print its number of words, "
                    "dimensions and format, and for native files their arrays and the "
                    "training settings and other metadata they record.",
        epilog=INFO_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    sub.set_defaults(handler=_run_info)


def _run_info(args):
    import json

    from fastw2v.formats import read_vectors

    found = read_vectors(args.vectors)
    print(f"file: {args.vectors}\nformat: {FORMAT_NAMES[found.format]}\nwords: {len(found.words)}\n"
          f"dimensions: {found.vectors.shape[1]}")
    if found.format != "native":
        print("training settings: not recorded (word2vec files hold only words and vectors)")
        return 0
    print("arrays: " + ", ".join(f"{name} {array.dtype} {array.shape}" for name, array in found.arrays.items()))
    settings = found.metadata.get("config")
    if isinstance(settings, dict):
        print("training settings:")
        for name, value in settings.items():
            print(f"  {name}: {json.dumps(value)}")
    for name, value in found.metadata.items():
        if not (name == "config" and isinstance(value, dict)):
            print(f"{name}: {json.dumps(value)}")
    return 0


def _load_knowing(path, words):
    """KeyedVectors from `path`; a FastW2VError names the first of `words` it lacks."""
    from fastw2v.vectors import KeyedVectors

    vectors = KeyedVectors.load(path)
    for word in words:
        if word not in vectors:
            raise FastW2VError(f"{word!r} is not in the vocabulary of {path} ({len(vectors)} words; "
                               "words are case-sensitive)")
    return vectors


def _print_scores(pairs):
    for word, score in pairs:
        print(f"{word}\t{score:.4f}")


def _add_model_options(sub, defaults):
    """The settings `train` and `diff` share, with defaults from a dict of TrainConfig names."""
    sub.add_argument("--dim", type=_positive_int, default=defaults["vector_size"], help="vector dimensions (default %(default)s)")
    sub.add_argument("--window", type=_positive_int, default=defaults["window"], help="largest window (default %(default)s)")
    sub.add_argument("--negative", type=_positive_int, default=defaults["negative"], help="negatives per pair (default %(default)s)")
    sub.add_argument("--sample", type=float, default=defaults["sample"], help="sub-sampling threshold, 0 for none (default %(default)s)")
    sub.add_argument("--min-count", type=_positive_int, default=defaults["min_count"], help="drop rarer words (default %(default)s)")
    sub.add_argument("--epochs", type=_positive_int, default=defaults["epochs"], help="passes over the corpus (default %(default)s)")
    sub.add_argument("--alpha", type=float, default=defaults["alpha"], help="start learning rate (default %(default)s)")
    sub.add_argument("--seed", type=int, default=defaults["seed"], help="random seed (default %(default)s)")


def _model_settings(args):
    """The `_add_model_options` values as TrainConfig settings."""
    return dict(vector_size=args.dim, window=args.window, negative=args.negative, sample=args.sample,
                min_count=args.min_count, epochs=args.epochs, alpha=args.alpha, seed=args.seed)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive integer")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def main(argv=None):
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except FastW2VError as exc:
        print(f"fastw2v: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fastw2v: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
