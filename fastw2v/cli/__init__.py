"""The ``fastw2v`` command line: a thin translation of arguments into library calls.

Exit codes: 0 success, 1 a fastw2v error (one line on stderr), 2 a usage error, 130 interrupted.
One module per group of commands; each has ``register(commands)``.
"""

import argparse
import sys
import warnings

from fastw2v import __version__
from fastw2v.cli import cs224n, demo, diff, download, evaluate, plot, query, train
from fastw2v.errors import FastW2VError, InputWarning

COMMAND_GROUPS = (demo, train, diff, cs224n, query, plot, evaluate, download)


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
    warnings.showwarning = _show_warning
    try:
        return args.handler(args)
    except FastW2VError as exc:
        print(f"fastw2v: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fastw2v: interrupted", file=sys.stderr)
        return 130


_default_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """fastw2v's own warnings as one 'fastw2v: warning: ...' line; others as Python prints them."""
    if issubclass(category, InputWarning):
        print(f"fastw2v: warning: {message}", file=sys.stderr)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)
