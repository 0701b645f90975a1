"""`fastw2v evaluate`: analogy accuracy and word-pair correlations of a vector file, with gensim's
defaults so the numbers can be compared with published ones."""

import argparse

from fastw2v.cli.options import VECTORS_HELP
from fastw2v.errors import FastW2VError

COMMANDS = {"evaluate": "analogy accuracy and word-pair correlations of a vector file"}
METHOD_NAMES = {"cosadd": "3CosAdd", "cosmul": "3CosMul"}
RESTRICT_VOCAB = 300_000  # fastw2v.evaluate.RESTRICT_VOCAB, kept here so --help needs no numpy

EXAMPLES = """examples:
  fastw2v evaluate vectors.bin --analogies questions-words.txt
  fastw2v evaluate vectors.txt --pairs wordsim353.tsv --json
  fastw2v evaluate model.npz --analogies questions-words.txt --pairs simlex.txt --method cosmul
"""


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    sub = commands.add_parser(
        "evaluate", help=COMMANDS["evaluate"],
        description="Score a vector file on analogy questions (accuracy per section and overall, "
                    "and the share of questions whose words it knows) and on scored word pairs "
                    "(Spearman and Pearson correlation with the cosines). The defaults give "
                    "gensim's evaluate_word_analogies and evaluate_word_pairs numbers.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    sub.add_argument("--analogies", metavar="FILE",
                     help="questions-words file: ': section' lines, then 'a b c d' lines "
                          "(a is to b as c is to d)")
    sub.add_argument("--pairs", metavar="FILE",
                     help="word pairs, 'word1 word2 score' a line, tab or space separated, '#' comments")
    sub.add_argument("--method", choices=sorted(METHOD_NAMES), default="cosadd",
                     help="analogy score: cosadd (3CosAdd, cos(x, b - a + c)) or cosmul (3CosMul, "
                          "gensim's most_similar_cosmul) (default %(default)s)")
    sub.add_argument("--restrict-vocab", metavar="N", type=_word_limit, default=RESTRICT_VOCAB,
                     help="look up and answer with only the first N words of the file (the most "
                          "frequent), 0 for all (default %(default)s, as gensim)")
    sub.add_argument("--case-sensitive", action="store_true",
                     help="match words as written (default: upper-cased, a word taking the vector "
                          "of its first case variant, as gensim)")
    sub.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    sub.set_defaults(handler=_run_evaluate, usage_error=sub.error)


def _word_limit(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 (all words) or a positive integer")
    return value


def _run_evaluate(args):
    if not (args.analogies or args.pairs):
        args.usage_error("give --analogies FILE, --pairs FILE or both")
    from fastw2v.evaluate import evaluate_analogies, evaluate_word_pairs, read_analogies, read_word_pairs
    from fastw2v.vectors import KeyedVectors

    questions = read_analogies(args.analogies) if args.analogies else None
    pairs = read_word_pairs(args.pairs) if args.pairs else None
    vectors = KeyedVectors.load(args.vectors)
    if len(vectors) == 0:
        raise FastW2VError(f"{args.vectors}: no vectors to evaluate")
    settings = dict(restrict_vocab=args.restrict_vocab or None, case_insensitive=not args.case_sensitive)
    analogies = (None if questions is None
                 else evaluate_analogies(vectors, questions, method=args.method, **settings))
    scores = None if pairs is None else evaluate_word_pairs(vectors, pairs, **settings)
    if args.json:
        _print_json(analogies, scores)
    else:
        _print_tables(args, len(vectors), analogies, scores)
    return 0


def report(analogies, scores):
    """The figures as a JSON-ready dict; the keys of a part not evaluated hold None.

    pairs_oov is a fraction in [0, 1] (gensim prints a percentage); accuracies are None when no
    question could be asked.
    """
    found = {"analogy_accuracy": None, "analogy_coverage": None, "analogy_sections": None,
             "pairs_spearman": None, "pairs_pearson": None, "pairs_oov": None}
    if analogies is not None:
        found.update(
            analogy_accuracy=analogies.accuracy if analogies.total else None,
            analogy_coverage=analogies.coverage, analogy_method=analogies.method,
            analogy_correct=analogies.correct, analogy_total=analogies.total,
            analogy_skipped=analogies.skipped,
            analogy_sections={name: {"correct": right, "total": asked,
                                     "accuracy": right / asked if asked else None}
                              for name, (right, asked) in analogies.sections.items()})
    if scores is not None:
        found.update(pairs_spearman=scores.spearman, pairs_pearson=scores.pearson, pairs_oov=scores.oov,
                     pairs_known=scores.known, pairs_skipped=scores.skipped)
    return found


def _print_json(analogies, scores):
    import json

    print(json.dumps(report(analogies, scores), indent=2))


def _print_tables(args, n_words, analogies, scores):
    limit = min(args.restrict_vocab or n_words, n_words)
    case = "case-sensitive" if args.case_sensitive else "case-insensitive"
    print(f"vectors: {args.vectors} ({n_words} words; the first {limit} looked up, {case})")
    if analogies is not None:
        _print_analogies(args.analogies, analogies)
    if scores is not None:
        _print_pairs(args.pairs, scores)


def _print_analogies(path, analogies):
    width = max([len("section"), len("total")] + [len(name) for name in analogies.sections])
    print(f"\nanalogies: {path} ({METHOD_NAMES[analogies.method]})")
    print(f"  {'section':<{width}}  {'correct':>7}  {'total':>7}  accuracy")
    rows = list(analogies.sections.items()) + [("total", (analogies.correct, analogies.total))]
    for name, (right, asked) in rows:
        print(f"  {name:<{width}}  {right:>7}  {asked:>7}  {_share(right, asked)}")
    asked = analogies.total + analogies.skipped
    print(f"  coverage: {analogies.coverage:.4f} ({analogies.total} of {asked} questions asked; "
          f"{analogies.skipped} skipped as out-of-vocabulary)")


def _print_pairs(path, scores):
    def figure(value):
        return "n/a (fewer than 2 known pairs)" if value is None else f"{value:.4f}"

    total = scores.known + scores.skipped
    print(f"\nword pairs: {path}")
    print(f"  spearman: {figure(scores.spearman)}\n  pearson:  {figure(scores.pearson)}")
    print(f"  out-of-vocabulary: {scores.oov:.4f} ({scores.skipped} of {total} pairs skipped)")


def _share(right, asked):
    return f"{right / asked:.4f}" if asked else "n/a"
