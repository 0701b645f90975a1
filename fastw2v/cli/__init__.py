"""The ``fastw2v`` command line: a thin translation of arguments into library calls.

Exit codes: 0 success, 1 a fastw2v error (one line on stderr), 2 a usage error, 130 interrupted.
One module per group of commands; each lists its commands and their help lines in ``COMMANDS``
and adds one command's sub-parser with ``register(commands, name)``. A run builds only the
sub-parser of the command it runs, so it imports only the library modules that command needs:
``fastw2v --help`` and ``fastw2v train --help`` import neither NumPy nor Numba.
"""

import argparse
import os
import sys
import warnings

from fastw2v import __version__
from fastw2v.cli import cs224n, demo, diff, download, evaluate, phrases, plot, query, train
from fastw2v.errors import FastW2VError, InputWarning

COMMAND_GROUPS = (demo, train, phrases, diff, cs224n, query, plot, evaluate, download)


def build_parser(full=None):
    """The argument parser with one sub-parser per command.

    Args:
        full: None (every sub-parser built in full), or the names of the commands whose
            sub-parsers are built in full; the others get their name and help line, which is
            all that the top-level help and its usage errors show of them.
    """
    parser = argparse.ArgumentParser(prog="fastw2v", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"fastw2v {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for group in COMMAND_GROUPS:
        for name, summary in group.COMMANDS.items():
            if full is None or name in full:
                group.register(commands, name)
            else:
                commands.add_parser(name, help=summary)
    return parser


def main(argv=None):
    """Run the command line; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(full=_command_named(argv))
    args = parser.parse_args(argv)
    warnings.showwarning = _show_warning
    _words_as_bytes()
    try:
        return args.handler(args)
    except FastW2VError as exc:
        print(f"fastw2v: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fastw2v: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of the output went away (`fastw2v info ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1


def _words_as_bytes():
    """Standard input and output carry a word's bytes as they are: a word that is not UTF-8 (read
    from a fastText file, held with ``surrogateescape``) is printed as its bytes, as fastText
    prints it, and read back the same way."""
    for stream in (sys.stdin, sys.stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="surrogateescape")
            except (ValueError, OSError):  # a closed or special stream: leave it as it is
                pass


def _command_named(argv):
    """The command `argv` (the arguments after the program name) runs, as a tuple of its name, or
    () when it names none: its first argument that is not an option, as no top-level option
    takes a value. (argparse reads "-" and "-5" as positionals too; one before the command is a
    usage error that lists the same names whichever sub-parsers are built.)"""
    for arg in argv:
        if not arg.startswith("-"):
            return (arg,) if any(arg in group.COMMANDS for group in COMMAND_GROUPS) else ()
    return ()


_default_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """fastw2v's own warnings as one 'fastw2v: warning: ...' line; others as Python prints them."""
    if issubclass(category, InputWarning):
        print(f"fastw2v: warning: {message}", file=sys.stderr)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)
