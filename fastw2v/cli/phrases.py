"""`fastw2v phrases`: join the adjacent word pairs that score above a threshold into one token
(``new york`` -> ``new_york``), as the word2vec C tool's word2phrase does, in one or more passes,
and write the corpus as text that `fastw2v train` reads."""

import argparse
import os
import sys
import tempfile
import time

from fastw2v.cli.options import positive_int
from fastw2v.errors import ConfigError, OutputError

COMMANDS = {"phrases": "join frequent word pairs into phrases (new_york), as word2phrase does"}
# fastw2v.phrases' SCORINGS and PhraseConfig defaults, kept here so that --help needs no Numba.
SCORINGS = ("default", "npmi")
DEFAULT_MIN_COUNT = 5
DEFAULT_THRESHOLD = 100.0
DEFAULT_DELIMITER = "_"

PHRASES_DESCRIPTION = """\
Count every pair of adjacent words, score each pair and join those that score above
--threshold with --delimiter, as the word2vec C tool's word2phrase does; write the corpus
as text for `fastw2v train`, one line for each input line with words.

With --passes N, each pass runs on the pass before's output (no intermediate file), and
pass k of N (k from 0) uses threshold x 2^(N-1-k), as the C tool's demo-phrases.sh does:
--passes 2 --threshold 100 runs 200, then 100. With npmi every pass uses --threshold.

With --connector-words (gensim's connector_words), words such as "of" and "the" may sit
inside a phrase but never start or end one: bank of america -> bank_of_america.
"""
PHRASES_EXAMPLES = """examples:
  fastw2v phrases corpus.txt -o phrased.txt                 # new york -> new_york
  fastw2v phrases corpus.txt -o phrased.txt --passes 2      # thresholds 200 then 100: up to 4 words
  fastw2v phrases corpus/ more.txt.gz -o phrased.txt --scoring npmi --threshold 0.5
  fastw2v phrases corpus.txt -o phrased.txt --connector-words connectors.txt   # bank_of_america
  zcat big.gz | fastw2v phrases - -o phrased.txt --max-vocab 50000000
  fastw2v train phrased.txt -o vectors.txt                  # vectors for the phrases too
"""


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    sub = commands.add_parser(
        "phrases", help=COMMANDS["phrases"],
        description=PHRASES_DESCRIPTION,
        epilog=PHRASES_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="text files (.gz and .bz2 too), directories (every file in them), - for stdin")
    sub.add_argument("-o", "--output", required=True, metavar="OUT", help="text file to write")
    sub.add_argument("--min-count", type=positive_int, default=DEFAULT_MIN_COUNT, metavar="N",
                     help="a word or pair seen fewer times never joins (default %(default)s)")
    sub.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, metavar="T",
                     help="a pair joins when its score is strictly above: > 0 for the default "
                          "scoring, in (-1, 1] for npmi (default %(default)s; the last pass's "
                          "with --passes)")
    sub.add_argument("--passes", type=positive_int, default=1, metavar="N",
                     help="passes, each over the one before's output; each joins at most two "
                          "tokens, so N passes build phrases of up to 2^N words (default %(default)s)")
    sub.add_argument("--scoring", choices=SCORINGS, default=SCORINGS[0],
                     help="default: the C tool's (pab - min_count) / pa / pb × tokens; npmi: "
                          "gensim's normalised pointwise mutual information (default %(default)s)")
    sub.add_argument("--delimiter", default=DEFAULT_DELIMITER, metavar="D",
                     help="joins a phrase's words; no whitespace (default %(default)s)")
    sub.add_argument("--connector-words", default=None, metavar="FILE",
                     help="a UTF-8 file of words (whitespace-separated) that may sit inside a phrase "
                          "but never start or end one, as gensim's connector_words (default: none)")
    sub.add_argument("--max-vocab", type=positive_int, default=None, metavar="N",
                     help="the most distinct words + pairs counting holds; past it the rarest "
                          "pairs are pruned, as the C tool prunes, and counting runs on one "
                          "thread (default: no limit)")
    sub.add_argument("--threads", type=positive_int, default=None, metavar="T",
                     help="threads (default: every core)")
    sub.add_argument("--quiet", action="store_true", help="no summary")
    sub.set_defaults(handler=_run_phrases)


def _run_phrases(args):
    from fastw2v.atomic import check_output_path

    start = time.perf_counter()
    check_output_path(args.output)  # now, not after the passes
    from fastw2v import reader  # NumPy: only once the command line is parsed
    from fastw2v.phrasing import PhrasePasses, pass_thresholds, write_passes

    thresholds = pass_thresholds(args.threshold, args.passes, args.scoring, "--threshold")
    passes = PhrasePasses(passes=args.passes, min_count=args.min_count, threshold=args.threshold,
                          scoring=args.scoring, delimiter=args.delimiter, max_entries=args.max_vocab,
                          connector_words=read_connector_words(args.connector_words, "--connector-words"))
    files = reader.input_files(args.inputs)
    _check_not_an_input(args.output, files)
    threads = args.threads or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="fastw2v-phrases-") as spool:
        raw = reader.read_text(reader.plan_pieces(files, threads), spool, threads, reader.warn_bad_utf8)
        tokens_in = raw.n_tokens
        tokens_out, found = write_passes(raw, passes, threads, spool, args.output, "--max-vocab")
    if not args.quiet:
        count = f"{args.passes} pass" + ("es" if args.passes > 1 else "")
        print(f"fastw2v: {count}, thresholds {', '.join(f'{t:g}' for t in thresholds)}; "
              f"phrases found per pass: {', '.join(f'{n:,}' for n in found)}; {tokens_in:,} tokens in, "
              f"{tokens_out:,} out; {time.perf_counter() - start:.1f} s; output: {args.output}",
              file=sys.stderr)
    return 0


def read_connector_words(path, option):
    """The words of a connector-words file (frozenset of str, empty for path None): UTF-8,
    separated by whitespace. `option` names the file in errors.

    Raises:
        ConfigError: the file cannot be read or is not UTF-8.
    """
    if path is None:
        return frozenset()
    try:
        with open(path, encoding="utf-8-sig") as handle:  # a byte-order mark is no part of a word
            return frozenset(handle.read().split())
    except OSError as exc:
        raise ConfigError(f"{option} {path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{option} {path}: not UTF-8 text (byte {exc.start})") from None


def _check_not_an_input(output, files):
    """Raises OutputError when `output` is one of the input files: it would be replaced by its
    own phrases, and a run with other settings could not start again from it."""
    from fastw2v.reader import STDIN

    target = os.path.realpath(output)
    for path in files:
        if path == STDIN:
            continue
        if os.path.realpath(path) == target or (os.path.exists(target) and os.path.samefile(path, target)):
            raise OutputError(f"{output}: is also an input ({path}); write the phrases to another file")
