"""`fastw2v plot`: chosen words of a vector file drawn in 2D (PCA), as the CS224N figure."""

import argparse
import sys

from fastw2v.cli.options import VECTORS_HELP, load_knowing
from fastw2v.errors import FastW2VError


COMMANDS = {"plot": "draw chosen words in 2D (PCA) to a PNG file"}


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    _add_plot(commands)


PLOT_EXAMPLES = """examples:
  fastw2v plot vectors.txt --words king queen man woman -o royals.png
  fastw2v plot model.npz --words rain snow hail coffee tea -o words.png --title "weather vs drinks"
"""


def _add_plot(commands):
    sub = commands.add_parser(
        "plot", help=COMMANDS["plot"],
        description="Centre the vectors of the chosen words, project them on their first two "
                    "principal axes, and write a PNG (no window opens) with each word drawn at "
                    "its point. Only these words decide the axes.",
        epilog=PLOT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    sub.add_argument("--words", nargs="+", required=True, metavar="WORD",
                     help="two or more words to draw (case-sensitive; repeats are drawn once)")
    sub.add_argument("-o", "--output", required=True, metavar="FILE.png", help="the PNG file to write")
    sub.add_argument("--title", default=None, help="figure title (default: none)")
    sub.set_defaults(handler=_run_plot)


def _run_plot(args):
    import numpy as np

    from fastw2v.atomic import check_output_path
    from fastw2v.plot import plot_word_projection

    words = list(dict.fromkeys(args.words))
    if len(words) < 2:
        raise FastW2VError(f"plot needs at least 2 different words, got {len(words)}: "
                           f"{' '.join(words)}")
    check_output_path(args.output)  # before reading a vector file that may take long
    vectors = load_knowing(args.vectors, words)
    if vectors.vector_size < 2:
        raise FastW2VError(f"{args.vectors}: a 2D projection needs vectors of 2 or more "
                           f"dimensions, these have {vectors.vector_size}")
    rows = np.array([vectors.get_vector(word) for word in words])  # unseen words too, with n-grams
    labels = [word.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for word in words]
    plot_word_projection(rows, labels, args.output, title=args.title)
    print(f"fastw2v: {len(words)} words drawn to {args.output}", file=sys.stderr)
    return 0
