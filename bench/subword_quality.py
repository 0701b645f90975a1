"""Quality of fastw2v's subword vectors against the `fasttext` package's, on real text, same
settings, several seeds:

    python -m bench.subword_quality CORPUS [--seeds 1 2] [--epochs 3] [--threads 2] [--json OUT]

Settings (both trainers): skip-gram, 100 dimensions, window 5, 5 negatives, n-grams 3 to 6,
2,000,000 buckets, min_count 5, sample 1e-4, learning rate 0.05 decaying to 0 (fastText's
defaults for skip-gram), `--epochs` epochs on `--threads` threads, seed per run.

Two trainings per trainer and seed:

- on CORPUS: analogies (gensim's questions-words.txt, 3CosAdd over every vocabulary word),
  WordSim353 and SimLex-999 Spearman (gensim's files; pairs with a word outside the vocabulary
  skipped, the same pairs for both trainers: same min_count), on the vocabulary words' vectors;
- on CORPUS with held-out words deleted (every token of them): Spearman over the WordSim353 and
  SimLex-999 pairs that hold a held-out word, each vector from the model's n-grams (the held-out
  words are then absent from its vocabulary). The held-out words: a seeded third of the pairs'
  words that CORPUS has at least min_count times.

Prints one JSON object (and writes it to `--json`): per trainer, per seed, every score, and the
means over seeds.
"""

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

from bench.realtext import evaluation_sets, vocabulary_scores

MIN_COUNT = 5
SETTINGS = dict(dim=100, window=5, negative=5, minn=3, maxn=6, bucket=2_000_000, sample=1e-4, alpha=0.05)
HELD_OUT_SHARE = 1 / 3


def word_counts(path):
    """{word: count} of a whitespace-separated corpus."""
    counts = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            for word in line.split():
                counts[word] = counts.get(word, 0) + 1
    return counts


def held_out_words(pairs, counts, seed=0):
    """A seeded `HELD_OUT_SHARE` of the pairs' (lower-cased) words that `counts` has at least
    MIN_COUNT times: sorted list of str."""
    eligible = sorted({word.lower() for sets in pairs.values() for a, b, _ in sets for word in (a, b)
                       if counts.get(word.lower(), 0) >= MIN_COUNT})
    keep = np.random.default_rng(seed).random(len(eligible)) < HELD_OUT_SHARE
    return [word for word, chosen in zip(eligible, keep) if chosen]


def write_without(path, words, out):
    """Copy corpus `path` to `out` with every token in `words` deleted (lines left empty dropped)."""
    dropped = set(words)
    with open(path, encoding="utf-8") as source, open(out, "w", encoding="utf-8") as target:
        for line in source:
            kept = [word for word in line.split() if word not in dropped]
            if kept:
                target.write(" ".join(kept) + "\n")


def train_fastw2v(path, seed, epochs, threads):
    """A function from a word to its vector, the vocabulary's KeyedVectors, and seconds."""
    from fastw2v import FastText

    start = time.perf_counter()
    model = FastText(corpus_file=path, sg=1, vector_size=SETTINGS["dim"], window=SETTINGS["window"],
                     negative=SETTINGS["negative"], min_n=SETTINGS["minn"], max_n=SETTINGS["maxn"],
                     bucket=SETTINGS["bucket"], min_count=MIN_COUNT, sample=SETTINGS["sample"],
                     alpha=SETTINGS["alpha"], min_alpha=0.0, epochs=epochs, workers=threads, seed=seed)
    seconds = time.perf_counter() - start
    return model.wv.get_vector, model.wv, seconds


def train_fasttext(path, seed, epochs, threads):
    """As `train_fastw2v`, with the `fasttext` package (which takes no seed for unsupervised
    training in 0.9.2: its runs differ by its threads' timing, `seed` only labels them)."""
    import fasttext

    from fastw2v.vectors import KeyedVectors

    start = time.perf_counter()
    model = fasttext.train_unsupervised(
        path, model="skipgram", dim=SETTINGS["dim"], ws=SETTINGS["window"], neg=SETTINGS["negative"],
        minn=SETTINGS["minn"], maxn=SETTINGS["maxn"], bucket=SETTINGS["bucket"], minCount=MIN_COUNT,
        t=SETTINGS["sample"], lr=SETTINGS["alpha"], epoch=epochs, thread=threads, verbose=0)
    seconds = time.perf_counter() - start
    words = model.get_words()
    vectors = np.array([model.get_word_vector(word) for word in words], dtype=np.float32)
    return model.get_word_vector, KeyedVectors(words, vectors), seconds


TRAINERS = {"fastw2v": train_fastw2v, "fasttext": train_fasttext}


def unseen_pair_score(vector_of, pairs, held_out):
    """Spearman of the cosines of every pair that holds a held-out word, with the gold scores:
    (rho, number of pairs)."""
    from fastw2v.correlation import spearman

    held = set(held_out)
    chosen = [(a.lower(), b.lower(), score) for sets in pairs.values() for a, b, score in sets
              if a.lower() in held or b.lower() in held]
    cosines = []
    for a, b, _ in chosen:
        u, v = np.asarray(vector_of(a), np.float64), np.asarray(vector_of(b), np.float64)
        norm = np.linalg.norm(u) * np.linalg.norm(v)
        cosines.append(float(u @ v / norm) if norm > 0 else 0.0)
    return float(spearman(np.array(cosines), np.array([s for _, _, s in chosen]))), len(chosen)


def run(corpus, seeds, epochs, threads, trainers=tuple(TRAINERS)):
    """Every trainer's scores on every seed, and their means: dict (JSON-ready)."""
    questions, pairs = evaluation_sets()
    held_out = held_out_words(pairs, word_counts(corpus))
    settings = dict(SETTINGS, min_count=MIN_COUNT, epochs=epochs, threads=threads, model="skipgram")
    report = {"corpus": os.path.abspath(corpus), "settings": settings, "held_out_words": len(held_out),
              "runs": {name: [] for name in trainers}}
    with tempfile.TemporaryDirectory() as scratch:
        reduced = os.path.join(scratch, "held-out.txt")
        write_without(corpus, held_out, reduced)
        for seed in seeds:
            for name in trainers:
                _, vectors, seconds = TRAINERS[name](corpus, seed, epochs, threads)
                scores = vocabulary_scores(vectors, questions, pairs)
                vector_of, reduced_vectors, reduced_seconds = TRAINERS[name](reduced, seed, epochs, threads)
                missing = [w for w in held_out if w in reduced_vectors.key_to_index]
                assert not missing, f"{name} has held-out words in its vocabulary: {missing[:5]}"
                rho, n_pairs = unseen_pair_score(vector_of, pairs, held_out)
                scores.update(unseen_pairs=rho, unseen_pairs_n=n_pairs)
                scores.update(seed=seed, seconds=seconds, held_out_seconds=reduced_seconds)
                report["runs"][name].append(scores)
                print(json.dumps({name: scores}), file=sys.stderr, flush=True)
    report["means"] = {name: {key: float(np.mean([run[key] for run in runs]))
                              for key in runs[0] if key != "seed"} for name, runs in report["runs"].items()}
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.subword_quality",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="a whitespace-separated text file (one sentence per line)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--trainers", nargs="+", choices=sorted(TRAINERS), default=sorted(TRAINERS))
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.corpus):
        parser.error(f"{args.corpus}: not a file")
    report = run(args.corpus, args.seeds, args.epochs, args.threads, tuple(args.trainers))
    text = json.dumps(report, indent=1)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
