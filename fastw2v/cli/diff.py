"""`fastw2v diff`: replay the compiled kernel through the reference math and compare."""

import argparse
import os
import sys

from fastw2v.cli.options import add_model_options, model_settings, positive_int
from fastw2v.errors import FastW2VError


COMMANDS = {"diff": "replay the compiled kernel's updates through the reference math and compare"}


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    _add_diff(commands)


DIFF_EXAMPLES = """examples:
  fastw2v diff                                  # negative sampling, float64 and float32
  fastw2v diff --loss softmax --precision float64
  fastw2v diff --mode shared --corpus small.txt --epochs 2
  fastw2v diff --subwords --cbow --loss hs      # fastText's model: character n-grams 3 to 6
  fastw2v diff --device cuda --mode shared      # the CUDA kernel (a GPU, or NUMBA_ENABLE_CUDASIM=1)
"""


def _add_diff(commands):
    from fastw2v import diff
    from fastw2v.config import LOSSES, MODES

    defaults = diff.DIFF_DEFAULTS
    sub = commands.add_parser(
        "diff", help=COMMANDS["diff"],
        description="Train a small corpus with the compiled kernel while recording every update "
                    "(context, center, the negatives drawn, the learning rate), replay the "
                    "recording through the float64 reference functions from the same initial "
                    "weights, and compare the final matrices. Exits 1 when the largest absolute "
                    f"difference exceeds the tolerance (float64: {diff.TOLERANCE['float64']:g}, "
                    f"float32: {diff.TOLERANCE['float32']:g}). The last line is max_abs_diff=X "
                    "(of the first precision run).",
        epilog=DIFF_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("--loss", choices=LOSSES, default="neg", help="the loss to check (default %(default)s)")
    sub.add_argument("--mode", choices=MODES, default="default",
                     help="the neg kernel's mode (default %(default)s)")
    sub.add_argument("--corpus", metavar="FILE",
                     help=f"text corpus (default: a generated one, {diff.DEFAULT_CORPUS_TOKENS} tokens)")
    sub.add_argument("--precision", choices=("both",) + tuple(diff.PRECISIONS), default="both",
                     help="the kernel's float type; the reference is float64 (default %(default)s)")
    sub.add_argument("--subwords", action="store_true",
                     help="with character n-grams, as fastText (skip-gram, or CBOW with the mean)")
    sub.add_argument("--minn", type=positive_int, default=diff.DIFF_SUBWORDS[0],
                     help="shortest n-gram, with --subwords (default %(default)s)")
    sub.add_argument("--maxn", type=positive_int, default=diff.DIFF_SUBWORDS[1],
                     help="longest n-gram, with --subwords (default %(default)s)")
    sub.add_argument("--bucket", type=positive_int, default=diff.DIFF_SUBWORDS[2],
                     help="n-gram rows, with --subwords; small, so that n-grams share rows "
                          "(default %(default)s)")
    sub.add_argument("--threads", type=positive_int, default=1,
                     help="must be 1: the replay follows the recorded order (default %(default)s)")
    add_model_options(sub, defaults)
    sub.set_defaults(handler=_run_diff)


def _run_diff(args):
    from fastw2v import diff
    from fastw2v.errors import ConfigError
    from fastw2v.subwords import check_settings

    if args.corpus is not None and not os.path.isfile(args.corpus):
        raise FastW2VError(f"{args.corpus}: no such file")
    precisions = ("float64", "float32") if args.precision == "both" else (args.precision,)
    settings = dict(model_settings(args), loss=args.loss, mode=args.mode, workers=args.threads)
    if not args.subwords and (args.minn, args.maxn, args.bucket) != diff.DIFF_SUBWORDS:
        raise ConfigError("--minn, --maxn and --bucket set the n-grams: give --subwords too")
    subwords = (args.minn, args.maxn, args.bucket) if args.subwords else None
    if subwords is not None:
        check_settings(*subwords)
    results = [diff.run(corpus_file=args.corpus, precision=p, subwords=subwords, **settings)
               for p in precisions]
    print(diff.format_report(results))
    failed = [r.precision for r in results if not r.passed]
    if failed:
        print(f"fastw2v: error: the kernel and the reference disagree beyond the tolerance "
              f"({', '.join(failed)})", file=sys.stderr)
        return 1
    return 0
