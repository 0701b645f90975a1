"""Training speed of two commits side by side: ``python -m bench.ab REV_A REV_B --corpus FILE``.

Each commit is checked out into a temporary git worktree; for every thread count the two are run
alternately (A B A B ...) as fresh processes that build the vocabulary (not timed), train one
epoch (timed) and print words/s, so a machine whose speed drifts still gives a fair ratio. A first
untimed run of each fills its Numba cache. Prints a markdown table: per commit and thread count
the median words/s (min–max), and B's median over A's.

Settings: the bench's standard (skip-gram, 5 negatives, 100 dimensions, window 5, sample 1e-3,
min_count 5), default mode, one epoch, seed 1.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

TRAIN = r"""
import sys, time
from fastw2v.train import Word2Vec
model = Word2Vec(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=1, seed=1, sg=1,
                 workers=int(sys.argv[2]))
model.build_vocab(corpus_file=sys.argv[1])
start = time.perf_counter()
model.train()
print(model.corpus.n_words / (time.perf_counter() - start))
"""


def words_per_second(tree, corpus, threads):
    """One fresh process in `tree`: words/s of one epoch (float)."""
    done = subprocess.run([sys.executable, "-c", TRAIN, corpus, str(threads)], cwd=tree, check=True,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, PYTHONPATH=tree))
    return float(done.stdout.split()[-1])


def checkout(repo, rev, folder):
    subprocess.run(["git", "-C", repo, "worktree", "add", "--detach", folder, rev], check=True,
                   capture_output=True)


def measure(trees, corpus, threads_list, rounds):
    """{(label, threads): [words/s per round]}, the trees run alternately."""
    results = {}
    for _, tree in trees.items():
        words_per_second(tree, corpus, 1)  # compile once into the tree's cache
    for threads in threads_list:
        for _ in range(rounds):
            for label, tree in trees.items():
                results.setdefault((label, threads), []).append(words_per_second(tree, corpus, threads))
    return results


def table(results, labels, threads_list):
    a, b = labels
    lines = ["| threads | commit | words/s median (min–max) | rounds | B / A |", "|---|---|---|---|---|"]
    for threads in threads_list:
        medians = {label: statistics.median(results[(label, threads)]) for label in labels}
        for label in labels:
            runs = results[(label, threads)]
            ratio = f"{medians[b] / medians[a]:.3f}" if label == b else ""
            lines.append(f"| {threads} | {label} | {medians[label]:,.0f} ({min(runs):,.0f}–{max(runs):,.0f}) "
                         f"| {len(runs)} | {ratio} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev_a")
    parser.add_argument("rev_b")
    parser.add_argument("--corpus", required=True, help="a text file (e.g. 3M tokens of real English)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = parser.parse_args(argv)
    corpus = os.path.abspath(args.corpus)
    with tempfile.TemporaryDirectory(prefix="fastw2v-ab-") as folder:
        trees = {}
        for key, rev in (("A", args.rev_a), ("B", args.rev_b)):
            trees[f"{key} {rev}"] = os.path.join(folder, key)
            checkout(args.repo, rev, trees[f"{key} {rev}"])
        try:
            results = measure(trees, corpus, args.threads, args.rounds)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", args.repo, "worktree", "remove", "--force", tree],
                               capture_output=True)
    print(table(results, list(trees), args.threads))


if __name__ == "__main__":
    main()
