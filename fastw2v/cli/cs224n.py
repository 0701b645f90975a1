"""`fastw2v cs224n`: the CS224N assignment's SST run, reference or compiled."""

import argparse
import os
import sys

from fastw2v.cli.options import positive_int
from fastw2v.errors import FastW2VError


COMMANDS = {"cs224n": "replay the CS224N word2vec assignment's SST training run"}


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    _add_cs224n(commands)


CS224N_EXAMPLES = """examples:
  fastw2v cs224n --sst-dir data/stanfordSentimentTreebank --out run   # the full 40,000 iterations
  fastw2v cs224n --engine fast --out run                              # the same lines, compiled
  fastw2v cs224n --iterations 300 --out run                           # SST from $FASTW2V_SST_DIR
  fastw2v cs224n --toy --iterations 1000 --out run                    # generated corpus, no download
"""


def _add_cs224n(commands):
    from fastw2v import cs224n

    sub = commands.add_parser(
        "cs224n", help=COMMANDS["cs224n"],
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
    sub.add_argument("--iterations", type=positive_int, default=cs224n.FULL_ITERATIONS,
                     help="last SGD iteration (default %(default)s)")
    sub.add_argument("--engine", choices=cs224n.ENGINES, default="reference",
                     help="reference: plain numpy, as the assignment; fast: compiled, the same "
                          "random stream and printed lines, checkpoints shared (default %(default)s)")
    sub.add_argument("--out", metavar="DIR", default="cs224n-run",
                     help="folder for checkpoints, vectors and the figure (default %(default)s)")
    sub.add_argument("--plot", metavar="FILE.png",
                     help="where to draw the 2D word figure (default OUT/word_vectors.png)")
    sub.add_argument("--print-every", type=positive_int, default=10, metavar="N",
                     help="iterations between progress lines (default %(default)s)")
    sub.set_defaults(handler=_run_cs224n)


def _run_cs224n(args):
    from fastw2v import cs224n

    if args.toy:
        sst_dir = cs224n.write_toy_sst(os.path.join(args.out, "toy-sst"))
        print(f"fastw2v: training on a generated SST-format corpus in {sst_dir}", file=sys.stderr)
    else:
        sst_dir = args.sst_dir or cs224n.default_sst_dir()
        if sst_dir is None:
            raise FastW2VError("no SST data found: pass --sst-dir DIR, set $FASTW2V_SST_DIR, "
                               "or use --toy for a generated corpus")
    result = cs224n.run(sst_dir, args.out, iterations=args.iterations, engine=args.engine,
                        plot_path=args.plot, print_every=args.print_every)
    print(f"fastw2v: {args.iterations} iterations ({args.engine} engine) in "
          f"{result['seconds']:.1f} s; vectors: {result['vectors_path']}"
          + (f"; figure: {result['plot_path']}" if result["plot_path"] else ""), file=sys.stderr)
    return 0
