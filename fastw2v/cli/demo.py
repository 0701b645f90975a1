"""`fastw2v demo`: generate a corpus with planted relations, train, and show what was learned."""

import argparse
import sys

from fastw2v.cli.options import positive_int

DEMO_EXAMPLES = """examples:
  fastw2v demo                          # 3M words, every core, files in fastw2v-demo/
  fastw2v demo --size 10000000 --out big-demo
  fastw2v demo --threads 1 --seed 7     # bit-identical vectors run after run
"""


COMMANDS = {"demo": "train on a generated corpus with planted relations and show the result"}


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    from fastw2v.demo import DEFAULT_TOKENS

    sub = commands.add_parser(
        "demo", help=COMMANDS["demo"],
        description="Generate a corpus whose words hide four relations (capital-country, "
                    "male-female, singular-plural, present-past), train on it with every core, "
                    "and print the speed, nearest neighbours and the share of the planted "
                    "analogies the vectors answer; writes the corpus, its questions and word "
                    "pairs, the vectors and a figure. No download.",
        epilog=DEMO_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("--size", type=positive_int, default=DEFAULT_TOKENS, metavar="N",
                     help="words in the generated corpus (default %(default)s)")
    sub.add_argument("--out", metavar="DIR", default="fastw2v-demo",
                     help="folder for the files it writes (default %(default)s)")
    sub.add_argument("--threads", type=positive_int, default=None, help="threads (default: every core)")
    sub.add_argument("--seed", type=int, default=1, help="seeds corpus and training (default %(default)s)")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.set_defaults(handler=_run_demo)


def _run_demo(args):
    from fastw2v.demo import format_summary, run_demo

    def report(line):
        print(f"fastw2v demo: {line}", file=sys.stderr, flush=True)

    result = run_demo(args.out, tokens=args.size, workers=args.threads, seed=args.seed,
                      progress=not args.quiet, report=report)
    print(format_summary(result))
    return 0
