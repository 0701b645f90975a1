"""The ``fastw2v`` command line: a thin translation of arguments into library calls.

Exit codes: 0 success, 1 a fastw2v error (one line on stderr), 2 a usage error, 130 interrupted.
One module per group of commands; each has ``register(commands)``.
"""

import argparse
import sys

from fastw2v import __version__
from fastw2v.cli import cs224n, demo, diff, query, train
from fastw2v.errors import FastW2VError

COMMAND_GROUPS = (demo, train, diff, cs224n, query)


def build_parser():
    """The argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(prog="fastw2v", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"fastw2v {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


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
