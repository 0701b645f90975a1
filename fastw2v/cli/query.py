"""`fastw2v similar`, `analogy`, `info` and `vectors`: questions to a vector file."""

import argparse
import sys

from fastw2v.cli.options import VECTORS_HELP, load_knowing, load_query_vectors, positive_int, print_scores
from fastw2v.errors import FastW2VError


COMMANDS = {"similar": "the words nearest to a word (cosine similarity)",
            "analogy": "A is to B as C is to ? (3CosAdd)",
            "info": "a vector file's size, format and training settings",
            "vectors": "words' vectors as word2vec text lines (unseen words too, with subwords)"}


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    adders = {"similar": _add_similar, "analogy": _add_analogy, "info": _add_info, "vectors": _add_vectors}
    adders[name](commands)


SIMILAR_EXAMPLES = """examples:
  fastw2v similar vectors.txt king              # the 10 nearest words and their cosine
  fastw2v similar GoogleNews.bin king -n 3      # the C tool's binary format too
"""


def _add_similar(commands):
    sub = commands.add_parser(
        "similar", help=COMMANDS["similar"],
        description="Print the words nearest to WORD by cosine similarity, nearest first, one "
                    "'word<TAB>cosine' a line.",
        epilog=SIMILAR_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    sub.add_argument("word", metavar="WORD", help="the query word")
    sub.add_argument("-n", "--topn", type=positive_int, default=10,
                     help="how many words (default %(default)s)")
    sub.set_defaults(handler=_run_similar)


def _run_similar(args):
    vectors = load_knowing(args.vectors, [args.word])
    print_scores(vectors.most_similar(args.word, topn=args.topn))
    return 0


ANALOGY_EXAMPLES = """examples:
  fastw2v analogy vectors.txt man king woman    # man is to king as woman is to ? (queen)
  fastw2v analogy vectors.npz paris france rome -n 1
"""


def _add_analogy(commands):
    sub = commands.add_parser(
        "analogy", help=COMMANDS["analogy"],
        description="Print the words nearest (cosine) to B - A + C, unit vectors (3CosAdd), "
                    "best first, one 'word<TAB>cosine' a line; A, B and C are left out.",
        epilog=ANALOGY_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    sub.add_argument("a", metavar="A")
    sub.add_argument("b", metavar="B")
    sub.add_argument("c", metavar="C")
    sub.add_argument("-n", "--topn", type=positive_int, default=5,
                     help="how many words (default %(default)s)")
    sub.set_defaults(handler=_run_analogy)


def _run_analogy(args):
    vectors = load_knowing(args.vectors, [args.a, args.b, args.c])
    print_scores(vectors.analogy(args.a, args.b, args.c, topn=args.topn))
    return 0


INFO_EXAMPLES = """examples:
  fastw2v info vectors.txt                      # words, dimensions, format
  fastw2v info model.npz                        # and the training settings it records
  fastw2v info --devices                        # the CPU cores and CUDA GPUs training can use
"""
FORMAT_NAMES = {"text": "word2vec text", "binary": "word2vec binary", "native": "fastw2v native (.npz)",
                "fasttext": "fastText .bin model"}


def _add_info(commands):
    sub = commands.add_parser(
        "info", help=COMMANDS["info"],
        description="Read and check a whole vector file, then print its number of words, "
                    "dimensions and format, and for native files their arrays and the "
                    "training settings and other metadata they record.",
        epilog=INFO_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="VECTORS", nargs="?", help=VECTORS_HELP)
    sub.add_argument("--devices", action="store_true",
                     help="print what training can run on instead: this machine's cores, and the "
                          "CUDA GPUs numba.cuda sees (or why it sees none)")
    sub.set_defaults(handler=_run_info, info_parser=sub)


def _run_info(args):
    import json

    from fastw2v.formats import read_vectors

    if args.devices == (args.vectors is not None):
        args.info_parser.error("give a VECTORS file to describe, or --devices")
    if args.devices:
        return _print_devices()

    found = read_vectors(args.vectors)
    print(f"file: {args.vectors}\nformat: {FORMAT_NAMES[found.format]}\nwords: {len(found.words)}\n"
          f"dimensions: {found.vectors.shape[1]}")
    if found.format not in ("native", "fasttext"):
        print("training settings: not recorded (word2vec files hold only words and vectors)")
        return 0
    print("arrays: " + ", ".join(f"{name} {array.dtype} {array.shape}"
                                 for name, array in found.arrays.items()))
    settings = found.metadata.get("config")
    if isinstance(settings, dict):
        print("training settings:")
        for name, value in settings.items():
            print(f"  {name}: {json.dumps(value)}")
    for name, value in found.metadata.items():
        if not (name == "config" and isinstance(value, dict)):
            print(f"{name}: {json.dumps(value)}")
    return 0


def _print_devices():
    """`fastw2v info --devices`: the CPU's cores, then each CUDA device or why there is none."""
    import os

    from fastw2v.errors import DeviceError
    from fastw2v.gpu import devices

    print(f"cpu: {os.cpu_count() or 1} core(s) (--device cpu, --threads)")
    try:
        found = devices()
    except DeviceError as exc:
        print(f"cuda: none ({exc})")
        return 0
    for number, device in enumerate(found):
        print(f"cuda:{number}: {device}" if isinstance(device, str) else
              f"cuda:{number}: {device.describe()}" + (" (--device cuda)" if number == 0 else ""))
    return 0


VECTORS_EXAMPLES = """examples:
  fastw2v vectors model.npz walking walkingly    # a model of train --subwords: unseen words too
  echo king queen | fastw2v vectors vectors.txt  # the words of standard input
"""


def _add_vectors(commands):
    sub = commands.add_parser(
        "vectors", help=COMMANDS["vectors"],
        description="Print each WORD's vector as a word2vec text line (the word, then its numbers), "
                    "or, without WORD, those of the words of standard input, as fastText's "
                    "print-word-vectors. A model of `train --subwords` (.npz) gives one to any word "
                    "that has a character n-gram, the mean of their rows; other files to their words.",
        epilog=VECTORS_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="MODEL", help=VECTORS_HELP)
    sub.add_argument("words", nargs="*", metavar="WORD", help="the words (default: standard input's)")
    sub.set_defaults(handler=_run_vectors)


def _run_vectors(args):
    vectors = load_query_vectors(args.vectors)
    words = args.words or (word for line in sys.stdin for word in line.split())
    for word in words:
        try:
            vector = vectors.get_vector(word)
        except KeyError:
            raise FastW2VError(f"{args.vectors}: no vector for {word!r} (not in its {len(vectors):,} words"
                               + (", and no character n-gram)" if _has_ngrams(vectors) else ")")) from None
        print(word + " " + " ".join(f"{value:.9g}" for value in vector.tolist()), flush=not args.words)
    return 0


def _has_ngrams(vectors):
    return getattr(vectors, "max_n", 0) > 0

